// One echo round trip through a `net` module: a server that pipes each socket back to
// itself and a client on 127.0.0.1 (port 0), 1 MiB each way, every byte compared.
// Shared by the smoke programs beside it, which are copied into a temp project and
// run there (see scripts/lib/temp-project.mjs).
'use strict';
const crypto = require('crypto');

async function roundTrip(net) {
  const payload = crypto.randomBytes(1 << 20);
  const server = net.createServer((s) => s.pipe(s));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  try {
    const { port } = server.address();
    const echoed = await new Promise((resolve, reject) => {
      const c = net.connect(port, '127.0.0.1', () => c.end(payload));
      const parts = [];
      c.on('data', (d) => parts.push(d));
      c.on('error', reject);
      c.on('close', () => resolve(Buffer.concat(parts)));
    });
    if (!echoed.equals(payload)) throw new Error(`echo mismatch: sent ${payload.length} bytes, got ${echoed.length}`);
    return echoed.length;
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/** The native addons this process has loaded through require (rsnet's binding). */
function loadedAddons() {
  return Object.keys(require.cache).filter((f) => f.endsWith('.node'));
}

/** Fails the process if it has not finished in time: a hang must not hang CI. */
function guard(ms) {
  setTimeout(() => {
    console.error(`smoke: no result after ${ms} ms`);
    process.exit(2);
  }, ms).unref();
}

module.exports = { roundTrip, loadedAddons, guard };
