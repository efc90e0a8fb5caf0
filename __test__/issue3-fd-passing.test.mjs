// Issue 3, rsnet only (node:net lost it): fd passing over Unix sockets.
// socket.write(data[, encoding], fd[, cb]) sends `fd` (a number, or an rsnet
// Socket or Server: its own descriptor) with SCM_RIGHTS alongside `data`; the
// receiver emits 'fd' with a new descriptor it now owns, before the 'data' it
// came with. Over TCP, or naming a descriptor that is not open, the call means what
// it means to node:net, and loses no data. (Descriptor leaks: issue3-fd-leaks.test.mjs.)
//
// There is no node:net to compare with: these assert the behaviour directly,
// always on rsnet (RSNET_DIFF_SELF does not apply).
import test from 'ava';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRsnet, guard, once, startChild, tempDir, rmTemp } from './fixtures/issue3/helpers.mjs';
import { unixPair, tcpPair, openFileWith, readThrough, textUntil } from './fixtures/issue3/pairs.mjs';

const rsnet = loadRsnet();
const RECEIVER = fileURLToPath(new URL('./fixtures/issue3/fd-receiver.cjs', import.meta.url));

// Record 'fd' and 'data' on `sock` in one list, in emission order. Each 'fd'
// entry carries the text received before it.
function recordFdsAndData(sock) {
  const log = { events: [], fds: [], text: '' };
  sock.on('fd', (fd) => {
    log.events.push({ fd, before: log.text });
    log.fds.push(fd);
  });
  sock.on('data', (d) => {
    log.text += d;
    log.events.push({ data: String(d) });
  });
  return log;
}

function closeAll(fds) {
  for (const fd of fds) {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
  }
}

// write() with a descriptor, turning a synchronous throw into a result, and
// waiting (guarded) for the callback.
function writeWithFd(sock, ...args) {
  return guard(new Promise((res) => {
    try {
      const r = sock.write(...args, (err) => res({ err: err ?? null }));
      if (typeof r !== 'boolean') res({ err: new Error(`write() returned ${typeof r}, not a boolean`) });
    } catch (e) {
      res({ threw: e });
    }
  }), 5000, `the callback of write(${args.map((a) => (typeof a === 'string' ? JSON.stringify(a) : typeof a)).join(', ')}, cb)`);
}

test('write(data, fd): a new descriptor for the same file arrives in an fd event before its data; the receiver reads the file through it', async (t) => {
  const pair = await unixPair(rsnet);
  const received = [];
  try {
    const log = recordFdsAndData(pair.accepted);
    // some data without a descriptor first, fully received before the next write
    pair.client.write('plain;');
    await textUntil(pair.accepted, (s) => s === 'plain;', 5000, 'the plain data');
    const file = openFileWith(pair.dir, 'a.txt', 'the content of file A\n');
    try {
      const w = await writeWithFd(pair.client, 'A', file.fd);
      t.deepEqual(w, { err: null }, 'write(data, fd, cb) calls back without an error');
      await guard(new Promise((res) => pair.accepted.on('data', () => { if (log.text === 'plain;A') res(); })), 5000, () => `the data sent with the fd (got ${JSON.stringify(log.text)})`);
      received.push(...log.fds);
      t.is(log.fds.length, 1, 'exactly one fd event');
      const fd = log.fds[0];
      t.is(typeof fd, 'number');
      t.true(Number.isInteger(fd) && fd > 2);
      t.not(fd, file.fd, 'a new descriptor, not the sender\'s number');
      t.deepEqual(log.events.map((e) => (e.data !== undefined ? `data:${e.data}` : `fd(after ${JSON.stringify(e.before)})`)),
        ['data:plain;', 'fd(after "plain;")', 'data:A'], "'fd' comes after the earlier data and before the data it came with");
      const st = fs.fstatSync(fd);
      t.true(st.isFile());
      t.is(st.ino, fs.statSync(file.path).ino, 'the same file');
      t.is(readThrough(fd), 'the content of file A\n');
      // the sender's own descriptor is untouched by the passing
      t.is(readThrough(file.fd), 'the content of file A\n');
    } finally {
      fs.closeSync(file.fd);
    }
  } finally {
    closeAll(received);
    await pair.close();
  }
});

test('several descriptors in flight: five writes, five fds, each one before its own bytes and after the previous ones, in order', async (t) => {
  const pair = await unixPair(rsnet);
  const files = [];
  const log = recordFdsAndData(pair.accepted);
  try {
    const payloads = [];
    for (let i = 0; i < 5; i++) {
      files.push(openFileWith(pair.dir, `f${i}.txt`, `file number ${i}`));
      payloads.push(`<${i}>`);
    }
    const callbacks = [];
    // all five in one synchronous burst: they are in flight together
    for (let i = 0; i < 5; i++) {
      callbacks.push(new Promise((res) => pair.client.write(payloads[i], files[i].fd, (err) => res(err ?? null))));
    }
    t.deepEqual(await guard(Promise.all(callbacks), 5000, 'the five write callbacks'), [null, null, null, null, null]);
    const all = payloads.join('');
    await guard(new Promise((res) => {
      const check = () => { if (log.text === all && log.fds.length === 5) res(); };
      pair.accepted.on('data', check);
      pair.accepted.on('fd', check);
      check();
    }), 5000, () => `all five payloads and fds (text ${JSON.stringify(log.text)}, ${log.fds.length} fds)`);
    t.deepEqual(log.events.filter((e) => e.fd !== undefined).map((e) => e.before), payloads.map((_, k) => payloads.slice(0, k).join('')),
      "fd k is emitted after payloads 0..k-1 and before payload k's bytes");
    t.deepEqual(log.fds.map((fd) => readThrough(fd)), files.map((_, i) => `file number ${i}`), 'each fd is the file sent with it, in order');
    t.is(new Set(log.fds).size, 5, 'five distinct descriptors');
  } finally {
    closeAll(log.fds);
    closeAll(files.map((f) => f.fd));
    await pair.close();
  }
});

test('fds passed both ways at once: client to server and server to client', async (t) => {
  const pair = await unixPair(rsnet);
  const a = openFileWith(pair.dir, 'to-server.txt', 'for the server');
  const b = openFileWith(pair.dir, 'to-client.txt', 'for the client');
  const atServer = recordFdsAndData(pair.accepted);
  const atClient = recordFdsAndData(pair.client);
  try {
    const [wa, wb] = await Promise.all([writeWithFd(pair.client, 'C', a.fd), writeWithFd(pair.accepted, 'S', b.fd)]);
    t.deepEqual([wa, wb], [{ err: null }, { err: null }]);
    await guard(new Promise((res) => {
      const check = () => { if (atServer.fds.length === 1 && atClient.fds.length === 1 && atServer.text === 'C' && atClient.text === 'S') res(); };
      for (const s of [pair.client, pair.accepted]) { s.on('data', check); s.on('fd', check); }
      check();
    }), 5000, 'one fd and one byte at each end');
    t.is(readThrough(atServer.fds[0]), 'for the server');
    t.is(readThrough(atClient.fds[0]), 'for the client');
  } finally {
    closeAll([...atServer.fds, ...atClient.fds, a.fd, b.fd]);
    await pair.close();
  }
});

test("write(data, encoding, fd, cb), write(Buffer, fd, cb), write(data, encoding, fd): forms, callbacks, return values", async (t) => {
  const pair = await unixPair(rsnet);
  const log = recordFdsAndData(pair.accepted);
  const files = [0, 1, 2].map((i) => openFileWith(pair.dir, `g${i}.txt`, `form ${i}`));
  try {
    const results = [];
    const cbs = [];
    const call = (fn) => {
      try {
        results.push(fn());
      } catch (e) {
        results.push(`threw ${e && e.message}`);
      }
    };
    call(() => pair.client.write('68656c6c6f', 'hex', files[0].fd, (err) => cbs.push(['hex', err ?? null])));
    call(() => pair.client.write(Buffer.from(' wide'), files[1].fd, (err) => cbs.push(['buffer', err ?? null])));
    call(() => pair.client.write(' world', 'utf8', files[2].fd));
    t.deepEqual(results, [true, true, true], 'write() returns true below the high-water mark');
    await guard(new Promise((res) => {
      const check = () => { if (log.text === 'hello wide world' && log.fds.length === 3) res(); };
      pair.accepted.on('data', check);
      pair.accepted.on('fd', check);
      check();
    }), 5000, () => `the three writes (text ${JSON.stringify(log.text)}, ${log.fds.length} fds)`);
    t.deepEqual(cbs, [['hex', null], ['buffer', null]]);
    t.deepEqual(log.fds.map((fd) => readThrough(fd)), ['form 0', 'form 1', 'form 2']);
    t.deepEqual(log.events.filter((e) => e.fd !== undefined).map((e) => e.before), ['', 'hello', 'hello wide']);
  } finally {
    closeAll([...log.fds, ...files.map((f) => f.fd)]);
    await pair.close();
  }
});

test("an fd event with setEncoding() and a paused receiver: every fd still comes before its own data", async (t) => {
  const pair = await unixPair(rsnet);
  pair.accepted.setEncoding('utf8');
  pair.accepted.pause();
  const log = recordFdsAndData(pair.accepted);
  // recordFdsAndData's 'data' listener resumed the stream: pause it again
  pair.accepted.pause();
  const files = [0, 1, 2].map((i) => openFileWith(pair.dir, `p${i}.txt`, `paused ${i}`));
  try {
    const cbs = files.map((f, i) => new Promise((res) => pair.client.write(`[${i}\u00e9]`, f.fd, (err) => res(err ?? null))));
    t.deepEqual(await guard(Promise.all(cbs), 5000, 'the write callbacks'), [null, null, null]);
    t.is(log.text, '', 'no data while paused');
    pair.accepted.resume();
    await guard(new Promise((res) => {
      const check = () => { if (log.text === '[0\u00e9][1\u00e9][2\u00e9]' && log.fds.length === 3) res(); };
      pair.accepted.on('data', check);
      pair.accepted.on('fd', check);
      check();
    }), 5000, () => `the data and fds after resume() (text ${JSON.stringify(log.text)}, ${log.fds.length} fds)`);
    const chunks = ['[0\u00e9]', '[1\u00e9]', '[2\u00e9]'];
    log.events.filter((e) => e.fd !== undefined).forEach((e, k) => {
      t.false(e.before.includes(chunks[k]), `fd ${k} was emitted before the data it came with`);
      if (k > 0) t.true(log.events.findIndex((x) => x.fd === log.fds[k - 1]) < log.events.findIndex((x) => x.fd === log.fds[k]));
    });
    t.deepEqual(log.fds.map((fd) => readThrough(fd)), ['paused 0', 'paused 1', 'paused 2']);
  } finally {
    closeAll([...log.fds, ...files.map((f) => f.fd)]);
    await pair.close();
  }
});

test('passing an rsnet Socket: the receiver adopts the descriptor with new Socket({fd}) and carries on the same TCP connection', async (t) => {
  // the far end: node:net, counting its connections
  let farConnections = 0;
  const farSockets = [];
  const far = net.createServer((c) => {
    farConnections++;
    farSockets.push(c);
    c.setEncoding('utf8');
    let got = '';
    c.on('error', () => {});
    c.on('data', (d) => { got += d; });
    c.on('end', () => c.end(`far got: ${got}`));
  });
  await new Promise((res) => far.listen(0, '127.0.0.1', res));
  const pair = await unixPair(rsnet);
  const log = recordFdsAndData(pair.accepted);
  let adopted;
  let original;
  try {
    original = rsnet.connect(far.address().port, '127.0.0.1');
    original.on('error', () => {});
    await guard(once(original, 'connect'), 5000, 'the rsnet TCP connection to the far end');
    const localPort = original.localPort;
    const w = await writeWithFd(pair.client, 'S', original);
    t.deepEqual(w, { err: null });
    // the sender lets go of its copy; the connection lives on in the passed one
    original.destroy();
    await guard(once(original, 'close'), 5000, "the sender's socket 'close'");
    await guard(new Promise((res) => {
      const check = () => { if (log.fds.length === 1 && log.text === 'S') res(); };
      pair.accepted.on('fd', check);
      pair.accepted.on('data', check);
      check();
    }), 5000, 'the passed socket');
    adopted = new rsnet.Socket({ fd: log.fds[0] });
    t.is(adopted.remotePort, far.address().port);
    t.is(adopted.localPort, localPort, 'the same connection');
    adopted.setEncoding('utf8');
    let reply = '';
    adopted.on('data', (d) => { reply += d; });
    adopted.end('through the passed socket');
    await guard(once(adopted, 'close'), 5000, "the adopted socket's 'close'");
    t.is(reply, 'far got: through the passed socket');
    t.is(farConnections, 1);
  } finally {
    if (original) original.destroy();
    if (adopted) adopted.destroy();
    else closeAll(log.fds);
    await pair.close();
    // (far.close() waits for its connections: a leftover one is cut)
    for (const c of farSockets) c.destroy();
    await guard(new Promise((res) => far.close(() => res())), 5000, 'closing the far server');
  }
});

test('passing an rsnet Server: the receiving side serves on it with listen({fd}) once the sender has closed its copy', async (t) => {
  const pair = await unixPair(rsnet);
  const log = recordFdsAndData(pair.accepted);
  let senderAccepted = 0;
  const original = rsnet.createServer(() => { senderAccepted++; });
  const served = rsnet.createServer((c) => {
    c.setEncoding('utf8');
    let got = '';
    c.on('data', (d) => { got += d; });
    c.on('end', () => c.end(`served: ${got}`));
  });
  try {
    await guard(new Promise((res) => original.listen(0, '127.0.0.1', res)), 5000, 'the original listen');
    const { port } = original.address();
    const w = await writeWithFd(pair.client, 'L', original);
    t.deepEqual(w, { err: null });
    await guard(new Promise((res) => original.close(() => res())), 5000, 'closing the sender\'s server');
    await guard(new Promise((res) => {
      const check = () => { if (log.fds.length === 1 && log.text === 'L') res(); };
      pair.accepted.on('fd', check);
      pair.accepted.on('data', check);
      check();
    }), 5000, 'the passed server');
    await guard(new Promise((res, rej) => {
      served.once('error', rej);
      served.listen({ fd: log.fds[0] }, res);
    }), 5000, 'listen({fd}) on the passed descriptor');
    t.is(served.address().port, port, 'the same listening socket');
    const c = net.connect(port, '127.0.0.1');
    c.setEncoding('utf8');
    let reply = '';
    c.on('data', (d) => { reply += d; });
    c.end('hello');
    await guard(once(c, 'close'), 5000, "the client's 'close'");
    t.is(reply, 'served: hello');
    t.is(senderAccepted, 0);
  } finally {
    if (served.listening) await new Promise((res) => served.close(() => res()));
    else closeAll(log.fds);
    if (original.listening) original.close();
    await pair.close();
  }
});

// ---- two processes -------------------------------------------------------------

test('two processes: an open file and two listening sockets (TCP via listenFD, Unix via listen({fd})) passed to a child, which reads the file and serves on both', async (t) => {
  const dir = tempDir('two');
  const control = path.join(dir, 'control.sock');
  const ch = startChild('rsnet-only', RECEIVER, [control]);
  const ours = [];
  let client;
  let tcp;
  let unix;
  try {
    await ch.message('ready');
    client = rsnet.connect(control);
    client.on('error', () => {});
    await guard(once(client, 'connect'), 5000, 'connect to the child');
    const file = openFileWith(dir, 'shared.txt', `written by the parent ${process.pid}\n`);
    ours.push(file.fd);
    tcp = rsnet.createServer(() => t.fail('the parent accepted a connection after passing its server'));
    await guard(new Promise((res) => tcp.listen(0, '127.0.0.1', res)), 5000, 'the TCP server');
    const { port } = tcp.address();
    const abstract = `\0rsnet-i3-passed-${process.pid}-${Date.now()}`;
    unix = rsnet.createServer(() => t.fail('the parent accepted a Unix connection after passing its server'));
    await guard(new Promise((res) => unix.listen(abstract, res)), 5000, 'the Unix server');
    const writes = await Promise.all([
      writeWithFd(client, 'F', file.fd),
      writeWithFd(client, 'T', tcp),
      writeWithFd(client, 'U', unix),
    ]);
    t.deepEqual(writes, [{ err: null }, { err: null }, { err: null }]);
    // the parent lets go of all three
    fs.closeSync(file.fd);
    ours.length = 0;
    await guard(Promise.all([tcp, unix].map((s) => new Promise((res) => s.close(() => res())))), 5000, "closing the parent's servers");

    const fileMsg = await ch.message('file');
    t.deepEqual(fileMsg, { event: 'file', content: `written by the parent ${process.pid}\n`, isFile: true });
    t.deepEqual(await ch.message('listenFD-returned'), { event: 'listenFD-returned', same: true });
    const serving = await ch.message('serving-tcp');
    t.is(serving.address.port, port, 'the child serves on the very socket the parent bound');
    await ch.message('serving-unix');

    const ask = async (conn) => {
      conn.setEncoding('utf8');
      let reply = '';
      conn.on('data', (d) => { reply += d; });
      conn.on('error', (e) => { reply += `<error ${e.code}>`; });
      conn.end('hello');
      await guard(once(conn, 'close'), 5000, 'a reply from the child');
      return reply;
    };
    t.is(await ask(net.connect(port, '127.0.0.1')), `child ${ch.pid}: hello`, 'the TCP socket is served by the child');
    t.is(await ask(rsnet.connect(abstract)), `child ${ch.pid}: hello`, 'the Unix socket is served by the child');

    client.end();
    const order = await ch.message('order');
    t.deepEqual(order, { event: 'order', order: ['fd:number', 'data:F', 'fd:number', 'data:T', 'fd:number', 'data:U'], leftover: 0 });
    await ch.message('closed-all');
    const exit = await ch.exit(10000);
    t.deepEqual(exit, { code: 0, signal: null }, `the child exits by itself; stderr: ${ch.stderr}`);
  } finally {
    closeAll(ours);
    if (client) client.destroy();
    for (const s of [tcp, unix]) if (s && s.listening) s.close();
    await ch.kill('SIGKILL');
    rmTemp(dir);
  }
});

// ---- errors that lose no data ------------------------------------------------

// Write 'before;', then `attempt` (which passes a descriptor and should fail),
// then 'after;', then end. Whatever form the failure takes (thrown, 'error'
// event, callback error), the socket must stay usable: the peer gets
// 'before;' and 'after;' (and 'mid;' between them if that was sent).
async function failingPassKeepsData(t, pair, attempt, check) {
  const errors = [];
  pair.client.on('error', (e) => errors.push({ via: 'error event', e }));
  let got = '';
  pair.accepted.setEncoding('utf8');
  pair.accepted.on('data', (d) => { got += d; });
  const fdEvents = [];
  pair.accepted.on('fd', (fd) => fdEvents.push(fd));
  const ended = once(pair.accepted, 'end');
  pair.client.write('before;');
  try {
    attempt((err) => { if (err) errors.push({ via: 'callback', e: err }); });
  } catch (e) {
    errors.push({ via: 'thrown', e });
  }
  pair.client.end('after;');
  await guard(ended, 5000, () => `the peer's 'end' (got ${JSON.stringify(got)})`);
  closeAll(fdEvents);
  t.true(errors.length >= 1, 'passing the descriptor fails');
  const { e } = errors[0];
  t.true(e instanceof Error, `an Error (got ${e})`);
  check(e);
  t.true(got === 'before;after;' || got === 'before;mid;after;', `no data lost: the peer got ${JSON.stringify(got)}`);
  t.deepEqual(fdEvents, [], 'no descriptor arrives');
}

// Match node:net: a descriptor is recognised only where node:net's meaning is not
// fixed (see socket.ts, passableDescriptor). Over TCP, or naming a descriptor that is
// not open, the call means what it means to node:net: a number or an object as the
// second argument is an unknown encoding (node:net throws, nothing is queued).
function nodeNetThrows(call) {
  try {
    call(new net.Socket());
  } catch (e) {
    return e;
  }
  return null;
}

test('a descriptor over TCP: node:net\'s meaning (ERR_UNKNOWN_ENCODING), and no data lost', async (t) => {
  const pair = await tcpPair(rsnet);
  const fd = fs.openSync('/dev/null', 'r');
  try {
    const expected = nodeNetThrows((s) => s.write('mid;', fd));
    t.is(expected?.code, 'ERR_UNKNOWN_ENCODING');
    await failingPassKeepsData(t, pair, (cb) => pair.client.write('mid;', fd, cb), (e) => {
      t.is(e.code, expected.code);
      t.is(e.message, expected.message);
    });
  } finally {
    fs.closeSync(fd);
    await pair.close();
  }
});

test('an rsnet Socket as the descriptor over TCP: node:net\'s meaning too', async (t) => {
  const pair = await tcpPair(rsnet);
  try {
    await failingPassKeepsData(t, pair, (cb) => pair.client.write('mid;', pair.accepted, cb), (e) => {
      t.is(e.code, 'ERR_UNKNOWN_ENCODING');
      t.regex(e.message, /^Unknown encoding: /);
    });
  } finally {
    await pair.close();
  }
});

// serial: between closing a descriptor and passing its number nothing else in
// this process may open one (it would get that number)
test.serial('a descriptor that is not open (99999, and one just closed): node:net\'s meaning, and no data lost', async (t) => {
  for (const label of ['99999', 'just closed']) {
    const pair = await unixPair(rsnet);
    try {
      let fd = 99999;
      await failingPassKeepsData(t, pair, (cb) => {
        if (label === 'just closed') {
          fd = fs.openSync('/dev/null', 'r');
          fs.closeSync(fd);
        }
        pair.client.write('mid;', fd, cb);
      }, (e) => {
        const expected = nodeNetThrows((s) => s.write('mid;', fd));
        t.is(e.code, expected?.code, `${label}: ${e.message}`);
        t.is(e.message, expected?.message);
      });
    } finally {
      await pair.close();
    }
  }
});
