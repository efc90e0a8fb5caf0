// Differential tests for dist/validate.js and dist/normalize.js: each
// validator is driven with the inputs a public Node API feeds to Node's own
// validator of the same name, and must throw the same error (or none); the
// overload normalizers must resolve arguments exactly as node:net does.

import test from 'ava';
import { createRequire } from 'node:module';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import dns from 'node:dns';
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';

const require = createRequire(import.meta.url);
const V = require('../dist/validate.js');
const N = require('../dist/normalize.js');

/** The observable outcome of a call: no error, or the error's identity. */
function outcome(fn) {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return {
      ctor: err.constructor.name,
      code: err.code,
      message: err.message,
      string: String(err),
      stack0: String(err.stack).split('\n')[0],
      keys: Object.keys(err),
    };
  }
}

function same(t, nodeCall, ourCall, label) {
  t.deepEqual(outcome(ourCall), outcome(nodeCall), label);
}

class Foo {}
const VALUES = [
  undefined, null, true, false, 0, -0, 1, -1, 0.5, -0.5, 1.5, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1,
  2 ** 32 - 1, 2 ** 32, 2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, Number.MAX_VALUE,
  Number.EPSILON, NaN, Infinity, -Infinity, 10n, '', ' ', '0', '1', '80', 'x', "it's", 'a'.repeat(40),
  Symbol('s'), {}, [], [1], new Foo(), Object.create(null), () => {}, function named() {}, new Date(0),
];

test('validateNumber (with and without bounds)', (t) => {
  for (const v of VALUES) {
    same(t, () => new net.Socket({ keepAliveInitialDelay: v }),
      () => { if (typeof v !== 'undefined') V.validateNumber(v, 'options.keepAliveInitialDelay'); }, `no bounds ${util.inspect(v)}`);
    same(t, () => new EventEmitter().setMaxListeners(v),
      () => V.validateNumber(v, 'setMaxListeners', 0), `min 0 ${util.inspect(v)}`);
  }
  t.is(outcome(() => V.validateNumber(5, 'n', 1, 3)).message, 'The value of "n" is out of range. It must be >= 1 && <= 3. Received 5');
  t.is(outcome(() => V.validateNumber(NaN, 'n', undefined, 3)).message, 'The value of "n" is out of range. It must be <= 3. Received NaN');
  t.is(outcome(() => V.validateNumber(NaN, 'n')), 'ok');
});

test('validateInt32, validateUint32, validateInteger', (t) => {
  const tmp = path.join(os.tmpdir(), `rsnet-compat-validate-${process.pid}`);
  const fd = fs.openSync(tmp, 'w');
  const previousTimeout = net.getDefaultAutoSelectFamilyAttemptTimeout();
  try {
    for (const v of VALUES) {
      same(t, () => net.setDefaultAutoSelectFamilyAttemptTimeout(v), () => V.validateInt32(v, 'value', 1), `int32 min 1 ${util.inspect(v)}`);
      // Node 20 aborts the process on addSubnet(_, -0): its C++ side asserts IsInt32.
      if (!Object.is(v, -0)) {
        same(t, () => new net.BlockList().addSubnet('1.2.3.4', v), () => V.validateInt32(v, 'prefix', 0, 32), `int32 0..32 ${util.inspect(v)}`);
      }
      // Valid modes would really chmod; chmod parses strings as octal and
      // turns null into undefined before validating.
      if ((typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 2 ** 32 - 1) || typeof v === 'string' || v == null) continue;
      same(t, () => fs.chmodSync(path.join(tmp, 'none'), v), () => V.validateUint32(v, 'mode'), `uint32 ${util.inspect(v)}`);
    }
    // Only inputs Node refuses: a valid length would really truncate the file.
    for (const v of [0.5, 1.5, -0.5, NaN, Infinity, 2 ** 53, -(2 ** 53), Number.MAX_VALUE, 'x', '1', 10n, {}, null]) {
      same(t, () => fs.ftruncateSync(fd, v), () => V.validateInteger(v, 'len'), `integer ${util.inspect(v)}`);
    }
  } finally {
    net.setDefaultAutoSelectFamilyAttemptTimeout(previousTimeout);
    fs.closeSync(fd);
    fs.unlinkSync(tmp);
  }
  // Reached through net with validateInt32(fd, 'fd', 0).
  for (const v of [-1, 1.5, 2 ** 31, 'x', null]) {
    same(t, () => new net.Socket({ fd: v }), () => V.validateInt32(v, 'fd', 0), `fd ${util.inspect(v)}`);
  }
  t.is(outcome(() => V.validateUint32(0, 'size', true)).message, 'The value of "size" is out of range. It must be >= 1 && <= 4294967295. Received 0');
  t.is(outcome(() => V.validateInteger(5, 'n')), 'ok');
});

test('validateString, validateBoolean, validateFunction, validateAbortSignal', (t) => {
  for (const v of VALUES) {
    // connect() only treats a truthy path as a path.
    if (typeof v === 'string' || !v) continue;
    same(t, () => net.connect({ path: v }), () => V.validateString(v, 'options.path'), `string ${util.inspect(v)}`);
  }
  const previousFamily = net.getDefaultAutoSelectFamily();
  try {
    for (const v of VALUES) {
      same(t, () => net.setDefaultAutoSelectFamily(v), () => V.validateBoolean(v, 'value'), `boolean ${util.inspect(v)}`);
    }
  } finally {
    net.setDefaultAutoSelectFamily(previousFamily);
  }
  for (const v of VALUES) {
    if (v === undefined) continue;
    same(t, () => new net.Socket().setTimeout(10, v), () => V.validateFunction(v, 'callback'), `function ${util.inspect(v)}`);
  }
  const fakeSignal = { aborted: false, addEventListener() {}, removeEventListener() {} };
  for (const v of [...VALUES, fakeSignal, new AbortController().signal, AbortSignal.abort()]) {
    same(t, () => {
      const srv = new net.Server();
      srv._listen2 = () => {}; // validate only, bind nothing
      srv.listen({ port: 0, signal: v });
    }, () => V.validateAbortSignal(v, 'options.signal'), `signal ${util.inspect(v)}`);
  }
  t.is(outcome(() => V.validateAbortSignal(undefined, 'signal')), 'ok');
});

test('validateObject and its flags', (t) => {
  for (const v of VALUES) {
    if (v === undefined) continue; // SocketAddress defaults it
    same(t, () => new net.SocketAddress(v), () => V.validateObject(v, 'options'), `none ${util.inspect(v)}`);
    same(t, () => util.formatWithOptions(v, 'x'),
      () => V.validateObject(v, 'inspectOptions', V.ValidateObject.AllowArray), `allowArray ${util.inspect(v)}`);
  }
  const fn = () => {};
  t.is(outcome(() => V.validateObject(null, 'o', V.ValidateObject.AllowNullable)), 'ok');
  t.is(outcome(() => V.validateObject(fn, 'o', V.ValidateObject.AllowFunction)), 'ok');
  t.is(outcome(() => V.validateObject(fn, 'o', V.ValidateObject.AllowArray)).message,
    'The "o" argument must be of type object. Received function fn');
  t.is(outcome(() => V.validateObject([], 'o', V.ValidateObject.AllowObjects)), 'ok');
  t.is(outcome(() => V.validateObject(null, 'o', V.ValidateObject.AllowObjects)).message,
    'The "o" argument must be of type object. Received null');
  t.is(outcome(() => V.validateObject(null, 'o', V.ValidateObject.AllowObjectsAndNull)), 'ok');
  t.is(outcome(() => V.validateObject(5, 'o', V.ValidateObject.AllowObjectsAndNull)).message,
    'The "o" argument must be of type object. Received type number (5)');
});

test('validateOneOf', (t) => {
  const orders = ['verbatim', 'ipv4first', 'ipv6first'];
  const previous = dns.getDefaultResultOrder();
  try {
    for (const v of [...VALUES, ...orders]) {
      same(t, () => dns.setDefaultResultOrder(v), () => V.validateOneOf(v, 'dnsOrder', orders), `oneOf ${util.inspect(v)}`);
    }
  } finally {
    dns.setDefaultResultOrder(previous);
  }
  t.is(outcome(() => V.validateOneOf(3, 'n', [1, 2, 'x', null])).message,
    "The argument 'n' must be one of: 1, 2, 'x', null. Received 3");
  t.is(outcome(() => V.validateOneOf(NaN, 'n', [NaN])), 'ok');
});

test('validatePort: numbers and numeric strings, Port / options.port / allowZero', (t) => {
  const PORTS = [
    ...VALUES, 65535, 65536, '65535', '65536', ' 80 ', '\t80\n', '0x50', '0X50', '0b1', '0o17', '8e1', '1e5', '-0', '+80',
    '80.0', '80.5', '08', '0080', '١٢', '80px', '', '  ', '\u00a0', '\u2028', 'Infinity', 2 ** 32 + 80, -65536,
  ];
  for (const p of PORTS) {
    // lookupService hands accepted ports to C++ unconverted, which aborts the
    // process on anything but a plain uint32: ask it only about those and
    // about ports it refuses. listen() below covers the accepted strings.
    if (outcome(() => V.validatePort(p)) !== 'ok' || (typeof p === 'number' && !Object.is(p, -0))) {
      same(t, () => dns.lookupService('127.0.0.1', p, () => {}), () => V.validatePort(p), `Port ${util.inspect(p)}`);
    }
    // listen() only validates numbers and strings as ports.
    if (typeof p !== 'number' && typeof p !== 'string') continue;
    same(t, () => {
      const srv = new net.Server();
      srv._listen2 = () => {}; // accept without binding anything
      srv.listen({ port: p });
    }, () => V.validatePort(p, 'options.port'), `options.port ${util.inspect(p)}`);
  }
  for (const p of [0, -0, '0', 1, -1, 'x', '']) {
    const sock = dgram.createSocket('udp4');
    sock.on('error', () => {});
    same(t, () => sock.connect(p, '127.0.0.1'), () => V.validatePort(p, 'Port', false), `allowZero false ${util.inspect(p)}`);
    sock.close();
  }
  t.is(V.validatePort('0x50'), 80);
  t.is(V.validatePort(' 8080 '), 8080);
  t.is(V.validatePort('-0'), 0);
  t.is(V.validatePort(443), 443);
});

test('getTimerDuration: errors as socket.setTimeout, clamping with the same warning', async (t) => {
  for (const v of VALUES) {
    if (typeof v === 'number' && v > V.TIMEOUT_MAX) continue; // accepted by both; clamping is checked below
    same(t, () => new net.Socket().setTimeout(v), () => V.getTimerDuration(v, 'msecs'), `msecs ${util.inspect(v)}`);
  }
  t.is(V.getTimerDuration(-0, 'msecs'), -0);
  t.is(V.getTimerDuration(1.5, 'msecs'), 1.5);
  t.is(V.getTimerDuration(V.TIMEOUT_MAX, 'msecs'), 2 ** 31 - 1);

  // Let the warnings of the loop above (emitted on next tick) go by first.
  await new Promise((resolve) => setImmediate(resolve));
  const warnings = [];
  const onWarning = (w) => {
    if (w.name === 'TimeoutOverflowWarning') warnings.push({ name: w.name, message: w.message });
  };
  process.on('warning', onWarning);
  try {
    new net.Socket().setTimeout(2 ** 31).setTimeout(0);
    t.is(V.getTimerDuration(2 ** 31, 'msecs'), 2 ** 31 - 1);
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  t.is(warnings.length, 2);
  t.deepEqual(warnings[1], warnings[0]);
  t.is(warnings[0].name, 'TimeoutOverflowWarning');
});

test('validator errors point at the caller, not at rsnet', (t) => {
  function callerOfValidatePort() {
    V.validatePort('nope');
  }
  const err = t.throws(callerOfValidatePort);
  const lines = err.stack.split('\n');
  t.is(lines[0], "RangeError [ERR_SOCKET_BAD_PORT]: Port should be >= 0 and < 65536. Received type string ('nope').");
  t.regex(lines[1], /callerOfValidatePort/);
  t.notRegex(err.stack, /dist[\\/](validate|errors)\.js/);
});

// ---------------------------------------------------------------------------
// normalize.js
// ---------------------------------------------------------------------------

const cb = () => {};
const CONNECT_ARGS = [
  [], [80], [80, '127.0.0.1'], [80, '127.0.0.1', cb], [80, cb], ['80'], [' 80 '], ['0x50'], ['8e1'], [''], ['-1'],
  ['abc'], ['/tmp/x.sock'], ['/tmp/x.sock', cb], ['/tmp/x.sock', 'host', cb], [null], [undefined], [undefined, cb],
  [null, 'h'], [true], [NaN], [80, 5, cb], [80, undefined, 'late'], [80, null, cb], [{ port: 80 }], [{ port: 80 }, cb],
  [{ path: '/p' }, 'ignored', cb], [[1, 2]], [[]], [cb], [cb, cb], [Symbol.for('s')], [10n], [{ port: 80 }, 'x'],
];

test('normalizeArgs: same [options, cb] as node:net for every overload', (t) => {
  const original = net.Socket.prototype.connect;
  const captured = [];
  // net.connect() normalizes, then hands the array to socket.connect().
  net.Socket.prototype.connect = function capture(normalized) {
    captured.push(normalized);
    return this;
  };
  try {
    for (const args of CONNECT_ARGS) net.connect(...args);
  } finally {
    net.Socket.prototype.connect = original;
  }
  t.is(captured.length, CONNECT_ARGS.length);
  CONNECT_ARGS.forEach((args, i) => {
    const theirs = captured[i];
    const ours = N.normalizeConnectArgs(args);
    const label = util.inspect(args);
    t.true(Array.isArray(ours), label);
    t.is(ours.length, theirs.length, label);
    t.deepEqual(ours[0], theirs[0], label);
    t.is(ours[0] === args[0], theirs[0] === args[0], `${label}: options identity`);
    t.is(ours[1], theirs[1], `${label}: callback`);
    t.is(Object.getOwnPropertySymbols(theirs).length, 1, label);
    t.true(N.isNormalizedArgs(ours), label);
    t.false(N.isNormalizedArgs([...ours]), label);
  });
  t.false(N.isNormalizedArgs({ [N.normalizedArgsSymbol]: true }));
});

test('isPipeName / nonNegativeNumber', (t) => {
  const cases = { '8080': false, ' 80 ': false, '': false, '-1': true, abc: true, '0x10': false, '1e3': false, 'NaN': true, '/tmp/s': true };
  for (const [s, expected] of Object.entries(cases)) t.is(N.isPipeName(s), expected, s);
  t.false(N.isPipeName(80));
  t.is(N.nonNegativeNumber(false), 0);
  t.is(N.nonNegativeNumber('7'), 7);
  t.is(N.nonNegativeNumber(-1), false);
  t.is(N.nonNegativeNumber('x'), false);
});

/**
 * What node:net's listen() decides, observed through Server#_listen2 (the
 * step after validation that would bind): [address, port, addressType,
 * backlog, fd, flags], or the error it throws.
 */
async function nodeListen(args) {
  const srv = new net.Server();
  let seen;
  srv._listen2 = (...a) => { seen = a; };
  try {
    srv.listen(...args);
  } catch (err) {
    return { error: outcome(() => { throw err; }), server: srv };
  }
  for (let i = 0; i < 50 && !seen; i++) await new Promise((resolve) => setTimeout(resolve, 5)); // host lookups
  return { seen, server: srv };
}

function ourListen(args, isHandle = () => false) {
  let target;
  const error = outcome(() => {
    const [options] = N.normalizeArgs(args);
    target = N.resolveListenTarget(args, options, { isHandle });
  });
  return error === 'ok' ? { target } : { error };
}

const LISTEN_ARGS = () => [
  [], [null], [undefined], [cb], [null, cb], [0], [8080], ['8080'], [' 81 '], ['0x10'], [8080, 100], [8080, '100'],
  [8080, '127.0.0.1'], [8080, '127.0.0.1', 100], [8080, '127.0.0.1', 'x', cb], [8080, '127.0.0.1', cb], [8080, 0, cb],
  [8080, -5], [8080, 1.5], [8080, 2 ** 33], ['/tmp/rsnet-x.sock'], ['/tmp/rsnet-x.sock', 7], ['/tmp/rsnet-x.sock', cb],
  [{ port: 80 }], [{ port: 80, backlog: 7 }], [{ port: 80, backlog: '9' }], [{ port: 80, backlog: 0 }, 12],
  [{ port: 80, backlog: -3 }], [{ port: 80, backlog: 2 ** 32 + 5 }], [{ port: 80, host: '127.0.0.1', backlog: 3 }],
  [{ port: 0, ipv6Only: true }], [{ port: 0, host: '::1', ipv6Only: true }], [{ port: 0, host: '127.0.0.1', ipv6Only: 1 }],
  [{ port: 0, host: '' }], [{ port: 0, host: 0 }], [{ port: undefined }], [{ port: null }], [{ port: '0' }],
  [{ path: '/tmp/rsnet-y.sock' }], [{ path: '/tmp/rsnet-y.sock', backlog: 4, readableAll: true, writableAll: 1 }],
  [{ path: '\0abstract' }], [{ path: '\0abstract', writableAll: true }], [{ path: '\0abstract', readableAll: 1 }],
  [{ fd: 3 }], [{ fd: 3 }, 12], [{ fd: 3, backlog: 12 }], [{ fd: 0 }], [{ fd: 1.5 }], [{ fd: -1 }], [{ fd: '3' }],
  [{ handle: { fd: 4 } }], [{ _handle: { fd: 5 } }, 6], [{ handle: 5 }], [{ handle: null, port: 0 }],
  [{}], [{ host: 'localhost' }], [[]], [true], [false], [{ port: true }], [{ port: {} }], [{ path: 5 }],
  [{ path: '8080' }], [{ path: '' }], [''], ['-1'], [{ port: -1 }], [{ port: 65536 }], [{ port: '' }],
  [{ port: 0, signal: 5 }], [{ port: 0, signal: null }], [{ port: 'x', signal: 5 }], [{ port: 0, exclusive: true }],
];

/** Maps node's _listen2 arguments and our target onto one comparable form. */
function fromNode(args, seen) {
  const [address, port, , backlog, fd, flags] = seen;
  const effective = (backlog || 511) | 0;
  if (typeof fd === 'number') return { kind: 'fd', fd, backlog: effective };
  if (port === -1) return { kind: 'pipe', path: address, backlog: effective };
  return { kind: 'tcp', port, hasHost: address !== null, backlog: effective, ipv6Only: flags === 1 };
}

function fromOurs(target) {
  switch (target.kind) {
    case 'fd': return { kind: 'fd', fd: target.fd, backlog: target.backlog };
    case 'pipe': return { kind: 'pipe', path: target.path, backlog: target.backlog };
    case 'tcp': return { kind: 'tcp', port: target.port, hasHost: target.host !== null, backlog: target.backlog, ipv6Only: target.ipv6Only };
    default: return target;
  }
}

test('resolveListenTarget: same decision or error as node:net listen()', async (t) => {
  // Each case runs on fresh argument objects: listen() mutates options.
  const nodeCases = LISTEN_ARGS();
  const ourCases = LISTEN_ARGS();
  const kinds = {};
  for (let i = 0; i < nodeCases.length; i++) {
    const label = util.inspect(nodeCases[i]);
    const theirs = await nodeListen(nodeCases[i]);
    theirs.server.close?.(() => {});
    const ours = ourListen(ourCases[i]);
    if (theirs.error) {
      t.deepEqual(ours.error, theirs.error, label);
      kinds.error = (kinds.error ?? 0) + 1;
      continue;
    }
    kinds[ours.target?.kind] = (kinds[ours.target?.kind] ?? 0) + 1;
    t.truthy(theirs.seen, `node did not reach _listen2 for ${label}`);
    t.deepEqual(fromOurs(ours.target), fromNode(nodeCases[i], theirs.seen), label);
    // listen() writes port 0 back into the caller's options; so must we.
    t.deepEqual(ourCases[i], nodeCases[i], `${label}: options after listen`);
  }
  // Every outcome must have been exercised.
  t.true(kinds.error > 10 && kinds.tcp > 20 && kinds.pipe >= 4 && kinds.fd >= 5, JSON.stringify(kinds));
});

test('resolveListenTarget: handles, the listening callback and the abort signal', async (t) => {
  const owner = net.createServer();
  await new Promise((resolve) => owner.listen(0, '127.0.0.1', resolve));
  try {
    const handle = owner._handle;
    const theirs = await nodeListen([owner, 9]);
    t.deepEqual(theirs.seen, [null, -1, -1, 9, undefined, undefined]);
    const { target } = ourListen([owner, 9], (o) => o === handle);
    t.deepEqual(target, { kind: 'handle', handle, backlog: 9 });
    t.deepEqual(ourListen([{ handle }], (o) => o === handle).target, { kind: 'handle', handle, backlog: 511 });
  } finally {
    owner.close();
  }

  const [, callback] = N.normalizeArgs([0, '127.0.0.1', cb]);
  t.is(callback, cb);

  const controller = new AbortController();
  const seen = [];
  const target = N.resolveListenTarget([{ port: 0, signal: controller.signal }], { port: 0, signal: controller.signal }, {
    isHandle: () => false,
    onSignal: (s) => seen.push(s),
  });
  t.is(target.kind, 'tcp');
  t.deepEqual(seen, [controller.signal]);
  // The signal is wired before later checks can throw, as in node:net.
  const early = [];
  t.throws(() => N.resolveListenTarget([{ port: 'x', signal: controller.signal }], { port: 'x', signal: controller.signal }, {
    isHandle: () => false,
    onSignal: (s) => early.push(s),
  }), { code: 'ERR_SOCKET_BAD_PORT' });
  t.is(early.length, 1);
});

test('resolveTcpConnectOptions: same errors, in the same order, as net.connect()', (t) => {
  const BAD = [
    { port: 'x' }, { port: null }, { port: {} }, { port: -1 }, { port: 65536 }, { port: 1.5 }, { port: '' },
    { port: 80, localAddress: 'nope' }, { port: 'x', localAddress: 'nope' }, { port: 80, localAddress: '::1%eth0' },
    { port: 80, localPort: 'x' }, { port: 'x', localPort: 'x' }, { port: 80, localPort: 0 }, { port: 80, localPort: -5 },
    { port: 80, autoSelectFamily: 1 }, { port: 80, autoSelectFamily: null }, { port: 'x', autoSelectFamily: 1 },
    { port: 80, autoSelectFamilyAttemptTimeout: 0 }, { port: 80, autoSelectFamilyAttemptTimeout: 1.5 },
    { port: 80, autoSelectFamilyAttemptTimeout: 'x' }, { port: 80, autoSelectFamily: 'x', autoSelectFamilyAttemptTimeout: 0 },
    { port: 80, host: 'h.example', lookup: 5 }, { port: 80, host: '127.0.0.1', lookup: 5 }, { port: 80, host: 'h', lookup: null },
  ];
  const defaults = { autoSelectFamily: net.getDefaultAutoSelectFamily(), autoSelectFamilyAttemptTimeout: net.getDefaultAutoSelectFamilyAttemptTimeout() };
  for (const options of BAD) {
    const label = util.inspect(options);
    const theirs = outcome(() => {
      const sock = net.connect({ ...options, lookup: options.lookup ?? ((h, o, done) => done(new Error('no lookup'))) });
      sock.on('error', () => {});
      sock.destroy();
    });
    const ours = outcome(() => N.resolveTcpConnectOptions({ ...options }, defaults));
    t.deepEqual(ours, theirs, label);
  }
});

test('resolveTcpConnectOptions: same host, port and lookup options as net.connect()', async (t) => {
  const GOOD = [
    { port: 80 }, { port: '0x50', host: 'h.example' }, { port: ' 81 ', host: 'h.example', family: 4 },
    { port: 80, host: 'h.example', family: 'IPv6' }, { port: 80, host: 'h.example', family: 'IPv4', hints: 0 },
    { port: 80, host: 'h.example', hints: dns.V4MAPPED }, { port: 80, host: 'h.example', family: 5 },
    { port: 80, host: '', family: 6 }, { port: 80, host: 'h.example', autoSelectFamily: false },
    { port: 80, host: 'h.example', localAddress: '127.0.0.1' }, { port: 80, host: 'h.example', autoSelectFamilyAttemptTimeout: 3 },
  ];
  const defaults = { autoSelectFamily: net.getDefaultAutoSelectFamily(), autoSelectFamilyAttemptTimeout: net.getDefaultAutoSelectFamilyAttemptTimeout() };
  for (const options of GOOD) {
    const label = util.inspect(options);
    const asked = await new Promise((resolve) => {
      const lookup = (host, dnsOptions, done) => {
        resolve({ host, family: dnsOptions.family, hints: dnsOptions.hints });
        done(new Error('stop here'));
      };
      const sock = net.connect({ ...options, lookup });
      sock.on('error', () => {});
    });
    const customLookup = () => {};
    const plan = N.resolveTcpConnectOptions({ ...options, lookup: customLookup }, defaults);
    t.is(plan.addressType, 0, label);
    t.is(plan.lookup, customLookup, label);
    t.deepEqual({ host: plan.host, ...plan.dnsOptions }, asked, label);
    t.is(plan.port, options.port === undefined ? 0 : V.validatePort(options.port), label);
  }

  const direct = N.resolveTcpConnectOptions({ port: '80', host: '::1', autoSelectFamilyAttemptTimeout: 3 }, defaults);
  t.is(direct.addressType, 6);
  t.is(direct.port, 80);
  t.is(direct.autoSelectFamilyAttemptTimeout, 10);
  t.is(direct.dnsOptions, undefined);
  t.is(N.resolveTcpConnectOptions({}, defaults).host, 'localhost');
  t.is(N.resolveTcpConnectOptions({ host: 'x' }, defaults).lookup, dns.lookup);
});
