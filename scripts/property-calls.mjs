// The long run of the random-call property test (issue 15, item 2): batches of seeded
// programs on node:net and rsnet (__test__/helpers/calls), summed up. `npm test` runs
// one short batch (__test__/property-calls.test.mjs); this is the soak.
//
//   npm run property -- [--programs 20000] [--batch 250] [--seed 1] [--node 24] [--out FILE]
//
// Prints the totals (programs, crashes on each side, uncaught exceptions, listed and
// unlisted differences); writes every unlisted difference, crash and rsnet-only
// uncaught exception to FILE (default property-calls.json in the temp directory).
// Exits 1 if there is any.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compareBatch } from '../__test__/helpers/calls/compare.mjs';
import { knownCrash } from '../__test__/helpers/calls/known.mjs';
import { stockNode } from './lib/stock-node.mjs';

const opts = { programs: 20000, batch: 250, seed: 1, node: null, out: path.join(os.tmpdir(), 'property-calls.json') };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const key = argv[i].replace(/^--/, '');
  if (!(key in opts)) {
    process.stderr.write(`unknown option ${argv[i]}\n`);
    process.exit(2);
  }
  opts[key] = key === 'out' || key === 'node' ? argv[i + 1] : Number(argv[i + 1]);
}
const nodeBin = opts.node ? stockNode(opts.node) : process.execPath;

const totals = { programs: 0, nodeCrashesListed: 0, listedDifferences: 0, uncaughtNode: 0, uncaughtRsnet: 0 };
const found = { crashes: [], differences: [], uncaughtRsnetOnly: [] };
const started = Date.now();
for (let done = 0, batch = 0; done < opts.programs; batch++) {
  const count = Math.min(opts.batch, opts.programs - done);
  const seed = opts.seed * 100003 + batch;
  const r = await compareBatch({ seed, count, nodeBin });
  done += count;
  totals.programs += r.compared;
  totals.uncaughtNode += r.uncaught.node;
  totals.uncaughtRsnet += r.uncaught.rsnet;
  for (const c of r.crashes) {
    if (knownCrash(c)) totals.nodeCrashesListed += 1;
    else found.crashes.push(c);
  }
  totals.listedDifferences += r.listed.length;
  found.differences.push(...r.differences);
  found.uncaughtRsnetOnly.push(...r.uncaught.rsnetOnly);
  process.stderr.write(`${done}/${opts.programs} programs, ${((Date.now() - started) / 1000).toFixed(0)} s: ` +
    `${found.crashes.length} crashes, ${found.uncaughtRsnetOnly.length} uncaught in rsnet only, ${found.differences.length} differences\n`);
}

fs.writeFileSync(opts.out, JSON.stringify({ opts, totals, ...found }, null, 1));
console.log(`\nrandom calls on Node ${process.version === nodeBin ? process.version : opts.node ?? process.version}: ${totals.programs} programs compared (seed ${opts.seed}, ${((Date.now() - started) / 1000).toFixed(0)} s)`);
console.log(`| crashes (rsnet / node:net, listed) | uncaught (node:net / rsnet / rsnet only) | differences (listed / not) |`);
console.log(`| --- | --- | --- |`);
const rsnetCrashes = found.crashes.filter((c) => c.which === 'rsnet').length;
console.log(`| ${rsnetCrashes} / ${totals.nodeCrashesListed} | ${totals.uncaughtNode} / ${totals.uncaughtRsnet} / ${found.uncaughtRsnetOnly.length} | ${totals.listedDifferences} / ${found.differences.length} |`);
const failed = found.crashes.length + found.uncaughtRsnetOnly.length + found.differences.length;
console.log(failed ? `\nFAIL: details in ${opts.out}` : '\nPASS');
process.exitCode = failed ? 1 : 0;
