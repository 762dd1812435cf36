//! Arithmetic with Lumen's checks (semantics.md §2), emitted inline.
//!
//! The hot path never calls the runtime: `+ - *` use Cranelift's overflow-flag
//! instructions (`sadd_overflow` and friends) and one conditional branch to a
//! cold block that calls `lm_runtime_error(code, loc)`. Division checks zero
//! and `MIN / -1`, shifts check the amount, `FloatToInt` checks the range.
//! Checks that a constant right operand makes impossible are not emitted, and
//! floor division / modulo by a positive power of two become a shift / mask.
//!
//! Float arithmetic is plain IEEE; `%` on floats calls `lm_float_mod` (the
//! sign of the divisor), `//` is `floor(a / b)`.

use cranelift_codegen::ir::{types, InstBuilder, Value};
use lumen_abi::RuntimeErrorCode as Code;
use lumen_mir::{BinOp, Cast, Loc, Ty, UnOp};

use crate::function::{float_cc, int_cc, FnCx};
use crate::ranges::{self, Range};
use crate::CodegenError;

/// `lhs op rhs` on operands of type `ty`; `consts` holds the operands that
/// are integer constants (to drop impossible checks and pick cheaper ones),
/// `lhs_range` what dominating branches say about the left operand.
#[allow(clippy::too_many_arguments)]
pub fn binary(
    fx: &mut FnCx,
    op: BinOp,
    ty: Ty,
    a: Value,
    b: Value,
    consts: (Option<i64>, Option<i64>),
    lhs_range: Option<Range>,
    loc: Loc,
) -> Result<Value, CodegenError> {
    match ty {
        Ty::Int => {
            // Multiplication commutes: put a constant factor on the right.
            if op == BinOp::Mul && consts.0.is_some() && consts.1.is_none() {
                return int_binary(fx, op, b, a, consts.0, None, loc);
            }
            int_binary(fx, op, a, b, consts.1, lhs_range, loc)
        }
        Ty::Float => float_binary(fx, op, a, b),
        Ty::Bool => match op {
            BinOp::BitAnd => Ok(fx.b.ins().band(a, b)),
            BinOp::BitOr => Ok(fx.b.ins().bor(a, b)),
            BinOp::BitXor => Ok(fx.b.ins().bxor(a, b)),
            // `false < true`: unsigned comparison of 0 and 1.
            _ => match int_cc(op, false) {
                Some(cc) => Ok(fx.b.ins().icmp(cc, a, b)),
                None => Err(fx.error(format!("{op:?} is not defined on Bool"))),
            },
        },
        Ty::Null => match op {
            BinOp::Eq | BinOp::Le | BinOp::Ge => Ok(fx.b.ins().iconst(types::I8, 1)),
            BinOp::Ne | BinOp::Lt | BinOp::Gt => Ok(fx.b.ins().iconst(types::I8, 0)),
            _ => Err(fx.error(format!("{op:?} is not defined on Null"))),
        },
        Ty::Str | Ty::Ptr => Err(fx.error(format!(
            "{op:?} on {ty:?} must be lowered to a runtime call"
        ))),
    }
}

fn int_binary(
    fx: &mut FnCx,
    op: BinOp,
    a: Value,
    b: Value,
    rhs_const: Option<i64>,
    lhs_range: Option<Range>,
    loc: Loc,
) -> Result<Value, CodegenError> {
    Ok(match op {
        BinOp::AddInRange => fx.b.ins().iadd(a, b),
        BinOp::SubWrap => fx.b.ins().isub(a, b),
        BinOp::UDiv => fx.b.ins().udiv(a, b),
        BinOp::Add | BinOp::Sub if rhs_const.is_some() => {
            // With a constant right operand the overflow test is a compare of
            // `a` against a constant, which fuses with the branch (`cmp; je`)
            // instead of `seto; test; jne`, and the addition may become `lea`.
            let c = rhs_const.unwrap_or_default();
            add_sub_const(fx, op, a, b, c, lhs_range, loc)?
        }
        BinOp::Add => {
            let (sum, overflow) = fx.b.ins().sadd_overflow(a, b);
            fx.error_if(overflow, Code::OverflowAdd, loc)?;
            sum
        }
        BinOp::Sub => {
            let (diff, overflow) = fx.b.ins().ssub_overflow(a, b);
            fx.error_if(overflow, Code::OverflowSub, loc)?;
            diff
        }
        BinOp::Mul if rhs_const.is_some_and(|c| c > 1) => {
            // `a * c` for a constant c > 1 is in range exactly when
            // MIN / c <= a <= MAX / c: one unsigned range compare, off the
            // critical path, and a plain multiply (a `lea` for small c).
            let c = rhs_const.unwrap_or(2);
            let (lo, hi) = (i64::MIN / c, i64::MAX / c);
            let offset = fx.b.ins().iadd_imm_s(a, lo.wrapping_neg());
            let bad = fx.b.ins().icmp_imm_u(
                cranelift_codegen::ir::condcodes::IntCC::UnsignedGreaterThan,
                offset,
                hi.wrapping_sub(lo),
            );
            fx.error_if(bad, Code::OverflowMul, loc)?;
            fx.b.ins().imul(a, b)
        }
        BinOp::Mul => {
            let (product, overflow) = fx.b.ins().smul_overflow(a, b);
            fx.error_if(overflow, Code::OverflowMul, loc)?;
            product
        }
        BinOp::Div => {
            check_divisor(fx, a, b, rhs_const, true, loc)?;
            fx.b.ins().sdiv(a, b)
        }
        BinOp::FloorDiv => {
            if let Some(shift) = positive_power_of_two(rhs_const) {
                // Floor division by 2^k is exactly an arithmetic shift.
                return Ok(fx.b.ins().sshr_imm_s(a, i64::from(shift)));
            }
            check_divisor(fx, a, b, rhs_const, true, loc)?;
            // q = a / b truncated; step down by one when the remainder is
            // non-zero and has the opposite sign of the divisor.
            let q = fx.b.ins().sdiv(a, b);
            let qb = fx.b.ins().imul(q, b);
            let r = fx.b.ins().isub(a, qb);
            let adjust = needs_sign_fix(fx, r, b);
            let adjust = fx.b.ins().uextend(types::I64, adjust);
            fx.b.ins().isub(q, adjust)
        }
        BinOp::Mod => {
            if let Some(shift) = positive_power_of_two(rhs_const) {
                // With a positive divisor 2^k the result is in 0..2^k: a mask.
                let mask = (1i64 << shift) - 1;
                return Ok(fx.b.ins().band_imm_s(a, mask));
            }
            // `MIN % -1` is 0, not an overflow; Cranelift's `srem` defines it so.
            check_divisor(fx, a, b, rhs_const, false, loc)?;
            let r = fx.b.ins().srem(a, b);
            let adjust = needs_sign_fix(fx, r, b);
            let zero = fx.b.ins().iconst(types::I64, 0);
            let add = fx.b.ins().select(adjust, b, zero);
            fx.b.ins().iadd(r, add)
        }
        BinOp::Shl | BinOp::Shr => {
            if !matches!(rhs_const, Some(0..=63)) {
                // Negative amounts are huge unsigned values: one comparison.
                let bad = fx.b.ins().icmp_imm_s(
                    cranelift_codegen::ir::condcodes::IntCC::UnsignedGreaterThan,
                    b,
                    63,
                );
                fx.error_if(bad, Code::ShiftOutOfRange, loc)?;
            }
            if op == BinOp::Shl {
                fx.b.ins().ishl(a, b)
            } else {
                fx.b.ins().sshr(a, b)
            }
        }
        BinOp::BitAnd => fx.b.ins().band(a, b),
        BinOp::BitOr => fx.b.ins().bor(a, b),
        BinOp::BitXor => fx.b.ins().bxor(a, b),
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            let cc = int_cc(op, true).expect("comparison");
            fx.b.ins().icmp(cc, a, b)
        }
    })
}

/// `a + c` or `a - c` for a constant `c`: overflows exactly when `a` is
/// beyond `MAX - c` (or `MIN - c`), so the check is one comparison.
fn add_sub_const(
    fx: &mut FnCx,
    op: BinOp,
    a: Value,
    b: Value,
    c: i64,
    lhs_range: Option<Range>,
    loc: Loc,
) -> Result<Value, CodegenError> {
    use cranelift_codegen::ir::condcodes::IntCC;
    let (code, result) = match op {
        BinOp::Add => (Code::OverflowAdd, fx.b.ins().iadd(a, b)),
        // `a - c` as `a + (-c)` (same bits): an addition of a constant can
        // become a three-operand `lea` instead of `mov` + `sub`.
        _ if c != i64::MIN => (Code::OverflowSub, fx.b.ins().iadd_imm_s(a, -c)),
        _ => (Code::OverflowSub, fx.b.ins().isub(a, b)),
    };
    // A dominating branch may already bound `a` (`n - 1` after `n < 2`
    // returned): then the check can never fire.
    let addend = if op == BinOp::Add {
        i128::from(c)
    } else {
        -i128::from(c)
    };
    if lhs_range.is_some_and(|r| ranges::add_cannot_overflow(r, addend)) {
        return Ok(result);
    }
    // Effective addend: `a - c` is `a + (-c)`, except that `-MIN` does not
    // exist: `a - MIN` overflows exactly when `a >= 0`.
    let bad = match (op, c) {
        (_, 0) => return Ok(result),
        (BinOp::Sub, i64::MIN) => fx.b.ins().icmp_imm_s(IntCC::SignedGreaterThanOrEqual, a, 0),
        _ => {
            let addend = if op == BinOp::Add { c } else { -c };
            if addend > 0 {
                fx.b.ins()
                    .icmp_imm_s(IntCC::SignedGreaterThan, a, i64::MAX - addend)
            } else {
                fx.b.ins()
                    .icmp_imm_s(IntCC::SignedLessThan, a, i64::MIN - addend)
            }
        }
    };
    fx.error_if(bad, code, loc)?;
    Ok(result)
}

/// `Some(k)` when the divisor is the constant 2^k with 1 <= k <= 62.
fn positive_power_of_two(rhs_const: Option<i64>) -> Option<u32> {
    match rhs_const {
        Some(c) if c > 1 && (c as u64).is_power_of_two() => Some(c.trailing_zeros()),
        _ => None,
    }
}

/// Emits the zero check and, for division, the `MIN / -1` check, unless the
/// constant divisor rules them out.
fn check_divisor(
    fx: &mut FnCx,
    a: Value,
    b: Value,
    rhs_const: Option<i64>,
    check_overflow: bool,
    loc: Loc,
) -> Result<(), CodegenError> {
    use cranelift_codegen::ir::condcodes::IntCC;
    if rhs_const.is_none() || rhs_const == Some(0) {
        let zero = fx.b.ins().icmp_imm_s(IntCC::Equal, b, 0);
        fx.error_if(zero, Code::DivisionByZero, loc)?;
    }
    if check_overflow && (rhs_const.is_none() || rhs_const == Some(-1)) {
        let a_min = fx.b.ins().icmp_imm_s(IntCC::Equal, a, i64::MIN);
        let b_neg1 = fx.b.ins().icmp_imm_s(IntCC::Equal, b, -1);
        let both = fx.b.ins().band(a_min, b_neg1);
        fx.error_if(both, Code::OverflowDiv, loc)?;
    }
    Ok(())
}

/// i8 1 when remainder `r` is non-zero and its sign differs from `b`'s.
fn needs_sign_fix(fx: &mut FnCx, r: Value, b: Value) -> Value {
    use cranelift_codegen::ir::condcodes::IntCC;
    let nonzero = fx.b.ins().icmp_imm_s(IntCC::NotEqual, r, 0);
    let signs = fx.b.ins().bxor(r, b);
    let differ = fx.b.ins().icmp_imm_s(IntCC::SignedLessThan, signs, 0);
    fx.b.ins().band(nonzero, differ)
}

fn float_binary(fx: &mut FnCx, op: BinOp, a: Value, b: Value) -> Result<Value, CodegenError> {
    Ok(match op {
        BinOp::Add => fx.b.ins().fadd(a, b),
        BinOp::Sub => fx.b.ins().fsub(a, b),
        BinOp::Mul => fx.b.ins().fmul(a, b),
        BinOp::Div => fx.b.ins().fdiv(a, b),
        BinOp::FloorDiv => {
            let q = fx.b.ins().fdiv(a, b);
            fx.b.ins().floor(q)
        }
        BinOp::Mod => fx
            .call_runtime(lumen_abi::LM_FLOAT_MOD.name, &[a, b])?
            .ok_or_else(|| fx.error("lm_float_mod returns nothing"))?,
        _ => match float_cc(op) {
            Some(cc) => fx.b.ins().fcmp(cc, a, b),
            None => return Err(fx.error(format!("{op:?} is not defined on Float"))),
        },
    })
}

/// `op operand` on type `ty`.
pub fn unary(fx: &mut FnCx, op: UnOp, ty: Ty, a: Value, loc: Loc) -> Result<Value, CodegenError> {
    Ok(match (op, ty) {
        (UnOp::Neg, Ty::Int) => {
            let zero = fx.b.ins().iconst(types::I64, 0);
            let (neg, overflow) = fx.b.ins().ssub_overflow(zero, a);
            fx.error_if(overflow, Code::OverflowNeg, loc)?;
            neg
        }
        (UnOp::Neg, Ty::Float) => fx.b.ins().fneg(a),
        // Bools are 0 or 1, so flipping the low bit negates.
        (UnOp::Not, Ty::Bool) => fx.b.ins().bxor_imm_s(a, 1),
        (UnOp::BitNot, Ty::Int) => fx.b.ins().bnot(a),
        _ => return Err(fx.error(format!("{op:?} is not defined on {ty:?}"))),
    })
}

/// Numeric conversions.
pub fn cast(fx: &mut FnCx, cast: Cast, a: Value, loc: Loc) -> Result<Value, CodegenError> {
    use cranelift_codegen::ir::condcodes::FloatCC;
    Ok(match cast {
        Cast::IntToFloat => fx.b.ins().fcvt_from_sint(types::F64, a),
        Cast::FloatToInt => {
            // In range iff -2^63 <= x < 2^63 (both bounds exact in f64);
            // NaN fails both ordered comparisons.
            let lo = fx.b.ins().f64const(-9_223_372_036_854_775_808.0);
            let hi = fx.b.ins().f64const(9_223_372_036_854_775_808.0);
            let above = fx.b.ins().fcmp(FloatCC::GreaterThanOrEqual, a, lo);
            let below = fx.b.ins().fcmp(FloatCC::LessThan, a, hi);
            let ok = fx.b.ins().band(above, below);
            fx.error_unless(ok, Code::FloatToIntOutOfRange, loc)?;
            // Truncates toward zero; cannot trap after the check above.
            fx.b.ins().fcvt_to_sint(types::I64, a)
        }
    })
}

/// The checked operations as methods of the function being built (what
/// `function` calls).
impl FnCx<'_, '_> {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn checked_binary(
        &mut self,
        op: BinOp,
        ty: Ty,
        a: Value,
        b: Value,
        consts: (Option<i64>, Option<i64>),
        lhs_range: Option<Range>,
        loc: Loc,
    ) -> Result<Value, CodegenError> {
        binary(self, op, ty, a, b, consts, lhs_range, loc)
    }

    pub(crate) fn checked_unary(
        &mut self,
        op: UnOp,
        ty: Ty,
        a: Value,
        loc: Loc,
    ) -> Result<Value, CodegenError> {
        unary(self, op, ty, a, loc)
    }

    pub(crate) fn checked_cast(
        &mut self,
        cast: Cast,
        a: Value,
        loc: Loc,
    ) -> Result<Value, CodegenError> {
        self::cast(self, cast, a, loc)
    }
}
