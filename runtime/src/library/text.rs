//! String builtins: case, trimming, splitting, searching, slicing, padding,
//! `repeat`, `reverse`, `format` and `join` (builtins.md, Strings).
//!
//! Indices, lengths and widths count characters (Unicode scalar values);
//! case mapping and trimming use Unicode's definitions (`upper("ß")` is
//! `"SS"`, `trim` removes any White_Space).

use std::borrow::Cow;

use lumen_abi::{SourceLoc, TypeDesc};

use super::string_list;
use crate::errors::fail_current_task;
use crate::objects::{elems, ListObj};
use crate::rc::lm_retain;
use crate::strings::{as_str, char_string, new_string, LmString};
use crate::value::write_value;

/// The text of a borrowed string argument.
///
/// # Safety
/// `s` must be a live string object.
unsafe fn arg<'a>(s: *const LmString) -> &'a str {
    // SAFETY: caller's contract.
    unsafe { as_str(s) }
}

/// An owned string for `result`: `orig` itself (retained) when unchanged.
fn result(orig: *const LmString, text: Cow<'_, str>) -> *mut LmString {
    match text {
        Cow::Borrowed(t) if t.len() == unsafe { (*orig).len } as usize => {
            let p = orig as *mut LmString;
            // SAFETY: a live string (the caller's argument); +1 for the result.
            unsafe { lm_retain(p.cast()) };
            p
        }
        t => new_string(&t),
    }
}

/// `t` itself when `mapped` is the same text (no new allocation).
fn unchanged_or(t: &str, mapped: String) -> Cow<'_, str> {
    if mapped == t {
        Cow::Borrowed(t)
    } else {
        Cow::Owned(mapped)
    }
}

/// Resolves a character range with negative indices counting from the end,
/// clamped to `0..=len`; an end before the start gives an empty range.
pub fn clamp_range(start: i64, end: i64, len: usize) -> (usize, usize) {
    let n = len as i64;
    let fix = |i: i64| {
        let i = if i < 0 { i.saturating_add(n) } else { i };
        i.clamp(0, n) as usize
    };
    let (a, b) = (fix(start), fix(end));
    (a, b.max(a))
}

/// The byte offset of character `i` (or the end of the text).
fn byte_at(text: &str, i: usize) -> usize {
    text.char_indices().nth(i).map_or(text.len(), |(b, _)| b)
}

macro_rules! text_fn {
    ($(#[$m:meta])* $name:ident, |$t:ident| $body:expr) => {
        $(#[$m])*
        ///
        /// # Safety
        /// `s` must be a live string object.
        #[no_mangle]
        pub unsafe extern "C" fn $name(s: *const LmString) -> *mut LmString {
            // SAFETY: caller's contract.
            let $t = unsafe { arg(s) };
            result(s, $body)
        }
    };
}

text_fn!(
    /// `upper(s)`: Unicode upper case.
    lm_str_upper,
    |t| unchanged_or(t, t.to_uppercase())
);
text_fn!(
    /// `lower(s)`: Unicode lower case.
    lm_str_lower,
    |t| unchanged_or(t, t.to_lowercase())
);
text_fn!(
    /// `trim(s)`: without leading and trailing white space.
    lm_str_trim,
    |t| Cow::Borrowed(t.trim())
);
text_fn!(
    /// `trim_start(s)`.
    lm_str_trim_start,
    |t| Cow::Borrowed(t.trim_start())
);
text_fn!(
    /// `trim_end(s)`.
    lm_str_trim_end,
    |t| Cow::Borrowed(t.trim_end())
);
text_fn!(
    /// `capitalize(s)`: the first character upper-cased, the rest unchanged.
    lm_str_capitalize,
    |t| capitalize(t)
);
text_fn!(
    /// `reverse(s)`: the characters in reverse order.
    lm_str_reverse,
    |t| if t.chars().nth(1).is_none() {
        Cow::Borrowed(t)
    } else {
        Cow::Owned(t.chars().rev().collect())
    }
);

fn capitalize(t: &str) -> Cow<'_, str> {
    let mut chars = t.chars();
    match chars.next() {
        Some(first) => {
            let upper: String = first.to_uppercase().collect();
            if upper.len() == first.len_utf8() && upper.starts_with(first) {
                Cow::Borrowed(t)
            } else {
                Cow::Owned(upper + chars.as_str())
            }
        }
        None => Cow::Borrowed(t),
    }
}

/// `split(s, sep)`: the pieces between occurrences of `sep`; an empty `sep`
/// splits into characters.
///
/// # Safety
/// `s` and `sep` must be live strings; `str_desc` the String descriptor.
#[no_mangle]
pub unsafe extern "C" fn lm_str_split(
    s: *const LmString,
    sep: *const LmString,
    str_desc: *const TypeDesc,
) -> *mut ListObj {
    // SAFETY: caller's contract.
    unsafe {
        let (t, sep) = (arg(s), arg(sep));
        if sep.is_empty() {
            return lm_str_chars(s, str_desc);
        }
        string_list(str_desc, t.split(sep))
    }
}

/// `lines(s)`: split at `\n` and `\r\n`, without a trailing empty line.
///
/// # Safety
/// `s` must be a live string; `str_desc` the String descriptor.
#[no_mangle]
pub unsafe extern "C" fn lm_str_lines(
    s: *const LmString,
    str_desc: *const TypeDesc,
) -> *mut ListObj {
    // SAFETY: caller's contract.
    unsafe { string_list(str_desc, arg(s).lines()) }
}

/// `chars(s)`: one-character strings.
///
/// # Safety
/// `s` must be a live string; `str_desc` the String descriptor.
#[no_mangle]
pub unsafe extern "C" fn lm_str_chars(
    s: *const LmString,
    str_desc: *const TypeDesc,
) -> *mut ListObj {
    // SAFETY: caller's contract.
    let t = unsafe { arg(s) };
    let slots = t.chars().map(|c| char_string(c) as i64).collect();
    // SAFETY: each string's reference moves into the list.
    unsafe { super::list_from_owned(str_desc, slots) }
}

/// `replace(s, from, to)`: every occurrence (an empty `from` matches
/// between characters and at both ends).
///
/// # Safety
/// All three must be live strings.
#[no_mangle]
pub unsafe extern "C" fn lm_str_replace(
    s: *const LmString,
    from: *const LmString,
    to: *const LmString,
) -> *mut LmString {
    // SAFETY: caller's contract.
    let (t, from, to) = unsafe { (arg(s), arg(from), arg(to)) };
    if !from.is_empty() && !t.contains(from) {
        return result(s, Cow::Borrowed(t));
    }
    new_string(&t.replace(from, to))
}

/// `contains(s, sub)`.
///
/// # Safety
/// Both must be live strings.
#[no_mangle]
pub unsafe extern "C" fn lm_str_contains(s: *const LmString, sub: *const LmString) -> i8 {
    // SAFETY: caller's contract.
    unsafe { arg(s).contains(arg(sub)) as i8 }
}

/// `starts_with(s, prefix)`.
///
/// # Safety
/// Both must be live strings.
#[no_mangle]
pub unsafe extern "C" fn lm_str_starts_with(s: *const LmString, p: *const LmString) -> i8 {
    // SAFETY: caller's contract.
    unsafe { arg(s).starts_with(arg(p)) as i8 }
}

/// `ends_with(s, suffix)`.
///
/// # Safety
/// Both must be live strings.
#[no_mangle]
pub unsafe extern "C" fn lm_str_ends_with(s: *const LmString, p: *const LmString) -> i8 {
    // SAFETY: caller's contract.
    unsafe { arg(s).ends_with(arg(p)) as i8 }
}

/// `index_of(s, sub)`: the character index of the first occurrence, or -1.
///
/// # Safety
/// Both must be live strings.
#[no_mangle]
pub unsafe extern "C" fn lm_str_index_of(s: *const LmString, sub: *const LmString) -> i64 {
    // SAFETY: caller's contract.
    let (t, sub) = unsafe { (arg(s), arg(sub)) };
    match t.find(sub) {
        Some(at) => t[..at].chars().count() as i64,
        None => -1,
    }
}

/// `slice(s, start, end)`: characters `start..end`, negative indices from the
/// end, clamped to the string.
///
/// # Safety
/// `s` must be a live string.
#[no_mangle]
pub unsafe extern "C" fn lm_str_slice(s: *const LmString, start: i64, end: i64) -> *mut LmString {
    // SAFETY: caller's contract.
    let t = unsafe { arg(s) };
    let (a, b) = clamp_range(start, end, t.chars().count());
    let from = byte_at(t, a);
    let to = from + byte_at(&t[from..], b - a);
    result(s, Cow::Borrowed(&t[from..to]))
}

/// Pads `s` with `fill` to `width` characters, on the left or the right.
///
/// # Safety
/// `s` and `fill` must be live strings; `loc` null or a valid location.
unsafe fn pad(
    s: *const LmString,
    width: i64,
    fill: *const LmString,
    left: bool,
    loc: *const SourceLoc,
) -> *mut LmString {
    // SAFETY: caller's contract.
    let (t, f) = unsafe { (arg(s), arg(fill)) };
    let mut fc = f.chars();
    let (Some(c), None) = (fc.next(), fc.next()) else {
        let name = if left { "pad_left" } else { "pad_right" };
        let mut shown = String::new();
        let _ = crate::value::quoted(&mut shown, f);
        let message = format!("{name}: the fill must be one character, not {shown}");
        // SAFETY: caller's contract on `loc`.
        unsafe { fail_current_task(&message, loc) }
    };
    let len = t.chars().count() as i64;
    if width <= len {
        return result(s, Cow::Borrowed(t));
    }
    let missing = (width - len) as usize;
    let bytes = missing.saturating_mul(c.len_utf8()).saturating_add(t.len());
    let mut text = String::new();
    // SAFETY: caller's contract on `loc`.
    unsafe { crate::memory::reserve_string(&mut text, bytes, loc) };
    if !left {
        text.push_str(t);
    }
    text.extend(std::iter::repeat_n(c, missing));
    if left {
        text.push_str(t);
    }
    new_string(&text)
}

/// `pad_left(s, width, fill)`.
///
/// # Safety
/// As for [`pad`].
#[no_mangle]
pub unsafe extern "C" fn lm_str_pad_left(
    s: *const LmString,
    width: i64,
    fill: *const LmString,
    loc: *const SourceLoc,
) -> *mut LmString {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        unsafe { pad(s, width, fill, true, loc) }
    })
}

/// `pad_right(s, width, fill)`.
///
/// # Safety
/// As for [`pad`].
#[no_mangle]
pub unsafe extern "C" fn lm_str_pad_right(
    s: *const LmString,
    width: i64,
    fill: *const LmString,
    loc: *const SourceLoc,
) -> *mut LmString {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        unsafe { pad(s, width, fill, false, loc) }
    })
}

/// `repeat(s, n)`: `n` copies; a negative count fails at `loc`.
///
/// # Safety
/// `s` must be a live string; `loc` null or a valid location.
#[no_mangle]
pub unsafe extern "C" fn lm_str_repeat(
    s: *const LmString,
    n: i64,
    loc: *const SourceLoc,
) -> *mut LmString {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        let t = unsafe { arg(s) };
        if n < 0 {
            let message = format!("repeat count must not be negative (got {n})");
            // SAFETY: caller's contract on `loc`.
            unsafe { fail_current_task(&message, loc) }
        }
        if n == 1 {
            return result(s, Cow::Borrowed(t));
        }
        let total = (t.len() as u64).checked_mul(n as u64);
        if total.is_none_or(|b| b > isize::MAX as u64 / 2) {
            // SAFETY: caller's contract on `loc`.
            unsafe { fail_current_task("repeat: the result is too large", loc) }
        }
        new_string(&t.repeat(n as usize))
    })
}

/// The number of `{}` placeholders in a `format` template.
pub fn placeholders(template: &str) -> usize {
    template.matches("{}").count()
}

/// `format(template, args…)`: each `{}` replaced by the next of the `count`
/// strings in `parts`; a count that differs from the number of placeholders
/// fails at `loc`.
///
/// # Safety
/// `template` must be a live string, `parts` point to `count` live strings,
/// `loc` be null or a valid location.
#[no_mangle]
pub unsafe extern "C" fn lm_str_format(
    template: *const LmString,
    parts: *const *const LmString,
    count: i64,
    loc: *const SourceLoc,
) -> *mut LmString {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        let t = unsafe { arg(template) };
        let parts: &[*const LmString] = if count <= 0 {
            &[]
        } else {
            // SAFETY: caller's contract.
            unsafe { std::slice::from_raw_parts(parts, count as usize) }
        };
        let holes = placeholders(t);
        if holes != parts.len() {
            let message = format_count_message(holes, parts.len());
            // SAFETY: caller's contract on `loc`.
            unsafe { fail_current_task(&message, loc) }
        }
        let mut out = String::with_capacity(t.len());
        for (i, piece) in t.split("{}").enumerate() {
            if i > 0 {
                // SAFETY: live strings (caller's contract).
                out.push_str(unsafe { arg(parts[i - 1]) });
            }
            out.push_str(piece);
        }
        result(template, Cow::Owned(out))
    })
}

/// `format(template, …)` with spread arguments: the display forms of the
/// values are the strings of `parts` (a `list[String]`).
///
/// # Safety
/// `template` must be a live string, `parts` a live list of strings, `loc`
/// null or a valid location.
#[no_mangle]
pub unsafe extern "C" fn lm_str_format_list(
    template: *const LmString,
    parts: *const ListObj,
    loc: *const SourceLoc,
) -> *mut LmString {
    // (No guard: the function it calls has its own.)
    // SAFETY: caller's contract; string slots are string pointers, and a
    // list of strings is not packed, so its slots are its buffer.
    unsafe {
        let (slots, _) = elems(parts);
        let strings: Vec<*const LmString> = slots.iter().map(|&s| super::slot_str(s)).collect();
        lm_str_format(template, strings.as_ptr(), strings.len() as i64, loc)
    }
}

/// The error when `format` gets the wrong number of arguments (also used by
/// the compiler's wording, kept in sync by a test).
pub fn format_count_message(holes: usize, args: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "format: the template has {} but {} {} given",
        plural(holes, "placeholder"),
        plural(args, "argument"),
        if args == 1 { "was" } else { "were" }
    )
}

/// `join(xs, sep)`: the display forms of the elements (strings unquoted)
/// separated by `sep`.
///
/// # Safety
/// `list` must be a live list and `sep` a live string.
#[no_mangle]
pub unsafe extern "C" fn lm_list_join(list: *const ListObj, sep: *const LmString) -> *mut LmString {
    // SAFETY: caller's contract.
    let ((xs, ty), sep) = unsafe { (elems(list), arg(sep)) };
    let mut out = String::new();
    for (i, &x) in xs.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        // SAFETY: live elements of the list's type. Writing to a String cannot fail.
        let _ = unsafe { write_value(&mut out, x, ty, false) };
    }
    new_string(&out)
}

/// The text of a `list[String]` element slot (for tests).
#[cfg(test)]
fn elem_text(slot: i64) -> String {
    unsafe { as_str(super::slot_str(slot)) }.to_string()
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use crate::typedesc::test_descs::{int, list, string};

    fn call1(f: unsafe extern "C" fn(*const LmString) -> *mut LmString, input: &str) -> String {
        let p = s(input);
        let r = unsafe { f(p) };
        let out = text(r);
        release(r);
        release(p);
        out
    }

    #[test]
    fn case_and_trim() {
        no_leaks(|| {
            assert_eq!(call1(lm_str_upper, "héllo ß"), "HÉLLO SS");
            assert_eq!(call1(lm_str_upper, "ABC"), "ABC");
            assert_eq!(call1(lm_str_lower, "HÉLLO İ"), "héllo i\u{307}");
            assert_eq!(call1(lm_str_lower, "abc"), "abc");
            assert_eq!(call1(lm_str_trim, " \t a b \n"), "a b");
            assert_eq!(call1(lm_str_trim_start, "  a "), "a ");
            assert_eq!(call1(lm_str_trim_end, "  a "), "  a");
            assert_eq!(call1(lm_str_trim, "\u{3000}x\u{a0}"), "x");
            assert_eq!(call1(lm_str_capitalize, "élan vital"), "Élan vital");
            assert_eq!(call1(lm_str_capitalize, "hELLO"), "HELLO");
            assert_eq!(call1(lm_str_capitalize, ""), "");
            assert_eq!(call1(lm_str_reverse, "abc日本"), "本日cba");
            assert_eq!(call1(lm_str_reverse, ""), "");
        });
    }

    #[test]
    fn unchanged_results_reuse_the_argument() {
        no_leaks(|| unsafe {
            let p = s("abc");
            let r = lm_str_trim(p);
            assert_eq!(r, p);
            assert_eq!((*p).header.rc, 2);
            release(r);
            release(p);
        });
    }

    #[test]
    fn split_lines_chars() {
        no_leaks(|| unsafe {
            let d = string().as_ptr();
            let cases: &[(&str, &str, &[&str])] = &[
                ("a,,b", ",", &["a", "", "b"]),
                ("", ",", &[""]),
                ("abc", "", &["a", "b", "c"]),
                ("a--b--", "--", &["a", "b", ""]),
                ("日本語", "本", &["日", "語"]),
            ];
            for (t, sep, want) in cases {
                let (p, q) = (s(t), s(sep));
                let l = lm_str_split(p, q, d);
                assert_eq!(strings(l), *want, "split({t:?}, {sep:?})");
                release(l);
                release(p);
                release(q);
            }
            let p = s("a\r\nb\n\nc\n");
            let l = lm_str_lines(p, d);
            assert_eq!(strings(l), ["a", "b", "", "c"]);
            release(l);
            release(p);
            let p = s("");
            let l = lm_str_lines(p, d);
            assert!(strings(l).is_empty());
            release(l);
            let p = s("hé🦀");
            let l = lm_str_chars(p, d);
            assert_eq!(strings(l), ["h", "é", "🦀"]);
            assert_eq!(elem_text(elems(l).0[2]), "🦀");
            release(l);
            release(p);
        });
    }

    #[test]
    fn search_and_replace() {
        no_leaks(|| unsafe {
            let (p, q) = (s("héllo wörld"), s("wö"));
            assert_eq!(lm_str_contains(p, q), 1);
            assert_eq!(lm_str_index_of(p, q), 6);
            assert_eq!(lm_str_starts_with(p, q), 0);
            assert_eq!(lm_str_ends_with(p, q), 0);
            let e = s("");
            assert_eq!(lm_str_index_of(p, e), 0);
            assert_eq!(lm_str_contains(p, e), 1);
            let x = s("xyz");
            assert_eq!(lm_str_index_of(p, x), -1);
            let r = lm_str_replace(p, q, x);
            assert_eq!(text(r), "héllo xyzrld");
            release(r);
            let r = lm_str_replace(x, e, q);
            assert_eq!(text(r), "wöxwöywözwö");
            release(r);
            for o in [p, q, x] {
                release(o);
            }
        });
    }

    #[test]
    fn slice_clamps_and_counts_from_the_end() {
        assert_eq!(clamp_range(1, 3, 5), (1, 3));
        assert_eq!(clamp_range(-2, 5, 5), (3, 5));
        assert_eq!(clamp_range(-9, 99, 5), (0, 5));
        assert_eq!(clamp_range(4, 2, 5), (4, 4));
        assert_eq!(clamp_range(i64::MIN, i64::MAX, 5), (0, 5));
        no_leaks(|| unsafe {
            let p = s("héllo");
            for (a, b, want) in [(1, 3, "él"), (-3, 99, "llo"), (3, 1, ""), (0, -1, "héll")] {
                let r = lm_str_slice(p, a, b);
                assert_eq!(text(r), want);
                release(r);
            }
            release(p);
        });
    }

    #[test]
    fn pad_repeat_format_join() {
        no_leaks(|| unsafe {
            let (p, f) = (s("7"), s("0"));
            let r = lm_str_pad_left(p, 3, f, std::ptr::null());
            assert_eq!(text(r), "007");
            release(r);
            let r = lm_str_pad_right(p, 3, f, std::ptr::null());
            assert_eq!(text(r), "700");
            release(r);
            let r = lm_str_pad_right(p, -3, f, std::ptr::null());
            assert_eq!(text(r), "7");
            release(r);
            let r = lm_str_repeat(p, 3, std::ptr::null());
            assert_eq!(text(r), "777");
            release(r);
            let r = lm_str_repeat(p, 0, std::ptr::null());
            assert_eq!(text(r), "");
            let t = s("{} + {} = {}!");
            let parts = [p as *const LmString, f, p];
            let r = lm_str_format(t, parts.as_ptr(), 3, std::ptr::null());
            assert_eq!(text(r), "7 + 0 = 7!");
            release(r);
            for o in [p, f, t] {
                release(o);
            }
            let xs = str_list(&["a", "b c"]);
            let sep = s(", ");
            let r = lm_list_join(xs, sep);
            assert_eq!(text(r), "a, b c");
            release(r);
            release(xs);
            let xs = int_list(&[1, 2, 3]);
            let r = lm_list_join(xs, sep);
            assert_eq!(text(r), "1, 2, 3");
            release(r);
            // Nested strings are quoted.
            let inner = str_list(&["x"]);
            let outer = super::super::list_from_owned(list(string()).as_ptr(), vec![inner as i64]);
            let r = lm_list_join(outer, sep);
            assert_eq!(text(r), "[\"x\"]");
            release(r);
            release(outer);
            release(xs);
            release(sep);
            let _ = int();
        });
        assert_eq!(placeholders("{} {}{}"), 3);
        assert_eq!(
            format_count_message(1, 2),
            "format: the template has 1 placeholder but 2 arguments were given"
        );
    }
}
