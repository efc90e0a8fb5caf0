// setNoDelay / setKeepAlive and the server's noDelay / keepAlive options must reach the
// real descriptor: read back from the kernel with getsockopt through the handle's
// diagnostic `socketOptions()` (node:net has no way to read them, so no differential).
import test from 'ava';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const net = require('../dist/net.js');

const kernelOptions = (socket) => socket._handle.socketOptions();

async function pair(serverOptions = {}, clientOptions = {}) {
  const server = net.createServer(serverOptions);
  await new Promise((res) => server.listen(0, '127.0.0.1', res));
  const accepted = new Promise((res) => server.once('connection', res));
  const client = net.connect({ port: server.address().port, host: '127.0.0.1', ...clientOptions });
  await new Promise((res) => client.once('connect', res));
  return { server, client, accepted: await accepted };
}

async function teardown({ server, client, accepted }) {
  const closed = [client, accepted].map((s) => new Promise((res) => s.once('close', res)));
  client.destroy();
  accepted.destroy();
  await Promise.all(closed);
  await new Promise((res) => server.close(res));
}

test('setNoDelay and setKeepAlive change the fd', async (t) => {
  const p = await pair();
  t.like(kernelOptions(p.client), { noDelay: false, keepAlive: false });
  p.client.setNoDelay();
  t.like(kernelOptions(p.client), { noDelay: true });
  p.client.setNoDelay(false);
  t.like(kernelOptions(p.client), { noDelay: false });
  p.client.setKeepAlive(true, 7000);
  t.like(kernelOptions(p.client), { keepAlive: true, keepAliveIdleSecs: 7 });
  p.client.setKeepAlive(false);
  t.like(kernelOptions(p.client), { keepAlive: false });
  await teardown(p);
});

test('options set before connecting apply once connected', async (t) => {
  const server = net.createServer();
  await new Promise((res) => server.listen(0, '127.0.0.1', res));
  const accepted = new Promise((res) => server.once('connection', res));
  const client = new net.Socket();
  client.setNoDelay(true);
  client.setKeepAlive(true, 3000);
  client.connect(server.address().port, '127.0.0.1');
  await new Promise((res) => client.once('connect', res));
  t.like(kernelOptions(client), { noDelay: true, keepAlive: true, keepAliveIdleSecs: 3 });
  await teardown({ server, client, accepted: await accepted });
});

test('connect options noDelay/keepAlive/keepAliveInitialDelay', async (t) => {
  const p = await pair({}, { noDelay: true, keepAlive: true, keepAliveInitialDelay: 9000 });
  t.like(kernelOptions(p.client), { noDelay: true, keepAlive: true, keepAliveIdleSecs: 9 });
  await teardown(p);
});

test('server options apply to accepted sockets', async (t) => {
  const p = await pair({ noDelay: true, keepAlive: true, keepAliveInitialDelay: 4000 });
  t.like(kernelOptions(p.accepted), { noDelay: true, keepAlive: true, keepAliveIdleSecs: 4 });
  t.like(kernelOptions(p.client), { noDelay: false, keepAlive: false });
  await teardown(p);
});
