//! The idle timer behind `socket.setTimeout()`, owned by the conn task.
//!
//! Match node:net: 'timeout' fires once when the socket has been idle (no read, write
//! or connect) for the set time, and again only after new activity has been followed
//! by another idle period. Activity is an atomic timestamp that both threads stamp, so
//! a write on the JS thread postpones the timer without a message to the reactor.

use std::sync::atomic::Ordering;

use crate::conn::Shared;
use crate::runtime::now_ms;

pub(crate) struct IdleTimer {
    /// The activity stamp the last 'timeout' was reported for, or `NEVER`. A plain
    /// `u64`, not an `Option`: it lives in every connection's task, and the task's size
    /// decides the size of tokio's allocation for it (see conn_task's size test).
    fired_for: u64,
}

/// No 'timeout' reported yet: a stamp `now_ms` does not reach.
const NEVER: u64 = u64::MAX;

impl Default for IdleTimer {
    fn default() -> IdleTimer {
        IdleTimer { fired_for: NEVER }
    }
}

impl IdleTimer {
    /// When the task should next look at the timer, in `now_ms` units.
    pub fn deadline(&self, shared: &Shared) -> Option<u64> {
        let timeout = shared.timeout_ms.load(Ordering::Acquire);
        if timeout == 0 {
            return None;
        }
        let activity = shared.activity.load(Ordering::Acquire);
        if self.fired_for == activity {
            // Already reported this idle period: look again a period later, by when
            // any new activity will have moved the stamp.
            Some(now_ms() + timeout)
        } else {
            Some(activity + timeout)
        }
    }

    /// Once per idle period, when it has lasted the full timeout: the activity stamp
    /// the period began with (see `stamp_word`).
    pub fn expired(&mut self, shared: &Shared) -> Option<u64> {
        let timeout = shared.timeout_ms.load(Ordering::Acquire);
        if timeout == 0 {
            return None;
        }
        let activity = shared.activity.load(Ordering::Acquire);
        if self.fired_for == activity || now_ms() < activity + timeout {
            return None;
        }
        self.fired_for = activity;
        Some(activity)
    }
}

/// An activity stamp as the `Timeout` event carries it, and as `Conn::activity_word`
/// reports the current one: its low 32 bits. Match node:net: a timer callback checks
/// that the socket has really been idle all along, and JS makes the same check when the
/// event arrives (a write or setTimeout from JS may have come after the reactor
/// decided); stamps a multiple of 2^32 ms apart do not occur in one idle period.
pub(crate) fn stamp_word(stamp: u64) -> i32 {
    stamp as u32 as i32
}
