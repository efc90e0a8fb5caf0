// The echo server that bench/run.mjs measures in the echo, ping-pong, pipelining,
// churn, idle-connection and Unix-socket scenarios.
//
//   node bench/echo-server.mjs <impl> [tcp|unix]
//
// <impl> picks the `net` module under test (see server-common.mjs). The server listens
// on 127.0.0.1, port 0 (or, with `unix`, on a path in the temporary directory) and
// prints one JSON line, {"port": P, "pid": PID, "impl": IMPL} (or {"path": …}), once it
// accepts connections. It exits when its stdin closes.
//
// Each connection is echoed with `socket.pipe(socket)`: back-pressure is the stream
// machinery's, exactly as an application would get it, and rsnet may take it over
// natively: that is the point of measuring it.

import { exitWhenStdinCloses, listenAndAnnounce, loadNet, IMPL_NAMES } from './server-common.mjs';

const [impl, transport = 'tcp'] = process.argv.slice(2);
const net = await loadNet(impl, `echo-server.mjs <${IMPL_NAMES.join('|')}> [tcp|unix]`);

const server = net.createServer((socket) => {
  // The load generator may abort connections when a run is cut short (and does, when
  // it lets go of the idle connections); a reset is not a reason to crash the server.
  socket.on('error', () => socket.destroy());
  socket.pipe(socket);
});
listenAndAnnounce(server, { impl, transport, name: 'echo-server' });
exitWhenStdinCloses();
