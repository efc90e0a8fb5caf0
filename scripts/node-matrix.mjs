// rsnet on every supported Node: the current one (the Node running this script) and
// stock Node 22, 24 and 26 from the npm registry (scripts/lib/stock-node.mjs). rsnet is
// packed and installed once into a temp project, as scripts/install-test.mjs does, and
// every Node runs the same smoke programs there: require, import, and worker threads
// (a round trip in a worker, a worker terminated while listening). One napi-built addon
// serves them all, since Node-API is ABI-stable across Node versions.
//
//   node scripts/node-matrix.mjs [--majors 22,24,26] [--keep]
//
// Prints a markdown table of what passed on which version.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packAll } from './lib/pack.mjs';
import { installProject, runInProject, pathWithoutCargo, projectEnv } from './lib/temp-project.mjs';
import { stockNode } from './lib/stock-node.mjs';

const args = process.argv.slice(2);
const majorsArg = args.includes('--majors') ? args[args.indexOf('--majors') + 1] : '22,24,26';
const majors = majorsArg.split(',').map(Number);
const keep = args.includes('--keep');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rsnet-node-matrix-'));
const env = projectEnv(pathWithoutCargo());
const app = path.join(work, 'app');
const rows = [];

after(() => {
  if (rows.length) {
    console.log('\n| Node | require | import | worker threads |\n| --- | --- | --- | --- |');
    for (const r of rows) console.log(`| ${r.version} | ${r.require} | ${r.import} | ${r.worker} |`);
  }
  if (keep) console.log(`# kept ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
});

test('install rsnet and the host platform package', { timeout: 600_000 }, () => {
  const packed = packAll(work);
  const r = installProject(app, { ...packed, env });
  assert.equal(r.status, 0, `npm install failed:\n${r.stdout}\n${r.stderr}`);
});

const nodes = [{ label: `current (${process.version})`, bin: () => process.execPath }]
  .concat(majors.map((m) => ({ label: `${m}`, bin: () => stockNode(m) })));

for (const node of nodes) {
  test(`Node ${node.label}`, { timeout: 900_000 }, () => {
    assert.ok(fs.existsSync(path.join(app, 'node_modules', 'rsnet')), 'rsnet is not installed');
    const bin = node.bin();
    const version = runInProject(app, bin, ['--version'], { env }).stdout.trim();
    const row = { version, require: 'FAIL', import: 'FAIL', worker: 'FAIL' };
    rows.push(row);
    const failures = [];
    for (const [key, program] of [['require', 'require.cjs'], ['import', 'import.mjs'], ['worker', 'worker.cjs']]) {
      const run = runInProject(app, bin, [program], { env });
      if (run.status === 0 && run.json?.bytes === 1 << 20) row[key] = 'pass';
      else failures.push(`${program} on ${version}: status ${run.status} signal ${run.signal}\n${run.stdout}\n${run.stderr}`);
    }
    assert.deepEqual(failures, []);
  });
}
