// The echo server that bench/run.mjs measures.
//
//   node bench/echo-server.mjs <impl>
//
// <impl> picks the `net` module under test: `node` is the runtime's own `node:net` (so
// the same script serves Node, Bun and Deno), `rsnet` is this repository's build
// (../dist/net.js). The server listens on 127.0.0.1, port 0, and prints one JSON line,
// {"port": P, "pid": PID, "impl": IMPL}, once it accepts connections. It exits when its
// stdin closes, so a runner that dies never leaves it behind.
//
// Each connection is echoed with `socket.pipe(socket)`: back-pressure is the stream
// machinery's, exactly as an application would get it, and rsnet may take it over
// natively: that is the point of measuring it.

import { createRequire } from 'node:module';

const impl = process.argv[2];
const modules = {
  node: () => import('node:net'),
  rsnet: async () => createRequire(import.meta.url)('../dist/net.js'),
};
if (!Object.hasOwn(modules, impl)) {
  process.stderr.write(`usage: echo-server.mjs <${Object.keys(modules).join('|')}>\n`);
  process.exit(2);
}
const net = await modules[impl]();

const server = net.createServer((socket) => {
  // The load generator may abort connections when a run is cut short; a reset is not a
  // reason to crash the server.
  socket.on('error', () => socket.destroy());
  socket.pipe(socket);
});
server.on('error', (err) => {
  process.stderr.write(`echo-server (${impl}): ${err.stack ?? err}\n`);
  process.exit(1);
});
server.listen({ host: '127.0.0.1', port: 0 }, () => {
  const { port } = server.address();
  process.stdout.write(JSON.stringify({ port, pid: process.pid, impl }) + '\n');
});

process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
