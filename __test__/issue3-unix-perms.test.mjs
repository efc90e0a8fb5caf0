// Issue 3: EACCES on Unix sockets, for real. The tests run as root, where
// directory and socket-file permissions never stop connect(2) or bind(2), so
// the clients run in a child process without that power:
//   - as user nobody (uid 65534), when nobody can read this checkout (the
//     usual case here: the files are world-readable);
//   - otherwise, as root with every capability dropped (setpriv), the
//     permissions being taken away from the owner itself;
//   - when the tests do not run as root, as this user, the same way.
// Same scenario on node:net and on rsnet, traces compared.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { loadImpl, implSpecifier } from './helpers/impl.mjs';
import { childDifferential, tempDir, rmTemp, here } from './fixtures/issue3/helpers.mjs';

const ROOT = process.getuid() === 0;
const NOBODY = 65534;
const CHILD = here('unix-child.cjs');

// Can user nobody run the child here (read node, the scripts, the module)?
function nobodyCanRun() {
  const specs = ['node', 'rsnet'].map((w) => implSpecifier(w));
  const r = spawnSync(process.execPath, ['-e', `
    const fs = require('fs');
    for (const p of process.argv.slice(1)) {
      if (p.startsWith('/')) fs.accessSync(p, fs.constants.R_OK);
      require(p.endsWith('.cjs') ? 'node:fs' : p);
    }`, CHILD, here('trace.cjs'), ...specs], { uid: NOBODY, gid: NOBODY, encoding: 'utf8', cwd: '/', timeout: 20000 });
  return r.status === 0;
}

function setprivWorks() {
  const r = spawnSync('setpriv', ['--bounding-set=-all', '--inh-caps=-all', '--', process.execPath, '-e', '0'], { encoding: 'utf8', timeout: 20000 });
  return r.status === 0;
}

// How the child loses its privileges: {uid, gid} or {wrap}, and whether the
// permissions must be taken from the owner (same user) or from others.
function dropMode() {
  if (!ROOT) return { label: 'as this (non-root) user', owner: true };
  if (nobodyCanRun()) return { label: 'as user nobody', uid: NOBODY, gid: NOBODY, owner: false };
  if (setprivWorks()) return { label: 'as root without capabilities (setpriv)', wrap: ['setpriv', '--bounding-set=-all', '--inh-caps=-all', '--'], owner: true };
  return null;
}

function listen(server, opts) {
  return new Promise((res, rej) => {
    server.once('error', rej);
    server.listen(opts, res);
  });
}

// The directory tree of unix-child.cjs's 'perms' scenario. The servers that
// are only there to exist are node:net; the one that listens with
// writableAll is the implementation under test.
async function permsTree(which, owner) {
  const dir = tempDir('perms');
  fs.chmodSync(dir, 0o755);
  for (const d of ['locked', 'ro', 'open']) fs.mkdirSync(path.join(dir, d), { mode: 0o755 });
  const servers = [];
  const nodeServer = async (p) => {
    const s = net.createServer((c) => { c.on('error', () => {}); c.resume(); c.on('end', () => c.end()); });
    await listen(s, { path: p });
    servers.push(s);
  };
  await nodeServer(path.join(dir, 'locked', 's.sock'));
  await nodeServer(path.join(dir, 'open', 'b.sock'));
  const impl = loadImpl(which);
  const w = impl.createServer((c) => { c.on('error', () => {}); c.resume(); c.on('end', () => c.end()); });
  await listen(w, { path: path.join(dir, 'open', 'w.sock'), readableAll: true, writableAll: true });
  servers.push(w);
  if (!owner) {
    // other users: no search in locked/, no write in ro/, no write on b.sock
    fs.chmodSync(path.join(dir, 'locked'), 0o700);
    fs.chmodSync(path.join(dir, 'ro'), 0o755);
    fs.chmodSync(path.join(dir, 'open', 'b.sock'), 0o755);
  } else {
    // the owner itself loses the permissions
    fs.chmodSync(path.join(dir, 'locked'), 0o000);
    fs.chmodSync(path.join(dir, 'ro'), 0o555);
    fs.chmodSync(path.join(dir, 'open', 'b.sock'), 0o555);
  }
  return {
    dir,
    cleanup: async () => {
      fs.chmodSync(path.join(dir, 'locked'), 0o700);
      fs.chmodSync(path.join(dir, 'ro'), 0o755);
      await Promise.all(servers.map((s) => new Promise((res) => s.close(() => res()))));
      rmTemp(dir);
    },
  };
}

test('EACCES: connect/listen in a directory without permission, connect to a socket file without write permission; writableAll lets another user in', async (t) => {
  const mode = dropMode();
  if (!mode) {
    t.fail('running as root, but neither user nobody can read this checkout nor setpriv can drop capabilities: no way to see EACCES');
    return;
  }
  t.log(`the child runs ${mode.label}`);
  await childDifferential(t, 'unix EACCES', async (which) => {
    const tree = await permsTree(which, mode.owner);
    return {
      script: CHILD,
      args: ['perms', tree.dir],
      uid: mode.uid,
      gid: mode.gid,
      wrap: mode.wrap,
      cwd: '/',
      cleanup: tree.cleanup,
    };
  }, {
    check: (tt, tr) => {
      const code = (list) => {
        const e = tr[list].find((x) => Array.isArray(x) && x[0] === 'error');
        return e && e[1].code;
      };
      tt.is(code('connect-locked-dir'), 'EACCES');
      tt.is(code('listen-locked-dir'), 'EACCES');
      tt.is(code('listen-readonly-dir'), 'EACCES');
      tt.is(code('connect-unwritable-socket'), 'EACCES');
      tt.is(code('connect-writableAll-socket'), undefined);
      tt.true(tr['connect-writableAll-socket'].includes('connect'));
    },
  });
});
