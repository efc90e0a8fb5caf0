// IPv6 addresses with a zone (`fe80::1%lo`, `::1%lo`) in listen() and connect(), as
// node:net takes them (issue 15: rsnet threw an uncaught "not an IP address" even with
// 'error' listeners). The kernel decides: no such link-local address to bind
// (EADDRNOTAVAIL), no route (ENETUNREACH, failing at once, so the message names the
// local side), or a loopback connection that works.
import test from 'ava';
import { differential, quietPort } from './helpers/impl.mjs';

const dt = (title, scenario, opts) => test(title, (t) => differential(t, title, scenario, opts));

const describe = (e) => [e.code, e.syscall, e.address, e.port, e.message];

dt('listen() on an IPv6 address with a zone', async (net, ctx) => {
  const server = net.createServer();
  const outcome = await new Promise((resolve) => {
    server.on('error', (e) => resolve(['error', ...describe(e)]));
    server.listen(0, 'fe80::1%lo', () => resolve(['listening']));
  });
  ctx.rec('listen fe80::1%lo', outcome);
  if (server.listening) await new Promise((resolve) => server.close(resolve));
});

dt('connect() to IPv6 addresses with a zone', async (net, ctx) => {
  const refusedPort = await quietPort();
  ctx.name(refusedPort, 'refused');
  for (const [name, options] of [
    ['no route', { host: 'fe80::1%lo', port: 9 }],
    ['refused', { host: '::1%lo', port: refusedPort }],
  ]) {
    const socket = net.connect(options);
    socket.on('connect', () => ctx.rec(name, 'connect'));
    const named = (v) => (v === refusedPort ? '<refused>' : typeof v === 'string' ? v.replace(String(refusedPort), '<refused>') : v);
    socket.on('error', (e) => ctx.rec(name, 'error', ...describe(e).map(named)));
    await new Promise((resolve) => socket.on('close', resolve));
  }
  const server = net.createServer((s) => s.end('hi'));
  await new Promise((resolve) => server.listen(0, '::1', resolve));
  const c = net.connect({ host: '::1%lo', port: server.address().port });
  c.on('data', (d) => ctx.rec('loopback with a zone', 'data', String(d)));
  await new Promise((resolve) => c.on('close', resolve));
  await new Promise((resolve) => server.close(resolve));
});
