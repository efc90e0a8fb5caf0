//! The idle timer behind `socket.setTimeout()`, owned by the conn task.
//!
//! Match node:net: 'timeout' fires once when the socket has been idle (no read, write
//! or connect) for the set time, and again only after new activity has been followed
//! by another idle period. Activity is an atomic timestamp that both threads stamp, so
//! a write on the JS thread postpones the timer without a message to the reactor.

use std::sync::atomic::Ordering;

use crate::conn::Shared;
use crate::runtime::now_ms;

#[derive(Default)]
pub(crate) struct IdleTimer {
    /// The activity stamp the last 'timeout' was reported for.
    fired_for: Option<u64>,
}

/// `Shared::armed_deadline` when the task sleeps with no deadline.
pub(crate) const NOT_ARMED: u64 = u64::MAX;

impl IdleTimer {
    /// `deadline`, published in `shared.armed_deadline` before the task sleeps on it,
    /// so that `Conn::set_timeout` can tell whether the task must be woken.
    ///
    /// Why the loop: JS may change the timeout between the read and the publish. The
    /// second read sees any change made before the publish; a change made after it
    /// sees the published deadline (both sides are SeqCst) and wakes the task if it is
    /// too late. A newer activity stamp only moves the deadline later, which needs no
    /// wake-up: the task wakes early, finds the socket was active, and sleeps again.
    pub fn arm(&self, shared: &Shared) -> Option<u64> {
        loop {
            let timeout = shared.timeout_ms.load(Ordering::SeqCst);
            let deadline = self.deadline(shared);
            shared.armed_deadline.store(deadline.unwrap_or(NOT_ARMED), Ordering::SeqCst);
            if shared.timeout_ms.load(Ordering::SeqCst) == timeout {
                return deadline;
            }
        }
    }

    /// When the task should next look at the timer, in `now_ms` units.
    fn deadline(&self, shared: &Shared) -> Option<u64> {
        let timeout = shared.timeout_ms.load(Ordering::Acquire);
        if timeout == 0 {
            return None;
        }
        let activity = shared.activity.load(Ordering::Acquire);
        if self.fired_for == Some(activity) {
            // Already reported this idle period: look again a period later, by when
            // any new activity will have moved the stamp.
            Some(now_ms() + timeout)
        } else {
            Some(activity + timeout)
        }
    }

    /// True once per idle period, when it has lasted the full timeout.
    pub fn expired(&mut self, shared: &Shared) -> bool {
        let timeout = shared.timeout_ms.load(Ordering::Acquire);
        if timeout == 0 {
            return false;
        }
        let activity = shared.activity.load(Ordering::Acquire);
        if self.fired_for == Some(activity) || now_ms() < activity + timeout {
            return false;
        }
        self.fired_for = Some(activity);
        true
    }
}
