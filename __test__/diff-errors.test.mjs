// Errors: asynchronous socket/server errors and synchronous argument checks,
// compared between node:net and rsnet.
import test from 'ava';
import { differential } from './helpers/impl.mjs';
import { state, closeServer } from './helpers/fixtures.mjs';

const dt = (title, scenario, opts) => test(title, (t) => differential(t, title, scenario, opts));

const isErrEvent = (code) => (e) => Array.isArray(e) && e[0] === 'error' && e[1] && e[1].code === code;

// ---- connection errors ------------------------------------------------------

for (const host of ['127.0.0.1', '::1']) {
  dt(`ECONNREFUSED to a closed port on ${host}: full error object, 'error' then close(true)`, async (net, ctx) => {
    const port = await ctx.freePort('F');
    const c = ctx.connect({ port, host });
    ctx.watch(c, 'client');
    let inError;
    c.on('error', () => { inError = state(c); });
    ctx.rec('client', 'sync', state(c));
    await ctx.closed(c);
    ctx.rec('client', 'in-error', inError);
    ctx.rec('client', 'final', state(c), { bytesRead: c.bytesRead, bytesWritten: c.bytesWritten, remoteAddress: c.remoteAddress, address: c.address() });
  }, { check: (t, tr) => t.true(tr.client.some(isErrEvent('ECONNREFUSED'))) });
}

dt("ECONNREFUSED via 'localhost' (lookup, then refusal)", async (net, ctx) => {
  const port = await ctx.freePort('F');
  const c = ctx.connect(port);
  ctx.watch(c, 'client');
  await ctx.closed(c);
}, { check: (t, tr) => t.true(tr.client.some(isErrEvent('ECONNREFUSED'))) });

dt('ECONNREFUSED with data written while connecting: write callbacks get the error', async (net, ctx) => {
  const port = await ctx.freePort('F');
  const c = ctx.connect(port, '127.0.0.1');
  ctx.watch(c, 'client');
  ctx.rec('client', 'write', c.write('queued', (...a) => ctx.rec('client', 'write-cb', ...a)));
  c.end((...a) => ctx.rec('client', 'end-cb', ...a));
  await ctx.closed(c);
  await ctx.immediate();
});

dt('ECONNREFUSED on every address (autoSelectFamily, custom lookup with two addresses)', async (net, ctx) => {
  const port = await ctx.freePort('F');
  const lookup = (hostname, options, cb) => {
    if (options.all) cb(null, [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }]);
    else cb(null, '127.0.0.1', 4);
  };
  // A long attempt timeout: under load node's default 250 ms can fire before the refusal
  // is processed, which would make node's own trace vary.
  const c = ctx.connect({ port, host: 'both.invalid', lookup, autoSelectFamily: true, autoSelectFamilyAttemptTimeout: 5000 });
  ctx.watch(c, 'client');
  await ctx.closed(c);
});

dt("ENOTFOUND from a failing custom lookup: 'lookup' event, same error object, close(true)", async (net, ctx) => {
  for (const autoSelectFamily of [true, false]) {
    const name = `auto=${autoSelectFamily}`;
    let made;
    const lookup = (hostname, options, cb) => {
      made = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
        errno: -3008, code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname,
      });
      process.nextTick(cb, made);
    };
    const port = await ctx.freePort('F');
    const c = ctx.connect({ port, host: 'does-not-exist.invalid', lookup, autoSelectFamily });
    ctx.watch(c, name);
    let same;
    c.on('error', (e) => { same = e === made; });
    await ctx.closed(c);
    ctx.rec(name, 'same-object', same, state(c));
  }
}, { check: (t, tr) => t.true(tr['auto=true'].some(isErrEvent('ENOTFOUND'))) });

dt('custom lookup answering something that is not an IP address', async (net, ctx) => {
  const port = await ctx.freePort('F');
  for (const autoSelectFamily of [true, false]) {
    const lookup = (hostname, options, cb) => {
      if (options.all) cb(null, [{ address: 'not-an-ip', family: 4 }]);
      else cb(null, 'not-an-ip', 4);
    };
    const c = ctx.connect({ port, host: 'weird.invalid', lookup, autoSelectFamily });
    ctx.watch(c, `auto=${autoSelectFamily}`);
    await ctx.closed(c);
  }
});

// (a lookup answering an empty list with all: true makes node 20 throw a
// TypeError from inside net internals: a node bug, not compared)

dt('custom lookup that throws synchronously', async (net, ctx) => {
  const port = await ctx.freePort('F');
  const lookup = () => { throw new Error('lookup exploded'); };
  const r = ctx.sync(() => {
    const c = ctx.connect({ port, host: 'throws.invalid', lookup });
    ctx.watch(c, 'client');
    return c;
  });
  ctx.rec('o', 'connect', r);
  await ctx.immediate();
  await ctx.immediate();
});

dt("connect({port: 0}) is rejected asynchronously or synchronously like node", async (net, ctx) => {
  const r = ctx.sync(() => {
    const c = ctx.connect({ port: 0, host: '127.0.0.1' });
    ctx.watch(c, 'client');
    return c;
  });
  ctx.rec('o', 'connect', r);
  for (const s of ctx.sockets) await ctx.closed(s);
});

dt("error then close(true) when the peer resets mid-stream; no 'end'", async (net, ctx) => {
  const server = ctx.createServer((s) => {
    s.write('partial');
    s.once('data', () => s.resetAndDestroy());
  });
  const port = await ctx.listen(server);
  const c = ctx.connect(port, '127.0.0.1');
  ctx.watch(c, 'client');
  await ctx.wait(c, 'data');
  c.write('trigger');
  await ctx.closed(c);
  ctx.rec('client', 'final', state(c));
  await closeServer(server);
});

dt("timeout handler destroying with an error: 'timeout', 'error', close(true)", async (net, ctx) => {
  const server = ctx.createServer();
  const port = await ctx.listen(server);
  const c = ctx.connect({ port, host: '127.0.0.1' });
  ctx.watch(c, 'client');
  // armed once connected, so a slow connect cannot reorder the trace
  c.on('connect', () => c.setTimeout(50));
  c.on('timeout', () => c.destroy(Object.assign(new Error('idle'), { code: 'ETIMEDOUT' })));
  await ctx.closed(c);
  await closeServer(server);
});

dt("write to a socket that was never connected: ERR_SOCKET_CLOSED", async (net, ctx) => {
  const s = ctx.socket();
  ctx.watch(s, 's');
  ctx.rec('s', 'write', s.write('x', (...a) => ctx.rec('s', 'cb', ...a)));
  await ctx.closed(s);
  ctx.rec('s', 'final', state(s));
});

dt('listen errors come asynchronously as server error events', async (net, ctx) => {
  const blocker = ctx.createServer();
  const port = await ctx.listen(blocker, 'P', 0, '::1');
  const s = ctx.createServer();
  ctx.watch(s, 'server');
  const r = ctx.sync(() => s.listen({ port, host: '::1' }) === s);
  ctx.rec('o', 'sync', r, s.listening);
  await ctx.wait(s, 'error');
  await ctx.immediate();
  ctx.rec('o', 'after', s.listening, s.address());
});

// ---- argument validation (synchronous) ---------------------------------------

// Each case: (net, port) => call. What it throws (class, code, message) is
// compared; a socket or server it returns is watched, closed and compared too.
const syncCases = [
  // net.connect / createConnection
  ['connect()', (net) => net.connect()],
  ['connect({})', (net) => net.connect({})],
  ['createConnection()', (net) => net.createConnection()],
  ['connect({port: -1})', (net) => net.connect({ port: -1 })],
  ['connect({port: 65536})', (net) => net.connect({ port: 65536 })],
  ["connect({port: 'abc'})", (net) => net.connect({ port: 'abc' })],
  ['connect({port: NaN})', (net) => net.connect({ port: NaN })],
  ['connect({port: 1.5})', (net) => net.connect({ port: 1.5 })],
  ['connect({port: true})', (net) => net.connect({ port: true })],
  ['connect({port: null})', (net) => net.connect({ port: null })],
  ["connect({port: ''})", (net) => net.connect({ port: '' })],
  ["connect({port: ' '})", (net) => net.connect({ port: ' ' })],
  ['connect({port: []})', (net) => net.connect({ port: [] })],
  ['connect(-1)', (net) => net.connect(-1)],
  ['connect(65536, host)', (net) => net.connect(65536, '127.0.0.1')],
  ['connect({port, host: 123})', (net, port) => net.connect({ port, host: 123 })],
  ['connect({port, host: {}})', (net, port) => net.connect({ port, host: {} })],
  ["connect({port, localAddress: 'foo'})", (net, port) => net.connect({ port, host: '127.0.0.1', localAddress: 'foo' })],
  ["connect({port, localPort: 'x'})", (net, port) => net.connect({ port, host: '127.0.0.1', localPort: 'x' })],
  ['connect({port, family: 5})', (net, port) => net.connect({ port, host: '127.0.0.1', family: 5 })],
  ["connect({port, family: 'x'})", (net, port) => net.connect({ port, host: '127.0.0.1', family: 'x' })],
  ["connect({port, hints: 'x'})", (net, port) => net.connect({ port, host: '127.0.0.1', hints: 'x' })],
  ["connect({port, lookup: 'x'})", (net, port) => net.connect({ port, host: 'x.invalid', lookup: 'x' })],
  ["connect({port, timeout: 'x'})", (net, port) => net.connect({ port, host: '127.0.0.1', timeout: 'x' })],
  ['connect({port, timeout: -1})', (net, port) => net.connect({ port, host: '127.0.0.1', timeout: -1 })],
  ["connect({port, keepAlive, keepAliveInitialDelay: 'x'})", (net, port) => net.connect({ port, host: '127.0.0.1', keepAlive: true, keepAliveInitialDelay: 'x' })],
  ["connect({port, autoSelectFamilyAttemptTimeout: 'x'})", (net, port) => net.connect({ port, host: '127.0.0.1', autoSelectFamilyAttemptTimeout: 'x' })],
  ['connect({path: 123})', (net) => net.connect({ path: 123 })],
  ['connect(port, host, not-a-function)', (net, port) => net.connect(port, '127.0.0.1', 'x')],
  // Socket constructor and methods
  ['new Socket({fd: -1})', (net) => new net.Socket({ fd: -1 })],
  ["new Socket({fd: 'x'})", (net) => new net.Socket({ fd: 'x' })],
  ["new Socket('x')", (net) => new net.Socket('x')],
  ["socket.connect({port: 'abc'})", (net) => new net.Socket().connect({ port: 'abc' })],
  ['socket.connect()', (net) => new net.Socket().connect()],
  ["socket.setTimeout('x')", (net) => new net.Socket().setTimeout('x')],
  ["socket.setTimeout('10')", (net) => new net.Socket().setTimeout('10')],
  ['socket.setTimeout(-1)', (net) => new net.Socket().setTimeout(-1)],
  ['socket.setTimeout(Infinity)', (net) => new net.Socket().setTimeout(Infinity)],
  ['socket.setTimeout(NaN)', (net) => new net.Socket().setTimeout(NaN)],
  ['socket.setTimeout(1.5)', (net) => new net.Socket().setTimeout(1.5)],
  ["socket.setTimeout(10, 'x')", (net) => new net.Socket().setTimeout(10, 'x')],
  ["socket.setNoDelay('x')", (net) => new net.Socket().setNoDelay('x')],
  ["socket.setKeepAlive(true, 'x')", (net) => new net.Socket().setKeepAlive(true, 'x')],
  ['socket.write(123)', (net) => new net.Socket().write(123)],
  ['socket.write(null)', (net) => new net.Socket().write(null)],
  ['socket.write(undefined)', (net) => new net.Socket().write(undefined)],
  ['socket.write({})', (net) => new net.Socket().write({})],
  ["socket.write('x', 'bogus')", (net) => new net.Socket().write('x', 'bogus')],
  ['socket.end(123)', (net) => new net.Socket().end(123)],
  ["socket.setEncoding('bogus')", (net) => new net.Socket().setEncoding('bogus')],
  ["socket.destroy('string')", (net) => new net.Socket().destroy('string')],
  // Server
  ["createServer('x')", (net) => net.createServer('x')],
  ['createServer(123)', (net) => net.createServer(123)],
  ["new Server({}, 'x')", (net) => new net.Server({}, 'x')],
  ['listen({})', (net) => net.createServer().listen({})],
  ["listen({host: '127.0.0.1'})", (net) => net.createServer().listen({ host: '127.0.0.1' })],
  ['listen(-1)', (net) => net.createServer().listen(-1)],
  ['listen(65536)', (net) => net.createServer().listen(65536)],
  ['listen(1.5)', (net) => net.createServer().listen(1.5)],
  ['listen(NaN)', (net) => net.createServer().listen(NaN)],
  ['listen(true)', (net) => net.createServer().listen(true)],
  ["listen({port: 'abc'})", (net) => net.createServer().listen({ port: 'abc' })],
  ['listen({port: -1})', (net) => net.createServer().listen({ port: -1 })],
  ['listen({port: 0, host: 123})', (net) => net.createServer().listen({ port: 0, host: 123 })],
  ["listen({fd: 'x'})", (net) => net.createServer().listen({ fd: 'x' })],
  ['listen({path: 123})', (net) => net.createServer().listen({ path: 123 })],
  ['listen({port: 0, backlog: -1})', (net) => net.createServer().listen({ port: 0, host: '127.0.0.1', backlog: -1 })],
  ["listen(0, '127.0.0.1', 'x')", (net) => net.createServer().listen(0, '127.0.0.1', 'x')],
  ['getConnections()', (net) => net.createServer().getConnections()],
  ["getConnections('x')", (net) => net.createServer().getConnections('x')],
  ["server.close('x')", (net) => net.createServer().close('x')],
];

for (const [title, call] of syncCases) {
  dt(`argument check: ${title}`, async (net, ctx) => {
    const port = await ctx.freePort('F');
    let made;
    const r = ctx.sync(() => {
      made = call(net, port);
      return made;
    });
    ctx.rec('o', 'result', r);
    if (made && typeof made === 'object') {
      ctx.track(made);
      ctx.watch(made, 'made');
      if (typeof made.destroy === 'function') {
        ctx.rec('o', 'state', state(made));
        made.destroy();
        await ctx.closed(made);
      } else if (typeof made.listen === 'function') {
        if (made.listening) await closeServer(made);
      }
    }
    await ctx.immediate();
    await ctx.immediate();
  });
}
