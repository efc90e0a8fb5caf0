// Builds the native addon from the Rust sources shipped in the package (Cargo.toml,
// Cargo.lock, crates/) and puts it where the generated loader looks first:
// `rsnet.<napi target>.node` at the package root. This is what `napi build --platform
// --release` does in the source checkout, without @napi-rs/cli (a devDependency, so
// absent from an installed copy). Used by scripts/install.cjs.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { napiTarget, cdylibName } = require('./target.cjs');

const root = path.join(__dirname, '..');

// A release build with LTO on two cores takes minutes; far past this, something hangs.
const BUILD_TIMEOUT_MS = 30 * 60 * 1000;

/**
 * Returns { ok: true, output } or { ok: false, error, log }. The cargo output goes to
 * build-from-source.log at the package root, which is removed again on success and
 * named by require('rsnet')'s error on failure.
 */
function buildFromSource() {
  const logFile = path.join(root, 'build-from-source.log');
  const target = napiTarget();
  if (!target) {
    fs.writeFileSync(logFile, `napi-rs has no target name for ${process.platform}-${process.arch}\n`);
    return { ok: false, error: `no napi target for ${process.platform}-${process.arch}`, log: logFile };
  }

  // cargo's target directory holds hundreds of MB of intermediate files: keep them out
  // of node_modules, in the user's own CARGO_TARGET_DIR if set (they may reuse it),
  // else in a temporary directory removed afterwards.
  const ownTargetDir = !process.env.CARGO_TARGET_DIR;
  const targetDir = process.env.CARGO_TARGET_DIR || fs.mkdtempSync(path.join(os.tmpdir(), 'rsnet-cargo-'));
  const logFd = fs.openSync(logFile, 'w');
  try {
    const args = ['build', '--release', '--locked', '-p', 'rsnet-node', '--manifest-path', path.join(root, 'Cargo.toml')];
    fs.writeSync(logFd, `$ cargo ${args.join(' ')}\n(CARGO_TARGET_DIR=${targetDir})\n`);
    const r = spawnSync('cargo', args, {
      cwd: root,
      env: { ...process.env, CARGO_TARGET_DIR: targetDir },
      stdio: ['ignore', logFd, logFd],
      timeout: BUILD_TIMEOUT_MS,
    });
    if (r.error || r.status !== 0) {
      const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `cargo exited with ${r.status}`;
      return { ok: false, error: why, log: logFile };
    }

    const built = path.join(targetDir, 'release', cdylibName());
    const output = path.join(root, `rsnet.${target}.node`);
    // Copy then rename, so a loader never sees a half-written addon.
    const partial = `${output}.partial`;
    fs.copyFileSync(built, partial);
    fs.renameSync(partial, output);

    // Load it in a fresh process: a build that links but does not load is a failure
    // to report now, not at the user's first require.
    const check = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(root, 'index.js'))})`], {
      encoding: 'utf8',
      timeout: 60000,
    });
    if (check.status !== 0) {
      fs.writeSync(logFd, `\nThe built addon does not load:\n${check.stderr}`);
      fs.rmSync(output, { force: true });
      return { ok: false, error: 'the built addon does not load', log: logFile };
    }
    fs.closeSync(logFd);
    fs.rmSync(logFile, { force: true });
    return { ok: true, output };
  } finally {
    try { fs.closeSync(logFd); } catch { /* already closed on success */ }
    if (ownTargetDir) fs.rmSync(targetDir, { recursive: true, force: true });
  }
}

module.exports = { buildFromSource };
