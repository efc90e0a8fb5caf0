// connect() on a socket that is connected already, or whose connect is on its way
// (issue 15: found by the random-call property test). node:net keeps the handle and
// asks the kernel again (connect_again.ts): 'connect' once more, EISCONN, ENOENT for a
// host on a Unix socket, EINVAL for a path on a TCP socket (Node 24 on; Node 20 and 22
// abort there, so that case runs only where node:net survives it), EALREADY while a
// request is pending. Events, their arguments and the synchronous state compared.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { differential } from './helpers/impl.mjs';

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
const dt = (title, scenario, opts) => test(title, (t) => differential(t, title, scenario, opts));
const RECORDED = ['connectionAttempt', 'connectionAttemptFailed', 'connect', 'ready', 'error', 'close', 'end'];

async function world(net) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rsnet-again-'));
  const unixPath = path.join(dir, 's.sock');
  const tcp = net.createServer();
  const unix = net.createServer();
  await new Promise((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  await new Promise((resolve) => unix.listen(unixPath, resolve));
  const port = tcp.address().port;
  const close = async () => {
    await Promise.all([tcp, unix].map((s) => new Promise((resolve) => s.close(resolve))));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { port, unixPath, dir, close };
}

/** Connects with `first`, then calls connect(`again`) `times` times; records what follows. */
function scenario(first, again, times = 1) {
  return async (net, ctx) => {
    const w = await world(net);
    const name = (s) => String(s).split(String(w.port)).join('<port>').split(w.dir).join('<dir>').replace(/\(127\.0\.0\.1:\d+\)/, '(127.0.0.1:<local>)');
    const socket = net.connect(first(w));
    await new Promise((resolve) => socket.once('connect', resolve));
    const events = [];
    for (const ev of RECORDED) {
      socket.on(ev, (...args) => events.push([ev, ...args.map((a) => (a instanceof Error ? `${a.code} ${a.syscall} ${name(a.message)}` : name(a)))]));
    }
    for (let i = 0; i < times; i++) {
      ctx.rec('connect again', socket.connect(again(w)) === socket, socket.connecting, socket.readyState, socket.destroyed);
    }
    await new Promise((resolve) => {
      socket.once('close', resolve);
      // A socket that connected again is still up: end it when that is reported.
      socket.once('connect', () => setImmediate(() => socket.destroy()));
    });
    ctx.rec('events', events);
    await w.close();
  };
}

const tcp = (w) => ({ port: w.port, host: '127.0.0.1' });
const unix = (w) => ({ path: w.unixPath });

dt('connected TCP socket, connect() to the same address: connect again', scenario(tcp, tcp));
dt('connected TCP socket, connect() to another port: the kernel says connected', scenario(tcp, (w) => ({ port: 1, host: '127.0.0.1' })));
dt('connected TCP socket, connect() twice: EALREADY while the first is pending', scenario(tcp, tcp, 2));
dt('connected Unix socket, connect() to a host: ENOENT (taken as a path)', scenario(unix, tcp));
dt('connected Unix socket, connect() to its path: EISCONN', scenario(unix, unix));
if (NODE_MAJOR >= 24) {
  dt('connected TCP socket, connect() to a path: EINVAL', scenario(tcp, unix));
}

// Where node:net aborts (Node 20, 22), rsnet gives the later Nodes' EINVAL.
test('connected TCP socket, connect() to a path: EINVAL on every Node (rsnet)', async (t) => {
  const { createRequire } = await import('node:module');
  const net = createRequire(import.meta.url)('../dist/net.js');
  const w = await world(net);
  const socket = net.connect(tcp(w));
  await new Promise((resolve) => socket.once('connect', resolve));
  const error = new Promise((resolve) => socket.once('error', resolve));
  socket.connect(unix(w));
  t.is(socket.destroyed, true);
  const err = await error;
  t.is(err.code, 'EINVAL');
  t.regex(err.message, /^connect EINVAL .*s\.sock - Local \(127\.0\.0\.1:\d+\)$/);
  await w.close();
});
