//! `rsnet-loadgen`: the load generator of rsnet's benchmarks (`bench/run.mjs`).
//!
//! ```text
//! rsnet-loadgen echo --port P [--connections N] [--size BYTES] [--seconds S] [--inflight K]
//! ```
//!
//! Mode `echo` opens N connections to an echo server on 127.0.0.1:P. Each connection
//! writes chunks of BYTES bytes of deterministic pseudo-random content and reads them
//! back, checking every byte against what was sent, with at most K chunks outstanding.
//! After S seconds it stops beginning chunks, drains what is in flight, closes, and
//! prints one JSON line:
//!
//! ```text
//! {"bytes": <bytes echoed and verified within the S seconds>, "seconds": <elapsed>, "connections": N}
//! ```
//!
//! Exit status: 0 on success, 1 if a connection cannot be made or fails or nothing was
//! echoed at all, 2 on bad arguments, 3 if the server echoed wrong data.
//!
//! It must never be what limits the measurement: it runs on one thread (a two-core
//! machine leaves the other to the server), allocates its buffers once, and does no work
//! per byte beyond one `memcmp`. Only loopback is ever targeted.

mod echo;
mod pattern;

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;
use tokio::task::JoinSet;

use echo::{EchoError, Shared};
use pattern::Pattern;

/// How long one connect may take before the server is declared unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long, after the measured period, connections get to drain and close. Past it the
/// run still reports (the measurement is already taken) but says what was left open.
const CLOSE_GRACE: Duration = Duration::from_secs(3);

const USAGE: &str = "usage: rsnet-loadgen echo --port P [--connections N] [--size BYTES] \
[--seconds S] [--inflight K]

  --port P         echo server port on 127.0.0.1 (required)
  --connections N  concurrent connections (default 1)
  --size BYTES     bytes per chunk (default 65536)
  --seconds S      measured duration, fractional allowed (default 3)
  --inflight K     chunks outstanding per connection (default 2)";

const EXIT_FAILURE: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_MISMATCH: u8 = 3;

struct EchoOptions {
    port: u16,
    connections: usize,
    size: usize,
    seconds: f64,
    inflight: usize,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let options = match parse_args(&args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("rsnet-loadgen: {message}\n{USAGE}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("rsnet-loadgen: cannot start the runtime: {err}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    runtime.block_on(run_echo(options))
}

fn parse_args(args: &[String]) -> Result<EchoOptions, String> {
    let mut args = args.iter();
    match args.next().map(String::as_str) {
        Some("echo") => {}
        Some(other) => return Err(format!("unknown mode {other:?}")),
        None => return Err("missing mode".into()),
    }
    let mut port = None;
    let mut options = EchoOptions {
        port: 0,
        connections: 1,
        size: 65536,
        seconds: 3.0,
        inflight: 2,
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = || format!("invalid value {value:?} for {flag}");
        match flag.as_str() {
            "--port" => port = Some(value.parse::<u16>().map_err(|_| bad())?),
            "--connections" => options.connections = value.parse().map_err(|_| bad())?,
            "--size" => options.size = value.parse().map_err(|_| bad())?,
            "--seconds" => options.seconds = value.parse().map_err(|_| bad())?,
            "--inflight" => options.inflight = value.parse().map_err(|_| bad())?,
            _ => return Err(format!("unknown option {flag:?}")),
        }
    }
    options.port = match port {
        Some(0) | None => return Err("--port must be given, and not 0".into()),
        Some(port) => port,
    };
    if options.connections == 0 || options.size == 0 || options.inflight == 0 {
        return Err("--connections, --size and --inflight must be at least 1".into());
    }
    if !(options.seconds.is_finite() && options.seconds > 0.0 && options.seconds <= 3600.0) {
        return Err("--seconds must be more than 0 and at most 3600".into());
    }
    Ok(options)
}

async fn run_echo(options: EchoOptions) -> ExitCode {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, options.port));
    // Connect everything before the clock starts: the measurement is of echoing, not of
    // connection setup.
    let mut streams = Vec::with_capacity(options.connections);
    for i in 0..options.connections {
        let failure = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                // Chunks are written whole; Nagle would only delay the tail of a
                // partial write.
                if let Err(err) = stream.set_nodelay(true) {
                    Some(err.to_string())
                } else {
                    streams.push(stream);
                    None
                }
            }
            Ok(Err(err)) => Some(err.to_string()),
            Err(_) => Some(format!("no answer within {CONNECT_TIMEOUT:?}")),
        };
        if let Some(reason) = failure {
            eprintln!(
                "rsnet-loadgen: cannot connect to {addr} (connection {} of {}): {reason}",
                i + 1,
                options.connections
            );
            return ExitCode::from(EXIT_FAILURE);
        }
    }

    let shared = Arc::new(Shared {
        pattern: Pattern::new(options.size),
        size: options.size,
        inflight: options.inflight,
        stop: AtomicBool::new(false),
        verified: AtomicU64::new(0),
    });
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(options.seconds);
    let mut tasks = JoinSet::new();
    for (conn, stream) in streams.into_iter().enumerate() {
        tasks.spawn(echo::run_connection(conn, stream, Arc::clone(&shared)));
    }

    // The measured period. A connection ending early is always a failure: without
    // `stop` set, none finishes on its own.
    let sleep = tokio::time::sleep_until(deadline.into());
    tokio::pin!(sleep);
    loop {
        tokio::select! {
            _ = &mut sleep => break,
            Some(result) = tasks.join_next() => {
                if let Err(code) = check(result) {
                    return code;
                }
            }
        }
    }
    let bytes = shared.verified.load(Ordering::Relaxed);
    let seconds = start.elapsed().as_secs_f64();
    shared.stop.store(true, Ordering::Relaxed);

    // Drain and close. What comes back now is still verified, but no longer counted.
    let drained = tokio::time::timeout(CLOSE_GRACE, async {
        while let Some(result) = tasks.join_next().await {
            check(result)?;
        }
        Ok(())
    })
    .await;
    match drained {
        Ok(Ok(())) => {}
        Ok(Err(code)) => return code,
        Err(_) => {
            eprintln!(
                "rsnet-loadgen: warning: {} connection(s) had not drained and closed {CLOSE_GRACE:?} \
after the run; abandoning them",
                tasks.len()
            );
            tasks.abort_all();
        }
    }

    // A server that accepts but never echoes is broken, not slow: say so rather than
    // report a throughput of zero.
    if bytes == 0 {
        eprintln!("rsnet-loadgen: the server at {addr} echoed nothing in {seconds:.1} s");
        return ExitCode::from(EXIT_FAILURE);
    }

    println!(
        "{{\"bytes\": {bytes}, \"seconds\": {seconds:.6}, \"connections\": {}}}",
        options.connections
    );
    ExitCode::SUCCESS
}

/// Turns a finished connection task into the process's exit code if it failed.
fn check(result: Result<Result<(), EchoError>, tokio::task::JoinError>) -> Result<(), ExitCode> {
    match result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) => {
            eprintln!("rsnet-loadgen: {err}");
            Err(ExitCode::from(if err.is_verification_failure() {
                EXIT_MISMATCH
            } else {
                EXIT_FAILURE
            }))
        }
        Err(err) => {
            eprintln!("rsnet-loadgen: connection task died: {err}");
            Err(ExitCode::from(EXIT_FAILURE))
        }
    }
}
