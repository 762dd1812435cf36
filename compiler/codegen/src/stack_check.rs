//! The stack-limit check in every generated function's prologue.
//!
//! Lumen tasks run on pooled coroutine stacks without guard pages, so deep
//! recursion must be caught in software: the runtime keeps the lowest usable
//! address of the current stack (plus a reserve for runtime code) in the
//! global `lm_stack_limit` and updates it on every stack switch. Each function
//! compares its stack pointer with it — one load, one compare, one
//! not-taken branch — and calls `lm_stack_overflow(loc)` from a cold block
//! when it is below, which reports `stack overflow in cell NAME`.

use cranelift_codegen::ir::{condcodes::IntCC, InstBuilder, MemFlagsData};
use lumen_mir::Loc;

use crate::function::FnCx;
use crate::CodegenError;

/// Emits the check at the current position; `loc` is the cell's declaration,
/// reported in the error.
fn emit(fx: &mut FnCx, loc: Loc) -> Result<(), CodegenError> {
    let limit_addr = fx.data_addr(fx.em.stack_limit);
    // Not `readonly`: the runtime changes the limit when it switches tasks,
    // and a callee may switch; notrap + aligned: it is a valid static.
    let limit =
        fx.b.ins()
            .load(fx.pointer, MemFlagsData::trusted(), limit_addr, 0);
    let sp = fx.b.ins().get_stack_pointer(fx.pointer);
    let below = fx.b.ins().icmp(IntCC::UnsignedLessThan, sp, limit);

    let overflow = fx.b.create_block();
    fx.b.set_cold_block(overflow);
    let cont = fx.b.create_block();
    fx.b.ins().brif(below, overflow, &[], cont, &[]);

    fx.b.switch_to_block(overflow);
    let loc = fx.loc_addr(loc)?;
    let (id, _) = fx
        .em
        .runtime
        .get(lumen_abi::LM_STACK_OVERFLOW.name)
        .map_err(|e| fx.error(e.message()))?;
    let fref = fx.func_ref(id);
    fx.b.ins().call(fref, &[loc]);
    // The failure is recorded; nothing of this frame exists yet, so it
    // returns straight to the caller, whose failure edge takes over.
    fx.return_dummy();

    fx.b.switch_to_block(cont);
    Ok(())
}

impl FnCx<'_, '_> {
    /// The prologue's check (see the module doc).
    pub(crate) fn stack_check(&mut self, loc: Loc) -> Result<(), CodegenError> {
        emit(self, loc)
    }
}
