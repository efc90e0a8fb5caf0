// A fresh npm project in the system's temp directory with rsnet installed from a
// tarball, as a user's project would have it, and nothing of this checkout in reach:
// node resolves `rsnet` from the project's own node_modules, and the smoke programs
// are copied in (a script run from the checkout would resolve from the checkout).
//
// rsnet's optional dependencies are pointed at local tarballs through npm `overrides`,
// so they reach the tree the way published ones do (as rsnet's optionalDependencies,
// each kept or skipped by its os/cpu/libc), and the install needs no registry at all:
// `--offline` makes any registry request an error instead of a silent download.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmPath } from './pack.mjs';

const SMOKE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'smoke');

/** PATH without any directory that holds cargo: what a machine without Rust has. */
export function pathWithoutCargo() {
  const exe = process.platform === 'win32' ? 'cargo.exe' : 'cargo';
  const kept = (process.env.PATH || '').split(path.delimiter).filter((d) => d && !fs.existsSync(path.join(d, exe)));
  const needed = [path.dirname(process.execPath), path.dirname(npmPath())];
  for (const dir of needed) {
    if (!kept.includes(dir)) throw new Error(`${dir} holds both node/npm and cargo: cannot hide cargo from npm here`);
  }
  return kept.join(path.delimiter);
}

/** An environment for the project: the given PATH, nothing that points node elsewhere. */
export function projectEnv(pathValue) {
  const env = { ...process.env, PATH: pathValue };
  for (const k of ['NODE_PATH', 'NODE_OPTIONS', 'NAPI_RS_NATIVE_LIBRARY_PATH', 'CARGO_TARGET_DIR', 'RSNET_BUILD_FROM_SOURCE']) delete env[k];
  for (const k of Object.keys(env)) if (k.startsWith('npm_')) delete env[k];
  return env;
}

/**
 * Creates `dir` and installs rsnet into it. options: { rsnet, platforms (name → tarball),
 * omitOptional, env, timeoutMs }. Returns npm's result { status, stdout, stderr, ms }.
 */
export function installProject(dir, { rsnet, platforms, omitOptional = false, env, timeoutMs = 600_000 }) {
  fs.mkdirSync(dir, { recursive: true });
  const overrides = Object.fromEntries(Object.entries(platforms).map(([name, tgz]) => [name, `file:${tgz}`]));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'rsnet-install-test-app',
    private: true,
    version: '1.0.0',
    overrides,
    // npm 11 asks before running a dependency's install script; rsnet's is the
    // source-build fallback under test.
    allowScripts: { rsnet: true },
  }, null, 2));
  for (const f of fs.readdirSync(SMOKE_DIR)) fs.copyFileSync(path.join(SMOKE_DIR, f), path.join(dir, f));

  const args = ['install', '--no-audit', '--no-fund', '--offline', '--foreground-scripts', `file:${rsnet}`];
  if (omitOptional) args.push('--omit=optional');
  const started = Date.now();
  const r = spawnSync(npmPath(), args, { cwd: dir, env, encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, error: r.error, ms: Date.now() - started };
}

/** Runs `node <args>` inside the project; returns { status, stdout, stderr, json }. */
export function runInProject(dir, nodeBin, args, { env, timeoutMs = 60_000 } = {}) {
  const r = spawnSync(nodeBin, args, { cwd: dir, env, encoding: 'utf8', timeout: timeoutMs });
  let json = null;
  const last = (r.stdout || '').trim().split('\n').pop();
  try { json = JSON.parse(last); } catch { /* not a JSON report */ }
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, error: r.error, json };
}
