// Issue 3: a real client and a real server that are not node: OpenBSD netcat
// over a Unix socket (`nc -U`). `.ci/run` installs netcat-openbsd if missing.
// Runs on node:net (which proves the test) and on rsnet.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { E2E_IMPLS, loadImpl } from './helpers/impl.mjs';
import { tempDir, rmTemp, guard, once } from './fixtures/issue3/helpers.mjs';
import { ncPath } from './helpers/child.mjs';

const NC = ncPath();

// nc with a guard: killed (by pid) if it has not exited within 15 s.
function startNc(args) {
  const nc = spawn(NC, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const st = { out: '', err: '' };
  nc.stdout.setEncoding('utf8');
  nc.stderr.setEncoding('utf8');
  nc.stdout.on('data', (d) => { st.out += d; nc.emit('out', st.out); });
  nc.stderr.on('data', (d) => { st.err += d; });
  const exited = new Promise((res) => nc.on('close', (code, signal) => res({ code, signal })));
  const timer = setTimeout(() => { try { process.kill(nc.pid, 'SIGKILL'); } catch { /* gone */ } }, 15000);
  exited.then(() => clearTimeout(timer));
  return { nc, st, exited };
}

// Resolve once nc's stdout has become exactly `want` (rejects on guard).
function outputBecomes(h, want) {
  return guard(new Promise((res) => {
    if (h.st.out === want) res();
    h.nc.on('out', (o) => { if (o === want) res(); });
  }), 10000, `nc's output to become ${JSON.stringify(want)} (it is ${JSON.stringify(h.st.out)}; stderr ${JSON.stringify(h.st.err)})`);
}

for (const which of E2E_IMPLS) {
  test(`${which}: an echo server on listen(path) with nc -U as the client`, async (t) => {
    if (!NC) {
      t.fail('nc (netcat-openbsd) is not installed: apt-get install -y netcat-openbsd');
      return;
    }
    const net = loadImpl(which);
    const dir = tempDir('nc');
    const p = path.join(dir, 'echo.sock');
    const events = [];
    const server = net.createServer((c) => {
      events.push('connection');
      c.on('end', () => events.push('end'));
      c.on('close', () => events.push('close'));
      c.on('error', (e) => events.push(`error ${e.code}`));
      c.pipe(c);
    });
    try {
      await guard(new Promise((res, rej) => {
        server.once('error', rej);
        server.listen(p, res);
      }), 5000, 'listen(path)');
      t.true(fs.statSync(p).isSocket());
      for (const line of ['hello over a unix socket\n', 'a second client, a second line\n']) {
        const closed = once(server, 'connection').then(([c]) => (c.destroyed ? null : once(c, 'close')));
        // -N: shut the socket down for writing once stdin ends
        const h = startNc(['-N', '-U', p]);
        h.nc.stdin.write(line);
        await outputBecomes(h, line);
        h.nc.stdin.end();
        t.deepEqual(await h.exited, { code: 0, signal: null }, `nc stderr: ${h.st.err}`);
        t.is(h.st.out, line);
        await guard(closed, 5000, "the accepted socket's 'close'");
      }
      t.deepEqual(events, ['connection', 'end', 'close', 'connection', 'end', 'close']);
      await new Promise((res) => server.close(() => res()));
      t.false(fs.existsSync(p), 'the socket file is removed on close()');
    } finally {
      if (server.listening) server.close();
      rmTemp(dir);
    }
  });

  test(`${which}: connect(path) to an nc -lU server: data both ways, half-close`, async (t) => {
    if (!NC) {
      t.fail('nc (netcat-openbsd) is not installed: apt-get install -y netcat-openbsd');
      return;
    }
    const net = loadImpl(which);
    const dir = tempDir('ncl');
    const p = path.join(dir, 'nc.sock');
    // learn when nc has bound its socket from the directory itself
    const appeared = new Promise((res) => {
      const w = fs.watch(dir, () => {
        if (fs.existsSync(p)) {
          w.close();
          res();
        }
      });
    });
    const h = startNc(['-l', '-N', '-U', p]);
    let c;
    try {
      await guard(appeared, 10000, 'nc -lU to create its socket');
      // nc binds, then listens: a connect in between is refused; retry (bounded)
      let err;
      for (let attempt = 0; attempt < 100; attempt++) {
        c = net.connect(p);
        c.setEncoding('utf8');
        err = await guard(new Promise((res) => {
          c.once('connect', () => res(null));
          c.once('error', (e) => res(e));
        }), 5000, 'connect(path) to nc');
        if (!err) break;
        if (err.code !== 'ECONNREFUSED') break;
        await new Promise((res) => setImmediate(res));
      }
      t.is(err, null, `connect: ${err && err.message}`);
      let got = '';
      c.on('data', (d) => { got += d; });
      const ended = once(c, 'end');
      c.write('ping from the client\n');
      await outputBecomes(h, 'ping from the client\n');
      h.nc.stdin.end('pong from nc\n');
      await guard(ended, 10000, "the client's 'end' after nc shut its side down");
      t.is(got, 'pong from nc\n');
      c.end();
      await guard(once(c, 'close'), 5000, "the client's 'close'");
      t.deepEqual(await h.exited, { code: 0, signal: null }, `nc stderr: ${h.st.err}`);
    } finally {
      if (c) c.destroy();
      try { process.kill(h.nc.pid, 'SIGKILL'); } catch { /* gone */ }
      rmTemp(dir);
    }
  });
}
