//! Out of descriptors while accepting (EMFILE, ENFILE). Match libuv (`uv__emfile_trick`):
//! one descriptor is kept in reserve; when accept fails for want of descriptors, the
//! reserve is closed, the connections waiting in the backlog are accepted and closed at
//! once (their clients hear of it now, rather than waiting in a backlog nobody drains),
//! and the reserve is taken again. The server sees no error then, as node:net's does
//! not; accepting goes on by itself with the next connection, as descriptors free up.
//!
//! Better than libuv, which gives the server the error when it has no reserve (it could
//! not take one back): here the error never reaches the server. Other threads open
//! descriptors too (the JS thread), so one may take the descriptor freed between the
//! close and the reopen; a server with no 'error' listener then died in 1 of about 20
//! loaded runs of `e2e-fd-limit`. Without a reserve the accept loop rests 50 ms
//! (`ACCEPT_ERROR_BACKOFF`) and takes one again: the backlog waits meanwhile, nothing
//! spins.
#![cfg(unix)]

use std::fs::File;
use std::io;
use std::os::fd::RawFd;
use std::sync::Mutex;

/// The reserve: one descriptor for the whole process, as libuv keeps one per loop.
static RESERVE: Mutex<Option<File>> = Mutex::new(None);

fn reserve() -> std::sync::MutexGuard<'static, Option<File>> {
    RESERVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Takes the reserve descriptor if there is none yet (when a server starts listening).
pub(crate) fn ensure_reserve() {
    let mut r = reserve();
    if r.is_none() {
        *r = File::open("/").ok();
    }
}

/// Whether `e` is running out of descriptors.
pub(crate) fn is_out_of_descriptors(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EMFILE) | Some(libc::ENFILE))
}

/// The trick: true if the backlog of `listener` was drained; false if there was no
/// reserve to spend.
pub(crate) fn drain_backlog(listener: RawFd) -> bool {
    let mut r = reserve();
    if r.take().is_none() {
        return false;
    }
    loop {
        // SAFETY: `listener` is the caller's open listening socket; no address is asked.
        // (Plain accept: the descriptor is closed at once, so close-on-exec is moot.)
        let fd = unsafe { libc::accept(listener, std::ptr::null_mut(), std::ptr::null_mut()) };
        if fd >= 0 {
            // SAFETY: a descriptor accept4 just made, owned by nobody else.
            unsafe { libc::close(fd) };
            continue;
        }
        if io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            continue;
        }
        break;
    }
    *r = File::open("/").ok();
    true
}
