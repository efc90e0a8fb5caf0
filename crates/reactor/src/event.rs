//! The event record: four `i32` words `[id, kind, a, b]`. Payload bytes (for `Data`)
//! go to the batch's data buffer, in record order, so the consumer finds a record's
//! bytes by summing the lengths of the `Data` records before it.
//!
//! The numbers are part of the contract with `src/dispatch.ts`; change both together.

/// Words per record.
pub const RECORD_WORDS: usize = 4;

#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// The socket is connected. `a`, `b`: unused.
    Connected = 1,
    /// `a` bytes were read; they follow in the data buffer, unless `b` is
    /// [`DATA_OWN`]: then the JS thread read them into a Buffer of their own (see
    /// `js_reads`), and the data buffer has none of them.
    Data = 2,
    /// The peer sent FIN.
    Eof = 3,
    /// A syscall failed: `a` = positive OS errno, `b` = [`Syscall`].
    Error = 4,
    /// A queued write request completed: `a` = its byte count (as u32).
    WriteDone = 5,
    /// The idle timer expired.
    Timeout = 6,
    /// The listener `id` accepted connection `a`.
    Accepted = 7,
    /// `shutdown(SHUT_WR)` ran after the write queue drained: `a` = errno or 0.
    ShutdownDone = 8,
    /// A descriptor arrived (SCM_RIGHTS): `a` = the new fd, owned by whoever takes the
    /// batch. It precedes the `Data` record of the bytes it came with.
    Fd = 9,
    /// The socket's descriptor is closed and its task is gone: the last event of an id
    /// (Match node:net: 'close' follows the handle's close, not the request for it).
    Closed = 10,
}

/// `b` of a `Data` record whose bytes are in a chunk of their own, not in the batch.
pub const DATA_OWN: i32 = 1;

/// Which syscall an `Error` record is about; JS needs it for the error's `syscall`.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syscall {
    Connect = 1,
    Read = 2,
    Write = 3,
    Bind = 4,
    Accept = 5,
    Shutdown = 6,
    Listen = 7,
    /// A connect that failed at once (the syscall itself, not later): Match node:net,
    /// whose error then names the socket's local address (`- Local (:::0)`).
    ConnectNow = 8,
}
