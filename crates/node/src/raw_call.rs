//! Plain Node-API functions, for the calls JS makes per message or per connection
//! (`socket_calls`, `batches`): one `napi_get_cb_info`, the argument reads, the work.
//!
//! Why not napi-rs: its generated glue for a `&self` method unwraps the receiver,
//! checks its class against a registry behind a mutex and records a native borrow in a
//! process-wide map behind another, then undoes it all: measured on this machine,
//! ~600 ns for a call that does nothing, ~180 ns for a napi-rs free function, against
//! ~70-100 ns here. A proxy makes a few such calls per chunk and a short connection a
//! dozen.
//!
//! Every call runs under `catch_unwind`; a panic becomes a JS exception. An argument of
//! the wrong type is a TypeError: only rsnet's own JS calls these.

use std::ffi::{c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use napi::sys;

/// The most arguments any call here takes.
const MAX_ARGS: usize = 3;

/// What a call returns to JS.
pub enum Ret {
    Undefined,
    Int(i32),
    Bool(bool),
    Double(f64),
}

/// An argument of the wrong type (a bug in rsnet's JS, not a user error).
pub struct BadArgument;

pub type Body = fn(&Call) -> Result<Ret, BadArgument>;

/// One call's env and arguments.
pub struct Call {
    pub env: sys::napi_env,
    argv: [sys::napi_value; MAX_ARGS],
    argc: usize,
}

impl Call {
    pub fn arg(&self, i: usize) -> Result<sys::napi_value, BadArgument> {
        if i < self.argc {
            Ok(self.argv[i])
        } else {
            Err(BadArgument)
        }
    }

    pub fn u32(&self, i: usize) -> Result<u32, BadArgument> {
        let mut out = 0;
        // SAFETY: a value of this call, read with this call's env on the JS thread.
        status(unsafe { sys::napi_get_value_uint32(self.env, self.arg(i)?, &mut out) })?;
        Ok(out)
    }

    pub fn f64(&self, i: usize) -> Result<f64, BadArgument> {
        let mut out = 0.0;
        // SAFETY: as in `u32`.
        status(unsafe { sys::napi_get_value_double(self.env, self.arg(i)?, &mut out) })?;
        Ok(out)
    }

    pub fn bool(&self, i: usize) -> Result<bool, BadArgument> {
        let mut out = false;
        // SAFETY: as in `u32`.
        status(unsafe { sys::napi_get_value_bool(self.env, self.arg(i)?, &mut out) })?;
        Ok(out)
    }

    /// Where a Buffer argument's bytes are, and how many: alive until this call
    /// returns (the argument holds the Buffer, whose backing store does not move).
    fn buffer_parts(&self, value: sys::napi_value) -> Result<(*mut u8, usize), BadArgument> {
        let (mut data, mut len) = (ptr::null_mut::<c_void>(), 0usize);
        // SAFETY: a value of this call, read with its env on the JS thread.
        status(unsafe { sys::napi_get_buffer_info(self.env, value, &mut data, &mut len) })?;
        Ok((data.cast(), len))
    }

    /// The bytes of a Buffer argument, valid for the rest of this call.
    pub fn bytes(&self, value: sys::napi_value) -> Result<&[u8], BadArgument> {
        match self.buffer_parts(value)? {
            (_, 0) => Ok(&[]),
            // SAFETY: `len` bytes at `data`, alive for the call (`buffer_parts`).
            (data, len) => Ok(unsafe { std::slice::from_raw_parts(data, len) }),
        }
    }

    /// The bytes of a Buffer argument, writable for the rest of this call.
    ///
    /// # Safety
    /// The caller uses the slice only during this call (`'a` is not tied to it), and
    /// takes no other view of the same Buffer meanwhile (JS cannot run during the
    /// call, so nothing else touches it).
    pub unsafe fn bytes_mut<'a>(&self, value: sys::napi_value) -> Result<&'a mut [u8], BadArgument> {
        match self.buffer_parts(value)? {
            (_, 0) => Ok(&mut []),
            // SAFETY: `len` bytes at `data`, alive for the call (`buffer_parts`); the
            // caller holds the only view (this fn's contract).
            (data, len) => Ok(unsafe { std::slice::from_raw_parts_mut(data, len) }),
        }
    }

    /// The elements of an Int32Array argument, writable for the rest of this call.
    ///
    /// # Safety
    /// As for `bytes_mut`.
    pub unsafe fn int32s_mut<'a>(&self, i: usize) -> Result<&'a mut [i32], BadArgument> {
        let (mut kind, mut len, mut data) = (0, 0usize, ptr::null_mut::<c_void>());
        let (mut buffer, mut offset) = (ptr::null_mut(), 0usize);
        // SAFETY: a value of this call, read with its env on the JS thread.
        status(unsafe { sys::napi_get_typedarray_info(self.env, self.arg(i)?, &mut kind, &mut len, &mut data, &mut buffer, &mut offset) })?;
        if kind != sys::TypedarrayType::int32_array {
            return Err(BadArgument);
        }
        if len == 0 {
            return Ok(&mut []);
        }
        // SAFETY: an Int32Array's elements are `len` aligned i32s at `data`, alive for
        // the call; the caller holds the only view (this fn's contract).
        Ok(unsafe { std::slice::from_raw_parts_mut(data as *mut i32, len) })
    }
}

pub fn status(status: sys::napi_status) -> Result<(), BadArgument> {
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
        Ok(Err(BadArgument)) => throw(env, c"rsnet: a native call got an argument of the wrong type", true),
        Err(_) => throw(env, c"rsnet: a native call panicked", false),
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

/// Puts every call on `target` as a function of that name.
///
/// # Safety
/// `env` and `target` must be live values of the current call on the JS thread.
pub unsafe fn install(env: sys::napi_env, target: sys::napi_value, calls: &[(&CStr, Body)]) -> napi::Result<()> {
    for &(name, body) in calls {
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
