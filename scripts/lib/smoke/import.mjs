// Smoke test of the ES module entry: import from 'rsnet' (default and named exports
// must be the CommonJS module's), one echo round trip, and a JSON report.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import rsnet, { createServer, connect } from 'rsnet';

const require = createRequire(import.meta.url);
const { roundTrip, loadedAddons, guard } = require('./round-trip.cjs');

guard(20_000);
if (rsnet !== require('rsnet') || createServer !== rsnet.createServer || connect !== rsnet.connect) {
  throw new Error('import and require give different modules');
}
const bytes = await roundTrip({ createServer, connect });
console.log(JSON.stringify({
  entry: 'import', node: process.version, bytes, resolved: fileURLToPath(import.meta.resolve('rsnet')), addons: loadedAddons(),
}));
