// rsnet's benchmark runner: `npm run bench` (= `node bench/run.mjs`).
//
//   node bench/run.mjs [--rounds N] [--seconds S] [--impls a,b,...] [--only x,y] [--rebuild]
//
// For every scenario (bench/lib/scenarios.mjs: bulk echo, ping-pong, pipelining,
// connection churn, socket.pipe(socket) echo, proxies, a proxy with a slow backend, I/O
// threads, idle connections, Unix sockets, HTTP) it runs the variants in interleaved
// rounds (a, b, a, b, …), so drift of the machine (thermal, neighbours) spreads over all
// of them instead of favouring whichever ran first. Each run starts a fresh server for
// that variant (and, for the proxies, a fresh native echo backend behind it), drives it
// with the Rust load generator (crates/loadgen, which verifies every byte) or wrk,
// reads the server's CPU time from /proc before and after the load, and its peak RSS
// (VmHWM) just before stopping it. The report gives, per scenario and variant, the
// median throughput, latency where it applies, server CPU per unit of work and peak
// RSS, with ratios against the first implementation listed (the baseline, `node` by
// default). Progress goes to stderr; the markdown report to stdout and
// bench/results/latest.md, and a chart of the ratios to bench/results/latest.svg.
//
// Implementations: `--impls` or RSNET_BENCH_IMPLS, a comma list, default `node,rsnet`.
// Naming one twice (`node,node`) measures the noise of the method itself. An
// implementation is a command line plus the `net` module the server scripts load (see
// IMPLS), so other runtimes are one entry each.
//
// Nothing here asserts on time: a slow run is reported, never failed. A run fails only
// when something is broken (a server does not start or dies, the load generator cannot
// connect or sees wrong bytes, wrk gets errors); that variant's remaining rounds of the
// scenario are skipped, the report says FAILED, everything else still runs, and the
// runner exits 1 at the end.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { cpuSeconds, killLiveChildren, peakRssBytes, startAnnouncing, stopProcess, CLK_TCK } from './lib/processes.mjs';
import { KINDS, SCENARIOS, planScenario, selectScenarios } from './lib/scenarios.mjs';
import { formatMiB, formatNs, formatRate, machine, markdown } from './lib/report.mjs';
import { chart } from './lib/svg.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BENCH_DIR = path.join(ROOT, 'bench');
const RESULTS_DIR = path.join(BENCH_DIR, 'results');
const LOADGEN_DIR = path.join(ROOT, 'crates', 'loadgen');

/** Command line that runs a script, and the `net` module the server scripts load. */
const IMPLS = {
  node: { command: [process.execPath], module: 'node' },
  rsnet: { command: [process.execPath], module: 'rsnet' },
  bun: { command: ['bun', 'run'], module: 'node', version: ['bun', '--version'] },
  deno: {
    command: ['deno', 'run', '--allow-net', '--allow-read', '--allow-write', '--allow-env'],
    module: 'node',
    version: ['deno', '--version'],
  },
};

/**
 * Interleaved rounds per scenario: medians of 5 (issue 13 asks for at least 5), so one
 * disturbed run in a variant cannot move its median.
 */
const DEFAULT_ROUNDS = 5;

/**
 * Measured seconds per run. With node,rsnet a round is 41 runs: 39 timed (2 per
 * scenario, 3 in the two pipe() proxy scenarios and the I/O-thread one) and the 2
 * untimed idle runs. One round of everything at 1 s took 52 s on two cores: 39 s
 * measured, 13 s of start-up, teardown, drains and idle runs. So 5 rounds at 5 s are
 * 5 × (39 × 5 + 13) = 1,040 s, about 17 minutes; at 6 s they would be 21 minutes, too
 * close to the 25 the whole suite should stay under on a busy or slower machine.
 */
const DEFAULT_SECONDS = 5;

function usage() {
  return `usage: node bench/run.mjs [--rounds N] [--seconds S] [--impls ${Object.keys(IMPLS).join(',')}] [--only x,y] [--rebuild]
  --rounds N   interleaved rounds per variant and scenario (default ${DEFAULT_ROUNDS})
  --seconds S  measured seconds per run (default ${DEFAULT_SECONDS}; wrk rounds it to whole seconds;
               the idle-connections scenario is not timed)
  --impls L    comma list of implementations, the first is the baseline
               (default: $RSNET_BENCH_IMPLS, else node,rsnet)
  --only L     comma list of substrings: run only the scenarios whose id or name contains one
               (ids: ${SCENARIOS.map((s) => s.id).join(', ')})
  --rebuild    rebuild the load generator even if it looks up to date`;
}

function parseArgs(argv) {
  const options = {
    rounds: DEFAULT_ROUNDS,
    seconds: DEFAULT_SECONDS,
    impls: process.env.RSNET_BENCH_IMPLS || 'node,rsnet',
    only: [],
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
      case '--only':
        options.only = value().split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
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
  for (const name of new Set(names)) {
    const command = IMPLS[name].command[0];
    // Bun and Deno are optional extras: say how to get them rather than fail every run.
    if (!onPath(command)) fail(`${name} is not installed (${command} is not on PATH; e.g. \`npm install -g ${name}\`)`);
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

/** Whether `command` can be run: a path that exists, or a name found on PATH. */
function onPath(command) {
  if (command.includes('/')) return fs.existsSync(command);
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, command)));
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

/** Newest modification time among the load generator's sources. */
function loadgenSourcesMtime() {
  const files = [path.join(LOADGEN_DIR, 'Cargo.toml'), ...fs.readdirSync(path.join(LOADGEN_DIR, 'src')).map((f) => path.join(LOADGEN_DIR, 'src', f))];
  return Math.max(...files.map((f) => fs.statSync(f).mtimeMs));
}

/** Builds the load generator if it is missing, older than its sources, or asked to. */
function ensureLoadgen(rebuild) {
  const bin = loadgenPath();
  const stale = fs.existsSync(bin) && fs.statSync(bin).mtimeMs < loadgenSourcesMtime();
  if (!rebuild && fs.existsSync(bin) && !stale) return bin;
  log(`building the load generator (cargo build --release -p rsnet-loadgen)${stale ? ': its sources are newer than the binary' : ''}`);
  // cargo's output goes to stderr, so stdout stays the report alone.
  const result = spawnSync('cargo', ['build', '--release', '-p', 'rsnet-loadgen'], {
    cwd: ROOT,
    stdio: ['ignore', process.stderr, process.stderr],
  });
  if (result.error) fail(`cannot run cargo: ${result.error.message}`);
  if (result.status !== 0) fail(`building the load generator failed (cargo exited ${result.status})`);
  if (!fs.existsSync(bin)) fail(`cargo succeeded but ${bin} does not exist`);
  // cargo leaves the binary alone when a change does not affect it (a comment, the
  // package description); mark it current so the next run does not call cargo again.
  const now = new Date();
  fs.utimesSync(bin, now, now);
  return bin;
}

// ---------------------------------------------------------------------------------
// One run

/**
 * Servers of the idle scenario hold 10 000 sockets and those of bulk-1000c 1 000: start
 * them with the soft open-file limit raised to the hard one (Node does this itself;
 * other runtimes may not). The shell execs the server, so its pid is the server's.
 */
function withRaisedFdLimit(command) {
  return ['bash', '-c', 'ulimit -S -n "$(ulimit -H -n)" 2>/dev/null; exec "$@"', 'bench-server', ...command];
}

async function runOnce(bin, scenario, variant, seconds) {
  let backend = null;
  let server = null;
  try {
    const args = [];
    if (scenario.backend) {
      const rate = scenario.backendRate ? ['--rate', String(scenario.backendRate)] : [];
      backend = await startAnnouncing({ command: bin, args: ['serve', ...rate], cwd: ROOT, env: process.env, label: `the proxy backend (rsnet-loadgen serve${rate.length ? ' ' + rate.join(' ') : ''})` });
      args.push(String(backend.info.port));
    }
    const [command, ...prefix] = scenario.raiseFdLimit ? withRaisedFdLimit(variant.impl.command) : variant.impl.command;
    server = await startAnnouncing({
      command,
      args: [...prefix, path.join(BENCH_DIR, scenario.server), variant.impl.module, ...variant.args, ...args],
      cwd: ROOT,
      env: { ...process.env, ...variant.env },
      label: `the ${variant.label} server (${scenario.server})`,
    });
    const address = server.info.path !== undefined ? { path: server.info.path } : { port: server.info.port };
    if (address.path === undefined && !(Number.isInteger(address.port) && address.port > 0)) {
      throw new Error(`the ${variant.label} server announced no usable address: ${JSON.stringify(server.info)}`);
    }
    const pid = server.child.pid;
    const before = cpuSeconds(pid);
    const died = (detail = '') => new Error(`the ${variant.label} server died during the run; see its stderr above${detail}`);
    let record;
    try {
      record = await scenario.drive({ bin, address, pid, seconds });
    } catch (err) {
      // The load's complaint (resets, wrong counts) is a symptom; a crash is the cause.
      // Give a crash's exit a moment to be noticed before deciding which it was.
      await Promise.race([server.exited, new Promise((r) => setTimeout(r, 200))]);
      if (server.dead()) throw died(` (the load saw: ${err.message})`);
      throw err;
    }
    try {
      if (record.cpu === undefined) record.cpu = cpuSeconds(pid) - before;
      // Read last, while the server still runs: the peak of this run, load and drain.
      record.peakRss = peakRssBytes(pid);
    } catch {
      throw died();
    }
    if (server.dead()) throw died();
    return record;
  } finally {
    if (server) await stopProcess(server);
    if (backend) await stopProcess(backend);
  }
}

function describeRun(scenario, record) {
  const kind = KINDS[scenario.kind];
  const parts = [formatRate(kind, kind.rate(record))];
  if (scenario.latency && record.latency) parts.push(`p50 ${formatNs(record.latency.p50)}, p99 ${formatNs(record.latency.p99)}`);
  parts.push(`server ${record.cpu.toFixed(2)} CPU-s, ${kind.cpu(record).toFixed(kind.cpuDigits)} ${kind.cpuUnit}`);
  parts.push(`peak RSS ${formatMiB(record.peakRss)}`);
  return parts.join(', ');
}

// ---------------------------------------------------------------------------------

function writeAtomically(file, content) {
  fs.writeFileSync(file + '.tmp', content);
  fs.renameSync(file + '.tmp', file);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (process.platform !== 'linux') fail('server CPU time and memory are read from /proc: Linux only');
  if (options.impls.some((i) => i.module === 'rsnet') && !fs.existsSync(path.join(ROOT, 'dist', 'net.js'))) {
    fail('dist/net.js does not exist: run `npm run build` first (or compare others, e.g. RSNET_BENCH_IMPLS=node,node)');
  }
  const selected = selectScenarios(options.only);
  if (selected.length === 0) fail(`--only ${options.only.join(',')} matches no scenario (ids: ${SCENARIOS.map((s) => s.id).join(', ')})`);
  const bin = ensureLoadgen(options.rebuild);
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const started = Date.now();

  const plan = selected.map((scenario) => {
    const planned = planScenario(scenario, options.impls);
    if (planned.skip) return { scenario, skip: planned.skip };
    return { scenario, variants: planned.variants, runs: new Map(planned.variants.map((v) => [v.label, []])), failures: new Map() };
  });
  for (const entry of plan) if (entry.skip) log(`skipping ${entry.scenario.name}: ${entry.skip}`);
  const total = plan.reduce((n, e) => n + (e.skip ? 0 : e.variants.length * options.rounds), 0);
  const timed = plan.filter((e) => !e.skip && !e.scenario.untimed).length;
  log(`${total} runs in ${plan.length - plan.filter((e) => e.skip).length} scenarios (${timed} timed at ${options.seconds} s per run), ${options.rounds} round(s): ${options.impls.map((i) => i.label).join(' vs ')}; CLK_TCK ${CLK_TCK}; ${machine().cpuModel}`);

  let done = 0;
  for (const entry of plan) {
    if (entry.skip) continue;
    for (let round = 1; round <= options.rounds; round++) {
      for (const variant of entry.variants) {
        done++;
        const where = `[${done}/${total}] ${entry.scenario.name}, round ${round}, ${variant.label}`;
        if (entry.failures.has(variant.label)) {
          log(`${where}: skipped (failed earlier)`);
          continue;
        }
        try {
          const record = await runOnce(bin, entry.scenario, variant, options.seconds);
          entry.runs.get(variant.label).push(record);
          log(`${where}: ${describeRun(entry.scenario, record)}`);
        } catch (err) {
          entry.failures.set(variant.label, err.message.split('\n')[0]);
          log(`${where}: FAILED: ${err.message}`);
        }
      }
    }
  }

  const elapsedSeconds = (Date.now() - started) / 1000;
  const { table, full, compared } = markdown({ options, date, root: ROOT, plan, elapsedSeconds });
  process.stdout.write(table);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const md = path.join(RESULTS_DIR, 'latest.md');
  writeAtomically(md, full);
  const { nproc, cpuModel } = machine();
  const svg = path.join(RESULTS_DIR, 'latest.svg');
  writeAtomically(
    svg,
    chart({
      compared,
      baseline: options.impls[0].label,
      title: `rsnet benchmark, ${date}: ${options.impls.map((i) => i.label).join(' vs ')}`,
      subtitle: `${cpuModel}, ${nproc} cores, node ${process.version}; ${options.rounds} round(s) of ${options.seconds} s, medians`,
    }),
  );
  log(`wrote ${path.relative(ROOT, md)} and ${path.relative(ROOT, svg)} after ${Math.round(elapsedSeconds)} s`);
  if (plan.some((e) => !e.skip && e.failures.size > 0)) {
    log('some runs FAILED: see the report');
    process.exitCode = 1;
  }
}

main().catch((err) => {
  killLiveChildren();
  fail(err.stack ?? err.message);
});
