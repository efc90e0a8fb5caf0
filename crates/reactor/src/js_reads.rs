//! Linux: the JS thread reads the sockets JavaScript consumes itself.
//!
//! Why: a chunk the reactor thread reads for JS costs a cross-thread wake-up (the
//! threadsafe function's eventfd, an epoll_wait return and a context switch on each
//! thread) on top of the read; on loopback bulk echo that made rsnet's 'data' path
//! 1.45× node:net's CPU per byte (1.17 against 0.81 s/GiB), and every 'data' cell
//! slower. node:net reads on its JS thread, in libuv's poll phase; so does this.
//!
//! How: one epoll instance per JS thread, the [`Poller`], holds the sockets JS reads
//! (level-triggered, keyed by socket id). The binding watches its descriptor from
//! Node's own event loop (a libuv poll handle). When it is readable, the binding asks
//! it which sockets are ([`Poller::ready`]), reads each with [`Env::read_for_js`]
//! straight into the memory of the Buffer that becomes the `'data'` chunk (no copy
//! after the kernel's, as node:net's reads), records it in the same event batch the
//! reactor threads fill (a `DATA_OWN` `Data` record), and dispatches that batch at
//! once: one JS entry for every socket that was ready, as the reactor's batches are.
//!
//! Ownership of reads: a socket is read by the JS thread (`Conn::set_reads_on_js_thread`)
//! or by its task, never both at once for long, and every read of either happens under
//! the event sink's lock with its record appended there, so bytes keep their order
//! across a switch. The task stops wanting reads when it sees the switch, and keeps the
//! stream out of its epoll set except while its writes wait (`Stream::ReadByJs`,
//! `stream::WriteWatch`), so neither arrivals nor send space wake the reactor thread. Native pipes, splice and adopted non-socket descriptors stay the
//! reactor's.
//!
//! Teardown: the binding takes a socket out of the poller before it asks the task to
//! close it (the descriptor is still open then); the kernel drops a closed descriptor
//! from the interest list anyway, so an id that comes back after that finds no socket.

use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::Ordering;

use crate::conn::Conn;
pub use crate::conn_task::{READS_PER_TURN, READ_CHUNK};
use crate::env::Env;
use crate::event::{EventKind, Syscall};
use crate::sys;

/// Ready sockets taken per `epoll_wait`; more stay ready for the next loop turn.
const EVENTS_PER_WAIT: usize = 256;

/// The JS thread's epoll instance for the sockets it reads itself.
pub struct Poller {
    epoll: OwnedFd,
    events: Vec<libc::epoll_event>,
    /// Sockets in the interest list.
    watched: std::cell::Cell<usize>,
    /// The one socket in it, while there is exactly one and it is known which.
    sole: std::cell::Cell<Option<u32>>,
    /// The sockets the last `ready` found hung up (EPOLLHUP), or None if it answered
    /// without asking the kernel (the sole socket): see `hung_up`.
    hung_up: Option<Vec<u32>>,
}

/// Whether a socket was hung up (EPOLLHUP) when the loop found it ready: `Unknown`
/// when the poller answered without an `epoll_wait` (its sole socket).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HangUp {
    Yes,
    No,
    Unknown,
}

/// What one read of a socket on the JS thread did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct JsRead {
    /// Records were added to the batch: JS has something to dispatch.
    pub pushed: bool,
    /// The socket stays in the poller: false once it reached its end, failed, was
    /// stopped, or used up its read credit (`Poller::consumed` puts it back).
    pub keep_watching: bool,
    /// The read filled what it asked for: the kernel may hold more right now.
    pub full: bool,
    /// Bytes read into the caller's buffer that are to become a chunk of their own (a
    /// `DATA_OWN` record names them); 0 if the read was short enough to be copied into
    /// the batch instead (`OWN_CHUNK_FROM`).
    pub own_bytes: usize,
    /// Bytes read, whichever way they go to JS.
    pub bytes: usize,
}

impl Poller {
    pub fn new() -> io::Result<Poller> {
        // SAFETY: epoll_create1 takes no pointers; a valid result is a new descriptor
        // that this OwnedFd then owns.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just created and nothing else owns it.
        let epoll = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Poller {
            epoll,
            events: Vec::with_capacity(EVENTS_PER_WAIT),
            watched: Default::default(),
            sole: Default::default(),
            hung_up: Some(Vec::new()),
        })
    }

    /// The descriptor to watch for readability: readable while any socket is.
    pub fn raw_fd(&self) -> RawFd {
        self.epoll.as_raw_fd()
    }

    /// JS starts reading `conn` (readStart): from here on this thread reads it. False
    /// if it cannot: a native pipe's source, an adopted pipe (not a socket), a socket
    /// not open yet or whose reading is over; the task reads it then, as before.
    pub fn start(&self, conn: &Conn) -> bool {
        if conn.read_done() || conn.is_piped() || read_kind(conn) == ReadKind::NotASocket {
            return false;
        }
        conn.give_up_pipe();
        conn.shared.reading.store(true, Ordering::Release);
        conn.set_reads_on_js_thread(true);
        // Without credit it waits out of the list until JS consumes (`consumed`).
        credit(conn) == 0 || self.watch(conn)
    }

    /// JS stops reading `conn` for now (readStop): it stays this thread's to read.
    /// It stays in the interest list too, until it is next reported ready while still
    /// stopped (`read_for_js` then says to let it go): a stream that pauses and resumes
    /// under back-pressure, every few chunks, costs no syscall for either. Match libuv:
    /// uv_read_stop takes the descriptor out of epoll lazily, the same way.
    pub fn stop(&self, conn: &Conn) {
        conn.shared.reading.store(false, Ordering::Release);
    }

    /// Hands `conn`'s reads back to its task (before a native pipe starts).
    pub fn release(&self, conn: &Conn) {
        self.unwatch(conn);
        conn.set_reads_on_js_thread(false);
    }

    /// JS is about to close `conn`: out of the list while its descriptor is open.
    pub fn forget(&self, conn: &Conn) {
        self.unwatch(conn);
    }

    /// Puts `conn` in the interest list, readable only (level-triggered).
    fn watch(&self, conn: &Conn) -> bool {
        if conn.shared.js_watched.load(Ordering::Relaxed) {
            return true;
        }
        let mut event = libc::epoll_event { events: libc::EPOLLIN as u32, u64: conn.id() as u64 };
        let added = conn.with_fd(|fd| {
            // SAFETY: `with_fd` holds the descriptor open; `event` is a valid struct.
            let rc = unsafe { libc::epoll_ctl(self.epoll.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut event) };
            if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
        });
        let ok = added.is_ok();
        conn.shared.js_watched.store(ok, Ordering::Relaxed);
        if ok {
            let n = self.watched.get() + 1;
            self.watched.set(n);
            self.sole.set((n == 1).then_some(conn.id()));
        }
        ok
    }

    /// Takes `conn` out of the interest list.
    fn unwatch(&self, conn: &Conn) {
        if !conn.shared.js_watched.swap(false, Ordering::Relaxed) {
            return;
        }
        let n = self.watched.get().saturating_sub(1);
        self.watched.set(n);
        // Which one is left is not known here: `ready` asks the kernel then.
        self.sole.set(None);
        let _ = conn.with_fd(|fd| {
            // SAFETY: `with_fd` holds the descriptor open; DEL ignores the event.
            let rc = unsafe { libc::epoll_ctl(self.epoll.as_raw_fd(), libc::EPOLL_CTL_DEL, fd, std::ptr::null_mut()) };
            if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
        });
    }

    /// After a turn of reads that ended the socket's reading, or its credit.
    pub fn after_read(&self, conn: &Conn, read: JsRead) {
        if !read.keep_watching {
            self.unwatch(conn);
        }
    }

    /// After JS consumed bytes: puts back a socket that was taken out for want of read
    /// credit, if it still wants to read and has credit again.
    pub fn consumed(&self, conn: &Conn) {
        let shared = &conn.shared;
        if shared.js_watched.load(Ordering::Relaxed) || !conn.reads_on_js_thread() || !shared.reading.load(Ordering::Acquire) || conn.read_done() {
            return;
        }
        if credit(conn) > 0 {
            self.watch(conn);
        }
    }

    /// The ids of the sockets that are readable now (or hung up, or failed), without
    /// waiting. Level-triggered: one left unread is reported again. For the caller
    /// whose loop said this poller's descriptor is readable.
    ///
    /// With one socket in the interest list, that socket is the answer, without an
    /// `epoll_wait`: a connection alone on its JS thread (a client, a one-connection
    /// echo) then makes the syscalls node:net's does per message, the read, the write
    /// and the loop's `epoll_pwait`, not one more (64-byte ping-pong: 0.95 → 0.97×
    /// node:net's CPU per message). Unharvested, its entry stays on the kernel's ready
    /// list, which checks it again (and drops it if no longer ready) the next time the
    /// loop polls this descriptor, so a stale entry never reports a socket ready.
    pub fn ready(&mut self, ids: &mut Vec<u32>) {
        ids.clear();
        if let (1, Some(id)) = (self.watched.get(), self.sole.get()) {
            ids.push(id);
            self.hung_up = None;
            return;
        }
        let hung_up = self.hung_up.get_or_insert_with(Vec::new);
        hung_up.clear();
        self.events.clear();
        // SAFETY: `events` has room for EVENTS_PER_WAIT entries, which the kernel fills
        // from the start; it reports how many.
        let n = unsafe {
            libc::epoll_wait(self.epoll.as_raw_fd(), self.events.as_mut_ptr(), EVENTS_PER_WAIT as i32, 0)
        };
        if n <= 0 {
            return;
        }
        // SAFETY: the kernel initialized the first `n` entries.
        unsafe { self.events.set_len(n as usize) };
        ids.extend(self.events.iter().map(|e| e.u64 as u32));
        hung_up.extend(self.events.iter().filter(|e| e.events & libc::EPOLLHUP as u32 != 0).map(|e| e.u64 as u32));
    }

    /// Whether socket `id` was hung up when the last `ready` found it (for
    /// `Env::read_for_js`). Usually no socket is, and the list is empty.
    pub fn hung_up(&self, id: u32) -> HangUp {
        match &self.hung_up {
            None => HangUp::Unknown,
            Some(ids) if ids.contains(&id) => HangUp::Yes,
            Some(_) => HangUp::No,
        }
    }
}

/// What `conn` may still read before JS reports bytes consumed.
fn credit(conn: &Conn) -> usize {
    let shared = &conn.shared;
    shared.read_limit.load(Ordering::Relaxed).saturating_sub(shared.inflight.load(Ordering::Acquire))
}

/// Reads shorter than this are copied into the event batch, and JS copies each out
/// into a Buffer of its size (two copies of a few bytes, in JS's fast path); longer
/// ones become a Buffer of their own in the binding (Node-API's Buffer constructor
/// costs more than those copies for small reads: a 'data' proxy's 64-byte ping-pong
/// went from 45 to 51 µs of CPU per message when every read took it).
pub const OWN_CHUNK_FROM: usize = 4 * 1024;

impl Env {
    /// One read of `conn` on the calling JS thread, straight into `buf` (memory of a
    /// Buffer that becomes the `'data'` chunk: no copy on the way to JS), recorded in
    /// the event batch as a `DATA_OWN` `Data` record, or copied into it if short (see
    /// `OWN_CHUNK_FROM`), with no wake-up sent (the caller hands the chunk over and
    /// dispatches the batch next). At most `buf.len()` bytes, under the read credit. End of stream and read errors are reported as the task
    /// reports them, and end the reading for good. `JsRead::full` says a next read may
    /// find more; the caller makes it after JS has had this one (see `READS_PER_TURN`).
    ///
    /// Match libuv before 1.52 (uv__stream_io; Node 20, 22): a short read from a socket
    /// that was hung up when the loop found it ready (`hang_up`: a reset, or a FIN each
    /// way) ends the stream there, as if the next read had found its end; the reset's
    /// error is not read. So a peer that is killed, or resets, with bytes still on their
    /// way gives 'data' then 'end' (and a write then fails), as on node:net, rather than
    /// 'data' then ECONNRESET. Off where libuv reads on (`set_eof_on_hang_up`).
    pub fn read_for_js(&self, conn: &Conn, buf: &mut [MaybeUninit<u8>], hang_up: HangUp) -> JsRead {
        let stopped = JsRead { pushed: false, keep_watching: false, full: false, own_bytes: 0, bytes: 0 };
        if !conn.shared.reading.load(Ordering::Acquire) || conn.read_done() {
            return stopped;
        }
        let want = credit(conn).min(buf.len());
        if want == 0 {
            return stopped;
        }
        let buf = &mut buf[..want];
        let unix = read_kind(conn) == ReadKind::Unix;
        let sink = &self.shared.sink;
        let id = conn.id();
        let mut fds = Vec::new();
        loop {
            let mut got_fds = false;
            let read = sink.read_own_quiet(id, &mut *buf, OWN_CHUNK_FROM, &mut fds, |buf, fds| {
                conn.with_fd(|fd| {
                    let n = if unix {
                        // SAFETY: `with_fd` holds `fd` open, and it is a Unix socket.
                        unsafe { sys::recv_with_fds(fd, buf, fds) }
                    } else {
                        sys::recv(fd, buf)
                    };
                    got_fds = !fds.is_empty();
                    n
                })
            });
            return match read {
                Ok((0, _)) => {
                    conn.shared.read_done.store(true, Ordering::Release);
                    sink.push_quiet(id, EventKind::Eof, 0, 0);
                    JsRead { pushed: true, keep_watching: false, full: false, own_bytes: 0, bytes: 0 }
                }
                Ok((n, own)) if n < want && hung_up_now(hang_up) => {
                    conn.shared.inflight.fetch_add(n, Ordering::AcqRel);
                    conn.shared.read_done.store(true, Ordering::Release);
                    sink.push_quiet(id, EventKind::Eof, 0, 0);
                    JsRead { pushed: true, keep_watching: false, full: false, own_bytes: if own { n } else { 0 }, bytes: n }
                }
                Ok((n, own)) => {
                    conn.shared.inflight.fetch_add(n, Ordering::AcqRel);
                    conn.touch();
                    // A short read means the kernel buffer is empty for now. (On a
                    // Unix socket a read also stops at a message with descriptors;
                    // level-triggered epoll reports what is left on the next turn.)
                    JsRead { pushed: true, keep_watching: true, full: n == want, own_bytes: if own { n } else { 0 }, bytes: n }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    JsRead { pushed: got_fds, keep_watching: true, full: false, own_bytes: 0, bytes: 0 }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    conn.shared.read_done.store(true, Ordering::Release);
                    sink.push_quiet(id, EventKind::Error, sys::errno_of(&e), Syscall::Read as i32);
                    JsRead { pushed: true, keep_watching: false, full: false, own_bytes: 0, bytes: 0 }
                }
            };
        }
    }
}

/// Whether a short read from a hung-up socket ends its stream (libuv before 1.52, as in
/// Node 20 and 22). libuv 1.52 (libuv/libuv#4997) reads on while the socket is readable,
/// so the reset's error is read (Node 24 on). The JS side sets this for its Node.
static EOF_ON_HANG_UP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn set_eof_on_hang_up(on: bool) {
    EOF_ON_HANG_UP.store(on, Ordering::Relaxed);
}

/// Whether the short read just made ends `conn`'s stream: the poller saw it hung up
/// before the read. Not known for the sole socket (read without an `epoll_wait`): a
/// check after the read could see a FIN that came after it, with bytes before it still
/// unread (a 1 MiB echo lost its last 43 KiB so), and a check before every read would
/// cost the sole socket a syscall per message; so it reads on, as libuv 1.52 does.
fn hung_up_now(hang_up: HangUp) -> bool {
    EOF_ON_HANG_UP.load(Ordering::Relaxed) && hang_up == HangUp::Yes
}

/// What kind of descriptor the JS thread would read, as `Conn::read_kind` keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReadKind {
    Unknown = 0,
    Tcp = 1,
    /// A Unix-domain socket: descriptors may come with the bytes (recvmsg).
    Unix = 2,
    /// An adopted pipe or FIFO, or a socket not open yet: the reactor reads it.
    NotASocket = 3,
}

/// Records the kind of `stream` as `conn`'s, when the stream says it.
pub(crate) fn note_read_kind(conn: &Conn, stream: &crate::stream::Stream) {
    use crate::stream::Stream;
    let kind = match stream {
        Stream::Tcp(_) => ReadKind::Tcp,
        Stream::Unix(_) => ReadKind::Unix,
        Stream::Fd(_) => ReadKind::NotASocket,
        _ => return,
    };
    conn.shared.read_kind.store(kind as u8, Ordering::Relaxed);
}

/// The kind of `conn`'s descriptor: as recorded with its stream, else found out with
/// one getsockopt the first time.
fn read_kind(conn: &Conn) -> ReadKind {
    let known = match conn.shared.read_kind.load(Ordering::Relaxed) {
        1 => ReadKind::Tcp,
        2 => ReadKind::Unix,
        3 => ReadKind::NotASocket,
        _ => ReadKind::Unknown,
    };
    if known != ReadKind::Unknown {
        return known;
    }
    let domain = conn.with_fd(|fd| {
        let mut domain: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: `with_fd` holds `fd` open; `domain` and `len` are valid out-parameters.
        let rc = unsafe { libc::getsockopt(fd, libc::SOL_SOCKET, libc::SO_DOMAIN, (&mut domain as *mut libc::c_int).cast(), &mut len) };
        if rc == 0 { Ok(domain) } else { Err(io::Error::last_os_error()) }
    });
    let kind = match domain {
        Ok(libc::AF_UNIX) => ReadKind::Unix,
        Ok(libc::AF_INET | libc::AF_INET6) => ReadKind::Tcp,
        Ok(_) => ReadKind::NotASocket,
        // Not open yet (connecting): ask again next time.
        Err(e) if e.raw_os_error() == Some(libc::EBADF) => return ReadKind::NotASocket,
        Err(_) => ReadKind::NotASocket,
    };
    conn.shared.read_kind.store(kind as u8, Ordering::Relaxed);
    kind
}
