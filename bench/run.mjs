// rsnet's benchmark runner: `npm run bench` (= `node bench/run.mjs`).
//
//   node bench/run.mjs [--rounds N] [--seconds S] [--impls a,b,...] [--rebuild]
//
// For every scenario it runs the implementations in interleaved rounds (a, b, a, b, …),
// so drift of the machine (thermal, neighbours) spreads over all of them instead of
// favouring whichever ran first. Each run starts a fresh echo server
// (bench/echo-server.mjs) for that implementation, drives it with the Rust load
// generator (crates/loadgen, which verifies every echoed byte), and reads the server's
// CPU time from /proc before and after the load. The report gives, per scenario and
// implementation, the median throughput and the median server CPU-seconds per GiB
// echoed, with ratios against the first implementation listed (the baseline, `node` by
// default). Progress goes to stderr; the markdown report goes to stdout and to
// bench/results/latest.md.
//
// Implementations: `--impls` or RSNET_BENCH_IMPLS, a comma list, default `node,rsnet`.
// Naming one twice (`node,node`) measures the noise of the method itself. An
// implementation is a command line plus the `net` module the server script should load
// (see IMPLS), so other runtimes are one entry each.
//
// Nothing here asserts on time: a slow run is reported, never failed. A run fails only
// when something is broken (server does not start, loadgen cannot connect or sees
// wrong bytes), and then the whole benchmark stops with that error.

import { spawn, spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVER_SCRIPT = path.join(ROOT, 'bench', 'echo-server.mjs');
const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

/** Command line that runs a script, and the `net` module echo-server.mjs loads. */
const IMPLS = {
  node: { command: [process.execPath], module: 'node' },
  rsnet: { command: [process.execPath], module: 'rsnet' },
  bun: { command: ['bun', 'run'], module: 'node', version: ['bun', '--version'] },
  deno: {
    command: ['deno', 'run', '--allow-net', '--allow-read', '--allow-env'],
    module: 'node',
    version: ['deno', '--version'],
  },
};

const SCENARIOS = [
  { name: 'bulk echo, 1 connection', connections: 1, size: 65536 },
  { name: 'bulk echo, 32 connections', connections: 32, size: 65536 },
];

/** Chunks each loadgen connection keeps outstanding; see crates/loadgen. */
const INFLIGHT = 2;
const SERVER_START_TIMEOUT_MS = 15_000;
/** Beyond the measured seconds: connects, drain, close (the loadgen allows 3 s). */
const LOADGEN_SLACK_MS = 20_000;
const GIB = 2 ** 30;
const MIB = 2 ** 20;

function usage() {
  return `usage: node bench/run.mjs [--rounds N] [--seconds S] [--impls ${Object.keys(IMPLS).join(',')}] [--rebuild]
  --rounds N   interleaved rounds per implementation and scenario (default 3)
  --seconds S  measured seconds per run (default 3)
  --impls L    comma list of implementations, the first is the baseline
               (default: $RSNET_BENCH_IMPLS, else node,rsnet)
  --rebuild    rebuild the load generator even if target/release/rsnet-loadgen exists`;
}

function parseArgs(argv) {
  const options = {
    rounds: 3,
    seconds: 3,
    impls: process.env.RSNET_BENCH_IMPLS || 'node,rsnet',
    rebuild: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) fail(`${flag} needs a value\n${usage()}`);
      return v;
    };
    switch (flag) {
      case '--rounds':
        options.rounds = Number(value());
        if (!Number.isInteger(options.rounds) || options.rounds < 1) fail('--rounds must be a positive integer');
        break;
      case '--seconds':
        options.seconds = Number(value());
        if (!(options.seconds > 0 && options.seconds <= 3600)) fail('--seconds must be in (0, 3600]');
        break;
      case '--impls':
        options.impls = value();
        break;
      case '--rebuild':
        options.rebuild = true;
        break;
      case '--help':
      case '-h':
        process.stdout.write(usage() + '\n');
        process.exit(0);
        break;
      default:
        fail(`unknown argument ${JSON.stringify(arg)}\n${usage()}`);
    }
  }
  const names = options.impls.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) fail('no implementation to run');
  for (const name of names) {
    if (!Object.hasOwn(IMPLS, name)) fail(`unknown implementation ${JSON.stringify(name)} (known: ${Object.keys(IMPLS).join(', ')})`);
  }
  // A name given twice gets a distinct label, so `node,node` reports two columns.
  const seen = new Map();
  options.impls = names.map((name) => {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return { name, label: n === 1 ? name : `${name}#${n}`, ...IMPLS[name] };
  });
  return options;
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(1);
}

function log(message) {
  process.stderr.write(`bench: ${message}\n`);
}

// ---------------------------------------------------------------------------------
// Load generator

function loadgenPath() {
  const targetDir = process.env.CARGO_TARGET_DIR ? path.resolve(ROOT, process.env.CARGO_TARGET_DIR) : path.join(ROOT, 'target');
  return path.join(targetDir, 'release', 'rsnet-loadgen');
}

function ensureLoadgen(rebuild) {
  const bin = loadgenPath();
  if (!rebuild && fs.existsSync(bin)) return bin;
  log(`building the load generator (cargo build --release -p rsnet-loadgen)`);
  // cargo's output goes to stderr, so stdout stays the report alone.
  const result = spawnSync('cargo', ['build', '--release', '-p', 'rsnet-loadgen'], {
    cwd: ROOT,
    stdio: ['ignore', process.stderr, process.stderr],
  });
  if (result.error) fail(`cannot run cargo: ${result.error.message}`);
  if (result.status !== 0) fail(`building the load generator failed (cargo exited ${result.status})`);
  if (!fs.existsSync(bin)) fail(`cargo succeeded but ${bin} does not exist`);
  return bin;
}

function runLoadgen(bin, port, scenario, seconds) {
  const args = ['echo', '--port', String(port), '--connections', String(scenario.connections), '--size', String(scenario.size), '--seconds', String(seconds), '--inflight', String(INFLIGHT)];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s) => (stderr += s));
    // Bounded even if the server wedges in a way the loadgen's own grace misses.
    const timer = setTimeout(() => child.kill('SIGKILL'), seconds * 1000 + LOADGEN_SLACK_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${bin}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (stderr.trim()) process.stderr.write(stderr.trimEnd().replace(/^/gm, '  loadgen: ') + '\n');
      if (code !== 0) {
        const why = signal ? `was killed by ${signal}` : `exited ${code}${code === 3 ? ' (the server echoed wrong data)' : ''}`;
        reject(new Error(`load generator ${why}${stderr.trim() ? ' (its messages are above)' : ''}`));
        return;
      }
      const line = stdout.trim().split('\n').pop();
      try {
        const report = JSON.parse(line);
        if (!(report.bytes >= 0 && report.seconds > 0)) throw new Error('missing fields');
        resolve(report);
      } catch (err) {
        reject(new Error(`cannot parse the load generator's report ${JSON.stringify(line)}: ${err.message}`));
      }
    });
  });
}

// ---------------------------------------------------------------------------------
// Servers

/** Servers still running, so an interrupted benchmark leaves none behind. */
const liveServers = new Set();

function killLiveServers() {
  for (const child of liveServers) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  liveServers.clear();
}
process.on('exit', killLiveServers);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    killLiveServers();
    process.exit(128 + os.constants.signals[signal]);
  });
}

function startServer(impl) {
  const [command, ...prefix] = impl.command;
  const child = spawn(command, [...prefix, SERVER_SCRIPT, impl.module], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  liveServers.add(child);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  exited.then(() => liveServers.delete(child));
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      stopServer({ child, exited });
      reject(new Error(`the ${impl.label} echo server printed no port within ${SERVER_START_TIMEOUT_MS} ms`));
    }, SERVER_START_TIMEOUT_MS);
    const onData = (s) => {
      buffered += s;
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stdout.resume(); // anything it prints later must not fill the pipe
      try {
        const { port } = JSON.parse(buffered.slice(0, newline));
        if (!Number.isInteger(port) || port <= 0) throw new Error('no port');
        resolve({ child, exited, port });
      } catch (err) {
        stopServer({ child, exited });
        reject(new Error(`the ${impl.label} echo server printed ${JSON.stringify(buffered.slice(0, newline))}: ${err.message}`));
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start the ${impl.label} echo server (${command}): ${err.message}`));
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the ${impl.label} echo server exited (${signal ?? `code ${code}`}) before listening; see its stderr above`));
    });
  });
}

/** Closes the server's stdin (its signal to exit), then escalates by pid if it lingers. */
async function stopServer({ child, exited }) {
  const within = (ms) => Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), ms).unref())]);
  child.stdin.end();
  if (await within(3000)) return;
  log(`server ${child.pid} ignored stdin closing; sending SIGTERM`);
  child.kill('SIGTERM');
  if (await within(3000)) return;
  log(`server ${child.pid} ignored SIGTERM; sending SIGKILL`);
  child.kill('SIGKILL');
  await exited;
}

// ---------------------------------------------------------------------------------
// CPU accounting

const CLK_TCK = (() => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    if (Number.isInteger(n) && n > 0) return n;
  } catch {
    // fall through to the Linux default
  }
  return 100;
})();

/** utime + stime of the whole process (all its threads), in seconds. */
function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: fields are counted
  // from after its closing parenthesis, where field 3 (state) begins.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  return (utime + stime) / CLK_TCK;
}

// ---------------------------------------------------------------------------------
// One run, the rounds, the report

async function runOnce(bin, impl, scenario, seconds) {
  const server = await startServer(impl);
  try {
    const before = cpuSeconds(server.child.pid);
    const load = await runLoadgen(bin, server.port, scenario, seconds);
    let after;
    try {
      after = cpuSeconds(server.child.pid);
    } catch {
      throw new Error(`the ${impl.label} echo server died during the run`);
    }
    const cpu = after - before;
    return {
      bytes: load.bytes,
      seconds: load.seconds,
      cpu,
      mibPerSecond: load.bytes / MIB / load.seconds,
      cpuPerGiB: load.bytes > 0 ? cpu / (load.bytes / GIB) : Infinity,
    };
  } finally {
    await stopServer(server);
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function machine() {
  let nproc = String(os.availableParallelism?.() ?? os.cpus().length);
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // keep the estimate
  }
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const line = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line) cpuModel = line.split(':').slice(1).join(':').trim();
  } catch {
    // keep os.cpus()'s
  }
  return { nproc, cpuModel, kernel: `${os.type()} ${os.release()}` };
}

function runtimeVersions(impls) {
  const versions = [`node ${process.version}`];
  for (const impl of impls) {
    if (!impl.version) continue;
    try {
      const [cmd, ...args] = impl.version;
      versions.push(execFileSync(cmd, args, { encoding: 'utf8' }).split('\n')[0].trim());
    } catch {
      versions.push(`${impl.name}: version unknown`);
    }
  }
  return [...new Set(versions)];
}

function gitRevision() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

const fmt = (x, digits) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

function report(options, results, date) {
  const { nproc, cpuModel, kernel } = machine();
  const baseline = options.impls[0];
  const revision = gitRevision();
  const lines = [];
  lines.push(`## rsnet benchmark, ${date}`);
  lines.push('');
  lines.push(`- runtime: ${runtimeVersions(options.impls).join(', ')}`);
  lines.push(`- machine: ${nproc} CPUs (nproc), ${cpuModel}, ${kernel}`);
  if (revision) lines.push(`- tree: ${revision} (plus any uncommitted changes)`);
  lines.push(`- method: ${options.rounds} interleaved round(s) of ${options.seconds} s per implementation and scenario; medians. Load: rsnet-loadgen on 127.0.0.1, 64 KiB chunks, ${INFLIGHT} in flight per connection, every echoed byte verified. Server: \`socket.pipe(socket)\`. Server CPU = utime+stime of the server process (all threads) during the load.`);
  lines.push(`- ratios are ${options.impls.slice(1).map((i) => i.label).join(', ') || baseline.label} / ${baseline.label}; throughput: higher is better; efficiency = bytes per server CPU-second, higher is better.`);
  lines.push('');
  lines.push(`| scenario | impl | throughput (MiB/s) | server CPU (s/GiB) | throughput vs ${baseline.label} | efficiency vs ${baseline.label} |`);
  lines.push('|---|---|---:|---:|---:|---:|');
  for (const scenario of SCENARIOS) {
    const base = results.get(scenario.name).get(baseline.label);
    const baseTput = median(base.map((r) => r.mibPerSecond));
    const baseCpu = median(base.map((r) => r.cpuPerGiB));
    for (const impl of options.impls) {
      const runs = results.get(scenario.name).get(impl.label);
      const tput = median(runs.map((r) => r.mibPerSecond));
      const cpu = median(runs.map((r) => r.cpuPerGiB));
      lines.push(`| ${scenario.name} | ${impl.label} | ${fmt(tput, 1)} | ${fmt(cpu, 3)} | ${fmt(tput / baseTput, 2)}× | ${fmt(baseCpu / cpu, 2)}× |`);
    }
  }
  const table = lines.join('\n') + '\n';

  const detail = ['', '### Every run', '', '| scenario | impl | round | MiB/s | server CPU (s) | s/GiB | echoed (MiB) |', '|---|---|---:|---:|---:|---:|---:|'];
  for (const scenario of SCENARIOS) {
    for (const impl of options.impls) {
      results.get(scenario.name).get(impl.label).forEach((r, i) => {
        detail.push(`| ${scenario.name} | ${impl.label} | ${i + 1} | ${fmt(r.mibPerSecond, 1)} | ${fmt(r.cpu, 2)} | ${fmt(r.cpuPerGiB, 3)} | ${fmt(r.bytes / MIB, 0)} |`);
      });
    }
  }
  return { table, full: table + detail.join('\n') + '\n' };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (process.platform !== 'linux') fail('server CPU time is read from /proc: Linux only');
  if (options.impls.some((i) => i.module === 'rsnet') && !fs.existsSync(path.join(ROOT, 'dist', 'net.js'))) {
    fail('dist/net.js does not exist: run `npm run build` first (or compare others, e.g. RSNET_BENCH_IMPLS=node,node)');
  }
  const bin = ensureLoadgen(options.rebuild);
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const total = SCENARIOS.length * options.rounds * options.impls.length;
  log(`${total} runs of ${options.seconds} s: ${options.impls.map((i) => i.label).join(' vs ')}, ${options.rounds} rounds, CLK_TCK ${CLK_TCK}`);

  const results = new Map(SCENARIOS.map((s) => [s.name, new Map(options.impls.map((i) => [i.label, []]))]));
  let done = 0;
  for (const scenario of SCENARIOS) {
    for (let round = 1; round <= options.rounds; round++) {
      for (const impl of options.impls) {
        const r = await runOnce(bin, impl, scenario, options.seconds);
        results.get(scenario.name).get(impl.label).push(r);
        done++;
        log(`[${done}/${total}] ${scenario.name}, round ${round}, ${impl.label}: ${fmt(r.mibPerSecond, 1)} MiB/s, server ${fmt(r.cpu, 2)} CPU-s, ${fmt(r.cpuPerGiB, 3)} s/GiB`);
      }
    }
  }

  const { table, full } = report(options, results, date);
  process.stdout.write(table);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const out = path.join(RESULTS_DIR, 'latest.md');
  fs.writeFileSync(out + '.tmp', full);
  fs.renameSync(out + '.tmp', out);
  log(`wrote ${path.relative(ROOT, out)}`);
}

main().catch((err) => {
  killLiveServers();
  fail(err.message);
});
