// The TCP proxy that bench/run.mjs measures in the proxy scenarios.
//
//   node bench/proxy-server.mjs <impl> <data|pipe|native> <backendPort>
//
// For every client connection it connects to 127.0.0.1:<backendPort> (the load
// generator's native echo server, `rsnet-loadgen serve`) and moves bytes both ways
// until either side ends. Listens on 127.0.0.1, port 0, prints {"port": P, "pid": PID,
// "impl": IMPL, "mode": MODE}, exits when its stdin closes. The modes are the three
// ways an application writes a proxy:
//
// - data:   'data' handlers that write() to the other side, pause() when write()
//           returns false and resume() on the other side's 'drain': back-pressure by
//           hand, every chunk through JavaScript;
// - pipe:   a.pipe(b, { native: false }) and back: the stream machinery's
//           back-pressure, every chunk still through JavaScript. `native: false` is an
//           rsnet option that keeps rsnet off its native path; node:net ignores it;
// - native: a.pipe(b) and back, plainly: rsnet hands both directions to its reactor,
//           and the bytes never reach JavaScript. For node:net this is the same as pipe.
//
// Both sockets get setNoDelay(true), as any proxy that forwards small messages should:
// otherwise Nagle's algorithm delays a reply whenever the previous one is unacknowledged.

import { exitWhenStdinCloses, listenAndAnnounce, loadNet, IMPL_NAMES } from './server-common.mjs';

const USAGE = `proxy-server.mjs <${IMPL_NAMES.join('|')}> <data|pipe|native> <backendPort>`;
const [impl, mode, backendArg] = process.argv.slice(2);
const net = await loadNet(impl, USAGE);
const backendPort = Number(backendArg);
if (!['data', 'pipe', 'native'].includes(mode) || !Number.isInteger(backendPort) || backendPort <= 0 || backendPort > 65535) {
  process.stderr.write(`usage: ${USAGE}\n`);
  process.exit(2);
}

/** Forwards `from` to `to` with 'data' handlers and manual back-pressure. */
function shuttle(from, to) {
  from.on('data', (chunk) => {
    if (!to.write(chunk)) from.pause();
  });
  to.on('drain', () => from.resume());
  from.on('end', () => to.end());
}

const server = net.createServer((client) => {
  const backend = net.connect({ host: '127.0.0.1', port: backendPort });
  client.setNoDelay(true);
  backend.setNoDelay(true);
  // Either side failing (a reset when the load generator cuts a run short, the backend
  // going away) ends the pair; it is never a reason to crash the proxy.
  const destroyBoth = () => {
    client.destroy();
    backend.destroy();
  };
  client.on('error', destroyBoth);
  backend.on('error', destroyBoth);
  switch (mode) {
    case 'data':
      shuttle(client, backend);
      shuttle(backend, client);
      break;
    case 'pipe':
      client.pipe(backend, { native: false });
      backend.pipe(client, { native: false });
      break;
    case 'native':
      client.pipe(backend);
      backend.pipe(client);
      break;
  }
});
listenAndAnnounce(server, { impl, name: `proxy-server ${mode}` });
exitWhenStdinCloses();
