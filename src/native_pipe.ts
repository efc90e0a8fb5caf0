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
const kRetryOnDrain = Symbol('rsnetPipeRetryOnDrain');
/**
 * On a destination: the source natively piped into it, or a Set of them when there
 * are several. Almost always one (or the socket itself: `s.pipe(s)`), and a Set per
 * connection would be most of what the native pipe adds to an idle socket's heap.
 */
const kNativeSources = Symbol('rsnetNativeSources');

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
    if (src._handle) src._handle.wantsNativePipe = true;
    retryNativePipe(src);
    if (!src[kNativeActive]) {
      // More chances to switch: when either side connects, and when the destination
      // drains (a back-pressured pipe has bytes buffered on one side or the other
      // most of the time; after 'drain' the stream pipe flows them out first).
      const retry = () => retryNativePipe(src);
      const retryAfterFlow = () => setImmediate(retry);
      if (dest.connecting) dest.once('connect', retry);
      if (src.connecting) src.once('connect', retry);
      dest.on('drain', retryAfterFlow);
      src[kRetryOnDrain] = retryAfterFlow;
    }
  }
  return result;
}

/** Tries the switch if this source is waiting for one. Cheap when it is not. */
export function retryNativePipe(src: any): void {
  tryNativePipe(src, 0);
}

/**
 * onData's report of `n` bytes consumed, made in one step with the switch when the
 * source waits for one. Apart, the reactor could read the source's next chunk between
 * the two (a consumed source with a pipe wanted reads at once), and the switch then
 * found bytes in flight again: on a busy machine a whole 4 MiB transfer could pass
 * without one success (native-pipe tests under load: 2 runs of 3).
 */
export function consumeAndRetryNativePipe(src: any, handle: any, n: number): void {
  // `handle`, not src._handle: the 'data' handler that just ran may have destroyed src.
  if (!tryNativePipe(src, n)) handle.consumed(n);
}

/**
 * The switch, if every condition on the JS side holds; `consumed` bytes are reported
 * consumed with it. Returns whether it asked the reactor (which took `consumed` then,
 * whatever it answered); false: the caller still owes the report.
 */
function tryNativePipe(src: any, consumed: number): boolean {
  const dest = src[kPipeTarget];
  if (dest === undefined || src[kNativeActive]) return false;
  if (src.destroyed || dest.destroyed || dest.connecting || !dest.writable || dest.writableCorked) return false;
  const from = src._handle;
  const to = dest._handle;
  if (!from?.attached || !to?.attached || from.unacked !== 0) return false;
  // The destination may have one write in the reactor (those bytes stay ahead), but
  // none still buffered in JS, which native chunks would overtake.
  if (src.readableLength !== 0 || src.readableEncoding !== null || bufferedWrites(dest) !== 0) return false;
  if (src.listenerCount('data') !== 1 || src.listenerCount('readable') !== 0 || pipeCount(src) !== 1) return false;
  // The reactor refuses while bytes it read are still on their way to JS.
  if (!from.pipeTo(to, consumed)) return true;
  src[kNativeActive] = true;
  from.setFlowing(true);
  from.piped = true;
  to.piped = true;
  forgetDrainRetry(src, dest);
  addNativeSource(dest, src);
  src.on('newListener', watchForOtherConsumers);
  return true;
}

/**
 * The source's 'newListener' watch while it is natively piped. One function for every
 * socket (the emitter is `this`), not a closure per socket.
 */
function watchForOtherConsumers(this: any, event: string | symbol): void {
  if (event === 'data' || event === 'readable') stopNativePipe(this);
}

function addNativeSource(dest: any, src: any): void {
  const sources = dest[kNativeSources];
  if (sources === undefined || sources === src) dest[kNativeSources] = src;
  else if (sources instanceof Set) sources.add(src);
  else dest[kNativeSources] = new Set([sources, src]);
}

function removeNativeSource(dest: any, src: any): void {
  const sources = dest[kNativeSources];
  if (sources === src) dest[kNativeSources] = undefined;
  else if (sources instanceof Set) sources.delete(src);
}

/** Back to the stream path for good (another consumer appeared, or unpipe). */
export function stopNativePipe(src: any): void {
  const dest = src[kPipeTarget];
  if (dest === undefined) return;
  src[kPipeTarget] = undefined;
  if (src._handle) src._handle.wantsNativePipe = false;
  forgetDrainRetry(src, dest);
  removeNativeSource(dest, src);
  if (!src[kNativeActive]) return;
  src[kNativeActive] = false;
  src.removeListener('newListener', watchForOtherConsumers);
  // Bytes already handed to the destination stay ahead of anything JS writes to it
  // later (the reactor counts them as queued writes there).
  src._handle?.unpipe();
  src._handle?.setFlowing(src.readableFlowing === true);
}

/**
 * The destination is ending (its `_final`): native pipes into it stop first, and their
 * sources pause, so that what they read from now on stays readable there. Match
 * node:net: a pipe whose destination ends unpipes (on 'finish') and pauses its source;
 * node:net's source would meanwhile write into the ended stream and fail, the reactor's
 * would write after the FIN.
 */
export function stopNativePipesInto(dest: any): void {
  const sources = dest[kNativeSources];
  if (sources === undefined) return;
  for (const src of sources instanceof Set ? [...sources] : [sources]) {
    stopNativePipe(src);
    src.pause();
  }
}

function forgetDrainRetry(src: any, dest: any): void {
  const retry = src[kRetryOnDrain];
  if (retry === undefined) return;
  src[kRetryOnDrain] = undefined;
  dest.removeListener('drain', retry);
}

/** Chunks a Writable holds in JS, not yet handed to `_write`/`_writev`. */
function bufferedWrites(dest: any): number {
  const state = dest._writableState;
  if (state === undefined) return dest.writableLength;
  if (state.corked) return 1;
  if (Array.isArray(state.buffered)) return state.buffered.length - (state.bufferedIndex ?? 0);
  return state.bufferedRequestCount ?? dest.writableLength;
}

/** Whether the reactor is moving this socket's bytes (pause/resume act on reading). */
export function isNativelyPiped(src: any): boolean {
  return src[kNativeActive] === true;
}

/** Whether `dest` is the native pipe's target (for unpipe(dest)). */
export function nativePipeTarget(src: any): any {
  return src[kPipeTarget];
}
