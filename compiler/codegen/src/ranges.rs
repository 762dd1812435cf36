//! Integer ranges known from dominating branches, used to drop overflow
//! checks that cannot fire.
//!
//! When a MIR block is entered only through one edge of
//! `branch (x < k)` (or `<=`, `>`, `>=`, `==` against a constant), the
//! value of `x` is known to lie in a range until `x` is assigned again. For
//! `fib` that makes `n - 1` and `n - 2` after `if n < 2 return …` provably
//! in range, so their checks are not emitted. Facts flow along chains of
//! blocks with a single predecessor; a block with several predecessors (a
//! join or a loop header) starts with no facts, which keeps the analysis one
//! pass and obviously sound.

use std::collections::HashMap;

use lumen_mir::{BinOp, Const, Function, Local, Operand, Rvalue, StmtKind, Terminator, Ty};

/// Inclusive bounds of a local's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub lo: i64,
    pub hi: i64,
}

impl Range {
    fn intersect(self, other: Range) -> Range {
        Range {
            lo: self.lo.max(other.lo),
            hi: self.hi.min(other.hi),
        }
    }
}

pub type Facts = HashMap<Local, Range>;

/// The facts that hold on entry to each block of `f`.
pub fn entry_facts(f: &Function) -> Vec<Facts> {
    let n = f.blocks.len();
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, block) in f.blocks.iter().enumerate() {
        let mut add = |t: lumen_mir::BlockId| {
            if let Some(p) = preds.get_mut(t.0 as usize) {
                p.push(i);
            }
        };
        match &block.terminator {
            Terminator::Goto(t) => add(*t),
            Terminator::Branch {
                then_block,
                else_block,
                ..
            } => {
                add(*then_block);
                add(*else_block);
            }
            Terminator::Return(_) | Terminator::Unreachable => {}
        }
    }
    let mut facts: Vec<Option<Facts>> = vec![None; n];
    for b in 0..n {
        compute(f, &preds, &mut facts, b, 0);
    }
    facts.into_iter().map(Option::unwrap_or_default).collect()
}

/// Facts on entry to `b`, memoised. `depth` bounds the recursion along a
/// single-predecessor chain (a chain that long just gets no facts).
fn compute(
    f: &Function,
    preds: &[Vec<usize>],
    memo: &mut Vec<Option<Facts>>,
    b: usize,
    depth: usize,
) -> Facts {
    if let Some(known) = &memo[b] {
        return known.clone();
    }
    // Block 0 is also entered from the prologue.
    let result = if b == 0 || preds[b].len() != 1 || preds[b][0] == b || depth > 256 {
        Facts::new()
    } else {
        // Mark as in progress: a single-predecessor cycle is unreachable
        // and gets no facts.
        memo[b] = Some(Facts::new());
        let p = preds[b][0];
        let mut facts = compute(f, preds, memo, p, depth + 1);
        let block = &f.blocks[p];
        for stmt in &block.stmts {
            if let StmtKind::Assign(local, _) = &stmt.kind {
                facts.remove(local);
            }
        }
        if let Some((x, range)) = edge_fact(f, p, b) {
            let range = match facts.get(&x) {
                Some(old) => old.intersect(range),
                None => range,
            };
            facts.insert(x, range);
        }
        facts
    };
    memo[b] = Some(result.clone());
    result
}

/// What the branch ending block `p` says about a local on the edge to `b`.
fn edge_fact(f: &Function, p: usize, b: usize) -> Option<(Local, Range)> {
    let block = &f.blocks[p];
    let Terminator::Branch {
        cond: Operand::Local(c),
        then_block,
        else_block,
    } = &block.terminator
    else {
        return None;
    };
    if then_block == else_block {
        return None;
    }
    let taken = then_block.0 as usize == b;
    // The last assignment of `c` in this block must be the comparison, and
    // neither `c` nor the compared local may change after it.
    let pos = block
        .stmts
        .iter()
        .rposition(|s| matches!(&s.kind, StmtKind::Assign(l, _) if l == c))?;
    let StmtKind::Assign(_, rvalue) = &block.stmts[pos].kind else {
        return None;
    };
    let Rvalue::Binary {
        op,
        ty: Ty::Int,
        lhs,
        rhs,
    } = rvalue
    else {
        return None;
    };
    let (x, k, op) = match (lhs, rhs) {
        (Operand::Local(x), Operand::Const(Const::Int(k))) => (*x, *k, *op),
        (Operand::Const(Const::Int(k)), Operand::Local(x)) => (*x, *k, flip(*op)?),
        _ => return None,
    };
    let reassigned = block.stmts[pos + 1..]
        .iter()
        .any(|s| matches!(&s.kind, StmtKind::Assign(l, _) if *l == x || l == c));
    if reassigned || x == *c {
        return None;
    }
    let op = if taken { op } else { negate(op)? };
    let range = match op {
        BinOp::Lt => Range {
            lo: i64::MIN,
            hi: k.checked_sub(1)?,
        },
        BinOp::Le => Range {
            lo: i64::MIN,
            hi: k,
        },
        BinOp::Gt => Range {
            lo: k.checked_add(1)?,
            hi: i64::MAX,
        },
        BinOp::Ge => Range {
            lo: k,
            hi: i64::MAX,
        },
        BinOp::Eq => Range { lo: k, hi: k },
        _ => return None,
    };
    Some((x, range))
}

/// `k op x` as `x op' k`.
fn flip(op: BinOp) -> Option<BinOp> {
    Some(match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::Le => BinOp::Ge,
        BinOp::Gt => BinOp::Lt,
        BinOp::Ge => BinOp::Le,
        BinOp::Eq => BinOp::Eq,
        BinOp::Ne => BinOp::Ne,
        _ => return None,
    })
}

/// The comparison that holds when `op` is false.
fn negate(op: BinOp) -> Option<BinOp> {
    Some(match op {
        BinOp::Lt => BinOp::Ge,
        BinOp::Le => BinOp::Gt,
        BinOp::Gt => BinOp::Le,
        BinOp::Ge => BinOp::Lt,
        BinOp::Eq => BinOp::Ne,
        BinOp::Ne => BinOp::Eq,
        _ => return None,
    })
}

/// Whether `a + addend` stays in range for every `a` in `range`.
pub fn add_cannot_overflow(range: Range, addend: i128) -> bool {
    let lo = i128::from(range.lo) + addend;
    let hi = i128::from(range.hi) + addend;
    lo >= i128::from(i64::MIN) && hi <= i128::from(i64::MAX)
}
