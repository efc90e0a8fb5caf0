// rsnet: node:net on a Rust reactor. This module is the public API; see
// ../../shared/DESIGN.md (or the README) for how the layers fit.

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
import { binding } from './dispatch';
import { BoundSocket, HAS_BOUND_SOCKET } from './bound_socket';

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

/** Node-internal helper kept for compatibility: a listening handle, or a negative errno. */
function _createServerHandle(address: string, port: number, addressType: number, fd?: number, flags?: number): any {
  if (typeof fd === 'number' && fd >= 0) throw new Error('rsnet: listening on a descriptor is not implemented yet');
  const host = address || (addressType === 6 ? '::' : '0.0.0.0');
  const result = binding.listenTcp(host, port | 0, 511, Boolean((flags ?? 0) & 1), false);
  return typeof result === 'number' ? -result : result;
}

/** Match node:net: deprecated, and a no-op outside Windows. */
function _setSimultaneousAccepts(): void {}

module.exports = {
  _createServerHandle,
  _normalizeArgs: normalizeConnectArgs,
  _setSimultaneousAccepts,
  // Pure data classes with no I/O: node:net's own are the reference implementation.
  // Match node:net: lazy getters, as its own are. Loading node:net up front cost 243
  // KiB of heap that survives the first scavenges, enough (with the rest of rsnet's
  // load) for V8 to grow the young generation: a pipelined echo's peak RSS was 62 MiB
  // against 55 with node:net alone loaded, serving with node:net in both.
  get BlockList() {
    return require('net').BlockList;
  },
  get SocketAddress() {
    return require('net').SocketAddress;
  },
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

// Match node:net: BoundSocket where the running Node has it.
if (HAS_BOUND_SOCKET) module.exports.BoundSocket = BoundSocket;
