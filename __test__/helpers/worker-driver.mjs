// Main-thread driver for e2e-worker, run as a child process:
//   node worker-driver.mjs <scenario>
// with RSNET_NET_MODULE naming the implementation. It prints JSON lines and
// must exit by itself with code 0 when everything went right (which also
// proves dead workers left nothing ref'd behind).
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';

const require = createRequire(import.meta.url);
const netModule = process.env.RSNET_NET_MODULE || 'node:net';
const net = require(netModule);
const WORKER = new URL('./worker-net.mjs', import.meta.url);
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

function guard(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`timed out: ${what}`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

function startWorker(workerData) {
  const w = new Worker(WORKER, { workerData: { netModule, ...workerData } });
  const messages = [];
  const errors = [];
  w.on('message', (m) => messages.push(m));
  w.on('error', (e) => errors.push(String(e && e.stack || e)));
  const exited = new Promise((res) => w.on('exit', res));
  const message = (event) => new Promise((res) => {
    const found = messages.find((m) => m.event === event);
    if (found) return res(found);
    const on = (m) => {
      if (m.event === event) {
        w.off('message', on);
        res(m);
      }
    };
    w.on('message', on);
    return undefined;
  });
  return { w, messages, errors, exited, message };
}

// Echo server on the main thread, tracking its accepted sockets.
async function mainEchoServer() {
  const accepted = new Set();
  const server = net.createServer((s) => {
    accepted.add(s);
    s.on('error', () => {});
    s.on('close', () => accepted.delete(s));
    s.pipe(s);
  });
  await new Promise((res) => server.listen(0, '127.0.0.1', res));
  return { server, accepted, port: server.address().port };
}

// The module still works on the main thread: an echo round trip.
async function mainRoundTrip(port, size = 256 * 1024) {
  const payload = Buffer.alloc(size);
  for (let i = 0; i < size; i++) payload[i] = (i * 7) & 0xff;
  const c = net.connect(port, '127.0.0.1');
  const got = [];
  c.on('data', (d) => got.push(d));
  await new Promise((res, rej) => {
    c.on('error', rej);
    c.on('connect', res);
  });
  c.write(payload);
  let n = 0;
  await new Promise((res) => {
    c.on('data', (d) => {
      n += d.length;
      if (n >= size) res();
    });
  });
  c.end();
  await new Promise((res) => c.on('close', res));
  const h = (b) => createHash('sha256').update(b).digest('hex');
  return h(Buffer.concat(got)) === h(payload);
}

async function allClosed(accepted, what) {
  await guard(Promise.all([...accepted].map((s) => new Promise((res) => {
    if (s.destroyed && !accepted.has(s)) res();
    else s.once('close', res);
  }))), 10000, what);
}

async function killBusyWorker(port, how) {
  const exitWith = how === 'process.exit' ? 3 : undefined;
  const wk = startWorker({ mode: 'busy', mainPort: port, exitWith });
  await guard(wk.message('busy'), 15000, 'worker busy');
  if (how === 'terminate') {
    const r = wk.w.terminate();
    say({ event: 'terminate-called', returnsPromise: typeof r.then === 'function' });
  }
  const code = await guard(wk.exited, 15000, 'worker exit');
  return { code, errors: wk.errors };
}

const scenarios = {
  async 'two-workers'() {
    const workers = [
      startWorker({ mode: 'echo', seed: 'w1', total: 4 << 20 }),
      startWorker({ mode: 'echo', seed: 'w2', total: 4 << 20 }),
    ];
    const main = await mainEchoServer();
    const [mainOk, ...results] = await guard(Promise.all([
      mainRoundTrip(main.port, 1 << 20),
      ...workers.map((w) => w.message('result')),
    ]), 60000, 'worker results');
    const codes = await guard(Promise.all(workers.map((w) => w.exited)), 15000, 'workers exit on their own');
    await new Promise((res) => main.server.close(res));
    return {
      mainOk,
      results: results.map((r) => ({ ok: r.ok, received: r.received })),
      distinctThreads: new Set(results.map((r) => r.threadId)).size,
      codes,
      errors: workers.flatMap((w) => w.errors),
    };
  },

  async 'exit-in-worker'() {
    const main = await mainEchoServer();
    const r = await killBusyWorker(main.port, 'process.exit');
    await allClosed(main.accepted, 'main-side sockets of the dead worker close');
    const after = await mainRoundTrip(main.port);
    await new Promise((res) => main.server.close(res));
    return { ...r, after };
  },

  async terminate() {
    const main = await mainEchoServer();
    const r = await killBusyWorker(main.port, 'terminate');
    await allClosed(main.accepted, 'main-side sockets of the dead worker close');
    const after = await mainRoundTrip(main.port);
    await new Promise((res) => main.server.close(res));
    return { ...r, after };
  },

  async 'terminate-inflight'() {
    const main = await mainEchoServer();
    const wk = startWorker({ mode: 'inflight', mainPort: main.port });
    await guard(wk.message('started'), 15000, 'worker started');
    await wk.w.terminate();
    const code = await guard(wk.exited, 15000, 'worker exit');
    await allClosed(main.accepted, 'main-side sockets of the dead worker close');
    const after = await mainRoundTrip(main.port);
    await new Promise((res) => main.server.close(res));
    return { code, errors: wk.errors, after };
  },

  async churn() {
    const main = await mainEchoServer();
    const codes = [];
    for (let i = 0; i < 6; i++) {
      const r = await killBusyWorker(main.port, i % 2 ? 'terminate' : 'process.exit');
      codes.push(r.code);
    }
    await allClosed(main.accepted, 'main-side sockets of the dead workers close');
    const after = await mainRoundTrip(main.port);
    await new Promise((res) => main.server.close(res));
    return { codes, after };
  },
};

const name = process.argv[2];
try {
  const result = await scenarios[name]();
  say({ event: 'done', result });
} catch (e) {
  say({ event: 'failed', error: String(e && e.stack || e) });
  process.exitCode = 1;
  // leave no doubt about the exit: something may still be holding on
  setTimeout(() => process.exit(1), 100).unref();
}
