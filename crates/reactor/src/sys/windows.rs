//! Windows: Winsock sockets reached through socket2, and named pipes, which tokio owns
//! outright (overlapped I/O: nothing may read or write them behind its back).
//!
//! There are no descriptors to pass or adopt here: `new Socket({ fd })`,
//! `listen({ fd })` and `write(data, fd)` fail with ENOTSUP, where node:net on
//! Windows has no equivalent for a socket either.
//!
//! Errors are reported as libuv's own negative numbers (`UV_ECONNREFUSED` is -4078 on
//! Windows), because Windows error codes have no POSIX errno to negate; the JS side
//! passes negative numbers through unchanged (`toUvErrno` in src/errors.ts).

use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::net::Shutdown;
use std::os::windows::io::{BorrowedSocket, RawSocket};
use std::time::Duration;

use socket2::SockRef;

use super::{to_sock_addr, SocketOptions};
use crate::stream::SockAddr;

/// What the JS thread reaches a live socket by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OsHandle {
    /// A Winsock socket: socket options, addresses and a first write work on it.
    Socket(RawSocket),
    /// A named pipe, held by tokio for overlapped I/O. Its `HANDLE` as an integer (raw
    /// handles are pointers, which are not `Send`); only reported, never used for I/O.
    Pipe(usize),
}

/// A descriptor queued for passing. Windows has none: the type has no values, so the
/// code that would send one is statically unreachable here.
pub enum PassedFd {}

/// The number `socket._handle.fd` shows. Match node:net: -1 on Windows, where a
/// handle is not a CRT descriptor.
pub fn js_fd(_h: OsHandle) -> i32 {
    -1
}

// Winsock and Win32 error codes (winerror.h), only the ones rsnet meets or raises.
const ERROR_FILE_NOT_FOUND: i32 = 2;
const ERROR_PATH_NOT_FOUND: i32 = 3;
const ERROR_ACCESS_DENIED: i32 = 5;
const ERROR_INVALID_HANDLE: i32 = 6;
const ERROR_NOT_ENOUGH_MEMORY: i32 = 8;
const ERROR_NETNAME_DELETED: i32 = 64;
const ERROR_INVALID_PARAMETER: i32 = 87;
const ERROR_BROKEN_PIPE: i32 = 109;
const ERROR_SEM_TIMEOUT: i32 = 121;
const ERROR_INVALID_NAME: i32 = 123;
const ERROR_BAD_PIPE: i32 = 230;
pub(crate) const ERROR_PIPE_BUSY: i32 = 231;
const ERROR_NO_DATA: i32 = 232;
const ERROR_PIPE_NOT_CONNECTED: i32 = 233;
const ERROR_OPERATION_ABORTED: i32 = 995;
const ERROR_CONNECTION_REFUSED: i32 = 1225;
const WSAEINTR: i32 = 10004;
const WSAEBADF: i32 = 10009;
const WSAEACCES: i32 = 10013;
const WSAEFAULT: i32 = 10014;
const WSAEINVAL: i32 = 10022;
const WSAEMFILE: i32 = 10024;
const WSAEWOULDBLOCK: i32 = 10035;
const WSAEALREADY: i32 = 10037;
const WSAENOTSOCK: i32 = 10038;
const WSAEMSGSIZE: i32 = 10040;
const WSAEPROTONOSUPPORT: i32 = 10043;
const WSAEOPNOTSUPP: i32 = 10045;
const WSAEAFNOSUPPORT: i32 = 10047;
const WSAEADDRINUSE: i32 = 10048;
const WSAEADDRNOTAVAIL: i32 = 10049;
const WSAENETDOWN: i32 = 10050;
const WSAENETUNREACH: i32 = 10051;
const WSAECONNABORTED: i32 = 10053;
const WSAECONNRESET: i32 = 10054;
const WSAENOBUFS: i32 = 10055;
const WSAEISCONN: i32 = 10056;
const WSAENOTCONN: i32 = 10057;
const WSAESHUTDOWN: i32 = 10058;
const WSAETIMEDOUT: i32 = 10060;
const WSAECONNREFUSED: i32 = 10061;
const WSAEHOSTDOWN: i32 = 10064;
const WSAEHOSTUNREACH: i32 = 10065;

// libuv's error numbers on Windows (uv/errno.h: they are fixed there, since Windows
// has no errno for most of them).
const UV_EACCES: i32 = -4092;
const UV_EADDRINUSE: i32 = -4091;
const UV_EADDRNOTAVAIL: i32 = -4090;
const UV_EAFNOSUPPORT: i32 = -4089;
const UV_EAGAIN: i32 = -4088;
const UV_EALREADY: i32 = -4084;
const UV_EBADF: i32 = -4083;
const UV_EBUSY: i32 = -4082;
const UV_ECANCELED: i32 = -4081;
const UV_ECONNABORTED: i32 = -4079;
const UV_ECONNREFUSED: i32 = -4078;
const UV_ECONNRESET: i32 = -4077;
const UV_EFAULT: i32 = -4074;
const UV_EHOSTUNREACH: i32 = -4073;
const UV_EINVAL: i32 = -4071;
const UV_EIO: i32 = -4070;
const UV_EISCONN: i32 = -4069;
const UV_EMFILE: i32 = -4066;
const UV_EMSGSIZE: i32 = -4065;
const UV_ENETDOWN: i32 = -4063;
const UV_ENETUNREACH: i32 = -4062;
const UV_ENOBUFS: i32 = -4060;
const UV_ENOENT: i32 = -4058;
const UV_ENOMEM: i32 = -4057;
const UV_ENOTCONN: i32 = -4053;
const UV_ENOTSOCK: i32 = -4050;
const UV_ENOTSUP: i32 = -4049;
const UV_EPERM: i32 = -4048;
const UV_EPIPE: i32 = -4047;
const UV_EPROTONOSUPPORT: i32 = -4045;
const UV_ETIMEDOUT: i32 = -4039;
const UV_EHOSTDOWN: i32 = -4031;

/// The libuv error number of an error (negative), as `uv_translate_sys_error` would
/// give it on Windows for the codes sockets and pipes produce.
pub fn errno_of(e: &io::Error) -> i32 {
    let Some(code) = e.raw_os_error() else {
        return match e.kind() {
            io::ErrorKind::WouldBlock => UV_EAGAIN,
            io::ErrorKind::Unsupported => UV_ENOTSUP,
            io::ErrorKind::InvalidInput => UV_EINVAL,
            _ => UV_EIO,
        };
    };
    match code {
        ERROR_FILE_NOT_FOUND | ERROR_PATH_NOT_FOUND | ERROR_INVALID_NAME => UV_ENOENT,
        // Match libuv: a plain ERROR_ACCESS_DENIED is EPERM; the pipe-name-in-use case
        // is turned into EADDRINUSE where it happens (`listen_pipe`).
        ERROR_ACCESS_DENIED => UV_EPERM,
        ERROR_INVALID_HANDLE | WSAEBADF => UV_EBADF,
        ERROR_NOT_ENOUGH_MEMORY => UV_ENOMEM,
        ERROR_NETNAME_DELETED | WSAECONNRESET => UV_ECONNRESET,
        ERROR_INVALID_PARAMETER | WSAEINVAL => UV_EINVAL,
        ERROR_BROKEN_PIPE | ERROR_BAD_PIPE | ERROR_NO_DATA | ERROR_PIPE_NOT_CONNECTED | WSAESHUTDOWN => UV_EPIPE,
        ERROR_SEM_TIMEOUT | WSAETIMEDOUT => UV_ETIMEDOUT,
        ERROR_PIPE_BUSY => UV_EBUSY,
        ERROR_OPERATION_ABORTED | WSAEINTR => UV_ECANCELED,
        ERROR_CONNECTION_REFUSED | WSAECONNREFUSED => UV_ECONNREFUSED,
        WSAEACCES => UV_EACCES,
        WSAEFAULT => UV_EFAULT,
        WSAEMFILE => UV_EMFILE,
        WSAEWOULDBLOCK => UV_EAGAIN,
        WSAEALREADY => UV_EALREADY,
        WSAENOTSOCK => UV_ENOTSOCK,
        WSAEMSGSIZE => UV_EMSGSIZE,
        WSAEPROTONOSUPPORT => UV_EPROTONOSUPPORT,
        WSAEOPNOTSUPP => UV_ENOTSUP,
        WSAEAFNOSUPPORT => UV_EAFNOSUPPORT,
        WSAEADDRINUSE => UV_EADDRINUSE,
        WSAEADDRNOTAVAIL => UV_EADDRNOTAVAIL,
        WSAENETDOWN => UV_ENETDOWN,
        WSAENETUNREACH => UV_ENETUNREACH,
        WSAECONNABORTED => UV_ECONNABORTED,
        WSAENOBUFS => UV_ENOBUFS,
        WSAEISCONN => UV_EISCONN,
        WSAENOTCONN => UV_ENOTCONN,
        WSAEHOSTDOWN => UV_EHOSTDOWN,
        WSAEHOSTUNREACH => UV_EHOSTUNREACH,
        _ => UV_EIO,
    }
}

/// The errors the reactor raises itself, as Windows codes `errno_of` understands.
pub fn ebadf() -> io::Error {
    io::Error::from_raw_os_error(WSAEBADF)
}
pub fn enotsup() -> io::Error {
    io::Error::from_raw_os_error(WSAEOPNOTSUPP)
}
pub fn enotsock() -> io::Error {
    io::Error::from_raw_os_error(WSAENOTSOCK)
}
/// A pipe name taken by another server (`FILE_FLAG_FIRST_PIPE_INSTANCE` refused).
pub fn eaddrinuse() -> io::Error {
    io::Error::from_raw_os_error(WSAEADDRINUSE)
}
pub(crate) fn is_access_denied(e: &io::Error) -> bool {
    e.raw_os_error() == Some(ERROR_ACCESS_DENIED)
}
/// A named pipe's writer closed: for a reader that is the end of the stream, as libuv
/// reports it (UV_EOF), not an error.
pub(crate) fn is_broken_pipe(e: &io::Error) -> bool {
    e.raw_os_error() == Some(ERROR_BROKEN_PIPE)
}

/// Runs `f` on a socket borrowed for one call; a pipe has no socket options.
///
/// # Safety
/// A `Socket` handle must stay open for the duration of the call: callers hold the
/// owning handle's lock, which the reactor takes before closing.
unsafe fn with_socket<T>(h: OsHandle, f: impl FnOnce(SockRef<'_>) -> io::Result<T>) -> io::Result<T> {
    match h {
        OsHandle::Socket(raw) => {
            // SAFETY: the caller keeps the socket open for this call (see above).
            let borrowed = unsafe { BorrowedSocket::borrow_raw(raw) };
            f(SockRef::from(&borrowed))
        }
        OsHandle::Pipe(_) => Err(enotsup()),
    }
}

/// A first write from the JS thread. On a socket, a non-blocking `WSASend`; a named
/// pipe is written only by its task (overlapped I/O has one owner), so it reports
/// WouldBlock and the bytes are queued.
///
/// # Safety
/// As [`with_socket`].
pub unsafe fn send_vectored(h: OsHandle, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    match h {
        // SAFETY: the caller's contract.
        OsHandle::Socket(_) => unsafe { with_socket(h, |s| s.send_vectored(bufs)) },
        OsHandle::Pipe(_) => Err(io::Error::from(io::ErrorKind::WouldBlock)),
    }
}

/// # Safety
/// As [`with_socket`].
pub unsafe fn set_nodelay(h: OsHandle, on: bool) -> io::Result<()> {
    // SAFETY: the caller's contract.
    unsafe { with_socket(h, |s| s.set_tcp_nodelay(on)) }
}

/// Match node:net (libuv): SO_KEEPALIVE, and the idle time before the first probe
/// when `delay_secs` is non-zero.
///
/// # Safety
/// As [`with_socket`].
pub unsafe fn set_keepalive(h: OsHandle, on: bool, delay_secs: u32) -> io::Result<()> {
    // SAFETY: the caller's contract.
    unsafe {
        with_socket(h, |s| {
            s.set_keepalive(on)?;
            if on && delay_secs > 0 {
                s.set_tcp_keepalive(&socket2::TcpKeepalive::new().with_time(Duration::from_secs(delay_secs as u64)))?;
            }
            Ok(())
        })
    }
}

/// connect() once more on a connected socket (see the Unix one); a named pipe has no
/// such call, and is ENOTSUP.
///
/// # Safety
/// As [`with_socket`].
pub unsafe fn connect_again(h: OsHandle, to: &socket2::SockAddr) -> io::Result<()> {
    // SAFETY: the caller's contract.
    unsafe { with_socket(h, |s| s.connect(to)) }
}

/// # Safety
/// As [`with_socket`].
pub unsafe fn local_addr(h: OsHandle) -> io::Result<SockAddr> {
    // SAFETY: the caller's contract.
    unsafe { with_socket(h, |s| to_sock_addr(s.local_addr()?)) }
}

/// # Safety
/// As [`with_socket`].
pub unsafe fn peer_addr(h: OsHandle) -> io::Result<SockAddr> {
    // SAFETY: the caller's contract.
    unsafe { with_socket(h, |s| to_sock_addr(s.peer_addr()?)) }
}

/// # Safety
/// As [`with_socket`].
pub unsafe fn shutdown_write(h: OsHandle) -> io::Result<()> {
    // SAFETY: the caller's contract.
    unsafe { with_socket(h, |s| s.shutdown(Shutdown::Write)) }
}

/// Makes the next close send RST instead of FIN (`resetAndDestroy()`).
///
/// # Safety
/// As [`with_socket`].
pub unsafe fn set_linger_zero(h: OsHandle) -> io::Result<()> {
    // SAFETY: the caller's contract.
    unsafe { with_socket(h, |s| s.set_linger(Some(Duration::ZERO))) }
}

/// Not done on Windows, which ignores the type of service without policy changes.
///
/// # Safety
/// As [`with_socket`].
pub unsafe fn set_type_of_service(_h: OsHandle, _tos: u8) -> io::Result<()> {
    Err(enotsup())
}

/// # Safety
/// As [`with_socket`].
pub unsafe fn type_of_service(_h: OsHandle) -> io::Result<u8> {
    Err(enotsup())
}

/// # Safety
/// As [`with_socket`].
pub unsafe fn socket_options(h: OsHandle) -> io::Result<SocketOptions> {
    // SAFETY: the caller's contract.
    unsafe {
        with_socket(h, |s| {
            Ok(SocketOptions {
                no_delay: s.tcp_nodelay()?,
                keep_alive: s.keepalive()?,
                // Windows cannot read the keepalive time back; report what is known.
                keep_alive_idle_secs: 0,
            })
        })
    }
}

/// `recv` into memory that need not be initialized (Winsock only writes it).
pub fn recv(s: SockRef<'_>, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
    s.recv(buf)
}

/// Prepares uninitialized memory for an API that takes `&mut [u8]` (a named pipe read):
/// zeroed first, since handing out uninitialized bytes as `u8` would be undefined.
pub fn init_buf(buf: &mut [MaybeUninit<u8>]) -> &mut [u8] {
    for b in buf.iter_mut() {
        b.write(0);
    }
    // SAFETY: every element was initialized just above; MaybeUninit<u8> and u8 share
    // their layout.
    unsafe { &mut *(buf as *mut [MaybeUninit<u8>] as *mut [u8]) }
}

/// Match node:net: Windows has no CRT descriptors to classify for sockets.
pub fn guess_handle_type(_fd: i32) -> &'static str {
    "UNKNOWN"
}

pub fn fd_is_open(_fd: i32) -> bool {
    false
}

/// Nothing to close: no descriptor is ever received on Windows.
pub fn close_fd(_fd: i32) {}

/// No descriptors to duplicate on Windows: ENOTSUP, negated, as libuv numbers it.
pub fn dup_raw_fd(_fd: i32) -> i32 {
    -errno_of(&enotsup()).abs()
}

pub fn access_mode(_fd: i32) -> i32 {
    -1
}

/// No abstract names on Windows.
pub fn set_abstract_name_padding(_pad: bool) {}

/// Named pipes have no `sun_path` to fit.
pub fn set_long_path_truncation(_truncate: bool) {}
