//! Format specs of interpolation: `{x:spec}` (semantics.md §7).
//!
//! The compiler parses the spec and rejects specs that do not apply to the
//! value's type, then calls `lm_fmt_int`/`lm_fmt_float`/`lm_fmt_str` with the
//! pieces. The runtime is lenient about combinations the compiler should
//! have rejected (it ignores what does not apply) rather than failing.
//!
//! Decisions where the spec is silent (documented in `docs/runtime-abi.md`):
//! * An `Int` with a precision prints exactly, as a float would: `{42:.2}` →
//!   `42.00` (digits are exact even beyond 2^53).
//! * `f` without a precision is the display form (like no letter).
//! * `x X o b` print sign and magnitude: `{-255:x}` → `-ff`; `#` adds
//!   `0x`/`0o`/`0b` (lower-case `0x` also with `X`: `0xFF`).
//! * `0N` pads with zeros between the sign/prefix and the digits and then
//!   ignores fill and alignment; it does not apply to `inf`/`NaN` (space
//!   padded) nor to strings.
//! * `+` prints `+` for non-negative numbers, `-0.0` keeps its `-`, and `NaN`
//!   never has a sign.
//! * A precision on a string truncates it to that many characters.
//! * Width counts characters; centring puts the extra fill on the right.

use std::fmt::Write;

use lumen_abi::{FmtAlign, FmtKind, FMT_FLAG_ALT, FMT_FLAG_PLUS, FMT_FLAG_ZERO};

use crate::display;
use crate::rc::lm_retain;
use crate::strings::{as_str, new_string, LmString};

/// A decoded format spec.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spec {
    pub fill: char,
    pub align: FmtAlign,
    pub plus: bool,
    pub zero: bool,
    pub alt: bool,
    pub width: Option<usize>,
    pub precision: Option<usize>,
    pub kind: FmtKind,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            fill: ' ',
            align: FmtAlign::Default,
            plus: false,
            zero: false,
            alt: false,
            width: None,
            precision: None,
            kind: FmtKind::Default,
        }
    }
}

impl Spec {
    /// Decodes the ABI arguments. Unknown enum values fall back to the
    /// default; a fill of 0 (or not a scalar value) means space; negative
    /// width and precision mean none.
    pub fn from_abi(
        fill: i32,
        align: i32,
        flags: i32,
        width: i64,
        precision: i64,
        kind: i32,
    ) -> Spec {
        let align = match align {
            1 => FmtAlign::Left,
            2 => FmtAlign::Right,
            3 => FmtAlign::Center,
            _ => FmtAlign::Default,
        };
        let kind = match kind {
            1 => FmtKind::Fixed,
            2 => FmtKind::LowerHex,
            3 => FmtKind::UpperHex,
            4 => FmtKind::Octal,
            5 => FmtKind::Binary,
            _ => FmtKind::Default,
        };
        Spec {
            fill: u32::try_from(fill)
                .ok()
                .filter(|&c| c != 0)
                .and_then(char::from_u32)
                .unwrap_or(' '),
            align,
            plus: flags & FMT_FLAG_PLUS != 0,
            zero: flags & FMT_FLAG_ZERO != 0,
            alt: flags & FMT_FLAG_ALT != 0,
            width: usize::try_from(width).ok(),
            precision: usize::try_from(precision).ok(),
            kind,
        }
    }
}

/// Formats an `Int`.
pub fn format_int(v: i64, spec: &Spec) -> String {
    let (radix, upper, prefix) = match spec.kind {
        FmtKind::LowerHex => (16, false, "0x"),
        FmtKind::UpperHex => (16, true, "0x"),
        FmtKind::Octal => (8, false, "0o"),
        FmtKind::Binary => (2, false, "0b"),
        FmtKind::Default | FmtKind::Fixed => (10, false, ""),
    };
    let mut buf = [0u8; 64];
    let mut digits = display::int_digits(v.unsigned_abs(), radix, upper, &mut buf).to_string();
    if radix == 10 {
        if let Some(p) = spec.precision.filter(|&p| p > 0) {
            // Exact: an Int is integral, so its fraction is all zeros.
            digits.push('.');
            digits.extend(std::iter::repeat_n('0', p));
        }
    }
    let sign = sign(v < 0, spec.plus);
    let prefix = if spec.alt { prefix } else { "" };
    pad_number(sign, prefix, &digits, true, spec)
}

/// Formats a `Float`.
pub fn format_float(v: f64, spec: &Spec) -> String {
    let magnitude = v.abs();
    let mut digits = String::new();
    match spec.precision {
        // Rust rounds the exact binary value correctly (ties to even on the
        // exact decimal expansion), as C's printf does.
        Some(p) if v.is_finite() => {
            let _ = write!(digits, "{magnitude:.p$}");
        }
        _ => {
            let _ = display::float(&mut digits, magnitude);
        }
    }
    let sign = sign(
        v.is_sign_negative() && !v.is_nan(),
        spec.plus && !v.is_nan(),
    );
    pad_number(sign, "", &digits, v.is_finite(), spec)
}

/// Formats a `String`.
pub fn format_str(s: &str, spec: &Spec) -> String {
    let text = match spec.precision {
        Some(p) => match s.char_indices().nth(p) {
            Some((cut, _)) => &s[..cut],
            None => s,
        },
        None => s,
    };
    let mut out = String::with_capacity(text.len());
    pad(&mut out, text, FmtAlign::Left, spec);
    out
}

fn sign(negative: bool, plus: bool) -> &'static str {
    if negative {
        "-"
    } else if plus {
        "+"
    } else {
        ""
    }
}

/// Assembles sign, prefix and digits, padded to the width: zeros after the
/// sign and prefix with `0N` (when `zero_ok`), else fill and alignment with
/// numbers right-aligned by default.
fn pad_number(sign: &str, prefix: &str, digits: &str, zero_ok: bool, spec: &Spec) -> String {
    let body_chars = sign.len() + prefix.len() + digits.chars().count();
    let mut out = String::with_capacity(body_chars.max(spec.width.unwrap_or(0)));
    if spec.zero && zero_ok {
        out.push_str(sign);
        out.push_str(prefix);
        let zeros = spec.width.unwrap_or(0).saturating_sub(body_chars);
        out.extend(std::iter::repeat_n('0', zeros));
        out.push_str(digits);
        return out;
    }
    let body = format!("{sign}{prefix}{digits}");
    pad(&mut out, &body, FmtAlign::Right, spec);
    out
}

/// Appends `body` padded with the fill to the width (in characters).
fn pad(out: &mut String, body: &str, default: FmtAlign, spec: &Spec) {
    let missing = spec.width.unwrap_or(0).saturating_sub(body.chars().count());
    let align = if spec.align == FmtAlign::Default {
        default
    } else {
        spec.align
    };
    let (before, after) = match align {
        FmtAlign::Left => (0, missing),
        FmtAlign::Center => (missing / 2, missing - missing / 2),
        FmtAlign::Right | FmtAlign::Default => (missing, 0),
    };
    out.extend(std::iter::repeat_n(spec.fill, before));
    out.push_str(body);
    out.extend(std::iter::repeat_n(spec.fill, after));
}

/// `{v:spec}` for an `Int`.
#[no_mangle]
pub extern "C" fn lm_fmt_int(
    v: i64,
    fill: i32,
    align: i32,
    flags: i32,
    width: i64,
    precision: i64,
    kind: i32,
) -> *mut LmString {
    let spec = Spec::from_abi(fill, align, flags, width, precision, kind);
    new_string(&format_int(v, &spec))
}

/// `{v:spec}` for a `Float`.
#[no_mangle]
pub extern "C" fn lm_fmt_float(
    v: f64,
    fill: i32,
    align: i32,
    flags: i32,
    width: i64,
    precision: i64,
    kind: i32,
) -> *mut LmString {
    let spec = Spec::from_abi(fill, align, flags, width, precision, kind);
    new_string(&format_float(v, &spec))
}

/// `{s:spec}` for a `String`. Returns the argument itself (retained) when the
/// spec changes nothing.
///
/// # Safety
/// `s` must be a live string object.
#[no_mangle]
pub unsafe extern "C" fn lm_fmt_str(
    s: *const LmString,
    fill: i32,
    align: i32,
    flags: i32,
    width: i64,
    precision: i64,
    kind: i32,
) -> *mut LmString {
    let spec = Spec::from_abi(fill, align, flags, width, precision, kind);
    // SAFETY: the caller passes a live string.
    let text = unsafe { as_str(s) };
    let formatted = format_str(text, &spec);
    if formatted == text {
        // SAFETY: live object; the +1 is the reference we return.
        unsafe { lm_retain(s as *mut _) };
        return s as *mut LmString;
    }
    new_string(&formatted)
}

#[cfg(test)]
#[allow(clippy::approx_constant)] // 3.14159 is the spec's example
mod tests {
    use super::*;

    /// Parses a spec in the source syntax, as the compiler would:
    /// `[[fill]align][+][#][0][width][.precision][kind]`.
    fn spec(text: &str) -> Spec {
        let mut s = Spec::default();
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        let align_of = |c: char| match c {
            '<' => Some(FmtAlign::Left),
            '>' => Some(FmtAlign::Right),
            '^' => Some(FmtAlign::Center),
            _ => None,
        };
        if chars.len() >= 2 && align_of(chars[1]).is_some() {
            s.fill = chars[0];
            s.align = align_of(chars[1]).unwrap();
            i = 2;
        } else if let Some(a) = chars.first().and_then(|&c| align_of(c)) {
            s.align = a;
            i = 1;
        }
        if chars.get(i) == Some(&'+') {
            s.plus = true;
            i += 1;
        }
        if chars.get(i) == Some(&'#') {
            s.alt = true;
            i += 1;
        }
        if chars.get(i) == Some(&'0') {
            s.zero = true;
            i += 1;
        }
        let num = |i: &mut usize| {
            let start = *i;
            while chars.get(*i).is_some_and(|c| c.is_ascii_digit()) {
                *i += 1;
            }
            (start < *i).then(|| chars[start..*i].iter().collect::<String>().parse().unwrap())
        };
        s.width = num(&mut i);
        if chars.get(i) == Some(&'.') {
            i += 1;
            s.precision = num(&mut i);
        }
        s.kind = match chars.get(i) {
            None => FmtKind::Default,
            Some('f') => FmtKind::Fixed,
            Some('x') => FmtKind::LowerHex,
            Some('X') => FmtKind::UpperHex,
            Some('o') => FmtKind::Octal,
            Some('b') => FmtKind::Binary,
            Some(c) => panic!("bad kind {c}"),
        };
        s
    }

    #[test]
    fn spec_examples_from_semantics() {
        assert_eq!(format_float(3.14159, &spec(".2")), "3.14");
        assert_eq!(format_float(3.14159, &spec(".2f")), "3.14");
        assert_eq!(format_int(42, &spec("05")), "00042");
        assert_eq!(format_str("x", &spec("*^9")), "****x****");
        assert_eq!(format_int(255, &spec("x")), "ff");
        assert_eq!(format_int(255, &spec("#x")), "0xff");
        assert_eq!(format_int(255, &spec("X")), "FF");
        assert_eq!(format_int(8, &spec("#o")), "0o10");
        assert_eq!(format_int(5, &spec("#b")), "0b101");
        assert_eq!(format_int(5, &spec("+")), "+5");
    }

    #[test]
    fn width_and_alignment() {
        assert_eq!(format_int(42, &spec("6")), "    42");
        assert_eq!(format_int(42, &spec("<6")), "42    ");
        assert_eq!(format_int(42, &spec("^6")), "  42  ");
        assert_eq!(format_int(42, &spec("^5")), " 42  ");
        assert_eq!(format_int(-42, &spec("_>6")), "___-42");
        assert_eq!(format_str("ab", &spec("5")), "ab   ");
        assert_eq!(format_str("ab", &spec(">5")), "   ab");
        assert_eq!(format_str("ab", &spec("-^6")), "--ab--");
        assert_eq!(
            format_str("héllo", &spec("7")),
            "héllo  ",
            "width counts characters"
        );
        assert_eq!(format_str("日本", &spec("é>4")), "éé日本");
        assert_eq!(format_str("toolong", &spec("3")), "toolong");
        assert_eq!(format_float(1.5, &spec("8")), "     1.5");
        assert_eq!(format_float(1.5, &spec("<8")), "1.5     ");
        assert_eq!(format_float(2.0, &spec("6")), "   2.0");
    }

    #[test]
    fn zero_padding_goes_after_sign_and_prefix() {
        assert_eq!(format_int(-42, &spec("05")), "-0042");
        assert_eq!(format_int(42, &spec("+05")), "+0042");
        assert_eq!(format_int(255, &spec("#010x")), "0x000000ff");
        assert_eq!(format_int(-255, &spec("#08x")), "-0x000ff");
        assert_eq!(format_int(12345, &spec("03")), "12345");
        assert_eq!(format_float(-3.14159, &spec("08.2")), "-0003.14");
        assert_eq!(format_float(f64::INFINITY, &spec("05")), "  inf");
        assert_eq!(format_float(f64::NEG_INFINITY, &spec("06")), "  -inf");
    }

    #[test]
    fn signs() {
        assert_eq!(format_int(0, &spec("+")), "+0");
        assert_eq!(format_int(-1, &spec("+")), "-1");
        assert_eq!(format_float(0.0, &spec("+")), "+0.0");
        assert_eq!(format_float(-0.0, &spec("")), "-0.0");
        assert_eq!(format_float(-0.0, &spec(".2")), "-0.00");
        assert_eq!(format_float(f64::NAN, &spec("+")), "NaN");
        assert_eq!(format_float(f64::NAN, &spec("+.2")), "NaN");
        assert_eq!(format_float(f64::INFINITY, &spec("+")), "+inf");
        assert_eq!(format_float(f64::NEG_INFINITY, &spec(".3")), "-inf");
    }

    #[test]
    fn precision() {
        assert_eq!(format_float(2.5, &spec(".0")), "2", "ties to even");
        assert_eq!(format_float(3.5, &spec(".0")), "4");
        assert_eq!(
            format_float(0.125, &spec(".2")),
            "0.12",
            "0.125 is exact: tie to even"
        );
        assert_eq!(format_float(0.1, &spec(".20")), "0.10000000000000000555");
        assert_eq!(format_float(1e20, &spec(".1")), "100000000000000000000.0");
        assert_eq!(format_float(1.0, &spec(".3")), "1.000");
        assert_eq!(
            format_float(1.0, &spec("f")),
            "1.0",
            "f without precision is the display form"
        );
        assert_eq!(format_float(0.1 + 0.2, &spec("")), "0.30000000000000004");
        // Ints with a precision print as the equal Float would, exactly.
        assert_eq!(format_int(42, &spec(".2")), "42.00");
        assert_eq!(format_int(-7, &spec(".1f")), "-7.0");
        assert_eq!(format_int(3, &spec(".0")), "3");
        assert_eq!(format_int(i64::MAX, &spec(".1")), "9223372036854775807.0");
        assert_eq!(format_int(5, &spec("08.2")), "00005.00");
        // Strings: a precision truncates by characters.
        assert_eq!(format_str("héllo", &spec(".2")), "hé");
        assert_eq!(format_str("hi", &spec(".5")), "hi");
        assert_eq!(format_str("héllo", &spec("*<4.2")), "hé**");
    }

    #[test]
    fn radix_extremes() {
        assert_eq!(format_int(i64::MIN, &spec("x")), "-8000000000000000");
        assert_eq!(
            format_int(i64::MIN, &spec("#b")),
            format!("-0b1{}", "0".repeat(63))
        );
        assert_eq!(format_int(-1, &spec("#X")), "-0x1");
        assert_eq!(format_int(0, &spec("#o")), "0o0");
        assert_eq!(format_int(255, &spec(">6x")), "    ff");
        assert_eq!(format_int(255, &spec("<#6x")), "0xff  ");
    }

    #[test]
    fn abi_decoding() {
        let s = Spec::from_abi('*' as i32, 3, FMT_FLAG_PLUS | FMT_FLAG_ALT, 9, -1, 2);
        assert_eq!(s.fill, '*');
        assert_eq!(s.align, FmtAlign::Center);
        assert!(s.plus && s.alt && !s.zero);
        assert_eq!(
            (s.width, s.precision, s.kind),
            (Some(9), None, FmtKind::LowerHex)
        );
        let d = Spec::from_abi(0, 99, 0, -1, -1, 99);
        assert_eq!(d, Spec::default());
        assert_eq!(
            Spec::from_abi(0xD800, 0, 0, -1, -1, 0).fill,
            ' ',
            "surrogates are not chars"
        );
    }

    #[test]
    fn exports_allocate_strings() {
        use crate::rc::{lm_release, stats};
        let before = stats::live();
        unsafe {
            let p = lm_fmt_int(42, 0, 0, FMT_FLAG_ZERO, 5, -1, 0);
            assert_eq!(as_str(p), "00042");
            lm_release(p.cast());
            let f = lm_fmt_float(3.14159, ' ' as i32, 0, 0, -1, 2, 1);
            assert_eq!(as_str(f), "3.14");
            lm_release(f.cast());
            let s = new_string("abc");
            let same = lm_fmt_str(s, 0, 0, 0, -1, -1, 0);
            assert_eq!(same, s, "a no-op spec returns the argument");
            lm_release(same.cast());
            let padded = lm_fmt_str(s, '.' as i32, 2, 0, 5, -1, 0);
            assert_eq!(as_str(padded), "..abc");
            lm_release(padded.cast());
            lm_release(s.cast());
        }
        assert_eq!(stats::live(), before);
    }
}
