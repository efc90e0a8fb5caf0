//! The few raw operations the reactor makes on a socket it does not hold as a typed
//! object: from the JS thread (first write, socket options, addresses) under a handle's
//! lock, plus what differs per platform.
//!
//! * `unix`    — Linux, macOS, the BSDs: descriptors, SCM_RIGHTS, `uv_guess_handle`.
//! * `windows` — Winsock sockets and named pipes; no descriptor passing.
//!
//! Both expose the same names: [`OsHandle`] (what a live socket is reached by from the
//! JS thread), [`PassedFd`] (a descriptor queued for passing), `errno_of`, and the
//! socket-option calls. What one platform cannot do fails there with the error
//! node:net gives on it (ENOTSUP on Windows for descriptor passing).

use std::io;

use crate::stream::SockAddr;

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::*;

/// The options rsnet sets, as the kernel reports them (for tests and diagnostics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketOptions {
    pub no_delay: bool,
    pub keep_alive: bool,
    /// Seconds of idle before the first keepalive probe.
    pub keep_alive_idle_secs: u32,
}

fn to_sock_addr(addr: socket2::SockAddr) -> io::Result<SockAddr> {
    if let Some(ip) = addr.as_socket() {
        return Ok(SockAddr::Ip(ip));
    }
    #[cfg(unix)]
    if addr.is_unix() {
        let path = addr
            .as_pathname()
            .map(|p| p.to_string_lossy().into_owned())
            .or_else(|| addr.as_abstract_namespace().map(|n| format!("\0{}", String::from_utf8_lossy(n))))
            .unwrap_or_default();
        return Ok(SockAddr::Unix(path));
    }
    Err(io::Error::from(io::ErrorKind::Unsupported))
}
