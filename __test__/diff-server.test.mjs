// net.Server, compared between node:net and rsnet.
import test from 'ava';
import { differential, quietPort } from './helpers/impl.mjs';

const dt = (title, scenario, opts) => test(title, (t) => differential(t, title, scenario, opts));

// Connect a client to `port` on `host`, record both ends' address properties,
// then close both and wait for every 'close'.
async function probe(ctx, server, host, port, label) {
  const accepted = ctx.wait(server, 'connection');
  const c = ctx.connect({ port, host });
  ctx.watch(c, `${label}.client`);
  const [err] = await Promise.race([ctx.wait(c, 'connect'), ctx.wait(c, 'error')]);
  if (err) {
    await ctx.closed(c);
    return;
  }
  ctx.name(c.localPort, `${label}.C`);
  const [sock] = await accepted;
  ctx.watch(sock, `${label}.accepted`);
  const props = (x) => ({
    remoteAddress: x.remoteAddress,
    remoteFamily: x.remoteFamily,
    remotePort: x.remotePort,
    localAddress: x.localAddress,
    localFamily: x.localFamily,
    localPort: x.localPort,
    address: x.address(),
  });
  ctx.rec(`${label}.client`, 'props', props(c));
  ctx.rec(`${label}.accepted`, 'props', props(sock));
  ctx.rec(`${label}.accepted`, 'server', sock.server === server);
  c.end();
  await Promise.all([ctx.closed(c), ctx.closed(sock)]);
}

// Each listen() form: what it returns, when 'listening' comes, address(),
// and that clients connect over the hosts listed in `reach`. (Refusal over
// the other family is tested below on a port outside the ephemeral range:
// with port 0 a concurrent process may own the other family's port.)
const overloads = [
  ['listen()', (s) => s.listen(), ['127.0.0.1', '::1']],
  ['listen(cb)', (s, cb) => s.listen(cb), ['127.0.0.1']],
  ['listen(0)', (s) => s.listen(0), ['127.0.0.1', '::1']],
  ['listen(0, cb)', (s, cb) => s.listen(0, cb), ['127.0.0.1']],
  ["listen('0')", (s) => s.listen('0'), ['127.0.0.1']],
  ['listen(null)', (s) => s.listen(null), ['127.0.0.1']],
  ["listen(0, '127.0.0.1')", (s) => s.listen(0, '127.0.0.1'), ['127.0.0.1']],
  ["listen(0, '127.0.0.1', cb)", (s, cb) => s.listen(0, '127.0.0.1', cb), ['127.0.0.1']],
  ["listen(0, '127.0.0.1', 511, cb) (backlog)", (s, cb) => s.listen(0, '127.0.0.1', 511, cb), ['127.0.0.1']],
  ["listen(undefined, '127.0.0.1')", (s) => s.listen(undefined, '127.0.0.1'), ['127.0.0.1']],
  ["listen(0, '::1')", (s) => s.listen(0, '::1'), ['::1']],
  ["listen(0, '::') dual stack", (s) => s.listen(0, '::'), ['127.0.0.1', '::1']],
  ["listen(0, '0.0.0.0')", (s) => s.listen(0, '0.0.0.0'), ['127.0.0.1']],
  ["listen(0, 'localhost')", (s) => s.listen(0, 'localhost'), ['127.0.0.1'], 'dns'],
  ['listen({port: 0})', (s) => s.listen({ port: 0 }), ['127.0.0.1', '::1']],
  ["listen({port: 0, host: '127.0.0.1'}, cb)", (s, cb) => s.listen({ port: 0, host: '127.0.0.1' }, cb), ['127.0.0.1']],
  ["listen({port: 0, host: '::1', backlog: 5})", (s) => s.listen({ port: 0, host: '::1', backlog: 5 }), ['::1']],
  ["listen({port: undefined, host: '127.0.0.1'})", (s) => s.listen({ port: undefined, host: '127.0.0.1' }), ['127.0.0.1']],
  ["listen({port: 0, host: 'localhost'})", (s) => s.listen({ port: 0, host: 'localhost' }), ['127.0.0.1'], 'dns'],
  ['listen({port: 0, ipv6Only: true})', (s) => s.listen({ port: 0, ipv6Only: true }), ['::1']],
  ["listen({port: 0, host: '::', ipv6Only: true}, cb)", (s, cb) => s.listen({ port: 0, host: '::', ipv6Only: true }, cb), ['::1']],
  ["listen({port: 0, host: '127.0.0.1', exclusive: true})", (s) => s.listen({ port: 0, host: '127.0.0.1', exclusive: true }), ['127.0.0.1']],
  ["listen({port: 0, backlog: 'x'})", (s) => s.listen({ port: 0, backlog: 'x' }), ['127.0.0.1']],
  ['listen(0, 5) (backlog without host)', (s) => s.listen(0, 5), ['127.0.0.1']],
];

// 'dns': the host goes through dns.lookup() on the thread pool, so when
// 'listening' comes relative to setImmediate is not deterministic.
for (const [title, doListen, reach, dns] of overloads) {
  dt(`${title}: timing, address(), reachability`, async (net, ctx) => {
    const s = ctx.createServer();
    ctx.watch(s, 'server');
    const o = 'order';
    ctx.rec(o, 'before', s.listening, s.address());
    let ret;
    const cb = (...a) => ctx.rec(o, 'cb', a.length);
    s.on('listening', () => ctx.rec(o, 'listening', s.listening));
    const listening = ctx.wait(s, 'listening');
    ret = doListen(s, cb);
    ctx.rec(o, 'returned', ret === s, s.listening, s.address());
    process.nextTick(() => ctx.rec(o, 'nextTick'));
    if (!dns) setImmediate(() => ctx.rec(o, 'immediate'));
    await listening;
    await ctx.immediate();
    await ctx.immediate();
    const port = ctx.name(s.address().port, 'S');
    ctx.rec(o, 'address', s.address());
    ctx.rec(o, 'port-is-number', typeof port, port > 0);
    for (const host of reach) await probe(ctx, s, host, port, host);
    const closed = ctx.wait(s, 'close');
    s.close();
    await closed;
    ctx.rec(o, 'after-close', s.listening, s.address());
  });
}

const familyCases = [
  ['127.0.0.1', {}, ['127.0.0.1', '::1']],
  ['::1', {}, ['::1', '127.0.0.1']],
  ['0.0.0.0', {}, ['127.0.0.1', '::1']],
  ['::', { ipv6Only: true }, ['::1', '127.0.0.1']],
  ['::', {}, ['::1', '127.0.0.1']],
];
for (const [host, extra, reach] of familyCases) {
  dt(`listen({port, host: '${host}'${extra.ipv6Only ? ', ipv6Only' : ''}}): who can connect`, async (net, ctx) => {
    const s = ctx.createServer();
    ctx.watch(s, 'server');
    const port = ctx.name(await quietPort(), 'Q');
    const l = ctx.wait(s, 'listening');
    s.listen({ port, host, ...extra });
    await l;
    ctx.rec('o', 'address', s.address());
    for (const h of reach) await probe(ctx, s, h, port, h);
    await new Promise((res) => s.close(res));
  });
}

dt('listening flag and address() through the lifecycle, close() return value and callback', async (net, ctx) => {
  const s = ctx.createServer();
  ctx.watch(s, 'server');
  const o = 'o';
  ctx.rec(o, 'fresh', s.listening, s.address(), s.maxConnections);
  const port = await ctx.listen(s, 'S', 0, '127.0.0.1');
  ctx.rec(o, 'listening', s.listening, s.address(), typeof port);
  const done = new Promise((res) => {
    const r = s.close((...a) => {
      ctx.rec(o, 'close-cb', a.length, a[0]);
      res();
    });
    ctx.rec(o, 'close-returned', r === s, s.listening, s.address());
  });
  await done;
  ctx.rec(o, 'closed', s.listening, s.address());
});

dt('close() when not listening: ERR_SERVER_NOT_RUNNING to the callback, close twice', async (net, ctx) => {
  const s = ctx.createServer();
  ctx.watch(s, 'server');
  const o = 'o';
  await new Promise((res) => {
    const r = s.close((...a) => {
      ctx.rec(o, 'cb1', a.length, a[0]);
      res();
    });
    ctx.rec(o, 'returned', r === s);
  });
  // without a callback: no throw
  ctx.rec(o, 'no-cb', ctx.sync(() => s.close() === s));
  await ctx.immediate();
  // listen, close, close again
  await ctx.listen(s, 'S');
  const both = [];
  both.push(new Promise((res) => s.close((e) => { ctx.rec(o, 'first', e); res(); })));
  both.push(new Promise((res) => s.close((e) => { ctx.rec(o, 'second', e); res(); })));
  await Promise.all(both);
  await ctx.immediate();
});

dt("close() with open connections: 'close' only after the last connection ends", async (net, ctx) => {
  const s = ctx.createServer();
  const o = 'server';
  ctx.watch(s, o);
  // a quiet port: the refused attempt below must not meet another listener
  const port = await ctx.listen(s, 'S', await quietPort(), '127.0.0.1');
  const accepted = [];
  s.on('connection', (sock) => {
    accepted.push(sock);
    const i = accepted.length;
    sock.on('end', () => ctx.rec(o, `accepted${i}.end`));
  });
  const c1 = ctx.connect(port, '127.0.0.1');
  ctx.watch(c1, 'c1');
  await Promise.all([ctx.wait(s, 'connection'), ctx.wait(c1, 'connect')]);
  const c2 = ctx.connect(port, '127.0.0.1');
  ctx.watch(c2, 'c2');
  await Promise.all([ctx.wait(s, 'connection'), ctx.wait(c2, 'connect')]);
  const closeCb = new Promise((res) => s.close((...a) => { ctx.rec(o, 'close-cb', ...a); res(); }));
  ctx.rec(o, 'close-called', s.listening);
  // a new connection attempt is refused now
  const c3 = ctx.connect(port, '127.0.0.1');
  ctx.watch(c3, 'c3');
  await ctx.closed(c3);
  const n1 = await new Promise((res) => s.getConnections((e, n) => res([e, n])));
  ctx.rec(o, 'getConnections', ...n1);
  c1.end();
  await ctx.closed(c1);
  await ctx.closed(accepted[0]);
  const n2 = await new Promise((res) => s.getConnections((e, n) => res([e, n])));
  ctx.rec(o, 'getConnections', ...n2);
  c2.end();
  await closeCb;
  await Promise.all([ctx.closed(c2), ctx.closed(accepted[1])]);
});

dt('EADDRINUSE, then the documented retry on the same Server', async (net, ctx) => {
  const blocker = ctx.createServer();
  ctx.watch(blocker, 'blocker');
  // a quiet port, so nobody else grabs it between the blocker's close and
  // the retry
  const port = await ctx.listen(blocker, 'P', await quietPort(), '127.0.0.1');
  const s = ctx.createServer();
  ctx.watch(s, 'server');
  const o = 'o';
  const errP = ctx.wait(s, 'error');
  const r = s.listen(port, '127.0.0.1');
  ctx.rec(o, 'listen-returned', r === s, s.listening);
  const [e] = await errP;
  ctx.rec(o, 'after-error', s.listening, s.address());
  // documented recovery: close, then listen again
  const closeErr = await new Promise((res) => s.close((x) => res(x)));
  ctx.rec(o, 'close-after-error', closeErr);
  await new Promise((res) => blocker.close(res));
  const l = ctx.wait(s, 'listening');
  s.listen(port, '127.0.0.1');
  await l;
  ctx.rec(o, 'relisten', s.listening, s.address());
  // it really accepts
  const c = ctx.connect(port, '127.0.0.1');
  ctx.watch(c, 'client', { omit: ['data'] });
  await Promise.all([ctx.wait(s, 'connection'), ctx.wait(c, 'connect')]);
  c.destroy();
  await ctx.closed(c);
  await new Promise((res) => s.close(res));
  return { code: e.code };
}, {
  check: (t, tr) => t.is(tr.result.code, 'EADDRINUSE'),
});

dt("EADDRINUSE when '::' (dual stack) already holds the port and 127.0.0.1 is asked for", async (net, ctx) => {
  const blocker = ctx.createServer();
  const port = await ctx.listen(blocker, 'P', 0, '::');
  const s = ctx.createServer();
  ctx.watch(s, 'server');
  const e = ctx.wait(s, 'error');
  s.listen(port, '127.0.0.1');
  await e;
  await ctx.immediate();
  ctx.rec('o', 'listening', s.listening);
});

dt('EADDRINUSE with listen(port) on an in-use port (no host)', async (net, ctx) => {
  const blocker = ctx.createServer();
  const port = await ctx.listen(blocker, 'P', 0);
  const s = ctx.createServer();
  ctx.watch(s, 'server');
  const order = [];
  const e = ctx.wait(s, 'error');
  s.listen(port, () => order.push('cb'));
  process.nextTick(() => ctx.rec('o', 'nextTick'));
  s.once('error', () => ctx.rec('o', 'error-event'));
  await e;
  await ctx.immediate();
  ctx.rec('o', 'listening', s.listening, order);
});

dt('listen twice: ERR_SERVER_ALREADY_LISTEN', async (net, ctx) => {
  const s = ctx.createServer();
  ctx.watch(s, 'server');
  s.listen(0, '127.0.0.1');
  // still resolving the host: second listen
  ctx.rec('o', 'second-while-pending', ctx.sync(() => s.listen(0, '127.0.0.1')));
  await ctx.wait(s, 'listening');
  ctx.rec('o', 'third-after-listening', ctx.sync(() => s.listen(0)));
  ctx.rec('o', 'fourth-cb', ctx.sync(() => s.listen(() => {})));
  ctx.rec('o', 'listening', s.listening);
  const s2 = ctx.createServer();
  ctx.watch(s2, 'server2');
  s2.listen(0);
  ctx.rec('o', 'no-host-twice', ctx.sync(() => s2.listen(0)));
  await ctx.wait(s2, 'listening');
  await new Promise((res) => s.close(res));
  await new Promise((res) => s2.close(res));
});

dt("maxConnections: excess connections are closed at once, 'drop' is emitted", async (net, ctx) => {
  const s = ctx.createServer();
  s.maxConnections = 1;
  ctx.watch(s, 'server');
  const port = await ctx.listen(s);
  const a = ctx.connect(port, '127.0.0.1');
  ctx.watch(a, 'a');
  const [[accA]] = await Promise.all([ctx.wait(s, 'connection'), ctx.wait(a, 'connect')]);
  ctx.watch(accA, 'accA');
  const dropped = ctx.wait(s, 'drop');
  const b = ctx.connect(port, '127.0.0.1');
  ctx.watch(b, 'b');
  await ctx.wait(b, 'connect');
  ctx.name(b.localPort, 'B');
  const [drop] = await dropped;
  await ctx.closed(b);
  ctx.rec('o', 'drop-keys', Object.keys(drop).sort());
  ctx.rec('o', 'b-final', b.destroyed, b.readyState, b.bytesRead, b.bytesWritten);
  ctx.rec('o', 'connections', await new Promise((res) => s.getConnections((e, n) => res([e, n]))));
  // after A leaves, a new client is accepted again
  a.end();
  await Promise.all([ctx.closed(a), ctx.closed(accA)]);
  const c = ctx.connect(port, '127.0.0.1');
  ctx.watch(c, 'c');
  const [[accC]] = await Promise.all([ctx.wait(s, 'connection'), ctx.wait(c, 'connect')]);
  ctx.watch(accC, 'accC');
  c.end();
  await Promise.all([ctx.closed(c), ctx.closed(accC)]);
  await new Promise((res) => s.close(res));
});

dt('maxConnections = 0 and other values', async (net, ctx) => {
  const s = ctx.createServer();
  ctx.rec('o', 'default', s.maxConnections);
  s.maxConnections = 0;
  ctx.watch(s, 'server');
  const port = await ctx.listen(s);
  const a = ctx.connect(port, '127.0.0.1');
  ctx.watch(a, 'a');
  await ctx.wait(a, 'connect');
  a.end();
  await ctx.closed(a);
  await new Promise((res) => s.close(res));
  ctx.rec('o', 'value', s.maxConnections);
});

dt('getConnections(cb)', async (net, ctx) => {
  const s = ctx.createServer();
  ctx.watch(s, 'server');
  const o = 'o';
  // (`server.connections`, gone from node 20, is rsnet's on purpose: rsnet-extras.test.mjs)
  const gc = () => new Promise((res) => {
    let sync = true;
    const r = s.getConnections((...a) => res([sync, ...a]));
    ctx.rec(o, 'gc-returned-this', r === s);
    sync = false;
  });
  ctx.rec(o, 'before-listen', await gc());
  const port = await ctx.listen(s);
  ctx.rec(o, 'idle', await gc());
  const clients = [];
  for (let i = 0; i < 3; i++) {
    const c = ctx.connect(port, '127.0.0.1');
    clients.push(c);
    await ctx.wait(s, 'connection');
    ctx.rec(o, `after-${i + 1}`, await gc());
  }
  for (const c of clients) c.destroy();
  await Promise.all(clients.map((c) => ctx.closed(c)));
  // accepted sockets see the ends; wait (without recording: how many turns
  // it takes is timing) until they are all gone
  for (let i = 0; i < 200; i++) {
    const n = await new Promise((res) => s.getConnections((e, k) => res(k)));
    if (n === 0) break;
    await ctx.immediate();
  }
  ctx.rec(o, 'all-gone', (await gc()).slice(1));
  await new Promise((res) => s.close(res));
  ctx.rec(o, 'closed', await gc());
});

dt('ref()/unref() return the server, before and after listen and after close', async (net, ctx) => {
  const s = ctx.createServer();
  const o = 'o';
  ctx.rec(o, 'pre', s.unref() === s, s.ref() === s);
  await ctx.listen(s);
  ctx.rec(o, 'listening', s.unref() === s, s.ref() === s, s.unref() === s);
  await new Promise((res) => s.close(res));
  ctx.rec(o, 'closed', s.ref() === s, s.unref() === s);
});

dt("event order 'listening' / 'connection' / 'close' with data in between", async (net, ctx) => {
  const s = ctx.createServer((sock) => {
    ctx.rec('server', 'listener', sock.readyState, sock.connecting, sock.pending);
    sock.end('bye');
  });
  ctx.watch(s, 'server');
  const port = await ctx.listen(s);
  const c = ctx.connect(port, '127.0.0.1');
  ctx.watch(c, 'client');
  await ctx.closed(c);
  const closed = ctx.wait(s, 'close');
  s.close(() => ctx.rec('server', 'close-cb'));
  await closed;
  await ctx.immediate();
});

dt('pauseOnConnect: no data before resume()', async (net, ctx) => {
  const s = ctx.createServer({ pauseOnConnect: true });
  ctx.watch(s, 'server');
  const port = await ctx.listen(s);
  const c = ctx.connect(port, '127.0.0.1');
  ctx.watch(c, 'client');
  const [sock] = await ctx.wait(s, 'connection');
  const o = 'accepted';
  ctx.rec(o, 'state', sock.isPaused(), sock.readableFlowing, sock.readyState);
  sock.on('data', (d) => ctx.data(o, d));
  sock.on('end', () => ctx.rec(o, 'end'));
  ctx.rec(o, 'after-data-listener', sock.isPaused(), sock.readableFlowing);
  await new Promise((res) => c.write('hello', res));
  // a second connection accepted after 'hello' went out: by then a reading
  // socket would have seen the data
  const c2 = ctx.connect(port, '127.0.0.1');
  const [sock2] = await ctx.wait(s, 'connection');
  c2.destroy();
  sock2.destroy();
  await ctx.immediate();
  ctx.rec(o, 'resume');
  sock.resume();
  c.end();
  await ctx.closed(sock);
  await ctx.closed(c);
  await new Promise((res) => s.close(res));
});

dt('server options noDelay/keepAlive/keepAliveInitialDelay: accepted sockets work', async (net, ctx) => {
  const s = ctx.createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: 1000 }, (sock) => {
    sock.pipe(sock);
  });
  ctx.watch(s, 'server');
  const port = await ctx.listen(s);
  const c = ctx.connect({ port, host: '127.0.0.1', noDelay: true, keepAlive: true, keepAliveInitialDelay: 500 });
  ctx.watch(c, 'client');
  c.end('ping');
  await ctx.closed(c);
  await new Promise((res) => s.close(res));
});

for (const allowHalfOpen of [false, true]) {
  dt(`server allowHalfOpen: ${allowHalfOpen}`, async (net, ctx) => {
    const s = ctx.createServer({ allowHalfOpen });
    ctx.watch(s, 'server');
    const port = await ctx.listen(s);
    const c = ctx.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    ctx.watch(c, 'client');
    const [sock] = await ctx.wait(s, 'connection');
    const o = 'accepted';
    ctx.watch(sock, o);
    ctx.rec(o, 'allowHalfOpen', sock.allowHalfOpen);
    const ended = ctx.wait(sock, 'end');
    c.end('from-client');
    await ended;
    ctx.rec(o, 'at-end', sock.readyState, sock.writable);
    // one tick: the automatic end() (allowHalfOpen false) has happened, its
    // 'finish' (I/O) has not; later than that, the order is timing
    await ctx.tick();
    ctx.rec(o, 'after-tick', sock.readyState, sock.writable, sock.writableEnded);
    if (allowHalfOpen) {
      sock.write('late-');
      sock.end('reply');
    }
    await Promise.all([ctx.closed(sock), ctx.closed(c)]);
    await new Promise((res) => s.close(res));
  });
}

dt('listen({signal}): abort closes the server; pre-aborted signal', async (net, ctx) => {
  const s = ctx.createServer();
  ctx.watch(s, 'server');
  const ac = new AbortController();
  const l = ctx.wait(s, 'listening');
  s.listen({ port: 0, host: '127.0.0.1', signal: ac.signal });
  await l;
  const closed = ctx.wait(s, 'close');
  ac.abort();
  ctx.rec('o', 'after-abort', s.listening);
  await closed;
  ctx.rec('o', 'closed', s.listening, s.address());

  const s2 = ctx.createServer();
  ctx.watch(s2, 'server2');
  const r = ctx.sync(() => s2.listen({ port: 0, host: '127.0.0.1', signal: AbortSignal.abort() }));
  ctx.rec('o', 'pre-aborted', r, s2.listening);
  await ctx.immediate();
  await ctx.immediate();
  ctx.rec('o', 'pre-aborted-later', s2.listening);
  if (s2.listening) await new Promise((res) => s2.close(res));
});

dt('Server construction forms', async (net, ctx) => {
  const o = 'o';
  const forms = [
    ['new Server()', () => new net.Server()],
    ['Server() without new', () => net.Server()],
    ['new Server(listener)', (l) => new net.Server(l)],
    ['new Server(opts, listener)', (l) => new net.Server({ allowHalfOpen: false }, l)],
    ['createServer()', () => net.createServer()],
    ['createServer(listener)', (l) => net.createServer(l)],
    ['createServer(opts, listener)', (l) => net.createServer({}, l)],
    ['createServer(opts)', () => net.createServer({ pauseOnConnect: false })],
  ];
  for (const [name, make] of forms) {
    let called = 0;
    const s = ctx.track(make(() => { called++; }));
    ctx.rec(o, name, s instanceof net.Server, s.constructor === net.Server, typeof s.on);
    const port = await ctx.listen(s, name);
    const c = ctx.connect(port, '127.0.0.1');
    const [sock] = await ctx.wait(s, 'connection');
    c.destroy();
    sock.destroy();
    await Promise.all([ctx.closed(c), ctx.closed(sock)]);
    await new Promise((res) => s.close(res));
    ctx.rec(o, `${name} listener calls`, called);
  }
});

dt('accepted socket properties inside the connection listener', async (net, ctx) => {
  const o = 'accepted';
  const s = ctx.createServer((sock) => {
    ctx.rec(o, 'state', sock.readyState, sock.connecting, sock.pending, sock.destroyed,
      sock.readable, sock.writable, sock.allowHalfOpen, sock.timeout, sock.bytesRead, sock.bytesWritten,
      sock.bufferSize, sock.writableLength);
    ctx.rec(o, 'addr', {
      remoteAddress: sock.remoteAddress,
      remoteFamily: sock.remoteFamily,
      localAddress: sock.localAddress,
      localFamily: sock.localFamily,
      localPort: sock.localPort,
      address: sock.address(),
    });
    sock.end();
  });
  const port = await ctx.listen(s);
  const c = ctx.connect(port, '127.0.0.1');
  ctx.watch(c, 'client');
  await ctx.closed(c);
  await new Promise((res) => s.close(res));
});

dt('a burst of 64 simultaneous connections: every one accepted and echoed', async (net, ctx) => {
  const s = ctx.createServer((sock) => sock.pipe(sock));
  let connections = 0;
  s.on('connection', () => { connections++; });
  const port = await ctx.listen(s);
  const clients = [];
  for (let i = 0; i < 64; i++) {
    const c = ctx.connect(port, '127.0.0.1');
    const seq = [];
    let got = '';
    c.setEncoding('utf8');
    for (const ev of ['connect', 'end', 'finish', 'close', 'error']) c.on(ev, (...a) => seq.push(a.length ? `${ev}:${a[0] && a[0].code || a[0]}` : ev));
    c.on('data', (d) => { got += d; });
    c.on('connect', () => c.end(`client-${i}`));
    clients.push({ c, seq, get got() { return got; }, i });
  }
  await Promise.all(clients.map(({ c }) => ctx.closed(c)));
  const sequences = new Map();
  for (const x of clients) {
    const k = JSON.stringify(x.seq);
    sequences.set(k, (sequences.get(k) || 0) + 1);
  }
  ctx.rec('o', 'sequences', [...sequences].sort());
  ctx.rec('o', 'echoes-ok', clients.every((x) => x.got === `client-${x.i}`));
  ctx.rec('o', 'connections', connections);
  for (let i = 0; i < 200; i++) {
    const n = await new Promise((res) => s.getConnections((e, k) => res(k)));
    if (n === 0) break;
    await ctx.immediate();
  }
  ctx.rec('o', 'remaining', await new Promise((res) => s.getConnections((e, k) => res(k))));
  await new Promise((res) => s.close(res));
}, { timeout: 15000 });
