// Family auto-selection ("happy eyeballs") when an address does not answer: the attempt
// times out after autoSelectFamilyAttemptTimeout and the next address is tried. The
// silent address is a real loopback listener whose accept queue is full (a Python
// process that never accepts), so SYNs to it go unanswered.
import test from 'ava';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { differential } from './helpers/impl.mjs';
import { closeServer } from './helpers/fixtures.mjs';

const dt = (title, scenario, opts) => test(title, (t) => differential(t, title, scenario, opts));

const SILENT_LISTENER = `
import socket, sys, time
l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(0)
port = l.getsockname()[1]
held = []
for _ in range(4):  # fill the accept queue; these are never accepted
    c = socket.socket(); c.setblocking(False)
    try: c.connect(('127.0.0.1', port))
    except BlockingIOError: pass
    held.append(c)
time.sleep(0.3)
print(port, flush=True)
sys.stdin.read()  # until the test closes our stdin
`;

async function silentListener() {
  const child = spawn('python3', ['-c', SILENT_LISTENER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = await new Promise((res) => createInterface({ input: child.stdout }).once('line', (l) => res([l])));
  return { port: Number(line), stop: () => child.stdin.end() };
}

dt('an attempt that times out moves on to the next address', async (net, ctx) => {
  const silent = await silentListener();
  try {
    // The live server takes the same port number on ::1.
    const server = ctx.createServer((s) => s.end('hello'));
    await ctx.listen(server, 'P', silent.port, '::1');
    const lookup = (hostname, options, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }]);
    const c = ctx.connect({ port: silent.port, host: 'both.invalid', lookup, autoSelectFamilyAttemptTimeout: 200 });
    ctx.watch(c, 'client');
    await ctx.closed(c);
    ctx.rec('o', 'attempted', c.autoSelectFamilyAttemptedAddresses.length);
    await closeServer(server);
  } finally {
    silent.stop();
  }
});
