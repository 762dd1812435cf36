//! The builder under all of lowering: blocks and locals, the statements
//! that keep the reference-counting rules of the module doc (`assign`,
//! `assign_result`, `forget`, `return_value`), runtime calls, and the
//! choice of list runtime functions by element type.

use lumen_abi as abi;
use lumen_sema::hir::{self, Type};

use super::{FnLowerer, PendingBlock};
use crate::{
    BlockId, Const, Loc, Local, LocalDecl, Operand, RtArg, Rvalue, Statement, StmtKind as MirStmt,
    Terminator, Ty,
};

impl FnLowerer<'_, '_> {
    pub(super) fn loc(&self, offset: usize) -> Loc {
        (self.locate)(offset)
    }

    /// Heap locals this function owns (not parameters, not the return local).
    pub(super) fn owned_heap_locals(&self) -> Vec<Local> {
        self.heap_locals
            .iter()
            .copied()
            .filter(|l| {
                !self.params.contains(l) && !self.unowned.contains(l) && *l != self.ret_local
            })
            .collect()
    }

    pub(super) fn new_local(&mut self, ty: Ty, name: Option<String>) -> Local {
        self.locals.push(LocalDecl { ty, name });
        let local = Local(self.locals.len() as u32 - 1);
        if ty.is_heap() {
            self.heap_locals.push(local);
        }
        local
    }

    pub(super) fn new_block(&mut self) -> BlockId {
        self.blocks.push(PendingBlock {
            stmts: Vec::new(),
            terminator: None,
        });
        BlockId(self.blocks.len() as u32 - 1)
    }

    pub(super) fn switch_to(&mut self, block: BlockId) {
        self.current = block;
    }

    pub(super) fn is_terminated(&self) -> bool {
        self.blocks[self.current.0 as usize].terminator.is_some()
    }

    pub(super) fn push(&mut self, kind: MirStmt, loc: Loc) {
        if self.is_terminated() {
            // Code after a `return`/`break` is unreachable: put it in a fresh
            // block without predecessors.
            let dead = self.new_block();
            self.switch_to(dead);
        }
        self.blocks[self.current.0 as usize]
            .stmts
            .push(Statement { kind, loc });
    }

    pub(super) fn terminate(&mut self, terminator: Terminator) {
        if self.is_terminated() {
            return;
        }
        self.blocks[self.current.0 as usize].terminator = Some(terminator);
    }

    pub(super) fn goto(&mut self, target: BlockId) {
        self.terminate(Terminator::Goto(target));
    }

    /// Assigns to a local, keeping the reference-counting invariant.
    pub(super) fn assign(&mut self, dst: Local, rvalue: Rvalue, loc: Loc) {
        if self.locals[dst.0 as usize].ty.is_heap() {
            // The old value is released before the new one is stored, so an
            // rvalue that reads `dst` (`xs = concat(xs, ys)`) must run first,
            // into a temporary whose reference then moves into `dst`.
            if !matches!(rvalue, Rvalue::Use(_)) && rvalue.reads(dst) {
                let ty = self.locals[dst.0 as usize].ty;
                let tmp = self.new_local(ty, None);
                self.unowned.insert(tmp);
                self.push(MirStmt::Assign(tmp, rvalue), loc);
                if !self.params.contains(&dst) && !self.unowned.contains(&dst) {
                    self.push(MirStmt::Release(dst), loc);
                }
                self.push(MirStmt::Assign(dst, Rvalue::Use(Operand::Local(tmp))), loc);
                return;
            }
            if let Rvalue::Use(Operand::Local(src)) = &rvalue {
                if *src == dst {
                    return;
                }
                self.push(MirStmt::Retain(*src), loc);
            }
            if !self.params.contains(&dst) && !self.unowned.contains(&dst) {
                self.push(MirStmt::Release(dst), loc);
            }
        }
        self.push(MirStmt::Assign(dst, rvalue), loc);
    }

    /// Whether `local` is a temporary holding its own reference that no later
    /// code reads: the result of a call, constructor or element read that an
    /// expression handed back. Its reference can then *move* into a variable
    /// or field instead of being retained there and released here.
    pub(super) fn is_fresh_temp(&self, local: Local) -> bool {
        self.locals[local.0 as usize].ty.is_heap()
            && local != self.ret_local
            && !self.params.contains(&local)
            && !self.unowned.contains(&local)
            && !self.var_locals.contains(&local)
    }

    /// Forgets the reference a fresh temporary held (it moved elsewhere): the
    /// temporary becomes the immortal empty string, so its release at the end
    /// of the cell does nothing.
    pub(super) fn forget(&mut self, local: Local, loc: Loc) {
        self.push(
            MirStmt::Assign(
                local,
                Rvalue::Use(Operand::Const(Const::Str(String::new()))),
            ),
            loc,
        );
    }

    /// `dst = value` where `value` is an expression's result: a fresh
    /// temporary's reference moves into `dst` (no retain here, no release
    /// later); anything else is assigned as by [`Self::assign`].
    pub(super) fn assign_result(&mut self, dst: Local, value: Operand, loc: Loc) {
        if let Operand::Local(src) = value {
            if src != dst && self.is_fresh_temp(src) {
                if !self.params.contains(&dst) && !self.unowned.contains(&dst) {
                    self.push(MirStmt::Release(dst), loc);
                }
                self.push(MirStmt::Assign(dst, Rvalue::Use(value)), loc);
                self.forget(src, loc);
                return;
            }
        }
        self.assign(dst, Rvalue::Use(value), loc);
    }

    /// Evaluates an rvalue into a fresh temporary.
    pub(super) fn temp(&mut self, ty: Ty, rvalue: Rvalue, loc: Loc) -> Operand {
        let local = self.new_local(ty, None);
        self.assign(local, rvalue, loc);
        Operand::Local(local)
    }

    /// `lhs op rhs` on Ints into a fresh temporary: a `Bool` for a
    /// comparison, an `Int` otherwise.
    pub(super) fn int_op(
        &mut self,
        op: crate::BinOp,
        lhs: Operand,
        rhs: Operand,
        loc: Loc,
    ) -> Operand {
        let ty = if op.is_comparison() {
            Ty::Bool
        } else {
            Ty::Int
        };
        self.temp(
            ty,
            Rvalue::Binary {
                op,
                ty: Ty::Int,
                lhs,
                rhs,
            },
            loc,
        )
    }

    pub(super) fn runtime(
        &mut self,
        f: abi::RuntimeFn,
        ty: Ty,
        args: Vec<RtArg>,
        loc: Loc,
    ) -> Operand {
        self.temp(ty, Rvalue::Runtime(f, args), loc)
    }

    pub(super) fn runtime_effect(&mut self, f: abi::RuntimeFn, args: Vec<RtArg>, loc: Loc) {
        self.push(MirStmt::Eval(Rvalue::Runtime(f, args)), loc);
        if f.no_return || f.fails == abi::Fails::Always {
            self.terminate(Terminator::Unreachable);
        }
    }

    pub(super) fn return_value(&mut self, value: Operand, loc: Loc) {
        if self.ret_ty != Ty::Null {
            let ret = self.ret_local;
            self.assign_result(ret, value, loc);
        }
        for local in self.owned_heap_locals() {
            self.push(MirStmt::Release(local), loc);
        }
        self.returns.push((self.current, self.locals.len()));
        let result = if self.ret_ty == Ty::Null {
            Operand::Const(Const::Null)
        } else {
            Operand::Local(self.ret_local)
        };
        self.terminate(Terminator::Return(result));
    }

    pub(super) fn var_local(&mut self, var: hir::VarId) -> Local {
        if let Some(local) = self.vars.get(&var) {
            return *local;
        }
        let decl = &self.cell.vars[var.0 as usize];
        let local = self.new_local(self.layouts.ty(decl.ty), Some(decl.name.clone()));
        self.vars.insert(var, local);
        self.var_locals.insert(local);
        local
    }

    /// Raises runtime error `code` when `cond` holds.
    pub(super) fn error_if(&mut self, cond: Operand, code: abi::RuntimeErrorCode, loc: Loc) {
        let fail = self.new_block();
        let ok = self.new_block();
        self.terminate(Terminator::Branch {
            cond,
            then_block: fail,
            else_block: ok,
        });
        self.switch_to(fail);
        self.runtime_effect(
            abi::LM_RUNTIME_ERROR,
            vec![RtArg::I32(code as i32), RtArg::Loc(loc)],
            loc,
        );
        self.switch_to(ok);
    }
}

/// The runtime function for the list operation `f` (`lm_list_get`,
/// `lm_list_get_borrowed`, `lm_list_set` or `lm_list_push`) on a list of
/// `elem`: a `list[Bool]` is packed (a byte per element) and has its own
/// names, which tell the code generator the layout (`fast_paths.rs`).
pub(super) fn list_fn(f: abi::RuntimeFn, elem: Type) -> abi::RuntimeFn {
    if !matches!(elem, Type::Bool) {
        return f;
    }
    match f.name {
        n if n == abi::LM_LIST_GET.name || n == abi::LM_LIST_GET_BORROWED.name => abi::LM_BOOLS_GET,
        n if n == abi::LM_LIST_SET.name => abi::LM_BOOLS_SET,
        n if n == abi::LM_LIST_PUSH.name => abi::LM_BOOLS_PUSH,
        _ => f,
    }
}
