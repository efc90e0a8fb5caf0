// Smoke test of worker threads, which DESIGN.md asks for on every supported Node
// (some releases are reported to abort when a worker exits with live threadsafe
// functions): one worker does a round trip and exits by itself, a second is
// terminated while its server is listening; then the main thread does a round trip.
// A crash here is the process dying, so the caller checks the exit status too.
'use strict';
const { Worker } = require('worker_threads');
const { roundTrip, guard } = require('./round-trip.cjs');

guard(30_000);

function runWorker(code) {
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true });
    w.on('error', reject);
    w.on('message', (m) => { if (m === 'listening') w.terminate(); });
    w.on('exit', resolve);
  });
}

(async () => {
  const roundTripPath = JSON.stringify(require.resolve('./round-trip.cjs'));
  const exited = await runWorker(`
    require(${roundTripPath}).roundTrip(require('rsnet')).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
  `);
  if (exited !== 0) throw new Error(`the round-trip worker exited with ${exited}`);
  await runWorker(`
    const net = require('rsnet');
    const { parentPort } = require('worker_threads');
    net.createServer((s) => s.pipe(s)).listen(0, '127.0.0.1', () => parentPort.postMessage('listening'));
  `);
  const bytes = await roundTrip(require('rsnet'));
  console.log(JSON.stringify({ entry: 'worker', node: process.version, bytes, resolved: require.resolve('rsnet') }));
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
