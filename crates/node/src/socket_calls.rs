//! The socket calls JS makes per message or per connection (write, consumed, readStart,
//! close, …), as plain Node-API functions that take the socket's id.
//!
//! Why not `SocketHandle` methods: napi-rs 3's generated glue for a `&self` method
//! unwraps the receiver, checks its class against a registry behind a mutex and records
//! a native borrow in a process-wide map behind another, then undoes it all. Measured on
//! this machine: ~600 ns for a call that does nothing (`touch`), ~180 ns for a napi-rs
//! free function, against tens of ns for the Node-API call itself. A proxy makes a few
//! of these calls per chunk and a short connection a dozen, so that was several
//! percent of the CPU of every benchmark. Here a call is one `napi_get_cb_info`, the
//! argument reads, and a lookup in the JS thread's table (`conn_table`); ~70-90 ns.
//! Nothing unwraps a pointer from JS: a wrong or stale id finds no socket.
//!
//! Calls for rare things (addresses, options, descriptor passing) are ordinary napi-rs
//! functions (`socket_rare_calls`).
//!
//! Every call runs under `catch_unwind`; a panic becomes a JS exception. An argument of
//! the wrong type is a TypeError: only rsnet's own JS calls these.

use std::ffi::{c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use napi::sys;
use rsnet_reactor::{Conn, WriteOutcome, READ_AHEAD_FLOWING, READ_AHEAD_PAUSED};

use crate::conn_table;

/// The most arguments any call here takes.
const MAX_ARGS: usize = 3;

/// What a call returns to JS.
enum Ret {
    Undefined,
    Int(i32),
    Bool(bool),
    Double(f64),
}

/// An argument of the wrong type (a bug in rsnet's JS, not a user error).
struct BadArgument;

type Body = fn(&Call) -> Result<Ret, BadArgument>;

/// One call's env and arguments.
struct Call {
    env: sys::napi_env,
    argv: [sys::napi_value; MAX_ARGS],
    argc: usize,
}

impl Call {
    fn arg(&self, i: usize) -> Result<sys::napi_value, BadArgument> {
        if i < self.argc {
            Ok(self.argv[i])
        } else {
            Err(BadArgument)
        }
    }

    fn u32(&self, i: usize) -> Result<u32, BadArgument> {
        let mut out = 0;
        // SAFETY: a value of this call, read with this call's env on the JS thread.
        status(unsafe { sys::napi_get_value_uint32(self.env, self.arg(i)?, &mut out) })?;
        Ok(out)
    }

    fn f64(&self, i: usize) -> Result<f64, BadArgument> {
        let mut out = 0.0;
        // SAFETY: as in `u32`.
        status(unsafe { sys::napi_get_value_double(self.env, self.arg(i)?, &mut out) })?;
        Ok(out)
    }

    fn bool(&self, i: usize) -> Result<bool, BadArgument> {
        let mut out = false;
        // SAFETY: as in `u32`.
        status(unsafe { sys::napi_get_value_bool(self.env, self.arg(i)?, &mut out) })?;
        Ok(out)
    }

    /// The bytes of a Buffer argument, valid for the rest of this call: a Buffer's
    /// backing store does not move, and nothing during the call can free it.
    fn bytes(&self, value: sys::napi_value) -> Result<&[u8], BadArgument> {
        let (mut data, mut len) = (ptr::null_mut::<c_void>(), 0usize);
        // SAFETY: as in `u32`.
        status(unsafe { sys::napi_get_buffer_info(self.env, value, &mut data, &mut len) })?;
        if len == 0 {
            return Ok(&[]);
        }
        // SAFETY: Node-API reported `len` bytes at `data`, alive at least until this
        // call returns (the argument holds the Buffer).
        Ok(unsafe { std::slice::from_raw_parts(data as *const u8, len) })
    }

    /// The socket named by the id in argument `i`; `f` runs only if JS holds one.
    fn conn<T>(&self, i: usize, f: impl FnOnce(&std::sync::Arc<Conn>) -> T) -> Result<Option<T>, BadArgument> {
        Ok(conn_table::with(self.u32(i)?, f))
    }
}

fn status(status: sys::napi_status) -> Result<(), BadArgument> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(BadArgument)
    }
}

/// Every call enters here; `data` is the call's `Body` (see `install`).
unsafe extern "C" fn trampoline(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let mut call = Call { env, argv: [ptr::null_mut(); MAX_ARGS], argc: MAX_ARGS };
    let mut data = ptr::null_mut::<c_void>();
    // SAFETY: Node-API calls this with a live env and callback info on the JS thread;
    // argv has room for `argc` values.
    let got = unsafe { sys::napi_get_cb_info(env, info, &mut call.argc, call.argv.as_mut_ptr(), ptr::null_mut(), &mut data) };
    if got != sys::Status::napi_ok || data.is_null() {
        return ptr::null_mut();
    }
    call.argc = call.argc.min(MAX_ARGS);
    // SAFETY: `install` made every function with a `Body` as its data pointer.
    let body: Body = unsafe { std::mem::transmute::<*mut c_void, Body>(data) };
    match catch_unwind(AssertUnwindSafe(|| body(&call))) {
        Ok(Ok(ret)) => to_js(env, ret),
        Ok(Err(BadArgument)) => throw(env, c"rsnet: a socket call got an argument of the wrong type", true),
        Err(_) => throw(env, c"rsnet: a socket call panicked", false),
    }
}

fn to_js(env: sys::napi_env, ret: Ret) -> sys::napi_value {
    let mut out = ptr::null_mut();
    // SAFETY: creating a primitive with the call's env on the JS thread. On failure
    // `out` stays null, which Node-API returns as undefined.
    unsafe {
        match ret {
            Ret::Undefined => {}
            Ret::Int(v) => {
                sys::napi_create_int32(env, v, &mut out);
            }
            Ret::Bool(v) => {
                sys::napi_get_boolean(env, v, &mut out);
            }
            Ret::Double(v) => {
                sys::napi_create_double(env, v, &mut out);
            }
        }
    }
    out
}

fn throw(env: sys::napi_env, message: &CStr, type_error: bool) -> sys::napi_value {
    // SAFETY: throwing with the call's env on the JS thread; the strings are static.
    unsafe {
        if type_error {
            sys::napi_throw_type_error(env, ptr::null(), message.as_ptr());
        } else {
            sys::napi_throw_error(env, ptr::null(), message.as_ptr());
        }
    }
    ptr::null_mut()
}

/// What `write` and `writev` return: 0 when every byte went out now, 1 when some are
/// queued (a `WriteDone` event follows), or a negative errno.
fn write_outcome(result: Option<std::io::Result<WriteOutcome>>) -> Ret {
    Ret::Int(match result {
        Some(Ok(WriteOutcome::Done)) => 0,
        Some(Ok(WriteOutcome::Queued { .. })) => 1,
        // Always negative: errno is positive on Unix and already negative on Windows.
        Some(Err(e)) => -rsnet_reactor::errno_of(&e).abs(),
        None => -rsnet_reactor::errno_of(&rsnet_reactor::ebadf()).abs(),
    })
}

/// `write(id, buffer, tryNow)`: one write request. `tryNow` false sends nothing on this
/// thread and the reactor writes it all: for bytes the reactor itself just read (a
/// proxy's 'data' chunks), which are in its thread's cache and not in this one's.
///
/// On 1 the queued bytes are the Buffer's own, not a copy: the caller must keep it
/// alive and unchanged until the `WriteDone` or `Closed` event (TcpHandle's
/// `writeHold` does).
fn write(call: &Call) -> Result<Ret, BadArgument> {
    let bytes = call.bytes(call.arg(1)?)?;
    let try_now = call.bool(2)?;
    // SAFETY: JS keeps the Buffer until the request or the socket is over, and its
    // memory does not move (see `Call::bytes`). The env's teardown revokes the loan
    // (`EnvShared::js_memory`).
    Ok(write_outcome(call.conn(0, |c| unsafe { c.write_lent(&[bytes], try_now) })?))
}

/// `writev(id, buffers, tryNow)`: `write` for several Buffers at once (`_writev`), sent
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
    let try_now = call.bool(2)?;
    // SAFETY: as in `write`, for every Buffer of the array.
    Ok(write_outcome(call.conn(0, |c| unsafe { c.write_lent(&chunks, try_now) })?))
}

/// `consumed(id, n)`: JS has taken `n` bytes from `Data` events; the reactor may read
/// that much more.
fn consumed(call: &Call) -> Result<Ret, BadArgument> {
    let n = call.u32(1)?;
    call.conn(0, |c| c.consumed(n as usize))?;
    Ok(Ret::Undefined)
}

/// `touch(id)`: records activity for the idle timer.
fn touch(call: &Call) -> Result<Ret, BadArgument> {
    call.conn(0, |c| c.touch())?;
    Ok(Ret::Undefined)
}

fn read_start(call: &Call) -> Result<Ret, BadArgument> {
    call.conn(0, |c| c.read_start())?;
    Ok(Ret::Undefined)
}

fn read_stop(call: &Call) -> Result<Ret, BadArgument> {
    call.conn(0, |c| c.read_stop())?;
    Ok(Ret::Undefined)
}

/// `setFlowing(id, on)`: whether bytes are taken as they come ('data' listener,
/// `resume()`, native pipe). A flowing socket reads further ahead of JS than a paused
/// one.
fn set_flowing(call: &Call) -> Result<Ret, BadArgument> {
    let limit = if call.bool(1)? { READ_AHEAD_FLOWING } else { READ_AHEAD_PAUSED };
    call.conn(0, |c| c.set_read_ahead(limit))?;
    Ok(Ret::Undefined)
}

/// `setTimeout(id, ms)`: the idle timeout, 0 (or anything not a positive number) off.
fn set_timeout(call: &Call) -> Result<Ret, BadArgument> {
    let ms = call.f64(1)?;
    let ms = if ms.is_finite() && ms > 0.0 { ms as u64 } else { 0 };
    call.conn(0, |c| c.set_timeout(ms))?;
    Ok(Ret::Undefined)
}

/// `activityWord(id)`: the stamp a `Timeout` event is compared with (see
/// `Conn::activity_word`).
fn activity_word(call: &Call) -> Result<Ret, BadArgument> {
    Ok(Ret::Int(call.conn(0, |c| c.activity_word())?.unwrap_or(0)))
}

/// `shutdownNow(id)`: shuts the write side down now if nothing is queued. Returns 0 or
/// the errno (positive on Unix, libuv's below -3000 on Windows); -1 means it waits
/// for queued writes and `ShutdownDone` follows.
fn shutdown_now(call: &Call) -> Result<Ret, BadArgument> {
    Ok(Ret::Int(match call.conn(0, |c| c.shutdown_now())? {
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
    if let Some(conn) = conn_table::remove(call.u32(0)?) {
        conn.close();
    }
    Ok(Ret::Undefined)
}

/// `reset(id)`: `close` with RST (`resetAndDestroy()`).
fn reset(call: &Call) -> Result<Ret, BadArgument> {
    if let Some(conn) = conn_table::remove(call.u32(0)?) {
        conn.reset();
    }
    Ok(Ret::Undefined)
}

/// `forget(id)`: JS lets go of a socket the reactor closed on its own (a failed
/// connect, whose `Closed` came unasked).
fn forget(call: &Call) -> Result<Ret, BadArgument> {
    conn_table::remove(call.u32(0)?);
    Ok(Ret::Undefined)
}

/// `pipeTo(id, destId)`: starts the native pipe from this socket into `dest`
/// (`src.pipe(dest)`). False if bytes this socket read are still on their way to JS
/// (try again once they are in), or if either socket is unknown.
fn pipe_to(call: &Call) -> Result<Ret, BadArgument> {
    let dest = call.u32(1)?;
    let started = call.conn(0, |c| conn_table::with(dest, |d| c.pipe_to(d)))?.flatten();
    Ok(Ret::Bool(started.unwrap_or(false)))
}

/// `unpipe(id)`: stops the native pipe; later bytes arrive as `Data` events again.
fn unpipe(call: &Call) -> Result<Ret, BadArgument> {
    call.conn(0, |c| c.unpipe())?;
    Ok(Ret::Undefined)
}

/// `pipedIn(id)`: bytes read and sent down a native pipe (part of `bytesRead`).
fn piped_in(call: &Call) -> Result<Ret, BadArgument> {
    Ok(Ret::Double(call.conn(0, |c| c.piped_in() as f64)?.unwrap_or(0.0)))
}

/// `pipedOut(id)`: bytes written that came from a native pipe (part of `bytesWritten`).
fn piped_out(call: &Call) -> Result<Ret, BadArgument> {
    Ok(Ret::Double(call.conn(0, |c| c.piped_out() as f64)?.unwrap_or(0.0)))
}

const CALLS: &[(&CStr, Body)] = &[
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

/// Puts every call on `target` as a function of that name.
///
/// # Safety
/// `env` and `target` must be live values of the current call on the JS thread.
pub unsafe fn install(env: sys::napi_env, target: sys::napi_value) -> napi::Result<()> {
    for &(name, body) in CALLS {
        let mut function = ptr::null_mut();
        // SAFETY: the caller's env on its JS thread; `name` is a static C string, and the
        // data pointer is a plain fn pointer that outlives every call.
        let made = unsafe {
            sys::napi_create_function(env, name.as_ptr(), name.to_bytes().len() as isize, Some(trampoline), body as *mut c_void, &mut function)
        };
        // SAFETY: as above; `target` is the caller's object.
        let set = if made == sys::Status::napi_ok { unsafe { sys::napi_set_named_property(env, target, name.as_ptr(), function) } } else { made };
        if set != sys::Status::napi_ok {
            return Err(napi::Error::from_reason(format!("rsnet: could not install {}", name.to_string_lossy())));
        }
    }
    Ok(())
}
