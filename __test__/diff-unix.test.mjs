// Unix domain sockets, compared between node:net and rsnet.
import test from 'ava';
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { differential } from './helpers/impl.mjs';
import { state, closeServer } from './helpers/fixtures.mjs';
import { hashData, source, expectedHash } from './helpers/data.mjs';

const dt = (title, scenario, opts) => test(title, (t) => differential(t, title, scenario, opts));

const props = (x) => ({
  address: x.address(),
  remoteAddress: x.remoteAddress,
  remotePort: x.remotePort,
  remoteFamily: x.remoteFamily,
  localAddress: x.localAddress,
  localPort: x.localPort,
  localFamily: x.localFamily,
});

const listenForms = [
  ['listen(path)', (s, p) => s.listen(p)],
  ['listen(path, cb)', (s, p, cb) => s.listen(p, cb)],
  ['listen({path})', (s, p) => s.listen({ path: p })],
  ['listen({path}, cb)', (s, p, cb) => s.listen({ path: p }, cb)],
  ['listen(path, backlog, cb)', (s, p, cb) => s.listen(p, 10, cb)],
];
const connectForms = [
  ['connect(path)', (net, p) => net.connect(p)],
  ['connect({path})', (net, p) => net.connect({ path: p })],
  ['createConnection(path, cb)', (net, p, cb) => net.createConnection(p, cb)],
  ['new Socket().connect(path)', (net, p) => new net.Socket().connect(p)],
  ['new Socket().connect({path}, cb)', (net, p, cb) => new net.Socket().connect({ path: p }, cb)],
];

for (let i = 0; i < listenForms.length; i++) {
  const [lname, doListen] = listenForms[i];
  const [cname, doConnect] = connectForms[i];
  dt(`unix: ${lname} + ${cname}: timing, addresses, data both ways, file removed on close`, async (net, ctx) => {
    const p = ctx.tempPath('SOCK');
    // the server answers once the client has ended (its own end racing the
    // client's data would make the accepted socket's event order timing)
    const s = ctx.createServer((c) => {
      ctx.watch(c, 'accepted');
      ctx.rec('accepted', 'props', props(c));
      c.on('end', () => c.end('from server'));
    });
    ctx.watch(s, 'server');
    const o = 'o';
    const listening = ctx.wait(s, 'listening');
    const r = doListen(s, p, (...a) => ctx.rec(o, 'listen-cb', a.length));
    ctx.rec(o, 'listen-returned', r === s, s.listening, s.address());
    process.nextTick(() => ctx.rec(o, 'nextTick'));
    await listening;
    ctx.rec(o, 'address', s.address(), fs.existsSync(p));
    const c = ctx.track(doConnect(net, p, (...a) => ctx.rec('client', 'cb', a.length)));
    ctx.watch(c, 'client');
    ctx.rec('client', 'sync', state(c));
    await ctx.wait(c, 'connect');
    ctx.rec('client', 'props', props(c));
    c.end('from client');
    await ctx.closed(c);
    ctx.rec('client', 'final', state(c), { bytesRead: c.bytesRead, bytesWritten: c.bytesWritten }, props(c));
    await closeServer(s);
    ctx.rec(o, 'after-close', s.address(), fs.existsSync(p));
  });
}

dt('unix: EADDRINUSE on a path with a listening server', async (net, ctx) => {
  const p = ctx.tempPath('SOCK');
  const a = ctx.createServer();
  const l = ctx.wait(a, 'listening');
  a.listen(p);
  await l;
  const b = ctx.createServer();
  ctx.watch(b, 'b');
  b.listen(p);
  await ctx.wait(b, 'error');
  ctx.rec('o', 'b', b.listening, b.address());
  await closeServer(a);
});

dt('unix: connect to a missing path (ENOENT) and to a regular file', async (net, ctx) => {
  const missing = ctx.tempPath('MISSING');
  const c = ctx.connect(missing);
  ctx.watch(c, 'missing');
  await ctx.closed(c);
  const file = ctx.tempPath('FILE');
  fs.writeFileSync(file, 'not a socket');
  const d = ctx.connect(file);
  ctx.watch(d, 'file');
  await ctx.closed(d);
});

dt('unix: listen on a path that is a regular file / in a missing directory', async (net, ctx) => {
  const file = ctx.tempPath('FILE');
  fs.writeFileSync(file, 'not a socket');
  const s = ctx.createServer();
  ctx.watch(s, 'file');
  s.listen(file);
  await ctx.wait(s, 'error');
  const dir = ctx.tempPath('NODIR');
  const s2 = ctx.createServer();
  ctx.watch(s2, 'nodir');
  s2.listen(ctx.alias(`${dir}/x.sock`, 'NODIR/x.sock'));
  await ctx.wait(s2, 'error');
});

dt('unix: readableAll / writableAll set the file mode', async (net, ctx) => {
  for (const [name, opts] of [['none', {}], ['readable', { readableAll: true }], ['writable', { writableAll: true }], ['both', { readableAll: true, writableAll: true }]]) {
    const p = ctx.tempPath(`SOCK-${name}`);
    const s = ctx.createServer();
    const l = ctx.wait(s, 'listening');
    s.listen({ path: p, ...opts });
    await l;
    const mode = fs.statSync(p).mode;
    ctx.rec('o', name, { other: mode & 0o006, isSocket: fs.statSync(p).isSocket() });
    await closeServer(s);
  }
});

dt('unix: 4 MiB through a pipe, allowHalfOpen exchange, counters', async (net, ctx) => {
  const p = ctx.tempPath('SOCK');
  const s = ctx.createServer({ allowHalfOpen: true }, (c) => {
    ctx.watch(c, 'accepted', { omit: ['data', 'drain'] });
    const got = hashData(c);
    c.on('end', () => {
      const r = got();
      c.end(`${r.length}:${r.sha256 === expectedHash(11, 4 << 20)}`);
    });
  });
  const l = ctx.wait(s, 'listening');
  s.listen(p);
  await l;
  const c = ctx.connect({ path: p, allowHalfOpen: true });
  ctx.watch(c, 'client', { omit: ['drain'] });
  source(11, 4 << 20).pipe(c);
  await ctx.closed(c);
  ctx.rec('o', 'counters', c.bytesWritten, c.bytesRead);
  await closeServer(s);
});

dt('unix: argument checks', async (net, ctx) => {
  ctx.rec('o', 'connect({path: 123})', ctx.sync(() => net.connect({ path: 123 })));
  ctx.rec('o', "connect({path: ''})", ctx.sync(() => {
    const c = ctx.connect({ path: '' });
    ctx.watch(c, 'empty');
    return c;
  }));
  ctx.rec('o', 'listen({path: 123})', ctx.sync(() => net.createServer().listen({ path: 123 })));
  for (const s of ctx.sockets) await ctx.closed(s);
});

// ---- every Socket/Server behaviour over a Unix socket -----------------------
// (issue 3: half-open, timeouts, pause/resume, back-pressure, errors)

// A server listening on a fresh path plus one connected client, watched into
// 'client' and 'accepted' (the Unix twin of fixtures.pair()).
async function unixPair(ctx, { server: sopts = {}, client: copts = {}, watchClient = {}, watchAccepted = {}, path } = {}) {
  const p = path ?? ctx.tempPath('SOCK');
  const server = ctx.createServer(sopts);
  const l = ctx.wait(server, 'listening');
  server.listen(p);
  await l;
  let accepted;
  const gotConn = new Promise((res) => {
    server.once('connection', (sock) => {
      accepted = sock;
      ctx.watch(sock, 'accepted', watchAccepted);
      res();
    });
  });
  const client = ctx.connect({ path: p, ...copts });
  ctx.watch(client, 'client', watchClient);
  await Promise.all([gotConn, ctx.wait(client, 'connect')]);
  return { server, client, accepted, path: p };
}

async function finishAll(ctx, server, ...socks) {
  await Promise.all(socks.map((s) => ctx.closed(s)));
  await closeServer(server);
}

const counts = (s) => ({ bytesRead: s.bytesRead, bytesWritten: s.bytesWritten, bufferSize: s.bufferSize, writableLength: s.writableLength });

dt('unix: half-open: the client ends first, the accepted socket (allowHalfOpen) keeps writing', async (net, ctx) => {
  const { server, client, accepted } = await unixPair(ctx, { server: { allowHalfOpen: true } });
  accepted.on('end', () => {
    ctx.rec('accepted', 'on-end', state(accepted));
    ctx.rec('accepted', 'write-after-peer-end', accepted.write('late '));
    // the client's readable side is still open: prove it with a round of data
    accepted.end('reply');
    ctx.rec('accepted', 'after-own-end', state(accepted));
  });
  client.write('request');
  client.end();
  ctx.rec('client', 'after-end', state(client));
  await finishAll(ctx, server, client, accepted);
  ctx.rec('final', counts(client), counts(accepted), state(client), state(accepted));
});

dt('unix: half-open: the accepted socket ends first, the client (allowHalfOpen) keeps writing', async (net, ctx) => {
  const { server, client, accepted } = await unixPair(ctx, { client: { allowHalfOpen: true } });
  client.on('end', () => {
    ctx.rec('client', 'on-end', state(client));
    ctx.rec('client', 'write-after-peer-end', client.write('still '));
    client.end('writing');
  });
  accepted.end('server is done');
  ctx.rec('accepted', 'after-end', state(accepted));
  await finishAll(ctx, server, client, accepted);
  ctx.rec('final', counts(client), counts(accepted), state(client), state(accepted));
});

dt('unix: new Socket({allowHalfOpen}).connect(path): writeOnly after the peer ends, then its own end', async (net, ctx) => {
  const p = ctx.tempPath('SOCK');
  let accepted;
  const server = ctx.createServer((s) => {
    accepted = s;
    ctx.watch(s, 'accepted');
    s.end('x');
  });
  const l = ctx.wait(server, 'listening');
  server.listen(p);
  await l;
  const c = ctx.socket({ allowHalfOpen: true });
  ctx.watch(c, 'client');
  c.connect(p);
  await ctx.wait(c, 'end');
  ctx.rec('client', 'after-end', state(c));
  c.end('y');
  ctx.rec('client', 'after-own-end', state(c));
  // Both sockets' 'close' are awaited: which of the two comes first is a race (libuv
  // runs the client's close callback in the turn it closes; rsnet's waits for the
  // reactor thread to close the descriptor), and the trace must not end on it.
  await ctx.closed(c);
  await ctx.closed(accepted);
  await closeServer(server);
});

dt('unix: both ends end at the same time (per-socket event sets)', async (net, ctx) => {
  const { server, client, accepted } = await unixPair(ctx, { watchClient: { only: ['error'] }, watchAccepted: { only: ['error'] } });
  const seen = { client: [], accepted: [] };
  for (const [name, s] of [['client', client], ['accepted', accepted]]) {
    for (const ev of ['end', 'finish', 'close']) s.on(ev, (...a) => seen[name].push(a.length ? `${ev}:${a[0]}` : ev));
    s.resume();
  }
  client.end('a');
  accepted.end('b');
  await finishAll(ctx, server, client, accepted);
  for (const name of ['client', 'accepted']) {
    ctx.rec(name, 'last', seen[name][seen[name].length - 1]);
    ctx.rec(name, 'set', [...seen[name]].sort());
  }
});

dt("unix: setTimeout(): 'timeout' after idle on both ends, activity re-arms, setTimeout(0) disables", async (net, ctx) => {
  const { server, client, accepted } = await unixPair(ctx);
  ctx.rec('client', 'before', client.timeout);
  let n = 0;
  const r = client.setTimeout(60, (...a) => { n++; ctx.rec('client', 'cb', a.length); });
  ctx.rec('client', 'set', r === client, client.timeout);
  await ctx.wait(client, 'timeout');
  ctx.rec('client', 'after-timeout', state(client));
  // only a notification: still usable, and activity re-arms the timer
  accepted.write('activity');
  await ctx.wait(client, 'data');
  await ctx.wait(client, 'timeout');
  ctx.rec('client', 'cb-count', n, client.listenerCount('timeout'));
  client.setTimeout(0);
  ctx.rec('client', 'disabled', client.timeout);
  // the accepted side times out too
  accepted.setTimeout(40);
  await ctx.wait(accepted, 'timeout');
  accepted.setTimeout(0);
  // the disabled client saw no more timeouts meanwhile
  ctx.rec('client', 'timeout-listeners', client.listenerCount('timeout'));
  client.end();
  await finishAll(ctx, server, client, accepted);
});

dt('unix: connect({path, timeout}): the timeout option arms the idle timer', async (net, ctx) => {
  const p = ctx.tempPath('SOCK');
  const server = ctx.createServer();
  const l = ctx.wait(server, 'listening');
  server.listen(p);
  await l;
  const gotConn = ctx.wait(server, 'connection');
  const c = ctx.connect({ path: p, timeout: 50 });
  // whether 'timeout' or 'connect' comes first depends on the machine's load:
  // only that both come is recorded
  ctx.watch(c, 'client', { omit: ['connect', 'ready', 'timeout'] });
  ctx.rec('client', 'sync', c.timeout);
  const [[accepted]] = await Promise.all([gotConn, ctx.wait(c, 'connect'), ctx.wait(c, 'timeout')]);
  ctx.watch(accepted, 'accepted');
  ctx.rec('client', 'after-timeout', c.timeout, state(c));
  c.destroy();
  await Promise.all([ctx.closed(c), ctx.closed(accepted)]);
  await closeServer(server);
});

dt('unix: pause()/resume(): no data while paused', async (net, ctx) => {
  const { server, client, accepted } = await unixPair(ctx, { watchClient: { omit: ['data'] } });
  ctx.rec('client', 'pause', client.pause() === client, client.isPaused());
  client.on('data', (d) => ctx.data('client', d));
  await new Promise((res) => accepted.end('hello world', res));
  await ctx.immediate();
  await ctx.immediate();
  ctx.rec('client', 'resume', client.resume() === client, client.isPaused());
  await finishAll(ctx, server, client, accepted);
});

dt('unix: back-pressure: write() returns false into a paused peer, drain after resume, every byte intact', async (net, ctx) => {
  const quiet = { omit: ['data', 'drain'] };
  const { server, client, accepted } = await unixPair(ctx, { watchClient: quiet, watchAccepted: quiet });
  accepted.pause();
  let dataWhilePaused = 0;
  const onPausedData = () => { dataWhilePaused++; };
  accepted.on('data', onPausedData);
  // accepted.on('data') resumes a stream: pause again (as users do)
  accepted.pause();
  const chunk = Buffer.alloc(64 * 1024);
  let writes = 0;
  let ok = true;
  // bounded: 64 MiB is far beyond any socket buffer plus read credit
  while (ok && writes < 1024) {
    chunk.fill(writes & 0xff);
    ok = client.write(Buffer.from(chunk));
    writes++;
  }
  ctx.rec('o', 'blocked', ok, client.writableNeedDrain, client.writableLength > 0, client.bufferSize === client.writableLength);
  // Listen for 'drain' now: the paused reader's one read ahead (64 KiB on both) frees
  // kernel buffer, and whether the blocked write then finishes before resume() is up to
  // the kernel (a write tried at once finds the room; one that waits for POLLOUT waits
  // for the buffer to fall to a quarter) and to thread timing.
  const drained = ctx.wait(client, 'drain');
  // let the reactor and libuv run; the paused reader must not see data
  await ctx.immediate();
  await ctx.immediate();
  ctx.rec('o', 'data-while-paused', dataWhilePaused);
  accepted.off('data', onPausedData);
  const h = createHash('sha256');
  let got = 0;
  accepted.on('data', (d) => { h.update(d); got += d.length; });
  accepted.resume();
  await drained;
  ctx.rec('o', 'drained', client.writableLength, client.writableNeedDrain, client.bufferSize);
  client.end();
  await finishAll(ctx, server, client, accepted);
  const want = createHash('sha256');
  for (let i = 0; i < writes; i++) want.update(Buffer.alloc(chunk.length, i & 0xff));
  ctx.rec('o', 'final', got === writes * chunk.length, h.digest('hex') === want.digest('hex'),
    client.bytesWritten === writes * chunk.length, accepted.bytesRead === got);
}, { check: (t, tr) => t.deepEqual(tr.o[0], ['blocked', false, true, true, true]) });

dt('unix: write after the peer is gone: EPIPE', async (net, ctx) => {
  const { server, client, accepted } = await unixPair(ctx, { client: { allowHalfOpen: true } });
  accepted.destroy();
  await ctx.wait(client, 'end');
  await ctx.closed(accepted);
  const cbErr = new Promise((res) => client.write('into the void', (e) => res(e)));
  ctx.rec('client', 'write-cb', await cbErr);
  await ctx.closed(client);
  ctx.rec('client', 'final', state(client));
  await closeServer(server);
});

dt('unix: destroy(err) on a Unix client, and the peer sees a plain end', async (net, ctx) => {
  const { server, client, accepted } = await unixPair(ctx);
  const err = new Error('boom');
  err.code = 'EBOOM';
  client.destroy(err);
  ctx.rec('client', 'after-destroy', state(client));
  await finishAll(ctx, server, client, accepted);
});

dt('unix: TCP-only methods: setNoDelay/setKeepAlive are no-ops, resetAndDestroy() throws, address() is {}', async (net, ctx) => {
  const { server, client, accepted } = await unixPair(ctx);
  ctx.rec('o', 'setNoDelay', ctx.sync(() => client.setNoDelay(true) === client));
  ctx.rec('o', 'setKeepAlive', ctx.sync(() => client.setKeepAlive(true, 1000) === client));
  ctx.rec('o', 'address', client.address(), accepted.address());
  ctx.rec('o', 'resetAndDestroy', ctx.sync(() => client.resetAndDestroy()));
  ctx.rec('o', 'after', state(client));
  client.destroy();
  await finishAll(ctx, server, client, accepted);
});

dt('unix: ref()/unref() return values; getConnections(); maxConnections drops a connection', async (net, ctx) => {
  const { server, client, accepted } = await unixPair(ctx);
  ctx.rec('o', 'ref', client.unref() === client, client.ref() === client, server.unref() === server, server.ref() === server);
  ctx.rec('o', 'getConnections', await new Promise((res) => server.getConnections((e, n) => res([e, n]))));
  server.maxConnections = 1;
  server.on('drop', (...a) => ctx.rec('server', 'drop', ...a));
  const dropped = ctx.connect(server.address());
  ctx.watch(dropped, 'dropped');
  await ctx.closed(dropped);
  ctx.rec('o', 'getConnections-after-drop', await new Promise((res) => server.getConnections((e, n) => res([e, n]))));
  client.end();
  await finishAll(ctx, server, client, accepted);
});

dt('unix: the socket file goes away at close(), not at the last connection; a path is reusable after close', async (net, ctx) => {
  const { server, client, accepted, path: p } = await unixPair(ctx);
  ctx.watch(server, 'server');
  const closed = new Promise((res) => server.close((...a) => { ctx.rec('server', 'close-cb', ...a); res(); }));
  ctx.rec('o', 'after-close-call', server.listening, server.address(), fs.existsSync(p));
  // the live connection still works
  accepted.write('still here');
  await ctx.wait(client, 'data');
  client.end();
  await closed;
  ctx.rec('o', 'after-close-event', fs.existsSync(p));
  await Promise.all([ctx.closed(client), ctx.closed(accepted)]);
  // listen on the same path again
  const again = ctx.createServer();
  ctx.watch(again, 'again');
  const l = ctx.wait(again, 'listening');
  again.listen(p);
  await l;
  ctx.rec('o', 'again', again.address(), fs.existsSync(p));
  await closeServer(again);
  ctx.rec('o', 'again-closed', fs.existsSync(p));
});

// A socket file with nobody listening on it: a node:net server binds a
// temporary path, the file is renamed to `p`, and the server closes (it
// unlinks only its own, now missing, path), which leaves `p` behind.
async function staleSocketFile(ctx, p) {
  const tmp = `${p}.tmp`;
  const s = ctx.nodeNet.createServer();
  await new Promise((res) => s.listen(tmp, res));
  fs.renameSync(tmp, p);
  await new Promise((res) => s.close(res));
}

dt('unix: a socket file nobody listens on: connect ECONNREFUSED, listen EADDRINUSE (not unlinked)', async (net, ctx) => {
  const p = ctx.tempPath('STALE');
  await staleSocketFile(ctx, p);
  ctx.rec('o', 'is-socket', fs.statSync(p).isSocket());
  const c = ctx.connect(p);
  ctx.watch(c, 'client');
  await ctx.closed(c);
  const s = ctx.createServer();
  ctx.watch(s, 'server');
  s.listen(p);
  await ctx.wait(s, 'error');
  ctx.rec('o', 'still-there', fs.existsSync(p), s.listening);
});

dt('unix: connect to a directory (ECONNREFUSED) and to a path under a regular file (ENOTDIR)', async (net, ctx) => {
  const dir = ctx.tempPath('DIR');
  fs.mkdirSync(dir);
  try {
    const c = ctx.connect(dir);
    ctx.watch(c, 'dir');
    await ctx.closed(c);
    const file = ctx.alias(`${dir}/file`, 'DIR/file');
    fs.writeFileSync(file, 'x');
    const d = ctx.connect(ctx.alias(`${file}/sock`, 'DIR/file/sock'));
    ctx.watch(d, 'under-file');
    await ctx.closed(d);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// We run as root, where directory permissions do not stop connect/bind (so no
// EACCES here; issue3-unix-perms.test.mjs has the unprivileged case). Whatever
// node:net does in this situation, rsnet must do the same.
dt('unix: a directory with mode 0 (as the current user): connect and listen inside it', async (net, ctx) => {
  const dir = ctx.tempPath('LOCKED');
  fs.mkdirSync(dir);
  const p = ctx.alias(`${dir}/s.sock`, 'LOCKED/s.sock');
  const q = ctx.alias(`${dir}/t.sock`, 'LOCKED/t.sock');
  try {
    const s = ctx.createServer((c) => c.end('hi'));
    const l = ctx.wait(s, 'listening');
    s.listen(p);
    await l;
    fs.chmodSync(dir, 0);
    ctx.rec('o', 'uid-is-root', process.getuid() === 0);
    const c = ctx.connect(p);
    ctx.watch(c, 'client');
    await ctx.closed(c);
    const s2 = ctx.createServer();
    ctx.watch(s2, 's2');
    const r = await new Promise((res) => {
      s2.once('listening', () => res('listening'));
      s2.once('error', () => res('error'));
      s2.listen(q);
    });
    ctx.rec('o', 's2', r);
    await closeServer(s2);
    await closeServer(s);
  } finally {
    fs.chmodSync(dir, 0o700);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---- Linux abstract names ---------------------------------------------------

let abstractCounter = 0;
function abstractName(ctx, label = 'ABS') {
  abstractCounter++;
  return ctx.alias(`\0rsnet-test-${process.pid}-${abstractCounter}-${ctx.label}`, label);
}

for (const [title, doListen, doConnect] of [
  ['listen(name) + connect(name)', (s, n) => s.listen(n), (net, n) => net.connect(n)],
  ['listen({path: name}) + connect({path: name})', (s, n) => s.listen({ path: n }), (net, n) => net.connect({ path: n })],
]) {
  dt(`unix abstract name: ${title}: address(), data both ways, no file, EADDRINUSE, reusable after close`, async (net, ctx) => {
    const name = abstractName(ctx);
    const s = ctx.createServer((c) => {
      ctx.watch(c, 'accepted');
      ctx.rec('accepted', 'props', props(c));
      c.on('end', () => c.end('from server'));
    });
    ctx.watch(s, 'server');
    const l = ctx.wait(s, 'listening');
    doListen(s, name);
    await l;
    ctx.rec('o', 'address', s.address());
    // nothing appears in the file system for an abstract name
    ctx.rec('o', 'file', fs.existsSync(name.slice(1)), fs.existsSync(`/${name.slice(1)}`));
    const c = ctx.track(doConnect(net, name));
    ctx.watch(c, 'client');
    await ctx.wait(c, 'connect');
    ctx.rec('client', 'props', props(c));
    c.end('from client');
    await ctx.closed(c);
    // a second server on the same name
    const b = ctx.createServer();
    ctx.watch(b, 'second');
    b.listen(name);
    await ctx.wait(b, 'error');
    await closeServer(s);
    // free again right after close
    const again = ctx.createServer();
    ctx.watch(again, 'again');
    const l2 = ctx.wait(again, 'listening');
    again.listen(name);
    await l2;
    ctx.rec('o', 'again', again.address());
    await closeServer(again);
  });
}

dt('unix abstract name: connect to a name nobody listens on (ECONNREFUSED)', async (net, ctx) => {
  const name = abstractName(ctx, 'NOBODY');
  const c = ctx.connect(name);
  ctx.watch(c, 'client');
  await ctx.closed(c);
});
