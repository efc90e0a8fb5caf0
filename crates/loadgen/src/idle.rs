//! Mode `idle`: open many connections, prove each one live, then hold them.
//!
//! What this measures is the server's memory per open connection, which the runner
//! reads from the server's `/proc/<pid>/status` while the connections are held. A
//! connection the kernel has completed may still be waiting in the server's accept
//! queue, costing the server nothing yet, so each connection does one small verified
//! round trip before it counts: by then the server has accepted it, built whatever it
//! keeps per socket, and served a read and a write.
//!
//! Protocol with the runner: once every connection is open and has answered, one JSON
//! line on stdout, `{"connections": N, "requested": R, "seconds": S, "fd_limit": L}`
//! (S: how long opening took); then the connections stay open, untouched, until stdin
//! closes (or `--hold-seconds` pass). Before letting go it checks that the server has
//! closed none of them, then aborts them all (no TIME_WAIT left behind on this side, so
//! rounds that follow find the ephemeral ports free).

use std::io;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::args::{self, Flags};
use crate::failure::{self, Failure, EXIT_FAILURE};
use crate::fd_limit;
use crate::pattern::Pattern;
use crate::stdin_watch;
use crate::target::{Stream, Target};

/// How long one connect and its round trip may take before the server is declared
/// unreachable; generous, as the server may be accepting thousands at that moment.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);
/// Descriptors this process keeps for itself (stdio, epoll, the runtime's own).
const RESERVED_FDS: u64 = 32;

pub struct Options {
    target: Target,
    connections: usize,
    size: usize,
    concurrency: usize,
    hold: Duration,
}

pub fn options(flags: &mut Flags) -> Result<Options, String> {
    let hold: f64 = flags.take_or("--hold-seconds", 300.0)?;
    if !(hold.is_finite() && hold > 0.0 && hold <= 3600.0) {
        return Err("--hold-seconds must be more than 0 and at most 3600".into());
    }
    Ok(Options {
        target: Target::from_flags(flags)?,
        connections: args::positive(flags, "--connections", 10_000)?,
        size: args::positive(flags, "--size", 16)?,
        concurrency: args::positive(flags, "--concurrency", 64)?,
        hold: Duration::from_secs_f64(hold),
    })
}

pub async fn run(options: Options) -> ExitCode {
    let requested = options.connections;
    let fd_limit = match fd_limit::raise() {
        Ok(limit) => limit,
        Err(err) => {
            eprintln!("rsnet-loadgen: cannot raise the open-file limit: {err}");
            None
        }
    };
    let mut connections = requested;
    if let Some(limit) = fd_limit {
        let usable = limit.saturating_sub(RESERVED_FDS) as usize;
        if usable < connections {
            eprintln!(
                "rsnet-loadgen: warning: the open-file limit is {limit}: holding {usable} \
connections instead of {requested}"
            );
            connections = usable;
        }
    }
    if connections == 0 {
        eprintln!("rsnet-loadgen: the open-file limit leaves no room for connections");
        return ExitCode::from(EXIT_FAILURE);
    }

    let pattern = Arc::new(Pattern::new(options.size));
    let start = Instant::now();
    let mut streams = Vec::with_capacity(connections);
    let mut opening = JoinSet::new();
    let mut next = 0;
    // A bounded number of opens in flight: the server's accept backlog is finite, and a
    // burst of 10 000 SYNs would measure its overflow handling, not its memory.
    while streams.len() < connections {
        while next < connections && opening.len() < options.concurrency {
            opening.spawn(open(
                next,
                options.target.clone(),
                Arc::clone(&pattern),
                options.size,
            ));
            next += 1;
        }
        match opening.join_next().await {
            Some(Ok(Ok(stream))) => streams.push(stream),
            Some(Ok(Err(err))) => {
                eprintln!(
                    "rsnet-loadgen: after {} open connections: {err}",
                    streams.len()
                );
                return err.exit_code();
            }
            Some(Err(err)) => {
                eprintln!("rsnet-loadgen: connection task died: {err}");
                return ExitCode::from(EXIT_FAILURE);
            }
            None => unreachable!("opens are pending while connections are missing"),
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{{\"connections\": {connections}, \"requested\": {requested}, \"seconds\": {seconds:.6}, \"fd_limit\": {}}}",
        fd_limit.map_or("null".to_string(), |l| l.to_string())
    );

    let released = stdin_watch::closed();
    if tokio::time::timeout(options.hold, released).await.is_err() {
        eprintln!(
            "rsnet-loadgen: warning: stdin still open after {:?}; releasing the connections",
            options.hold
        );
    }

    // A server that drops idle connections by itself is broken (node:net never does).
    let mut dropped = 0;
    let mut probe = [0u8; 1];
    for stream in &streams {
        match stream.try_read(&mut probe) {
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
            _ => dropped += 1,
        }
    }
    for stream in streams {
        stream.abort();
    }
    if dropped > 0 {
        eprintln!(
            "rsnet-loadgen: the server closed or wrote to {dropped} of the {connections} idle connections"
        );
        return ExitCode::from(EXIT_FAILURE);
    }
    ExitCode::SUCCESS
}

/// Connects and does one verified round trip of `size` bytes.
async fn open(
    conn: usize,
    target: Target,
    pattern: Arc<Pattern>,
    size: usize,
) -> Result<Stream, Failure> {
    let io_err = |op| Failure::io(conn, op);
    let round_trip = async {
        let mut stream = target
            .connect()
            .await
            .map_err(|err| Failure::connect(conn, err))?;
        let offset = (conn as u64).wrapping_mul(7919) % pattern.period();
        let message = pattern.window(offset, size);
        stream.write_all(message).await.map_err(io_err("write"))?;
        let mut buf = vec![0u8; size];
        let mut got = 0;
        while got < size {
            match stream.read(&mut buf[got..]).await.map_err(io_err("read"))? {
                0 => {
                    return Err(Failure::Closed {
                        conn,
                        missing: (size - got) as u64,
                    })
                }
                n => got += n,
            }
        }
        failure::verify(conn, offset, message, &buf)?;
        Ok(stream)
    };
    match tokio::time::timeout(OPEN_TIMEOUT, round_trip).await {
        Ok(result) => result,
        Err(_) => Err(Failure::Connect {
            conn,
            reason: format!("no connection and answer within {OPEN_TIMEOUT:?}"),
        }),
    }
}
