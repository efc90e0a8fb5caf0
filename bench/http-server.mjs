// The HTTP server that bench/run.mjs measures under wrk: node:http's parser and
// response machinery, served over the sockets of the `net` module under test.
//
//   node bench/http-server.mjs <impl>
//
// The http.Server is never listened on: a server of <impl>'s `net` accepts the
// connections and hands each socket to it with `emit('connection', socket)`, the
// documented way to give node:http a socket it did not accept itself. For `node` that
// is plain node:http with an extra hop; for rsnet it is node:http on rsnet sockets,
// which is how an application would adopt rsnet under an HTTP framework.
//
// Every response is the same small 200 with a Content-Length (keep-alive stays on).
// Listens on 127.0.0.1, port 0, prints {"port": P, "pid": PID, "impl": IMPL}, exits
// when its stdin closes.

import http from 'node:http';
import { exitWhenStdinCloses, listenAndAnnounce, loadNet, IMPL_NAMES } from './server-common.mjs';

const [impl] = process.argv.slice(2);
const net = await loadNet(impl, `http-server.mjs <${IMPL_NAMES.join('|')}>`);

const BODY = Buffer.from('hello, world\n');
const httpServer = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
  res.end(BODY);
});

const server = net.createServer((socket) => {
  // What http.Server's own listener would do (its noDelay option defaults to true).
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  httpServer.emit('connection', socket);
});
listenAndAnnounce(server, { impl, name: 'http-server' });
exitWhenStdinCloses();
