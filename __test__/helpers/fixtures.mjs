// Shared scenario building blocks.

// A listening server plus one connected client. Watchers for the client
// ('client' list) and the accepted socket ('accepted' list) are attached
// synchronously inside 'connect'/'connection' so no event can slip past.
// Resolves once both ends are connected.
export async function pair(ctx, opts = {}) {
  const {
    server: sopts = {},
    client: copts = {},
    host = '127.0.0.1',
    watch = true,
    watchClient = {},
    watchAccepted = {},
    clientList = 'client',
    acceptedList = 'accepted',
  } = opts;
  const server = ctx.createServer(sopts);
  const port = await ctx.listen(server, 'S', 0, host);
  let accepted;
  const gotConn = new Promise((res) => {
    server.once('connection', (sock) => {
      accepted = sock;
      if (watch) ctx.watch(sock, acceptedList, watchAccepted);
      res();
    });
  });
  const client = ctx.connect({ port, host, ...copts });
  if (watch) ctx.watch(client, clientList, watchClient);
  await Promise.all([gotConn, ctx.wait(client, 'connect')]);
  ctx.name(client.localPort, 'C');
  return { server, client, accepted, port };
}

export async function closeServer(server) {
  if (!server.listening) return;
  await new Promise((res) => server.close(() => res()));
}

// Wait for `sockets` to close, then the server.
export async function finish(ctx, server, ...sockets) {
  await Promise.all(sockets.map((s) => ctx.closed(s)));
  await closeServer(server);
}

// State of a socket worth comparing at a given point.
export function state(sock) {
  return {
    readyState: sock.readyState,
    connecting: sock.connecting,
    pending: sock.pending,
    destroyed: sock.destroyed,
    readable: sock.readable,
    writable: sock.writable,
  };
}

export function counters(sock) {
  return {
    bytesRead: sock.bytesRead,
    bytesWritten: sock.bytesWritten,
    bufferSize: sock.bufferSize,
    writableLength: sock.writableLength,
  };
}
