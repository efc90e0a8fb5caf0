//! The socket calls JS makes per message or per connection (write, consumed, readStart,
//! close, …), as plain Node-API functions (`raw_call`) that take the socket's id and
//! find it in the JS thread's table (`conn_table`). Nothing unwraps a pointer from JS:
//! a wrong or stale id finds no socket.
//!
//! Calls for rare things (addresses, options, descriptor passing) are ordinary napi-rs
//! functions (`socket_rare_calls`).

use std::ptr;
use std::sync::Arc;

use napi::sys;
use rsnet_reactor::{Conn, WriteOutcome, READ_AHEAD_FLOWING, READ_AHEAD_PAUSED};

use crate::conn_table;
use crate::raw_call::{status, BadArgument, Body, Call, Ret};

/// Runs `f` on the socket named by the id in argument `i`, if JS holds one.
fn conn<T>(call: &Call, i: usize, f: impl FnOnce(&Arc<Conn>) -> T) -> Result<Option<T>, BadArgument> {
    Ok(conn_table::with(call.u32(i)?, f))
}

/// What the write calls (`write`, `writev`, `socketWriteFd`) return for a write on the
/// socket JS holds, if any: 0 when every byte went out now, 1 when some are queued (a
/// `WriteDone` event follows), or a negative errno (EBADF for no socket).
pub(crate) fn write_outcome(result: Option<std::io::Result<WriteOutcome>>) -> i32 {
    match result.unwrap_or_else(|| Err(rsnet_reactor::ebadf())) {
        Ok(WriteOutcome::Done) => 0,
        Ok(WriteOutcome::Queued { .. }) => 1,
        // Always negative: errno is positive on Unix and already negative on Windows.
        Err(e) => -rsnet_reactor::errno_of(&e).abs(),
    }
}

/// `write(id, buffer)`: one write request, sent now as far as the kernel takes it.
///
/// On 1 the queued bytes are the Buffer's own, not a copy: the caller must keep it
/// alive and unchanged until the `WriteDone` or `Closed` event (TcpHandle's
/// `writeHold` does).
fn write(call: &Call) -> Result<Ret, BadArgument> {
    let bytes = call.bytes(call.arg(1)?)?;
    // SAFETY: JS keeps the Buffer until the request or the socket is over, and its
    // memory does not move (see `Call::bytes`). The env's teardown revokes the loan
    // (`EnvShared::js_memory`).
    Ok(Ret::Int(write_outcome(conn(call, 0, |c| unsafe { c.write_lent(&[bytes]) })?)))
}

/// `writev(id, buffers)`: `write` for several Buffers at once (`_writev`), sent
/// with one `writev`; on 1 every one of them must be kept.
fn writev(call: &Call) -> Result<Ret, BadArgument> {
    let array = call.arg(1)?;
    let mut len = 0u32;
    // SAFETY: a value of this call, read with its env on the JS thread.
    status(unsafe { sys::napi_get_array_length(call.env, array, &mut len) })?;
    let mut chunks = Vec::with_capacity(len as usize);
    for i in 0..len {
        let mut element = ptr::null_mut();
        // SAFETY: as above; the array holds its elements for the rest of the call.
        status(unsafe { sys::napi_get_element(call.env, array, i, &mut element) })?;
        chunks.push(call.bytes(element)?);
    }
    // SAFETY: as in `write`, for every Buffer of the array.
    Ok(Ret::Int(write_outcome(conn(call, 0, |c| unsafe { c.write_lent(&chunks) })?)))
}

/// `consumed(id, n)`: JS has taken `n` bytes from `Data` events; the reactor may read
/// that much more.
fn consumed(call: &Call) -> Result<Ret, BadArgument> {
    let n = call.u32(1)?;
    conn(call, 0, |c| {
        c.consumed(n as usize);
        #[cfg(target_os = "linux")]
        if c.reads_on_js_thread() {
            crate::js_reads::consumed(c);
        }
    })?;
    Ok(Ret::Undefined)
}

/// `touch(id)`: records activity for the idle timer.
fn touch(call: &Call) -> Result<Ret, BadArgument> {
    conn(call, 0, |c| c.touch())?;
    Ok(Ret::Undefined)
}

/// `readStart(id, forPipe)`: on Linux a socket JS consumes is read on this thread
/// (see `js_reads`); one a native pipe waits for (`forPipe`), a native pipe's source,
/// an adopted pipe, and other platforms' sockets are read by the reactor.
fn read_start(call: &Call) -> Result<Ret, BadArgument> {
    // Absent (a bare call) reads as false.
    let for_pipe = call.bool(1).unwrap_or(false);
    conn(call, 0, |c| {
        #[cfg(target_os = "linux")]
        if for_pipe {
            if c.reads_on_js_thread() {
                crate::js_reads::release(c);
            }
        } else if crate::js_reads::start(c) {
            return;
        }
        #[cfg(not(target_os = "linux"))]
        let _ = for_pipe;
        c.read_start()
    })?;
    Ok(Ret::Undefined)
}

fn read_stop(call: &Call) -> Result<Ret, BadArgument> {
    conn(call, 0, |c| {
        #[cfg(target_os = "linux")]
        if c.reads_on_js_thread() {
            return crate::js_reads::stop(c);
        }
        c.read_stop()
    })?;
    Ok(Ret::Undefined)
}

/// JS lets go of `conn`, which is about to be closed: out of this thread's poller
/// first, while its descriptor is still open.
fn let_go(conn: Option<Arc<Conn>>) -> Option<Arc<Conn>> {
    #[cfg(target_os = "linux")]
    if let Some(c) = &conn {
        if c.reads_on_js_thread() {
            crate::js_reads::forget(c);
        }
    }
    conn
}

/// `setFlowing(id, on)`: whether bytes are taken as they come ('data' listener,
/// `resume()`, native pipe). A flowing socket reads further ahead of JS than a paused
/// one.
fn set_flowing(call: &Call) -> Result<Ret, BadArgument> {
    let limit = if call.bool(1)? { READ_AHEAD_FLOWING } else { READ_AHEAD_PAUSED };
    conn(call, 0, |c| c.set_read_ahead(limit))?;
    Ok(Ret::Undefined)
}

/// `setTimeout(id, ms)`: the idle timeout, 0 (or anything not a positive number) off.
fn set_timeout(call: &Call) -> Result<Ret, BadArgument> {
    let ms = call.f64(1)?;
    let ms = if ms.is_finite() && ms > 0.0 { ms as u64 } else { 0 };
    conn(call, 0, |c| c.set_timeout(ms))?;
    Ok(Ret::Undefined)
}

/// `activityWord(id)`: the stamp a `Timeout` event is compared with (see
/// `Conn::activity_word`).
fn activity_word(call: &Call) -> Result<Ret, BadArgument> {
    Ok(Ret::Int(conn(call, 0, |c| c.activity_word())?.unwrap_or(0)))
}

/// `shutdownNow(id)`: shuts the write side down now if nothing is queued. Returns 0 or
/// the errno (positive on Unix, libuv's below -3000 on Windows); -1 means it waits
/// for queued writes and `ShutdownDone` follows.
fn shutdown_now(call: &Call) -> Result<Ret, BadArgument> {
    Ok(Ret::Int(match conn(call, 0, |c| c.shutdown_now())? {
        Some(None) => -1,
        Some(Some(Ok(()))) => 0,
        Some(Some(Err(e))) => rsnet_reactor::errno_of(&e),
        None => rsnet_reactor::errno_of(&rsnet_reactor::ebadf()),
    }))
}

/// `accepted(id)`: JS takes the connection an `Accepted` event announced. False if it
/// is already gone.
fn accepted(call: &Call) -> Result<Ret, BadArgument> {
    Ok(Ret::Bool(conn_table::accept(call.u32(0)?)))
}

/// `close(id)`: closes the socket, and JS lets go of it: `Closed` follows, and no
/// call names this id again.
fn close(call: &Call) -> Result<Ret, BadArgument> {
    if let Some(conn) = let_go(conn_table::remove(call.u32(0)?)) {
        conn.close();
    }
    Ok(Ret::Undefined)
}

/// `reset(id)`: `close` with RST (`resetAndDestroy()`).
fn reset(call: &Call) -> Result<Ret, BadArgument> {
    if let Some(conn) = let_go(conn_table::remove(call.u32(0)?)) {
        conn.reset();
    }
    Ok(Ret::Undefined)
}

/// `forget(id)`: JS lets go of a socket the reactor closed on its own (a failed
/// connect, whose `Closed` came unasked).
fn forget(call: &Call) -> Result<Ret, BadArgument> {
    let_go(conn_table::remove(call.u32(0)?));
    Ok(Ret::Undefined)
}

/// `pipeTo(id, destId, consumed)`: does what `consumed(id, consumed)` does (absent,
/// it reads as 0), then starts the native pipe from this socket into `dest`
/// (`src.pipe(dest)`), in one step (`Conn::pipe_to_after_consumed`). False if bytes
/// this socket read are still on their way to JS (try again once they are in), or if
/// either socket is unknown.
fn pipe_to(call: &Call) -> Result<Ret, BadArgument> {
    let dest = call.u32(1)?;
    let consumed = call.u32(2).unwrap_or(0) as usize;
    let started = conn(call, 0, |c| {
        // The reactor reads a native pipe's source: this thread hands its reads back.
        #[cfg(target_os = "linux")]
        if c.reads_on_js_thread() {
            crate::js_reads::release(c);
        }
        conn_table::with(dest, |d| c.pipe_to_after_consumed(d, consumed)).unwrap_or_else(|| {
            c.consumed(consumed);
            false
        })
    })?;
    Ok(Ret::Bool(started.unwrap_or(false)))
}

/// `unpipe(id)`: stops the native pipe; later bytes arrive as `Data` events again.
fn unpipe(call: &Call) -> Result<Ret, BadArgument> {
    conn(call, 0, |c| c.unpipe())?;
    Ok(Ret::Undefined)
}

/// `pipedIn(id)`: bytes read and sent down a native pipe (part of `bytesRead`).
fn piped_in(call: &Call) -> Result<Ret, BadArgument> {
    Ok(Ret::Double(conn(call, 0, |c| c.piped_in() as f64)?.unwrap_or(0.0)))
}

/// `pipedOut(id)`: bytes written that came from a native pipe (part of `bytesWritten`).
fn piped_out(call: &Call) -> Result<Ret, BadArgument> {
    Ok(Ret::Double(conn(call, 0, |c| c.piped_out() as f64)?.unwrap_or(0.0)))
}

/// The calls, by the names JS knows them by.
pub const CALLS: &[(&std::ffi::CStr, Body)] = &[
    (c"write", write),
    (c"writev", writev),
    (c"consumed", consumed),
    (c"touch", touch),
    (c"readStart", read_start),
    (c"readStop", read_stop),
    (c"setFlowing", set_flowing),
    (c"setTimeout", set_timeout),
    (c"activityWord", activity_word),
    (c"shutdownNow", shutdown_now),
    (c"accepted", accepted),
    (c"close", close),
    (c"reset", reset),
    (c"forget", forget),
    (c"pipeTo", pipe_to),
    (c"unpipe", unpipe),
    (c"pipedIn", piped_in),
    (c"pipedOut", piped_out),
];

