//! Handle objects: Lumen values that stand for runtime state compiled code
//! never reads (a future's cell, a channel). The object is
//! `[ObjectHeader] [desc] [state: *const dyn HandleState]` (an `Rc` turned
//! into a pointer, so making a future's handle allocates nothing beyond the
//! object); reference
//! counting and identity equality work as for any object, display asks the
//! state ([`HandleState::describe`]: a future shows whether it settled), and
//! [`crate::objects::destroy`] calls [`drop_state`].

use std::any::Any;
use std::rc::Rc;

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
    /// From `Rc::into_raw`; owns one strong count.
    state: *const dyn HandleState,
}

const STATE_OFFSET: usize = std::mem::offset_of!(HandleObj, desc);

/// A new handle of type `desc` owning `state`.
pub fn new_handle(desc: *const TypeDesc, state: Rc<dyn HandleState>) -> *mut HandleObj {
    // Three slots after the header: the descriptor and the state's (wide)
    // pointer.
    let obj = new_with_fields(ObjectKind::Handle, STATE_OFFSET, 3).cast::<HandleObj>();
    // SAFETY: a fresh object with room for all fields.
    unsafe {
        (*obj).desc = desc;
        (*obj).state = Rc::into_raw(state);
    }
    obj
}

/// The state of a live handle, which must be a `T`.
///
/// # Safety
/// `obj` must be a live handle object.
pub unsafe fn state<'a, T: 'static>(obj: *const HandleObj) -> &'a T {
    // SAFETY: caller's contract; the state lives as long as the object.
    let state = unsafe { &*(*obj).state };
    state
        .as_any()
        .downcast_ref::<T>()
        .unwrap_or_else(|| internal_error("a handle of the wrong kind"))
}

/// A counted reference to a live handle's state, which must be a `T`.
///
/// # Safety
/// `obj` must be a live handle object.
pub unsafe fn state_rc<T: 'static>(obj: *const HandleObj) -> Rc<T> {
    // SAFETY: caller's contract.
    let state: *const T = unsafe { state::<T>(obj) };
    // SAFETY: `state` points into the `Rc` the handle owns (checked to be a
    // `T` above); the new count is the returned `Rc`'s.
    unsafe {
        Rc::increment_strong_count(state);
        Rc::from_raw(state)
    }
}

/// How a live handle displays.
///
/// # Safety
/// `obj` must be a live handle object.
pub unsafe fn describe(obj: *const HandleObj) -> &'static str {
    // SAFETY: caller's contract; the state lives as long as the object.
    unsafe { (*(*obj).state).describe() }
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
    // SAFETY: made by `Rc::into_raw` in `new_handle`, dropped once here.
    unsafe { drop(Rc::from_raw((*obj).state)) }
}
