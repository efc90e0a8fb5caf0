'use strict';
// Child process for diff-liveness: `node activity-child.cjs <scenario>`.
//
// One socket or server under test, made with the implementation in RSNET_NET_MODULE,
// in a given state; its peer is node:net's, in this same process, and keeps nothing
// alive (unref'd, and it never has a write pending). Then an unref'd timer: if it
// fires, something kept the process alive for LOOK_MS after the state was reached, and
// the child says `alive` and exits; if the process exits before, nothing did. The
// parent compares that outcome on node:net and on rsnet: Match node:net (libuv), a
// handle keeps the loop alive while it is ref'd and active (listening, connecting,
// reading, or with a write or shutdown in flight), and a request or a closing handle
// does whether ref'd or not.
const net = require(process.env.RSNET_NET_MODULE || 'node:net');
const peerNet = require('node:net');

const LOOK_MS = 400;
const scenario = process.argv[2];
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

/** Reports the state reached, then whether the process outlives LOOK_MS. */
function settled(what) {
  say({ event: 'settled', what });
  setTimeout(() => {
    say({ event: 'alive' });
    process.exit(0);
  }, LOOK_MS).unref();
}

/** A node:net server that keeps nothing alive; `onPeer` gets each accepted socket. */
function peerServer(onPeer, opts = {}) {
  return new Promise((resolve) => {
    const server = peerNet.createServer(opts, (s) => {
      s.unref();
      s.on('error', () => {});
      onPeer(s);
    });
    server.listen(0, '127.0.0.1', () => {
      server.unref();
      resolve(server.address().port);
    });
  });
}

/** A client of the implementation under test, connected to a fresh peer. */
async function client(onPeer, opts = {}, peerOpts = {}) {
  const port = await peerServer(onPeer, peerOpts);
  const c = net.connect({ port, host: '127.0.0.1', ...opts });
  c.on('error', (e) => say({ event: 'error', code: e.code }));
  return c;
}

/**
 * An unref'd `server` with one connection from a node:net client, which stays ref'd
 * until the server has it: a connection waiting in an unref'd server's backlog keeps
 * no process alive (on node:net either), and rsnet accepts on its reactor thread.
 */
function acceptedBy(server) {
  server.listen(0, '127.0.0.1', () => {
    server.unref();
    const c = peerNet.connect(server.address().port, '127.0.0.1');
    c.on('error', () => {});
    server.on('connection', () => {
      c.unref();
      settled('accepted');
    });
  });
}

const scenarios = {
  // Reading: connected and flowing, the peer silent.
  async 'flowing'() {
    const c = await client(() => {});
    c.on('data', () => {});
    c.on('connect', () => settled('connected'));
  },
  // Connected without a 'data' listener: node:net starts reading anyway (read(0)).
  async 'connected-not-consumed'() {
    const c = await client(() => {});
    c.on('connect', () => settled('connected'));
  },
  // Paused before it connected: node:net does not start reading.
  async 'paused-before-connect'() {
    const c = await client(() => {});
    c.pause();
    c.on('connect', () => settled('connected'));
  },
  // Paused after data came: pause() alone does not stop reading.
  async 'paused-after-data'() {
    const c = await client((s) => s.write('x'));
    c.once('data', () => {
      c.pause();
      settled('paused');
    });
  },
  // Paused with more than its buffer holds arriving: the read stops at the high-water mark.
  async 'paused-buffer-full'() {
    const c = await client((s) => s.write(Buffer.alloc(256 * 1024)));
    c.pause();
    c.on('connect', () => settled('connected'));
  },
  // Unref'd while reading.
  async 'unref-reading'() {
    const c = await client(() => {});
    c.on('data', () => {});
    c.on('connect', () => {
      c.unref();
      settled('unref');
    });
  },
  // Unref'd, then ref'd again.
  async 'ref-after-unref'() {
    const c = await client(() => {});
    c.on('data', () => {});
    c.on('connect', () => {
      c.unref();
      c.ref();
      settled('ref');
    });
  },
  // The peer ended and allowHalfOpen keeps this side open: reading is over.
  async 'half-open-after-eof'() {
    const c = await client((s) => s.end(), { allowHalfOpen: true });
    c.on('data', () => {});
    c.on('end', () => settled('end'));
  },
  // This side ended, the peer stays open (and silent): still reading, waiting for its end.
  async 'ended-peer-open'() {
    const c = await client(() => {}, {}, { allowHalfOpen: true });
    c.on('data', () => {});
    c.on('connect', () => c.end(() => settled('finish')));
  },
  // A write the peer does not read, on an unref'd socket: the write request keeps it.
  async 'write-pending-unref'() {
    const c = await client((s) => s.pause());
    c.on('connect', () => {
      c.unref();
      c.on('data', () => {});
      const more = c.write(Buffer.alloc(16 * 1024 * 1024));
      settled(more ? 'written' : 'queued');
    });
  },
  // A socket timeout armed on a socket that is not reading: node:net's timer is unref'd.
  async 'timeout-armed-not-reading'() {
    const c = await client(() => {});
    c.pause();
    c.setTimeout(60_000);
    c.on('connect', () => settled('connected'));
  },
  // The smallest case: the server closes and ends its connection; the client
  // writes once after its 'end'.
  async 'server-close-and-end'() {
    const server = net.createServer((s) => {
      server.close();
      s.end();
    });
    server.listen(0, '127.0.0.1', () => {
      const c = peerNet.connect(server.address().port, '127.0.0.1');
      c.unref();
      c.on('error', () => {});
      c.on('end', () => {
        c.write('x');
        settled('client-end');
      });
    });
  },
  // A listening server, ref'd and unref'd.
  async 'listening'() {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => settled('listening'));
  },
  async 'listening-unref'() {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      server.unref();
      settled('listening');
    });
  },
  // An accepted socket, reading, of an unref'd server.
  async 'accepted-reading'() {
    acceptedBy(net.createServer((s) => s.on('data', () => {})));
  },
  // An accepted socket paused at once (pauseOnConnect): not reading.
  async 'accepted-paused-on-connect'() {
    acceptedBy(net.createServer({ pauseOnConnect: true }));
  },
};

const run = scenarios[scenario];
if (!run) {
  process.stderr.write(`unknown scenario ${scenario}\n`);
  process.exit(2);
}
run();
