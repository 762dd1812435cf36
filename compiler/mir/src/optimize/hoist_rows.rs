//! Loop-invariant borrowed list reads move out of read-only loops.
//!
//! In `for k in 0..n  s = s + a[i][k] * b[j][k]` the rows `a[i]` and `b[j]`
//! (`lm_list_get_borrowed`) are the same on every iteration, but each read
//! costs a bounds test and two loads. When nothing in the loop can change a
//! list or free an object (only arithmetic, loads and reads: no stores, calls,
//! releases), and neither the list nor the index is assigned in it, the read
//! is done once before the loop:
//!
//! ```text
//! pre = lm_list_peek(a, i)                      // before the loop: never fails
//! x = lm_list_get_borrowed_pre(pre, a, i, loc)  // in the loop: `pre` unless 0
//! ```
//!
//! The peek gives 0 instead of failing for an index out of range, so a loop
//! that would never reach the read (or fail earlier) still behaves exactly as
//! before: in the loop, a 0 falls back to the checked read, which reports the
//! error at the original place. Rows are objects (never 0 in a slot), so the
//! fast case is a test of `pre`, predictable and cheap.

use std::collections::HashSet;

use lumen_abi as abi;

use super::cfg::{dominators, natural_loops, predecessors, Loop};
use crate::{
    BasicBlock, BlockId, Function, Local, LocalDecl, Operand, RtArg, Rvalue, Statement, StmtKind,
    Terminator, Ty,
};

/// Runtime functions that only read: a loop made of these (and arithmetic)
/// changes no list and frees nothing.
const READ_ONLY: &[&str] = &[
    abi::LM_LIST_GET_BORROWED.name,
    // Retains a heap element (the count changes, nothing is freed).
    abi::LM_LIST_GET.name,
    abi::LM_LIST_PEEK.name,
    abi::LM_LIST_GET_BORROWED_PRE.name,
    abi::LM_LIST_LEN.name,
    abi::LM_STR_EQ.name,
    abi::LM_FLOAT_POW.name,
];

/// Hoists the invariant rows of every read-only loop of `f`.
pub fn hoist_invariant_rows(f: &mut Function) {
    let mut done: HashSet<usize> = HashSet::new();
    // Each hoist may add a preheader block, so the loops are found again.
    loop {
        let preds = predecessors(f);
        let dom = dominators(f, &preds);
        let loops = natural_loops(f, &preds, &dom);
        let Some(l) = loops
            .into_iter()
            .find(|l| !done.contains(&l.header) && l.header != 0)
        else {
            return;
        };
        done.insert(l.header);
        let candidates = invariant_rows(f, &l);
        if candidates.is_empty() {
            continue;
        }
        let preheader = preheader(f, &l, &preds);
        for (block, index) in candidates {
            hoist(f, preheader, block, index);
        }
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
            Rvalue::Use(_)
            | Rvalue::Binary { .. }
            | Rvalue::Unary { .. }
            | Rvalue::Cast(..)
            | Rvalue::Load { .. }
            | Rvalue::ToSlot(_)
            | Rvalue::FromSlot(..) => true,
            Rvalue::Runtime(rf, _) => READ_ONLY.contains(&rf.name),
            Rvalue::Call(..) | Rvalue::CallIndirect { .. } | Rvalue::FuncAddr(_) => false,
        },
        // A retain frees nothing; a release or a store may.
        StmtKind::Retain(_) => true,
        StmtKind::Release(_) | StmtKind::Store { .. } => false,
    }
}

/// A block that runs exactly when the loop is entered, just before its
/// header: a new block on the entering edges.
fn preheader(f: &mut Function, l: &Loop, preds: &[Vec<usize>]) -> usize {
    let header = BlockId(l.header as u32);
    let new = f.blocks.len();
    let new_id = BlockId(new as u32);
    for &p in preds[l.header].iter().filter(|p| !l.blocks[**p]) {
        match &mut f.blocks[p].terminator {
            Terminator::Goto(b) if *b == header => *b = new_id,
            Terminator::Branch {
                then_block,
                else_block,
                ..
            } => {
                if *then_block == header {
                    *then_block = new_id;
                }
                if *else_block == header {
                    *else_block = new_id;
                }
            }
            _ => {}
        }
    }
    f.blocks.push(BasicBlock {
        stmts: Vec::new(),
        terminator: Terminator::Goto(header),
    });
    new
}

/// Peeks the row in `preheader` and makes the read at `(block, index)` use it.
fn hoist(f: &mut Function, preheader: usize, block: usize, index: usize) {
    let stmt = &f.blocks[block].stmts[index];
    let loc = stmt.loc;
    let StmtKind::Assign(dst, Rvalue::Runtime(_, args)) = &stmt.kind else {
        return;
    };
    let (dst, args) = (*dst, args.clone());
    let pre = Local(f.locals.len() as u32);
    f.locals.push(LocalDecl {
        ty: Ty::Int,
        name: Some("row.pre".to_string()),
    });
    f.blocks[preheader].stmts.push(Statement {
        kind: StmtKind::Assign(
            pre,
            Rvalue::Runtime(abi::LM_LIST_PEEK, vec![args[0].clone(), args[1].clone()]),
        ),
        loc,
    });
    let mut with_pre = vec![RtArg::Operand(Operand::Local(pre))];
    with_pre.extend(args);
    f.blocks[block].stmts[index].kind = StmtKind::Assign(
        dst,
        Rvalue::Runtime(abi::LM_LIST_GET_BORROWED_PRE, with_pre),
    );
}
