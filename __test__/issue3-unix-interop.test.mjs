// Issue 3: node:net and rsnet on the two ends of one Unix socket, over a path
// and over a Linux abstract name. A drop-in must reach what node:net programs
// listen on, and be reachable by them. (This matters for abstract names: node
// 20 binds and connects '\0name' as the whole 108-byte sun_path, NUL padded,
// which is a different address from the exact-length name other programs use;
// whatever convention node:net follows, rsnet must follow the same.)
import test from 'ava';
import path from 'node:path';
import { loadImpls } from './helpers/impl.mjs';
import { tempDir, rmTemp, guard, once } from './fixtures/issue3/helpers.mjs';

const { node, rsnet } = loadImpls();

// Server on `serverNet` at `address`, client on `clientNet`: the client sends
// a line, the server answers with a prefix, both close.
async function roundTrip(serverNet, clientNet, address) {
  const server = serverNet.createServer((c) => {
    c.setEncoding('utf8');
    let got = '';
    c.on('error', () => {});
    c.on('data', (d) => { got += d; });
    c.on('end', () => c.end(`server got: ${got}`));
  });
  await new Promise((res, rej) => {
    server.once('error', rej);
    server.listen(address, res);
  });
  try {
    const c = clientNet.connect(address);
    c.setEncoding('utf8');
    let reply = '';
    const errors = [];
    c.on('data', (d) => { reply += d; });
    c.on('error', (e) => errors.push(e.code || e.message));
    c.end('hello across implementations');
    await guard(once(c, 'close'), 5000, 'the client socket did not close');
    return { reply, errors, address: server.address() === address };
  } finally {
    await new Promise((res) => server.close(() => res()));
  }
}

let counter = 0;
const targets = {
  'a path': () => {
    const dir = tempDir('interop');
    return { address: path.join(dir, 's.sock'), cleanup: () => rmTemp(dir) };
  },
  'an abstract name': () => {
    counter++;
    return { address: `\0rsnet-i3-interop-${process.pid}-${counter}`, cleanup: () => {} };
  },
};

for (const [kind, make] of Object.entries(targets)) {
  for (const [sName, sNet, cName, cNet] of [['rsnet', rsnet, 'node:net', node], ['node:net', node, 'rsnet', rsnet]]) {
    test(`${sName} server, ${cName} client, over ${kind}`, async (t) => {
      const { address, cleanup } = make();
      try {
        const r = await roundTrip(sNet, cNet, address);
        t.deepEqual(r, { reply: 'server got: hello across implementations', errors: [], address: true });
      } finally {
        cleanup();
      }
    });
  }
}
