//! `ServerHandle`: the JS-side owner of a reactor `Listener`. Dropping the JS object
//! does not close anything (JS closes explicitly, as node:net's handles do). Sockets
//! have no such object: JS holds them by id (see `conn_table`).

use std::sync::Arc;

use napi_derive::napi;
use rsnet_reactor::Listener;

use crate::addr::{to_js, AddressInfo};

#[napi]
pub struct ServerHandle {
    listener: Arc<Listener>,
}

impl ServerHandle {
    pub fn new(listener: Arc<Listener>) -> Self {
        ServerHandle { listener }
    }
}

#[napi]
impl ServerHandle {
    #[napi(getter)]
    pub fn id(&self) -> u32 {
        self.listener.id()
    }

    #[napi(catch_unwind)]
    pub fn close(&self) {
        self.listener.close();
    }

    #[napi(catch_unwind)]
    pub fn address(&self) -> Option<AddressInfo> {
        self.listener.local_addr().ok().map(to_js)
    }

    /// The listening descriptor while open, else -1 (to pass it to another process).
    #[napi(getter)]
    pub fn fd(&self) -> i32 {
        self.listener.js_fd().unwrap_or(-1)
    }
}
