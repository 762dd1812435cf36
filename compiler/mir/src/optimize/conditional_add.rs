//! `if c then x = x + 1` becomes `x = x + c` (with `c` as 0 or 1).
//!
//! Counting the elements that pass a test (`if flags[i]  count = count + 1`)
//! branches on data: when the test follows no pattern (which numbers are
//! prime) the branch is mispredicted often, and each miss costs more than
//! the loop's other work. Adding the condition itself is the same count
//! with no branch (C compilers do the same). The addition keeps its
//! overflow check, which cannot fire when `c` is 0.
//!
//! The shape rewritten: a block ending in `branch c ? then : else` where
//! `then` holds exactly `t = add.Int x 1; x = t` and jumps to `join`, and
//! `else` reaches `join` through empty blocks; `t` is used nowhere else.

use super::linear_match::skip_gotos;
use crate::{
    BinOp, Const, Function, LocalDecl, Operand, Rvalue, Statement, StmtKind, Terminator, Ty,
};

/// Rewrites every conditional increment of that shape.
pub fn add_conditions(f: &mut Function) {
    let uses = super::use_counts(f);
    for b in 0..f.blocks.len() {
        let Terminator::Branch {
            cond: Operand::Local(c),
            then_block,
            else_block,
        } = f.blocks[b].terminator
        else {
            continue;
        };
        let then_b = &f.blocks[then_block.0 as usize];
        let Terminator::Goto(join) = then_b.terminator else {
            continue;
        };
        let (t, x) = match then_b.stmts.as_slice() {
            [Statement {
                kind:
                    StmtKind::Assign(
                        t,
                        Rvalue::Binary {
                            op: BinOp::Add,
                            ty: Ty::Int,
                            lhs: Operand::Local(x),
                            rhs: Operand::Const(Const::Int(1)),
                        },
                    ),
                ..
            }, Statement {
                kind: StmtKind::Assign(x2, Rvalue::Use(Operand::Local(t2))),
                ..
            }] if t == t2 && x == x2 && t != x => (*t, *x),
            _ => continue,
        };
        if skip_gotos(f, else_block) != skip_gotos(f, join)
            || uses[t.0 as usize] != 1
            || then_block.0 as usize == b
        {
            continue;
        }
        let stmts = f.blocks[then_block.0 as usize].stmts.clone();
        let loc = stmts[0].loc;
        f.locals.push(LocalDecl {
            ty: Ty::Int,
            name: None,
        });
        let bit = crate::Local(f.locals.len() as u32 - 1);
        let block = &mut f.blocks[b];
        block.stmts.push(Statement {
            kind: StmtKind::Assign(bit, Rvalue::ToSlot(Operand::Local(c))),
            loc,
        });
        block.stmts.push(Statement {
            kind: StmtKind::Assign(
                t,
                Rvalue::Binary {
                    op: BinOp::Add,
                    ty: Ty::Int,
                    lhs: Operand::Local(x),
                    rhs: Operand::Local(bit),
                },
            ),
            loc,
        });
        block.stmts.push(stmts[1].clone());
        block.terminator = Terminator::Goto(join);
    }
}
