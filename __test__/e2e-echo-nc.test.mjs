// Node's documented echo server (port 8124) run in a child process on the
// implementation under test, with OpenBSD netcat as the client.
import test from 'ava';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { E2E_IMPLS } from './helpers/impl.mjs';
import { spawnNode, ncPath } from './helpers/child.mjs';

const SERVER = fileURLToPath(new URL('./helpers/echo-server-doc.cjs', import.meta.url));

const NC = ncPath();

// Start the example on 8124; if another process holds 8124, fall back to
// an OS-chosen port (the example's own 'error' handler rethrows, so that
// shows up as the child dying with EADDRINUSE).
async function startServer(which) {
  for (const port of [8124, 0]) {
    const ch = spawnNode(which, SERVER, [port]);
    try {
      await ch.message((m) => m.line === 'server bound', 10000);
      const { port: bound } = await ch.message((m) => typeof m.port === 'number', 10000);
      return { ch, port: bound };
    } catch (e) {
      await ch.kill('SIGKILL');
      if (port === 8124 && /EADDRINUSE/.test(ch.stderr)) continue;
      throw e;
    }
  }
  throw new Error('unreachable');
}

// nc -N host port: send `line` after the greeting, wait for its echo,
// close stdin (nc then shuts down its side), collect all output.
function ncSession(host, port, line) {
  return new Promise((resolve, reject) => {
    const nc = spawn(NC, ['-N', host, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let sent = false;
    const timer = setTimeout(() => {
      try { process.kill(nc.pid, 'SIGKILL'); } catch { /* gone */ }
      reject(new Error(`nc session did not finish within 15 s; stdout: ${JSON.stringify(out)} stderr: ${err}`));
    }, 15000);
    nc.stdout.setEncoding('utf8');
    nc.stderr.setEncoding('utf8');
    nc.stderr.on('data', (d) => { err += d; });
    nc.stdout.on('data', (d) => {
      out += d;
      if (!sent && out.startsWith('hello\r\n')) {
        sent = true;
        nc.stdin.write(line);
      }
      if (sent && out === `hello\r\n${line}`) nc.stdin.end();
    });
    nc.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ out, err, code, signal });
    });
    nc.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

for (const which of E2E_IMPLS) {
  test.serial(`${which}: documented echo server on 8124 with nc as the client`, async (t) => {
    if (!NC) {
      t.fail('nc (netcat-openbsd) is not installed: apt-get install -y netcat-openbsd');
      return;
    }
    const { ch, port } = await startServer(which);
    try {
      if (port !== 8124) t.log(`port 8124 was busy; the example ran on ${port}`);
      const line = 'a line of text for the echo server\n';
      const v4 = await ncSession('127.0.0.1', port, line);
      t.deepEqual(v4, { out: `hello\r\n${line}`, err: '', code: 0, signal: null });
      // the default listen() is dual stack: IPv6 loopback works too
      const v6 = await ncSession('::1', port, 'second client over ::1\n');
      t.deepEqual(v6, { out: 'hello\r\nsecond client over ::1\n', err: '', code: 0, signal: null });
      await ch.message((m) => m.line === 'client disconnected' && ch.messages.filter((x) => x.line === 'client disconnected').length === 2, 10000);
      t.deepEqual(ch.messages.filter((m) => m.line).map((m) => m.line), [
        'server bound',
        'client connected',
        'client disconnected',
        'client connected',
        'client disconnected',
      ]);
      t.true(ch.alive(), 'the server keeps running');
      t.is(ch.stderr, '');
    } finally {
      const r = await ch.kill('SIGTERM');
      t.deepEqual(r, { code: null, signal: 'SIGTERM' });
    }
  });
}
