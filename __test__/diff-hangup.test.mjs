// A peer that hangs up hard while this process is busy (issue 15, item 3): its FIN and
// its reset, or its last bytes and its reset, are both there by the time this process
// reads. node:net (libuv) reads the end of stream first and reports 'end' before the
// failed write's 'error' (EPIPE), and after a short read from a hung-up socket it
// reports the end instead of reading the reset (uv__stream_io); rsnet must do the same.
// The peer is a Python process with blocking sockets (fixtures/hangup/peer.py).
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { differential } from './helpers/impl.mjs';

const PEER = fileURLToPath(new URL('./fixtures/hangup/peer.py', import.meta.url));
// Serial: each keeps this process's thread busy, which would hold the other's events too.
const dt = (title, scenario, opts) => test.serial(title, (t) => differential(t, title, scenario, opts));

async function startPeer(mode) {
  const child = spawn('python3', [PEER, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  return { port: JSON.parse(line).port, exited: once(child, 'exit') };
}

/** Keeps this thread busy, as a process at work is, while the peer acts. */
function busy(ms) {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

function record(socket, events) {
  for (const ev of ['data', 'end', 'finish', 'error', 'close']) {
    socket.on(ev, (a) => events.push(a instanceof Error ? `${ev}:${a.code}:${a.syscall}` : ev === 'data' ? `data:${a.length}` : ev));
  }
}

dt('the peer sends FIN, then resets, while this process is busy writing: end, then EPIPE', async (net, ctx) => {
  const peer = await startPeer('fin-then-reset');
  const c = net.connect(peer.port, '127.0.0.1');
  const events = [];
  c.on('connect', () => {
    record(c, events);
    c.write(Buffer.alloc(8 << 20));
    busy(300);
  });
  await new Promise((resolve) => c.on('close', resolve));
  ctx.rec('events', events);
  await peer.exited;
});

// With a second connection open: the rule needs to know the socket was hung up before
// it was read, which the poller's epoll_wait says; a socket alone in its thread's
// poller is read without one, and reads on to the reset as libuv 1.52 does (Node 24
// on) whatever the Node (docs/faults.md).
dt('the peer writes, then resets, while this process is busy: data, then end', async (net, ctx) => {
  const peer = await startPeer('data-then-reset');
  const other = net.createServer((s) => s.resume());
  await new Promise((resolve) => other.listen(0, '127.0.0.1', resolve));
  const idle = net.connect(other.address().port, '127.0.0.1');
  idle.resume();
  await new Promise((resolve) => idle.once('connect', resolve));
  const c = net.connect(peer.port, '127.0.0.1');
  const events = [];
  c.on('connect', () => {
    record(c, events);
    c.write('hello');
    busy(200);
  });
  // Match node:net: the end is reported, not the reset; this side then ends too
  // (allowHalfOpen is off) and closes.
  await new Promise((resolve) => c.on('close', resolve));
  ctx.rec('events', events);
  await peer.exited;
  idle.destroy();
  await new Promise((resolve) => other.close(resolve));
});
