//! Descriptors rsnet did not open: a listening socket inherited from a parent or from
//! systemd (`listen({ fd })`, the old `listenFD`), and a connected one handed to
//! `new Socket({ fd })`. Both are typed the way libuv's `uv_guess_handle` would, so a
//! descriptor works in rsnet exactly where it works in node:net.
//!
//! Windows: node:net's `fd` options take CRT descriptors, which are never sockets
//! there; rsnet refuses them with ENOTSUP.

use std::io;

use crate::listener::AnyListener;
use crate::stream::Stream;
#[cfg(windows)]
use crate::sys;

/// Takes ownership of a TCP or Unix stream socket that already had bind(2) (and maybe
/// listen(2)), ready to accept on. Match node:net: listen(2) is called again with
/// `backlog`.
///
/// Anything but a socket fails with ENOTSOCK and is left alone. Once it is seen to be
/// a socket, `fd` is owned by rsnet even if a later step fails (it is then closed), as
/// node:net's handle owns it: two pollers on one fd would stall.
#[cfg(unix)]
pub(crate) fn listening_from_fd(fd: i32, backlog: i32) -> io::Result<AnyListener> {
    use std::os::fd::FromRawFd;

    use crate::runtime::runtime;
    use crate::sys;

    let kind = sys::guess_handle_type(fd);
    if kind != "TCP" && kind != "PIPE" {
        return Err(sys::enotsock());
    }
    // SAFETY: the caller hands `fd` over; nothing else closes it from now on.
    let socket = unsafe { socket2::Socket::from_raw_fd(fd) };
    if kind == "PIPE" && !socket.local_addr().map(|a| a.is_unix()).unwrap_or(false) {
        return Err(sys::enotsock());
    }
    socket.set_nonblocking(true)?;
    socket.listen(backlog)?;
    let _runtime = runtime().enter();
    Ok(if kind == "TCP" {
        AnyListener::Tcp(tokio::net::TcpListener::from_std(socket.into())?)
    } else {
        AnyListener::Unix(tokio::net::UnixListener::from_std(socket.into())?)
    })
}

#[cfg(windows)]
pub(crate) fn listening_from_fd(_fd: i32, _backlog: i32) -> io::Result<AnyListener> {
    Err(sys::enotsup())
}

/// Takes ownership of a connected descriptor — a TCP or Unix stream socket, or a pipe
/// or FIFO — as a stream. Other kinds (a TTY, a file) fail with EINVAL before anything
/// is taken.
#[cfg(unix)]
pub(crate) fn stream_from_fd(fd: i32) -> io::Result<Stream> {
    use std::os::fd::{FromRawFd, OwnedFd};

    use tokio::io::unix::AsyncFd;

    use crate::runtime::runtime;
    use crate::sys;

    let kind = sys::guess_handle_type(fd);
    if kind != "TCP" && kind != "PIPE" {
        return Err(sys::einval());
    }
    // SAFETY: the caller hands `fd` over; nothing else closes it from now on.
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    let socket = socket2::Socket::from(owned);
    socket.set_nonblocking(true)?;
    let is_unix_socket = kind == "PIPE" && socket.local_addr().map(|a| a.is_unix()).unwrap_or(false);
    let _runtime = runtime().enter();
    Ok(if kind == "TCP" {
        Stream::Tcp(tokio::net::TcpStream::from_std(socket.into())?)
    } else if is_unix_socket {
        Stream::Unix(tokio::net::UnixStream::from_std(socket.into())?)
    } else {
        // A pipe or FIFO: no socket calls apply, so it is polled as a plain fd.
        // SAFETY: an OwnedFd's descriptor stays open, and the same, until the AsyncFd
        // that owns it drops it.
        let registered = unsafe { AsyncFd::register(OwnedFd::from(socket)) };
        Stream::Fd(registered.map_err(io::Error::from)?)
    })
}

#[cfg(windows)]
pub(crate) fn stream_from_fd(_fd: i32) -> io::Result<Stream> {
    Err(sys::enotsup())
}
