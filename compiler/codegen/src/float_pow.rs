//! `x ** 0.5` (and `pow(x, 0.5)`) as a square root, inline.
//!
//! `**` on floats is `powf` (semantics.md §2). A correctly rounded `pow(x,
//! 0.5)` equals `sqrt(x)` except at `-0.0` (pow gives `+0.0`, sqrt `-0.0`) and
//! `-inf` (pow gives `+inf`, sqrt NaN); LLVM rewrites `powf(x, 0.5)` the same
//! way, so Rust programs get this too. `sqrt` is one instruction instead of a
//! libm call that makes every float live across it spill (nbody: a third of
//! its time). The runtime's `lm_float_pow` takes the same path for an
//! exponent of 0.5 computed at run time, so the result never depends on
//! whether the exponent was a literal (`docs/language-decisions.md`).

use cranelift_codegen::ir::{condcodes::FloatCC, types, InstBuilder, Value};
use lumen_mir::{Const, Operand, RtArg};

use crate::function::FnCx;
use crate::CodegenError;

impl FnCx<'_, '_> {
    /// `lm_float_pow(x, 0.5)` with a literal exponent: `|sqrt(x)|`, `+inf`
    /// for `-inf`. `None` for any other call.
    pub(crate) fn float_pow_half(&mut self, args: &[RtArg]) -> Result<Option<Value>, CodegenError> {
        let [x, RtArg::Operand(Operand::Const(Const::Float(e)))] = args else {
            return Ok(None);
        };
        if *e != 0.5 {
            return Ok(None);
        }
        let x = self.rt_arg(x)?;
        let root = self.b.ins().sqrt(x);
        // Clears the sign of sqrt(-0.0) (and of NaN, whose sign is not shown).
        let root = self.b.ins().fabs(root);
        let neg_inf = self.b.ins().f64const(f64::NEG_INFINITY);
        let is_neg_inf = self.b.ins().fcmp(FloatCC::Equal, x, neg_inf);
        let inf = self.b.ins().f64const(f64::INFINITY);
        let r = self.b.ins().select(is_neg_inf, inf, root);
        debug_assert_eq!(self.b.func.dfg.value_type(r), types::F64);
        Ok(Some(r))
    }
}
