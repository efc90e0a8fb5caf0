//! The JS-thread reactor (a prototype, Linux only, `RSNET_REACTOR=js`): instead of
//! tokio worker threads, a current-thread runtime that the JS thread drives whenever
//! Node's own event loop sees the runtime's epoll descriptor become readable.
//!
//! Why: with reactor threads, a request/response exchange costs one extra thread
//! wake-up per message (the reactor thread wakes, then wakes the JS thread), which is
//! most of the gap to node:net's ping-pong latency. Driven from the JS thread, the
//! socket's readiness wakes the JS thread directly, as in libuv.
//!
//! How: the binding watches [`poller_fd`] with a `uv_poll_t` and calls [`drive`] when
//! it is readable (I/O, or a task woken from JS: tokio's wake-up is an eventfd in the
//! same epoll set), and on a short repeating timer for tokio's timers. `drive` runs
//! tasks and polls the driver without blocking until a round makes no progress.
//!
//! Limits of the prototype: every environment's sockets are driven by the thread that
//! registered the poll (the main thread); timers fire up to one timer period late.
//!
//! Measured (1-connection 64 B ping-pong, `'data'` echo, this 2-core machine): p50
//! 55 µs against 49 µs for the threaded reactor and 34 µs for node:net, at about the
//! same CPU per message as the threaded reactor, and about one message in 200 waits
//! for the timer (p99.9 5 ms): some wake-up still reaches the runtime without making
//! its epoll descriptor readable. So the threaded reactor stays the default; this
//! stays opt-in until that is found.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// Bumped by every task turn (conn, accept): `drive` stops when a round bumps nothing.
static TURNS: AtomicU64 = AtomicU64::new(0);
static POLLER_FDS: OnceLock<Vec<i32>> = OnceLock::new();

/// Whether this process runs the JS-thread reactor (read once, at first use).
pub fn enabled() -> bool {
    static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ENABLED.get_or_init(|| cfg!(target_os = "linux") && std::env::var("RSNET_REACTOR").as_deref() == Ok("js"))
}

/// A task did something.
pub(crate) fn turn() {
    TURNS.fetch_add(1, Ordering::Relaxed);
}

/// The runtime's epoll descriptors, once the JS-thread runtime exists (tokio may keep
/// more than one; watching each is harmless).
pub fn poller_fds() -> &'static [i32] {
    POLLER_FDS.get().map(|v| &v[..]).unwrap_or(&[])
}

/// The most rounds one `drive` makes, so a flood of work cannot keep the JS thread from
/// its own callbacks: what is left is picked up on the next readiness.
const MAX_ROUNDS: usize = 64;

thread_local! {
    static DRIVING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the calling thread is inside `drive`: events pushed meanwhile need no
/// cross-thread wake-up, the driver's caller dispatches them when `drive` returns.
pub fn driving() -> bool {
    DRIVING.with(|d| d.get())
}

/// Runs ready tasks and polls I/O without blocking, until quiet. JS thread only, never
/// from inside a task or another `drive`.
pub fn drive() {
    if !enabled() || driving() {
        return;
    }
    DRIVING.with(|d| d.set(true));
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            DRIVING.with(|d| d.set(false));
        }
    }
    let _reset = Reset;
    crate::runtime::runtime().block_on(async {
        for _ in 0..MAX_ROUNDS {
            let before = TURNS.load(Ordering::Relaxed);
            // A yield lets the scheduler run the tasks already queued, then poll the I/O
            // driver with a zero timeout, then resume this future: tasks the poll woke
            // are queued but have not run yet. The second yield runs them.
            tokio::task::yield_now().await;
            tokio::task::yield_now().await;
            if TURNS.load(Ordering::Relaxed) == before {
                break;
            }
        }
    });
}

/// Builds the current-thread runtime and finds its epoll descriptors: the
/// `anon_inode:[eventpoll]`s that appeared while it was built (tokio does not expose
/// them).
pub(crate) fn build_runtime() -> tokio::runtime::Runtime {
    let before = epoll_fds();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rsnet: cannot start the reactor runtime");
    let new: Vec<i32> = epoll_fds().into_iter().filter(|fd| !before.contains(fd)).collect();
    let _ = POLLER_FDS.set(new);
    runtime
}

fn epoll_fds() -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else { return Vec::new() };
    dir.filter_map(|e| e.ok())
        .filter(|e| std::fs::read_link(e.path()).map(|t| t.to_string_lossy() == "anon_inode:[eventpoll]").unwrap_or(false))
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect()
}
