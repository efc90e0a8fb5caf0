//! One JS environment's view of the reactor: its id space, its live handles and its
//! event sink. The main thread and every worker thread each have one.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::TcpListener;

use crate::conn::Conn;
use crate::conn_task::{self, Start};
use crate::listener::{self, AcceptOptions, Listener};
use crate::runtime::runtime;
use crate::sink::{Batch, EventSink, Wake};

/// Where `Env::connect` goes.
#[derive(Clone, Debug)]
pub enum ConnectTarget {
    Tcp { addr: SocketAddr, local: Option<SocketAddr> },
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
        let std_listener: std::net::TcpListener = socket.into();
        let id = self.shared.next_id();
        let listener = Listener::new(id, std_listener.as_raw_fd());
        let tcp = {
            let _runtime = runtime().enter();
            TcpListener::from_std(std_listener)?
        };
        self.shared.listeners.lock().unwrap_or_else(|e| e.into_inner()).insert(id, listener.clone());
        let accept_opts = AcceptOptions { pause_on_connect: opts.pause_on_connect };
        runtime().spawn(listener::accept_loop(listener.clone(), self.shared.clone(), tcp, accept_opts));
        Ok(listener)
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
