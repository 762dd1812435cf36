//! Optimisations on lowered MIR that lowering itself cannot see, declared
//! as one ordered list of passes, [`PASSES`], which the driver runs through
//! [`run_passes`] after lowering (none at `-O0`), with the MIR verifier
//! ([`crate::verify`]) between passes in debug builds and tests.
//!
//! The passes, in the order they run:
//!
//! * [`linear_match`]: a `match` mapping consecutive Int keys to values on
//!   a line (`"0" -> 0 … "9" -> 9`) becomes a range test and an addition.
//! * [`conditional_add`]: `if c then x = x + 1` becomes `x = x + c`.
//! * [`constants`]: `retain`/`release` of locals that certainly hold a string
//!   constant (immortal) are deleted.
//! * [`pairs`]: a `retain x` and a later `release x` in the same block with
//!   only plain assignments between them cancel.
//! * [`unshare`]: an `lm_unshare` of a local a previous one in the same block
//!   already made unshared becomes a copy.
//! * [`hoist_rows`]: a loop-invariant borrowed list read (the row of
//!   `m[i][k]` in a loop over `k`) is read once before a loop that cannot
//!   change any list.
//! * [`unique_lists`]: a list store into a local the data flow proves
//!   unshared needs no count test (`lm_list_set_unique`).
//! * [`freeze_loops`]: a list a loop only reads or stores into in place is
//!   copied to a frozen local before it, so its length and buffer are
//!   loaded once.
//! * `clear_unreachable` ([`cfg::clear_unreachable`]): blocks the rewrites
//!   left unreachable are emptied.
//!
//! Every pass is optional: the MIR lowering produces is complete and
//! correct on its own, and code generation handles it as it is.
//! [`cfg`] holds the control-flow helpers the passes share (predecessors,
//! dominators, natural loops, must-facts data flow).

mod conditional_add;
mod constants;
mod freeze_loops;
mod hoist_rows;
mod linear_match;
mod pairs;
mod unique_lists;
mod unshare;

use crate::cfg;
use crate::verify::{self, ProgramShape, VerifyError};
use crate::visit::for_each_operand;
use crate::{Function, Program, Rvalue};

/// How much optimisation the driver asked for (`-O0`, `-O`/`-O2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OptLevel {
    /// `-O0`: no pass runs; the MIR is exactly what lowering produced.
    None,
    /// The default: every pass of [`PASSES`].
    #[default]
    Speed,
}

/// One optimisation: its name (in verifier messages and snapshot names)
/// and the function that rewrites one MIR function.
pub struct Pass {
    pub name: &'static str,
    pub run: fn(&mut Function),
}

/// The passes run at `-O`, in order. The order matters: `linear_match` and
/// `conditional_add` simplify control flow the later passes then analyse;
/// `constants` and `pairs` remove counting that would otherwise hide a
/// list's uniqueness from `unique_lists`; `hoist_rows` and `freeze_loops`
/// rely on the loops as the earlier passes left them; `clear_unreachable`
/// comes last and empties what the rewrites left unreachable.
pub const PASSES: &[Pass] = &[
    Pass {
        name: "linear_match",
        run: linear_match::linearize_matches,
    },
    Pass {
        name: "conditional_add",
        run: conditional_add::add_conditions,
    },
    Pass {
        name: "constants",
        run: constants::drop_counts_of_constants,
    },
    Pass {
        name: "pairs",
        run: pairs::cancel_pairs,
    },
    Pass {
        name: "unshare",
        run: unshare::drop_repeated_unshares,
    },
    Pass {
        name: "hoist_rows",
        run: hoist_rows::hoist_invariant_rows,
    },
    Pass {
        name: "unique_lists",
        run: unique_lists::mark_unique_stores,
    },
    Pass {
        name: "freeze_loops",
        run: freeze_loops::freeze_loop_lists,
    },
    Pass {
        name: "clear_unreachable",
        run: cfg::clear_unreachable,
    },
];

/// A pass (or lowering) produced MIR the verifier rejects: a compiler bug.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PassError {
    /// `"lowering"` or the name of the pass after which the check failed.
    pub after: &'static str,
    pub error: VerifyError,
}

impl std::fmt::Display for PassError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid MIR after {}: {}", self.after, self.error)
    }
}

impl std::error::Error for PassError {}

/// Runs the passes `level` selects on every function of `program`. With
/// `verify`, the MIR is checked ([`crate::verify`]) as lowering left it and
/// again after each pass, so a broken invariant names the pass that broke it.
pub fn run_passes(program: &mut Program, level: OptLevel, verify: bool) -> Result<(), PassError> {
    run_passes_with(program, level, verify, |_, _| {})
}

/// [`run_passes`], calling `observe(pass, program)` after each pass has run
/// on every function (the per-pass snapshot tests).
pub fn run_passes_with(
    program: &mut Program,
    level: OptLevel,
    verify: bool,
    mut observe: impl FnMut(&'static str, &Program),
) -> Result<(), PassError> {
    let shape = ProgramShape::of(program);
    if verify {
        verify::verify_program(program).map_err(|error| PassError {
            after: "lowering",
            error,
        })?;
    }
    if level == OptLevel::None {
        return Ok(());
    }
    for pass in PASSES {
        for f in &mut program.functions {
            (pass.run)(f);
            if verify {
                verify::verify_function(f, &shape).map_err(|error| PassError {
                    after: pass.name,
                    error,
                })?;
            }
        }
        observe(pass.name, program);
    }
    Ok(())
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
