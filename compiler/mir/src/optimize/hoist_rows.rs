//! Loop-invariant borrowed list reads move out of read-only loops.
//!
//! In `for k in 0..n  s = s + a[i][k] * b[j][k]` the rows `a[i]` and `b[j]`
//! (`lm_list_get_borrowed`) are the same on every iteration, but each read
//! costs a bounds test and two loads. When nothing in the loop can change a
//! list or free an object (only arithmetic, loads and the runtime calls
//! declared `read_only` in `lumen_abi`: no stores, calls, releases), and neither the list nor the index is assigned in it, the loop
//! is *versioned*: before it, each row is peeked (`lm_list_peek`, which gives
//! 0 instead of failing for an index out of range); when every peek found its
//! row, a copy of the loop runs that uses the peeked rows directly, otherwise
//! the original loop runs, with its checked reads and their errors at the
//! original places.
//!
//! ```text
//! pre1 = lm_list_peek(a, i); pre2 = lm_list_peek(b, j)
//! if pre1 != 0 and pre2 != 0 -> loop copy with `row = pre1`, `row = pre2`
//! else                       -> the original loop
//! ```
//!
//! The copy is exact: the loop changes no list and neither `a`, `b`, `i` nor
//! `j`, so every read in it would have found the peeked row. (A row that is
//! legitimately 0, a `null` of a `list[T?]`, just takes the original loop.)
//!
//! The copy is entered through a block of its own after the tests, where
//! each row that the copy reads as a list (`a[i][k]`) gets a *frozen* local
//! (`Function::frozen_lists`): nothing changes that list while the copy
//! runs, so code generation loads its length and buffer once, in that block,
//! instead of on every iteration.

use std::collections::{HashMap, HashSet};

use lumen_abi as abi;

use super::is_plain;
use crate::cfg::{dominators, natural_loops, predecessors, Loop};
use crate::{
    BasicBlock, BinOp, BlockId, Const, Function, Local, LocalDecl, Operand, RtArg, Rvalue,
    Statement, StmtKind, Terminator, Ty,
};

/// Hoists the invariant rows of every read-only loop of `f`.
pub fn hoist_invariant_rows(f: &mut Function) {
    let mut done: HashSet<usize> = HashSet::new();
    // Each hoist adds blocks, so the loops are found again after one; only
    // then (once per loop made a function of many loops cubic).
    'find: loop {
        let preds = predecessors(f);
        let dom = dominators(f, &preds);
        let loops = natural_loops(f, &preds, &dom);
        let headers: Vec<usize> = loops.iter().map(|l| l.header).collect();
        for l in &loops {
            // Only innermost loops are versioned: versioning an outer loop
            // would copy the inner ones, whose copies would be versioned
            // again.
            let innermost = headers.iter().all(|&h| h == l.header || !l.blocks[h]);
            if done.contains(&l.header) || l.header == 0 || !innermost {
                continue;
            }
            done.insert(l.header);
            let candidates = invariant_rows(f, l);
            if candidates.is_empty() {
                continue;
            }
            let copy_header = version(f, l, &preds, &candidates);
            done.insert(copy_header);
            continue 'find;
        }
        return;
    }
}

/// The `(block, statement)` positions of the hoistable row reads in `l`
/// (none unless the loop is read-only).
fn invariant_rows(f: &Function, l: &Loop) -> Vec<(usize, usize)> {
    let in_loop = |b: usize| l.blocks[b];
    let mut assigned: HashSet<Local> = HashSet::new();
    for (_, block) in f.blocks.iter().enumerate().filter(|(b, _)| in_loop(*b)) {
        for stmt in &block.stmts {
            if !is_read_only(&stmt.kind) {
                return Vec::new();
            }
            if let StmtKind::Assign(dst, _) = stmt.kind {
                assigned.insert(dst);
            }
        }
    }
    let invariant = |op: &RtArg| match op {
        RtArg::Operand(Operand::Local(x)) => !assigned.contains(x),
        RtArg::Operand(Operand::Const(_)) => true,
        _ => false,
    };
    let mut found = Vec::new();
    for (b, block) in f.blocks.iter().enumerate().filter(|(b, _)| in_loop(*b)) {
        for (s, stmt) in block.stmts.iter().enumerate() {
            if let StmtKind::Assign(_, Rvalue::Runtime(rf, args)) = &stmt.kind {
                if rf.name == abi::LM_LIST_GET_BORROWED.name
                    && args.len() == 3
                    && matches!(args[0], RtArg::Operand(Operand::Local(_)))
                    && invariant(&args[0])
                    && invariant(&args[1])
                {
                    found.push((b, s));
                }
            }
        }
    }
    found
}

fn is_read_only(stmt: &StmtKind) -> bool {
    match stmt {
        StmtKind::Assign(_, rv) | StmtKind::Eval(rv) => match rv {
            Rvalue::Runtime(rf, _) => rf.props.read_only,
            other => is_plain(other),
        },
        // A retain frees nothing; a release or a store may.
        StmtKind::Retain(_) => true,
        StmtKind::Release(_) | StmtKind::Store { .. } => false,
    }
}

/// Versions loop `l` on its row reads at `candidates` (see the module doc).
/// Returns the header of the copy.
fn version(
    f: &mut Function,
    l: &Loop,
    preds: &[Vec<usize>],
    candidates: &[(usize, usize)],
) -> usize {
    let n = f.blocks.len();
    // The fast copy: every block of the loop, jumps inside it renumbered.
    let copies: Vec<usize> = (0..n).filter(|b| l.blocks[*b]).collect();
    let mut renumber: Vec<u32> = (0..n as u32).collect();
    for (k, b) in copies.iter().enumerate() {
        renumber[*b] = (n + k) as u32;
    }
    for b in &copies {
        let mut block = f.blocks[*b].clone();
        retarget(&mut block.terminator, |t| BlockId(renumber[t.0 as usize]));
        f.blocks.push(block);
    }
    let loc = f.blocks[candidates[0].0].stmts[candidates[0].1].loc;
    // Peek each row and test it, one block per test, before the loop.
    let fast_header = BlockId(renumber[l.header]);
    let slow_header = BlockId(l.header as u32);
    let first_test = f.blocks.len();
    // The block between the last test and the copy (see the module doc).
    let preheader = first_test + candidates.len();
    let reads: Vec<(usize, usize, Local, Vec<RtArg>)> = candidates
        .iter()
        .filter_map(|&(b, s)| match &f.blocks[b].stmts[s].kind {
            StmtKind::Assign(dst, Rvalue::Runtime(_, args)) => Some((b, s, *dst, args.clone())),
            _ => None,
        })
        .collect();
    let mut pres: Vec<Local> = Vec::new();
    for (k, (b, s, dst, args)) in reads.iter().enumerate() {
        let (b, s, dst) = (*b, *s, *dst);
        let pre = new_local(f, Ty::Int, "row.pre");
        let found = new_local(f, Ty::Bool, "row.found");
        let next = if k + 1 == reads.len() {
            BlockId(preheader as u32)
        } else {
            BlockId((first_test + k + 1) as u32)
        };
        f.blocks.push(BasicBlock {
            stmts: vec![
                Statement {
                    kind: StmtKind::Assign(
                        pre,
                        Rvalue::Runtime(abi::LM_LIST_PEEK, vec![args[0].clone(), args[1].clone()]),
                    ),
                    loc,
                },
                Statement {
                    kind: StmtKind::Assign(
                        found,
                        Rvalue::Binary {
                            op: BinOp::Ne,
                            ty: Ty::Int,
                            lhs: Operand::Local(pre),
                            rhs: Operand::Const(Const::Int(0)),
                        },
                    ),
                    loc,
                },
            ],
            terminator: Terminator::Branch {
                cond: Operand::Local(found),
                then_block: next,
                else_block: slow_header,
            },
        });
        // In the copy the read is the peeked row.
        let copy = renumber[b] as usize;
        f.blocks[copy].stmts[s].kind = StmtKind::Assign(dst, Rvalue::Use(Operand::Local(pre)));
        pres.push(pre);
    }
    let frozen_defs = freeze_rows(
        f,
        &copies
            .iter()
            .map(|b| renumber[*b] as usize)
            .collect::<Vec<_>>(),
        &pres,
        loc,
    );
    debug_assert_eq!(f.blocks.len(), preheader);
    f.blocks.push(BasicBlock {
        stmts: frozen_defs,
        terminator: Terminator::Goto(fast_header),
    });
    // The loop is entered through the tests.
    let tests = BlockId(first_test as u32);
    for &p in preds[l.header].iter().filter(|p| !l.blocks[**p]) {
        retarget(&mut f.blocks[p].terminator, |t| {
            if t == slow_header {
                tests
            } else {
                t
            }
        });
    }
    fast_header.0 as usize
}

/// In the copy `blocks`, list reads of a peeked row (`p = from_slot.Ptr row`
/// after `row = pre`, earlier in the same block) read a frozen local instead;
/// returns the preheader's definitions of the frozen locals used.
fn freeze_rows(
    f: &mut Function,
    blocks: &[usize],
    pres: &[Local],
    loc: crate::Loc,
) -> Vec<Statement> {
    let mut frozen: Vec<Option<Local>> = vec![None; pres.len()];
    for &b in blocks {
        // Locals known to hold peeked row k: as a slot, as a pointer.
        let mut slot: HashMap<Local, usize> = HashMap::new();
        let mut ptr: HashMap<Local, usize> = HashMap::new();
        for s in 0..f.blocks[b].stmts.len() {
            let mut replace: Option<usize> = None;
            match &f.blocks[b].stmts[s].kind {
                StmtKind::Assign(_, Rvalue::Runtime(rf, args)) if rf.props.list_read => {
                    if let Some(RtArg::Operand(Operand::Local(p))) = args.first() {
                        replace = ptr.get(p).copied();
                    }
                }
                _ => {}
            }
            if let Some(k) = replace {
                let local = *frozen[k].get_or_insert_with(|| new_local(f, Ty::Ptr, "row.frozen"));
                if let StmtKind::Assign(_, Rvalue::Runtime(_, args)) =
                    &mut f.blocks[b].stmts[s].kind
                {
                    args[0] = RtArg::Operand(Operand::Local(local));
                }
            }
            if let StmtKind::Assign(dst, rv) = &f.blocks[b].stmts[s].kind {
                let dst = *dst;
                let known_slot = match rv {
                    Rvalue::Use(Operand::Local(x)) => pres.iter().position(|p| p == x),
                    _ => None,
                };
                let known_ptr = match rv {
                    Rvalue::FromSlot(Operand::Local(x), Ty::Ptr) => slot.get(x).copied(),
                    _ => None,
                };
                slot.remove(&dst);
                ptr.remove(&dst);
                if let Some(k) = known_slot {
                    slot.insert(dst, k);
                }
                if let Some(k) = known_ptr {
                    ptr.insert(dst, k);
                }
            }
        }
    }
    let mut defs = Vec::new();
    for (k, local) in frozen.iter().enumerate() {
        if let Some(local) = *local {
            f.frozen_lists.push(local);
            defs.push(Statement {
                kind: StmtKind::Assign(local, Rvalue::FromSlot(Operand::Local(pres[k]), Ty::Ptr)),
                loc,
            });
        }
    }
    defs
}

/// Rewrites the jump targets of `t`.
fn retarget(t: &mut Terminator, map: impl Fn(BlockId) -> BlockId) {
    match t {
        Terminator::Goto(b) => *b = map(*b),
        Terminator::Branch {
            then_block,
            else_block,
            ..
        } => {
            *then_block = map(*then_block);
            *else_block = map(*else_block);
        }
        Terminator::Return(_) | Terminator::Unreachable => {}
    }
}

fn new_local(f: &mut Function, ty: Ty, name: &str) -> Local {
    f.locals.push(LocalDecl {
        ty,
        name: Some(name.to_string()),
    });
    Local(f.locals.len() as u32 - 1)
}
