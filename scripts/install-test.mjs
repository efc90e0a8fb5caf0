// rsnet installed as a user installs it, from the tarballs a release would publish,
// into fresh projects under the system temp directory, with cargo off PATH:
//
//   1. rsnet + the platform packages: npm keeps only this host's (rsnet-linux-x64-gnu
//      here) and skips the rest by os/cpu/libc; require('rsnet') and import from
//      'rsnet' do an echo round trip, loading rsnet and its addon from the project.
//   2. rsnet with --omit=optional: the install succeeds, and require and import both
//      throw the one clear ERR_RSNET_NO_BINDING error naming the platform.
//   3. (--source-build, or RSNET_INSTALL_TEST_SOURCE_BUILD=1) rsnet with
//      --omit=optional and cargo on PATH: the install script builds the addon from the
//      sources in the tarball, and the round trip passes on that build.
//
//   node scripts/install-test.mjs [--source-build] [--keep]
//
// Needs the checkout's build (dist/ and rsnet.<target>.node); runs no cargo itself.
// Everything lives in one temp directory, removed at the end unless --keep.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { packAll, platformPackages } from './lib/pack.mjs';
import { installProject, runInProject, pathWithoutCargo, projectEnv } from './lib/temp-project.mjs';

const require = createRequire(import.meta.url);
const { napiTarget } = require('./target.cjs');

const args = process.argv.slice(2);
const sourceBuild = args.includes('--source-build') || process.env.RSNET_INSTALL_TEST_SOURCE_BUILD === '1';
const keep = args.includes('--keep');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rsnet-install-test-'));
after(() => {
  if (keep) console.log(`# kept ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
});

const target = napiTarget();
const noCargo = projectEnv(pathWithoutCargo());
let packed;

function within(dir, file) {
  const rel = path.relative(fs.realpathSync(dir), fs.realpathSync(file));
  return !rel.startsWith('..') && !path.isAbsolute(rel);
}

function installed(dir) {
  return fs.readdirSync(path.join(dir, 'node_modules')).filter((n) => n.startsWith('rsnet')).sort();
}

function assertInstallOk(r) {
  assert.equal(r.error, undefined, `npm install: ${r.error}`);
  assert.equal(r.status, 0, `npm install failed:\n${r.stdout}\n${r.stderr}`);
}

test('pack rsnet and the platform packages', { timeout: 300_000 }, () => {
  const started = Date.now();
  packed = packAll(work);
  console.log(`# packed ${Object.keys(packed.platforms).length + 1} tarballs in ${Date.now() - started} ms`);
  const size = fs.statSync(packed.rsnet).size;
  assert.ok(size < 1 << 20, `rsnet's tarball is ${size} bytes: a binary or target/ got in`);
});

test('prebuilt: only the host package installs, and require/import round-trip', { timeout: 600_000 }, () => {
  assert.ok(packed, 'packing failed');
  const dir = path.join(work, 'app-prebuilt');
  const r = installProject(dir, { ...packed, env: noCargo });
  assertInstallOk(r);
  console.log(`# npm install (prebuilt) took ${r.ms} ms`);
  assert.deepEqual(installed(dir), ['rsnet', packed.hostPackage].sort());
  assert.ok(!fs.existsSync(path.join(dir, 'node_modules', 'rsnet', `rsnet.${target}.node`)), 'the install script built from source');

  for (const program of ['require.cjs', 'import.mjs']) {
    const run = runInProject(dir, process.execPath, [program], { env: noCargo });
    assert.equal(run.status, 0, `${program}:\n${run.stdout}\n${run.stderr}`);
    const report = run.json;
    assert.equal(report.bytes, 1 << 20);
    assert.ok(within(dir, report.resolved), `${program}: rsnet resolved to ${report.resolved}, outside ${dir}`);
    assert.deepEqual(report.addons.map((f) => fs.realpathSync(f)),
      [fs.realpathSync(path.join(dir, 'node_modules', packed.hostPackage, `rsnet.${target}.node`))]);
  }
});

test('no binding: the install succeeds and require/import throw ERR_RSNET_NO_BINDING', { timeout: 600_000 }, () => {
  assert.ok(packed, 'packing failed');
  const dir = path.join(work, 'app-no-binding');
  const r = installProject(dir, { ...packed, omitOptional: true, env: noCargo });
  assertInstallOk(r);
  assert.deepEqual(installed(dir), ['rsnet']);
  assert.match(r.stdout + r.stderr, /cargo is not on PATH/, 'the install script did not explain itself');

  const probe = (entry) => `
    ${entry}.then(() => { console.log(JSON.stringify({ loaded: true })); },
      (e) => { console.log(JSON.stringify({ code: e.code, message: e.message, hasCause: !!e.cause })); });`;
  const runs = {
    require: runInProject(dir, process.execPath, ['-e', probe(`Promise.resolve().then(() => require('rsnet'))`)], { env: noCargo }),
    import: runInProject(dir, process.execPath, ['--input-type=module', '-e', probe(`import('rsnet')`)], { env: noCargo }),
  };
  for (const [entry, run] of Object.entries(runs)) {
    assert.equal(run.status, 0, `${entry}:\n${run.stderr}`);
    const { code, message, hasCause } = run.json;
    assert.equal(code, 'ERR_RSNET_NO_BINDING', `${entry}: ${message}`);
    assert.ok(hasCause, 'the loader error is kept as cause');
    assert.ok(message.includes(`${process.platform}-${process.arch}`), `${entry}: no platform in:\n${message}`);
    assert.ok(message.includes(`rsnet-${target}`), `${entry}: no package name in:\n${message}`);
    assert.ok(message.includes(`rsnet.${target}.node`), `${entry}: no local file in:\n${message}`);
    assert.match(message, /npm install rsnet/);
    assert.match(message, /rustup\.rs/);
    assert.doesNotMatch(message, /^Cannot find module/);
    if (entry === 'require') console.log(message.replace(/^/gm, '# | '));
  }
});

test('source build: without the platform package, cargo on PATH builds the addon at install',
  { skip: !sourceBuild && 'pass --source-build (a release build of the addon takes minutes)', timeout: 1_800_000 }, () => {
    assert.ok(packed, 'packing failed');
    const dir = path.join(work, 'app-source');
    const env = projectEnv(process.env.PATH);
    const r = installProject(dir, { ...packed, omitOptional: true, env, timeoutMs: 1_800_000 });
    assertInstallOk(r);
    console.log(`# npm install with a build from source took ${r.ms} ms`);
    const built = path.join(dir, 'node_modules', 'rsnet', `rsnet.${target}.node`);
    assert.ok(fs.existsSync(built), `no ${built}:\n${r.stdout}\n${r.stderr}`);
    assert.ok(!fs.existsSync(path.join(dir, 'node_modules', 'rsnet', 'target')), 'cargo left target/ in node_modules');
    const run = runInProject(dir, process.execPath, ['require.cjs'], { env: noCargo });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.deepEqual(run.json.addons.map((f) => fs.realpathSync(f)), [fs.realpathSync(built)]);
  });

// Keep the platform list honest: every npm/ package was packed.
test('every npm/ package was packed', () => {
  assert.ok(packed, 'packing failed');
  assert.deepEqual(Object.keys(packed.platforms).sort(), platformPackages().map((p) => p.name).sort());
});
