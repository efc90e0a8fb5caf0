// The echo server that bench/run.mjs measures in the echo, ping-pong, pipelining,
// churn, idle-connection and Unix-socket scenarios.
//
//   node bench/echo-server.mjs <impl> <data|pipe> [tcp|unix]
//
// <impl> picks the `net` module under test (see server-common.mjs). The server listens
// on 127.0.0.1, port 0 (or, with `unix`, on a path in the temporary directory) and
// prints one JSON line, {"port": P, "pid": PID, "impl": IMPL} (or {"path": …}), once it
// accepts connections. It exits when its stdin closes.
//
// The modes are the two ways an application writes an echo:
//
// - data: 'data' handler that write()s the chunk back, pause() when write() returns
//         false, resume() on 'drain', end() on 'end': back-pressure by hand, every chunk
//         through JavaScript. This is how applications are written (they look at the
//         bytes), so the headline scenarios use it.
// - pipe: socket.pipe(socket): the stream machinery's back-pressure. rsnet takes a
//         plain pipe() between two of its sockets over inside its reactor, and the bytes
//         never reach JavaScript, so these rows measure rsnet's native pipe against
//         node:net's stream pipe, and are labelled so.

import { exitWhenStdinCloses, listenAndAnnounce, loadNet, IMPL_NAMES } from './server-common.mjs';

const USAGE = `echo-server.mjs <${IMPL_NAMES.join('|')}> <data|pipe> [tcp|unix]`;
const [impl, mode, transport = 'tcp'] = process.argv.slice(2);
const net = await loadNet(impl, USAGE);
if (!['data', 'pipe'].includes(mode)) {
  process.stderr.write(`usage: ${USAGE}\n`);
  process.exit(2);
}

/** Echoes with a 'data' handler and back-pressure by hand, as application code does. */
function echoByHand(socket) {
  socket.on('data', (chunk) => {
    if (!socket.write(chunk)) socket.pause();
  });
  socket.on('drain', () => socket.resume());
  // Match node:net: without allowHalfOpen (the default, kept here for both
  // implementations) the socket ends itself after 'end' once its writes are flushed, so
  // this end() only repeats that (a second end() without a callback does nothing). It
  // is here because users write it, and it keeps the echo correct should allowHalfOpen
  // ever be turned on. The churn load half-closes and waits for this end.
  socket.on('end', () => socket.end());
}

const server = net.createServer((socket) => {
  // The load generator may abort connections when a run is cut short (and does, when
  // it lets go of the idle connections); a reset is not a reason to crash the server.
  socket.on('error', () => socket.destroy());
  if (mode === 'data') echoByHand(socket);
  else socket.pipe(socket);
});
listenAndAnnounce(server, { impl, transport, name: `echo-server ${mode}` });
exitWhenStdinCloses();
