//! Comprehensions (`[f(x) for x in xs if c]`, `{k: v for …}`, `{x for …}`)
//! and `for` over strings. A comprehension becomes a block that builds the
//! collection with an ordinary loop (appending in place), so it needs no
//! lowering of its own.

use lumen_diagnostics::Span;
use lumen_syntax::ast;

use super::stmt::error_expr;
use super::{codes, span_of, Checker};
use crate::hir::{self, Builtin, CollectionOp, Expr, ExprKind, PlaceStep, Stmt, StmtKind, VarId};
use crate::types::{list_of, map_of, set_of, Type};

/// The iteration part of a loop, with its variables bound in the current scope.
pub(crate) enum LoopHead {
    Range {
        var: VarId,
        start: Expr,
        end: Expr,
        inclusive: bool,
        step: Option<Expr>,
    },
    List {
        var: VarId,
        list: Expr,
    },
    Collection {
        key: Option<VarId>,
        value: Option<VarId>,
        collection: Expr,
    },
    /// `for c in s`: one-character strings.
    Str {
        var: VarId,
        string: Expr,
    },
}

impl Checker {
    /// Checks `pattern in iterable` and binds the pattern's variables.
    pub(crate) fn loop_head(
        &mut self,
        pattern: &ast::Pattern,
        iterable: &ast::Expr,
        span: &Span,
    ) -> Option<LoopHead> {
        let bind = |this: &mut Self, p: &ast::Pattern, ty: Type| -> Option<Option<VarId>> {
            match p {
                ast::Pattern::Ident(i) => {
                    Some(Some(this.new_var(&i.name()?.text(), ty, false, span_of(p))))
                }
                ast::Pattern::Wildcard(_) => Some(None),
                other => {
                    this.not_supported("this pattern in a loop", span_of(other));
                    None
                }
            }
        };
        let hidden = |this: &mut Self, ty: Type| this.new_var("_", ty, false, span.clone());
        if let ast::Expr::Range(r) = iterable {
            let int = |this: &mut Self, e: Option<ast::Expr>| -> Expr {
                match e {
                    Some(e) => {
                        let v = this.check_expr(&e, Some(Type::Int));
                        this.expect_type(v, Type::Int, &span_of(&e), "range bounds must be `Int`")
                    }
                    None => error_expr(span.clone()),
                }
            };
            let start = int(self, r.start());
            let end = int(self, r.end());
            let step = r.step().map(|s| int(self, Some(s)));
            let var = bind(self, pattern, Type::Int)?.unwrap_or_else(|| hidden(self, Type::Int));
            return Some(LoopHead::Range {
                var,
                start,
                end,
                inclusive: r.is_inclusive(),
                step,
            });
        }
        let value = self.check_expr(iterable, None);
        match value.ty {
            Type::List(elem) => {
                let var = bind(self, pattern, *elem)?.unwrap_or_else(|| hidden(self, *elem));
                Some(LoopHead::List { var, list: value })
            }
            Type::Str => {
                let var =
                    bind(self, pattern, Type::Str)?.unwrap_or_else(|| hidden(self, Type::Str));
                Some(LoopHead::Str { var, string: value })
            }
            Type::Set(e) => Some(LoopHead::Collection {
                key: bind(self, pattern, *e)?,
                value: None,
                collection: value,
            }),
            Type::Map(k, v) => {
                let ast::Pattern::Tuple(t) = pattern else {
                    self.not_supported(
                        "iterating over a map without a `(key, value)` pattern",
                        span_of(pattern),
                    );
                    return None;
                };
                let subs: Vec<ast::Pattern> = t.elements().collect();
                if subs.len() != 2 {
                    self.error(
                        codes::MISMATCHED_TYPES,
                        "a map yields (key, value) pairs",
                        span_of(t),
                        "two patterns expected",
                    );
                    return None;
                }
                let key = bind(self, &subs[0], *k)?;
                let val = bind(self, &subs[1], *v)?;
                Some(LoopHead::Collection {
                    key,
                    value: val,
                    collection: value,
                })
            }
            t if t.has_error() => None,
            other => {
                self.error(
                    codes::MISMATCHED_TYPES,
                    format!("cannot iterate over a value of type `{other}`"),
                    value.span.clone(),
                    "not a range, list, string, map or set",
                );
                None
            }
        }
    }

    /// The loop statement for a head, filter and body.
    pub(crate) fn loop_stmt(
        &mut self,
        head: LoopHead,
        id: hir::LoopId,
        filter: Option<Expr>,
        body: hir::Block,
    ) -> StmtKind {
        match head {
            LoopHead::Range {
                var,
                start,
                end,
                inclusive,
                step,
            } => StmtKind::ForRange {
                id,
                var,
                start,
                end,
                inclusive,
                step,
                filter,
                body,
            },
            LoopHead::List { var, list } => StmtKind::ForList {
                id,
                var,
                list,
                filter,
                body,
            },
            LoopHead::Collection {
                key,
                value,
                collection,
            } => StmtKind::ForCollection {
                id,
                key,
                value,
                collection,
                filter,
                body,
            },
            LoopHead::Str { var, string } => StmtKind::ForString {
                id,
                var,
                string,
                filter,
                body,
            },
        }
    }

    pub(super) fn check_comprehension(
        &mut self,
        c: &ast::CompExpr,
        expected: Option<Type>,
        span: Span,
    ) -> Expr {
        let (Some(pattern), Some(iterable)) = (c.pattern(), c.iterable()) else {
            return error_expr(span);
        };
        self.body().scopes.push();
        let Some(head) = self.loop_head(&pattern, &iterable, &span) else {
            self.body().scopes.pop();
            return error_expr(span);
        };
        let filter = c.filter().map(|f| {
            let v = self.check_expr(&f, Some(Type::Bool));
            self.expect_type(v, Type::Bool, &span_of(&f), "a filter must be a `Bool`")
        });
        let (acc_ty, step) = match c.kind() {
            ast::CompKind::List => {
                let want = match expected {
                    Some(Type::List(e)) => Some(*e),
                    _ => None,
                };
                let Some(e) = c.element() else {
                    return self.abandon(span);
                };
                let v = self.check_expr(&e, want);
                let v = match want {
                    Some(w) => self.coerce(v, w, &span_of(&e)),
                    None => v,
                };
                (list_of(v.ty), Step::Push(v))
            }
            ast::CompKind::Set => {
                let Some(e) = c.element() else {
                    return self.abandon(span);
                };
                let v = self.check_expr(&e, None);
                if !v.ty.has_ordering() && !v.ty.has_error() {
                    self.error(
                        codes::BAD_OPERANDS,
                        format!("set elements must have an ordering; `{}` has none", v.ty),
                        v.span.clone(),
                        "not orderable",
                    );
                }
                (set_of(v.ty), Step::Add(v))
            }
            ast::CompKind::Map => {
                let Some(entry) = c.entry() else {
                    return self.abandon(span);
                };
                let (Some(k), Some(v)) = (entry.key(), entry.value()) else {
                    return self.abandon(span);
                };
                let key = self.check_expr(&k, None);
                let value = self.check_expr(&v, None);
                if !key.ty.has_ordering() && !key.ty.has_error() {
                    self.error(
                        codes::BAD_OPERANDS,
                        format!("map keys must have an ordering; `{}` has none", key.ty),
                        key.span.clone(),
                        "not orderable",
                    );
                }
                (map_of(key.ty, value.ty), Step::Insert(key, value))
            }
        };
        self.body().scopes.pop();
        if acc_ty.has_error() {
            return error_expr(span);
        }
        let acc = self.new_var("_", acc_ty, true, span.clone());
        self.body().used.insert(acc);
        let var = |ty| Expr {
            kind: ExprKind::Var(acc),
            ty,
            span: span.clone(),
        };
        let empty = Expr {
            kind: match acc_ty {
                Type::List(_) => ExprKind::List(Vec::new()),
                Type::Set(_) => ExprKind::Set(Vec::new()),
                _ => ExprKind::Map(Vec::new()),
            },
            ty: acc_ty,
            span: span.clone(),
        };
        let update = match step {
            Step::Push(v) => StmtKind::Assign(
                acc,
                Expr {
                    kind: ExprKind::Builtin(Builtin::Append, vec![var(acc_ty), v]),
                    ty: acc_ty,
                    span: span.clone(),
                },
            ),
            Step::Add(v) => StmtKind::Assign(
                acc,
                Expr {
                    kind: ExprKind::Collection(CollectionOp::SetAdd, vec![var(acc_ty), v]),
                    ty: acc_ty,
                    span: span.clone(),
                },
            ),
            Step::Insert(k, v) => StmtKind::AssignPlace {
                var: acc,
                path: vec![PlaceStep::Key(k)],
                value: v,
            },
        };
        let id = self.body().scopes.enter_loop(None);
        self.body().scopes.exit_loop();
        let body = hir::Block {
            stmts: vec![Stmt {
                kind: update,
                span: span.clone(),
            }],
            tail: None,
        };
        let looped = self.loop_stmt(head, id, filter, body);
        Expr {
            kind: ExprKind::Block(hir::Block {
                stmts: vec![
                    Stmt {
                        kind: StmtKind::Let(acc, empty),
                        span: span.clone(),
                    },
                    Stmt {
                        kind: looped,
                        span: span.clone(),
                    },
                ],
                tail: Some(Box::new(var(acc_ty))),
            }),
            ty: acc_ty,
            span,
        }
    }

    fn abandon(&mut self, span: Span) -> Expr {
        self.body().scopes.pop();
        error_expr(span)
    }
}

enum Step {
    Push(Expr),
    Add(Expr),
    Insert(Expr, Expr),
}

impl Checker {
    /// A range used as a value (`let r = 0..5`): the `list[Int]` it stands for.
    pub(super) fn range_value(&mut self, r: &ast::RangeExpr, span: Span) -> Expr {
        let as_expr = ast::Expr::Range(r.clone());
        self.body().scopes.push();
        let pattern_var = self.new_var("_", Type::Int, false, span.clone());
        self.body().used.insert(pattern_var);
        let head = {
            let int = |this: &mut Self, e: Option<ast::Expr>| -> Expr {
                match e {
                    Some(e) => {
                        let v = this.check_expr(&e, Some(Type::Int));
                        this.expect_type(v, Type::Int, &span_of(&e), "range bounds must be `Int`")
                    }
                    None => error_expr(span.clone()),
                }
            };
            let start = int(self, r.start());
            let end = int(self, r.end());
            let step = r.step().map(|s| int(self, Some(s)));
            LoopHead::Range {
                var: pattern_var,
                start,
                end,
                inclusive: r.is_inclusive(),
                step,
            }
        };
        self.body().scopes.pop();
        let _ = as_expr;
        let list_ty = list_of(Type::Int);
        let acc = self.new_var("_", list_ty, true, span.clone());
        self.body().used.insert(acc);
        let read = |v: VarId, ty: Type| Expr {
            kind: ExprKind::Var(v),
            ty,
            span: span.clone(),
        };
        let push = StmtKind::Assign(
            acc,
            Expr {
                kind: ExprKind::Builtin(
                    Builtin::Append,
                    vec![read(acc, list_ty), read(pattern_var, Type::Int)],
                ),
                ty: list_ty,
                span: span.clone(),
            },
        );
        let id = self.body().scopes.enter_loop(None);
        self.body().scopes.exit_loop();
        let looped = self.loop_stmt(
            head,
            id,
            None,
            hir::Block {
                stmts: vec![Stmt {
                    kind: push,
                    span: span.clone(),
                }],
                tail: None,
            },
        );
        Expr {
            kind: ExprKind::Block(hir::Block {
                stmts: vec![
                    Stmt {
                        kind: StmtKind::Let(
                            acc,
                            Expr {
                                kind: ExprKind::List(Vec::new()),
                                ty: list_ty,
                                span: span.clone(),
                            },
                        ),
                        span: span.clone(),
                    },
                    Stmt {
                        kind: looped,
                        span: span.clone(),
                    },
                ],
                tail: Some(Box::new(read(acc, list_ty))),
            }),
            ty: list_ty,
            span,
        }
    }
}

impl Checker {
    /// `x in a..b` / `x in a..=b` (and `not in`): two comparisons.
    pub(super) fn range_membership(
        &mut self,
        item: Expr,
        r: &ast::RangeExpr,
        negated: bool,
        span: Span,
    ) -> Expr {
        if let Some(step) = r.step() {
            self.not_supported("`in` on a range with `step`", span_of(&step));
            return error_expr(span);
        }
        let int = |this: &mut Self, e: Option<ast::Expr>| -> Expr {
            match e {
                Some(e) => {
                    let v = this.check_expr(&e, Some(Type::Int));
                    this.expect_type(v, Type::Int, &span_of(&e), "range bounds must be `Int`")
                }
                None => error_expr(span.clone()),
            }
        };
        let lo = int(self, r.start());
        let hi = int(self, r.end());
        if item.ty.has_error() || lo.ty.has_error() || hi.ty.has_error() {
            return error_expr(span);
        }
        // The item is evaluated once, into a variable of its own.
        let x = self.new_var("_", Type::Int, false, span.clone());
        self.body().used.insert(x);
        let read = Expr {
            kind: ExprKind::Var(x),
            ty: Type::Int,
            span: span.clone(),
        };
        let cmp = |op, l: Expr, r: Expr| Expr {
            kind: ExprKind::Binary(op, Box::new(l), Box::new(r)),
            ty: Type::Bool,
            span: span.clone(),
        };
        let upper = if r.is_inclusive() {
            hir::BinaryOp::Le
        } else {
            hir::BinaryOp::Lt
        };
        let inside = Expr {
            kind: ExprKind::And(
                Box::new(cmp(hir::BinaryOp::Le, lo, read.clone())),
                Box::new(cmp(upper, read, hi)),
            ),
            ty: Type::Bool,
            span: span.clone(),
        };
        let test = if negated {
            Expr {
                kind: ExprKind::Unary(hir::UnaryOp::Not, Box::new(inside)),
                ty: Type::Bool,
                span: span.clone(),
            }
        } else {
            inside
        };
        Expr {
            kind: ExprKind::Block(hir::Block {
                stmts: vec![Stmt {
                    kind: StmtKind::Let(x, item),
                    span: span.clone(),
                }],
                tail: Some(Box::new(test)),
            }),
            ty: Type::Bool,
            span,
        }
    }
}
