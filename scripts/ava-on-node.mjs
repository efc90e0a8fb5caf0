// The main ava suite on a stock Node of another major version (from the npm registry,
// cached: scripts/lib/stock-node.mjs), against the checkout's build:
//
//   node scripts/ava-on-node.mjs 22 [more ava arguments]
//
// The differential tests compare rsnet with the running Node's own node:net, so a
// newer Node can fail a test because node:net changed there. Those known differences
// are listed per major version in scripts/node-differences.json, left out with ava's
// --match '!title', and printed, so they stay visible until rsnet follows them.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stockNode } from './lib/stock-node.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [majorArg, ...avaArgs] = process.argv.slice(2);
const major = Number(majorArg);
if (!Number.isInteger(major)) {
  console.error('usage: node scripts/ava-on-node.mjs <major> [ava arguments]');
  process.exit(2);
}

const node = stockNode(major);
const known = JSON.parse(fs.readFileSync(path.join(ROOT, 'scripts', 'node-differences.json'), 'utf8'))[major] ?? [];
if (known.length) {
  console.log(`Left out on Node ${major}, known differences of its node:net (scripts/node-differences.json):`);
  for (const k of known) console.log(`  - ${k.title}: ${k.why}`);
}

// ava's workers and the tests' child processes run process.execPath, so they all get
// this Node; PATH gets it too, for anything that runs a plain `node`.
const args = [path.join(ROOT, 'node_modules', 'ava', 'entrypoints', 'cli.mjs'),
  ...known.map((k) => `--match=!${k.title}`), ...avaArgs];
const r = spawnSync(node, args, {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH}` },
});
process.exitCode = r.status ?? 1;
