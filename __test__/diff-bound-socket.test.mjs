// net.BoundSocket (Node 24.21+ and 26), compared with node:net's: validation, a port
// bound now, listen(bound) and listen({ handle: bound }) taking it over, a socket
// connecting from one, Unix paths (the file made at once, removed on close), and
// ERR_SOCKET_HANDLE_ADOPTED once adopted. On a Node without it, both lack it.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { differential } from './helpers/impl.mjs';

const dt = (title, scenario, opts) => test(title, (t) => differential(t, title, scenario, opts));

function attempt(ctx, name, f) {
  try {
    const r = f();
    ctx.rec(name, r === undefined ? 'undefined' : r);
  } catch (e) {
    ctx.rec(name, 'threw', e.name, e.code, e.message);
  }
}

dt('BoundSocket: options and errors', (net, ctx) => {
  if (net.BoundSocket === undefined) return ctx.rec('api', 'absent');
  for (const [name, options] of [
    ['host name', { host: 'localhost' }],
    ['bad port', { port: -1 }],
    ['bad ipv6Only', { ipv6Only: 1 }],
    ['bad reusePort', { reusePort: 'yes' }],
    ['path and port', { path: '/tmp/rsnet-never.sock', port: 1 }],
    ['bad path', { path: 5 }],
    ['not an object', 5],
  ]) {
    attempt(ctx, name, () => new net.BoundSocket(options));
  }
  const b = new net.BoundSocket({ host: '127.0.0.1' });
  ctx.rec('bound', { isPipe: b.isPipe, fd: typeof b.fd(), family: b.address().family, port: b.address().port > 0 });
  b.close();
  attempt(ctx, 'address after close', () => b.address());
  attempt(ctx, 'close again', () => b.close());
  const d = new net.BoundSocket({ host: '::1', ipv6Only: true });
  ctx.rec('ipv6', d.address().family);
  d[Symbol.dispose]();
  d[Symbol.dispose]();
});

dt('BoundSocket: listen() takes it over, a socket connects from one', async (net, ctx) => {
  if (net.BoundSocket === undefined) return ctx.rec('api', 'absent');
  for (const form of ['listen(bound)', 'listen({ handle: bound })']) {
    const b = new net.BoundSocket({ host: '127.0.0.1' });
    const port = b.address().port;
    const server = net.createServer((s) => s.end('hi'));
    await new Promise((resolve) => server.listen(form === 'listen(bound)' ? b : { handle: b }, resolve));
    ctx.rec(form, 'same port', server.address().port === port);
    attempt(ctx, `${form}: the BoundSocket`, () => b.address());
    const source = new net.BoundSocket({ host: '127.0.0.1' });
    const sourcePort = source.address().port;
    const client = new net.Socket({ handle: source });
    attempt(ctx, `${form}: the source`, () => source.fd());
    client.connect(port, '127.0.0.1');
    client.on('connect', () => ctx.rec(form, 'connected from the bound port', client.localPort === sourcePort));
    client.on('data', (d) => ctx.rec(form, 'data', String(d)));
    await new Promise((resolve) => client.on('close', resolve));
    await new Promise((resolve) => server.close(resolve));
  }
  // A socket destroyed before it connects from its BoundSocket.
  const unused = new net.Socket({ handle: new net.BoundSocket({ host: '127.0.0.1' }) });
  unused.destroy();
  await new Promise((resolve) => unused.on('close', resolve));
  ctx.rec('unused', 'closed');
});

test('BoundSocket: a Unix path, made at once and removed on close', async (t) => {
  const dirs = [];
  await differential(t, 'BoundSocket: a Unix path', async (net, ctx) => {
    if (net.BoundSocket === undefined) return ctx.rec('api', 'absent');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rsnet-bound-'));
    dirs.push(dir);
    const p = path.join(dir, 's.sock');
    const b = new net.BoundSocket({ path: p });
    ctx.rec('bound', { isPipe: b.isPipe, address: b.address() === p, file: fs.existsSync(p) });
    attempt(ctx, 'same path again', () => new net.BoundSocket({ path: p }));
    const server = net.createServer((s) => s.end('pipe hi'));
    await new Promise((resolve) => server.listen({ handle: b }, resolve));
    ctx.rec('server', 'address is the path', server.address() === p);
    const c = net.connect(p);
    c.on('data', (d) => ctx.rec('client', 'data', String(d)));
    await new Promise((resolve) => c.on('close', resolve));
    await new Promise((resolve) => server.close(resolve));
    ctx.rec('server closed', 'file', fs.existsSync(p));
    const unadopted = new net.BoundSocket({ path: p });
    unadopted.close();
    ctx.rec('unadopted closed', 'file', fs.existsSync(p));
  });
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});
