//! The JS-side owners of reactor handles. Each wraps an `Arc`; dropping the JS object
//! does not close anything (JS closes explicitly, as node:net's handles do).

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use rsnet_reactor::{Conn, Listener, WriteOutcome};

use crate::addr::{to_js, AddressInfo};

#[napi]
pub struct SocketHandle {
    conn: Arc<Conn>,
}

/// The reactor's error number: a positive errno on Unix, libuv's negative number on
/// Windows (see `rsnet_reactor::errno_of`).
fn errno(e: std::io::Error) -> i32 {
    rsnet_reactor::errno_of(&e)
}

impl SocketHandle {
    pub fn new(conn: Arc<Conn>) -> Self {
        SocketHandle { conn }
    }
}

#[napi]
impl SocketHandle {
    #[napi(getter)]
    pub fn id(&self) -> u32 {
        self.conn.id()
    }

    /// Writes one request. Returns 0 when every byte went out now, 1 when some are
    /// queued (a `WriteDone` event follows), or the negative errno of a failure.
    ///
    /// `try_now` false sends nothing on this thread: the reactor writes it all. That is
    /// for bytes the reactor itself just read (a proxy's 'data' chunks), which are in
    /// its thread's cache and not in this one's.
    ///
    /// On 1 the queued bytes are `data`'s own, not a copy: the caller must keep `data`
    /// alive and unchanged until the `WriteDone` or `Closed` event (TcpHandle's
    /// `writeHold` does).
    #[napi(catch_unwind)]
    pub fn write(&self, data: BufferSlice, try_now: bool) -> i32 {
        // SAFETY: JS keeps the Buffer until the request or the socket is over, and its
        // memory does not move: napi_get_buffer_info gave the address of its backing
        // store, which lives off the JS heap. The env's teardown revokes the loan
        // (`EnvShared::js_memory`).
        outcome(unsafe { self.conn.write_lent(&[&data], try_now) })
    }

    /// `write` with a descriptor passed alongside (SCM_RIGHTS over a Unix socket): 0,
    /// 1 or a negative errno as `write`. The caller keeps its own copy of `fd`.
    #[napi(js_name = "writeFd", catch_unwind)]
    pub fn write_fd(&self, data: BufferSlice, fd: i32) -> i32 {
        outcome(self.conn.write_with_fd(&data, fd))
    }

    /// `write` for several buffers at once (`_writev`), sent with one `writev`; on 1
    /// every one of them must be kept.
    #[napi(catch_unwind)]
    pub fn writev(&self, chunks: Vec<BufferSlice>, try_now: bool) -> i32 {
        let slices: Vec<&[u8]> = chunks.iter().map(|c| &c[..]).collect();
        // SAFETY: as in `write`.
        outcome(unsafe { self.conn.write_lent(&slices, try_now) })
    }

    #[napi(catch_unwind)]
    pub fn shutdown(&self) {
        self.conn.shutdown();
    }

    /// Shuts the write side down now if nothing is queued: returns 0 or the errno
    /// (see `errno`); -1 means it waits for queued writes and `ShutdownDone` follows.
    #[napi(js_name = "shutdownNow", catch_unwind)]
    pub fn shutdown_now(&self) -> i32 {
        match self.conn.shutdown_now() {
            None => -1,
            Some(Ok(())) => 0,
            // Never -1: errno is positive on Unix, and libuv's Windows numbers are
            // below -3000.
            Some(Err(e)) => errno(e),
        }
    }

    #[napi(catch_unwind)]
    pub fn close(&self) {
        self.conn.close();
    }

    #[napi(catch_unwind)]
    pub fn reset(&self) {
        self.conn.reset();
    }

    #[napi(js_name = "readStart", catch_unwind)]
    pub fn read_start(&self) {
        self.conn.read_start();
    }

    #[napi(js_name = "readStop", catch_unwind)]
    pub fn read_stop(&self) {
        self.conn.read_stop();
    }

    /// Whether bytes are being taken as they come ('data' listener, `resume()`, native
    /// pipe): a flowing socket reads further ahead of JS than a paused one.
    #[napi(js_name = "setFlowing", catch_unwind)]
    pub fn set_flowing(&self, flowing: bool) {
        self.conn.set_read_ahead(if flowing { rsnet_reactor::READ_AHEAD_FLOWING } else { rsnet_reactor::READ_AHEAD_PAUSED });
    }

    /// JS has taken `n` bytes from `Data` events; the reactor may read that much more.
    #[napi(catch_unwind)]
    pub fn consumed(&self, n: u32) {
        self.conn.consumed(n as usize);
    }

    #[napi(js_name = "setTimeout", catch_unwind)]
    pub fn set_timeout(&self, ms: f64) {
        self.conn.set_timeout(if ms.is_finite() && ms > 0.0 { ms as u64 } else { 0 });
    }

    /// Records activity for the idle timer.
    #[napi(catch_unwind)]
    pub fn touch(&self) {
        self.conn.touch();
    }

    /// The activity stamp a `Timeout` event is compared with (see `Conn::activity_word`).
    #[napi(js_name = "activityWord", catch_unwind)]
    pub fn activity_word(&self) -> i32 {
        self.conn.activity_word()
    }

    /// 0 or a positive errno.
    #[napi(js_name = "setNoDelay", catch_unwind)]
    pub fn set_no_delay(&self, on: bool) -> i32 {
        self.conn.set_nodelay(on).map_or_else(errno, |_| 0)
    }

    /// 0 or a positive errno.
    #[napi(js_name = "setKeepAlive", catch_unwind)]
    pub fn set_keep_alive(&self, on: bool, delay_secs: u32) -> i32 {
        self.conn.set_keepalive(on, delay_secs).map_or_else(errno, |_| 0)
    }

    #[napi(js_name = "localAddress", catch_unwind)]
    pub fn local_address(&self) -> Option<AddressInfo> {
        self.conn.local_addr().ok().map(to_js)
    }

    #[napi(js_name = "remoteAddress", catch_unwind)]
    pub fn remote_address(&self) -> Option<AddressInfo> {
        self.conn.peer_addr().ok().map(to_js)
    }

    /// TCP_NODELAY and keepalive as the kernel reports them for this socket's fd: how
    /// tests check that setNoDelay/setKeepAlive reached the real descriptor.
    #[napi(js_name = "socketOptions", catch_unwind)]
    pub fn socket_options(&self) -> Option<SocketOptionsJs> {
        self.conn.socket_options().ok().map(|o| SocketOptionsJs {
            no_delay: o.no_delay,
            keep_alive: o.keep_alive,
            keep_alive_idle_secs: o.keep_alive_idle_secs,
        })
    }

    /// The descriptor while open, else -1.
    #[napi(getter)]
    pub fn fd(&self) -> i32 {
        self.conn.js_fd().unwrap_or(-1)
    }

    /// Starts the native pipe from this socket into `dest` (`src.pipe(dest)`). False if
    /// bytes this socket read are still on their way to JS: try again once they are in.
    #[napi(js_name = "pipeTo", catch_unwind)]
    pub fn pipe_to(&self, dest: &SocketHandle) -> bool {
        self.conn.pipe_to(&dest.conn)
    }

    /// Stops the native pipe; later bytes arrive as `Data` events again.
    #[napi(catch_unwind)]
    pub fn unpipe(&self) {
        self.conn.unpipe();
    }

    /// Bytes read and sent down the native pipe (part of `bytesRead`).
    #[napi(getter, js_name = "pipedIn")]
    pub fn piped_in(&self) -> f64 {
        self.conn.piped_in() as f64
    }

    /// Bytes written that came from a native pipe (part of `bytesWritten`).
    #[napi(getter, js_name = "pipedOut")]
    pub fn piped_out(&self) -> f64 {
        self.conn.piped_out() as f64
    }
}

fn outcome(result: std::io::Result<WriteOutcome>) -> i32 {
    match result {
        Ok(WriteOutcome::Done) => 0,
        Ok(WriteOutcome::Queued { .. }) => 1,
        // Always negative: errno is positive on Unix and already negative on Windows.
        Err(e) => -errno(e).abs(),
    }
}

#[napi(object)]
pub struct SocketOptionsJs {
    pub no_delay: bool,
    pub keep_alive: bool,
    pub keep_alive_idle_secs: u32,
}

#[napi]
pub struct ServerHandle {
    listener: Arc<Listener>,
}

impl ServerHandle {
    pub fn new(listener: Arc<Listener>) -> Self {
        ServerHandle { listener }
    }
}

#[napi]
impl ServerHandle {
    #[napi(getter)]
    pub fn id(&self) -> u32 {
        self.listener.id()
    }

    #[napi(catch_unwind)]
    pub fn close(&self) {
        self.listener.close();
    }

    #[napi(catch_unwind)]
    pub fn address(&self) -> Option<AddressInfo> {
        self.listener.local_addr().ok().map(to_js)
    }

    /// The listening descriptor while open, else -1 (to pass it to another process).
    #[napi(getter)]
    pub fn fd(&self) -> i32 {
        self.listener.js_fd().unwrap_or(-1)
    }
}
