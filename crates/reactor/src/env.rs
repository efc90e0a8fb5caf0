//! One JS environment's view of the reactor: its live handles (by process-wide ids)
//! and its event sink. The main thread and every worker thread each have one.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::TcpListener;

use crate::conn::Conn;
use crate::conn_task;
use crate::listener::{self, AnyListener, Listener};
use crate::runtime::runtime;
use crate::sink::{Batch, EventSink, Wake};

/// Where `Env::connect` goes.
#[derive(Debug)]
pub enum ConnectTarget {
    Tcp { addr: SocketAddr, local: Option<SocketAddr> },
    /// node:net's `path`: a Unix-domain socket (a leading NUL names a Linux abstract
    /// socket), or on Windows a named pipe.
    Path { path: String },
    /// From a socket bound before (`bound::bind_tcp`, net.BoundSocket): the reactor
    /// owns `fd` from here on, and closes it if the connect never happens.
    #[cfg(unix)]
    TcpFromBound { addr: SocketAddr, fd: std::os::fd::OwnedFd },
    /// From a Unix socket bound before (`bound::bind_path`).
    #[cfg(unix)]
    PathFromBound { path: String, fd: std::os::fd::OwnedFd },
}


#[derive(Clone, Debug)]
pub struct ListenOptions {
    pub addr: SocketAddr,
    pub backlog: i32,
    /// For an IPv6 address: refuse IPv4-mapped connections (`ipv6Only`).
    pub ipv6_only: bool,
    /// SO_REUSEPORT (`reusePort`): other sockets may listen on the same address, and
    /// the kernel spreads the connections among them.
    pub reuse_port: bool,
}

pub(crate) struct EnvShared {
    pub sink: EventSink,
    conns: Mutex<HashMap<u32, Arc<Conn>>>,
    listeners: Mutex<HashMap<u32, Arc<Listener>>>,
    torn_down: AtomicBool,
    /// Whether the env's JS memory still exists: false from teardown on. Queued writes
    /// that point into JS Buffers (`write_bytes`) are written under a read guard, so
    /// teardown's write guard waits for any write in progress, and none starts after:
    /// the env's heap is freed right after its cleanup hooks.
    js_memory: RwLock<bool>,
}

impl EnvShared {
    /// Ids are shared by sockets and servers and never reused while the process lives
    /// (2^31 of them before wrapping, kept positive for JS's int32 view). Unique across
    /// envs too, so that a table keyed by id on the JS thread (the binding's) could not
    /// mix up two envs' sockets even if they shared a thread.
    pub fn next_id(&self) -> u32 {
        static NEXT_ID: AtomicU32 = AtomicU32::new(1);
        (NEXT_ID.fetch_add(1, Ordering::Relaxed) & 0x7fff_ffff).max(1)
    }

    pub fn insert_conn(&self, conn: Arc<Conn>) {
        self.conns.lock().unwrap_or_else(|e| e.into_inner()).insert(conn.id(), conn);
    }

    pub fn remove_conn(&self, id: u32) {
        self.conns.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
    }

    /// A read guard on the env's JS memory: while it is held and says true, bytes lent
    /// by the env's Buffers may be read.
    pub fn js_memory(&self) -> RwLockReadGuard<'_, bool> {
        self.js_memory.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn remove_listener(&self, id: u32) {
        self.listeners.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
    }
}

/// A JS environment's handle on the reactor. Dropping it does not close anything;
/// `teardown` does.
pub struct Env {
    pub(crate) shared: Arc<EnvShared>,
}

impl Env {
    pub fn new(waker: Box<dyn Wake>) -> Env {
        // Start the runtime now so the first connect does not pay for it.
        let _ = runtime();
        Env {
            shared: Arc::new(EnvShared {
                sink: EventSink::new(waker),
                conns: Mutex::new(HashMap::new()),
                listeners: Mutex::new(HashMap::new()),
                torn_down: AtomicBool::new(false),
                js_memory: RwLock::new(true),
            }),
        }
    }

    pub fn take_batch(&self) -> Batch {
        self.shared.sink.take()
    }

    /// Returns a consumed batch's buffers for reuse (see `EventSink::recycle`).
    pub fn recycle_batch(&self, batch: Batch) {
        self.shared.sink.recycle(batch)
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
        // Match node:net (libuv's UV_TCP_REUSEPORT): SO_REUSEPORT where there is one
        // (libuv takes FreeBSD's load-balancing variant there), ENOTSUP elsewhere.
        if opts.reuse_port {
            #[cfg(unix)]
            socket.set_reuse_port(true)?;
            #[cfg(not(unix))]
            return Err(crate::sys::enotsup());
        }
        socket.bind(&opts.addr.into())?;
        socket.listen(opts.backlog)?;
        let tcp = {
            let _runtime = runtime().enter();
            TcpListener::from_std(socket.into())?
        };
        Ok(self.start_listener(AnyListener::Tcp(tcp), None))
    }

    /// `listen(path)`: binds node:net's local endpoint at `path` and listens: a
    /// Unix-domain socket, or on Windows a named pipe (see `local`).
    pub fn listen_path(&self, path: &str, backlog: i32) -> io::Result<Arc<Listener>> {
        let (listener, unlink) = crate::local::bind(path, backlog)?;
        Ok(self.start_listener(listener, unlink))
    }

    /// `listen({ fd })` / `listenFD(fd)`: accepts on an inherited, bound socket (see
    /// `adopt::listening_from_fd`). rsnet owns `fd` from here on, even on failure.
    pub fn listen_fd(&self, fd: i32, backlog: i32) -> io::Result<Arc<Listener>> {
        self.listen_bound(fd, backlog, None)
    }

    /// `listen_fd`, removing the socket file `unlink` when the listener closes: a Unix
    /// socket a BoundSocket bound to that path (Match libuv: the pipe that bound a path
    /// unlinks it on close).
    pub fn listen_bound(&self, fd: i32, backlog: i32, unlink: Option<std::path::PathBuf>) -> io::Result<Arc<Listener>> {
        let listener = crate::adopt::listening_from_fd(fd, backlog)?;
        Ok(self.start_listener(listener, unlink))
    }

    fn start_listener(&self, socket: AnyListener, unlink_on_close: Option<std::path::PathBuf>) -> Arc<Listener> {
        let id = self.shared.next_id();
        let listener = Listener::new(id, socket.os_handle(), unlink_on_close);
        self.shared.listeners.lock().unwrap_or_else(|e| e.into_inner()).insert(id, listener.clone());
        runtime().spawn(listener::accept_loop(listener.clone(), self.shared.clone(), socket));
        listener
    }

    /// `new Socket({ fd })`: takes ownership of a connected descriptor (see
    /// `adopt::stream_from_fd`) and drives it as if rsnet had connected it.
    pub fn adopt(&self, fd: i32) -> io::Result<Arc<Conn>> {
        let stream = crate::adopt::stream_from_fd(fd)?;
        let id = self.shared.next_id();
        let conn = Conn::new(id, false);
        conn.set_stream(&stream);
        self.shared.insert_conn(conn.clone());
        runtime().spawn(conn_task::serve(conn.clone(), self.shared.clone(), stream));
        Ok(conn)
    }

    /// Starts connecting; `Connected` or an `Error` (syscall connect or bind) follows.
    pub fn connect(&self, target: ConnectTarget) -> Arc<Conn> {
        let id = self.shared.next_id();
        // Reading starts when JS first asks (`_read`), as with libuv's readStart.
        let conn = Conn::new(id, false);
        self.shared.insert_conn(conn.clone());
        runtime().spawn(conn_task::connect_then_serve(conn.clone(), self.shared.clone(), target));
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
        // Waits for a write from lent JS memory in progress on the reactor thread; none
        // starts after this.
        *self.shared.js_memory.write().unwrap_or_else(|e| e.into_inner()) = false;
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
