//! Why a connection of any mode failed, and what that means for the exit status.
//!
//! The benchmark must tell a broken server (wrong bytes: exit 3) from an unreachable or
//! misbehaving one (exit 1), and never from a slow one: slowness is a number in the
//! report, not an error, so no variant here is about time except a connect that gets
//! no answer at all.

use std::fmt;
use std::io;
use std::process::ExitCode;

pub const EXIT_FAILURE: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_MISMATCH: u8 = 3;

#[derive(Debug)]
pub enum Failure {
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
    /// The connection could not be made.
    Connect { conn: usize, reason: String },
    Io {
        conn: usize,
        op: &'static str,
        err: io::Error,
    },
}

impl Failure {
    /// Whether the server returned wrong data (as opposed to failing to return it).
    pub fn is_verification_failure(&self) -> bool {
        matches!(self, Failure::Mismatch { .. } | Failure::Excess { .. })
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(if self.is_verification_failure() {
            EXIT_MISMATCH
        } else {
            EXIT_FAILURE
        })
    }

    /// Maps an I/O error of connection `conn` during `op`.
    pub fn io(conn: usize, op: &'static str) -> impl Fn(io::Error) -> Failure {
        move |err| Failure::Io { conn, op, err }
    }

    pub fn connect(conn: usize, err: io::Error) -> Failure {
        Failure::Connect {
            conn,
            reason: connect_reason(&err),
        }
    }
}

/// A failed connect, explained: ephemeral-port exhaustion gets a hint, since it is a
/// property of the machine's settings, not of the server.
pub fn connect_reason(err: &io::Error) -> String {
    if err.kind() == io::ErrorKind::AddrNotAvailable {
        // Churn leaves client-side TIME_WAIT entries; on loopback Linux reuses them
        // after a second only with tcp_tw_reuse (its default, 2, covers it).
        format!("{err} (ephemeral ports exhausted: check net.ipv4.tcp_tw_reuse and ip_local_port_range)")
    } else {
        err.to_string()
    }
}

/// Compares `got` with `expected`, the bytes at stream offset `offset`.
pub fn verify(conn: usize, offset: u64, expected: &[u8], got: &[u8]) -> Result<(), Failure> {
    if got == expected {
        return Ok(());
    }
    let i = got
        .iter()
        .zip(expected)
        .position(|(x, y)| x != y)
        .unwrap_or(0);
    Err(Failure::Mismatch {
        conn,
        offset: offset + i as u64,
        expected: expected[i],
        got: got[i],
    })
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Mismatch {
                conn,
                offset,
                expected,
                got,
            } => write!(
                f,
                "connection {conn}: echoed byte at offset {offset} is {got:#04x}, sent {expected:#04x}"
            ),
            Failure::Excess { conn, offset } => write!(
                f,
                "connection {conn}: server echoed more bytes than were sent (past offset {offset})"
            ),
            Failure::Closed { conn, missing } => write!(
                f,
                "connection {conn}: server closed the connection with {missing} bytes not echoed"
            ),
            Failure::Connect { conn, reason } => {
                write!(f, "connection {conn}: cannot connect: {reason}")
            }
            Failure::Io { conn, op, err } => write!(f, "connection {conn}: {op} failed: {err}"),
        }
    }
}

impl std::error::Error for Failure {}
