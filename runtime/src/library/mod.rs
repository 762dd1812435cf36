//! The builtin library (`spec/builtins.md`): the runtime side of builtins
//! that compile to plain calls — string functions ([`text`]), math
//! ([`math`]), list functions ([`lists`], and [`pairs`] for `zip`,
//! `enumerate` and `group_by`), checks ([`checks`]), conversions
//! ([`convert`]), hashing and encodings ([`encoding`]) and the environment,
//! files, time and randomness ([`system`]).
//!
//! Conventions as everywhere in the runtime (`docs/runtime-abi.md`): pointer
//! arguments are borrowed, results are owned; a list result is always a new
//! list; failures go through [`fail_current_task`](crate::errors::fail_current_task)
//! at the caller's location.

pub mod checks;
pub mod convert;
pub mod encoding;
pub mod lists;
pub mod math;
pub mod pairs;
pub mod system;
pub mod text;

use lumen_abi::TypeDesc;

use crate::objects::{new_list, store_elems, ListObj, Slot};
use crate::strings::{new_string, LmString};

/// A new list of `elem` that takes over the references `slots` hold (no
/// retain: each heap slot's reference moves into the list).
///
/// # Safety
/// `elem` must be a valid descriptor (see [`Ty::new`](crate::typedesc::Ty::new))
/// and `slots` owned values of that type.
pub unsafe fn list_from_owned(elem: *const TypeDesc, slots: Vec<Slot>) -> *mut ListObj {
    // SAFETY: caller's contract; the buffer has room for every slot.
    unsafe {
        let list = new_list(elem, &[], slots.len());
        store_elems(list, 0, &slots);
        (*list).len = slots.len() as u64;
        list
    }
}

/// A new `list[String]` holding `parts`.
///
/// # Safety
/// `str_desc` must be a valid descriptor of kind `String`.
pub unsafe fn string_list<'a>(
    str_desc: *const TypeDesc,
    parts: impl Iterator<Item = &'a str>,
) -> *mut ListObj {
    let slots = parts.map(|p| new_string(p) as Slot).collect();
    // SAFETY: caller's contract; each new string's reference moves in.
    unsafe { list_from_owned(str_desc, slots) }
}

/// A string slot's object as a string pointer.
pub(crate) fn slot_str(slot: Slot) -> *const LmString {
    slot as usize as *const LmString
}

#[cfg(test)]
pub(crate) mod test_util {
    use crate::objects::{elems, ListObj, Slot};
    use crate::rc::stats;
    use crate::strings::{as_str, new_string, LmString};

    pub fn no_leaks(f: impl FnOnce()) {
        let before = stats::live();
        f();
        assert_eq!(stats::live(), before, "blocks leaked");
    }

    pub fn s(text: &str) -> *mut LmString {
        new_string(text)
    }

    pub fn text(p: *const LmString) -> String {
        unsafe { as_str(p) }.to_string()
    }

    pub fn release<T>(p: *mut T) {
        unsafe { crate::rc::lm_release(p.cast()) }
    }

    pub fn strings(list: *mut ListObj) -> Vec<String> {
        unsafe {
            elems(list)
                .0
                .iter()
                .map(|&x| text(super::slot_str(x)))
                .collect()
        }
    }

    pub fn ints(list: *mut ListObj) -> Vec<i64> {
        unsafe { elems(list).0.to_vec() }
    }

    pub fn int_list(values: &[i64]) -> *mut ListObj {
        let ty = crate::typedesc::test_descs::int();
        unsafe { super::list_from_owned(ty.as_ptr(), values.to_vec()) }
    }

    pub fn str_list(values: &[&str]) -> *mut ListObj {
        let ty = crate::typedesc::test_descs::string();
        unsafe { super::string_list(ty.as_ptr(), values.iter().copied()) }
    }

    pub fn float_list(values: &[f64]) -> *mut ListObj {
        let ty = crate::typedesc::test_descs::float();
        let slots: Vec<Slot> = values.iter().map(|f| f.to_bits() as Slot).collect();
        unsafe { super::list_from_owned(ty.as_ptr(), slots) }
    }
}
