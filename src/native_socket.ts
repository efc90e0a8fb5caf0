// The reactor's socket as the rest of rsnet's JS calls it. JS holds a socket by its
// id alone, from when it takes it (accepted, connect, adopt) until it closes it; the
// binding keeps a table of them (crates/node/src/conn_table.rs). There is no native
// object per socket: making one cost ~4.5 µs per connection, and every napi-rs method
// call ~0.6 µs of glue. The calls made per message or per connection are plain
// Node-API functions taking the id (socket_calls.rs, ~0.1 µs); the rare ones are
// napi-rs functions (socket_rare_calls.rs).

import { socketCalls as calls, rareSocketCalls as rare } from './native';

export class NativeSocket {
  /** Counters kept from when JS let go of the socket (see `release`). */
  private finalPipedIn = 0;
  private finalPipedOut = 0;
  private released = false;

  /** `id`: the reactor's, which its events carry; JS holds the socket from now on. */
  constructor(readonly id: number) {}

  /**
   * JS makes no more calls for this socket's id from here on: what may still be asked
   * (the byte counters) is answered from what it had.
   */
  private release(): void {
    if (this.released) return;
    this.finalPipedIn = calls.pipedIn(this.id);
    this.finalPipedOut = calls.pipedOut(this.id);
    this.released = true;
  }

  /** 0: all sent now; 1: the rest queued, WriteDone follows; < 0: -errno. */
  write(data: Buffer): number {
    return calls.write(this.id, data);
  }

  writev(chunks: Buffer[]): number {
    return calls.writev(this.id, chunks);
  }

  writeFd(data: Buffer, fd: number): number {
    return rare.socketWriteFd(this.id, data, fd);
  }

  consumed(n: number): void {
    calls.consumed(this.id, n);
  }

  touch(): void {
    calls.touch(this.id);
  }

  readStart(): void {
    calls.readStart(this.id);
  }

  readStop(): void {
    calls.readStop(this.id);
  }

  setFlowing(on: boolean): void {
    calls.setFlowing(this.id, on);
  }

  setTimeout(ms: number): void {
    calls.setTimeout(this.id, ms);
  }

  activityWord(): number {
    return calls.activityWord(this.id);
  }

  /** 0 or an errno; -1: waits for queued writes, ShutdownDone follows. */
  shutdownNow(): number {
    return calls.shutdownNow(this.id);
  }

  shutdown(): void {
    rare.socketShutdown(this.id);
  }

  /** Closes the socket and lets go of it; Closed follows. */
  close(): void {
    this.release();
    calls.close(this.id);
  }

  /** close() with RST. */
  reset(): void {
    this.release();
    calls.reset(this.id);
  }

  /** Lets go of a socket the reactor closed on its own (a failed connect). */
  forget(): void {
    this.release();
    calls.forget(this.id);
  }

  /** Starts the native pipe into `dest`; false: bytes are still on their way to JS. */
  pipeTo(dest: NativeSocket): boolean {
    return calls.pipeTo(this.id, dest.id);
  }

  unpipe(): void {
    calls.unpipe(this.id);
  }

  get pipedIn(): number {
    return this.released ? this.finalPipedIn : calls.pipedIn(this.id);
  }

  get pipedOut(): number {
    return this.released ? this.finalPipedOut : calls.pipedOut(this.id);
  }

  /** 0 or an errno. */
  setNoDelay(on: boolean): number {
    return rare.socketSetNoDelay(this.id, on);
  }

  /** 0 or an errno. */
  setKeepAlive(on: boolean, delaySecs: number): number {
    return rare.socketSetKeepAlive(this.id, on, delaySecs);
  }

  localAddress(): any {
    return rare.socketLocalAddress(this.id);
  }

  remoteAddress(): any {
    return rare.socketRemoteAddress(this.id);
  }

  /** TCP_NODELAY and keepalive as the kernel has them (for tests). */
  socketOptions(): any {
    return rare.socketOptions(this.id);
  }

  /** The descriptor while open, else -1. */
  get fd(): number {
    return rare.socketFd(this.id);
  }
}

/** Takes the connection an Accepted event announced; null if it is already gone. */
export function acceptedSocket(id: number): NativeSocket | null {
  return calls.accepted(id) ? new NativeSocket(id) : null;
}
