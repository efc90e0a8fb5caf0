// The random programs of the property test (issue 15, item 2): fast-check arbitraries
// for short sequences of public calls on node:net's API, as plain JSON so that the same
// program can be handed to a node:net child and an rsnet child (world.mjs runs one).
//
// A step names its target by an index into the program's world (a listening TCP server,
// a listening Unix server, a connected client, the server's side of it, an unconnected
// socket, then whatever the steps create), or the module itself; and a method by an
// index into the list for the target's type (world.mjs, METHODS), so a program never
// calls a Server method on a Socket unless it means to.
//
// A value is JSON, or a tagged object for what JSON cannot hold:
//   { t: 'undef' | 'fn' | 'sym' | 'big' | 'err' | 'nan' | 'inf' | 'ninf' | 'negzero' }
//   { t: 'buf', n } a Buffer of n bytes   { t: 'u8', n } a Uint8Array
//   { t: 'port' } the TCP server's port   { t: 'portstr' } the same, as a string
//   { t: 'path' } a fresh Unix path        { t: 'livepath' } the Unix server's path
//   { t: 'ref', i } world object i          { t: 'signal', aborted }
//   { t: 'obj', fields } an options object  { t: 'arr', items }
//
// Hosts are loopback names and literals only (and strings that fail before any lookup):
// the tests never reach beyond this machine.

import fc from 'fast-check';

const tag = (t) => fc.constant({ t });

const PORTS = [
  { t: 'port' }, { t: 'portstr' }, 0, -1, 65536, 1.5, '0', 'x', { t: 'nan' }, null, { t: 'undef' }, 1,
];
const HOSTS = [
  '127.0.0.1', '::1', 'localhost', '', '0.0.0.0', '::', 'fe80::1%lo', '::1%lo', '127.0.0.1%lo', '[::1]', 1, null, { t: 'undef' },
];
const FDS = [-1, 0.5, 2 ** 31, 'x', { t: 'nan' }, 1e9];
const TIMEOUTS = [0, 1, -1, 5, 1e9, 2 ** 31, { t: 'nan' }, { t: 'inf' }, 'x', '1', null, { t: 'undef' }];
const ENCODINGS = ['utf8', 'hex', 'latin1', 'base64', 'ucs2', 'bogus', '', null, { t: 'undef' }, 1];

/** Values any argument may take: every JavaScript type and a few edge numbers and strings. */
const scalar = fc.oneof(
  fc.constantFrom(
    { t: 'undef' }, null, true, false, 0, 1, -1, 3, 65535, 2 ** 53,
    '', 'a', 'utf8', 'hex', '127.0.0.1', '::1', 'localhost',
  ),
  fc.constantFrom(...['fn', 'sym', 'big', 'err', 'nan', 'inf', 'ninf', 'negzero', 'port', 'portstr', 'path', 'livepath'].map((t) => ({ t }))),
  fc.integer({ min: 0, max: 4096 }).map((n) => ({ t: 'buf', n })),
  fc.integer({ min: 0, max: 64 }).map((n) => ({ t: 'u8', n })),
  fc.integer({ min: 0, max: 12 }).map((i) => ({ t: 'ref', i })),
  fc.boolean().map((aborted) => ({ t: 'signal', aborted })),
  fc.string({ maxLength: 12 }),
  fc.double({ noNaN: true }),
);

/** Option keys, each with values close to what it expects (and some that are not). */
const OPTION_VALUES = {
  port: PORTS,
  host: HOSTS,
  localAddress: HOSTS,
  localPort: PORTS,
  path: [{ t: 'path' }, { t: 'livepath' }, '', 1, null],
  fd: FDS,
  family: [0, 4, 6, 5, 'IPv4', null],
  hints: [0, 1024, -1, 'x'],
  lookup: [{ t: 'fn' }, 1, null],
  timeout: TIMEOUTS,
  allowHalfOpen: [true, false, 1, 'x'],
  pauseOnConnect: [true, false],
  noDelay: [true, false, 1],
  keepAlive: [true, false, 1],
  keepAliveInitialDelay: [0, 1000, -1, 'x', { t: 'nan' }],
  backlog: [0, 1, -1, 511, 'x', { t: 'nan' }, 2 ** 31],
  exclusive: [true, false],
  ipv6Only: [true, false],
  readableAll: [true, false],
  writableAll: [true, false],
  reusePort: [true, false],
  signal: [{ t: 'signal', aborted: true }, { t: 'signal', aborted: false }, 1, {}],
  handle: [{ t: 'ref', i: 0 }, { t: 'ref', i: 2 }, 'x', 1, {}],
  readable: [true, false],
  writable: [true, false],
  autoSelectFamily: [true, false, 1],
  autoSelectFamilyAttemptTimeout: [0, 1, 10, 250, -1, 'x'],
  blockList: [1, {}, null],
  highWaterMark: [0, 1, 16384, -1, 'x'],
  encoding: ENCODINGS,
  type: ['tcp4', 'tcp6', 'unix', 'udp4', 'x'],
  onread: [{ t: 'fn' }, 1, {}],
};

const optionsObject = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...Object.keys(OPTION_VALUES)).chain((k) => fc.tuple(fc.constant(k), fc.constantFrom(...OPTION_VALUES[k]))) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...Object.keys(OPTION_VALUES)), scalar) },
    ),
    { maxLength: 4 },
  )
  .map((pairs) => ({ t: 'obj', fields: Object.fromEntries(pairs) }));

/** One argument: options objects and near-valid values most of the time, anything else otherwise. */
export const argument = fc.oneof(
  { weight: 3, arbitrary: optionsObject },
  { weight: 2, arbitrary: fc.constantFrom(...PORTS, ...HOSTS, ...TIMEOUTS, ...ENCODINGS) },
  { weight: 1, arbitrary: tag('fn') },
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }).map((items) => ({ t: 'arr', items })) },
);

/**
 * One call: on the module (`target: -1`), as a method, getter or setter of world
 * object `target` (taken modulo the world's size), with 0 to 4 arguments.
 */
export const step = fc.record({
  target: fc.integer({ min: -1, max: 12 }),
  kind: fc.constantFrom('call', 'call', 'call', 'call', 'get', 'set'),
  method: fc.nat({ max: 1000 }),
  args: fc.array(argument, { maxLength: 4 }),
});

/** A program: 1 to 6 calls. */
export const program = fc.array(step, { minLength: 1, maxLength: 6 });

/** `count` programs from `seed`: the same list wherever and however often it is drawn. */
export function programs(seed, count) {
  return fc.sample(program, { seed, numRuns: count });
}
