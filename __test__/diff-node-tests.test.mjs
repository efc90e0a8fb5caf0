// Behaviours that Node's own test/parallel/test-net-* files check and rsnet got wrong
// (found with ../shared/conformance on Node 22-26), each as a differential scenario of
// its own: node:net of the running Node and rsnet, traces compared. Node's files are
// not copied here; each scenario names the test that showed the gap.
import test from 'ava';
import { differential } from './helpers/impl.mjs';

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
const dt = (title, scenario, opts) => test(title, (t) => differential(t, title, scenario, opts));

// test-net-end-without-connect: end() on a socket that never connects. Node 22 and
// later finish it at once (callback, 'finish'); Node 20 never runs the callback.
dt('end() on a socket that never connects', async (net, ctx) => {
  const sock = new net.Socket();
  for (const ev of ['finish', 'close', 'error', 'end']) sock.on(ev, () => ctx.rec('sock', ev));
  const ended = new Promise((resolve) => {
    sock.end(() => {
      ctx.rec('sock', 'end-callback', { writable: sock.writable });
      resolve();
    });
  });
  // Node 20: nothing more happens; the scenario ends on the next turns either way.
  await Promise.race([ended, new Promise((resolve) => setImmediate(() => setImmediate(resolve)))]);
  await new Promise((resolve) => setImmediate(resolve));
  ctx.rec('sock', 'state', { writable: sock.writable, writableFinished: sock.writableFinished, destroyed: sock.destroyed });
  sock.destroy();
});

// test-net-socket-setnodelay (and setKeepAlive likewise): a handle given to the
// constructor may lack the method; the call then does nothing.
dt('setNoDelay()/setKeepAlive() on a handle without them', (net, ctx) => {
  const calls = [];
  const withThem = new net.Socket({
    handle: {
      setNoDelay: (on) => calls.push(['setNoDelay', on]),
      setKeepAlive: (on, delay) => calls.push(['setKeepAlive', on, delay]),
      readStart() {},
    },
  });
  for (const v of [undefined, true, 1, 'true', {}, false, 0, '']) withThem.setNoDelay(v);
  withThem.setKeepAlive(true, 2500);
  withThem.setKeepAlive(true, 2500);
  withThem.setKeepAlive(false);
  ctx.rec('with', 'calls', calls);
  const without = new net.Socket({ handle: { setNoDelay: null, setKeepAlive: null, readStart() {} } });
  ctx.rec('without', 'returns', without.setNoDelay(true) === without, without.setKeepAlive(true, 1000) === without);
});

// test-net-connect-custom-lookup-non-string-address: a lookup that answers with an
// array. Node 22 and later emit ERR_INVALID_IP_ADDRESS; Node 20 aborts the process (an
// assertion in its TCP binding), so there rsnet's answer is checked on its own.
const nonStringLookup = async (net, ctx) => {
  for (const family of [4, 6]) {
    const socket = net.connect({
      host: 'example.com',
      port: 80,
      family,
      lookup: (_host, options, callback) => callback(null, ['127.0.0.1'], options.family),
    });
    socket.on('connect', () => ctx.rec(`family ${family}`, 'connect'));
    await new Promise((resolve) => socket.on('error', (e) => {
      ctx.rec(`family ${family}`, 'error', e.code, e.name, e.message);
      resolve();
    }));
    await new Promise((resolve) => socket.on('close', resolve));
  }
};
if (NODE_MAJOR >= 22) {
  dt('a custom lookup that answers with a non-string address', nonStringLookup);
} else {
  test('a custom lookup that answers with a non-string address (rsnet on Node 20, which aborts)', async (t) => {
    const { rsnet } = (await import('./helpers/impl.mjs')).loadImpls();
    const socket = rsnet.connect({ host: 'example.com', port: 80, family: 4, lookup: (_h, o, cb) => cb(null, ['127.0.0.1'], 4) });
    const err = await new Promise((resolve) => socket.on('error', resolve));
    t.is(err.code, 'ERR_INVALID_IP_ADDRESS');
    t.is(err.message, "Invalid IP address: [ '127.0.0.1' ]");
  });
}

// test-net-autoselectfamily-attempt-timeout-default-value, -cli-option and
// -commandline-option: the defaults of the running Node (250 ms, 500 from Node 26), and
// Node's options that change them, on the command line or in NODE_OPTIONS.
test('autoSelectFamily defaults follow Node and its command-line options', async (t) => {
  const { execFileSync } = await import('node:child_process');
  const { RSNET_PATH } = await import('./helpers/impl.mjs');
  const probe = (mod) => `const n = require(${JSON.stringify(mod)}); process.stdout.write(JSON.stringify([n.getDefaultAutoSelectFamily(), n.getDefaultAutoSelectFamilyAttemptTimeout()]))`;
  const cases = [
    { flags: [] },
    { flags: ['--network-family-autoselection-attempt-timeout=123'] },
    { flags: ['--network-family-autoselection-attempt-timeout', '5'] },
    { flags: ['--no-network-family-autoselection'] },
    { flags: ['--no-network-family-autoselection', '--network-family-autoselection'] },
    { nodeOptions: '--no-network-family-autoselection --network-family-autoselection-attempt-timeout=77' },
    { nodeOptions: '--network-family-autoselection-attempt-timeout=77', flags: ['--network-family-autoselection-attempt-timeout=88'] },
  ];
  for (const { flags = [], nodeOptions } of cases) {
    const env = { ...process.env, NODE_OPTIONS: nodeOptions ?? '' };
    const run = (mod) => JSON.parse(execFileSync(process.execPath, [...flags, '-e', probe(mod)], { env, encoding: 'utf8' }));
    t.deepEqual(run(RSNET_PATH), run('node:net'), `flags ${flags.join(' ')}, NODE_OPTIONS ${nodeOptions ?? ''}`);
  }
});

// test-net-pipe-with-long-path: a Unix socket path longer than sun_path. Node 20 and 22
// cut it to fit (listen binds the shortened path, connect reaches it); Node 24 and
// later refuse it with EINVAL, in listen and in connect.
test('a Unix socket path too long for sun_path', async (t) => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const dirs = [];
  const scenario = async (net, ctx) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rsnet-long-'));
    dirs.push(dir);
    const long = path.join(dir, `${'x'.repeat(300)}.sock`);
    ctx.strings.set(dir, '<dir>');
    const server = net.createServer((s) => s.end('hi'));
    const listened = await new Promise((resolve) => {
      server.on('listening', () => resolve(true));
      server.on('error', (e) => {
        ctx.rec('server', 'error', e.code, e.syscall);
        resolve(false);
      });
      server.listen(long);
    });
    ctx.rec('dir', 'entries', fs.readdirSync(dir).map((name) => name.length));
    const client = net.connect(long);
    await new Promise((resolve) => {
      client.on('error', (e) => ctx.rec('client', 'error', e.code, e.syscall));
      client.on('data', (d) => ctx.rec('client', 'data', String(d)));
      client.on('close', resolve);
    });
    if (listened) await new Promise((resolve) => server.close(resolve));
  };
  await differential(t, 'a Unix socket path too long for sun_path', scenario);
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

// test-net-blocklist and test-net-server-blocklist: the blockList option (Node 22 and
// later; Node 20 ignores it, and so does rsnet there).
dt('connect() with a blockList', async (net, ctx) => {
  const blockList = new net.BlockList();
  blockList.addAddress('127.0.0.2');
  blockList.addAddress('127.0.0.3');
  // A lookup that answers on a later turn, so that every event comes after the
  // listeners are on.
  const later = (...answer) => (_host, _options, callback) => setImmediate(() => callback(null, ...answer));
  const server = ctx.nodeNet.createServer((s) => s.end());
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const clean = (text) => text.split(String(port)).join('<port>');
  try {
    ctx.rec('bad option', 'throws', (() => {
      try {
        new net.Socket({ blockList: 1 });
        return 'no';
      } catch (e) {
        return [e.code, e.message];
      }
    })());
    const attempts = [
      ['literal', { host: '127.0.0.2' }],
      ['lookup', { host: 'h.test', autoSelectFamily: false, lookup: later('127.0.0.2', 4) }],
      ['all blocked', { host: 'h.test', autoSelectFamily: true, lookup: later([{ address: '127.0.0.2', family: 4 }, { address: '127.0.0.3', family: 4 }]) }],
      ['first blocked', { host: 'h.test', autoSelectFamily: true, lookup: later([{ address: '127.0.0.2', family: 4 }, { address: '127.0.0.1', family: 4 }]) }],
    ];
    for (const [name, opts] of attempts) {
      const s = net.connect({ port, blockList, ...opts });
      for (const ev of ['lookup', 'connectionAttempt', 'connectionAttemptFailed', 'connect']) {
        s.on(ev, (...args) => ctx.rec(name, ev, ...args.map((a) => (a instanceof Error ? [a.code, clean(a.message)] : a === port ? '<port>' : a))));
      }
      s.on('error', (e) => ctx.rec(name, 'error', e.code, e.constructor.name, clean(e.message), (e.errors ?? []).map((x) => x.code)));
      s.resume();
      await new Promise((resolve) => s.on('close', resolve));
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

dt('a server with a blockList', async (net, ctx) => {
  const blockList = new net.BlockList();
  blockList.addAddress('127.0.0.2');
  ctx.rec('bad option', 'throws', (() => {
    try {
      net.createServer({ blockList: 'x' });
      return 'no';
    } catch (e) {
      return [e.code, e.message];
    }
  })());
  const server = net.createServer({ blockList }, (s) => {
    ctx.rec('server', 'connection', s.remoteAddress);
    s.end('hello');
  });
  await new Promise((resolve) => server.listen(0, '0.0.0.0', resolve));
  const { port } = server.address();
  for (const from of ['127.0.0.2', '127.0.0.1']) {
    const c = ctx.nodeNet.connect({ port, host: '127.0.0.1', localAddress: from });
    c.on('data', (d) => ctx.rec(from, 'data', String(d)));
    c.on('error', (e) => ctx.rec(from, 'error', e.code));
    await new Promise((resolve) => c.on('close', resolve));
    ctx.rec(from, 'closed');
  }
  await new Promise((resolve) => server.close(resolve));
});

// test-net-socket-tos: setTypeOfService()/getTypeOfService() (Node 24.14 and 26 on):
// validation, a value kept before connecting and applied once connected, the kernel's
// value while connected (it may clear the two ECN bits), the kept value after destroy,
// EBADF while a connect() has no descriptor yet, and a Unix socket keeping the value.
dt('setTypeOfService() and getTypeOfService()', async (net, ctx) => {
  if (typeof net.Socket.prototype.setTypeOfService !== 'function') {
    ctx.rec('api', 'absent', typeof net.Socket.prototype.getTypeOfService);
    return;
  }
  const attempt = (name, f) => {
    try {
      const r = f();
      ctx.rec(name, r instanceof net.Socket ? 'socket' : r);
    } catch (e) {
      ctx.rec(name, 'threw', e.name, e.code, e.message);
    }
  };
  const fresh = new net.Socket();
  attempt('fresh get', () => fresh.getTypeOfService());
  for (const v of ['x', NaN, 256, -1, 1.5, null, 2 ** 40, 16]) attempt(`set ${String(v)}`, () => fresh.setTypeOfService(v));
  attempt('kept get', () => fresh.getTypeOfService());
  const server = net.createServer((c) => c.end());
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const early = net.connect(port, '127.0.0.1');
  attempt('before its descriptor: set', () => early.setTypeOfService(0x10));
  attempt('before its descriptor: get', () => early.getTypeOfService());
  await new Promise((resolve) => early.on('connect', resolve));
  attempt('connected get', () => early.getTypeOfService() & 0xfc);
  for (const v of [0x00, 0xff, 0x3f]) attempt(`connected set ${v}`, () => [early.setTypeOfService(v) === early, early.getTypeOfService() & 0xfc]);
  early.destroy();
  attempt('destroyed get', () => early.getTypeOfService());
  attempt('destroyed set', () => [early.setTypeOfService(4) === early, early.getTypeOfService()]);
  const kept = new net.Socket();
  kept.setTypeOfService(0x20);
  kept.connect(port, '127.0.0.1');
  await new Promise((resolve) => kept.on('connect', resolve));
  attempt('set before connect, connected get', () => kept.getTypeOfService() & 0xfc);
  kept.destroy();
  await new Promise((resolve) => server.close(resolve));
});

// test-net-reuseport: listen({ reusePort: true }) twice on one port (Node 22 and later;
// Node 20 has no such option, and the second listen is EADDRINUSE there).
dt('listen() with reusePort', async (net, ctx) => {
  const listen = (opts) => new Promise((resolve) => {
    const server = net.createServer();
    server.on('error', (e) => resolve([server, e.code]));
    server.listen(opts, () => resolve([server, 'listening']));
  });
  const [first, firstResult] = await listen({ port: 0, host: '127.0.0.1', reusePort: true });
  const { port } = first.address();
  const outcomes = { first: firstResult };
  const opened = [first];
  for (const [name, reusePort] of [['second, reusePort', true], ['third, reusePort "yes"', 'yes'], ['fourth, without', undefined]]) {
    const [server, result] = await listen({ port, host: '127.0.0.1', reusePort });
    outcomes[name] = result;
    if (result === 'listening') opened.push(server);
  }
  ctx.rec('listen', outcomes);
  for (const server of opened) await new Promise((resolve) => server.close(resolve));
});

// test-net-onread-static-buffer: the onread option. pause() from the callback stops
// the callbacks until resume(), the end comes after every byte, and a buffer function
// is asked once more for the read that finds the end.
dt('onread: pause() from the callback, and the end after the last byte', async (net, ctx) => {
  const message = Buffer.from('Hello onread world!');
  const server = net.createServer((s) => s.end(message));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  for (const mode of ['static, pause()', 'function, return false']) {
    const sizes = [];
    const buffers = [];
    let asked = 0;
    const pool = [Buffer.alloc(4), Buffer.alloc(4)];
    const buffer = mode.startsWith('static') ? Buffer.alloc(4) : () => pool[asked++ % 2];
    let paused = false;
    const socket = net.connect({
      port,
      host: '127.0.0.1',
      onread: {
        buffer,
        callback(nread, buf) {
          if (paused) ctx.rec(mode, 'callback while paused');
          sizes.push(nread);
          buffers.push(Buffer.from(buf.subarray(0, nread)));
          paused = true;
          setImmediate(() => {
            paused = false;
            socket.resume();
          });
          if (mode.startsWith('static')) socket.pause();
          else return false;
        },
      },
    });
    socket.on('data', () => ctx.rec(mode, 'data event'));
    await new Promise((resolve) => socket.on('end', resolve));
    ctx.rec(mode, 'at end', { bytes: Buffer.concat(buffers).toString(), asked: typeof buffer === 'function' ? asked > sizes.length : 'static' });
    await new Promise((resolve) => socket.on('close', resolve));
  }
  await new Promise((resolve) => server.close(resolve));
});
