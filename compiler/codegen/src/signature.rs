//! Machine types and signatures shared by everything that declares, calls
//! or defines generated functions: the Cranelift type of each MIR type,
//! the signature of a compiled cell (with its failure bit) and of the
//! program entry.

use cranelift_codegen::ir::{types, AbiParam, Signature, Type};
use cranelift_codegen::isa::{CallConv, TargetIsa};
use lumen_mir::{self as mir, Ty};

/// The Cranelift type of a MIR type.
pub fn clif_type(ty: Ty, pointer: Type) -> Type {
    match ty {
        Ty::Int => types::I64,
        Ty::Float => types::F64,
        Ty::Bool | Ty::Null => types::I8,
        Ty::Str | Ty::Ptr => pointer,
    }
}

/// The signature of a compiled cell: MIR parameter and return types in the
/// target's default C calling convention (cells are called only from
/// generated code and the entry shim, but one convention for everything keeps
/// unwinding and debugging simple).
pub fn cell(f: &mir::Function, isa: &dyn TargetIsa) -> Signature {
    let pointer = isa.pointer_type();
    let mut sig = Signature::new(CallConv::triple_default(isa.triple()));
    for p in &f.params {
        // An out-of-range parameter local is reported by `build`; any type
        // will do for the declaration.
        let ty = f
            .locals
            .get(p.0 as usize)
            .map_or(types::I64, |d| clif_type(d.ty, pointer));
        sig.params.push(AbiParam::new(ty));
    }
    sig.returns.push(AbiParam::new(clif_type(f.ret, pointer)));
    sig.returns.push(AbiParam::new(FAILED_TYPE));
    sig
}

/// A cell's second result: 1 when it failed (the runtime's `lm_failing`
/// is then set too), else 0. Its caller tests this register instead of
/// loading the flag from memory; the runtime, which calls cells too, reads
/// only the first result and the flag (`docs/runtime-abi.md`, "Failures").
pub const FAILED_TYPE: Type = types::I8;

/// `extern "C" fn() -> i64`.
pub fn program_entry(isa: &dyn TargetIsa) -> Signature {
    let mut sig = Signature::new(CallConv::triple_default(isa.triple()));
    sig.returns.push(AbiParam::new(types::I64));
    sig
}
