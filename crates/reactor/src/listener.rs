//! A listening socket: bound and listening synchronously on the JS thread (so errors
//! such as EADDRINUSE are known at `listen()` time, as in node:net), then handed to
//! an accept task on the reactor.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use tokio::net::TcpListener;
#[cfg(unix)]
use tokio::net::UnixListener;

use crate::conn::Conn;
use crate::conn_task;
use crate::env::EnvShared;
use crate::event::{EventKind, Syscall};
use crate::signal::Signal;
use crate::stream::{SockAddr, Stream};
use crate::sys;

/// How long the accept loop rests after a failed accept (EMFILE, ENFILE, ENOBUFS):
/// retrying at once would spin on the same error while nothing can have changed.
const ACCEPT_ERROR_BACKOFF: Duration = Duration::from_millis(50);

/// The listening socket the accept task owns.
pub(crate) enum AnyListener {
    Tcp(TcpListener),
    #[cfg(unix)]
    Unix(UnixListener),
    #[cfg(windows)]
    Pipe(crate::local::PipeAcceptor),
}

impl AnyListener {
    /// Cancel-safe: the accept loop drops this future whenever it is woken to close.
    async fn accept(&mut self) -> io::Result<Stream> {
        match self {
            AnyListener::Tcp(l) => l.accept().await.map(|(s, _)| Stream::Tcp(s)),
            #[cfg(unix)]
            AnyListener::Unix(l) => l.accept().await.map(|(s, _)| Stream::Unix(s)),
            #[cfg(windows)]
            AnyListener::Pipe(p) => p.accept().await,
        }
    }

    pub(crate) fn os_handle(&self) -> sys::OsHandle {
        #[cfg(unix)]
        use std::os::fd::AsRawFd;
        #[cfg(windows)]
        use std::os::windows::io::AsRawSocket;
        match self {
            #[cfg(unix)]
            AnyListener::Tcp(l) => l.as_raw_fd(),
            #[cfg(unix)]
            AnyListener::Unix(l) => l.as_raw_fd(),
            #[cfg(windows)]
            AnyListener::Tcp(l) => sys::OsHandle::Socket(l.as_raw_socket()),
            // The instance waiting when the server started: for `_handle.fd` (-1 on
            // Windows) only, never used for I/O.
            #[cfg(windows)]
            AnyListener::Pipe(p) => p.os_handle(),
        }
    }
}

pub struct Listener {
    id: u32,
    /// `Some` while the accept task holds the open listener (see `Conn`'s `fd`).
    fd: Mutex<Option<sys::OsHandle>>,
    closing: AtomicBool,
    /// Raised by `close()` for the accept task (one waiter, as a conn's).
    wake: Signal,
    /// The socket file to remove on close (Match node:net: libuv unlinks a Unix
    /// server's path in uv_close, synchronously; not for abstract names or adopted
    /// descriptors).
    unlink_on_close: Mutex<Option<std::path::PathBuf>>,
    /// Signalled (with `fd`'s mutex) once the accept task has closed the socket.
    closed: Condvar,
}

/// How long `close()` waits for the accept task. It normally takes microseconds; the
/// bound only matters if the runtime is already gone (process exit).
const CLOSE_WAIT_LIMIT: Duration = Duration::from_secs(2);

impl Listener {
    pub(crate) fn new(id: u32, fd: sys::OsHandle, unlink_on_close: Option<std::path::PathBuf>) -> Arc<Listener> {
        Arc::new(Listener {
            id,
            fd: Mutex::new(Some(fd)),
            closing: AtomicBool::new(false),
            wake: Signal::default(),
            unlink_on_close: Mutex::new(unlink_on_close),
            closed: Condvar::new(),
        })
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    fn fd_guard(&self) -> MutexGuard<'_, Option<sys::OsHandle>> {
        self.fd.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stops accepting and closes the socket before returning, as node:net's
    /// `server.close()` does: a new listen() on the same address or (abstract) name may
    /// follow at once. The accept task does the closing; this waits for it, which is a
    /// thread hop, bounded in case the runtime is already gone. No event follows.
    pub fn close(&self) {
        if self.closing.swap(true, Ordering::AcqRel) {
            return;
        }
        let unlink = self.unlink_on_close.lock().unwrap_or_else(|e| e.into_inner()).take();
        self.wake.raise();
        let guard = self.fd_guard();
        let _ = self.closed.wait_timeout_while(guard, CLOSE_WAIT_LIMIT, |fd| fd.is_some());
        if let Some(path) = unlink {
            let _ = std::fs::remove_file(path);
        }
    }

    /// The descriptor while open, as `server._handle.fd` shows it (-1 on Windows).
    pub fn js_fd(&self) -> Option<i32> {
        self.fd_guard().map(sys::js_fd)
    }

    pub fn local_addr(&self) -> io::Result<SockAddr> {
        match *self.fd_guard() {
            // SAFETY: the fd lock is held for the duration of the call.
            Some(fd) => unsafe { sys::local_addr(fd) },
            None => Err(sys::ebadf()),
        }
    }
}

pub(crate) async fn accept_loop(listener: Arc<Listener>, env: Arc<EnvShared>, mut socket: AnyListener) {
    #[cfg(unix)]
    crate::emfile::ensure_reserve();
    loop {
        if listener.closing.load(Ordering::Acquire) {
            break;
        }
        tokio::select! {
            _ = listener.wake.raised() => {}
            accepted = socket.accept() => match accepted {
                Ok(stream) => {
                    if listener.closing.load(Ordering::Acquire) {
                        break;
                    }
                    let id = env.next_id();
                    // Reading off until JS starts it (`Conn::read_start`). Match node:net
                    // (libuv): the first read of an accepted socket comes after its
                    // 'connection' handlers ran, so a pipe() made there is native from
                    // the first byte; with pauseOnConnect JS does not start it at all.
                    let conn = Conn::new(id, false);
                    // Published before JS hears of the socket, so options JS applies on
                    // 'connection' (noDelay, keepAlive) reach the fd.
                    conn.set_stream(&stream);
                    env.insert_conn(conn.clone());
                    env.sink.push(listener.id, EventKind::Accepted, id as i32, 0);
                    tokio::spawn(conn_task::serve(conn, env.clone(), stream));
                }
                Err(e) => {
                    if listener.closing.load(Ordering::Acquire) {
                        break;
                    }
                    #[cfg(unix)]
                    if crate::emfile::is_out_of_descriptors(&e) {
                        if !crate::emfile::drain_backlog(socket.os_handle()) {
                            // No reserve to spend: rest, then take one again.
                            tokio::time::sleep(ACCEPT_ERROR_BACKOFF).await;
                            crate::emfile::ensure_reserve();
                        }
                        continue;
                    }
                    env.sink.push(listener.id, EventKind::Error, sys::errno_of(&e), Syscall::Accept as i32);
                    tokio::time::sleep(ACCEPT_ERROR_BACKOFF).await;
                }
            }
        }
    }
    {
        // Closed under the fd lock, so no JS-thread call can meet a stale descriptor.
        let mut fd = listener.fd_guard();
        drop(socket);
        *fd = None;
    }
    listener.closed.notify_all();
    env.remove_listener(listener.id);
}
