// Cluster workers: listen() takes its socket from the primary (round-robin, or the
// shared socket with NODE_CLUSTER_SCHED_POLICY=none), as node:net's does. The same
// cluster runs with node:net and with rsnet in the workers; what the primary sees must
// be the same (one port for both workers, both serving, the workers exiting).
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { spawnNode } from './helpers/child.mjs';

const CHILD = fileURLToPath(new URL('./helpers/cluster-child.cjs', import.meta.url));

async function run(which, scenario, policy) {
  const ch = spawnNode(which, CHILD, [scenario], { env: { NODE_CLUSTER_SCHED_POLICY: policy } });
  try {
    const r = await ch.exit(20_000);
    if (r.timedOut) return { hung: true, stderr: ch.stderr };
    return { report: ch.messages[0], code: r.code };
  } finally {
    await ch.kill('SIGKILL');
  }
}

const EXPECTED = {
  'shared-port': (r) => r.samePort === true && (r.workersServing === 2 || r.workersServing === true),
  'exclusive': (r) => r.samePort === false,
  'listen-twice': (r) => r.samePort === true && r.listeningEvents.every((n) => n === 1),
  'close-before-answer': (r) => r.exits.length === 2 && r.listeningEvents.length === 0,
};

for (const policy of ['rr', 'none']) {
  for (const [scenario, holds] of Object.entries(EXPECTED)) {
    test(`cluster (${policy}): ${scenario}`, async (t) => {
      const [node, rsnet] = await Promise.all([run('node', scenario, policy), run('rsnet', scenario, policy)]);
      t.truthy(node.report && holds(node.report), `node:net: ${JSON.stringify(node)}`);
      t.deepEqual(rsnet, node, `rsnet: ${JSON.stringify(rsnet)}`);
    });
  }
}
