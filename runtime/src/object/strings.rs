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
//!
//! **Heap strings** (allocated here, flag [`FLAG_STR_HEAP`]) have a 16-byte
//! [`Prefix`] *before* the object: the capacity of the byte area and the
//! number of characters (or [`UNKNOWN_CHARS`] until someone needs it). The
//! object pointer still points at the header, so everything else (compiled
//! code, the ABI layout) sees the plain string layout:
//!
//! ```text
//! malloc → [cap u64][chars u64][ObjectHeader][len u64][len bytes][cap - len spare]
//!                               ^ the object pointer
//! ```
//!
//! Short strings come from [`crate::pool`] like other small objects, and get
//! the whole block of their size class as capacity.
//!
//! [`FLAG_STR_ASCII`] marks a string whose bytes are all ASCII, which makes
//! `len(s)` and `s[i]` O(1). The runtime sets it on its static strings and on
//! heap strings as soon as it knows: at creation for short texts and for the
//! results of `+`, appending and interpolation, else at the first `len`/index,
//! which also caches the character count. Literals
//! from the code generator have `flags = 0` ("unknown": scanned when indexed)
//! unless it sets `FLAG_STR_ASCII` itself.
//!
//! `lm_str_append` appends in place when the target is an unshared heap string
//! with room, growing the capacity geometrically otherwise, so `s = s + t` in
//! a loop is amortised linear.

use std::cmp::Ordering;

use lumen_abi::{
    ObjectHeader, ObjectKind, SourceLoc, FLAG_SHARED, FLAG_STR_ASCII, FLAG_STR_HEAP, RC_IMMORTAL,
    STRING_DATA_OFFSET,
};

use crate::errors::{fail_current_task, internal_error};
use crate::pool;
use crate::rc::{lm_release, lm_retain, stats};

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
                flags: if b.is_ascii() { FLAG_STR_ASCII } else { 0 },
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
/// Exported (`lumen_abi::ASCII_CHARS_SYMBOL`): generated code indexes it
/// inline.
#[no_mangle]
#[allow(non_upper_case_globals)]
pub static lm_ascii_chars: [StaticStr<1>; 128] = {
    let mut table = [const { StaticStr::<1>::new("\0") }; 128];
    let mut i = 0;
    while i < 128 {
        table[i].bytes[0] = i as u8;
        i += 1;
    }
    table
};

const _: () = assert!(std::mem::size_of::<StaticStr<1>>() == lumen_abi::ASCII_CHAR_STRIDE);

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

/// The runtime's bookkeeping in front of a heap string object (see the
/// module docs). Never part of the ABI: only this module reads it.
#[repr(C)]
struct Prefix {
    /// Bytes available after `STRING_DATA_OFFSET` (`len` ≤ `cap`).
    cap: u64,
    /// Number of characters, or [`UNKNOWN_CHARS`].
    chars: u64,
}

const PREFIX_SIZE: usize = std::mem::size_of::<Prefix>();
const _: () = assert!(PREFIX_SIZE == 16, "keeps heap strings 16-byte aligned");

/// `Prefix::chars` when the count has not been computed yet.
pub const UNKNOWN_CHARS: u64 = u64::MAX;

/// Smallest capacity `lm_str_append` gives a string it has to copy.
const MIN_APPEND_CAP: usize = 32;

/// [`new_string`] counts the characters of texts at most this long on the
/// spot; longer ones are counted by the first `len`/index (and cached).
/// Concatenation and appending always know the count of their result: they
/// take their inputs' counts (counting an input once, while copying it
/// anyway, if it has none yet).
const CHEAP_SCAN: usize = 256;

/// # Safety
/// `s` must be a heap string ([`FLAG_STR_HEAP`]).
#[inline]
unsafe fn prefix(s: *const LmString) -> *mut Prefix {
    // SAFETY: a heap string is allocated `PREFIX_SIZE` bytes after its block.
    unsafe { s.cast::<u8>().sub(PREFIX_SIZE).cast::<Prefix>().cast_mut() }
}

/// Where the allocation of an object starts: before the prefix for a heap
/// string, the object itself for every other object. `free_block` frees this.
///
/// # Safety
/// `obj` must be a live object allocated by the runtime.
#[inline]
pub(crate) unsafe fn block_start(obj: *mut ObjectHeader) -> *mut libc::c_void {
    // SAFETY: caller's contract; only heap strings carry FLAG_STR_HEAP.
    unsafe {
        if (*obj).kind == ObjectKind::String as u16 && (*obj).flags & FLAG_STR_HEAP != 0 {
            prefix(obj.cast()).cast()
        } else {
            obj.cast()
        }
    }
}

/// Bytes to allocate for a heap string with `cap` bytes of room.
fn block_size(cap: usize) -> usize {
    cap.checked_add(PREFIX_SIZE + STRING_DATA_OFFSET)
        .filter(|&n| n <= isize::MAX as usize)
        .unwrap_or_else(|| internal_error(&format!("string of {cap} bytes is too large")))
}

fn alloc_failed(size: usize) -> ! {
    crate::memory::out_of_memory(size)
}

/// Allocates a heap string (count 1) with room for at least `cap` bytes, of
/// which the caller must initialise the first `len` with valid UTF-8 holding
/// `chars` characters (or [`UNKNOWN_CHARS`]). A short string gets the whole
/// block of its size class as capacity: room to append for free.
fn alloc_string(len: usize, cap: usize, chars: u64) -> *mut LmString {
    debug_assert!(len <= cap && cap > 0);
    let (block, class_bits, usable) = pool::alloc(block_size(cap));
    stats::allocated();
    // SAFETY: the block has room for the prefix, the object and `cap` bytes;
    // the pool aligns it to 16, so the object after the 16-byte prefix is
    // 16-aligned too.
    unsafe {
        block.cast::<Prefix>().write(Prefix {
            cap: (usable - PREFIX_SIZE - STRING_DATA_OFFSET) as u64,
            chars,
        });
        let obj = block.add(PREFIX_SIZE).cast::<LmString>();
        let ascii = if chars == len as u64 {
            FLAG_STR_ASCII
        } else {
            0
        };
        obj.write(LmString {
            header: ObjectHeader {
                rc: 1,
                kind: ObjectKind::String as u16,
                flags: FLAG_STR_HEAP | ascii | class_bits,
            },
            len: len as u64,
        });
        obj
    }
}

/// Moves a heap string to a block with room for `cap` ≥ its length bytes
/// (`realloc`: often in place). The old pointer is invalid afterwards. The
/// block no longer has its pool size class, so it will go back to `free`.
///
/// # Safety
/// `s` must be a heap string that nothing else refers to.
unsafe fn regrow(s: *mut LmString, cap: usize) -> *mut LmString {
    let size = block_size(cap);
    // SAFETY: the block came from malloc (through the pool) in `alloc_string`.
    unsafe {
        let block = libc::realloc(prefix(s).cast(), size);
        if block.is_null() {
            alloc_failed(size);
        }
        (*block.cast::<Prefix>()).cap = cap as u64;
        let s = block.cast::<u8>().add(PREFIX_SIZE).cast::<LmString>();
        (*s).header.flags = pool::without_class((*s).header.flags);
        s
    }
}

/// The start of a string's bytes (also past the end for writing appends).
fn data(s: *const LmString) -> *mut u8 {
    s.cast::<u8>().wrapping_add(STRING_DATA_OFFSET).cast_mut()
}

/// The character count when it is known without reading the bytes.
///
/// # Safety
/// `s` must be a live string object.
#[inline]
unsafe fn known_chars(s: *const LmString) -> Option<u64> {
    // SAFETY: caller's contract; the prefix exists when the flag says so.
    unsafe {
        let flags = (*s).header.flags;
        if flags & FLAG_STR_ASCII != 0 {
            return Some((*s).len);
        }
        if flags & FLAG_STR_HEAP != 0 {
            let chars = (*prefix(s)).chars;
            if chars != UNKNOWN_CHARS {
                return Some(chars);
            }
        }
        None
    }
}

/// The character count, computed (and cached in a heap string) if need be.
///
/// # Safety
/// `s` must be a live string object.
#[inline]
unsafe fn chars_of(s: *const LmString) -> u64 {
    // SAFETY: caller's contract.
    unsafe {
        match known_chars(s) {
            Some(chars) => chars,
            None => count_chars(s),
        }
    }
}

/// [`chars_of`] for a string whose count is not known yet.
///
/// # Safety
/// `s` must be a live string object.
#[inline(never)]
unsafe fn count_chars(s: *const LmString) -> u64 {
    // SAFETY: caller's contract.
    unsafe {
        let b = bytes(s);
        let chars = if b.is_ascii() {
            b.len()
        } else {
            as_str(s).chars().count()
        } as u64;
        let flags = (*s).header.flags;
        // Heap strings are writable; one shared between threads is left
        // alone (another thread may be reading the header).
        if flags & FLAG_STR_HEAP != 0 && flags & FLAG_SHARED == 0 {
            (*prefix(s)).chars = chars;
            if chars == (*s).len {
                (*s.cast_mut()).header.flags = flags | FLAG_STR_ASCII;
            }
        }
        chars
    }
}

/// Allocates a string of `len` bytes holding `chars` characters (or
/// [`UNKNOWN_CHARS`], counted when first needed) and lets `fill` write them.
/// `fill` must write valid UTF-8 into every byte.
fn new_with_chars(len: usize, chars: u64, fill: impl FnOnce(&mut [u8])) -> *mut LmString {
    if len == 0 {
        return static_str!("");
    }
    let obj = alloc_string(len, len, chars);
    // SAFETY: the allocation has room for `len` bytes.
    unsafe { fill(std::slice::from_raw_parts_mut(data(obj), len)) };
    obj
}

/// A new string holding `text`, which the caller knows is ASCII (digits,
/// signs): no scan. One character is the static string for it.
pub(crate) fn new_ascii(text: &[u8]) -> *mut LmString {
    debug_assert!(text.is_ascii());
    if let [c] = text {
        return lm_ascii_chars[usize::from(c & 0x7F)].as_ptr();
    }
    new_with_chars(text.len(), text.len() as u64, |out| {
        out.copy_from_slice(text)
    })
}

/// A new string object (count 1, or immortal if empty) holding `s`.
pub fn new_string(s: &str) -> *mut LmString {
    // A short text is counted on the way (it is being copied anyway), so the
    // many small strings (numbers, pieces) are known ASCII from the start.
    let chars = if s.len() <= CHEAP_SCAN {
        if s.is_ascii() {
            s.len() as u64
        } else {
            s.chars().count() as u64
        }
    } else {
        UNKNOWN_CHARS
    };
    new_with_chars(s.len(), chars, |out| out.copy_from_slice(s.as_bytes()))
}

/// `a + b`: a new string of exactly the combined length. Returns an owned
/// reference; reuses an operand when the other is empty.
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
    // SAFETY: live strings.
    let chars = unsafe { chars_of(a) + chars_of(b) };
    new_with_chars(x.len() + y.len(), chars, |out| {
        out[..x.len()].copy_from_slice(x);
        out[x.len()..].copy_from_slice(y);
    })
}

/// `s + t` where the result replaces `s` (`s = s + t`, `s += t`): consumes
/// the caller's reference to `s`, borrows `t`, returns the result owned.
///
/// When `s` is an unshared heap string (count 1) the bytes of `t` are written
/// after its own, in place when it has room, else after growing it (doubling)
/// with `realloc`, so the result may be `s` at the same or a new address; `s`
/// must not be used afterwards either way. Otherwise (a literal or a shared
/// string) the result is a new string with room to grow and `s` loses the
/// caller's reference. `t` may be `s` itself. Appending to `""` returns `t`
/// (retained) and appending `""` returns `s`.
///
/// # Safety
/// Both arguments must be live string objects, and the caller must own the
/// reference to `s` it passes.
#[no_mangle]
pub unsafe extern "C" fn lm_str_append(s: *mut LmString, t: *const LmString) -> *mut LmString {
    // SAFETY: caller passes live strings and owns `s`.
    unsafe {
        // The loop case (`cur = cur + c`, `out = out + piece`): an unshared
        // ASCII heap string with room, and ASCII to append. No counting, no
        // allocation; everything else is `append_general`.
        let (s_len, t_len) = ((*s).len as usize, (*t).len as usize);
        let (s_flags, t_flags) = ((*s).header.flags, (*t).header.flags);
        let own_ascii = FLAG_STR_HEAP | FLAG_STR_ASCII;
        if s_flags & (own_ascii | FLAG_SHARED) == own_ascii
            && t_flags & FLAG_STR_ASCII != 0
            && (*s).header.rc == 1
            && t_len != 0
        {
            // No overflow: both lengths are sizes of live allocations.
            let need = s_len + t_len;
            let p = prefix(s);
            if need as u64 <= (*p).cap {
                // `t` may be `s`: its bytes are before the end being written.
                let (from, to) = (data(t), data(s).add(s_len));
                if t_len == 1 {
                    to.write(from.read());
                } else {
                    std::ptr::copy_nonoverlapping(from, to, t_len);
                }
                (*s).len = need as u64;
                (*p).chars = need as u64;
                return s;
            }
        }
        append_general(s, t)
    }
}

/// [`lm_str_append`] beyond its fast path (same contract).
///
/// # Safety
/// As for [`lm_str_append`].
#[inline(never)]
unsafe fn append_general(s: *mut LmString, t: *const LmString) -> *mut LmString {
    // SAFETY: caller passes live strings and owns `s`.
    unsafe {
        let (s_len, t_len) = ((*s).len as usize, (*t).len as usize);
        if t_len == 0 {
            return s;
        }
        if s_len == 0 {
            lm_retain(t.cast_mut().cast());
            lm_release(s.cast());
            return t.cast_mut();
        }
        let need = s_len
            .checked_add(t_len)
            .unwrap_or_else(|| internal_error("string too large"));
        let chars = chars_of(s) + chars_of(t);
        let flags = (*s).header.flags;
        let unshared = (*s).header.rc == 1 && flags & FLAG_SHARED == 0;
        if unshared && flags & FLAG_STR_HEAP != 0 {
            let same = std::ptr::eq(s, t);
            let s = if need as u64 > (*prefix(s)).cap {
                regrow(s, grown_cap(need, s_len))
            } else {
                s
            };
            // `s += s`: the bytes to append are the string's own, maybe moved.
            let from = if same { data(s) } else { data(t) };
            std::ptr::copy_nonoverlapping(from, data(s).add(s_len), t_len);
            (*s).len = need as u64;
            (*prefix(s)).chars = chars;
            // Re-read: `regrow` drops the pool class bits.
            let flags = (*s).header.flags;
            (*s).header.flags = if chars == need as u64 {
                flags | FLAG_STR_ASCII
            } else {
                flags & !FLAG_STR_ASCII
            };
            return s;
        }
        let out = alloc_string(need, grown_cap(need, s_len), chars);
        std::ptr::copy_nonoverlapping(data(s), data(out), s_len);
        std::ptr::copy_nonoverlapping(data(t), data(out).add(s_len), t_len);
        lm_release(s.cast());
        out
    }
}

/// The capacity for a string growing to `need` bytes from `len`: at least
/// double, so repeated appends copy each byte O(1) times on average.
fn grown_cap(need: usize, len: usize) -> usize {
    need.max(len.saturating_mul(2)).max(MIN_APPEND_CAP)
}

/// Concatenates `count` strings from an array of string pointers (the parts of
/// an interpolated string) into one new string: a single allocation of
/// exactly the total length.
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
    let (mut total, mut chars) = (0usize, 0u64);
    for &p in parts {
        // SAFETY: every part is a live string.
        unsafe {
            total = total
                .checked_add((*p).len as usize)
                .unwrap_or_else(|| internal_error("string too large"));
            chars += chars_of(p);
        }
    }
    new_with_chars(total, chars, |out| {
        let mut at = 0;
        for &p in parts {
            // SAFETY: as above.
            let b = unsafe { bytes(p) };
            out[at..at + b.len()].copy_from_slice(b);
            at += b.len();
        }
    })
}

/// The byte of a one-byte string, or -1 (see `LM_STR_BYTE_KEY`).
///
/// # Safety
/// `s` must be a live string object.
#[no_mangle]
pub unsafe extern "C" fn lm_str_byte_key(s: *const LmString) -> i64 {
    // SAFETY: caller's contract: a string object with `len` bytes after it.
    unsafe {
        match bytes(s) {
            [b] => i64::from(*b),
            _ => -1,
        }
    }
}

/// `a == b` by content.
///
/// # Safety
/// Both arguments must be live string objects.
#[no_mangle]
pub unsafe extern "C" fn lm_str_eq(a: *const LmString, b: *const LmString) -> i8 {
    // SAFETY: caller passes live strings.
    unsafe { (a == b || ((*a).len == (*b).len && bytes_eq(bytes(a), bytes(b)))) as i8 }
}

/// Equality of two byte strings of the same length. Short ones (most
/// comparisons: `c == ";"`, `match` on one-character strings) are compared
/// inline rather than through a `memcmp` call.
#[inline]
fn bytes_eq(x: &[u8], y: &[u8]) -> bool {
    debug_assert_eq!(x.len(), y.len());
    if x.len() <= 8 {
        x.iter().zip(y).all(|(p, q)| p == q)
    } else {
        x == y
    }
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

/// `len(s)`: the number of characters. O(1) for ASCII and for heap strings
/// whose count is cached; otherwise counted (and cached in a heap string).
///
/// # Safety
/// `s` must be a live string object.
#[no_mangle]
pub unsafe extern "C" fn lm_str_len(s: *const LmString) -> i64 {
    // SAFETY: caller passes a live string.
    unsafe { chars_of(s) as i64 }
}

/// `s[i]`: the one-character string at character index `i`; negative indices
/// count from the end. Out of range fails the task with
/// `index 5 out of bounds for string of length 2`.
///
/// O(1) for a string known to be ASCII (flag or cached count); otherwise the
/// character count is computed once (cached in a heap string) and the text is
/// walked from the nearer end.
///
/// # Safety
/// `s` must be a live string object; `loc` null or a valid [`SourceLoc`].
#[no_mangle]
pub unsafe extern "C" fn lm_str_index(
    s: *const LmString,
    i: i64,
    loc: *const SourceLoc,
) -> *mut LmString {
    crate::errors::guard(|| {
        // SAFETY: caller passes a live string; an ASCII string's bytes are all
        // below 128, so the table lookup is in range.
        unsafe {
            if (*s).header.flags & FLAG_STR_ASCII != 0 {
                if let Some(at) = resolve_index(i, (*s).len) {
                    let byte = *data(s).add(at as usize);
                    return lm_ascii_chars[usize::from(byte & 0x7F)].as_ptr();
                }
            }
            str_index_general(s, i, loc)
        }
    })
}

/// [`lm_str_index`] beyond its ASCII fast path: a string not known to be
/// ASCII, or an index out of range (same contract).
///
/// # Safety
/// As for [`lm_str_index`].
#[inline(never)]
unsafe fn str_index_general(s: *const LmString, i: i64, loc: *const SourceLoc) -> *mut LmString {
    // SAFETY: caller passes a live string.
    unsafe {
        let chars = chars_of(s);
        match char_at(as_str(s), chars, i) {
            Some(c) => char_string(c),
            None => {
                let message = format!("index {i} out of bounds for string of length {chars}");
                // SAFETY: caller's contract on `loc`.
                fail_current_task(&message, loc)
            }
        }
    }
}

/// Index `i` (negative from the end) into `n` items, if in range.
#[inline]
fn resolve_index(i: i64, n: u64) -> Option<u64> {
    let at = if i < 0 { i.checked_add(n as i64)? } else { i };
    (at >= 0 && (at as u64) < n).then_some(at as u64)
}

/// The character at index `i` (negative from the end) of `text`, which has
/// `chars` characters, if in range.
fn char_at(text: &str, chars: u64, i: i64) -> Option<char> {
    let at = resolve_index(i, chars)?;
    if chars == text.len() as u64 {
        // One byte per character: index directly.
        return Some(text.as_bytes()[at as usize] as char);
    }
    if at < chars / 2 {
        text.chars().nth(at as usize)
    } else {
        text.chars().rev().nth((chars - 1 - at) as usize)
    }
}

/// A one-character string: static for ASCII, allocated otherwise.
pub fn char_string(c: char) -> *mut LmString {
    if c.is_ascii() {
        return lm_ascii_chars[c as usize].as_ptr();
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
        assert_eq!(s(lm_ascii_chars[b'a' as usize].as_ptr()), "a");
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

    /// A literal as the code generator emits it: flags 0, immortal.
    macro_rules! literal {
        ($s:expr) => {{
            static L: StaticStr<{ $s.len() }> = {
                let mut l = StaticStr::new($s);
                l.header.flags = 0;
                l
            };
            L.as_ptr()
        }};
    }

    fn flags(p: *const LmString) -> u16 {
        unsafe { (*p).header.flags }
    }

    fn cap(p: *const LmString) -> u64 {
        unsafe { (*prefix(p)).cap }
    }

    #[test]
    fn static_strings_know_they_are_ascii() {
        assert_ne!(flags(static_str!("true")) & FLAG_STR_ASCII, 0);
        assert_ne!(flags(static_str!("")) & FLAG_STR_ASCII, 0);
        assert_eq!(flags(static_str!("é")) & FLAG_STR_ASCII, 0);
        assert_eq!(flags(static_str!("é")) & FLAG_STR_HEAP, 0);
        assert_ne!(flags(lm_ascii_chars[0].as_ptr()) & FLAG_STR_ASCII, 0);
    }

    #[test]
    fn heap_strings_cache_their_character_count() {
        no_leaks(|| {
            // Long strings are counted when first needed, short ones at once.
            let long = "héllo wörld".repeat(30);
            let p = new_string(&long);
            assert_eq!(flags(p) & (FLAG_STR_HEAP | FLAG_STR_ASCII), FLAG_STR_HEAP);
            assert_eq!(unsafe { known_chars(p) }, None);
            assert_eq!(unsafe { lm_str_len(p) }, 330);
            assert_eq!(unsafe { known_chars(p) }, Some(330));
            assert_eq!(flags(p) & FLAG_STR_ASCII, 0);
            let short = new_string("é");
            assert_eq!(unsafe { known_chars(short) }, Some(1));
            release(short);
            let q = new_with_chars(5, UNKNOWN_CHARS, |out| out.copy_from_slice(b"plain"));
            assert_eq!(unsafe { known_chars(q) }, None);
            let c = unsafe { lm_str_index(q, -1, std::ptr::null()) };
            assert_eq!(s(c), "n");
            assert_ne!(flags(q) & FLAG_STR_ASCII, 0, "indexing learns ASCII");
            // Results of concatenation know their count from the inputs,
            // counting (and caching) an input's count if need be.
            let long2 = new_string(&"ab".repeat(200));
            assert_eq!(unsafe { known_chars(long2) }, None);
            let pq = unsafe { lm_str_concat(p, q) };
            assert_eq!(unsafe { known_chars(pq) }, Some(335));
            let l2 = unsafe { lm_str_concat(q, long2) };
            assert_eq!(unsafe { known_chars(long2) }, Some(400));
            assert_eq!(unsafe { known_chars(l2) }, Some(405));
            assert_ne!(flags(l2) & FLAG_STR_ASCII, 0);
            release(l2);
            release(long2);
            let qq = unsafe { lm_str_concat(q, q) };
            assert_ne!(flags(qq) & FLAG_STR_ASCII, 0);
            let parts = [q as *const LmString, literal!("é"), q];
            let n = unsafe { lm_str_concat_n(parts.as_ptr(), 3) };
            assert_eq!(s(n), "plainéplain");
            assert_eq!(unsafe { known_chars(n) }, Some(11));
            assert_eq!(unsafe { lm_str_len(n) }, 11);
            for x in [p, q, pq, qq, n] {
                release(x);
            }
        });
    }

    #[test]
    fn literals_with_unknown_flags_still_index_and_count() {
        let ascii = literal!("hello");
        let wide = literal!("日本語x");
        unsafe {
            assert_eq!(lm_str_len(ascii), 5);
            assert_eq!(lm_str_len(wide), 4);
            assert_eq!(s(lm_str_index(ascii, 1, std::ptr::null())), "e");
            let c = lm_str_index(wide, 2, std::ptr::null());
            assert_eq!(s(c), "語");
            release(c);
            assert_eq!(s(lm_str_index(wide, -1, std::ptr::null())), "x");
        }
        // Never written: they live in read-only memory.
        assert_eq!(flags(ascii), 0);
        assert_eq!(flags(wide), 0);
    }

    #[test]
    fn append_in_place_when_unshared() {
        no_leaks(|| unsafe {
            let ab = literal!("ab");
            let mut acc = lm_str_append(static_str!(""), ab);
            assert_eq!(acc, ab, "appending to empty returns the other");
            let mut expect = String::from("ab");
            let mut moves = 0;
            for i in 0..2000 {
                let piece = if i % 7 == 0 { "é" } else { "xyz" };
                let t = new_string(piece);
                let before = acc;
                acc = lm_str_append(acc, t);
                if acc != before {
                    moves += 1;
                }
                release(t);
                expect.push_str(piece);
                assert_eq!((*acc).header.rc, 1);
            }
            assert_eq!(s(acc), expect);
            assert!(moves < 40, "grows geometrically ({moves} moves)");
            assert!(cap(acc) as usize >= expect.len());
            assert_eq!(lm_str_len(acc), expect.chars().count() as i64);
            assert_eq!(flags(acc) & FLAG_STR_ASCII, 0);
            // Appending "" is the identity.
            let same = lm_str_append(acc, static_str!(""));
            assert_eq!(same, acc);
            release(acc);
        });
    }

    #[test]
    fn append_keeps_ascii_and_count() {
        no_leaks(|| unsafe {
            let mut acc = new_string("a");
            for _ in 0..100 {
                acc = lm_str_append(acc, literal!("bc"));
            }
            assert_ne!(flags(acc) & FLAG_STR_ASCII, 0);
            assert_eq!(lm_str_len(acc), 201);
            assert_eq!(s(lm_str_index(acc, -1, std::ptr::null())), "c");
            acc = lm_str_append(acc, literal!("ü"));
            assert_eq!(flags(acc) & FLAG_STR_ASCII, 0);
            assert_eq!(known_chars(acc), Some(202));
            let c = lm_str_index(acc, 201, std::ptr::null());
            assert_eq!(s(c), "ü");
            release(c);
            release(acc);
        });
    }

    #[test]
    fn append_to_itself() {
        no_leaks(|| unsafe {
            let mut acc = new_string("ab");
            for _ in 0..10 {
                acc = lm_str_append(acc, acc);
            }
            assert_eq!(s(acc), "ab".repeat(1024));
            assert_eq!(lm_str_len(acc), 2048);
            release(acc);
            // Shared and appended to itself: copied, the other reference kept.
            let a = new_string("xy");
            lm_retain(a.cast());
            let b = lm_str_append(a, a);
            assert_ne!(a, b);
            assert_eq!((s(a), s(b)), ("xy".to_string(), "xyxy".to_string()));
            assert_eq!((*a).header.rc, 1);
            release(a);
            release(b);
        });
    }

    #[test]
    fn append_copies_shared_and_static_strings() {
        no_leaks(|| unsafe {
            let a = new_string("shared");
            lm_retain(a.cast());
            let b = lm_str_append(a, literal!("!"));
            assert_ne!(a, b);
            assert_eq!(s(a), "shared", "the other owner sees no change");
            assert_eq!((*a).header.rc, 1);
            assert_eq!(s(b), "shared!");
            assert!(cap(b) >= MIN_APPEND_CAP as u64, "a copy has room to grow");
            let lit = literal!("lit");
            let c = lm_str_append(lit, a);
            assert_eq!(s(c), "litshared");
            assert_eq!(s(lit), "lit");
            let d = lm_str_append(c, c);
            assert_eq!(s(d), "litsharedlitshared");
            for x in [a, b, d] {
                release(x);
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

    /// `char_at` with the character count computed.
    fn char_at(text: &str, i: i64) -> Option<char> {
        super::char_at(text, text.chars().count() as u64, i)
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

    #[test]
    fn short_strings_come_from_the_pool_with_the_whole_block_as_room() {
        crate::pool::release_parked();
        no_leaks(|| unsafe {
            let a = new_string("hello");
            // 5 bytes + 32 of prefix and header: the 40-byte class, 8 of room.
            assert_eq!(cap(a), 8);
            assert_ne!(flags(a) & crate::pool::FLAG_CLASS_MASK, 0);
            assert_ne!(flags(a) & FLAG_STR_HEAP, 0);
            let block = block_start(a.cast());
            release(a);
            assert_eq!(crate::pool::parked(40), 1);
            // The next string of that class reuses the block (prefix first).
            let b = new_string("world!");
            assert_eq!(block_start(b.cast()), block);
            assert_eq!(s(b), "world!");
            assert_eq!(known_chars(b), Some(6));
            // Appending within the room stays in place...
            let b2 = lm_str_append(b, literal!("ab"));
            assert_eq!((b2, s(b2).as_str()), (b, "world!ab"));
            // ...and beyond it regrows out of the pool: the block loses its
            // class and goes back to `free` when released.
            let c = lm_str_append(b2, literal!("0123456789012345678901234567890123456789"));
            assert_eq!(flags(c) & crate::pool::FLAG_CLASS_MASK, 0);
            assert_eq!(s(c), "world!ab0123456789012345678901234567890123456789");
            assert_eq!(lm_str_len(c), 48);
            release(c);
            assert_eq!(crate::pool::parked(40), 0);
            // Long strings bypass the pool.
            let long = new_string(&"x".repeat(200));
            assert_eq!(flags(long) & crate::pool::FLAG_CLASS_MASK, 0);
            release(long);
        });
        crate::pool::release_parked();
    }

    #[test]
    fn append_fast_path_keeps_counts_and_flags() {
        no_leaks(|| unsafe {
            // A one-character append into room, a longer one, a non-ASCII
            // one (general path) and an ASCII one after it (general again:
            // the target is no longer ASCII).
            let mut acc = lm_str_append(literal!("x"), literal!("y"));
            assert_eq!(s(acc), "xy");
            acc = lm_str_append(acc, static_str!("z"));
            acc = lm_str_append(acc, literal!("0123"));
            assert_eq!((s(acc).as_str(), lm_str_len(acc)), ("xyz0123", 7));
            assert_ne!(flags(acc) & FLAG_STR_ASCII, 0);
            acc = lm_str_append(acc, literal!("é"));
            acc = lm_str_append(acc, literal!("!"));
            assert_eq!(s(acc), "xyz0123é!");
            assert_eq!(known_chars(acc), Some(9));
            assert_eq!(flags(acc) & FLAG_STR_ASCII, 0);
            let c = lm_str_index(acc, 7, std::ptr::null());
            assert_eq!(s(c), "é");
            release(c);
            release(acc);
        });
    }
}
