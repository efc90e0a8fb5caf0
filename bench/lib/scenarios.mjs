// The scenarios of `npm run bench`, and the units each one is reported in.
//
// A scenario is: the server script that runs for each implementation (and its
// arguments), whether a native echo backend stands behind it (and how fast it reads),
// the load driver, and the kind of work it counts. Its variants are what gets compared:
// by default one per implementation, but the pipe() proxy scenarios add rsnet's native
// pipe, and the I/O-thread scenario is rsnet alone under two settings, all against the
// baseline implementation.
//
// `id` is what `--only` matches (as does the name); keep ids stable, so that
// `--only proxy` or `--only pingpong` keep meaning the same thing.

import { execFileSync } from 'node:child_process';
import { churnDriver, echoDriver, idleDriver, wrkDriver } from './drivers.mjs';

const MIB = 2 ** 20;
const GIB = 2 ** 30;

/**
 * How a run's record becomes the numbers of the report: the work it did, throughput,
 * and server CPU per unit of work. `lowerIsBetter` flips the result ratio so that in
 * every ratio of the report, higher is better.
 */
export const KINDS = {
  bytes: { work: (r) => r.bytes, rate: (r) => r.bytes / MIB / r.seconds, unit: 'MiB/s', digits: 1, cpu: (r) => r.cpu / (r.bytes / GIB), cpuUnit: 's/GiB', cpuDigits: 3 },
  messages: { work: (r) => r.messages, rate: (r) => r.messages / r.seconds, unit: 'msg/s', digits: 0, cpu: (r) => (r.cpu * 1e6) / r.messages, cpuUnit: 'µs/msg', cpuDigits: 2 },
  connections: { work: (r) => r.connections, rate: (r) => r.connections / r.seconds, unit: 'conn/s', digits: 0, cpu: (r) => (r.cpu * 1e6) / r.connections, cpuUnit: 'µs/conn', cpuDigits: 1 },
  requests: { work: (r) => r.requests, rate: (r) => r.requests / r.seconds, unit: 'req/s', digits: 0, cpu: (r) => (r.cpu * 1e6) / r.requests, cpuUnit: 'µs/req', cpuDigits: 1 },
  // Idle connections: the "result" is memory, so lower is better; the CPU is that of
  // opening them (accept + one round trip each).
  memory: { work: (r) => r.connections, rate: (r) => r.rssDelta / 1024 / r.connections, unit: 'KiB/conn', digits: 2, lowerIsBetter: true, cpu: (r) => (r.cpu * 1e6) / r.connections, cpuUnit: 'µs/conn', cpuDigits: 1 },
};

const ECHO = 'echo-server.mjs';
const PROXY = 'proxy-server.mjs';
const HTTP = 'http-server.mjs';

const isRsnet = (impl) => impl.module === 'rsnet';

/** One variant per implementation, all running the scenario's own server arguments. */
function perImpl(impls, args = []) {
  return impls.map((impl) => ({ label: impl.label, impl, args, env: {} }));
}

/**
 * pipe() proxies: every implementation in the ordinary stream form (`pipe`, which for
 * rsnet means `{ native: false }`), and for each rsnet one its native pipe as well,
 * reported against the baseline's stream form.
 */
function pipeVariants(impls) {
  return impls.flatMap((impl) => [
    { label: impl.label, impl, args: ['pipe'], env: {} },
    ...(isRsnet(impl) ? [{ label: `${impl.label} native`, impl, args: ['native'], env: {} }] : []),
  ]);
}

/** The baseline's stream-form proxy, then each rsnet's native pipe on 1 and on 2 I/O threads. */
function ioThreadVariants(impls) {
  const rsnets = impls.filter(isRsnet);
  if (rsnets.length === 0) return { skip: 'no rsnet implementation selected' };
  return [
    { label: impls[0].label, impl: impls[0], args: ['pipe'], env: {} },
    ...rsnets.flatMap((impl) =>
      [1, 2].map((n) => ({
        label: `${impl.label} native, ${n} I/O thread${n > 1 ? 's' : ''}`,
        impl,
        args: ['native'],
        env: { RSNET_IO_THREADS: String(n) },
      })),
    ),
  ];
}

function wrkMissing() {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return null;
  } catch (err) {
    // wrk --version exits 1 after printing its version; only a missing binary throws ENOENT.
    return err.code === 'ENOENT' ? 'wrk not installed (Debian/Ubuntu: apt-get install wrk)' : null;
  }
}

const bulk = { connections: 1, size: 65536, inflight: 2 };
const pingpong = { connections: 1, size: 64, inflight: 1 };
/**
 * 1,000 connections on a 2-core machine: 16 KiB chunks, 1 in flight, so at most 16 MiB
 * is outstanding at once (64 KiB × 2 would be 125 MiB, mostly sitting in socket
 * buffers) and every connection gets a turn many times a second.
 */
const bulkManyConnections = { connections: 1000, size: 16384, inflight: 1 };
/**
 * The slow backend reads 8 MiB/s per connection, so 8 connections move 64 MiB/s in
 * all: about a tenth of what the 'data' proxy moves on one connection, so the backend,
 * not the proxy, sets the pace. The proxy has to hold back its client only once the
 * kernel's buffers on the way (client send, proxy receive and send, backend receive)
 * are full, and on loopback they take some 4 to 8 MiB per connection: with 32 chunks of
 * 64 KiB (2 MiB) in flight the proxy paused once per connection in 2 s, with 128
 * (8 MiB) some 15 times. So 128 in flight, 64 MiB in all, of which what does not fit
 * waits in the load generator; the drain after the measured seconds then takes at most
 * 8 MiB / 8 MiB/s = 1 s, inside the load generator's 3 s. The proxy's peak RSS says how
 * much it buffers while it holds back.
 */
const SLOW_BACKEND_RATE = 8 * MIB;
const slowBackendLoad = { connections: 8, size: 65536, inflight: 128 };

export const IDLE_CONNECTIONS = 10_000;

/**
 * Echo variants: every implementation running echo-server.mjs in `mode`. In `pipe`
 * mode rsnet runs socket.pipe(socket) inside its reactor, and its label says so.
 */
function echoVariants(mode, transport = 'tcp') {
  return (impls) =>
    impls.map((impl) => ({
      label: mode === 'pipe' && isRsnet(impl) ? `${impl.label} (native pipe)` : impl.label,
      impl,
      args: [mode, transport],
      env: {},
    }));
}

/** The load driver of the slow-backend proxy, its description saying how slow. */
function slowBackendDriver() {
  const { drive, describe } = echoDriver(slowBackendLoad);
  return { drive, describe: `${describe}; the backend reads and echoes ${SLOW_BACKEND_RATE / MIB} MiB/s per connection` };
}

// The headline echo scenarios use the 'data'-handler echo (echo-server.mjs `data`), the
// way applications are written; socket.pipe(socket), which rsnet runs natively, has
// rows of its own (`*-pipe`). `raiseFdLimit`: the server starts with its soft open-file
// limit raised to the hard one (see run.mjs), for the scenarios with 1,000+ sockets.
export const SCENARIOS = [
  { id: 'bulk-1c', name: 'bulk echo, 1 connection', kind: 'bytes', server: ECHO, variants: echoVariants('data'), ...echoDriver(bulk) },
  { id: 'bulk-32c', name: 'bulk echo, 32 connections', kind: 'bytes', server: ECHO, variants: echoVariants('data'), ...echoDriver({ ...bulk, connections: 32 }) },
  { id: 'bulk-1000c', name: 'bulk echo, 1,000 connections', kind: 'bytes', server: ECHO, raiseFdLimit: true, variants: echoVariants('data'), ...echoDriver(bulkManyConnections) },
  { id: 'pingpong-1c', name: 'ping-pong 64 B, 1 connection', kind: 'messages', latency: true, server: ECHO, variants: echoVariants('data'), ...echoDriver(pingpong) },
  { id: 'pingpong-100c', name: 'ping-pong 64 B, 100 connections', kind: 'messages', latency: true, server: ECHO, variants: echoVariants('data'), ...echoDriver({ ...pingpong, connections: 100 }) },
  { id: 'pipelined', name: 'pipelined 128 B, 50 conns × 16 in flight', kind: 'messages', server: ECHO, variants: echoVariants('data'), ...echoDriver({ connections: 50, size: 128, inflight: 16, batch: true }) },
  { id: 'churn', name: 'connection churn, 32 workers', kind: 'connections', latency: true, server: ECHO, variants: echoVariants('data'), ...churnDriver({ workers: 32, size: 32 }) },
  { id: 'bulk-1c-pipe', name: 'bulk echo, 1 connection, socket.pipe(socket)', kind: 'bytes', server: ECHO, variants: echoVariants('pipe'), ...echoDriver(bulk) },
  { id: 'pingpong-1c-pipe', name: 'ping-pong 64 B, 1 connection, socket.pipe(socket)', kind: 'messages', latency: true, server: ECHO, variants: echoVariants('pipe'), ...echoDriver(pingpong) },
  { id: 'proxy-data-bulk', name: "proxy bulk, 'data' handlers", kind: 'bytes', server: PROXY, backend: true, variants: (impls) => perImpl(impls, ['data']), ...echoDriver(bulk) },
  { id: 'proxy-data-pingpong', name: "proxy ping-pong 64 B, 'data' handlers", kind: 'messages', latency: true, server: PROXY, backend: true, variants: (impls) => perImpl(impls, ['data']), ...echoDriver(pingpong) },
  { id: 'proxy-data-slow-backend', name: `proxy bulk, 'data' handlers, slow backend, ${slowBackendLoad.connections} conns`, kind: 'bytes', server: PROXY, backend: true, backendRate: SLOW_BACKEND_RATE, variants: (impls) => perImpl(impls, ['data']), ...slowBackendDriver() },
  { id: 'proxy-pipe-bulk', name: 'proxy bulk, pipe()', kind: 'bytes', server: PROXY, backend: true, variants: pipeVariants, ...echoDriver(bulk) },
  { id: 'proxy-pipe-pingpong', name: 'proxy ping-pong 64 B, pipe()', kind: 'messages', latency: true, server: PROXY, backend: true, variants: pipeVariants, ...echoDriver(pingpong) },
  { id: 'proxy-native-io-threads', name: 'proxy bulk, native pipe, I/O threads', kind: 'bytes', server: PROXY, backend: true, variants: ioThreadVariants, ...echoDriver(bulk) },
  { id: 'idle-10k', name: `${IDLE_CONNECTIONS.toLocaleString('en-US')} idle connections`, kind: 'memory', untimed: true, server: ECHO, raiseFdLimit: true, variants: echoVariants('data'), ...idleDriver({ connections: IDLE_CONNECTIONS, size: 16 }) },
  { id: 'unix-bulk', name: 'Unix socket bulk echo, 1 connection', kind: 'bytes', server: ECHO, variants: echoVariants('data', 'unix'), ...echoDriver(bulk) },
  { id: 'unix-pingpong', name: 'Unix socket ping-pong 64 B, 1 connection', kind: 'messages', latency: true, server: ECHO, variants: echoVariants('data', 'unix'), ...echoDriver(pingpong) },
  { id: 'http', name: 'node:http under wrk, 32 connections', kind: 'requests', latency: true, server: HTTP, requires: wrkMissing, ...wrkDriver({ connections: 32 }) },
];

/**
 * The scenarios `--only` selects (all when `only` is empty): a scenario is in if any of
 * the comma-separated, case-insensitive substrings occurs in its id or its name.
 */
export function selectScenarios(only) {
  if (only.length === 0) return SCENARIOS;
  return SCENARIOS.filter((s) => only.some((part) => s.id.includes(part) || s.name.toLowerCase().includes(part)));
}

/** The scenario's variants for these implementations, or `{ skip: reason }`. */
export function planScenario(scenario, impls) {
  const missing = scenario.requires?.();
  if (missing) return { skip: missing };
  const variants = scenario.variants ? scenario.variants(impls) : perImpl(impls);
  return variants.skip ? variants : { variants };
}
