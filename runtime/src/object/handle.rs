//! Handle objects: Lumen values that stand for runtime state compiled code
//! never reads (a future's cell, a channel). The object is
//! `[ObjectHeader] [desc] [state: *mut Box<dyn HandleState>]`; reference
//! counting and identity equality work as for any object, display asks the
//! state ([`HandleState::describe`]: a future shows whether it settled), and
//! [`crate::objects::destroy`] calls [`drop_state`].

use std::any::Any;

use lumen_abi::{ObjectHeader, ObjectKind, TypeDesc};

use crate::errors::internal_error;
use crate::objects::new_with_fields;

/// What a handle holds: runtime state of the execution layer, which the
/// object layer only describes and drops.
pub trait HandleState: Any {
    fn as_any(&self) -> &dyn Any;
    /// How the value displays (`<future pending>`, `<channel>`).
    fn describe(&self) -> &'static str;
}

#[repr(C)]
pub struct HandleObj {
    header: ObjectHeader,
    desc: *const TypeDesc,
    state: *mut Box<dyn HandleState>,
}

const STATE_OFFSET: usize = std::mem::offset_of!(HandleObj, desc);

/// A new handle of type `desc` owning `state`.
pub fn new_handle(desc: *const TypeDesc, state: Box<dyn HandleState>) -> *mut HandleObj {
    // Two slots after the header: the descriptor and the state pointer.
    let obj = new_with_fields(ObjectKind::Handle, STATE_OFFSET, 2).cast::<HandleObj>();
    // SAFETY: a fresh object with room for both fields.
    unsafe {
        (*obj).desc = desc;
        (*obj).state = Box::into_raw(Box::new(state));
    }
    obj
}

/// The state of a live handle, which must be a `T`.
///
/// # Safety
/// `obj` must be a live handle object.
pub unsafe fn state<'a, T: 'static>(obj: *const HandleObj) -> &'a T {
    // SAFETY: caller's contract; the state lives as long as the object.
    let state = unsafe { &**(*obj).state };
    state
        .as_any()
        .downcast_ref::<T>()
        .unwrap_or_else(|| internal_error("a handle of the wrong kind"))
}

/// How a live handle displays.
///
/// # Safety
/// `obj` must be a live handle object.
pub unsafe fn describe(obj: *const HandleObj) -> &'static str {
    // SAFETY: caller's contract; the state lives as long as the object.
    unsafe { (**(*obj).state).describe() }
}

/// The descriptor a handle was made with.
///
/// # Safety
/// `obj` must be a live handle object.
pub unsafe fn desc(obj: *const HandleObj) -> *const TypeDesc {
    // SAFETY: caller's contract.
    unsafe { (*obj).desc }
}

/// Frees a handle's state (the object itself is freed by the caller).
///
/// # Safety
/// `obj` must be a handle object being destroyed.
pub unsafe fn drop_state(obj: *mut HandleObj) {
    // SAFETY: made by `Box::into_raw` in `new_handle`, dropped once here.
    unsafe { drop(Box::from_raw((*obj).state)) }
}
