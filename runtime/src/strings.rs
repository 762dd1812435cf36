//! String objects and the string operations compiled code calls.
//!
//! Layout (fixed by `lumen_abi`): `[ObjectHeader] [len: u64] [UTF-8 bytes]`,
//! not NUL-terminated. Literals are emitted by the code generator in the same
//! layout with `rc = RC_IMMORTAL`; the runtime's own constants ([`StaticStr`])
//! are built the same way, so `"true"`, `""` and every one-character ASCII
//! string cost no allocation.
//!
//! Every string is valid UTF-8 (the compiler only produces valid literals and
//! every operation here preserves validity), so the runtime reads strings as
//! `&str` without re-validating. Indices and lengths count Unicode scalar
//! values; comparisons are by code point, which for UTF-8 is byte order.

use std::cmp::Ordering;

use lumen_abi::{ObjectHeader, ObjectKind, SourceLoc, RC_IMMORTAL, STRING_DATA_OFFSET};

use crate::errors::fail_current_task;
use crate::rc::{alloc_object, lm_retain};

/// A string object header and length; the bytes follow.
#[repr(C)]
pub struct LmString {
    pub header: ObjectHeader,
    pub len: u64,
}

const _: () = assert!(std::mem::size_of::<LmString>() == STRING_DATA_OFFSET);

/// A string object in static memory (`rc = RC_IMMORTAL`), laid out exactly like
/// a heap string with `N` bytes.
#[repr(C)]
pub struct StaticStr<const N: usize> {
    header: ObjectHeader,
    len: u64,
    bytes: [u8; N],
}

impl<const N: usize> StaticStr<N> {
    /// Builds the object at compile time; `s.len()` must be `N`.
    pub const fn new(s: &str) -> Self {
        let b = s.as_bytes();
        assert!(b.len() == N);
        let mut bytes = [0u8; N];
        let mut i = 0;
        while i < N {
            bytes[i] = b[i];
            i += 1;
        }
        StaticStr {
            header: ObjectHeader {
                rc: RC_IMMORTAL,
                kind: ObjectKind::String as u16,
                flags: 0,
            },
            len: N as u64,
            bytes,
        }
    }

    /// The object as a string pointer. Returning it as an "owned" reference is
    /// fine: retain and release ignore immortal objects.
    pub fn as_ptr(&'static self) -> *mut LmString {
        self as *const Self as *mut LmString
    }
}

/// A pointer to an immortal string object holding the literal text.
#[macro_export]
macro_rules! static_str {
    ($s:expr) => {{
        static S: $crate::strings::StaticStr<{ $s.len() }> = $crate::strings::StaticStr::new($s);
        S.as_ptr()
    }};
}

/// One immortal object per ASCII character, for `s[i]` and iteration.
static ASCII_CHARS: [StaticStr<1>; 128] = {
    let mut table = [const { StaticStr::<1>::new("\0") }; 128];
    let mut i = 0;
    while i < 128 {
        table[i].bytes[0] = i as u8;
        i += 1;
    }
    table
};

/// The bytes of a string object.
///
/// # Safety
/// `s` must point to a live string object; the slice must not outlive it.
pub unsafe fn bytes<'a>(s: *const LmString) -> &'a [u8] {
    // SAFETY: a string object is followed by `len` initialised bytes.
    unsafe {
        let len = (*s).len as usize;
        let data = s.cast::<u8>().add(STRING_DATA_OFFSET);
        std::slice::from_raw_parts(data, len)
    }
}

/// The text of a string object.
///
/// # Safety
/// As for [`bytes`]; the object must hold valid UTF-8 (a runtime invariant).
pub unsafe fn as_str<'a>(s: *const LmString) -> &'a str {
    // SAFETY: strings are valid UTF-8 by construction (module docs).
    unsafe { std::str::from_utf8_unchecked(bytes(s)) }
}

/// Allocates a string of `len` bytes and lets `fill` write them.
/// `fill` must write valid UTF-8 into every byte.
fn new_with(len: usize, fill: impl FnOnce(&mut [u8])) -> *mut LmString {
    if len == 0 {
        return static_str!("");
    }
    let obj = alloc_object(STRING_DATA_OFFSET + len, ObjectKind::String).cast::<LmString>();
    // SAFETY: the allocation has room for the length and `len` bytes.
    unsafe {
        (*obj).len = len as u64;
        let data = obj.cast::<u8>().add(STRING_DATA_OFFSET);
        fill(std::slice::from_raw_parts_mut(data, len));
    }
    obj
}

/// A new string object (count 1, or immortal if empty) holding `s`.
pub fn new_string(s: &str) -> *mut LmString {
    new_with(s.len(), |out| out.copy_from_slice(s.as_bytes()))
}

/// Number of Unicode scalar values: the bytes that are not UTF-8
/// continuation bytes.
fn char_count(b: &[u8]) -> usize {
    b.iter().filter(|&&c| (c & 0xC0) != 0x80).count()
}

/// `a + b`. Returns an owned reference; reuses an operand when the other is empty.
///
/// # Safety
/// Both arguments must be live string objects.
#[no_mangle]
pub unsafe extern "C" fn lm_str_concat(a: *const LmString, b: *const LmString) -> *mut LmString {
    // SAFETY: caller passes live strings.
    let (x, y) = unsafe { (bytes(a), bytes(b)) };
    if y.is_empty() || x.is_empty() {
        let keep = if y.is_empty() { a } else { b } as *mut LmString;
        // SAFETY: live object; the +1 is the reference we return.
        unsafe { lm_retain(keep.cast()) };
        return keep;
    }
    new_with(x.len() + y.len(), |out| {
        out[..x.len()].copy_from_slice(x);
        out[x.len()..].copy_from_slice(y);
    })
}

/// Concatenates `count` strings from an array of string pointers (the parts of
/// an interpolated string).
///
/// # Safety
/// `parts` must point to `count` pointers to live string objects.
#[no_mangle]
pub unsafe extern "C" fn lm_str_concat_n(
    parts: *const *const LmString,
    count: i64,
) -> *mut LmString {
    if count <= 0 {
        return static_str!("");
    }
    // SAFETY: the caller passes `count` valid pointers.
    let parts = unsafe { std::slice::from_raw_parts(parts, count as usize) };
    if parts.len() == 1 {
        let only = parts[0] as *mut LmString;
        // SAFETY: live object; the +1 is the reference we return.
        unsafe { lm_retain(only.cast()) };
        return only;
    }
    // SAFETY: every part is a live string.
    let total = parts.iter().map(|&p| unsafe { (*p).len } as usize).sum();
    new_with(total, |out| {
        let mut at = 0;
        for &p in parts {
            // SAFETY: as above.
            let b = unsafe { bytes(p) };
            out[at..at + b.len()].copy_from_slice(b);
            at += b.len();
        }
    })
}

/// `a == b` by content.
///
/// # Safety
/// Both arguments must be live string objects.
#[no_mangle]
pub unsafe extern "C" fn lm_str_eq(a: *const LmString, b: *const LmString) -> i8 {
    // SAFETY: caller passes live strings.
    (a == b || unsafe { bytes(a) == bytes(b) }) as i8
}

/// Compares by code point: -1, 0 or 1. UTF-8 byte order is code point order.
///
/// # Safety
/// Both arguments must be live string objects.
#[no_mangle]
pub unsafe extern "C" fn lm_str_cmp(a: *const LmString, b: *const LmString) -> i64 {
    // SAFETY: caller passes live strings.
    match unsafe { bytes(a).cmp(bytes(b)) } {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

/// `len(s)`: the number of characters.
///
/// # Safety
/// `s` must be a live string object.
#[no_mangle]
pub unsafe extern "C" fn lm_str_len(s: *const LmString) -> i64 {
    // SAFETY: caller passes a live string.
    char_count(unsafe { bytes(s) }) as i64
}

/// `s[i]`: the one-character string at character index `i`; negative indices
/// count from the end. Out of range fails the task with
/// `index 5 out of bounds for string of length 2`.
///
/// # Safety
/// `s` must be a live string object; `loc` null or a valid [`SourceLoc`].
#[no_mangle]
pub unsafe extern "C" fn lm_str_index(
    s: *const LmString,
    i: i64,
    loc: *const SourceLoc,
) -> *mut LmString {
    // SAFETY: caller passes a live string.
    let text = unsafe { as_str(s) };
    match char_at(text, i) {
        Some(c) => char_string(c),
        None => {
            let len = char_count(text.as_bytes());
            let message = format!("index {i} out of bounds for string of length {len}");
            // SAFETY: caller's contract on `loc`.
            unsafe { fail_current_task(&message, loc) }
        }
    }
}

/// The character at index `i` (negative from the end), if in range.
fn char_at(text: &str, i: i64) -> Option<char> {
    if text.is_ascii() {
        // One byte per character: index directly.
        let n = text.len() as i64;
        let at = if i < 0 { i.checked_add(n)? } else { i };
        return (0..n)
            .contains(&at)
            .then(|| text.as_bytes()[at as usize] as char);
    }
    if i >= 0 {
        text.chars().nth(usize::try_from(i).ok()?)
    } else {
        // -1 is the last character: walk from the end.
        text.chars().rev().nth(usize::try_from(-(i + 1)).ok()?)
    }
}

/// A one-character string: static for ASCII, allocated otherwise.
pub fn char_string(c: char) -> *mut LmString {
    if c.is_ascii() {
        return ASCII_CHARS[c as usize].as_ptr();
    }
    let mut buf = [0u8; 4];
    new_string(c.encode_utf8(&mut buf))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rc::{lm_release, stats};

    /// Runs `f` and checks that it freed everything it allocated.
    fn no_leaks(f: impl FnOnce()) {
        let before = stats::live();
        f();
        assert_eq!(stats::live(), before, "objects leaked");
    }

    fn s(p: *const LmString) -> String {
        unsafe { as_str(p) }.to_string()
    }

    fn release(p: *mut LmString) {
        unsafe { lm_release(p.cast()) }
    }

    #[test]
    fn static_strings_have_the_heap_layout() {
        let p = static_str!("true");
        unsafe {
            assert_eq!((*p).header.rc, RC_IMMORTAL);
            assert_eq!((*p).header.kind, ObjectKind::String as u16);
            assert_eq!(as_str(p), "true");
        }
        assert_eq!(s(ASCII_CHARS[b'a' as usize].as_ptr()), "a");
    }

    #[test]
    fn concat_and_concat_n() {
        no_leaks(|| {
            let a = new_string("héllo");
            let b = new_string(", wörld");
            let c = unsafe { lm_str_concat(a, b) };
            assert_eq!(s(c), "héllo, wörld");
            let e = static_str!("");
            let same = unsafe { lm_str_concat(a, e) };
            assert_eq!(same, a, "concatenating an empty string reuses the other");
            assert_eq!(unsafe { (*a).header.rc }, 2);
            release(same);
            let parts = [a as *const LmString, e, b, c];
            let n = unsafe { lm_str_concat_n(parts.as_ptr(), 4) };
            assert_eq!(s(n), "héllo, wörldhéllo, wörld");
            let none = unsafe { lm_str_concat_n(std::ptr::null(), 0) };
            assert_eq!(s(none), "");
            for p in [a, b, c, n] {
                release(p);
            }
        });
    }

    #[test]
    fn eq_and_cmp_by_code_point() {
        no_leaks(|| {
            let strs: Vec<_> = ["", "a", "ab", "b", "é", "z", "\u{10000}", "\u{FFFF}"]
                .iter()
                .map(|t| new_string(t))
                .collect();
            for (i, &x) in strs.iter().enumerate() {
                for (j, &y) in strs.iter().enumerate() {
                    let (tx, ty) = (s(x), s(y));
                    let by_chars = tx.chars().cmp(ty.chars()) as i64;
                    assert_eq!(unsafe { lm_str_cmp(x, y) }, by_chars, "{tx:?} vs {ty:?}");
                    assert_eq!(unsafe { lm_str_eq(x, y) } == 1, i == j);
                }
            }
            for p in strs {
                release(p);
            }
        });
    }

    #[test]
    fn len_counts_characters() {
        for (text, n) in [("", 0), ("abc", 3), ("héllo", 5), ("日本語", 3), ("🦀x", 2)] {
            let p = new_string(text);
            assert_eq!(unsafe { lm_str_len(p) }, n, "{text}");
            release(p);
        }
    }

    #[test]
    fn index_with_negative_indices() {
        assert_eq!(char_at("abc", 0), Some('a'));
        assert_eq!(char_at("abc", 2), Some('c'));
        assert_eq!(char_at("abc", -1), Some('c'));
        assert_eq!(char_at("abc", -3), Some('a'));
        assert_eq!(char_at("abc", 3), None);
        assert_eq!(char_at("abc", -4), None);
        assert_eq!(char_at("abc", i64::MIN), None);
        assert_eq!(char_at("abc", i64::MAX), None);
        assert_eq!(char_at("", 0), None);
        assert_eq!(char_at("héllo", 1), Some('é'));
        assert_eq!(char_at("héllo", -4), Some('é'));
        assert_eq!(char_at("日本語", -1), Some('語'));
        assert_eq!(char_at("日本語", 3), None);
        assert_eq!(char_at("日本語", -4), None);
        assert_eq!(char_at("日本語", i64::MIN), None);
        no_leaks(|| {
            let p = new_string("aé🦀");
            for (i, want) in [(0, "a"), (1, "é"), (2, "🦀"), (-1, "🦀"), (-3, "a")] {
                let c = unsafe { lm_str_index(p, i, std::ptr::null()) };
                assert_eq!(s(c), want);
                release(c);
            }
            release(p);
        });
    }
}
