//! Prototype (Linux, `RSNET_REACTOR=js`): hooks the reactor's runtime into Node's own
//! event loop, so the JS thread drives it (see `rsnet_reactor::js_thread`).
//!
//! A `uv_poll_t` watches the runtime's epoll descriptor: readable means a socket is
//! ready or a task was woken. A repeating `uv_timer_t` turns tokio's timers. Both are
//! unref'd: liveness stays with the threadsafe function's ref (see `wake`).
//!
//! libuv is reached through the symbols Node exports for addons; its handle structs
//! are opaque here, sized by `uv_handle_size` and leaked (they live as long as the
//! loop of the main thread, which is the process).

use std::ffi::{c_int, c_void};
use std::sync::Once;

use napi::sys;

/// libuv's `uv_handle_type` values and `uv_poll_event` flag (uv.h; stable across
/// libuv 1.x).
const UV_POLL: c_int = 8;
const UV_TIMER: c_int = 13;
const UV_READABLE: c_int = 1;

/// How often tokio's timers are turned: idle timeouts fire at most this late.
const TIMER_PERIOD_MS: u64 = 5;

extern "C" {
    fn uv_handle_size(kind: c_int) -> usize;
    fn uv_poll_init(event_loop: *mut c_void, handle: *mut c_void, fd: c_int) -> c_int;
    fn uv_poll_start(handle: *mut c_void, events: c_int, cb: extern "C" fn(*mut c_void, c_int, c_int)) -> c_int;
    fn uv_timer_init(event_loop: *mut c_void, handle: *mut c_void) -> c_int;
    fn uv_timer_start(handle: *mut c_void, cb: extern "C" fn(*mut c_void), timeout: u64, repeat: u64) -> c_int;
    fn uv_unref(handle: *mut c_void);
}

/// What a drive needs to hand its events to JS directly: the env, the JS event
/// callback and an async context for `napi_make_callback`. Main thread only.
struct Dispatch {
    env: sys::napi_env,
    callback: sys::napi_ref,
    context: sys::napi_async_context,
}

thread_local! {
    static DISPATCH: std::cell::Cell<Option<Dispatch>> = const { std::cell::Cell::new(None) };
}

extern "C" fn on_readable(_handle: *mut c_void, _status: c_int, _events: c_int) {
    drive_and_dispatch();
}

extern "C" fn on_timer(_handle: *mut c_void) {
    drive_and_dispatch();
}

/// Drives the reactor, then calls the JS event callback as a libuv callback of
/// node:net's would be (`napi_make_callback`: nextTicks and microtasks run after it).
fn drive_and_dispatch() {
    // Nothing may unwind into libuv.
    if std::panic::catch_unwind(rsnet_reactor::js_thread::drive).is_err() {
        return;
    }
    DISPATCH.with(|cell| {
        let Some(d) = cell.take() else { return };
        // SAFETY: `d` was made on this thread for its env, which outlives the loop's
        // callbacks (the handles are never closed before the process ends).
        unsafe { call_js(&d) };
        cell.set(Some(d));
    });
}

/// # Safety
/// `d`'s handles must be live, and this must run on their env's JS thread.
unsafe fn call_js(d: &Dispatch) {
    let env = d.env;
    let mut scope = std::ptr::null_mut();
    // SAFETY: see the function's contract; every handle below lives in `scope`.
    unsafe {
        if sys::napi_open_handle_scope(env, &mut scope) != sys::Status::napi_ok {
            return;
        }
        let mut callback = std::ptr::null_mut();
        let mut recv = std::ptr::null_mut();
        if sys::napi_get_reference_value(env, d.callback, &mut callback) == sys::Status::napi_ok && !callback.is_null() {
            sys::napi_get_global(env, &mut recv);
            let status = sys::napi_make_callback(env, d.context, recv, callback, 0, std::ptr::null(), std::ptr::null_mut());
            if status == sys::Status::napi_pending_exception {
                // As in wake.rs: a user's exception goes to 'uncaughtException'.
                let mut error = std::ptr::null_mut();
                if sys::napi_get_and_clear_last_exception(env, &mut error) == sys::Status::napi_ok {
                    sys::napi_fatal_exception(env, error);
                }
            }
        }
        sys::napi_close_handle_scope(env, scope);
    }
}

/// Starts driving the reactor from `env`'s event loop, once per process; `callback` is
/// the JS function that takes event batches (the one the threadsafe function calls).
///
/// # Safety
/// `env` and `callback` must be valid handles of the current call, on its JS thread.
pub unsafe fn install(env: sys::napi_env, callback: sys::napi_value) -> bool {
    static INSTALLED: Once = Once::new();
    if !rsnet_reactor::js_thread::enabled() || INSTALLED.is_completed() {
        return false;
    }
    let mut installed = false;
    let fds = rsnet_reactor::js_thread::poller_fds();
    INSTALLED.call_once(|| {
        let mut event_loop: *mut sys::uv_loop_s = std::ptr::null_mut();
        // SAFETY: `env` is valid (contract); the call writes the loop pointer.
        if unsafe { sys::napi_get_uv_event_loop(env, &mut event_loop) } != sys::Status::napi_ok || event_loop.is_null() {
            return;
        }
        let event_loop = event_loop as *mut c_void;
        // SAFETY: handles of the current call (contract); the reference and the async
        // context are kept for the life of the process.
        unsafe {
            let mut reference = std::ptr::null_mut();
            let mut resource = std::ptr::null_mut();
            let mut name = std::ptr::null_mut();
            let mut context = std::ptr::null_mut();
            let label = "rsnet-events";
            if sys::napi_create_reference(env, callback, 1, &mut reference) != sys::Status::napi_ok
                || sys::napi_create_object(env, &mut resource) != sys::Status::napi_ok
                || sys::napi_create_string_utf8(env, label.as_ptr().cast(), label.len() as isize, &mut name) != sys::Status::napi_ok
                || sys::napi_async_init(env, resource, name, &mut context) != sys::Status::napi_ok
            {
                return;
            }
            DISPATCH.with(|cell| cell.set(Some(Dispatch { env, callback: reference, context })));
            installed = true;
        }
        // SAFETY: the handles are zeroed memory of the size libuv asks for, leaked so
        // they outlive the loop; init/start/unref are called on the loop's thread.
        unsafe {
            for &fd in fds {
                let poll = Box::leak(vec![0u8; uv_handle_size(UV_POLL)].into_boxed_slice()).as_mut_ptr() as *mut c_void;
                if uv_poll_init(event_loop, poll, fd) == 0 && uv_poll_start(poll, UV_READABLE, on_readable) == 0 {
                    uv_unref(poll);
                }
            }
            let timer = Box::leak(vec![0u8; uv_handle_size(UV_TIMER)].into_boxed_slice()).as_mut_ptr() as *mut c_void;
            if uv_timer_init(event_loop, timer) == 0 && uv_timer_start(timer, on_timer, TIMER_PERIOD_MS, TIMER_PERIOD_MS) == 0 {
                uv_unref(timer);
            }
        }
    });
    installed
}
