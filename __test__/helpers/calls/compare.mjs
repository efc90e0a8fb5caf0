// Runs one batch of random programs (program.mjs) on node:net and on rsnet, each in a
// child process of its own (fixtures/calls/world.mjs), and compares what they recorded,
// program by program. Used by property-calls.test.mjs (a short run in `npm test`) and
// by scripts/property-calls.mjs (the long run).
//
// A child that dies is counted as a crash at the first program it did not finish; the
// programs after it are not compared (the next batch starts afresh).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { implSpecifier } from '../impl.mjs';
import { programs } from './program.mjs';
import { KNOWN_DIFFERENCES } from './known.mjs';

const WORLD = fileURLToPath(new URL('../../fixtures/calls/world.mjs', import.meta.url));

function runWorld(which, programsFile, outFile, { nodeBin, timeoutMs }) {
  // Each child in a directory of its own: a string given to listen() is a Unix path
  // relative to it, and the two run at once.
  const cwd = fs.mkdtempSync(path.join(path.dirname(outFile), `${which}-cwd-`));
  return new Promise((resolve) => {
    const child = spawn(nodeBin, [WORLD, programsFile, outFile], {
      cwd,
      env: { ...process.env, RSNET_NET_MODULE: implSpecifier(which) },
      // stdin, stdout and stderr are the same on both sides: programs may wrap fds 0-2.
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => { stderr += d.slice(0, 4000); });
    const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      const lines = fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8').split('\n').filter(Boolean) : [];
      resolve({ code, signal, stderr, records: lines.map((l) => JSON.parse(l)) });
    });
  });
}

/** The first place two records of one program differ, as a short path and both values. */
function firstDifference(a, b, where = '') {
  if (isDeepStrictEqual(a, b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(a[k], b[k], `${where}/${k}`);
      if (d) return d;
    }
  }
  return { where, node: a, rsnet: b };
}

/** The known difference (known.mjs) that accounts for all that differs, if one does. */
function explainedBy(node, rsnet) {
  for (const known of KNOWN_DIFFERENCES) {
    const reconciled = known.reconcile(node, rsnet);
    if (reconciled && isDeepStrictEqual(reconciled[0], reconciled[1])) return known;
  }
  return null;
}

/**
 * Runs programs [seed's first `count`] on both modules. Returns the crashes (a child
 * that did not exit 0: the program it died in is counted, the two children start again
 * after it), each program whose records differ (with its steps, the first difference
 * and both records) but for the differences known.mjs lists (`listed`, with their
 * reasons), and the uncaught exceptions on each side.
 */
export async function compareBatch({ seed, count, nodeBin = process.execPath, timeoutMs = 120_000 }) {
  const list = programs(seed, count);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rsnet-prop-'));
  const crashes = [];
  const differences = [];
  const listed = [];
  const uncaught = { node: 0, rsnet: 0, rsnetOnly: [] };
  let compared = 0;
  try {
    for (let from = 0; from < list.length;) {
      const programsFile = path.join(dir, 'programs.json');
      fs.writeFileSync(programsFile, JSON.stringify(list.slice(from)));
      // One after the other: a program may listen on a fixed port (1, 3, 65535), which
      // the other child would find taken.
      const node = await runWorld('node', programsFile, path.join(dir, 'node.jsonl'), { nodeBin, timeoutMs });
      const rsnet = await runWorld('rsnet', programsFile, path.join(dir, 'rsnet.jsonl'), { nodeBin, timeoutMs });
      const finished = Math.min(node.records.length, rsnet.records.length);
      for (let k = 0; k < finished; k++) {
        const i = from + k;
        const a = node.records[k];
        const b = rsnet.records[k];
        uncaught.node += a.uncaught.length;
        uncaught.rsnet += b.uncaught.length;
        for (const u of b.uncaught) {
          if (!a.uncaught.some((x) => isDeepStrictEqual(x, u))) uncaught.rsnetOnly.push({ seed, program: i, steps: list[i], uncaught: u });
        }
        const d = firstDifference(a, b);
        if (!d) continue;
        const known = explainedBy(a, b);
        if (known) listed.push({ seed, program: i, reason: known.reason });
        else differences.push({ seed, program: i, steps: list[i], difference: d, node: a, rsnet: b });
      }
      compared += finished;
      from += finished;
      if (from >= list.length) break;
      // One side stopped at program `from`: count it, and go on after it.
      for (const [which, r] of [['node', node], ['rsnet', rsnet]]) {
        if (r.records.length === finished) {
          crashes.push({ which, seed, program: from, steps: list[from], exit: r.code ?? r.signal, stderr: r.stderr });
        }
      }
      from += 1;
    }
    return { seed, count, compared, crashes, differences, listed, uncaught };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
