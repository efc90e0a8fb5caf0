// rsnet's native pipe (src/native_pipe.ts, crates/reactor/src/pipe.rs): `src.pipe(dest)`
// between two rsnet sockets moves the bytes inside the reactor instead of through
// 'data' events, while Readable.prototype.pipe keeps node's semantics ('pipe'/'unpipe',
// end on EOF unless { end: false }, unpipe on dest close, stream.pipeline).
//
// Every scenario runs on node:net and on rsnet (helpers/impl.mjs) and the recorded
// traces (events per socket, byte counters, integrity of the data) must be equal. On top
// of that, rsnet-only checks read `_handle.piped` / `_handle.pipedIn` to prove the
// reactor really carried the bytes (otherwise a scenario could pass on the stream path).
//
// Covered: a TCP proxy whose upstream is still connecting at pipe time, the echo
// `s.pipe(s)` with half-close, { end: false } plus a trailer, unpipe() mid-stream, the
// fallbacks to the stream path (a second 'data' listener, setEncoding, a second pipe, a
// 'readable' listener), the destination destroyed or end()ed by hand mid-transfer,
// pause()/resume() of a piped source, bytes buffered before pipe(), small
// request/response round trips, stream.pipeline (success and error), back-pressure with
// a paused receiver, the opt-outs ({ native: false } and RSNET_NATIVE_PIPE=0),
// Unix-domain <-> TCP proxies, and (rsnet only) that the switch happens even while the
// destination is back-pressured.
//
// Data is checked byte for byte (Buffer.equals), never by counting chunks. Waits are on
// events; the only polling is quiescent(), for "the proxy stopped reading" (stalled
// chains, a paused source), which no event reports. Scenarios about what happens once
// the pipe is native first prime() it with a small message; the tests at the end check
// that it goes native without that help.
import test from 'ava';
import { pipeline } from 'node:stream';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { differential, runScenario, SELF, RSNET_PATH } from './helpers/impl.mjs';
import { closeServer } from './helpers/fixtures.mjs';
import { bytes } from './helpers/data.mjs';

const require = createRequire(import.meta.url);
const MiB = 1024 * 1024;

// ---- the differential test, plus rsnet-only facts ---------------------------------

/**
 * A differential test whose scenario also gets `rs`: `rs.keep(name, socket)` remembers
 * a socket's handle (rsnet run only) so `native(t, states)` can check, after the run,
 * that the reactor carried the bytes: states[name] = { piped, pipedIn, pipedOut }.
 * `rs.note(key, value)` keeps a value per implementation, logged after the run.
 */
function nativeTest(title, scenario, { native, ...opts } = {}) {
  test(title, async (t) => {
    const handles = new Map();
    const notes = {};
    await differential(t, title, (net, ctx) => {
      const isRsnet = ctx.label === 'rsnet' && !SELF;
      const rs = {
        keep(name, sock) {
          if (isRsnet) handles.set(name, sock._handle);
        },
        note(key, value) {
          (notes[ctx.label] ??= {})[key] = value;
        },
      };
      return scenario(net, ctx, rs);
    }, opts);
    if (Object.keys(notes).length) t.log(JSON.stringify(notes));
    if (!native || SELF || handles.size === 0) return;
    const states = {};
    for (const [name, h] of handles) {
      states[name] = { piped: h?.piped === true, pipedIn: h?.pipedIn ?? 0, pipedOut: h?.pipedOut ?? 0 };
    }
    t.log('rsnet native pipe:', JSON.stringify(states));
    native(t, states);
  });
}

/** rsnet-only: the named sockets were natively piped and moved bytes in the reactor. */
function engaged(...names) {
  return (t, states) => {
    for (const n of names) {
      t.true(states[n].piped, `${n}: _handle.piped`);
      t.true(states[n].pipedIn > 0, `${n}: _handle.pipedIn > 0`);
    }
  };
}

/** Anchors the node:net trace: every `intact` it recorded is true. */
function nodeIntact(t, trace) {
  const s = JSON.stringify(trace);
  t.true(s.includes('"intact":true'), 'the scenario checks some data');
  t.false(s.includes('"intact":false'), 'data arrives intact on node:net');
}

// ---- recording -----------------------------------------------------------------

const LEG = { only: ['end', 'finish', 'close', 'error'] };

/** Records a proxy leg's end/finish/close/error and 'pipe'/'unpipe' (by source name). */
function watchLeg(ctx, sock, list, names) {
  ctx.watch(sock, list, LEG);
  for (const ev of ['pipe', 'unpipe']) {
    sock.on(ev, (src) => ctx.rec(list, ev, names.get(src) ?? '<unknown source>'));
  }
}

/** All bytes a socket delivers through 'data' (adds a 'data' listener). */
function collect(sock) {
  const got = [];
  sock.on('data', (c) => got.push(c));
  return () => Buffer.concat(got);
}

function same(buf, expected) {
  return { length: buf.length, intact: buf.equals(expected) };
}

/** `part` is the last part.length bytes of `whole` (and not empty). */
function isSuffix(part, whole) {
  return part.length > 0 && part.length <= whole.length && whole.subarray(whole.length - part.length).equals(part);
}

/** [bytesRead, bytesWritten] per socket, less what `base` (an earlier result) counted. */
function counters(socks, base = {}) {
  const out = {};
  for (const [name, s] of Object.entries(socks)) {
    const [r, w] = base[name] ?? [0, 0];
    out[name] = [s.bytesRead - r, s.bytesWritten - w];
  }
  return out;
}

// ---- servers -------------------------------------------------------------------

/** Listens on 127.0.0.1:0 or a fresh Unix socket path; returns connect() options. */
async function listenOn(ctx, server, kind, label) {
  if (kind === 'unix') {
    const path = ctx.tempPath(label);
    const listening = ctx.wait(server, 'listening');
    server.listen(path);
    await listening;
    return { path };
  }
  return { host: '127.0.0.1', port: await ctx.listen(server, label) };
}

/** A backend that echoes with `s.pipe(s)`. */
async function echoBackend(ctx, kind = 'tcp') {
  const server = ctx.createServer((s) => s.pipe(s));
  return { server, addr: await listenOn(ctx, server, kind, 'ECHO') };
}

/**
 * A backend that keeps every byte of its one connection ('backend' list records its
 * events). `atLeast(n)`: n bytes arrived; `length()`: bytes so far; `done`: all bytes,
 * at 'end'; `conn`: the socket; `mark()`: count from here on (what came before is left
 * out of all of these). `paused`: the socket starts paused (resume it through `conn`);
 * `slow`: it pauses after every chunk and resumes on the next timer turn.
 */
async function sinkBackend(ctx, { kind = 'tcp', paused = false, slow = false, list = 'backend' } = {}) {
  const got = [];
  let length = 0;
  let base = 0;
  const waiters = new Set();
  let gotConn;
  let gotAll;
  const conn = new Promise((res) => { gotConn = res; });
  const done = new Promise((res) => { gotAll = res; });
  const server = ctx.createServer((s) => {
    ctx.watch(s, list, LEG);
    if (paused) s.pause();
    s.on('data', (c) => {
      got.push(c);
      length += c.length;
      if (slow) {
        s.pause();
        setTimeout(() => s.resume(), 1);
      }
      for (const w of [...waiters]) {
        if (length - base >= w.n) {
          waiters.delete(w);
          w.res();
        }
      }
    });
    s.on('end', () => gotAll(Buffer.concat(got).subarray(base)));
    gotConn(s);
  });
  const addr = await listenOn(ctx, server, kind, list.toUpperCase());
  const atLeast = (n) => (length - base >= n ? Promise.resolve() : new Promise((res) => waiters.add({ n, res })));
  const mark = () => { base = length; };
  return { server, addr, conn, done, atLeast, mark, length: () => length - base };
}

/**
 * client -> proxy (down) -> backend (up). `wire(down, up)` runs in the proxy's
 * 'connection' handler, while `up` is still connecting. The proxy legs are recorded in
 * 'down'/'up', the client in 'client' (unless `watchClient: false`). Resolves once the
 * client is connected and the proxy has both legs.
 */
async function proxyRig(ctx, backendAddr, wire, { kind = 'tcp', allowHalfOpen = false, watchClient = true } = {}) {
  const server = ctx.createServer({ allowHalfOpen });
  const addr = await listenOn(ctx, server, kind, 'PROXY');
  const legs = new Promise((res) => server.once('connection', (down) => {
    const up = ctx.connect({ ...backendAddr, allowHalfOpen });
    const names = new Map([[down, 'down'], [up, 'up']]);
    watchLeg(ctx, down, 'down', names);
    watchLeg(ctx, up, 'up', names);
    wire(down, up);
    res({ down, up });
  }));
  const client = ctx.connect(addr);
  if (watchClient) ctx.watch(client, 'client', LEG);
  else client.on('error', () => {});
  await ctx.wait(client, 'connect');
  return { server, client, ...(await legs) };
}

/**
 * The usual rig: a proxy whose 'connection' pipes the client's leg (`down`) into the
 * backend leg (`up`) towards a sink, primed until the pipe is native on rsnet.
 * `readBackend: false` leaves the backend's direction unread.
 */
async function primedPipe(ctx, rs, { readBackend = true } = {}) {
  const sink = await sinkBackend(ctx);
  const rig = await proxyRig(ctx, sink.addr, (down, up) => {
    rs.keep('down', down);
    down.pipe(up);
    if (readBackend) up.resume();
  });
  rig.client.resume();
  await prime(rig.client, sink, rig.down);
  return { sink, ...rig };
}

/**
 * Sends a few bytes through the proxy to `sink`, again once they arrived, until rsnet's
 * reactor has carried some of them natively from `src` (node:net: once), then has the
 * sink count from there. The switch needs a moment with no bytes on their way to JS; a
 * continuous stream may not give it one (the 'engages while back-pressured' tests cover
 * that), and the scenarios using this are about what happens once the pipe is native.
 * Counters recorded afterwards are taken relative to `counters()` right after it.
 */
async function prime(client, sink, src) {
  for (let i = 0; i < 20; i++) {
    client.write('prime;');
    await sink.atLeast(6);
    sink.mark();
    const pipedIn = src._handle?.pipedIn; // node:net's handle has none
    if (pipedIn === undefined || pipedIn > 0) break;
  }
}

/**
 * Waits until every socket the scenario opened or accepted has emitted 'close' (they all
 * end by themselves), then closes the servers.
 */
async function finish(ctx, ...servers) {
  await Promise.all([...ctx.sockets].map((s) => ctx.closed(s)));
  for (const s of servers) await closeServer(s);
}

/**
 * Resolves with get() once it stopped changing for `stable` polls `ms` apart (at most
 * `max` polls). Only detects quiescence; what the value is, is the assertion.
 */
async function quiescent(get, { ms = 20, stable = 10, max = 1000 } = {}) {
  let last = get();
  let unchanged = 0;
  for (let i = 0; i < max && unchanged < stable; i++) {
    await new Promise((res) => setTimeout(res, ms));
    const v = get();
    unchanged = v === last ? unchanged + 1 : 0;
    last = v;
  }
  return last;
}

// ---- 1. proxy --------------------------------------------------------------------

nativeTest('proxy c.pipe(up), up.pipe(c), up still connecting at pipe time: 8 MiB round trip, events, counters', async (net, ctx, rs) => {
  const echo = await echoBackend(ctx);
  const { server, client, down, up } = await proxyRig(ctx, echo.addr, (down, up) => {
    rs.keep('down', down);
    rs.keep('up', up);
    ctx.rec('o', 'up-connecting-at-pipe', up.connecting);
    down.pipe(up);
    up.pipe(down);
  }, { allowHalfOpen: true });
  const got = collect(client);
  const data = bytes(101, 8 * MiB);
  client.end(data);
  await finish(ctx, server, echo.server);
  ctx.rec('o', 'echoed', same(got(), data));
  ctx.rec('o', 'counters', counters({ down, up, client }));
}, { timeout: 30000, check: nodeIntact, native: engaged('down', 'up') });

// ---- 2. echo ---------------------------------------------------------------------

nativeTest('echo s.pipe(s): bytes intact; the client ends, gets every echoed byte, then end; both close', async (net, ctx, rs) => {
  let accepted;
  const server = ctx.createServer((s) => {
    accepted = s;
    rs.keep('echo', s);
    watchLeg(ctx, s, 'server', new Map([[s, 'self']]));
    s.pipe(s);
  });
  const port = await ctx.listen(server, 'S');
  const client = ctx.connect(port, '127.0.0.1');
  ctx.watch(client, 'client', LEG);
  const got = collect(client);
  let received = 0;
  client.on('data', (c) => { received += c.length; });
  client.on('end', () => ctx.rec('client', 'bytes-at-end', received));
  await ctx.wait(client, 'connect');
  const data = bytes(102, 4 * MiB);
  client.end(data);
  await finish(ctx, server);
  ctx.rec('o', 'echoed', same(got(), data));
  ctx.rec('o', 'counters', counters({ client, accepted }));
}, { timeout: 30000, check: nodeIntact, native: engaged('echo') });

// ---- 3. { end: false } -------------------------------------------------------------

nativeTest('pipe(dest, { end: false }): source EOF leaves dest open, a trailer written after it arrives last', async (net, ctx, rs) => {
  const sink = await sinkBackend(ctx);
  const trailer = Buffer.from('--trailer written by the proxy after the source ended--');
  const { server, client, down, up } = await proxyRig(ctx, sink.addr, (down, up) => {
    rs.keep('down', down);
    down.pipe(up, { end: false });
    up.resume(); // nobody reads the backend's direction: let its EOF through
    down.on('end', () => {
      ctx.rec('down', 'state-at-end', { upWritable: up.writable, upWritableEnded: up.writableEnded });
      up.end(trailer);
    });
  });
  client.resume();
  await prime(client, sink, down);
  const base = counters({ down, up });
  const data = bytes(103, 4 * MiB);
  client.end(data);
  const all = await sink.done;
  await finish(ctx, server, sink.server);
  ctx.rec('o', 'backend-got', same(all, Buffer.concat([data, trailer])));
  ctx.rec('o', 'counters', counters({ down, up }, base));
}, { timeout: 30000, check: nodeIntact, native: engaged('down') });

// ---- 4. unpipe() mid-stream ----------------------------------------------------------

nativeTest('unpipe() mid-stream: the rest arrives through a data listener, nothing lost or duplicated', async (net, ctx, rs) => {
  const { sink, server, client, down, up } = await primedPipe(ctx, rs);
  const base = counters({ down });
  const data = bytes(104, 16 * MiB);
  client.end(data);
  await sink.atLeast(1 * MiB);
  const r = down.unpipe(up);
  ctx.rec('o', 'after-unpipe', { returnsSrc: r === down, flowing: down.readableFlowing });
  const direct = collect(down);
  const downEnded = ctx.wait(down, 'end');
  down.resume();
  await downEnded;
  up.end(); // the pipe no longer ends it
  const viaPipe = await sink.done;
  const rest = direct();
  rs.note('split', [viaPipe.length, rest.length]);
  ctx.rec('o', 'split', {
    total: viaPipe.length + rest.length,
    pipedAtLeast1MiB: viaPipe.length >= MiB,
    directNotEmpty: rest.length > 0,
    ...same(Buffer.concat([viaPipe, rest]), data),
  });
  await finish(ctx, server, sink.server);
  ctx.rec('o', 'counters', counters({ down }, base));
}, { timeout: 30000, check: nodeIntact, native: engaged('down') });

// ---- 5. fallbacks to the stream path --------------------------------------------------

nativeTest("fallback: a second 'data' listener mid-stream sees every later byte, the dest every byte", async (net, ctx, rs) => {
  const { sink, server, client, down, up } = await primedPipe(ctx, rs);
  const base = counters({ down, up });
  const data = bytes(105, 16 * MiB);
  client.end(data);
  await sink.atLeast(1 * MiB);
  const seen = collect(down);
  const all = await sink.done;
  await finish(ctx, server, sink.server);
  rs.note('listener-saw', seen().length);
  ctx.rec('o', 'dest', same(all, data));
  ctx.rec('o', 'listener', { suffixOfSent: isSuffix(seen(), data) });
  ctx.rec('o', 'counters', counters({ down, up }, base));
}, { timeout: 30000, check: nodeIntact, native: engaged('down') });

nativeTest("fallback: setEncoding('latin1') after pipe: the dest gets the strings' bytes, the listener strings", async (net, ctx, rs) => {
  const { sink, server, client, down, up } = await primedPipe(ctx, rs);
  const base = counters({ down, up });
  // phase 1 goes through the (native) pipe; phase 2 after setEncoding
  const phase1 = bytes(106, 2 * MiB);
  const phase2 = bytes(107, 1 * MiB);
  client.write(phase1);
  await sink.atLeast(phase1.length);
  down.setEncoding('latin1');
  ctx.rec('o', 'encoding', down.readableEncoding);
  const strings = [];
  down.on('data', (s) => strings.push(s));
  client.end(phase2);
  const all = await sink.done;
  await finish(ctx, server, sink.server);
  // the pipe writes the latin1 strings to the dest, which encodes them as utf8
  const expected = Buffer.concat([phase1, Buffer.from(phase2.toString('latin1'), 'utf8')]);
  ctx.rec('o', 'dest', same(all, expected));
  ctx.rec('o', 'listener', {
    types: [...new Set(strings.map((s) => typeof s))],
    intact: strings.join('') === phase2.toString('latin1'),
  });
  ctx.rec('o', 'counters', counters({ down, up }, base));
}, { timeout: 30000, check: nodeIntact, native: engaged('down') });

nativeTest('fallback: a second pipe mid-stream: the first dest gets every byte, the second every later byte', async (net, ctx, rs) => {
  const sinkA = await sinkBackend(ctx, { list: 'backendA' });
  const sinkB = await sinkBackend(ctx, { list: 'backendB' });
  const { server, client, down, up } = await proxyRig(ctx, sinkA.addr, (down, up) => {
    rs.keep('down', down);
    down.pipe(up);
    up.resume();
  });
  client.resume();
  await prime(client, sinkA, down);
  const data = bytes(108, 16 * MiB);
  client.end(data);
  await sinkA.atLeast(1 * MiB);
  const up2 = ctx.connect(sinkB.addr);
  watchLeg(ctx, up2, 'up2', new Map([[down, 'down']]));
  up2.resume();
  down.pipe(up2);
  const [a, b] = await Promise.all([sinkA.done, sinkB.done]);
  await finish(ctx, server, sinkA.server, sinkB.server);
  rs.note('second-dest-got', b.length);
  ctx.rec('o', 'first-dest', same(a, data));
  ctx.rec('o', 'second-dest', { suffixOfSent: isSuffix(b, data) });
}, { timeout: 30000, check: nodeIntact, native: engaged('down') });

nativeTest("fallback: a 'readable' listener after pipe: read() feeds both the listener and the dest", async (net, ctx, rs) => {
  const { sink, server, client, down, up } = await primedPipe(ctx, rs);
  const phase1 = bytes(118, 2 * MiB);
  const phase2 = bytes(119, 2 * MiB);
  client.write(phase1);
  await sink.atLeast(phase1.length);
  const readAll = [];
  down.on('readable', () => {
    let c;
    while ((c = down.read()) !== null) readAll.push(c);
  });
  client.end(phase2);
  const all = await sink.done;
  await finish(ctx, server, sink.server);
  ctx.rec('o', 'dest', same(all, Buffer.concat([phase1, phase2])));
  ctx.rec('o', 'read()', same(Buffer.concat(readAll), phase2));
}, { timeout: 30000, check: nodeIntact, native: engaged('down') });

// ---- 6. the destination destroyed (or ended by hand) mid-transfer ----------------------------

nativeTest("dest destroyed mid-transfer: 'unpipe', no error, the source still reads with a listener", async (net, ctx, rs) => {
  const { sink, server, client, down, up } = await primedPipe(ctx, rs, { readBackend: false });
  const data = bytes(109, 16 * MiB);
  const marker = Buffer.from('<written after the destination was gone>');
  client.write(data);
  await sink.atLeast(1 * MiB);
  const unpiped = ctx.wait(up, 'unpipe');
  up.destroy();
  await unpiped;
  ctx.rec('o', 'after-unpipe', { downDestroyed: down.destroyed, downReadable: down.readable });
  const rest = collect(down);
  const downEnded = ctx.wait(down, 'end');
  down.resume();
  client.end(marker);
  await downEnded;
  const backendGot = await sink.done;
  await finish(ctx, server, sink.server);
  const got = rest();
  const body = got.subarray(0, Math.max(0, got.length - marker.length));
  rs.note('backend/listener', [backendGot.length, got.length]);
  ctx.rec('o', 'backend', { prefixOfSent: backendGot.length > 0 && data.subarray(0, backendGot.length).equals(backendGot) });
  ctx.rec('o', 'listener', {
    endsWithMarker: got.length >= marker.length && got.subarray(got.length - marker.length).equals(marker),
    restIsSuffixOfSent: body.length === 0 || isSuffix(body, data),
  });
}, { timeout: 30000, native: engaged('down') });

nativeTest('dest.end() by hand while the pipe is stalled: dest ends cleanly, the rest stays readable from the source', async (net, ctx, rs) => {
  const { sink, server, client, down, up } = await primedPipe(ctx, rs);
  const receiver = await sink.conn;
  receiver.pause();
  const data = bytes(115, 16 * MiB);
  client.end(data);
  // the whole chain is stalled behind the paused receiver
  await quiescent(() => down.bytesRead);
  const unpiped = ctx.wait(up, 'unpipe');
  up.end();
  receiver.resume();
  await unpiped;
  const rest = collect(down);
  const downEnded = ctx.wait(down, 'end');
  down.resume();
  await downEnded;
  const viaPipe = await sink.done;
  await finish(ctx, server, sink.server);
  rs.note('split', [viaPipe.length, rest().length]);
  ctx.rec('o', 'split', {
    destGotPart: viaPipe.length > 0 && viaPipe.length < data.length,
    ...same(Buffer.concat([viaPipe, rest()]), data),
  });
}, { timeout: 30000, check: nodeIntact, native: engaged('down') });

// ---- fan-in: two sources natively piped into one destination ------------------------

nativeTest('fan-in: two sources piped into one stalled dest; dest.end() stops both, no byte lost: the rest stays readable from each', async (net, ctx, rs) => {
  const sink = await sinkBackend(ctx);
  const server = ctx.createServer();
  const addr = { host: '127.0.0.1', port: await ctx.listen(server, 'PROXY') };
  const up = ctx.connect(sink.addr);
  const names = new Map([[up, 'up']]);
  watchLeg(ctx, up, 'up', names);
  await ctx.wait(up, 'connect');
  const downs = [];
  const bothAccepted = new Promise((res) => server.on('connection', (down) => {
    const name = `down${downs.length + 1}`;
    names.set(down, name);
    rs.keep(name, down);
    ctx.watch(down, name, LEG);
    // { end: false }: neither source's EOF may end the shared destination.
    down.pipe(up, { end: false });
    downs.push(down);
    if (downs.length === 2) res();
  }));
  const clients = [ctx.connect(addr), ctx.connect(addr)];
  await bothAccepted;
  for (let i = 0; i < 2; i++) await prime(clients[i], sink, downs[i]);
  // Stall the whole chain behind a paused receiver, with both pipes carrying bytes.
  const receiver = await sink.conn;
  receiver.pause();
  const data = [bytes(118, 6 * MiB), bytes(119, 5 * MiB)];
  clients.forEach((c, i) => c.end(data[i]));
  await quiescent(() => downs[0].bytesRead + downs[1].bytesRead);
  let unpipes = 0;
  const unpiped = new Promise((res) => up.on('unpipe', () => ++unpipes === 2 && res()));
  up.end();
  receiver.resume();
  await unpiped;
  ctx.rec('o', 'paused-after-unpipe', downs.map((d) => d.isPaused()));
  const rests = downs.map((d) => collect(d));
  const ended = downs.map((d) => ctx.wait(d, 'end'));
  for (const d of downs) d.resume();
  await Promise.all(ended);
  const viaPipe = await sink.done;
  await finish(ctx, server, sink.server);
  const rest = rests.map((r) => r());
  rs.note('split', [viaPipe.length, rest[0].length, rest[1].length]);
  ctx.rec('o', 'no-byte-lost', {
    intact: viaPipe.length + rest[0].length + rest[1].length === data[0].length + data[1].length,
    restsAreSuffixes: rest.every((r, i) => r.length === 0 || isSuffix(r, data[i])),
  });
}, { timeout: 30000, check: nodeIntact, native: engaged('down1', 'down2') });

// ---- pause()/resume() of a piped source ---------------------------------------------------

nativeTest('pause() on a piped source stops the transfer, resume() restarts it', async (net, ctx, rs) => {
  const { sink, server, client, down, up } = await primedPipe(ctx, rs);
  const phase1 = bytes(116, 2 * MiB);
  const phase2 = bytes(117, 8 * MiB);
  client.write(phase1);
  await sink.atLeast(phase1.length);
  down.pause();
  ctx.rec('o', 'paused', down.isPaused());
  client.end(phase2);
  await quiescent(() => down.bytesRead);
  ctx.rec('o', 'while-paused', { backendGotOnlyPhase1: sink.length() === phase1.length });
  down.resume();
  const all = await sink.done;
  await finish(ctx, server, sink.server);
  ctx.rec('o', 'backend-got', same(all, Buffer.concat([phase1, phase2])));
}, { timeout: 30000, check: nodeIntact, native: engaged('down') });

// ---- when the switch happens: bytes buffered before pipe(), small messages ------------------

nativeTest('data buffered in the source before pipe() goes first, the rest natively', async (net, ctx, rs) => {
  const echo = await echoBackend(ctx);
  const { server, client, down, up } = await proxyRig(ctx, echo.addr, (down, up) => {
    rs.keep('down', down);
    rs.keep('up', up);
    down.pause();
    // pipe only once the client's bytes wait in down and up is connected
    up.once('connect', async () => {
      await quiescent(() => down.bytesRead);
      ctx.rec('o', 'buffered-before-pipe', down.readableLength > 0);
      down.pipe(up);
      up.pipe(down);
    });
  }, { allowHalfOpen: true });
  const got = collect(client);
  const data = bytes(120, 8 * MiB);
  client.end(data);
  await finish(ctx, server, echo.server);
  ctx.rec('o', 'echoed', same(got(), data));
  ctx.rec('o', 'counters', counters({ down, up, client }));
}, { timeout: 30000, check: nodeIntact, native: engaged('down', 'up') });

nativeTest('request/response through the proxy: 200 small round trips, each answered at once', async (net, ctx, rs) => {
  const echo = await echoBackend(ctx);
  const { server, client, down, up } = await proxyRig(ctx, echo.addr, (down, up) => {
    rs.keep('down', down);
    rs.keep('up', up);
    down.pipe(up);
    up.pipe(down);
  }, { allowHalfOpen: true });
  let pending = '';
  client.setEncoding('latin1');
  client.on('data', (s) => { pending += s; });
  let ok = 0;
  for (let i = 0; i < 200; i++) {
    const msg = `request ${i} ${'x'.repeat(i)};`;
    client.write(msg);
    while (pending.length < msg.length) await ctx.wait(client, 'data');
    if (pending === msg) ok++;
    pending = '';
  }
  client.end();
  await finish(ctx, server, echo.server);
  ctx.rec('o', 'answered', ok);
  ctx.rec('o', 'counters', counters({ down, up }));
}, { timeout: 30000, native: engaged('down', 'up') });

// ---- 7. stream.pipeline ------------------------------------------------------------------

nativeTest('stream.pipeline(down, up, cb): data intact, cb(undefined)', async (net, ctx, rs) => {
  const sink = await sinkBackend(ctx);
  let piped;
  const { server, client, down, up } = await proxyRig(ctx, sink.addr, (down, up) => {
    rs.keep('down', down);
    piped = new Promise((res) => pipeline(down, up, (...a) => { ctx.rec('pipeline', 'cb', ...a); res(); }));
    up.resume();
  });
  client.resume();
  await prime(client, sink, down);
  const base = counters({ down, up });
  const data = bytes(110, 8 * MiB);
  client.end(data);
  const all = await sink.done;
  await piped;
  await finish(ctx, server, sink.server);
  ctx.rec('o', 'backend-got', same(all, data));
  ctx.rec('o', 'counters', counters({ down, up }, base));
}, { timeout: 30000, check: nodeIntact, native: engaged('down') });

nativeTest("stream.pipeline(down, up, cb): the source destroyed with an error mid-stream: cb(err), 'up' destroyed", async (net, ctx, rs) => {
  const sink = await sinkBackend(ctx);
  let piped;
  const { server, client, down, up } = await proxyRig(ctx, sink.addr, (down, up) => {
    rs.keep('down', down);
    piped = new Promise((res) => pipeline(down, up, (...a) => { ctx.rec('pipeline', 'cb', ...a); res(); }));
  }, { watchClient: false });
  await prime(client, sink, down);
  const data = bytes(111, 16 * MiB);
  client.write(data);
  await sink.atLeast(1 * MiB);
  down.destroy(new Error('boom'));
  await piped;
  const backendGot = await sink.done;
  client.destroy(); // its writes may fail either way (EPIPE or ECONNRESET): not compared
  await finish(ctx, server, sink.server);
  ctx.rec('o', 'backend', { prefixOfSent: backendGot.length > 0 && data.subarray(0, backendGot.length).equals(backendGot) });
  ctx.rec('o', 'destroyed', { down: down.destroyed, up: up.destroyed });
}, { timeout: 30000, native: engaged('down') });

// ---- 8. back-pressure --------------------------------------------------------------------

nativeTest('back-pressure: a paused receiver stops the proxy reading a 32 MiB write; resume() delivers it all', async (net, ctx, rs) => {
  const sink = await sinkBackend(ctx);
  const { server, client, down, up } = await proxyRig(ctx, sink.addr, (down, up) => {
    rs.keep('down', down);
    rs.keep('up', up);
    down.pipe(up);
    up.pipe(down);
  }, { allowHalfOpen: true });
  client.resume();
  await prime(client, sink, down);
  const base = counters({ down, up });
  const receiver = await sink.conn;
  receiver.pause();
  const data = bytes(112, 32 * MiB);
  let written = false;
  client.write(data, () => { written = true; });
  client.end();
  const stalledAt = await quiescent(() => down.bytesRead);
  rs.note('stalled', { proxyRead: stalledAt, senderCallbackFired: written });
  ctx.rec('o', 'stalled', { below16MiB: stalledAt < 16 * MiB, receiverPaused: receiver.isPaused() });
  receiver.resume();
  const all = await sink.done;
  await finish(ctx, server, sink.server);
  ctx.rec('o', 'received', same(all, data), written);
  ctx.rec('o', 'counters', counters({ down, up }, base));
}, { timeout: 60000, check: nodeIntact, native: engaged('down') });

// ---- 9. opt-outs ---------------------------------------------------------------------------

nativeTest('pipe(dest, { native: false }): the stream path, data intact', async (net, ctx, rs) => {
  const echo = await echoBackend(ctx);
  const { server, client, down, up } = await proxyRig(ctx, echo.addr, (down, up) => {
    rs.keep('down', down);
    rs.keep('up', up);
    down.pipe(up, { native: false });
    up.pipe(down, { native: false });
  }, { allowHalfOpen: true });
  const got = collect(client);
  const data = bytes(113, 4 * MiB);
  client.end(data);
  await finish(ctx, server, echo.server);
  ctx.rec('o', 'echoed', same(got(), data));
  ctx.rec('o', 'counters', counters({ down, up }));
}, {
  timeout: 30000,
  check: nodeIntact,
  native: (t, states) => {
    for (const n of ['down', 'up']) {
      t.false(states[n].piped, `${n}: _handle.piped`);
      t.is(states[n].pipedIn, 0, `${n}: pipedIn`);
    }
  },
});

/**
 * A child process (rsnet, `env` added) echoing 1 MiB with s.pipe(s); resolves with
 * { piped (the echo socket's _handle.piped at 'end'), intact }.
 */
function childEcho(env) {
  const script = `
    const net = require(${JSON.stringify(RSNET_PATH)});
    const data = require('crypto').randomBytes(1 << 20);
    let piped = null;
    const server = net.createServer((s) => { s.on('end', () => { piped = s._handle && s._handle.piped; }); s.pipe(s); });
    server.listen(0, '127.0.0.1', () => {
      const c = net.connect(server.address().port, '127.0.0.1');
      const got = [];
      c.on('data', (d) => got.push(d));
      c.on('close', () => {
        server.close();
        console.log(JSON.stringify({ piped, intact: Buffer.concat(got).equals(data) }));
      });
      c.end(data);
    });`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { env: { ...process.env, ...env }, timeout: 20000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim()));
    });
  });
}

test('RSNET_NATIVE_PIPE=0 keeps the whole process on the stream path (rsnet only)', async (t) => {
  if (SELF) return t.pass();
  t.deepEqual(await childEcho({ RSNET_NATIVE_PIPE: '0' }), { piped: false, intact: true });
  t.deepEqual(await childEcho({ RSNET_NATIVE_PIPE: '' }), { piped: true, intact: true }, 'without it the native pipe engages');
});

// ---- 10. Unix-domain sockets --------------------------------------------------------------

for (const [front, back] of [['unix', 'tcp'], ['tcp', 'unix']]) {
  nativeTest(`${front} client -> proxy -> ${back} echo backend, piped both ways: 4 MiB round trip`, async (net, ctx, rs) => {
    const echo = await echoBackend(ctx, back);
    const { server, client, down, up } = await proxyRig(ctx, echo.addr, (down, up) => {
      rs.keep('down', down);
      rs.keep('up', up);
      down.pipe(up);
      up.pipe(down);
    }, { kind: front, allowHalfOpen: true });
    const got = collect(client);
    const data = bytes(114, 4 * MiB);
    client.end(data);
    await finish(ctx, server, echo.server);
    ctx.rec('o', 'echoed', same(got(), data));
    ctx.rec('o', 'counters', counters({ down, up, client }));
  }, { timeout: 30000, check: nodeIntact, native: engaged('down', 'up') });
}

// ---- 11. engaging under back-pressure ------------------------------------------------------

/**
 * rsnet only: client -> proxy [down.pipe(up)] -> a backend that reads slowly (pauses
 * after every chunk, resumes on the next timer turn), so `up` is back-pressured for the
 * whole transfer. The pipe must still go native at some point: it retries as data flows.
 */
async function slowReaderRun(back) {
  return runScenario(require(RSNET_PATH), 'rsnet', async (net, ctx) => {
    const sink = await sinkBackend(ctx, { kind: back, slow: true });
    let handle;
    const proxy = ctx.createServer((down) => {
      handle = down._handle;
      const up = ctx.connect(sink.addr);
      up.resume();
      down.pipe(up);
    });
    const paddr = await listenOn(ctx, proxy, 'tcp', 'PROXY');
    const client = ctx.connect(paddr);
    client.resume();
    const data = bytes(122, 16 * MiB);
    client.end(data);
    const all = await sink.done;
    return { intact: all.equals(data), piped: handle.piped, pipedIn: handle.pipedIn };
  }, 30000);
}

for (const back of ['tcp', 'unix']) {
  test(`native pipe engages while the destination is back-pressured: TCP source into a slow ${back} reader (rsnet only)`, async (t) => {
    if (SELF) return t.pass();
    const { trace, outcome } = await slowReaderRun(back);
    t.log(JSON.stringify(trace));
    if (outcome.error || outcome.timedOut) return t.fail(JSON.stringify(trace));
    const r = outcome.value;
    t.true(r.intact);
    t.true(r.piped, '_handle.piped');
    t.true(r.pipedIn > 0, 'some bytes went through the reactor');
  });
}
