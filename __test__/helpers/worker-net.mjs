// Worker thread body for e2e-worker. workerData: { netModule, mode, ... }.
import { parentPort, workerData, threadId } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { chunks } from './data.mjs';

const require = createRequire(import.meta.url);
const net = require(workerData.netModule);
const post = (m) => parentPort.postMessage({ threadId, ...m });

// Echo server + one client through it; all closed at the end, so the worker
// then exits on its own.
async function echo({ seed, total }) {
  const server = net.createServer((s) => s.pipe(s));
  await new Promise((res) => server.listen(0, '127.0.0.1', res));
  const c = net.connect(server.address().port, '127.0.0.1');
  const sent = createHash('sha256');
  const got = createHash('sha256');
  let received = 0;
  c.on('data', (d) => {
    got.update(d);
    received += d.length;
  });
  await new Promise((res) => c.on('connect', res));
  for (const chunk of chunks(seed, total, 32 * 1024)) {
    sent.update(chunk);
    if (!c.write(chunk)) await new Promise((res) => c.once('drain', res));
  }
  c.end();
  await new Promise((res) => c.on('close', res));
  await new Promise((res) => server.close(res));
  post({ event: 'result', received, ok: sent.digest('hex') === got.digest('hex') });
}

// Open servers and sockets with traffic that never stops; report 'busy'
// once bytes are flowing everywhere, then wait to be killed.
async function busy({ mainPort, exitWith }) {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise((res) => server.listen(0, '127.0.0.1', res));
  const idle = net.createServer(() => {});
  idle.listen(0, '127.0.0.1');
  const flowing = new Set();
  const pump = (sock, name) => {
    sock.on('error', () => {});
    const block = Buffer.alloc(64 * 1024, 0x61);
    const go = () => {
      while (sock.write(block));
      sock.once('drain', go);
    };
    sock.on('connect', go);
    sock.on('data', () => {
      if (!flowing.has(name)) {
        flowing.add(name);
        if (flowing.size === 3) {
          post({ event: 'busy' });
          if (exitWith !== undefined) setImmediate(() => process.exit(exitWith));
        }
      }
    });
  };
  pump(net.connect(server.address().port, '127.0.0.1'), 'local-1');
  pump(net.connect(server.address().port, '127.0.0.1'), 'local-2');
  // the main thread's echo server
  pump(net.connect(mainPort, '127.0.0.1'), 'main');
  // one connection left in the middle of connecting/unused
  net.connect(idle.address() ? idle.address().port : server.address().port, '127.0.0.1').on('error', () => {});
}

// Start listening and connecting, and say so at once (terminated while
// those operations are still in flight).
function inflight({ mainPort }) {
  const server = net.createServer(() => {});
  server.listen(0, '127.0.0.1');
  for (let i = 0; i < 8; i++) {
    const c = net.connect(mainPort, '127.0.0.1');
    c.on('error', () => {});
    c.write('x'.repeat(100000));
  }
  post({ event: 'started' });
}

const { mode } = workerData;
if (mode === 'echo') await echo(workerData);
else if (mode === 'busy') await busy(workerData);
else if (mode === 'inflight') inflight(workerData);
else throw new Error(`unknown mode ${mode}`);
