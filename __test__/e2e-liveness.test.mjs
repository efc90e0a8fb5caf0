// Process liveness: a script must exit by itself exactly when node:net would
// let it (nothing ref'd left), and must stay alive while a ref'd handle is
// open. The child runs the implementation under test; the parent side
// always uses node:net.
import test from 'ava';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { E2E_IMPLS, quietPort } from './helpers/impl.mjs';
import { spawnNode } from './helpers/child.mjs';

const CHILD = fileURLToPath(new URL('./helpers/liveness-child.cjs', import.meta.url));
const EXIT_GUARD = 15000;

function listen(server) {
  return new Promise((res, rej) => {
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => res(server.address().port));
  });
}

function close(server) {
  return new Promise((res) => server.close(() => res()));
}

// a port nobody listens on (and no concurrent process will be given)
const freePort = quietPort;

// Connect to the child's server, send `msg`, collect everything until the
// child side ends or `want` bytes came back; then close our side.
function roundTrip(port, msg, { endAfter = true } = {}) {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      c.destroy();
      reject(new Error('no echo within 10 s'));
    }, 10000);
    let got = '';
    c.setEncoding('utf8');
    c.on('error', (e) => { clearTimeout(timer); reject(e); });
    c.on('connect', () => c.write(msg));
    c.on('data', (d) => {
      got += d;
      if (got.length >= msg.length && endAfter) c.end();
    });
    c.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

async function expectExit(t, ch, expected = { code: 0, signal: null }) {
  const r = await ch.exit(EXIT_GUARD);
  if (r.timedOut) {
    await ch.kill('SIGKILL');
    t.fail(`child did not exit by itself within ${EXIT_GUARD} ms; stdout: ${ch.stdout} stderr: ${ch.stderr}`);
    return r;
  }
  t.deepEqual(r, expected, `stderr: ${ch.stderr}`);
  return r;
}

for (const which of E2E_IMPLS) {
  test(`${which}: (a) a server that closes after one connection lets the process exit`, async (t) => {
    const ch = spawnNode(which, CHILD, ['close-after-one']);
    try {
      const { port } = await ch.message('listening');
      const echoed = await roundTrip(port, 'ping');
      t.is(echoed, 'ping');
      await expectExit(t, ch);
      t.truthy(ch.messages.find((m) => m.event === 'server-closed'));
    } finally {
      await ch.kill('SIGKILL');
    }
  });

  for (const mode of ['unref', 'unref-repeated']) test(`${which}: (b) unref()'d server and sockets, still open, let the process exit (${mode})`, async (t) => {
    const server = net.createServer();
    const conns = [];
    const gotHello = new Promise((res) => server.on('connection', (s) => {
      conns.push(s);
      s.setEncoding('utf8');
      let d = '';
      s.on('data', (x) => { d += x; if (d === 'hello from child') res(d); });
      s.on('error', () => {});
    }));
    const port = await listen(server);
    const ch = spawnNode(which, CHILD, [mode, port]);
    try {
      await ch.message('unrefd');
      t.is(await gotHello, 'hello from child');
      // we keep our end open: the child must still exit
      await expectExit(t, ch);
      t.is(conns.length, 1);
      // and its socket is gone with it
      if (!conns[0].destroyed) await new Promise((res) => conns[0].once('close', res));
      t.true(conns[0].destroyed);
    } finally {
      await ch.kill('SIGKILL');
      for (const c of conns) c.destroy();
      await close(server);
    }
  });

  test(`${which}: (b2) unref() right after connect() (before it completes) lets the process exit`, async (t) => {
    const server = net.createServer((s) => s.on('error', () => {}));
    const port = await listen(server);
    const ch = spawnNode(which, CHILD, ['unref-early', port]);
    try {
      await expectExit(t, ch);
      t.truthy(ch.messages.find((m) => m.event === 'unrefd'));
    } finally {
      await ch.kill('SIGKILL');
      await close(server);
    }
  });

  test(`${which}: (c) everything destroyed in the middle of traffic: the process exits`, async (t) => {
    const ch = spawnNode(which, CHILD, ['destroy-all']);
    try {
      await expectExit(t, ch);
      t.truthy(ch.messages.find((m) => m.event === 'destroyed'));
    } finally {
      await ch.kill('SIGKILL');
    }
  });

  test(`${which}: (c) a refused connection: error, close, exit`, async (t) => {
    const port = await freePort();
    const ch = spawnNode(which, CHILD, ['refused', port]);
    try {
      await expectExit(t, ch);
      t.deepEqual(ch.messages, [{ event: 'error', code: 'ECONNREFUSED' }, { event: 'close' }]);
    } finally {
      await ch.kill('SIGKILL');
    }
  });

  test(`${which}: (c) a server closed before 'listening': the process exits`, async (t) => {
    const ch = spawnNode(which, CHILD, ['close-while-listening']);
    try {
      await expectExit(t, ch);
      t.deepEqual(ch.messages, [{ event: 'closed' }]);
    } finally {
      await ch.kill('SIGKILL');
    }
  });

  test(`${which}: (c) a socket destroyed by its 'timeout' handler: the process exits`, async (t) => {
    const conns = [];
    const server = net.createServer((s) => { conns.push(s); s.on('error', () => {}); });
    const port = await listen(server);
    const ch = spawnNode(which, CHILD, ['timeout-destroy', port]);
    try {
      await expectExit(t, ch);
      t.deepEqual(ch.messages, [{ event: 'timeout' }]);
    } finally {
      await ch.kill('SIGKILL');
      for (const c of conns) c.destroy();
      await close(server);
    }
  });

  for (const mode of ['stay-alive', 'ref-after-unref', 'ref-after-unref-twice']) {
    test(`${which}: (d) a ref'd listening server keeps the process alive (${mode})`, async (t) => {
      const ch = spawnNode(which, CHILD, [mode]);
      try {
        const { port } = await ch.message('listening');
        t.is(await roundTrip(port, 'echo one'), 'echo one');
        // no connection open any more: only the server holds the process
        t.is(await roundTrip(port, 'echo two'), 'echo two');
        t.true(ch.alive(), 'child must still be running');
        const r = await ch.kill('SIGTERM');
        t.deepEqual(r, { code: null, signal: 'SIGTERM' });
      } finally {
        await ch.kill('SIGKILL');
      }
    });
  }

  test(`${which}: (d) an open client socket keeps the process alive until the peer closes it`, async (t) => {
    let sock;
    const server = net.createServer();
    const accepted = new Promise((res) => server.once('connection', (s) => { sock = s; res(s); }));
    const port = await listen(server);
    const ch = spawnNode(which, CHILD, ['client-alive', port]);
    try {
      await ch.message('connected');
      const s = await accepted;
      s.setEncoding('utf8');
      const echoed = await new Promise((res) => {
        let got = '';
        s.on('data', (d) => { got += d; if (got.length >= 7) res(got); });
        s.write('echo-me');
      });
      t.is(echoed, 'echo-me');
      t.true(ch.alive(), 'child must still be running while its socket is open');
      s.end();
      await expectExit(t, ch);
      t.truthy(ch.messages.find((m) => m.event === 'end'));
    } finally {
      await ch.kill('SIGKILL');
      if (sock) sock.destroy();
      await close(server);
    }
  });

  test(`${which}: (e) an 'error' without a listener crashes the process like node:net`, async (t) => {
    const port = await freePort();
    const ch = spawnNode(which, CHILD, ['unhandled-error', port]);
    try {
      await expectExit(t, ch, { code: 1, signal: null });
      t.regex(ch.stderr, /Error: connect ECONNREFUSED 127\.0\.0\.1:\d+/);
      t.regex(ch.stderr, /Unhandled 'error' event|code: 'ECONNREFUSED'/);
    } finally {
      await ch.kill('SIGKILL');
    }
  });
}
