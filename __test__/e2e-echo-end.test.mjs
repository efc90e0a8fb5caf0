// A client that sends 1 MiB and its FIN at once, through a server that pipes each
// socket to itself, gets every byte back before its 'end', 50 times over (the install
// smoke test's round trip, scripts/lib/smoke/round-trip.cjs). A short read taken as the
// end of stream when the FIN came just after it lost the last tens of KiB about 1 time
// in 30 (js_reads.rs, hung_up_now).
import test from 'ava';
import { createRequire } from 'node:module';
import { E2E_IMPLS, loadImpl } from './helpers/impl.mjs';

const { roundTrip } = createRequire(import.meta.url)('../scripts/lib/smoke/round-trip.cjs');

for (const which of E2E_IMPLS) {
  test(`${which}: 50 echoes of 1 MiB sent with end(), every byte back`, async (t) => {
    const net = loadImpl(which);
    for (let i = 0; i < 50; i++) t.is(await roundTrip(net), 1 << 20);
  });
}
