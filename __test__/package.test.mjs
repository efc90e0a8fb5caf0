// The package as users load it: require('rsnet'), import from 'rsnet' (named and
// default), one shared module instance, and typings that accept node:net code.
import test from 'ava';
import { createRequire } from 'node:module';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import nodeNet from 'node:net';
import rsnetDefault, { createServer, connect, Socket, Server, isIP } from 'rsnet';
import { EXPORTS_NOT_YET } from './helpers/impl.mjs';

const require = createRequire(import.meta.url);
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

test('require and import give the same module, with every node:net export', (t) => {
  const cjs = require('rsnet');
  t.is(rsnetDefault, cjs);
  t.is(createServer, cjs.createServer);
  t.is(Socket, cjs.Socket);
  t.is(Server, cjs.Server);
  for (const name of Object.keys(nodeNet)) {
    if (name in EXPORTS_NOT_YET) {
      // Not implemented yet (scripts/node-differences.json): still missing, and said so.
      t.is(cjs[name], undefined, `${name} is listed as not yet exported: update scripts/node-differences.json`);
      t.log(`not yet: ${name}: ${EXPORTS_NOT_YET[name]}`);
      continue;
    }
    t.is(typeof cjs[name], typeof nodeNet[name], `export ${name}`);
  }
  t.is(isIP('::1'), 6);
});

test('an echo round trip through the ESM entry point', async (t) => {
  const server = createServer((s) => s.pipe(s));
  await new Promise((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address();
  const got = await new Promise((res, rej) => {
    const c = connect(port, '127.0.0.1', () => c.end('ping'));
    const parts = [];
    c.on('data', (d) => parts.push(d));
    c.on('error', rej);
    c.on('close', () => res(Buffer.concat(parts).toString()));
  });
  await new Promise((res) => server.close(res));
  t.is(got, 'ping');
});

test('typings: code written for node:net type-checks against rsnet', async (t) => {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const fixture = path.join(root, '__test__', 'fixtures', 'typings-consumer.ts');
  // node16 resolution, so the package's own "exports" map (and its "types") is used.
  const run = promisify(execFile)(process.execPath, [tsc, '--noEmit', '--strict', '--esModuleInterop',
    '--module', 'node16', '--moduleResolution', 'node16', '--types', 'node', fixture], { cwd: root });
  // Rejects, failing the test with tsc's diagnostics, if anything does not type-check.
  await t.notThrowsAsync(run);
});
