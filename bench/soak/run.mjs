// `npm run soak` (issue 15, item 4): 1,000 connections carrying 4 GiB in each direction
// (8 GiB in all), random write sizes, receivers pausing at random, every direction of
// every connection hashed, on node:net and on rsnet in turn (interleaved when
// --rounds > 1), each run a child process of its own (bench/soak/traffic.mjs).
//
// It passes when every run carried every byte with matching hashes and no error, rsnet
// closed every descriptor it opened (no more left than node:net left), and rsnet's peak
// RSS, median over the rounds, is at most 1.1× node:net's (issue 6's memory target).
//
//   npm run soak                                   4 GiB each way, 1,000 connections
//   npm run soak -- --mib 256 --connections 200    the small version
//   npm run soak -- --node 24 --rounds 3 --seed 7
//
// Prints a table, and the runs as JSON with --json FILE.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stockNode } from '../../scripts/lib/stock-node.mjs';

const TRAFFIC = fileURLToPath(new URL('./traffic.mjs', import.meta.url));
/** Issue 6's memory target: rsnet's peak RSS at most this × node:net's. */
const RSS_RATIO_LIMIT = 1.1;

function parseArgs(argv) {
  const o = { connections: 1000, mib: 4096, rounds: 1, seed: 1, node: null, json: null };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--connections') o.connections = Number(v);
    else if (k === '--mib') o.mib = Number(v);
    else if (k === '--rounds') o.rounds = Number(v);
    else if (k === '--seed') o.seed = Number(v);
    else if (k === '--node') o.node = v;
    else if (k === '--json') o.json = v;
    else {
      process.stderr.write(`unknown option ${k}\nusage: npm run soak -- [--connections N] [--mib M] [--rounds R] [--seed S] [--node MAJOR] [--json FILE]\n`);
      process.exit(2);
    }
  }
  return o;
}

function runTraffic(nodeBin, impl, { connections, bytes, seed }) {
  return new Promise((resolve, reject) => {
    const child = spawn(nodeBin, [TRAFFIC, impl, String(connections), String(bytes), String(seed)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const line = out.trim().split('\n').pop();
      if (code !== 0 || !line) {
        reject(new Error(`${impl}: exit ${code ?? signal}\n${err}`));
        return;
      }
      resolve(JSON.parse(line));
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mib = (b) => (b / 1048576).toFixed(0);

const opts = parseArgs(process.argv.slice(2));
const nodeBin = opts.node ? stockNode(opts.node) : process.execPath;
const bytes = Math.floor((opts.mib * 1048576) / opts.connections);
const runs = { node: [], rsnet: [] };
for (let round = 0; round < opts.rounds; round++) {
  // Alternate which goes first, so neither always runs on the warmer machine.
  const order = round % 2 ? ['rsnet', 'node'] : ['node', 'rsnet'];
  for (const impl of order) {
    const r = await runTraffic(nodeBin, impl, { connections: opts.connections, bytes, seed: opts.seed + round });
    runs[impl].push(r);
    process.stderr.write(`round ${round + 1}/${opts.rounds} ${impl}: ${r.seconds.toFixed(1)} s, peak RSS ${mib(r.peakRssBytes)} MiB\n`);
  }
}

const failures = [];
const rows = [];
for (const impl of ['node', 'rsnet']) {
  for (const r of runs[impl]) {
    if (r.mismatched || r.errors || r.carried !== r.expected) {
      failures.push(`${impl}: ${r.mismatched} directions differ, ${r.errors} errors, ${r.carried} of ${r.expected} bytes`);
    }
  }
  const fdsLeft = Math.max(...runs[impl].map((r) => r.fds.after - r.fds.before));
  rows.push({
    impl,
    seconds: median(runs[impl].map((r) => r.seconds)),
    cpu: median(runs[impl].map((r) => r.cpuSeconds)),
    rss: median(runs[impl].map((r) => r.peakRssBytes)),
    fdsPeak: Math.max(...runs[impl].map((r) => r.fds.peak - r.fds.before)),
    fdsLeft,
    lost: runs[impl].reduce((n, r) => n + (r.expected - r.carried), 0),
    mismatched: runs[impl].reduce((n, r) => n + r.mismatched, 0),
  });
}
const [node, rsnet] = rows;
if (rsnet.fdsLeft > node.fdsLeft) failures.push(`rsnet left ${rsnet.fdsLeft} descriptors open, node:net ${node.fdsLeft}`);
const rssRatio = rsnet.rss / node.rss;
if (rssRatio > RSS_RATIO_LIMIT) failures.push(`rsnet's peak RSS is ${rssRatio.toFixed(2)}× node:net's (limit ${RSS_RATIO_LIMIT})`);

const carried = (2 * opts.connections * bytes) / 1073741824;
console.log(`\nsoak on Node ${runs.node[0].node}: ${opts.connections} connections, ${carried.toFixed(2)} GiB in all (${mib(bytes)} MiB each way per connection), seed ${opts.seed}, ${opts.rounds} round(s), medians\n`);
console.log('| module | seconds | CPU s | peak RSS MiB | bytes lost | hashes differ | fds at peak | fds left |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${r.impl === 'node' ? 'node:net' : 'rsnet'} | ${r.seconds.toFixed(1)} | ${r.cpu.toFixed(1)} | ${mib(r.rss)} | ${r.lost} | ${r.mismatched} | ${r.fdsPeak} | ${r.fdsLeft} |`);
}
console.log(`\nrsnet / node:net: seconds ${(rsnet.seconds / node.seconds).toFixed(2)}, CPU ${(rsnet.cpu / node.cpu).toFixed(2)}, peak RSS ${rssRatio.toFixed(2)}`);
if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ opts, runs }, null, 2) + '\n');
if (failures.length) {
  console.log(`\nFAIL\n- ${failures.join('\n- ')}`);
  process.exitCode = 1;
} else {
  console.log('\nPASS');
}
