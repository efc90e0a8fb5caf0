// Smoke test of the CommonJS entry: require('rsnet'), one echo round trip, and a JSON
// report of where rsnet and its addon were loaded from (the caller checks they are
// inside the temp project).
'use strict';
const { roundTrip, loadedAddons, guard } = require('./round-trip.cjs');

guard(20_000);
const net = require('rsnet');
roundTrip(net).then((bytes) => {
  console.log(JSON.stringify({
    entry: 'require', node: process.version, bytes, resolved: require.resolve('rsnet'), addons: loadedAddons(),
  }));
}, (err) => {
  console.error(err);
  process.exitCode = 1;
});
