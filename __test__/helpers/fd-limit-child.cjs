'use strict';
// Child for e2e-fd-limit: a server under a low descriptor limit (the parent runs it with
// `ulimit -n`), with no 'error' listener, so that an accept error it were given would
// end the process. It holds every connection open until told `release` on stdin, then
// answers later ones with "ok". It reports on stdout as JSON lines.
const net = require(process.env.RSNET_NET_MODULE || 'node:net');

const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const held = [];
let releasing = false;

const server = net.createServer((s) => {
  s.on('error', () => {});
  if (releasing) {
    s.end('ok');
    return;
  }
  held.push(s);
  say({ held: held.length });
});
server.listen(0, '127.0.0.1', () => say({ port: server.address().port }));

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  input += d;
  if (input.includes('release') && !releasing) {
    releasing = true;
    for (const s of held) s.destroy();
    say({ released: held.length });
  }
});
