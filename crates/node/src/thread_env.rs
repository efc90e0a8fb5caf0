//! This JS thread's reactor env, for the plain Node-API calls (`raw_call`), which have
//! no `Binding` receiver to find it through. Each env lives on one thread (the main
//! thread, or a worker's), and `Binding::new` runs once on it.

use std::cell::RefCell;
use std::sync::Arc;

use rsnet_reactor::Env as ReactorEnv;

thread_local! {
    static ENV: RefCell<Option<Arc<ReactorEnv>>> = const { RefCell::new(None) };
}

/// Records this thread's env.
pub fn set(env: Arc<ReactorEnv>) {
    // `try_with`: a thread being torn down has nothing left to record it in.
    let _ = ENV.try_with(|e| *e.borrow_mut() = Some(env));
}

/// Runs `f` on this thread's env, or returns `None` before `Binding::new` ran.
pub fn with<T>(f: impl FnOnce(&ReactorEnv) -> T) -> Option<T> {
    ENV.try_with(|e| e.borrow().as_deref().map(f)).ok().flatten()
}
