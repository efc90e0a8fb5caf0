//! One connection of the `echo` mode: writes chunks, reads them back, verifies them.
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
//! not buffering an unbounded backlog.

use std::fmt;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncWriteExt, Interest};
use tokio::net::TcpStream;

use crate::pattern::Pattern;

/// What every connection shares with the others and with `main`.
pub struct Shared {
    pub pattern: Pattern,
    /// Bytes of a chunk; each write submits (the rest of) one chunk.
    pub size: usize,
    /// Chunks that may be outstanding (written, not yet fully echoed) at once.
    pub inflight: usize,
    /// Set when the measured period is over: begin no new chunk, drain, close.
    pub stop: AtomicBool,
    /// Echoed and verified bytes over all connections; `main` samples it at the deadline.
    pub verified: AtomicU64,
}

/// Why a connection failed.
#[derive(Debug)]
pub enum EchoError {
    /// The echoed bytes differ from the bytes sent.
    Mismatch {
        conn: usize,
        offset: u64,
        expected: u8,
        got: u8,
    },
    /// The server echoed more bytes than were sent.
    Excess { conn: usize, offset: u64 },
    /// The server closed the connection before echoing everything.
    Closed { conn: usize, missing: u64 },
    Io {
        conn: usize,
        op: &'static str,
        err: io::Error,
    },
}

impl EchoError {
    /// Whether the server returned wrong data (as opposed to failing to return it).
    pub fn is_verification_failure(&self) -> bool {
        matches!(self, EchoError::Mismatch { .. } | EchoError::Excess { .. })
    }
}

impl fmt::Display for EchoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EchoError::Mismatch {
                conn,
                offset,
                expected,
                got,
            } => write!(
                f,
                "connection {conn}: echoed byte at offset {offset} is {got:#04x}, sent {expected:#04x}"
            ),
            EchoError::Excess { conn, offset } => write!(
                f,
                "connection {conn}: server echoed more bytes than were sent (past offset {offset})"
            ),
            EchoError::Closed { conn, missing } => write!(
                f,
                "connection {conn}: server closed the connection with {missing} bytes not echoed"
            ),
            EchoError::Io { conn, op, err } => write!(f, "connection {conn}: {op} failed: {err}"),
        }
    }
}

impl std::error::Error for EchoError {}

/// Runs one connection until `shared.stop` is set and everything sent has come back,
/// then closes it cleanly.
pub async fn run_connection(
    conn: usize,
    mut stream: TcpStream,
    shared: Arc<Shared>,
) -> Result<(), EchoError> {
    let io_err = |op: &'static str| move |err: io::Error| EchoError::Io { conn, op, err };
    // Each connection reads its own region of the pattern, so cross-talk between
    // connections cannot compare equal.
    let base = (conn as u64).wrapping_mul(7919) % shared.pattern.period();
    let size = shared.size as u64;
    let window = (shared.inflight as u64 - 1) * size;
    let mut buf = vec![0u8; shared.size].into_boxed_slice();
    let mut sent: u64 = 0;
    let mut verified: u64 = 0;
    let mut chunk_end: u64 = 0;

    loop {
        if sent == chunk_end
            && chunk_end - verified <= window
            && !shared.stop.load(Ordering::Relaxed)
        {
            chunk_end += size;
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
                    return Err(EchoError::Closed {
                        conn,
                        missing: sent - verified,
                    })
                }
                Ok(n) => {
                    if verified + n as u64 > sent {
                        return Err(EchoError::Excess { conn, offset: sent });
                    }
                    let expected = shared.pattern.window(base + verified, n);
                    if buf[..n] != *expected {
                        let i = first_difference(&buf[..n], expected);
                        return Err(EchoError::Mismatch {
                            conn,
                            offset: verified + i as u64,
                            expected: expected[i],
                            got: buf[i],
                        });
                    }
                    verified += n as u64;
                    shared.verified.fetch_add(n as u64, Ordering::Relaxed);
                }
                // Readiness can be stale; try_read has cleared it, so the next
                // ready() really waits.
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                Err(err) => return Err(io_err("read")(err)),
            }
        }

        if want_write && ready.is_writable() {
            let chunk = shared
                .pattern
                .window(base + sent, (chunk_end - sent) as usize);
            match stream.try_write(chunk) {
                Ok(n) => sent += n as u64,
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
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
            Ok(0) => return Ok(()),
            Ok(_) => return Err(EchoError::Excess { conn, offset: sent }),
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
            Err(err) => return Err(io_err("read")(err)),
        }
    }
}

fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(0)
}
