// What one idle connection costs a server, measured inside the server process: the
// change in RSS and in V8's heap per connection while N connections are held, with or
// without a forced GC first, and optionally where the V8 heap went (a heap snapshot's
// self sizes, by constructor). The bench's idle scenario gives the headline number
// (RSS without GC, from outside); this says what it is made of.
//
//   node --expose-gc bench/probes/idle-memory.mjs <node|rsnet> [options]
//     --connections N   connections to hold (default 10000)
//     --server S        pipe: echo with socket.pipe(socket), as the bench's server
//                       (rsnet runs it natively); data: echo with a 'data' handler
//     --no-gc           measure without forcing a GC first (as the bench does)
//     --snapshot        instead, the V8 heap per connection by constructor (slow; the
//                       snapshots' own garbage makes RSS meaningless then, so only
//                       heapUsed is reported)
//     --smaps           also, which memory mappings the RSS grew in (Linux): the
//                       native part, where V8's heap does not tell. A malloc arena of
//                       a thread other than the main one is a 64 MiB-aligned
//                       anonymous mapping; rsnet's reactor thread allocates in one,
//                       node:net's TCPWrap in [heap] (the main thread's)
//
// The clients are `rsnet-loadgen idle` (build it with `npm run bench` once, or
// `cargo build --release -p rsnet-loadgen`), in a process of their own, on 127.0.0.1;
// each does one 16-byte round trip and then holds its connection until this exits.

import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const USAGE = 'usage: node --expose-gc bench/probes/idle-memory.mjs <node|rsnet> [--connections N] [--server pipe|data] [--no-gc] [--snapshot] [--smaps]';

function parseArgs(argv) {
  const options = { impl: argv[0], connections: 10_000, server: 'pipe', gc: true, snapshot: false, smaps: false };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--connections') options.connections = Number(argv[++i]);
    else if (arg === '--server') options.server = argv[++i];
    else if (arg === '--no-gc') options.gc = false;
    else if (arg === '--snapshot') options.snapshot = true;
    else if (arg === '--smaps') options.smaps = true;
    else options.bad = arg;
  }
  const valid = ['node', 'rsnet'].includes(options.impl) && ['pipe', 'data'].includes(options.server) &&
    Number.isInteger(options.connections) && options.connections > 0 && !options.bad;
  if (!valid) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  if ((options.gc || options.snapshot) && typeof globalThis.gc !== 'function') {
    process.stderr.write('run with node --expose-gc (or pass --no-gc)\n');
    process.exit(2);
  }
  return options;
}

/** Self bytes per V8 heap-snapshot node type and name (constructor), and the total. */
function heapByConstructor() {
  const file = v8.writeHeapSnapshot(path.join(fs.mkdtempSync(path.join(ROOT, 'target', 'probe-')), 'idle.heapsnapshot'));
  const snapshot = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.rmSync(path.dirname(file), { recursive: true });
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const bytes = new Map();
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    const key = `${types[snapshot.nodes[i + typeAt]]} ${snapshot.strings[snapshot.nodes[i + nameAt]].slice(0, 40)}`;
    bytes.set(key, (bytes.get(key) ?? 0) + snapshot.nodes[i + sizeAt]);
  }
  return bytes;
}

/**
 * Resident KiB per mapping, keyed by start address and name ('[anon]' for none), from
 * /proc/self/smaps. Keyed by start, not size: a mapping that grew (brk) stays the same.
 */
function residentByMapping() {
  const rss = new Map();
  let key = null;
  for (const line of fs.readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = line.match(/^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/);
    if (head) {
      key = `${head[1]} ${head[3] || '[anon]'}`;
      continue;
    }
    const resident = line.match(/^Rss:\s+(\d+) kB/);
    if (resident && key !== null) rss.set(key, Number(resident[1]));
  }
  return rss;
}

/**
 * A non-main thread's malloc arena: glibc maps those 64 MiB-aligned. (Now and then one
 * of V8's pages is aligned so too, and is listed as an arena.)
 */
const isArena = (key) => key.endsWith(' [anon]') && parseInt(key, 16) % 0x4000000 === 0;

/**
 * How much each mapping's RSS grew per connection (bytes), largest first: named
 * mappings and malloc arenas one by one, the other anonymous ones (V8's heap pages,
 * mostly) summed up.
 */
function printMappingGrowth(before, after, n) {
  const rows = [];
  let others = 0;
  for (const [key, kib] of after) {
    const bytes = ((kib - (before.get(key) ?? 0)) * 1024) / n;
    if (key.endsWith(' [anon]') && !isArena(key)) others += bytes;
    else rows.push([bytes, isArena(key) ? `${key} (a thread's malloc arena)` : key]);
  }
  for (const [key, kib] of before) if (!after.has(key)) rows.push([(-kib * 1024) / n, `${key} (unmapped)`]);
  rows.sort((a, b) => b[0] - a[0]);
  console.log('RSS growth per connection, by mapping (bytes):');
  for (const [bytes, key] of rows) if (Math.abs(bytes) >= 8) console.log(`${bytes.toFixed(0).padStart(7)}  ${key}`);
  console.log(`${others.toFixed(0).padStart(7)}  other anonymous mappings (V8's heap pages, mostly)`);
}

const options = parseArgs(process.argv.slice(2));
if (options.smaps && !fs.existsSync('/proc/self/smaps')) {
  process.stderr.write('--smaps needs /proc/self/smaps (Linux)\n');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const net = options.impl === 'node' ? require('node:net') : require(path.join(ROOT, 'dist/net.js'));
const loadgen = path.join(process.env.CARGO_TARGET_DIR ? path.resolve(ROOT, process.env.CARGO_TARGET_DIR) : path.join(ROOT, 'target'), 'release', 'rsnet-loadgen');
if (!fs.existsSync(loadgen)) {
  process.stderr.write(`${loadgen} is missing: cargo build --release -p rsnet-loadgen\n`);
  process.exit(2);
}

const held = [];
let allHeld;
const allHeldP = new Promise((resolve) => (allHeld = resolve));
const server = net.createServer((socket) => {
  socket.on('error', () => socket.destroy());
  if (options.server === 'pipe') socket.pipe(socket);
  else socket.on('data', (chunk) => socket.write(chunk));
  held.push(socket);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

const settle = () => {
  if (options.gc) {
    globalThis.gc();
    globalThis.gc();
  }
};
const heapBefore = options.snapshot ? heapByConstructor() : null;
settle();
const before = process.memoryUsage();
const mappingsBefore = options.smaps ? residentByMapping() : null;

const clients = spawn(loadgen, ['idle', '--port', String(server.address().port), '--connections', String(options.connections), '--size', '16'], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
// The load generator prints one JSON line once every connection is open and answered.
clients.stdout.once('data', () => allHeld());
clients.on('exit', (code) => {
  if (code !== 0 && code !== null) {
    process.stderr.write(`rsnet-loadgen idle exited with ${code}\n`);
    process.exit(1);
  }
});
await allHeldP;
// Every connection's round trip is done (the load generator checked the echo); the
// server's side may still be finishing what the last ones started.
await new Promise((resolve) => setImmediate(resolve));
settle();
const after = process.memoryUsage();
const mappingsAfter = options.smaps ? residentByMapping() : null;
const n = held.length;
const per = (key) => Math.round((after[key] - before[key]) / n);
const bytesPerConnection = options.snapshot
  ? { heapUsed: per('heapUsed') }
  : { rss: per('rss'), heapTotal: per('heapTotal'), heapUsed: per('heapUsed'), external: per('external') };
console.log(JSON.stringify({ impl: options.impl, server: options.server, gc: options.gc, connections: n, bytesPerConnection }));
if (mappingsBefore) printMappingGrowth(mappingsBefore, mappingsAfter, n);
if (heapBefore) {
  const heapAfter = heapByConstructor();
  const rows = [...heapAfter].map(([key, bytes]) => [key, (bytes - (heapBefore.get(key) ?? 0)) / n]).filter(([, b]) => Math.abs(b) >= 8);
  rows.sort((a, b) => b[1] - a[1]);
  for (const [key, bytes] of rows.slice(0, 30)) console.log(`${bytes.toFixed(0).padStart(7)}  ${key}`);
}
clients.stdin.end();
clients.kill();
for (const socket of held) socket.destroy();
server.close();
