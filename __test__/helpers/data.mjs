// Deterministic pseudo-random content, produced in chunks (AES-128-CTR
// keystream keyed by a seed), and streaming SHA-256 helpers.
import { createCipheriv, createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';

const ZERO = Buffer.alloc(1 << 20);

function keyFor(seed) {
  return createHash('sha256').update(`rsnet-test-seed:${seed}`).digest();
}

// A generator of `total` bytes in chunks of `chunk` bytes (the last one
// shorter). The same (seed, total) always gives the same bytes, whatever
// the chunk size.
export function* chunks(seed, total, chunk = 64 * 1024) {
  const k = keyFor(seed);
  const cipher = createCipheriv('aes-128-ctr', k.subarray(0, 16), k.subarray(16, 32));
  let left = total;
  while (left > 0) {
    const n = Math.min(chunk, left, ZERO.length);
    yield cipher.update(ZERO.subarray(0, n));
    left -= n;
  }
}

export function bytes(seed, total) {
  return Buffer.concat([...chunks(seed, total, 1 << 20)]);
}

export function expectedHash(seed, total) {
  const h = createHash('sha256');
  for (const c of chunks(seed, total, 1 << 20)) h.update(c);
  return h.digest('hex');
}

export function source(seed, total, chunk) {
  return Readable.from(chunks(seed, total, chunk), { objectMode: false });
}

// A Writable that hashes what it gets. `slow`: complete every write on the
// next setImmediate, so the writer sees back-pressure.
export function hashSink({ slow = false } = {}) {
  const h = createHash('sha256');
  let length = 0;
  const sink = new Writable({
    write(chunk, enc, cb) {
      h.update(chunk);
      length += chunk.length;
      this.emit('chunk', chunk.length);
      if (slow) setImmediate(cb);
      else cb();
    },
  });
  sink.result = () => ({ length, sha256: h.digest('hex') });
  return sink;
}

// Hash everything a readable delivers through 'data' events.
export function hashData(readable) {
  const h = createHash('sha256');
  let length = 0;
  readable.on('data', (c) => {
    h.update(c);
    length += c.length;
  });
  return () => ({ length, sha256: h.digest('hex') });
}
