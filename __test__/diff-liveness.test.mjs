// Differential liveness: in each state of a socket or server, does it keep the process
// alive? The same child (helpers/activity-child.cjs) runs on node:net and on rsnet;
// the outcomes must be equal. The child decides by an unref'd timer, not by the
// parent's clock: it says `alive` if the process outlived the timer, and exits on its
// own otherwise. Each scenario also states what node:net does, so that a scenario
// that stopped reaching its state (on some Node) fails here rather than passing
// vacuously.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { spawnNode } from './helpers/child.mjs';

const CHILD = fileURLToPath(new URL('./helpers/activity-child.cjs', import.meta.url));
const GUARD_MS = 15_000;

// Match node:net (libuv): alive while a ref'd handle is active, or a request (connect,
// write, shutdown) is in flight, or a handle is closing.
const SCENARIOS = {
  'flowing': 'alive',
  'connected-not-consumed': 'alive',
  'paused-before-connect': 'exits',
  'paused-after-data': 'alive',
  'paused-buffer-full': 'exits',
  'unref-reading': 'exits',
  'ref-after-unref': 'alive',
  'half-open-after-eof': 'exits',
  'ended-peer-open': 'alive',
  'write-pending-unref': 'alive',
  'timeout-armed-not-reading': 'exits',
  'server-close-and-end': 'exits',
  'listening': 'alive',
  'listening-unref': 'exits',
  'accepted-reading': 'alive',
  'accepted-paused-on-connect': 'exits',
};

async function outcome(which, scenario) {
  const ch = spawnNode(which, CHILD, [scenario]);
  try {
    const r = await ch.exit(GUARD_MS);
    if (r.timedOut) return { result: 'hung', stderr: ch.stderr };
    const settled = ch.messages.find((m) => m.event === 'settled');
    const errors = ch.messages.filter((m) => m.event === 'error').map((m) => m.code);
    return {
      result: !settled ? 'never settled' : ch.messages.some((m) => m.event === 'alive') ? 'alive' : 'exits',
      settled: settled?.what,
      errors,
      code: r.code,
      stderr: ch.stderr,
    };
  } finally {
    await ch.kill('SIGKILL');
  }
}

for (const [scenario, expected] of Object.entries(SCENARIOS)) {
  test(`liveness: ${scenario} (node:net: ${expected})`, async (t) => {
    const [node, rsnet] = await Promise.all([outcome('node', scenario), outcome('rsnet', scenario)]);
    t.is(node.result, expected, `node:net's outcome; stderr: ${node.stderr}`);
    t.is(rsnet.result, node.result, `rsnet's stderr: ${rsnet.stderr}`);
    t.deepEqual(
      { settled: rsnet.settled, errors: rsnet.errors, code: rsnet.code },
      { settled: node.settled, errors: node.errors, code: node.code },
    );
  });
}
