// rsnet: node:net on a Rust reactor. This module is the public API; see
// ../../shared/DESIGN.md (or the README) for how the layers fit.

import * as nodeNet from 'net';

import {
  Socket,
  getDefaultAutoSelectFamily,
  setDefaultAutoSelectFamily,
  getDefaultAutoSelectFamilyAttemptTimeout,
  setDefaultAutoSelectFamilyAttemptTimeout,
} from './socket';
import { Server } from './server';
import { isIP, isIPv4, isIPv6 } from './ip';
import { normalizeConnectArgs } from './normalize';
import { setIoThreads } from './native';

function createServer(options?: any, connectionListener?: any): any {
  return new (Server as any)(options, connectionListener);
}

/** `connect(options[, cb])`, `connect(port[, host][, cb])`, `connect(path[, cb])`. */
function connect(...args: any[]): any {
  const normalized = normalizeConnectArgs(args);
  const options = normalized[0];
  const socket = new (Socket as any)(options);
  if (options.timeout) socket.setTimeout(options.timeout);
  return socket.connect(normalized);
}

module.exports = {
  _normalizeArgs: normalizeConnectArgs,
  // Pure data classes with no I/O: node:net's own are the reference implementation.
  BlockList: nodeNet.BlockList,
  SocketAddress: (nodeNet as any).SocketAddress,
  connect,
  createConnection: connect,
  createServer,
  isIP,
  isIPv4,
  isIPv6,
  Server,
  Socket,
  Stream: Socket,
  getDefaultAutoSelectFamily,
  setDefaultAutoSelectFamily,
  getDefaultAutoSelectFamilyAttemptTimeout,
  setDefaultAutoSelectFamilyAttemptTimeout,
  /** rsnet only: reactor I/O threads; effective before the first socket is opened. */
  setIoThreads,
};
