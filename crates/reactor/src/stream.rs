//! One connected-stream type for the reactor, so the conn task is written once:
//! TCP everywhere; on Unix a Unix-domain socket or an adopted descriptor that is not a
//! socket (a pipe); on Windows either end of a named pipe (node:net's `path` there).

use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::net::SocketAddr;
use std::task::{Context, Poll};
#[cfg(unix)]
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
#[cfg(windows)]
use std::os::windows::io::{AsRawHandle, AsRawSocket};

#[cfg(unix)]
use tokio::io::unix::AsyncFd;
use tokio::io::{Interest, Ready};
use tokio::net::TcpStream;
#[cfg(unix)]
use tokio::net::UnixStream;
#[cfg(windows)]
use tokio::net::windows::named_pipe::{NamedPipeClient, NamedPipeServer};

use crate::sys;

pub enum Stream {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(UnixStream),
    /// An adopted descriptor that is not a socket: a pipe or FIFO (`new Socket({ fd })`).
    #[cfg(unix)]
    Fd(AsyncFd<OwnedFd>),
    /// The server end of a named pipe, handed out by the pipe listener.
    #[cfg(windows)]
    PipeServer(NamedPipeServer),
    /// The client end of a named pipe (`connect(path)`).
    #[cfg(windows)]
    PipeClient(NamedPipeClient),
    /// A TCP or Unix-domain socket the JS thread reads itself (`js_reads`), in this
    /// reactor's epoll set only while the task has writes waiting (see `WriteWatch`).
    #[cfg(target_os = "linux")]
    ReadByJs { fd: WriteWatch, unix: bool },
    /// Nothing: only while the registration changes, or after that failed.
    #[cfg(target_os = "linux")]
    Gone,
}

/// How the reactor holds a socket that the JS thread reads: in its epoll set, for
/// writability, only while the task has writes waiting for the kernel.
///
/// Why not registered for writability throughout: the registration is edge-triggered,
/// and the kernel reports an edge each time a socket's send space grows, whether or
/// not anyone waits for it. On a Unix socket that is every time the peer reads
/// (`sock_wfree` calls `unix_write_space` per freed message): `strace -c -f` of the
/// 64-byte Unix ping-pong counted two `epoll_wait` returns per message, the JS
/// poller's and this thread's, woken for nothing (4.4 µs of CPU per message over
/// node:net's 28.6). Match libuv: a stream is in epoll for writing only while a write
/// is pending. What it costs: an `epoll_ctl` to add and one to remove per write that
/// had to wait, which a wait costs anyway in wake-ups.
#[cfg(target_os = "linux")]
pub enum WriteWatch {
    /// Not in the reactor's epoll set: writes are tried straight away.
    Off(OwnedFd),
    /// Registered for writability while writes wait.
    On(AsyncFd<OwnedFd>),
}

#[cfg(target_os = "linux")]
impl WriteWatch {
    fn raw_fd(&self) -> RawFd {
        match self {
            WriteWatch::Off(fd) => fd.as_raw_fd(),
            WriteWatch::On(fd) => fd.as_raw_fd(),
        }
    }

    fn into_fd(self) -> OwnedFd {
        match self {
            WriteWatch::Off(fd) => fd,
            WriteWatch::On(fd) => fd.into_inner(),
        }
    }

    /// Runs a write-side syscall; registered, under the readiness, so that WouldBlock
    /// clears it and the task waits for the next edge.
    fn try_write(&self, f: impl FnOnce(RawFd) -> io::Result<usize>) -> io::Result<usize> {
        match self {
            WriteWatch::Off(fd) => f(fd.as_raw_fd()),
            WriteWatch::On(fd) => fd.try_io(Interest::WRITABLE, |fd| f(fd.as_raw_fd())),
        }
    }
}

#[cfg(target_os = "linux")]
impl Stream {
    /// Puts a socket the JS thread reads in the reactor's epoll set while the task has
    /// writes waiting (`want`), and takes it out once it has none (see `WriteWatch`).
    /// Other streams stay as they are. On an error tokio has closed the descriptor.
    pub fn watch_writes(&mut self, want: bool) -> io::Result<()> {
        let Stream::ReadByJs { fd, unix } = self else { return Ok(()) };
        if want == matches!(fd, WriteWatch::On(_)) {
            return Ok(());
        }
        let unix = *unix;
        let Stream::ReadByJs { fd, .. } = std::mem::replace(self, Stream::Gone) else { unreachable!() };
        let fd = fd.into_fd();
        *self = Stream::ReadByJs {
            fd: if want {
                // SAFETY: an OwnedFd's descriptor stays open, and the same, until the
                // AsyncFd that owns it drops it or gives it back (`into_inner`).
                WriteWatch::On(unsafe { AsyncFd::register_with_interest(fd, Interest::WRITABLE) }.map_err(io::Error::from)?)
            } else {
                WriteWatch::Off(fd)
            },
            unix,
        };
        Ok(())
    }

    pub fn is_read_by_js(&self) -> bool {
        matches!(self, Stream::ReadByJs { .. })
    }

    /// The same socket, registered for reads and writes (`js = false`) or for writes
    /// only while they wait (`js = true`, see `watch_writes`). Other streams (an adopted
    /// pipe) stay as they are: the JS thread reads only sockets. The descriptor stays
    /// open throughout; on an error tokio has closed it.
    pub fn with_reads_on_js_thread(self, js: bool) -> io::Result<Stream> {
        use std::os::unix::net::UnixStream as StdUnixStream;
        match (self, js) {
            (Stream::Tcp(s), true) => Ok(Stream::ReadByJs { fd: WriteWatch::Off(OwnedFd::from(s.into_std()?)), unix: false }),
            (Stream::Unix(s), true) => Ok(Stream::ReadByJs { fd: WriteWatch::Off(OwnedFd::from(s.into_std()?)), unix: true }),
            (Stream::ReadByJs { fd, unix: false }, false) => {
                let std = std::net::TcpStream::from(fd.into_fd());
                Ok(Stream::Tcp(TcpStream::from_std(std)?))
            }
            (Stream::ReadByJs { fd, unix: true }, false) => {
                let std = StdUnixStream::from(fd.into_fd());
                Ok(Stream::Unix(UnixStream::from_std(std)?))
            }
            (other, _) => Ok(other),
        }
    }
}

impl Stream {
    /// Ready once the stream is ready for reading (if `read`) or writing (if `write`),
    /// with what it is ready for; otherwise the task is woken when it becomes so.
    ///
    /// A poll, not a future: the `ready()` future of tokio's streams holds an intrusive
    /// waiter node (168 bytes), and awaiting it made every connection's task that much
    /// larger. Polling uses the registration's own reader and writer waker slots, which
    /// exist anyway. Readiness is cleared only by the `try_*` calls, when they hear
    /// EAGAIN.
    pub fn poll_ready(&self, cx: &mut Context<'_>, read: bool, write: bool) -> Poll<io::Result<Ready>> {
        let readable = if read { self.poll_read_ready(cx)? } else { Poll::Pending };
        let writable = if write { self.poll_write_ready(cx)? } else { Poll::Pending };
        match (readable.is_ready(), writable.is_ready()) {
            (false, false) => Poll::Pending,
            (r, w) => Poll::Ready(Ok(match (r, w) {
                (true, true) => Ready::READABLE | Ready::WRITABLE,
                (true, false) => Ready::READABLE,
                _ => Ready::WRITABLE,
            })),
        }
    }

    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Stream::Tcp(s) => s.poll_read_ready(cx),
            #[cfg(unix)]
            Stream::Unix(s) => s.poll_read_ready(cx),
            // Dropping the guard without clearing keeps the readiness for try_read.
            #[cfg(unix)]
            Stream::Fd(f) => f.poll_read_ready(cx).map_ok(drop),
            #[cfg(windows)]
            Stream::PipeServer(p) => p.poll_read_ready(cx),
            #[cfg(windows)]
            Stream::PipeClient(p) => p.poll_read_ready(cx),
            // Never asked for: the task does not read these.
            #[cfg(target_os = "linux")]
            Stream::ReadByJs { .. } | Stream::Gone => Poll::Pending,
        }
    }

    fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Stream::Tcp(s) => s.poll_write_ready(cx),
            #[cfg(unix)]
            Stream::Unix(s) => s.poll_write_ready(cx),
            #[cfg(unix)]
            Stream::Fd(f) => f.poll_write_ready(cx).map_ok(drop),
            #[cfg(windows)]
            Stream::PipeServer(p) => p.poll_write_ready(cx),
            #[cfg(windows)]
            Stream::PipeClient(p) => p.poll_write_ready(cx),
            #[cfg(target_os = "linux")]
            Stream::ReadByJs { fd: WriteWatch::On(fd), .. } => fd.poll_write_ready(cx).map_ok(drop),
            // Not watched: the task has no write waiting (`watch_writes` runs first).
            #[cfg(target_os = "linux")]
            Stream::ReadByJs { fd: WriteWatch::Off(_), .. } => Poll::Pending,
            // Ready, so that a queued write meets EBADF and fails instead of waiting.
            #[cfg(target_os = "linux")]
            Stream::Gone => Poll::Ready(Ok(())),
        }
    }

    /// Reads into `buf`; on a Unix socket, also collects descriptors sent with
    /// SCM_RIGHTS into `fds`.
    #[cfg_attr(windows, allow(unused_variables))]
    pub fn try_read(&self, buf: &mut [MaybeUninit<u8>], fds: &mut Vec<i32>) -> io::Result<usize> {
        match self {
            #[cfg(unix)]
            Stream::Tcp(s) => {
                let want = buf.len();
                read_clearing_when_drained(want, |io| s.try_io(Interest::READABLE, io), || sys::recv(s.as_raw_fd(), buf))
            }
            #[cfg(windows)]
            Stream::Tcp(s) => s.try_io(Interest::READABLE, || sys::recv(socket2::SockRef::from(s), buf)),
            #[cfg(unix)]
            Stream::Unix(s) => s.try_io(Interest::READABLE, || {
                // SAFETY: `s` is open for the duration of this call.
                unsafe { sys::recv_with_fds(s.as_raw_fd(), buf, fds) }
            }),
            #[cfg(unix)]
            Stream::Fd(f) => {
                let (want, fd) = (buf.len(), f.as_raw_fd());
                read_clearing_when_drained(want, |io| f.try_io(Interest::READABLE, |_| io()), || sys::read_fd(fd, buf))
            }
            #[cfg(windows)]
            Stream::PipeServer(p) => pipe_read_result(p.try_read(sys::init_buf(buf))),
            #[cfg(windows)]
            Stream::PipeClient(p) => pipe_read_result(p.try_read(sys::init_buf(buf))),
            #[cfg(target_os = "linux")]
            Stream::ReadByJs { .. } => Err(io::ErrorKind::WouldBlock.into()),
            #[cfg(target_os = "linux")]
            Stream::Gone => Err(sys::ebadf()),
        }
    }

    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.try_write_vectored(bufs),
            #[cfg(unix)]
            Stream::Unix(s) => s.try_write_vectored(bufs),
            #[cfg(unix)]
            Stream::Fd(f) => f.try_io(Interest::WRITABLE, |fd| sys::writev_fd(fd.as_raw_fd(), bufs)),
            #[cfg(windows)]
            Stream::PipeServer(p) => p.try_write_vectored(bufs),
            #[cfg(windows)]
            Stream::PipeClient(p) => p.try_write_vectored(bufs),
            #[cfg(target_os = "linux")]
            Stream::ReadByJs { fd, .. } => fd.try_write(|fd| {
                // SAFETY: `fd` is open for the duration of this call.
                unsafe { sys::send_vectored(fd, bufs) }
            }),
            #[cfg(target_os = "linux")]
            Stream::Gone => Err(sys::ebadf()),
        }
    }

    /// Writes `bytes` with descriptor `pass` attached (Unix sockets only).
    #[cfg(unix)]
    pub fn try_write_with_fd(&self, bytes: &[u8], pass: RawFd) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.try_io(Interest::WRITABLE, || {
                // SAFETY: `s` is open for the duration of this call.
                unsafe { sys::send_with_fd(s.as_raw_fd(), bytes, pass) }
            }),
            #[cfg(target_os = "linux")]
            Stream::ReadByJs { fd, unix: true } => fd.try_write(|fd| {
                // SAFETY: `fd` is open for the duration of this call.
                unsafe { sys::send_with_fd(fd, bytes, pass) }
            }),
            _ => Err(sys::enotsup()),
        }
    }

    /// Runs a read-side syscall of the caller's (splice) under the stream's readiness:
    /// WouldBlock clears it, so the task waits for the next readable edge.
    #[cfg(target_os = "linux")]
    pub fn try_read_with(&self, f: impl FnOnce() -> io::Result<usize>) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.try_io(Interest::READABLE, f),
            Stream::Unix(s) => s.try_io(Interest::READABLE, f),
            Stream::Fd(a) => a.try_io(Interest::READABLE, |_| f()),
            Stream::ReadByJs { .. } => Err(io::ErrorKind::WouldBlock.into()),
            Stream::Gone => Err(sys::ebadf()),
        }
    }

    /// The write-side twin of `try_read_with`.
    #[cfg(target_os = "linux")]
    pub fn try_write_with(&self, f: impl FnOnce() -> io::Result<usize>) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.try_io(Interest::WRITABLE, f),
            Stream::Unix(s) => s.try_io(Interest::WRITABLE, f),
            Stream::Fd(a) => a.try_io(Interest::WRITABLE, |_| f()),
            Stream::ReadByJs { fd, .. } => fd.try_write(|_| f()),
            Stream::Gone => Err(sys::ebadf()),
        }
    }

    /// What the JS thread reaches this stream by (see `Conn`'s `fd`).
    pub fn os_handle(&self) -> sys::OsHandle {
        match self {
            #[cfg(unix)]
            Stream::Tcp(s) => s.as_raw_fd(),
            #[cfg(unix)]
            Stream::Unix(s) => s.as_raw_fd(),
            #[cfg(unix)]
            Stream::Fd(f) => f.as_raw_fd(),
            #[cfg(target_os = "linux")]
            Stream::ReadByJs { fd, .. } => fd.raw_fd(),
            #[cfg(target_os = "linux")]
            Stream::Gone => -1,
            #[cfg(windows)]
            Stream::Tcp(s) => sys::OsHandle::Socket(s.as_raw_socket()),
            #[cfg(windows)]
            Stream::PipeServer(p) => sys::OsHandle::Pipe(p.as_raw_handle() as usize),
            #[cfg(windows)]
            Stream::PipeClient(p) => sys::OsHandle::Pipe(p.as_raw_handle() as usize),
        }
    }

    /// Whether `shutdown(SHUT_WR)` applies (sockets). Pipes have no half-close: ending
    /// one means closing it, which close does. Match node:net on Windows: libuv's pipe
    /// shutdown only waits for pending writes.
    pub fn is_socket(&self) -> bool {
        match self {
            Stream::Tcp(_) => true,
            #[cfg(unix)]
            Stream::Unix(_) => true,
            #[cfg(unix)]
            Stream::Fd(_) => false,
            #[cfg(target_os = "linux")]
            Stream::ReadByJs { .. } => true,
            #[cfg(target_os = "linux")]
            Stream::Gone => false,
            #[cfg(windows)]
            Stream::PipeServer(_) | Stream::PipeClient(_) => false,
        }
    }
}

/// Runs `read` under `try_io` so that a short read also clears the stream's readiness,
/// as tokio's own `poll_read` does: the kernel buffer was drained, and without this the
/// task would make one more read only to hear EAGAIN (a syscall per message in a
/// request/response exchange). The short read is reported to `try_io` as WouldBlock,
/// which clears readiness only if no new readiness arrived since the read began, so a
/// byte that lands meanwhile is never missed.
///
/// Not for Unix-domain sockets: there a read also stops short at a message that
/// carries descriptors, with more bytes still queued.
#[cfg(unix)]
fn read_clearing_when_drained(
    want: usize,
    try_io: impl FnOnce(&mut dyn FnMut() -> io::Result<usize>) -> io::Result<usize>,
    mut read: impl FnMut() -> io::Result<usize>,
) -> io::Result<usize> {
    let mut short = None;
    let result = try_io(&mut || {
        let n = read()?;
        if n > 0 && n < want {
            short = Some(n);
            return Err(io::ErrorKind::WouldBlock.into());
        }
        Ok(n)
    });
    match short {
        Some(n) => Ok(n),
        None => result,
    }
}

/// Match node:net (libuv): on a named pipe the writer's close shows as
/// ERROR_BROKEN_PIPE; for the reader that is end of stream.
#[cfg(windows)]
fn pipe_read_result(result: io::Result<usize>) -> io::Result<usize> {
    match result {
        Err(e) if sys::is_broken_pipe(&e) => Ok(0),
        other => other,
    }
}

/// A socket address as JS sees it: an IP endpoint, or a Unix path (empty when unnamed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SockAddr {
    Ip(SocketAddr),
    Unix(String),
}
