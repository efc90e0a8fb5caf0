//! `rsnet-loadgen`: the load generator of rsnet's benchmarks (`bench/run.mjs`).
//!
//! ```text
//! rsnet-loadgen echo  (--port P | --unix PATH) [--connections N] [--size BYTES]
//!                     [--seconds S] [--inflight K] [--batch]
//! rsnet-loadgen churn (--port P | --unix PATH) [--connections N] [--size BYTES] [--seconds S]
//! rsnet-loadgen idle  (--port P | --unix PATH) [--connections N] [--size BYTES]
//!                     [--concurrency C] [--hold-seconds H]
//! rsnet-loadgen serve [--buffer BYTES] [--rate BYTES_PER_SEC]
//! ```
//!
//! - `echo` ([`echo`]) opens N connections to an echo server; each writes chunks of BYTES
//!   bytes of deterministic pseudo-random content and reads them back, checking every
//!   byte, with at most K chunks outstanding (`--batch`: all K written at once). Bulk
//!   transfer, ping-pong (K = 1) and pipelining are this mode. After S seconds it stops
//!   beginning chunks, drains, closes, and prints one JSON line:
//!   `{"bytes": B, "messages": M, "seconds": S, "connections": N, "latency_ns": {…}}`
//!   (bytes and round trips completed within the S seconds; latency quantiles of the
//!   round trips, begun → fully back).
//! - `churn` ([`churn`]): N workers loop connect → one BYTES round trip → close, and it
//!   prints `{"connections": C, "seconds": S, "workers": N, "latency_ns": {…}}`.
//! - `idle` ([`idle`]): opens N connections, each proven live by one round trip, prints
//!   `{"connections": N, …}` and holds them until stdin closes.
//! - `serve` ([`proxy_backend`]): a native echo server on 127.0.0.1 (the backend of the
//!   proxy scenarios); prints `{"port": P, "pid": PID}`, exits when stdin closes. With
//!   `--rate`, each connection reads and echoes at most that many bytes per second: the
//!   slow backend of the proxy-memory scenario. It never checks bytes; the client of
//!   the proxy verifies every one end to end, slow or not.
//!
//! Exit status: 0 on success, 1 if a connection cannot be made or fails or nothing was
//! echoed at all, 2 on bad arguments, 3 if the server echoed wrong data.
//!
//! It must never be what limits the measurement: it runs on one thread (a two-core
//! machine leaves the other to the server), allocates its buffers once per connection,
//! and does no work per byte beyond one `memcmp`. Only loopback and Unix-domain paths
//! are ever targeted.

mod args;
mod churn;
mod echo;
mod failure;
mod fd_limit;
mod histogram;
mod idle;
mod pattern;
mod period;
mod proxy_backend;
mod stdin_watch;
mod target;

use std::process::ExitCode;

use args::Flags;
use failure::{EXIT_FAILURE, EXIT_USAGE};

const USAGE: &str = "usage:
  rsnet-loadgen echo  (--port P | --unix PATH) [--connections N] [--size BYTES]
                      [--seconds S] [--inflight K] [--batch]
  rsnet-loadgen churn (--port P | --unix PATH) [--connections N] [--size BYTES] [--seconds S]
  rsnet-loadgen idle  (--port P | --unix PATH) [--connections N] [--size BYTES]
                      [--concurrency C] [--hold-seconds H]
  rsnet-loadgen serve [--buffer BYTES] [--rate BYTES_PER_SEC]

  --port P          server port on 127.0.0.1
  --unix PATH       server's Unix-domain socket path
  --connections N   echo: connections (default 1); churn: workers (default 32);
                    idle: connections to hold (default 10000)
  --size BYTES      echo: bytes per chunk (default 65536); churn: bytes of the one
                    round trip (default 32); idle: likewise (default 16)
  --seconds S       measured duration, fractional allowed (default 3)
  --inflight K      echo: chunks outstanding per connection (default 2)
  --batch           echo: write every chunk the window allows in one write
  --concurrency C   idle: connections being opened at once (default 64)
  --hold-seconds H  idle: longest hold if stdin stays open (default 300)
  --buffer BYTES    serve: read buffer per connection (default 65536)
  --rate B          serve: read and echo at most B bytes per second per connection,
                    10 ms worth per read (default: unthrottled)";

enum Mode {
    Echo(echo::Options),
    Churn(churn::Options),
    Idle(idle::Options),
    Serve(proxy_backend::Options),
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let mode = match parse_args(&args) {
        Ok(mode) => mode,
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
    match mode {
        Mode::Echo(options) => runtime.block_on(echo::run(options)),
        Mode::Churn(options) => runtime.block_on(churn::run(options)),
        Mode::Idle(options) => runtime.block_on(idle::run(options)),
        Mode::Serve(options) => runtime.block_on(proxy_backend::run(options)),
    }
}

fn parse_args(args: &[String]) -> Result<Mode, String> {
    let (mode, rest) = args.split_first().ok_or("missing mode")?;
    let booleans = if mode == "echo" { echo::BOOLEANS } else { &[] };
    let mut flags = Flags::parse(rest, booleans)?;
    let mode = match mode.as_str() {
        "echo" => Mode::Echo(echo::options(&mut flags)?),
        "churn" => Mode::Churn(churn::options(&mut flags)?),
        "idle" => Mode::Idle(idle::options(&mut flags)?),
        "serve" => Mode::Serve(proxy_backend::options(&mut flags)?),
        other => return Err(format!("unknown mode {other:?}")),
    };
    flags.finish()?;
    Ok(mode)
}
