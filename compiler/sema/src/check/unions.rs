//! Unions and optionals (`types.md` §2): injecting member values, `null`
//! tests, `is`, `as`, `??`, `!`, `?.`, and narrowing of variables after a
//! test the checker can see.
//!
//! Narrowing makes a new immutable variable with the same name and the
//! narrower type, initialised from the tested one, in the scope where the
//! test is known to hold (the `then` branch, the `else` branch, or the rest of
//! a block after `if x == null … return … end`). Variables declared `let mut`
//! are not narrowed (they could change under the test); use `if let` or `!`.

use lumen_diagnostics::Span;

use super::build::error_expr;
use super::{codes, Checker};
use crate::hir::{self, Expr, ExprKind, Stmt, StmtKind, VarId};
use crate::types::Type;

/// What a condition tells about a variable when it holds and when it does not.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Narrowing {
    pub var: VarId,
    pub when_true: Type,
    pub when_false: Type,
}

impl Checker {
    /// `e` (of a member type of `union`, Null, or a union of members) as a
    /// value of `union`; `None` when it is none of those.
    pub(crate) fn inject(&mut self, e: Expr, union: Type, span: &Span) -> Option<Expr> {
        let members = union.union_members()?;
        let target = if members.contains(&e.ty) {
            e
        } else if e.ty == Type::Int && members.contains(&Type::Float) {
            super::build::widen(e)
        } else if let Some(inner) = e.ty.union_members() {
            // A narrower union (`Int | String` into `Json`, or what `j !=
            // null` leaves back into `Json`): lowering re-tags or re-boxes.
            if !inner.iter().all(|m| members.contains(m)) {
                return None;
            }
            e
        } else {
            return None;
        };
        Some(Expr {
            kind: ExprKind::Inject(Box::new(target)),
            ty: union,
            span: span.clone(),
        })
    }

    /// `x == null` / `x != null` / `x is T`: a membership test.
    pub(crate) fn member_test(
        &mut self,
        value: Expr,
        member: Type,
        negated: bool,
        span: Span,
    ) -> Expr {
        let sub_union = match (value.ty.union_members(), member.union_members()) {
            (Some(have), Some(want)) => want.iter().all(|m| have.contains(m)),
            _ => false,
        };
        let test = match value.ty {
            t if t.has_error() => return error_expr(span),
            // `x is Int?` on `Int | String | Null`: any of the members (MIR's
            // membership test ors them, as for the pattern `v: Int?`).
            t if sub_union || t.union_members().is_some_and(|m| m.contains(&member)) => Expr {
                kind: ExprKind::IsType(Box::new(value), member),
                ty: Type::Bool,
                span: span.clone(),
            },
            // A value of a non-union type is (not) of its own type, statically.
            t => {
                if t != member && member != Type::Null {
                    self.error(
                        codes::MISMATCHED_TYPES,
                        format!("a value of type `{t}` is never a `{member}`"),
                        span.clone(),
                        "this test is always false",
                    );
                }
                Expr {
                    kind: ExprKind::Bool(t == member),
                    ty: Type::Bool,
                    span: span.clone(),
                }
            }
        };
        if negated {
            Expr {
                kind: ExprKind::Unary(hir::UnaryOp::Not, Box::new(test)),
                ty: Type::Bool,
                span,
            }
        } else {
            test
        }
    }

    /// `x ?? d`.
    pub(crate) fn coalesce(
        &mut self,
        value: Expr,
        default: &super::arg_source::ArgSource,
        span: Span,
    ) -> Expr {
        if !value.ty.admits_null() {
            if !value.ty.has_error() {
                self.error(
                    codes::MISMATCHED_TYPES,
                    format!("`??` needs a value that may be null, not `{}`", value.ty),
                    value.span.clone(),
                    "never null",
                );
            }
            return error_expr(span);
        }
        if value.ty == Type::Null {
            // `null ?? e` is `e` (after evaluating the null side).
            let default = self.check_arg(default, None);
            let ty = default.ty;
            let stmts = vec![Stmt {
                span: value.span.clone(),
                kind: StmtKind::Expr(value),
            }];
            return Expr {
                kind: ExprKind::Block(hir::Block {
                    stmts,
                    tail: Some(Box::new(default)),
                }),
                ty,
                span,
            };
        }
        let rest = value.ty.without_null();
        let dspan = default.span();
        let default = self.check_arg(default, Some(rest));
        if default.ty.admits_null() && !default.ty.has_error() {
            // `a ?? b` with `b` nullable too (`a ?? b ?? c`): still optional.
            return self.coalesce_optional(value, default, span);
        }
        let default = self.coerce(default, rest, &dspan);
        Expr {
            kind: ExprKind::Coalesce(Box::new(value), Box::new(default)),
            ty: rest,
            span,
        }
    }

    /// `a ?? b` where `b` may be null too: `a` when it is not null, else
    /// `b`, as a value of `a`'s optional type.
    fn coalesce_optional(&mut self, value: Expr, default: Expr, span: Span) -> Expr {
        let ty = value.ty;
        let dspan = default.span.clone();
        let default = self.coerce(default, ty, &dspan);
        let holder = self.new_var("_", ty, false, span.clone());
        self.body().used.insert(holder);
        let read = Expr {
            kind: ExprKind::Var(holder),
            ty,
            span: span.clone(),
        };
        let test = Expr {
            kind: ExprKind::IsType(Box::new(read.clone()), Type::Null),
            ty: Type::Bool,
            span: span.clone(),
        };
        let tail = |e: Expr| hir::Block {
            stmts: Vec::new(),
            tail: Some(Box::new(e)),
        };
        let choice = Expr {
            kind: ExprKind::If {
                cond: Box::new(test),
                then_block: tail(default),
                else_block: Some(tail(read)),
            },
            ty,
            span: span.clone(),
        };
        Expr {
            kind: ExprKind::Block(hir::Block {
                stmts: vec![Stmt {
                    kind: StmtKind::Let(holder, value),
                    span: span.clone(),
                }],
                tail: Some(Box::new(choice)),
            }),
            ty,
            span,
        }
    }

    /// `x!`, or `unwrap(x)` on an optional (`call`).
    pub(crate) fn unwrap_null(&mut self, value: Expr, call: bool, span: Span) -> Expr {
        if !value.ty.admits_null() {
            if !value.ty.has_error() {
                let form = if call { "`unwrap`" } else { "`!`" };
                self.error(
                    codes::MISMATCHED_TYPES,
                    format!("{form} needs a value that may be null, not `{}`", value.ty),
                    value.span.clone(),
                    "never null",
                );
            }
            return error_expr(span);
        }
        let ty = value.ty.without_null();
        Expr {
            kind: ExprKind::Unwrap(Box::new(value), call),
            ty,
            span,
        }
    }

    /// `x as T` where `x` is a union containing `T`.
    pub(crate) fn assert_member(&mut self, value: Expr, target: Type, span: Span) -> Option<Expr> {
        let members = value.ty.union_members()?;
        if !members.contains(&target) {
            return None;
        }
        Some(Expr {
            kind: ExprKind::AssertMember(Box::new(value)),
            ty: target,
            span,
        })
    }

    /// `x as Int` / `x as Float` where the union `x` holds the *other*
    /// numeric type among its members (types.md §2: `as` converts between
    /// numeric types and asserts a member): an `Int` converts to `Float`
    /// (a `Float` truncates to `Int`), a value of the target type passes,
    /// anything else is the failed-`as` runtime error. `None` when the
    /// union has no numeric member to convert from.
    pub(crate) fn numeric_as(&mut self, value: Expr, target: Type, span: Span) -> Option<Expr> {
        let (other, cast) = match target {
            Type::Float => (Type::Int, hir::CastKind::IntToFloat),
            Type::Int => (Type::Float, hir::CastKind::FloatToInt),
            _ => return None,
        };
        let members = value.ty.union_members()?;
        if !members.contains(&other) {
            return None;
        }
        let union = value.ty;
        let holder = self.new_var("_", union, false, span.clone());
        self.body().used.insert(holder);
        let read = || Expr {
            kind: ExprKind::Var(holder),
            ty: union,
            span: span.clone(),
        };
        let member = |e: Expr, ty: Type, kind: fn(Box<Expr>) -> ExprKind| Expr {
            kind: kind(Box::new(e)),
            ty,
            span: span.clone(),
        };
        let converted = Expr {
            kind: ExprKind::Cast(cast, Box::new(member(read(), other, ExprKind::Narrow))),
            ty: target,
            span: span.clone(),
        };
        // Not the other numeric type: the target itself, or a failed `as`
        // (asserting `other` there cannot hold, and gives that error).
        let otherwise = if members.contains(&target) {
            member(read(), target, ExprKind::AssertMember)
        } else {
            Expr {
                kind: ExprKind::Cast(
                    cast,
                    Box::new(member(read(), other, ExprKind::AssertMember)),
                ),
                ty: target,
                span: span.clone(),
            }
        };
        let test = Expr {
            kind: ExprKind::IsType(Box::new(read()), other),
            ty: Type::Bool,
            span: span.clone(),
        };
        let tail = |e: Expr| hir::Block {
            stmts: Vec::new(),
            tail: Some(Box::new(e)),
        };
        let choice = Expr {
            kind: ExprKind::If {
                cond: Box::new(test),
                then_block: tail(converted),
                else_block: Some(tail(otherwise)),
            },
            ty: target,
            span: span.clone(),
        };
        Some(Expr {
            kind: ExprKind::Block(hir::Block {
                stmts: vec![Stmt {
                    kind: StmtKind::Let(holder, value),
                    span: span.clone(),
                }],
                tail: Some(Box::new(choice)),
            }),
            ty: target,
            span,
        })
    }

    /// What a checked condition says about a variable, if anything.
    pub(crate) fn narrowing_of(&self, cond: &Expr) -> Option<Narrowing> {
        self.narrowing_with(cond, false)
    }

    /// [`Self::narrowing_of`], also for a mutable variable (`while cur !=
    /// null` with `cur = cur.next` in the body): the caller makes sure no
    /// loop inside the narrowed code assigns it, since an assignment makes
    /// the name mean the variable again only from there on.
    pub(crate) fn narrowing_with(&self, cond: &Expr, mutable_ok: bool) -> Option<Narrowing> {
        match &cond.kind {
            ExprKind::IsType(value, member) => {
                let ExprKind::Var(var) = value.kind else {
                    return None;
                };
                // (`x is Int?` narrows nothing, as when it was spelled out
                // as an `or` of member tests.)
                if member.union_members().is_some() {
                    return None;
                }
                let decl = self.bodies.last()?.vars.get(var.0 as usize)?;
                if decl.mutable && !mutable_ok {
                    return None;
                }
                let rest: Vec<Type> = value
                    .ty
                    .members()
                    .into_iter()
                    .filter(|m| m != member)
                    .collect();
                Some(Narrowing {
                    var,
                    when_true: *member,
                    when_false: crate::types::union_of(&rest),
                })
            }
            ExprKind::Unary(hir::UnaryOp::Not, inner) => {
                self.narrowing_with(inner, mutable_ok).map(|n| Narrowing {
                    var: n.var,
                    when_true: n.when_false,
                    when_false: n.when_true,
                })
            }
            // `a and b` true: both are (`if s != null and len(s) > 2`);
            // false says nothing. `a or b` false: both are false (`if x ==
            // null or x < 0 return`); true says nothing.
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                let n = self
                    .narrowing_with(a, mutable_ok)
                    .or_else(|| self.narrowing_with(b, mutable_ok))?;
                let full = self.bodies.last()?.vars.get(n.var.0 as usize)?.ty;
                let and = matches!(cond.kind, ExprKind::And(..));
                Some(Narrowing {
                    var: n.var,
                    when_true: if and { n.when_true } else { full },
                    when_false: if and { full } else { n.when_false },
                })
            }
            _ => None,
        }
    }

    /// Binds a narrowed copy of `var` in the current scope and returns the
    /// statement that initialises it.
    pub(crate) fn bind_narrowed(&mut self, var: VarId, ty: Type, span: &Span) -> Option<Stmt> {
        let decl = self.body().vars[var.0 as usize].clone();
        if ty == decl.ty || ty == Type::Never || ty.has_error() {
            return None;
        }
        let source = Expr {
            kind: ExprKind::Var(var),
            ty: decl.ty,
            span: span.clone(),
        };
        let value = Expr {
            kind: ExprKind::Narrow(Box::new(source)),
            ty,
            span: span.clone(),
        };
        let narrowed = self.new_var(&decl.name, ty, false, decl.span.clone());
        let original = self.body().narrowed_from.get(&var).copied().unwrap_or(var);
        self.body().narrowed_from.insert(narrowed, original);
        // The narrowed copy is a view of the original: using it uses both.
        self.body().used.insert(narrowed);
        self.body().used.insert(var);
        Some(Stmt {
            kind: StmtKind::Let(narrowed, value),
            span: span.clone(),
        })
    }
}
