//! Scalar temporaries that live within one MIR block are plain SSA values,
//! not `cranelift-frontend` `Variable`s.
//!
//! The SSA builder keeps, for every variable, a map over the blocks it is
//! defined in, sized by the highest block number: a long function — a
//! 10,000-term `1 + 1 + …` makes 10,000 temporaries, and every checked
//! addition a new Cranelift block — costs memory quadratic in its length
//! (12 GB at 50,000 terms). A temporary assigned once and read only later
//! in the same MIR block needs none of that: the value computed for it
//! dominates every read, because the code of one MIR block runs straight
//! through (the branches a statement makes inside meet again before the
//! next one).
//!
//! Only Int, Float, Bool and Null temporaries qualify: heap locals are also
//! read by failure edges and cleanup code, which still go through variables.

use lumen_mir::{Function, Local, StmtKind, Terminator, Ty};

/// Where a local is assigned and read, as far as this analysis cares.
#[derive(Clone, Copy)]
enum Seen {
    Never,
    /// Assigned once, at (block, statement); reads so far all after it in
    /// that block.
    Once(usize, usize),
    /// Anything else: a parameter, assigned twice, read elsewhere.
    Shared,
}

/// For each local of `mir`, whether it is a block-local scalar (see the
/// module doc).
pub fn block_local_scalars(mir: &Function) -> Vec<bool> {
    let mut seen = vec![Seen::Never; mir.locals.len()];
    // Locals that do not exist are left for code generation to report.
    for p in &mir.params {
        if let Some(s) = seen.get_mut(p.0 as usize) {
            *s = Seen::Shared;
        }
    }
    let read = |seen: &mut Vec<Seen>, local: Local, block: usize, at: usize| {
        let Some(s) = seen.get_mut(local.0 as usize) else {
            return;
        };
        match *s {
            Seen::Once(b, i) if b == block && i < at => {}
            _ => *s = Seen::Shared,
        }
    };
    for (b, block) in mir.blocks.iter().enumerate() {
        for (i, stmt) in block.stmts.iter().enumerate() {
            match &stmt.kind {
                StmtKind::Assign(dest, rvalue) => {
                    rvalue.visit_reads(|l| read(&mut seen, l, b, i));
                    if let Some(s) = seen.get_mut(dest.0 as usize) {
                        *s = match *s {
                            Seen::Never => Seen::Once(b, i),
                            _ => Seen::Shared,
                        };
                    }
                }
                StmtKind::Eval(rvalue) => rvalue.visit_reads(|l| read(&mut seen, l, b, i)),
                StmtKind::Retain(l) | StmtKind::Release(l) => read(&mut seen, *l, b, i),
                StmtKind::Store { base, value, .. } => {
                    read(&mut seen, *base, b, i);
                    if let lumen_mir::Operand::Local(l) = value {
                        read(&mut seen, *l, b, i);
                    }
                }
            }
        }
        let end = block.stmts.len();
        match &block.terminator {
            Terminator::Branch {
                cond: lumen_mir::Operand::Local(l),
                ..
            }
            | Terminator::Return(lumen_mir::Operand::Local(l)) => read(&mut seen, *l, b, end),
            _ => {}
        }
    }
    seen.iter()
        .zip(&mir.locals)
        .map(|(s, decl)| {
            matches!(s, Seen::Once(..))
                && matches!(decl.ty, Ty::Int | Ty::Float | Ty::Bool | Ty::Null)
        })
        .collect()
}
