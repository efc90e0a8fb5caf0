//! The JS thread's sockets by id: what the socket calls (`socket_calls`,
//! `socket_rare_calls`) find a `Conn` by. JS holds a socket by its id alone, a number;
//! no object wraps it.
//!
//! An entry is made when JS takes a socket (an accepted connection, `connect`,
//! `adopt`) and removed when JS closes it (`close`, `reset`) or lets go of one the
//! reactor already closed (`forget`); JS makes no call for the id after that. So a
//! call for a socket JS still holds always finds it, and a wrong or stale id finds
//! nothing. This table holds one `Arc`; the conn task holds its own while the
//! connection is open, so closing here never cuts a connection short.
//!
//! Why not an object per socket (a napi-rs class instance, as before): making one cost
//! ~4.5 µs per connection (the instance, its wrap and finalizer, napi-rs's class
//! registry), and every method call ~0.6 µs of napi-rs glue; a weak handle per socket
//! also slows V8's garbage collection. node:net's sockets have the same explicit
//! lifetime: a libuv handle lives until it is closed, not until it is collected.
//!
//! Thread-local because every env lives on one thread and only that thread calls in;
//! ids are unique across the process (`EnvShared::next_id`), so two envs on one thread
//! would not collide either. Entries left when a thread ends (a worker torn down with
//! sockets open, which its env's teardown closes) go with the thread.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use rsnet_reactor::Conn;

use crate::thread_env;

/// Ids are small sequential integers: a multiplicative hash spreads them over the
/// table's buckets (hashbrown picks by the top bits) for a fraction of SipHash's cost,
/// and nothing here is keyed by untrusted input that could aim for collisions.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, id: u32) {
        self.0 = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type Table = HashMap<u32, Arc<Conn>, BuildHasherDefault<IdHasher>>;

thread_local! {
    static CONNS: RefCell<Table> = RefCell::new(Table::default());
}

/// JS takes `conn`; returns its id.
pub fn insert(conn: Arc<Conn>) -> u32 {
    let id = conn.id();
    // `try_with`: a thread being torn down has no table left to keep.
    let _ = CONNS.try_with(|t| t.borrow_mut().insert(id, conn));
    id
}

/// JS takes the connection an `Accepted` event announced; false if it is already gone.
pub fn accept(id: u32) -> bool {
    thread_env::with(|env| env.accepted(id)).flatten().map(insert).is_some()
}

/// JS lets go of socket `id` (it closed it, or the reactor did).
pub fn remove(id: u32) -> Option<Arc<Conn>> {
    CONNS.try_with(|t| t.borrow_mut().remove(&id)).ok().flatten()
}

/// Runs `f` on socket `id`, or returns `None` if JS holds none by that id. `f` must
/// not call into JS (nothing in `Conn` does), since the table is borrowed meanwhile.
pub fn with<T>(id: u32, f: impl FnOnce(&Arc<Conn>) -> T) -> Option<T> {
    CONNS.try_with(|t| t.borrow().get(&id).map(f)).ok().flatten()
}

/// How many sockets JS holds on this thread (for leak checks in tests).
pub fn len() -> usize {
    CONNS.try_with(|t| t.borrow().len()).unwrap_or(0)
}
