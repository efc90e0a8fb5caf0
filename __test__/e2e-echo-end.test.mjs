// A client that sends 1 MiB and its FIN at once, through a server that pipes each
// socket to itself, gets every byte back before its 'end', 50 times over. (A short
// read taken as the end of stream when the FIN came just after it lost the last tens
// of KiB about 1 time in 30; js_reads.rs, hung_up_now.)
import test from 'ava';
import crypto from 'node:crypto';
import { E2E_IMPLS, loadImpl } from './helpers/impl.mjs';

for (const which of E2E_IMPLS) {
  test(`${which}: 50 echoes of 1 MiB sent with end(), every byte back`, async (t) => {
    const net = loadImpl(which);
    const server = net.createServer((s) => s.pipe(s));
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address();
    for (let i = 0; i < 50; i++) {
      const payload = crypto.randomBytes(1 << 20);
      const echoed = await new Promise((resolve, reject) => {
        const c = net.connect(port, '127.0.0.1', () => c.end(payload));
        const parts = [];
        c.on('data', (d) => parts.push(d));
        c.on('error', reject);
        c.on('close', () => resolve(Buffer.concat(parts)));
      });
      if (!echoed.equals(payload)) t.fail(`echo ${i}: sent ${payload.length} bytes, got ${echoed.length}`);
    }
    t.pass();
    await new Promise((resolve) => server.close(resolve));
  });
}
