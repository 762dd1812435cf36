//! `assert_eq`, `assert_ne`, `debug`, `args()` and `read_stdin()`
//! (builtins.md, Checks and Environment). `assert(cond, msg)` itself is a
//! branch to `lm_halt` in compiled code.

use std::io::Read;

use lumen_abi::{SourceLoc, TypeDesc};

use super::string_list;
use crate::compare::value_eq;
use crate::errors::{fail_current_task, Location};
use crate::objects::{ListObj, Slot};
use crate::output;
use crate::strings::{new_string, LmString};
use crate::typedesc::Ty;
use crate::value::write_value;

/// The display form of a value as it appears in a failed assertion: as
/// inside a collection, so strings are quoted and `"1"` differs from `1`.
///
/// # Safety
/// `slot` must be a live value of type `ty`.
unsafe fn shown(slot: Slot, ty: Ty) -> String {
    let mut text = String::new();
    // SAFETY: caller's contract. Writing to a String cannot fail.
    let _ = unsafe { write_value(&mut text, slot, ty, true) };
    text
}

/// The message of a failed `assert_eq`.
pub fn assert_eq_message(left: &str, right: &str) -> String {
    format!("assert_eq failed: {left} != {right}")
}

/// The message of a failed `assert_ne`.
pub fn assert_ne_message(value: &str) -> String {
    format!("assert_ne failed: both values are {value}")
}

/// `assert_eq(a, b)`: fails at `loc` unless `a == b`.
///
/// # Safety
/// `desc` must be a valid descriptor, `a` and `b` live values of its type,
/// `loc` null or a valid location.
#[no_mangle]
pub unsafe extern "C" fn lm_assert_eq(
    a: Slot,
    b: Slot,
    desc: *const TypeDesc,
    loc: *const SourceLoc,
) {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        unsafe {
            let ty = Ty::new(desc);
            if !value_eq(a, b, ty) {
                fail_current_task(&assert_eq_message(&shown(a, ty), &shown(b, ty)), loc);
            }
        }
    })
}

/// `assert_ne(a, b)`: fails at `loc` when `a == b`.
///
/// # Safety
/// As for [`lm_assert_eq`].
#[no_mangle]
pub unsafe extern "C" fn lm_assert_ne(
    a: Slot,
    b: Slot,
    desc: *const TypeDesc,
    loc: *const SourceLoc,
) {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        unsafe {
            let ty = Ty::new(desc);
            if value_eq(a, b, ty) {
                fail_current_task(&assert_ne_message(&shown(a, ty)), loc);
            }
        }
    })
}

/// The line `debug` prints: `[file:line:col] display form`.
pub fn debug_line(loc: Option<&Location>, display: &str) -> String {
    match loc {
        Some(l) => format!("[{}:{}:{}] {display}\n", l.file, l.line, l.column),
        None => format!("{display}\n"),
    }
}

/// `debug(x)`: the display form on stderr, prefixed with the location.
///
/// # Safety
/// As for [`lm_assert_eq`] (one value).
#[no_mangle]
pub unsafe extern "C" fn lm_debug(v: Slot, desc: *const TypeDesc, loc: *const SourceLoc) {
    // SAFETY: caller's contract.
    unsafe {
        let mut text = String::new();
        let _ = write_value(&mut text, v, Ty::new(desc), false);
        let loc = Location::read(loc);
        output::write_stderr(debug_line(loc.as_ref(), &text).as_bytes());
    }
}

/// `args()`: the program's arguments without the program name.
///
/// # Safety
/// `str_desc` must be the String descriptor.
#[no_mangle]
pub unsafe extern "C" fn lm_args(str_desc: *const TypeDesc) -> *mut ListObj {
    let args = crate::entry::args();
    // SAFETY: caller's contract.
    unsafe { string_list(str_desc, args.iter().skip(1).map(String::as_str)) }
}

/// `read_stdin()`: the rest of standard input (invalid UTF-8 replaced by
/// U+FFFD). Buffered stdout is flushed first, so prompts appear.
#[no_mangle]
pub extern "C" fn lm_read_stdin() -> *mut LmString {
    output::flush_stdout();
    let mut data = Vec::new();
    // A read error ends the input, like end of file.
    let _ = std::io::stdin().lock().read_to_end(&mut data);
    new_string(&String::from_utf8_lossy(&data))
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use crate::typedesc::test_descs::{int, string};

    #[test]
    fn messages() {
        let p = s("a b");
        assert_eq!(unsafe { shown(p as Slot, string()) }, "\"a b\"");
        assert_eq!(unsafe { shown(42, int()) }, "42");
        release(p);
        assert_eq!(assert_eq_message("1", "2"), "assert_eq failed: 1 != 2");
        assert_eq!(
            assert_ne_message("3"),
            "assert_ne failed: both values are 3"
        );
        let loc = Location {
            file: "app.lm".into(),
            cell: "main".into(),
            line: 3,
            column: 1,
        };
        assert_eq!(debug_line(Some(&loc), "[1, 2]"), "[app.lm:3:1] [1, 2]\n");
    }

    #[test]
    fn equal_values_pass() {
        unsafe {
            lm_assert_eq(1, 1, int().as_ptr(), std::ptr::null());
            lm_assert_ne(1, 2, int().as_ptr(), std::ptr::null());
        }
        no_leaks(|| unsafe {
            let l = lm_args(string().as_ptr());
            assert!(strings(l).is_empty(), "no arguments in unit tests");
            release(l);
        });
    }
}
