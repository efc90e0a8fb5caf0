//! rsnet-node: the napi-rs binding of rsnet. Thin by design: it turns JS calls into
//! calls on `rsnet_reactor` and hands event batches to JS in one piece. If a function
//! here grows I/O logic, that logic belongs in the reactor.
//!
//! * `Binding` (this file) — one per JS environment: the event wake-up,
//!   `listen`/`connect`, liveness (`ref`/`unref`) and teardown.
//! * `thread_env` — the JS thread's env, for calls that have no `Binding` receiver.
//! * `raw_call` — plain Node-API functions for the calls made per message or per
//!   connection (napi-rs's method glue costs ~0.6 µs a call).
//! * `batches`  — `pollInto` (one `raw_call` per batch), `copyData` (one per bulk chunk), `takeBatch`.
//! * `js_reads` — Linux: the JS thread reads the sockets JS consumes itself, watched
//!   from Node's event loop, and dispatches their events in one call.
//! * `conn_table` — the JS thread's sockets by id: JS holds a socket by its id, from
//!   when it takes it until it closes it.
//! * `socket_calls` — the per-message and per-connection socket calls (`raw_call`s).
//! * `socket_rare_calls` — the other socket calls (options, addresses, fd passing).
//! * `server_handle` — `ServerHandle`, the JS-side owner of a reactor `Listener`.
//! * `wake`     — the raw threadsafe function and its teardown rules.
//! * `addr`     — socket addresses to and from JS.
//!
//! Every exported function is `catch_unwind`: a Rust panic becomes a JS exception,
//! never an abort of the process.

mod addr;
mod batches;
mod conn_table;
#[cfg(target_os = "linux")]
mod js_reads;
mod raw_call;
mod server_handle;
mod socket_calls;
mod socket_rare_calls;
mod thread_env;
mod wake;

use std::net::SocketAddr;
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use rsnet_reactor::{ConnectTarget, Env as ReactorEnv, ListenOptions};

use crate::addr::parse_socket_addr;
use crate::server_handle::ServerHandle;
use crate::wake::TsfnWaker;

/// A descriptor `adopt` took over: the id JS holds it by.
#[napi(object)]
pub struct AdoptedSocket {
    pub id: u32,
}

#[napi]
pub struct Binding {
    env: Arc<ReactorEnv>,
    waker: Arc<TsfnWaker>,
}

#[napi]
impl Binding {
    /// `onEvents` is called (with no arguments) whenever a batch is waiting; it takes
    /// it with `pollInto`. `chunks` is the array the chunks the JS thread reads go to
    /// (Linux), one per `DATA_OWN` `Data` record, in order.
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, on_events: Function<'_, (), ()>, chunks: Array) -> Result<Self> {
        // SAFETY: both handles come from the current call.
        let waker = unsafe { TsfnWaker::create(env.raw(), on_events.raw())? };
        // SAFETY: as above.
        #[cfg(target_os = "linux")]
        unsafe {
            js_reads::set_drain(env.raw(), on_events.raw(), chunks.raw())?
        };
        #[cfg(not(target_os = "linux"))]
        let _ = chunks;
        let reactor_env = Arc::new(ReactorEnv::new(Box::new(waker.clone())));
        thread_env::set(reactor_env.clone());
        let cleanup = (reactor_env.clone(), waker.clone());
        // Registered after the threadsafe function, so it runs before Node's own
        // cleanup of that function (see wake.rs).
        env.add_env_cleanup_hook(cleanup, |(reactor_env, waker)| {
            waker.abort();
            #[cfg(target_os = "linux")]
            js_reads::teardown();
            reactor_env.teardown();
        })?;
        Ok(Binding { env: reactor_env, waker })
    }

    /// Keeps the process alive while JS has a ref'd handle (`true`), or lets it exit.
    #[napi(js_name = "setRef", catch_unwind)]
    pub fn set_ref(&self, env: Env, refer: bool) {
        // SAFETY: called on this env's JS thread with its env.
        unsafe { self.waker.set_ref(env.raw(), refer) };
    }

    /// Binds and listens on `host:port` now. Returns the server handle, or the positive
    /// errno of the failed bind/listen.
    #[napi(js_name = "listenTcp", catch_unwind)]
    pub fn listen_tcp(
        &self,
        host: String,
        port: u32,
        backlog: i32,
        ipv6_only: bool,
        reuse_port: bool,
    ) -> Result<Either<ServerHandle, i32>> {
        let addr = parse_socket_addr(&host, port)?;
        let opts = ListenOptions { addr, backlog, ipv6_only, reuse_port };
        Ok(match self.env.listen(&opts) {
            Ok(listener) => Either::A(ServerHandle::new(listener)),
            Err(e) => Either::B(rsnet_reactor::errno_of(&e)),
        })
    }

    /// `listen(path)`: binds and listens on a Unix-domain socket path (a named pipe on
    /// Windows) now. Returns the server handle or the errno (see `errno_of`).
    #[napi(js_name = "listenUnix", catch_unwind)]
    pub fn listen_unix(&self, path: String, backlog: i32) -> Either<ServerHandle, i32> {
        match self.env.listen_path(&path, backlog) {
            Ok(listener) => Either::A(ServerHandle::new(listener)),
            Err(e) => Either::B(rsnet_reactor::errno_of(&e)),
        }
    }

    /// `listen({ fd })`: accepts on a descriptor that was bound (and maybe listening).
    /// rsnet owns `fd` from here on; `unlink_path`, a Unix socket's file, is removed
    /// when the server closes (a BoundSocket's). Returns the server handle or the
    /// positive errno.
    #[napi(js_name = "listenFd", catch_unwind)]
    pub fn listen_fd(&self, fd: i32, backlog: i32, unlink_path: Option<String>) -> Either<ServerHandle, i32> {
        match self.env.listen_bound(fd, backlog, unlink_path.map(std::path::PathBuf::from)) {
            Ok(listener) => Either::A(ServerHandle::new(listener)),
            Err(e) => Either::B(rsnet_reactor::errno_of(&e)),
        }
    }

    /// `new Socket({ fd })`: drives a connected descriptor (TCP, Unix or a pipe). rsnet
    /// owns `fd` from here on. Returns `{ id }` of the socket JS now holds, or the
    /// positive errno.
    #[napi(catch_unwind)]
    pub fn adopt(&self, fd: i32) -> Either<AdoptedSocket, i32> {
        match self.env.adopt(fd) {
            Ok(conn) => Either::A(AdoptedSocket { id: conn_table::insert(conn) }),
            Err(e) => Either::B(rsnet_reactor::errno_of(&e)),
        }
    }

    /// Starts connecting to a Unix-domain socket path (a named pipe on Windows);
    /// `Connected` or an `Error` follows. Returns the id of the socket JS now holds.
    #[napi(js_name = "connectUnix", catch_unwind)]
    pub fn connect_unix(&self, path: String) -> u32 {
        conn_table::insert(self.env.connect(ConnectTarget::Path { path }))
    }

    /// Starts connecting from a socket bound before (net.BoundSocket: `bindTcp` or
    /// `bindUnix`) to an IP literal (`host`) or a Unix path (`path`, when `host` is
    /// null). rsnet owns `fd` from here on. Returns the id of the socket JS now holds.
    /// (On Windows there are no descriptors to bind ahead: an error.)
    #[napi(js_name = "connectBound", catch_unwind)]
    pub fn connect_bound(&self, fd: i32, host: Option<String>, port: u32, path: Option<String>) -> Result<u32> {
        #[cfg(unix)]
        {
            // SAFETY: JS hands over the descriptor its BoundSocket held and forgets it.
            let fd = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
            let target = match (host, path) {
                (Some(host), _) => ConnectTarget::TcpFromBound { addr: parse_socket_addr(&host, port)?, fd },
                (None, Some(path)) => ConnectTarget::PathFromBound { path, fd },
                (None, None) => return Err(napi::Error::from_reason("rsnet: connectBound needs a host or a path")),
            };
            Ok(conn_table::insert(self.env.connect(target)))
        }
        #[cfg(not(unix))]
        {
            let _ = (fd, host, port, path);
            Err(napi::Error::from_reason("rsnet: net.BoundSocket is not supported on this platform"))
        }
    }

    /// Starts connecting to an IP literal; `Connected` or an `Error` event follows.
    /// Returns the id of the socket JS now holds.
    #[napi(js_name = "connectTcp", catch_unwind)]
    pub fn connect_tcp(
        &self,
        host: String,
        port: u32,
        local_host: Option<String>,
        local_port: Option<u32>,
    ) -> Result<u32> {
        let addr = parse_socket_addr(&host, port)?;
        let local = match (local_host, local_port) {
            (None, None) => None,
            (host, port) => Some(match host {
                Some(h) => parse_socket_addr(&h, port.unwrap_or(0))?,
                None if addr.is_ipv4() => SocketAddr::new(std::net::Ipv4Addr::UNSPECIFIED.into(), port.unwrap_or(0) as u16),
                None => SocketAddr::new(std::net::Ipv6Addr::UNSPECIFIED.into(), port.unwrap_or(0) as u16),
            }),
        };
        Ok(conn_table::insert(self.env.connect(ConnectTarget::Tcp { addr, local })))
    }

    /// Live sockets and listeners in this env (for leak checks in tests).
    #[napi(js_name = "handleCount", catch_unwind)]
    pub fn handle_count(&self) -> u32 {
        self.env.handle_count() as u32
    }
}

/// libuv's name for what kind of descriptor `fd` is ("TCP", "PIPE", "TTY", "FILE",
/// "UDP", "UNKNOWN"), as node:net's `guessHandleType`.
/// How many sockets this thread's JS holds by id (see `conn_table`), for leak checks.
#[napi(js_name = "heldSocketCount", catch_unwind)]
pub fn held_socket_count() -> u32 {
    conn_table::len() as u32
}

/// Puts the plain Node-API calls (`socket_calls`, `pollInto`) on `target` as
/// functions.
#[napi(js_name = "installRawCalls", catch_unwind)]
pub fn install_raw_calls(env: Env, target: Object) -> Result<()> {
    // SAFETY: both are values of the current call, on its JS thread.
    unsafe {
        raw_call::install(env.raw(), target.raw(), socket_calls::CALLS)?;
        raw_call::install(env.raw(), target.raw(), batches::CALLS)
    }
}

#[napi(js_name = "guessHandleType", catch_unwind)]
pub fn guess_handle_type(fd: i32) -> String {
    rsnet_reactor::guess_handle_type(fd).to_string()
}

/// Closes a descriptor rsnet received for a socket that no longer wants it.
/// net.BoundSocket: a TCP socket bound to `host:port` (an IP literal) now, on this
/// thread, so that a port in use fails here. Its descriptor, or the negated errno.
#[cfg(unix)]
#[napi(js_name = "bindTcp", catch_unwind)]
pub fn bind_tcp(host: String, port: u32, ipv6_only: bool, reuse_port: bool) -> Result<i32> {
    let addr = parse_socket_addr(&host, port)?;
    Ok(rsnet_reactor::bound::bind_tcp(addr, ipv6_only, reuse_port).unwrap_or_else(|e| -rsnet_reactor::errno_of(&e)))
}

/// The local address of the socket `fd` (a BoundSocket's), or null.
#[cfg(unix)]
#[napi(js_name = "fdLocalAddress", catch_unwind)]
pub fn fd_local_address(fd: i32) -> Option<crate::addr::AddressInfo> {
    rsnet_reactor::bound::local_addr(fd).ok().map(crate::addr::to_js)
}

/// net.BoundSocket: a Unix-domain socket bound to `path` now. Its descriptor, or the
/// negated errno.
#[cfg(unix)]
#[napi(js_name = "bindUnix", catch_unwind)]
pub fn bind_unix(path: String) -> i32 {
    rsnet_reactor::bound::bind_path(&path).unwrap_or_else(|e| -rsnet_reactor::errno_of(&e))
}

/// A new descriptor for the same socket (close-on-exec), or the negated errno: how a
/// socket libuv holds (one a cluster primary handed over) becomes rsnet's while libuv
/// closes its own.
#[napi(js_name = "dupFd", catch_unwind)]
pub fn dup_fd(fd: i32) -> i32 {
    rsnet_reactor::dup_fd(fd)
}

#[napi(js_name = "closeFd", catch_unwind)]
pub fn close_fd(fd: i32) {
    rsnet_reactor::close_fd(fd);
}

/// `fcntl(F_GETFL) & O_ACCMODE` of `fd` (0 read-only, 1 write-only, 2 both), or -1.
#[napi(js_name = "fdAccessMode", catch_unwind)]
pub fn fd_access_mode(fd: i32) -> i32 {
    rsnet_reactor::access_mode(fd)
}

/// Whether `fd` is an open descriptor.
#[napi(js_name = "fdIsOpen", catch_unwind)]
pub fn fd_is_open(fd: i32) -> bool {
    rsnet_reactor::fd_is_open(fd)
}

/// Whether Linux abstract socket names are padded to the whole `sun_path`, as the
/// running Node's libuv does (Node 20) or not (Node 22 on).
#[napi(js_name = "setAbstractNamePadding", catch_unwind)]
pub fn set_abstract_name_padding(pad: bool) {
    rsnet_reactor::set_abstract_name_padding(pad);
}

/// Whether a Unix socket path too long for `sun_path` is cut to fit, as the running
/// Node's libuv does (Node 20 and 22), or refused with EINVAL (Node 24 on).
/// Whether a short read from a hung-up socket ends its stream, as libuv before 1.52 does
/// (`rsnet_reactor::set_eof_on_hang_up`).
#[napi(js_name = "setEofOnHangUp", catch_unwind)]
pub fn set_eof_on_hang_up(on: bool) {
    // Only Linux reads on the JS thread (js_reads); elsewhere the reactor's reads have
    // no such rule, and there is nothing to set.
    #[cfg(target_os = "linux")]
    rsnet_reactor::set_eof_on_hang_up(on);
    #[cfg(not(target_os = "linux"))]
    let _ = on;
}

#[napi(js_name = "setLongPathTruncation", catch_unwind)]
pub fn set_long_path_truncation(truncate: bool) {
    rsnet_reactor::set_long_path_truncation(truncate);
}

/// Sets the number of reactor I/O threads; only before the first socket. Returns
/// whether it took effect.
#[napi(js_name = "setIoThreads", catch_unwind)]
pub fn set_io_threads(n: u32) -> bool {
    rsnet_reactor::set_io_threads(n as usize)
}
