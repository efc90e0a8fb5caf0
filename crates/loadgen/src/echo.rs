//! Mode `echo`: connections that write chunks, read them back and verify them, with a
//! bounded number in flight. Bulk echo, ping-pong and pipelining are all this one loop
//! with different chunk sizes and windows:
//!
//! - bulk: 64 KiB chunks, 2 in flight: throughput of large transfers;
//! - ping-pong: 64 B, 1 in flight: each message waits for the previous one to come back,
//!   so the time from beginning a chunk to having it all back is one round trip;
//! - pipelined: 128 B, 16 in flight, `batch`: every message the window allows is written
//!   in one `write(2)`, as a pipelining client would, so the server sees many messages
//!   per read.
//!
//! The connection is driven by a single task that waits on the socket's readiness and
//! then does non-blocking reads and writes itself, instead of splitting the socket into
//! a reader and a writer task. That keeps the in-flight window a plain comparison of two
//! counters, and costs one task wake-up for both directions.
//!
//! Bytes are tracked as offsets in the connection's stream (see [`crate::pattern`]):
//! `sent` bytes have been written, `verified` bytes have come back and compared equal.
//! A new chunk is begun only once the chunk `inflight` places before it is fully back,
//! so at most `inflight` chunks are ever outstanding: the server is measured echoing,
//! not buffering an unbounded backlog. Each chunk's round trip (begun → fully back) is
//! recorded in the connection's latency histogram.

use std::collections::VecDeque;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::Interest;
use tokio::task::JoinSet;

use crate::args::{self, Flags};
use crate::failure::{self, Failure, EXIT_FAILURE};
use crate::fd_limit;
use crate::histogram::Histogram;
use crate::pattern::Pattern;
use crate::period;
use crate::target::{Stream, Target};

/// How long one connect may take before the server is declared unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

pub struct Options {
    target: Target,
    connections: usize,
    size: usize,
    seconds: f64,
    inflight: usize,
    batch: bool,
}

pub const BOOLEANS: &[&str] = &["--batch"];

pub fn options(flags: &mut Flags) -> Result<Options, String> {
    Ok(Options {
        target: Target::from_flags(flags)?,
        connections: args::positive(flags, "--connections", 1)?,
        size: args::positive(flags, "--size", 65536)?,
        seconds: args::seconds(flags, 3.0)?,
        inflight: args::positive(flags, "--inflight", 2)?,
        batch: flags.take_bool("--batch"),
    })
}

/// What every connection shares with the others and with `run`.
pub struct Shared {
    pub pattern: Pattern,
    /// Bytes of a chunk (a message).
    pub size: usize,
    /// Chunks that may be outstanding (written, not yet fully echoed) at once.
    pub inflight: usize,
    /// Begin every chunk the window allows at once, and write them in one go.
    pub batch: bool,
    /// Set when the measured period is over: begin no new chunk, drain, close.
    pub stop: AtomicBool,
    /// Echoed and verified bytes over all connections; sampled at the deadline.
    pub verified: AtomicU64,
}

impl Shared {
    /// The most bytes one write or one read handles: a chunk, or a whole window when
    /// batching (one buffer of this size per connection, one pattern for all).
    fn span(&self) -> usize {
        span(self.size, self.inflight, self.batch)
    }
}

fn span(size: usize, inflight: usize, batch: bool) -> usize {
    if batch {
        size * inflight
    } else {
        size
    }
}

pub async fn run(options: Options) -> ExitCode {
    // The bench's bulk-1000c runs 1,000 connections, a socket each, and a soft
    // open-file limit of 1024 (a common default) leaves barely room for them. Raising
    // it costs nothing; if it cannot be raised, a connect that runs out says so below.
    if let Err(err) = fd_limit::raise() {
        eprintln!("rsnet-loadgen: warning: cannot raise the open-file limit: {err}");
    }
    // Connect everything before the clock starts: the measurement is of echoing, not of
    // connection setup.
    let mut streams = Vec::with_capacity(options.connections);
    for conn in 0..options.connections {
        let failure = match tokio::time::timeout(CONNECT_TIMEOUT, options.target.connect()).await {
            Ok(Ok(stream)) => {
                streams.push(stream);
                continue;
            }
            Ok(Err(err)) => failure::connect_reason(&err),
            Err(_) => format!("no answer within {CONNECT_TIMEOUT:?}"),
        };
        eprintln!(
            "rsnet-loadgen: cannot connect to {} (connection {} of {}): {failure}",
            options.target,
            conn + 1,
            options.connections
        );
        return ExitCode::from(EXIT_FAILURE);
    }

    let shared = Arc::new(Shared {
        pattern: Pattern::new(span(options.size, options.inflight, options.batch)),
        size: options.size,
        inflight: options.inflight,
        batch: options.batch,
        stop: AtomicBool::new(false),
        verified: AtomicU64::new(0),
    });
    let mut tasks = JoinSet::new();
    for (conn, stream) in streams.into_iter().enumerate() {
        tasks.spawn(run_connection(conn, stream, Arc::clone(&shared)));
    }
    let measured =
        match period::measure(tasks, options.seconds, &shared.stop, &shared.verified).await {
            Ok(measured) => measured,
            Err(code) => return code,
        };

    // A server that accepts but never echoes is broken, not slow: say so rather than
    // report a throughput of zero.
    if measured.count == 0 {
        eprintln!(
            "rsnet-loadgen: the server at {} echoed nothing in {:.1} s",
            options.target, measured.seconds
        );
        return ExitCode::from(EXIT_FAILURE);
    }
    println!(
        "{{\"bytes\": {}, \"messages\": {}, \"seconds\": {:.6}, \"connections\": {}, \"latency_ns\": {}}}",
        measured.count,
        measured.latency.count(),
        measured.seconds,
        options.connections,
        measured.latency.to_json()
    );
    ExitCode::SUCCESS
}

/// Runs one connection until `shared.stop` is set and everything sent has come back,
/// then closes it cleanly. Returns the round trips completed before `stop`.
pub async fn run_connection(
    conn: usize,
    mut stream: Stream,
    shared: Arc<Shared>,
) -> Result<Histogram, Failure> {
    let io_err = |op| Failure::io(conn, op);
    // Each connection reads its own region of the pattern, so cross-talk between
    // connections cannot compare equal.
    let base = (conn as u64).wrapping_mul(7919) % shared.pattern.period();
    let size = shared.size as u64;
    let window = (shared.inflight as u64 - 1) * size;
    let mut buf = vec![0u8; shared.span()].into_boxed_slice();
    let mut latency = Histogram::new();
    // When each outstanding chunk was begun, oldest first.
    let mut begun_at: VecDeque<Instant> = VecDeque::with_capacity(shared.inflight);
    let mut sent: u64 = 0;
    let mut verified: u64 = 0;
    let mut chunk_end: u64 = 0;
    let mut completed: u64 = 0;

    loop {
        let may_begin = sent == chunk_end || shared.batch;
        if may_begin && chunk_end - verified <= window && !shared.stop.load(Ordering::Relaxed) {
            // One clock read for a whole batch: its messages leave in one write.
            let now = Instant::now();
            loop {
                chunk_end += size;
                begun_at.push_back(now);
                if !shared.batch || chunk_end - verified > window {
                    break;
                }
            }
        }
        let want_write = sent < chunk_end;
        let want_read = verified < sent;
        let interest = match (want_read, want_write) {
            (true, true) => Interest::READABLE.add(Interest::WRITABLE),
            (true, false) => Interest::READABLE,
            (false, true) => Interest::WRITABLE,
            // Stopping, nothing half-written, everything back.
            (false, false) => break,
        };
        let ready = stream.ready(interest).await.map_err(io_err("poll"))?;

        if want_read && (ready.is_readable() || ready.is_read_closed()) {
            match stream.try_read(&mut buf) {
                Ok(0) => {
                    return Err(Failure::Closed {
                        conn,
                        missing: sent - verified,
                    })
                }
                Ok(n) => {
                    if verified + n as u64 > sent {
                        return Err(Failure::Excess { conn, offset: sent });
                    }
                    let expected = shared.pattern.window(base + verified, n);
                    failure::verify(conn, verified, expected, &buf[..n])?;
                    verified += n as u64;
                    shared.verified.fetch_add(n as u64, Ordering::Relaxed);
                    if verified / size > completed {
                        let now = Instant::now();
                        // Round trips that end after the deadline belong to the drain,
                        // which is not measured.
                        let counted = !shared.stop.load(Ordering::Relaxed);
                        while completed < verified / size {
                            let begun = begun_at
                                .pop_front()
                                .expect("a begun chunk per completed one");
                            if counted {
                                latency.record(now - begun);
                            }
                            completed += 1;
                        }
                    }
                }
                // Readiness can be stale; try_read has cleared it, so the next
                // ready() really waits.
                Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(err) => return Err(io_err("read")(err)),
            }
        }

        if want_write && ready.is_writable() {
            let chunk = shared
                .pattern
                .window(base + sent, (chunk_end - sent) as usize);
            match stream.try_write(chunk) {
                Ok(n) => sent += n as u64,
                Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(err) => return Err(io_err("write")(err)),
            }
        }
    }

    // Half-close and wait for the server's end, so neither side sees a reset and the
    // server's CPU time includes its own orderly close.
    stream.shutdown().await.map_err(io_err("shutdown"))?;
    loop {
        stream
            .ready(Interest::READABLE)
            .await
            .map_err(io_err("poll"))?;
        match stream.try_read(&mut buf) {
            Ok(0) => return Ok(latency),
            Ok(_) => return Err(Failure::Excess { conn, offset: sent }),
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(err) => return Err(io_err("read")(err)),
        }
    }
}
