// The JS side of one connected socket's native handle, in the role libuv's TCP and
// Pipe handles play for node:net (`kind` says which: a pipe is a Unix-domain socket
// or an adopted pipe, and has no TCP options and no addresses). It exists from
// `connect()` on, before the reactor has a socket (the address may still be being
// looked up), so options set meanwhile are kept and applied once the native socket is
// attached.
//
// The reactor's socket is held by its id alone, from when JS takes it (accepted,
// connect, adopt) until it closes it; the binding keeps a table of them
// (crates/node/src/conn_table.rs). The calls made per message or per connection are
// plain Node-API functions taking the id (socket_calls.rs, ~0.1 µs each); the rare
// ones are napi-rs functions (socket_rare_calls.rs).
//
// One object per connection, kept small: every idle connection holds one. Yes/no
// state is one flags word (with getters where the Socket code reads it by name, as
// node:net's reads `handle.reading`), and there is no second object for the native
// socket: 248 bytes per connection before, 128 after (V8 heap, Node 20).

import { binding, register, unregister, countRef, uncountRef, EventTarget } from './dispatch';
import { EV_CLOSED, EV_FD, closeFd, socketCalls as calls, rareSocketCalls as rare } from './native';
import { closeTicket, runWhenClosed } from './close_queue';

/** No reactor socket (yet, or not any more for calls): the reactor's ids start at 1. */
const NO_ID = 0;

const READING = 1 << 0;
const PIPED = 1 << 1;
const REFED = 1 << 2;
const CLOSED = 1 << 3;
const CAN_READ = 1 << 4;
const CAN_WRITE = 1 << 5;
const NATIVE_GONE = 1 << 6;
const FLOWING = 1 << 7;
const PIPE_KIND = 1 << 8;
/** setNoDelay was called (before attach: to apply then), and with what. */
const NO_DELAY_SET = 1 << 9;
const NO_DELAY_ON = 1 << 10;
/** JS let go of the reactor socket: calls for its id are not made any more. */
const RELEASED = 1 << 11;
/** Counted among the handles that keep the process alive (dispatch's countRef). */
const HOLDS_REF = 1 << 12;
/** A native pipe from this socket waits to start (native_pipe.ts): the reactor reads it. */
const WANTS_NATIVE_PIPE = 1 << 13;
/** Reading in libuv's sense: readStart() until readStop() or the end of the stream. */
const READ_ACTIVE = 1 << 14;
/** A connect is in flight (libuv's connect request). */
const CONNECTING = 1 << 15;
/** close() has finished: the handle keeps nothing alive any more. */
const CLOSE_DONE = 1 << 16;
/** A shutdown was asked for (libuv's UV_HANDLE_SHUTTING): a reset is refused after it. */
const SHUTTING = 1 << 17;

export class TcpHandle {
  /** The reactor's socket id, once connecting or accepted; NO_ID before. */
  id = NO_ID;
  /** Yes/no state, bits above; some read and written by name (FLAG_PROPERTIES). */
  flags = REFED | CAN_READ | CAN_WRITE;
  /** Match node:net: `handle.reading` is what Socket uses to avoid double readStart. */
  declare reading: boolean;
  /** This socket took part in a native pipe, whose bytes the reactor counts. */
  declare piped: boolean;
  /** Match node:net (libuv's uv_pipe_open): an adopted pipe opened read-only cannot be
   * written, one opened write-only cannot be read. */
  declare canRead: boolean;
  declare canWrite: boolean;
  /** The reactor reported the socket closed on its own (a failed connect). */
  declare nativeGone: boolean;
  /**
   * A native pipe from this socket is wanted (native_pipe.ts). Reading then stays with
   * the reactor, which the pipe needs; otherwise, on Linux, the JS thread reads the
   * socket itself (crates/node/src/js_reads.rs), and each attempt to start the pipe
   * would find the bytes of the JS thread's last reads still on their way.
   */
  declare wantsNativePipe: boolean;
  /** Bytes pushed to the stream while it was full, reported consumed on `_read()`. */
  unacked = 0;
  /** The write and shutdown callbacks waiting for the reactor (see the accessors). */
  private pendingWrite: ((err?: Error | null) => void) | null = null;
  /**
   * The Buffer(s) of the write the reactor has queued: it writes from their memory, not
   * a copy, so they are kept until its WriteDone (or for as long as this handle lives,
   * if the socket closes first). Match node:net: libuv's write request holds the
   * caller's buffers the same way.
   */
  writeHold: Buffer | Buffer[] | null = null;
  private pendingShutdown: ((errno: number) => void) | null = null;
  /** Bytes delivered to JS. */
  ownBytesRead = 0;
  /** Bytes handed to the kernel or to the reactor's queue by JS. */
  ownBytesWritten = 0;
  private keepAlive: [boolean, number] | null = null;
  private timeoutMs = 0;
  /** The timeout the reactor has, which lags timeoutMs when JS turned it off. */
  private nativeTimeoutMs = 0;
  /** A natively piped socket's counters as they were when JS let go of it. */
  private finalPiped: [number, number] | null = null;

  constructor(
    private owner: EventTarget | null,
    id: number = NO_ID,
    kind: 'tcp' | 'pipe' = 'tcp',
  ) {
    if (kind === 'pipe') this.flags |= PIPE_KIND;
    if (id !== NO_ID) this.attach(id);
  }

  private has(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }

  private set(flag: number, on: boolean): void {
    this.flags = on ? this.flags | flag : this.flags & ~flag;
  }

  /**
   * The callback of the write the reactor has queued (one at a time): like libuv's
   * write request, it keeps the process alive until it runs, ref'd or not.
   */
  get writeCallback(): ((err?: Error | null) => void) | null {
    return this.pendingWrite;
  }

  set writeCallback(cb: ((err?: Error | null) => void) | null) {
    this.pendingWrite = cb;
    this.updateLiveness();
  }

  /** The callback of a shutdown waiting for the reactor: a request, as a write's. */
  get shutdownCallback(): ((errno: number) => void) | null {
    return this.pendingShutdown;
  }

  set shutdownCallback(cb: ((errno: number) => void) | null) {
    this.pendingShutdown = cb;
    this.updateLiveness();
  }

  get kind(): 'tcp' | 'pipe' {
    return this.has(PIPE_KIND) ? 'pipe' : 'tcp';
  }

  /** Whether the reactor has the socket (connecting or connected) for calls. */
  /** end() asked for the FIN already (whether or not it went out). */
  get shuttingDown(): boolean {
    return this.has(SHUTTING);
  }

  /** A connect is on its way (attached, not connected yet). */
  get isConnecting(): boolean {
    return this.has(CONNECTING);
  }

  get attached(): boolean {
    return this.id !== NO_ID;
  }

  /** For accepted sockets, whose Socket object is built around an attached handle. */
  setOwner(owner: EventTarget): void {
    this.owner = owner;
    if (this.id !== NO_ID) register(this.id, owner);
  }

  /** Bytes this socket read and the reactor sent down a native pipe. */
  get pipedIn(): number {
    if (!this.has(PIPED)) return 0;
    if (this.has(RELEASED)) return this.finalPiped?.[0] ?? 0;
    return calls.pipedIn(this.id);
  }

  /** Bytes the reactor wrote to this socket from a native pipe. */
  get pipedOut(): number {
    if (!this.has(PIPED)) return 0;
    if (this.has(RELEASED)) return this.finalPiped?.[1] ?? 0;
    return calls.pipedOut(this.id);
  }

  get bytesRead(): number {
    return this.ownBytesRead + this.pipedIn;
  }

  // Match node:net: a handle's counters are plain properties there, and code that
  // reaches into `_handle` may assign them.
  set bytesRead(value: number) {
    this.ownBytesRead = value - this.pipedIn;
  }

  get bytesWritten(): number {
    return this.ownBytesWritten + this.pipedOut;
  }

  set bytesWritten(value: number) {
    this.ownBytesWritten = value - this.pipedOut;
  }

  /**
   * JS makes no more calls for this socket's id from here on: what may still be asked
   * (the byte counters) is answered from what it had.
   */
  private release(): void {
    if (this.has(RELEASED)) return;
    if (this.has(PIPED)) this.finalPiped = [calls.pipedIn(this.id), calls.pipedOut(this.id)];
    this.flags |= RELEASED;
  }

  /**
   * The reactor's socket `id` is this handle's from now on; `connecting` if a connect
   * to it is in flight (until `connected()`, or until the handle closes).
   */
  attach(id: number, connecting = false): void {
    this.id = id;
    if (this.owner) register(id, this.owner);
    if (connecting) this.flags |= CONNECTING;
    this.updateLiveness();
    if (this.has(NO_DELAY_SET)) rare.socketSetNoDelay(id, this.has(NO_DELAY_ON));
    if (this.keepAlive !== null) rare.socketSetKeepAlive(id, this.keepAlive[0], this.keepAlive[1]);
    if (this.timeoutMs > 0) {
      this.nativeTimeoutMs = this.timeoutMs;
      calls.setTimeout(id, this.timeoutMs);
    }
    // A socket may flow before it connects (`on('data')` right after `new Socket()`).
    if ((this.owner as any)?.readableFlowing === true) this.flags |= FLOWING;
    if (this.has(FLOWING)) calls.setFlowing(id, true);
  }

  /** The connect in flight succeeded. */
  /** connect() again on a connected socket: its request is pending (connect_again.ts). */
  connectingAgain(): void {
    this.flags |= CONNECTING;
    this.updateLiveness();
  }

  connected(): void {
    this.flags &= ~CONNECTING;
    this.updateLiveness();
  }

  /** The stream ended (EOF): libuv stops reading there, and the handle is idle. */
  readEnded(): void {
    this.flags &= ~READ_ACTIVE;
    this.updateLiveness();
  }

  /**
   * Closes the native socket; `onClosed` runs once its descriptor is really closed
   * (Match node:net: 'close' is emitted from the handle's close callback). Until then
   * the handle keeps the process alive, ref'd or not (Match libuv: a closing handle
   * does), and descriptors still arriving are closed.
   */
  close(reset: boolean, onClosed?: () => void): void {
    if (this.has(CLOSED)) return;
    this.flags |= CLOSED;
    this.updateLiveness();
    const id = this.id;
    const ticket = closeTicket();
    const closed = () => {
      this.closeDone();
      if (onClosed) onClosed();
    };
    if (id === NO_ID || this.has(NATIVE_GONE)) {
      if (id !== NO_ID) {
        unregister(id);
        this.release();
        calls.forget(id);
      }
      runWhenClosed(ticket, closed);
      return;
    }
    register(id, {
      _onNativeEvent: (kind: number, a: number) => {
        if (kind === EV_CLOSED) {
          unregister(id);
          // A later turn, as libuv's close callbacks (close_queue.ts): what destroy()
          // queued with process.nextTick ('error') comes first even when the reactor
          // was quicker.
          runWhenClosed(ticket, closed);
        } else if (kind === EV_FD) {
          closeFd(a);
        }
      },
    });
    this.release();
    if (reset) calls.reset(id);
    else calls.close(id);
  }

  private closeDone(): void {
    this.flags |= CLOSE_DONE;
    this.updateLiveness();
  }

  /**
   * Whether this handle keeps the process alive now. Match libuv (uv__loop_alive): a
   * handle does while it is ref'd and active, which for a stream is reading (from
   * readStart() to readStop() or the end of the stream); a request in flight (a
   * connect, a queued write, a shutdown) does whether the handle is ref'd or not, and
   * so does a closing handle. A socket's timeout does not: node:net's timer is unref'd.
   * So an open socket that is paused with its buffer full, or that has read its peer's
   * end and stays half-open, lets the process exit, as it does on node:net.
   */
  private keepsAlive(): boolean {
    if (this.has(CLOSE_DONE)) return false;
    if (this.has(CLOSED)) return true;
    if (this.id === NO_ID) return false;
    if (this.has(CONNECTING) || this.pendingWrite !== null || this.pendingShutdown !== null) return true;
    return this.has(REFED) && this.has(READ_ACTIVE);
  }

  /** Counts this handle among those keeping the process alive, or not, as it now should. */
  private updateLiveness(): void {
    if (this.keepsAlive()) {
      if (this.has(HOLDS_REF)) return;
      this.flags |= HOLDS_REF;
      countRef();
    } else if (this.has(HOLDS_REF)) {
      this.flags &= ~HOLDS_REF;
      uncountRef();
    }
  }

  ref(): void {
    this.flags |= REFED;
    this.updateLiveness();
  }

  unref(): void {
    this.flags &= ~REFED;
    this.updateLiveness();
  }

  hasRef(): boolean {
    return this.has(REFED) && !this.has(CLOSED);
  }

  readStart(): void {
    this.flags |= READING | READ_ACTIVE;
    this.updateLiveness();
    if (this.id !== NO_ID) calls.readStart(this.id, this.has(WANTS_NATIVE_PIPE));
  }

  /**
   * readStart() as far as the Socket can tell, but the reactor hears of it only once
   * the current batch has been dispatched (a microtask), for accepted sockets (see
   * socketForAccepted).
   */
  startReadingAfterDispatch(): void {
    this.flags |= READING | READ_ACTIVE;
    this.updateLiveness();
    queueMicrotask(() => {
      if (this.has(READING) && !this.has(CLOSED) && this.id !== NO_ID) calls.readStart(this.id, this.has(WANTS_NATIVE_PIPE));
    });
  }

  readStop(): void {
    this.flags &= ~(READING | READ_ACTIVE);
    this.updateLiveness();
    if (this.id !== NO_ID) calls.readStop(this.id);
  }

  /**
   * Flowing (a 'data' listener, resume(), a native pipe) lets the reactor read up to
   * 256 KiB ahead of JS; otherwise one 64 KiB read, as libuv makes before a paused
   * node:net socket's buffer says stop (READ_AHEAD_* in conn.rs).
   */
  setFlowing(on: boolean): void {
    if (on === this.has(FLOWING)) return;
    this.set(FLOWING, on);
    if (this.id !== NO_ID) calls.setFlowing(this.id, on);
  }

  /** Lets the reactor read again after JS took `n` more bytes. */
  consumed(n: number): void {
    if (this.id !== NO_ID) calls.consumed(this.id, n);
  }

  setNoDelay(on: boolean): void {
    if (this.has(PIPE_KIND)) return;
    this.flags |= NO_DELAY_SET;
    this.set(NO_DELAY_ON, on);
    if (this.id !== NO_ID) rare.socketSetNoDelay(this.id, on);
  }

  setKeepAlive(on: boolean, delaySecs: number): void {
    if (this.has(PIPE_KIND)) return;
    this.keepAlive = [on, delaySecs];
    if (this.id !== NO_ID) rare.socketSetKeepAlive(this.id, on, delaySecs);
  }

  setTimeout(ms: number): void {
    this.timeoutMs = ms;
    if (this.id === NO_ID) return;
    if (ms === 0) {
      // Off is kept here: a 'timeout' the reactor still sends is dropped (timeoutIsStale).
      // node:http turns the timeout off and on again around every request on a kept-alive
      // socket, and each change that reaches the reactor may cost a wake-up of its thread.
      return;
    }
    if (ms === this.nativeTimeoutMs) {
      // Back on at the value the reactor already has: only a fresh idle period.
      calls.touch(this.id);
      return;
    }
    this.nativeTimeoutMs = ms;
    calls.setTimeout(this.id, ms);
  }

  /**
   * A 'timeout' from the reactor that is no longer due: the socket was active since,
   * or JS turned the timeout off. In the second case it is turned off in the reactor
   * too now, so that a socket left without a timeout is not woken every period.
   */
  timeoutIsStale(stamp: number): boolean {
    // Match node:net: its timer callback re-checks that the socket stayed idle. A write
    // or setTimeout() from JS after the reactor decided shows as a newer stamp; the
    // reactor then fires again at the end of the new idle period.
    if (this.timeoutMs !== 0) return this.id !== NO_ID && calls.activityWord(this.id) !== stamp;
    if (this.id !== NO_ID && this.nativeTimeoutMs !== 0) {
      this.nativeTimeoutMs = 0;
      calls.setTimeout(this.id, 0);
    }
    return true;
  }

  touch(): void {
    if (this.id !== NO_ID) calls.touch(this.id);
  }

  // The calls below are made only on an attached handle (the Socket checks first).

  /** 0: all sent now; 1: the rest queued, WriteDone follows; < 0: -errno. */
  write(data: Buffer): number {
    return calls.write(this.id, data);
  }

  writev(chunks: Buffer[]): number {
    return calls.writev(this.id, chunks);
  }

  /** write() passing descriptor `fd` with the first byte (SCM_RIGHTS). */
  writeFd(data: Buffer, fd: number): number {
    return rare.socketWriteFd(this.id, data, fd);
  }

  /** 0 or an errno; -1: waits for queued writes, ShutdownDone follows. */
  shutdownNow(): number {
    this.flags |= SHUTTING;
    return calls.shutdownNow(this.id);
  }

  /**
   * Starts the native pipe into `dest`; false: bytes are still on their way to JS.
   * `consumed` bytes are reported consumed first, in the same step (see native_pipe).
   */
  pipeTo(dest: TcpHandle, consumed = 0): boolean {
    return calls.pipeTo(this.id, dest.id, consumed);
  }

  unpipe(): void {
    if (this.id !== NO_ID && !this.has(RELEASED)) calls.unpipe(this.id);
  }

  /** The descriptor while open, else -1. */
  get fd(): number {
    return this.id !== NO_ID && !this.has(RELEASED) ? rare.socketFd(this.id) : -1;
  }

  /** 0 or an errno (asked only of TCP handles, see type_of_service.ts). */
  declare setTypeOfService?: (tos: number) => number;
  /** The type of service, or a negative errno. */
  declare getTypeOfService?: () => number;

  /** TCP_NODELAY and keepalive as the kernel has them (for tests). */
  socketOptions(): any {
    return rare.socketOptions(this.id);
  }

  // Match node:net: a Pipe handle has no getsockname/getpeername; its addresses are {}.
  getsockname(): any {
    return this.id !== NO_ID && !this.has(PIPE_KIND) ? rare.socketLocalAddress(this.id) : null;
  }

  getpeername(): any {
    return this.id !== NO_ID && !this.has(PIPE_KIND) ? rare.socketRemoteAddress(this.id) : null;
  }
}

// The type of service of the socket's packets (see type_of_service.ts).
(TcpHandle.prototype as any).setTypeOfService = function (this: TcpHandle, tos: number): number {
  return rare.socketSetTypeOfService(this.id, tos);
};
(TcpHandle.prototype as any).getTypeOfService = function (this: TcpHandle): number {
  return rare.socketGetTypeOfService(this.id);
};

/** The flags the Socket code reads and writes as properties, on the prototype. */
const FLAG_PROPERTIES: [string, number][] = [
  ['reading', READING],
  ['piped', PIPED],
  ['canRead', CAN_READ],
  ['canWrite', CAN_WRITE],
  ['nativeGone', NATIVE_GONE],
  ['wantsNativePipe', WANTS_NATIVE_PIPE],
];
for (const [name, bit] of FLAG_PROPERTIES) {
  Object.defineProperty(TcpHandle.prototype, name, {
    get(this: TcpHandle): boolean {
      return (this.flags & bit) !== 0;
    },
    set(this: TcpHandle, on: boolean) {
      this.flags = on ? this.flags | bit : this.flags & ~bit;
    },
    configurable: true,
  });
}

export { binding };
