// Unix domain sockets, compared between node:net and rsnet.
import test from 'ava';
import fs from 'node:fs';
import { differential } from '../helpers/impl.mjs';
import { state, closeServer } from '../helpers/fixtures.mjs';
import { hashData, source, expectedHash } from '../helpers/data.mjs';

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
