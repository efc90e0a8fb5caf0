// Issue 3: adopting a connected descriptor with new Socket({fd, readable,
// writable, allowHalfOpen}) (and the old `type` option, and new Socket(fd)).
//
// The descriptors come from python (launch.py), which execs node with them at
// fd 3/4: a socketpair, a TCP connection to this process, a pipe, a TTY, a
// regular file. Nothing else polls them. Everything is compared with node:net.
import test from 'ava';
import fs from 'node:fs';
import net from 'node:net';
import { differential } from './helpers/impl.mjs';
import { childDifferential } from './fixtures/issue3/helpers.mjs';

const FIXTURE_FILE = new URL('./fixtures/issue3/launch.py', import.meta.url).pathname;

// ---- a Unix socketpair: fd 3 and fd 4 ------------------------------------------

const pairVariants = [
  ['plain', 'new Socket({fd}) on both ends of a socketpair: state, addresses, request/answer, close'],
  ['number', 'new Socket(fd) (the legacy number form) on both ends of a socketpair'],
  ['type-unix', "new Socket({fd, type: 'unix'}) (the old type option) on both ends of a socketpair"],
  ['half-open', 'new Socket({fd, allowHalfOpen: true}) keeps writing after the peer ends'],
  ['one-way', 'new Socket({fd, readable: false}) and new Socket({fd, writable: false}): readyState, one-way data'],
  ['timeout', "setTimeout() on an adopted socket: 'timeout', then data and close"],
];

for (const [variant, title] of pairVariants) {
  test(title, (t) => childDifferential(t, title, () => ({ launch: ['socketpair'], args: ['adopt-pair', variant] }), {
    check: (tt, tr) => {
      tt.deepEqual(tr.final[1], ['fds', 'EBADF', 'EBADF'], 'both adopted descriptors are closed with their sockets');
      tt.true(tr.sync[0][1] && tr.sync[0][2], 'instances of net.Socket');
    },
  }));
}

// ---- a TCP connection made before node started ---------------------------------

// The peer: a node:net server in this process. It greets first, and answers
// with what it got once the child has ended its side.
async function tcpPeer(host) {
  const server = net.createServer((c) => {
    c.setEncoding('utf8');
    let got = '';
    c.on('error', () => {});
    c.write('welcome;');
    c.on('data', (d) => { got += d; });
    c.on('end', () => c.end(`echo:${got}`));
  });
  await new Promise((res, rej) => {
    server.once('error', rej);
    server.listen(0, host, res);
  });
  return {
    port: server.address().port,
    close: () => new Promise((res) => server.close(() => res())),
  };
}

const tcpVariants = [
  ['plain', '127.0.0.1', 'new Socket({fd}) on an inherited TCP connection: addresses, greeting, echo, close'],
  ['type-tcp4', '127.0.0.1', "new Socket({fd, type: 'tcp4'}) on an inherited IPv4 connection"],
  ['type-tcp6', '::1', "new Socket({fd, type: 'tcp6'}) on an inherited IPv6 connection"],
  ['half-open', '127.0.0.1', 'new Socket({fd, allowHalfOpen: true}) on an inherited TCP connection'],
];

for (const [variant, host, title] of tcpVariants) {
  test(title, (t) => childDifferential(t, title, async () => {
    const peer = await tcpPeer(host);
    return {
      launch: ['connect-tcp', host, peer.port],
      args: ['adopt-tcp', variant, peer.port],
      cleanup: peer.close,
    };
  }, {
    check: (tt, tr) => {
      const s = JSON.stringify(tr.s);
      tt.true(s.includes('welcome;') && s.includes('echo:hello'), 'the data went both ways');
      tt.deepEqual(tr.final[1], ['fd3', 'EBADF'], 'the adopted descriptor is closed with the socket');
    },
  }));
}

// ---- pipes (node:net supports them: they become a Pipe handle) -----------------

test('new Socket({fd, writable: false}) on a pipe read end and ({fd, readable: false}) on its write end', (t) => childDifferential(t, 'pipe split',
  () => ({ launch: ['pipe'], args: ['adopt-pipe', 'split'] }), {
    check: (tt, tr) => tt.true(JSON.stringify(tr.r).includes('through the pipe')),
  }));

test('new Socket({fd}) on both ends of a pipe with the default options (the write end cannot be read)', (t) => childDifferential(t, 'pipe default',
  () => ({ launch: ['pipe'], args: ['adopt-pipe', 'default'] })));

// ---- not a socket, not a pipe: node's ERR_INVALID_FD_TYPE ----------------------

for (const [label, launch] of [['a TTY (a pty slave)', ['pty']], ['a regular file', ['file', FIXTURE_FILE]]]) {
  test(`new Socket({fd}) and listen({fd}) on ${label} inherited at fd 3: node's errors, the fd is left open`, (t) => childDifferential(t, label,
    () => ({ launch, args: ['adopt-bad'] }), {
      check: (tt, tr) => {
        const s = JSON.stringify(tr.o);
        tt.true(s.includes('ERR_INVALID_FD_TYPE'), 'node:net refuses it with ERR_INVALID_FD_TYPE');
        tt.deepEqual(tr.o[1][1], label.includes('TTY') ? 'open:chr' : 'open:file');
      },
    }));
}

test('new Socket({fd}) in this process on a regular file, /dev/null, a directory, a closed fd, and invalid values: same errors as node:net', (t) => differential(t, 'new Socket({fd}) errors', async (net_, ctx) => {
  const file = ctx.tempPath('FILE');
  fs.writeFileSync(file, 'not a socket');
  const fds = {
    'regular file': fs.openSync(file, 'r'),
    '/dev/null': fs.openSync('/dev/null', 'r'),
    directory: fs.openSync(fs.realpathSync(new URL('.', import.meta.url).pathname), 'r'),
  };
  try {
    for (const [name, fd] of Object.entries(fds)) {
      ctx.rec('o', name, ctx.sync(() => new net_.Socket({ fd })));
      ctx.rec('o', `${name}: legacy new Socket(fd)`, ctx.sync(() => new net_.Socket(fd)));
      ctx.rec('o', `${name}: still open`, fs.fstatSync(fd).isFile() || fs.fstatSync(fd).isCharacterDevice() || fs.fstatSync(fd).isDirectory());
    }
  } finally {
    for (const fd of Object.values(fds)) fs.closeSync(fd);
  }
  ctx.rec('o', 'closed fd 99999', ctx.sync(() => new net_.Socket({ fd: 99999 })));
  for (const v of [-1, 1.5, 2 ** 31, '3', null]) {
    ctx.rec('o', `fd: ${JSON.stringify(v)}`, ctx.sync(() => new net_.Socket({ fd: v })));
  }
}, {
  check: (t, tr) => {
    t.is(tr.o[0][1].threw.code, 'ERR_INVALID_FD_TYPE');
    t.is(tr.o[0][1].threw.message, 'Unsupported fd type: FILE');
  },
}));
