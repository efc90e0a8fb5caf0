//! A conn task's inbox: what the JS thread (or a native pipe's source) asks of it, in
//! order.
//!
//! Why not tokio's mpsc channel: an unbounded channel allocates its shared state (with
//! cache-padded fields) and a first block of 32 slots when it is made, about 1.3 KiB
//! per socket, which was the largest part of what an idle connection cost the reactor.
//! Most sockets get few commands (a write the kernel takes at once never queues one),
//! so a queue that allocates on first use behind a lock nobody holds for long, plus the
//! conn's existing `wake`, does the same job.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};


use crate::conn::ConnCmd;
use crate::signal::Signal;

#[derive(Default)]
pub(crate) struct Inbox {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    queue: VecDeque<ConnCmd>,
    /// The task has ended: nothing sent now would ever be seen.
    closed: bool,
}

impl Inbox {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means a panic elsewhere mid-push; the queue is intact.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `cmd` and wakes the task through `wake` (the conn's `Signal`, which stays
    /// raised if the task is not waiting yet, so no wake-up is lost). Gives `cmd`
    /// back if the task has ended.
    pub(crate) fn send(&self, cmd: ConnCmd, wake: &Signal) -> Result<(), ConnCmd> {
        {
            let mut state = self.lock();
            if state.closed {
                return Err(cmd);
            }
            state.queue.push_back(cmd);
        }
        wake.raise();
        Ok(())
    }

    /// Whether a close (or reset) is queued. A connecting socket's task asks this
    /// instead of taking commands: writes queued before 'connect' stay where they are,
    /// in order, for the task to take once connected.
    pub(crate) fn holds_close(&self) -> bool {
        self.lock().queue.iter().any(|cmd| matches!(cmd, ConnCmd::Close | ConnCmd::Reset))
    }

    /// The oldest command, if any. Finding none, frees the queue's room: a queue that
    /// held commands once would otherwise keep it for the socket's life (a natively
    /// piped socket gets one per chunk), and most of an idle connection's life is
    /// spent with nothing queued. Making it again is one small allocation.
    pub(crate) fn next(&self) -> Option<ConnCmd> {
        let mut state = self.lock();
        let cmd = state.queue.pop_front();
        if cmd.is_none() && state.queue.capacity() > 0 {
            state.queue = VecDeque::new();
        }
        cmd
    }

    /// For the task as it ends: refuses every later command, and hands back those
    /// still queued, to be dropped by the caller outside the lock (dropping a native
    /// pipe's chunk returns its source's credit).
    pub(crate) fn close(&self) -> VecDeque<ConnCmd> {
        let mut state = self.lock();
        state.closed = true;
        std::mem::take(&mut state.queue)
    }
}
