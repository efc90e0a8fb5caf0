//! The few raw syscalls the reactor makes on a descriptor it does not hold as a typed
//! object: from the JS thread (first write, socket options, addresses) under a handle's
//! `fd` lock.

use std::io::{self, IoSlice};
use std::net::Shutdown;
use std::os::fd::{BorrowedFd, RawFd};
use std::time::Duration;

use socket2::SockRef;

use crate::stream::SockAddr;

/// Borrows a raw descriptor for the length of one call.
///
/// # Safety
/// `fd` must be open for the whole lifetime of the returned borrow; callers hold the
/// owning handle's `fd` lock, which the reactor takes before closing.
unsafe fn borrow(fd: RawFd) -> BorrowedFd<'static> {
    // SAFETY: the caller guarantees `fd` stays open while the borrow is used.
    unsafe { BorrowedFd::borrow_raw(fd) }
}

/// `sendmsg` without SIGPIPE: a write to a reset connection must come back as EPIPE,
/// not kill the process (Match node:net: Node ignores SIGPIPE for the same reason).
///
/// # Safety
/// `fd` must be an open socket for the duration of the call (see [`borrow`]).
pub unsafe fn send_vectored(fd: RawFd, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    // SAFETY: the caller keeps `fd` open; `SockRef` only borrows it.
    let fd = unsafe { borrow(fd) };
    let sock = SockRef::from(&fd);
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
    let flags = libc::MSG_NOSIGNAL;
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
    let flags = 0; // macOS: SO_NOSIGPIPE is set on the socket when it is created.
    sock.send_vectored_with_flags(bufs, flags)
}

/// # Safety
/// `fd` must be an open socket for the duration of the call.
pub unsafe fn set_nodelay(fd: RawFd, on: bool) -> io::Result<()> {
    // SAFETY: see the function's contract.
    let fd = unsafe { borrow(fd) };
    let sock = SockRef::from(&fd);
    sock.set_tcp_nodelay(on)
}

/// Match node:net: `setKeepAlive(true, delay)` sets SO_KEEPALIVE and, when `delay_secs`
/// is non-zero, the idle time before the first probe (libuv does the same).
///
/// # Safety
/// `fd` must be an open socket for the duration of the call.
pub unsafe fn set_keepalive(fd: RawFd, on: bool, delay_secs: u32) -> io::Result<()> {
    // SAFETY: see the function's contract.
    let fd = unsafe { borrow(fd) };
    let sock = SockRef::from(&fd);
    sock.set_keepalive(on)?;
    if on && delay_secs > 0 {
        let ka = socket2::TcpKeepalive::new().with_time(Duration::from_secs(delay_secs as u64));
        sock.set_tcp_keepalive(&ka)?;
    }
    Ok(())
}

/// # Safety
/// `fd` must be an open socket for the duration of the call.
pub unsafe fn local_addr(fd: RawFd) -> io::Result<SockAddr> {
    // SAFETY: see the function's contract.
    let fd = unsafe { borrow(fd) };
    let sock = SockRef::from(&fd);
    to_sock_addr(sock.local_addr()?)
}

/// # Safety
/// `fd` must be an open socket for the duration of the call.
pub unsafe fn peer_addr(fd: RawFd) -> io::Result<SockAddr> {
    // SAFETY: see the function's contract.
    let fd = unsafe { borrow(fd) };
    let sock = SockRef::from(&fd);
    to_sock_addr(sock.peer_addr()?)
}

/// Stops a listening socket from completing new connections before its task gets round
/// to closing it. On Linux, `shutdown` on a listener resets its queue and refuses new
/// SYNs at once, so `server.close()` is synchronous as it is in node:net; elsewhere the
/// call fails harmlessly and the reactor's close follows a moment later.
///
/// # Safety
/// `fd` must be an open socket for the duration of the call.
pub unsafe fn stop_listening(fd: RawFd) {
    // SAFETY: see the function's contract.
    let fd = unsafe { borrow(fd) };
    let sock = SockRef::from(&fd);
    let _ = sock.shutdown(Shutdown::Read);
}

/// # Safety
/// `fd` must be an open socket for the duration of the call.
pub unsafe fn shutdown_write(fd: RawFd) -> io::Result<()> {
    // SAFETY: see the function's contract.
    let fd = unsafe { borrow(fd) };
    let sock = SockRef::from(&fd);
    sock.shutdown(Shutdown::Write)
}

/// Makes the next close send RST instead of FIN (`resetAndDestroy()`).
///
/// # Safety
/// `fd` must be an open socket for the duration of the call.
pub unsafe fn set_linger_zero(fd: RawFd) -> io::Result<()> {
    // SAFETY: see the function's contract.
    let fd = unsafe { borrow(fd) };
    let sock = SockRef::from(&fd);
    sock.set_linger(Some(Duration::ZERO))
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

/// The positive OS errno of an error, or EIO for errors that carry none.
pub fn errno_of(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(libc::EIO)
}

/// The options rsnet sets, as the kernel reports them (for tests and diagnostics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketOptions {
    pub no_delay: bool,
    pub keep_alive: bool,
    /// Seconds of idle before the first keepalive probe.
    pub keep_alive_idle_secs: u32,
}

/// # Safety
/// `fd` must be an open TCP socket for the duration of the call.
pub unsafe fn socket_options(fd: RawFd) -> io::Result<SocketOptions> {
    // SAFETY: see the function's contract.
    let fd = unsafe { borrow(fd) };
    let sock = SockRef::from(&fd);
    Ok(SocketOptions {
        no_delay: sock.tcp_nodelay()?,
        keep_alive: sock.keepalive()?,
        keep_alive_idle_secs: sock.tcp_keepalive_time()?.as_secs() as u32,
    })
}
