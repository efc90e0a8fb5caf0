// Writes the kernel does not take at once, compared between node:net and rsnet. rsnet
// queues them in place, pointing into the caller's Buffer (as libuv's write request
// does), so these check that the Buffer is held until the write is done: the caller
// drops every reference, the garbage collector runs, and the peer still gets every
// byte as it was written.
import test from 'ava';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createHash } from 'node:crypto';
import { differential } from './helpers/impl.mjs';
import { closeServer } from './helpers/fixtures.mjs';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const dt = (title, scenario, opts) => test(title, (t) => differential(t, title, scenario, opts));

const CHUNK = 64 * 1024;
/** Chunk `i` of the stream: different bytes per chunk, so a chunk written twice, lost
 * or overwritten changes the digest. */
const chunkBytes = (i) => {
  const b = Buffer.allocUnsafe(CHUNK);
  for (let off = 0; off < CHUNK; off += 4) b.writeUInt32LE((i * 0x9e3779b1 + off) >>> 0, off);
  return b;
};

/** Collects twice and churns the heap in between, so freed memory gets reused. */
function collectAndChurn() {
  gc();
  const junk = [];
  for (let i = 0; i < 64; i++) junk.push(Buffer.alloc(CHUNK, 0xee));
  junk.length = 0;
  gc();
}

async function pausedPair(ctx) {
  const server = ctx.createServer();
  await new Promise((res) => server.listen(0, '127.0.0.1', res));
  const accepted = new Promise((res) => server.once('connection', res));
  const client = ctx.connect(server.address().port, '127.0.0.1');
  await ctx.wait(client, 'connect');
  const peer = await accepted;
  peer.pause();
  return { server, client, peer };
}

for (const writev of [false, true]) {
  const how = writev ? 'writev (corked)' : 'write';
  dt(`queued ${how}: the caller's Buffers are dropped and collected before the peer reads; every byte arrives intact`, async (net, ctx) => {
    const { server, client, peer } = await pausedPair(ctx);
    const want = createHash('sha256');
    let writes = 0;
    // Fresh Buffers each time, referenced from nowhere once write() returns, until some
    // wait for the kernel (in libuv's queue, or the reactor's). Bounded: 16 MiB is far
    // past any socket buffer.
    while (client.writableLength === 0 && writes < 256) {
      if (writev) client.cork();
      for (let k = 0; k < 4; k++) {
        const chunk = chunkBytes(writes++);
        want.update(chunk);
        client.write(chunk);
      }
      if (writev) client.uncork();
    }
    ctx.rec('o', 'blocked', client.writableLength > 0, client.writableNeedDrain);
    collectAndChurn();
    await ctx.immediate();
    collectAndChurn();
    const got = createHash('sha256');
    let bytes = 0;
    peer.on('data', (d) => {
      got.update(d);
      bytes += d.length;
    });
    const ended = ctx.wait(peer, 'end');
    peer.resume();
    client.end();
    await ended;
    ctx.rec('o', 'intact', bytes === writes * CHUNK, got.digest('hex') === want.digest('hex'));
    peer.end();
    await Promise.all([ctx.closed(client), ctx.closed(peer)]);
    await closeServer(server);
  }, { timeout: 20000, check: (t, tr) => t.deepEqual(tr.o, [['blocked', true, true], ['intact', true, true]]) });
}

dt('queued write, then destroy(): the socket closes at once and nothing crashes once the Buffers are collected', async (net, ctx) => {
  const { server, client, peer } = await pausedPair(ctx);
  let writes = 0;
  while (client.write(chunkBytes(writes)) && writes < 256) writes++;
  ctx.rec('o', 'blocked', client.writableLength > 0);
  client.destroy();
  collectAndChurn();
  await ctx.closed(client);
  collectAndChurn();
  peer.destroy();
  await ctx.closed(peer);
  await closeServer(server);
  ctx.rec('o', 'after', client.destroyed, client.writableLength >= 0);
});
