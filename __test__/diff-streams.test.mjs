// Stream behaviour of sockets (pipe, pipeline, async iteration, back-pressure,
// large writes), compared between node:net and rsnet.
import test from 'ava';
import { pipeline } from 'node:stream';
import { pipeline as pipelineP } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { createHash } from 'node:crypto';
import { differential } from './helpers/impl.mjs';
import { pair, finish, closeServer } from './helpers/fixtures.mjs';
import { source, hashSink, hashData, expectedHash, chunks, bytes } from './helpers/data.mjs';

const dt = (title, scenario, opts) => test(title, (t) => differential(t, title, scenario, opts));

const MiB = 1024 * 1024;
// Stream scenarios: 'drain' and 'data' chunking depend on timing, so
// watchers skip them and content is compared by length and hash.
const quiet = { omit: ['data', 'drain'] };
const intact = (r, seed, total) => ({ length: r.length, intact: r.sha256 === expectedHash(seed, total) });
const allIntact = (t, tr) => {
  const s = JSON.stringify(tr);
  t.false(s.includes('"intact":false'), 'content must arrive intact on node:net');
  t.true(s.includes('"intact":true'));
};

dt('Readable.pipe(client): client to server, 4 MiB', async (net, ctx) => {
  const { server, client, accepted } = await pair(ctx, { watchClient: quiet, watchAccepted: quiet });
  const got = hashData(accepted);
  const src = source(1, 4 * MiB, 50000);
  const r = src.pipe(client);
  ctx.rec('o', 'pipe-returns-dest', r === client);
  await finish(ctx, server, client, accepted);
  ctx.rec('o', 'received', intact(got(), 1, 4 * MiB));
  ctx.rec('o', 'counters', { clientWritten: client.bytesWritten, acceptedRead: accepted.bytesRead });
}, { check: allIntact });

dt('socket.pipe(slow Writable): server to client, 4 MiB with back-pressure', async (net, ctx) => {
  const { server, client, accepted } = await pair(ctx, { watchClient: quiet, watchAccepted: quiet });
  const sink = hashSink({ slow: true });
  let pipeEvents = 0;
  sink.on('pipe', (s) => { pipeEvents += s === client ? 1 : 100; });
  client.pipe(sink);
  source(2, 4 * MiB).pipe(accepted);
  await Promise.all([ctx.wait(sink, 'finish'), finish(ctx, server, client, accepted)]);
  ctx.rec('o', 'received', intact(sink.result(), 2, 4 * MiB), pipeEvents);
  ctx.rec('o', 'counters', { clientRead: client.bytesRead, acceptedWritten: accepted.bytesWritten });
}, { check: allIntact });

dt('echo server c.pipe(c): 2 MiB round trip', async (net, ctx) => {
  const { server, client, accepted } = await pair(ctx, { watchClient: quiet, watchAccepted: quiet });
  accepted.pipe(accepted);
  const got = hashData(client);
  source(3, 2 * MiB, 30000).pipe(client);
  await finish(ctx, server, client, accepted);
  ctx.rec('o', 'echoed', intact(got(), 3, 2 * MiB));
  ctx.rec('o', 'counters', [client.bytesWritten, client.bytesRead, accepted.bytesRead, accepted.bytesWritten]);
}, { check: allIntact });

// client -> proxy (a.pipe(b), b.pipe(a)) -> echo server. Neither proxy
// socket has another consumer: this is the native-pipe candidate in rsnet.
async function proxyRig(ctx, { proxyEnd = true } = {}) {
  const echo = ctx.createServer((s) => s.pipe(s));
  const echoPort = await ctx.listen(echo, 'ECHO');
  // half-open on both proxy legs, or the echo coming back would hit a
  // socket that already ended itself (EPIPE)
  const proxy = ctx.createServer({ allowHalfOpen: true });
  const proxyPort = await ctx.listen(proxy, 'PROXY');
  const rig = {};
  const ready = new Promise((res) => {
    proxy.once('connection', (down) => {
      ctx.watch(down, 'proxy.down', quiet);
      const up = ctx.connect({ port: echoPort, host: '127.0.0.1', allowHalfOpen: true });
      ctx.watch(up, 'proxy.up', quiet);
      rig.down = down;
      rig.up = up;
      up.once('connect', () => {
        down.pipe(up, { end: proxyEnd });
        up.pipe(down, { end: proxyEnd });
        res();
      });
    });
  });
  const client = ctx.connect(proxyPort, '127.0.0.1');
  ctx.watch(client, 'client', quiet);
  await Promise.all([ready, ctx.wait(client, 'connect')]);
  return { ...rig, client, echo, proxy };
}

dt('proxy: socket.pipe(socket) both ways, 8 MiB through, half-close propagates', async (net, ctx) => {
  const { down, up, client, echo, proxy } = await proxyRig(ctx);
  const got = hashData(client);
  source(4, 8 * MiB).pipe(client);
  await Promise.all([ctx.closed(client), ctx.closed(down), ctx.closed(up)]);
  ctx.rec('o', 'echoed', intact(got(), 4, 8 * MiB));
  ctx.rec('o', 'counters', {
    down: [down.bytesRead, down.bytesWritten],
    up: [up.bytesRead, up.bytesWritten],
  });
  await closeServer(proxy);
  await closeServer(echo);
}, { check: allIntact, timeout: 20000 });

dt('proxy: pipe with {end: false} keeps the far side open until end() by hand', async (net, ctx) => {
  const { down, up, client, echo, proxy } = await proxyRig(ctx, { proxyEnd: false });
  const got = hashData(client);
  const downEnded = ctx.wait(down, 'end');
  client.end(Buffer.from('short message'));
  await downEnded;
  ctx.rec('o', 'down-ended', { upWritable: up.writable, upWritableEnded: up.writableEnded });
  up.end();
  const upEnded = ctx.wait(up, 'end');
  await upEnded;
  ctx.rec('o', 'up-ended', { downWritable: down.writable, downWritableEnded: down.writableEnded });
  down.end();
  await Promise.all([ctx.closed(client), ctx.closed(down), ctx.closed(up)]);
  const r = got();
  ctx.rec('o', 'echoed', r.length);
  await closeServer(proxy);
  await closeServer(echo);
});

dt('proxy: unpipe() stops forwarding; the source can then be read directly', async (net, ctx) => {
  const { down, up, client, echo, proxy } = await proxyRig(ctx);
  const clientGot = [];
  client.on('data', (d) => clientGot.push(d.toString()));
  client.write('one;');
  await ctx.wait(client, 'data');
  const r = down.unpipe(up);
  ctx.rec('o', 'unpipe', r === down, down.readableFlowing, down.isPaused());
  const direct = [];
  down.on('data', (d) => direct.push(d.toString()));
  down.resume();
  client.write('two;');
  await ctx.wait(down, 'data');
  ctx.rec('o', 'direct', direct.join(''));
  up.end();
  await ctx.wait(client, 'end');
  client.end();
  await Promise.all([ctx.closed(client), ctx.closed(down), ctx.closed(up)]);
  ctx.rec('o', 'client-got', clientGot.join(''));
  ctx.rec('o', 'counters', { down: [down.bytesRead, down.bytesWritten], up: [up.bytesRead, up.bytesWritten] });
  await closeServer(proxy);
  await closeServer(echo);
});

dt("proxy: the upstream resets: the downstream pipe is left to the user ('unpipe' on error)", async (net, ctx) => {
  const resetter = ctx.createServer((s) => {
    s.once('data', () => s.resetAndDestroy());
  });
  const rport = await ctx.listen(resetter, 'R');
  const proxy = ctx.createServer();
  const pport = await ctx.listen(proxy, 'P');
  let down;
  let up;
  const ready = new Promise((res) => proxy.once('connection', (d) => {
    down = d;
    ctx.watch(down, 'down', quiet);
    up = ctx.connect(rport, '127.0.0.1');
    ctx.watch(up, 'up', quiet);
    up.once('connect', () => {
      down.pipe(up);
      up.pipe(down);
      res();
    });
  }));
  const client = ctx.connect(pport, '127.0.0.1');
  ctx.watch(client, 'client', quiet);
  await ready;
  client.write('go');
  await ctx.closed(up);
  ctx.rec('o', 'after-up-closed', { downDestroyed: down.destroyed, downWritableEnded: down.writableEnded });
  down.destroy();
  await Promise.all([ctx.closed(client), ctx.closed(down)]);
  await closeServer(proxy);
  await closeServer(resetter);
});

dt('stream.pipeline(source, client) and pipeline(accepted, sink) with callbacks', async (net, ctx) => {
  const { server, client, accepted } = await pair(ctx, { watchClient: quiet, watchAccepted: quiet });
  const sink = hashSink();
  const done = [];
  const p1 = new Promise((res) => pipeline(source(5, 3 * MiB), client, (...a) => { ctx.rec('o', 'pipeline1-cb', ...a); res(); }));
  const p2 = new Promise((res) => pipeline(accepted, sink, (...a) => { ctx.rec('o2', 'pipeline2-cb', ...a); res(); }));
  await Promise.all([p1, p2]);
  done.push(intact(sink.result(), 5, 3 * MiB));
  accepted.end();
  await finish(ctx, server, client, accepted);
  ctx.rec('o', 'received', done);
}, { check: allIntact });

dt('stream/promises pipeline through a Transform, socket to socket', async (net, ctx) => {
  // upper-case everything: client -> accepted -> Transform -> accepted (echo)
  const { server, client, accepted } = await pair(ctx, { watchClient: quiet, watchAccepted: quiet });
  const upper = new Transform({
    transform(chunk, enc, cb) { cb(null, Buffer.from(chunk.toString('latin1').toUpperCase(), 'latin1')); },
  });
  const p = pipelineP(accepted, upper, accepted).then(() => ctx.rec('o', 'pipeline-resolved'), (e) => ctx.rec('o', 'pipeline-rejected', e));
  const got = [];
  client.on('data', (d) => got.push(d));
  client.end('hello pipeline, make me loud');
  await p;
  await finish(ctx, server, client, accepted);
  ctx.rec('o', 'got', Buffer.concat(got).toString());
});

dt('pipeline() error: the source socket is reset by its peer', async (net, ctx) => {
  const { server, client, accepted } = await pair(ctx, { watchClient: quiet, watchAccepted: quiet });
  const sink = hashSink();
  const p = new Promise((res) => pipeline(client, sink, (...a) => { ctx.rec('o', 'pipeline-cb', ...a); res(); }));
  // the bytes reach the sink before the reset
  const arrived = ctx.wait(sink, 'chunk');
  accepted.write('before reset');
  await arrived;
  accepted.resetAndDestroy();
  await p;
  await finish(ctx, server, client, accepted);
  ctx.rec('o', 'sink', { destroyed: sink.destroyed, length: sink.result().length });
});

dt('for await (const chunk of socket): whole stream', async (net, ctx) => {
  const { server, client, accepted } = await pair(ctx, { watchClient: quiet, watchAccepted: quiet });
  source(6, 2 * MiB).pipe(accepted);
  const h = createHash('sha256');
  let length = 0;
  let nonBuffer = 0;
  for await (const chunk of client) {
    if (!Buffer.isBuffer(chunk)) nonBuffer++;
    h.update(chunk);
    length += chunk.length;
  }
  await finish(ctx, server, client, accepted);
  ctx.rec('o', 'got', intact({ length, sha256: h.digest('hex') }, 6, 2 * MiB), nonBuffer);
}, { check: allIntact });

dt('for await with setEncoding: strings', async (net, ctx) => {
  const { server, client, accepted } = await pair(ctx, { watchClient: quiet, watchAccepted: quiet });
  client.setEncoding('utf8');
  accepted.end('caf\u00e9 \u20ac'.repeat(1000));
  let s = '';
  let types = new Set();
  for await (const chunk of client) {
    types.add(typeof chunk);
    s += chunk;
  }
  await finish(ctx, server, client, accepted);
  ctx.rec('o', 'got', s.length, s === 'caf\u00e9 \u20ac'.repeat(1000), [...types]);
});

dt('for await with break: the socket is destroyed', async (net, ctx) => {
  const { server, client, accepted } = await pair(ctx, { watchClient: quiet, watchAccepted: { only: [] } });
  accepted.on('error', () => {});
  accepted.write('first chunk');
  let n = 0;
  for await (const chunk of client) {
    n += chunk.length > 0 ? 1 : 0;
    break;
  }
  ctx.rec('o', 'after-break', { n, destroyed: client.destroyed });
  await ctx.closed(client);
  accepted.destroy();
  await finish(ctx, server, accepted);
});

dt("back-pressure: write until false, wait for 'drain', nothing lost", async (net, ctx) => {
  const { server, client, accepted } = await pair(ctx, { watchClient: quiet, watchAccepted: quiet });
  accepted.pause();
  const got = hashData(accepted);
  accepted.pause();
  const gen = chunks(7, 64 * MiB, 64 * 1024);
  let written = 0;
  let ok = true;
  let writes = 0;
  const h = createHash('sha256');
  while (ok) {
    const { value, done } = gen.next();
    if (done) break;
    h.update(value);
    written += value.length;
    writes++;
    ok = client.write(value);
  }
  ctx.rec('o', 'saw-false', ok === false, client.writableNeedDrain);
  const drained = ctx.wait(client, 'drain');
  accepted.resume();
  await drained;
  ctx.rec('o', 'after-drain', client.writableNeedDrain, client.writableLength);
  client.end();
  await finish(ctx, server, client, accepted);
  const r = got();
  ctx.rec('o', 'result', r.length === written, r.sha256 === h.digest('hex'), client.bytesWritten === written);
}, { check: (t, tr) => t.deepEqual(tr.o[0], ['saw-false', true, true]) });

dt('one large write (12 MiB): one callback, content intact', async (net, ctx) => {
  const { server, client, accepted } = await pair(ctx, { watchClient: quiet, watchAccepted: quiet });
  const got = hashData(accepted);
  const big = bytes(8, 12 * MiB);
  let cbs = 0;
  const r = client.write(big, (e) => { cbs++; ctx.rec('o', 'cb', e); });
  ctx.rec('o', 'returned', r, client.writableLength === big.length || client.writableLength < big.length);
  client.end();
  await finish(ctx, server, client, accepted);
  ctx.rec('o', 'result', intact(got(), 8, 12 * MiB), cbs, client.bytesWritten);
}, { check: allIntact });

dt('many writes in one tick then end: order preserved', async (net, ctx) => {
  const { server, client, accepted } = await pair(ctx, { watchClient: quiet, watchAccepted: quiet });
  const got = hashData(accepted);
  let cbs = 0;
  let i = 0;
  for (const c of chunks(9, 6 * MiB, 1000)) {
    client.write(c, () => { cbs++; });
    i++;
  }
  client.end();
  await finish(ctx, server, client, accepted);
  ctx.rec('o', 'result', intact(got(), 9, 6 * MiB), cbs === i);
}, { check: allIntact });

dt('cork()/uncork(): writev of many small chunks', async (net, ctx) => {
  const { server, client, accepted } = await pair(ctx, { watchClient: quiet, watchAccepted: quiet });
  const got = hashData(accepted);
  const order = [];
  client.cork();
  for (let i = 0; i < 100; i++) client.write(`line ${i}\n`, () => order.push(i));
  ctx.rec('o', 'corked', client.writableCorked, client.writableLength);
  client.uncork();
  client.cork();
  client.write('tail\n', () => order.push('tail'));
  process.nextTick(() => client.uncork());
  client.end();
  await finish(ctx, server, client, accepted);
  const expect = createHash('sha256');
  for (let i = 0; i < 100; i++) expect.update(`line ${i}\n`);
  expect.update('tail\n');
  const r = got();
  ctx.rec('o', 'result', r.length, r.sha256 === expect.digest('hex'), order.length, order[0], order[100]);
});

dt("paused mode: 'readable' + read(n) gives exact sizes", async (net, ctx) => {
  const { server, client, accepted } = await pair(ctx, { watchClient: { omit: ['data', 'drain'] }, watchAccepted: quiet });
  source(10, 1 * MiB).pipe(accepted);
  const h = createHash('sha256');
  const sizes = new Set();
  let length = 0;
  await new Promise((res) => {
    client.on('readable', () => {
      let c;
      while ((c = client.read(4096)) !== null) {
        sizes.add(c.length);
        h.update(c);
        length += c.length;
      }
    });
    client.on('end', res);
  });
  await finish(ctx, server, client, accepted);
  ctx.rec('o', 'result', intact({ length, sha256: h.digest('hex') }, 10, 1 * MiB), [...sizes].sort((a, b) => a - b));
}, { check: allIntact });

dt('socket.unshift() puts data back in front', async (net, ctx) => {
  const { server, client, accepted } = await pair(ctx, { watchClient: quiet, watchAccepted: quiet });
  accepted.end('HEADER|body');
  await ctx.wait(client, 'readable');
  const first = client.read();
  const s = first.toString();
  const i = s.indexOf('|');
  client.unshift(first.subarray(i + 1));
  const rest = [];
  client.on('data', (d) => rest.push(d));
  await finish(ctx, server, client, accepted);
  ctx.rec('o', 'result', s.slice(0, i), Buffer.concat(rest).toString());
});

dt('stream flags at the end of a normal exchange', async (net, ctx) => {
  const { server, client, accepted } = await pair(ctx, { watchClient: quiet, watchAccepted: quiet });
  accepted.pipe(accepted);
  client.resume();
  client.end('bye');
  await finish(ctx, server, client, accepted);
  const flags = (s) => ({
    readableEnded: s.readableEnded,
    writableEnded: s.writableEnded,
    writableFinished: s.writableFinished,
    destroyed: s.destroyed,
    closed: s.closed,
    errored: s.errored,
    readable: s.readable,
    writable: s.writable,
    readableFlowing: s.readableFlowing,
    readableLength: s.readableLength,
  });
  ctx.rec('o', 'flags', flags(client), flags(accepted));
});

dt('onread option: data into a caller-supplied buffer, no data events', async (net, ctx) => {
  const server = ctx.createServer((s) => {
    source(12, 300000, 7000).pipe(s);
  });
  const port = await ctx.listen(server);
  const h = createHash('sha256');
  let length = 0;
  let calls = 0;
  let sameBuffer = true;
  const buf = Buffer.alloc(4096);
  let dataEvents = 0;
  const c = ctx.connect({
    port,
    host: '127.0.0.1',
    onread: {
      buffer: buf,
      callback(nread, b) {
        calls++;
        if (b !== buf) sameBuffer = false;
        h.update(b.subarray(0, nread));
        length += nread;
      },
    },
  });
  ctx.watch(c, 'client', { omit: ['data', 'drain'] });
  c.on('data', () => { dataEvents++; });
  await ctx.closed(c);
  ctx.rec('o', 'result', intact({ length, sha256: h.digest('hex') }, 12, 300000), sameBuffer, calls > 0, dataEvents);
  await closeServer(server);
}, { check: allIntact });

dt('onread callback returning false pauses until resume()', async (net, ctx) => {
  const server = ctx.createServer((s) => s.end('x'.repeat(20000)));
  const port = await ctx.listen(server);
  let length = 0;
  let paused = false;
  const c = ctx.connect({
    port,
    host: '127.0.0.1',
    onread: {
      buffer: () => Buffer.alloc(1024),
      callback(nread) {
        length += nread;
        if (!paused) {
          paused = true;
          ctx.rec('o', 'pausing', c.isPaused());
          setImmediate(() => {
            ctx.rec('o', 'resuming');
            c.resume();
          });
          return false;
        }
        return undefined;
      },
    },
  });
  ctx.watch(c, 'client', { omit: ['data', 'drain'] });
  await ctx.closed(c);
  ctx.rec('o', 'length', length);
  await closeServer(server);
});

// node:http writes with write(data, encoding, null): a null callback is no callback,
// not a descriptor to pass (rsnet's write(data, encoding, fd, cb) must not take it).
dt('write(data, encoding, null) and write(data, null): a null callback is no callback', async (net, ctx) => {
  const { server, client, accepted } = await pair(ctx, { watchClient: quiet, watchAccepted: quiet });
  const got = [];
  accepted.on('data', (d) => got.push(d));
  ctx.rec('o', 'returns', client.write('ab', 'latin1', null), client.write(Buffer.from('cd'), null));
  client.end();
  await finish(ctx, server, client, accepted);
  ctx.rec('o', 'received', Buffer.concat(got).toString('latin1'));
});
