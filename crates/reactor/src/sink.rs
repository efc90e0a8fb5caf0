//! The event batch: where the reactor's threads leave events for the JS thread.
//!
//! Why batch: a threadsafe-function call costs a cross-thread wake-up and a JS entry.
//! Under load one entry should carry hundreds of events, so the wake-up is scheduled
//! only when the pending batch goes from empty to non-empty; everything that arrives
//! before JS swaps the batch out rides along for free.

use std::sync::Mutex;

use crate::event::{EventKind, RECORD_WORDS};

/// Wakes the consumer (in rsnet: one threadsafe-function call). Called without any
/// reactor lock held, at most once per batch.
pub trait Wake: Send + Sync {
    fn wake(&self);
}

/// What the consumer takes in one go.
#[derive(Default, Debug)]
pub struct Batch {
    /// `RECORD_WORDS` words per event.
    pub records: Vec<i32>,
    /// The payloads of `Data` records, concatenated in record order.
    pub data: Vec<u8>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
    pub fn len(&self) -> usize {
        self.records.len() / RECORD_WORDS
    }
}

/// The data capacity a fresh batch starts with: four 64 KiB reads.
const BATCH_DATA_CAPACITY: usize = 256 * 1024;

/// Record words a recycled batch may keep (4096 events).
const RECYCLE_RECORDS_LIMIT: usize = 16 * 1024;

struct Pending {
    batch: Batch,
    /// A wake-up was sent and the consumer has not taken the batch since.
    woken: bool,
    /// Descriptors named by `Fd` records in `batch`: the sink owns them until the batch
    /// is taken, and closes them if it never is (env teardown), so none leaks.
    fds: Vec<i32>,
}

impl Pending {
    /// `Fd` records for `fds` (emptied), which the sink owns until the batch is taken.
    /// Returns whether there were any.
    fn add_fds(&mut self, id: u32, fds: &mut Vec<i32>) -> bool {
        let any = !fds.is_empty();
        for fd in fds.drain(..) {
            self.batch.records.extend_from_slice(&[id as i32, EventKind::Fd as i32, fd, 0]);
            self.fds.push(fd);
        }
        any
    }
}

pub struct EventSink {
    pending: Mutex<Pending>,
    waker: Box<dyn Wake>,
}

impl EventSink {
    pub fn new(waker: Box<dyn Wake>) -> Self {
        EventSink {
            pending: Mutex::new(Pending { batch: Batch::default(), woken: false, fds: Vec::new() }),
            waker,
        }
    }

    pub fn push(&self, id: u32, kind: EventKind, a: i32, b: i32) {
        if self.push_record(id, kind, a, b, true) {
            self.waker.wake();
        }
    }

    /// `push` from the consumer's own thread, which takes the batch itself next (see
    /// `read_own_quiet`): no wake-up is sent.
    #[cfg(target_os = "linux")]
    pub fn push_quiet(&self, id: u32, kind: EventKind, a: i32, b: i32) {
        self.push_record(id, kind, a, b, false);
    }

    /// Appends a record; true if the caller must wake the consumer (`wake` and this is
    /// the batch's first record since it was taken).
    fn push_record(&self, id: u32, kind: EventKind, a: i32, b: i32, wake: bool) -> bool {
        // A poisoned lock only means another pusher panicked mid-push; the vectors
        // are still valid, so keep going rather than spread the panic.
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        p.batch.records.extend_from_slice(&[id as i32, kind as i32, a, b]);
        wake && !std::mem::replace(&mut p.woken, true)
    }

    /// Reads straight into the pending batch's data buffer, so bytes are copied once
    /// (kernel to batch) on their way to JS. `read` gets room for `max` bytes and a list
    /// for received descriptors; their `Fd` records and then one `Data` record are added
    /// for what it read. The batch stays locked during the syscall, which is short
    /// (the socket is known to be readable): at worst the JS thread's `take` waits for it.
    pub fn read_into(
        &self,
        id: u32,
        max: usize,
        fds: &mut Vec<i32>,
        read: impl FnOnce(&mut [std::mem::MaybeUninit<u8>], &mut Vec<i32>) -> std::io::Result<usize>,
    ) -> std::io::Result<usize> {
        let (result, must_wake) = {
            let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            let data = &mut p.batch.data;
            if data.capacity() == 0 {
                // A fresh batch: room for a few reads, so appending rarely reallocates.
                data.reserve(BATCH_DATA_CAPACITY.max(max));
            } else {
                data.reserve(max);
            }
            let start = data.len();
            let result = read(&mut data.spare_capacity_mut()[..max], fds);
            let mut pushed = p.add_fds(id, fds);
            if let Ok(n) = result {
                if n > 0 {
                    // SAFETY: `read` reported that the kernel initialized `n` bytes
                    // from `start`, within the capacity reserved above.
                    unsafe { p.batch.data.set_len(start + n) };
                    p.batch.records.extend_from_slice(&[id as i32, EventKind::Data as i32, n as i32, 0]);
                    pushed = true;
                }
            }
            (result, pushed && !std::mem::replace(&mut p.woken, true))
        };
        if must_wake {
            self.waker.wake();
        }
        result
    }

    /// `read_into` for the consumer's own thread reading into memory of its own (the
    /// JS thread, reading straight into a Buffer, see `js_reads`): `read` fills `buf`
    /// under the batch's lock, as in `read_into`, so the bytes keep their place among
    /// the task's reads when a socket's reads move between threads. What it read gets
    /// `Fd` records for the descriptors that came with it, then a `Data` record: one
    /// marked `DATA_OWN`, with none of its bytes in the batch, if it read at least
    /// `own_from` bytes (true is returned with the count); else an ordinary one, its
    /// bytes copied into the batch. No wake-up: the consumer's thread takes the batch
    /// right after (a wake-up would be a threadsafe-function call, an eventfd write and
    /// a second, empty drain for every read). A reactor thread that pushes meanwhile
    /// still sends its own, since this leaves `woken` as it was.
    #[cfg(target_os = "linux")]
    pub fn read_own_quiet(
        &self,
        id: u32,
        buf: &mut [std::mem::MaybeUninit<u8>],
        own_from: usize,
        fds: &mut Vec<i32>,
        read: impl FnOnce(&mut [std::mem::MaybeUninit<u8>], &mut Vec<i32>) -> std::io::Result<usize>,
    ) -> std::io::Result<(usize, bool)> {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let result = read(&mut *buf, fds);
        p.add_fds(id, fds);
        let n = result?;
        if n == 0 {
            return Ok((0, false));
        }
        let own = n >= own_from;
        if own {
            p.batch.records.extend_from_slice(&[id as i32, EventKind::Data as i32, n as i32, crate::event::DATA_OWN]);
        } else {
            // SAFETY: `read` reported that the kernel initialized the first `n` bytes.
            let bytes = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), n) };
            p.batch.data.extend_from_slice(bytes);
            p.batch.records.extend_from_slice(&[id as i32, EventKind::Data as i32, n as i32, 0]);
        }
        Ok((n, own))
    }

    /// Adds `Fd` records for descriptors received outside `read_into` (a natively piped
    /// socket's reads); the sink owns them until the batch is taken.
    pub fn push_fds(&self, id: u32, fds: &mut Vec<i32>) {
        if fds.is_empty() {
            return;
        }
        let must_wake = {
            let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            p.add_fds(id, fds);
            !std::mem::replace(&mut p.woken, true)
        };
        if must_wake {
            self.waker.wake();
        }
    }

    /// Adds a `Data` record with a copy of `bytes` (bytes that were read for a native
    /// pipe whose destination closed meanwhile).
    pub fn push_data(&self, id: u32, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let must_wake = {
            let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            p.batch.data.extend_from_slice(bytes);
            p.batch.records.extend_from_slice(&[id as i32, EventKind::Data as i32, bytes.len() as i32, 0]);
            !std::mem::replace(&mut p.woken, true)
        };
        if must_wake {
            self.waker.wake();
        }
    }

    /// Swaps the pending batch out. The next push after this schedules a new wake-up.
    pub fn take(&self) -> Batch {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        p.woken = false;
        p.fds.clear();
        std::mem::take(&mut p.batch)
    }

    /// Gives a consumed batch's buffers back for the next batch, so a steady stream of
    /// small batches does not allocate (and, for the data buffer, map and unmap) a
    /// fresh 256 KiB each time. Kept only if nothing has been pushed meanwhile, and
    /// only up to the usual capacity: one oversized batch does not stay oversized.
    pub fn recycle(&self, mut batch: Batch) {
        batch.records.clear();
        batch.data.clear();
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if p.batch.records.capacity() == 0 && batch.records.capacity() <= RECYCLE_RECORDS_LIMIT {
            p.batch.records = batch.records;
        }
        if p.batch.data.capacity() == 0 && batch.data.capacity() <= BATCH_DATA_CAPACITY * 2 {
            p.batch.data = batch.data;
        }
    }
}

impl Drop for EventSink {
    fn drop(&mut self) {
        let p = self.pending.get_mut().unwrap_or_else(|e| e.into_inner());
        for fd in p.fds.drain(..) {
            crate::sys::close_fd(fd);
        }
    }
}

/// Lets a waker be shared: the reactor holds one `Arc`, its creator another.
impl<T: Wake + ?Sized> Wake for std::sync::Arc<T> {
    fn wake(&self) {
        (**self).wake();
    }
}

/// The batch's unsafe paths (`set_len` over kernel-filled room, a slice over a
/// caller's `MaybeUninit` buffer) with a fake read in place of the syscall, so that
/// Miri can check them: it runs no socket `recv` (`scripts/sanitize.sh`).
#[cfg(test)]
mod tests {
    use super::{EventSink, Wake};
    use crate::event::{EventKind, DATA_OWN};
    use std::mem::MaybeUninit;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[derive(Default)]
    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(&self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A stand-in for `recv`: writes `bytes` at the start of `buf`, reports how many.
    fn fill(buf: &mut [MaybeUninit<u8>], bytes: &[u8]) -> std::io::Result<usize> {
        for (slot, b) in buf.iter_mut().zip(bytes) {
            slot.write(*b);
        }
        Ok(bytes.len().min(buf.len()))
    }

    #[test]
    fn reads_into_the_batch_keep_their_bytes_and_order() {
        let wakes = Arc::new(Count::default());
        let sink = EventSink::new(Box::new(wakes.clone()));
        let mut fds = Vec::new();
        assert_eq!(sink.read_into(1, 8, &mut fds, |buf, _| fill(buf, b"hello")).unwrap(), 5);
        // Nothing read, or an error: no record, no bytes.
        assert_eq!(sink.read_into(1, 8, &mut fds, |buf, _| fill(buf, b"")).unwrap(), 0);
        assert!(sink.read_into(1, 8, &mut fds, |_, _| Err(std::io::ErrorKind::WouldBlock.into())).is_err());
        // Past the first batch's reserved room (256 KiB), so the data buffer grows
        // under bytes already set.
        let big = vec![9u8; 300 * 1024];
        assert_eq!(sink.read_into(2, big.len(), &mut fds, |buf, _| fill(buf, &big)).unwrap(), big.len());
        let batch = sink.take();
        assert_eq!(batch.records, [1, EventKind::Data as i32, 5, 0, 2, EventKind::Data as i32, big.len() as i32, 0]);
        assert_eq!(&batch.data[..5], b"hello");
        assert!(batch.data[5..] == big[..]);
        assert_eq!(wakes.0.load(Ordering::SeqCst), 1, "one wake-up per batch");
        // Recycled room is reused, then filled again from its start.
        sink.recycle(batch);
        assert_eq!(sink.read_into(3, 4, &mut fds, |buf, _| fill(buf, b"abc")).unwrap(), 3);
        assert_eq!(sink.take().data, b"abc");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reads_on_the_consumers_thread_copy_short_chunks_and_own_long_ones() {
        let sink = EventSink::new(Box::new(Count::default()));
        let mut fds = Vec::new();
        let mut buf = [MaybeUninit::<u8>::uninit(); 16];
        // Short of `own_from`: copied into the batch from the buffer's initialized part.
        let read = sink.read_own_quiet(7, &mut buf, 8, &mut fds, |b, _| fill(b, b"tiny")).unwrap();
        assert_eq!(read, (4, false));
        // At least `own_from`: left in the caller's buffer, named by a DATA_OWN record.
        let read = sink.read_own_quiet(7, &mut buf, 8, &mut fds, |b, _| fill(b, b"0123456789")).unwrap();
        assert_eq!(read, (10, true));
        let batch = sink.take();
        assert_eq!(batch.records, [7, EventKind::Data as i32, 4, 0, 7, EventKind::Data as i32, 10, DATA_OWN]);
        assert_eq!(batch.data, b"tiny");
    }
}
