// What rsnet costs to install and to load: the size of the native addon (the release
// build at the checkout's root: LTO, symbols stripped, as released) raw and gzipped
// (about what its platform package weighs as a tarball), and the time
// `require('rsnet')` adds to a process compared with `require('net')`.
//
//   node scripts/size-startup.mjs [--runs N]     (default 21)
//
// Each run is a fresh `node -e` process that times the require itself
// (process.hrtime around it); rsnet and net alternate run by run, so drift of the
// machine falls on both. Reported: medians, and the whole process's wall time from
// spawn to exit. Prints a markdown table. Nothing is asserted: numbers are reported.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { napiTarget } = require('./target.cjs');

const args = process.argv.slice(2);
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 21;

const addon = path.join(ROOT, `rsnet.${napiTarget()}.node`);
const bytes = fs.statSync(addon).size;
const gzipped = zlib.gzipSync(fs.readFileSync(addon), { level: 9 }).length;

function timeRequire(specifier) {
  const code = `const t = process.hrtime.bigint(); require(${JSON.stringify(specifier)});`
    + 'console.log(Number(process.hrtime.bigint() - t) / 1e6);';
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 30_000 });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`require(${specifier}) failed:\n${r.stderr}`);
  return { require: Number(r.stdout.trim()), wall };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// What is required, and how the table names it. The loader alone (index.js: the
// musl check and the dlopen of the addon) shows how much of rsnet's time is native.
const modules = [
  ['net', "`require('net')`"],
  [ROOT, "`require('rsnet')`"],
  [path.join(ROOT, 'index.js'), 'of which the native binding (`index.js`)'],
];
const samples = modules.map(() => []);
for (const [specifier] of modules) timeRequire(specifier); // warm the page cache; not counted
for (let i = 0; i < runs; i++) {
  modules.forEach(([specifier], m) => samples[m].push(timeRequire(specifier)));
}
const row = (m) => {
  const req = median(samples[m].map((s) => s.require));
  const wall = median(samples[m].map((s) => s.wall));
  return `| ${modules[m][1]} | ${req.toFixed(2)} | ${wall.toFixed(1)} |`;
};

const fmt = (n) => n.toLocaleString('en-US');
console.log(`## Size and start-up (${process.platform}-${process.arch}, Node ${process.version})\n`);
console.log('| addon | bytes | gzip -9 bytes |\n| --- | ---: | ---: |');
console.log(`| \`${path.basename(addon)}\` | ${fmt(bytes)} | ${fmt(gzipped)} |\n`);
console.log(`Medians of ${runs} fresh processes each, interleaved:\n`);
console.log('| module | require time (ms) | process wall time (ms) |\n| --- | ---: | ---: |');
modules.forEach((_, m) => console.log(row(m)));
