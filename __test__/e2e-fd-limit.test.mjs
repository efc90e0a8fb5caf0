// Out of descriptors (issue 15): a server run with `ulimit -n 64` and far more clients.
// Match node:net (libuv's reserve descriptor): the server gets no 'error' (it has no
// listener, so one would end the process), connections it cannot take are closed at
// once instead of waiting in the backlog, and once descriptors are free again new
// clients are served. The same child runs on node:net and on rsnet.
import test from 'ava';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { watchChild } from './helpers/child.mjs';
import { implSpecifier } from './helpers/impl.mjs';

const CHILD = fileURLToPath(new URL('./helpers/fd-limit-child.cjs', import.meta.url));
const CLIENTS = 120;
const LATER = 10;
const GUARD_MS = 15_000;

/** A client that records how it ended; resolves once connected or failed. */
function client(port) {
  const c = net.connect(port, '127.0.0.1');
  const state = { socket: c, ended: false, data: '' };
  c.setEncoding('utf8');
  c.on('data', (d) => { state.data += d; });
  c.on('error', () => {});
  c.on('close', () => { state.ended = true; });
  return state;
}

async function until(what, pred) {
  const deadline = Date.now() + GUARD_MS;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function run(which) {
  const child = spawn('sh', ['-c', `ulimit -n 64 && exec "${process.execPath}" "${CHILD}"`], {
    env: { ...process.env, RSNET_NET_MODULE: implSpecifier(which) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const ch = watchChild(child);
  const clients = [];
  try {
    const { port } = await ch.message((m) => m.port !== undefined);
    for (let i = 0; i < CLIENTS; i++) clients.push(client(port));
    const held = () => Math.max(0, ...ch.messages.filter((m) => m.held !== undefined).map((m) => m.held));
    // Every client is either held by the server or already closed by it: none waits.
    await until('every client held or closed', () => held() + clients.filter((c) => c.ended).length === CLIENTS);
    const heldCount = held();
    ch.send('release');
    await ch.message((m) => m.released !== undefined);
    await until('the held clients closed', () => clients.every((c) => c.ended));
    const later = [];
    for (let i = 0; i < LATER; i++) later.push(client(port));
    await until('the later clients answered', () => later.every((c) => c.ended));
    return {
      alive: ch.alive(),
      someHeld: heldCount > 0,
      someClosedAtOnce: heldCount < CLIENTS,
      servedLater: later.filter((c) => c.data === 'ok').length,
      stderr: ch.stderr,
    };
  } catch (e) {
    const held = ch.messages.filter((m) => m.held !== undefined).length;
    throw new Error(`${e.message}: ${clients.filter((c) => c.ended).length} of ${clients.length} clients closed, ${held} held, child alive ${ch.alive()} ${JSON.stringify(ch.exitInfo)}, stderr: ${ch.stderr.slice(0, 2000)}`);
  } finally {
    for (const c of clients) c.socket.destroy();
    await ch.kill('SIGKILL');
  }
}

for (const which of ['node', 'rsnet']) {
  test(`${which}: out of descriptors, the server stays up, refuses at once, and serves again`, async (t) => {
    t.timeout(GUARD_MS * 4);
    // A failure says where it stopped, with what the child said.
    const r = await run(which).catch((e) => ({ error: e.message, stderr: '' }));
    t.is(r.error, undefined, r.error);
    t.deepEqual(
      { alive: r.alive, someHeld: r.someHeld, someClosedAtOnce: r.someClosedAtOnce, servedLater: r.servedLater },
      { alive: true, someHeld: true, someClosedAtOnce: true, servedLater: LATER },
      r.stderr,
    );
  });
}
