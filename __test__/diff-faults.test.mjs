// Calls in an order node:net tolerates, that once threw uncaught in rsnet or leaked a
// connection (issue 15): compared with node:net, events and errors, and the process
// must not be held by anything left behind.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { differential } from './helpers/impl.mjs';
import { spawnNode } from './helpers/child.mjs';

const RESET_AFTER_END = fileURLToPath(new URL('./fixtures/faults/reset-after-end.cjs', import.meta.url));

const dt = (title, scenario, opts) => test(title, (t) => differential(t, title, scenario, opts));

// connect() again on a socket destroyed while its connect was on its way: node:net
// ends up connecting its new handle twice and fails the second with EALREADY. (rsnet
// threw an uncaught TypeError, or connected twice and leaked one connection.)
dt('connect() on a socket destroyed while connecting', async (net, ctx) => {
  const server = net.createServer((s) => s.end());
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const s = net.connect(port, '127.0.0.1');
  const events = [];
  for (const ev of ['connect', 'close', 'error', 'end', 'finish']) {
    s.on(ev, (a) => events.push(a instanceof Error ? `${ev}:${a.code}:${a.syscall}:${a.message.replace(String(port), '<port>').replace(/ - Local \(.*\)$/, '')}` : ev));
  }
  s.destroy();
  ctx.rec('connect again', 'returns the socket', s.connect(port, '127.0.0.1') === s);
  await new Promise((resolve) => {
    let closes = 0;
    s.on('close', () => {
      if (++closes === 2) resolve();
    });
  });
  // Match node:net: two 'close' events (one per handle); their order follows when
  // each handle's close completes, which rsnet does not promise, so the set is compared.
  ctx.rec('events', [...events].sort());
  await new Promise((resolve) => server.close(resolve));
});

// Sockets destroyed in one tick: libuv runs their close callbacks most recent first, so
// node:net emits 'close' in the reverse order of the destroy() calls, and a pipe()
// between two of them unpipes (pausing its source) after both have closed. (rsnet
// emitted them in call order; found by the random-call property test.)
dt('close order of sockets destroyed together', async (net, ctx) => {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const peers = [];
  server.on('connection', (s) => peers.push(s));
  const a = net.connect(port, '127.0.0.1');
  const b = net.connect(port, '127.0.0.1');
  await Promise.all([a, b].map((s) => new Promise((resolve) => s.once('connect', resolve))));
  const c = new net.Socket();
  const order = [];
  const closed = Promise.all([['a', a], ['b', b], ['c', c]].map(([name, s]) => new Promise((resolve) => {
    s.on('close', () => {
      order.push(name);
      resolve();
    });
    for (const ev of ['pause', 'resume', 'unpipe']) s.on(ev, () => order.push(`${name}:${ev}`));
  })));
  b.pipe(a);
  a.destroy();
  c.destroy();
  b.destroy();
  await closed;
  ctx.rec('order', order);
  for (const p of peers) p.destroy();
  await new Promise((resolve) => server.close(resolve));
});

// resetAndDestroy() after end(): libuv refuses a reset once the FIN was asked for, and
// node:net emits 'reset EINVAL' from destroy(). node:net then leaves the socket
// unclosed: its descriptor stays open, 'close' never comes, and the process never
// exits (Node 20 to 26). rsnet closes it the ordinary way. Each runs in a child
// (fixtures/faults/reset-after-end.cjs), node:net's killed once it has reported.
test('resetAndDestroy() after end(): reset EINVAL as node:net; rsnet then closes and exits', async (t) => {
  const reports = {};
  for (const which of ['node', 'rsnet']) {
    const ch = spawnNode(which, RESET_AFTER_END);
    try {
      reports[which] = await ch.message((m) => m.returned !== undefined, 10000);
      if (which === 'rsnet') {
        t.like(await ch.message((m) => m.closed !== undefined, 10000), { closed: false });
        t.deepEqual(await ch.exit(10000), { code: 0, signal: null }, ch.stderr);
      }
    } finally {
      await ch.kill('SIGKILL');
    }
  }
  t.deepEqual(reports.rsnet, reports.node);
  t.is(reports.node.events[0], 'error:EINVAL:reset:reset EINVAL');
});
