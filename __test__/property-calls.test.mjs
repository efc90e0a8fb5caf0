// The random-call property test (issue 15, item 2): seeded programs of public calls
// with random arguments (helpers/calls/program.mjs, fast-check), run on node:net and on
// rsnet in child processes (fixtures/calls/world.mjs), compared program by program:
// each call's return value or thrown error (class, code, message), each object's
// events and their arguments, each callback's calls, uncaught exceptions. A short run
// here; `npm run property -- --programs 20000` is the long one (scripts/property-calls.mjs).
//
// Passes with: no rsnet crash, no uncaught exception node:net does not have, node:net
// crashes only where listed (known.mjs), and no difference but those listed there.
import test from 'ava';
import { compareBatch } from './helpers/calls/compare.mjs';
import { knownCrash } from './helpers/calls/known.mjs';

const SEED = Number(process.env.RSNET_PROPERTY_SEED ?? 20261208);
const PROGRAMS = Number(process.env.RSNET_PROPERTY_PROGRAMS ?? 80);

const show = (x) => JSON.stringify(x, null, 1).slice(0, 4000);

test(`random calls (seed ${SEED}, ${PROGRAMS} programs): rsnet does what node:net does`, async (t) => {
  t.timeout(110_000);
  const r = await compareBatch({ seed: SEED, count: PROGRAMS });
  const crashes = r.crashes.filter((c) => !knownCrash(c));
  const differences = r.differences;
  t.log(`${r.compared} programs compared; node:net crashes ${r.crashes.length - crashes.length} (listed); uncaught: node:net ${r.uncaught.node}, rsnet ${r.uncaught.rsnet}; listed differences ${r.listed.length}`);
  t.deepEqual(crashes, [], `crashes:\n${show(crashes)}`);
  t.deepEqual(r.uncaught.rsnetOnly, [], `uncaught in rsnet only:\n${show(r.uncaught.rsnetOnly)}`);
  t.deepEqual(differences.map((d) => ({ program: d.program, steps: d.steps, ...d.difference })), []);
  t.true(r.compared >= PROGRAMS - r.crashes.length);
});
