// net.Server: an EventEmitter over a reactor-owned listening socket.
//
// Constructor-function style for the same reason as Socket (see socket.ts).

import { EventEmitter } from 'events';
import * as dns from 'dns';
import { promisify } from 'util';
import { getDefaultHighWaterMark } from 'stream';

import { binding, register, unregister, holdRef, releaseRef } from './dispatch';
import * as fs from 'fs';
import { EV_ACCEPTED, EV_ERROR, SYSCALL_NAMES, guessHandleType, ServerHandle, socketCalls, rareSocketCalls } from './native';
import { socketForAccepted, kServerSocket } from './socket';
import { isBlocked, validateBlockList } from './block_list';
import { inClusterWorker, listenViaPrimary, type ServerQuery } from './cluster_listen';
import { BoundSocket, kBoundSocketConsume } from './bound_socket';
import {
  errnoException,
  uvExceptionWithHostPort,
  ERR_INVALID_ARG_TYPE,
  ERR_INVALID_ARG_VALUE,
  ERR_SERVER_ALREADY_LISTEN,
  ERR_SERVER_NOT_RUNNING,
} from './errors';
import { normalizeConnectArgs, isPipeName } from './normalize';
import { validateNumber, validatePort, validateAbortSignal } from './validate';

import { EADDRINUSE, EINVAL, ENOENT, EACCES, EBADF, DEFAULT_IPV4_ADDR, DEFAULT_IPV6_ADDR, NODE_MAJOR } from './constants';

/** Match node:net: 511, which the kernel rounds up to a 512-entry queue. */
const DEFAULT_BACKLOG = 511;

/** listen()'s `reusePort`, for the bind that follows its lookup. */
const kReusePort = Symbol('kReusePort');
/** listen()'s `exclusive`: not through a cluster primary (see cluster_listen.ts). */
const kExclusive = Symbol('kExclusive');

export function Server(this: any, options?: any, connectionListener?: any): any {
  if (!(this instanceof (Server as any))) return new (Server as any)(options, connectionListener);
  EventEmitter.call(this);

  if (typeof options === 'function') {
    connectionListener = options;
    options = {};
    this.on('connection', connectionListener);
  } else if (options == null || typeof options === 'object') {
    options = { ...options };
    if (typeof connectionListener === 'function') this.on('connection', connectionListener);
  } else {
    throw new ERR_INVALID_ARG_TYPE('options', 'Object', options);
  }
  if (typeof options.keepAliveInitialDelay !== 'undefined') {
    validateNumber(options.keepAliveInitialDelay, 'options.keepAliveInitialDelay');
    if (options.keepAliveInitialDelay < 0) options.keepAliveInitialDelay = 0;
  }
  if (typeof options.highWaterMark !== 'undefined') {
    validateNumber(options.highWaterMark, 'options.highWaterMark');
    if (options.highWaterMark < 0) options.highWaterMark = getDefaultHighWaterMark(false);
  }

  // Match node:net (22 and later): addresses whose connections are closed at once.
  if (NODE_MAJOR >= 22 && options.blockList) this.blockList = validateBlockList(options.blockList);

  this._connections = 0;
  this._handle = null;
  this._usingWorkers = false;
  this._workers = [];
  this._unref = false;
  this._listeningId = 1;

  this.allowHalfOpen = options.allowHalfOpen || false;
  this.pauseOnConnect = !!options.pauseOnConnect;
  this.noDelay = Boolean(options.noDelay);
  this.keepAlive = Boolean(options.keepAlive);
  this.keepAliveInitialDelay = ~~(options.keepAliveInitialDelay / 1000);
  this.highWaterMark = options.highWaterMark ?? getDefaultHighWaterMark(false);
}
Object.setPrototypeOf(Server.prototype, EventEmitter.prototype);
Object.setPrototypeOf(Server, EventEmitter);

const proto = Server.prototype as any;

function toNumber(x: any): number | false {
  return (x = Number(x)) >= 0 ? x : false;
}

proto.listen = function listen(this: any, ...args: any[]) {
  const normalized = normalizeConnectArgs(args);
  let options: any = normalized[0];
  const cb = normalized[1];

  if (this._handle) throw new ERR_SERVER_ALREADY_LISTEN();
  if (cb !== null) this.once('listening', cb);

  // (handle, backlog) or (path, backlog) or (port, backlog), or (port, host, backlog)
  const backlogFromArgs = toNumber(args.length > 1 && args[1]) || toNumber(args.length > 2 && args[2]);

  options = options._handle || options.handle || options;

  // (boundSocket[, ...]) or ({ handle: boundSocket }[, ...]): the server takes the
  // bound socket over, and it is the BoundSocket's no more (Match node:net).
  if (options instanceof BoundSocket) {
    const { fd, path } = options[kBoundSocketConsume]();
    if (path !== undefined) this._pipeName = path;
    this._listeningId++;
    setupListenHandle(this, null, null, null, backlogFromArgs, false, fd, path);
    return this;
  }
  const ipv6Only = Boolean(options.ipv6Only);
  // Match node:net (22 and later): `reusePort: true`, and only true, asks for
  // SO_REUSEPORT; Node 20 has no such option.
  this[kReusePort] = NODE_MAJOR >= 22 && options.reusePort === true;
  // Match node:net: in a cluster worker, `exclusive` (and reusePort) listens here
  // instead of sharing the primary's socket.
  this[kExclusive] = Boolean(options.exclusive) || this[kReusePort];
  // A newer listen() makes an older one's pending lookup moot.
  this._listeningId++;

  // (handle[, backlog][, cb]) where handle is a listening handle: another rsnet
  // server's, taken over as node:net takes over a TCP or Pipe handle.
  if (options instanceof ServerHandle) {
    this._handle = options;
    register(options.id, this);
    const address = options.address();
    this._handleKind = address && address.family === 'unix' ? 'pipe' : 'tcp';
    this._connectionKey = '-1:null:-1';
    if (!this._unref) holdRef(options);
    process.nextTick(emitListeningNT, this);
    return this;
  }

  addServerAbortSignalOption(this, options);

  // (handle[, backlog][, cb]) where handle is an object with a fd
  if (typeof options.fd === 'number' && options.fd >= 0) {
    setupListenHandle(this, null, null, null, backlogFromArgs, false, options.fd);
    return this;
  }

  // listen(), listen(null), listen(cb), listen({ port: undefined }): any free port.
  if (
    args.length === 0 ||
    typeof args[0] === 'function' ||
    (typeof options.port === 'undefined' && 'port' in options) ||
    options.port === null
  ) {
    options.port = 0;
  }

  if (typeof options.port === 'number' || typeof options.port === 'string') {
    validatePort(options.port, 'options.port');
    const backlog = options.backlog || backlogFromArgs;
    if (options.host) lookupAndListen(this, options.port | 0, options.host, backlog, ipv6Only);
    // Match node:net: without a host, Node 20 drops ipv6Only (dual stack); Node 22 keeps it.
    else setupListenHandle(this, null, options.port | 0, 4, backlog, NODE_MAJOR >= 22 && ipv6Only);
    return this;
  }

  if (options.path && isPipeName(options.path)) {
    const pipeName = (this._pipeName = options.path);
    const backlog = options.backlog || backlogFromArgs;
    setupListenHandle(this, pipeName, -1, -1, backlog, false);
    if (!this._handle) return this; // failed: the error follows on the next tick
    // Match node:net (libuv's uv_pipe_chmod): add read and/or write for everyone.
    let mode = 0;
    if (options.readableAll === true) mode |= 0o444;
    if (options.writableAll === true) mode |= 0o222;
    // On Windows libuv widens the named pipe's DACL instead; rsnet does not do that yet
    // (README: platform table), so the pipe keeps its default access there.
    if (mode !== 0 && process.platform !== 'win32') {
      try {
        const current = fs.statSync(pipeName).mode;
        // Match node:net: Node 20 adds the bits to the socket file's mode; from Node 22
        // on the mode is set to exactly them.
        if (NODE_MAJOR >= 22) fs.chmodSync(pipeName, mode);
        else if ((current & mode) !== mode) fs.chmodSync(pipeName, current | mode);
      } catch (err: any) {
        this._handle.close();
        unregister(this._handle.id);
        releaseRef(this._handle);
        this._handle = null;
        throw errnoException(Math.abs(err.errno ?? 1), 'uv_pipe_chmod');
      }
    }
    return this;
  }

  if (!('port' in options || 'path' in options)) {
    throw new ERR_INVALID_ARG_VALUE('options', options, 'must have the property "port" or "path"');
  }
  throw new ERR_INVALID_ARG_VALUE('options', options);
};

/** `listen({ signal })`: aborting the signal closes the server. */
function addServerAbortSignalOption(self: any, options: any): void {
  if (options?.signal === undefined) return;
  validateAbortSignal(options.signal, 'options.signal');
  const { signal } = options;
  const onAborted = () => self.close();
  if (signal.aborted) {
    process.nextTick(onAborted);
  } else {
    signal.addEventListener('abort', onAborted, { once: true });
    self.once('close', () => signal.removeEventListener('abort', onAborted));
  }
}

function lookupAndListen(self: any, port: number, address: string, backlog: any, ipv6Only: boolean): void {
  const listeningId = self._listeningId;
  dns.lookup(address, function doListen(err: any, ip: string, addressType: number) {
    if (listeningId !== self._listeningId) return;
    if (err) {
      self.emit('error', err);
    } else {
      setupListenHandle(self, ip, port, ip ? addressType : 4, backlog, ipv6Only);
    }
  });
}

function setupListenHandle(
  self: any,
  address: string | null,
  port: number | null,
  addressType: number | null,
  backlog: any,
  ipv6Only: boolean,
  fd?: number,
  /** A BoundSocket's Unix path: its file is removed when the server closes. */
  boundPath?: string,
): void {
  // Match node:net: the backlog reaches listen(2) as an int32 ('x' becomes 0); one that
  // cannot become a number (a Symbol, a BigInt) throws, but only once the address is
  // bound, so a bind error is emitted first (backlogAsInt32).
  const backlogInt = backlogAsInt32(backlog || DEFAULT_BACKLOG);
  if (backlogInt instanceof TypeError) {
    setupListenHandle(self, address, port, addressType, DEFAULT_BACKLOG, ipv6Only, fd, boundPath);
    if (!self._handle) return;
    // node:net's handle stays bound and never listens; this one was listening for the
    // moment between, and is closed before anything can be accepted on this thread.
    // Its 'listening' is not emitted: emitListeningNT finds no handle.
    self._handle.close();
    unregister(self._handle.id);
    releaseRef(self._handle);
    self._handle = null;
    self._connectionKey = undefined;
    throw backlogInt;
  }
  // The reactor never starts reading an accepted socket by itself: the Socket starts it
  // once its 'connection' handlers have run (socketForAccepted), so that a pipe() made
  // there moves even the first bytes natively.
  if (typeof fd !== 'number' && addressType !== -1 && !self[kExclusive] && inClusterWorker()) {
    listenInCluster(self, address, port ?? 0, addressType ?? 4, backlogInt, ipv6Only);
    return;
  }
  const listen = (host: string) => binding.listenTcp(host, port, backlogInt, ipv6Only, self[kReusePort] === true);
  let result: any;
  self._handleKind = 'tcp';
  if (typeof fd === 'number') {
    // Match node:net: a descriptor that is neither a TCP nor a Unix stream socket is
    // EINVAL at listen time.
    const type = guessHandleType(fd);
    if (type === 'TCP' || type === 'PIPE') {
      self._handleKind = type === 'TCP' ? 'tcp' : 'pipe';
      result = binding.listenFd(fd, backlogInt, boundPath !== undefined && boundPath[0] !== '\0' ? boundPath : null);
    } else {
      result = EINVAL;
    }
  } else if (addressType === -1) {
    self._handleKind = 'pipe';
    result = binding.listenUnix(address, backlogInt);
    // Match node:net (libuv's uv_pipe_bind): ENOENT is reported as EACCES, as on Windows.
    if (result === ENOENT) result = EACCES;
  } else if (!address) {
    // Match node:net: no host means the IPv6 wildcard (dual stack), falling back to
    // IPv4 when IPv6 is not there. libuv reports EADDRINUSE at listen(), not bind(), so
    // that error does not fall back: it is reported for '::'.
    result = listen(DEFAULT_IPV6_ADDR);
    if (typeof result === 'number' && result !== EADDRINUSE) {
      address = DEFAULT_IPV4_ADDR;
      addressType = 4;
      result = listen(address);
    } else {
      address = DEFAULT_IPV6_ADDR;
      addressType = 6;
    }
  } else {
    result = listen(address);
  }
  if (typeof result === 'number') {
    const error = uvExceptionWithHostPort(result, 'listen', address, port);
    process.nextTick(emitErrorNT, self, error);
    return;
  }
  self._handle = result;
  register(result.id, self);
  self._connectionKey = `${addressType}:${address}:${port}`;
  // The liveness ref belongs to the handle, not the Server: a handle taken over by
  // listen(handle) keeps the process alive once, and stops when whoever owns it closes.
  if (!self._unref) holdRef(result);
  process.nextTick(emitListeningNT, self);
}

/**
 * `value` as C++'s Int32Value sees it, or the TypeError it throws: a Symbol and a BigInt
 * (which JavaScript's `| 0` would mix up) cannot be converted; anything else goes through
 * Number (valueOf), NaN and the rest becoming 0.
 */
function backlogAsInt32(value: unknown): number | TypeError {
  if (typeof value === 'symbol') return new TypeError('Cannot convert a Symbol value to a number');
  if (typeof value === 'bigint') return new TypeError('Cannot convert a BigInt value to a number');
  return Number(value) | 0;
}

/** A TCP listen() in a cluster worker: the primary's socket (see cluster_listen.ts). */
function listenInCluster(self: any, address: string | null, port: number, addressType: number, backlog: number, ipv6Only: boolean): void {
  const query: ServerQuery = { address, port, addressType, fd: undefined, flags: ipv6Only ? 1 : 0, backlog };
  listenViaPrimary(self, query, (id) => acceptedConnection(self, id), (errno, handle) => {
    // Match node:net (checkBindError): a fixed port the primary did not get is in use.
    if (!errno && handle && port > 0 && (handle.address() as any)?.port !== undefined && (handle.address() as any).port !== port) {
      handle.close();
      errno = -EADDRINUSE;
      handle = null;
    }
    if (errno || !handle) {
      self.emit('error', uvExceptionWithHostPort(Math.abs(errno), 'bind', address, port));
      return;
    }
    self._handleKind = 'tcp';
    self._handle = handle;
    if (handle.id !== 0) register(handle.id, self);
    self._connectionKey = `${addressType}:${address}:${port}`;
    if (!self._unref) holdRef(handle);
    else handle.unref();
    // Match node:net: 'listening' on the next tick, as after any listen.
    process.nextTick(emitListeningNT, self);
  });
}

function emitErrorNT(self: any, err: Error): void {
  self.emit('error', err);
}

function emitListeningNT(self: any): void {
  // The server may have been closed in the same tick.
  if (self._handle) self.emit('listening');
}

proto._onNativeEvent = function _onNativeEvent(this: any, kind: number, a: number, b: number) {
  if (kind === EV_ACCEPTED) onConnection(this, a);
  else if (kind === EV_ERROR) this.emit('error', errnoException(a, SYSCALL_NAMES[b] || 'accept'));
};

function onConnection(self: any, id: number): void {
  // JS takes the socket (the binding's table holds it from here); false if already gone.
  if (!socketCalls.accepted(id)) return;
  acceptedConnection(self, id);
}

/** A connection JS holds by `id` (accepted here, or handed over by a cluster primary). */
function acceptedConnection(self: any, id: number): void {
  // Match node:net: on Node 20 maxConnections 0 means no limit; from Node 22 on, any
  // value set is a limit (0 drops every connection).
  const limited = NODE_MAJOR >= 22 ? self.maxConnections != null : !!self.maxConnections;
  if (limited && self._connections >= self.maxConnections) {
    if (self._handleKind === 'pipe') {
      // Match node:net: a pipe has no addresses to describe.
      self.emit('drop');
      socketCalls.close(id);
      return;
    }
    // Match node:net: the excess connection is closed at once, after a 'drop' event
    // describing it.
    const data = Object.create(null);
    const local = rareSocketCalls.socketLocalAddress(id);
    const remote = rareSocketCalls.socketRemoteAddress(id);
    data.localAddress = local?.address;
    data.localPort = local?.port;
    data.localFamily = local?.family;
    data.remoteAddress = remote?.address;
    data.remotePort = remote?.port;
    data.remoteFamily = remote?.family;
    self.emit('drop', data);
    socketCalls.close(id);
    return;
  }
  if (self.blockList !== undefined && self._handleKind !== 'pipe' && isBlocked(self.blockList, rareSocketCalls.socketRemoteAddress(id)?.address)) {
    // Match node:net: a connection from a blocked address is closed, with no event.
    socketCalls.close(id);
    return;
  }
  const socket = socketForAccepted(id, {
    allowHalfOpen: self.allowHalfOpen,
    pauseOnCreate: self.pauseOnConnect,
    readable: true,
    writable: true,
    readableHighWaterMark: self.highWaterMark,
    writableHighWaterMark: self.highWaterMark,
  }, self._handleKind);
  if (self.noDelay) socket.setNoDelay(true);
  if (self.keepAlive) socket.setKeepAlive(true, self.keepAliveInitialDelay * 1000);
  self._connections++;
  socket.server = self;
  socket._server = self;
  socket[kServerSocket] = true;
  self.emit('connection', socket);
}

proto.address = function address(this: any) {
  // Match node:net: a Unix server's address is its path (null when it listens on an
  // adopted descriptor, which has no name node:net knows).
  if (this._handle && this._handleKind === 'pipe') return this._pipeName ?? null;
  if (this._handle) {
    const out = this._handle.address();
    if (!out) throw errnoException(EBADF, 'address');
    return out;
  }
  if (this._pipeName) return this._pipeName;
  return null;
};

Object.defineProperty(proto, 'listening', {
  get() {
    return !!(this._handle && this._connectionKey);
  },
  configurable: true,
  enumerable: true,
});

// The old API node:net dropped: the live connection count as a property.
Object.defineProperty(proto, 'connections', {
  get() {
    return this._connections;
  },
  set(value: number) {
    this._connections = value;
  },
  configurable: true,
  enumerable: true,
});

/** The old API node:net dropped: accept on an inherited, bound socket descriptor. */
proto.listenFD = function listenFD(this: any, fd: number, _type?: string) {
  return this.listen({ fd });
};

proto.getConnections = function getConnections(this: any, cb: (err: Error | null, n: number) => void) {
  process.nextTick(cb, null, this._connections);
  return this;
};

proto.close = function close(this: any, cb?: (err?: Error) => void) {
  if (typeof cb === 'function') {
    if (!this._handle) {
      this.once('close', function () {
        cb(new ERR_SERVER_NOT_RUNNING());
      });
    } else {
      this.once('close', cb);
    }
  }
  // Match node:net: a listen() still waiting for its host lookup is called off.
  this._listeningId++;
  if (this._handle) {
    unregister(this._handle.id);
    this._handle.close();
    releaseRef(this._handle);
    this._handle = null;
  }
  this._emitCloseIfDrained();
  return this;
};

proto._emitCloseIfDrained = function _emitCloseIfDrained(this: any) {
  if (this._handle || this._connections) return;
  process.nextTick(emitCloseNT, this);
};

function emitCloseNT(self: any): void {
  self.emit('close');
}

proto.ref = function ref(this: any) {
  this._unref = false;
  if (this._handle) {
    holdRef(this._handle);
    this._handle.ref?.();
  }
  return this;
};

proto.unref = function unref(this: any) {
  this._unref = true;
  if (this._handle) {
    releaseRef(this._handle);
    this._handle.unref?.();
  }
  return this;
};

proto[EventEmitter.captureRejectionSymbol] = function (this: any, err: Error, event: string, sock: any) {
  if (event === 'connection') sock.destroy(err);
  else this.emit('error', err);
};

if ((Symbol as any).asyncDispose) {
  proto[(Symbol as any).asyncDispose] = async function (this: any) {
    if (!this._handle) return;
    return promisify(this.close).call(this);
  };
}
