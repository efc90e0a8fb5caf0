// The JS side of one connected socket's native handle, in the role libuv's TCP and
// Pipe handles play for node:net (`kind` says which: a pipe is a Unix-domain socket
// or an adopted pipe, and has no TCP options and no addresses). It exists from `connect()` on, before the reactor has a socket
// (the address may still be being looked up), so options set meanwhile are kept and
// applied once the native socket is attached.

import { binding, register, unregister, holdRef, releaseRef, EventTarget } from './dispatch';
import { EV_CLOSED, EV_FD, EV_DATA, EV_EOF, EV_ERROR, closeFd, socketCalls } from './native';
const JS_READS = process.env.RSNET_JS_READS === '1';
import type { NativeSocket } from './native_socket';

export class TcpHandle {
  /** The reactor's socket, once connecting or accepted. */
  native: NativeSocket | null = null;
  /** Match node:net: `handle.reading` is what Socket uses to avoid double readStart. */
  reading = false;
  /** Bytes pushed to the stream while it was full, reported consumed on `_read()`. */
  unacked = 0;
  /** Write and shutdown callbacks waiting for the reactor (one of each at most). */
  writeCallback: ((err?: Error | null) => void) | null = null;
  /**
   * The Buffer(s) of the write the reactor has queued: it writes from their memory, not
   * a copy, so they are kept until its WriteDone (or for as long as this handle lives,
   * if the socket closes first). Match node:net: libuv's write request holds the
   * caller's buffers the same way.
   */
  writeHold: Buffer | Buffer[] | null = null;
  shutdownCallback: ((errno: number) => void) | null = null;
  /** Bytes delivered to JS. */
  ownBytesRead = 0;
  /** Bytes handed to the kernel or to the reactor's queue by JS. */
  ownBytesWritten = 0;
  /** This socket took part in a native pipe, whose bytes the reactor counts. */
  piped = false;
  private refed = true;
  private closed = false;
  /** Match node:net (libuv's uv_pipe_open): an adopted pipe opened read-only cannot be
   * written, one opened write-only cannot be read. */
  canRead = true;
  canWrite = true;
  /** The reactor reported the socket closed on its own (a failed connect). */
  nativeGone = false;
  private noDelay: boolean | null = null;
  private keepAlive: [boolean, number] | null = null;
  private timeoutMs = 0;
  /** The timeout the reactor has, which lags timeoutMs when JS turned it off. */
  private nativeTimeoutMs = 0;
  /** Bytes are taken as they come, so the reactor may read further ahead. */
  private flowing = false;
  /** PROTOTYPE: read on the JS thread (RSNET_JS_READS=1). */
  private jsReader = false;

  private jsAsked = false;

  private nativeReadStart(): void {
    const native = this.native!;
    if (this.jsReader) {
      socketCalls.jsReadResume(native.id);
      return;
    }
    if (this.jsAsked) return;
    if (JS_READS && this.kind === 'tcp' && !this.piped) {
      this.jsAsked = true;
      socketCalls.readsToJs(native.id);
      return;
    }
    native.readStart();
  }

  /** PROTOTYPE: the reactor handed reads over (ok) or refused. */
  onReadsToJs(ok: number): void {
    const native = this.native;
    if (!native || this.closed) return;
    if (!ok) {
      this.jsAsked = false;
      if (this.reading) native.readStart();
      return;
    }
    const id = native.id;
    const started = socketCalls.jsReadStart(id, (buf: Buffer, n: number) => {
      const owner: any = this.owner;
      if (n > 0) return owner._onNativeEvent(EV_DATA, n, 0, buf.subarray(0, n));
      socketCalls.jsReadStop(id);
      if (n === 0) owner._onNativeEvent(EV_EOF, 0, 0, undefined);
      else owner._onNativeEvent(EV_ERROR, -n, 2, undefined);
    });
    if (started) {
      this.jsReader = true;
      if (!this.reading) socketCalls.jsReadPause(id);
    }
  }

  constructor(
    private owner: EventTarget | null,
    native?: any,
    readonly kind: 'tcp' | 'pipe' = 'tcp',
  ) {
    if (native) this.attach(native);
  }

  /** For accepted sockets, whose Socket object is built around an attached handle. */
  setOwner(owner: EventTarget): void {
    this.owner = owner;
    if (this.native) register(this.native.id, owner);
  }

  get bytesRead(): number {
    return this.ownBytesRead + (this.piped && this.native ? this.native.pipedIn : 0);
  }

  // Match node:net: a handle's counters are plain properties there, and code that
  // reaches into `_handle` may assign them.
  set bytesRead(value: number) {
    this.ownBytesRead = value - (this.piped && this.native ? this.native.pipedIn : 0);
  }

  get bytesWritten(): number {
    return this.ownBytesWritten + (this.piped && this.native ? this.native.pipedOut : 0);
  }

  set bytesWritten(value: number) {
    this.ownBytesWritten = value - (this.piped && this.native ? this.native.pipedOut : 0);
  }

  get id(): number {
    return this.native ? this.native.id : -1;
  }

  attach(native: NativeSocket): void {
    this.native = native;
    if (this.owner) register(native.id, this.owner);
    // Match node:net: a handle keeps the process alive once it is doing something
    // (connecting or connected); while the host is being looked up, the lookup does.
    if (this.refed && !this.closed) holdRef(this);
    if (this.noDelay !== null) native.setNoDelay(this.noDelay);
    if (this.keepAlive !== null) native.setKeepAlive(this.keepAlive[0], this.keepAlive[1]);
    if (this.timeoutMs > 0) {
      this.nativeTimeoutMs = this.timeoutMs;
      native.setTimeout(this.timeoutMs);
    }
    // A socket may flow before it connects (`on('data')` right after `new Socket()`).
    if ((this.owner as any)?.readableFlowing === true) this.flowing = true;
    if (this.flowing) native.setFlowing(true);
  }

  /**
   * Closes the native socket; `onClosed` runs once its descriptor is really closed
   * (Match node:net: 'close' is emitted from the handle's close callback). Until then
   * the handle keeps the process alive, and descriptors still arriving are closed.
   */
  close(reset: boolean, onClosed?: () => void): void {
    if (this.closed) return;
    this.closed = true;
    const native = this.native;
    if (!native || this.nativeGone) {
      if (native) {
        unregister(native.id);
        native.forget();
      }
      releaseRef(this);
      if (onClosed) setImmediate(onClosed);
      return;
    }
    const id = native.id;
    if (this.jsReader) socketCalls.jsReadStop(id);
    register(id, {
      _onNativeEvent: (kind: number, a: number) => {
        if (kind === EV_CLOSED) {
          unregister(id);
          // A later turn, as libuv's close callbacks: what destroy() queued with
          // process.nextTick ('error') comes first even when the reactor was quicker.
          setImmediate(() => {
            releaseRef(this);
            if (onClosed) onClosed();
          });
        } else if (kind === EV_FD) {
          closeFd(a);
        }
      },
    });
    if (reset) native.reset();
    else native.close();
  }

  ref(): void {
    this.refed = true;
    if (!this.closed && this.native) holdRef(this);
  }

  unref(): void {
    this.refed = false;
    releaseRef(this);
  }

  hasRef(): boolean {
    return this.refed && !this.closed;
  }

  readStart(): void {
    this.reading = true;
    if (this.native) this.nativeReadStart();
  }

  /**
   * readStart() as far as the Socket can tell, but the reactor hears of it only once
   * the current batch has been dispatched (a microtask), for accepted sockets (see
   * socketForAccepted).
   */
  startReadingAfterDispatch(): void {
    this.reading = true;
    queueMicrotask(() => {
      if (this.reading && !this.closed && this.native) this.nativeReadStart();
    });
  }

  readStop(): void {
    this.reading = false;
    if (this.jsReader) socketCalls.jsReadPause(this.native!.id);
    else if (this.native) this.native.readStop();
  }

  /**
   * Flowing (a 'data' listener, resume(), a native pipe) lets the reactor read up to
   * 256 KiB ahead of JS; otherwise one 64 KiB read, as libuv makes before a paused
   * node:net socket's buffer says stop (READ_AHEAD_* in conn.rs).
   */
  setFlowing(on: boolean): void {
    if (on === this.flowing) return;
    this.flowing = on;
    if (this.native) this.native.setFlowing(on);
  }

  /** Lets the reactor read again after JS took `n` more bytes. */
  consumed(n: number): void {
    if (this.jsReader) return;
    if (this.native) this.native.consumed(n);
  }

  setNoDelay(on: boolean): void {
    if (this.kind === 'pipe') return;
    this.noDelay = on;
    if (this.native) this.native.setNoDelay(on);
  }

  setKeepAlive(on: boolean, delaySecs: number): void {
    if (this.kind === 'pipe') return;
    this.keepAlive = [on, delaySecs];
    if (this.native) this.native.setKeepAlive(on, delaySecs);
  }

  setTimeout(ms: number): void {
    this.timeoutMs = ms;
    if (!this.native) return;
    if (ms === 0) {
      // Off is kept here: a 'timeout' the reactor still sends is dropped (timeoutIsStale).
      // node:http turns the timeout off and on again around every request on a kept-alive
      // socket, and each change that reaches the reactor may cost a wake-up of its thread.
      return;
    }
    if (ms === this.nativeTimeoutMs) {
      // Back on at the value the reactor already has: only a fresh idle period.
      this.native.touch();
      return;
    }
    this.nativeTimeoutMs = ms;
    this.native.setTimeout(ms);
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
    if (this.timeoutMs !== 0) return this.native !== null && this.native.activityWord() !== stamp;
    if (this.native && this.nativeTimeoutMs !== 0) {
      this.nativeTimeoutMs = 0;
      this.native.setTimeout(0);
    }
    return true;
  }

  touch(): void {
    if (this.native) this.native.touch();
  }

  // Match node:net: a Pipe handle has no getsockname/getpeername; its addresses are {}.
  getsockname(): any {
    return this.native && this.kind === 'tcp' ? this.native.localAddress() : null;
  }

  getpeername(): any {
    return this.native && this.kind === 'tcp' ? this.native.remoteAddress() : null;
  }
}

export { binding };
