//! A connected (or connecting) socket, as both threads see it.
//!
//! The JS thread holds an `Arc<Conn>` (in the binding's table, by id) and the conn task
//! holds another. The task owns the stream itself; the JS thread reaches the descriptor
//! only through `fd`, a lock the task takes before it closes the stream, so a first
//! write or a setsockopt from JS can never land on a descriptor number the kernel has
//! already handed to someone else.

use std::io::{self, IoSlice};
#[cfg(target_os = "linux")]
use std::sync::atomic::AtomicU8;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::inbox::Inbox;

use crate::runtime::now_ms;
use crate::signal::Signal;
use crate::stream::SockAddr;
use crate::sys;
use crate::write_bytes::{LentBytes, WriteBytes};

/// Part of a queued write request: bytes, and a descriptor to pass with their first
/// byte (SCM_RIGHTS) if the JS call had one.
pub(crate) struct Segment {
    pub bytes: WriteBytes,
    pub fd: Option<sys::PassedFd>,
}

/// What the JS thread asks of the conn task, in order.
pub(crate) enum ConnCmd {
    /// What the first write could not send: one write request.
    Write(Vec<Segment>),
    /// `shutdown(SHUT_WR)` once every queued write has been flushed.
    Shutdown,
    /// Close now; queued bytes are discarded (Match node:net: `destroy()`).
    Close,
    /// Close with RST (`resetAndDestroy()`).
    Reset,
    /// A chunk read by a socket natively piped into this one (see `pipe`). Boxed so
    /// the command stays small: the channel allocates room for 32 commands per socket
    /// up front, which 10,000 idle sockets feel.
    Piped(Box<crate::pipe::PipedChunk>),
}

/// How much a flowing socket (a 'data' listener, `resume()`, a native pipe) may have
/// delivered and not yet seen consumed. Large enough that a 64 KiB read per syscall
/// keeps flowing while JS works through the last ones on the other thread.
pub const READ_AHEAD_FLOWING: usize = 256 * 1024;

/// The same for a socket nobody is taking bytes from yet, or that was paused: one
/// 64 KiB read, as libuv makes before node:net's stream buffer says stop.
///
/// Match node:net: a paused socket keeps the rest in the kernel. Reading further would
/// empty the peer's send buffer behind the pause, so its blocked writes would finish
/// (and 'drain') while the reader is still paused, which node:net's never do.
pub const READ_AHEAD_PAUSED: usize = 64 * 1024;

/// The most slices one `sendmsg` takes: IOV_MAX is 1024 on Linux and the BSDs.
const MAX_IOV: usize = 1024;

/// State both threads touch without a round trip, as atomics.
pub(crate) struct Shared {
    /// Bytes delivered in `Data` events and not yet reported consumed by JS.
    pub inflight: AtomicUsize,
    pub read_limit: AtomicUsize,
    /// JS wants bytes (`readStart`); false while paused on connect or `readStop`ped.
    pub reading: AtomicBool,
    /// Idle timeout in ms, 0 = off (`socket.setTimeout`).
    pub timeout_ms: AtomicU64,
    /// Last read/write/connect/setTimeout, in `runtime::now_ms` units.
    pub activity: AtomicU64,
    /// Write requests handed to the task and not yet reported done. While non-zero the
    /// JS thread must not write directly, or bytes would overtake queued ones.
    pub queued_writes: AtomicUsize,
    /// Wakes the task when credit, reading, the timeout or the pipe changed.
    pub wake: Signal,
    /// Bytes read and sent down a native pipe; bytes written that came from one.
    pub piped_in: AtomicU64,
    pub piped_out: AtomicU64,
    /// The JS thread reads this socket itself (`js_reads`); the task does not read it,
    /// and watches it for writability only while its writes wait.
    pub js_reads: AtomicBool,
    /// End of stream or a read error was reported: nobody reads this socket again.
    pub read_done: AtomicBool,
    /// In the JS thread's poller's interest list (`js_reads::Poller`).
    #[cfg(target_os = "linux")]
    pub js_watched: AtomicBool,
    /// What the JS thread would read (`js_reads::ReadKind`), found out once.
    #[cfg(target_os = "linux")]
    pub read_kind: AtomicU8,
    /// A native pipe was refused for bytes in flight (see `pipe_to`): read only when
    /// none are.
    pub pipe_wanted: AtomicBool,
}

pub struct Conn {
    id: u32,
    /// `Some` while the task holds the open stream. See the module comment.
    fd: Mutex<Option<sys::OsHandle>>,
    /// Commands for the task, which `shared.wake` announces.
    pub(crate) inbox: Inbox,
    /// The destination while this socket is natively piped (see `pipe`). Reads take
    /// this lock, so switching the pipe on or off happens between two reads.
    pipe: Mutex<Option<crate::pipe::PipeRoute>>,
    pub(crate) shared: Shared,
}

/// A send that would block has sent nothing; other errors stand.
fn would_block_as_zero(result: io::Result<usize>) -> io::Result<usize> {
    match result {
        Ok(n) => Ok(n),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::Interrupted => Ok(0),
        Err(e) => Err(e),
    }
}

/// A pipe (adopted fd, Windows named pipe) has no half-close of its own.
fn is_not_a_socket(e: &io::Error) -> bool {
    let code = sys::errno_of(e);
    code == sys::errno_of(&sys::enotsock()) || code == sys::errno_of(&sys::enotsup())
}

/// What `Conn::write` did with the bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    /// All bytes went to the kernel on the calling thread.
    Done,
    /// `sent` bytes went at once; the rest is queued and a `WriteDone` event follows.
    Queued { sent: usize },
}

impl Conn {
    pub(crate) fn new(id: u32, reading: bool) -> Arc<Conn> {
        Arc::new(Conn {
            id,
            fd: Mutex::new(None),
            inbox: Inbox::default(),
            pipe: Mutex::new(None),
            shared: Shared {
                inflight: AtomicUsize::new(0),
                read_limit: AtomicUsize::new(READ_AHEAD_PAUSED),
                reading: AtomicBool::new(reading),
                timeout_ms: AtomicU64::new(0),
                activity: AtomicU64::new(now_ms()),
                queued_writes: AtomicUsize::new(0),
                wake: Signal::default(),
                piped_in: AtomicU64::new(0),
                piped_out: AtomicU64::new(0),
                js_reads: AtomicBool::new(false),
                read_done: AtomicBool::new(false),
                #[cfg(target_os = "linux")]
                js_watched: AtomicBool::new(false),
                #[cfg(target_os = "linux")]
                read_kind: AtomicU8::new(0),
                pipe_wanted: AtomicBool::new(false),
            },
        })
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    fn fd_guard(&self) -> MutexGuard<'_, Option<sys::OsHandle>> {
        self.fd.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Called by the task once the stream is open, and with `None` just before it
    /// drops the stream.
    pub(crate) fn set_fd(&self, fd: Option<sys::OsHandle>) {
        *self.fd_guard() = fd;
    }

    /// Publishes `stream`'s descriptor (`set_fd`) and, on Linux, what kind of socket it
    /// is, so that the JS thread's first read need not ask the kernel (a getsockopt
    /// per connection otherwise, see `js_reads`).
    pub(crate) fn set_stream(&self, stream: &crate::stream::Stream) {
        self.set_fd(Some(stream.os_handle()));
        #[cfg(target_os = "linux")]
        crate::js_reads::note_read_kind(self, stream);
    }

    /// Runs `f` on the open descriptor, or fails with EBADF once the socket is closed
    /// (or not yet connected).
    pub(crate) fn with_fd<T>(&self, f: impl FnOnce(sys::OsHandle) -> io::Result<T>) -> io::Result<T> {
        let guard = self.fd_guard();
        match *guard {
            Some(fd) => f(fd),
            None => Err(sys::ebadf()),
        }
    }

    fn send(&self, cmd: ConnCmd) {
        // The task is gone only after Close, when there is nothing left to do.
        let _ = self.inbox.send(cmd, &self.shared.wake);
    }

    /// Sends to the task, giving the command back if the task is gone.
    pub(crate) fn try_send(&self, cmd: ConnCmd) -> Result<(), ConnCmd> {
        self.inbox.send(cmd, &self.shared.wake)
    }

    /// The native pipe's destination, locked (see `pipe`).
    pub(crate) fn pipe_guard(&self) -> MutexGuard<'_, Option<crate::pipe::PipeRoute>> {
        self.pipe.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes `bufs` as one request: straight to the kernel when nothing is queued
    /// (as libuv does: most small writes end here with no copy and no thread hop), the
    /// rest copied once and queued to the task.
    pub fn write(&self, bufs: &[&[u8]]) -> io::Result<WriteOutcome> {
        self.write_request(bufs, |rest| WriteBytes::Owned(rest.to_vec()))
    }

    /// `write`, except that what the kernel does not take now is queued in place, not
    /// copied (see `write_bytes`).
    ///
    /// # Safety
    /// If this returns `Queued`, the memory of every buffer in `bufs` must stay valid
    /// and unchanged until the request's `WriteDone` event or the socket's `Closed`
    /// event, whichever comes first.
    pub unsafe fn write_lent(&self, bufs: &[&[u8]]) -> io::Result<WriteOutcome> {
        // SAFETY: the caller keeps the buffers as `LentBytes::new` asks (this fn's
        // contract).
        self.write_request(bufs, |rest| WriteBytes::Lent(unsafe { LentBytes::new(rest) }))
    }

    fn write_request(&self, bufs: &[&[u8]], keep: impl Fn(&[u8]) -> WriteBytes) -> io::Result<WriteOutcome> {
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        self.touch();
        let mut sent = 0;
        if self.shared.queued_writes.load(Ordering::Acquire) == 0 {
            // sendmsg refuses more than IOV_MAX slices (EMSGSIZE); what does not fit
            // here is queued like any other remainder.
            let slices: Vec<IoSlice<'_>> = bufs.iter().take(MAX_IOV).map(|b| IoSlice::new(b)).collect();
            // SAFETY: `with_fd` holds the fd lock for the duration of the call.
            sent = would_block_as_zero(self.with_fd(|fd| unsafe { sys::send_vectored(fd, &slices) }))?;
            if sent == total {
                return Ok(WriteOutcome::Done);
            }
        }
        let mut request = Vec::with_capacity(bufs.len());
        let mut skip = sent;
        for b in bufs {
            if skip >= b.len() {
                skip -= b.len();
                continue;
            }
            request.push(Segment { bytes: keep(&b[skip..]), fd: None });
            skip = 0;
        }
        self.queue(request);
        Ok(WriteOutcome::Queued { sent })
    }

    /// Writes `bytes` with descriptor `pass` attached (SCM_RIGHTS over a Unix socket):
    /// the peer receives a new descriptor for the same open file along with the bytes.
    /// The caller keeps `pass` and may close it when this returns: a send that has to
    /// wait carries its own duplicate.
    #[cfg(unix)]
    pub fn write_with_fd(&self, bytes: &[u8], pass: std::os::fd::RawFd) -> io::Result<WriteOutcome> {
        if !sys::fd_is_open(pass) {
            return Err(sys::ebadf());
        }
        if bytes.is_empty() {
            // A stream socket delivers ancillary data only with at least one byte.
            return Err(sys::einval());
        }
        self.touch();
        if self.shared.queued_writes.load(Ordering::Acquire) == 0 {
            // SAFETY: `with_fd` holds the fd lock for the duration of the call.
            let sent = would_block_as_zero(self.with_fd(|fd| unsafe { sys::send_with_fd(fd, bytes, pass) }))?;
            if sent == bytes.len() {
                return Ok(WriteOutcome::Done);
            }
            if sent > 0 {
                // The descriptor went with the first byte; the rest is plain data.
                self.queue(vec![Segment { bytes: WriteBytes::Owned(bytes[sent..].to_vec()), fd: None }]);
                return Ok(WriteOutcome::Queued { sent });
            }
        }
        self.queue(vec![Segment { bytes: WriteBytes::Owned(bytes.to_vec()), fd: Some(sys::dup_fd(pass)?) }]);
        Ok(WriteOutcome::Queued { sent: 0 })
    }

    fn queue(&self, request: Vec<Segment>) {
        self.shared.queued_writes.fetch_add(1, Ordering::AcqRel);
        self.send(ConnCmd::Write(request));
    }

    /// Ends the writable side once queued writes are flushed; `ShutdownDone` follows.
    pub fn shutdown(&self) {
        self.send(ConnCmd::Shutdown);
    }

    /// `shutdown(SHUT_WR)` on the calling (JS) thread when nothing is queued, as libuv
    /// does it in the same loop turn: the FIN then goes out before anything the peer
    /// answers can arrive. `None` when it has to wait for queued writes, or is not a
    /// socket's to do (a pipe): the task does it and `ShutdownDone` follows.
    ///
    /// The caller stops any native pipe into this socket first, so no chunk can be
    /// queued between the check and the shutdown.
    pub fn shutdown_now(&self) -> Option<io::Result<()>> {
        if self.shared.queued_writes.load(Ordering::Acquire) == 0 {
            // SAFETY: `with_fd` holds the fd lock for the duration of the call.
            match self.with_fd(|fd| unsafe { sys::shutdown_write(fd) }) {
                Err(e) if is_not_a_socket(&e) => {}
                done => return Some(done),
            }
        }
        self.shutdown();
        None
    }

    /// Closes the socket. Idempotent; no event follows.
    pub fn close(&self) {
        self.send(ConnCmd::Close);
    }

    /// Closes with RST.
    pub fn reset(&self) {
        self.send(ConnCmd::Reset);
    }

    /// Starts reading. Wakes the task only if it was stopped: each wake from this
    /// thread is a syscall to rouse the reactor's, and a connection that is set up and
    /// torn down in a few calls (churn) would pay several.
    pub fn read_start(&self) {
        if !self.shared.reading.swap(true, Ordering::AcqRel) {
            self.shared.wake.raise();
        }
    }

    /// Stops reading. No wake-up is needed: every read checks the flag first (see
    /// `read_turn`), so not one more byte is read, above all none for a native pipe's
    /// destination behind JS's back; a task waiting for readability wakes at most once
    /// more, reads nothing and stops waiting.
    pub fn read_stop(&self) {
        self.shared.reading.store(false, Ordering::Release);
    }

    /// How far reading may run ahead of JS: `READ_AHEAD_FLOWING` or `READ_AHEAD_PAUSED`.
    /// A larger limit wakes the task if it may be waiting for credit, which it can only
    /// be if the old limit was used up.
    pub fn set_read_ahead(&self, bytes: usize) {
        let before = self.shared.read_limit.swap(bytes, Ordering::AcqRel);
        if bytes > before && self.shared.inflight.load(Ordering::Acquire) >= before {
            self.shared.wake.raise();
        }
    }

    /// JS has taken `n` delivered bytes off the reactor's hands; reading may resume.
    pub fn consumed(&self, n: usize) {
        let limit = self.shared.read_limit.load(Ordering::Relaxed);
        let before = self.shared.inflight.fetch_sub(n, Ordering::AcqRel);
        let resumes = if self.shared.pipe_wanted.load(Ordering::Acquire) { before == n } else { before >= limit && before - n < limit };
        if resumes {
            self.shared.wake.raise();
        }
    }

    /// What the task may read now before JS reports bytes consumed: the rest of the
    /// read-ahead limit, or, while a native pipe is wanted, a turn only when nothing
    /// is in flight (see `pipe_to`).
    pub(crate) fn read_credit(&self) -> usize {
        let shared = &self.shared;
        let inflight = shared.inflight.load(Ordering::Acquire);
        if inflight > 0 && shared.pipe_wanted.load(Ordering::Acquire) {
            return 0;
        }
        shared.read_limit.load(Ordering::Relaxed).saturating_sub(inflight)
    }

    /// Idle timeout in ms, 0 disables. Starts a fresh idle period, as node:net does.
    ///
    /// The task is woken only if the deadline may now come sooner than the one it
    /// sleeps until: a timeout where there was none, or a shorter one. Otherwise it
    /// wakes at the old deadline, finds the fresh activity and sleeps again; a wake-up
    /// from this thread is a syscall. (JS spares most calls in the first place: see
    /// TcpHandle.setTimeout.)
    pub fn set_timeout(&self, ms: u64) {
        self.touch();
        let before = self.shared.timeout_ms.swap(ms, Ordering::AcqRel);
        if ms != 0 && (before == 0 || ms < before) {
            self.shared.wake.raise();
        }
    }

    /// The current activity stamp, as a `Timeout` event carries one (`stamp_word`):
    /// different from the event's if the socket was active after the reactor decided.
    pub fn activity_word(&self) -> i32 {
        crate::idle::stamp_word(self.shared.activity.load(Ordering::Acquire))
    }

    /// Records activity for the idle timer (Match node:net: a write call counts).
    pub fn touch(&self) {
        self.shared.activity.store(now_ms(), Ordering::Release);
    }

    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        // SAFETY: `with_fd` holds the fd lock for the duration of the call.
        self.with_fd(|fd| unsafe { sys::set_nodelay(fd, on) })
    }

    pub fn set_keepalive(&self, on: bool, delay_secs: u32) -> io::Result<()> {
        // SAFETY: as above.
        self.with_fd(|fd| unsafe { sys::set_keepalive(fd, on, delay_secs) })
    }

    pub fn set_type_of_service(&self, tos: u8) -> io::Result<()> {
        // SAFETY: as above.
        self.with_fd(|fd| unsafe { sys::set_type_of_service(fd, tos) })
    }

    pub fn type_of_service(&self) -> io::Result<u8> {
        // SAFETY: as above.
        self.with_fd(|fd| unsafe { sys::type_of_service(fd) })
    }

    pub fn local_addr(&self) -> io::Result<SockAddr> {
        // SAFETY: as above.
        self.with_fd(|fd| unsafe { sys::local_addr(fd) })
    }

    pub fn peer_addr(&self) -> io::Result<SockAddr> {
        // SAFETY: as above.
        self.with_fd(|fd| unsafe { sys::peer_addr(fd) })
    }

    /// connect(2) once more on this socket, connected already, to an IP peer: node:net's
    /// `connect()` on a connected TCP socket (`sys::connect_again` says what follows).
    pub fn connect_again_ip(&self, to: std::net::SocketAddr) -> io::Result<()> {
        let to = socket2::SockAddr::from(to);
        // SAFETY: `with_fd` holds the fd lock for the duration of the call.
        self.with_fd(|fd| unsafe { sys::connect_again(fd, &to) })
    }

    /// As `connect_again_ip`, to a Unix path: node:net's `connect()` on a connected Unix
    /// socket (with a path, or with a host, which libuv takes as a path).
    #[cfg(unix)]
    pub fn connect_again_path(&self, path: &str) -> io::Result<()> {
        let to = sys::unix_sockaddr(path)?;
        // SAFETY: `with_fd` holds the fd lock for the duration of the call.
        self.with_fd(|fd| unsafe { sys::connect_again(fd, &to) })
    }

    /// TCP_NODELAY and keepalive as the kernel has them (for tests and diagnostics).
    pub fn socket_options(&self) -> io::Result<sys::SocketOptions> {
        // SAFETY: `with_fd` holds the fd lock for the duration of the call.
        self.with_fd(|fd| unsafe { sys::socket_options(fd) })
    }

    /// Descriptor passing does not exist on Windows (no SCM_RIGHTS for sockets).
    #[cfg(windows)]
    pub fn write_with_fd(&self, _bytes: &[u8], _pass: i32) -> io::Result<WriteOutcome> {
        Err(sys::enotsup())
    }

    /// Whether the JS thread reads this socket itself (see `js_reads`).
    pub fn reads_on_js_thread(&self) -> bool {
        self.shared.js_reads.load(Ordering::Acquire)
    }

    /// Hands the reads of this socket to the JS thread (`on`) or back to the task.
    /// The task is woken to change its registration (out of its epoll set while JS reads, but for writes that wait).
    /// Bytes stay in order across the switch: every read of either thread happens
    /// under the event sink's lock and appends its `Data` record there, so records
    /// follow the order of the reads.
    pub fn set_reads_on_js_thread(&self, on: bool) {
        if self.shared.js_reads.swap(on, Ordering::AcqRel) != on {
            self.shared.wake.raise();
        }
    }

    /// Whether end of stream or a read error was reported already.
    pub fn read_done(&self) -> bool {
        self.shared.read_done.load(Ordering::Acquire)
    }

    /// Whether the socket is natively piped now (see `pipe`).
    pub fn is_piped(&self) -> bool {
        self.pipe_guard().is_some()
    }

    /// The descriptor while open, as `socket._handle.fd` shows it (-1 on Windows).
    pub fn js_fd(&self) -> Option<i32> {
        self.fd_guard().map(sys::js_fd)
    }
}
