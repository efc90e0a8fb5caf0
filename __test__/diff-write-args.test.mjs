// write() with arguments node:net gives a fixed meaning to, on TCP and on Unix
// sockets (issue 15: rsnet's old fd-passing form, write(data[, encoding], fd), had
// taken many of them as descriptors). Each call's synchronous outcome (the return
// value, or the error's class, code and message) and what the peer receives are
// compared with node:net's. Descriptors that happen to be open are left out: there the
// old API passes them, and node:net's own outcome depends on which are open.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { differential } from './helpers/impl.mjs';

const CALLS = [
  ['(x, 0)', (s) => s.write('x', 0)],
  ['(x, false)', (s) => s.write('x', false)],
  ['(x, NaN)', (s) => s.write('x', NaN)],
  ['(x, "")', (s) => s.write('x', '')],
  ['(x, null)', (s) => s.write('x', null)],
  ['(x, Infinity)', (s) => s.write('x', Infinity)],
  ['(x, -1)', (s) => s.write('x', -1)],
  ['(x, 1.5)', (s) => s.write('x', 1.5)],
  ['(x, 99999)', (s) => s.write('x', 99999)],
  ['(x, {})', (s) => s.write('x', {})],
  ['(x, [])', (s) => s.write('x', [])],
  ['(x, utf8, {})', (s) => s.write('x', 'utf8', {})],
  ['(x, utf8, 0)', (s) => s.write('x', 'utf8', 0)],
  ['(x, utf8, 99999)', (s) => s.write('x', 'utf8', 99999)],
  ['(x, utf8, true)', (s) => s.write('x', 'utf8', true)],
  ['(x, null, 99999)', (s) => s.write('x', null, 99999)],
  ['(x, hex, {})', (s) => s.write('78', 'hex', {})],
];

function outcome(f) {
  try {
    return ['returned', f()];
  } catch (e) {
    return ['threw', e.constructor.name, e.code, e.message];
  }
}

async function writeCalls(net, ctx, listenArgs, connectArgs) {
  const server = net.createServer();
  const received = new Promise((resolve) => server.on('connection', (s) => {
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d) => { got += d; });
    s.on('end', () => resolve(got));
  }));
  await new Promise((resolve) => server.listen(...listenArgs(), resolve));
  const client = net.connect(...connectArgs(server));
  client.on('error', (e) => ctx.rec('client', 'error', e.code));
  await new Promise((resolve) => client.on('connect', resolve));
  for (const [name, call] of CALLS) ctx.rec('calls', name, outcome(() => call(client)));
  client.end();
  ctx.rec('peer', 'received', await received);
  await new Promise((resolve) => server.close(resolve));
}

test('write() arguments over TCP', (t) => differential(t, 'write() arguments over TCP', (net, ctx) =>
  writeCalls(net, ctx, () => [0, '127.0.0.1'], (server) => [server.address().port, '127.0.0.1'])));

test('write() arguments over a Unix socket', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rsnet-wargs-'));
  let n = 0;
  try {
    await differential(t, 'write() arguments over a Unix socket', (net, ctx) => {
      const p = path.join(dir, `s${n++}.sock`);
      return writeCalls(net, ctx, () => [p], () => [p]);
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
