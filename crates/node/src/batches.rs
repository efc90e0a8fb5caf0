//! Taking event batches into JS. `pollInto` runs once per batch, so it is a plain
//! Node-API call (`raw_call`); `takeData` and `takeBatch` hand over what did not fit
//! JS's arrays, which only large batches have, and are napi-rs functions.

use std::cell::RefCell;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::raw_call::{BadArgument, Body, Call, Ret};
use crate::thread_env;

/// Set in `pollInto`'s answer when the records were copied but the data was too large
/// for JS's shared buffer and waits for `takeData` (src/dispatch.ts knows it too).
#[napi]
pub const DATA_APART: i32 = 1 << 30;

/// One taken event batch: `records` holds 4 int32 words per event (see
/// `crates/reactor/src/event.rs`), `data` the payload bytes of the `Data` events.
#[napi(object)]
pub struct EventBatch {
    pub records: Int32Array,
    pub data: Option<Buffer>,
}

/// What the last `pollInto` left for `takeData` or `takeBatch`, on this JS thread.
#[derive(Default)]
struct Left {
    data: Option<Vec<u8>>,
    batch: Option<rsnet_reactor::Batch>,
}

thread_local! {
    static LEFT: RefCell<Left> = RefCell::new(Left::default());
}

/// `pollInto(records, data)`: takes the pending batch into JS's own `records`
/// (Int32Array) and `data` (Buffer), which JS allocates once: most batches (a few
/// events, a few KiB) then cost no allocation on either side. Returns the number of
/// record words copied, with `DATA_APART` set if the data did not fit (bulk reads:
/// `takeData()` hands it over without a copy); 0 if nothing is pending; -1 if not even
/// the records fit (thousands of events), and `takeBatch()` hands over the whole batch.
fn poll_into(call: &Call) -> std::result::Result<Ret, BadArgument> {
    // SAFETY: the only views of these two arguments during this call.
    let words = unsafe { call.int32s_mut(0)? };
    let data = unsafe { call.bytes_mut(call.arg(1)?)? };
    let Some(mut batch) = thread_env::with(|env| env.take_batch()) else { return Ok(Ret::Int(0)) };
    if batch.is_empty() {
        return Ok(Ret::Int(0));
    }
    let n = batch.records.len();
    if n > words.len() || n >= DATA_APART as usize {
        let _ = LEFT.try_with(|left| left.borrow_mut().batch = Some(batch));
        return Ok(Ret::Int(-1));
    }
    words[..n].copy_from_slice(&batch.records);
    let mut result = n as i32;
    if batch.data.len() <= data.len() {
        data[..batch.data.len()].copy_from_slice(&batch.data);
    } else {
        // Bulk reads: the data goes over whole, without a copy (`takeData`), and the
        // records still need no allocation.
        let bytes = std::mem::take(&mut batch.data);
        let _ = LEFT.try_with(|left| left.borrow_mut().data = Some(bytes));
        result |= DATA_APART;
    }
    thread_env::with(|env| env.recycle_batch(batch));
    Ok(Ret::Int(result))
}

/// The calls, by the names JS knows them by.
pub const CALLS: &[(&std::ffi::CStr, Body)] = &[(c"pollInto", poll_into)];

/// The data of the last `pollInto` that answered with `DATA_APART`, as one Buffer made
/// from the reactor's own memory (no copy), or null.
#[napi(js_name = "takeData", catch_unwind)]
pub fn take_data() -> Option<Buffer> {
    let bytes = LEFT.try_with(|left| left.borrow_mut().data.take()).ok().flatten()?;
    Some(Buffer::from(bytes))
}

/// The batch `pollInto` could not fit, or null.
#[napi(js_name = "takeBatch", catch_unwind)]
pub fn take_batch() -> Option<EventBatch> {
    let batch = LEFT.try_with(|left| left.borrow_mut().batch.take()).ok().flatten()?;
    let data = if batch.data.is_empty() { None } else { Some(Buffer::from(batch.data)) };
    Some(EventBatch { records: Int32Array::new(batch.records), data })
}
