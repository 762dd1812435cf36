//! Typing of operators (`semantics.md` §2–§4, `types.md` §2): which operand
//! types each operator accepts, the result type, and Int → Float widening.

use lumen_diagnostics::Span;
use lumen_syntax::ast;
use lumen_syntax::ast::BinaryOp as AstOp;

use super::build::error_expr;
use super::build::widen;
use super::{codes, Checker};
use crate::hir::{BinaryOp, Expr, ExprKind, Type, UnaryOp};

impl Checker {
    pub(super) fn check_binary(&mut self, b: &ast::BinExpr, span: Span) -> Expr {
        let (Some(lhs), Some(rhs), Some(op)) = (b.lhs(), b.rhs(), b.op()) else {
            return error_expr(span);
        };
        if op == AstOp::Pipe {
            return self.check_pipe(&lhs, &rhs, span);
        }
        if matches!(op, AstOp::In | AstOp::NotIn) {
            if let ast::Expr::Range(r) = &rhs {
                // `x in a..b`: a comparison, no list is built.
                let item = self.check_expr(&lhs, Some(Type::Int));
                let item_span = item.span.clone();
                let item = self.expect_type(
                    item,
                    Type::Int,
                    &item_span,
                    "range membership tests an `Int`",
                );
                return self.range_membership(item, r, op == AstOp::NotIn, span);
            }
            let item = self.check_expr(&lhs, None);
            let collection = self.check_expr(&rhs, None);
            return self.membership(item, collection, op == AstOp::NotIn, span);
        }
        if op == AstOp::Coalesce {
            let value = self.check_expr(&lhs, None);
            return self.coalesce(value, &super::arg_source::ArgSource::Syntax(rhs), span);
        }
        match op {
            AstOp::And | AstOp::Or => {
                let l = self.check_expr(&lhs, Some(Type::Bool));
                let l = self.expect_type(
                    l,
                    Type::Bool,
                    &super::span_of(&lhs),
                    "`and`/`or` take `Bool` operands",
                );
                // The right operand runs only when the left one is true
                // (`and`) or false (`or`): it sees what that says of a
                // variable (`x != null and x > 3`).
                let narrowing = self.narrowing_of(&l).map(|n| {
                    let ty = if op == AstOp::And {
                        n.when_true
                    } else {
                        n.when_false
                    };
                    (n.var, ty)
                });
                let rspan = super::span_of(&rhs);
                let r = self.in_narrowed(narrowing, &rspan, |this| {
                    let r = this.check_expr(&rhs, Some(Type::Bool));
                    this.expect_type(r, Type::Bool, &rspan, "`and`/`or` take `Bool` operands")
                });
                let kind = if op == AstOp::And {
                    ExprKind::And(Box::new(l), Box::new(r))
                } else {
                    ExprKind::Or(Box::new(l), Box::new(r))
                };
                return Expr {
                    kind,
                    ty: Type::Bool,
                    span,
                };
            }
            _ => {}
        }
        let Some(bin) = binary_op(op) else {
            let text = b
                .op_token()
                .map(|t| t.text().to_string())
                .unwrap_or_default();
            self.not_supported(&format!("the operator `{text}`"), span.clone());
            return error_expr(span);
        };
        // An empty literal compared with (or joined to) a collection takes
        // the other side's type: `flags == []`, `[] == flags`.
        let typed_by_other = |t: Type| {
            matches!(bin, BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Concat)
                && matches!(t, Type::List(_) | Type::Map(..) | Type::Set(_))
        };
        let (l, r) = if is_empty_literal(&lhs) {
            let r = self.check_expr(&rhs, None);
            let hint = typed_by_other(r.ty).then_some(r.ty);
            (self.check_expr(&lhs, hint), r)
        } else {
            let l = self.check_expr(&lhs, None);
            // `xs ++ [1]` on an empty list whose type is being inferred
            // (`channel_inference`): the right side's elements give it.
            let inferring = bin == BinaryOp::Concat && self.is_pending_list(&l);
            // `j == {"a": [1]}`: a literal compared with a `Json` is a `Json`.
            // (The list or map it becomes is then injected below.)
            let hint = if matches!(bin, BinaryOp::Eq | BinaryOp::Ne) && l.ty == Type::Json {
                Some(Type::Json)
            } else if inferring {
                None
            } else {
                typed_by_other(l.ty).then_some(l.ty)
            };
            let r = self.check_expr(&rhs, hint);
            if let (true, Type::List(elem)) = (inferring, r.ty) {
                self.list_use(&l, *elem);
            }
            (l, r)
        };
        // `x == null` / `x != null` test for null (and narrow `x`).
        if matches!(bin, BinaryOp::Eq | BinaryOp::Ne) {
            let negated = bin == BinaryOp::Ne;
            if r.ty == Type::Null && l.ty != Type::Null {
                return self.member_test(l, Type::Null, negated, span);
            }
            if l.ty == Type::Null && r.ty != Type::Null {
                return self.member_test(r, Type::Null, negated, span);
            }
        }
        // A union compared with one of its members: compare as the union.
        let equality = matches!(bin, BinaryOp::Eq | BinaryOp::Ne);
        let (l, r) = match (l.ty, r.ty) {
            _ if !equality => (l, r),
            (u, t) if u.union_members().is_some() && t != u && t.union_members().is_none() => {
                let rspan = r.span.clone();
                let lty = l.ty;
                let r = self.inject(r.clone(), lty, &rspan).unwrap_or(r);
                (l, r)
            }
            (t, u) if u.union_members().is_some() && t != u && t.union_members().is_none() => {
                let lspan = l.span.clone();
                let rty = r.ty;
                let l = self.inject(l.clone(), rty, &lspan).unwrap_or(l);
                (l, r)
            }
            _ => (l, r),
        };
        self.binary(bin, l, r, span)
    }

    /// Types a binary operation on checked operands.
    pub(crate) fn binary(&mut self, op: BinaryOp, l: Expr, r: Expr, span: Span) -> Expr {
        use BinaryOp as B;
        let (lt, rt) = (l.ty, r.ty);
        if matches!(lt, Type::Error) || matches!(rt, Type::Error) {
            return error_expr(span);
        }
        let numeric = lt.is_numeric() && rt.is_numeric();
        // Set algebra: `a | b`, `a & b`, `a - b` (semantics.md §5).
        if let (Type::Set(_), true) = (lt, lt == rt) {
            let cop = match op {
                B::BitOr => Some(crate::hir::CollectionOp::SetUnion),
                B::BitAnd => Some(crate::hir::CollectionOp::SetIntersection),
                B::Sub => Some(crate::hir::CollectionOp::SetDifference),
                _ => None,
            };
            if let Some(cop) = cop {
                return Expr {
                    kind: ExprKind::Collection(cop, vec![l, r]),
                    ty: lt,
                    span,
                };
            }
        }
        let result = |kind_op: BinaryOp, l: Expr, r: Expr, ty: Type| Expr {
            kind: ExprKind::Binary(kind_op, Box::new(l), Box::new(r)),
            ty,
            span: span.clone(),
        };
        match op {
            B::Add if lt == Type::Str && rt == Type::Str => result(B::Concat, l, r, Type::Str),
            B::Concat if lt == Type::Str && rt == Type::Str => result(B::Concat, l, r, Type::Str),
            B::Concat if matches!(lt, Type::List(_)) && lt == rt => result(B::Concat, l, r, lt),
            B::Add | B::Concat if lt == Type::Bytes && rt == Type::Bytes => {
                result(B::Concat, l, r, Type::Bytes)
            }
            B::Add | B::Sub | B::Mul | B::Div | B::FloorDiv | B::Mod | B::Pow if numeric => {
                if lt == Type::Int && rt == Type::Int {
                    result(op, l, r, Type::Int)
                } else {
                    result(op, widen_if_int(l), widen_if_int(r), Type::Float)
                }
            }
            B::Shl | B::Shr | B::BitAnd | B::BitOr | B::BitXor
                if lt == Type::Int && rt == Type::Int =>
            {
                result(op, l, r, Type::Int)
            }
            B::Eq | B::Ne => {
                // Results whose unknown sides differ: compare at their join.
                if let (Type::Result(..), Type::Result(..), Some(j)) = (lt, rt, lt.join(rt)) {
                    if lt != rt {
                        let (l, r) = (Expr { ty: j, ..l }, Expr { ty: j, ..r });
                        return result(op, l, r, Type::Bool);
                    }
                }
                if numeric {
                    let (l, r) = widen_pair(l, r);
                    result(op, l, r, Type::Bool)
                } else if lt == rt && lt != Type::Never {
                    result(op, l, r, Type::Bool)
                } else {
                    self.bad_operands(op, lt, rt, &span);
                    error_expr(span)
                }
            }
            B::Lt | B::Le | B::Gt | B::Ge => {
                if numeric {
                    let (l, r) = widen_pair(l, r);
                    result(op, l, r, Type::Bool)
                } else if lt == rt && lt.has_ordering() {
                    result(op, l, r, Type::Bool)
                } else {
                    self.bad_operands(op, lt, rt, &span);
                    error_expr(span)
                }
            }
            _ => {
                self.bad_operands(op, lt, rt, &span);
                error_expr(span)
            }
        }
    }

    fn bad_operands(&mut self, op: BinaryOp, lt: Type, rt: Type, span: &Span) {
        let sym = op_symbol(op);
        self.error(
            codes::BAD_OPERANDS,
            format!("cannot apply `{sym}` to `{lt}` and `{rt}`"),
            span.clone(),
            format!("`{lt}` {sym} `{rt}` is not defined"),
        );
        if lt.admits_null() || rt.admits_null() {
            self.push_help(
                "a value that may be null must be handled first: `x ?? default`, `x!`, or `if x != null`".to_string(),
            );
        } else if matches!(op, BinaryOp::Add | BinaryOp::Concat)
            && (lt == Type::Bytes || rt == Type::Bytes)
        {
            self.push_help(
                "`+` joins two `Bytes`; convert with `bytes(s)` or `from_utf8(b)` first"
                    .to_string(),
            );
        } else if matches!(op, BinaryOp::Add | BinaryOp::Concat)
            && (lt == Type::Str || rt == Type::Str)
        {
            self.push_help("use interpolation (`\"n={n}\"`) or `to_string(…)` to combine text with other values".to_string());
        } else if matches!(
            op,
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
        ) {
            self.push_help(
                "ordering is defined on numbers, strings, `Bytes` and `Bool`".to_string(),
            );
        }
    }

    pub(crate) fn unary(&mut self, op: UnaryOp, value: Expr, span: Span) -> Expr {
        let ty = value.ty;
        let ok = match op {
            UnaryOp::Neg => ty.is_numeric(),
            UnaryOp::Not => ty == Type::Bool,
            UnaryOp::BitNot => ty == Type::Int,
        };
        if ty == Type::Error {
            return error_expr(span);
        }
        if !ok {
            let (sym, wants) = match op {
                UnaryOp::Neg => ("-", "a number"),
                UnaryOp::Not => ("not", "a `Bool`"),
                UnaryOp::BitNot => ("~", "an `Int`"),
            };
            self.error(
                codes::BAD_OPERANDS,
                format!("cannot apply `{sym}` to `{ty}`"),
                span.clone(),
                format!("expected {wants}"),
            );
            return error_expr(span);
        }
        // Fold negation of a Float literal so `-1.25` is a constant.
        if let (UnaryOp::Neg, ExprKind::Float(v)) = (op, &value.kind) {
            return Expr {
                kind: ExprKind::Float(-v),
                ty,
                span,
            };
        }
        Expr {
            kind: ExprKind::Unary(op, Box::new(value)),
            ty,
            span,
        }
    }
}

fn widen_if_int(e: Expr) -> Expr {
    if e.ty == Type::Int {
        widen(e)
    } else {
        e
    }
}

fn widen_pair(l: Expr, r: Expr) -> (Expr, Expr) {
    if l.ty == r.ty {
        (l, r)
    } else {
        (widen_if_int(l), widen_if_int(r))
    }
}

/// The HIR operator of a syntax operator (`None` for the forms this version
/// does not compile yet: pipes, `??`, `in`).
pub(crate) fn binary_op(op: AstOp) -> Option<BinaryOp> {
    Some(match op {
        AstOp::Add => BinaryOp::Add,
        AstOp::Sub => BinaryOp::Sub,
        AstOp::Mul => BinaryOp::Mul,
        AstOp::Div => BinaryOp::Div,
        AstOp::FloorDiv => BinaryOp::FloorDiv,
        AstOp::Rem => BinaryOp::Mod,
        AstOp::Pow => BinaryOp::Pow,
        AstOp::Shl => BinaryOp::Shl,
        AstOp::Shr => BinaryOp::Shr,
        AstOp::BitAnd => BinaryOp::BitAnd,
        AstOp::BitOr => BinaryOp::BitOr,
        AstOp::BitXor => BinaryOp::BitXor,
        AstOp::Eq => BinaryOp::Eq,
        AstOp::Ne => BinaryOp::Ne,
        AstOp::Lt => BinaryOp::Lt,
        AstOp::Le => BinaryOp::Le,
        AstOp::Gt => BinaryOp::Gt,
        AstOp::Ge => BinaryOp::Ge,
        AstOp::Concat => BinaryOp::Concat,
        AstOp::Compose
        | AstOp::Pipe
        | AstOp::Coalesce
        | AstOp::Or
        | AstOp::And
        | AstOp::In
        | AstOp::NotIn => return None,
    })
}

fn op_symbol(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        BinaryOp::Mul => "*",
        BinaryOp::Div => "/",
        BinaryOp::FloorDiv => "//",
        BinaryOp::Mod => "%",
        BinaryOp::Pow => "**",
        BinaryOp::Shl => "<<",
        BinaryOp::Shr => ">>",
        BinaryOp::BitAnd => "&",
        BinaryOp::BitOr => "|",
        BinaryOp::BitXor => "^",
        BinaryOp::Eq => "==",
        BinaryOp::Ne => "!=",
        BinaryOp::Lt => "<",
        BinaryOp::Le => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::Ge => ">=",
        BinaryOp::Concat => "++",
    }
}

/// `[]` or `{}`: a literal whose type only its context can give.
fn is_empty_literal(e: &ast::Expr) -> bool {
    use lumen_syntax::ast::AstNode;
    match e {
        ast::Expr::List(_) | ast::Expr::Map(_) => {
            // Only the brackets: no element, entry or spread inside.
            !e.syntax()
                .children()
                .any(|c| c.kind() != lumen_syntax::SyntaxKind::COMMENT)
        }
        _ => false,
    }
}
