//! The process-wide tokio runtime. Every JS environment shares it: a worker thread
//! gets its own `Env` (ids, events) but not its own I/O threads.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tokio::runtime::{Builder, Runtime};

static RUNTIME: OnceLock<Runtime> = OnceLock::new();
static IO_THREADS: AtomicUsize = AtomicUsize::new(0);

/// Sets how many reactor I/O threads the runtime starts with. Takes effect only before
/// the first socket is created; returns whether it took effect.
pub fn set_io_threads(n: usize) -> bool {
    IO_THREADS.store(n.max(1), Ordering::Relaxed);
    RUNTIME.get().is_none()
}

pub(crate) fn runtime() -> &'static Runtime {
    RUNTIME.get_or_init(|| {
        // One I/O thread by default: a single reactor thread next to the JS thread is
        // what wins on small machines; proxies that want more set RSNET_IO_THREADS.
        let configured = IO_THREADS.load(Ordering::Relaxed);
        let threads = if configured > 0 {
            configured
        } else {
            std::env::var("RSNET_IO_THREADS").ok().and_then(|v| v.parse().ok()).unwrap_or(1usize).max(1)
        };
        Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("rsnet-reactor")
            .enable_all()
            .build()
            .expect("rsnet: cannot start the reactor runtime")
    })
}

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Milliseconds on a monotonic clock, cheap enough to stamp every read and write.
pub(crate) fn now_ms() -> u64 {
    epoch().elapsed().as_millis() as u64
}

pub(crate) fn instant_at_ms(ms: u64) -> tokio::time::Instant {
    tokio::time::Instant::from_std(epoch() + Duration::from_millis(ms))
}
