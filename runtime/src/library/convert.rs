//! Conversions (builtins.md, Output and conversion): `to_int`, `to_float`,
//! `parse_int`, `parse_float`, and the helpers the other library modules use
//! to build optionals and results.
//!
//! An `Int?` or `Float?` is a box holding the number (`lm_box_new` with the
//! member's descriptor, passed in by compiled code) or 0 for null; a
//! `String?` is the string pointer or 0. A `result[T, E]` is an enum object
//! of the result type's descriptor with tag 0 (ok) or 1 (err) and one payload
//! slot.

use lumen_abi::TypeDesc;

use crate::objects::{lm_box_new, lm_enum_new, BoxObj, EnumObj, Slot};
use crate::strings::{as_str, new_string, LmString};
use crate::value::quoted;

/// A new result of the result type `desc`: `ok(payload)` or `err(payload)`.
/// The payload's reference (when heap) moves into the result.
///
/// # Safety
/// `desc` must be a valid result descriptor and `payload` an owned value of
/// the side's type.
pub unsafe fn new_result(desc: *const TypeDesc, ok: bool, payload: Slot) -> *mut EnumObj {
    // SAFETY: caller's contract; a result variant has exactly one field.
    unsafe {
        let obj = lm_enum_new(desc, if ok { 0 } else { 1 });
        let (slots, _) = crate::objects::fields(obj.cast());
        slots.write(payload);
        obj
    }
}

/// `ok(text)` / `err(text)` with a new string payload.
///
/// # Safety
/// `desc` must describe a result whose side `ok` holds a `String`.
pub unsafe fn string_result(desc: *const TypeDesc, ok: bool, text: &str) -> *mut EnumObj {
    // SAFETY: caller's contract; the new string's reference moves in.
    unsafe { new_result(desc, ok, new_string(text) as Slot) }
}

/// `x` as an optional number: a box of type `desc`, or 0 for `None`.
///
/// # Safety
/// `desc` must be the Int or Float descriptor matching `slot`.
unsafe fn boxed(desc: *const TypeDesc, slot: Option<Slot>) -> *mut BoxObj {
    match slot {
        // SAFETY: caller's contract; numbers are not heap values.
        Some(s) => unsafe { lm_box_new(desc, s) },
        None => std::ptr::null_mut(),
    }
}

/// A string quoted as in a collection's display form (`"a\"b"`).
pub fn quote(text: &str) -> String {
    let mut out = String::new();
    let _ = quoted(&mut out, text);
    out
}

/// The integer a string denotes (surrounding white space ignored): an
/// optional sign and decimal digits, in the range of `Int`.
pub fn parse_int_text(text: &str) -> Option<i64> {
    text.trim().parse::<i64>().ok()
}

/// The float a string denotes (surrounding white space ignored): decimal
/// with an optional fraction and exponent, or `inf`, `infinity`, `nan` in
/// any case, with an optional sign.
pub fn parse_float_text(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok()
}

/// A Float truncated toward zero, if it is finite and the result fits `Int`.
pub fn float_to_int(x: f64) -> Option<i64> {
    // 2^63 is exactly representable; every float below it truncates into range.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    let t = x.trunc();
    (t.is_finite() && t >= -LIMIT && t < LIMIT).then_some(t as i64)
}

/// The message of `parse_int` on text that is not an integer.
pub fn invalid_integer_message(text: &str) -> String {
    format!("invalid integer: {}", quote(text))
}

/// The message of `parse_float` on text that is not a number.
pub fn invalid_float_message(text: &str) -> String {
    format!("invalid float: {}", quote(text))
}

/// `to_int(x)` on a Float: an `Int?` (box of `int_desc`, or 0).
///
/// # Safety
/// `int_desc` must be the Int descriptor.
#[no_mangle]
pub unsafe extern "C" fn lm_float_to_int(x: f64, int_desc: *const TypeDesc) -> *mut BoxObj {
    // SAFETY: caller's contract.
    unsafe { boxed(int_desc, float_to_int(x)) }
}

/// `to_int(s)` on a String: an `Int?`.
///
/// # Safety
/// `s` must be a live string, `int_desc` the Int descriptor.
#[no_mangle]
pub unsafe extern "C" fn lm_str_to_int(
    s: *const LmString,
    int_desc: *const TypeDesc,
) -> *mut BoxObj {
    // SAFETY: caller's contract.
    unsafe { boxed(int_desc, parse_int_text(as_str(s))) }
}

/// `to_float(s)` on a String: a `Float?` (box of `float_desc`, or 0).
///
/// # Safety
/// `s` must be a live string, `float_desc` the Float descriptor.
#[no_mangle]
pub unsafe extern "C" fn lm_str_to_float(
    s: *const LmString,
    float_desc: *const TypeDesc,
) -> *mut BoxObj {
    // SAFETY: caller's contract.
    unsafe {
        let value = parse_float_text(as_str(s)).map(|f| f.to_bits() as Slot);
        boxed(float_desc, value)
    }
}

/// `parse_int(s)`: a `result[Int, String]` of the descriptor `result_desc`.
///
/// # Safety
/// `s` must be a live string, `result_desc` the descriptor of
/// `result[Int, String]`.
#[no_mangle]
pub unsafe extern "C" fn lm_parse_int(
    s: *const LmString,
    result_desc: *const TypeDesc,
) -> *mut EnumObj {
    // SAFETY: caller's contract.
    unsafe {
        let text = as_str(s);
        match parse_int_text(text) {
            Some(n) => new_result(result_desc, true, n),
            None => string_result(result_desc, false, &invalid_integer_message(text)),
        }
    }
}

/// `parse_float(s)`: a `result[Float, String]`.
///
/// # Safety
/// As for [`lm_parse_int`], with `result[Float, String]`.
#[no_mangle]
pub unsafe extern "C" fn lm_parse_float(
    s: *const LmString,
    result_desc: *const TypeDesc,
) -> *mut EnumObj {
    // SAFETY: caller's contract.
    unsafe {
        let text = as_str(s);
        match parse_float_text(text) {
            Some(f) => new_result(result_desc, true, f.to_bits() as Slot),
            None => string_result(result_desc, false, &invalid_float_message(text)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use crate::objects::fields;
    use crate::typedesc::test_descs::{enumeration, float, int, string, variant};
    use crate::typedesc::Ty;
    use crate::value::lm_str_from_value;

    pub fn result_ty(ok: Ty, err: Ty) -> Ty {
        enumeration(
            "Result",
            &[variant("ok", &[("", ok)]), variant("err", &[("", err)])],
        )
    }

    fn shown(slot: Slot, ty: Ty) -> String {
        let s = unsafe { lm_str_from_value(slot, ty.as_ptr()) };
        let t = text(s);
        release(s);
        t
    }

    fn boxed_int(b: *mut BoxObj) -> Option<i64> {
        if b.is_null() {
            return None;
        }
        let v = unsafe { (*b).slot };
        release(b);
        Some(v)
    }

    #[test]
    fn float_to_int_truncates_and_rejects() {
        assert_eq!(float_to_int(2.9), Some(2));
        assert_eq!(float_to_int(-2.9), Some(-2));
        assert_eq!(float_to_int(-0.5), Some(0));
        assert_eq!(float_to_int(f64::NAN), None);
        assert_eq!(float_to_int(f64::INFINITY), None);
        assert_eq!(float_to_int(9.3e18), None);
        assert_eq!(float_to_int(-9_223_372_036_854_775_808.0), Some(i64::MIN));
        assert_eq!(
            float_to_int(9_223_372_036_854_775_807.0),
            None,
            "rounds to 2^63"
        );
        no_leaks(|| unsafe {
            assert_eq!(boxed_int(lm_float_to_int(3.7, int().as_ptr())), Some(3));
            assert_eq!(boxed_int(lm_float_to_int(f64::NAN, int().as_ptr())), None);
        });
    }

    #[test]
    fn strings_to_numbers() {
        assert_eq!(parse_int_text(" 42\n"), Some(42));
        assert_eq!(parse_int_text("-7"), Some(-7));
        assert_eq!(parse_int_text("+7"), Some(7));
        for bad in [
            "",
            "4 2",
            "1_000",
            "0x10",
            "1.0",
            "99999999999999999999",
            "-",
        ] {
            assert_eq!(parse_int_text(bad), None, "{bad:?}");
        }
        assert_eq!(parse_float_text(" 2.5 "), Some(2.5));
        assert_eq!(parse_float_text("1e3"), Some(1000.0));
        assert_eq!(parse_float_text("-inf"), Some(f64::NEG_INFINITY));
        assert!(parse_float_text("NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_float_text("abc"), None);
        assert_eq!(parse_float_text(""), None);
        no_leaks(|| unsafe {
            let p = s(" 12 ");
            assert_eq!(boxed_int(lm_str_to_int(p, int().as_ptr())), Some(12));
            release(p);
            let p = s("x");
            assert!(lm_str_to_float(p, float().as_ptr()).is_null());
            release(p);
        });
    }

    #[test]
    fn parse_results() {
        let int_result = result_ty(int(), string());
        let float_result = result_ty(float(), string());
        no_leaks(|| unsafe {
            let p = s("12");
            let r = lm_parse_int(p, int_result.as_ptr());
            assert_eq!((*r).tag, 0);
            assert_eq!(fields(r.cast()).0.read(), 12);
            assert_eq!(shown(r as Slot, int_result), "ok(12)");
            release(r);
            release(p);
            let p = s("1\"2");
            let r = lm_parse_int(p, int_result.as_ptr());
            assert_eq!((*r).tag, 1);
            let (slots, _) = fields(r.cast());
            let message = text(slots.read() as usize as *const LmString);
            assert_eq!(message, r#"invalid integer: "1\"2""#);
            release(r);
            release(p);
            let p = s("x");
            let r = lm_parse_float(p, float_result.as_ptr());
            let (slots, _) = fields(r.cast());
            assert_eq!(
                text(slots.read() as usize as *const LmString),
                "invalid float: \"x\""
            );
            release(r);
            release(p);
        });
    }
}
