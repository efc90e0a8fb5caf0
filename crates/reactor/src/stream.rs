//! One connected-stream type for the reactor, whether TCP or Unix-domain, so the conn
//! task is written once.

use std::io::{self, IoSlice};
use std::net::SocketAddr;
#[cfg(unix)]
use std::os::fd::{AsRawFd, RawFd};

use tokio::net::TcpStream;
#[cfg(unix)]
use tokio::net::UnixStream;

pub enum Stream {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(UnixStream),
}

/// Dispatches one method call to whichever stream this is.
macro_rules! each {
    ($s:expr, $x:ident => $body:expr) => {
        match $s {
            Stream::Tcp($x) => $body,
            #[cfg(unix)]
            Stream::Unix($x) => $body,
        }
    };
}

impl Stream {
    pub async fn readable(&self) -> io::Result<()> {
        each!(self, s => s.readable().await)
    }
    pub async fn writable(&self) -> io::Result<()> {
        each!(self, s => s.writable().await)
    }
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        each!(self, s => s.try_read(buf))
    }
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        each!(self, s => s.try_write_vectored(bufs))
    }
    #[cfg(unix)]
    pub fn raw_fd(&self) -> RawFd {
        each!(self, s => s.as_raw_fd())
    }
}

/// A socket address as JS sees it: an IP endpoint, or a Unix path (empty when unnamed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SockAddr {
    Ip(SocketAddr),
    Unix(String),
}
