//! The measured period of the timed modes: run until the deadline, sample the counter,
//! tell everyone to stop, let them drain and close, merge their latency histograms.
//!
//! The counter is sampled at the deadline itself, before the tasks learn of it (the
//! runtime has one thread, so nothing runs between the sample and setting `stop`):
//! work that finishes during the drain is still verified, but not counted. A task that
//! ends before the deadline is always a failure, since none finishes on its own.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::task::{JoinError, JoinSet};

use crate::failure::{Failure, EXIT_FAILURE};
use crate::histogram::Histogram;

/// How long, after the measured period, connections get to drain and close. Past it the
/// run still reports (the measurement is already taken) but says what was left open.
const CLOSE_GRACE: Duration = Duration::from_secs(3);

pub struct Measured {
    /// The counter's value at the deadline.
    pub count: u64,
    /// Seconds from the start to the deadline, as actually slept.
    pub seconds: f64,
    /// Every task's latencies, merged.
    pub latency: Histogram,
}

/// Runs the already spawned `tasks` for `seconds` from now.
pub async fn measure(
    mut tasks: JoinSet<Result<Histogram, Failure>>,
    seconds: f64,
    stop: &AtomicBool,
    counter: &AtomicU64,
) -> Result<Measured, ExitCode> {
    let start = Instant::now();
    let sleep = tokio::time::sleep_until((start + Duration::from_secs_f64(seconds)).into());
    tokio::pin!(sleep);
    let mut latency = Histogram::new();
    loop {
        tokio::select! {
            _ = &mut sleep => break,
            Some(result) = tasks.join_next() => {
                // Only a failure ends a task before `stop`; check() turns it into
                // the exit code.
                latency.merge(&check(result)?);
            }
        }
    }
    let count = counter.load(Ordering::Relaxed);
    let seconds = start.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);

    let drained = tokio::time::timeout(CLOSE_GRACE, async {
        while let Some(result) = tasks.join_next().await {
            latency.merge(&check(result)?);
        }
        Ok(())
    })
    .await;
    match drained {
        Ok(Ok(())) => {}
        Ok(Err(code)) => return Err(code),
        Err(_) => {
            eprintln!(
                "rsnet-loadgen: warning: {} connection(s) had not drained and closed {CLOSE_GRACE:?} \
after the run; abandoning them (their latencies are not in the report)",
                tasks.len()
            );
            tasks.abort_all();
        }
    }
    Ok(Measured {
        count,
        seconds,
        latency,
    })
}

/// Turns a finished task into its histogram, or into the process's exit code.
fn check(result: Result<Result<Histogram, Failure>, JoinError>) -> Result<Histogram, ExitCode> {
    match result {
        Ok(Ok(histogram)) => Ok(histogram),
        Ok(Err(err)) => {
            eprintln!("rsnet-loadgen: {err}");
            Err(err.exit_code())
        }
        Err(err) => {
            eprintln!("rsnet-loadgen: connection task died: {err}");
            Err(ExitCode::from(EXIT_FAILURE))
        }
    }
}
