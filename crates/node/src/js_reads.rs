//! Linux: the JS thread's poller (`rsnet_reactor::Poller`) watched from Node's own
//! event loop, so the sockets JavaScript consumes are read on its thread in libuv's
//! poll phase, as node:net's are, and their events dispatched in one JS call.
//!
//! One libuv poll handle per JS thread, on the poller's epoll descriptor, made on the
//! first `readStart` that the poller takes. It is unref'd: liveness stays the
//! threadsafe function's (see wake.rs), which JS refs exactly while a handle is active.
//! When it fires, every ready socket gets one turn of reads into the env's event batch
//! (no cross-thread wake-up), then the batch goes to JS through `napi_make_callback`,
//! which runs the ticks and microtasks it queues afterwards, as after any I/O callback.
//!
//! Teardown (`teardown`, from the env's cleanup hook): the handle is stopped and
//! closed, and freed in its close callback; the poller's epoll descriptor is closed
//! then too. Sockets still in it are closed by the env's own teardown; a closed
//! descriptor leaves an epoll set by itself.

use std::cell::RefCell;
use std::ffi::{c_int, c_void};
use std::ptr;

use napi::sys;
use rsnet_reactor::{Conn, Poller, READS_PER_TURN};

use crate::{conn_table, thread_env};

extern "C" {
    fn uv_handle_size(kind: c_int) -> usize;
    fn uv_poll_init(lp: *mut c_void, handle: *mut c_void, fd: c_int) -> c_int;
    fn uv_poll_start(handle: *mut c_void, events: c_int, cb: unsafe extern "C" fn(*mut c_void, c_int, c_int)) -> c_int;
    fn uv_poll_stop(handle: *mut c_void) -> c_int;
    fn uv_close(handle: *mut c_void, cb: unsafe extern "C" fn(*mut c_void));
    fn uv_unref(handle: *mut c_void);
}

/// libuv's `UV_POLL` handle type and `UV_READABLE` event (uv.h).
const UV_POLL: c_int = 8;
const UV_READABLE: c_int = 1;
/// uv_poll_t holds pointers and a `uv__io_t`: pointer alignment is enough; 16 for room.
const HANDLE_ALIGN: usize = 16;

/// What the poll callback needs to call into JS.
#[derive(Clone, Copy)]
struct JsEntry {
    env: sys::napi_env,
    /// `src/dispatch.ts`'s drain, the function the threadsafe function calls too.
    drain: sys::napi_ref,
    context: sys::napi_async_context,
}

struct Watcher {
    poller: Poller,
    /// The uv_poll_t, allocated here and freed in its close callback.
    handle: *mut c_void,
    /// Ready ids, kept to reuse its allocation.
    ready: Vec<u32>,
}

thread_local! {
    static ENTRY: RefCell<Option<JsEntry>> = const { RefCell::new(None) };
    static WATCHER: RefCell<Option<Watcher>> = const { RefCell::new(None) };
}

fn handle_layout() -> std::alloc::Layout {
    // SAFETY: uv_handle_size only reads a table of sizes.
    let size = unsafe { uv_handle_size(UV_POLL) };
    std::alloc::Layout::from_size_align(size, HANDLE_ALIGN).expect("uv_poll_t layout")
}

/// Records the JS function that takes event batches (`Binding::new`).
///
/// # Safety
/// `env` and `drain` must be valid handles of the current call on this JS thread.
pub unsafe fn set_drain(env: sys::napi_env, drain: sys::napi_value) -> napi::Result<()> {
    let mut reference = ptr::null_mut();
    let mut name = ptr::null_mut();
    let mut context = ptr::null_mut();
    // SAFETY: the caller's handles, on its thread; the name is a static string.
    let ok = unsafe {
        sys::napi_create_reference(env, drain, 1, &mut reference) == sys::Status::napi_ok
            && sys::napi_create_string_utf8(env, c"rsnet:read".as_ptr(), 10, &mut name) == sys::Status::napi_ok
            && sys::napi_async_init(env, ptr::null_mut(), name, &mut context) == sys::Status::napi_ok
    };
    if !ok {
        return Err(napi::Error::from_reason("rsnet: could not set up the JS thread's reads"));
    }
    let _ = ENTRY.try_with(|e| *e.borrow_mut() = Some(JsEntry { env, drain: reference, context }));
    Ok(())
}

/// Makes the watcher on first use: the poller, and the poll handle on Node's loop.
fn ensure_watcher(w: &mut Option<Watcher>) -> Option<&mut Watcher> {
    if w.is_none() {
        let entry = ENTRY.try_with(|e| *e.borrow()).ok().flatten()?;
        let poller = Poller::new().ok()?;
        let mut lp = ptr::null_mut();
        // SAFETY: `entry.env` is this thread's live env.
        if unsafe { sys::napi_get_uv_event_loop(entry.env, &mut lp) } != sys::Status::napi_ok || lp.is_null() {
            return None;
        }
        let layout = handle_layout();
        // SAFETY: a non-zero size; the memory is handed to libuv below and freed in
        // `on_closed` (or here, if init fails).
        let handle = unsafe { std::alloc::alloc_zeroed(layout) } as *mut c_void;
        if handle.is_null() {
            return None;
        }
        // SAFETY: `lp` is this thread's loop; `handle` has room for a uv_poll_t; the
        // epoll descriptor stays open until `teardown`, after the handle is stopped.
        unsafe {
            if uv_poll_init(lp.cast(), handle, poller.raw_fd()) != 0 {
                std::alloc::dealloc(handle as *mut u8, layout);
                return None;
            }
            // Liveness is the threadsafe function's: this handle alone keeps nothing alive.
            uv_unref(handle);
            uv_poll_start(handle, UV_READABLE, on_readable);
        }
        *w = Some(Watcher { poller, handle, ready: Vec::new() });
    }
    w.as_mut()
}

/// Runs `f` on this thread's poller, made on first use; `None` where there is none.
fn with_poller<T>(make: bool, f: impl FnOnce(&Poller) -> T) -> Option<T> {
    WATCHER
        .try_with(|w| {
            let mut w = w.borrow_mut();
            let watcher = if make { ensure_watcher(&mut w) } else { w.as_mut() };
            watcher.map(|watcher| f(&watcher.poller))
        })
        .ok()
        .flatten()
}

/// readStart: true if this thread reads `conn` from now on (see `Poller::start`).
pub fn start(conn: &Conn) -> bool {
    if conn.reads_on_js_thread() {
        return with_poller(false, |p| p.start(conn)).unwrap_or(false);
    }
    if conn.is_piped() {
        return false;
    }
    with_poller(true, |p| p.start(conn)).unwrap_or(false)
}

/// readStop, for a socket this thread reads.
pub fn stop(conn: &Conn) {
    with_poller(false, |p| p.stop(conn));
}

/// JS consumed bytes of a socket this thread reads.
pub fn consumed(conn: &Conn) {
    with_poller(false, |p| p.consumed(conn));
}

/// Before a native pipe: the task reads `conn` again.
pub fn release(conn: &Conn) {
    with_poller(false, |p| p.release(conn));
}

/// Before JS closes `conn`.
pub fn forget(conn: &Conn) {
    with_poller(false, |p| p.forget(conn));
}

/// The poller's descriptor is readable: rounds of one read per ready socket, each
/// round's batch dispatched to JS before the next, for at most READS_PER_TURN rounds;
/// a socket takes part in the next round only if its read was full.
///
/// Why rounds of one read, not all of a socket's reads and then JS: in an exchange
/// (an echo, a proxy) the peer sends more only once it has JS's answer. Reading a
/// socket to the end before dispatching found it empty (a third of Unix-socket bulk
/// reads were EAGAIN); one read, the answer, then the next read finds the peer's next
/// chunk, as node:net's loop does (libuv dispatches each read before the next). Sockets
/// ready together still go to JS in one call per round.
///
/// Nothing here holds a borrow while JS runs: JS calls back in (readStart, readStop,
/// close) from its event handlers, and a socket it closed is not found next round.
unsafe extern "C" fn on_readable(_handle: *mut c_void, _status: c_int, _events: c_int) {
    let Some(mut ready) = WATCHER
        .try_with(|w| {
            let mut w = w.borrow_mut();
            let watcher = w.as_mut()?;
            let mut ready = std::mem::take(&mut watcher.ready);
            watcher.poller.ready(&mut ready);
            Some(ready)
        })
        .ok()
        .flatten()
    else {
        return;
    };
    for _ in 0..READS_PER_TURN {
        let mut pushed = false;
        ready.retain(|&id| {
            conn_table::with(id, |conn| {
                let read = thread_env::with(|env| env.read_for_js(conn)).unwrap_or_default();
                pushed |= read.pushed;
                if !read.keep_watching {
                    with_poller(false, |p| p.after_read(conn, read));
                }
                read.full && read.keep_watching
            })
            .unwrap_or(false)
        });
        if pushed {
            dispatch();
        }
        if ready.is_empty() {
            break;
        }
    }
    let _ = WATCHER.try_with(|w| {
        if let Some(watcher) = w.borrow_mut().as_mut() {
            ready.clear();
            watcher.ready = ready;
        }
    });
}

/// Calls JS's drain as an I/O callback: ticks and microtasks run after it.
fn dispatch() {
    let Some(entry) = ENTRY.try_with(|e| *e.borrow()).ok().flatten() else { return };
    let env = entry.env;
    // SAFETY: on the JS thread, in a libuv callback, with this thread's live env; the
    // reference and the async context were made on it.
    unsafe {
        let mut scope = ptr::null_mut();
        if sys::napi_open_handle_scope(env, &mut scope) != sys::Status::napi_ok {
            return;
        }
        let mut drain = ptr::null_mut();
        let mut receiver = ptr::null_mut();
        sys::napi_get_reference_value(env, entry.drain, &mut drain);
        // napi_make_callback wants an object as `this` (undefined throws): the global.
        sys::napi_get_global(env, &mut receiver);
        if !drain.is_null() {
            let status = sys::napi_make_callback(env, entry.context, receiver, drain, 0, ptr::null(), ptr::null_mut());
            // As in wake.rs's call_js: an exception from a user's handler goes to
            // 'uncaughtException', as it would from node:net's.
            if status == sys::Status::napi_pending_exception {
                let mut error = ptr::null_mut();
                if sys::napi_get_and_clear_last_exception(env, &mut error) == sys::Status::napi_ok {
                    sys::napi_fatal_exception(env, error);
                }
            }
        }
        sys::napi_close_handle_scope(env, scope);
    }
}

unsafe extern "C" fn on_closed(handle: *mut c_void) {
    // SAFETY: allocated in `ensure_watcher` with this layout; libuv is done with it.
    unsafe { std::alloc::dealloc(handle as *mut u8, handle_layout()) };
}

/// The env is going away: stop watching, close the handle, drop the poller.
pub fn teardown() {
    let watcher = WATCHER.try_with(|w| w.borrow_mut().take()).ok().flatten();
    if let Some(watcher) = watcher {
        // SAFETY: the handle was initialized in `ensure_watcher` and is closed once,
        // here; `on_closed` frees it when libuv is done.
        unsafe {
            uv_poll_stop(watcher.handle);
            uv_close(watcher.handle, on_closed);
        }
        drop(watcher.poller);
    }
    let _ = ENTRY.try_with(|e| e.borrow_mut().take());
}
