//! `Bytes` objects (types.md §1: immutable byte strings) and the operations
//! compiled code calls on them: `bytes(s)`, `from_utf8(b)`, `len`, `b[i]`,
//! `slice`, and concatenation.
//!
//! Layout (fixed by `lumen_abi`): `[ObjectHeader] [len: u64] [bytes]`, the
//! layout of a string but with kind [`ObjectKind::Bytes`] and no flags, and
//! without a string's hidden prefix: a Bytes object is one `malloc` block
//! that [`crate::rc::free_block`] frees like any other object. Literals
//! (`b"4869"`) come from the code generator in the same layout with
//! `rc = RC_IMMORTAL`.
//!
//! Because the length and the data sit where a string's do, the functions
//! that only read a string's bytes ([`crate::strings::bytes`]: `sha256`,
//! `hex_encode`, `base64_encode`, `url_encode`) work on a Bytes object
//! unchanged. Nothing here ever reads a Bytes object as `&str`: its bytes
//! need not be UTF-8.

use lumen_abi::{ObjectHeader, ObjectKind, SourceLoc, TypeDesc, BYTES_DATA_OFFSET};

use crate::errors::fail_current_task;
use crate::library::convert::new_result;
use crate::library::text::clamp_range;
use crate::objects::{EnumObj, Slot};
use crate::rc::alloc_object;
use crate::strings::{new_string, LmString};

/// A Bytes object header and length; the bytes follow.
#[repr(C)]
pub struct LmBytes {
    pub header: ObjectHeader,
    pub len: u64,
}

const _: () = assert!(std::mem::size_of::<LmBytes>() == BYTES_DATA_OFFSET);

/// A new Bytes object (count 1) holding a copy of `data`.
pub fn new_bytes(data: &[u8]) -> *mut LmBytes {
    let size = BYTES_DATA_OFFSET
        .checked_add(data.len())
        .filter(|&n| n <= isize::MAX as usize)
        .unwrap_or_else(|| {
            crate::errors::internal_error(&format!("bytes of length {} are too large", data.len()))
        });
    let obj = alloc_object(size, ObjectKind::Bytes).cast::<LmBytes>();
    // SAFETY: the block has room for the length and `data.len()` bytes.
    unsafe {
        (*obj).len = data.len() as u64;
        let dst = obj.cast::<u8>().add(BYTES_DATA_OFFSET);
        std::ptr::copy_nonoverlapping(data.as_ptr(), dst, data.len());
    }
    obj
}

/// The bytes of a Bytes object.
///
/// # Safety
/// `b` must point to a live Bytes object; the slice must not outlive it.
pub unsafe fn bytes_of<'a>(b: *const LmBytes) -> &'a [u8] {
    // SAFETY: a Bytes object is followed by `len` initialised bytes.
    unsafe {
        let len = (*b).len as usize;
        std::slice::from_raw_parts(b.cast::<u8>().add(BYTES_DATA_OFFSET), len)
    }
}

/// Writes the display form `b"48656c6c6f"` (lower-case hex).
pub fn write_display(out: &mut impl std::fmt::Write, data: &[u8]) -> std::fmt::Result {
    out.write_str("b\"")?;
    out.write_str(&crate::library::encoding::hex_encode(data))?;
    out.write_char('"')
}

/// The error message of `from_utf8` for bytes that are not UTF-8: the offset
/// of the first byte that does not start (or continue) a valid sequence.
pub fn utf8_error_message(data: &[u8]) -> Option<String> {
    std::str::from_utf8(data)
        .err()
        .map(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to()))
}

/// `bytes(s)`: the UTF-8 bytes of a string.
///
/// # Safety
/// `s` must be a live string.
#[no_mangle]
pub unsafe extern "C" fn lm_bytes_from_str(s: *const LmString) -> *mut LmBytes {
    // SAFETY: caller's contract.
    new_bytes(unsafe { crate::strings::bytes(s) })
}

/// `from_utf8(b)`: `ok(text)` when the bytes are UTF-8, else
/// `err("invalid UTF-8 at byte N")`, as a value of `result_desc`
/// (`result[String, String]`).
///
/// # Safety
/// `b` must be a live Bytes object and `result_desc` that result descriptor.
#[no_mangle]
pub unsafe extern "C" fn lm_bytes_from_utf8(
    b: *const LmBytes,
    result_desc: *const TypeDesc,
) -> *mut EnumObj {
    // SAFETY: caller's contract.
    let data = unsafe { bytes_of(b) };
    let (ok, text) = match std::str::from_utf8(data) {
        Ok(text) => (true, new_string(text)),
        Err(_) => (
            false,
            new_string(&utf8_error_message(data).unwrap_or_default()),
        ),
    };
    // SAFETY: caller's contract; the new string's reference moves in.
    unsafe { new_result(result_desc, ok, text as Slot) }
}

/// `len(b)`: the number of bytes.
///
/// # Safety
/// `b` must be a live Bytes object.
#[no_mangle]
pub unsafe extern "C" fn lm_bytes_len(b: *const LmBytes) -> i64 {
    // SAFETY: caller's contract.
    unsafe { (*b).len as i64 }
}

/// `b[i]`: the byte at index `i` (negative from the end) as an Int 0..=255.
/// Out of range fails the task with
/// `index 5 out of bounds for bytes of length 2`.
///
/// # Safety
/// `b` must be a live Bytes object; `loc` null or a valid [`SourceLoc`].
#[no_mangle]
pub unsafe extern "C" fn lm_bytes_index(b: *const LmBytes, i: i64, loc: *const SourceLoc) -> i64 {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        let data = unsafe { bytes_of(b) };
        let n = data.len() as i64;
        let at = if i < 0 { i.checked_add(n) } else { Some(i) };
        match at.filter(|&a| a >= 0 && a < n) {
            Some(a) => data[a as usize] as i64,
            None => {
                let message = format!("index {i} out of bounds for bytes of length {n}");
                // SAFETY: caller's contract on `loc`.
                unsafe { fail_current_task(&message, loc) }
            }
        }
    })
}

/// `slice(b, start, end)`: bytes `start..end`, negative indices from the
/// end, both clamped to the bounds (as `slice` on strings and lists).
///
/// # Safety
/// `b` must be a live Bytes object.
#[no_mangle]
pub unsafe extern "C" fn lm_bytes_slice(b: *const LmBytes, start: i64, end: i64) -> *mut LmBytes {
    // SAFETY: caller's contract.
    let data = unsafe { bytes_of(b) };
    let (from, to) = clamp_range(start, end, data.len());
    new_bytes(&data[from..to])
}

/// `a + b`: a new Bytes object with the bytes of `a` then those of `b`.
///
/// # Safety
/// `a` and `b` must be live Bytes objects.
#[no_mangle]
pub unsafe extern "C" fn lm_bytes_concat(a: *const LmBytes, b: *const LmBytes) -> *mut LmBytes {
    // SAFETY: caller's contract.
    let (x, y) = unsafe { (bytes_of(a), bytes_of(b)) };
    let mut joined = Vec::with_capacity(x.len() + y.len());
    joined.extend_from_slice(x);
    joined.extend_from_slice(y);
    new_bytes(&joined)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library::test_util::{no_leaks, release, s, text};
    use crate::typedesc::test_descs;

    fn b(data: &[u8]) -> *mut LmBytes {
        new_bytes(data)
    }

    fn get(p: *const LmBytes) -> Vec<u8> {
        unsafe { bytes_of(p) }.to_vec()
    }

    #[test]
    fn from_str_len_index_slice_concat() {
        no_leaks(|| unsafe {
            let hello = s("héllo");
            let x = lm_bytes_from_str(hello);
            assert_eq!(get(x), "héllo".as_bytes());
            assert_eq!(lm_bytes_len(x), 6);
            assert_eq!(lm_bytes_index(x, 0, std::ptr::null()), b'h' as i64);
            assert_eq!(lm_bytes_index(x, 1, std::ptr::null()), 0xc3);
            assert_eq!(lm_bytes_index(x, -1, std::ptr::null()), b'o' as i64);
            let mid = lm_bytes_slice(x, 1, 3);
            assert_eq!(get(mid), [0xc3, 0xa9]);
            let clamped = lm_bytes_slice(x, -2, 100);
            assert_eq!(get(clamped), b"lo");
            let empty = lm_bytes_slice(x, 4, 2);
            assert_eq!(get(empty), b"");
            let both = lm_bytes_concat(mid, clamped);
            assert_eq!(get(both), [0xc3, 0xa9, b'l', b'o']);
            for p in [x, mid, clamped, empty, both] {
                release(p);
            }
            release(hello);
        });
    }

    #[test]
    fn from_utf8_ok_and_err() {
        // `result[String, String]` as the code generator describes it.
        let string = test_descs::string();
        let ok = test_descs::positional("ok", &[string]);
        let err = test_descs::positional("err", &[string]);
        let result = test_descs::enumeration("Result", &[ok, err]);
        no_leaks(|| unsafe {
            for (data, is_ok, expected) in [
                (&b"hi"[..], true, "hi"),
                (&[0x68, 0x69, 0xff][..], false, "invalid UTF-8 at byte 2"),
                (&[0xe2, 0x82][..], false, "invalid UTF-8 at byte 0"),
            ] {
                let x = b(data);
                let r = lm_bytes_from_utf8(x, result.as_ptr());
                assert_eq!((*r).tag, if is_ok { 0 } else { 1 });
                let (slots, _) = crate::objects::fields(r.cast());
                assert_eq!(text(slots.read() as usize as *const LmString), expected);
                release(r);
                release(x);
            }
        });
    }

    #[test]
    fn display_is_lower_case_hex() {
        let mut out = String::new();
        write_display(&mut out, &[0x48, 0x65, 0xAB]).unwrap();
        assert_eq!(out, "b\"4865ab\"");
        let mut empty = String::new();
        write_display(&mut empty, &[]).unwrap();
        assert_eq!(empty, "b\"\"");
    }

    #[test]
    fn display_equality_and_order_inside_lists() {
        no_leaks(|| unsafe {
            let (x, y, z) = (b(b"Hi"), b(b"Hi!"), b(&[0xff]));
            let elem = test_descs::bytes();
            let list = crate::library::list_from_owned(
                elem.as_ptr(),
                vec![x as Slot, y as Slot, z as Slot],
            );
            let mut out = String::new();
            let list_ty = test_descs::list(elem);
            crate::value::write_value(&mut out, list as Slot, list_ty, false).unwrap();
            assert_eq!(out, "[b\"4869\", b\"486921\", b\"ff\"]");
            use crate::compare::{value_cmp, value_eq};
            use std::cmp::Ordering;
            let same = b(b"Hi");
            assert!(value_eq(x as Slot, same as Slot, elem));
            assert!(!value_eq(x as Slot, y as Slot, elem));
            assert_eq!(value_cmp(x as Slot, y as Slot, elem), Ordering::Less);
            assert_eq!(value_cmp(z as Slot, y as Slot, elem), Ordering::Greater);
            assert_eq!(value_cmp(same as Slot, x as Slot, elem), Ordering::Equal);
            release(same);
            // The list owns x, y and z.
            release(list);
        });
    }

    #[test]
    fn bytes_read_like_strings_for_the_encoders() {
        no_leaks(|| unsafe {
            let x = b(&[0xff, 0x00, 0x41]);
            let hex = crate::library::encoding::lm_hex_encode(x.cast());
            assert_eq!(text(hex), "ff0041");
            release(hex);
            release(x);
        });
    }
}
