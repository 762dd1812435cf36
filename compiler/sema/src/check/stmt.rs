//! Statements and blocks.

use super::build::{block_diverges, block_stmts, error_expr, stmt_diverges};
use lumen_diagnostics::{Diagnostic, Span};
use lumen_syntax::ast;
use lumen_syntax::SyntaxKind;

use super::loop_values::TailLoop;
use super::{codes, span_of, Checker};
use crate::hir::{self, Expr, ExprKind, Stmt, StmtKind, Type};

impl Checker {
    /// Checks statements in a new scope. With `wants_value`, a final expression
    /// statement becomes the block's tail (its value).
    pub(crate) fn check_stmts(&mut self, stmts: &[ast::Stmt], wants_value: bool) -> hir::Block {
        let expected_tail = self.branch_expected.take();
        self.body().scopes.push();
        let mut block = hir::Block::default();
        let mut diverged_at: Option<Span> = None;
        for (i, stmt) in stmts.iter().enumerate() {
            let is_last = i + 1 == stmts.len();
            self.let_awaits_outcome(stmts, i);
            if let Some(ty) = self.infer_channel_let(stmts, i) {
                self.inferred_let = Some(ty);
            }
            if let Some(span) = diverged_at.take() {
                self.push_diagnostic(
                    Diagnostic::warning(
                        codes::UNREACHABLE_CODE,
                        "unreachable code",
                        span_of(stmt),
                        "this is never run",
                    )
                    .with_label(span, "any code after this is unreachable"),
                );
            }
            if is_last && wants_value {
                // The last statement is the block's value when it is an
                // expression, `if`, `match` or `when` (syntax.md §4).
                let tail = match stmt {
                    ast::Stmt::Expr(e) => e.expr(),
                    ast::Stmt::If(e) => Some(ast::Expr::If(e.clone())),
                    ast::Stmt::Match(e) => Some(ast::Expr::Match(e.clone())),
                    _ => None,
                };
                if let Some(expr) = tail {
                    let value = self.check_expr_in(&expr, expected_tail, true);
                    block.tail = Some(Box::new(value));
                    continue;
                }
                // A last `loop` whose `break`s give values is the block's
                // value too (docs/language-decisions.md).
                if let ast::Stmt::Loop(l) = stmt {
                    match self.check_tail_loop(l, expected_tail) {
                        TailLoop::Value(value) => block.tail = Some(Box::new(value)),
                        TailLoop::Statement(kind) => block.stmts.push(Stmt {
                            kind: *kind,
                            span: span_of(stmt),
                        }),
                    }
                    continue;
                }
            }
            if let Some(s) = self.check_stmt(stmt) {
                let diverges = stmt_diverges(&s);
                let span = s.span.clone();
                // `if x == null … return … end`: after it, `x` is not null.
                let after = self.narrowing_after(&s);
                block.stmts.push(s);
                if let Some((var, ty)) = after {
                    if let Some(init) = self.bind_narrowed(var, ty, &span) {
                        block.stmts.push(init);
                    }
                }
                if diverges && !is_last {
                    diverged_at = Some(span);
                }
            }
        }
        self.body().scopes.pop();
        block
    }

    pub(super) fn check_stmt(&mut self, stmt: &ast::Stmt) -> Option<Stmt> {
        let span = span_of(stmt);
        let kind = match stmt {
            ast::Stmt::Let(let_stmt) => self.check_let(let_stmt)?,
            ast::Stmt::Assign(assign) => self.check_assign(assign)?,
            ast::Stmt::Expr(e) => {
                let expr = e.expr()?;
                let value = self.check_expr_in(&expr, None, false);
                self.warn_discarded_future(&value);
                self.warn_unused_result(&value);
                StmtKind::Expr(value)
            }
            ast::Stmt::While(w) => {
                let cond = match w.condition() {
                    Some(ast::Condition::Let(l)) => return self.check_while_let(w, &l, span),
                    Some(ast::Condition::Expr(e)) => self.check_condition(Some(e)),
                    None => error_expr(span.clone()),
                };
                let id = self.body().scopes.enter_loop(w.label().map(|l| l.text()));
                // `while cur != null`: `cur` is narrowed in the body, each
                // iteration, until the body assigns it.
                let body_stmts = block_stmts(w.body());
                let on_true = self
                    .narrowing_with(&cond, true)
                    .filter(|n| {
                        let decl = &self.body().vars[n.var.0 as usize];
                        !decl.mutable || !assigned_in_inner_loop(&body_stmts, &decl.name)
                    })
                    .map(|n| (n.var, n.when_true));
                let body = self
                    .narrowed_block(on_true, &span, |this| this.check_stmts(&body_stmts, false));
                self.body().scopes.exit_loop();
                StmtKind::While { id, cond, body }
            }
            ast::Stmt::Loop(l) => self.check_loop_stmt(l),
            ast::Stmt::For(f) => return self.check_for(f, span),
            ast::Stmt::Break(b) => self.check_break(b, &span)?,
            ast::Stmt::Assert(a) => self.check_assert(a, &span),
            ast::Stmt::Continue(c) => StmtKind::Continue(self.loop_target(
                c.label().map(|l| l.text()),
                "continue",
                &span,
            )?),
            ast::Stmt::Return(r) => self.check_return(r.value(), &span),
            ast::Stmt::Halt(h) => {
                let msg = match h.value() {
                    Some(e) => {
                        let v = self.check_expr(&e, Some(Type::Str));
                        self.coerce(v, Type::Str, &span_of(&e))
                    }
                    None => error_expr(span.clone()),
                };
                StmtKind::Halt(msg)
            }
            ast::Stmt::Emit(e) => {
                let value = match e.value() {
                    Some(v) => self.check_expr(&v, None),
                    None => error_expr(span.clone()),
                };
                StmtKind::Expr(Expr {
                    kind: ExprKind::Builtin(hir::Builtin::Print, vec![value]),
                    ty: Type::Null,
                    span: span.clone(),
                })
            }
            ast::Stmt::Defer(d) => {
                let body = self.check_stmts(&block_stmts(d.body()), false);
                if block_diverges(&body) {
                    self.error(
                        codes::BAD_LOOP_CONTROL,
                        "a `defer` block cannot end in `return`, `break` or `continue`",
                        span.clone(),
                        "leaves the block it cleans up for",
                    );
                }
                StmtKind::Defer(body)
            }
            ast::Stmt::Role(r) => self.check_role_stmt(r, span.clone())?,
            ast::Stmt::If(e) => {
                StmtKind::Expr(self.check_expr_in(&ast::Expr::If(e.clone()), None, false))
            }
            ast::Stmt::Match(e) => {
                StmtKind::Expr(self.check_expr_in(&ast::Expr::Match(e.clone()), None, false))
            }
            // Declared for the whole cell by `enter_cell_tools`.
            ast::Stmt::Decl(ast::Decl::UseTool(_) | ast::Decl::Grant(_)) => return None,
            ast::Stmt::Decl(ast::Decl::BindEffect(b)) => {
                self.bind_effect_in_block(b);
                return None;
            }
            ast::Stmt::Decl(d) => {
                self.misplaced_declaration(d);
                return None;
            }
        };
        Some(Stmt { kind, span })
    }

    pub(crate) fn check_condition(&mut self, cond: Option<ast::Expr>) -> Expr {
        match cond {
            Some(c) => {
                let v = self.check_expr(&c, Some(Type::Bool));
                self.expect_type(v, Type::Bool, &span_of(&c), "a condition must be a `Bool`")
            }
            None => error_expr(0..0),
        }
    }

    pub(super) fn loop_target(
        &mut self,
        label: Option<String>,
        what: &str,
        span: &Span,
    ) -> Option<hir::LoopId> {
        let found = self.body().scopes.find_loop(label.as_deref());
        if found.is_none() {
            match label {
                Some(l) => self.error(
                    codes::BAD_LOOP_CONTROL,
                    format!("no enclosing loop is labelled `@{l}`"),
                    span.clone(),
                    "unknown label",
                ),
                None if self.body().in_try => {
                    self.error(
                        codes::BAD_LOOP_CONTROL,
                        format!("`{what}` inside the operand of `try`"),
                        span.clone(),
                        "cannot leave the loop from inside `try`",
                    );
                    self.push_help(
                        "the operand of `try` is evaluated on its own; test its result after it"
                            .to_string(),
                    );
                }
                None => self.error(
                    codes::BAD_LOOP_CONTROL,
                    format!("`{what}` outside of a loop"),
                    span.clone(),
                    "not inside `for`, `while` or `loop`",
                ),
            }
        }
        found
    }

    fn check_let(&mut self, let_stmt: &ast::LetStmt) -> Option<StmtKind> {
        let span = span_of(let_stmt);
        let declared = let_stmt.ty().map(|t| self.resolve_type(&t));
        // `let ch = channel()`: the type its uses gave (channel_inference).
        let inferred = self.inferred_let.take();
        let value = match let_stmt.init() {
            Some(e) => {
                let v = self.check_expr(&e, declared.or(inferred));
                // An inferred type (`let x = null` later given a `String`)
                // is the variable's, as an annotation would be.
                match declared.or(inferred) {
                    Some(t) => self.coerce(v, t, &span_of(&e)),
                    None => v,
                }
            }
            None => error_expr(span.clone()),
        };
        let ty = match value.ty {
            Type::Never => Type::Null,
            t => declared.or(inferred).unwrap_or(t),
        };
        let pattern = let_stmt.pattern()?;
        let name = match &pattern {
            ast::Pattern::Ident(p) => p.name()?.text(),
            ast::Pattern::Wildcard(_) => "_".to_string(),
            other => return self.check_let_pattern(other, value, ty, let_stmt.is_mut()),
        };
        let var = self.new_var(&name, ty, let_stmt.is_mut(), span_of(&pattern));
        Some(StmtKind::Let(var, value))
    }

    fn check_assign(&mut self, assign: &ast::AssignStmt) -> Option<StmtKind> {
        let target = assign.target()?;
        let target_span = span_of(&target);
        let name = match &target {
            ast::Expr::Name(n) => n.text(),
            ast::Expr::Field(_) | ast::Expr::Index(_) => {
                return self.check_place_assign(assign, &target)
            }
            _ => {
                self.error(
                    codes::IMMUTABLE_ASSIGN,
                    "cannot assign to this expression",
                    target_span,
                    "not a variable, field or element",
                );
                return None;
            }
        };
        let Some(found) = self.lookup_var(&name) else {
            let what = if self.const_syntax.contains_key(&self.key(&name)) {
                "a constant"
            } else {
                ""
            };
            if what.is_empty() {
                self.error(
                    codes::UNRESOLVED_NAME,
                    format!("cannot find `{name}` in this scope"),
                    target_span,
                    "not found",
                );
            } else {
                self.error(
                    codes::IMMUTABLE_ASSIGN,
                    format!("cannot assign to constant `{name}`"),
                    target_span,
                    "a constant",
                );
            }
            return None;
        };
        // A narrowed copy stands for its variable: the assignment goes to
        // the variable, and from then on the name means it again.
        let narrowed = self.body().narrowed_from.get(&found).copied();
        let var = narrowed.unwrap_or(found);
        let decl = self.body().vars[var.0 as usize].clone();
        let captured = self.body().captures.iter().any(|(_, inner)| *inner == var);
        let handle_part = self.body().handle_part;
        if let (true, Some(part)) = (captured, handle_part) {
            self.push_diagnostic(
                Diagnostic::error(
                    codes::IMMUTABLE_ASSIGN,
                    format!("cannot assign to `{name}` inside {}", part.describe()),
                    target_span.clone(),
                    "a variable of the enclosing code",
                )
                .with_help("it runs as a closure that captured the variable by value; give the new value as the `handle`'s value instead"),
            );
        } else if captured && self.body().in_try {
            self.push_diagnostic(
                Diagnostic::error(
                    codes::IMMUTABLE_ASSIGN,
                    format!("cannot assign to `{name}` inside the operand of `try`"),
                    target_span.clone(),
                    "a variable from outside the `try`",
                )
                .with_help(format!(
                    "`try` evaluates its operand like a closure body, which sees `{name}` as a value; \
                     give the new value as the result and assign it after: `{name} = unwrap_or(try …, {name})`"
                )),
            );
        } else if captured {
            self.push_diagnostic(
                Diagnostic::error(
                    codes::IMMUTABLE_ASSIGN,
                    format!("cannot assign to `{name}` inside a closure"),
                    target_span.clone(),
                    "captured variable",
                )
                .with_help("closures capture variables by value when they are created; return the new value instead"),
            );
        } else if !decl.mutable {
            self.push_diagnostic(
                Diagnostic::error(
                    codes::IMMUTABLE_ASSIGN,
                    format!("cannot assign twice to immutable variable `{name}`"),
                    target_span.clone(),
                    "cannot assign",
                )
                .with_label(decl.span.clone(), "declared immutable here")
                .with_help(super::agents::immutable_help(&name)),
            );
        }
        let op = assign.op_kind();
        let value_syntax = assign.value()?;
        let value_span = span_of(&value_syntax);
        let read = Expr {
            kind: ExprKind::Var(var),
            ty: decl.ty,
            span: target_span.clone(),
        };
        let value =
            if (op == Some(SyntaxKind::EQ) || op.is_none()) && self.is_pending_assignable(&read) {
                // Assigning the empty list (`None`, `null`) whose type is being
                // inferred: the value's own type gives it (`xs = [f()]`).
                let v = self.check_expr(&value_syntax, None);
                self.open_assigned(var, &v);
                self.coerce(v, decl.ty, &value_span)
            } else if op == Some(SyntaxKind::EQ) || op.is_none() {
                let v = self.check_expr(&value_syntax, Some(decl.ty));
                self.coerce(v, decl.ty, &value_span)
            } else {
                let bin = super::ops::binary_op(assign.compound_op()?)?;
                let current = Expr {
                    kind: ExprKind::Var(var),
                    ty: decl.ty,
                    span: target_span.clone(),
                };
                let rhs = self.check_expr(&value_syntax, None);
                let combined = self.binary(bin, current, rhs, span_of(assign));
                self.coerce(combined, decl.ty, &value_span)
            };
        if narrowed.is_some() {
            self.body().scopes.rebind(&name, var);
        }
        Some(StmtKind::Assign(var, value))
    }

    fn check_return(&mut self, value: Option<ast::Expr>, span: &Span) -> StmtKind {
        if let Some(part) = self.body().handle_part {
            // The body and the clauses of a `handle` run as code of their
            // own (tools.md §5): `return` has no cell to leave there.
            self.error(
                codes::BAD_EFFECT,
                format!("`return` inside {}", part.describe()),
                span.clone(),
                "cannot return from the enclosing cell here",
            );
            self.push_help(
                "the value of a `handle` body or clause is its last expression".to_string(),
            );
            if let Some(e) = value {
                self.check_expr(&e, None);
            }
            return StmtKind::Expr(error_expr(span.clone()));
        }
        if self.body().in_try {
            // The operand of `try` is compiled as a closure body.
            self.error(
                codes::BAD_LOOP_CONTROL,
                "`return` inside the operand of `try`",
                span.clone(),
                "cannot leave the cell from inside `try`",
            );
            self.push_help(
                "compute the value inside `try`, then return after it: `let r = try …`".to_string(),
            );
            if let Some(e) = value {
                self.check_expr(&e, None);
            }
            return StmtKind::Expr(error_expr(span.clone()));
        }
        if self.body().is_thunk {
            // A branch of a form (or a `parallel for` body) runs as its own
            // task: there is no cell for `return` to leave, and the branch's
            // value is its last expression (async.md §5.1).
            self.error(
                codes::ASYNC_FORM,
                "`return` inside code that runs as its own task",
                span.clone(),
                "a form's branch or `parallel for` body cannot return from the cell",
            );
            self.push_help(
                "the value of a branch is its last expression; use `if … else …` to choose it"
                    .to_string(),
            );
            if let Some(e) = value {
                self.check_expr(&e, None);
            }
            return StmtKind::Expr(error_expr(span.clone()));
        }
        let expected = self.body().expected_ret;
        let checked = value.as_ref().map(|e| {
            let v = self.check_expr(e, expected.filter(|t| *t != Type::Null));
            (v, span_of(e))
        });
        match expected {
            Some(t) => {
                let value = match checked {
                    Some((v, vspan)) => Some(self.coerce(v, t, &vspan)),
                    None if t == Type::Null => None,
                    None => {
                        self.error(
                            codes::MISMATCHED_TYPES,
                            format!("`return` without a value in a cell that returns `{t}`"),
                            span.clone(),
                            format!("expected a `{t}` value"),
                        );
                        None
                    }
                };
                StmtKind::Return(value)
            }
            None => {
                let (ty, value) = match checked {
                    Some((v, vspan)) => {
                        let ty = v.ty;
                        if ty != Type::Never {
                            self.body().returned.push((ty, vspan));
                        }
                        (ty, Some(v))
                    }
                    None => {
                        self.body().returned.push((Type::Null, span.clone()));
                        (Type::Null, None)
                    }
                };
                let _ = ty;
                StmtKind::Return(value)
            }
        }
    }

    /// `for pattern in iterable if filter … end`, over a range (possibly
    /// open-ended), list, string, `Bytes`, map or set.
    fn check_for(&mut self, f: &ast::ForStmt, span: Span) -> Option<Stmt> {
        let iterable = f.iterable()?;
        let pattern = f.pattern()?;
        self.body().scopes.push();
        let Some(head) = self.loop_head(&pattern, &iterable, true, &span) else {
            self.body().scopes.pop();
            return None;
        };
        let filter = f.filter().map(|c| {
            let v = self.check_expr(&c, Some(Type::Bool));
            self.expect_type(
                v,
                Type::Bool,
                &span_of(&c),
                "a `for` filter must be a `Bool`",
            )
        });
        let id = self.body().scopes.enter_loop(f.label().map(|l| l.text()));
        let body = self.check_stmts(&block_stmts(f.body()), false);
        self.body().scopes.exit_loop();
        self.body().scopes.pop();
        let kind = self.loop_stmt(head, id, filter, body, &span);
        Some(Stmt { kind, span })
    }
}

impl Checker {
    /// `while let pattern = value … end`: a `loop` whose body tests the
    /// pattern each time round and leaves the loop when it does not match.
    fn check_while_let(
        &mut self,
        w: &ast::WhileStmt,
        l: &ast::LetCond,
        span: Span,
    ) -> Option<Stmt> {
        let value = match l.expr() {
            Some(e) => self.check_expr(&e, None),
            None => error_expr(span.clone()),
        };
        let id = self.body().scopes.enter_loop(w.label().map(|l| l.text()));
        self.body().scopes.push();
        let pattern = match l.pattern() {
            Some(p) => self.check_pattern(&p, value.ty),
            None => hir::Pattern::Wildcard,
        };
        let then_block = self.check_stmts(&block_stmts(w.body()), false);
        self.body().scopes.pop();
        self.body().scopes.exit_loop();
        let leave = hir::Block {
            stmts: vec![Stmt {
                kind: StmtKind::Break(id),
                span: span.clone(),
            }],
            tail: None,
        };
        let step = Expr {
            kind: ExprKind::IfLet {
                pattern,
                value: Box::new(value),
                then_block,
                else_block: Some(leave),
            },
            ty: Type::Null,
            span: span.clone(),
        };
        let body = hir::Block {
            stmts: vec![Stmt {
                kind: StmtKind::Expr(step),
                span: span.clone(),
            }],
            tail: None,
        };
        Some(Stmt {
            kind: StmtKind::Loop { id, body },
            span,
        })
    }

    /// A declaration inside a block: the grammar puts declarations at the
    /// top level of a file (syntax.md §4–5).
    fn misplaced_declaration(&mut self, d: &ast::Decl) {
        let what = match d {
            ast::Decl::Record(_) => "a `record`",
            ast::Decl::Enum(_) => "an `enum`",
            ast::Decl::Cell(_) => "a `cell`",
            ast::Decl::Const(_) => "a `const`",
            ast::Decl::TypeAlias(_) => "a `type` alias",
            ast::Decl::Trait(_) => "a `trait`",
            ast::Decl::Impl(_) => "an `impl`",
            ast::Decl::Import(_) => "an `import`",
            _ => "this declaration",
        };
        let help = match d {
            ast::Decl::Cell(_) => {
                "move it to the top level of the file, or use a lambda: `let f = fn(x) => …`"
            }
            ast::Decl::Const(_) => "move it to the top level of the file, or use `let`",
            _ => "move it to the top level of the file",
        };
        self.push_diagnostic(
            Diagnostic::error(
                codes::MISPLACED_DECLARATION,
                format!("{what} cannot be declared inside a block"),
                span_of(d),
                "declarations belong at the top level of a file",
            )
            .with_help(help),
        );
    }
}

impl Checker {
    /// For an `if` without `else` whose branch never completes, what its
    /// condition being false tells about a variable for the code after it.
    fn narrowing_after(&self, stmt: &Stmt) -> Option<(hir::VarId, Type)> {
        let StmtKind::Expr(Expr {
            kind:
                ExprKind::If {
                    cond,
                    then_block,
                    else_block: None,
                },
            ..
        }) = &stmt.kind
        else {
            return None;
        };
        if !block_diverges(then_block) {
            return None;
        }
        self.narrowing_of(cond).map(|n| (n.var, n.when_false))
    }

    /// `x.f[i].g = value` (and compound forms): checks the path from the
    /// variable down and desugars to [`StmtKind::AssignPlace`].
    fn check_place_assign(
        &mut self,
        assign: &ast::AssignStmt,
        target: &ast::Expr,
    ) -> Option<StmtKind> {
        // Walk from the outermost access down to the variable.
        let mut accesses: Vec<ast::Expr> = Vec::new();
        let mut cur = target.clone();
        loop {
            let next = match &cur {
                ast::Expr::Field(f) => f.receiver()?,
                ast::Expr::Index(i) => i.base()?,
                ast::Expr::Paren(p) => {
                    cur = p.expr()?;
                    continue;
                }
                _ => break,
            };
            accesses.push(cur.clone());
            cur = next;
        }
        let root_span = span_of(&cur);
        let ast::Expr::Name(root) = &cur else {
            self.error(
                codes::IMMUTABLE_ASSIGN,
                "cannot assign to this expression",
                span_of(target),
                "the left side must start with a variable",
            );
            return None;
        };
        let name = root.text();
        let Some(var) = self.lookup_var(&name) else {
            self.error(
                codes::UNRESOLVED_NAME,
                format!("cannot find `{name}` in this scope"),
                root_span,
                "not found",
            );
            return None;
        };
        self.body().used.insert(var);
        // `m[k] = v` on an empty map whose type is being inferred (only
        // while speculating): the key and the value give its type.
        if let ([ast::Expr::Index(i)], true) = (accesses.as_slice(), self.is_pending_map(var)) {
            let key = i.index().map(|k| self.check_expr(&k, None).ty);
            let value = assign.value().map(|v| self.check_expr(&v, None).ty);
            if let (Some(key), Some(value)) = (key, value) {
                self.map_key_assigned(var, key, value);
            }
            return None;
        }
        let decl = self.body().vars[var.0 as usize].clone();
        if !decl.mutable {
            self.push_diagnostic(
                Diagnostic::error(
                    codes::IMMUTABLE_ASSIGN,
                    format!("cannot assign to a part of immutable variable `{name}`"),
                    span_of(target),
                    "cannot assign",
                )
                .with_label(decl.span.clone(), "declared immutable here")
                .with_help(super::agents::immutable_help(&name)),
            );
        }
        let mut ty = decl.ty;
        let mut last_record: Option<Type> = None;
        let mut path = Vec::new();
        for step in accesses.iter().rev() {
            match step {
                ast::Expr::Field(f) => {
                    let field = f.field_name();
                    match ty {
                        Type::Record(n) => {
                            let info = &self.types.records[n.id as usize];
                            match info.fields.iter().position(|fi| fi.name == field) {
                                Some(i) => {
                                    last_record = Some(ty);
                                    ty = info.fields[i].ty;
                                    path.push(hir::PlaceStep::Field(i as u32));
                                }
                                None => {
                                    self.error(
                                        codes::UNRESOLVED_NAME,
                                        format!("`{}` has no field `{field}`", n.name),
                                        span_of(step),
                                        "unknown field",
                                    );
                                    return None;
                                }
                            }
                        }
                        t if t.has_error() => return None,
                        other => {
                            self.error(
                                codes::IMMUTABLE_ASSIGN,
                                format!("a value of type `{other}` has no fields to assign"),
                                span_of(step),
                                "not a record",
                            );
                            return None;
                        }
                    }
                }
                ast::Expr::Index(i) => {
                    let index_syntax = i.index()?;
                    if ty == Type::Json {
                        // Narrowing makes a new variable, so there is no
                        // place inside a `Json` to assign to.
                        self.error(
                            codes::IMMUTABLE_ASSIGN,
                            "the entries of a `Json` cannot be assigned",
                            span_of(step),
                            "cannot assign",
                        );
                        self.push_help(
                            "build a new value, e.g. from a `map[String, Json]` that you update"
                                .to_string(),
                        );
                        return None;
                    }
                    let want = match ty {
                        Type::Map(k, _) => *k,
                        // Reported already (an uninferred empty map): no
                        // follow-on complaint about the index.
                        t if t.has_error() => Type::Error,
                        _ => Type::Int,
                    };
                    let index =
                        self.check_expr(&index_syntax, (want != Type::Error).then_some(want));
                    let index = if want == Type::Int {
                        self.expect_type(
                            index,
                            Type::Int,
                            &span_of(&index_syntax),
                            "list indices are `Int`",
                        )
                    } else {
                        index
                    };
                    match ty {
                        Type::List(elem) => {
                            ty = *elem;
                            path.push(hir::PlaceStep::Index(index));
                        }
                        t if t.has_error() => return None,
                        Type::Map(k, v) => {
                            let key = self.coerce(index, *k, &span_of(&index_syntax));
                            ty = *v;
                            path.push(hir::PlaceStep::Key(key));
                        }
                        Type::Str => {
                            self.error(
                                codes::IMMUTABLE_ASSIGN,
                                "strings are immutable; their characters cannot be assigned",
                                span_of(step),
                                "cannot assign",
                            );
                            return None;
                        }
                        other => {
                            self.error(
                                codes::IMMUTABLE_ASSIGN,
                                format!("a value of type `{other}` has no elements to assign"),
                                span_of(step),
                                "not a list",
                            );
                            return None;
                        }
                    }
                }
                _ => return None,
            }
        }
        let value_syntax = assign.value()?;
        let value_span = span_of(&value_syntax);
        // The place is read as well as written (`xs[f()] += 1`, a field with
        // a `where` check): its indices and keys are evaluated once, into
        // hidden variables, before the value.
        let writes_field = matches!(path.last(), Some(hir::PlaceStep::Field(_)));
        let reads_place = assign.compound_op().is_some() || (writes_field && last_record.is_some());
        let mut hoisted: Vec<Stmt> = Vec::new();
        if reads_place {
            for step in &mut path {
                let (hir::PlaceStep::Index(e) | hir::PlaceStep::Key(e)) = step else {
                    continue;
                };
                if matches!(
                    e.kind,
                    ExprKind::Var(_) | ExprKind::Int(_) | ExprKind::Str(_) | ExprKind::Bool(_)
                ) {
                    continue;
                }
                let span = e.span.clone();
                let tmp = self.new_var("_", e.ty, false, span.clone());
                let read = Expr {
                    kind: ExprKind::Var(tmp),
                    ty: e.ty,
                    span: span.clone(),
                };
                let value = std::mem::replace(e, read);
                hoisted.push(Stmt {
                    kind: StmtKind::Let(tmp, value),
                    span,
                });
            }
        }
        let value = match assign.compound_op() {
            None => {
                let v = self.check_expr(&value_syntax, Some(ty));
                self.coerce(v, ty, &value_span)
            }
            Some(op) => {
                let bin = super::ops::binary_op(op)?;
                let current = place_read(self, var, decl.ty, &path, &span_of(target));
                let rhs = self.check_expr(&value_syntax, None);
                let combined = self.binary(bin, current, rhs, span_of(assign));
                self.coerce(combined, ty, &value_span)
            }
        };
        // A field with a `where` constraint: check the record it belongs to
        // after the write.
        let target_span = span_of(target);
        let read_back = match (writes_field, last_record) {
            (true, Some(record_ty)) => {
                let e = place_read(self, var, decl.ty, &path[..path.len() - 1], &target_span);
                (e.ty == record_ty).then_some(e)
            }
            _ => None,
        };
        let span = span_of(assign);
        let mut stmts = hoisted;
        stmts.push(Stmt {
            kind: StmtKind::AssignPlace { var, path, value },
            span: span.clone(),
        });
        if let Some(record) = read_back {
            let checked = self.with_where_checks(record, &target_span);
            if matches!(checked.kind, ExprKind::CheckWhere(..)) {
                stmts.push(Stmt {
                    kind: StmtKind::Expr(checked),
                    span: span.clone(),
                });
            }
        }
        if stmts.len() == 1 {
            return stmts.pop().map(|s| s.kind);
        }
        Some(StmtKind::Expr(Expr {
            kind: ExprKind::Block(hir::Block { stmts, tail: None }),
            ty: Type::Null,
            span,
        }))
    }
}

/// The value at `path` inside variable `var`, read with the steps already
/// checked (a compound assignment's current value, a record to re-check
/// after a write). A map step reads an entry that must exist.
fn place_read(
    checker: &Checker,
    var: hir::VarId,
    var_ty: Type,
    path: &[hir::PlaceStep],
    span: &Span,
) -> Expr {
    let mut e = Expr {
        kind: ExprKind::Var(var),
        ty: var_ty,
        span: span.clone(),
    };
    for step in path {
        let (kind, next) = match (step, e.ty) {
            (hir::PlaceStep::Field(i), Type::Record(n)) => {
                let fty = checker.types.records[n.id as usize].fields[*i as usize].ty;
                (ExprKind::Field(Box::new(e), *i), fty)
            }
            (hir::PlaceStep::Index(ix), Type::List(el)) => {
                (ExprKind::Index(Box::new(e), Box::new(ix.clone())), *el)
            }
            (hir::PlaceStep::Key(key), Type::Map(_, v)) => (
                ExprKind::Collection(hir::CollectionOp::MapEntry, vec![e, key.clone()]),
                *v,
            ),
            _ => return error_expr(span.clone()),
        };
        e = Expr {
            kind,
            ty: next,
            span: span.clone(),
        };
    }
    e
}

impl Checker {
    /// W0008 for an expression statement that only computes a value
    /// (types.md §2): `len(xs)`, `1 + 2`, `upper(s)` on their own line.
    fn warn_unused_result(&mut self, value: &Expr) {
        if matches!(value.ty, Type::Null | Type::Never | Type::Error) || !is_pure(value) {
            return;
        }
        self.push_diagnostic(
            Diagnostic::warning(
                codes::UNUSED_RESULT,
                "unused result",
                value.span.clone(),
                format!("this computes a `{}` that nothing uses", value.ty),
            )
            .with_help("use it (`let x = …`), or remove the statement".to_string()),
        );
    }
}

/// Whether evaluating `e` has no effect besides its value (and a runtime
/// error): literals, variables, operators, field and element reads, and
/// the library builtins that compute from their arguments alone.
fn is_pure(e: &Expr) -> bool {
    use crate::builtins;
    match &e.kind {
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Bool(_)
        | ExprKind::Str(_)
        | ExprKind::Bytes(_)
        | ExprKind::Var(_) => true,
        ExprKind::Binary(_, a, b) | ExprKind::And(a, b) | ExprKind::Or(a, b) => {
            is_pure(a) && is_pure(b)
        }
        ExprKind::Index(a, b) => is_pure(a) && is_pure(b),
        ExprKind::Unary(_, a) | ExprKind::Cast(_, a) | ExprKind::Field(a, _) => is_pure(a),
        ExprKind::List(xs) | ExprKind::Tuple(xs) | ExprKind::Set(xs) => xs.iter().all(is_pure),
        ExprKind::Builtin(
            hir::Builtin::StrLen
            | hir::Builtin::ListLen
            | hir::Builtin::BytesLen
            | hir::Builtin::ToString,
            args,
        ) => args.iter().all(is_pure),
        ExprKind::Library(call) => {
            !builtins::is(call.name, builtins::EFFECTS | builtins::NONDETERMINISTIC)
                && call.args.iter().all(is_pure)
        }
        _ => false,
    }
}

/// Whether a loop inside `stmts` assigns the variable `name` (a narrowed
/// copy read at the top of that loop would be stale on its next turn).
fn assigned_in_inner_loop(stmts: &[ast::Stmt], name: &str) -> bool {
    use lumen_syntax::ast::AstNode;
    use lumen_syntax::SyntaxKind as K;
    stmts.iter().any(|s| {
        s.syntax()
            .descendants()
            .filter(|n| {
                matches!(
                    n.kind(),
                    K::WHILE_STMT | K::LOOP_STMT | K::LOOP_EXPR | K::FOR_STMT
                )
            })
            .any(|l| {
                l.descendants()
                    .filter_map(ast::AssignStmt::cast)
                    .any(|a| matches!(a.target(), Some(ast::Expr::Name(n)) if n.text() == name))
            })
    })
}
