// net.Socket: a stream.Duplex over a reactor-owned TCP socket.
//
// Written in the constructor-function style node:net itself uses, so that old code
// doing `net.Socket.call(this)` + `util.inherits` keeps working, and `net.Socket()`
// without `new` returns a socket, as it does in node:net.

import * as stream from 'stream';
import * as dns from 'dns';

import { TcpHandle } from './tcp_handle';
import { binding, runBeforeNextBatch } from './dispatch';
import {
  EV_FD,
  EV_CLOSED,
  guessHandleType,
  fdIsOpen,
  fdAccessMode,
  closeFd,
  EV_CONNECTED,
  EV_DATA,
  EV_EOF,
  EV_ERROR,
  EV_WRITE_DONE,
  EV_TIMEOUT,
  EV_SHUTDOWN_DONE,
  SYSCALL_NAMES,
  rareSocketCalls,
} from './native';
import {
  errnoException,
  exceptionWithHostPort,
  aggregateErrors,
  ERR_INVALID_ARG_TYPE,
  ERR_INVALID_ARG_VALUE,
  ERR_MISSING_ARGS,
  ERR_INVALID_IP_ADDRESS,
  ERR_IP_BLOCKED,
  ERR_INVALID_FD_TYPE,
  ERR_INVALID_HANDLE_TYPE,
  ERR_INVALID_ADDRESS_FAMILY,
  ERR_SOCKET_CLOSED,
  ERR_SOCKET_CLOSED_BEFORE_CONNECTION,
  ERR_SOCKET_CONNECTION_TIMEOUT,
} from './errors';
import { isIP } from './ip';
import { pipeSocket, consumeAndRetryNativePipe, stopNativePipe, stopNativePipesInto, isNativelyPiped, nativePipeTarget } from './native_pipe';
import { normalizeConnectArgs, normalizedArgsSymbol } from './normalize';
import {
  validateNumber,
  validatePort,
  validateFunction,
  validateString,
  validateBoolean,
  validateInt32,
  getTimerDuration,
} from './validate';

import { defaultAutoSelectFamily, defaultAutoSelectFamilyAttemptTimeout } from './node_options';
import { isBlocked, validateBlockList } from './block_list';
import { applyTypeOfService, installTypeOfService } from './type_of_service';
import { BoundSocket, kBoundSocketConsume, type BoundDescriptor } from './bound_socket';
import { connectAgain, type ConnectSteps } from './connect_again';
import { EINVAL, ENOTCONN, EPIPE, EBADF, ETIMEDOUT, O_RDONLY, O_WRONLY, DEFAULT_IPV4_ADDR, DEFAULT_IPV6_ADDR, NODE_MAJOR } from './constants';

/** A Buffer written with `write(data, fd)` carries the descriptor to pass here. */
const kFdToSend = Symbol('kFdToSend');

const kSetNoDelay = Symbol('kSetNoDelay');
const kSetKeepAlive = Symbol('kSetKeepAlive');
const kSetKeepAliveInitialDelay = Symbol('kSetKeepAliveInitialDelay');
const kBytesRead = Symbol('kBytesRead');
const kBytesWritten = Symbol('kBytesWritten');
const kConnectRequest = Symbol('kConnectRequest');
const kNoHandleTimer = Symbol('kNoHandleTimer');
/** The `onread` option: a buffer (or a function making one) and the callback. */
const kBuffer = Symbol('kBuffer');
const kBufferGen = Symbol('kBufferGen');
const kBufferCb = Symbol('kBufferCb');
/** An adopted BoundSocket's descriptor, until connect() connects from it. */
const kBoundSource = Symbol('kBoundSource');
/** The end of stream came while an `onread` socket held bytes back (see onEof). */
const kBufferEof = Symbol('kBufferEof');
/** Held-back bytes are to be delivered on the next turn (see resumeOnread). */
const kBufferScheduled = Symbol('kBufferScheduled');
/** Bytes read for an `onread` socket that its callback paused before taking. */
const kBufferPending = Symbol('kBufferPending');
export const kServerSocket = Symbol('kServerSocket');

/** The destination of the connect in flight, for its error message. */
interface ConnectRequest {
  address: string;
  port: number;
  addressType: number;
  localAddress?: string;
  localPort?: number;
  /** Happy-eyeballs state when the host resolved to several addresses. */
  multiple?: {
    addresses: { address: string; family: number }[];
    current: number;
    errors: Error[];
    /** How long an attempt may take before the next address is tried. */
    attemptTimeout: number;
    timer: NodeJS.Timeout | null;
  };
}

let autoSelectFamilyDefault = defaultAutoSelectFamily();
let autoSelectFamilyAttemptTimeoutDefault = defaultAutoSelectFamilyAttemptTimeout();

export function getDefaultAutoSelectFamily(): boolean {
  return autoSelectFamilyDefault;
}
export function setDefaultAutoSelectFamily(value: boolean): void {
  validateBoolean(value, 'value');
  autoSelectFamilyDefault = value;
}
export function getDefaultAutoSelectFamilyAttemptTimeout(): number {
  return autoSelectFamilyAttemptTimeoutDefault;
}
export function setDefaultAutoSelectFamilyAttemptTimeout(value: number): void {
  validateInt32(value, 'value', 1);
  // Match node:net: values below 10 ms are raised to 10.
  autoSelectFamilyAttemptTimeoutDefault = value < 10 ? 10 : value;
}

export function Socket(this: any, options?: any): any {
  if (!(this instanceof (Socket as any))) return new (Socket as any)(options);
  if (options?.objectMode) {
    throw new ERR_INVALID_ARG_VALUE('options.objectMode', options.objectMode, 'is not supported');
  } else if (options?.readableObjectMode || options?.writableObjectMode) {
    throw new ERR_INVALID_ARG_VALUE(
      `options.${options.readableObjectMode ? 'readableObjectMode' : 'writableObjectMode'}`,
      options.readableObjectMode || options.writableObjectMode,
      'is not supported',
    );
  }
  if (typeof options?.keepAliveInitialDelay !== 'undefined') {
    validateNumber(options.keepAliveInitialDelay, 'options.keepAliveInitialDelay');
    if (options.keepAliveInitialDelay < 0) options.keepAliveInitialDelay = 0;
  }

  this.connecting = false;
  this._hadError = false;
  this._handle = null;
  this._parent = null;
  this._host = null;
  this[kConnectRequest] = null;
  this[kNoHandleTimer] = null;
  this[kBuffer] = null;
  this[kBufferCb] = null;
  this[kBufferGen] = null;
  this[kBufferPending] = null;

  if (typeof options === 'number') options = { fd: options };
  else options = { ...options };

  // Match node:net: half-open is off by default, 'close' is emitted by the socket
  // itself (after the handle closes), and strings reach _write undecoded.
  options.allowHalfOpen = Boolean(options.allowHalfOpen);
  options.emitClose = false;
  options.autoDestroy = true;
  options.decodeStrings = false;
  stream.Duplex.call(this, options);

  if (options.handle instanceof BoundSocket) {
    // Match node:net: a BoundSocket is adopted now (it is the BoundSocket's no more),
    // and is connected from by connect(); until then the socket has no handle, so
    // nothing reads.
    this[kBoundSource] = options.handle[kBoundSocketConsume]();
  } else if (options.handle) {
    this._handle = options.handle;
    // Match node:net: the handle is marked as this socket's, which a primitive cannot be
    // (strict mode: "Cannot create property 'Symbol(owner_symbol)' on number '1'").
    this._handle[kHandleOwner] = this;
  } else if (options.fd !== undefined) {
    // Match node:net: only a TCP socket or a pipe (Unix socket or FIFO) can be adopted;
    // the old `type` option ('tcp4', 'tcp6', 'unix') is not needed to tell which.
    const { fd } = options;
    validateInt32(fd, 'fd', 0);
    const type = guessHandleType(fd);
    if (type !== 'PIPE' && type !== 'TCP') throw new ERR_INVALID_FD_TYPE(type);
    const mode = fdAccessMode(fd);
    const adopted = binding.adopt(fd);
    if (typeof adopted === 'number') throw errnoException(adopted, 'open');
    this._handle = new TcpHandle(null, adopted.id, type === 'TCP' ? 'tcp' : 'pipe');
    if (type === 'PIPE') {
      this._handle.canRead = mode !== O_WRONLY;
      this._handle.canWrite = mode !== O_RDONLY;
    }
    this._handle.setOwner(this);
  }

  const onread = options.onread;
  if (
    onread !== null &&
    typeof onread === 'object' &&
    (onread.buffer instanceof Uint8Array || typeof onread.buffer === 'function') &&
    typeof onread.callback === 'function'
  ) {
    if (typeof onread.buffer === 'function') {
      this[kBuffer] = true;
      this[kBufferGen] = onread.buffer;
    } else {
      this[kBuffer] = onread.buffer;
    }
    this[kBufferCb] = onread.callback;
  }

  this[kSetNoDelay] = Boolean(options.noDelay);
  this[kSetKeepAlive] = Boolean(options.keepAlive);
  this[kSetKeepAliveInitialDelay] = ~~(options.keepAliveInitialDelay / 1000);

  this.on('end', onReadableStreamEnd);

  this._pendingData = null;
  this._pendingEncoding = '';

  if (this._handle && options.readable !== false) {
    if (options.pauseOnCreate) {
      this._handle.reading = false;
      this._handle.readStop();
      this.readableFlowing = false;
    } else if (!options.manualStart) {
      this.read(0);
    }
  }

  this.server = null;
  this._server = null;
  this[kBytesRead] = 0;
  this[kBytesWritten] = 0;
  // Match node:net (22 and later): addresses this socket may not connect to.
  if (NODE_MAJOR >= 22 && options.blockList) this.blockList = validateBlockList(options.blockList);
}
Object.setPrototypeOf(Socket.prototype, stream.Duplex.prototype);
Object.setPrototypeOf(Socket, stream.Duplex);

const proto = Socket.prototype as any;
installTypeOfService(proto);

// Match node:net: after the peer's FIN, a socket without allowHalfOpen refuses writes
// that come after its own end() was queued.
function onReadableStreamEnd(this: any): void {
  if (!this.allowHalfOpen) this.write = writeAfterFIN;
}

function writeAfterFIN(this: any, chunk: any, encoding?: any, cb?: any): boolean {
  if (!this.writableEnded) {
    return (stream.Duplex.prototype.write as any).call(this, chunk, encoding, cb);
  }
  if (typeof encoding === 'function') {
    cb = encoding;
    encoding = null;
  }
  const er = Object.assign(new Error('This socket has been ended by the other party'), { code: 'EPIPE' });
  if (typeof cb === 'function') process.nextTick(cb, er);
  this.destroy(er);
  return false;
}

Object.defineProperty(proto, '_connecting', {
  get() {
    return this.connecting;
  },
});

Object.defineProperty(proto, 'pending', {
  get() {
    return !this._handle || this.connecting;
  },
  configurable: true,
});

Object.defineProperty(proto, 'readyState', {
  get() {
    if (this.connecting) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable && !this.writable) return 'readOnly';
    if (!this.readable && this.writable) return 'writeOnly';
    return 'closed';
  },
});

Object.defineProperty(proto, 'bufferSize', {
  get() {
    if (this._handle) return this.writableLength;
    return undefined;
  },
});

proto.setTimeout = function setSocketTimeout(this: any, msecs: any, callback?: any) {
  if (this.destroyed) return this;
  this.timeout = msecs;
  msecs = getTimerDuration(msecs, 'msecs');
  // Match node:net: its timer is a Timeout, which runs a duration under 1 ms (1e-9, say)
  // after 1 ms; the native timer counts whole milliseconds, and would take it as off.
  if (msecs > 0 && msecs < 1) msecs = 1;
  clearNoHandleTimer(this);
  if (this._handle) this._handle.setTimeout(0);
  if (msecs === 0) {
    if (callback !== undefined) {
      validateFunction(callback, 'callback');
      this.removeListener('timeout', callback);
    }
  } else {
    if (this._handle) {
      this._handle.setTimeout(msecs);
    } else {
      // No handle yet: a plain unref'd timer, as node:net's is.
      const timer = setTimeout(() => {
        this[kNoHandleTimer] = null;
        this._onTimeout();
      }, msecs);
      timer.unref();
      this[kNoHandleTimer] = timer;
    }
    if (callback !== undefined) {
      validateFunction(callback, 'callback');
      this.once('timeout', callback);
    }
  }
  return this;
};

function clearNoHandleTimer(socket: any): void {
  if (socket[kNoHandleTimer]) {
    clearTimeout(socket[kNoHandleTimer]);
    socket[kNoHandleTimer] = null;
  }
}

proto._onTimeout = function _onTimeout(this: any) {
  this.emit('timeout');
};

/** Records activity for the idle timer (node:net's name for it). */
proto._unrefTimer = function _unrefTimer(this: any) {
  for (let s = this; s !== null; s = s._parent) {
    if (s._handle) s._handle.touch();
  }
};

proto.setNoDelay = function setNoDelay(this: any, enable?: any) {
  // Match node:net: no argument means true.
  enable = Boolean(enable === undefined ? true : enable);
  if (!this._handle) {
    this[kSetNoDelay] = enable;
    return this;
  }
  // Match node:net: a handle passed in (`new Socket({ handle })`) may have no setNoDelay.
  if (this._handle.setNoDelay && enable !== this[kSetNoDelay]) {
    this[kSetNoDelay] = enable;
    this._handle.setNoDelay(enable);
  }
  return this;
};

proto.setKeepAlive = function setKeepAlive(this: any, enable?: any, initialDelayMsecs?: any) {
  enable = Boolean(enable);
  const initialDelay = ~~(initialDelayMsecs / 1000);
  if (!this._handle) {
    this[kSetKeepAlive] = enable;
    this[kSetKeepAliveInitialDelay] = initialDelay;
    return this;
  }
  // Match node:net: likewise for setKeepAlive.
  if (!this._handle.setKeepAlive) return this;
  if (enable !== this[kSetKeepAlive] || (enable && this[kSetKeepAliveInitialDelay] !== initialDelay)) {
    this[kSetKeepAlive] = enable;
    this[kSetKeepAliveInitialDelay] = initialDelay;
    this._handle.setKeepAlive(enable, initialDelay);
  }
  return this;
};

proto.address = function address(this: any) {
  return this._getsockname();
};

proto._getsockname = function _getsockname(this: any) {
  // Match node:net: asked whether connecting or not (`connecting` is only a property,
  // which anyone may set), and an answer of nothing ({}: no socket yet) is kept until
  // the connect completes and clears it.
  if (!this._handle) return {};
  if (!this._sockname) this._sockname = this._handle.getsockname() ?? {};
  return this._sockname;
};

proto._getpeername = function _getpeername(this: any) {
  if (!this._handle || this.connecting) return this._peername || {};
  if (!this._peername) {
    const out = this._handle.getpeername();
    if (!out) return {};
    this._peername = out;
  }
  return this._peername;
};

function protoGetter(name: string, getter: (this: any) => any): void {
  Object.defineProperty(proto, name, { configurable: false, enumerable: true, get: getter });
}

protoGetter('remoteAddress', function (this: any) {
  return this._getpeername().address;
});
protoGetter('remoteFamily', function (this: any) {
  return this._getpeername().family;
});
protoGetter('remotePort', function (this: any) {
  return this._getpeername().port;
});
protoGetter('localAddress', function (this: any) {
  return this._getsockname().address;
});
protoGetter('localPort', function (this: any) {
  return this._getsockname().port;
});
protoGetter('localFamily', function (this: any) {
  return this._getsockname().family;
});
protoGetter('bytesRead', function (this: any) {
  return this._handle ? this._handle.bytesRead : this[kBytesRead];
});
protoGetter('bytesWritten', function (this: any) {
  let bytes = this._handle ? this._handle.bytesWritten : this[kBytesWritten];
  const data = this._pendingData;
  const encoding = this._pendingEncoding;
  const writableBuffer = this.writableBuffer;
  if (!writableBuffer) return undefined;
  for (const el of writableBuffer) {
    bytes += el.chunk instanceof Buffer ? el.chunk.length : Buffer.byteLength(el.chunk, el.encoding);
  }
  if (Array.isArray(data)) {
    for (const entry of data) {
      bytes += entry instanceof Buffer ? entry.length : Buffer.byteLength(entry.chunk, entry.encoding);
    }
  } else if (data) {
    bytes += typeof data !== 'string' ? data.length : Buffer.byteLength(data, encoding);
  }
  return bytes;
});

proto._read = function _read(this: any, n: number) {
  if (this.connecting || !this._handle) {
    this.once('connect', () => this._read(n));
    return;
  }
  const handle: TcpHandle = this._handle;
  if (handle.unacked > 0) {
    handle.consumed(handle.unacked);
    handle.unacked = 0;
  }
  if (!handle.reading) {
    // Match node:net: a handle given to the constructor that is not rsnet's (a test
    // double, say) is only asked to readStart().
    if (handle.canRead === false) {
      this.destroy(errnoException(ENOTCONN, 'read'));
      return;
    }
    handle.readStart();
  }
};

// Match node:net: with the onread option there is no stream buffer to fill, so
// pause()/resume() stop and start the reading itself.
proto.pause = function pause(this: any) {
  // With the onread option or a native pipe there is no stream buffer to fill, so
  // pausing has to stop the reading itself.
  if ((this[kBuffer] || isNativelyPiped(this)) && !this.connecting && this._handle && this._handle.reading) {
    this._handle.readStop();
  }
  const result = stream.Duplex.prototype.pause.call(this);
  this._handle?.setFlowing(isNativelyPiped(this));
  return result;
};

proto.resume = function resume(this: any) {
  if (this[kBuffer] && !this.connecting && this._handle && !this._handle.reading) {
    resumeOnread(this);
  } else if (isNativelyPiped(this) && !this.connecting && this._handle && !this._handle.reading) {
    this._handle.readStart();
  }
  const result = stream.Duplex.prototype.resume.call(this);
  this._handle?.setFlowing(this.readableFlowing === true || isNativelyPiped(this));
  return result;
};

proto.read = function read(this: any, n?: number) {
  if (this[kBuffer] && !this.connecting && this._handle && !this._handle.reading) {
    resumeOnread(this);
  }
  return stream.Duplex.prototype.read.call(this, n);
};

/**
 * resume() (or read()) of an `onread` socket: reading starts again. Bytes the callback
 * held back are delivered on a later turn, as the next read would bring them (Match
 * node:net: the callback never runs inside resume()), and before anything read after.
 */
function resumeOnread(socket: any): void {
  const handle: TcpHandle = socket._handle;
  if (socket[kBufferPending] === null && !socket[kBufferEof]) {
    handle.readStart();
    return;
  }
  // After the end there is nothing more to read: reading only as the Socket sees it.
  if (socket[kBufferEof]) handle.reading = true;
  else handle.readStart();
  if (!socket[kBufferScheduled]) {
    socket[kBufferScheduled] = true;
    setImmediate(deliverHeldBack, socket);
  }
}

function deliverHeldBack(socket: any): void {
  socket[kBufferScheduled] = false;
  const handle: TcpHandle | null = socket._handle;
  // Paused again meanwhile, or destroyed: the bytes wait (or go with the socket).
  if (!handle || !handle.reading) return;
  const pending: Buffer | null = socket[kBufferPending];
  socket[kBufferPending] = null;
  if (pending !== null && !deliverOnread(socket, pending)) return;
  if (socket[kBufferEof]) {
    socket[kBufferEof] = false;
    endReadable(socket);
  }
}

/**
 * Hands bytes to the onread callback through the user's buffer, as many calls as the
 * buffer size needs. Returns false if the callback paused reading, keeping the rest.
 */
function deliverOnread(socket: any, chunk: Buffer): boolean {
  const handle: TcpHandle = socket._handle;
  while (chunk.length > 0) {
    const buf: Uint8Array = socket[kBufferGen] !== null ? socket[kBufferGen]() : socket[kBuffer];
    const n = Math.min(buf.length, chunk.length);
    chunk.copy(buf, 0, 0, n);
    chunk = chunk.subarray(n);
    handle.consumed(n);
    // Match node:net: returning false pauses, and so does pause() from the callback
    // (libuv reads at most the buffer's size, so nothing more comes until resume()).
    if (socket[kBufferCb](n, buf) === false || !handle.reading) {
      if (chunk.length > 0) socket[kBufferPending] = chunk;
      if (handle.reading) handle.readStop();
      return false;
    }
  }
  return true;
}

proto.end = function end(this: any, data?: any, encoding?: any, callback?: any) {
  (stream.Duplex.prototype.end as any).call(this, data, encoding, callback);
  return this;
};

proto.resetAndDestroy = function resetAndDestroy(this: any) {
  if (this._handle) {
    // Match node:net: only TCP can send RST.
    if (this._handle.kind !== 'tcp') throw new ERR_INVALID_HANDLE_TYPE();
    if (this.connecting) this.once('connect', () => this._reset());
    else this._reset();
  } else {
    this.destroy(new ERR_SOCKET_CLOSED());
  }
  return this;
};

proto._reset = function _reset(this: any) {
  this.resetAndClosing = true;
  return this.destroy();
};

proto.destroySoon = function destroySoon(this: any) {
  if (this.writable) this.end();
  if (this.writableFinished) this.destroy();
  else this.once('finish', this.destroy);
};

/** Marks a handle given to the constructor as the socket's (node:net's owner_symbol). */
const kHandleOwner = Symbol('owner_symbol');

proto._destroy = function _destroy(this: any, exception: Error | null, cb: (err: Error | null) => void) {
  if (this[kBoundSource]) {
    // An adopted BoundSocket never connected from: its descriptor goes with the socket.
    closeFd(this[kBoundSource].fd);
    this[kBoundSource] = null;
  }
  clearNoHandleTimer(this);
  clearAttemptTimer(this);
  this.connecting = false;
  const handle: TcpHandle | null = this._handle;
  if (handle) {
    const isException = !!exception;
    // Match node:net: bytesRead/bytesWritten stay readable after destroy().
    this[kBytesRead] = handle.bytesRead;
    this[kBytesWritten] = handle.bytesWritten;
    let reset = !!this.resetAndClosing;
    this.resetAndClosing = false;
    if (reset && handle.shuttingDown) {
      // Match node:net (libuv's uv_tcp_close_reset): a reset after end() asked for the
      // FIN is EINVAL, emitted here. node:net then drops the handle unclosed (its
      // descriptor stays open and 'close' never comes); rsnet does better and closes it
      // the ordinary way, with 'close' after the error.
      reset = false;
      this.emit('error', errnoException(EINVAL, 'reset'));
    }
    // Match node:net (libuv): a closed handle cancels its pending write and shutdown,
    // whose callbacks run before the handle's close callback emits 'close'.
    // Match node:net: a handle given as `new Socket({ handle })` without close() fails
    // here with the TypeError node's gives, which V8 words after the expression
    // ("self._handle.close is not a function"); destroy() emits it.
    const self = this;
    self._handle.close(reset, () => {
      const writeCb = handle.writeCallback;
      handle.writeCallback = null;
      if (writeCb) writeCb(null);
      const shutdownCb = handle.shutdownCallback;
      handle.shutdownCallback = null;
      if (shutdownCb) shutdownCb(0);
      this.emit('close', isException);
    });
    this._handle = null;
    this._sockname = null;
    cb(exception);
  } else {
    cb(exception);
    process.nextTick(emitCloseNT, this);
  }
  if (this._server) {
    this._server._connections--;
    if (this._server._emitCloseIfDrained) this._server._emitCloseIfDrained();
  }
};

function emitCloseNT(socket: any): void {
  socket.emit('close');
}

proto._final = function _final(this: any, cb: (err?: Error | null) => void) {
  // Match node:net: end() before the connection is up waits for it. Node 22 and later
  // wait only for a connect under way: a socket that never connects finishes at once
  // (Node 20 waited on 'connect' forever, and end()'s callback never ran).
  if (NODE_MAJOR >= 22 ? this.connecting : this.pending) {
    this.once('connect', () => this._final(cb));
    return;
  }
  if (!this._handle) {
    cb();
    return;
  }
  const handle: TcpHandle = this._handle;
  // A native pipe into this socket stops before the shutdown is queued, so no byte
  // read after it is written after the FIN (see native_pipe.ts).
  stopNativePipesInto(this);
  handle.shutdownCallback = (errno: number) => {
    if (errno === 0 || errno === ENOTCONN) cb();
    else cb(errnoException(errno, 'shutdown'));
  };
  // Match node:net (libuv): with nothing queued the FIN goes out now, and the callback
  // comes as an I/O completion would: after this turn's ticks, before the events of any
  // later batch, so 'finish' comes before anything the peer sends in answer.
  const errno = handle.shutdownNow();
  if (errno !== -1) {
    runBeforeNextBatch(() => {
      const done = handle.shutdownCallback;
      handle.shutdownCallback = null;
      if (done) done(errno);
    });
  }
};

proto._writeGeneric = function _writeGeneric(this: any, writev: boolean, data: any, encoding: string, cb: any) {
  // Still connecting: hold this write (the stream queues any more behind it).
  if (this.connecting) {
    this._pendingData = data;
    this._pendingEncoding = encoding;
    const onClose = () => cb(new ERR_SOCKET_CLOSED_BEFORE_CONNECTION());
    this.once('connect', function (this: any) {
      this.off('close', onClose);
      this._writeGeneric(writev, data, encoding, cb);
    });
    this.once('close', onClose);
    return;
  }
  this._pendingData = null;
  this._pendingEncoding = '';
  const handle: TcpHandle | null = this._handle;
  if (!handle) {
    cb(new ERR_SOCKET_CLOSED());
    return false;
  }
  if (!handle.canWrite) {
    cb(errnoException(EPIPE, 'write'));
    return;
  }
  let result: number;
  let bytes = 0;
  if (writev) {
    const buffers: Buffer[] = new Array(data.length);
    let withFd = false;
    for (let i = 0; i < data.length; i++) {
      const { chunk, encoding: enc } = data[i];
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, enc) : chunk;
      buffers[i] = buf;
      bytes += buf.length;
      if (buf[kFdToSend] !== undefined) withFd = true;
    }
    if (withFd) return writeChunksInOrder(this, handle, buffers, cb);
    result = handle.writev(buffers);
    if (result === 1) handle.writeHold = buffers;
  } else {
    const buf = typeof data === 'string' ? Buffer.from(data, encoding as BufferEncoding) : data;
    bytes = buf.length;
    const fd = buf[kFdToSend];
    result = fd === undefined ? handle.write(buf) : handle.writeFd(buf, fd);
    if (result === 1) handle.writeHold = buf;
  }
  handle.ownBytesWritten += bytes;
  if (result < 0) {
    cb(errnoException(-result, 'write'));
  } else if (result === 0) {
    cb();
  } else {
    // Queued in the reactor, in place: the callback waits for its WriteDone, and the
    // buffers are held until then (see TcpHandle.writeHold).
    handle.writeCallback = cb;
  }
};

// rsnet's fd passing (node:net's old API): write(data[, encoding], fd[, cb]) sends the
// descriptor with SCM_RIGHTS alongside the data, over a Unix-domain socket. `fd` is a
// number, or an rsnet Socket or Server whose own descriptor is sent.
//
// Match node:net wherever its meaning is fixed: node:net takes a second argument that is
// not a string or a function as an encoding (a falsy one is the default; any other
// throws ERR_UNKNOWN_ENCODING) and ignores a third that is not a function. So a
// descriptor is recognised only on a Unix-domain socket, and only if it is one that is
// open now (a positive integer, or a socket or server that has one); anything else
// means what it means to node:net. The one call whose outcome differs is a write naming
// an open descriptor on a Unix socket, which depends on which descriptors happen to be
// open: node:net's own outcome is not fixed there either.
proto.write = function write(this: any, data: any, a?: any, b?: any, c?: any) {
  // write(data[, encoding][, fd][, cb]): the descriptor follows the encoding, if any.
  const hasEncoding = typeof a === 'string' || a === null;
  const fd = passableDescriptor(this, hasEncoding ? b : a);
  if (fd === null) return (stream.Duplex.prototype.write as any).call(this, data, a, b);
  const encoding = hasEncoding ? a : undefined;
  const cb = hasEncoding ? c : b;
  // Errors here are thrown before anything is queued, so no byte is lost and the
  // socket stays usable.
  let buf: Buffer;
  if (typeof data === 'string') buf = Buffer.from(data, encoding || 'utf8');
  else if (data instanceof Uint8Array) buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  else throw new ERR_INVALID_ARG_TYPE('chunk', ['string', 'Buffer', 'Uint8Array'], data);
  if (buf.length === 0) {
    throw new ERR_INVALID_ARG_VALUE('chunk', data, 'must not be empty when a file descriptor is passed with it');
  }
  // A view of its own carries the descriptor through the stream's buffering to _write.
  (buf as any)[kFdToSend] = fd;
  return (stream.Duplex.prototype.write as any).call(this, buf, cb);
};

/** The descriptor `value` names for passing over `socket`, or null: node:net's meaning. */
function passableDescriptor(socket: any, value: unknown): number | null {
  if (socket._handle?.kind !== 'pipe' || value === null || value === undefined) return null;
  if (typeof value === 'number') {
    return Number.isInteger(value) && value > 0 && value <= 0x7fffffff && fdIsOpen(value) ? value : null;
  }
  const handle = typeof value === 'object' ? (value as { _handle?: { fd?: unknown } })._handle : undefined;
  const fd = handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}

/** _writev when some chunk carries a descriptor: one chunk at a time, in order. */
function writeChunksInOrder(socket: any, handle: TcpHandle, chunks: Buffer[], cb: (err?: Error | null) => void): void {
  let i = 0;
  const next = (err?: Error | null) => {
    if (err) return cb(err);
    if (i === chunks.length) return cb();
    const chunk = chunks[i++];
    const fd = (chunk as any)[kFdToSend];
    const result = fd === undefined ? handle.write(chunk) : handle.writeFd(chunk, fd);
    if (result === 1) handle.writeHold = chunk;
    handle.ownBytesWritten += chunk.length;
    if (result < 0) cb(errnoException(-result, 'write'));
    else if (result === 0) next();
    else handle.writeCallback = next;
  };
  next();
}

proto._writev = function _writev(this: any, chunks: any[], cb: any) {
  this._writeGeneric(true, chunks, '', cb);
};

proto._write = function _write(this: any, data: any, encoding: string, cb: any) {
  this._writeGeneric(false, data, encoding, cb);
};

proto.ref = function ref(this: any) {
  if (!this._handle) {
    this.once('connect', this.ref);
    return this;
  }
  this._handle.ref();
  return this;
};

proto.unref = function unref(this: any) {
  if (!this._handle) {
    this.once('connect', this.unref);
    return this;
  }
  this._handle.unref();
  return this;
};

// ---- events from the reactor ----

proto._onNativeEvent = function _onNativeEvent(this: any, kind: number, a: number, b: number, chunk?: Buffer) {
  switch (kind) {
    case EV_DATA:
      return onData(this, chunk!);
    case EV_EOF:
      return onEof(this);
    case EV_WRITE_DONE:
      return onWriteDone(this);
    case EV_CONNECTED:
      return afterConnect(this);
    case EV_SHUTDOWN_DONE:
      return onShutdownDone(this, a);
    case EV_TIMEOUT:
      if (this._handle.timeoutIsStale(a)) return;
      return this._onTimeout();
    case EV_ERROR:
      return onError(this, a, SYSCALL_NAMES[b] || 'unknown');
    case EV_CLOSED:
      this._handle.nativeGone = true;
      return;
    case EV_FD:
      // The user owns the descriptor from here on; with nobody listening, nobody would
      // close it, so rsnet does.
      if (!this.emit('fd', a)) closeFd(a);
      return;
  }
};

// rsnet's native pipe (src/native_pipe.ts): the pipe itself is Readable's; these
// overrides switch the reactor's part on and off.
proto.pipe = function pipe(this: any, dest: any, options?: any) {
  return pipeSocket(this, dest, options, dest instanceof (Socket as any) && !this[kBuffer]);
};

proto.unpipe = function unpipe(this: any, dest?: any) {
  if (dest === undefined || dest === nativePipeTarget(this)) stopNativePipe(this);
  return stream.Duplex.prototype.unpipe.call(this, dest);
};

proto.setEncoding = function setEncoding(this: any, encoding?: BufferEncoding) {
  stopNativePipe(this);
  return stream.Duplex.prototype.setEncoding.call(this, encoding as BufferEncoding);
};

function onData(socket: any, chunk: Buffer): void {
  const handle: TcpHandle = socket._handle;
  handle.ownBytesRead += chunk.length;
  if (socket[kBuffer]) {
    if (socket[kBufferPending] !== null) {
      // Paused by the callback: bytes already in flight wait with the rest.
      socket[kBufferPending] = Buffer.concat([socket[kBufferPending], chunk]);
    } else if (!handle.reading) {
      // Paused just as a read ended: these were on their way; they wait for resume().
      socket[kBufferPending] = chunk;
    } else {
      deliverOnread(socket, chunk);
    }
    return;
  }
  if (socket.push(chunk)) {
    // Consumed; and a pipe waiting to go native switches in the same step, once what
    // was read has gone through.
    consumeAndRetryNativePipe(socket, handle, chunk.length);
  } else {
    // The stream is full: stop reading until _read() asks again, and hold back the
    // credit for these bytes until then.
    handle.unacked += chunk.length;
    if (handle.reading) handle.readStop();
  }
}

function onEof(socket: any): void {
  socket._handle.readEnded();
  if (socket[kBuffer]) {
    // Match node:net (libuv): the read that finds the end asks for a buffer too.
    if (socket[kBufferGen] !== null) socket[kBufferGen]();
    // Bytes the callback paused before taking come first; resume() ends it then.
    if (socket[kBufferPending] !== null) {
      socket[kBufferEof] = true;
      return;
    }
  }
  endReadable(socket);
}

function endReadable(socket: any): void {
  // Match node:net: push EOF, then read(0) so 'end' follows once the buffer drains.
  socket.push(null);
  socket.read(0);
}

function onWriteDone(socket: any): void {
  const handle: TcpHandle = socket._handle;
  handle.writeHold = null;
  const cb = handle.writeCallback;
  handle.writeCallback = null;
  if (cb) cb(null);
}

function onShutdownDone(socket: any, errno: number): void {
  const handle: TcpHandle = socket._handle;
  const cb = handle.shutdownCallback;
  handle.shutdownCallback = null;
  if (cb) cb(errno);
}

function onError(socket: any, errno: number, syscall: string): void {
  const handle: TcpHandle = socket._handle;
  switch (syscall) {
    case 'connect':
      return afterConnectFailed(socket, errno, false);
    case 'connect now':
      return afterConnectFailed(socket, errno, true);
    case 'bind': {
      const req: ConnectRequest = socket[kConnectRequest];
      return socket.destroy(exceptionWithHostPort(errno, 'bind', req.localAddress, req.localPort));
    }
    case 'write':
      // Match libuv: a failed write's callback runs a loop turn after the failure, and
      // a socket's reads in a turn come before its writes; so an end of stream that
      // arrived with the failure (the peer's FIN, then its reset) is read first, and
      // 'end' comes before the write's 'error'. Here the failure can come from the
      // reactor's thread before JS has even started reading (a JS thread busy while
      // the peer hung up), so the error waits for the next turn's poll phase to have
      // read: two setImmediate hops (check phase, then the next turn's check phase).
      setImmediate(setImmediate, () => {
        if (socket._handle !== handle) return;
        const cb = handle.writeCallback;
        handle.writeCallback = null;
        const err = errnoException(errno, 'write');
        if (cb) cb(err);
        else socket.destroy(err);
      });
      return;
    default:
      socket.destroy(errnoException(errno, syscall));
  }
}

function afterConnect(socket: any): void {
  if (socket.destroyed) return;
  clearAttemptTimer(socket);
  socket.connecting = false;
  socket._handle.connected();
  socket._sockname = null;
  socket[kConnectRequest] = null;
  if (socket[kSetNoDelay]) socket._handle.setNoDelay(true);
  if (socket[kSetKeepAlive]) socket._handle.setKeepAlive(true, socket[kSetKeepAliveInitialDelay]);
  applyTypeOfService(socket);
  socket.emit('connect');
  socket.emit('ready');
  // Start the first read, or get an immediate EOF.
  if (socket.readable && !socket.isPaused()) socket.read(0);
}

/** The steps connect_again.ts takes from here. */
const CONNECT_STEPS: ConnectSteps = { afterConnect };

function afterConnectFailed(socket: any, errno: number, atOnce: boolean): void {
  if (socket.destroyed) return;
  clearAttemptTimer(socket);
  const req: ConnectRequest = socket[kConnectRequest];
  if (socket._handle.kind === 'pipe') {
    const ex = exceptionWithHostPort(errno, 'connect', req.address, undefined);
    socket.emit('connectionAttemptFailed', req.address, undefined, undefined, ex);
    return socket.destroy(ex);
  }
  let details: string | undefined;
  if (req.localAddress && req.localPort) details = `${req.localAddress}:${req.localPort}`;
  // Match node:net: a connect that failed at once names the socket's local address,
  // which for a socket not bound by the caller is the wildcard and port 0.
  else if (atOnce && !req.localAddress && !req.localPort) details = req.addressType === 6 ? ':::0' : '0.0.0.0:0';
  const ex: any = exceptionWithHostPort(errno, 'connect', req.address, req.port, details);
  if (details && !atOnce) {
    ex.localAddress = req.localAddress;
    ex.localPort = req.localPort;
  }
  socket.emit('connectionAttemptFailed', req.address, req.port, req.addressType, ex);
  const multiple = req.multiple;
  if (multiple) {
    multiple.errors.push(ex);
    if (multiple.current < multiple.addresses.length && socket.connecting) {
      // Happy eyeballs, sequential form: the next address on a fresh socket.
      socket._handle.close(false);
      socket._handle = new TcpHandle(socket);
      return connectNextAddress(socket, req);
    }
    return socket.destroy(multiple.errors.length > 1 ? aggregateErrors(multiple.errors) : ex);
  }
  socket.destroy(ex);
}

// ---- connect ----

proto.connect = function connect(this: any, ...args: any[]) {
  let normalized: any;
  if (Array.isArray(args[0]) && (args[0] as any)[normalizedArgsSymbol]) normalized = args[0];
  else normalized = normalizeConnectArgs(args);
  const options = normalized[0];
  const cb = normalized[1];

  if (options.port === undefined && options.path == null) {
    throw new ERR_MISSING_ARGS(['options', 'port', 'path']);
  }

  if (cb !== null) this.once('connect', cb);

  if (this._parent && this._parent.connecting) return this;

  if (this.write !== proto.write) this.write = proto.write;

  if (this.destroyed) {
    // A socket marked destroyed without destroy() (`socket.destroyed = true`) still has
    // its connection. node:net drops the handle from the socket unclosed, and its later
    // reads still reach the socket, now on another connection (its end would end the
    // new one); rsnet closes it instead, so nothing of it reaches the socket.
    const stale: TcpHandle | null = this._handle;
    if (stale && stale.attached) stale.close(false);
    this._handle = null;
    this._peername = null;
    this._sockname = null;
    this._undestroy();
  }

  const { path } = options;
  // Match node:net: an adopted BoundSocket fixes the transport.
  const bound: BoundDescriptor | null = this[kBoundSource] ?? null;
  const pipe = bound ? bound.path !== undefined : !!path;

  if (!this._handle) this._handle = new TcpHandle(this, undefined, pipe ? 'pipe' : 'tcp');
  if (this[kNoHandleTimer]) {
    clearNoHandleTimer(this);
    this._handle.setTimeout(getTimerDuration(this.timeout, 'msecs'));
  }

  this.connecting = true;
  if (pipe) {
    validateString(path, 'options.path');
    this[kConnectRequest] = { address: path, port: undefined, addressType: undefined } as any;
    this.emit('connectionAttempt', path, undefined, undefined);
    if (this._handle.attached) {
      connectAgain(this, { path }, CONNECT_STEPS);
      return this;
    }
    this._handle.attach(bound ? connectFromBound(this, null, 0, path) : binding.connectUnix(path), true);
  } else {
    lookupAndConnect(this, options);
  }
  return this;
};

function lookupAndConnect(self: any, options: any): void {
  const { localAddress, localPort } = options;
  const host = options.host || 'localhost';
  let port: any = options.port;
  let autoSelectFamily: any = options.autoSelectFamily;

  // Match node:net: from Node 22 on the host is checked here ("options.host"); Node 20
  // leaves it to dns.lookup(), which names it "hostname".
  if (NODE_MAJOR >= 22 && typeof host !== 'string') throw new ERR_INVALID_ARG_TYPE('options.host', 'string', host);
  if (localAddress && !isIP(localAddress)) throw new ERR_INVALID_IP_ADDRESS(localAddress);
  if (localPort) validateNumber(localPort, 'options.localPort');
  if (typeof port !== 'undefined') {
    if (typeof port !== 'number' && typeof port !== 'string') {
      throw new ERR_INVALID_ARG_TYPE('options.port', ['number', 'string'], port);
    }
    validatePort(port);
  }
  port = (port as any) | 0;

  if (autoSelectFamily != null) validateBoolean(autoSelectFamily, 'options.autoSelectFamily');
  else autoSelectFamily = autoSelectFamilyDefault;
  if (options.autoSelectFamilyAttemptTimeout != null) {
    validateInt32(options.autoSelectFamilyAttemptTimeout, 'options.autoSelectFamilyAttemptTimeout', 1);
  }

  // An IP literal needs no lookup: connect on the next tick.
  const addressType = isIP(host);
  if (addressType) {
    process.nextTick(() => {
      if (self.connecting) internalConnect(self, host, port, addressType, localAddress, localPort);
    });
    return;
  }

  if (options.lookup != null) validateFunction(options.lookup, 'options.lookup');
  const dnsopts: any = { family: socketToDnsFamily(options.family), hints: options.hints || 0 };
  if (process.platform !== 'win32' && dnsopts.family !== 4 && dnsopts.family !== 6 && dnsopts.hints === 0) {
    dnsopts.hints = dns.ADDRCONFIG;
  }
  self._host = host;
  const lookup = options.lookup || dns.lookup;

  if (dnsopts.family !== 4 && dnsopts.family !== 6 && !localAddress && autoSelectFamily) {
    dnsopts.all = true;
    lookup(host, dnsopts, (err: any, addresses: any) => lookupAllDone(self, host, options, port, localPort, err, addresses));
    return;
  }

  lookup(host, dnsopts, function emitLookup(err: any, ip: string, addressType: number) {
    self.emit('lookup', err, ip, addressType, host);
    if (!self.connecting) return;
    if (err) {
      process.nextTick(connectErrorNT, self, err);
    } else if (typeof ip !== 'string' || !isIP(ip)) {
      // Match node:net (22 and later; Node 20 aborts on it): a lookup that answers
      // with something other than a string, an array say, which isIP() would coerce.
      process.nextTick(connectErrorNT, self, new ERR_INVALID_IP_ADDRESS(ip));
    } else if (addressType !== 4 && addressType !== 6) {
      process.nextTick(connectErrorNT, self, new ERR_INVALID_ADDRESS_FAMILY(addressType, options.host, options.port));
    } else {
      internalConnect(self, ip, port, addressType, localAddress, localPort);
    }
  });
}

/** The `lookup` result with `all: true`: Node 20's family auto-selection. */
function lookupAllDone(self: any, host: string, options: any, port: number, localPort: any, err: any, addresses: any): void {
  let attemptTimeout = options.autoSelectFamilyAttemptTimeout ?? autoSelectFamilyAttemptTimeoutDefault;
  // Match node:net: below 10 ms is raised to 10.
  if (attemptTimeout < 10) attemptTimeout = 10;
  if (!self.connecting) return;
  if (err) {
    self.emit('lookup', err, undefined, undefined, host);
    process.nextTick(connectErrorNT, self, err);
    return;
  }
  const valid: { address: string; family: number }[][] = [[], []];
  let preferred: Record<number, number> | undefined;
  for (const entry of addresses) {
    const { address: ip, family } = entry;
    self.emit('lookup', err, ip, family, host);
    if (!self.connecting) return;
    if (isIP(ip) && (family === 4 || family === 6)) {
      preferred ||= family === 6 ? { 6: 0, 4: 1 } : { 4: 0, 6: 1 };
      const group = valid[preferred[family]];
      if (!group.some((e) => e.address === ip)) group.push(entry);
    }
  }
  if (!valid[0].length && !valid[1].length) {
    const first = addresses[0];
    if (first === undefined) {
      process.nextTick(connectErrorNT, self, new ERR_SOCKET_CONNECTION_TIMEOUT());
    } else if (!isIP(first.address)) {
      process.nextTick(connectErrorNT, self, new ERR_INVALID_IP_ADDRESS(first.address));
    } else {
      process.nextTick(connectErrorNT, self, new ERR_INVALID_ADDRESS_FAMILY(first.family, options.host, options.port));
    }
    return;
  }
  // Alternate the families, the first answer's family first.
  const toAttempt: { address: string; family: number }[] = [];
  for (let i = 0; i < Math.max(valid[0].length, valid[1].length); i++) {
    if (i in valid[0]) toAttempt.push(valid[0][i]);
    if (i in valid[1]) toAttempt.push(valid[1][i]);
  }
  if (toAttempt.length === 1) {
    internalConnect(self, toAttempt[0].address, port, toAttempt[0].family, undefined, localPort);
    return;
  }
  self.autoSelectFamilyAttemptedAddresses = [];
  const req: ConnectRequest = {
    address: '',
    port,
    addressType: 0,
    localPort,
    multiple: { addresses: toAttempt, current: 0, errors: [], attemptTimeout, timer: null },
  };
  connectNextAddress(self, req);
}

function connectNextAddress(self: any, req: ConnectRequest): void {
  const multiple = req.multiple!;
  const { address, family } = multiple.addresses[multiple.current++];
  req.address = address;
  req.addressType = family;
  if (req.localPort) req.localAddress = family === 4 ? DEFAULT_IPV4_ADDR : DEFAULT_IPV6_ADDR;
  self[kConnectRequest] = req;
  if (isBlocked(self.blockList, address)) {
    // Match node:net: a blocked address is an attempt that failed, without a
    // 'connectionAttempt'; the next address is tried, and after the last the socket
    // is destroyed with all the errors.
    const ex = new ERR_IP_BLOCKED(address);
    multiple.errors.push(ex);
    self.emit('connectionAttemptFailed', address, req.port, family, ex);
    if (multiple.current < multiple.addresses.length) connectNextAddress(self, req);
    else self.destroy(aggregateErrors(multiple.errors));
    return;
  }
  self.emit('connectionAttempt', address, req.port, family);
  self.autoSelectFamilyAttemptedAddresses.push(`${address}:${req.port}`);
  self._handle.attach(
    self[kBoundSource] ? connectFromBound(self, address, req.port, null) : binding.connectTcp(address, req.port, req.localAddress ?? null, req.localPort || null),
    true,
  );
  // Happy eyeballs: every attempt but the last gets a deadline, after which the next
  // address is tried (Match node:net: 'connectionAttemptTimeout', an ETIMEDOUT error
  // kept for the AggregateError).
  if (multiple.current < multiple.addresses.length) {
    multiple.timer = setTimeout(() => attemptTimedOut(self, req), multiple.attemptTimeout);
  }
}

function attemptTimedOut(self: any, req: ConnectRequest): void {
  const multiple = req.multiple!;
  multiple.timer = null;
  if (!self.connecting || self[kConnectRequest] !== req) return;
  multiple.errors.push(exceptionWithHostPort(ETIMEDOUT, 'connect', req.address, req.port));
  self._handle.close(false);
  self._handle = new TcpHandle(self);
  self.emit('connectionAttemptTimeout', req.address, req.port, req.addressType);
  if (self.connecting) connectNextAddress(self, req);
}

function clearAttemptTimer(socket: any): void {
  const timer = socket[kConnectRequest]?.multiple?.timer;
  if (timer) {
    clearTimeout(timer);
    socket[kConnectRequest].multiple.timer = null;
  }
}

function socketToDnsFamily(family: any): number {
  switch (family) {
    case 'IPv4':
      return 4;
    case 'IPv6':
      return 6;
  }
  return family;
}

/**
 * Connects from the socket's adopted BoundSocket (its first attempt; a next address of
 * family auto-selection gets a fresh socket, as node:net's does), which the reactor
 * owns from here on.
 */
function connectFromBound(self: any, host: string | null, port: number, path: string | null): number {
  const bound: BoundDescriptor = self[kBoundSource];
  self[kBoundSource] = null;
  return binding.connectBound(bound.fd, host, port, path);
}

function connectErrorNT(self: any, err: Error): void {
  self.destroy(err);
}

function internalConnect(
  self: any,
  address: string,
  port: number,
  addressType: number,
  localAddress?: string,
  localPort?: number,
): void {
  if (localAddress || localPort) {
    localAddress = localAddress || (addressType === 4 ? DEFAULT_IPV4_ADDR : DEFAULT_IPV6_ADDR);
  }
  self[kConnectRequest] = { address, port, addressType, localAddress, localPort } as ConnectRequest;
  self.emit('connectionAttempt', address, port, addressType);
  if (isBlocked(self.blockList, address)) {
    // Match node:net: announced as an attempt, then refused before it is made.
    self.destroy(new ERR_IP_BLOCKED(address));
    return;
  }
  // A socket connected, or connecting, already (also: one destroyed while connecting,
  // connected again, whose first connect's deferred step lands here on the second's
  // handle): see connect_again.ts.
  if (self._handle.attached) {
    connectAgain(self, { address, port, addressType }, CONNECT_STEPS);
    return;
  }
  self._handle.attach(
    self[kBoundSource] ? connectFromBound(self, address, port, null) : binding.connectTcp(address, port, localAddress ?? null, localPort || null),
    true,
  );
}

/** Wraps an accepted reactor socket (by id) for a server's 'connection'. */
export function socketForAccepted(id: number, options: any, kind: 'tcp' | 'pipe'): any {
  const handle = new TcpHandle(null, id, kind);
  // Match node:net: an accepted socket reads from the start unless pauseOnConnect, but
  // libuv's first read comes in a later poll phase, after the 'connection' handlers.
  // The reactor, on its own thread, could read at once, and a pipe() set up in a
  // handler would then find bytes already on their way to JS and stay off the native
  // path; so it is told after this dispatch.
  if (!options.pauseOnCreate) handle.startReadingAfterDispatch();
  const socket = new (Socket as any)({ ...options, handle });
  handle.setOwner(socket);
  return socket;
}
