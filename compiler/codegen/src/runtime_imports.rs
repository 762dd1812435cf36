//! Imports of the runtime functions, declared from [`lumen_abi::RUNTIME_FUNCTIONS`].
//!
//! The ABI table is the single source of truth for runtime signatures: nothing
//! else in the code generator spells out a runtime function's parameters, so
//! the compiler and `lumen_rt` (whose tests check the same table) cannot drift.

use std::collections::HashMap;

use cranelift_codegen::ir::{types, AbiParam, Signature, Type};
use cranelift_codegen::isa::{CallConv, TargetIsa};
use cranelift_module::{FuncId, Linkage, Module};
use lumen_abi::{AbiType, RuntimeFn, RUNTIME_FUNCTIONS};

use crate::CodegenError;

/// The Cranelift type of an ABI type on the target.
pub fn abi_type(ty: AbiType, pointer: Type) -> Type {
    match ty {
        AbiType::I64 => types::I64,
        AbiType::I32 => types::I32,
        AbiType::I8 => types::I8,
        AbiType::F64 => types::F64,
        AbiType::Ptr => pointer,
    }
}

/// The C signature of a runtime function, in the target's default calling
/// convention (SystemV on x86_64, AAPCS64 on aarch64), as `extern "C"` is.
pub fn signature(rf: &RuntimeFn, isa: &dyn TargetIsa) -> Signature {
    let pointer = isa.pointer_type();
    let mut sig = Signature::new(CallConv::triple_default(isa.triple()));
    sig.params.extend(
        rf.params
            .iter()
            .map(|p| AbiParam::new(abi_type(*p, pointer))),
    );
    sig.returns.extend(
        rf.returns
            .iter()
            .map(|r| AbiParam::new(abi_type(*r, pointer))),
    );
    sig
}

/// Every runtime function, declared as an import of the module.
pub struct RuntimeImports {
    by_name: HashMap<&'static str, (FuncId, RuntimeFn)>,
}

impl RuntimeImports {
    /// Declares all runtime functions up front (declare-then-define): a symbol
    /// that nothing calls costs one undefined symbol table entry.
    pub fn declare(module: &mut dyn Module) -> Result<Self, CodegenError> {
        let mut by_name = HashMap::new();
        for rf in RUNTIME_FUNCTIONS {
            let sig = signature(rf, module.isa());
            let id = module
                .declare_function(rf.name, Linkage::Import, &sig)
                .map_err(|e| CodegenError::new(format!("declaring `{}`: {e}", rf.name)))?;
            by_name.insert(rf.name, (id, *rf));
        }
        Ok(RuntimeImports { by_name })
    }

    /// The declaration of a runtime function by symbol. MIR carries a copy of
    /// the table entry; looking it up by name (rather than trusting the copy's
    /// signature) keeps the table authoritative.
    pub fn get(&self, name: &str) -> Result<(FuncId, RuntimeFn), CodegenError> {
        self.by_name.get(name).copied().ok_or_else(|| {
            CodegenError::new(format!(
                "`{name}` is not in the runtime ABI table (lumen_abi::RUNTIME_FUNCTIONS)"
            ))
        })
    }
}
