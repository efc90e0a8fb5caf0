// The release configuration says the same thing everywhere: package.json's
// `napi.targets`, the platform packages in npm/, the generated loader (index.js), the
// release workflow's build and test matrices, and the package `files` that the
// build-from-source fallback needs. A target added in one place and not the others
// fails here, in CI, instead of at publish time or on a user's machine.
//
//   node scripts/check-release-config.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { parseTriple } = require('@napi-rs/cli');
// js-yaml comes with @napi-rs/cli; resolve it from there rather than rely on hoisting.
const yaml = createRequire(require.resolve('@napi-rs/cli'))('js-yaml');

const read = (...p) => fs.readFileSync(path.join(ROOT, ...p), 'utf8');
const pkg = JSON.parse(read('package.json'));
const targets = pkg.napi.targets.map(parseTriple);
const npmDirs = fs.readdirSync(path.join(ROOT, 'npm'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
const sorted = (xs) => [...xs].sort();

test('npm/ has one package per napi target, and no other', () => {
  assert.deepEqual(sorted(npmDirs), sorted(targets.map((t) => t.platformArchABI)));
});

test('each platform package: name, version, os/cpu/libc, main and files as napi-rs expects', () => {
  for (const t of targets) {
    const p = JSON.parse(read('npm', t.platformArchABI, 'package.json'));
    const binary = `${pkg.napi.binaryName}.${t.platformArchABI}.node`;
    assert.equal(p.name, `${pkg.name}-${t.platformArchABI}`);
    assert.equal(p.version, pkg.version, `${p.name}: version must be rsnet's`);
    assert.deepEqual(p.os, [t.platform], `${p.name}: os`);
    assert.deepEqual(p.cpu, [t.arch], `${p.name}: cpu`);
    const libc = t.abi === 'gnu' ? ['glibc'] : t.abi === 'musl' ? ['musl'] : undefined;
    assert.deepEqual(p.libc, libc, `${p.name}: libc`);
    assert.equal(p.main, binary, `${p.name}: main`);
    assert.deepEqual(p.files, [binary], `${p.name}: files`);
    assert.deepEqual(p.engines, pkg.engines, `${p.name}: engines must be rsnet's`);
    assert.ok(fs.existsSync(path.join(ROOT, 'npm', t.platformArchABI, 'README.md')), `${p.name}: README.md`);
  }
});

test('the generated loader tries every platform package and local file', () => {
  const loader = read('index.js');
  for (const t of targets) {
    assert.ok(loader.includes(`require('${pkg.name}-${t.platformArchABI}')`), `index.js never requires ${pkg.name}-${t.platformArchABI}`);
    assert.ok(loader.includes(`require('./${pkg.napi.binaryName}.${t.platformArchABI}.node')`), `index.js never tries ${t.platformArchABI}'s local file`);
  }
});

test('optionalDependencies, if listed, are exactly the platform packages at rsnet\'s version', () => {
  // Normally absent from the checkout: `napi prepublish` writes them at release time,
  // since `npm ci` fails on optional dependencies that are not published yet.
  if (!pkg.optionalDependencies) return;
  assert.deepEqual(pkg.optionalDependencies, Object.fromEntries(sorted(npmDirs).map((d) => [`${pkg.name}-${d}`, pkg.version])));
});

test('release.yml builds and tests every napi target', () => {
  const wf = yaml.load(read('.github', 'workflows', 'release.yml'));
  const built = wf.jobs.build.strategy.matrix.settings.map((s) => s.target);
  for (const step of wf.jobs['build-freebsd'].steps) {
    const name = step.with?.name;
    if (typeof name === 'string' && name.startsWith('bindings-')) built.push(name.slice('bindings-'.length));
  }
  assert.deepEqual(sorted(built), sorted(pkg.napi.targets), 'build matrix vs napi.targets');

  // FreeBSD's build job runs the smoke tests inside its VM.
  const tested = ['x86_64-unknown-freebsd',
    ...wf.jobs['test-linux'].strategy.matrix.target,
    ...wf.jobs['test-macos-windows'].strategy.matrix.settings.map((s) => s.target)];
  assert.deepEqual(sorted(tested), sorted(pkg.napi.targets), 'test matrices vs napi.targets');

  const nodes = (job) => wf.jobs[job].strategy.matrix.node.map(Number);
  const supported = [20, 22, 24, 26];
  assert.deepEqual(nodes('test-linux'), supported);
  assert.deepEqual(nodes('test-macos-windows'), supported);
});

test('the package ships what the install script and a build from source need', () => {
  assert.equal(pkg.scripts.install, 'node scripts/install.cjs');
  const files = new Set(pkg.files);
  for (const f of ['dist', 'index.js', 'index.d.ts', 'Cargo.toml', 'Cargo.lock']) assert.ok(files.has(f), `files lacks ${f}`);
  // cargo refuses a workspace with a member missing, so every member must ship.
  const members = /members\s*=\s*\[([^\]]*)\]/.exec(read('Cargo.toml'))[1].match(/"([^"]+)"/g).map((m) => m.slice(1, -1));
  for (const m of members) assert.ok(files.has(m), `files lacks the workspace member ${m}`);
  // Every script the install script reaches, by its relative requires.
  const seen = new Set();
  const visit = (rel) => {
    if (seen.has(rel)) return;
    seen.add(rel);
    assert.ok(files.has(rel), `files lacks ${rel}`);
    for (const [, dep] of read(rel).matchAll(/require\('(\.\/[^']+)'\)/g)) visit(path.posix.join(path.posix.dirname(rel), dep));
  };
  visit('scripts/install.cjs');
  visit('scripts/target.cjs'); // dist/native.js requires it for the no-binding error
});
