// socket.setTypeOfService() and socket.getTypeOfService(): the IP type of service
// (IPv4 TOS, IPv6 traffic class) of a TCP socket's packets. node:net has them from
// Node 24.14 and 26; rsnet defines them where the running Node does, as the rest of
// its API follows the running Node (see NODE_MAJOR).

import { EBADF, NODE_MAJOR, NODE_MINOR } from './constants';
import { ERR_INVALID_ARG_TYPE, errnoException } from './errors';
import { validateInteger } from './validate';

/** Whether the running Node's node:net has the two methods. */
export const HAS_TYPE_OF_SERVICE = NODE_MAJOR >= 25 || (NODE_MAJOR === 24 && NODE_MINOR >= 14);

/** The value last given, kept for a socket without a connected TCP handle. */
const kTypeOfService = Symbol('kTypeOfService');

/** The handle calls used here. */
interface TosHandle {
  attached: boolean;
  kind?: 'tcp' | 'pipe';
  setTypeOfService?(tos: number): number;
  getTypeOfService?(): number;
}

/**
 * The handle to ask, if the socket has a connected TCP one. Match node:net: a Pipe
 * handle has no such calls (libuv's Pipe has none), so a Unix socket keeps the value
 * itself, as a socket without a handle does.
 */
function connectedTcp(socket: any): TosHandle | null {
  const handle: TosHandle | null = socket._handle;
  if (!handle || !handle.attached || socket.connecting || handle.kind === 'pipe') return null;
  if (typeof handle.setTypeOfService !== 'function') return null;
  return handle;
}

/**
 * Match node:net: a TCP handle made by connect() has no descriptor until the connect
 * is made (on the next tick, or after the lookup), and asking it then fails with
 * EBADF. Once the connect is under way rsnet keeps the value and applies it when
 * connected, where node:net's handle has a descriptor to set it on already.
 */
function beforeDescriptor(socket: any): boolean {
  const handle: TosHandle | null = socket._handle;
  return handle !== null && handle !== undefined && !handle.attached && handle.kind !== 'pipe';
}

function setTypeOfService(this: any, tos: unknown) {
  // Match node:net: NaN is a wrong type, not a value out of range.
  if (typeof tos !== 'number' || Number.isNaN(tos)) throw new ERR_INVALID_ARG_TYPE('tos', 'number', tos);
  validateInteger(tos, 'tos', 0, 255);
  // Match node:net: kept whatever happens next, applied once connected, and what
  // getTypeOfService() says once there is no handle any more.
  this[kTypeOfService] = tos;
  if (beforeDescriptor(this)) throw errnoException(EBADF, 'setTypeOfService');
  const handle = connectedTcp(this);
  if (handle) {
    const errno = handle.setTypeOfService!(tos);
    if (errno !== 0) throw errnoException(errno, 'setTypeOfService');
  }
  return this;
}

function getTypeOfService(this: any): number {
  if (beforeDescriptor(this)) throw errnoException(EBADF, 'getTypeOfService');
  const handle = connectedTcp(this);
  if (handle) {
    const tos = handle.getTypeOfService!();
    if (tos < 0) throw errnoException(-tos, 'getTypeOfService');
    return tos;
  }
  return this[kTypeOfService] ?? 0;
}

/** Adds the methods to Socket.prototype where the running Node has them. */
export function installTypeOfService(proto: any): void {
  if (!HAS_TYPE_OF_SERVICE) return;
  proto.setTypeOfService = setTypeOfService;
  proto.getTypeOfService = getTypeOfService;
}

/** Once connected: applies a value set before (Match node:net; a failure is ignored). */
export function applyTypeOfService(socket: any): void {
  const tos = socket[kTypeOfService];
  if (tos === undefined) return;
  const handle = connectedTcp(socket);
  if (handle) handle.setTypeOfService!(tos);
}
