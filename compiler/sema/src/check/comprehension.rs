//! Comprehensions (`[f(x) for x in xs if c]`, `{k: v for …}`, `{x for …}`)
//! and `for` over strings. A comprehension becomes a block that builds the
//! collection with an ordinary loop (appending in place), so it needs no
//! lowering of its own.

use lumen_diagnostics::{Diagnostic, Span};
use lumen_syntax::ast;

use super::build::error_expr;
use super::{codes, span_of, Checker};
use crate::hir::{self, Builtin, CollectionOp, Expr, ExprKind, PlaceStep, Stmt, StmtKind, VarId};
use crate::types::{list_of, map_of, set_of, tuple_of, Type};

/// The iteration part of a loop, with its variables bound in the current scope.
pub(crate) struct LoopHead {
    source: LoopSource,
    /// Statements that run once before the loop (a snapshot of `Bytes`).
    setup: Vec<Stmt>,
    /// Statements that run at the top of each iteration, before the filter:
    /// the destructuring of the element, the read of a byte.
    prelude: Vec<Stmt>,
}

impl LoopHead {
    /// A plain loop over a list's elements (spreads build these).
    pub(crate) fn over_list(var: VarId, list: Expr) -> Self {
        LoopHead {
            source: LoopSource::List { var, list },
            setup: Vec::new(),
            prelude: Vec::new(),
        }
    }

    /// A plain loop over a set's elements or a map's entries.
    pub(crate) fn over_collection(
        key: Option<VarId>,
        value: Option<VarId>,
        collection: Expr,
    ) -> Self {
        LoopHead {
            source: LoopSource::Collection {
                key,
                value,
                collection,
            },
            setup: Vec::new(),
            prelude: Vec::new(),
        }
    }
}

enum LoopSource {
    Range {
        var: VarId,
        start: Expr,
        end: Option<Expr>,
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
    /// Checks `pattern in iterable` and binds the pattern's variables. A
    /// range without an end (`0..`) is only accepted when `open_ended_ok`
    /// (a `for` statement, which can `break`).
    pub(crate) fn loop_head(
        &mut self,
        pattern: &ast::Pattern,
        iterable: &ast::Expr,
        open_ended_ok: bool,
        span: &Span,
    ) -> Option<LoopHead> {
        let mut prelude = Vec::new();
        let mut bind = |this: &mut Self, p: &ast::Pattern, ty: Type| -> Option<VarId> {
            let (var, destructure) = this.loop_binding(p, ty)?;
            prelude.extend(destructure);
            Some(var)
        };
        let read = |var: VarId, ty: Type| Expr {
            kind: ExprKind::Var(var),
            ty,
            span: span.clone(),
        };
        if let ast::Expr::Range(r) = iterable {
            let start = self.range_bound(r.start(), span);
            let end = match r.end() {
                Some(e) => Some(self.range_bound(Some(e), span)),
                None if open_ended_ok => None,
                None => {
                    self.open_range_error(span_of(iterable));
                    return None;
                }
            };
            let step = r.step().map(|s| self.range_step(&s));
            let var = bind(self, pattern, Type::Int)?;
            return Some(LoopHead {
                source: LoopSource::Range {
                    var,
                    start,
                    end,
                    inclusive: r.is_inclusive(),
                    step,
                },
                setup: Vec::new(),
                prelude,
            });
        }
        let value = self.check_expr(iterable, None);
        let source = match value.ty {
            Type::List(elem) => {
                let var = bind(self, pattern, *elem)?;
                LoopSource::List { var, list: value }
            }
            Type::Str => {
                let var = bind(self, pattern, Type::Str)?;
                LoopSource::Str { var, string: value }
            }
            Type::Set(e) => LoopSource::Collection {
                key: Some(bind(self, pattern, *e)?),
                value: None,
                collection: value,
            },
            Type::Map(k, v) => match pattern {
                // `for (key, value) in m`: each side is a pattern of its own.
                ast::Pattern::Tuple(t) if t.elements().count() == 2 => {
                    let subs: Vec<ast::Pattern> = t.elements().collect();
                    let key = bind(self, &subs[0], *k)?;
                    let val = bind(self, &subs[1], *v)?;
                    LoopSource::Collection {
                        key: Some(key),
                        value: Some(val),
                        collection: value,
                    }
                }
                // Any other pattern sees the `(key, value)` tuple a map
                // yields (semantics.md §1).
                _ => {
                    let key = self.new_var("_", *k, false, span.clone());
                    let val = self.new_var("_", *v, false, span.clone());
                    let pair_ty = tuple_of(&[*k, *v]);
                    let pair = Expr {
                        kind: ExprKind::Tuple(vec![read(key, *k), read(val, *v)]),
                        ty: pair_ty,
                        span: span.clone(),
                    };
                    let (var, destructure) = self.loop_binding(pattern, pair_ty)?;
                    prelude.push(Stmt {
                        kind: StmtKind::Let(var, pair),
                        span: span.clone(),
                    });
                    prelude.extend(destructure);
                    LoopSource::Collection {
                        key: Some(key),
                        value: Some(val),
                        collection: value,
                    }
                }
            },
            // `for byte in b`: a counted loop over a snapshot of the bytes,
            // each byte read as an `Int` at the top of the iteration.
            Type::Bytes => {
                let bytes = self.new_var("_", Type::Bytes, false, span.clone());
                let index = self.new_var("_", Type::Int, false, span.clone());
                let (var, destructure) = self.loop_binding(pattern, Type::Int)?;
                let byte = Expr {
                    kind: ExprKind::Builtin(
                        Builtin::BytesIndex,
                        vec![read(bytes, Type::Bytes), read(index, Type::Int)],
                    ),
                    ty: Type::Int,
                    span: span.clone(),
                };
                prelude.push(Stmt {
                    kind: StmtKind::Let(var, byte),
                    span: span.clone(),
                });
                prelude.extend(destructure);
                let len = Expr {
                    kind: ExprKind::Builtin(Builtin::BytesLen, vec![read(bytes, Type::Bytes)]),
                    ty: Type::Int,
                    span: span.clone(),
                };
                return Some(LoopHead {
                    source: LoopSource::Range {
                        var: index,
                        start: Expr {
                            kind: ExprKind::Int(0),
                            ty: Type::Int,
                            span: span.clone(),
                        },
                        end: Some(len),
                        inclusive: false,
                        step: None,
                    },
                    setup: vec![Stmt {
                        kind: StmtKind::Let(bytes, value),
                        span: span.clone(),
                    }],
                    prelude,
                });
            }
            t if t.has_error() => return None,
            Type::Json => {
                self.error(
                    codes::MISMATCHED_TYPES,
                    "a `Json` may not be a list or an object",
                    value.span.clone(),
                    "cannot iterate over a `Json`",
                );
                self.push_help(
                    "narrow it first: `if j is list[Json]` or `if j is map[String, Json]`"
                        .to_string(),
                );
                return None;
            }
            other => {
                self.error(
                    codes::MISMATCHED_TYPES,
                    format!("cannot iterate over a value of type `{other}`"),
                    value.span.clone(),
                    "not a range, list, string, bytes, map or set",
                );
                return None;
            }
        };
        Some(LoopHead {
            source,
            setup: Vec::new(),
            prelude,
        })
    }

    fn range_bound(&mut self, e: Option<ast::Expr>, span: &Span) -> Expr {
        match e {
            Some(e) => {
                let v = self.check_expr(&e, Some(Type::Int));
                self.expect_type(v, Type::Int, &span_of(&e), "range bounds must be `Int`")
            }
            None => error_expr(span.clone()),
        }
    }

    /// A range's `step`: an `Int`, and a literal one must not be zero.
    fn range_step(&mut self, s: &ast::Expr) -> Expr {
        let v = self.check_expr(s, Some(Type::Int));
        let v = self.expect_type(v, Type::Int, &span_of(s), "a range step must be an `Int`");
        if let ExprKind::Int(0) = v.kind {
            self.error(
                codes::BAD_LITERAL,
                "a range step must not be zero",
                span_of(s),
                "step 0 would never advance",
            );
        }
        v
    }

    pub(super) fn open_range_error(&mut self, span: Span) {
        self.push_diagnostic(
            Diagnostic::error(
                codes::MISMATCHED_TYPES,
                "a range without an end is only allowed in a `for` loop or a slice",
                span,
                "this range never ends",
            )
            .with_help(
                "give the range an end (`a..b`), loop with `for i in a..` and `break`, \
                 or slice to the end with `xs[a..]`",
            ),
        );
    }

    /// The loop statement for a head, filter and body. A filter that may use
    /// destructured names is tested after the prelude, as a `continue`.
    pub(crate) fn loop_stmt(
        &mut self,
        head: LoopHead,
        id: hir::LoopId,
        filter: Option<Expr>,
        mut body: hir::Block,
        span: &Span,
    ) -> StmtKind {
        let LoopHead {
            source,
            setup,
            mut prelude,
        } = head;
        let mut filter = filter;
        if !prelude.is_empty() {
            if let Some(cond) = filter.take() {
                let cspan = cond.span.clone();
                prelude.push(Stmt {
                    kind: StmtKind::Expr(Expr {
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
                        span: cspan,
                    }),
                    span: span.clone(),
                });
            }
            prelude.append(&mut body.stmts);
            body.stmts = prelude;
        }
        let looped = match source {
            LoopSource::Range {
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
            LoopSource::List { var, list } => StmtKind::ForList {
                id,
                var,
                list,
                filter,
                body,
            },
            LoopSource::Collection {
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
            LoopSource::Str { var, string } => StmtKind::ForString {
                id,
                var,
                string,
                filter,
                body,
            },
        };
        if setup.is_empty() {
            return looped;
        }
        let mut stmts = setup;
        stmts.push(Stmt {
            kind: looped,
            span: span.clone(),
        });
        StmtKind::Expr(Expr {
            kind: ExprKind::Block(hir::Block { stmts, tail: None }),
            ty: Type::Null,
            span: span.clone(),
        })
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
        let Some(head) = self.loop_head(&pattern, &iterable, false, &span) else {
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
        let looped = self.loop_stmt(head, id, filter, body, &span);
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
        if r.end().is_none() {
            self.open_range_error(span.clone());
            return error_expr(span);
        }
        self.body().scopes.push();
        let pattern_var = self.new_var("_", Type::Int, false, span.clone());
        self.body().used.insert(pattern_var);
        let start = self.range_bound(r.start(), &span);
        let end = self.range_bound(r.end(), &span);
        let step = r.step().map(|s| self.range_step(&s));
        let head = LoopHead {
            source: LoopSource::Range {
                var: pattern_var,
                start,
                end: Some(end),
                inclusive: r.is_inclusive(),
                step,
            },
            setup: Vec::new(),
            prelude: Vec::new(),
        };
        self.body().scopes.pop();
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
            &span,
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
        let lo = self.range_bound(r.start(), &span);
        let hi = r.end().map(|e| self.range_bound(Some(e), &span));
        let step = r.step().map(|s| self.range_step(&s));
        if item.ty.has_error()
            || lo.ty.has_error()
            || hi.as_ref().is_some_and(|h| h.ty.has_error())
            || step.as_ref().is_some_and(|s| s.ty.has_error())
        {
            return error_expr(span);
        }
        if let Some(step) = step {
            // The direction (and a zero step) is known only at run time.
            let inside = Expr {
                kind: ExprKind::InSteppedRange {
                    item: Box::new(item),
                    start: Box::new(lo),
                    end: hi.map(Box::new),
                    inclusive: r.is_inclusive(),
                    step: Box::new(step),
                },
                ty: Type::Bool,
                span: span.clone(),
            };
            return if negated {
                Expr {
                    kind: ExprKind::Unary(hir::UnaryOp::Not, Box::new(inside)),
                    ty: Type::Bool,
                    span,
                }
            } else {
                inside
            };
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
        let above = cmp(hir::BinaryOp::Le, lo, read.clone());
        // `a..` has no upper bound.
        let inside = match hi {
            Some(hi) => Expr {
                kind: ExprKind::And(Box::new(above), Box::new(cmp(upper, read, hi))),
                ty: Type::Bool,
                span: span.clone(),
            },
            None => above,
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
