// listen(handle): a server takes over another server's listening handle, as node:net
// allows with `server.listen(other._handle)` (how handles passed between processes
// are served).
import test from 'ava';
import { differential } from './helpers/impl.mjs';
import { closeServer } from './helpers/fixtures.mjs';

const dt = (title, scenario, opts) => test(title, (t) => differential(t, title, scenario, opts));

dt("listen(other._handle): the second server accepts on the first one's socket", async (net, ctx) => {
  const first = ctx.createServer(() => ctx.rec('o', 'first-got-connection'));
  const port = await ctx.listen(first, 'P');
  const second = ctx.createServer((s) => s.end('from second'));
  ctx.watch(second, 'second');
  const listening = ctx.wait(second, 'listening');
  const r = second.listen(first._handle);
  ctx.rec('o', 'returned', r === second, second.listening);
  await listening;
  ctx.rec('o', 'listening', second.listening, second.address());
  const c = ctx.connect(port, '127.0.0.1');
  ctx.watch(c, 'client');
  await ctx.closed(c);
  await closeServer(second);
  first._handle = null; // the handle now belongs to `second`, which closed it
});
