'use strict';
// The echo server example from Node's net documentation, unchanged except
// that the module comes from RSNET_NET_MODULE, the port from argv (default
// 8124), and the bound port is also printed as JSON for the test.
const net = require(process.env.RSNET_NET_MODULE || 'node:net');
const PORT = process.argv[2] === undefined ? 8124 : Number(process.argv[2]);

const server = net.createServer((c) => {
  // 'connection' listener.
  console.log('client connected');
  c.on('end', () => {
    console.log('client disconnected');
  });
  c.write('hello\r\n');
  c.pipe(c);
});
server.on('error', (err) => {
  throw err;
});
server.listen(PORT, () => {
  console.log('server bound');
  console.log(JSON.stringify({ port: server.address().port }));
});
