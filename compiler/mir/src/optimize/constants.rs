//! Counting on constants: `retain`/`release` of a string constant go.
//!
//! Lowering starts every owned heap local as the immortal empty string and
//! "forgets" a temporary whose reference moved elsewhere by assigning it that
//! string again (`lower::FnLowerer::forget`). Releasing or retaining such a
//! local does nothing at run time, but the code generator cannot know that: it
//! emits an inline test of the object's count for every one. This pass tracks,
//! with a forward data-flow over the blocks, which locals certainly hold a
//! string constant and deletes the `retain`/`release` statements on them.

use std::collections::HashSet;

use crate::cfg::predecessors;
use crate::{Const, Function, Local, Operand, Rvalue, StmtKind};

/// Deletes `retain x` / `release x` where `x` certainly holds a string
/// constant (an immortal object) on every path reaching the statement.
pub fn drop_counts_of_constants(f: &mut Function) {
    let n = f.blocks.len();
    let preds = predecessors(f);
    // `None`: not reached yet (the top of the lattice, "everything").
    let mut exits: Vec<Option<HashSet<Local>>> = vec![None; n];
    let mut changed = true;
    while changed {
        changed = false;
        for b in 0..n {
            // A block no reached block leads to is not reached (yet): leaving
            // it at the top keeps every set shrinking, so this terminates.
            if b != 0 && preds[b].iter().all(|p| exits[*p].is_none()) {
                continue;
            }
            let mut set = entry_set(b, &preds, &exits);
            for stmt in &f.blocks[b].stmts {
                transfer(&mut set, &stmt.kind);
            }
            if exits[b].as_ref() != Some(&set) {
                exits[b] = Some(set);
                changed = true;
            }
        }
    }
    for b in 0..n {
        let mut set = entry_set(b, &preds, &exits);
        f.blocks[b].stmts.retain(|stmt| {
            let redundant = matches!(
                stmt.kind,
                StmtKind::Retain(l) | StmtKind::Release(l) if set.contains(&l)
            );
            transfer(&mut set, &stmt.kind);
            !redundant
        });
    }
}

/// The locals holding a constant on entry to block `b`: those holding one at
/// the end of every predecessor reached so far (none for the entry block).
fn entry_set(b: usize, preds: &[Vec<usize>], exits: &[Option<HashSet<Local>>]) -> HashSet<Local> {
    if b == 0 {
        return HashSet::new();
    }
    let mut result: Option<HashSet<Local>> = None;
    for p in &preds[b] {
        if let Some(exit) = &exits[*p] {
            result = Some(match result {
                None => exit.clone(),
                Some(acc) => acc.intersection(exit).copied().collect(),
            });
        }
    }
    result.unwrap_or_default()
}

fn transfer(set: &mut HashSet<Local>, stmt: &StmtKind) {
    if let StmtKind::Assign(dst, rvalue) = stmt {
        if matches!(rvalue, Rvalue::Use(Operand::Const(Const::Str(_)))) {
            set.insert(*dst);
        } else {
            set.remove(dst);
        }
    }
}
