//! Repeated `lm_unshare` of a value already made unshared go.
//!
//! Every update in place (`xs[i].f = v`, `xs[i] = v`) starts with
//! `t = lm_unshare(xs)` and ends with `xs = t`; a run of such statements
//! (`bodies[i].vx = …` then `bodies[i].vy = …`) unshares the same list again
//! each time, although nothing in between can have shared it. Within a block
//! this pass tracks the locals known to hold the only reference to their
//! object and turns `lm_unshare` of one of them into a copy. Anything that
//! could add a reference or free an object — a retain, a release, a call, a
//! runtime call not declared `neutral` in `lumen_abi`, a store of a heap
//! value — forgets everything known.

use std::collections::HashSet;

use lumen_abi as abi;

use super::is_plain;
use crate::{Function, Local, Operand, RtArg, Rvalue, StmtKind, Ty};

/// Replaces `lm_unshare(x)` by `x` where `x` is known unshared.
pub fn drop_repeated_unshares(f: &mut Function) {
    let heap: Vec<bool> = f.locals.iter().map(|l| l.ty.is_heap()).collect();
    for block in &mut f.blocks {
        let mut unique: HashSet<Local> = HashSet::new();
        for stmt in &mut block.stmts {
            match &mut stmt.kind {
                StmtKind::Assign(dst, Rvalue::Runtime(rf, args))
                    if rf.name == abi::LM_UNSHARE.name =>
                {
                    let dst = *dst;
                    if let [RtArg::Operand(Operand::Local(x))] = args.as_slice() {
                        let x = *x;
                        if unique.contains(&x) {
                            stmt.kind = StmtKind::Assign(dst, Rvalue::Use(Operand::Local(x)));
                        }
                    }
                    unique.remove(&dst);
                    unique.insert(dst);
                }
                StmtKind::Assign(dst, Rvalue::Use(Operand::Local(src))) => {
                    let (dst, src) = (*dst, *src);
                    let known = unique.contains(&src);
                    unique.remove(&dst);
                    if known {
                        unique.insert(dst);
                    }
                }
                StmtKind::Assign(dst, rv) => {
                    let dst = *dst;
                    let keeps = match rv {
                        Rvalue::Runtime(rf, _) => rf.props.neutral,
                        other => is_plain(other),
                    };
                    if !keeps {
                        unique.clear();
                    }
                    unique.remove(&dst);
                }
                StmtKind::Store { value, .. } => {
                    let heap_value = match value {
                        Operand::Local(l) => heap[l.0 as usize],
                        Operand::Const(c) => c.ty() == Ty::Str,
                    };
                    if heap_value {
                        unique.clear();
                    }
                }
                StmtKind::Eval(_) | StmtKind::Retain(_) | StmtKind::Release(_) => unique.clear(),
            }
        }
    }
}
