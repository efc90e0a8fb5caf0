//! node:net's `path` endpoints: a Unix-domain socket on Unix, a named pipe on Windows
//! (`\\?\pipe\name` or `\\.\pipe\name`), as libuv's `uv_pipe_t` is one or the other.
//!
//! Binding happens on the JS thread, so a name in use is an error at `listen()` time;
//! connecting and accepting run on the reactor.

use std::io;
use std::path::PathBuf;

use crate::event::Syscall;
use crate::listener::AnyListener;
use crate::runtime::runtime;
use crate::stream::Stream;
use crate::sys;

/// Connects to `path`; the error comes with the syscall node:net names in its message.
#[cfg(unix)]
pub(crate) async fn connect(path: &str) -> Result<Stream, (io::Error, Syscall)> {
    let socket = socket2::Socket::new(socket2::Domain::UNIX, socket2::Type::STREAM, None).map_err(|e| (e, Syscall::Connect))?;
    connect_with(socket, path).await
}

/// Connects `socket` (new, or bound: `bound::connect_path`) to `path`.
#[cfg(unix)]
pub(crate) async fn connect_with(socket: socket2::Socket, path: &str) -> Result<Stream, (io::Error, Syscall)> {
    let fail = |e| (e, Syscall::Connect);
    let addr = sys::unix_sockaddr(path).map_err(fail)?;
    socket.set_nonblocking(true).map_err(fail)?;
    let in_progress = match socket.connect(&addr) {
        Ok(()) => false,
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => true,
        // Match node:net (libuv): EAGAIN (a full backlog) is an error, not a retry.
        Err(e) => return Err(fail(e)),
    };
    let std_stream: std::os::unix::net::UnixStream = socket.into();
    let stream = tokio::net::UnixStream::from_std(std_stream).map_err(fail)?;
    if in_progress {
        stream.writable().await.map_err(fail)?;
        if let Some(e) = stream.take_error().map_err(fail)? {
            return Err(fail(e));
        }
    }
    Ok(Stream::Unix(stream))
}

/// How long a client waits for a free pipe instance. Match libuv: its pipe connect
/// waits up to 30 s (`WaitNamedPipeW`) when every instance is busy.
#[cfg(windows)]
const PIPE_BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// How often a client retries a busy pipe. Busy is brief: the server creates the next
/// instance right after each accept.
#[cfg(windows)]
const PIPE_BUSY_RETRY: std::time::Duration = std::time::Duration::from_millis(10);

/// Connects to the named pipe `path`. Match node:net (libuv): a name nobody serves is
/// ENOENT; all instances busy means wait for one, then ETIMEDOUT.
#[cfg(windows)]
pub(crate) async fn connect(path: &str) -> Result<Stream, (io::Error, Syscall)> {
    use tokio::net::windows::named_pipe::ClientOptions;
    let started = tokio::time::Instant::now();
    loop {
        match ClientOptions::new().open(path) {
            Ok(client) => return Ok(Stream::PipeClient(client)),
            Err(e) if e.raw_os_error() == Some(sys::ERROR_PIPE_BUSY) => {
                if started.elapsed() >= PIPE_BUSY_WAIT {
                    return Err((io::Error::from(io::ErrorKind::TimedOut), Syscall::Connect));
                }
                tokio::time::sleep(PIPE_BUSY_RETRY).await;
            }
            Err(e) => return Err((e, Syscall::Connect)),
        }
    }
}

/// A listening named pipe. Windows has no listening handle: a server is a series of
/// pipe instances, each waiting for one client. One instance always waits, so a client
/// finds it; when it connects it is handed out and the next one is created at once.
#[cfg(windows)]
pub(crate) struct PipeAcceptor {
    name: String,
    waiting: tokio::net::windows::named_pipe::NamedPipeServer,
}

#[cfg(windows)]
impl PipeAcceptor {
    /// Creates the first instance. Must run inside the runtime (the instance registers
    /// with its I/O driver).
    ///
    /// Match node:net (libuv): the first instance is created with
    /// FILE_FLAG_FIRST_PIPE_INSTANCE, so a name another server already holds fails,
    /// with EADDRINUSE (Windows says ERROR_ACCESS_DENIED). Remote clients are refused:
    /// node:net's pipes are local IPC.
    pub fn bind(name: &str) -> io::Result<PipeAcceptor> {
        use tokio::net::windows::named_pipe::ServerOptions;
        let waiting = ServerOptions::new()
            .first_pipe_instance(true)
            .reject_remote_clients(true)
            .create(name)
            .map_err(|e| if sys::is_access_denied(&e) { sys::eaddrinuse() } else { e })?;
        Ok(PipeAcceptor { name: name.to_owned(), waiting })
    }

    pub fn os_handle(&self) -> sys::OsHandle {
        use std::os::windows::io::AsRawHandle;
        sys::OsHandle::Pipe(self.waiting.as_raw_handle() as usize)
    }

    /// Waits for a client on the waiting instance. Cancel-safe: dropped while waiting,
    /// the instance stays and keeps waiting for the next call.
    pub async fn accept(&mut self) -> io::Result<Stream> {
        use tokio::net::windows::named_pipe::ServerOptions;
        self.waiting.connect().await?;
        let next = ServerOptions::new().reject_remote_clients(true).create(&self.name)?;
        Ok(Stream::PipeServer(std::mem::replace(&mut self.waiting, next)))
    }
}

/// `listen(path)` on Unix: binds a Unix-domain socket at `path` (a leading NUL: a Linux
/// abstract name) and listens. Match node:net: an existing file at the path is not
/// removed first, so a path in use gives EADDRINUSE; the file is removed on close
/// (returned here for the listener to unlink; abstract names have no file).
#[cfg(unix)]
pub(crate) fn bind(path: &str, backlog: i32) -> io::Result<(AnyListener, Option<PathBuf>)> {
    let addr = sys::unix_sockaddr(path)?;
    let socket = socket2::Socket::new(socket2::Domain::UNIX, socket2::Type::STREAM, None)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr)?;
    socket.listen(backlog)?;
    let unix = {
        let _runtime = runtime().enter();
        tokio::net::UnixListener::from_std(socket.into())?
    };
    let unlink = (!path.starts_with('\0')).then(|| PathBuf::from(path));
    Ok((AnyListener::Unix(unix), unlink))
}

/// `listen(path)` on Windows: creates the named pipe's first instance. There is no
/// backlog (each waiting instance is one slot) and no file to remove.
#[cfg(windows)]
pub(crate) fn bind(path: &str, _backlog: i32) -> io::Result<(AnyListener, Option<PathBuf>)> {
    let _runtime = runtime().enter();
    Ok((AnyListener::Pipe(PipeAcceptor::bind(path)?), None))
}
