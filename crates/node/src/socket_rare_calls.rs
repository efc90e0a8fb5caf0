//! The socket calls made rarely (options, addresses, descriptor passing), as napi-rs
//! functions that take the socket's id like the hot ones (`socket_calls`): a few
//! hundred ns of napi-rs glue does not matter here, and napi-rs builds the objects
//! they return. An id JS no longer holds answers as a closed socket does: EBADF, or
//! no address.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use crate::addr::{to_js, AddressInfo};
use crate::conn_table;
use crate::socket_calls::write_outcome;

/// The reactor's error number: a positive errno on Unix, libuv's negative number on
/// Windows (see `rsnet_reactor::errno_of`).
fn errno(e: std::io::Error) -> i32 {
    rsnet_reactor::errno_of(&e)
}

/// `write` with a descriptor passed alongside (SCM_RIGHTS over a Unix socket): 0, 1 or
/// a negative errno as the hot `write`. The caller keeps its own copy of `fd`.
#[napi(js_name = "socketWriteFd", catch_unwind)]
pub fn socket_write_fd(id: u32, data: BufferSlice, fd: i32) -> i32 {
    write_outcome(conn_table::with(id, |c| c.write_with_fd(&data, fd)))
}

/// Ends the write side once queued writes are out; `ShutdownDone` follows.
#[napi(js_name = "socketShutdown", catch_unwind)]
pub fn socket_shutdown(id: u32) {
    conn_table::with(id, |c| c.shutdown());
}

/// 0 or a positive errno.
#[napi(js_name = "socketSetNoDelay", catch_unwind)]
pub fn socket_set_no_delay(id: u32, on: bool) -> i32 {
    conn_table::with(id, |c| c.set_nodelay(on)).unwrap_or_else(|| Err(rsnet_reactor::ebadf())).map_or_else(errno, |_| 0)
}

/// 0 or a positive errno.
#[napi(js_name = "socketSetKeepAlive", catch_unwind)]
pub fn socket_set_keep_alive(id: u32, on: bool, delay_secs: u32) -> i32 {
    conn_table::with(id, |c| c.set_keepalive(on, delay_secs))
        .unwrap_or_else(|| Err(rsnet_reactor::ebadf()))
        .map_or_else(errno, |_| 0)
}

/// 0 or a positive errno.
#[napi(js_name = "socketSetTypeOfService", catch_unwind)]
pub fn socket_set_type_of_service(id: u32, tos: u32) -> i32 {
    conn_table::with(id, |c| c.set_type_of_service(tos as u8))
        .unwrap_or_else(|| Err(rsnet_reactor::ebadf()))
        .map_or_else(errno, |_| 0)
}

/// The type of service (0 to 255), or a negative errno.
#[napi(js_name = "socketGetTypeOfService", catch_unwind)]
pub fn socket_get_type_of_service(id: u32) -> i32 {
    conn_table::with(id, |c| c.type_of_service())
        .unwrap_or_else(|| Err(rsnet_reactor::ebadf()))
        .map_or_else(|e| -errno(e).abs(), i32::from)
}

#[napi(js_name = "socketLocalAddress", catch_unwind)]
pub fn socket_local_address(id: u32) -> Option<AddressInfo> {
    conn_table::with(id, |c| c.local_addr().ok().map(to_js)).flatten()
}

#[napi(js_name = "socketRemoteAddress", catch_unwind)]
pub fn socket_remote_address(id: u32) -> Option<AddressInfo> {
    conn_table::with(id, |c| c.peer_addr().ok().map(to_js)).flatten()
}

#[napi(object)]
pub struct SocketOptionsJs {
    pub no_delay: bool,
    pub keep_alive: bool,
    pub keep_alive_idle_secs: u32,
}

/// TCP_NODELAY and keepalive as the kernel reports them for this socket's fd: how
/// tests check that setNoDelay/setKeepAlive reached the real descriptor.
#[napi(js_name = "socketOptions", catch_unwind)]
pub fn socket_options(id: u32) -> Option<SocketOptionsJs> {
    let options = conn_table::with(id, |c| c.socket_options().ok()).flatten()?;
    Some(SocketOptionsJs {
        no_delay: options.no_delay,
        keep_alive: options.keep_alive,
        keep_alive_idle_secs: options.keep_alive_idle_secs,
    })
}

/// The descriptor while open, else -1.
#[napi(js_name = "socketFd", catch_unwind)]
pub fn socket_fd(id: u32) -> i32 {
    conn_table::with(id, |c| c.js_fd()).flatten().unwrap_or(-1)
}

/// connect(2) once more on a connected socket (node:net's `connect()` called again):
/// to `host`:`port` when `host` is an IP literal, else to `path`. 0, or a positive
/// errno (EBADF when the socket is gone, EINVAL for what cannot be an address).
#[napi(js_name = "socketConnectAgain", catch_unwind)]
pub fn socket_connect_again(id: u32, host: Option<String>, port: u32, path: Option<String>) -> i32 {
    let outcome = match (host, path) {
        (Some(host), _) => match crate::addr::parse_socket_addr(&host, port) {
            Ok(to) => conn_table::with(id, |c| c.connect_again_ip(to)),
            Err(_) => Some(Err(std::io::Error::from(std::io::ErrorKind::InvalidInput))),
        },
        #[cfg(unix)]
        (None, Some(path)) => conn_table::with(id, |c| c.connect_again_path(&path)),
        _ => Some(Err(std::io::Error::from(std::io::ErrorKind::InvalidInput))),
    };
    match outcome {
        None => errno(rsnet_reactor::ebadf()),
        Some(Ok(())) => 0,
        Some(Err(e)) if e.raw_os_error().is_none() => errno(einval()),
        Some(Err(e)) => errno(e),
    }
}

fn einval() -> std::io::Error {
    #[cfg(unix)]
    return std::io::Error::from_raw_os_error(libc::EINVAL);
    #[cfg(not(unix))]
    return std::io::Error::from(std::io::ErrorKind::InvalidInput);
}
