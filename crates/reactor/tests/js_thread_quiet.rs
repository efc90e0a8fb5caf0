//! A socket the JS thread reads and writes itself costs the reactor threads nothing:
//! no wake-up of theirs per message. Counted, not timed: the reactor threads' context
//! switches (`/proc/self/task/*/status`) over a Unix-socket and a TCP ping-pong.
//!
//! Why a test: an edge-triggered registration for writability wakes the reactor each
//! time the socket's send space grows, which on a Unix socket is every time the peer
//! reads. That cost a wake-up per message, 4.4 µs of CPU over node:net's 28.6 on the
//! 64-byte Unix ping-pong, and showed in no functional test.
#![cfg(target_os = "linux")]

use std::io::{Read, Write};
use std::os::unix::net::UnixListener;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use rsnet_reactor::{ConnectTarget, Env, EventKind, Poller, Wake, WriteOutcome, RECORD_WORDS};

const ROUND_TRIPS: usize = 2_000;

#[derive(Default)]
struct Signal {
    count: Mutex<u64>,
    cond: Condvar,
}

impl Wake for Signal {
    fn wake(&self) {
        *self.count.lock().unwrap() += 1;
        self.cond.notify_all();
    }
}

/// Waits (bounded) for the event batch to hold an event of `kind`.
fn until_event(env: &Env, signal: &Signal, kind: EventKind) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let batch = env.take_batch();
        if batch.records.chunks(RECORD_WORDS).any(|r| r[1] == kind as i32) {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {kind:?}");
        let guard = signal.count.lock().unwrap();
        let _ = signal.cond.wait_timeout(guard, Duration::from_millis(20)).unwrap();
    }
}

/// Context switches of the reactor's threads so far.
fn reactor_switches() -> u64 {
    let mut total = 0;
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim() != "rsnet-reactor" {
            continue;
        }
        let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
        total += status
            .lines()
            .filter(|l| l.starts_with("voluntary_ctxt_switches") || l.starts_with("nonvoluntary_ctxt_switches"))
            .filter_map(|l| l.split_whitespace().last()?.parse::<u64>().ok())
            .sum::<u64>();
    }
    total
}

/// Ping-pong of 64-byte messages between a peer and a socket that the test thread
/// reads (through a `Poller`, as the binding does) and writes; returns the reactor
/// threads' context switches during it.
fn ping_pong(env: &Env, conn: &rsnet_reactor::Conn, peer: &mut dyn ReadWrite) -> u64 {
    let mut poller = Poller::new().unwrap();
    assert!(poller.start(conn), "the JS thread takes the reads");
    let mut ids = Vec::new();
    let mut buf = vec![std::mem::MaybeUninit::<u8>::uninit(); rsnet_reactor::READ_CHUNK];
    let message = [7u8; 64];
    let mut echo = [0u8; 64];
    let before = reactor_switches();
    for _ in 0..ROUND_TRIPS {
        assert!(matches!(conn.write(&[&message]).unwrap(), WriteOutcome::Done), "a small write goes straight out");
        peer.read_exact(&mut echo).unwrap();
        peer.write_all(&echo).unwrap();
        let mut got = 0;
        while got < message.len() {
            let mut pfd = libc::pollfd { fd: poller.raw_fd(), events: libc::POLLIN, revents: 0 };
            // SAFETY: one valid pollfd.
            assert_eq!(unsafe { libc::poll(&mut pfd, 1, 10_000) }, 1, "the poller reports the socket");
            poller.ready(&mut ids);
            for _ in &ids {
                let read = env.read_for_js(conn, &mut buf, poller.hung_up(conn.id()));
                got += read.bytes;
                poller.after_read(conn, read);
            }
        }
        // What the binding does once JS has the bytes: the credit comes back.
        let _ = env.take_batch();
        conn.consumed(got);
        poller.consumed(conn);
    }
    reactor_switches() - before
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// Far fewer than one per message. Registered for writability throughout, as before,
/// the Unix ping-pong here made 520 (wake-ups coalesce when the messages come this
/// fast; under a real peer it is one per message).
const MOST_SWITCHES: u64 = (ROUND_TRIPS / 20) as u64;

/// One test, the two kinds one after the other: the reactor threads of every Env in
/// the process are counted, so two tests at once would count each other's.
#[test]
fn a_socket_read_and_written_by_js_wakes_no_reactor_thread() {
    unix_ping_pong();
    tcp_ping_pong();
}

fn unix_ping_pong() {
    let signal = Arc::new(Signal::default());
    let env = Env::new(Box::new(signal.clone()));
    let dir = std::env::temp_dir().join(format!("rsnet-quiet-{}", std::process::id()));
    let _ = std::fs::remove_file(&dir);
    let listener = UnixListener::bind(&dir).unwrap();
    let conn = env.connect(ConnectTarget::Path { path: dir.to_str().unwrap().to_owned() });
    let (mut peer, _) = listener.accept().unwrap();
    until_event(&env, &signal, EventKind::Connected);
    let switches = ping_pong(&env, &conn, &mut peer);
    assert!(switches <= MOST_SWITCHES, "Unix: {switches} reactor context switches over {ROUND_TRIPS} round trips");
    conn.close();
    let _ = std::fs::remove_file(&dir);
}

fn tcp_ping_pong() {
    let signal = Arc::new(Signal::default());
    let env = Env::new(Box::new(signal.clone()));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let conn = env.connect(ConnectTarget::Tcp { addr: listener.local_addr().unwrap(), local: None });
    let (mut peer, _) = listener.accept().unwrap();
    until_event(&env, &signal, EventKind::Connected);
    let switches = ping_pong(&env, &conn, &mut peer);
    assert!(switches <= MOST_SWITCHES, "TCP: {switches} reactor context switches over {ROUND_TRIPS} round trips");
    conn.close();
}
