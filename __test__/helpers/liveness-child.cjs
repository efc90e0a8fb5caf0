'use strict';
// Child process for e2e-liveness: `node liveness-child.cjs <mode> [port]`.
// The net implementation comes from RSNET_NET_MODULE ('node:net' or a path).
// It reports on stdout as JSON lines; whether it exits on its own is the test.
const net = require(process.env.RSNET_NET_MODULE || 'node:net');

const mode = process.argv[2];
const parentPort = Number(process.argv[3]);
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

function echoServer(opts = {}) {
  return net.createServer(opts, (s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
}

switch (mode) {
  // (a) a server that closes after its first connection
  case 'close-after-one': {
    const server = net.createServer((s) => {
      server.close(() => say({ event: 'server-closed' }));
      s.on('data', (d) => s.end(d));
    });
    server.listen(0, '127.0.0.1', () => say({ event: 'listening', port: server.address().port }));
    break;
  }

  // (b) a connection to the parent and an internal server+connection, all
  // unref()'d while still open
  case 'unref': {
    const server = echoServer();
    server.listen(0, '127.0.0.1', () => {
      server.unref();
      const inner = net.connect(server.address().port, '127.0.0.1', () => {
        inner.write('ping');
      });
      server.on('connection', (s) => s.unref());
      inner.once('data', () => {
        inner.unref();
        const c = net.connect(parentPort, '127.0.0.1', () => {
          c.write('hello from child');
          c.unref();
          say({ event: 'unrefd' });
        });
        c.on('error', () => {});
      });
    });
    break;
  }

  // (b3) as (b), with ref() and unref() each called more than once: a handle counts
  // once however often it is ref'd, and unref'ing it twice takes away only its own
  case 'unref-repeated': {
    const server = echoServer();
    server.listen(0, '127.0.0.1', () => {
      server.ref();
      server.ref();
      server.unref();
      server.unref();
      const inner = net.connect(server.address().port, '127.0.0.1', () => {
        inner.ref();
        inner.write('ping');
      });
      server.on('connection', (s) => {
        s.ref();
        s.ref();
        s.unref();
        s.unref();
      });
      inner.once('data', () => {
        inner.unref();
        inner.unref();
        const c = net.connect(parentPort, '127.0.0.1', () => {
          c.write('hello from child');
          c.ref();
          c.unref();
          c.unref();
          say({ event: 'unrefd' });
        });
        c.on('error', () => {});
      });
    });
    break;
  }

  // (b2) unref() called before connect completes
  case 'unref-early': {
    const c = net.connect(parentPort, '127.0.0.1');
    c.unref();
    c.on('error', () => {});
    c.on('connect', () => say({ event: 'connected' }));
    const server = echoServer().listen(0, '127.0.0.1');
    server.unref();
    say({ event: 'unrefd' });
    break;
  }

  // (c) traffic, then everything destroyed/closed
  case 'destroy-all': {
    const server = echoServer();
    server.listen(0, '127.0.0.1', () => {
      const accepted = [];
      server.on('connection', (s) => accepted.push(s));
      const c = net.connect(server.address().port, '127.0.0.1', () => c.write('x'.repeat(100000)));
      let got = 0;
      c.on('data', (d) => {
        got += d.length;
        if (got >= 50000 && !c.destroyed) {
          c.destroy();
          for (const s of accepted) s.destroy();
          server.close();
          say({ event: 'destroyed', got: got > 0 });
        }
      });
    });
    break;
  }

  // (c2) a refused connection with an error handler
  case 'refused': {
    const c = net.connect(parentPort, '127.0.0.1');
    c.on('error', (e) => say({ event: 'error', code: e.code }));
    c.on('close', () => say({ event: 'close' }));
    break;
  }

  // (c3) a server closed before it finished listening
  case 'close-while-listening': {
    const server = echoServer();
    server.listen(0, '127.0.0.1');
    server.close(() => say({ event: 'closed' }));
    break;
  }

  // (c4) a socket with a timeout that is destroyed by its 'timeout' handler
  case 'timeout-destroy': {
    const c = net.connect(parentPort, '127.0.0.1');
    c.setTimeout(50, () => {
      say({ event: 'timeout' });
      c.destroy();
    });
    break;
  }

  // (d) a ref'd listening server: must stay alive
  case 'stay-alive': {
    const server = echoServer();
    server.listen(0, '127.0.0.1', () => say({ event: 'listening', port: server.address().port }));
    break;
  }

  // (d2) unref() then ref() again: must stay alive
  case 'ref-after-unref': {
    const server = echoServer();
    server.listen(0, '127.0.0.1', () => say({ event: 'listening', port: server.address().port }));
    server.unref();
    server.ref();
    break;
  }

  // (d2) unref() twice, then ref() once: must stay alive
  case 'ref-after-unref-twice': {
    const server = echoServer();
    server.listen(0, '127.0.0.1', () => say({ event: 'listening', port: server.address().port }));
    server.unref();
    server.unref();
    server.ref();
    break;
  }

  // (d3) an open client socket keeps the process alive until it closes
  case 'client-alive': {
    const c = net.connect(parentPort, '127.0.0.1');
    c.on('connect', () => say({ event: 'connected' }));
    c.on('data', (d) => c.write(d));
    c.on('end', () => say({ event: 'end' }));
    c.on('error', () => {});
    break;
  }

  // (e) an 'error' with no listener is an uncaught exception
  case 'unhandled-error': {
    net.connect(parentPort, '127.0.0.1');
    break;
  }

  default:
    throw new Error(`unknown mode ${mode}`);
}
