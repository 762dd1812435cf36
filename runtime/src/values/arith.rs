//! Arithmetic that is not worth inlining in generated code (semantics.md §2).

use lumen_abi::{RuntimeErrorCode, SourceLoc};

use crate::errors::fail_current_task;

/// `a ** b` on `Int`, or the error it raises.
pub fn int_pow(a: i64, b: i64) -> Result<i64, RuntimeErrorCode> {
    if b < 0 {
        return Err(RuntimeErrorCode::NegativeExponent);
    }
    match a {
        // These never overflow, whatever the exponent (0 ** 0 = 1).
        0 => Ok((b == 0) as i64),
        1 => Ok(1),
        -1 => Ok(if b % 2 == 0 { 1 } else { -1 }),
        // |a| >= 2: anything from 2^63 on overflows, and u32 holds b < 64.
        _ => u32::try_from(b)
            .ok()
            .filter(|&b| b < 64)
            .and_then(|b| a.checked_pow(b))
            .ok_or(RuntimeErrorCode::OverflowPow),
    }
}

/// `a % b` on `Float`: the result has the sign of the divisor, so that
/// `a == floor(a / b) * b + a % b` as for `Int`.
///
/// Computed from the exact `fmod` (which has the sign of the dividend) rather
/// than `a - b * floor(a / b)`, which loses precision for large quotients.
/// A zero result takes the divisor's sign (`-0.0 % 5.0` is `0.0`,
/// `1.0 % -1.0` is `-0.0`); `x % 0.0`, `inf % x` and NaN operands are NaN;
/// `x % inf` is `x` when the signs agree and the divisor (`inf` or `-inf`)
/// when they differ, as Python computes it.
pub fn float_mod(a: f64, b: f64) -> f64 {
    let r = a % b;
    if r == 0.0 {
        0.0f64.copysign(b)
    } else if (r < 0.0) != (b < 0.0) {
        r + b
    } else {
        r
    }
}

/// `a ** b` on `Int`.
///
/// # Safety
/// `loc` must be null or a valid [`SourceLoc`].
#[no_mangle]
pub unsafe extern "C" fn lm_int_pow(a: i64, b: i64, loc: *const SourceLoc) -> i64 {
    crate::errors::guard(|| {
        match int_pow(a, b) {
            Ok(v) => v,
            // SAFETY: caller's contract on `loc`.
            Err(code) => unsafe { fail_current_task(code.message(), loc) },
        }
    })
}

/// `a ** b` on `Float`: IEEE `pow`. An exponent of 0.5 is the correctly
/// rounded square root (what a correctly rounded `pow` gives, `+0.0` for
/// `-0.0` and `+inf` for `-inf`), the same as the code generator's inline
/// `x ** 0.5`, so a result never depends on whether the exponent was a
/// literal.
#[no_mangle]
pub extern "C" fn lm_float_pow(a: f64, b: f64) -> f64 {
    if b == 0.5 {
        return if a == f64::NEG_INFINITY {
            f64::INFINITY
        } else {
            a.sqrt().abs()
        };
    }
    a.powf(b)
}

/// `a % b` on `Float` (see [`float_mod`]).
#[no_mangle]
pub extern "C" fn lm_float_mod(a: f64, b: f64) -> f64 {
    float_mod(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use RuntimeErrorCode::{NegativeExponent, OverflowPow};

    #[test]
    fn float_pow_half_is_the_square_root() {
        for x in [0.0, 1.0, 2.0, 0.25, 1e-310, f64::MAX, f64::INFINITY] {
            assert_eq!(lm_float_pow(x, 0.5).to_bits(), x.sqrt().to_bits());
        }
        assert_eq!(lm_float_pow(-0.0, 0.5).to_bits(), 0.0f64.to_bits());
        assert_eq!(lm_float_pow(f64::NEG_INFINITY, 0.5), f64::INFINITY);
        assert!(lm_float_pow(-4.0, 0.5).is_nan());
        assert_eq!(lm_float_pow(2.0, 3.0), 8.0);
    }

    #[test]
    fn int_pow_edges() {
        assert_eq!(int_pow(0, 0), Ok(1));
        assert_eq!(int_pow(0, 5), Ok(0));
        assert_eq!(int_pow(5, 0), Ok(1));
        assert_eq!(int_pow(2, 10), Ok(1024));
        assert_eq!(int_pow(-2, 3), Ok(-8));
        assert_eq!(int_pow(2, 62), Ok(1 << 62));
        assert_eq!(int_pow(2, 63), Err(OverflowPow));
        assert_eq!(int_pow(-2, 63), Ok(i64::MIN));
        assert_eq!(int_pow(-2, 64), Err(OverflowPow));
        assert_eq!(int_pow(3, 39), Ok(4052555153018976267));
        assert_eq!(int_pow(3, 40), Err(OverflowPow));
        assert_eq!(int_pow(10, 18), Ok(1_000_000_000_000_000_000));
        assert_eq!(int_pow(10, 19), Err(OverflowPow));
        assert_eq!(int_pow(2, i64::MAX), Err(OverflowPow));
        assert_eq!(int_pow(1, i64::MAX), Ok(1));
        assert_eq!(int_pow(-1, i64::MAX), Ok(-1));
        assert_eq!(int_pow(-1, i64::MAX - 1), Ok(1));
        assert_eq!(int_pow(0, i64::MAX), Ok(0));
        assert_eq!(int_pow(i64::MIN, 1), Ok(i64::MIN));
        assert_eq!(int_pow(i64::MIN, 2), Err(OverflowPow));
        assert_eq!(int_pow(2, -1), Err(NegativeExponent));
        assert_eq!(int_pow(0, -1), Err(NegativeExponent));
        assert_eq!(int_pow(1, i64::MIN), Err(NegativeExponent));
    }

    fn same(a: f64, b: f64) -> bool {
        (a.is_nan() && b.is_nan()) || (a == b && a.is_sign_negative() == b.is_sign_negative())
    }

    #[test]
    fn float_mod_has_the_sign_of_the_divisor() {
        let inf = f64::INFINITY;
        let table: &[(f64, f64, f64)] = &[
            (7.0, 2.0, 1.0),
            (-7.0, 2.0, 1.0),
            (7.0, -2.0, -1.0),
            (-7.0, -2.0, -1.0),
            (5.5, 2.0, 1.5),
            (-5.5, 2.0, 0.5),
            (6.0, 3.0, 0.0),
            (-6.0, 3.0, 0.0),
            (6.0, -3.0, -0.0),
            (-0.0, 5.0, 0.0),
            (0.0, -5.0, -0.0),
            (1.0, 0.0, f64::NAN),
            (inf, 2.0, f64::NAN),
            (f64::NAN, 2.0, f64::NAN),
            (2.0, f64::NAN, f64::NAN),
            (5.0, inf, 5.0),
            (-5.0, -inf, -5.0),
            (-5.0, inf, inf),
            (5.0, -inf, -inf),
            (1e300, 3.0, 1e300 % 3.0),
        ];
        for &(a, b, want) in table {
            let got = float_mod(a, b);
            assert!(same(got, want), "{a} % {b} = {got}, want {want}");
        }
        // The identity a == floor(a/b)*b + a%b holds where it is exact.
        for a in -20..=20 {
            for b in [-7, -3, -1, 1, 2, 5] {
                let (x, y) = (a as f64 / 2.0, b as f64);
                let r = float_mod(x, y);
                assert_eq!((x / y).floor() * y + r, x, "{x} % {y}");
                assert!(r == 0.0 || (r < 0.0) == (y < 0.0));
            }
        }
    }

    #[test]
    fn float_pow_is_powf() {
        assert_eq!(lm_float_pow(2.0, 10.0), 1024.0);
        assert_eq!(lm_float_pow(0.0, 0.0), 1.0);
        assert_eq!(lm_float_pow(2.0, -1.0), 0.5);
        assert!(lm_float_pow(-8.0, 1.0 / 3.0).is_nan());
    }
}
