//! Math builtins (builtins.md, Math): the Float functions, `atan2`,
//! `is_nan`/`is_inf`, `abs`, and `min`/`max`/`clamp` on two or three numbers.
//!
//! `min`, `max` and `clamp` on Floats use the ordering of semantics.md §3,
//! the one `sort` and `min(xs)` use: NaN sorts after every number, so
//! `min(NaN, 1.0)` is `1.0` and `max(NaN, 1.0)` is `NaN`; on ties the first
//! argument wins (`min(0.0, -0.0)` is `0.0`).

use std::cmp::Ordering;

use lumen_abi::{FloatFn, SourceLoc};

use crate::display;
use crate::errors::{fail_current_task, internal_error};

/// The Float ordering of semantics.md §3 (NaN last, NaNs equal).
pub fn float_order(x: f64, y: f64) -> Ordering {
    match (x.is_nan(), y.is_nan()) {
        (false, false) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        (nx, ny) => nx.cmp(&ny),
    }
}

/// A one-argument Float function (`FloatFn`).
#[no_mangle]
pub extern "C" fn lm_float_fn(op: i32, x: f64) -> f64 {
    let Some(f) = FloatFn::from_i32(op) else {
        internal_error(&format!("unknown float function {op}"))
    };
    match f {
        FloatFn::Floor => x.floor(),
        FloatFn::Ceil => x.ceil(),
        FloatFn::Round => x.round(),
        FloatFn::Trunc => x.trunc(),
        FloatFn::Sqrt => x.sqrt(),
        FloatFn::Exp => x.exp(),
        FloatFn::Log => x.ln(),
        FloatFn::Log2 => x.log2(),
        FloatFn::Log10 => x.log10(),
        FloatFn::Sin => x.sin(),
        FloatFn::Cos => x.cos(),
        FloatFn::Tan => x.tan(),
        FloatFn::Abs => x.abs(),
    }
}

/// `atan2(y, x)`.
#[no_mangle]
pub extern "C" fn lm_float_atan2(y: f64, x: f64) -> f64 {
    y.atan2(x)
}

/// `is_nan(x)`.
#[no_mangle]
pub extern "C" fn lm_float_is_nan(x: f64) -> i8 {
    x.is_nan() as i8
}

/// `is_inf(x)`: positive or negative infinity.
#[no_mangle]
pub extern "C" fn lm_float_is_inf(x: f64) -> i8 {
    x.is_infinite() as i8
}

/// `min(a, b)` on Floats (module docs).
#[no_mangle]
pub extern "C" fn lm_float_min(a: f64, b: f64) -> f64 {
    if float_order(b, a) == Ordering::Less {
        b
    } else {
        a
    }
}

/// `max(a, b)` on Floats (module docs).
#[no_mangle]
pub extern "C" fn lm_float_max(a: f64, b: f64) -> f64 {
    if float_order(b, a) == Ordering::Greater {
        b
    } else {
        a
    }
}

/// `min(a, b)` on Ints.
#[no_mangle]
pub extern "C" fn lm_int_min(a: i64, b: i64) -> i64 {
    a.min(b)
}

/// `max(a, b)` on Ints.
#[no_mangle]
pub extern "C" fn lm_int_max(a: i64, b: i64) -> i64 {
    a.max(b)
}

/// `abs(x)` on an Int; `abs(MIN_INT)` fails with `integer overflow in abs`.
///
/// # Safety
/// `loc` must be null or a valid [`SourceLoc`].
#[no_mangle]
pub unsafe extern "C" fn lm_int_abs(x: i64, loc: *const SourceLoc) -> i64 {
    crate::errors::guard(|| {
        match x.checked_abs() {
            Some(v) => v,
            // SAFETY: caller's contract.
            None => unsafe { fail_current_task("integer overflow in abs", loc) },
        }
    })
}

/// The error of `clamp` with bounds the wrong way round.
pub fn clamp_message(lo: &str, hi: &str) -> String {
    format!("clamp: the lower bound {lo} is greater than the upper bound {hi}")
}

/// `clamp(x, lo, hi)` on Ints: `min(max(x, lo), hi)`; `lo > hi` fails at `loc`.
///
/// # Safety
/// `loc` must be null or a valid [`SourceLoc`].
#[no_mangle]
pub unsafe extern "C" fn lm_int_clamp(x: i64, lo: i64, hi: i64, loc: *const SourceLoc) -> i64 {
    crate::errors::guard(|| {
        if lo > hi {
            // SAFETY: caller's contract.
            unsafe { fail_current_task(&clamp_message(&lo.to_string(), &hi.to_string()), loc) }
        }
        x.clamp(lo, hi)
    })
}

/// `clamp(x, lo, hi)` on Floats, by the ordering of the module docs (so
/// `clamp(NaN, 0.0, 1.0)` is `1.0`); `lo > hi` fails at `loc`.
///
/// # Safety
/// `loc` must be null or a valid [`SourceLoc`].
#[no_mangle]
pub unsafe extern "C" fn lm_float_clamp(x: f64, lo: f64, hi: f64, loc: *const SourceLoc) -> f64 {
    crate::errors::guard(|| {
        if float_order(lo, hi) == Ordering::Greater {
            let text = |v: f64| {
                let mut s = String::new();
                let _ = display::float(&mut s, v);
                s
            };
            // SAFETY: caller's contract.
            unsafe { fail_current_task(&clamp_message(&text(lo), &text(hi)), loc) }
        }
        lm_float_min(lm_float_max(x, lo), hi)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_functions() {
        let f = |op: FloatFn, x: f64| lm_float_fn(op as i32, x);
        assert_eq!(f(FloatFn::Floor, 2.7), 2.0);
        assert_eq!(f(FloatFn::Floor, -2.5), -3.0);
        assert_eq!(f(FloatFn::Ceil, 2.1), 3.0);
        assert_eq!(f(FloatFn::Round, 2.5), 3.0);
        assert_eq!(f(FloatFn::Round, -2.5), -3.0);
        assert_eq!(f(FloatFn::Round, 0.49999999999999994), 0.0);
        assert_eq!(f(FloatFn::Trunc, -2.7), -2.0);
        assert_eq!(f(FloatFn::Sqrt, 16.0), 4.0);
        assert!(f(FloatFn::Sqrt, -1.0).is_nan());
        assert_eq!(f(FloatFn::Log, 1.0), 0.0);
        assert_eq!(f(FloatFn::Log2, 8.0), 3.0);
        assert_eq!(f(FloatFn::Log10, 1000.0), 3.0);
        assert_eq!(f(FloatFn::Abs, -0.5), 0.5);
        assert_eq!(f(FloatFn::Exp, 0.0), 1.0);
        assert_eq!(f(FloatFn::Sin, 0.0), 0.0);
        assert_eq!(f(FloatFn::Cos, 0.0), 1.0);
        assert_eq!(f(FloatFn::Tan, 0.0), 0.0);
        assert_eq!(lm_float_atan2(1.0, 1.0), std::f64::consts::FRAC_PI_4);
        assert_eq!((lm_float_is_nan(f64::NAN), lm_float_is_nan(1.0)), (1, 0));
        assert_eq!(
            (
                lm_float_is_inf(f64::NEG_INFINITY),
                lm_float_is_inf(f64::NAN)
            ),
            (1, 0)
        );
    }

    #[test]
    fn min_max_clamp_order_nan_last() {
        assert_eq!(lm_float_min(f64::NAN, 1.0), 1.0);
        assert!(lm_float_max(f64::NAN, 1.0).is_nan());
        assert!(lm_float_max(1.0, f64::NAN).is_nan());
        assert_eq!(lm_float_min(2.0, -3.5), -3.5);
        assert!(
            lm_float_min(0.0, -0.0).is_sign_positive(),
            "ties keep the first"
        );
        assert_eq!((lm_int_min(3, -4), lm_int_max(3, -4)), (-4, 3));
        unsafe {
            assert_eq!(lm_int_abs(-5, std::ptr::null()), 5);
            assert_eq!(lm_int_clamp(15, 0, 10, std::ptr::null()), 10);
            assert_eq!(lm_int_clamp(-15, 0, 10, std::ptr::null()), 0);
            assert_eq!(lm_int_clamp(5, 5, 5, std::ptr::null()), 5);
            assert_eq!(lm_float_clamp(0.5, 0.0, 1.0, std::ptr::null()), 0.5);
            assert_eq!(lm_float_clamp(f64::NAN, 0.0, 1.0, std::ptr::null()), 1.0);
            assert_eq!(lm_float_clamp(-9.0, 0.0, f64::NAN, std::ptr::null()), 0.0);
        }
        assert_eq!(
            clamp_message("5", "3"),
            "clamp: the lower bound 5 is greater than the upper bound 3"
        );
    }
}
