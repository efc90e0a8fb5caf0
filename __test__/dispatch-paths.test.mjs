// The ways an event batch reaches JS (src/dispatch.ts): copied into the shared arrays,
// records shared but the data left in the binding for each chunk to be copied from
// (DATA_APART), or the records as an array of their own (takeBatch); and on Linux, the
// chunks the JS thread read of 4 KiB and more, each its own Buffer handed over apart
// from the batch (DATA_OWN), in order among the others. Ordinary loads take all but
// the third; a batch of more than
// 4,096 events, the third. RSNET_DISPATCH_RECORD_WORDS shrinks the shared records
// array so that every batch of more than a few events takes it, and the same traffic
// must come through intact either way.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { spawnNode } from './helpers/child.mjs';

const CHILD = fileURLToPath(new URL('./fixtures/dispatch/exchange.mjs', import.meta.url));
const GUARD = 60000;

async function exchange(t, env) {
  const ch = spawnNode('rsnet', CHILD, [], { env });
  try {
    const r = await ch.exit(GUARD);
    t.deepEqual(r, { code: 0, signal: null }, ch.stderr);
    return ch.messages.find((m) => m.results)?.results;
  } finally {
    await ch.kill('SIGKILL');
  }
}

const expected = [
  { received: 4 << 20, intact: true },
  { received: 4 << 20, intact: true },
  ...Array.from({ length: 16 }, () => ({ received: 64 * 1024, intact: true })),
];

for (const [label, env] of [
  ['shared arrays of the usual size', {}],
  ['a shared records array of two events: nearly every batch comes whole (takeBatch)', { RSNET_DISPATCH_RECORD_WORDS: '8' }],
  ['a shared records array of one event', { RSNET_DISPATCH_RECORD_WORDS: '4' }],
]) {
  test(`bulk and small messages on 18 connections, ${label}: every byte echoed intact`, async (t) => {
    t.timeout(GUARD + 10000);
    t.deepEqual(await exchange(t, env), expected);
  });
}
