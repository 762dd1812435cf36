//! The orchestration forms (async.md §5): `parallel for`, the `parallel`,
//! `race`, `vote` and `select` blocks, and `timeout`.
//!
//! Each branch is checked entirely inside its own thunk (a branch's
//! arguments are evaluated by the branch task, async.md §9); a branch whose
//! value is a future is awaited there, and each thunk's value is injected
//! into the form's value type, so the runtime sees one value type. Named
//! branches become bindings in the enclosing scope, read from the form's
//! value.

use lumen_diagnostics::Span;
use lumen_syntax::ast::{self, AstNode};

use super::build::{block_stmts, error_expr};
use super::build::{expr, optional, unparen};
use super::{codes, span_of, Checker};
use crate::hir::{self, AsyncOp, Builtin, Expr, ExprKind, Stmt, StmtKind, VarId};
use crate::types::{list_of, tuple_of, union_of, Type};

impl Checker {
    /// The value of a branch (inside its thunk): checked, a future awaited.
    fn branch_value(&mut self, e: &ast::Expr) -> Expr {
        let v = self.check_expr(e, None);
        self.await_value(v)
    }

    /// `parallel for x in xs if c … end` (async.md §5.1).
    pub(super) fn check_parallel_for(&mut self, p: &ast::ParallelForExpr, span: Span) -> Expr {
        let (Some(pattern), Some(iterable)) = (p.pattern(), p.iterable()) else {
            return error_expr(span);
        };
        let acc_name = format!("\u{0}parallel{}", self.body().vars.len());
        let acc = self.new_var(&acc_name, Type::Error, true, span.clone());
        self.body().used.insert(acc);
        self.body().scopes.push();
        let Some(head) = self.loop_head(&pattern, &iterable, false, &span) else {
            self.body().scopes.pop();
            return error_expr(span);
        };
        let filter = p.filter().map(|c| {
            let v = self.check_expr(&c, Some(Type::Bool));
            self.expect_type(
                v,
                Type::Bool,
                &span_of(&c),
                "a `for` filter must be a `Bool`",
            )
        });
        let id = self.body().scopes.enter_loop(None);
        let body = p.body();
        let thunk = self.thunk(&span, |c| {
            // `role` statements of the body append to its own copy of the
            // conversation (each element's task has one).
            let nodes: Vec<lumen_syntax::SyntaxNode> =
                body.iter().map(|b| b.syntax().clone()).collect();
            let conversation = c.begin_conversation(&nodes, &span);
            let mut block = c.check_stmts(&block_stmts(body), true);
            if let Some(stmt) = conversation {
                block.stmts.insert(0, stmt);
            }
            let ty = super::build::block_type(&block);
            let value = expr(ExprKind::Block(block), ty, &span);
            c.await_value(value)
        });
        self.body().scopes.exit_loop();
        self.body().scopes.pop();
        let Type::Fn(sig) = thunk.ty else {
            return error_expr(span);
        };
        let closures_ty = list_of(thunk.ty);
        self.body().vars[acc.0 as usize].ty = closures_ty;
        let read_acc = expr(ExprKind::Var(acc), closures_ty, &span);
        let push = Stmt {
            kind: StmtKind::Assign(
                acc,
                expr(
                    ExprKind::Builtin(Builtin::Append, vec![read_acc.clone(), thunk]),
                    closures_ty,
                    &span,
                ),
            ),
            span: span.clone(),
        };
        let loop_body = hir::Block {
            stmts: vec![push],
            tail: None,
        };
        let kind = self.loop_stmt(head, id, filter, loop_body, &span);
        let result = list_of(sig.ret);
        let block = hir::Block {
            stmts: vec![
                Stmt {
                    kind: StmtKind::Let(acc, expr(ExprKind::List(Vec::new()), closures_ty, &span)),
                    span: span.clone(),
                },
                Stmt {
                    kind,
                    span: span.clone(),
                },
            ],
            tail: Some(Box::new(expr(
                ExprKind::Async(AsyncOp::All, vec![read_acc]),
                result,
                &span,
            ))),
        };
        expr(ExprKind::Block(block), result, &span)
    }

    /// `parallel`/`race`/`vote`/`select` blocks (async.md §5).
    pub(super) fn check_concurrent(&mut self, c: &ast::ConcurrentExpr, span: Span) -> Expr {
        let Some(kind) = c.kind() else {
            return error_expr(span);
        };
        let branches: Vec<ast::Branch> = c.branches().collect();
        let mut thunks = Vec::new();
        let mut names = Vec::new();
        for b in &branches {
            let name = b.name().map(|n| (n.text(), span_of(&n)));
            if kind == ast::ConcurrentKind::Select && name.is_none() {
                self.error(
                    codes::ASYNC_FORM,
                    "every `select` branch needs a name",
                    span_of(b),
                    "write `name = expression`",
                );
            }
            if name.is_some()
                && matches!(kind, ast::ConcurrentKind::Race | ast::ConcurrentKind::Vote)
            {
                self.error(
                    codes::ASYNC_FORM,
                    "`race` and `vote` branches cannot be named",
                    span_of(b),
                    "only `parallel` and `select` bind branch names",
                );
            }
            let Some(e) = b.expr() else {
                continue;
            };
            let bspan = span_of(&e);
            thunks.push(self.thunk(&bspan, |c| c.branch_value(&e)));
            names.push(name);
        }
        if thunks.is_empty() {
            self.error(
                codes::ASYNC_FORM,
                "a form needs at least one branch",
                span.clone(),
                "no branches",
            );
            return error_expr(span);
        }
        let value_tys: Vec<Type> = thunks
            .iter()
            .map(|t| match t.ty {
                Type::Fn(sig) => sig.ret,
                _ => Type::Error,
            })
            .collect();
        if value_tys.iter().any(|t| t.has_error()) {
            // Still bind the names, so their uses report nothing more.
            for (name, nspan) in names.iter().flatten() {
                self.new_var(name, Type::Error, false, nspan.clone());
            }
            return error_expr(span);
        }
        let list = |thunks: Vec<Expr>| {
            let ty = list_of(thunks[0].ty);
            expr(ExprKind::List(thunks), ty, &span)
        };
        match kind {
            ast::ConcurrentKind::Parallel => {
                let ty = tuple_of(&value_tys);
                let form = expr(ExprKind::Async(AsyncOp::All, vec![list(thunks)]), ty, &span);
                if names.iter().all(|n| n.is_none()) {
                    return form;
                }
                self.bind_branches(form, &names, &value_tys, 0, span, |_, tmp| {
                    expr(ExprKind::Var(tmp), ty, &span_of(c))
                })
            }
            ast::ConcurrentKind::Race | ast::ConcurrentKind::Vote => {
                let ty = union_of(&value_tys);
                for t in &mut thunks {
                    self.retype_thunk(t, ty);
                }
                let op = if kind == ast::ConcurrentKind::Race {
                    AsyncOp::Race
                } else {
                    AsyncOp::Vote
                };
                expr(ExprKind::Async(op, vec![list(thunks)]), ty, &span)
            }
            ast::ConcurrentKind::Select => {
                let opts: Vec<Type> = value_tys.iter().map(|t| optional(*t)).collect();
                for (t, o) in thunks.iter_mut().zip(&opts) {
                    self.retype_thunk(t, *o);
                }
                let mut fields = vec![Type::Int];
                fields.extend(opts.iter().copied());
                let ty = tuple_of(&fields);
                let form = expr(
                    ExprKind::Async(AsyncOp::Select, vec![list(thunks)]),
                    ty,
                    &span,
                );
                let value_ty = union_of(&value_tys);
                self.bind_branches(form, &names, &opts, 1, span, |c, tmp| {
                    c.select_winner(tmp, ty, &value_tys, value_ty)
                })
            }
        }
    }

    /// Binds the named branches of a form to the tuple fields `offset + i`
    /// of its result, held by a hidden variable, in the enclosing scope; the
    /// form's value is what `value` makes of that variable.
    fn bind_branches(
        &mut self,
        form: Expr,
        names: &[Option<(String, Span)>],
        tys: &[Type],
        offset: u32,
        span: Span,
        value: impl FnOnce(&mut Self, VarId) -> Expr,
    ) -> Expr {
        let ty = form.ty;
        let tmp_name = format!("\u{0}form{}", self.body().vars.len());
        let tmp = self.new_var(&tmp_name, ty, false, span.clone());
        self.body().used.insert(tmp);
        let mut stmts = vec![Stmt {
            kind: StmtKind::Let(tmp, form),
            span: span.clone(),
        }];
        for (i, n) in names.iter().enumerate() {
            let Some((name, nspan)) = n else {
                continue;
            };
            if self.body().scopes.bound_in_current(name) {
                let mut d = lumen_diagnostics::Diagnostic::error(
                    codes::ASYNC_FORM,
                    format!("`{name}` is already bound in this scope"),
                    nspan.clone(),
                    "a branch name introduces a new binding",
                );
                if let Some(earlier) = self.body().scopes.lookup(name) {
                    let earlier = self.body().vars[earlier.0 as usize].span.clone();
                    d = d.with_label(earlier, "first bound here");
                }
                self.push_diagnostic(d.with_help("rename the branch"));
                continue;
            }
            let var = self.new_var(name, tys[i], false, nspan.clone());
            // A branch may be named only to run it (`timeout = sleep(1000)`).
            self.body().used.insert(var);
            let read = expr(ExprKind::Var(tmp), ty, &span);
            stmts.push(Stmt {
                kind: StmtKind::Let(
                    var,
                    expr(
                        ExprKind::Field(Box::new(read), offset + i as u32),
                        tys[i],
                        nspan,
                    ),
                ),
                span: span.clone(),
            });
        }
        let value = value(self, tmp);
        let value_ty = value.ty;
        expr(
            ExprKind::Block(hir::Block {
                stmts,
                tail: Some(Box::new(value)),
            }),
            value_ty,
            &span,
        )
    }

    /// The value of a `select` (async.md §5.4: "the form's own value is the
    /// winner's value"), of the union `to` of the branch types, from its
    /// result `(winner index, name₁?, …, nameₙ?)` held by `tmp`: the
    /// winner's field, without the `Null` the other names have (unless its
    /// branch type has it), injected into `to`.
    fn select_winner(&mut self, tmp: VarId, tuple: Type, branch_tys: &[Type], to: Type) -> Expr {
        let span = self.body().vars[tmp.0 as usize].span.clone();
        let read = || expr(ExprKind::Var(tmp), tuple, &span);
        let Type::Tuple(fields) = tuple else {
            return error_expr(span);
        };
        if to == Type::Null {
            // Every branch gives `null`: so does the form, with no test.
            return expr(ExprKind::Null, Type::Null, &span);
        }
        let winner = expr(ExprKind::Field(Box::new(read()), 0), Type::Int, &span);
        let mut arms = Vec::new();
        for (i, t) in branch_tys.iter().enumerate() {
            let field_ty = fields[i + 1];
            let field = expr(
                ExprKind::Field(Box::new(read()), i as u32 + 1),
                field_ty,
                &span,
            );
            let value = if field_ty == *t {
                field
            } else {
                expr(ExprKind::Unwrap(Box::new(field), false), *t, &span)
            };
            let value = self.coerce(value, to, &span);
            // The last arm takes what is left: the index is always one of them.
            let cond = (i + 1 < branch_tys.len()).then(|| {
                expr(
                    ExprKind::Binary(
                        hir::BinaryOp::Eq,
                        Box::new(winner.clone()),
                        Box::new(expr(ExprKind::Int(i as i64), Type::Int, &span)),
                    ),
                    Type::Bool,
                    &span,
                )
            });
            arms.push(hir::WhenArm {
                cond,
                body: hir::Block {
                    stmts: Vec::new(),
                    tail: Some(Box::new(value)),
                },
                span: span.clone(),
            });
        }
        expr(ExprKind::When(arms), to, &span)
    }

    /// `timeout(ms, e)` (async.md §5.5): `T?`.
    /// `timeout(ms, e)`; a tool call operand expects what `expected` holds
    /// besides `null`.
    pub(super) fn check_timeout(
        &mut self,
        t: &ast::TimeoutExpr,
        expected: Option<Type>,
        span: Span,
    ) -> Expr {
        let (Some(ms), Some(body)) = (t.duration(), t.body()) else {
            self.error(
                codes::ASYNC_FORM,
                "`timeout` takes two arguments: milliseconds and a computation",
                span.clone(),
                "expected `timeout(ms, call())`",
            );
            return error_expr(span);
        };
        let ms = self.check_expr(&ms, Some(Type::Int));
        let ms = self.expect_type(
            ms,
            Type::Int,
            &span.clone(),
            "the timeout is in milliseconds (`Int`)",
        );
        let body = unparen(body);
        let bspan = span_of(&body);
        let operand_expected = expected.map(Type::without_null);
        let mut thunk = self.thunk(&bspan, |c| c.timeout_body(&body, operand_expected));
        let Type::Fn(sig) = thunk.ty else {
            return error_expr(span);
        };
        if sig.ret.has_error() {
            return error_expr(span);
        }
        let ty = optional(sig.ret);
        self.retype_thunk(&mut thunk, ty);
        expr(
            ExprKind::Async(AsyncOp::Timeout, vec![ms, thunk]),
            ty,
            &span,
        )
    }

    /// What the task of `timeout(ms, e)` computes (inside its thunk): `e`
    /// is a call, a function taking no arguments, or a list of them
    /// (async.md §5.5, "a form like `spawn`"). The elements of a list run
    /// concurrently, as the branches of a `parallel`, so that the deadline
    /// cancels all of them; the value is the list of their values, of the
    /// union of their types (as `spawn` of a list, async.md §2).
    fn timeout_body(&mut self, body: &ast::Expr, expected: Option<Type>) -> Expr {
        let span = span_of(body);
        let ast::Expr::List(l) = body else {
            return self.timeout_operand(body, expected);
        };
        let elem_expected = match expected {
            Some(Type::List(e)) => Some(*e),
            _ => None,
        };
        let mut thunks = Vec::new();
        for el in l.elements() {
            match el {
                ast::Element::Expr(e) => {
                    let e = unparen(e);
                    thunks.push(self.thunk(&span_of(&e), |c| c.timeout_operand(&e, elem_expected)));
                }
                ast::Element::Spread(sp) => {
                    self.error(
                        codes::ASYNC_FORM,
                        "`timeout` of a list takes calls or closures, not a spread",
                        span_of(&sp),
                        "spread not allowed here",
                    );
                    return error_expr(span);
                }
            }
        }
        let value_tys: Vec<Type> = thunks
            .iter()
            .map(|t| match t.ty {
                Type::Fn(sig) => sig.ret,
                _ => Type::Error,
            })
            .collect();
        if value_tys.iter().any(|t| t.has_error()) {
            return error_expr(span);
        }
        let to = if value_tys.is_empty() {
            Type::Null
        } else {
            union_of(&value_tys)
        };
        for t in &mut thunks {
            self.retype_thunk(t, to);
        }
        let closures_ty = list_of(crate::types::fn_type(Vec::new(), to));
        let list = expr(ExprKind::List(thunks), closures_ty, &span);
        expr(
            ExprKind::Async(AsyncOp::All, vec![list]),
            list_of(to),
            &span,
        )
    }

    /// One computation of `timeout` (inside a task): a call, whose value is
    /// awaited if it is a future, or a function taking no arguments, called.
    fn timeout_operand(&mut self, e: &ast::Expr, expected: Option<Type>) -> Expr {
        let span = span_of(e);
        let expected = expected.filter(|_| self.is_tool_call(e));
        let v = self.check_expr(e, expected);
        if is_call(e) {
            return self.await_value(v);
        }
        match v.ty {
            Type::Fn(sig) if sig.params.is_empty() => {
                let call = expr(ExprKind::CallValue(Box::new(v), Vec::new()), sig.ret, &span);
                self.await_value(call)
            }
            t if t.has_error() => v,
            t => {
                self.error(
                    codes::ASYNC_FORM,
                    "`timeout` takes a call, a function taking no arguments, or a list of them",
                    span.clone(),
                    format!("found a value of type `{t}`"),
                );
                if let Type::Future(_) = t {
                    let text = e.syntax().text().to_string();
                    self.push_help(format!(
                        "to bound the wait for a future, write `timeout(ms, fn() => await {text})`"
                    ));
                }
                error_expr(span)
            }
        }
    }
}

/// Whether `e` is a call: `f(…)`, `x.m(…)`, or a pipe `a |> f(b)`, which
/// is the call `f(a, b)` (syntax.md §6).
pub(super) fn is_call(e: &ast::Expr) -> bool {
    match e {
        ast::Expr::Call(_) => true,
        ast::Expr::Binary(b) => b.op() == Some(ast::BinaryOp::Pipe),
        _ => false,
    }
}
