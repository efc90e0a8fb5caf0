// Issue 3: listening on a descriptor that already had bind(2) + listen(2):
// listen({fd}), listen(handle), and rsnet's old server.listenFD(fd[, type]).
//
// The descriptor is made by python (launch.py), which then execs node with it
// at fd 3, as a parent process or systemd would: nothing but the module under
// test ever polls it. listen({fd}) and listen(handle) are compared with
// node:net; listenFD (gone from node:net) is checked directly on rsnet.
// (No abstract-name case here: node 20 pads an abstract name to the whole of
// sun_path, so a node:net client cannot reach an abstract name bound by any
// other program; abstract names are covered in diff-unix and issue3-unix-interop.)
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { differential } from './helpers/impl.mjs';
import { childDifferential, runChild, FD_CHILD, tempDir, rmTemp } from './fixtures/issue3/helpers.mjs';

// What launch.py is asked for, per kind of listening socket.
function launchFor(kind) {
  if (kind === 'tcp4') return () => ({ launch: ['listen-tcp4'], kindArgs: ['tcp4'] });
  if (kind === 'tcp6') return () => ({ launch: ['listen-tcp6'], kindArgs: ['tcp6'] });
  if (kind === 'unix' || kind === 'unix-bound-only') {
    return () => {
      const dir = tempDir('lfd');
      const p = path.join(dir, 'listen.sock');
      const mode = kind === 'unix' ? 'listen-unix' : 'bound-unix';
      return { launch: [mode, p], kindArgs: ['unix', p], cleanup: () => rmTemp(dir) };
    };
  }
  throw new Error(kind);
}

// node:net's answers that anchor each case (so it cannot pass vacuously).
function anchor(kind) {
  return (t, tr) => {
    t.deepEqual(tr.server, ['listening', 'close']);
    t.true(tr.order.some((e) => Array.isArray(e) && e[0] === 'after-close' && e[2] === 'EBADF'), 'the server owns fd 3 and closes it');
    const client = JSON.stringify(tr.client);
    t.true(client.includes('echo:hello'), 'the client got its echo');
    const address = tr.order.find((e) => Array.isArray(e) && e[0] === 'address');
    if (kind.startsWith('unix')) {
      // node:net does not know the path of an adopted Unix listener
      t.deepEqual(address, ['address', null]);
    } else {
      t.is(address[1].port, '<S>');
    }
  };
}

const cases = [
  ['tcp4', 'options'],
  ['tcp4', 'options-cb'],
  ['tcp4', 'options-backlog-cb'],
  ['tcp4', 'options-then-backlog-cb'],
  ['tcp4', 'handle-cb'],
  ['tcp6', 'options-cb'],
  ['tcp6', 'handle-cb'],
  ['unix', 'options-cb'],
  ['unix', 'handle-cb'],
  ['unix-bound-only', 'options-cb'],
];

const forms = {
  options: 'listen({fd: 3})',
  'options-cb': 'listen({fd: 3}, cb)',
  'options-backlog-cb': 'listen({fd: 3, backlog: 8}, cb)',
  'options-then-backlog-cb': 'listen({fd: 3}, 8, cb)',
  'handle-cb': 'listen({_handle: {fd: 3}}, cb)',
};

for (const [kind, form] of cases) {
  const title = `${forms[form]} on an inherited ${kind === 'unix-bound-only' ? 'Unix socket that is bound but not listening yet' : `${kind} listening socket`}: timing, address(), serves, owns the fd`;
  test(title, (t) => childDifferential(t, title, (which) => {
    const l = launchFor(kind)(which);
    return { launch: l.launch, args: ['listen-fd', form, ...l.kindArgs], cleanup: l.cleanup };
  }, { check: anchor(kind) }));
}

// ---- rsnet only: server.listenFD(fd[, type]) ----------------------------------

const listenFdCases = [
  ['tcp4', '-'],
  ['tcp4', 'tcp4'],
  ['tcp6', '-'],
  ['tcp6', 'tcp6'],
  ['unix', '-'],
  ['unix', 'unix'],
];

for (const [kind, type] of listenFdCases) {
  const call = type === '-' ? 'listenFD(3)' : `listenFD(3, '${type}')`;
  test(`rsnet: server.${call} on an inherited ${kind} listening socket returns the server, emits 'listening', serves`, async (t) => {
    const l = launchFor(kind)('rsnet');
    let r;
    try {
      r = await runChild('rsnet-only', FD_CHILD, ['listenFD', type, ...l.kindArgs], { launch: l.launch });
    } finally {
      if (l.cleanup) l.cleanup();
    }
    t.truthy(r.trace, `the child printed no trace; exit ${JSON.stringify(r.exit)}; stderr: ${r.stderr}`);
    const tcp = kind.startsWith('tcp');
    const listening = tcp
      ? ['listening', true, { family: kind === 'tcp4' ? 'IPv4' : 'IPv6', address: kind === 'tcp4' ? '127.0.0.1' : '::1', portIsNumber: true }]
      : ['listening', true, 'unix'];
    t.deepEqual(r.trace, {
      server: ['listening', 'close'],
      o: [['returned-server', true], listening, ['echo', 'echo:hello'], ['after-close', false, 'EBADF']],
    }, `child stderr: ${r.stderr}`);
    t.deepEqual(r.exit, { code: 0, signal: null }, 'the child exits by itself once the server is closed');
  });
}

// ---- descriptors that cannot be listened on (in this process: nothing polls them)

test('listen({fd}) on a regular file, a closed descriptor, and invalid fd values: same errors as node:net, the file stays open', (t) => differential(t, 'listen({fd}) errors', async (net, ctx) => {
  const file = ctx.tempPath('FILE');
  fs.writeFileSync(file, 'not a socket');
  const fd = fs.openSync(file, 'r');
  try {
    const s = ctx.createServer();
    ctx.watch(s, 'file');
    ctx.rec('file', 'returned', ctx.sync(() => s.listen({ fd }) === s), s.listening);
    await ctx.wait(s, 'error');
    ctx.rec('file', 'after', s.listening, s.address());
    // node:net never took the descriptor: it is still open and still the file
    ctx.rec('file', 'fd-still-open', fs.fstatSync(fd).isFile(), fs.readFileSync(file, 'utf8'));
  } finally {
    fs.closeSync(fd);
  }
  const s2 = ctx.createServer();
  ctx.watch(s2, 'closed-fd');
  s2.listen({ fd: 99999 });
  await ctx.wait(s2, 'error');
  for (const v of [-1, '3', null]) {
    ctx.rec('invalid', JSON.stringify(v), ctx.sync(() => ctx.createServer().listen({ fd: v })));
  }
  const s3 = ctx.createServer();
  ctx.watch(s3, 'fractional');
  s3.listen({ fd: 1.5 });
  await ctx.wait(s3, 'error');
}, {
  check: (t, tr) => {
    t.is(tr.file[1][1].code, 'EINVAL');
    t.is(tr['closed-fd'][0][1].code, 'EINVAL');
  },
}));
