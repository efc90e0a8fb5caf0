// Arguments no program means to pass, found by the random-call property test
// (property-calls.test.mjs, issue 15), each compared with node:net: what is thrown,
// where, and what is emitted.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { differential } from './helpers/impl.mjs';

const dt = (title, scenario, opts) => test(title, (t) => differential(t, title, scenario, opts));
const outcome = (fn) => {
  try {
    const r = fn();
    return { returned: typeof r };
  } catch (err) {
    return { threw: err.name, code: err.code, message: err.message };
  }
};

// Match node:net: a backlog that cannot become a number (Symbol, BigInt) throws only
// once the address is bound, so a bind error is emitted instead; a valueOf() is used.
// Not compared: what the server is after that throw. node:net's stays bound and not
// listening (its path exists, clients are refused, close() works); rsnet, which binds
// and listens in one call, closes it (no path, close() says ERR_SERVER_NOT_RUNNING).
dt('listen() with a Symbol, BigInt or valueOf backlog', async (net, ctx) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rsnet-odd-'));
  for (const [label, backlog] of [['symbol', Symbol('s')], ['bigint', 1n], ['valueOf', { valueOf: () => 5 }]]) {
    // Bound: throws (or listens).
    const a = net.createServer();
    const listening = new Promise((resolve) => a.once('listening', () => resolve('listening')));
    ctx.rec(label, 'free path', outcome(() => a.listen({ path: path.join(dir, `${label}.sock`), backlog })));
    if (label === 'valueOf') {
      ctx.rec(label, await listening, a.listening);
      await new Promise((resolve) => a.close(() => resolve()));
    } else {
      a.close(() => {});
    }
    // Not bound (no such directory): the bind error is emitted, nothing thrown.
    const b = net.createServer();
    const error = new Promise((resolve) => b.once('error', (e) => resolve(e.code)));
    ctx.rec(label, 'missing directory', outcome(() => b.listen({ path: path.join(dir, 'none', 'x.sock'), backlog })));
    ctx.rec(label, 'error', await error);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

// Match node:net: a primitive `handle` throws (it cannot be marked as the socket's);
// an object without close() is taken, and destroy() emits the TypeError closing it makes.
dt('new Socket({ handle }) with a primitive or a bare object', async (net, ctx) => {
  for (const [label, handle] of [['number', 1], ['string', 'x'], ['boolean', true]]) {
    ctx.rec(label, outcome(() => new net.Socket({ handle })));
  }
  const s = new net.Socket({ handle: {} });
  ctx.rec('object', s.readyState);
  const error = new Promise((resolve) => s.once('error', (e) => resolve(`${e.name}: ${e.message}`)));
  s.destroy();
  ctx.rec('destroy emits', await error);
});

// Match node:net: a timeout under 1 ms is a timer of 1 ms, not none (found by the
// property test: setTimeout(1.4e-213)).
dt('setTimeout() with a duration under 1 ms: timeout after 1 ms', async (net, ctx) => {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const c = net.connect(server.address().port, '127.0.0.1');
  await new Promise((resolve) => c.once('connect', resolve));
  const timedOut = new Promise((resolve) => c.once('timeout', () => resolve('timeout')));
  ctx.rec('returns the socket', c.setTimeout(1.4e-213) === c, c.timeout);
  ctx.rec(await timedOut);
  c.destroy();
  server.close();
});

// Match node:net: address() asks the handle whatever `connecting` says (a property
// anyone may set); found by the property test.
dt('address() on a connected socket whose connecting was set to true', async (net, ctx) => {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const c = net.connect(server.address().port, '127.0.0.1');
  await new Promise((resolve) => c.once('connect', resolve));
  c.connecting = true;
  const a = c.address();
  ctx.rec('address', a.address, a.family, typeof a.port);
  c.destroy();
  server.close();
});
