//! A wake-up for one task that remembers a wake-up given while nobody waited: a conn
//! task's, and a listener's accept task's.
//!
//! Why not tokio's `Notify`: its `notified()` future carries an intrusive waiter node
//! (64 bytes) that lives inside whatever awaits it. Every connection's task awaits its
//! conn's wake-up, so that node was part of what each idle socket cost. A conn has
//! exactly one waiter, its own task, so one stored `Waker` does the same job and the
//! waiting future is a reference.

use std::future::poll_fn;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

#[derive(Default)]
pub(crate) struct Signal {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Raised and not yet seen by the task: the next wait returns at once, as a
    /// `Notify` permit does, so a raise just before the task waits is never lost.
    raised: bool,
    /// The task's waker, stored by a wait that found nothing raised.
    waiter: Option<Waker>,
}

impl Signal {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing under this lock can panic midway; a poisoned state is still whole.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes the task (now, or at its next wait).
    pub fn raise(&self) {
        let waiter = {
            let mut state = self.lock();
            state.raised = true;
            state.waiter.take()
        };
        // Woken outside the lock: waking may run the task's scheduling code.
        if let Some(waker) = waiter {
            waker.wake();
        }
    }

    /// Ready once raised since the last time it was ready; lowers it again.
    pub fn poll_raised(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.lock();
        if state.raised {
            state.raised = false;
            return Poll::Ready(());
        }
        match &state.waiter {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => state.waiter = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// Waits until raised (see `poll_raised`).
    pub async fn raised(&self) {
        poll_fn(|cx| self.poll_raised(cx)).await
    }
}

#[cfg(test)]
mod tests {
    use super::Signal;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};

    #[derive(Default)]
    struct CountingWaker(AtomicUsize);
    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A signal and a waker that counts its wake-ups.
    fn setup() -> (Signal, Arc<CountingWaker>, Waker) {
        let counter = Arc::new(CountingWaker::default());
        let waker = Waker::from(counter.clone());
        (Signal::default(), counter, waker)
    }

    #[test]
    fn a_raise_before_the_wait_is_kept_and_seen_once() {
        let (signal, counter, waker) = setup();
        let mut cx = Context::from_waker(&waker);
        signal.raise();
        signal.raise();
        assert_eq!(signal.poll_raised(&mut cx), Poll::Ready(()));
        assert_eq!(signal.poll_raised(&mut cx), Poll::Pending);
        assert_eq!(counter.0.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn a_raise_while_waiting_wakes_the_waiter() {
        let (signal, counter, waker) = setup();
        let mut cx = Context::from_waker(&waker);
        assert_eq!(signal.poll_raised(&mut cx), Poll::Pending);
        signal.raise();
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert_eq!(signal.poll_raised(&mut cx), Poll::Ready(()));
    }
}
