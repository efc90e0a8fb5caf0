// rsnet's native pipe: `src.pipe(dest)` between two rsnet sockets moves the bytes
// inside the reactor (crates/reactor/src/pipe.rs) instead of through 'data' events and
// dest.write(). Everything else stays the ordinary stream pipe: Readable.prototype.pipe
// is still what runs, so 'pipe'/'unpipe' events, end-on-EOF (unless { end: false }),
// unpipe on dest error or close, and stream.pipeline() behave exactly as on node:net.
// The reactor only diverts the data; EOF, errors and close still arrive as events.
//
// The switch is made only when it cannot reorder or hide a byte: the source has no
// other consumer (one 'data' listener, the pipe's own; one pipe; no encoding), nothing
// is buffered on either side, the destination is connected, and the reactor confirms
// that every byte the source read has reached JS. Until then the pipe runs the stream
// way and the switch is retried as data flows and when either side connects. It is
// undone for good as soon as anything else wants the source's data: a 'data' or
// 'readable' listener, setEncoding(), a second pipe, unpipe().
//
// Opt out: `src.pipe(dest, { native: false })`, or RSNET_NATIVE_PIPE=0 for the process.

import * as stream from 'stream';

/** The destination the source should be natively piped into, once possible. */
const kPipeTarget = Symbol('rsnetPipeTarget');
/** True while the reactor diverts the source's bytes. */
const kNativeActive = Symbol('rsnetNativeActive');
const kWatcher = Symbol('rsnetPipeWatcher');

const disabledByEnv = process.env.RSNET_NATIVE_PIPE === '0';

function pipeCount(src: any): number {
  const pipes = src._readableState?.pipes;
  return Array.isArray(pipes) ? pipes.length : 0;
}

/**
 * `Socket.prototype.pipe`. `eligible` is decided by socket.ts, which owns the Socket
 * class: `dest` is an rsnet Socket and `src` has no onread callback.
 */
export function pipeSocket(src: any, dest: any, options: any, eligible: boolean): any {
  // A second consumer: the native pipe (if any) ends before the stream path forks.
  stopNativePipe(src);
  const result = stream.Readable.prototype.pipe.call(src, dest, options);
  const wanted = !disabledByEnv && options?.native !== false && eligible;
  if (wanted && pipeCount(src) === 1) {
    src[kPipeTarget] = dest;
    retryNativePipe(src);
    if (!src[kNativeActive]) {
      const retry = () => retryNativePipe(src);
      if (dest.connecting) dest.once('connect', retry);
      if (src.connecting) src.once('connect', retry);
    }
  }
  return result;
}

/** Tries the switch if this source is waiting for one. Cheap when it is not. */
export function retryNativePipe(src: any): void {
  const dest = src[kPipeTarget];
  if (dest === undefined || src[kNativeActive]) return;
  if (src.destroyed || dest.destroyed || dest.connecting || !dest.writable || dest.writableCorked) return;
  const from = src._handle;
  const to = dest._handle;
  if (!from?.native || !to?.native || from.unacked !== 0) return;
  if (src.readableLength !== 0 || src.readableEncoding !== null || dest.writableLength !== 0) return;
  if (src.listenerCount('data') !== 1 || src.listenerCount('readable') !== 0 || pipeCount(src) !== 1) return;
  // The reactor refuses while bytes it read are still on their way to JS.
  if (!from.native.pipeTo(to.native)) return;
  src[kNativeActive] = true;
  from.piped = true;
  to.piped = true;
  const watcher = (event: string | symbol) => {
    if (event === 'data' || event === 'readable') stopNativePipe(src);
  };
  src[kWatcher] = watcher;
  src.on('newListener', watcher);
}

/** Back to the stream path for good (another consumer appeared, or unpipe). */
export function stopNativePipe(src: any): void {
  if (src[kPipeTarget] === undefined) return;
  src[kPipeTarget] = undefined;
  if (!src[kNativeActive]) return;
  src[kNativeActive] = false;
  src.removeListener('newListener', src[kWatcher]);
  src[kWatcher] = undefined;
  // Bytes already handed to the destination stay ahead of anything JS writes to it
  // later (the reactor counts them as queued writes there).
  src._handle?.native?.unpipe();
}

/** Whether the reactor is moving this socket's bytes (pause/resume act on reading). */
export function isNativelyPiped(src: any): boolean {
  return src[kNativeActive] === true;
}

/** Whether `dest` is the native pipe's target (for unpipe(dest)). */
export function nativePipeTarget(src: any): any {
  return src[kPipeTarget];
}
