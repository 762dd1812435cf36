//! Integer ranges known from dominating branches, used to drop overflow
//! checks that cannot fire.
//!
//! When a MIR block is entered only through one edge of
//! `branch (x < k)` (or `<=`, `>`, `>=`, `==` against a constant), the
//! value of `x` is known to lie in a range until `x` is assigned again. For
//! `fib` that makes `n - 1` and `n - 2` after `if n < 2 return …` provably
//! in range, so their checks are not emitted. A strict comparison of two
//! locals says a little too: after `x < y`, `x` is not `MAX_INT` and `y` not
//! `MIN_INT`, so `x + 1` and `y - 1` cannot overflow (`while i < j … i = i +
//! 1; j = j - 1`). Facts flow along edges; a block with several
//! predecessors keeps what every incoming edge says (the widest range of
//! each local known on all of them). Blocks are visited depth-first from
//! their predecessors; one still being computed (a loop's back edge)
//! contributes no facts, so the result is one pass and only ever knows less
//! than the truth.

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
    let result = if b == 0 || preds[b].is_empty() || depth > 256 {
        Facts::new()
    } else {
        // Mark as in progress: an edge from a block that depends on this
        // one (a loop's back edge) brings no facts.
        memo[b] = Some(Facts::new());
        let mut all: Option<Facts> = None;
        for &p in &preds[b] {
            let on_edge = if p == b {
                Facts::new()
            } else {
                facts_on_edge(f, preds, memo, p, b, depth)
            };
            all = Some(match all {
                None => on_edge,
                Some(known) => widest_common(&known, &on_edge),
            });
            if all.as_ref().is_some_and(|a| a.is_empty()) {
                break;
            }
        }
        all.unwrap_or_default()
    };
    memo[b] = Some(result.clone());
    result
}

/// The facts that hold on the edge from `p` to `b`.
fn facts_on_edge(
    f: &Function,
    preds: &[Vec<usize>],
    memo: &mut Vec<Option<Facts>>,
    p: usize,
    b: usize,
    depth: usize,
) -> Facts {
    let mut facts = compute(f, preds, memo, p, depth + 1);
    let block = &f.blocks[p];
    for stmt in &block.stmts {
        if let StmtKind::Assign(local, _) = &stmt.kind {
            facts.remove(local);
        }
    }
    for (x, range) in edge_facts(f, p, b) {
        let range = match facts.get(&x) {
            Some(old) => old.intersect(range),
            None => range,
        };
        facts.insert(x, range);
    }
    facts
}

/// The locals known on both sides, each with the range covering both.
fn widest_common(a: &Facts, b: &Facts) -> Facts {
    a.iter()
        .filter_map(|(x, ra)| {
            let rb = b.get(x)?;
            Some((
                *x,
                Range {
                    lo: ra.lo.min(rb.lo),
                    hi: ra.hi.max(rb.hi),
                },
            ))
        })
        .collect()
}

/// What the branch ending block `p` says about locals on the edge to `b`.
fn edge_facts(f: &Function, p: usize, b: usize) -> Vec<(Local, Range)> {
    if let Some(fact) = edge_fact(f, p, b) {
        return vec![fact];
    }
    relational_facts(f, p, b).unwrap_or_default()
}

/// The comparison `lhs op rhs` (on Ints) that decides the branch ending
/// block `p`, with whether the edge to `b` is taken when it holds; `None`
/// when the block does not end so, or when an operand or the condition is
/// assigned after the comparison.
fn deciding_comparison(
    f: &Function,
    p: usize,
    b: usize,
) -> Option<(BinOp, Operand, Operand, bool)> {
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
    let pos = block
        .stmts
        .iter()
        .rposition(|s| matches!(&s.kind, StmtKind::Assign(l, _) if l == c))?;
    let StmtKind::Assign(
        _,
        Rvalue::Binary {
            op,
            ty: Ty::Int,
            lhs,
            rhs,
        },
    ) = &block.stmts[pos].kind
    else {
        return None;
    };
    let mentioned = |l: &Local| {
        l == c
            || matches!(lhs, Operand::Local(x) if x == l)
            || matches!(rhs, Operand::Local(x) if x == l)
    };
    let reassigned = block.stmts[pos + 1..]
        .iter()
        .any(|s| matches!(&s.kind, StmtKind::Assign(l, _) if mentioned(l)));
    if reassigned || mentioned_operand(lhs, *c) || mentioned_operand(rhs, *c) {
        return None;
    }
    Some((*op, lhs.clone(), rhs.clone(), taken))
}

fn mentioned_operand(op: &Operand, c: Local) -> bool {
    matches!(op, Operand::Local(x) if *x == c)
}

/// `x < y` (or `y > x`) on the edge: `x` is below `MAX_INT`, `y` above
/// `MIN_INT`.
fn relational_facts(f: &Function, p: usize, b: usize) -> Option<Vec<(Local, Range)>> {
    let (op, lhs, rhs, taken) = deciding_comparison(f, p, b)?;
    let (Operand::Local(l), Operand::Local(r)) = (lhs, rhs) else {
        return None;
    };
    if l == r {
        return None;
    }
    let op = if taken { op } else { negate(op)? };
    let (smaller, larger) = match op {
        BinOp::Lt => (l, r),
        BinOp::Gt => (r, l),
        _ => return None,
    };
    Some(vec![
        (
            smaller,
            Range {
                lo: i64::MIN,
                hi: i64::MAX - 1,
            },
        ),
        (
            larger,
            Range {
                lo: i64::MIN + 1,
                hi: i64::MAX,
            },
        ),
    ])
}

/// What the branch ending block `p` says about a local compared with a
/// constant, on the edge to `b`.
fn edge_fact(f: &Function, p: usize, b: usize) -> Option<(Local, Range)> {
    let (op, lhs, rhs, taken) = deciding_comparison(f, p, b)?;
    let (x, k, op) = match (lhs, rhs) {
        (Operand::Local(x), Operand::Const(Const::Int(k))) => (x, k, op),
        (Operand::Const(Const::Int(k)), Operand::Local(x)) => (x, k, flip(op)?),
        _ => return None,
    };
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
