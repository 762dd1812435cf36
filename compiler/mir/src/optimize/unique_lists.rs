//! List stores into a list known to be unshared skip the count test.
//!
//! `xs[i] = v` compiles to `xs = lm_list_set(xs, i, v)`, whose inline fast
//! path first tests that the list's count is 1 (copy-on-write) and keeps a
//! call that *returns* for the shared case. In a loop such as a sieve's
//! `for j in … step p  flags[j] = false` that test runs every time, and the
//! returning call makes the register allocator spill loop values around it.
//! Yet after the first store the list is certainly unshared: the result of
//! `lm_list_set` (and of `lm_list_push`, `lm_unshare`, `lm_list_new`) is a
//! list only its holder refers to, and it stays so until something could
//! take a second reference.
//!
//! This pass computes, by forward data flow over the CFG (intersection at
//! joins), the list locals that hold such an unshared reference, and turns a
//! store into one of them into `lm_list_set_unique` (`lm_bools_set_unique`),
//! whose fast path tests only the index and whose only call fails the task.
//! It is deliberately blunt about what may share a list: a retain or release
//! of any pointer local, a store of one into an object, a slot made from one,
//! or a call (cell or runtime, except those declared `fresh` or
//! `keeps_lists` in `lumen_abi`) taking one,
//! forgets everything known. A copy `y = x` moves the fact from `x` to `y`.

use lumen_abi as abi;

use crate::cfg;
use crate::{Function, Operand, RtArg, Rvalue, StmtKind, Ty};

/// Rewrites list stores into locals known unshared.
pub fn mark_unique_stores(f: &mut Function) {
    let entry = cfg::must_facts(f, |kind, facts| transfer(f, kind, facts));
    let n = f.blocks.len();
    for b in 0..n {
        let Some(mut facts) = entry[b].clone() else {
            continue;
        };
        for s in 0..f.blocks[b].stmts.len() {
            if let StmtKind::Assign(_, Rvalue::Runtime(rf, args)) = &mut f.blocks[b].stmts[s].kind {
                if let Some(RtArg::Operand(Operand::Local(list))) = args.first() {
                    if facts[list.0 as usize] {
                        if rf.name == abi::LM_LIST_SET.name {
                            *rf = abi::LM_LIST_SET_UNIQUE;
                        } else if rf.name == abi::LM_BOOLS_SET.name {
                            *rf = abi::LM_BOOLS_SET_UNIQUE;
                        }
                    }
                }
            }
            let kind = f.blocks[b].stmts[s].kind.clone();
            transfer(f, &kind, &mut facts);
        }
    }
    drop_round_trips(f);
}

/// `t = lm_list_set_unique(x, …); x = t` becomes the call alone (its result
/// is `x` itself), when `t` is used nowhere else: `x` then has no new
/// definition in a loop that only stores into it, so the code generator
/// keeps one value for the list across the loop and can load its length
/// and buffer once.
fn drop_round_trips(f: &mut Function) {
    let uses = super::use_counts(f);
    for block in &mut f.blocks {
        let mut s = 0;
        while s + 1 < block.stmts.len() {
            let round_trip = match (&block.stmts[s].kind, &block.stmts[s + 1].kind) {
                (
                    StmtKind::Assign(t, Rvalue::Runtime(rf, args)),
                    StmtKind::Assign(x2, Rvalue::Use(Operand::Local(t2))),
                ) => {
                    (rf.name == abi::LM_LIST_SET_UNIQUE.name
                        || rf.name == abi::LM_BOOLS_SET_UNIQUE.name)
                        && t == t2
                        && uses[t.0 as usize] == 1
                        && matches!(args.first(), Some(RtArg::Operand(Operand::Local(x))) if x == x2)
                }
                _ => false,
            };
            if round_trip {
                if let StmtKind::Assign(_, rv) = &block.stmts[s].kind {
                    block.stmts[s].kind = StmtKind::Eval(rv.clone());
                }
                block.stmts.remove(s + 1);
            }
            s += 1;
        }
    }
}

/// Whether `op` is a pointer local (one that could be a list).
fn is_ptr(f: &Function, op: &Operand) -> bool {
    matches!(op, Operand::Local(l) if f.local_ty(*l) == Ty::Ptr)
}

fn forget_all(facts: &mut [bool]) {
    facts.iter_mut().for_each(|u| *u = false);
}

/// The effect of one statement on the set of unshared list locals.
fn transfer(f: &Function, kind: &StmtKind, facts: &mut [bool]) {
    match kind {
        StmtKind::Retain(l) | StmtKind::Release(l) => {
            if f.local_ty(*l) == Ty::Ptr {
                forget_all(facts);
            }
        }
        StmtKind::Store { value, .. } => {
            if is_ptr(f, value) {
                forget_all(facts);
            }
        }
        StmtKind::Eval(rv) => {
            if shares(f, rv) {
                forget_all(facts);
            }
        }
        StmtKind::Assign(dst, rv) => {
            let fresh = match rv {
                Rvalue::Use(Operand::Local(src)) => {
                    // A copy moves the fact (see the module doc).
                    let known = facts[src.0 as usize];
                    facts[src.0 as usize] = false;
                    known
                }
                Rvalue::Runtime(rf, args) => {
                    if shares(f, rv) {
                        forget_all(facts);
                    }
                    // The list operand of an update is consumed.
                    if rf.props.fresh {
                        if let Some(RtArg::Operand(Operand::Local(l))) = args.first() {
                            facts[l.0 as usize] = false;
                        }
                    }
                    rf.props.fresh
                }
                other => {
                    if shares(f, other) {
                        forget_all(facts);
                    }
                    false
                }
            };
            facts[dst.0 as usize] = fresh && f.local_ty(*dst) == Ty::Ptr;
        }
    }
}

/// Whether evaluating `rv` might take a reference to a list some local
/// holds (or free one).
fn shares(f: &Function, rv: &Rvalue) -> bool {
    match rv {
        Rvalue::Use(_)
        | Rvalue::Binary { .. }
        | Rvalue::Unary { .. }
        | Rvalue::Cast(..)
        | Rvalue::Load { .. }
        | Rvalue::FromSlot(..)
        | Rvalue::FuncAddr(_) => false,
        // A slot made from a list may be stored anywhere.
        Rvalue::ToSlot(op) => is_ptr(f, op),
        Rvalue::Call(_, args) => args.iter().any(|a| is_ptr(f, a)),
        Rvalue::CallIndirect { callee, args, .. } => {
            is_ptr(f, callee) || args.iter().any(|a| is_ptr(f, a))
        }
        Rvalue::Runtime(rf, args) => {
            if rf.props.keeps_lists || rf.props.fresh {
                // Reads take no reference to their list; updates only
                // consume it to return it again.
                // Their other arguments are indices, slots and locations; a
                // slot holding a list was made by `ToSlot`, which counted.
                return false;
            }
            args.iter().any(|a| match a {
                RtArg::Operand(op) => is_ptr(f, op),
                RtArg::StrArray(items) => items.iter().any(|op| is_ptr(f, op)),
                RtArg::Words(words) => words
                    .iter()
                    .any(|w| matches!(w, RtArg::Operand(op) if is_ptr(f, op))),
                _ => false,
            })
        }
    }
}
