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

struct Pending {
    batch: Batch,
    /// A wake-up was sent and the consumer has not taken the batch since.
    woken: bool,
    /// Descriptors named by `Fd` records in `batch`: the sink owns them until the batch
    /// is taken, and closes them if it never is (env teardown), so none leaks.
    fds: Vec<i32>,
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
        self.push_with_data(id, kind, a, b, &[], false);
    }

    /// A received descriptor; ownership passes to whoever takes the batch.
    pub fn push_fd(&self, id: u32, fd: i32) {
        self.push_with_data(id, EventKind::Fd, fd, 0, &[], true);
    }

    pub fn data(&self, id: u32, bytes: &[u8]) {
        self.push_with_data(id, EventKind::Data, bytes.len() as i32, 0, bytes, false);
    }

    fn push_with_data(&self, id: u32, kind: EventKind, a: i32, b: i32, bytes: &[u8], owns_fd: bool) {
        let must_wake = {
            // A poisoned lock only means another pusher panicked mid-push; the vectors
            // are still valid, so keep going rather than spread the panic.
            let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            p.batch.records.extend_from_slice(&[id as i32, kind as i32, a, b]);
            p.batch.data.extend_from_slice(bytes);
            if owns_fd {
                p.fds.push(a);
            }
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
