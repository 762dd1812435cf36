//! Optimisations on lowered MIR that lowering itself cannot see.
//!
//! * [`constants`]: `retain`/`release` of locals that certainly hold a string
//!   constant (immortal) are deleted.
//! * [`pairs`]: a `retain x` and a later `release x` in the same block with
//!   only plain assignments between them cancel.
//! * [`unshare`]: an `lm_unshare` of a local a previous one in the same block
//!   already made unshared becomes a copy.
//! * [`hoist_rows`]: a loop-invariant borrowed list read (the row of
//!   `m[i][k]` in a loop over `k`) is read once before a loop that cannot
//!   change any list.
//!
//! * [`unique_lists`]: a list store into a local the data flow proves
//!   unshared needs no count test (`lm_list_set_unique`).
//! * [`freeze_loops`]: a list a loop only reads or stores into in place is
//!   copied to a frozen local before it, so its length and buffer are
//!   loaded once.
//! * [`conditional_add`]: `if c then x = x + 1` becomes `x = x + c`.
//! * [`linear_match`]: a `match` mapping consecutive Int keys to values on
//!   a line (`"0" -> 0 … "9" -> 9`) becomes a range test and an addition.
//!
//! [`cfg`] holds the control-flow helpers they share (predecessors,
//! dominators, natural loops).

mod cfg;
mod conditional_add;
mod constants;
mod freeze_loops;
mod hoist_rows;
mod linear_match;
mod pairs;
mod unique_lists;
mod unshare;

use crate::{Function, Rvalue};

/// Runs every optimisation on one function.
pub fn optimize(f: &mut Function) {
    linear_match::linearize_matches(f);
    conditional_add::add_conditions(f);
    constants::drop_counts_of_constants(f);
    pairs::cancel_pairs(f);
    unshare::drop_repeated_unshares(f);
    hoist_rows::hoist_invariant_rows(f);
    unique_lists::mark_unique_stores(f);
    freeze_loops::freeze_loop_lists(f);
    cfg::clear_unreachable(f);
}

/// Rvalues that neither call anything nor look at reference counts
/// (arithmetic, copies, loads, slot conversions).
fn is_plain(rv: &Rvalue) -> bool {
    matches!(
        rv,
        Rvalue::Use(_)
            | Rvalue::Binary { .. }
            | Rvalue::Unary { .. }
            | Rvalue::Cast(..)
            | Rvalue::Load { .. }
            | Rvalue::ToSlot(_)
            | Rvalue::FromSlot(..)
    )
}

/// Calls `visit` with every operand `rv` reads; for an operand passed
/// directly to a runtime function, also the function's name and the
/// argument's position.
fn for_each_operand(rv: &Rvalue, mut visit: impl FnMut(&crate::Operand, Option<(&str, usize)>)) {
    use crate::RtArg;
    match rv {
        Rvalue::Use(o)
        | Rvalue::Unary { operand: o, .. }
        | Rvalue::Cast(_, o)
        | Rvalue::ToSlot(o)
        | Rvalue::FromSlot(o, _)
        | Rvalue::Load { base: o, .. } => visit(o, None),
        Rvalue::Binary { lhs, rhs, .. } => {
            visit(lhs, None);
            visit(rhs, None);
        }
        Rvalue::Call(_, args) => args.iter().for_each(|a| visit(a, None)),
        Rvalue::CallIndirect { callee, args, .. } => {
            visit(callee, None);
            args.iter().for_each(|a| visit(a, None));
        }
        Rvalue::Runtime(rf, args) => {
            for (i, a) in args.iter().enumerate() {
                match a {
                    RtArg::Operand(o) => visit(o, Some((rf.name, i))),
                    RtArg::StrArray(items) => items.iter().for_each(|o| visit(o, None)),
                    RtArg::Words(words) => {
                        for w in words {
                            if let RtArg::Operand(o) = w {
                                visit(o, None);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        Rvalue::FuncAddr(_) => {}
    }
}

/// How many times each local is read (as an operand anywhere).
pub(super) fn use_counts(f: &Function) -> Vec<usize> {
    let mut uses = vec![0usize; f.locals.len()];
    let mut op = |o: &crate::Operand| {
        if let crate::Operand::Local(l) = o {
            uses[l.0 as usize] += 1;
        }
    };
    for block in &f.blocks {
        for stmt in &block.stmts {
            let rv = match &stmt.kind {
                crate::StmtKind::Assign(_, rv) | crate::StmtKind::Eval(rv) => rv,
                crate::StmtKind::Store { base, value, .. } => {
                    op(&crate::Operand::Local(*base));
                    op(value);
                    continue;
                }
                crate::StmtKind::Retain(l) | crate::StmtKind::Release(l) => {
                    op(&crate::Operand::Local(*l));
                    continue;
                }
            };
            for_each_operand(rv, |o, _| op(o));
        }
        match &block.terminator {
            crate::Terminator::Branch { cond, .. } => op(cond),
            crate::Terminator::Return(o) => op(o),
            crate::Terminator::Goto(_) | crate::Terminator::Unreachable => {}
        }
    }
    uses
}
