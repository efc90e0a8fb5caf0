//! rsnet-reactor: the I/O core of rsnet. It owns every socket, and knows nothing of
//! JavaScript: it is driven by method calls on [`Env`] and reports through batches of
//! fixed-size event records.
//!
//! Layout, one concept per file:
//!
//! * `runtime`  — the process-wide tokio runtime (its own thread(s)) and the ms clock.
//! * `env`      — [`Env`]: one per JS environment (main thread, each worker): its
//!   registry of live handles, its event sink.
//! * `event`    — the event record format shared with `src/dispatch.ts`.
//! * `sink`     — [`EventSink`]: appends records to the pending batch and wakes the
//!   consumer exactly once per empty→non-empty transition.
//! * `stream`   — [`Stream`]: a connected TCP, Unix-domain or pipe stream, one type
//!   for the reactor.
//! * `conn`     — [`Conn`]: a connected (or connecting) socket, shared between the JS
//!   thread (try-write, socket options) and its reactor task.
//! * `inbox`    — a conn task's queue of commands from the JS thread.
//! * `signal`   — the wake-up a conn or accept task waits on: one waiter, no waiter node.
//! * `conn_task`— the task that drives one `Conn`: connect, reads under read credit,
//!   queued writes, shutdown, close.
//! * `js_reads` — Linux: the JS thread reads the sockets JavaScript consumes itself,
//!   through its own epoll instance ([`Poller`]), into the same event batch.
//! * `pipe`     — the native pipe: `a.pipe(b)` moved inside the reactor.
//! * `splice`   — Linux: the native pipe's bytes through a kernel pipe (splice(2)).
//! * `write_bytes` — a queued write's bytes: the reactor's own, or lent by a JS Buffer.
//! * `idle`     — the idle timer of `socket.setTimeout()`, owned by the conn task.
//! * `listener` — [`Listener`]: a listening socket and its accept task.
//! * `local`    — node:net's `path` endpoints: Unix-domain sockets, or named pipes on
//!   Windows (connect, bind, the pipe acceptor).
//! * `adopt`    — descriptors rsnet did not open: `listen({ fd })`, `Socket({ fd })`.
//! * `sys`      — the few raw syscalls the standard library does not expose, per
//!   platform (`sys/unix.rs`, `sys/windows.rs`).
//!
//! Threads: the JS thread calls into `Env`/`Conn`/`Listener` directly for anything that
//! is one non-blocking syscall (bind+listen, a first write, setsockopt, getsockname);
//! everything that waits (connect, read, the rest of a write, accept, timers) runs as a
//! task on the runtime. A handle's descriptor is closed only by its task, under the
//! handle's `fd` lock, so a syscall from the JS thread can never hit a reused fd.

mod adopt;
#[cfg(unix)]
pub mod bound;
mod conn;
mod conn_task;
#[cfg(unix)]
mod emfile;
mod env;
mod event;
mod idle;
mod inbox;
#[cfg(target_os = "linux")]
mod js_reads;
mod listener;
mod local;
mod pipe;
#[cfg(target_os = "linux")]
mod splice;
mod runtime;
mod signal;
mod sink;
mod stream;
mod sys;
mod write_bytes;

pub use conn::{Conn, WriteOutcome, READ_AHEAD_FLOWING, READ_AHEAD_PAUSED};
pub use env::{ConnectTarget, Env, ListenOptions};
pub use event::{EventKind, Syscall, DATA_OWN, RECORD_WORDS};
#[cfg(target_os = "linux")]
pub use js_reads::{set_eof_on_hang_up, HangUp, JsRead, Poller, OWN_CHUNK_FROM, READS_PER_TURN, READ_CHUNK};
pub use listener::Listener;
pub use runtime::set_io_threads;
pub use sink::{Batch, Wake};
pub use stream::SockAddr;
pub use sys::{access_mode, close_fd, dup_raw_fd as dup_fd, ebadf, errno_of, fd_is_open, guess_handle_type, set_abstract_name_padding, set_long_path_truncation, SocketOptions};
