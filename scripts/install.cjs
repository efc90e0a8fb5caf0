// rsnet's `install` script: the fallback for a platform whose prebuilt package did not
// install. When the binding loads (the usual case: npm installed rsnet-<target>), it
// does nothing. When it does not and cargo is on PATH, it builds the addon from the
// sources shipped in the package. When neither works it only warns and succeeds:
// require('rsnet') then throws ERR_RSNET_NO_BINDING, which says what to do, and the
// rest of the user's install is not held up by a package they may not even load.
//
// `npm install rsnet --build-from-source` (or RSNET_BUILD_FROM_SOURCE=1) builds even
// when a prebuilt binding loads, and then a failed build fails the install.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');

function main() {
  // In the source checkout `npm ci` runs this before `prepare`, which builds the addon
  // itself; there is nothing to fall back from.
  if (fs.existsSync(path.join(root, 'src', 'native.ts'))) return 0;

  const forced = process.env.npm_config_build_from_source === 'true' || process.env.RSNET_BUILD_FROM_SOURCE === '1';
  const failure = forced ? null : loadFailure();
  if (!forced && !failure) return 0;

  if (!hasCargo()) {
    log('cargo is not on PATH, so rsnet cannot build itself from source.'
      + (failure ? ` require('rsnet') will throw:\n${failure.message}` : ''));
    return forced ? 1 : 0;
  }

  log('building the native addon from source with cargo (a release build: a minute or more)...');
  const { buildFromSource } = require('./build-from-source.cjs');
  const result = buildFromSource();
  if (result.ok) {
    log(`built ${result.output}`);
    return 0;
  }
  log(`the build from source failed: ${result.error}. Its log: ${result.log}`);
  return forced ? 1 : 0;
}

/** The error require('rsnet') would throw for want of a binding, or null when it loads. */
function loadFailure() {
  try {
    // dist/native.js, not index.js: its ERR_RSNET_NO_BINDING says what was tried and why.
    require(path.join(root, 'dist', 'native.js'));
    return null;
  } catch (err) {
    return err;
  }
}

function hasCargo() {
  const r = spawnSync('cargo', ['--version'], { stdio: 'ignore', timeout: 30000 });
  return r.status === 0;
}

function log(message) {
  // npm shows a dependency's install output only when the script fails (or with
  // --foreground-scripts); the require-time error is what a user reliably sees.
  console.error(`rsnet: ${message}`);
}

process.exitCode = main();
