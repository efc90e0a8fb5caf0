// JS holds each reactor socket by id, in a table the binding keeps per thread
// (crates/node/src/conn_table.rs): an entry is made when JS takes a socket and removed
// when JS closes it. These checks (rsnet only: node:net has no such table) run every
// way a socket can end and assert that the table is back where it started, so no
// ending leaks an entry, and that a socket's byte counters outlive its entry.
import test from 'ava';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const net = require('../dist/net.js');
const native = require('../index.js');

const once = (emitter, event) => new Promise((res) => emitter.once(event, (...a) => res(a)));
const listening = async (server) => {
  await new Promise((res) => server.listen(0, '127.0.0.1', res));
  return server.address().port;
};
const closed = (...sockets) => Promise.all(sockets.map((s) => (s.destroyed && s.closed ? null : once(s, 'close'))));

/** Runs `scenario` and checks that every socket it took was let go of. */
async function leavesNothing(t, scenario) {
  const before = native.heldSocketCount();
  await scenario();
  t.is(native.heldSocketCount(), before);
}

test.serial('an exchange ended by both sides', async (t) => {
  await leavesNothing(t, async () => {
    const server = net.createServer((s) => s.pipe(s));
    const port = await listening(server);
    const [client, [accepted]] = await Promise.all([net.connect(port, '127.0.0.1'), once(server, 'connection')]);
    client.end('hello');
    let echoed = '';
    client.on('data', (d) => (echoed += d));
    await closed(client, accepted);
    t.is(echoed, 'hello');
    server.close();
  });
});

test.serial('destroy() and resetAndDestroy()', async (t) => {
  await leavesNothing(t, async () => {
    const server = net.createServer();
    const port = await listening(server);
    const accepted = [];
    server.on('connection', (s) => {
      accepted.push(s);
      s.on('error', () => {});
    });
    const a = net.connect(port, '127.0.0.1');
    const b = net.connect(port, '127.0.0.1');
    await Promise.all([once(a, 'connect'), once(b, 'connect')]);
    while (accepted.length < 2) await once(server, 'connection');
    a.destroy();
    b.resetAndDestroy();
    for (const s of accepted) s.destroy();
    await closed(a, b, ...accepted);
    t.pass();
    server.close();
  });
});

test.serial('a refused connect', async (t) => {
  await leavesNothing(t, async () => {
    const server = net.createServer();
    const port = await listening(server);
    await new Promise((res) => server.close(res));
    const client = net.connect(port, '127.0.0.1');
    const [err] = await once(client, 'error');
    t.is(err.code, 'ECONNREFUSED');
    await closed(client);
  });
});

test.serial('a connection dropped over maxConnections', async (t) => {
  await leavesNothing(t, async () => {
    const server = net.createServer();
    server.maxConnections = 1;
    const port = await listening(server);
    const first = net.connect(port, '127.0.0.1');
    const [accepted] = await once(server, 'connection');
    const second = net.connect(port, '127.0.0.1');
    second.on('error', () => {});
    await once(server, 'drop');
    await closed(second);
    first.destroy();
    accepted.destroy();
    await closed(first, accepted);
    t.pass();
    server.close();
  });
});

test.serial('a native pipe in both directions, and its byte counts after close', async (t) => {
  const size = 1024 * 1024;
  await leavesNothing(t, async () => {
    // backend echoes; the proxy pipes client<->backend natively.
    const backend = net.createServer((s) => s.pipe(s));
    const backendPort = await listening(backend);
    const proxied = [];
    const proxy = net.createServer((c) => {
      const b = net.connect(backendPort, '127.0.0.1');
      proxied.push(c, b);
      c.pipe(b);
      b.pipe(c);
    });
    const port = await listening(proxy);
    const client = net.connect(port, '127.0.0.1');
    let received = 0;
    client.on('data', (d) => {
      received += d.length;
      if (received === size) client.end();
    });
    client.write(Buffer.alloc(size, 7));
    await closed(client);
    await closed(...proxied);
    t.is(received, size);
    const [fromClient, toBackend] = proxied;
    t.is(fromClient.bytesRead, size);
    t.is(toBackend.bytesWritten, size);
    backend.close();
    proxy.close();
  });
});

test.serial('family auto-selection: a refused attempt, then the next address', async (t) => {
  await leavesNothing(t, async () => {
    // The server is on ::1 only, so the same port on 127.0.0.1 refuses the first attempt.
    const server = net.createServer((s) => s.end('hello'));
    await new Promise((res) => server.listen(0, '::1', res));
    const { port } = server.address();
    const lookup = (hostname, options, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }]);
    const client = net.connect({ port, host: 'both.invalid', lookup, autoSelectFamily: true });
    let got = '';
    client.on('data', (d) => (got += d));
    await closed(client);
    t.is(got, 'hello');
    t.deepEqual(client.autoSelectFamilyAttemptedAddresses, [`127.0.0.1:${port}`, `::1:${port}`]);
    server.close();
  });
});
