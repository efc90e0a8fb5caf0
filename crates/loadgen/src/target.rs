//! Where the load goes, and the connected stream every mode drives.
//!
//! The same scenarios run over TCP on 127.0.0.1 and over Unix-domain sockets, and the
//! modes should not care which: [`Stream`] is a two-variant enum rather than a trait
//! object or a generic so the per-call dispatch is one predictable branch and every
//! mode stays a plain `async fn`. Only loopback and filesystem paths can be targeted;
//! there is deliberately no way to name another host.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest, Ready};
use tokio::net::{TcpStream, UnixStream};

use crate::args::Flags;

#[derive(Clone, Debug)]
pub enum Target {
    Tcp(SocketAddr),
    Unix(PathBuf),
}

impl Target {
    /// `--port P` (127.0.0.1:P) or `--unix PATH`, exactly one of them.
    pub fn from_flags(flags: &mut Flags) -> Result<Target, String> {
        let port: Option<u16> = flags.take("--port")?;
        let path: Option<PathBuf> = flags.take("--unix")?;
        match (port, path) {
            (Some(0), _) => Err("--port must not be 0".into()),
            (Some(port), None) => Ok(Target::Tcp(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))),
            (None, Some(path)) => Ok(Target::Unix(path)),
            (Some(_), Some(_)) => Err("give --port or --unix, not both".into()),
            (None, None) => Err("--port or --unix must be given".into()),
        }
    }

    pub async fn connect(&self) -> io::Result<Stream> {
        match self {
            Target::Tcp(addr) => {
                let stream = TcpStream::connect(addr).await?;
                // Every mode writes whole messages and waits for them: Nagle would only
                // hold back the tail of a partial write and add its delay to latencies.
                stream.set_nodelay(true)?;
                Ok(Stream::Tcp(stream))
            }
            Target::Unix(path) => Ok(Stream::Unix(UnixStream::connect(path).await?)),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Tcp(addr) => write!(f, "{addr}"),
            Target::Unix(path) => write!(f, "{}", path.display()),
        }
    }
}

pub enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Stream {
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        match self {
            Stream::Tcp(s) => s.ready(interest).await,
            Stream::Unix(s) => s.ready(interest).await,
        }
    }

    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.try_read(buf),
            Stream::Unix(s) => s.try_read(buf),
        }
    }

    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.try_write(buf),
            Stream::Unix(s) => s.try_write(buf),
        }
    }

    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf).await,
            Stream::Unix(s) => s.read(buf).await,
        }
    }

    pub async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.write_all(buf).await,
            Stream::Unix(s) => s.write_all(buf).await,
        }
    }

    /// Half-closes: the peer reads end-of-stream, and can still answer.
    pub async fn shutdown(&mut self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.shutdown().await,
            Stream::Unix(s) => s.shutdown().await,
        }
    }

    /// Closes without the FIN handshake, so this side keeps no TIME_WAIT entry.
    /// Only for tearing down after a measurement: the peer sees a reset.
    pub fn abort(self) {
        if let Stream::Tcp(s) = &self {
            // Failing to set it only means an ordinary close.
            let _ = s.set_zero_linger();
        }
    }
}
