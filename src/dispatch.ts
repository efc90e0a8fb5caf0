// Decodes event batches from the reactor and routes each record to the object that
// owns its id. One Binding (and so one threadsafe function) per JS environment: this
// module is loaded once per main thread or worker, which is exactly that scope.

import { endCloseTurn } from './close_queue';
import { Binding, RECORD_WORDS, DATA_APART, DATA_OWN, EV_DATA, EV_FD, EV_TIMEOUT, closeFd, copyData, pollInto, takeBatch } from './native';

/** What a Socket or Server implements to receive its events. */
export interface EventTarget {
  _onNativeEvent(kind: number, a: number, b: number, chunk: Buffer | undefined): void;
}

const targets = new Map<number, EventTarget>();

/**
 * The arrays most batches are copied into (pollInto), allocated once: a batch
 * of a few events and a few KiB then costs no allocation at all. Their contents are
 * overwritten by the next poll. Data that does not fit (bulk reads) stays in the
 * binding, and a batch of more records than fit comes as its own array (takeBatch).
 *
 * Every 'data' chunk is a Buffer of its own, exactly its size: copied out of the batch,
 * or read straight into it on the JS thread (OWN_CHUNKS, below). Match node:net: each
 * of its reads is its own Buffer. A chunk that is a view into a
 * batch would keep the whole batch alive for as long as the application keeps the
 * chunk, or a write queued with it (a 'data' echo server's peak RSS was 114-118 MiB
 * against node:net's 86 with views, 86-87 without; 1 connection, 64 KiB writes). A
 * small chunk of its own costs what a slice of Buffer's pool does (~100 ns); a 64 KiB
 * one ~1.4 µs of copying in cache, more when its fresh memory faults in.
 */
const SHARED_RECORDS = new Int32Array(sharedRecordWords());
const SHARED_DATA = Buffer.allocUnsafeSlow(64 * 1024);

/**
 * The chunks the JS thread read itself (Linux: crates/node/src/js_reads.rs), each
 * straight into its own Buffer, with no copy after the kernel's, as node:net's reads.
 * The binding appends one per DATA_OWN record, in record order; dispatch takes them
 * in the same order and empties the array once it has taken them all.
 */
const OWN_CHUNKS: Array<Buffer | undefined> = [];
let ownIndex = 0;

function takeOwnChunk(): Buffer {
  const chunk = OWN_CHUNKS[ownIndex];
  OWN_CHUNKS[ownIndex++] = undefined;
  if (ownIndex === OWN_CHUNKS.length) {
    OWN_CHUNKS.length = 0;
    ownIndex = 0;
  }
  return chunk!;
}

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
/** Whether the batch's data is in SHARED_DATA, or left in the binding (copyData). */
let dataShared = true;
let index = 0;
let offset = 0;

function drain(): void {
  endCloseTurn();
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
        recordsEnd = words & ~DATA_APART;
        dataShared = (words & DATA_APART) === 0;
      } else {
        const taken = takeBatch();
        if (taken == null) return;
        records = taken;
        recordsEnd = taken.length;
        dataShared = false;
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
      if (kind === EV_DATA && b === DATA_OWN) {
        chunk = takeOwnChunk();
      } else if (kind === EV_DATA) {
        chunk = Buffer.allocUnsafeSlow(a);
        if (dataShared) SHARED_DATA.copy(chunk, 0, offset, offset + a);
        else copyData(chunk, offset);
        offset += a;
      }
      const target = targets.get(id);
      if (target !== undefined) target._onNativeEvent(kind, a, b, chunk);
      // Events for a handle JS has already closed are stale, but a descriptor that
      // came with one is ours to close: nobody else will.
      else if (kind === EV_FD) closeFd(a);
    }
    records = null;
  }
}

export const binding = new Binding(drain, OWN_CHUNKS);

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
