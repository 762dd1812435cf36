//! The program entry `lm_program_main`, called by the runtime's C `main`.
//!
//! The runtime owns `main` (it sets up output buffering, signals and the
//! scheduler, then runs the entry as the first task), so compiled code only
//! provides `extern "C" fn lm_program_main() -> i64`: it calls the MIR entry
//! cell and returns its `Int` result as the exit status, or 0 when the cell
//! returns anything else (`main` without `-> Int`).

use cranelift_codegen::ir::{self, types, InstBuilder, UserFuncName};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use lumen_mir::{Program, Ty};

use crate::function::BuiltFunction;
use crate::object::Emitter;
use crate::CodegenError;

/// Builds the entry shim.
pub fn build(em: &mut Emitter, program: &Program) -> Result<BuiltFunction, CodegenError> {
    let index = program.entry.0 as usize;
    let entry = program.functions.get(index).ok_or_else(|| {
        CodegenError::new(format!(
            "the entry function #{} does not exist",
            program.entry.0
        ))
    })?;
    if !entry.params.is_empty() {
        return Err(CodegenError::in_function(
            &entry.name,
            "the entry cell must not take parameters",
        ));
    }

    let id = em.program_entry_id();
    let mut func = ir::Function::with_name_signature(
        UserFuncName::user(0, id.as_u32()),
        crate::signature::program_entry(em.isa()),
    );
    let mut builder_ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut builder_ctx);
    let block = b.create_block();
    b.switch_to_block(block);
    let callee = em.import_function(em.cell_id(index), b.func);
    let call = b.ins().call(callee, &[]);
    let status = match entry.ret {
        Ty::Int => b.inst_results(call)[0],
        _ => b.ins().iconst(types::I64, 0),
    };
    b.ins().return_(&[status]);
    b.seal_all_blocks();
    b.finalize(em.isa().frontend_config());
    Ok(BuiltFunction {
        func,
        locs: Vec::new(),
        display_name: lumen_abi::PROGRAM_ENTRY.to_string(),
    })
}
