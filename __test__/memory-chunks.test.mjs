// What a 'data' chunk and a queued write keep alive (issue 13: memory never above
// node:net's). Match node:net: every chunk is a Buffer of its own, exactly its size, so
// a chunk the application keeps holds its own bytes and nothing else; a write that
// waits in the queue holds the Buffer it was given. The same child runs on node:net
// and on rsnet, under --expose-gc (fixtures/memory/retain.mjs says what it does), and
// the same bounds must hold on both.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { spawnNode } from './helpers/child.mjs';
import { E2E_IMPLS } from './helpers/impl.mjs';

const CHILD = fileURLToPath(new URL('./fixtures/memory/retain.mjs', import.meta.url));
const GUARD = 60000;
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
/** What a full GC may leave over the bytes held: stream state, a pool, rounding. */
const SLACK = 64 * 1024;

async function run(t, which) {
  // --expose-gc goes to the child's Node; spawnNode passes only script arguments, so
  // the flag travels in NODE_OPTIONS.
  const ch = spawnNode(which, CHILD, [], { env: { NODE_OPTIONS: '--expose-gc' } });
  try {
    const r = await ch.exit(GUARD);
    t.deepEqual(r, { code: 0, signal: null }, ch.stderr);
    return ch.messages.find((m) => m.retain);
  } finally {
    await ch.kill('SIGKILL');
  }
}

for (const which of E2E_IMPLS) {
  test(`${which}: every 'data' chunk owns exactly its bytes; kept chunks and queued writes hold no more than themselves`, async (t) => {
    t.timeout(GUARD + 10000);
    const { views, retain, queued } = await run(t, which);
    // Node 26's node:net hands out some chunks as views into a larger buffer (16 in
    // this run); rsnet keeps every chunk its own on every Node, and the memory bounds
    // below hold for both.
    if (which === 'rsnet' || NODE_MAJOR < 26) t.is(views, 0, 'chunks that are views into a larger buffer');
    else t.log(`node:net on Node ${NODE_MAJOR}: ${views} chunks were views into a larger buffer`);
    t.true(retain.kept > 0);
    t.true(retain.grown <= retain.kept * 1.1 + SLACK, `kept ${retain.kept} bytes, ArrayBuffer memory grew ${retain.grown}`);
    t.true(queued.queued > 0, 'the echoes queued up behind clients that do not read');
    t.true(queued.grown <= queued.queued * 1.1 + SLACK, `queued ${queued.queued} bytes, ArrayBuffer memory grew ${queued.grown}`);
  });
}
