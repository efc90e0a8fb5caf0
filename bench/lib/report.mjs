// The benchmark's report: medians, ratios, the markdown tables and the header that says
// where and how the numbers were taken.
//
// The throughput and efficiency ratios are oriented so that higher is better:
// throughput (or, for idle connections, memory per connection, inverted) against the
// baseline, and efficiency: work per server CPU-second against the baseline's. The
// peak-RSS ratio is the one exception, this / baseline where lower is better: it reads
// as "how many times the baseline's memory", and the header says so. The baseline of a
// scenario is its first variant, the first implementation listed.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { KINDS } from './scenarios.mjs';

export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Medians of one variant's runs, in the scenario's units. */
export function summarize(scenario, runs) {
  const kind = KINDS[scenario.kind];
  return {
    rate: median(runs.map(kind.rate)),
    cpu: median(runs.map(kind.cpu)),
    p50: median(runs.map((r) => r.latency?.p50)),
    p99: median(runs.map((r) => r.latency?.p99)),
    peakRss: median(runs.map((r) => r.peakRss)),
  };
}

/**
 * Per scenario and variant: the summary and both ratios against the baseline. Rows
 * of a variant without runs (it failed in its first round) carry only the failure.
 */
export function compare(plan) {
  return plan
    .filter((entry) => !entry.skip)
    .map((entry) => {
      const kind = KINDS[entry.scenario.kind];
      const summaries = entry.variants.map((v) => {
        const runs = entry.runs.get(v.label);
        return runs.length ? summarize(entry.scenario, runs) : null;
      });
      const base = summaries[0];
      const rows = entry.variants.map((variant, i) => {
        const s = summaries[i];
        if (!s) return { variant, summary: null, failure: entry.failures.get(variant.label) };
        const resultRatio = base ? (kind.lowerIsBetter ? base.rate / s.rate : s.rate / base.rate) : NaN;
        const efficiency = base ? base.cpu / s.cpu : NaN;
        const peakRssRatio = base ? s.peakRss / base.peakRss : NaN;
        return { variant, summary: s, resultRatio, efficiency, peakRssRatio, failure: entry.failures.get(variant.label), runs: entry.runs.get(variant.label).length };
      });
      return { scenario: entry.scenario, rows };
    });
}

const fixed = (x, digits) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const grouped = (x, digits) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a');

export function formatRate(kind, x) {
  return Number.isFinite(x) ? `${grouped(x, kind.digits)} ${kind.unit}` : 'n/a';
}

/** Bytes as MiB with one decimal, e.g. a peak RSS: `52.3 MiB`. */
export function formatMiB(bytes) {
  return Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : 'n/a';
}

export function formatNs(ns) {
  if (!Number.isFinite(ns)) return '—';
  if (ns < 1e6) return `${(ns / 1e3).toFixed(ns < 1e4 ? 1 : 0)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

export function machine() {
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
      const line = execFileSync(cmd, args, { encoding: 'utf8' }).split('\n')[0].trim();
      // `bun --version` prints the bare number.
      versions.push(line.toLowerCase().includes(impl.name) ? line : `${impl.name} ${line}`);
    } catch {
      versions.push(`${impl.name}: version unknown`);
    }
  }
  return [...new Set(versions)];
}

function gitRevision(root) {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function header({ options, date, root, plan, elapsedSeconds }) {
  const { nproc, cpuModel, kernel } = machine();
  const baseline = options.impls[0].label;
  const revision = gitRevision(root);
  const lines = [`## rsnet benchmark, ${date}`, ''];
  lines.push(`- machine: ${cpuModel}, ${nproc} cores (nproc), ${kernel}`);
  lines.push(`- runtime: ${runtimeVersions(options.impls).join(', ')}`);
  if (revision) lines.push(`- tree: ${revision} (plus any uncommitted changes)`);
  lines.push(
    `- method: ${options.rounds} interleaved round(s) per scenario (A, B, A, B, …), ${options.seconds} s measured per run, medians; a fresh server per run. ` +
      `Load: rsnet-loadgen (one thread, every byte verified) or wrk, on 127.0.0.1 or a Unix socket. ` +
      `Server CPU = utime+stime of the server process (all threads) during the load; in the proxy scenarios that is the proxy alone (the echo backend is a separate native process). ` +
      `Latency = round trip as the client sees it (p50/p99). ` +
      `Peak RSS = VmHWM of the server process (/proc/<pid>/status), read just before it is stopped: the most it had resident in that run, load and drain included.`,
  );
  lines.push(
    `- ratios: against ${baseline}; throughput and efficiency: higher is better. Throughput ratio = this / ${baseline} (for idle connections: ${baseline}'s memory per connection / this). ` +
      `Efficiency = work per server CPU-second, this / ${baseline}. ` +
      `Peak RSS vs ${baseline} = this / ${baseline}: **lower is better** (the one ratio that is). ` +
      `The echo rows use a 'data'-handler echo, except those marked socket.pipe(socket), where "(native pipe)" is rsnet running the pipe inside its reactor. ` +
      `In the pipe() proxy rows, "native" is rsnet's plain \`a.pipe(b)\` (taken over by its reactor), against ${baseline}'s pipe().`,
  );
  if (elapsedSeconds !== undefined) lines.push(`- wall time of the whole run: ${Math.round(elapsedSeconds)} s`);
  for (const entry of plan) {
    if (entry.skip) lines.push(`- skipped: ${entry.scenario.name}: ${entry.skip}`);
  }
  return lines;
}

/** Notes that a reader needs next to the numbers: failures, fewer idle connections. */
function notes(plan, compared) {
  const lines = [];
  for (const { scenario, rows } of compared) {
    for (const row of rows) {
      if (row.failure) lines.push(`- FAILED: ${scenario.name}, ${row.variant.label}: ${row.failure}`);
    }
  }
  for (const entry of plan) {
    if (entry.skip || entry.scenario.kind !== 'memory') continue;
    const runs = [...entry.runs.values()].flat();
    const short = runs.filter((r) => r.connections < r.requested);
    if (short.length) {
      const fewest = Math.min(...short.map((r) => r.connections));
      lines.push(`- ${entry.scenario.name}: only ${fewest} of ${short[0].requested} connections could be held in some runs (open-file limit ${short[0].fdLimit}); figures are per connection actually held.`);
    }
  }
  return lines;
}

export function markdown({ options, date, root, plan, elapsedSeconds }) {
  const compared = compare(plan);
  const baseline = options.impls[0].label;
  const lines = header({ options, date, root, plan, elapsedSeconds });
  lines.push('');
  lines.push(`| scenario | impl | throughput | p50 | p99 | server CPU | peak RSS | throughput vs ${baseline} | efficiency vs ${baseline} | peak RSS vs ${baseline} |`);
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const { scenario, rows } of compared) {
    const kind = KINDS[scenario.kind];
    for (const row of rows) {
      const label = row.failure ? `${row.variant.label} (FAILED)` : row.variant.label;
      if (!row.summary) {
        lines.push(`| ${scenario.name} | ${label} | failed | — | — | — | — | — | — | — |`);
        continue;
      }
      const s = row.summary;
      const latency = scenario.latency ? [formatNs(s.p50), formatNs(s.p99)] : ['—', '—'];
      lines.push(`| ${scenario.name} | ${label} | ${formatRate(kind, s.rate)} | ${latency[0]} | ${latency[1]} | ${fixed(s.cpu, kind.cpuDigits)} ${kind.cpuUnit} | ${formatMiB(s.peakRss)} | ${fixed(row.resultRatio, 2)}× | ${fixed(row.efficiency, 2)}× | ${fixed(row.peakRssRatio, 2)}× |`);
    }
  }
  const noted = notes(plan, compared);
  if (noted.length) lines.push('', ...noted);
  const table = lines.join('\n') + '\n';

  const detail = ['', '### Scenarios', '', '| scenario | id | load |', '|---|---|---|'];
  for (const entry of plan) detail.push(`| ${entry.scenario.name} | \`${entry.scenario.id}\` | ${entry.scenario.describe} |`);
  detail.push('', '### Every run', '', '| scenario | impl | round | throughput | p50 | p99 | server CPU (s) | CPU per unit | peak RSS | work | notes |', '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const entry of plan) {
    if (entry.skip) continue;
    const kind = KINDS[entry.scenario.kind];
    for (const variant of entry.variants) {
      entry.runs.get(variant.label).forEach((r, i) => {
        const remarks = [];
        if (entry.scenario.kind === 'memory') remarks.push(`RSS ${fixed(r.rssBefore / 2 ** 20, 1)} → ${fixed(r.rssAfter / 2 ** 20, 1)} MiB, opened in ${fixed(r.seconds, 2)} s`);
        if (r.timeouts) remarks.push(`${r.timeouts} wrk timeouts`);
        const latency = r.latency ? [formatNs(r.latency.p50), formatNs(r.latency.p99)] : ['—', '—'];
        detail.push(`| ${entry.scenario.name} | ${variant.label} | ${i + 1} | ${formatRate(kind, kind.rate(r))} | ${latency[0]} | ${latency[1]} | ${fixed(r.cpu, 2)} | ${fixed(kind.cpu(r), kind.cpuDigits)} ${kind.cpuUnit} | ${formatMiB(r.peakRss)} | ${grouped(kind.work(r), 0)} | ${remarks.join('; ')} |`);
      });
    }
  }
  return { table, full: table + detail.join('\n') + '\n', compared };
}
