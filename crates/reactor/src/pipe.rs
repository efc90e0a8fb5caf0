//! The native pipe: `a.pipe(b)` between two rsnet sockets, with the bytes moving from
//! `a` to `b` inside the reactor and never reaching JavaScript.
//!
//! How it fits the rest: `a`'s task reads as usual, under `a`'s read credit, but hands
//! each chunk to `b`'s task as a [`ConnCmd::Piped`] instead of to the event batch.
//! `b`'s task writes it in order with everything else queued on `b` (JS writes,
//! `end()`), and when it is written, or dropped unwritten, returns the credit to `a`.
//! So back-pressure is exact (`a` reads no more than the credit while `b` is slow), and
//! every control event (EOF, errors, close) still goes to JS, whose stream machinery
//! ends, unpipes and reports exactly as for an ordinary pipe.
//!
//! Switching in and out never reorders bytes:
//! * in: [`Conn::pipe_to`] succeeds only when every byte `a` has read is already in JS's
//!   hands (`inflight == 0`), and reads happen under the same lock, so no chunk read
//!   before the switch can arrive at `b` after one read after it;
//! * out: [`Conn::unpipe`] takes the same lock; chunks already handed to `b` count in
//!   `b`'s `queued_writes`, so a JS write to `b` afterwards queues behind them.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::conn::{Conn, ConnCmd};
#[cfg(target_os = "linux")]
use crate::splice::KernelPipe;

/// Where a piped socket's bytes go: the destination, and on Linux the kernel pipe the
/// bytes travel through (made by the source's task on its first TCP read).
pub(crate) struct PipeRoute {
    pub dest: Arc<Conn>,
    #[cfg(target_os = "linux")]
    pub kernel: Option<Arc<KernelPipe>>,
}

/// One chunk read from a piped source, on its way to the destination's task. Owns the
/// source's read credit for its bytes: however the chunk ends (written, discarded after
/// a write error, dropped with a closing task), the credit goes back, so the source
/// never stalls on bytes that are gone.
pub(crate) struct PipedChunk {
    /// The bytes, or empty when they wait in `kernel`.
    pub bytes: Vec<u8>,
    pub source: Arc<Conn>,
    credit: usize,
    /// Set when the destination has written the chunk.
    written: bool,
    #[cfg(target_os = "linux")]
    pub kernel: Option<Arc<KernelPipe>>,
}

impl PipedChunk {
    pub fn new(bytes: Vec<u8>, source: Arc<Conn>) -> PipedChunk {
        let credit = bytes.len();
        PipedChunk {
            bytes,
            source,
            credit,
            written: false,
            #[cfg(target_os = "linux")]
            kernel: None,
        }
    }

    /// `len` bytes that wait in `kernel`, in order after every earlier chunk's.
    #[cfg(target_os = "linux")]
    pub fn spliced(len: usize, source: Arc<Conn>, kernel: Arc<KernelPipe>) -> PipedChunk {
        PipedChunk { bytes: Vec::new(), source, credit: len, written: false, kernel: Some(kernel) }
    }

    /// The destination wrote the whole chunk.
    pub fn complete(mut self) {
        self.written = true;
    }

    /// Takes the bytes to write; the chunk keeps the credit until it is dropped.
    pub fn take_bytes(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.bytes)
    }

    /// Bytes of source credit this chunk holds.
    pub fn len(&self) -> usize {
        self.credit
    }

    /// Takes the bytes back without returning credit: they will reach JS as an
    /// ordinary `Data` event instead, whose consumption returns it.
    pub fn into_unsent(mut self) -> Vec<u8> {
        self.credit = 0;
        std::mem::take(&mut self.bytes)
    }
}

impl Drop for PipedChunk {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if let (Some(kernel), false) = (&self.kernel, self.written) {
            // Its bytes stay in the pipe, ahead of any later chunk's (see `splice`).
            kernel.broken.store(true, Ordering::Release);
        }
        if self.credit > 0 {
            self.source.consumed(self.credit);
        }
    }
}

impl Conn {
    /// Starts moving this socket's incoming bytes to `dest` natively. Refused (false)
    /// while bytes this socket read are still on their way to JS: JS must see them
    /// first, or they would reach `dest` after later ones. Refused, the pipe is
    /// *wanted*: the task then reads no further ahead of JS than one turn, so that
    /// JS, once it has taken that turn's bytes, finds none in flight and its next try
    /// succeeds. (Reading up to the full credit ahead, a busy source almost never had
    /// nothing in flight when JS tried, and the pipe could stay on the stream path for
    /// a whole transfer.)
    pub fn pipe_to(&self, dest: &Arc<Conn>) -> bool {
        self.pipe_to_after_consumed(dest, 0)
    }

    /// `consumed(n)` and then `pipe_to(dest)` as one step: the task's reads take the
    /// same lock, so it cannot read the next chunk between the two (with a pipe wanted
    /// it reads as soon as nothing is in flight, and the switch then found that chunk
    /// in flight; under load a whole transfer could pass without one success).
    pub fn pipe_to_after_consumed(&self, dest: &Arc<Conn>, consumed: usize) -> bool {
        let mut target = self.pipe_guard();
        if consumed > 0 {
            self.consumed(consumed);
        }
        if self.shared.inflight.load(Ordering::Acquire) != 0 {
            self.shared.pipe_wanted.store(true, Ordering::Release);
            return false;
        }
        self.shared.pipe_wanted.store(false, Ordering::Release);
        *target = Some(PipeRoute {
            dest: dest.clone(),
            #[cfg(target_os = "linux")]
            kernel: None,
        });
        // No wake-up: the task looks the route up at each read.
        drop(target);
        true
    }

    /// Stops the native pipe; bytes read from now on go to JS again. Returns once no
    /// read is diverting (reads take the same lock).
    pub fn unpipe(&self) {
        self.pipe_guard().take();
        self.give_up_pipe();
    }

    /// No native pipe is wanted any more (unpipe, or JS reads the socket itself).
    pub fn give_up_pipe(&self) {
        if self.shared.pipe_wanted.swap(false, Ordering::AcqRel) {
            self.shared.wake.raise();
        }
    }

    /// Bytes this socket read and sent down a native pipe (JS adds them to
    /// `bytesRead`).
    pub fn piped_in(&self) -> u64 {
        self.shared.piped_in.load(Ordering::Relaxed)
    }

    /// Bytes this socket wrote that came from a native pipe (JS adds them to
    /// `bytesWritten`).
    pub fn piped_out(&self) -> u64 {
        self.shared.piped_out.load(Ordering::Relaxed)
    }

    /// Hands one chunk to this (destination) socket's task, counted as a queued write
    /// first so a JS write cannot overtake it. Gives the chunk back if the task is gone
    /// (the socket closed).
    pub(crate) fn send_piped(&self, chunk: PipedChunk) -> Result<(), Option<PipedChunk>> {
        self.shared.queued_writes.fetch_add(1, Ordering::AcqRel);
        match self.try_send(ConnCmd::Piped(Box::new(chunk))) {
            Ok(()) => Ok(()),
            Err(cmd) => {
                self.shared.queued_writes.fetch_sub(1, Ordering::AcqRel);
                match cmd {
                    ConnCmd::Piped(chunk) => Err(Some(*chunk)),
                    _ => Err(None),
                }
            }
        }
    }
}
