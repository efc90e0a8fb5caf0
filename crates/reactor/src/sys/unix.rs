//! Unix (Linux, macOS, the BSDs): the raw syscalls on a descriptor, fd passing with
//! SCM_RIGHTS, and libuv-style handle-type guessing.

use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::net::Shutdown;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::time::Duration;

use socket2::SockRef;

use super::{to_sock_addr, SocketOptions};
use crate::stream::SockAddr;

/// What the JS thread reaches a live socket by: its descriptor.
pub type OsHandle = RawFd;

/// A descriptor queued to be passed to the peer with SCM_RIGHTS, owned until sent.
pub type PassedFd = std::os::fd::OwnedFd;

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
    let flags = 0; // elsewhere Node itself ignores SIGPIPE process-wide
    match sock.send_vectored_with_flags(bufs, flags) {
        // An adopted pipe is not a socket: plain writev (SIGPIPE is ignored by Node).
        Err(e) if e.raw_os_error() == Some(libc::ENOTSOCK) => writev_fd(fd.as_raw_fd(), bufs),
        other => other,
    }
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

/// connect(2) on a socket that has connected already, once: what libuv does when
/// node:net's `connect()` is called again on a connected socket. The kernel answers
/// (0 for the same TCP peer the first time, EISCONN after; ENOENT for a Unix path that
/// is not there), and the caller reports that.
///
/// # Safety
/// `fd` must be an open socket for the duration of the call.
pub unsafe fn connect_again(fd: RawFd, to: &socket2::SockAddr) -> io::Result<()> {
    // SAFETY: see the function's contract.
    let fd = unsafe { borrow(fd) };
    SockRef::from(&fd).connect(to)
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

/// The positive OS errno of an error, or EIO for errors that carry none. On Unix,
/// libuv's error numbers are the negated errno, which the JS side applies.
pub fn errno_of(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(libc::EIO)
}

/// The number `socket._handle.fd` shows: the descriptor itself.
pub fn js_fd(h: OsHandle) -> i32 {
    h
}

/// The errors the reactor raises itself.
pub fn ebadf() -> io::Error {
    io::Error::from_raw_os_error(libc::EBADF)
}
pub fn einval() -> io::Error {
    io::Error::from_raw_os_error(libc::EINVAL)
}
pub fn enotsup() -> io::Error {
    io::Error::from_raw_os_error(libc::EOPNOTSUPP)
}
pub fn enotsock() -> io::Error {
    io::Error::from_raw_os_error(libc::ENOTSOCK)
}

/// Sets the type of service of the packets `fd` sends: IP_TOS, or where the socket
/// refuses that, IPV6_TCLASS. Match node:net (its tcp_wrap tries them in this order).
///
/// # Safety
/// `fd` must be an open socket for the duration of the call.
pub unsafe fn set_type_of_service(fd: RawFd, tos: u8) -> io::Result<()> {
    let value = tos as libc::c_int;
    let set = |level, name| {
        // SAFETY: `value` is a c_int that outlives the call; the caller keeps `fd` open.
        let rc = unsafe { libc::setsockopt(fd, level, name, (&value as *const libc::c_int).cast(), std::mem::size_of::<libc::c_int>() as libc::socklen_t) };
        if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
    };
    set(libc::IPPROTO_IP, libc::IP_TOS).or_else(|_| set(libc::IPPROTO_IPV6, libc::IPV6_TCLASS))
}

/// The type of service `fd` sends with, as the kernel has it (IP_TOS, else IPV6_TCLASS).
///
/// # Safety
/// `fd` must be an open socket for the duration of the call.
pub unsafe fn type_of_service(fd: RawFd) -> io::Result<u8> {
    let get = |level, name| {
        let mut value: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: `value` and `len` are valid out-parameters; the caller keeps `fd` open.
        let rc = unsafe { libc::getsockopt(fd, level, name, (&mut value as *mut libc::c_int).cast(), &mut len) };
        if rc == 0 { Ok(value as u8) } else { Err(io::Error::last_os_error()) }
    };
    get(libc::IPPROTO_IP, libc::IP_TOS).or_else(|_| get(libc::IPPROTO_IPV6, libc::IPV6_TCLASS))
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

/// What kind of descriptor `fd` is, in libuv's terms (`uv_guess_handle`), as node:net
/// names them: "TCP", "PIPE" (a Unix stream socket or a FIFO), "UDP", "TTY", "FILE",
/// "UNKNOWN". Match node:net: `new Socket({ fd })` accepts only TCP and PIPE.
pub fn guess_handle_type(fd: RawFd) -> &'static str {
    // SAFETY: isatty and fstat only read the descriptor table; an invalid fd fails.
    if unsafe { libc::isatty(fd) } == 1 {
        return "TTY";
    }
    // SAFETY: `st` is a plain C struct that fstat fills in.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::fstat(fd, &mut st) } != 0 {
        return "UNKNOWN";
    }
    match st.st_mode & libc::S_IFMT {
        libc::S_IFREG | libc::S_IFCHR => return "FILE",
        libc::S_IFIFO => return "PIPE",
        libc::S_IFSOCK => {}
        _ => return "UNKNOWN",
    }
    // SAFETY: `fd` was just seen to be an open socket; the borrow ends with this call.
    let fd = unsafe { borrow(fd) };
    let sock = SockRef::from(&fd);
    let (Ok(ty), Ok(addr)) = (sock.r#type(), sock.local_addr()) else { return "UNKNOWN" };
    if ty == socket2::Type::DGRAM {
        return "UDP";
    }
    if ty != socket2::Type::STREAM {
        return "UNKNOWN";
    }
    match addr.family() as i32 {
        libc::AF_INET | libc::AF_INET6 => "TCP",
        libc::AF_UNIX => "PIPE",
        _ => "UNKNOWN",
    }
}

/// Whether `fd` is an open descriptor (`fcntl(F_GETFD)` succeeds).
pub fn fd_is_open(fd: RawFd) -> bool {
    // SAFETY: F_GETFD only reads the descriptor flags; an invalid fd fails with EBADF.
    fd >= 0 && unsafe { libc::fcntl(fd, libc::F_GETFD) } != -1
}

/// Closes a descriptor the caller owns (an fd received from a peer that nobody took).
pub fn close_fd(fd: RawFd) {
    if fd >= 0 {
        // SAFETY: the caller owns `fd` and does not use it afterwards.
        unsafe { libc::close(fd) };
    }
}

/// At most this many descriptors are taken from one `recvmsg`. Senders pass one per
/// write; a few more leave room for writes the kernel merged.
pub const MAX_FDS_PER_READ: usize = 16;

/// `recvmsg` that also collects SCM_RIGHTS descriptors into `fds` (close-on-exec).
///
/// # Safety
/// `fd` must be an open Unix stream socket for the duration of the call.
pub unsafe fn recv_with_fds(fd: RawFd, buf: &mut [MaybeUninit<u8>], fds: &mut Vec<RawFd>) -> io::Result<usize> {
    // Room for MAX_FDS_PER_READ ints, aligned as cmsghdr requires.
    let mut cmsg_space = [0u64; 16];
    let mut iov = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
    // SAFETY: msghdr is a plain C struct; every pointer set below outlives the call.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cmsg_space.as_mut_ptr().cast();
    // SAFETY: CMSG_SPACE is a pure size computation.
    msg.msg_controllen = unsafe { libc::CMSG_SPACE((MAX_FDS_PER_READ * std::mem::size_of::<RawFd>()) as u32) } as _;
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
    let flags = libc::MSG_CMSG_CLOEXEC;
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
    let flags = 0;
    // SAFETY: `msg` describes valid buffers; `fd` is open (contract).
    let n = unsafe { libc::recvmsg(fd, &mut msg, flags) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel filled `msg`; the CMSG_* walk stays within msg_controllen.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_RIGHTS {
                let data = libc::CMSG_DATA(cmsg) as *const RawFd;
                let bytes = (*cmsg).cmsg_len as usize - (data as usize - cmsg as usize);
                for i in 0..bytes / std::mem::size_of::<RawFd>() {
                    fds.push(std::ptr::read_unaligned(data.add(i)));
                }
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    Ok(n as usize)
}

/// `sendmsg` of `bytes` with `pass` attached as SCM_RIGHTS (it travels with the first
/// byte sent), without SIGPIPE.
///
/// # Safety
/// `fd` must be an open Unix stream socket for the duration of the call.
pub unsafe fn send_with_fd(fd: RawFd, bytes: &[u8], pass: RawFd) -> io::Result<usize> {
    let mut cmsg_space = [0u64; 4];
    let mut iov = libc::iovec { iov_base: bytes.as_ptr() as *mut _, iov_len: bytes.len() };
    // SAFETY: msghdr is a plain C struct; every pointer set below outlives the call.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cmsg_space.as_mut_ptr().cast();
    // SAFETY: pure size computations, and writes within `cmsg_space`, which
    // CMSG_SPACE(sizeof(int)) fits.
    unsafe {
        msg.msg_controllen = libc::CMSG_SPACE(std::mem::size_of::<RawFd>() as u32) as _;
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<RawFd>() as u32) as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(cmsg) as *mut RawFd, pass);
    }
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
    let flags = libc::MSG_NOSIGNAL;
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
    let flags = 0;
    // SAFETY: `msg` describes valid buffers; `fd` is open (contract).
    let n = unsafe { libc::sendmsg(fd, &msg, flags) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// A duplicate of `fd` that the reactor owns (close-on-exec), for an fd whose sending
/// had to be queued: the caller may close its own copy as soon as write() returns.
pub fn dup_fd(fd: RawFd) -> io::Result<std::os::fd::OwnedFd> {
    // SAFETY: F_DUPFD_CLOEXEC makes a new descriptor or fails; the result is owned here.
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    if new < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `new` is a fresh descriptor nobody else owns.
    Ok(unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(new) })
}

/// `dup_fd` for the binding: the new descriptor, handed over as a number, or the
/// negated errno.
pub fn dup_raw_fd(fd: RawFd) -> i32 {
    use std::os::fd::IntoRawFd;
    match dup_fd(fd) {
        Ok(owned) => owned.into_raw_fd(),
        Err(e) => -errno_of(&e),
    }
}

/// `read(2)` on a descriptor held as a plain fd (an adopted pipe).
pub fn read_fd(fd: RawFd, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for `buf.len()` bytes; the caller owns `fd`.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 { Err(io::Error::last_os_error()) } else { Ok(n as usize) }
}

/// `recv(2)` into memory that need not be initialized (the kernel only writes it).
pub fn recv(fd: RawFd, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes; the caller owns `fd`.
    let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0) };
    if n < 0 { Err(io::Error::last_os_error()) } else { Ok(n as usize) }
}

/// `writev(2)` on a descriptor held as a plain fd (an adopted pipe).
pub fn writev_fd(fd: RawFd, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    // SAFETY: IoSlice is ABI-compatible with iovec; the caller owns `fd`.
    let n = unsafe { libc::writev(fd, bufs.as_ptr().cast(), bufs.len().min(1024) as i32) };
    if n < 0 { Err(io::Error::last_os_error()) } else { Ok(n as usize) }
}

/// Whether Linux abstract names are padded to the whole `sun_path` (see
/// `unix_sockaddr`). Match node:net: the libuv of Node 20 pads them, the libuv of Node
/// 22 and later does not; the JS side sets this for the Node it runs on.
static PAD_ABSTRACT_NAMES: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

pub fn set_abstract_name_padding(pad: bool) {
    PAD_ABSTRACT_NAMES.store(pad, std::sync::atomic::Ordering::Relaxed);
}

/// Whether a path too long for `sun_path` is cut to fit (see `unix_sockaddr`). Match
/// node:net: the libuv of Node 20 and 22 keeps the first 108 bytes, the whole
/// `sun_path` with no NUL, so listen() binds, and connect() reaches, the shortened
/// path; Node 24 and later ask libuv not to cut (UV_PIPE_NO_TRUNCATE) and get EINVAL.
/// The JS side sets this for the Node it runs on.
static TRUNCATE_LONG_PATHS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn set_long_path_truncation(truncate: bool) {
    TRUNCATE_LONG_PATHS.store(truncate, std::sync::atomic::Ordering::Relaxed);
}

/// The address of a Unix socket path. Match node:net (libuv): a Linux abstract name (a
/// leading NUL) is used either with the whole `sun_path` as its length, the name padded
/// with NULs (Node 20), or with its own length (Node 22 on), so that rsnet and node:net
/// processes reach each other by the same name.
pub fn unix_sockaddr(path: &str) -> io::Result<socket2::SockAddr> {
    let bytes = path.as_bytes();
    // SAFETY: sockaddr_un is plain data, valid zeroed.
    let un: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    if !path.starts_with('\0') {
        if bytes.len() < un.sun_path.len() {
            return socket2::SockAddr::unix(path);
        }
        if !TRUNCATE_LONG_PATHS.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(einval());
        }
        // Cut to the whole sun_path (at a byte, as libuv does, even inside a UTF-8
        // sequence), with no NUL: the address length says where it ends.
        return whole_sun_path(un, &bytes[..un.sun_path.len()]);
    }
    if !PAD_ABSTRACT_NAMES.load(std::sync::atomic::Ordering::Relaxed) {
        return socket2::SockAddr::unix(path);
    }
    if bytes.len() > un.sun_path.len() {
        return Err(io::Error::from_raw_os_error(libc::ENAMETOOLONG));
    }
    whole_sun_path(un, bytes)
}

/// A Unix address of `bytes` in a zeroed `sun_path`, its length the whole structure's:
/// a padded abstract name, or a path cut to fill `sun_path`. `bytes` must fit.
fn whole_sun_path(mut un: libc::sockaddr_un, bytes: &[u8]) -> io::Result<socket2::SockAddr> {
    un.sun_family = libc::AF_UNIX as libc::sa_family_t;
    for (dst, src) in un.sun_path.iter_mut().zip(bytes) {
        *dst = *src as libc::c_char;
    }
    let len = std::mem::size_of::<libc::sockaddr_un>() as libc::socklen_t;
    // SAFETY: the storage is zeroed and large enough for a sockaddr_un, which is
    // copied in whole; `len` is its size.
    let (_, addr) = unsafe {
        socket2::SockAddr::try_init(|storage, out_len| {
            std::ptr::copy_nonoverlapping(&un as *const libc::sockaddr_un as *const u8, storage as *mut u8, len as usize);
            *out_len = len;
            Ok(())
        })?
    };
    Ok(addr)
}

/// The descriptor's access mode (`fcntl(F_GETFL) & O_ACCMODE`): O_RDONLY, O_WRONLY or
/// O_RDWR, or -1 if it is not open. libuv uses it to decide whether an adopted pipe
/// can be read and written.
pub fn access_mode(fd: RawFd) -> i32 {
    // SAFETY: F_GETFL only reads the descriptor's flags; an invalid fd fails.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 { -1 } else { flags & libc::O_ACCMODE }
}
