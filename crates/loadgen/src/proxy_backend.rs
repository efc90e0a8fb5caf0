//! Mode `serve`: a native echo server, the backend behind the proxy under test.
//!
//! In the proxy scenarios the process being measured is the proxy; whatever stands
//! behind it must be cheap and predictable, the same for every implementation, and
//! must not be billed to the proxy. So it is this separate process, not a Node script
//! (whose cost would vary with the runtime) and not the load generator's own thread
//! (which would then compete with the load it generates). It does not verify: the
//! load generator checks every byte end to end, through the proxy and back.
//!
//! It listens on 127.0.0.1, port 0, prints `{"port": P, "pid": PID}` once listening,
//! and exits when its stdin closes, like the benchmark's Node servers.
//!
//! With `--rate BYTES_PER_SEC` it is a slow backend: each connection reads (and so
//! echoes) at most that many bytes per second. A proxy in front of it then has a
//! destination slower than its source, and what the scenario measures is how much the
//! proxy buffers meanwhile (its peak RSS), not its throughput. Pacing is per
//! connection: a read takes at most 10 ms worth of the rate (and at most `--buffer`),
//! so the pace is even rather than a 64 KiB gulp followed by a long sleep, and after
//! reading n bytes the connection does not read again until n / rate seconds after its
//! previous deadline, or after 10 ms ago if that is later. The 10 ms of slack absorb
//! the timer's lateness (it rounds up to whole milliseconds: 16 connections at 4 MiB/s
//! moved 56 instead of 64 MiB/s when every wake-up started the clock afresh), while an
//! idle connection earns no more than one read's worth of credit for a burst later.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::args::{self, Flags};
use crate::failure::EXIT_FAILURE;
use crate::stdin_watch;

pub struct Options {
    buffer: usize,
    /// Bytes per second each connection may read; `None`: as fast as it can.
    rate: Option<u64>,
}

pub fn options(flags: &mut Flags) -> Result<Options, String> {
    let rate: Option<u64> = flags.take("--rate")?;
    if rate == Some(0) {
        return Err("--rate must be at least 1 (leave it out for an unthrottled echo)".into());
    }
    Ok(Options {
        buffer: args::positive(flags, "--buffer", 65536)?,
        rate,
    })
}

/// How much of the rate one read may take, and how far behind the pace may fall.
const PACE_STEP: Duration = Duration::from_millis(10);

/// The per-connection pace of a slow backend (see the module documentation).
struct Pace {
    bytes_per_sec: u64,
    /// When the connection may read again.
    next: Instant,
}

impl Pace {
    fn new(bytes_per_sec: u64) -> Pace {
        Pace {
            bytes_per_sec,
            next: Instant::now(),
        }
    }

    /// The most bytes one read may take: one step's worth, at least one byte.
    fn read_limit(&self, buffer: usize) -> usize {
        let step = (self.bytes_per_sec as f64 * PACE_STEP.as_secs_f64()) as u64;
        buffer.min(usize::try_from(step.max(1)).unwrap_or(usize::MAX))
    }

    /// Waits until `n` more bytes are within the rate.
    async fn after_reading(&mut self, n: usize) {
        let cost = Duration::from_secs_f64(n as f64 / self.bytes_per_sec as f64);
        let now = Instant::now();
        let earliest = now.checked_sub(PACE_STEP).unwrap_or(now);
        self.next = self.next.max(earliest) + cost;
        tokio::time::sleep_until(self.next.into()).await;
    }
}

pub async fn run(options: Options) -> ExitCode {
    let listener = match TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("rsnet-loadgen serve: cannot listen on 127.0.0.1: {err}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let port = match listener.local_addr() {
        Ok(addr) => addr.port(),
        Err(err) => {
            eprintln!("rsnet-loadgen serve: {err}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    println!("{{\"port\": {port}, \"pid\": {}}}", std::process::id());

    let closed = stdin_watch::closed();
    tokio::pin!(closed);
    loop {
        tokio::select! {
            _ = &mut closed => return ExitCode::SUCCESS,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(echo(stream, options.buffer, options.rate.map(Pace::new)));
                }
                Err(err) => {
                    // Out of descriptors or similar: say so, and give the system a
                    // moment instead of spinning on the same error.
                    eprintln!("rsnet-loadgen serve: accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
        }
    }
}

/// Echoes until the peer half-closes, then half-closes in turn; with a `pace`, no
/// faster than it allows. Errors end the connection quietly: the proxy may reset it
/// when a run is cut short, and the load generator, not this process, decides whether
/// a run failed.
async fn echo(mut stream: TcpStream, buffer: usize, mut pace: Option<Pace>) {
    // The replies of the ping-pong runs are single small writes: send them now.
    let _ = stream.set_nodelay(true);
    let mut buf = vec![0u8; buffer];
    let limit = pace.as_ref().map_or(buffer, |p| p.read_limit(buffer));
    let result: io::Result<()> = async {
        loop {
            let n = stream.read(&mut buf[..limit]).await?;
            if n == 0 {
                return stream.shutdown().await;
            }
            stream.write_all(&buf[..n]).await?;
            if let Some(pace) = pace.as_mut() {
                pace.after_reading(n).await;
            }
        }
    }
    .await;
    drop(result);
}
