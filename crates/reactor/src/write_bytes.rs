//! The bytes of a queued write: owned by the reactor, or lent by JS.
//!
//! Why lend: a write the kernel does not take at once waits in the conn task's queue.
//! Copying it there costs a pass over every byte on the JS thread, which for a busy
//! proxy is most of what it does besides the syscalls. libuv never copies: its write
//! request keeps the caller's buffer until the write callback. A lent write does the
//! same: JS keeps the Buffer alive (and node:net's users already leave a buffer alone
//! until its write callback), the task writes from it in place.

/// Bytes a JS Buffer lends to one write request. Only a pointer and a length: the
/// memory is owned by a JS object that JS keeps alive (see `Conn::write_lent`).
pub(crate) struct LentBytes {
    ptr: *const u8,
    len: usize,
}

// SAFETY: the bytes are only read, by whichever thread runs the conn task, and the
// lender keeps them valid and unchanged until the request is over (`Conn::write_lent`).
unsafe impl Send for LentBytes {}

impl LentBytes {
    /// # Safety
    /// `bytes` must stay valid and unchanged until the write request it goes into is
    /// over: its `WriteDone` event, or the socket's `Closed` event.
    pub(crate) unsafe fn new(bytes: &[u8]) -> LentBytes {
        LentBytes { ptr: bytes.as_ptr(), len: bytes.len() }
    }
}

pub(crate) enum WriteBytes {
    Owned(Vec<u8>),
    Lent(LentBytes),
}

impl WriteBytes {
    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            WriteBytes::Owned(v) => v,
            // SAFETY: valid and unchanged while the request is queued (`LentBytes::new`),
            // and a queued segment is dropped no later than its request ends.
            WriteBytes::Lent(l) => unsafe { std::slice::from_raw_parts(l.ptr, l.len) },
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            WriteBytes::Owned(v) => v.len(),
            WriteBytes::Lent(l) => l.len,
        }
    }
}

impl Default for WriteBytes {
    fn default() -> Self {
        WriteBytes::Owned(Vec::new())
    }
}

/// A lent write is a raw pointer turned back into a slice on the conn task's thread:
/// checked under Miri (`scripts/sanitize.sh`), which runs this without sockets.
#[cfg(test)]
mod tests {
    use super::{LentBytes, WriteBytes};

    #[test]
    fn lent_bytes_read_back_as_lent_on_another_thread() {
        let buffer = b"lent by JS".to_vec();
        // SAFETY: `buffer` outlives `lent` and is not changed while it is queued.
        let lent = WriteBytes::Lent(unsafe { LentBytes::new(&buffer[5..]) });
        let (len, bytes) = std::thread::scope(|s| s.spawn(move || (lent.len(), lent.as_slice().to_vec())).join().unwrap());
        assert_eq!((len, bytes.as_slice()), (5, &b"by JS"[..]));
        let owned = WriteBytes::Owned(b"own".to_vec());
        assert_eq!((owned.len(), owned.as_slice()), (3, &b"own"[..]));
        assert_eq!(WriteBytes::default().len(), 0);
    }
}
