//! Statements and blocks.

use lumen_diagnostics::{Diagnostic, Span};
use lumen_syntax::ast;
use lumen_syntax::SyntaxKind;

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

    fn check_stmt(&mut self, stmt: &ast::Stmt) -> Option<Stmt> {
        let span = span_of(stmt);
        let kind = match stmt {
            ast::Stmt::Let(let_stmt) => self.check_let(let_stmt)?,
            ast::Stmt::Assign(assign) => self.check_assign(assign)?,
            ast::Stmt::Expr(e) => {
                let expr = e.expr()?;
                StmtKind::Expr(self.check_expr_in(&expr, None, false))
            }
            ast::Stmt::While(w) => {
                let cond = match w.condition() {
                    Some(ast::Condition::Let(l)) => {
                        self.not_supported("`while let`", span_of(&l));
                        return None;
                    }
                    Some(ast::Condition::Expr(e)) => self.check_condition(Some(e)),
                    None => error_expr(span.clone()),
                };
                let id = self.body().scopes.enter_loop(w.label().map(|l| l.text()));
                let body = self.check_stmts(&block_stmts(w.body()), false);
                self.body().scopes.exit_loop();
                StmtKind::While { id, cond, body }
            }
            ast::Stmt::Loop(l) => {
                let id = self.body().scopes.enter_loop(l.label().map(|l| l.text()));
                let body = self.check_stmts(&block_stmts(l.body()), false);
                self.body().scopes.exit_loop();
                StmtKind::Loop { id, body }
            }
            ast::Stmt::For(f) => return self.check_for(f, span),
            ast::Stmt::Break(b) => {
                if let Some(v) = b.value() {
                    self.not_supported("`break` with a value", span_of(&v));
                }
                StmtKind::Break(self.loop_target(b.label().map(|l| l.text()), "break", &span)?)
            }
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
            ast::Stmt::Role(_) => {
                self.not_supported("a `role` block", span.clone());
                return None;
            }
            ast::Stmt::If(e) => {
                StmtKind::Expr(self.check_expr_in(&ast::Expr::If(e.clone()), None, false))
            }
            ast::Stmt::Match(e) => {
                StmtKind::Expr(self.check_expr_in(&ast::Expr::Match(e.clone()), None, false))
            }
            ast::Stmt::Decl(d) => {
                self.not_supported("a declaration inside a block", span_of(d));
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

    fn loop_target(
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
        let value = match let_stmt.init() {
            Some(e) => {
                let v = self.check_expr(&e, declared);
                match declared {
                    Some(t) => self.coerce(v, t, &span_of(&e)),
                    None => v,
                }
            }
            None => error_expr(span.clone()),
        };
        let ty = match value.ty {
            Type::Never => Type::Null,
            t => declared.unwrap_or(t),
        };
        let pattern = let_stmt.pattern()?;
        if let ast::Pattern::Tuple(t) = &pattern {
            return self.check_let_tuple(t, value, let_stmt.is_mut());
        }
        let name = match &pattern {
            ast::Pattern::Ident(p) => p.name()?.text(),
            ast::Pattern::Wildcard(_) => "_".to_string(),
            other => {
                self.not_supported("destructuring in `let`", span_of(other));
                return None;
            }
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
        let Some(var) = self.lookup_var(&name) else {
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
        let decl = self.body().vars[var.0 as usize].clone();
        let captured = self.body().captures.iter().any(|(_, inner)| *inner == var);
        if captured {
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
                .with_help(format!("make it mutable: `let mut {name}`")),
            );
        }
        let op = assign.op_kind();
        let value_syntax = assign.value()?;
        let value_span = span_of(&value_syntax);
        let value = if op == Some(SyntaxKind::EQ) || op.is_none() {
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
        Some(StmtKind::Assign(var, value))
    }

    fn check_return(&mut self, value: Option<ast::Expr>, span: &Span) -> StmtKind {
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

    fn check_for(&mut self, f: &ast::ForStmt, span: Span) -> Option<Stmt> {
        let iterable = f.iterable()?;
        let (start, end, inclusive, step) = match &iterable {
            ast::Expr::Range(r) => {
                let start = self.int_operand(r.start(), &span);
                let end = self.int_operand(r.end(), &span);
                let step = r.step().map(|s| {
                    let v = self.check_expr(&s, Some(Type::Int));
                    let v = self.expect_type(
                        v,
                        Type::Int,
                        &span_of(&s),
                        "a range step must be an `Int`",
                    );
                    if let ExprKind::Int(0) = v.kind {
                        self.error(
                            codes::BAD_LITERAL,
                            "a range step must not be zero",
                            span_of(&s),
                            "step 0 would never advance",
                        );
                    }
                    v
                });
                (start, end, r.is_inclusive(), step)
            }
            other => {
                let value = self.check_expr(other, None);
                return match value.ty {
                    Type::List(elem) => self.check_for_list(f, value, *elem, span),
                    Type::Map(k, v) => self.check_for_collection(f, value, *k, Some(*v), span),
                    Type::Set(e) => self.check_for_collection(f, value, *e, None, span),
                    Type::Str => self.check_for_string(f, value, span),
                    t if t.has_error() => None,
                    Type::Json => {
                        self.error(
                            codes::MISMATCHED_TYPES,
                            "a `Json` may not be a list or an object",
                            span_of(other),
                            "cannot iterate over a `Json`",
                        );
                        self.push_help(
                            "narrow it first: `if j is list[Json]` or `if j is map[String, Json]`"
                                .to_string(),
                        );
                        None
                    }
                    t => {
                        self.not_supported(&format!("`for` over a `{t}`"), span_of(other));
                        None
                    }
                };
            }
        };
        self.body().scopes.push();
        let pattern = f.pattern()?;
        let name = match &pattern {
            ast::Pattern::Ident(p) => p.name()?.text(),
            ast::Pattern::Wildcard(_) => "_".to_string(),
            other => {
                self.not_supported("this pattern in `for`", span_of(other));
                self.body().scopes.pop();
                return None;
            }
        };
        let var = self.new_var(&name, Type::Int, false, span_of(&pattern));
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
        Some(Stmt {
            kind: StmtKind::ForRange {
                id,
                var,
                start,
                end,
                inclusive,
                step,
                filter,
                body,
            },
            span,
        })
    }

    /// `for c in s`.
    fn check_for_string(&mut self, f: &ast::ForStmt, string: Expr, span: Span) -> Option<Stmt> {
        self.body().scopes.push();
        let pattern = f.pattern()?;
        let var = match &pattern {
            ast::Pattern::Ident(i) => {
                self.new_var(&i.name()?.text(), Type::Str, false, span_of(&pattern))
            }
            ast::Pattern::Wildcard(_) => self.new_var("_", Type::Str, false, span_of(&pattern)),
            other => {
                self.not_supported("this pattern in `for`", span_of(other));
                self.body().scopes.pop();
                return None;
            }
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
        Some(Stmt {
            kind: StmtKind::ForString {
                id,
                var,
                string,
                filter,
                body,
            },
            span,
        })
    }

    /// `for (k, v) in map` / `for x in set`.
    fn check_for_collection(
        &mut self,
        f: &ast::ForStmt,
        collection: Expr,
        key_ty: Type,
        value_ty: Option<Type>,
        span: Span,
    ) -> Option<Stmt> {
        self.body().scopes.push();
        let pattern = f.pattern()?;
        let bind = |this: &mut Self, p: &ast::Pattern, ty: Type| -> Option<Option<hir::VarId>> {
            match p {
                ast::Pattern::Ident(i) => {
                    Some(Some(this.new_var(&i.name()?.text(), ty, false, span_of(p))))
                }
                ast::Pattern::Wildcard(_) => Some(None),
                other => {
                    this.not_supported("this pattern in `for`", span_of(other));
                    None
                }
            }
        };
        let (key, value) = match (&pattern, value_ty) {
            (ast::Pattern::Tuple(t), Some(vty)) => {
                let subs: Vec<ast::Pattern> = t.elements().collect();
                if subs.len() != 2 {
                    self.error(
                        codes::MISMATCHED_TYPES,
                        "a map yields (key, value) pairs",
                        span_of(t),
                        "write `for (key, value) in …`",
                    );
                    self.body().scopes.pop();
                    return None;
                }
                let k = bind(self, &subs[0], key_ty)?;
                let v = bind(self, &subs[1], vty)?;
                (k, v)
            }
            (p, None) => (bind(self, p, key_ty)?, None),
            (other, Some(_)) => {
                self.not_supported(
                    "iterating over a map without a `(key, value)` pattern",
                    span_of(other),
                );
                self.body().scopes.pop();
                return None;
            }
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
        Some(Stmt {
            kind: StmtKind::ForCollection {
                id,
                key,
                value,
                collection,
                filter,
                body,
            },
            span,
        })
    }

    /// `let (a, b) = value`.
    fn check_let_tuple(
        &mut self,
        t: &ast::TuplePat,
        value: Expr,
        mutable: bool,
    ) -> Option<StmtKind> {
        let subs: Vec<ast::Pattern> = t.elements().collect();
        let elems = match value.ty {
            Type::Tuple(elems) if elems.len() == subs.len() => elems,
            ty if ty.has_error() => return None,
            other => {
                self.error(
                    codes::MISMATCHED_TYPES,
                    "mismatched types",
                    span_of(t),
                    format!(
                        "a pattern of {} elements, but the value is `{other}`",
                        subs.len()
                    ),
                );
                return None;
            }
        };
        let mut vars = Vec::new();
        for (p, ty) in subs.iter().zip(elems.iter()) {
            match p {
                ast::Pattern::Ident(ident) => {
                    let name = ident.name()?.text();
                    vars.push(Some(self.new_var(&name, *ty, mutable, span_of(p))));
                }
                ast::Pattern::Wildcard(_) => vars.push(None),
                other => {
                    self.not_supported("nested patterns in `let`", span_of(other));
                    return None;
                }
            }
        }
        Some(StmtKind::LetTuple(vars, value))
    }

    fn check_for_list(
        &mut self,
        f: &ast::ForStmt,
        list: Expr,
        elem: Type,
        span: Span,
    ) -> Option<Stmt> {
        self.body().scopes.push();
        let pattern = f.pattern()?;
        // `for (i, x) in enumerate(xs)`: the element is destructured first.
        let mut destructure: Option<Stmt> = None;
        let name = match &pattern {
            ast::Pattern::Ident(p) => p.name()?.text(),
            ast::Pattern::Wildcard(_) => "_".to_string(),
            ast::Pattern::Tuple(t) if matches!(elem, Type::Tuple(_)) => {
                let whole = self.new_var("_", elem, false, span_of(&pattern));
                self.body().used.insert(whole);
                let value = Expr {
                    kind: ExprKind::Var(whole),
                    ty: elem,
                    span: span_of(&pattern),
                };
                let kind = self.check_let_tuple(t, value, false)?;
                destructure = Some(Stmt {
                    kind,
                    span: span_of(&pattern),
                });
                String::new()
            }
            other => {
                self.not_supported("this pattern in `for`", span_of(other));
                self.body().scopes.pop();
                return None;
            }
        };
        let var = match &destructure {
            Some(Stmt {
                kind:
                    StmtKind::LetTuple(
                        _,
                        Expr {
                            kind: ExprKind::Var(v),
                            ..
                        },
                    ),
                ..
            }) => *v,
            _ => self.new_var(&name, elem, false, span_of(&pattern)),
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
        let mut body = self.check_stmts(&block_stmts(f.body()), false);
        let mut filter = filter;
        if let Some(d) = destructure {
            // The filter may use the destructured names: test it after them.
            if let Some(cond) = filter.take() {
                let cspan = cond.span.clone();
                let skip = Expr {
                    kind: ExprKind::If {
                        cond: Box::new(Expr {
                            kind: ExprKind::Unary(hir::UnaryOp::Not, Box::new(cond)),
                            ty: Type::Bool,
                            span: cspan.clone(),
                        }),
                        then_block: hir::Block {
                            stmts: vec![Stmt {
                                kind: StmtKind::Continue(id),
                                span: cspan.clone(),
                            }],
                            tail: None,
                        },
                        else_block: None,
                    },
                    ty: Type::Null,
                    span: cspan.clone(),
                };
                body.stmts.insert(
                    0,
                    Stmt {
                        kind: StmtKind::Expr(skip),
                        span: cspan,
                    },
                );
            }
            body.stmts.insert(0, d);
        }
        self.body().scopes.exit_loop();
        self.body().scopes.pop();
        Some(Stmt {
            kind: StmtKind::ForList {
                id,
                var,
                list,
                filter,
                body,
            },
            span,
        })
    }

    fn int_operand(&mut self, e: Option<ast::Expr>, span: &Span) -> Expr {
        match e {
            Some(e) => {
                let v = self.check_expr(&e, Some(Type::Int));
                self.expect_type(v, Type::Int, &span_of(&e), "range bounds must be `Int`")
            }
            None => {
                self.not_supported("an open-ended range in `for`", span.clone());
                error_expr(span.clone())
            }
        }
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
                .with_help(format!("make it mutable: `let mut {name}`")),
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
                        _ => Type::Int,
                    };
                    let index = self.check_expr(&index_syntax, Some(want));
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
                        Type::Map(..) if !std::ptr::eq(step, accesses.first().unwrap_or(step)) => {
                            self.not_supported("assigning inside a map entry", span_of(step));
                            return None;
                        }
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
        let value = match assign.compound_op() {
            None => {
                let v = self.check_expr(&value_syntax, Some(ty));
                self.coerce(v, ty, &value_span)
            }
            Some(op) => {
                let bin = super::ops::binary_op(op)?;
                let current = self.check_expr(target, None);
                let rhs = self.check_expr(&value_syntax, None);
                let combined = self.binary(bin, current, rhs, span_of(assign));
                self.coerce(combined, ty, &value_span)
            }
        };
        // A field with a `where` constraint: check the record it belongs to
        // after the write.
        let target_span = span_of(target);
        let writes_field = matches!(path.last(), Some(hir::PlaceStep::Field(_)));
        let read_back = match (writes_field, last_record) {
            (true, Some(record_ty))
                if !path.iter().any(|p| matches!(p, hir::PlaceStep::Key(_))) =>
            {
                let mut e = Expr {
                    kind: ExprKind::Var(var),
                    ty: decl.ty,
                    span: target_span.clone(),
                };
                let mut cur = decl.ty;
                for step in &path[..path.len() - 1] {
                    let (kind, next) = match (step, cur) {
                        (hir::PlaceStep::Field(i), Type::Record(n)) => (
                            ExprKind::Field(Box::new(e), *i),
                            self.types.records[n.id as usize].fields[*i as usize].ty,
                        ),
                        (hir::PlaceStep::Index(ix), Type::List(el)) => {
                            (ExprKind::Index(Box::new(e), Box::new(ix.clone())), *el)
                        }
                        _ => break,
                    };
                    e = Expr {
                        kind,
                        ty: next,
                        span: target_span.clone(),
                    };
                    cur = next;
                }
                (cur == record_ty).then_some(e)
            }
            _ => None,
        };
        let assignment = StmtKind::AssignPlace { var, path, value };
        if let Some(record) = read_back {
            let checked = self.with_where_checks(record, &target_span);
            if matches!(checked.kind, ExprKind::CheckWhere(..)) {
                let span = span_of(assign);
                return Some(StmtKind::Expr(Expr {
                    kind: ExprKind::Block(hir::Block {
                        stmts: vec![
                            Stmt {
                                kind: assignment,
                                span: span.clone(),
                            },
                            Stmt {
                                kind: StmtKind::Expr(checked),
                                span: span.clone(),
                            },
                        ],
                        tail: None,
                    }),
                    ty: Type::Null,
                    span,
                }));
            }
        }
        Some(assignment)
    }
}

pub(crate) fn block_stmts(block: Option<ast::Block>) -> Vec<ast::Stmt> {
    block.map(|b| b.stmts().collect()).unwrap_or_default()
}

pub(crate) fn error_expr(span: Span) -> Expr {
    Expr {
        kind: ExprKind::Error,
        ty: Type::Error,
        span,
    }
}

/// Whether control never continues after this statement.
pub(crate) fn stmt_diverges(stmt: &Stmt) -> bool {
    match &stmt.kind {
        StmtKind::Return(_) | StmtKind::Halt(_) | StmtKind::Break(_) | StmtKind::Continue(_) => {
            true
        }
        StmtKind::Expr(e)
        | StmtKind::Let(_, e)
        | StmtKind::Assign(_, e)
        | StmtKind::LetTuple(_, e) => e.ty == Type::Never,
        StmtKind::Loop { id, body } => !block_breaks_to(body, *id),
        StmtKind::While { id, cond, body } => {
            matches!(cond.kind, ExprKind::Bool(true)) && !block_breaks_to(body, *id)
        }
        StmtKind::ForRange { .. }
        | StmtKind::ForList { .. }
        | StmtKind::ForCollection { .. }
        | StmtKind::ForString { .. }
        | StmtKind::Defer(_) => false,
        StmtKind::AssignPlace { value, .. } => value.ty == Type::Never,
    }
}

/// Whether control never reaches the end of the block.
pub(crate) fn block_diverges(block: &hir::Block) -> bool {
    block.stmts.iter().any(stmt_diverges)
        || block.tail.as_ref().is_some_and(|t| t.ty == Type::Never)
}

fn block_breaks_to(block: &hir::Block, id: hir::LoopId) -> bool {
    block.stmts.iter().any(|s| stmt_breaks_to(s, id))
        || block.tail.as_ref().is_some_and(|t| expr_breaks_to(t, id))
}

fn stmt_breaks_to(stmt: &Stmt, id: hir::LoopId) -> bool {
    match &stmt.kind {
        StmtKind::Break(target) => *target == id,
        StmtKind::LetTuple(_, e)
        | StmtKind::Expr(e)
        | StmtKind::Let(_, e)
        | StmtKind::Assign(_, e)
        | StmtKind::Halt(e) => expr_breaks_to(e, id),
        StmtKind::Return(e) => e.as_ref().is_some_and(|e| expr_breaks_to(e, id)),
        StmtKind::While { body, .. }
        | StmtKind::Loop { body, .. }
        | StmtKind::ForRange { body, .. }
        | StmtKind::ForList { body, .. }
        | StmtKind::ForCollection { body, .. }
        | StmtKind::ForString { body, .. } => block_breaks_to(body, id),
        StmtKind::AssignPlace { value, .. } => expr_breaks_to(value, id),
        StmtKind::Continue(_) | StmtKind::Defer(_) => false,
    }
}

fn expr_breaks_to(e: &Expr, id: hir::LoopId) -> bool {
    match &e.kind {
        ExprKind::If {
            then_block,
            else_block,
            ..
        } => {
            block_breaks_to(then_block, id)
                || else_block.as_ref().is_some_and(|b| block_breaks_to(b, id))
        }
        ExprKind::Match { arms, .. } => arms.iter().any(|a| block_breaks_to(&a.body, id)),
        ExprKind::When(arms) => arms.iter().any(|a| block_breaks_to(&a.body, id)),
        ExprKind::Block(b) => block_breaks_to(b, id),
        _ => false,
    }
}
