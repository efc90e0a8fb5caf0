//! One connected-stream type for the reactor, whether TCP, Unix-domain, or an adopted
//! descriptor that is not a socket (a pipe), so the conn task is written once.

use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::net::SocketAddr;
#[cfg(unix)]
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

#[cfg(unix)]
use tokio::io::unix::AsyncFd;
#[cfg(unix)]
use tokio::io::Interest;
use tokio::net::TcpStream;
#[cfg(unix)]
use tokio::net::UnixStream;

#[cfg(unix)]
use crate::sys;

pub enum Stream {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(UnixStream),
    /// An adopted descriptor that is not a socket: a pipe or FIFO (`new Socket({ fd })`).
    #[cfg(unix)]
    Fd(AsyncFd<OwnedFd>),
}

impl Stream {
    pub async fn readable(&self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.readable().await,
            #[cfg(unix)]
            Stream::Unix(s) => s.readable().await,
            // Dropping the guard without clearing keeps the readiness for try_read.
            #[cfg(unix)]
            Stream::Fd(f) => f.readable().await.map(drop),
        }
    }

    pub async fn writable(&self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.writable().await,
            #[cfg(unix)]
            Stream::Unix(s) => s.writable().await,
            #[cfg(unix)]
            Stream::Fd(f) => f.writable().await.map(drop),
        }
    }

    /// Reads into `buf`; on a Unix socket, also collects descriptors sent with
    /// SCM_RIGHTS into `fds`.
    pub fn try_read(&self, buf: &mut [MaybeUninit<u8>], fds: &mut Vec<i32>) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.try_io(Interest::READABLE, || sys::recv(s.as_raw_fd(), buf)),
            #[cfg(unix)]
            Stream::Unix(s) => s.try_io(Interest::READABLE, || {
                // SAFETY: `s` is open for the duration of this call.
                unsafe { sys::recv_with_fds(s.as_raw_fd(), buf, fds) }
            }),
            #[cfg(unix)]
            Stream::Fd(f) => f.try_io(Interest::READABLE, |fd| sys::read_fd(fd.as_raw_fd(), buf)),
        }
    }

    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.try_write_vectored(bufs),
            #[cfg(unix)]
            Stream::Unix(s) => s.try_write_vectored(bufs),
            #[cfg(unix)]
            Stream::Fd(f) => f.try_io(Interest::WRITABLE, |fd| sys::writev_fd(fd.as_raw_fd(), bufs)),
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
            _ => Err(io::Error::from_raw_os_error(libc::EOPNOTSUPP)),
        }
    }

    #[cfg(unix)]
    pub fn raw_fd(&self) -> RawFd {
        match self {
            Stream::Tcp(s) => s.as_raw_fd(),
            Stream::Unix(s) => s.as_raw_fd(),
            Stream::Fd(f) => f.as_raw_fd(),
        }
    }

    /// Whether `shutdown(SHUT_WR)` applies (sockets); a pipe has no half-close.
    pub fn is_socket(&self) -> bool {
        match self {
            Stream::Tcp(_) => true,
            #[cfg(unix)]
            Stream::Unix(_) => true,
            #[cfg(unix)]
            Stream::Fd(_) => false,
        }
    }
}

/// A socket address as JS sees it: an IP endpoint, or a Unix path (empty when unnamed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SockAddr {
    Ip(SocketAddr),
    Unix(String),
}
