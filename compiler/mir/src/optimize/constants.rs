//! Counting on constants: `retain`/`release` of a string constant go.
//!
//! Lowering starts every owned heap local as the immortal empty string and
//! "forgets" a temporary whose reference moved elsewhere by assigning it that
//! string again (`lower::FnLowerer::forget`). Releasing or retaining such a
//! local does nothing at run time, but the code generator cannot know that: it
//! emits an inline test of the object's count for every one. This pass tracks,
//! with a forward data-flow over the blocks, which locals certainly hold a
//! string constant and deletes the `retain`/`release` statements on them.

use crate::cfg::must_facts;
use crate::{Const, Function, Operand, Rvalue, StmtKind};

/// Deletes `retain x` / `release x` where `x` certainly holds a string
/// constant (an immortal object) on every path reaching the statement.
pub fn drop_counts_of_constants(f: &mut Function) {
    // A forward "must" flow over bit vectors (`cfg::must_facts`, reverse
    // postorder): a hash set per block, swept in block-number order, made
    // a function of many loops quadratic.
    let entry = must_facts(f, transfer);
    for (block, facts) in f.blocks.iter_mut().zip(entry) {
        let Some(mut holds_constant) = facts else {
            continue;
        };
        block.stmts.retain(|stmt| {
            let redundant = matches!(
                stmt.kind,
                StmtKind::Retain(l) | StmtKind::Release(l)
                    if holds_constant.get(l.0 as usize) == Some(&true)
            );
            transfer(&stmt.kind, &mut holds_constant);
            !redundant
        });
    }
}

/// After `stmt`: which locals certainly hold a string constant.
fn transfer(stmt: &StmtKind, holds_constant: &mut [bool]) {
    if let StmtKind::Assign(dst, rvalue) = stmt {
        if let Some(h) = holds_constant.get_mut(dst.0 as usize) {
            *h = matches!(rvalue, Rvalue::Use(Operand::Const(Const::Str(_))));
        }
    }
}
