//! Runtime support for `result[T, E]` values (enum objects with the variants
//! `ok` (tag 0) and `err` (tag 1), one payload field each): the failure of
//! `unwrap`/`unwrap_err` on the wrong side.

use lumen_abi::{ObjectHeader, SourceLoc};

use crate::errors::fail_current_task;
use crate::objects::{fields, EnumObj};

/// `unwrap(r)` on an `err`, or `unwrap_err(r)` on an `ok`: fails the current
/// task with `unwrap on err: <e>` / `unwrap_err on ok: <v>` (the payload in
/// its display form).
///
/// # Safety
/// `obj` must be a live result object and `loc` null or a valid location.
#[no_mangle]
pub unsafe extern "C" fn lm_unwrap_failed(obj: *const ObjectHeader, loc: *const SourceLoc) {
    crate::errors::guard(|| {
        // SAFETY: caller's contract: a result is an enum object with one field.
        let message = unsafe {
            let tag = (*obj.cast::<EnumObj>()).tag;
            let (slots, variant) = fields(obj);
            let mut payload = String::new();
            let _ = crate::value::write_value(&mut payload, slots.read(), variant.child(0), false);
            if tag == 1 {
                format!("unwrap on err: {payload}")
            } else {
                format!("unwrap_err on ok: {payload}")
            }
        };
        // SAFETY: caller's contract on `loc`.
        unsafe { fail_current_task(&message, loc) }
    })
}
