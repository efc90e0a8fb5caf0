// What every benchmark server script shares: loading the `net` module under test,
// announcing where it listens, and exiting when its stdin closes.
//
// The servers are run by bench/run.mjs under Node, Bun or Deno, so this uses nothing
// beyond what all three provide. `node` means the runtime's own `node:net` (so one
// script serves every runtime); `rsnet` is this repository's build, ../dist/net.js.

import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const modules = {
  node: () => import('node:net'),
  rsnet: async () => createRequire(import.meta.url)('../dist/net.js'),
};

export const IMPL_NAMES = Object.keys(modules);

/** The `net` module named `impl`, or exits with usage `usage` if there is none. */
export async function loadNet(impl, usage) {
  if (!Object.hasOwn(modules, impl)) {
    process.stderr.write(`usage: ${usage}\n`);
    process.exit(2);
  }
  return modules[impl]();
}

/**
 * Listens on 127.0.0.1 (port 0) or, for `transport === 'unix'`, on a fresh path in the
 * temporary directory, then prints one JSON line: `{"port": P}` or `{"path": PATH}`,
 * plus `pid` and `impl`. The runner starts measuring only after that line.
 */
export function listenAndAnnounce(server, { impl, transport = 'tcp', name }) {
  server.on('error', (err) => {
    process.stderr.write(`${name} (${impl}): ${err.stack ?? err}\n`);
    process.exit(1);
  });
  const announce = (where) => process.stdout.write(JSON.stringify({ ...where, pid: process.pid, impl }) + '\n');
  if (transport === 'unix') {
    const socketPath = path.join(os.tmpdir(), `rsnet-bench-${process.pid}.sock`);
    // A stale path from a crashed run with the same pid would make listen fail.
    fs.rmSync(socketPath, { force: true });
    process.on('exit', () => fs.rmSync(socketPath, { force: true }));
    server.listen(socketPath, () => announce({ path: socketPath }));
  } else if (transport === 'tcp') {
    server.listen({ host: '127.0.0.1', port: 0 }, () => announce({ port: server.address().port }));
  } else {
    process.stderr.write(`${name}: unknown transport ${JSON.stringify(transport)} (tcp or unix)\n`);
    process.exit(2);
  }
}

/** Exits when stdin closes, so a runner that dies never leaves a server behind. */
export function exitWhenStdinCloses() {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}
