//! A list a loop only reads, or stores into in place, is *frozen* for it.
//!
//! Every inline list access loads the list's `len` and `data` (a push or a
//! call between two accesses may change them). In a loop that only reads a
//! list, or stores into it through `lm_list_set_unique` (which never moves
//! the buffer or changes the length), both fields are the same on every
//! iteration. For such a list local `xs` this pass copies it into a fresh
//! local before the loop (`frozen = xs`, at the end of the loop's one
//! outside predecessor), makes the loop's accesses use the copy, and lists
//! the copy in `Function::frozen_lists`: the code generator then loads both
//! fields once, where the copy is made (`codegen::frozen_lists`).
//!
//! Conditions, all checked:
//! * the loop has exactly one predecessor outside it;
//! * inside the loop `xs` is never assigned and appears only as the list of
//!   the runtime calls declared `frozen_ok` in `lumen_abi` (`lm_list_get`,
//!   `lm_list_len`, the `*_set_unique` stores, …; no retain, release, call
//!   or copy of it);
//! * at the end of that predecessor `xs` certainly holds a list: on every
//!   path it was last assigned a list by a list operation, or used as one
//!   (a moved-out variable holds an empty-string placeholder, whose fields
//!   must not be loaded even when the loop then does not run).
//!
//! The list cannot change under the frozen copy: `xs` keeps its counted
//! reference through the loop, so any other holder that appends to the same
//! object finds it shared and copies it first.

use crate::cfg;
use crate::{Function, Local, LocalDecl, Operand, RtArg, Rvalue, Statement, StmtKind, Ty};

/// Freezes the lists of every loop that qualifies (after `unique_lists`,
/// whose unique stores it relies on).
pub fn freeze_loop_lists(f: &mut Function) {
    let preds = cfg::predecessors(f);
    let dom = cfg::dominators(f, &preds);
    let mut loops = cfg::natural_loops(f, &preds, &dom);
    // Outer loops first: their copies then serve the loops inside them.
    loops.sort_by_key(|l| std::cmp::Reverse(l.blocks.iter().filter(|&&b| b).count()));
    // The data flow is found again only after a loop was frozen (which adds
    // locals and statements): once per loop made a function of many loops
    // quadratic.
    let mut holds_list: Option<Vec<Option<Vec<bool>>>> = None;
    for lp in &loops {
        let outside: Vec<usize> = preds[lp.header]
            .iter()
            .copied()
            .filter(|&p| !lp.blocks[p])
            .collect();
        let [pre] = outside[..] else { continue };
        // The facts at the end of the predecessor.
        let facts = holds_list.get_or_insert_with(|| cfg::must_facts(f, holds_list_transfer));
        let Some(mut at_end) = facts[pre].clone() else {
            continue;
        };
        for stmt in &f.blocks[pre].stmts {
            holds_list_transfer(&stmt.kind, &mut at_end);
        }
        for xs in frozen_candidates(f, &lp.blocks) {
            if f.frozen_lists.contains(&xs) || !at_end[xs.0 as usize] {
                continue;
            }
            holds_list = None;
            let copy = new_local(f);
            let loc = f.blocks[pre].stmts.last().map_or(f.loc, |s| s.loc);
            f.blocks[pre].stmts.push(Statement {
                kind: StmtKind::Assign(copy, Rvalue::Use(Operand::Local(xs))),
                loc,
            });
            f.frozen_lists.push(copy);
            for (b, inside) in lp.blocks.iter().enumerate() {
                if *inside {
                    rename_list_uses(f, b, xs, copy);
                }
            }
        }
    }
}

fn new_local(f: &mut Function) -> Local {
    f.locals.push(LocalDecl {
        ty: Ty::Ptr,
        name: Some("frozen".into()),
    });
    Local(f.locals.len() as u32 - 1)
}

/// Whether a local certainly holds a list after the statement: assigned by
/// a list operation, copied from such a local, or used as a list.
fn holds_list_transfer(kind: &StmtKind, facts: &mut [bool]) {
    match kind {
        StmtKind::Assign(dst, rv) => {
            if let Rvalue::Runtime(rf, args) = rv {
                if let Some(RtArg::Operand(Operand::Local(l))) = args.first() {
                    if rf.props.frozen_ok {
                        facts[l.0 as usize] = true;
                    }
                }
            }
            facts[dst.0 as usize] = match rv {
                Rvalue::Runtime(rf, _) => rf.props.makes_list,
                Rvalue::Use(Operand::Local(src)) => facts[src.0 as usize],
                _ => false,
            };
        }
        StmtKind::Eval(Rvalue::Runtime(rf, args)) => {
            if let Some(RtArg::Operand(Operand::Local(l))) = args.first() {
                if rf.props.frozen_ok {
                    facts[l.0 as usize] = true;
                }
            }
        }
        StmtKind::Eval(_) | StmtKind::Retain(_) | StmtKind::Release(_) | StmtKind::Store { .. } => {
        }
    }
}

/// The locals that appear in the loop's blocks only as the list argument of
/// `frozen_ok` calls and are never assigned there.
fn frozen_candidates(f: &Function, in_loop: &[bool]) -> Vec<Local> {
    // 0: unseen, 1: only list arguments so far, 2: disqualified.
    let mut state = vec![0u8; f.locals.len()];
    let other = |state: &mut Vec<u8>, op: &Operand| {
        if let Operand::Local(l) = op {
            state[l.0 as usize] = 2;
        }
    };
    for (b, block) in f.blocks.iter().enumerate() {
        if !in_loop[b] {
            continue;
        }
        for stmt in &block.stmts {
            let rv = match &stmt.kind {
                StmtKind::Assign(dst, rv) => {
                    state[dst.0 as usize] = 2;
                    rv
                }
                StmtKind::Eval(rv) => rv,
                StmtKind::Store { base, value, .. } => {
                    other(&mut state, &Operand::Local(*base));
                    other(&mut state, value);
                    continue;
                }
                StmtKind::Retain(l) | StmtKind::Release(l) => {
                    state[l.0 as usize] = 2;
                    continue;
                }
            };
            crate::visit::for_each_operand(rv, |op, arg| {
                let is_list_arg = matches!(arg, Some((rf, 0)) if rf.props.frozen_ok);
                if let Operand::Local(l) = op {
                    let s = &mut state[l.0 as usize];
                    if is_list_arg && *s == 0 {
                        *s = 1;
                    } else if !is_list_arg {
                        *s = 2;
                    }
                }
            });
        }
        match &block.terminator {
            crate::Terminator::Branch { cond, .. } => other(&mut state, cond),
            crate::Terminator::Return(op) => other(&mut state, op),
            crate::Terminator::Goto(_) | crate::Terminator::Unreachable => {}
        }
    }
    for p in &f.params {
        state[p.0 as usize] = 2;
    }
    state
        .iter()
        .enumerate()
        .filter(|&(l, &s)| s == 1 && f.locals[l].ty == Ty::Ptr)
        .map(|(l, _)| Local(l as u32))
        .collect()
}

/// Makes the list arguments naming `xs` in block `b` name `copy`.
fn rename_list_uses(f: &mut Function, b: usize, xs: Local, copy: Local) {
    for stmt in &mut f.blocks[b].stmts {
        if let StmtKind::Assign(_, Rvalue::Runtime(rf, args))
        | StmtKind::Eval(Rvalue::Runtime(rf, args)) = &mut stmt.kind
        {
            if rf.props.frozen_ok {
                if let Some(RtArg::Operand(Operand::Local(l))) = args.first_mut() {
                    if *l == xs {
                        *l = copy;
                    }
                }
            }
        }
    }
}
