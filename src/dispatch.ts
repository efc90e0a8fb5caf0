// Decodes event batches from the reactor and routes each record to the object that
// owns its id. One Binding (and so one threadsafe function) per JS environment: this
// module is loaded once per main thread or worker, which is exactly that scope.

import { Binding, RECORD_WORDS, DATA_APART, EV_DATA, EV_FD, EV_TIMEOUT, closeFd, pollInto, takeData, takeBatch } from './native';

/** What a Socket or Server implements to receive its events. */
export interface EventTarget {
  _onNativeEvent(kind: number, a: number, b: number, chunk: Buffer | undefined): void;
}

const targets = new Map<number, EventTarget>();

/**
 * Reads below this size are copied out of the batch buffer, so that a small chunk kept
 * by the user does not pin a large batch in memory.
 */
const COPY_BELOW = 4096;
const LARGE_BATCH = 256 * 1024;

/**
 * The arrays most batches are copied into (pollInto), allocated once: a batch
 * of a few events and a few KiB then costs no allocation at all. Their contents are
 * overwritten by the next poll, so 'data' chunks taken from SHARED_DATA are copied out.
 * Data that does not fit (bulk reads) comes as its own Buffer instead (takeData),
 * whose slices become the chunks without a copy; a batch of more records than fit
 * comes whole (takeBatch).
 */
const SHARED_RECORDS = new Int32Array(sharedRecordWords());
const SHARED_DATA = Buffer.allocUnsafeSlow(64 * 1024);

/**
 * 16K words (4,096 events). RSNET_DISPATCH_RECORD_WORDS makes it smaller, for tests:
 * then ordinary traffic takes the paths of batches too large for it (takeBatch).
 */
function sharedRecordWords(): number {
  const words = Number(process.env.RSNET_DISPATCH_RECORD_WORDS);
  return Number.isInteger(words) && words >= RECORD_WORDS && words <= 16 * 1024 ? words : 16 * 1024;
}

// The batch being dispatched and how far dispatch got. Kept outside drain() so that
// when a user's event handler throws, the rest of the batch is not lost: the
// exception propagates (Node reports it as uncaught, as with node:net), and the
// remaining events are dispatched on the next turn.
let records: Int32Array | null = null;
let recordsEnd = 0;
let data: Buffer | null = null;
/** Chunks below this size are copied out of `data` (everything, for SHARED_DATA). */
let copyBelow = 0;
let index = 0;
let offset = 0;

function drain(): void {
  try {
    drainLoop();
  } catch (err) {
    if (records !== null) setImmediate(drain);
    throw err;
  }
}

// Completions JS made happen itself, on its own thread (a shutdown done without the
// reactor), that must look like I/O callbacks: run after the current callback and its
// ticks, but before the events of any later batch, as libuv would report them in the
// next poll phase. Whichever comes first: the next batch, or setImmediate.
let beforeNextBatch: Array<() => void> = [];

export function runBeforeNextBatch(fn: () => void): void {
  beforeNextBatch.push(fn);
  if (beforeNextBatch.length === 1) setImmediate(() => flushBeforeNextBatch());
}

/** Runs the due completions; returns whether there were any. */
function flushBeforeNextBatch(): boolean {
  if (beforeNextBatch.length === 0) return false;
  const due = beforeNextBatch;
  beforeNextBatch = [];
  for (const fn of due) fn();
  return true;
}

function drainLoop(): void {
  // One batch per wake-up: events that arrive while JS runs come in the next batch, after
  // Node has run the microtasks and nextTicks this one queued, as it would between two
  // libuv callbacks. (Taking the batch re-arms the wake-up, so nothing waits.)
  for (let taken = false; ; taken = true) {
    if (records === null) {
      if (taken) return;
      if (flushBeforeNextBatch()) {
        // Their callbacks schedule ticks ('finish' is emitted on one): those run
        // first, as between two libuv callbacks, and the batch right after them.
        setImmediate(drain);
        return;
      }
      const words = pollInto(SHARED_RECORDS, SHARED_DATA);
      if (words === 0) return;
      if (words > 0) {
        records = SHARED_RECORDS;
        if ((words & DATA_APART) === 0) {
          recordsEnd = words;
          data = SHARED_DATA;
          copyBelow = Infinity;
        } else {
          recordsEnd = words & ~DATA_APART;
          data = takeData() as Buffer;
          copyBelow = data.length >= LARGE_BATCH ? COPY_BELOW : 0;
        }
      } else {
        const batch = takeBatch();
        if (batch == null) return;
        records = batch.records as Int32Array;
        recordsEnd = records.length;
        data = batch.data ?? null;
        copyBelow = data !== null && data.length >= LARGE_BATCH ? COPY_BELOW : 0;
      }
      index = 0;
      offset = 0;
    }
    const recs = records;
    const first = index;
    while (index < recordsEnd) {
      const id = recs[index];
      const kind = recs[index + 1];
      // Match node:net: an idle timeout is a timer callback, never run in the same
      // turn as the I/O before it: the ticks and microtasks of what came first run,
      // then the timeout (next check phase).
      if (kind === EV_TIMEOUT && index !== first) {
        setImmediate(drain);
        return;
      }
      const a = recs[index + 2];
      const b = recs[index + 3];
      index += RECORD_WORDS;
      let chunk: Buffer | undefined;
      if (kind === EV_DATA) {
        chunk = data!.subarray(offset, offset + a);
        if (a < copyBelow) chunk = Buffer.from(chunk);
        offset += a;
      }
      const target = targets.get(id);
      if (target !== undefined) target._onNativeEvent(kind, a, b, chunk);
      // Events for a handle JS has already closed are stale, but a descriptor that
      // came with one is ours to close: nobody else will.
      else if (kind === EV_FD) closeFd(a);
    }
    records = null;
    data = null;
  }
}

export const binding = new Binding(drain);

export function register(id: number, target: EventTarget): void {
  targets.set(id, target);
}

export function unregister(id: number): void {
  targets.delete(id);
}

// Liveness. Match node:net: an open, ref'd server or socket keeps the process alive,
// nothing else does. The threadsafe function is created unref'd and is ref'd exactly
// while at least one such handle holds a ref. A count, not a Set of the holders: a Set
// entry per open socket was about 33 bytes of heap per idle connection, and an add and
// a delete per connection. Each holder counts once, which it keeps track of itself: a
// socket's TcpHandle with a bit of its flags, anything else (a listening handle) with
// a symbol-keyed property (holdRef/releaseRef).
let refCount = 0;

/** One more holder: the caller must not be counted already. */
export function countRef(): void {
  if (++refCount === 1) binding.setRef(true);
}

/** One holder fewer: the caller must have been counted. */
export function uncountRef(): void {
  if (--refCount === 0) binding.setRef(false);
}

const kHoldsRef = Symbol('rsnet.holdsRef');

export function holdRef(owner: any): void {
  if (owner[kHoldsRef] === true) return;
  owner[kHoldsRef] = true;
  countRef();
}

export function releaseRef(owner: any): void {
  if (owner[kHoldsRef] !== true) return;
  owner[kHoldsRef] = false;
  uncountRef();
}
