//! Mode `churn`: workers that each loop connect → one small round trip → close.
//!
//! This measures what a server pays per connection (accept, socket setup, first read,
//! teardown) rather than per byte: short-lived clients, health checks, HTTP without
//! keep-alive. Each worker does one cycle at a time, so the number of workers is the
//! number of connections in progress; a cycle counts once the server's end of it has
//! been read, so the server's close is part of the work measured.
//!
//! The client half-closes first and waits for the server's FIN, so both sides close in
//! order (no resets for the server to handle) and the client is the side left with the
//! TIME_WAIT entry. On loopback Linux reuses those after a second (`tcp_tw_reuse`,
//! default 2), which caps a run at about one ephemeral port range per second, some
//! 28 000 connections/s: far above what a server on this kind of machine reaches.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::args::{self, Flags};
use crate::failure::{self, Failure, EXIT_FAILURE};
use crate::histogram::Histogram;
use crate::pattern::Pattern;
use crate::period;
use crate::target::Target;

/// How long one connect may take before the server is declared unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

pub struct Options {
    target: Target,
    workers: usize,
    size: usize,
    seconds: f64,
}

pub fn options(flags: &mut Flags) -> Result<Options, String> {
    Ok(Options {
        target: Target::from_flags(flags)?,
        workers: args::positive(flags, "--connections", 32)?,
        size: args::positive(flags, "--size", 32)?,
        seconds: args::seconds(flags, 3.0)?,
    })
}

struct Shared {
    target: Target,
    pattern: Pattern,
    size: usize,
    stop: AtomicBool,
    /// Cycles completed over all workers; sampled at the deadline.
    completed: AtomicU64,
}

pub async fn run(options: Options) -> ExitCode {
    let shared = Arc::new(Shared {
        target: options.target.clone(),
        pattern: Pattern::new(options.size),
        size: options.size,
        stop: AtomicBool::new(false),
        completed: AtomicU64::new(0),
    });
    let mut tasks = JoinSet::new();
    for worker in 0..options.workers {
        tasks.spawn(run_worker(worker, Arc::clone(&shared)));
    }
    let measured =
        match period::measure(tasks, options.seconds, &shared.stop, &shared.completed).await {
            Ok(measured) => measured,
            Err(code) => return code,
        };
    if measured.count == 0 {
        eprintln!(
            "rsnet-loadgen: no connection to {} completed in {:.1} s",
            options.target, measured.seconds
        );
        return ExitCode::from(EXIT_FAILURE);
    }
    println!(
        "{{\"connections\": {}, \"seconds\": {:.6}, \"workers\": {}, \"latency_ns\": {}}}",
        measured.count,
        measured.seconds,
        options.workers,
        measured.latency.to_json()
    );
    ExitCode::SUCCESS
}

/// Loops connection cycles until `stop`; returns the duration of each counted cycle.
async fn run_worker(worker: usize, shared: Arc<Shared>) -> Result<Histogram, Failure> {
    let io_err = |op| Failure::io(worker, op);
    let size = shared.size;
    let mut buf = vec![0u8; size].into_boxed_slice();
    let mut latency = Histogram::new();
    // Each worker, and each of its cycles, sends different bytes, so an answer that
    // belongs to another connection fails the comparison.
    let mut offset = (worker as u64).wrapping_mul(7919) % shared.pattern.period();

    while !shared.stop.load(Ordering::Relaxed) {
        let begun = Instant::now();
        let mut stream = match tokio::time::timeout(CONNECT_TIMEOUT, shared.target.connect()).await
        {
            Ok(Ok(stream)) => stream,
            Ok(Err(err)) => return Err(Failure::connect(worker, err)),
            Err(_) => {
                return Err(Failure::Connect {
                    conn: worker,
                    reason: format!("no answer within {CONNECT_TIMEOUT:?}"),
                })
            }
        };
        let message = shared.pattern.window(offset, size);
        stream.write_all(message).await.map_err(io_err("write"))?;
        let mut got = 0;
        while got < size {
            match stream.read(&mut buf[got..]).await.map_err(io_err("read"))? {
                0 => {
                    return Err(Failure::Closed {
                        conn: worker,
                        missing: (size - got) as u64,
                    })
                }
                n => got += n,
            }
        }
        failure::verify(worker, offset, message, &buf)?;
        stream.shutdown().await.map_err(io_err("shutdown"))?;
        match stream.read(&mut buf).await.map_err(io_err("read"))? {
            0 => {}
            _ => {
                return Err(Failure::Excess {
                    conn: worker,
                    offset: offset + size as u64,
                })
            }
        }
        drop(stream);
        // A cycle that straddles the deadline is finished but not counted.
        if !shared.stop.load(Ordering::Relaxed) {
            latency.record(begun.elapsed());
            shared.completed.fetch_add(1, Ordering::Relaxed);
        }
        offset = (offset + size as u64) % shared.pattern.period();
    }
    Ok(latency)
}
