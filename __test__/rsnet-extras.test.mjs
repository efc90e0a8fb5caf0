// What rsnet offers beyond node 20's net, checked directly (there is no node:net to
// compare with): the old `server.connections` count and the reactor thread setting.
import test from 'ava';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const net = require('../dist/net.js');

const once = (emitter, event) => new Promise((res) => emitter.once(event, (...a) => res(a)));

test('server.connections counts live connections like getConnections()', async (t) => {
  const server = net.createServer();
  t.is(server.connections, 0);
  await new Promise((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address();
  const accepted = [];
  server.on('connection', (s) => accepted.push(s));
  const clients = [];
  for (let i = 1; i <= 3; i++) {
    const c = net.connect(port, '127.0.0.1');
    clients.push(c);
    await once(server, 'connection');
    const [, viaCallback] = await new Promise((res) => server.getConnections((...a) => res(a)));
    t.is(server.connections, i);
    t.is(viaCallback, i);
  }
  const gone = accepted.map((s) => once(s, 'close'));
  for (const c of clients) c.destroy();
  await Promise.all(gone);
  t.is(server.connections, 0);
  await new Promise((res) => server.close(res));
});

test('setIoThreads is exported and reports that the runtime already started', (t) => {
  t.is(typeof net.setIoThreads, 'function');
  // The test file already loaded the binding, which starts the runtime.
  t.is(net.setIoThreads(2), false);
});
