// The JS-thread reactor prototype (RSNET_REACTOR=js, Linux): off by default, kept
// working by this smoke test in a child process (the mode is chosen once per process).
// What it checks is behaviour, not speed: an echo round trip with half-close, an idle
// timeout, a native pipe, and a clean exit with nothing left open.

import test from 'ava';
import { spawn } from 'node:child_process';
import { watchChild } from './helpers/child.mjs';

const script = `
const net = require(${JSON.stringify(new URL('../dist/net.js', import.meta.url).pathname)});
const crypto = require('crypto');
const out = [];
const payload = crypto.randomBytes(1 << 20);
const echo = net.createServer((s) => s.pipe(s));
echo.listen(0, '127.0.0.1', () => {
  const c = net.connect(echo.address().port, '127.0.0.1');
  const got = [];
  c.on('data', (d) => got.push(d));
  c.on('end', () => {
    out.push('echo ' + Buffer.concat(got).equals(payload));
    const idle = net.connect(echo.address().port, '127.0.0.1');
    idle.setTimeout(30, () => {
      out.push('timeout');
      idle.destroy();
      echo.close(() => {
        out.push('closed');
        console.log(JSON.stringify(out));
      });
    });
  });
  c.end(payload);
});
`;

test('RSNET_REACTOR=js: echo through a native pipe, idle timeout, clean exit', async (t) => {
  if (process.platform !== 'linux') return t.pass();
  const child = watchChild(spawn(process.execPath, ['-e', script], {
    env: { ...process.env, RSNET_REACTOR: 'js' },
    stdio: ['pipe', 'pipe', 'pipe'],
  }));
  const result = await child.message(() => true, 30_000);
  const exit = await child.exit(10_000);
  t.deepEqual(result, ['echo true', 'timeout', 'closed'], child.stderr);
  t.is(exit.code, 0, child.stderr);
});
