//! The one threadsafe function per JS environment that tells JS "a batch is waiting".
//!
//! Written on raw Node-API rather than napi-rs's `ThreadsafeFunction` because its
//! whole life is about teardown, and that reasoning belongs next to the code:
//!
//! * It is created *unref'd* (weak): an env with nothing open must be free to exit.
//!   JS refs it while it has a ref'd handle (`Binding::ref_`/`unref`).
//! * Reactor threads call it through [`TsfnWaker::wake`], which holds a read lock on
//!   the raw pointer; [`TsfnWaker::abort`] takes the write lock, clears the pointer
//!   and only then releases the function with `napi_tsfn_abort`. After that no thread
//!   can reach the freed function: the pointer they would need is gone.
//! * `abort` runs from the env's cleanup hook, which Node runs *before* the cleanup of
//!   the threadsafe function itself (hooks run in reverse order of registration and
//!   ours is registered after the function is created). Releasing it ourselves, early,
//!   is the guard against Node versions that abort the process when a worker exits
//!   with a live threadsafe function.
//! * If Node finalizes the function first anyway, the finalizer clears the pointer
//!   the same way.

use std::ffi::c_void;
use std::ptr;
use std::sync::{Arc, RwLock};

use napi::sys;
use rsnet_reactor::Wake;

/// The raw function pointer, sendable because Node-API documents
/// `napi_call_threadsafe_function` as callable from any thread.
#[derive(Clone, Copy)]
struct RawTsfn(sys::napi_threadsafe_function);
// SAFETY: see above; every other use happens on the JS thread that owns the env.
unsafe impl Send for RawTsfn {}
// SAFETY: as for Send: the pointer is only dereferenced by Node-API calls that allow it.
unsafe impl Sync for RawTsfn {}

pub struct TsfnWaker {
    tsfn: RwLock<Option<RawTsfn>>,
}

impl TsfnWaker {
    /// Creates the threadsafe function around `callback` (called with no arguments),
    /// unref'd.
    ///
    /// # Safety
    /// `env` and `callback` must be valid handles of the current JS call.
    pub unsafe fn create(env: sys::napi_env, callback: sys::napi_value) -> napi::Result<Arc<TsfnWaker>> {
        let waker = Arc::new(TsfnWaker { tsfn: RwLock::new(None) });
        let name = "rsnet-events";
        let mut name_value = ptr::null_mut();
        let mut raw = ptr::null_mut();
        let finalize_data = Arc::into_raw(waker.clone()) as *mut c_void;
        // SAFETY: `env` is valid (contract); `name` outlives the call.
        let status = unsafe { sys::napi_create_string_utf8(env, name.as_ptr().cast(), name.len() as isize, &mut name_value) };
        check(status, "napi_create_string_utf8")?;
        // SAFETY: all handles are valid; `finalize_data` is an owned Arc that
        // `finalize` takes back exactly once.
        let status = unsafe {
            sys::napi_create_threadsafe_function(
                env,
                callback,
                ptr::null_mut(),
                name_value,
                0,
                1,
                finalize_data,
                Some(finalize),
                ptr::null_mut(),
                Some(call_js),
                &mut raw,
            )
        };
        if status != sys::Status::napi_ok {
            // SAFETY: creation failed, so Node never took `finalize_data`; reclaim it.
            drop(unsafe { Arc::from_raw(finalize_data as *const TsfnWaker) });
            return Err(napi::Error::from_reason(format!("rsnet: napi_create_threadsafe_function failed ({status})")));
        }
        // SAFETY: `raw` was just created on this env's thread.
        check(unsafe { sys::napi_unref_threadsafe_function(env, raw) }, "napi_unref_threadsafe_function")?;
        *waker.tsfn.write().unwrap_or_else(|e| e.into_inner()) = Some(RawTsfn(raw));
        Ok(waker)
    }

    /// Keeps the event loop alive (`refer = true`) or lets it exit.
    ///
    /// # Safety
    /// Must be called on the env's JS thread with its `env`.
    pub unsafe fn set_ref(&self, env: sys::napi_env, refer: bool) {
        let guard = self.tsfn.read().unwrap_or_else(|e| e.into_inner());
        if let Some(RawTsfn(raw)) = *guard {
            // SAFETY: the read lock keeps `raw` from being released meanwhile.
            unsafe {
                if refer {
                    sys::napi_ref_threadsafe_function(env, raw);
                } else {
                    sys::napi_unref_threadsafe_function(env, raw);
                }
            }
        }
    }

    /// Releases the function for good; later wakes do nothing. Idempotent.
    pub fn abort(&self) {
        let mut guard = self.tsfn.write().unwrap_or_else(|e| e.into_inner());
        if let Some(RawTsfn(raw)) = guard.take() {
            // SAFETY: `raw` is live (we cleared the only copy under the write lock,
            // so no wake is using it), and abort is allowed from the owning thread.
            unsafe { sys::napi_release_threadsafe_function(raw, sys::ThreadsafeFunctionReleaseMode::abort) };
        }
    }
}

impl Wake for TsfnWaker {
    fn wake(&self) {
        let guard = self.tsfn.read().unwrap_or_else(|e| e.into_inner());
        if let Some(RawTsfn(raw)) = *guard {
            // SAFETY: the read lock keeps `raw` alive; nonblocking on an unbounded queue
            // never waits. A `napi_closing` status during teardown is fine to ignore.
            unsafe { sys::napi_call_threadsafe_function(raw, ptr::null_mut(), sys::ThreadsafeFunctionCallMode::nonblocking) };
        }
    }
}

fn check(status: sys::napi_status, what: &str) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::from_reason(format!("rsnet: {what} failed ({status})")))
    }
}

/// Runs on the JS thread for each wake: calls the JS callback with no arguments.
///
/// An exception thrown by a user's event handler must reach 'uncaughtException' (and
/// end the process when nothing handles it), as it does with node:net. Node 20 only
/// prints a deprecation warning for an exception left pending here, so it is taken
/// and re-raised with `napi_fatal_exception`.
unsafe extern "C" fn call_js(env: sys::napi_env, callback: sys::napi_value, _ctx: *mut c_void, _data: *mut c_void) {
    if env.is_null() || callback.is_null() {
        return; // the env is being torn down: there is no JS left to tell
    }
    let mut undefined = ptr::null_mut();
    // SAFETY: `env` is the live env Node passed in.
    unsafe {
        sys::napi_get_undefined(env, &mut undefined);
        let status = sys::napi_call_function(env, undefined, callback, 0, ptr::null(), ptr::null_mut());
        if status == sys::Status::napi_pending_exception {
            let mut error = ptr::null_mut();
            if sys::napi_get_and_clear_last_exception(env, &mut error) == sys::Status::napi_ok {
                sys::napi_fatal_exception(env, error);
            }
        }
    }
}

/// Node is done with the function: forget the pointer and drop the finalizer's Arc.
unsafe extern "C" fn finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the Arc leaked in `create`, handed back exactly once here.
    let waker = unsafe { Arc::from_raw(data as *const TsfnWaker) };
    waker.tsfn.write().unwrap_or_else(|e| e.into_inner()).take();
}
