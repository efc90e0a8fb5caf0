// The tarballs a release publishes, made from this checkout: rsnet itself, and one
// package per napi target from npm/<target>/. Only the host's platform package gets a
// binary (the repo's own build, rsnet.<target>.node); the others are packed without
// one, which is enough for npm to read their os/cpu/libc and skip them.
//
// rsnet's tarball is packed with `--ignore-scripts` (packing runs `prepare`, which
// would rebuild the addon) and gets the optionalDependencies that `napi prepublish`
// writes at release time: one `rsnet-<target>` per npm/ package, at rsnet's version.
// The checkout does not list them, because `npm ci` fails on optional dependencies
// that are not published yet.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const { napiTarget } = require('../target.cjs');

/** Runs npm with the given arguments; returns stdout. */
export function npm(args, options = {}) {
  return execFileSync(npmPath(), args, { encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

/** npm's absolute path, so it can be run under a PATH that lacks cargo. */
export function npmPath() {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const candidate = path.join(dir, process.platform === 'win32' ? 'npm.cmd' : 'npm');
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  throw new Error('npm is not on PATH');
}

/** `npm pack` of a directory into `dest`; returns the tarball's path. */
function packDir(dir, dest) {
  const out = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dest], { cwd: dir });
  return path.join(dest, JSON.parse(out)[0].filename);
}

/** The platform packages of npm/: [{ dir, name, target }]. */
export function platformPackages() {
  return fs.readdirSync(path.join(ROOT, 'npm'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const dir = path.join(ROOT, 'npm', d.name);
      const { name } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      return { dir, name, target: d.name };
    });
}

/**
 * Packs everything into `workDir`. Returns { rsnet, platforms: { [name]: tarball },
 * hostPackage } where hostPackage is the name of the package with this host's binary.
 */
export function packAll(workDir) {
  const hostTarget = napiTarget();
  const hostBinary = path.join(ROOT, `rsnet.${hostTarget}.node`);
  if (!fs.existsSync(hostBinary)) {
    throw new Error(`${hostBinary} is missing: build the addon first (npm run build:native)`);
  }
  const dest = path.join(workDir, 'tarballs');
  fs.mkdirSync(dest, { recursive: true });

  // rsnet: pack the checkout, unpack, add the optionalDependencies, pack again.
  const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
  fs.mkdirSync(path.join(workDir, 'stage'), { recursive: true });
  const first = packDir(ROOT, path.join(workDir, 'stage'));
  execFileSync('tar', ['-xzf', first, '-C', path.join(workDir, 'stage')]);
  const stagedRoot = path.join(workDir, 'stage', 'package');
  const manifestPath = path.join(stagedRoot, 'package.json');
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const platforms = platformPackages();
  manifest.optionalDependencies = Object.fromEntries(platforms.map((p) => [p.name, version]));
  fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  const rsnet = packDir(stagedRoot, dest);

  // Platform packages: copies, so the binary never lands in the checkout's npm/.
  const tarballs = {};
  let hostPackage = null;
  for (const p of platforms) {
    const copy = path.join(workDir, 'platform', p.target);
    fs.cpSync(p.dir, copy, { recursive: true });
    if (p.target === hostTarget) {
      fs.copyFileSync(hostBinary, path.join(copy, `rsnet.${hostTarget}.node`));
      hostPackage = p.name;
    }
    tarballs[p.name] = packDir(copy, dest);
  }
  if (!hostPackage) throw new Error(`npm/ has no package for this host's target ${hostTarget}`);
  return { rsnet, platforms: tarballs, hostPackage };
}
