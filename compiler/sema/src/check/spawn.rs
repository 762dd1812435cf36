//! `spawn` (async.md §2): of a call (its callee and arguments evaluated by
//! the spawner, into hidden variables the task's thunk captures), of a
//! function taking no arguments, or of a list of them, whose futures hold
//! the union of the element types. `async cell` calls come here too.

use lumen_diagnostics::Span;
use lumen_syntax::ast;

use super::build::error_expr;
use super::build::{awaited, expr, unparen};
use super::{codes, span_of, Checker};
use crate::hir::{self, AsyncOp, Expr, ExprKind, Stmt, StmtKind};
use crate::types::{future_of, list_of, union_of, Type};

impl Checker {
    /// `spawn(…)` (async.md §2). `expected` gives a tool call operand its
    /// result type (`let f: Future[Person] = spawn(Chat(…))`).
    pub(super) fn check_spawn(
        &mut self,
        s: &ast::SpawnExpr,
        expected: Option<Type>,
        span: Span,
    ) -> Expr {
        let Some(inner) = s.expr().map(unparen) else {
            return error_expr(span);
        };
        let value_expected = match expected {
            Some(Type::Future(t)) => Some(*t),
            Some(Type::List(Type::Future(t))) => Some(**t),
            _ => None,
        };
        let ast::Expr::List(l) = &inner else {
            let Some(task) = self.spawn_operand(&inner, value_expected) else {
                return error_expr(span);
            };
            let mut v = self.spawn_task(task);
            v.span = span;
            return v;
        };
        let mut tasks = Vec::new();
        for el in l.elements() {
            match el {
                ast::Element::Expr(e) => tasks.push(self.spawn_operand(&e, value_expected)),
                ast::Element::Spread(sp) => {
                    self.error(
                        codes::ASYNC_FORM,
                        "`spawn` of a list takes calls or closures, not a spread",
                        span_of(&sp),
                        "spread not allowed here",
                    );
                    return error_expr(span);
                }
            }
        }
        let Some(tasks) = tasks.into_iter().collect::<Option<Vec<Task>>>() else {
            return error_expr(span);
        };
        // `list[Future[T]]` with `T` the union of the element types: a task
        // whose own type differs injects its value into `T` before it
        // settles, so every future in the list holds a `T`.
        // A mixed list's futures hold their values awaited through:
        // `spawn([job(1), work()])` with `async cell job` holds `Int`s, not
        // `Future[Int] | Int` (a union would hide the future from `await`).
        let value_tys: Vec<Type> = tasks.iter().map(Task::value_ty).collect();
        let to = match value_tys.split_first() {
            None => Type::Null,
            Some((first, rest)) if rest.iter().all(|t| t == first) => *first,
            Some(_) => union_of(&value_tys.iter().map(|t| awaited(*t)).collect::<Vec<_>>()),
        };
        let futures = tasks
            .into_iter()
            .map(|task| {
                let task = if task.value_ty() == to {
                    task
                } else {
                    self.retype_task(task, to)
                };
                self.spawn_task(task)
            })
            .collect();
        expr(ExprKind::List(futures), list_of(future_of(to)), &span)
    }

    /// One operand of `spawn`, checked: a call (its callee and arguments
    /// evaluated now), or a function taking no arguments; `None` after an
    /// error.
    fn spawn_operand(&mut self, e: &ast::Expr, expected: Option<Type>) -> Option<Task> {
        let span = span_of(e);
        let e = unparen(e.clone());
        if self.is_tool_call(&e) {
            // Its arguments are evaluated in the task, as a builtin's are;
            // the conversation is captured now.
            let thunk = self.thunk(&span, |c| c.check_expr(&e, expected));
            let Type::Fn(sig) = thunk.ty else {
                return None;
            };
            if sig.ret.has_error() {
                return None;
            }
            return Some(Task::Thunk {
                stmts: Vec::new(),
                thunk,
                value_ty: sig.ret,
                span,
            });
        }
        if super::forms::is_call(&e) {
            let call = self.check_expr(&e, None);
            return self.prepare_call(call, Some(&e), span);
        }
        let v = self.check_expr(&e, None);
        match v.ty {
            Type::Fn(sig) if sig.params.is_empty() => Some(Task::Value {
                value_ty: if sig.ret == Type::Never {
                    Type::Null
                } else {
                    sig.ret
                },
                function: v,
                span,
            }),
            t if t.has_error() => None,
            _ => {
                self.error(
                    codes::ASYNC_FORM,
                    "`spawn` takes a call, a function taking no arguments, or a list of them",
                    span.clone(),
                    format!("found a value of type `{}`", v.ty),
                );
                None
            }
        }
    }

    /// Spawns an already checked call: the callee and arguments are
    /// evaluated now into hidden variables, the call runs as a task.
    pub(super) fn spawn_checked(&mut self, call: Expr, syntax: &ast::Expr, span: Span) -> Expr {
        match self.prepare_call(call, Some(syntax), span.clone()) {
            Some(task) => self.spawn_task(task),
            None => error_expr(span),
        }
    }

    /// The task of a checked call: statements hoisting the callee (when it
    /// is a value) and the arguments into hidden variables, and a thunk
    /// making the call with them.
    fn prepare_call(&mut self, call: Expr, syntax: Option<&ast::Expr>, span: Span) -> Option<Task> {
        if call.ty.has_error() {
            return None;
        }
        let value_ty = if call.ty == Type::Never {
            Type::Null
        } else {
            call.ty
        };
        let mut stmts = Vec::new();
        // Each operand goes into a hidden variable the task captures.
        let mut hoist = |this: &mut Self, arg: Expr| -> (String, Type) {
            let name = format!("\u{0}spawn{}", this.body().vars.len());
            let ty = arg.ty;
            let var = this.new_var(&name, ty, false, arg.span.clone());
            this.body().used.insert(var);
            stmts.push(Stmt {
                kind: StmtKind::Let(var, arg),
                span: span.clone(),
            });
            (name, ty)
        };
        /// What the task calls.
        enum Target {
            Cell(hir::CellId),
            /// A function value, hoisted under this name.
            Value(String, Type),
        }
        let ty = call.ty;
        let (target, args) = match call.kind {
            ExprKind::Call(cell, args) => (Target::Cell(cell), args),
            ExprKind::CallValue(callee, args) => {
                let (name, callee_ty) = hoist(self, *callee);
                (Target::Value(name, callee_ty), args)
            }
            _ => {
                // A builtin or constructor: evaluated inside the task (its
                // syntax is checked again there; `None` only for calls of
                // values, which take the branch above).
                let syntax = syntax?.clone();
                let thunk = self.thunk(&span, |c| c.check_expr(&syntax, None));
                return Some(Task::Thunk {
                    stmts: Vec::new(),
                    thunk,
                    value_ty,
                    span,
                });
            }
        };
        let names: Vec<(String, Type)> = args.into_iter().map(|a| hoist(self, a)).collect();
        let thunk = self.thunk(&span, |c| {
            let args = names
                .iter()
                .map(|(n, t)| c.read_hidden(n, *t, &span))
                .collect();
            let kind = match target {
                Target::Cell(cell) => ExprKind::Call(cell, args),
                Target::Value(name, callee_ty) => {
                    let f = c.read_hidden(&name, callee_ty, &span);
                    ExprKind::CallValue(Box::new(f), args)
                }
            };
            expr(kind, ty, &span)
        });
        Some(Task::Thunk {
            stmts,
            thunk,
            value_ty,
            span,
        })
    }

    /// The task made to settle with a value of the wider type `to`.
    fn retype_task(&mut self, task: Task, to: Type) -> Task {
        let task = match task {
            // The function value is hoisted and called by a thunk of ours,
            // which can inject the value (the function itself cannot be
            // changed).
            Task::Value {
                function,
                value_ty,
                span,
            } => {
                let call = expr(
                    ExprKind::CallValue(Box::new(function.clone()), Vec::new()),
                    value_ty,
                    &span,
                );
                match self.prepare_call(call, None, span.clone()) {
                    Some(task) => task,
                    // (Not reached: a call of a value always prepares.)
                    None => {
                        return Task::Value {
                            function,
                            value_ty,
                            span,
                        }
                    }
                }
            }
            thunk => thunk,
        };
        let Task::Thunk {
            stmts,
            mut thunk,
            span,
            ..
        } = task
        else {
            return task;
        };
        self.retype_thunk(&mut thunk, to);
        Task::Thunk {
            stmts,
            thunk,
            value_ty: to,
            span,
        }
    }

    /// `Spawn` of the task, after the statements that evaluate its operands.
    fn spawn_task(&mut self, task: Task) -> Expr {
        match task {
            Task::Thunk {
                stmts,
                thunk,
                value_ty,
                span,
            } => self.spawn_thunk(thunk, value_ty, stmts, span),
            Task::Value {
                function,
                value_ty,
                span,
            } => expr(
                ExprKind::Async(AsyncOp::Spawn, vec![function]),
                future_of(value_ty),
                &span,
            ),
        }
    }

    /// `Spawn(thunk)` after the statements that evaluate its operands.
    pub(super) fn spawn_thunk(
        &mut self,
        mut thunk: Expr,
        value_ty: Type,
        stmts: Vec<Stmt>,
        span: Span,
    ) -> Expr {
        if value_ty == Type::Null {
            self.retype_thunk(&mut thunk, Type::Null);
        }
        let spawned = expr(
            ExprKind::Async(AsyncOp::Spawn, vec![thunk]),
            future_of(value_ty),
            &span,
        );
        if stmts.is_empty() {
            return spawned;
        }
        let ty = spawned.ty;
        expr(
            ExprKind::Block(hir::Block {
                stmts,
                tail: Some(Box::new(spawned)),
            }),
            ty,
            &span,
        )
    }

    pub(super) fn read_hidden(&mut self, name: &str, ty: Type, span: &Span) -> Expr {
        match self.lookup_var(name) {
            Some(v) => expr(ExprKind::Var(v), ty, span),
            None => error_expr(span.clone()),
        }
    }
}

/// A computation about to be spawned.
pub(super) enum Task {
    /// A thunk of ours, after the statements that evaluate its operands in
    /// the spawner.
    Thunk {
        stmts: Vec<Stmt>,
        thunk: Expr,
        value_ty: Type,
        span: Span,
    },
    /// A function value taking no arguments, called as the task.
    Value {
        function: Expr,
        value_ty: Type,
        span: Span,
    },
}

impl Task {
    fn value_ty(&self) -> Type {
        match self {
            Task::Thunk { value_ty, .. } | Task::Value { value_ty, .. } => *value_ty,
        }
    }
}
