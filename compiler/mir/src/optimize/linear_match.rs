//! A `match` whose arms map a run of consecutive Int keys to values on a
//! line becomes arithmetic.
//!
//! `match c  "0" -> 0  "1" -> 1 … "9" -> 9  _ -> -1` lowers to a chain of
//! tests of the byte key (`k == 48`, else `k == 49`, …), each arm assigning
//! a constant to the result. Run on random digits that chain is a string of
//! badly predicted branches, and it makes the cell too big to inline. When
//! the keys are exactly `lo..=hi` and every arm's value is `key + b` (or the
//! same constant), the chain is replaced by `lo <= k and k <= hi` and one
//! unchecked addition (`key + b` is an arm's value, so it cannot overflow);
//! other keys go where the last test's `else` went (the `_` arm). Compilers
//! for C do the same to a `switch` of this shape.
//!
//! The chain's blocks are left for the code generator to drop if nothing
//! else reaches them; only the first test's block is rewritten, so any
//! other path into the chain keeps its meaning.

use crate::{
    BasicBlock, BinOp, BlockId, Const, Function, Loc, Local, LocalDecl, Operand, Rvalue, Statement,
    StmtKind, Terminator, Ty,
};

/// Fewest arms worth rewriting (two tests cost about what the range test
/// costs).
const MIN_ARMS: usize = 3;

/// One arm of a chain: `key` leads to a block assigning `value` to `result`
/// and jumping to `join`.
struct Arm {
    key: i64,
    value: i64,
}

/// A chain of key tests found from one block.
struct Chain {
    key: Local,
    result: Local,
    join: BlockId,
    arms: Vec<Arm>,
    /// Where keys matching no arm go.
    default: BlockId,
    /// The blocks of the second and later tests (unreachable once the
    /// first is rewritten, unless something else jumps there).
    tests: Vec<usize>,
    loc: Loc,
}

/// Rewrites every chain of key tests that qualifies.
pub fn linearize_matches(f: &mut Function) {
    let mut in_chain = vec![false; f.blocks.len()];
    for b in 0..f.blocks.len() {
        if in_chain[b] {
            continue;
        }
        let Some(chain) = find_chain(f, b) else {
            continue;
        };
        if let Some((lo, hi, offset)) = line_of(&chain.arms) {
            chain.tests.iter().for_each(|&t| in_chain[t] = true);
            rewrite(f, b, &chain, lo, hi, offset);
        }
    }
}

/// The block `b` jumps to after skipping blocks that only `goto`.
pub(super) fn skip_gotos(f: &Function, mut b: BlockId) -> BlockId {
    // Bounded: a cycle of empty gotos would otherwise spin.
    for _ in 0..f.blocks.len() {
        let block = &f.blocks[b.0 as usize];
        match block.terminator {
            Terminator::Goto(next) if block.stmts.is_empty() => b = next,
            _ => break,
        }
    }
    b
}

/// A test `t = eq.Int key K; branch t ? then : else` that is the whole of
/// block `b` (when `whole`) or its end: `(key, K, then, else)`.
fn key_test(f: &Function, b: usize, whole: bool) -> Option<(Local, i64, BlockId, BlockId)> {
    let block = &f.blocks[b];
    let Terminator::Branch {
        cond: Operand::Local(t),
        then_block,
        else_block,
    } = block.terminator
    else {
        return None;
    };
    if whole && block.stmts.len() != 1 {
        return None;
    }
    let StmtKind::Assign(
        dst,
        Rvalue::Binary {
            op: BinOp::Eq,
            ty: Ty::Int,
            lhs: Operand::Local(key),
            rhs: Operand::Const(Const::Int(k)),
        },
    ) = &block.stmts.last()?.kind
    else {
        return None;
    };
    (*dst == t).then_some((*key, *k, then_block, else_block))
}

/// An arm block: `result = constant; goto join`, nothing else.
fn arm_block(f: &Function, b: BlockId) -> Option<(Local, i64, BlockId)> {
    let block = &f.blocks[b.0 as usize];
    let Terminator::Goto(join) = block.terminator else {
        return None;
    };
    match block.stmts.as_slice() {
        [Statement {
            kind: StmtKind::Assign(result, Rvalue::Use(Operand::Const(Const::Int(v)))),
            ..
        }] => Some((*result, *v, join)),
        _ => None,
    }
}

fn find_chain(f: &Function, b: usize) -> Option<Chain> {
    let (key, first_key, then_block, mut else_block) = key_test(f, b, false)?;
    let (result, first_value, join) = arm_block(f, skip_gotos(f, then_block))?;
    if result == key {
        return None;
    }
    let mut arms = vec![Arm {
        key: first_key,
        value: first_value,
    }];
    let mut tests = Vec::new();
    loop {
        let next = skip_gotos(f, else_block);
        let Some((k2, key_value, then2, else2)) = key_test(f, next.0 as usize, true) else {
            break;
        };
        let Some((r2, value, j2)) = arm_block(f, skip_gotos(f, then2)) else {
            break;
        };
        if k2 != key || r2 != result || j2 != join || arms.len() > f.blocks.len() {
            break;
        }
        arms.push(Arm {
            key: key_value,
            value,
        });
        tests.push(next.0 as usize);
        else_block = else2;
    }
    (arms.len() >= MIN_ARMS).then(|| Chain {
        key,
        result,
        join,
        arms,
        default: else_block,
        tests,
        loc: f.blocks[b].stmts.last().map_or(f.loc, |s| s.loc),
    })
}

/// `(lo, hi, offset)` when the keys are exactly `lo..=hi` (each once) and
/// every value is `key + offset`, or (offset `None`) all values are equal.
fn line_of(arms: &[Arm]) -> Option<(i64, i64, Option<i64>)> {
    let lo = arms.iter().map(|a| a.key).min()?;
    let hi = arms.iter().map(|a| a.key).max()?;
    let span = hi.checked_sub(lo)?;
    if span != arms.len() as i64 - 1 {
        return None;
    }
    let mut seen = vec![false; arms.len()];
    for a in arms {
        let slot = &mut seen[(a.key - lo) as usize];
        if *slot {
            return None;
        }
        *slot = true;
    }
    if arms.iter().all(|a| a.value == arms[0].value) {
        return Some((lo, hi, None));
    }
    let offset = arms[0].value.checked_sub(arms[0].key)?;
    arms.iter()
        .all(|a| a.key.checked_add(offset) == Some(a.value))
        .then_some((lo, hi, Some(offset)))
}

fn new_temp(f: &mut Function, ty: Ty) -> Local {
    f.locals.push(LocalDecl { ty, name: None });
    Local(f.locals.len() as u32 - 1)
}

fn new_block(f: &mut Function, stmts: Vec<Statement>, terminator: Terminator) -> BlockId {
    f.blocks.push(BasicBlock { stmts, terminator });
    BlockId(f.blocks.len() as u32 - 1)
}

/// Replaces the first test of the chain at block `b` with the range test and
/// the arithmetic.
fn rewrite(f: &mut Function, b: usize, chain: &Chain, lo: i64, hi: i64, offset: Option<i64>) {
    let loc = chain.loc;
    let stmt = |kind| Statement { kind, loc };
    let compare = |op, bound| Rvalue::Binary {
        op,
        ty: Ty::Int,
        lhs: Operand::Local(chain.key),
        rhs: Operand::Const(Const::Int(bound)),
    };
    let value = match offset {
        Some(offset) => Rvalue::Binary {
            op: BinOp::AddInRange,
            ty: Ty::Int,
            lhs: Operand::Local(chain.key),
            rhs: Operand::Const(Const::Int(offset)),
        },
        None => Rvalue::Use(Operand::Const(Const::Int(chain.arms[0].value))),
    };
    let arm = new_block(
        f,
        vec![stmt(StmtKind::Assign(chain.result, value))],
        Terminator::Goto(chain.join),
    );
    let below_hi = new_temp(f, Ty::Bool);
    let upper = new_block(
        f,
        vec![stmt(StmtKind::Assign(below_hi, compare(BinOp::Le, hi)))],
        Terminator::Branch {
            cond: Operand::Local(below_hi),
            then_block: arm,
            else_block: chain.default,
        },
    );
    let above_lo = new_temp(f, Ty::Bool);
    let block = &mut f.blocks[b];
    // The first test's own statement stays (its flag is then unused).
    block
        .stmts
        .push(stmt(StmtKind::Assign(above_lo, compare(BinOp::Ge, lo))));
    block.terminator = Terminator::Branch {
        cond: Operand::Local(above_lo),
        then_block: upper,
        else_block: chain.default,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arms(pairs: &[(i64, i64)]) -> Vec<Arm> {
        pairs
            .iter()
            .map(|&(key, value)| Arm { key, value })
            .collect()
    }

    #[test]
    fn consecutive_keys_on_a_line() {
        let digits: Vec<(i64, i64)> = (0..10).map(|d| (48 + d, d)).collect();
        assert_eq!(line_of(&arms(&digits)), Some((48, 57, Some(-48))));
        // Any order of the arms.
        assert_eq!(
            line_of(&arms(&[(3, 13), (1, 11), (2, 12)])),
            Some((1, 3, Some(10)))
        );
        assert_eq!(
            line_of(&arms(&[(1, 7), (2, 7), (3, 7)])),
            Some((1, 3, None))
        );
    }

    #[test]
    fn other_shapes_are_left_alone() {
        // A gap in the keys.
        assert_eq!(line_of(&arms(&[(1, 1), (2, 2), (4, 4)])), None);
        // A repeated key (the first arm wins, the line would be wrong).
        assert_eq!(line_of(&arms(&[(1, 1), (1, 1), (2, 2)])), None);
        // Values not on a line of slope 1.
        assert_eq!(line_of(&arms(&[(1, 2), (2, 4), (3, 6)])), None);
        // Keys at the end of Int, values off the line.
        assert_eq!(
            line_of(&arms(&[
                (i64::MAX - 1, 0),
                (i64::MAX, 1),
                (i64::MAX - 2, 2)
            ])),
            None
        );
        // An offset that does not fit in an Int.
        assert_eq!(
            line_of(&arms(&[(i64::MIN, i64::MAX), (i64::MIN + 1, 0)])),
            None
        );
    }
}
