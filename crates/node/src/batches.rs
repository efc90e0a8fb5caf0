//! Taking event batches into JS. `pollInto` runs once per batch and `copyData` once per
//! chunk of a bulk batch, so both are plain Node-API calls (`raw_call`); `takeBatch`
//! hands over the records of a batch too large for JS's array, which only thousands
//! of events at once make, and is a napi-rs function.
//!
//! Every `'data'` chunk JS makes owns exactly its bytes (Match node:net: each of its
//! reads is a Buffer of its own). A chunk is never a view into a batch: a chunk the
//! application keeps, or a write still queued with it, would otherwise keep the whole
//! batch (256 KiB and more) alive until V8 collected it. The batch's buffer stays here
//! and is handed back to the reactor for its next batch.

use std::cell::RefCell;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::raw_call::{BadArgument, Body, Call, Ret};
use crate::thread_env;

/// Set in `pollInto`'s answer when the records were copied but the data was too large
/// for JS's shared buffer and waits here, for `copyData` (src/dispatch.ts knows it too).
#[napi]
pub const DATA_APART: i32 = 1 << 30;

/// What the last `pollInto` left for `copyData` or `takeBatch`, on this JS thread.
#[derive(Default)]
struct Left {
    /// The data of the batch JS is dispatching, when it did not fit JS's buffer.
    data: Vec<u8>,
    /// The records of a batch that did not fit JS's array.
    records: Option<Vec<i32>>,
}

thread_local! {
    static LEFT: RefCell<Left> = RefCell::new(Left::default());
}

/// `pollInto(records, data)`: takes the pending batch into JS's own `records`
/// (Int32Array) and `data` (Buffer), which JS allocates once: most batches (a few
/// events, a few KiB) then cost no allocation on either side. Returns the number of
/// record words copied, with `DATA_APART` set if the data did not fit (bulk reads: JS
/// copies each chunk out with `copyData`); 0 if nothing is pending; -1 if not even the
/// records fit (thousands of events): `takeBatch()` hands them over, and the data
/// waits for `copyData` as with `DATA_APART`.
fn poll_into(call: &Call) -> std::result::Result<Ret, BadArgument> {
    // SAFETY: the only views of these two arguments during this call.
    let words = unsafe { call.int32s_mut(0)? };
    let data = unsafe { call.bytes_mut(call.arg(1)?)? };
    // JS calls this only once it has dispatched the whole previous batch, so the data
    // left from it is no longer needed: give its buffer back for reuse.
    recycle_left_data();
    let Some(mut batch) = thread_env::with(|env| env.take_batch()) else { return Ok(Ret::Int(0)) };
    if batch.is_empty() {
        return Ok(Ret::Int(0));
    }
    let n = batch.records.len();
    let records_fit = n <= words.len() && n < DATA_APART as usize;
    // A batch whose records do not fit leaves its data here too, so JS has one place
    // to look for the data of any batch that is not all in its arrays.
    let data_fits = records_fit && batch.data.len() <= data.len();
    if data_fits {
        data[..batch.data.len()].copy_from_slice(&batch.data);
    } else {
        let bytes = std::mem::take(&mut batch.data);
        let _ = LEFT.try_with(|left| left.borrow_mut().data = bytes);
    }
    let result = if records_fit {
        words[..n].copy_from_slice(&batch.records);
        n as i32 | if data_fits { 0 } else { DATA_APART }
    } else {
        let records = std::mem::take(&mut batch.records);
        let _ = LEFT.try_with(|left| left.borrow_mut().records = Some(records));
        -1
    };
    thread_env::with(|env| env.recycle_batch(batch));
    Ok(Ret::Int(result))
}

/// Hands the left data buffer back to the reactor's sink, which keeps it for its next
/// batch if it has not started one (else it is freed here, now, not by V8 later).
fn recycle_left_data() {
    let Ok(data) = LEFT.try_with(|left| std::mem::take(&mut left.borrow_mut().data)) else { return };
    if data.capacity() > 0 {
        thread_env::with(|env| env.recycle_batch(rsnet_reactor::Batch { records: Vec::new(), data }));
    }
}

/// `copyData(chunk, offset)`: fills the Buffer `chunk` with the left data's bytes from
/// `offset` on (one `'data'` chunk of a `DATA_APART` batch, or of one `takeBatch`
/// handed over). A range outside the data is a bug in rsnet's JS: a TypeError.
fn copy_data(call: &Call) -> std::result::Result<Ret, BadArgument> {
    // SAFETY: the only view of this argument during this call.
    let chunk = unsafe { call.bytes_mut(call.arg(0)?)? };
    let offset = call.u32(1)? as usize;
    LEFT.try_with(|left| {
        let left = left.borrow();
        let source = offset.checked_add(chunk.len()).and_then(|end| left.data.get(offset..end)).ok_or(BadArgument)?;
        chunk.copy_from_slice(source);
        Ok(Ret::Undefined)
    })
    .unwrap_or(Err(BadArgument))
}

/// The calls, by the names JS knows them by.
pub const CALLS: &[(&std::ffi::CStr, Body)] = &[(c"pollInto", poll_into), (c"copyData", copy_data)];

/// The records of the batch `pollInto` could not fit (it answered -1), or null; that
/// batch's data waits for `copyData`.
#[napi(js_name = "takeBatch", catch_unwind)]
pub fn take_batch() -> Option<Int32Array> {
    let records = LEFT.try_with(|left| left.borrow_mut().records.take()).ok().flatten()?;
    Some(Int32Array::new(records))
}
