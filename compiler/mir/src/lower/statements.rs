//! Statements and blocks: `let` and assignments, `while` and `loop` (also
//! a loop expression's), `break`/`continue`/`return`/`halt`, and `defer` —
//! its scopes, the *defer state* a failure reads, and the cell's landing
//! that runs the due `defer` blocks (module doc of `lower.rs`).

use lumen_abi as abi;
use lumen_sema::hir::{self, Builtin, Expr, ExprKind, StmtKind, Type};

use super::FnLowerer;
use crate::{
    BinOp, BlockId, Const, Loc, Operand, RtArg, Rvalue, StmtKind as MirStmt, Terminator, Ty,
};

impl FnLowerer<'_, '_> {
    /// Lowers a block; returns its value when it has a tail expression.
    pub(super) fn block(&mut self, block: &hir::Block) -> Option<Operand> {
        let state = self.defer_state;
        self.defers.push(Vec::new());
        for stmt in &block.stmts {
            self.stmt(stmt);
        }
        let value = block.tail.as_ref().map(|e| self.expr(e));
        // Leaving the block normally runs its defers, last first.
        let deferred = self.defers.pop().unwrap_or_default();
        if !self.is_terminated() {
            self.run_defers(&[deferred]);
        }
        self.defer_state = state;
        value
    }

    /// Lowers a statement, then releases the temporaries it made: a
    /// temporary is read only within its statement, so it holds no
    /// reference past it. Without this, every temporary of a long function
    /// stays alive to its end, and register allocation goes quadratic in
    /// the function's length (issue 13). Each one becomes the immortal
    /// empty string; a path that left the statement early (`break`,
    /// `return`) releases it at the cell's exit as before.
    fn stmt(&mut self, stmt: &hir::Stmt) {
        let first = self.locals.len();
        self.stmt_kind(stmt);
        if self.is_terminated() {
            return;
        }
        let loc = self.loc(stmt.span.end.saturating_sub(1).max(stmt.span.start));
        for i in first..self.locals.len() {
            let local = crate::Local(i as u32);
            if self.released_temps.get(i) == Some(&true) || !self.is_fresh_temp(local) {
                continue;
            }
            self.mark_released(local);
            self.push(MirStmt::Release(local), loc);
            self.forget(local, loc);
        }
    }

    /// Records that temporary `local` holds no reference any more (released,
    /// or moved elsewhere), so the end of its statement leaves it alone.
    pub(super) fn mark_released(&mut self, local: crate::Local) {
        let i = local.0 as usize;
        if self.released_temps.len() <= i {
            self.released_temps.resize(i + 1, false);
        }
        self.released_temps[i] = true;
    }

    fn stmt_kind(&mut self, stmt: &hir::Stmt) {
        let loc = self.loc(stmt.span.start);
        if let StmtKind::While { id, .. }
        | StmtKind::Loop { id, .. }
        | StmtKind::ForRange { id, .. }
        | StmtKind::ForList { id, .. }
        | StmtKind::ForCollection { id, .. }
        | StmtKind::ForString { id, .. } = &stmt.kind
        {
            self.loop_defer_depth.insert(*id, self.defers.len());
        }
        match &stmt.kind {
            StmtKind::Assign(var, value) if is_self_append(*var, value) => {
                let local = self.var_local(*var);
                if let ExprKind::Builtin(_, args) = &value.kind {
                    self.append_in_place(local, args[0].ty, &args[1], loc);
                }
            }
            StmtKind::Assign(var, value) if is_self_concat(*var, value) => {
                // `s = s + t`: the variable's reference moves into the call,
                // so an unshared string grows in place (amortised O(1)).
                let local = self.var_local(*var);
                if let ExprKind::Binary(_, _, rhs) = &value.kind {
                    let t = self.expr(rhs);
                    self.push(
                        MirStmt::Assign(
                            local,
                            Rvalue::Runtime(
                                abi::LM_STR_APPEND,
                                vec![RtArg::Operand(Operand::Local(local)), RtArg::Operand(t)],
                            ),
                        ),
                        loc,
                    );
                }
            }
            StmtKind::AssignPlace { var, path, value } => self.assign_place(*var, path, value, loc),
            StmtKind::ForString {
                id,
                var,
                string,
                filter,
                body,
            } => self.for_string(*id, *var, string, filter.as_ref(), body, loc),
            StmtKind::LetPattern(pattern, value) => self.let_pattern(pattern, value, loc),
            StmtKind::ForCollection {
                id,
                key,
                value,
                collection,
                filter,
                body,
            } => self.for_collection(*id, *key, *value, collection, filter.as_ref(), body, loc),
            StmtKind::ForList {
                id,
                var,
                list,
                filter,
                body,
            } => self.for_list(*id, *var, list, filter.as_ref(), body, loc),
            StmtKind::Let(var, value) | StmtKind::Assign(var, value) => {
                let op = self.expr(value);
                let local = self.var_local(*var);
                self.assign_result(local, op, loc);
            }
            StmtKind::Expr(e) => {
                self.expr(e);
            }
            StmtKind::While { id, cond, body } => {
                // Rotated loop: the condition is tested once before the loop
                // and again at the bottom (the `continue` target), so each
                // iteration ends in one conditional branch back to the body.
                let body_block = self.new_block();
                let latch = self.new_block();
                let exit = self.new_block();
                self.branch_on(cond, body_block, exit);
                self.loops.insert(*id, (latch, exit));
                self.switch_to(body_block);
                self.block(body);
                self.goto(latch);
                self.switch_to(latch);
                self.branch_on(cond, body_block, exit);
                self.switch_to(exit);
            }
            StmtKind::Loop { id, body } => self.plain_loop(*id, body),
            StmtKind::ForRange {
                id,
                var,
                start,
                end,
                inclusive,
                step,
                filter,
                body,
            } => self.for_range(
                *id,
                *var,
                start,
                end.as_ref(),
                *inclusive,
                step.as_ref(),
                filter.as_ref(),
                body,
                loc,
            ),
            StmtKind::Defer(body) => {
                if self.defers.is_empty() {
                    return;
                }
                let id = self.defer_table.len();
                self.defer_table.push((body.clone(), self.defer_state));
                if let Some(scope) = self.defers.last_mut() {
                    scope.push(id);
                }
                if self.defer_state_local.is_none() {
                    self.defer_state_local =
                        Some(self.new_local(Ty::Int, Some("defer state".into())));
                }
                self.set_defer_state(id as u32 + 1);
            }
            StmtKind::Break(id) => self.break_to(*id),
            StmtKind::BreakValue(id, value) => {
                // The value is computed before the `defer` blocks the
                // `break` leaves run, as a `return` value is.
                let op = self.expr(value);
                if let Some(&result) = self.loop_results.get(id) {
                    if !self.is_terminated() {
                        let op = if self.locals[result.0 as usize].ty == Ty::Null {
                            Operand::Const(Const::Null)
                        } else {
                            op
                        };
                        self.assign_result(result, op, loc);
                    }
                }
                self.break_to(*id);
            }
            StmtKind::Continue(id) => {
                if let Some((next, _)) = self.loops.get(id).copied() {
                    let scopes = self.defers_inside(*id);
                    let state = self.defer_state;
                    self.run_defers(&scopes);
                    self.goto(next);
                    self.defer_state = state;
                }
            }
            StmtKind::Return(value) => {
                let op = match value {
                    // A cell whose returns give Int and Float returns Float
                    // (its type is inferred from all of them).
                    Some(e) if e.ty == hir::Type::Int && self.ret_ty == Ty::Float => {
                        match self.expr(e) {
                            Operand::Const(Const::Int(v)) => Operand::Const(Const::Float(v as f64)),
                            op => {
                                self.temp(Ty::Float, Rvalue::Cast(crate::Cast::IntToFloat, op), loc)
                            }
                        }
                    }
                    Some(e) => self.expr(e),
                    None => Operand::Const(Const::Null),
                };
                if !self.is_terminated() {
                    self.return_with_defers(op, loc);
                }
            }
            StmtKind::Halt(message) => {
                let msg = self.expr(message);
                self.runtime_effect(
                    abi::LM_HALT,
                    vec![RtArg::Operand(msg), RtArg::Loc(loc)],
                    loc,
                );
            }
        }
    }

    /// `loop … end`: a header block the body jumps back to, and an exit
    /// block its `break`s jump to, where lowering continues.
    fn plain_loop(&mut self, id: hir::LoopId, body: &hir::Block) {
        let header = self.new_block();
        let exit = self.new_block();
        self.goto(header);
        self.switch_to(header);
        self.loops.insert(id, (header, exit));
        self.block(body);
        self.goto(header);
        self.switch_to(exit);
    }

    /// A loop expression: a [`Self::plain_loop`] whose every `break` (a
    /// `hir::StmtKind::BreakValue`) assigns the local that is its value.
    /// Only those `break`s reach the exit, so the local is assigned there
    /// on every path.
    pub(super) fn loop_expr(&mut self, id: hir::LoopId, body: &hir::Block, ty: Ty) -> Operand {
        let result = self.new_local(ty, None);
        self.loop_results.insert(id, result);
        self.loop_defer_depth.insert(id, self.defers.len());
        self.plain_loop(id, body);
        Operand::Local(result)
    }

    /// `break`: runs the `defer` blocks of the scopes it leaves, then jumps
    /// to the loop's exit.
    fn break_to(&mut self, id: hir::LoopId) {
        if let Some((_, exit)) = self.loops.get(&id).copied() {
            let scopes = self.defers_inside(id);
            let state = self.defer_state;
            self.run_defers(&scopes);
            self.goto(exit);
            self.defer_state = state;
        }
    }

    /// Ends the current block with a jump to `then_block` when the Bool
    /// `cond` holds and to `else_block` otherwise. `and`, `or` and `not` become
    /// control flow (each operand is tested once, in order, exactly as their
    /// short-circuit evaluation), so no Bool is materialised and every test
    /// is one compare-and-branch.
    fn branch_on(&mut self, cond: &Expr, then_block: BlockId, else_block: BlockId) {
        match &cond.kind {
            ExprKind::And(lhs, rhs) => {
                let rhs_block = self.new_block();
                self.branch_on(lhs, rhs_block, else_block);
                self.switch_to(rhs_block);
                self.branch_on(rhs, then_block, else_block);
            }
            ExprKind::Or(lhs, rhs) => {
                let rhs_block = self.new_block();
                self.branch_on(lhs, then_block, rhs_block);
                self.switch_to(rhs_block);
                self.branch_on(rhs, then_block, else_block);
            }
            ExprKind::Unary(hir::UnaryOp::Not, operand) => {
                self.branch_on(operand, else_block, then_block);
            }
            _ => {
                let c = self.expr(cond);
                self.terminate(Terminator::Branch {
                    cond: c,
                    then_block,
                    else_block,
                });
            }
        }
    }

    /// `return value`: runs every pending `defer`, then returns.
    pub(super) fn return_with_defers(&mut self, op: Operand, loc: Loc) {
        // Keep the value alive in its own local while the defers run (they
        // may reassign variables).
        let ty = self.ret_ty;
        let no_defers = self.defers.iter().all(|scope| scope.is_empty());
        if no_defers {
            // The common case, and cheap: a `return` deep in a long `else if`
            // chain is inside thousands of scopes, none with a `defer`.
            if !self.is_terminated() {
                self.return_value(op, loc);
            }
            return;
        }
        let kept = if ty == Ty::Null {
            op
        } else {
            let kept = self.new_local(ty, None);
            self.assign_result(kept, op, loc);
            Operand::Local(kept)
        };
        let scopes = self.defers.clone();
        let state = self.defer_state;
        self.run_defers(&scopes);
        if !self.is_terminated() {
            self.return_value(kept, loc);
        }
        self.defer_state = state;
    }

    /// Lowers the given defer scopes' blocks, innermost scope and latest
    /// `defer` first. The scopes stay registered (other exits need them too).
    fn run_defers(&mut self, scopes: &[Vec<usize>]) {
        for scope in scopes.iter().rev() {
            for &id in scope.iter().rev() {
                self.run_defer(id);
            }
        }
    }

    /// Lowers the body of `defer_table[id]`, in the defer state before it
    /// (so a failure inside runs only the defers registered before it).
    fn run_defer(&mut self, id: usize) {
        let (body, before) = self.defer_table[id].clone();
        self.set_defer_state(before);
        // A deferred block runs without the defers of the scopes it is
        // leaving (they are not re-entered).
        let saved = std::mem::take(&mut self.defers);
        self.block(&body);
        self.defers = saved;
    }

    /// Enters defer state `state`, at compile time and in the state local.
    fn set_defer_state(&mut self, state: u32) {
        self.defer_state = state;
        if let Some(local) = self.defer_state_local {
            let loc = self.loc(self.cell.span.start);
            self.push(
                MirStmt::Assign(local, Rvalue::Use(Operand::Const(Const::Int(state.into())))),
                loc,
            );
        }
    }

    /// The defer scopes inside loop `id`.
    fn defers_inside(&self, id: hir::LoopId) -> Vec<Vec<usize>> {
        let depth = self
            .loop_defer_depth
            .get(&id)
            .copied()
            .unwrap_or(self.defers.len());
        self.defers[depth.min(self.defers.len())..].to_vec()
    }

    /// Builds the cell's *landing*, where every failing call's failure edge
    /// goes (the code generator adds the edges; `Function::landing`): runs
    /// the `defer` blocks the defer state says are due, innermost first,
    /// with the failure held, then releases every owned heap local — which
    /// by the rules of this module all hold a reference or the immortal
    /// empty string at any call — and returns a dummy value with the
    /// failure propagating.
    pub(super) fn landing(&mut self) -> BlockId {
        let loc = self.loc(self.cell.span.start);
        let landing = self.new_block();
        self.switch_to(landing);
        if let Some(state) = self.defer_state_local {
            self.runtime_effect(abi::LM_FAILURE_HOLD, Vec::new(), loc);
            let dispatch = self.new_block();
            self.goto(dispatch);
            let tail = self.new_block();
            let mut test = dispatch;
            for id in 0..self.defer_table.len() {
                let run = self.new_block();
                let next = self.new_block();
                self.switch_to(test);
                let due = self.temp(
                    Ty::Bool,
                    Rvalue::Binary {
                        op: BinOp::Eq,
                        ty: Ty::Int,
                        lhs: Operand::Local(state),
                        rhs: Operand::Const(Const::Int(id as i64 + 1)),
                    },
                    loc,
                );
                self.terminate(Terminator::Branch {
                    cond: due,
                    then_block: run,
                    else_block: next,
                });
                self.switch_to(run);
                self.run_defer(id);
                self.goto(dispatch);
                test = next;
            }
            self.switch_to(test);
            self.goto(tail);
            self.switch_to(tail);
            self.runtime_effect(abi::LM_FAILURE_RESUME, Vec::new(), loc);
        }
        for local in self.owned_heap_locals() {
            self.push(MirStmt::Release(local), loc);
        }
        let dummy = match self.ret_ty {
            Ty::Int => Const::Int(0),
            Ty::Float => Const::Float(0.0),
            Ty::Bool => Const::Bool(false),
            Ty::Null => Const::Null,
            Ty::Str | Ty::Ptr => Const::Str(String::new()),
        };
        let value = if self.ret_ty == Ty::Ptr {
            // A `Str` constant typed as the pointer the cell returns.
            let d = self.new_local(Ty::Ptr, None);
            self.unowned.insert(d);
            self.push(MirStmt::Assign(d, Rvalue::Use(Operand::Const(dummy))), loc);
            Operand::Local(d)
        } else {
            Operand::Const(dummy)
        };
        self.terminate(Terminator::Return(value));
        landing
    }
}

/// Whether `var = var + t` on strings (also `var += t`).
fn is_self_concat(var: hir::VarId, value: &Expr) -> bool {
    match &value.kind {
        ExprKind::Binary(hir::BinaryOp::Concat, lhs, _) if lhs.ty == Type::Str => {
            matches!(lhs.kind, ExprKind::Var(v) if v == var)
        }
        _ => false,
    }
}

/// Whether `var = append(var, x)`: the list can grow in place.
fn is_self_append(var: hir::VarId, value: &Expr) -> bool {
    match &value.kind {
        ExprKind::Builtin(Builtin::Append, args) => {
            matches!(args.first(), Some(Expr { kind: ExprKind::Var(v), .. }) if *v == var)
        }
        _ => false,
    }
}
