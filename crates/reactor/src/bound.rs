//! Sockets bound before they listen or connect (node:net's `net.BoundSocket`, Node 24.21
//! and 26): bound here on the JS thread, so a port or path in use is an error at once;
//! handed out as a descriptor that JS holds until a server listens on it
//! (`Env::listen_fd`) or a socket connects from it (`ConnectTarget::*FromBound`).
//! Unix only: Windows sockets have no descriptors to hand around.

use std::io;
use std::net::SocketAddr;
use std::os::fd::{IntoRawFd, OwnedFd, RawFd};

use socket2::{Domain, Protocol, Socket, Type};

use crate::event::Syscall;
use crate::stream::Stream;
use crate::sys;

/// A TCP socket bound to `addr`. Match node:net (libuv's uv_tcp_bind): SO_REUSEADDR,
/// IPV6_V6ONLY as asked, SO_REUSEPORT if asked.
pub fn bind_tcp(addr: SocketAddr, ipv6_only: bool, reuse_port: bool) -> io::Result<RawFd> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    if addr.is_ipv6() {
        socket.set_only_v6(ipv6_only)?;
    }
    if reuse_port {
        socket.set_reuse_port(true)?;
    }
    socket.bind(&addr.into())?;
    Ok(socket.into_raw_fd())
}

/// The local address of `fd`, an open socket the caller holds (a bound one's port).
pub fn local_addr(fd: RawFd) -> io::Result<crate::stream::SockAddr> {
    // SAFETY: the caller holds `fd` open for the duration of the call.
    unsafe { sys::local_addr(fd) }
}

/// A Unix-domain socket bound to `path` (the socket file is made now).
pub fn bind_path(path: &str) -> io::Result<RawFd> {
    let addr = sys::unix_sockaddr(path)?;
    let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
    socket.bind(&addr)?;
    Ok(socket.into_raw_fd())
}

/// Connects the bound TCP socket `fd` to `addr`.
pub(crate) async fn connect_tcp(fd: OwnedFd, addr: SocketAddr) -> Result<Stream, (io::Error, Syscall)> {
    crate::conn_task::connect_tcp_socket(Socket::from(fd), addr).await.map(Stream::Tcp)
}

/// Connects the bound Unix socket `fd` to `path`.
pub(crate) async fn connect_path(fd: OwnedFd, path: &str) -> Result<Stream, (io::Error, Syscall)> {
    crate::local::connect_with(Socket::from(fd), path).await
}
