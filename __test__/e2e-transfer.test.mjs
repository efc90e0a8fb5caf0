// Bulk transfer: many concurrent connections, both directions at once,
// content checked by SHA-256 at both ends, pause()/resume() midway through
// every stream. Runs on node:net (to prove the test) and on rsnet, plus
// mixed pairs (rsnet client with node:net server and the reverse).
import test from 'ava';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { E2E_IMPLS, loadImpl } from './helpers/impl.mjs';
import { chunks } from './helpers/data.mjs';

const MiB = 1024 * 1024;

// One direction of one connection: the sender writes `total` bytes of
// seed-determined content with back-pressure; the receiver hashes, and
// pauses once half-way, resuming only when the sender has been held up
// by that pause (write() returned false) or has nothing left to write.
class Direction extends EventEmitter {
  constructor(seed, total, chunkSize) {
    super();
    this.seed = seed;
    this.total = total;
    this.chunkSize = chunkSize;
    this.sentHash = createHash('sha256');
    this.recvHash = createHash('sha256');
    this.sent = 0;
    this.received = 0;
    this.blocked = false;
    this.senderDone = false;
    this.paused = 0;
  }

  send(sock) {
    const gen = chunks(this.seed, this.total, this.chunkSize);
    const pump = () => {
      this.blocked = false;
      for (;;) {
        const { value, done } = gen.next();
        if (done) {
          this.senderDone = true;
          this.emit('sender');
          sock.end();
          return;
        }
        this.sentHash.update(value);
        this.sent += value.length;
        if (!sock.write(value)) {
          this.blocked = true;
          this.emit('sender');
          sock.once('drain', pump);
          return;
        }
      }
    };
    pump();
  }

  receive(sock) {
    let pausedOnce = false;
    sock.on('data', (d) => {
      this.recvHash.update(d);
      this.received += d.length;
      if (!pausedOnce && this.received >= this.total / 2) {
        pausedOnce = true;
        this.paused++;
        sock.pause();
        const tryResume = () => {
          if (this.blocked || this.senderDone) {
            this.removeListener('sender', tryResume);
            setImmediate(() => sock.resume());
          }
        };
        this.on('sender', tryResume);
        tryResume();
      }
    });
  }

  result() {
    return {
      sent: this.sent,
      received: this.received,
      sentSha: this.sentHash.digest('hex'),
      recvSha: this.recvHash.digest('hex'),
      paused: this.paused,
    };
  }
}

async function transfer(t, { serverNet, clientNet, conns, perDirection, guardMs }) {
  const pairs = new Map(); // client local port -> { up, down, ... }
  const get = (port) => {
    if (!pairs.has(port)) {
      const i = pairs.size;
      pairs.set(port, {
        up: new Direction(`up-${i}`, perDirection, 16 * 1024 + i * 3001),
        down: new Direction(`down-${i}`, perDirection, 16 * 1024 + i * 2999),
        closed: 0,
        errors: [],
      });
    }
    return pairs.get(port);
  };
  const sockets = new Set();
  // half-open: one direction finishing must not cut the other short
  const server = serverNet.createServer({ allowHalfOpen: true }, (sock) => {
    sockets.add(sock);
    const p = get(sock.remotePort);
    sock.on('error', (e) => p.errors.push(`server: ${e.code || e.message}`));
    p.up.receive(sock);
    p.down.send(sock);
  });
  await new Promise((res, rej) => {
    server.once('error', rej);
    server.listen(0, '127.0.0.1', res);
  });
  const port = server.address().port;
  let done = 0;
  let timer;
  try {
    await Promise.race([
      new Promise((resolve, reject) => {
        const oneClosed = () => {
          done++;
          if (done === 2 * conns) resolve();
        };
        server.on('connection', (sock) => sock.on('close', oneClosed));
        for (let i = 0; i < conns; i++) {
          const c = clientNet.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
          sockets.add(c);
          c.on('close', oneClosed);
          c.on('error', (e) => reject(new Error(`client ${i}: ${e.code || e.message}`)));
          c.on('connect', () => {
            const p = get(c.localPort);
            c.on('error', (e) => p.errors.push(`client: ${e.code || e.message}`));
            p.down.receive(c);
            p.up.send(c);
          });
        }
      }),
      new Promise((resolve, reject) => {
        timer = setTimeout(() => {
          const progress = [...pairs.values()].map((p) => `${p.up.received}/${p.down.received}`).join(' ');
          reject(new Error(`transfer did not finish within ${guardMs} ms; received up/down per connection: ${progress}`));
        }, guardMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    for (const s of sockets) s.destroy();
    await new Promise((res) => server.close(res));
  }
  t.is(pairs.size, conns);
  let total = 0;
  for (const [, p] of pairs) {
    t.deepEqual(p.errors, []);
    for (const d of [p.up, p.down]) {
      const r = d.result();
      total += r.received;
      t.is(r.sent, perDirection);
      t.is(r.received, perDirection);
      t.is(r.recvSha, r.sentSha, `content of ${d.seed} differs`);
      t.is(r.paused, 1);
    }
  }
  return total;
}

for (const which of E2E_IMPLS) {
  test.serial(`${which}: 32 connections, 4 MiB each way at once (256 MiB), SHA-256 checked, pause/resume midway`, async (t) => {
    t.timeout(180000);
    const net = loadImpl(which);
    const total = await transfer(t, {
      serverNet: net, clientNet: net, conns: 32, perDirection: 4 * MiB, guardMs: 150000,
    });
    t.true(total >= 256 * MiB);
  });
}

if (E2E_IMPLS.includes('rsnet')) {
  const node = loadImpl('node');
  test.serial('mixed: rsnet client, node:net server, 8 connections x 8 MiB each way', async (t) => {
    t.timeout(120000);
    const rsnet = loadImpl('rsnet');
    await transfer(t, { serverNet: node, clientNet: rsnet, conns: 8, perDirection: 8 * MiB, guardMs: 100000 });
  });
  test.serial('mixed: node:net client, rsnet server, 8 connections x 8 MiB each way', async (t) => {
    t.timeout(120000);
    const rsnet = loadImpl('rsnet');
    await transfer(t, { serverNet: rsnet, clientNet: node, conns: 8, perDirection: 8 * MiB, guardMs: 100000 });
  });
}
