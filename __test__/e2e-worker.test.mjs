// worker_threads: independent use of the module in several workers, and
// workers dying (process.exit() inside, terminate()) with servers and
// sockets open and traffic in flight. Each scenario runs in its own child
// process (helpers/worker-driver.mjs) so a crash or hang is reported as
// such; the driver must exit by itself with code 0.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { E2E_IMPLS } from './helpers/impl.mjs';
import { spawnNode } from './helpers/child.mjs';

const DRIVER = fileURLToPath(new URL('./helpers/worker-driver.mjs', import.meta.url));
const GUARD = 90000;

async function runDriver(t, which, scenario) {
  const ch = spawnNode(which, DRIVER, [scenario]);
  try {
    const r = await ch.exit(GUARD);
    if (r.timedOut) {
      await ch.kill('SIGKILL');
      t.fail(`driver did not exit within ${GUARD} ms (hang, or something left ref'd); stdout: ${ch.stdout} stderr: ${ch.stderr}`);
      return undefined;
    }
    t.deepEqual(r, { code: 0, signal: null }, `stdout: ${ch.stdout}\nstderr: ${ch.stderr}`);
    const done = ch.messages.find((m) => m.event === 'done');
    t.truthy(done, `stdout: ${ch.stdout}\nstderr: ${ch.stderr}`);
    return done && done.result;
  } finally {
    await ch.kill('SIGKILL');
  }
}

for (const which of E2E_IMPLS) {
  test(`${which}: two workers each run an echo server and client independently`, async (t) => {
    t.timeout(GUARD + 10000);
    const r = await runDriver(t, which, 'two-workers');
    if (!r) return;
    t.deepEqual(r, {
      mainOk: true,
      results: [{ ok: true, received: 4 << 20 }, { ok: true, received: 4 << 20 }],
      distinctThreads: 2,
      codes: [0, 0],
      errors: [],
    });
  });

  test(`${which}: process.exit() inside a busy worker; main keeps working`, async (t) => {
    t.timeout(GUARD + 10000);
    const r = await runDriver(t, which, 'exit-in-worker');
    if (!r) return;
    t.deepEqual(r, { code: 3, errors: [], after: true });
  });

  test(`${which}: worker.terminate() of a busy worker; main keeps working`, async (t) => {
    t.timeout(GUARD + 10000);
    const r = await runDriver(t, which, 'terminate');
    if (!r) return;
    t.deepEqual(r, { code: 1, errors: [], after: true });
  });

  test(`${which}: terminate() while listen/connect/writes are still in flight`, async (t) => {
    t.timeout(GUARD + 10000);
    const r = await runDriver(t, which, 'terminate-inflight');
    if (!r) return;
    t.deepEqual(r, { code: 1, errors: [], after: true });
  });

  test(`${which}: six busy workers killed one after another`, async (t) => {
    t.timeout(GUARD + 10000);
    const r = await runDriver(t, which, 'churn');
    if (!r) return;
    t.deepEqual(r, { codes: [3, 1, 3, 1, 3, 1], after: true });
  });
}
