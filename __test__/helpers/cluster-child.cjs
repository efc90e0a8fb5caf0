'use strict';
// Child for e2e-cluster: `node cluster-child.cjs <scenario>`, the primary of a cluster
// whose workers use the net module in RSNET_NET_MODULE. The primary connects with
// node:net and prints one JSON line of what it saw; the parent compares node:net's
// line with rsnet's.
const cluster = require('cluster');

const scenario = process.argv[2];
const MOD = process.env.RSNET_NET_MODULE || 'node:net';

if (cluster.isPrimary) {
  const nodeNet = require('node:net');
  const report = {};
  const fetchPid = (port) => new Promise((resolve, reject) => {
    let data = '';
    const c = nodeNet.connect(port, '127.0.0.1');
    c.on('data', (d) => { data += d; });
    c.on('end', () => resolve(data));
    c.on('error', reject);
  });
  const workers = [cluster.fork({ SCENARIO: scenario }), cluster.fork({ SCENARIO: scenario })];
  const ports = [];
  const listenings = [];
  for (const w of workers) {
    w.on('message', async (m) => {
      if (m.listening !== undefined) listenings.push(m.listening);
      if (m.port === undefined) return;
      ports.push(m.port);
      if (ports.length < workers.length) return;
      report.samePort = ports[0] === ports[1];
      if (report.samePort && ports[0] > 0) {
        const pids = new Set();
        for (let i = 0; i < 8; i++) pids.add(await fetchPid(ports[0]));
        // Round-robin alternates; with the shared socket the kernel picks (any of them).
        report.workersServing = process.env.NODE_CLUSTER_SCHED_POLICY === 'none' ? pids.size >= 1 : pids.size;
      }
      for (const worker of workers) worker.send('close');
    });
  }
  const exits = [];
  cluster.on('exit', (w, code, signal) => {
    exits.push({ code, signal });
    if (exits.length === workers.length) {
      report.exits = exits;
      report.listeningEvents = listenings.sort();
      process.stdout.write(`${JSON.stringify(report)}\n`);
    }
  });
} else {
  const net = require(MOD);
  const server = net.createServer((s) => s.end(String(process.pid)));
  let listeningEvents = 0;
  server.on('listening', () => { listeningEvents++; });
  process.on('message', (m) => {
    if (m === 'close') server.close(() => process.disconnect());
  });
  switch (process.env.SCENARIO) {
    case 'shared-port':
      server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
      break;
    case 'exclusive':
      server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => process.send({ port: server.address().port }));
      break;
    case 'listen-twice':
      // Match node:net: in a worker listen() is not done until the primary answers, so
      // a second call is no error, and the server listens once.
      server.listen(0, '127.0.0.1');
      server.listen(0, '127.0.0.1');
      server.once('listening', () => setImmediate(() => {
        process.send({ listening: listeningEvents });
        process.send({ port: server.address().port });
      }));
      break;
    case 'close-before-answer':
      // Closed before the primary answers: the answer's handle goes back, and the
      // worker still exits once it disconnects.
      server.listen(0, '127.0.0.1', () => process.send({ listening: 'unexpected' }));
      server.close();
      process.send({ port: 0 });
      break;
  }
}
