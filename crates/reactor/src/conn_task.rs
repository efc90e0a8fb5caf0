//! The task that drives one `Conn`: connect, then reads (while JS has read credit),
//! queued writes, shutdown and close, until JS closes the socket.

use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use tokio::io::Ready;
#[cfg(not(unix))]
use tokio::net::TcpSocket;
use tokio::time::Sleep;

use crate::conn::{Conn, ConnCmd, Segment};
use crate::pipe::PipedChunk;
#[cfg(target_os = "linux")]
use crate::splice::{self, KernelPipe};
use crate::env::{ConnectTarget, EnvShared};
use crate::event::{EventKind, Syscall};
use crate::idle::{stamp_word, IdleTimer};
use crate::runtime::instant_at_ms;
use crate::stream::Stream;
use crate::sys;
use crate::write_bytes::WriteBytes;

/// Bytes read per syscall at most. One read of this size per readiness event keeps
/// syscalls per byte low for bulk transfers without a per-socket buffer: reads land
/// straight in the event batch's data buffer.
pub const READ_CHUNK: usize = 64 * 1024;

/// Reads per wake-up before waiting again (`poll_turn`), so one busy socket cannot
/// starve the others on the same thread. The JS thread makes as many per socket and
/// loop turn (`js_reads`), one per round with JS dispatching between.
pub const READS_PER_TURN: usize = 4;

/// Bytes spliced per syscall at most: the whole read credit, since they never touch
/// this process's memory.
#[cfg(target_os = "linux")]
const SPLICE_CHUNK: usize = 256 * 1024;

/// Bytes a native pipe moves through buffers before it switches to splice(2).
#[cfg(target_os = "linux")]
const SPLICE_AFTER: u64 = 256 * 1024;

/// Slices per `writev`: Linux's IOV_MAX is 1024; 64 covers any realistic queue.
const WRITEV_SLICES: usize = 64;

enum Exit {
    Close,
    Reset,
}

// Why plain fns returning `async move` blocks, not `async fn`s: an async fn moves each
// argument into a local of its body, and the future keeps room for both copies. These
// futures are what every connection's task is made of, so the blocks use what they
// capture in place: about 200 bytes less per socket (see the size test below).

/// The task of a socket that is already open: accepted, or adopted from a descriptor
/// (its fd is already published with `Conn::set_fd`).
pub(crate) fn serve(conn: Arc<Conn>, env: Arc<EnvShared>, stream: Stream) -> impl Future<Output = ()> + Send {
    serve_after(conn, env, stream, IdleTimer::default())
}

/// The task of an outgoing socket while it connects. Once connected it hands the socket
/// to a task of its own, the size of an accepted socket's, and ends: this one's future
/// (the connect target, the connect attempt) is not kept for the socket's life.
///
/// No wake-up is lost in the hand-over: commands wait in the inbox, which the serving
/// task reads before it first waits, and a wake-up given meanwhile stays raised.
#[allow(clippy::manual_async_fn)] // see above: an async fn would store its arguments twice
pub(crate) fn connect_then_serve(conn: Arc<Conn>, env: Arc<EnvShared>, target: ConnectTarget) -> impl Future<Output = ()> + Send {
    async move {
        let mut idle = IdleTimer::default();
        match Box::pin(connect(&conn, &env, &mut idle, target)).await {
            Some(stream) => {
                conn.set_stream(&stream);
                conn.touch();
                env.sink.push(conn.id(), EventKind::Connected, 0, 0);
                tokio::spawn(serve_after(conn, env, stream, idle));
            }
            None => {
                drop(conn.inbox.close());
                env.remove_conn(conn.id());
                env.sink.push(conn.id(), EventKind::Closed, 0, 0);
            }
        }
    }
}

/// Serves an open stream until JS closes it, then closes it. `idle` carries over the
/// timer's state from connecting; writes made before 'connect' wait in the inbox.
///
/// The driver owns the conn, the env and the stream, and the async block holds only the
/// driver: the block's captures and a borrowing driver would store them twice.
fn serve_after(conn: Arc<Conn>, env: Arc<EnvShared>, stream: Stream, idle: IdleTimer) -> impl Future<Output = ()> + Send {
    let mut driver = Driver { conn, env, stream, writes: None, idle, sleep: None };
    async move {
        let exit = driver.drive().await;
        driver.finish(exit);
    }
}

/// Connects, also watching for close and the idle timer. `None` if it failed (the error
/// is reported) or JS closed the socket first.
async fn connect(
    conn: &Conn,
    env: &EnvShared,
    idle: &mut IdleTimer,
    target: ConnectTarget,
) -> Option<Stream> {
    let attempt = async {
        match target {
            ConnectTarget::Tcp { addr, local } => connect_tcp(addr, local).await.map(Stream::Tcp),
            ConnectTarget::Path { path } => crate::local::connect(&path).await,
            #[cfg(unix)]
            ConnectTarget::TcpFromBound { addr, fd } => crate::bound::connect_tcp(fd, addr).await,
            #[cfg(unix)]
            ConnectTarget::PathFromBound { path, fd } => crate::bound::connect_path(fd, &path).await,
        }
    };
    tokio::pin!(attempt);
    loop {
        // JS may queue writes before 'connect': they stay in the inbox, in order.
        if conn.inbox.holds_close() {
            return None;
        }
        let deadline = idle.deadline(&conn.shared);
        tokio::select! {
            result = &mut attempt => match result {
                Ok(stream) => return Some(stream),
                Err((e, syscall)) => {
                    env.sink.push(conn.id(), EventKind::Error, sys::errno_of(&e), syscall as i32);
                    return None;
                }
            },
            // A command (see `Inbox::send`), or a setTimeout change.
            _ = conn.shared.wake.raised() => {}
            _ = sleep_until(deadline) => {
                if let Some(stamp) = idle.expired(&conn.shared) {
                    env.sink.push(conn.id(), EventKind::Timeout, stamp_word(stamp), 0);
                }
            }
        }
    }
}

/// Connects, telling a connect that failed at once (`Syscall::ConnectNow`: an
/// unreachable network, a zone that does not exist) from one that failed later.
#[cfg(unix)]
async fn connect_tcp(addr: SocketAddr, local: Option<SocketAddr>) -> Result<tokio::net::TcpStream, (io::Error, Syscall)> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP)).map_err(|e| (e, Syscall::Connect))?;
    if let Some(local) = local {
        socket.bind(&local.into()).map_err(|e| (e, Syscall::Bind))?;
    }
    connect_tcp_socket(socket, addr).await
}

/// Connects `socket` (new, or bound before: `bound::connect_tcp`) to `addr`.
#[cfg(unix)]
pub(crate) async fn connect_tcp_socket(socket: socket2::Socket, addr: SocketAddr) -> Result<tokio::net::TcpStream, (io::Error, Syscall)> {
    let fail = |e| (e, Syscall::Connect);
    socket.set_nonblocking(true).map_err(fail)?;
    let in_progress = match socket.connect(&addr.into()) {
        Ok(()) => false,
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => true,
        Err(e) => return Err((e, Syscall::ConnectNow)),
    };
    let std_stream: std::net::TcpStream = socket.into();
    let stream = tokio::net::TcpStream::from_std(std_stream).map_err(fail)?;
    if in_progress {
        stream.writable().await.map_err(fail)?;
        if let Some(e) = stream.take_error().map_err(fail)? {
            return Err(fail(e));
        }
    }
    Ok(stream)
}

#[cfg(not(unix))]
async fn connect_tcp(addr: SocketAddr, local: Option<SocketAddr>) -> Result<tokio::net::TcpStream, (io::Error, Syscall)> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4() } else { TcpSocket::new_v6() }.map_err(|e| (e, Syscall::Connect))?;
    if let Some(local) = local {
        socket.bind(local).map_err(|e| (e, Syscall::Bind))?;
    }
    socket.connect(addr).await.map_err(|e| (e, Syscall::Connect))
}

#[cfg(unix)]
fn write_passing_fd(stream: &Stream, bytes: &[u8], pass: &sys::PassedFd) -> io::Result<usize> {
    use std::os::fd::AsRawFd;
    stream.try_write_with_fd(bytes, pass.as_raw_fd())
}

/// Windows has no descriptor passing: `PassedFd` has no values, so this never runs.
#[cfg(windows)]
fn write_passing_fd(_stream: &Stream, _bytes: &[u8], pass: &sys::PassedFd) -> io::Result<usize> {
    match *pass {}
}

/// Boxed: tokio's `Sleep` is large and cache-line aligned, and inline it would
/// make the task that much bigger (and aligned), though only sockets with
/// `setTimeout` ever sleep. (Connecting only: a connected socket keeps its `Sleep`,
/// see `Driver::sleep`.)
async fn sleep_until(deadline_ms: Option<u64>) {
    match deadline_ms {
        Some(ms) => Box::pin(tokio::time::sleep_until(instant_at_ms(ms))).await,
        None => std::future::pending().await,
    }
}

/// Write requests not yet fully flushed, oldest first, as segments; the last segment of
/// each request is marked, so finishing it is one `WriteDone`.
#[derive(Default)]
struct WriteQueue {
    segments: VecDeque<Queued>,
    /// Bytes of the front segment already written.
    offset: usize,
}

impl WriteQueue {
    /// A write failed: everything queued is dropped and JS hears the error.
    fn fail(&mut self, state: &mut ReadWriteState, conn: &Conn, env: &EnvShared, e: &io::Error) {
        state.write_failed = true;
        // Count out what is dropped (requests and piped chunks, whose drop returns
        // their source's credit); chunks still on their way are counted out as they
        // arrive.
        let dropped = self.segments.iter().filter(|q| !matches!(q.done, Completion::Part)).count();
        self.segments.clear();
        self.offset = 0;
        conn.shared.queued_writes.fetch_sub(dropped, Ordering::AcqRel);
        env.sink.push(conn.id(), EventKind::Error, sys::errno_of(e), Syscall::Write as i32);
    }

    /// Pops every segment the offset has passed, reporting each finished request.
    fn complete_finished_requests(&mut self, conn: &Conn, env: &EnvShared) {
        while let Some(front) = self.segments.front() {
            let len = front.len();
            if self.offset < len || (len == 0 && front.segment.fd.is_some()) {
                break;
            }
            self.offset -= len;
            let Some(done) = self.segments.pop_front().map(|q| q.done) else { break };
            match done {
                Completion::Part => {}
                Completion::Request(total) => {
                    // Count the request out before JS hears of it: once JS sees the
                    // last WriteDone it may write directly again.
                    conn.shared.queued_writes.fetch_sub(1, Ordering::AcqRel);
                    env.sink.push(conn.id(), EventKind::WriteDone, total as u32 as i32, 0);
                }
                Completion::Piped(chunk) => {
                    conn.shared.piped_out.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                    conn.shared.queued_writes.fetch_sub(1, Ordering::AcqRel);
                    chunk.complete(); // returns the source's credit
                }
            }
        }
    }
}

struct Queued {
    segment: Segment,
    done: Completion,
}

impl Queued {
    /// Bytes to write: the segment's, or a spliced chunk's, which wait in a kernel pipe.
    fn len(&self) -> usize {
        match &self.done {
            #[cfg(target_os = "linux")]
            Completion::Piped(chunk) if chunk.kernel.is_some() => chunk.len(),
            _ => self.segment.bytes.len(),
        }
    }

    #[cfg(target_os = "linux")]
    fn kernel_pipe(&self) -> Option<&Arc<KernelPipe>> {
        match &self.done {
            Completion::Piped(chunk) => chunk.kernel.as_ref(),
            _ => None,
        }
    }
}

/// What finishing a queued segment means.
enum Completion {
    /// A segment of a JS write request that has more after it.
    Part,
    /// The last segment of a JS write request of this many bytes: one `WriteDone`.
    Request(usize),
    /// A chunk from a native pipe: no event; dropping it returns the source's credit.
    Piped(PipedChunk),
}

struct Driver {
    conn: Arc<Conn>,
    env: Arc<EnvShared>,
    stream: Stream,
    /// Made on a write that has to wait, and freed when empty (see
    /// `release_empty_write_queue`): most sockets never queue one, and inline it would
    /// make every connection's task 32 bytes larger.
    writes: Option<Box<WriteQueue>>,
    idle: IdleTimer,
    /// The idle timer's sleep, made when `setTimeout` is first used and moved from then
    /// on (`Sleep::reset`) rather than made again each turn. Boxed for the reason
    /// `sleep_until` gives.
    sleep: Option<Pin<Box<Sleep>>>,
}

/// What ended a wait of the conn task (see `Driver::poll_turn`).
enum Turn {
    Ready(Ready),
    /// A command, credit returned, readStart/readStop, a setTimeout change, or a native
    /// pipe's drain: the next turn looks again.
    Woken,
    Timer,
}

impl Driver {
    /// After the last turn: closes the stream (with RST for `Exit::Reset`) and reports
    /// the socket closed.
    fn finish(self, exit: Exit) {
        let Driver { conn, env, stream, .. } = self;
        if let Exit::Reset = exit {
            // SAFETY: the task still owns `stream`, so its descriptor is open.
            let _ = unsafe { sys::set_linger_zero(stream.os_handle()) };
        }
        // A pipe target is an Arc to another Conn (or to this one: `s.pipe(s)`);
        // dropping it here breaks any cycle.
        conn.unpipe();
        // Unpublish the fd before the stream (and with it the fd) is dropped: from here
        // on the JS thread gets EBADF instead of touching a closed or reused descriptor.
        conn.set_fd(None);
        drop(stream);
        // Commands that came after the last turn (a native pipe's chunks) are dropped,
        // which returns their sources' credit; later ones are refused.
        drop(conn.inbox.close());
        env.remove_conn(conn.id());
        env.sink.push(conn.id(), EventKind::Closed, 0, 0);
    }

    fn has_queued_writes(&self) -> bool {
        self.writes.as_ref().is_some_and(|w| !w.segments.is_empty())
    }

    /// Frees the write queue once it is empty, before the task waits: a queue that
    /// waited once keeps its capacity (four segments, ~400 bytes with the box), and an
    /// idle native-pipe connection (every piped chunk goes through the queue) would hold
    /// it for the rest of its life. Making it again costs two small allocations, on
    /// the next write that has to wait.
    fn release_empty_write_queue(&mut self) {
        if self.writes.as_ref().is_some_and(|w| w.segments.is_empty()) {
            self.writes = None;
        }
    }

    fn queue_write(&mut self, queued: Queued) {
        self.writes.get_or_insert_with(Box::default).segments.push_back(queued);
    }

    async fn drive(&mut self) -> Exit {
        let mut state = ReadWriteState::default();
        loop {
            // Commands first, as they came: a write, then a close, never the other way.
            while let Some(cmd) = self.conn.inbox.next() {
                if let Some(exit) = self.command(cmd, &mut state) {
                    return exit;
                }
            }
            #[cfg(target_os = "linux")]
            self.follow_read_owner();
            let shared = &self.conn.shared;
            let credit = self.conn.read_credit();
            let want_read = !shared.read_done.load(Ordering::Acquire)
                && !shared.js_reads.load(Ordering::Acquire)
                && credit > 0
                && shared.reading.load(Ordering::Acquire)
                && !self.pipe_full();
            self.release_empty_write_queue();
            let want_write = self.has_queued_writes() && !state.write_failed;
            #[cfg(target_os = "linux")]
            self.watch_writes(want_write);
            let timed = self.arm_timer();
            match poll_fn(|cx| self.poll_turn(cx, want_read, want_write, timed)).await {
                Turn::Ready(ready) => {
                    if want_write && ready.is_writable() {
                        self.flush(&mut state);
                    }
                    if want_read && ready.is_readable() {
                        self.read(credit);
                    }
                }
                Turn::Woken => {}
                Turn::Timer => {
                    if let Some(stamp) = self.idle.expired(&self.conn.shared) {
                        self.env.sink.push(self.conn.id(), EventKind::Timeout, stamp_word(stamp), 0);
                    }
                }
            }
            self.maybe_shutdown(&mut state);
        }
    }

    /// Registers the stream for what this task does with it: readiness for reading
    /// and writing, or for writing only while the JS thread reads it (`js_reads`).
    /// Registered for reading, every arrival would wake this thread for nothing, a
    /// thread wake-up per chunk: the cost that reading on the JS thread removes.
    #[cfg(target_os = "linux")]
    fn follow_read_owner(&mut self) {
        let js = self.conn.shared.js_reads.load(Ordering::Acquire);
        if js != self.stream.is_read_by_js() {
            let stream = std::mem::replace(&mut self.stream, Stream::Gone);
            self.stream = match stream.with_reads_on_js_thread(js) {
                Ok(stream) => stream,
                Err(e) => {
                    // The registration failed and took the descriptor with it (tokio
                    // closes it then): unpublish it, and JS hears of a broken socket.
                    self.conn.set_fd(None);
                    self.conn.shared.read_done.store(true, Ordering::Release);
                    self.env.sink.push(self.conn.id(), EventKind::Error, sys::errno_of(&e), Syscall::Read as i32);
                    Stream::Gone
                }
            };
        }
    }

    /// A socket the JS thread reads is in this thread's epoll set only while writes
    /// wait (see `stream::WriteWatch`).
    #[cfg(target_os = "linux")]
    fn watch_writes(&mut self, want: bool) {
        if let Err(e) = self.stream.watch_writes(want) {
            // As in `follow_read_owner`: tokio closed the descriptor on the failure.
            self.conn.set_fd(None);
            self.conn.shared.read_done.store(true, Ordering::Release);
            self.env.sink.push(self.conn.id(), EventKind::Error, sys::errno_of(&e), Syscall::Read as i32);
            self.stream = Stream::Gone;
        }
    }

    /// Points the sleep at the idle timer's deadline; false if there is none.
    fn arm_timer(&mut self) -> bool {
        let Some(ms) = self.idle.deadline(&self.conn.shared) else { return false };
        let at = instant_at_ms(ms);
        match &mut self.sleep {
            Some(sleep) if sleep.deadline() == at => {}
            Some(sleep) => sleep.as_mut().reset(at),
            None => self.sleep = Some(Box::pin(tokio::time::sleep_until(at))),
        }
        true
    }

    /// One wait of the task, polled by hand rather than through `select!` over
    /// futures: the futures would live in the task, and this keeps it small (see the
    /// size test). Biased as `select!` was: readiness, then the wake-up, then the timer.
    fn poll_turn(&mut self, cx: &mut Context<'_>, want_read: bool, want_write: bool, timed: bool) -> Poll<Turn> {
        if want_read || want_write {
            // An error here would come from the registration itself; the next turn's
            // read or write meets the socket's own error instead.
            if let Poll::Ready(Ok(ready)) = self.stream.poll_ready(cx, want_read, want_write) {
                return Poll::Ready(Turn::Ready(ready));
            }
        }
        if self.conn.shared.wake.poll_raised(cx).is_ready() {
            return Poll::Ready(Turn::Woken);
        }
        if let (true, Some(sleep)) = (timed, self.sleep.as_mut()) {
            if sleep.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Turn::Timer);
            }
        }
        Poll::Pending
    }

    fn command(&mut self, cmd: ConnCmd, state: &mut ReadWriteState) -> Option<Exit> {
        match cmd {
            ConnCmd::Close => return Some(Exit::Close),
            ConnCmd::Reset => return Some(Exit::Reset),
            ConnCmd::Write(request) => {
                let total = request.iter().map(|s| s.bytes.len()).sum();
                let last = request.len().saturating_sub(1);
                if request.is_empty() {
                    self.queue_write(Queued { segment: Segment { bytes: WriteBytes::default(), fd: None }, done: Completion::Request(0) });
                }
                for (i, segment) in request.into_iter().enumerate() {
                    let done = if i == last { Completion::Request(total) } else { Completion::Part };
                    self.queue_write(Queued { segment, done });
                }
                if !state.write_failed {
                    self.flush(state);
                }
            }
            ConnCmd::Piped(chunk) => {
                let mut chunk = *chunk;
                if state.write_failed {
                    // Nowhere to go: dropping the chunk returns the source's credit.
                    self.conn.shared.queued_writes.fetch_sub(1, Ordering::AcqRel);
                } else {
                    let bytes = WriteBytes::Owned(chunk.take_bytes());
                    self.queue_write(Queued { segment: Segment { bytes, fd: None }, done: Completion::Piped(chunk) });
                    self.flush(state);
                }
            }
            ConnCmd::Shutdown => state.shutdown_wanted = true,
        }
        self.maybe_shutdown(state);
        None
    }

    /// Writes queued requests until the kernel pushes back.
    fn flush(&mut self, state: &mut ReadWriteState) {
        let Some(writes) = self.writes.as_deref_mut() else { return };
        let (conn, env, stream) = (&self.conn, &self.env, &self.stream);
        // Held while writing: lent bytes live in the env's JS heap (see `write_bytes`).
        let js_memory = env.js_memory();
        if !*js_memory {
            // The env is being torn down and its Buffers with it; teardown closes this
            // socket next. Nothing more is written.
            state.write_failed = true;
            writes.segments.clear();
            writes.offset = 0;
            return;
        }
        loop {
            writes.complete_finished_requests(conn, env);
            let Some(front) = writes.segments.front() else { return };
            #[cfg(target_os = "linux")]
            if let Some(kernel) = front.kernel_pipe() {
                let (kernel, fd, left) = (kernel.clone(), stream.os_handle(), front.len() - writes.offset);
                match stream.try_write_with(|| kernel.drain_to(fd, left)) {
                    Ok(n) => {
                        conn.touch();
                        writes.offset += n;
                        if kernel.drained() {
                            if let Completion::Piped(chunk) = &front.done {
                                chunk.source.shared.wake.raise();
                            }
                        }
                        continue;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        writes.fail(state, conn, env, &e);
                        return;
                    }
                }
            }
            let result = if let (Some(pass), 0) = (&front.segment.fd, writes.offset) {
                // A descriptor goes alone with its segment, so it reaches the peer with
                // exactly the bytes it was written with.
                write_passing_fd(stream, front.segment.bytes.as_slice(), pass)
            } else {
                let mut slices = Vec::with_capacity(WRITEV_SLICES.min(writes.segments.len()));
                for (i, q) in writes.segments.iter().take(WRITEV_SLICES).enumerate() {
                    if i > 0 && (q.segment.fd.is_some() || q.len() != q.segment.bytes.len()) {
                        break; // a descriptor to pass, or a spliced chunk: next round
                    }
                    let start = if i == 0 { writes.offset } else { 0 };
                    slices.push(IoSlice::new(&q.segment.bytes.as_slice()[start..]));
                }
                stream.try_write_vectored(&slices)
            };
            match result {
                Ok(n) => {
                    conn.touch();
                    if let Some(front) = writes.segments.front_mut() {
                        // Sent: the kernel holds the descriptor now; close our duplicate.
                        front.segment.fd = None;
                    }
                    writes.offset += n;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    writes.fail(state, conn, env, &e);
                    return;
                }
            }
        }
    }

    fn read(&mut self, credit: usize) {
        // Held across the reads: the pipe is switched on or off between two reads,
        // never during one (see `pipe`).
        let conn = self.conn.clone();
        let mut route = conn.pipe_guard();
        if let Some(route) = route.as_mut() {
            #[cfg(target_os = "linux")]
            if let Some(kernel) = self.kernel_pipe(route) {
                return self.read_spliced(&route.dest, &kernel, credit);
            }
            return self.read_piped(&route.dest, credit);
        }
        let id = self.conn.id();
        let mut fds = Vec::new();
        self.read_turn(credit, READ_CHUNK, |d, want| {
            let stream = &d.stream;
            // Descriptors come before the bytes they were sent with (read_into orders
            // the records so).
            let n = d.env.sink.read_into(id, want, &mut fds, |buf, fds| stream.try_read(buf, fds))?;
            d.conn.shared.inflight.fetch_add(n, Ordering::AcqRel);
            Ok(n)
        });
    }

    /// One turn of reads (at most READS_PER_TURN, under `credit`), wherever the bytes
    /// go. `read_one` reads at most `want` bytes, counts them in flight and hands them
    /// on, and returns how many (0 at EOF); WouldBlock ends the turn. EOF, errors, the
    /// credit and the stop after a short read are dealt with here, once.
    fn read_turn(
        &self,
        credit: usize,
        max_chunk: usize,
        mut read_one: impl FnMut(&Self, usize) -> io::Result<usize>,
    ) {
        let id = self.conn.id();
        let mut credit = credit;
        for _ in 0..READS_PER_TURN {
            // readStop from JS (pause, back-pressure): not one more read, and above all
            // not one more byte to a native pipe's destination. Nor once the JS thread
            // has taken the reads over (`js_reads`).
            if !self.conn.shared.reading.load(Ordering::Acquire) || self.conn.shared.js_reads.load(Ordering::Acquire) {
                return;
            }
            let want = credit.min(max_chunk);
            match read_one(self, want) {
                Ok(0) => {
                    self.conn.shared.read_done.store(true, Ordering::Release);
                    self.env.sink.push(id, EventKind::Eof, 0, 0);
                    return;
                }
                Ok(n) => {
                    self.conn.touch();
                    credit -= n;
                    // A short read means the kernel buffer is empty for now.
                    if n < want || credit == 0 {
                        return;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.conn.shared.read_done.store(true, Ordering::Release);
                    self.env.sink.push(id, EventKind::Error, sys::errno_of(&e), Syscall::Read as i32);
                    return;
                }
            }
        }
    }

    /// The kernel pipe for this route, made on first use: for TCP sources only (see
    /// `splice`), and not once broken. `None` means the buffer path.
    #[cfg(target_os = "linux")]
    fn kernel_pipe(&self, route: &mut crate::pipe::PipeRoute) -> Option<Arc<KernelPipe>> {
        if !matches!(self.stream, Stream::Tcp(_)) {
            return None;
        }
        // A connection that has moved little so far (a request, a handshake, a churn of
        // short exchanges) is not worth a pipe2 and a 256 KiB pipe buffer.
        if route.kernel.is_none() && self.conn.piped_in() < SPLICE_AFTER {
            return None;
        }
        if route.kernel.is_none() {
            route.kernel = Some(Arc::new(KernelPipe::new().ok()?));
        }
        let kernel = route.kernel.as_ref()?;
        (!kernel.broken.load(Ordering::Acquire)).then(|| kernel.clone())
    }

    /// Reads for a native pipe on Linux: splices each chunk into the kernel pipe and
    /// sends `dest` only its length. Credit as for the buffer path.
    #[cfg(target_os = "linux")]
    fn read_spliced(&mut self, dest: &Arc<Conn>, kernel: &Arc<KernelPipe>, credit: usize) {
        let fd = self.stream.os_handle();
        self.read_turn(credit, SPLICE_CHUNK, |d, want| {
            let mut pipe_full = false;
            let mut transient = false;
            let mut drained = None;
            let result = d.stream.try_read_with(|| match kernel.fill_from(fd, want) {
                // A short splice that left the socket empty: its readiness is cleared
                // here, as `read_clearing_when_drained` does for reads. Otherwise the
                // next turn would splice once more only to hear EAGAIN (and ask
                // FIONREAD why), once per arrival. Short with bytes left means the pipe
                // had no room for more: readiness stays.
                Ok(n) if n > 0 && n < want && !splice::has_pending_input(fd) => {
                    drained = Some(n);
                    Err(io::ErrorKind::WouldBlock.into())
                }
                // The socket has bytes, so it is not empty: not a reason to forget its
                // readiness. Either the pipe is full (it holds bytes the destination
                // will drain, and wake us), or it was a passing state of the socket
                // (bytes arriving as splice ran), which the next turn retries.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock && splice::has_pending_input(fd) => {
                    if kernel.has_bytes() {
                        pipe_full = true;
                    } else {
                        transient = true;
                    }
                    Err(io::Error::other("kernel pipe full"))
                }
                other => other,
            });
            let n = if let Some(n) = drained {
                n
            } else if transient {
                return Err(io::ErrorKind::WouldBlock.into());
            } else if pipe_full {
                // Wait for `dest` to drain (it clears `full` and wakes this task); one
                // more try closes the race with a drain that came in between.
                kernel.full.store(true, Ordering::Release);
                let n = kernel.fill_from(fd, want).map_err(|_| io::Error::from(io::ErrorKind::WouldBlock))?;
                kernel.full.store(false, Ordering::Release);
                n
            } else {
                result?
            };
            if n > 0 {
                d.conn.shared.inflight.fetch_add(n, Ordering::AcqRel);
                // If `dest` is gone the chunk is dropped: the pipe is marked broken and
                // the next read goes the buffer path (see `splice`).
                if dest.send_piped(PipedChunk::spliced(n, d.conn.clone(), kernel.clone())).is_ok() {
                    d.conn.shared.piped_in.fetch_add(n as u64, Ordering::Relaxed);
                }
            }
            Ok(n)
        });
    }

    /// Whether reading must wait for the kernel pipe to drain (Linux native pipe).
    fn pipe_full(&self) -> bool {
        #[cfg(target_os = "linux")]
        if let Some(route) = self.conn.pipe_guard().as_ref() {
            if let Some(kernel) = &route.kernel {
                return kernel.full.load(Ordering::Acquire) && !kernel.broken.load(Ordering::Acquire);
            }
        }
        false
    }

    /// Reads for a native pipe: each chunk goes to `dest`'s task instead of the event
    /// batch, under the same read credit (returned when `dest` has written it).
    fn read_piped(&mut self, dest: &Arc<Conn>, credit: usize) {
        let id = self.conn.id();
        let mut fds = Vec::new();
        self.read_turn(credit, READ_CHUNK, |d, want| {
            let mut buf = Vec::with_capacity(want);
            let result = d.stream.try_read(&mut buf.spare_capacity_mut()[..want], &mut fds);
            // Descriptors are not piped: they still go to JS, as the 'fd' event.
            d.env.sink.push_fds(id, &mut fds);
            let n = result?;
            if n > 0 {
                // SAFETY: the read initialized `n` bytes of the reserved capacity.
                unsafe { buf.set_len(n) };
                d.conn.shared.inflight.fetch_add(n, Ordering::AcqRel);
                match dest.send_piped(PipedChunk::new(buf, d.conn.clone())) {
                    Ok(()) => {
                        d.conn.shared.piped_in.fetch_add(n as u64, Ordering::Relaxed);
                    }
                    // The destination closed: the bytes go to JS instead, as data, so
                    // none is lost (JS unpipes on the close).
                    Err(Some(chunk)) => d.env.sink.push_data(id, &chunk.into_unsent()),
                    Err(None) => {}
                }
            }
            Ok(n)
        });
    }

    /// Match node:net: `end()` shuts the write side down only after every queued byte
    /// is out, and its callback waits for the shutdown.
    fn maybe_shutdown(&mut self, state: &mut ReadWriteState) {
        if !state.shutdown_wanted || state.shutdown_done || self.has_queued_writes() {
            return;
        }
        state.shutdown_done = true;
        // SAFETY: the task owns `stream`, so its descriptor is open.
        let errno = if !self.stream.is_socket() {
            0 // a pipe has no half-close; ending it means closing it, which close does
        } else {
            match unsafe { sys::shutdown_write(self.stream.os_handle()) } {
                Ok(()) => 0,
                Err(e) => sys::errno_of(&e),
            }
        };
        self.env.sink.push(self.conn.id(), EventKind::ShutdownDone, errno, 0);
    }
}

#[derive(Default)]
struct ReadWriteState {
    write_failed: bool,
    shutdown_wanted: bool,
    shutdown_done: bool,
}

#[cfg(test)]
mod tests {
    /// The size of what `f` returns, without calling it.
    fn returned_size<A, B, C, R>(_: fn(A, B, C) -> R) -> usize {
        std::mem::size_of::<R>()
    }

    /// What an idle connection costs the reactor is mostly its task, so the size of
    /// the futures is watched. History: 1,072 bytes before the readiness futures were
    /// merged into one and the sleep boxed; 696 before readiness and wake-ups were
    /// polled instead of awaited as futures with waiter nodes, and before the
    /// async-fn argument copies went; 352 before one hand-polled wait replaced
    /// `select!` and writes made before 'connect' stayed in the inbox; 240 before the
    /// driver owned what it drives, the write queue was boxed on first use and the
    /// idle timer became one word. tokio allocates the future in a 128-aligned cell:
    /// a 32-byte header, the future plus 24 bytes, a 48-byte trailer. At 152 bytes
    /// the cell is 256 bytes; one byte more and it is 384. A change that grows it
    /// past the bound should say why.
    #[test]
    fn a_connection_task_stays_small() {
        let serving = returned_size(super::serve);
        assert!(serving <= 152, "an open socket's task future is {serving} bytes");
        // Only while connecting: serving is then a task of its own.
        let connecting = returned_size(super::connect_then_serve);
        assert!(connecting <= 200, "a connecting socket's task future is {connecting} bytes");
    }
}
