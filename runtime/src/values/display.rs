//! The display form of scalar values (semantics.md §7), shared by `print`,
//! `to_string`, interpolation and format specs.
//!
//! Floats: finite, integral and `abs < 1e15` print with one decimal (`3.0`,
//! `-0.0`); everything else prints the shortest decimal text that reads back to
//! the same double, never in exponent form (`0.30000000000000004`, `1e20` →
//! `100000000000000000000`, `1e-7` → `0.0000001`); then `inf`, `-inf`, `NaN`.
//! Rust's `Display` for `f64` is exactly "shortest round-trip, no exponent"
//! (Grisu/Ryu-style with a fallback, then positional notation), so it is used
//! as is and `.0` added where the spec wants it; the tests pin the table.

use std::fmt::{self, Write};

use crate::static_str;
use crate::strings::{new_ascii, new_string, LmString};

/// Writes the display form of an `Int`.
pub fn int(out: &mut impl Write, v: i64) -> fmt::Result {
    let mut buf = [0u8; 20];
    if v < 0 {
        out.write_char('-')?;
    }
    out.write_str(int_digits(v.unsigned_abs(), 10, false, &mut buf))
}

/// The digits of `n` in `radix` (2, 8, 10 or 16), without sign or prefix,
/// written at the end of `buf`.
pub fn int_digits(mut n: u64, radix: u64, upper: bool, buf: &mut [u8]) -> &str {
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = digits[(n % radix) as usize];
        n /= radix;
        if n == 0 {
            break;
        }
    }
    // The digits are ASCII, so this cannot fail.
    std::str::from_utf8(&buf[at..]).unwrap_or_default()
}

/// Writes the display form of a `Float` (module docs).
pub fn float(out: &mut impl Write, v: f64) -> fmt::Result {
    if v.is_nan() {
        out.write_str("NaN")
    } else if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        // `{:.1}` keeps the sign of -0.0 and is exact for integral values.
        write!(out, "{v:.1}")
    } else {
        // Shortest round-trip, positional; `inf` and `-inf` for infinities.
        write!(out, "{v}")
    }
}

/// The display form of a `Bool`.
pub fn bool_text(v: i8) -> &'static str {
    if v != 0 {
        "true"
    } else {
        "false"
    }
}

/// `to_string` of an `Int`.
#[no_mangle]
pub extern "C" fn lm_str_from_int(v: i64) -> *mut LmString {
    // Sign and up to 20 digits, written from the end.
    let mut buf = [0u8; 21];
    let mut at = buf.len();
    let mut n = v.unsigned_abs();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    new_ascii(&buf[at..])
}

/// `to_string` of a `Float`.
#[no_mangle]
pub extern "C" fn lm_str_from_float(v: f64) -> *mut LmString {
    let mut text = String::new();
    // Writing to a String cannot fail.
    let _ = float(&mut text, v);
    new_string(&text)
}

/// `to_string` of a `Bool`: a static string.
#[no_mangle]
pub extern "C" fn lm_str_from_bool(v: i8) -> *mut LmString {
    if v != 0 {
        static_str!("true")
    } else {
        static_str!("false")
    }
}

/// `to_string(null)`: a static string.
#[no_mangle]
pub extern "C" fn lm_str_from_null() -> *mut LmString {
    static_str!("null")
}

#[cfg(test)]
#[allow(clippy::approx_constant)] // 3.14159 is the spec's example
mod tests {
    use super::*;
    use crate::rc::lm_release;
    use crate::strings::as_str;

    fn show(v: f64) -> String {
        let mut s = String::new();
        float(&mut s, v).unwrap();
        s
    }

    #[test]
    fn float_display_table() {
        let table: &[(f64, &str)] = &[
            // semantics.md §7
            (3.0, "3.0"),
            (-0.0, "-0.0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e20, "100000000000000000000"),
            (1e-7, "0.0000001"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "NaN"),
            (-f64::NAN, "NaN"),
            // integral below 1e15: one decimal
            (0.0, "0.0"),
            (1.0, "1.0"),
            (-42.0, "-42.0"),
            (999999999999999.0, "999999999999999.0"),
            (-999999999999999.0, "-999999999999999.0"),
            // integral at or above 1e15: shortest digits, no decimal
            (1e15, "1000000000000000"),
            (-1e15, "-1000000000000000"),
            (1e16, "10000000000000000"),
            (2f64.powi(53), "9007199254740992"),
            (1.5e300, &format!("15{}", "0".repeat(299))),
            (f64::MAX, &format!("17976931348623157{}", "0".repeat(292))),
            // fractions
            (0.5, "0.5"),
            (-2.5, "-2.5"),
            (0.1, "0.1"),
            (1.0 / 3.0, "0.3333333333333333"),
            (2.0 / 3.0, "0.6666666666666666"),
            (3.14159, "3.14159"),
            (100.25, "100.25"),
            (123456789.123, "123456789.123"),
            (1e15 + 0.5, "1000000000000000.5"),
            (1e-5, "0.00001"),
            (1.5e-10, "0.00000000015"),
            (f64::EPSILON, "0.0000000000000002220446049250313"),
            (
                f64::MIN_POSITIVE,
                &format!("0.{}22250738585072014", "0".repeat(307)),
            ),
            (5e-324, &format!("0.{}5", "0".repeat(323))),
        ];
        for &(v, want) in table {
            assert_eq!(show(v), want, "display of {v:e}");
        }
    }

    #[test]
    fn float_display_round_trips() {
        let mut x = 0.7f64;
        for _ in 0..2000 {
            x = x * 1.37 + 0.11;
            if x > 1e300 {
                x = x.sqrt().sqrt().recip();
            }
            for v in [x, -x, 1.0 / x] {
                let s = show(v);
                assert!(!s.contains('e'), "{s}");
                assert_eq!(s.parse::<f64>().unwrap(), v, "{s}");
            }
        }
    }

    #[test]
    fn int_display() {
        for (v, want) in [
            (0, "0"),
            (7, "7"),
            (-42, "-42"),
            (-7, "-7"),
            (10, "10"),
            (i64::MAX, "9223372036854775807"),
            (i64::MIN, "-9223372036854775808"),
        ] {
            let p = lm_str_from_int(v);
            assert_eq!(unsafe { as_str(p) }, want);
            // Known ASCII (O(1) `len` and `s[i]`) without a scan.
            assert_ne!(unsafe { (*p).header.flags } & lumen_abi::FLAG_STR_ASCII, 0);
            unsafe { lm_release(p.cast()) };
        }
        // One digit: the static one-character string, no allocation.
        let p = lm_str_from_int(5);
        assert_eq!(unsafe { (*p).header.rc }, lumen_abi::RC_IMMORTAL);
    }

    #[test]
    fn str_from_scalars() {
        unsafe {
            assert_eq!(as_str(lm_str_from_bool(1)), "true");
            assert_eq!(as_str(lm_str_from_bool(0)), "false");
            assert_eq!(as_str(lm_str_from_null()), "null");
            let f = lm_str_from_float(2.0);
            assert_eq!(as_str(f), "2.0");
            lm_release(f.cast());
        }
    }
}
