//! `retain x` … `release x` pairs with only plain assignments between them
//! cancel out.
//!
//! Lowering retains a variable it copies (`return v`, `let w = v`) and releases
//! every owned local when the cell ends, which often leaves `retain v; r = v;
//! release v` in one block. The count goes up and straight back down; as long
//! as nothing between the two can look at the count (a runtime call deciding
//! to update in place, a call, a store) or free an object (a release), both
//! statements can go.

use super::is_plain;
use crate::{Function, StmtKind};

/// Deletes cancelling `retain`/`release` pairs inside each block.
pub fn cancel_pairs(f: &mut Function) {
    for block in &mut f.blocks {
        let mut dead = vec![false; block.stmts.len()];
        for r in 0..block.stmts.len() {
            let StmtKind::Retain(x) = block.stmts[r].kind else {
                continue;
            };
            for k in r + 1..block.stmts.len() {
                if dead[k] {
                    continue;
                }
                match &block.stmts[k].kind {
                    StmtKind::Release(y) if *y == x => {
                        dead[r] = true;
                        dead[k] = true;
                        break;
                    }
                    // (A failure between the two would release `x` in the
                    // landing without the count the retain added.)
                    StmtKind::Assign(dst, rv) if *dst != x && is_plain(rv) && !rv.may_fail() => {}
                    _ => break,
                }
            }
        }
        let mut i = 0;
        block.stmts.retain(|_| {
            i += 1;
            !dead[i - 1]
        });
    }
}
