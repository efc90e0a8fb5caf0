// One soak run (issue 15, item 4), in a process of its own so its peak RSS is its own:
// a server and `connections` clients of the same `net` module in this process, each
// connection carrying `bytes` in each direction at once, in random sizes, with the
// receivers pausing and resuming at random, SHA-256 on both sides of each direction.
// Prints one JSON line: bytes and hashes compared, seconds, CPU, peak RSS, descriptors.
//
// usage: node bench/soak/traffic.mjs <node|rsnet> <connections> <bytesPerDirection> <seed>
//
// The same seed gives node:net and rsnet the same writes: each side of connection i
// draws from its own generator (seeded from seed, i and the side), so what differs
// between the two runs is only what the module does with them.

import crypto from 'node:crypto';
import fs from 'node:fs';
import { loadNet } from '../server-common.mjs';

const USAGE = 'node bench/soak/traffic.mjs <node|rsnet> <connections> <bytesPerDirection> <seed>';
const [impl, connArg, bytesArg, seedArg] = process.argv.slice(2);
const net = await loadNet(impl, USAGE);
const CONNECTIONS = Number(connArg);
const BYTES = Number(bytesArg);
const SEED = Number(seedArg) >>> 0;
if (!(CONNECTIONS > 0 && BYTES >= 0 && Number.isFinite(SEED))) {
  process.stderr.write(`usage: ${USAGE}\n`);
  process.exit(2);
}

/** Writes are 1 B to 256 KiB, log-uniform: many small writes and some large ones. */
const MAX_WRITE = 256 * 1024;
/** One receive in 64 pauses the socket for 0 to 8 ms. */
const PAUSE_ONE_IN = 64;
const PAUSE_MAX_MS = 8;
/** Connects in steps of 100, so the 511-deep backlog never overflows into SYN retries (1 s each). */
const CONNECT_STEP = 100;
const SAMPLE_MS = 100;

/** mulberry32: small, seedable, good enough to pick sizes and offsets. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The bytes written are slices of one 4 MiB random pool: content that a lost, repeated
// or reordered chunk changes the hash of, without generating 8 GiB.
const pool = Buffer.alloc(4 * 1024 * 1024 + MAX_WRITE);
{
  const rand = generator(SEED ^ 0x9e3779b9);
  for (let i = 0; i < pool.length; i += 4) pool.writeUInt32LE(Math.floor(rand() * 4294967296), i);
}

function writeSize(rand) {
  return Math.max(1, Math.floor(Math.exp(rand() * Math.log(MAX_WRITE))));
}

const fdCount = () => fs.readdirSync('/proc/self/fd').length;
const fdsBefore = fdCount();
let fdsPeak = fdsBefore;
let rssSampledPeak = process.memoryUsage.rss();
const sampler = setInterval(() => {
  fdsPeak = Math.max(fdsPeak, fdCount());
  rssSampledPeak = Math.max(rssSampledPeak, process.memoryUsage.rss());
}, SAMPLE_MS);

/** Per connection (keyed by the client's local port): what each side sent and received. */
const ledger = new Map();
function entry(port) {
  let e = ledger.get(port);
  if (!e) {
    e = { up: {}, down: {} };
    ledger.set(port, e);
  }
  return e;
}

/**
 * Drives one end: writes `BYTES` in random sizes, respecting write()'s backpressure
 * ('drain'), then ends; hashes what it reads, pausing at random. `done` runs at 'close'.
 */
function drive(socket, rand, sendDir, recvDir, done) {
  const sent = crypto.createHash('sha256');
  const got = crypto.createHash('sha256');
  let sentBytes = 0;
  let gotBytes = 0;
  const pump = () => {
    while (sentBytes < BYTES) {
      const n = Math.min(BYTES - sentBytes, writeSize(rand));
      const off = Math.floor(rand() * (pool.length - n));
      const chunk = pool.subarray(off, off + n);
      sent.update(chunk);
      sentBytes += n;
      if (!socket.write(chunk)) {
        socket.once('drain', pump);
        return;
      }
    }
    sendDir.bytes = sentBytes;
    sendDir.sent = sent.digest('hex');
    socket.end();
  };
  socket.on('data', (chunk) => {
    got.update(chunk);
    gotBytes += chunk.length;
    if (rand() * PAUSE_ONE_IN < 1) {
      socket.pause();
      setTimeout(() => socket.resume(), Math.floor(rand() * (PAUSE_MAX_MS + 1)));
    }
  });
  socket.on('end', () => {
    recvDir.gotBytes = gotBytes;
    recvDir.got = got.digest('hex');
  });
  socket.on('error', (err) => {
    recvDir.error = `${err.code ?? err.message}`;
  });
  socket.on('close', done);
  pump();
}

let closed = 0;
let finish;
const allClosed = new Promise((resolve) => {
  finish = resolve;
});
const onClose = () => {
  closed += 1;
  if (closed === 2 * CONNECTIONS) finish();
};

// Every connection is open before any byte moves, so both modules carry all 1,000 at
// once (otherwise the faster to connect would hold more of them open together).
const ready = [];
let accepted = 0;
let allAccepted;
const acceptedAll = new Promise((resolve) => {
  allAccepted = resolve;
});
// Half-open on both sides: each side ends when it has written all it has, whatever the
// other side still sends (without it, the first 'end' would end the other direction).
const server = net.createServer({ allowHalfOpen: true }, (socket) => {
  const e = entry(socket.remotePort);
  ready.push(() => drive(socket, generator(SEED ^ (socket.remotePort * 2 + 1)), e.down, e.up, onClose));
  accepted += 1;
  if (accepted === CONNECTIONS) allAccepted();
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();

for (let i = 0; i < CONNECTIONS; i += CONNECT_STEP) {
  const step = [];
  for (let j = i; j < Math.min(CONNECTIONS, i + CONNECT_STEP); j++) {
    step.push(
      new Promise((resolve, reject) => {
        const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => {
          const e = entry(c.localPort);
          ready.push(() => drive(c, generator(SEED ^ (c.localPort * 2)), e.up, e.down, onClose));
          resolve();
        });
        c.once('error', reject);
      }),
    );
  }
  await Promise.all(step);
}
await acceptedAll;
const start = process.hrtime.bigint();
const cpuStart = process.cpuUsage();
for (const go of ready) go();
await allClosed;
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const cpu = process.cpuUsage(cpuStart);
clearInterval(sampler);

let mismatched = 0;
let errors = 0;
let carried = 0;
for (const { up, down } of ledger.values()) {
  for (const d of [up, down]) {
    if (d.error) errors += 1;
    if (d.sent !== d.got || d.bytes !== d.gotBytes || d.bytes !== BYTES) mismatched += 1;
    carried += d.gotBytes ?? 0;
  }
}
// Descriptors once every socket and the server are closed; the server's close is
// asynchronous, so counted on the next turn after its callback.
await new Promise((resolve) => server.close(() => resolve()));
await new Promise((resolve) => setImmediate(resolve));
const result = {
  impl,
  node: process.version,
  connections: ledger.size,
  bytesPerDirection: BYTES,
  carried,
  expected: 2 * CONNECTIONS * BYTES,
  mismatched,
  errors,
  seconds,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  peakRssBytes: process.resourceUsage().maxRSS * 1024,
  sampledPeakRssBytes: rssSampledPeak,
  fds: { before: fdsBefore, peak: fdsPeak, after: fdCount() },
};
process.stdout.write(JSON.stringify(result) + '\n');
