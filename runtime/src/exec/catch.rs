//! `try e` (semantics.md §9): runs `e` — compiled as a thunk, a closure
//! taking no arguments — in the running task and turns a failure into
//! `err(message)`.
//!
//! Failures return (see [`crate::errors`]): when the thunk comes back with
//! [`crate::errors::lm_failing`] set, its frames have already run their
//! `defer` blocks and released what they owned, so catching is taking the
//! task's pending failure and clearing the flag. A cancellation of the task
//! itself is not caught: the flag stays set and the caller's failure edge
//! carries it on (semantics.md §9). `exit` ends the process and never
//! comes back here.

use lumen_abi::{ObjectHeader, TypeDesc};

use crate::errors::{is_failing, take_pending_failure, FailValue};
use crate::futures::call_thunk;
use crate::objects::{fields, lm_enum_new, Slot};
use crate::strings::new_string;
use crate::typedesc::Ty;

/// `try e`: `(thunk, result[T, String] desc)` -> `ok(value)` or
/// `err(message)`, owned.
///
/// # Safety
/// `thunk` must be a live closure taking no arguments whose value has the
/// type `T` of `result_desc`, which must describe a `result[T, String]`.
#[no_mangle]
pub unsafe extern "C" fn lm_try_call(
    thunk: *mut ObjectHeader,
    result_desc: *const TypeDesc,
) -> *mut ObjectHeader {
    // SAFETY: caller's contract.
    let result_ty = unsafe { Ty::new(result_desc) };
    let ok_ty = result_ty.variant(0).child(0);
    // Generated code runs outside any guard and checks its own calls.
    // SAFETY: caller's contract on the thunk and its value type.
    let value = unsafe { call_thunk(thunk, ok_ty) };
    let (tag, payload) = if is_failing() {
        if crate::scheduler::current_cancelled() {
            // The task itself is being cancelled: keep unwinding.
            return <*mut ObjectHeader>::failed();
        }
        // (`value` is the dummy a failing cell returns: nothing to release.)
        let failure = take_pending_failure();
        (1, new_string(&failure.message) as Slot)
    } else {
        (0, value)
    };
    // SAFETY: a `result` descriptor; the payload is owned and of the
    // variant's type.
    unsafe {
        let obj = lm_enum_new(result_desc, tag).cast::<ObjectHeader>();
        let (slots, _) = fields(obj);
        slots.write(payload);
        obj
    }
}
