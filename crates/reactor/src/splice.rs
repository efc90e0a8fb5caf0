//! Linux: the native pipe's bytes go through a kernel pipe with splice(2), so they never
//! enter this process's memory: the source's task splices socket → pipe, the
//! destination's task splices pipe → socket. The chunks sent between the two tasks carry
//! only a length; their order in the destination's queue is their order in the pipe.
//!
//! Used for TCP sources only: a Unix socket may carry descriptors (SCM_RIGHTS), which
//! splice would drop, so those take the buffer path.
//!
//! A chunk the destination drops unwritten (its write failed, or it closed) leaves its
//! bytes in the pipe, ahead of any later chunk's: the pipe is then `broken` and the
//! source stops using it. Those bytes were bound for a socket that can no longer take
//! them, as node:net's writes to a destroyed socket are lost.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};

/// The pipe size asked for: the read credit (256 KiB), so a full credit's worth fits.
/// The kernel may refuse (a user's pipe-buffer quota); the pipe then keeps its default
/// size and the source backs off when it is full (see `full`).
const PIPE_SIZE: i32 = 256 * 1024;

pub(crate) struct KernelPipe {
    read: OwnedFd,
    write: OwnedFd,
    /// The source found the pipe full (it holds pages, not bytes: partly filled pages
    /// can fill it before the credit runs out) and waits for the destination to drain
    /// some. The destination clears it and wakes the source.
    pub full: AtomicBool,
    /// A chunk was dropped unwritten; see the module comment.
    pub broken: AtomicBool,
}

impl KernelPipe {
    pub fn new() -> io::Result<KernelPipe> {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors pipe2 writes.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: pipe2 just created both descriptors; each is owned once, here.
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        // SAFETY: F_SETPIPE_SZ only resizes the pipe; failure leaves it as it was.
        let _ = unsafe { libc::fcntl(write.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_SIZE) };
        Ok(KernelPipe { read, write, full: AtomicBool::new(false), broken: AtomicBool::new(false) })
    }

    /// Moves up to `max` bytes from the socket `src` into the pipe. WouldBlock means
    /// the socket is empty or the pipe is full (the caller tells which).
    pub fn fill_from(&self, src: RawFd, max: usize) -> io::Result<usize> {
        splice(src, self.write.as_raw_fd(), max)
    }

    /// Moves up to `max` bytes from the pipe into `dst`.
    pub fn drain_to(&self, dst: RawFd, max: usize) -> io::Result<usize> {
        splice(self.read.as_raw_fd(), dst, max)
    }
}

fn splice(from: RawFd, to: RawFd, max: usize) -> io::Result<usize> {
    // SAFETY: splice only moves data between the two descriptors, which the callers
    // keep open for the call; null offsets mean "current position" (sockets, pipes).
    let n = unsafe {
        libc::splice(from, std::ptr::null_mut(), to, std::ptr::null_mut(), max, libc::SPLICE_F_MOVE | libc::SPLICE_F_NONBLOCK)
    };
    if n < 0 { Err(io::Error::last_os_error()) } else { Ok(n as usize) }
}

/// Whether `fd` (a socket, or a pipe's read end) has bytes waiting: to tell "pipe
/// full" from "socket empty" after a splice that would block.
pub(crate) fn has_pending_input(fd: RawFd) -> bool {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int; `fd` is open (the caller's stream).
    unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) == 0 && n > 0 }
}

impl KernelPipe {
    /// Whether bytes wait in the pipe (so the destination has draining to do, and will
    /// clear `full`).
    pub fn has_bytes(&self) -> bool {
        has_pending_input(self.read.as_raw_fd())
    }

    /// Called by the destination after draining: if the source backed off because the
    /// pipe was full, it may splice again.
    pub fn drained(&self) -> bool {
        self.full.swap(false, Ordering::AcqRel)
    }
}
