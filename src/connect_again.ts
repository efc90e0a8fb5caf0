// connect() on a socket that already has a connection, or one on its way.
//
// Match node:net (libuv): the handle is not replaced. A connect still on its way makes
// the next one EALREADY (libuv's pending connect request). A connected socket makes the
// connect(2) call once more on its descriptor and reports what the kernel says: for a
// TCP socket whose first connect was non-blocking, 0 the first time whatever the
// address (the socket leaves SS_CONNECTING only then), so 'connect' is emitted again,
// and EISCONN after; for a Unix socket, EISCONN, or ENOENT when given a host, which
// libuv takes as a path. A TCP socket given a path is EINVAL on Node 24 and later; Node
// 20 and 22 abort the process there (a failed CHECK in TCPWrap::Connect), and rsnet
// gives the later Nodes' error on every Node. Until its outcome is reported, the
// request is pending, and a connect() then is EALREADY as above.

import { rareSocketCalls } from './native';
import { exceptionWithHostPort } from './errors';
import { EALREADY, EINVAL } from './constants';

/** Where the new connect() asks to go: an IP literal and port, or a Unix path. */
export type ConnectAgainTarget = { address: string; port: number; addressType: number } | { path: string };

/** What this module needs of the socket's own connect steps (socket.ts). */
export interface ConnectSteps {
  afterConnect(socket: any): void;
}

/** The socket's local side as node:net's error details give it ('127.0.0.1:5000'), if any. */
function localDetails(socket: any): string | undefined {
  const local = rareSocketCalls.socketLocalAddress(socket._handle.id);
  return local ? `${local.address}:${local.port}` : undefined;
}

/**
 * Connects `socket`, whose handle is attached, again to `target`; the caller has set
 * `connecting` and emitted 'connectionAttempt' as for any connect. Errors are emitted
 * as node:net emits them: the handle's refusal (EALREADY, EINVAL) and a TCP socket's
 * failed connect(2) at once, a Unix socket's answer and any success a poll later.
 */
export function connectAgain(socket: any, target: ConnectAgainTarget, steps: ConnectSteps): void {
  const handle = socket._handle;
  const isPath = 'path' in target;
  const address = isPath ? target.path : target.address;
  const port = isPath ? undefined : target.port;
  if (handle.isConnecting) {
    socket.destroy(exceptionWithHostPort(EALREADY, 'connect', address, port, localDetails(socket)));
    return;
  }
  if (isPath && handle.kind === 'tcp') {
    socket.destroy(exceptionWithHostPort(EINVAL, 'connect', address, port, localDetails(socket)));
    return;
  }
  if (handle.kind === 'tcp') {
    const errno: number = rareSocketCalls.socketConnectAgain(handle.id, address, port, null);
    // Match libuv: connect(2)'s error is returned by the request at once, with the
    // socket's local side; success is reported by the request's callback a poll later.
    if (errno !== 0) {
      socket.destroy(exceptionWithHostPort(errno, 'connect', address, port, localDetails(socket)));
      return;
    }
    handle.connectingAgain();
    setImmediate(() => {
      if (!socket.destroyed && socket._handle === handle) steps.afterConnect(socket);
    });
    return;
  }
  // Match libuv: a Unix socket takes a host as a path, and its connect reports every
  // outcome in the request's callback, as an attempt that failed, without details.
  const errno: number = rareSocketCalls.socketConnectAgain(handle.id, null, 0, address);
  handle.connectingAgain();
  setImmediate(() => {
    if (socket.destroyed || socket._handle !== handle) return;
    if (errno === 0) {
      steps.afterConnect(socket);
      return;
    }
    const ex = exceptionWithHostPort(errno, 'connect', address, port);
    if (isPath) socket.emit('connectionAttemptFailed', address, undefined, undefined, ex);
    else socket.emit('connectionAttemptFailed', address, port, target.addressType, ex);
    socket.destroy(ex);
  });
}
