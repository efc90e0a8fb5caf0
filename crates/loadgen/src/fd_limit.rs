//! Raising this process's open-file limit to what the system allows.
//!
//! The idle-connections scenario holds 10 000 sockets and bulk-1000c echoes on 1 000,
//! and a soft `RLIMIT_NOFILE` of 1024 is a common default even where the hard limit is
//! far higher. Raising soft to
//! hard needs no privilege. The two calls are declared here rather than taken from the
//! `libc` crate: they are the only foreign functions the load generator needs, and std
//! already links the C library that provides them.

use std::io;

#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
mod sys {
    /// `struct rlimit` with `rlim_t` = `unsigned long`, as on every 64-bit Linux ABI.
    #[repr(C)]
    pub struct RLimit {
        pub cur: u64,
        pub max: u64,
    }
    pub const RLIMIT_NOFILE: i32 = 7;
    extern "C" {
        pub fn getrlimit(resource: i32, limit: *mut RLimit) -> i32;
        pub fn setrlimit(resource: i32, limit: *const RLimit) -> i32;
    }
}

/// Raises the soft limit on open files to the hard limit; returns the soft limit now in
/// force (`None` where this build cannot tell).
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
pub fn raise() -> io::Result<Option<u64>> {
    let mut limit = sys::RLimit { cur: 0, max: 0 };
    // SAFETY: `limit` is a valid, writable `struct rlimit` for the duration of the call.
    if unsafe { sys::getrlimit(sys::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(io::Error::last_os_error());
    }
    if limit.cur < limit.max {
        let raised = sys::RLimit {
            cur: limit.max,
            max: limit.max,
        };
        // SAFETY: `raised` is a valid `struct rlimit` for the duration of the call.
        if unsafe { sys::setrlimit(sys::RLIMIT_NOFILE, &raised) } != 0 {
            return Err(io::Error::last_os_error());
        }
        limit.cur = limit.max;
    }
    Ok(Some(limit.cur))
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
pub fn raise() -> io::Result<Option<u64>> {
    Ok(None)
}
