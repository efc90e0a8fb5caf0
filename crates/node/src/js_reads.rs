//! Linux: the JS thread's poller (`rsnet_reactor::Poller`) watched from Node's own
//! event loop, so the sockets JavaScript consumes are read on its thread in libuv's
//! poll phase, as node:net's are, and their events dispatched in one JS call.
//!
//! One libuv poll handle per JS thread, on the poller's epoll descriptor, made with the
//! binding (`set_drain`). It is unref'd: liveness stays the
//! threadsafe function's (see wake.rs), which JS refs exactly while a handle is active.
//! When it fires, every ready socket gets a read straight into a Buffer, which becomes
//! its `'data'` chunk, with a record in the env's event batch (no cross-thread
//! wake-up); then the batch goes to JS through `napi_make_callback`, which runs the
//! ticks and microtasks it queues afterwards, as after any I/O callback.
//!
//! The chunks (Match node:net: each read a Buffer of its own, no copy after the
//! kernel's): a read goes into a 64 KiB Buffer kept for it (`Scratch`). A full read
//! hands that Buffer itself to JS, and the next read gets a new one, as libuv's
//! allocation callback gives node:net a new 64 KiB buffer per read. A shorter read is
//! copied into a Buffer of its size and the 64 KiB one is kept: node:net shrinks its
//! buffer in place with realloc, which Node-API cannot; a copy of a short read costs
//! at most what the copy out of the batch cost every read before (one 64 KiB memcpy
//! was 14% of a 'data' proxy's CPU). Reads under `OWN_CHUNK_FROM` (4 KiB) go through
//! the batch instead, as the reactor's reads do: for a few bytes JS's own Buffer
//! allocation is cheaper than Node-API's. Chunks go to JS in an array it gave the binding
//! (`src/dispatch.ts`'s OWN_CHUNKS), in the order of their `DATA_OWN` records.
//!
//! Teardown (`teardown`, from the env's cleanup hook): the handle is stopped and
//! closed, and freed in its close callback; the poller's epoll descriptor is closed
//! then too. Sockets still in it are closed by the env's own teardown; a closed
//! descriptor leaves an epoll set by itself.

use std::cell::RefCell;
use std::ffi::{c_int, c_void};
use std::ptr;

use napi::sys;
use rsnet_reactor::{Conn, Poller, READS_PER_TURN, READ_CHUNK};

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
    /// The JS array the chunks read here are appended to (dispatch.ts's OWN_CHUNKS).
    chunks: sys::napi_ref,
}

/// The Buffer the next read goes into, kept from read to read until one fills it.
struct Scratch {
    buffer: sys::napi_ref,
    data: *mut u8,
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
    static SCRATCH: RefCell<Option<Scratch>> = const { RefCell::new(None) };
}

fn handle_layout() -> std::alloc::Layout {
    // SAFETY: uv_handle_size only reads a table of sizes.
    let size = unsafe { uv_handle_size(UV_POLL) };
    std::alloc::Layout::from_size_align(size, HANDLE_ALIGN).expect("uv_poll_t layout")
}

/// Records the JS function that takes event batches and the array the chunks read
/// here go to (`Binding::new`).
///
/// # Safety
/// `env`, `drain` and `chunks` must be valid handles of the current call on this JS
/// thread; `chunks` an array.
pub unsafe fn set_drain(env: sys::napi_env, drain: sys::napi_value, chunks: sys::napi_value) -> napi::Result<()> {
    let mut reference = ptr::null_mut();
    let mut chunks_ref = ptr::null_mut();
    let mut name = ptr::null_mut();
    let mut context = ptr::null_mut();
    // SAFETY: the caller's handles, on its thread; the name is a static string.
    let ok = unsafe {
        sys::napi_create_reference(env, drain, 1, &mut reference) == sys::Status::napi_ok
            && sys::napi_create_reference(env, chunks, 1, &mut chunks_ref) == sys::Status::napi_ok
            && sys::napi_create_string_utf8(env, c"rsnet:read".as_ptr(), 10, &mut name) == sys::Status::napi_ok
            && sys::napi_async_init(env, ptr::null_mut(), name, &mut context) == sys::Status::napi_ok
    };
    if !ok {
        return Err(napi::Error::from_reason("rsnet: could not set up the JS thread's reads"));
    }
    let _ = ENTRY.try_with(|e| *e.borrow_mut() = Some(JsEntry { env, drain: reference, context, chunks: chunks_ref }));
    // The poller now, not at the first readStart: its epoll descriptor would otherwise be
    // made when the process may be out of descriptors, taking the one the accept loop
    // frees from its reserve to drain the backlog (see the reactor's emfile.rs; strace
    // showed this epoll_create1 winning that race).
    let _ = WATCHER.try_with(|w| {
        ensure_watcher(&mut w.borrow_mut());
    });
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

/// Bytes read since the last dispatch after which JS gets them before the next read:
/// one full read. Reading the 32 sockets of a bulk echo before dispatching (2 MiB)
/// left the first chunks out of the cache by the time JS wrote them back: the kernel's
/// copy from them cost 10.5% of the CPU against node:net's 6%, and the cell ran at
/// 0.91× node:net's throughput. Small reads of many sockets still go in one call.
const DISPATCH_AFTER: usize = READ_CHUNK;

/// The poller's descriptor is readable: rounds of one read per ready socket, for at
/// most READS_PER_TURN rounds; a socket takes part in the next round only if its read
/// was full. JS gets what was read at the end of each round, or as soon as
/// DISPATCH_AFTER bytes wait for it.
///
/// Why rounds of one read, not all of a socket's reads and then JS: in an exchange
/// (an echo, a proxy) the peer sends more only once it has JS's answer. Reading a
/// socket to the end before dispatching found it empty (a third of Unix-socket bulk
/// reads were EAGAIN); one read, the answer, then the next read finds the peer's next
/// chunk, as node:net's loop does (libuv dispatches each read before the next). Sockets
/// ready together with little to read still go to JS in one call.
///
/// Nothing here holds a borrow while JS runs: JS calls back in (readStart, readStop,
/// close) from its event handlers, and a socket it closed is not found next time.
unsafe extern "C" fn on_readable(_handle: *mut c_void, _status: c_int, _events: c_int) {
    let Some(entry) = ENTRY.try_with(|e| *e.borrow()).ok().flatten() else { return };
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
    let mut pushed = false;
    let mut undispatched = 0;
    for _ in 0..READS_PER_TURN {
        // The sockets to read again next round are moved to the front.
        let mut again = 0;
        for i in 0..ready.len() {
            let id = ready[i];
            // SAFETY: on the JS thread, in a libuv callback, with this thread's live env.
            let Some(scope) = (unsafe { HandleScope::open(entry.env) }) else { break };
            let read = conn_table::with(id, |conn| {
                let read = read_chunk(&entry, conn, hang_up(id));
                if !read.keep_watching {
                    with_poller(false, |p| p.after_read(conn, read));
                }
                read
            })
            .unwrap_or_default();
            drop(scope);
            pushed |= read.pushed;
            undispatched += read.bytes;
            if read.full && read.keep_watching {
                ready[again] = id;
                again += 1;
            }
            if pushed && undispatched >= DISPATCH_AFTER {
                dispatch();
                pushed = false;
                undispatched = 0;
            }
        }
        ready.truncate(again);
        if pushed {
            dispatch();
            pushed = false;
            undispatched = 0;
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

/// A napi handle scope, closed when dropped.
struct HandleScope {
    env: sys::napi_env,
    scope: sys::napi_handle_scope,
}

impl HandleScope {
    /// # Safety
    /// `env` must be this JS thread's live env, and this must run on that thread.
    unsafe fn open(env: sys::napi_env) -> Option<HandleScope> {
        let mut scope = ptr::null_mut();
        // SAFETY: the caller's env, on its thread.
        (unsafe { sys::napi_open_handle_scope(env, &mut scope) } == sys::Status::napi_ok).then_some(HandleScope { env, scope })
    }
}

impl Drop for HandleScope {
    fn drop(&mut self) {
        // SAFETY: opened in `open` on this thread, and closed once, innermost first
        // (scopes are only made and dropped in `on_readable`'s loop).
        unsafe { sys::napi_close_handle_scope(self.env, self.scope) };
    }
}

/// One read of `conn` into the scratch Buffer, handed to JS as a chunk of its own
/// (see the module's doc). Runs inside a handle scope.
/// Whether the poller's last turn found socket `id` hung up (see `Env::read_for_js`).
fn hang_up(id: u32) -> rsnet_reactor::HangUp {
    WATCHER
        .try_with(|w| w.borrow().as_ref().map(|watcher| watcher.poller.hung_up(id)))
        .ok()
        .flatten()
        .unwrap_or(rsnet_reactor::HangUp::Unknown)
}

fn read_chunk(entry: &JsEntry, conn: &Conn, hang_up: rsnet_reactor::HangUp) -> rsnet_reactor::JsRead {
    let env = entry.env;
    let Some(data) = scratch_data(env) else {
        // No memory for a Buffer: V8 fails hard on its own soon after. Read nothing
        // this turn; the socket stays watched.
        return rsnet_reactor::JsRead { keep_watching: true, ..Default::default() };
    };
    // SAFETY: `data` is the scratch Buffer's READ_CHUNK bytes, alive while SCRATCH
    // holds its reference, which only this thread drops, and not during the read.
    let buf = unsafe { std::slice::from_raw_parts_mut(data.cast::<std::mem::MaybeUninit<u8>>(), READ_CHUNK) };
    let read = thread_env::with(|e| e.read_for_js(conn, buf, hang_up)).unwrap_or_default();
    if read.own_bytes > 0 {
        // SAFETY: in a handle scope on the JS thread; the scratch holds `own_bytes`
        // initialized bytes.
        unsafe { hand_over(entry, read.own_bytes) };
    }
    read
}

/// The scratch Buffer's memory, made if there is none.
fn scratch_data(env: sys::napi_env) -> Option<*mut u8> {
    SCRATCH
        .try_with(|s| {
            let mut s = s.borrow_mut();
            if s.is_none() {
                let mut data = ptr::null_mut();
                let mut value = ptr::null_mut();
                let mut buffer = ptr::null_mut();
                // SAFETY: this thread's env, inside the caller's handle scope. Node
                // makes the Buffer's memory uninitialized (it is written before read).
                let ok = unsafe {
                    sys::napi_create_buffer(env, READ_CHUNK, &mut data, &mut value) == sys::Status::napi_ok
                        && sys::napi_create_reference(env, value, 1, &mut buffer) == sys::Status::napi_ok
                };
                if !ok || data.is_null() {
                    return None;
                }
                *s = Some(Scratch { buffer, data: data.cast() });
            }
            s.as_ref().map(|s| s.data)
        })
        .ok()
        .flatten()
}

/// Appends the chunk of the read just made, `n` bytes at the start of the scratch
/// Buffer, to JS's chunk array: the scratch Buffer itself if the read filled it,
/// else a copy of its size.
///
/// # Safety
/// On the JS thread, inside a handle scope, with `n` bytes of the scratch initialized.
unsafe fn hand_over(entry: &JsEntry, n: usize) {
    let env = entry.env;
    let Ok(Some(chunk)) = SCRATCH.try_with(|s| {
        let mut s = s.borrow_mut();
        let scratch = s.as_ref()?;
        let mut chunk = ptr::null_mut();
        if n == READ_CHUNK {
            // SAFETY: the reference was made on this env; after this the Buffer is
            // JS's alone and the next read makes a new scratch.
            unsafe {
                sys::napi_get_reference_value(env, scratch.buffer, &mut chunk);
                sys::napi_delete_reference(env, scratch.buffer);
            }
            *s = None;
        } else {
            let mut copy_data = ptr::null_mut();
            // SAFETY: the scratch's first `n` bytes are initialized (the caller's
            // contract); the copy is a new Buffer of exactly `n` bytes.
            unsafe { sys::napi_create_buffer_copy(env, n, scratch.data.cast(), &mut copy_data, &mut chunk) };
        }
        (!chunk.is_null()).then_some(chunk)
    }) else {
        return;
    };
    // SAFETY: the array's reference was made on this env; appending at its length.
    unsafe {
        let mut chunks = ptr::null_mut();
        let mut len = 0u32;
        sys::napi_get_reference_value(env, entry.chunks, &mut chunks);
        sys::napi_get_array_length(env, chunks, &mut len);
        sys::napi_set_element(env, chunks, len, chunk);
    }
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
    // Node frees the references of an env that goes away; the scratch is only
    // forgotten here, so that nothing uses its memory after.
    let _ = SCRATCH.try_with(|s| s.borrow_mut().take());
    let _ = ENTRY.try_with(|e| e.borrow_mut().take());
}
