// Issue 3, rsnet only: fd passing never leaks a descriptor. Each test counts
// this process's open descriptors (/proc/self/fd) before and after; both ends
// of every connection live in this process, so the count covers the sender,
// the receiver and the reactor. All serial: nothing else in this file may
// open or close descriptors meanwhile. (Other test files run in other
// processes.)
import test from 'ava';
import fs from 'node:fs';
import { loadRsnet, guard, once, openFdCount, openFds, fdCountSettles } from './fixtures/issue3/helpers.mjs';
import { unixPair } from './fixtures/issue3/pairs.mjs';

const rsnet = loadRsnet();

// A few descriptors of slack for the test's own transient files; the point
// is that the count does not grow with the number of descriptors passed.
const SLACK = 2;

// Bring up the reactor and everything it allocates lazily (one full pass of
// a descriptor over a Unix socket), so that the baseline includes it.
test.before(async () => {
  let pair;
  const fd = fs.openSync('/dev/null', 'r');
  try {
    pair = await unixPair(rsnet);
    pair.accepted.on('fd', (got) => fs.closeSync(got));
    const arrived = once(pair.accepted, 'data');
    await guard(new Promise((res) => pair.client.write('w', fd, () => res())), 5000, 'the warm-up write');
    await guard(arrived, 5000, 'the warm-up pass');
  } catch {
    // the tests themselves report what does not work
  } finally {
    fs.closeSync(fd);
    if (pair) await pair.close().catch(() => {});
  }
});

// The descriptors open now that were not open (or were something else) in
// `baseline`, summarized: how many of each kind, and a few of them.
function newSince(baseline) {
  const now = openFds();
  const added = Object.entries(now).filter(([fd, target]) => baseline[fd] !== target);
  const kinds = {};
  for (const [, target] of added) {
    const kind = target.replace(/[:[]\d+\]?$/, '').replace(/\[\d+\]$/, '');
    kinds[kind] = (kinds[kind] || 0) + 1;
  }
  return `${added.length} new: ${JSON.stringify(kinds)}, e.g. ${JSON.stringify(Object.fromEntries(added.slice(0, 8)))}`;
}

function snapshot() {
  return { count: openFdCount(), fds: openFds() };
}

async function expectNoLeak(t, before, what) {
  const after = await fdCountSettles(before.count + SLACK);
  const ok = after <= before.count + SLACK;
  t.true(ok, `${what}: ${before.count} descriptors open before, ${after} after (slack ${SLACK})${ok ? '' : `; ${newSince(before.fds)}`}`);
}

test.serial('10,000 descriptors passed one by one (64 in flight), each closed by the receiver: the open-descriptor count is back where it started', async (t) => {
  const N = 10000;
  const WINDOW = 64;
  const before = snapshot();
  const pair = await unixPair(rsnet);
  let received = 0;
  let notDevNull = 0;
  let bytes = 0;
  const errors = [];
  const devNull = fs.statSync('/dev/null');
  pair.accepted.on('fd', (fd) => {
    received++;
    try {
      const st = fs.fstatSync(fd);
      if (!st.isCharacterDevice() || st.rdev !== devNull.rdev) notDevNull++;
      fs.closeSync(fd);
    } catch (e) {
      notDevNull++;
      errors.push(`receiver: ${e.code || e.message}`);
    }
  });
  pair.accepted.on('data', (d) => { bytes += d.length; });
  try {
    let sent = 0;
    let done = 0;
    let inFlight = 0;
    await guard(new Promise((resolve, reject) => {
      const pump = () => {
        while (sent < N && inFlight < WINDOW) {
          const fd = fs.openSync('/dev/null', 'r');
          sent++;
          inFlight++;
          try {
            pair.client.write('x', fd, (err) => {
              if (err) errors.push(`write callback: ${err.code || err.message}`);
              fs.closeSync(fd);
              inFlight--;
              done++;
              if (errors.length) reject(new Error(errors[0]));
              else if (done === N) resolve();
              else pump();
            });
          } catch (e) {
            fs.closeSync(fd);
            reject(e);
            return;
          }
        }
      };
      pump();
    }), 60000, () => `${N} writes with a descriptor (sent ${sent}, called back ${done}, received ${received})`);
    await guard(new Promise((res) => {
      const check = () => { if (received === N && bytes === N) res(); };
      pair.accepted.on('fd', check);
      pair.accepted.on('data', check);
      check();
    }), 30000, () => `all ${N} descriptors and bytes at the receiver (got ${received} fds, ${bytes} bytes)`);
    t.is(received, N);
    t.is(bytes, N);
    t.is(notDevNull, 0, 'every descriptor received is /dev/null');
    t.deepEqual(errors, []);
  } finally {
    await pair.close();
  }
  await expectNoLeak(t, before, `after passing ${N} descriptors`);
});

test.serial("'fd' events nobody listens to: the descriptors are closed for the receiver, while the connection is still open", async (t) => {
  const N = 200;
  const pair = await unixPair(rsnet);
  const before = snapshot();
  let bytes = 0;
  pair.accepted.on('data', (d) => { bytes += d.length; });
  try {
    const cbs = [];
    for (let i = 0; i < N; i++) {
      const fd = fs.openSync('/dev/null', 'r');
      cbs.push(new Promise((res) => {
        try {
          pair.client.write('y', fd, (err) => { fs.closeSync(fd); res(err ?? null); });
        } catch (e) {
          fs.closeSync(fd);
          res(e);
        }
      }));
    }
    const results = await guard(Promise.all(cbs), 10000, 'the write callbacks');
    t.deepEqual(results.filter((r) => r !== null), []);
    await guard(new Promise((res) => {
      const check = () => { if (bytes === N) res(); };
      pair.accepted.on('data', check);
      check();
    }), 10000, () => `the ${N} bytes (got ${bytes})`);
    await expectNoLeak(t, before, `${N} descriptors received with no 'fd' listener, connection open`);
  } finally {
    await pair.close();
  }
});

test.serial('descriptors received on a socket destroyed before they are emitted are closed, and never emitted', async (t) => {
  const N = 200;
  const before = snapshot();
  const pair = await unixPair(rsnet);
  const ours = [];
  let emitted = 0;
  let afterDestroy = 0;
  pair.accepted.on('fd', (fd) => {
    emitted++;
    if (pair.accepted.destroyed) afterDestroy++;
    fs.closeSync(fd);
    // the first one destroys the socket: the others (read along with it, or
    // still in the kernel) must be closed by rsnet, not emitted
    if (emitted === 1) pair.accepted.destroy();
  });
  pair.accepted.on('data', () => {});
  pair.accepted.on('error', () => {});
  pair.client.on('error', () => {});
  try {
    for (let i = 0; i < N; i++) {
      const fd = fs.openSync('/dev/null', 'r');
      ours.push(fd);
      try {
        pair.client.write('z', fd);
      } catch {
        break;
      }
    }
    await guard(pair.acceptedClosed, 10000, "the receiver's 'close'");
    t.is(emitted, 1, "no 'fd' event after destroy()");
    t.is(afterDestroy, 0);
    // the sender finds out (EPIPE/ECONNRESET or end); our copies can go once
    // its socket is closed and nothing of it refers to them any more
    pair.client.destroy();
    await guard(pair.clientClosed, 10000, "the sender's 'close'");
  } finally {
    for (const fd of ours) fs.closeSync(fd);
    await pair.close();
  }
  await expectNoLeak(t, before, `${N} descriptors sent to a socket destroyed on the first one`);
});

test.serial('descriptors sent to a paused receiver that is then destroyed are closed', async (t) => {
  const N = 100;
  const before = snapshot();
  const pair = await unixPair(rsnet);
  const ours = [];
  let emitted = 0;
  pair.accepted.pause();
  pair.accepted.on('fd', (fd) => { emitted++; fs.closeSync(fd); });
  pair.accepted.on('error', () => {});
  pair.client.on('error', () => {});
  try {
    const cbs = [];
    for (let i = 0; i < N; i++) {
      const fd = fs.openSync('/dev/null', 'r');
      ours.push(fd);
      cbs.push(new Promise((res) => {
        try {
          pair.client.write('p', fd, (err) => res(err ?? null));
        } catch (e) {
          res(e);
        }
      }));
    }
    // every byte has left the sender: it sits in the kernel or in rsnet's
    // read buffer, with its descriptor
    const results = await guard(Promise.all(cbs), 10000, 'the write callbacks');
    t.deepEqual(results.filter((r) => r !== null), []);
    pair.accepted.destroy();
    await guard(pair.acceptedClosed, 10000, "the receiver's 'close'");
    pair.client.destroy();
    await guard(pair.clientClosed, 10000, "the sender's 'close'");
    t.log(`'fd' events emitted while paused: ${emitted} of ${N}`);
  } finally {
    for (const fd of ours) fs.closeSync(fd);
    await pair.close();
  }
  await expectNoLeak(t, before, `${N} descriptors sent to a paused receiver, then destroyed`);
});
