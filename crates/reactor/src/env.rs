//! One JS environment's view of the reactor: its id space, its live handles and its
//! event sink. The main thread and every worker thread each have one.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::unix::AsyncFd;
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};

use crate::conn::Conn;
use crate::conn_task::{self, Start};
use crate::listener::{self, AcceptOptions, AnyListener, Listener};
use crate::runtime::runtime;
use crate::sink::{Batch, EventSink, Wake};
use crate::stream::Stream;
use crate::sys;

/// Where `Env::connect` goes.
#[derive(Clone, Debug)]
pub enum ConnectTarget {
    Tcp { addr: SocketAddr, local: Option<SocketAddr> },
    /// A Unix-domain socket path; a leading NUL names a Linux abstract socket.
    Unix { path: String },
}

#[derive(Clone, Debug)]
pub struct ListenOptions {
    pub addr: SocketAddr,
    pub backlog: i32,
    /// For an IPv6 address: refuse IPv4-mapped connections (`ipv6Only`).
    pub ipv6_only: bool,
    pub pause_on_connect: bool,
}

pub(crate) struct EnvShared {
    pub sink: EventSink,
    next_id: AtomicU32,
    conns: Mutex<HashMap<u32, Arc<Conn>>>,
    listeners: Mutex<HashMap<u32, Arc<Listener>>>,
    torn_down: AtomicBool,
}

impl EnvShared {
    /// Ids are shared by sockets and servers and never reused while the env lives
    /// (2^31 of them before wrapping, kept positive for JS's int32 view).
    pub fn next_id(&self) -> u32 {
        (self.next_id.fetch_add(1, Ordering::Relaxed) & 0x7fff_ffff).max(1)
    }

    pub fn insert_conn(&self, conn: Arc<Conn>) {
        self.conns.lock().unwrap_or_else(|e| e.into_inner()).insert(conn.id(), conn);
    }

    pub fn remove_conn(&self, id: u32) {
        self.conns.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
    }

    pub fn remove_listener(&self, id: u32) {
        self.listeners.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
    }
}

/// A JS environment's handle on the reactor. Dropping it does not close anything;
/// `teardown` does.
pub struct Env {
    shared: Arc<EnvShared>,
}

impl Env {
    pub fn new(waker: Box<dyn Wake>) -> Env {
        // Start the runtime now so the first connect does not pay for it.
        let _ = runtime();
        Env {
            shared: Arc::new(EnvShared {
                sink: EventSink::new(waker),
                next_id: AtomicU32::new(1),
                conns: Mutex::new(HashMap::new()),
                listeners: Mutex::new(HashMap::new()),
                torn_down: AtomicBool::new(false),
            }),
        }
    }

    pub fn take_batch(&self) -> Batch {
        self.shared.sink.take()
    }

    /// Binds and listens now, on the calling thread; accepting runs on the reactor.
    /// Match node:net (libuv): SO_REUSEADDR on Unix, so a restarted server can bind
    /// while old connections sit in TIME_WAIT.
    pub fn listen(&self, opts: &ListenOptions) -> io::Result<Arc<Listener>> {
        let socket = Socket::new(Domain::for_address(opts.addr), Type::STREAM, Some(Protocol::TCP))?;
        socket.set_nonblocking(true)?;
        #[cfg(unix)]
        socket.set_reuse_address(true)?;
        if opts.addr.is_ipv6() {
            socket.set_only_v6(opts.ipv6_only)?;
        }
        socket.bind(&opts.addr.into())?;
        socket.listen(opts.backlog)?;
        let fd = socket.as_raw_fd();
        let tcp = {
            let _runtime = runtime().enter();
            TcpListener::from_std(socket.into())?
        };
        Ok(self.start_listener(AnyListener::Tcp(tcp), fd, opts.pause_on_connect, None))
    }

    /// `listen(path)`: binds a Unix-domain socket at `path` (a leading NUL: a Linux
    /// abstract name) and listens. Match node:net: an existing file at the path is not
    /// removed first, so a path in use gives EADDRINUSE; the file is removed on close.
    pub fn listen_unix(&self, path: &str, backlog: i32, pause_on_connect: bool) -> io::Result<Arc<Listener>> {
        let addr = sys::unix_sockaddr(path)?;
        let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        socket.set_nonblocking(true)?;
        socket.bind(&addr)?;
        socket.listen(backlog)?;
        let fd = socket.as_raw_fd();
        let unix = {
            let _runtime = runtime().enter();
            UnixListener::from_std(socket.into())?
        };
        let unlink = (!path.starts_with('\0')).then(|| std::path::PathBuf::from(path));
        Ok(self.start_listener(AnyListener::Unix(unix), fd, pause_on_connect, unlink))
    }

    /// `listen({ fd })` / `listenFD(fd)`: takes ownership of a TCP or Unix stream socket
    /// that already had bind(2) (and maybe listen(2)), and accepts on it. Match node:net:
    /// listen(2) is called on it again with `backlog`.
    ///
    /// The descriptor is owned by rsnet from here on, even if this fails (it is then
    /// closed), as node:net's handle owns it: two pollers on one fd would stall.
    pub fn listen_fd(&self, fd: RawFd, backlog: i32, pause_on_connect: bool) -> io::Result<Arc<Listener>> {
        let kind = sys::guess_handle_type(fd);
        if kind != "TCP" && kind != "PIPE" {
            return Err(io::Error::from_raw_os_error(libc::ENOTSOCK));
        }
        // SAFETY: the caller hands `fd` over; nothing else closes it from now on.
        let socket = unsafe { Socket::from_raw_fd(fd) };
        if kind == "PIPE" && socket.local_addr().map(|a| a.is_unix()).unwrap_or(false) == false {
            return Err(io::Error::from_raw_os_error(libc::ENOTSOCK));
        }
        socket.set_nonblocking(true)?;
        socket.listen(backlog)?;
        let listener = {
            let _runtime = runtime().enter();
            if kind == "TCP" {
                AnyListener::Tcp(TcpListener::from_std(socket.into())?)
            } else {
                AnyListener::Unix(UnixListener::from_std(socket.into())?)
            }
        };
        Ok(self.start_listener(listener, fd, pause_on_connect, None))
    }

    fn start_listener(&self, socket: AnyListener, fd: RawFd, pause_on_connect: bool, unlink_on_close: Option<std::path::PathBuf>) -> Arc<Listener> {
        let id = self.shared.next_id();
        let listener = Listener::new(id, fd, unlink_on_close);
        self.shared.listeners.lock().unwrap_or_else(|e| e.into_inner()).insert(id, listener.clone());
        let opts = AcceptOptions { pause_on_connect };
        runtime().spawn(listener::accept_loop(listener.clone(), self.shared.clone(), socket, opts));
        listener
    }

    /// `new Socket({ fd })`: takes ownership of a connected descriptor — a TCP or Unix
    /// stream socket, or a pipe — and drives it as if rsnet had connected it.
    /// Other kinds fail with EINVAL before anything is taken.
    pub fn adopt(&self, fd: RawFd) -> io::Result<Arc<Conn>> {
        let kind = sys::guess_handle_type(fd);
        if kind != "TCP" && kind != "PIPE" {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        // SAFETY: the caller hands `fd` over; nothing else closes it from now on.
        let owned = unsafe { OwnedFd::from_raw_fd(fd) };
        let socket = Socket::from(owned);
        socket.set_nonblocking(true)?;
        let is_unix_socket = kind == "PIPE" && socket.local_addr().map(|a| a.is_unix()).unwrap_or(false);
        let stream = {
            let _runtime = runtime().enter();
            if kind == "TCP" {
                Stream::Tcp(TcpStream::from_std(socket.into())?)
            } else if is_unix_socket {
                Stream::Unix(UnixStream::from_std(socket.into())?)
            } else {
                // SAFETY: an OwnedFd's descriptor stays open, and the same, until the
                // AsyncFd that owns it drops it.
                let registered = unsafe { AsyncFd::register(OwnedFd::from(socket)) };
                Stream::Fd(registered.map_err(|e| io::Error::from(e))?)
            }
        };
        let id = self.shared.next_id();
        let (conn, rx) = Conn::new(id, false);
        conn.set_fd(Some(fd));
        self.shared.insert_conn(conn.clone());
        runtime().spawn(conn_task::run(conn.clone(), self.shared.clone(), rx, Start::Open(stream)));
        Ok(conn)
    }

    /// Starts connecting; `Connected` or an `Error` (syscall connect or bind) follows.
    pub fn connect(&self, target: ConnectTarget) -> Arc<Conn> {
        let id = self.shared.next_id();
        // Reading starts when JS first asks (`_read`), as with libuv's readStart.
        let (conn, rx) = Conn::new(id, false);
        self.shared.insert_conn(conn.clone());
        runtime().spawn(conn_task::run(conn.clone(), self.shared.clone(), rx, Start::Connect(target)));
        conn
    }

    /// A connection the reactor accepted (announced by an `Accepted` event).
    pub fn accepted(&self, id: u32) -> Option<Arc<Conn>> {
        self.shared.conns.lock().unwrap_or_else(|e| e.into_inner()).get(&id).cloned()
    }

    /// Live sockets and listeners (for leak checks).
    pub fn handle_count(&self) -> usize {
        self.shared.conns.lock().unwrap_or_else(|e| e.into_inner()).len()
            + self.shared.listeners.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Closes everything the env still has open. For env teardown: nothing is reported.
    pub fn teardown(&self) {
        if self.shared.torn_down.swap(true, Ordering::AcqRel) {
            return;
        }
        let conns: Vec<_> = self.shared.conns.lock().unwrap_or_else(|e| e.into_inner()).values().cloned().collect();
        for conn in conns {
            conn.close();
        }
        let listeners: Vec<_> = self.shared.listeners.lock().unwrap_or_else(|e| e.into_inner()).values().cloned().collect();
        for l in listeners {
            l.close();
        }
    }
}
