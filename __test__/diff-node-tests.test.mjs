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
