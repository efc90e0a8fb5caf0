//! End-of-stdin as the signal to finish, as the benchmark's servers use it.
//!
//! The runner closes a helper's stdin to tell it to stop, and if the runner dies the
//! pipe closes all the same, so nothing outlives it. Reading stdin blocks, so it gets a
//! thread of its own that sleeps in `read(2)` and costs nothing: the runtime itself
//! stays single-threaded, and the tokio `io-std` feature is not needed for one read.

use std::io::Read;

use tokio::sync::oneshot;

/// Resolves once stdin reaches end-of-file or fails.
pub fn closed() -> oneshot::Receiver<()> {
    let (tx, rx) = oneshot::channel();
    std::thread::Builder::new()
        .name("stdin-watch".into())
        .spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut buf = [0u8; 256];
            while let Ok(n) = stdin.read(&mut buf) {
                if n == 0 {
                    break;
                }
            }
            let _ = tx.send(());
        })
        .expect("cannot start the stdin watcher thread");
    rx
}
