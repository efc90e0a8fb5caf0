//! PROTOTYPE (RSNET_JS_READS=1, Unix): a flowing TCP socket read on the JS thread,
//! watched by Node's own event loop (a libuv poll handle), so a 'data' chunk costs no
//! thread hop. Measured against the reactor's reads before deciding anything.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{c_int, c_void};
use std::ptr;

use napi::sys;

use crate::conn_table;
use crate::raw_call::{BadArgument, Body, Call, Ret};

extern "C" {
    fn uv_handle_size(kind: c_int) -> usize;
    fn uv_poll_init(lp: *mut c_void, handle: *mut c_void, fd: c_int) -> c_int;
    fn uv_poll_start(handle: *mut c_void, events: c_int, cb: unsafe extern "C" fn(*mut c_void, c_int, c_int)) -> c_int;
    fn uv_poll_stop(handle: *mut c_void) -> c_int;
    fn uv_close(handle: *mut c_void, cb: unsafe extern "C" fn(*mut c_void));
}

const UV_POLL: c_int = 8;
const UV_READABLE: c_int = 1;
const READ_SIZE: usize = 64 * 1024;
const READS_PER_WAKE: usize = 4;

struct Reader {
    env: sys::napi_env,
    id: u32,
    fd: c_int,
    handle: *mut c_void,
    callback: sys::napi_ref,
    context: sys::napi_async_context,
}

thread_local! {
    static READERS: RefCell<HashMap<u32, Box<Reader>>> = RefCell::new(HashMap::new());
}

unsafe extern "C" fn on_readable(handle: *mut c_void, _status: c_int, _events: c_int) {
    // SAFETY: libuv's uv_handle_t starts with `void* data`, set to the reader below.
    let reader = unsafe { *(handle as *mut *mut Reader) };
    // SAFETY: the reader lives until its handle is closed (stop), which precedes this.
    let r = unsafe { &*reader };
    let env = r.env;
    let id = r.id;
    let fd = r.fd;
    let callback = r.callback;
    let context = r.context;
    for _ in 0..READS_PER_WAKE {
        let mut scope = ptr::null_mut();
        // SAFETY: prototype; Node-API calls on the JS thread from a libuv callback.
        unsafe {
            sys::napi_open_handle_scope(env, &mut scope);
            let mut data = ptr::null_mut::<c_void>();
            let mut buffer = ptr::null_mut();
            sys::napi_create_buffer(env, READ_SIZE, &mut data, &mut buffer);
            let n = libc::recv(fd, data, READ_SIZE, libc::MSG_DONTWAIT);
            let code = if n >= 0 { n as i32 } else { -std::io::Error::last_os_error().raw_os_error().unwrap_or(5) };
            if code == -libc::EAGAIN || code == -libc::EINTR {
                sys::napi_close_handle_scope(env, scope);
                return;
            }
            if code > 0 {
                conn_table::with(id, |c| c.touch());
            }
            let mut func = ptr::null_mut();
            sys::napi_get_reference_value(env, callback, &mut func);
            let mut global = ptr::null_mut();
            sys::napi_get_global(env, &mut global);
            let mut n_value = ptr::null_mut();
            sys::napi_create_int32(env, code, &mut n_value);
            let argv = [buffer, n_value];
            let mut result = ptr::null_mut();
            sys::napi_make_callback(env, context, global, func, 2, argv.as_ptr(), &mut result);
            sys::napi_close_handle_scope(env, scope);
            if code <= 0 || (code as usize) < READ_SIZE {
                return;
            }
        }
        // The JS callback may have stopped or paused this reader.
        if READERS.with(|m| !m.borrow().contains_key(&id)) {
            return;
        }
    }
}

unsafe extern "C" fn on_closed(handle: *mut c_void) {
    // SAFETY: allocated in `start` with this layout.
    unsafe { std::alloc::dealloc(handle as *mut u8, std::alloc::Layout::from_size_align_unchecked(uv_handle_size(UV_POLL), 16)) };
}

/// `jsReadStart(id, fn)`: fn(buffer, n) with n > 0 bytes, 0 at EOF, -errno on error.
fn start(call: &Call) -> Result<Ret, BadArgument> {
    let id = call.u32(0)?;
    let func = call.arg(1)?;
    let Some(fd) = conn_table::with(id, |c| c.js_fd()).flatten() else { return Ok(Ret::Bool(false)) };
    let env = call.env;
    // SAFETY: prototype.
    unsafe {
        let mut lp = ptr::null_mut();
        sys::napi_get_uv_event_loop(env, &mut lp);
        let size = uv_handle_size(UV_POLL);
        let handle = std::alloc::alloc_zeroed(std::alloc::Layout::from_size_align_unchecked(size, 16)) as *mut c_void;
        if uv_poll_init(lp.cast(), handle, fd) != 0 {
            std::alloc::dealloc(handle as *mut u8, std::alloc::Layout::from_size_align_unchecked(size, 16));
            return Ok(Ret::Bool(false));
        }
        let mut callback = ptr::null_mut();
        sys::napi_create_reference(env, func, 1, &mut callback);
        let mut name = ptr::null_mut();
        sys::napi_create_string_utf8(env, c"rsnet-read".as_ptr(), 10, &mut name);
        let mut context = ptr::null_mut();
        sys::napi_async_init(env, ptr::null_mut(), name, &mut context);
        let mut reader = Box::new(Reader { env, id, fd, handle, callback, context });
        *(handle as *mut *mut Reader) = &mut *reader;
        uv_poll_start(handle, UV_READABLE, on_readable);
        READERS.with(|m| m.borrow_mut().insert(id, reader));
    }
    Ok(Ret::Bool(true))
}

fn pause(call: &Call) -> Result<Ret, BadArgument> {
    let id = call.u32(0)?;
    READERS.with(|m| {
        if let Some(r) = m.borrow().get(&id) {
            // SAFETY: prototype; the handle is open.
            unsafe { uv_poll_stop(r.handle) };
        }
    });
    Ok(Ret::Undefined)
}

fn resume(call: &Call) -> Result<Ret, BadArgument> {
    let id = call.u32(0)?;
    READERS.with(|m| {
        if let Some(r) = m.borrow().get(&id) {
            // SAFETY: prototype; the handle is open.
            unsafe { uv_poll_start(r.handle, UV_READABLE, on_readable) };
        }
    });
    Ok(Ret::Undefined)
}

fn stop(call: &Call) -> Result<Ret, BadArgument> {
    let id = call.u32(0)?;
    if let Some(r) = READERS.with(|m| m.borrow_mut().remove(&id)) {
        // SAFETY: prototype; the handle is open and closed once here.
        unsafe {
            uv_poll_stop(r.handle);
            uv_close(r.handle, on_closed);
            sys::napi_delete_reference(r.env, r.callback);
        }
    }
    Ok(Ret::Undefined)
}

pub const CALLS: &[(&std::ffi::CStr, Body)] =
    &[(c"jsReadStart", start), (c"jsReadPause", pause), (c"jsReadResume", resume), (c"jsReadStop", stop)];
