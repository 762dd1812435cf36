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
//! * [`linear_match`]: a `match` mapping consecutive Int keys to values on
//!   a line (`"0" -> 0 … "9" -> 9`) becomes a range test and an addition.
//!
//! [`cfg`] holds the control-flow helpers they share (predecessors,
//! dominators, natural loops).

mod cfg;
mod constants;
mod hoist_rows;
mod linear_match;
mod pairs;
mod unique_lists;
mod unshare;

use crate::{Function, Rvalue};

/// Runs every optimisation on one function.
pub fn optimize(f: &mut Function) {
    linear_match::linearize_matches(f);
    constants::drop_counts_of_constants(f);
    pairs::cancel_pairs(f);
    unshare::drop_repeated_unshares(f);
    hoist_rows::hoist_invariant_rows(f);
    unique_lists::mark_unique_stores(f);
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
