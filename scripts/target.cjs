// Which napi-rs target this Node process is, named exactly as the generated loader
// (index.js) names it: for target T the loader tries the local file `./rsnet.T.node`
// (where a build from source lands) and then the package `rsnet-T`. The install
// script and the no-binding error need the same name, so it is worked out once, here.
// Shipped in the package (see `files`): dist/native.js requires it when the binding
// fails to load.
'use strict';
const fs = require('fs');

// The loader's own test, in its order: an ldd that is musl's, else the process
// report (a glibc version means glibc; a loaded musl library means musl). Keep it the
// loader's, or the name here and the file the loader tries would differ.
function isMusl() {
  try {
    return fs.readFileSync('/usr/bin/ldd', 'utf8').includes('musl');
  } catch {
    const report = getReport();
    if (!report || (report.header && report.header.glibcVersionRuntime)) return false;
    return (report.sharedObjects || []).some((f) => f.includes('libc.musl-') || f.includes('ld-musl-'));
  }
}

function getReport() {
  try {
    // Without network details a report takes milliseconds, not a DNS timeout.
    process.report.excludeNetwork = true;
    return process.report.getReport();
  } catch {
    return null;
  }
}

function glibcVersion() {
  const report = getReport();
  return (report && report.header && report.header.glibcVersionRuntime) || null;
}

/** The C library, as a person reads it: 'glibc 2.36', 'musl', or null off Linux. */
function libcOf() {
  if (process.platform !== 'linux') return null;
  if (isMusl()) return 'musl';
  const v = glibcVersion();
  return v ? `glibc ${v}` : 'glibc';
}

/** napi's `platformArchABI` for this process ('linux-x64-gnu', 'darwin-arm64', ...), or null. */
function napiTarget() {
  const { platform, arch } = process;
  if (platform === 'linux') {
    const musl = isMusl();
    if (arch === 'arm') return musl ? 'linux-arm-musleabihf' : 'linux-arm-gnueabihf';
    if (arch === 'ppc64' || arch === 's390x') return `linux-${arch}-gnu`;
    if (['x64', 'arm64', 'riscv64', 'loong64'].includes(arch)) return `linux-${arch}-${musl ? 'musl' : 'gnu'}`;
    return null;
  }
  if (platform === 'win32') {
    if (arch === 'x64') {
      // A Node built as a shared library with MinGW: the loader then wants the gnu build.
      const v = (process.config && process.config.variables) || {};
      return v.shlib_suffix === 'dll.a' || v.node_target_type === 'shared_library' ? 'win32-x64-gnu' : 'win32-x64-msvc';
    }
    return arch === 'ia32' || arch === 'arm64' ? `win32-${arch}-msvc` : null;
  }
  if (platform === 'darwin') return arch === 'x64' || arch === 'arm64' ? `darwin-${arch}` : null;
  if (platform === 'freebsd') return ['x64', 'arm64', 'ppc64'].includes(arch) ? `freebsd-${arch}` : null;
  if (platform === 'android') return arch === 'arm64' ? 'android-arm64' : arch === 'arm' ? 'android-arm-eabi' : null;
  return null;
}

/** What cargo calls the cdylib of crates/node (`rsnet_node`) on this OS. */
function cdylibName() {
  if (process.platform === 'win32') return 'rsnet_node.dll';
  if (process.platform === 'darwin') return 'librsnet_node.dylib';
  return 'librsnet_node.so';
}

module.exports = { napiTarget, libcOf, cdylibName };
