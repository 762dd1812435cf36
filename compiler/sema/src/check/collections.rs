//! Maps and sets: literals, `m[k]`, `k in m`, and the map/set builtins
//! (`keys`, `values`, `entries`, `has_key`, `get`, `remove`, `merge`, `add`,
//! `union`, `intersection`, `difference`, `to_set`, `to_list`, and `len`).

use lumen_diagnostics::Span;
use lumen_syntax::ast;

use super::build::error_expr;
use super::{codes, Checker};
use crate::hir::{CollectionOp, Expr, ExprKind};
use crate::types::{list_of, map_of, optional, set_of, tuple_of, Type};

impl Checker {
    pub(super) fn check_map_literal(
        &mut self,
        m: &ast::MapExpr,
        expected: Option<Type>,
        span: Span,
    ) -> Expr {
        if m.spreads().next().is_some() {
            return self.check_map_spreads(m, expected, span);
        }
        let (want_k, want_v) = match expected {
            Some(Type::Map(k, v)) => (Some(*k), Some(*v)),
            // A map literal where a `Json` is expected is a `map[String, Json]`.
            Some(Type::Json) => (Some(Type::Str), Some(Type::Json)),
            _ => (None, None),
        };
        let mut pairs = Vec::new();
        for entry in m.entries() {
            let (Some(k), Some(v)) = (entry.key(), entry.value()) else {
                continue;
            };
            let key = self.check_expr(&k, want_k);
            let value = self.check_expr(&v, want_v);
            pairs.push((key, value));
        }
        let key_ty = match want_k {
            Some(t) => t,
            None => self.join_all(pairs.iter().map(|(k, _)| k.ty)),
        };
        let value_ty = match want_v {
            Some(t) => t,
            None => self.join_all(pairs.iter().map(|(_, v)| v.ty)),
        };
        // An annotation that failed to resolve was reported already.
        if key_ty == Type::Never && expected.is_some_and(Type::has_error) {
            return error_expr(span);
        }
        // `let s: set[Int] = {}`: `{}` is a map literal (syntax.md §6).
        if key_ty == Type::Never && pairs.is_empty() && matches!(expected, Some(Type::Set(_))) {
            self.error(
                codes::MISMATCHED_TYPES,
                "`{}` is an empty map, not a set",
                span.clone(),
                format!("expected `{}`", expected.unwrap_or(Type::Error)),
            );
            self.push_help("write an empty set as `set[]`".to_string());
            return error_expr(span);
        }
        if key_ty == Type::Never {
            self.error(
                codes::NEEDS_ANNOTATION,
                "the type of an empty map cannot be inferred here",
                span.clone(),
                "add a type annotation",
            );
            self.push_help("for example `let m: map[String, Int] = {}`".to_string());
            return error_expr(span);
        }
        if !self.orderable_key(key_ty, &span) {
            return error_expr(span);
        }
        let pairs = pairs
            .into_iter()
            .map(|(k, v)| {
                let (ks, vs) = (k.span.clone(), v.span.clone());
                (self.coerce(k, key_ty, &ks), self.coerce(v, value_ty, &vs))
            })
            .collect();
        Expr {
            kind: ExprKind::Map(pairs),
            ty: map_of(key_ty, value_ty),
            span,
        }
    }

    pub(super) fn check_set_literal(
        &mut self,
        s: &ast::SetExpr,
        expected: Option<Type>,
        span: Span,
    ) -> Expr {
        let want = match expected {
            Some(Type::Set(e)) => Some(*e),
            _ => None,
        };
        if super::spreads::has_spread(s.elements()) {
            return self.check_set_spreads(s, want, span);
        }
        let mut values = Vec::new();
        for element in s.elements() {
            if let ast::Element::Expr(e) = element {
                values.push(self.check_expr(&e, want));
            }
        }
        let elem = match want {
            Some(t) => t,
            None => self.join_all(values.iter().map(|v| v.ty)),
        };
        // An annotation that failed to resolve was reported already.
        if elem == Type::Never && expected.is_some_and(Type::has_error) {
            return error_expr(span);
        }
        if elem == Type::Never {
            self.error(
                codes::NEEDS_ANNOTATION,
                "the type of an empty set cannot be inferred here",
                span.clone(),
                "add a type annotation",
            );
            self.push_help("for example `let s: set[Int] = set[]`".to_string());
            return error_expr(span);
        }
        if !self.orderable_key(elem, &span) {
            return error_expr(span);
        }
        let values = values
            .into_iter()
            .map(|v| {
                let vs = v.span.clone();
                self.coerce(v, elem, &vs)
            })
            .collect();
        Expr {
            kind: ExprKind::Set(values),
            ty: set_of(elem),
            span,
        }
    }

    fn join_all(&mut self, types: impl Iterator<Item = Type>) -> Type {
        let mut ty = Type::Never;
        for t in types {
            ty = ty.join(t).unwrap_or(Type::Error);
        }
        ty
    }

    /// Map keys and set elements must be ordered (types.md §1).
    pub(super) fn orderable_key(&mut self, ty: Type, span: &Span) -> bool {
        if ty.has_ordering() || ty.has_error() {
            return true;
        }
        self.error(
            codes::BAD_OPERANDS,
            format!("map keys and set elements must have an ordering; `{ty}` has none"),
            span.clone(),
            "not orderable",
        );
        false
    }

    /// `m[k]`: the value or null.
    pub(super) fn map_index(&mut self, map: Expr, index: Expr, span: Span) -> Expr {
        let Type::Map(k, v) = map.ty else {
            return error_expr(span);
        };
        let ispan = index.span.clone();
        let key = self.coerce(index, *k, &ispan);
        Expr {
            kind: ExprKind::Collection(CollectionOp::MapGet, vec![map, key]),
            ty: optional(*v),
            span,
        }
    }

    /// `x in c` / `x not in c` (semantics.md §3): a key of a map, an
    /// element of a set or list, a substring of a string. `x` is evaluated
    /// first, as written.
    pub(super) fn membership(
        &mut self,
        item: Expr,
        collection: Expr,
        negated: bool,
        span: Span,
    ) -> Expr {
        let collection_ty = collection.ty;
        let want = match collection_ty {
            Type::Map(k, _) => *k,
            Type::Set(e) | Type::List(e) => *e,
            Type::Str => Type::Str,
            t if t.has_error() || item.ty.has_error() => return error_expr(span),
            other => {
                self.error(
                    codes::BAD_OPERANDS,
                    format!("`in` needs a list, set, map, string or range, not `{other}`"),
                    collection.span.clone(),
                    "cannot hold elements",
                );
                return error_expr(span);
            }
        };
        let ispan = item.span.clone();
        let item = self.coerce(item, want, &ispan);
        if item.ty.has_error() {
            return error_expr(span);
        }
        // The operands in the order the operation takes them, the item
        // evaluated first.
        let mut operands = vec![collection, item];
        let prelude = self.in_source_order(&mut operands, &[Some(1), Some(0)]);
        let test = match collection_ty {
            Type::Map(..) | Type::Set(_) => {
                let op = if matches!(collection_ty, Type::Map(..)) {
                    CollectionOp::MapHas
                } else {
                    CollectionOp::SetContains
                };
                Expr {
                    kind: ExprKind::Collection(op, operands),
                    ty: Type::Bool,
                    span: span.clone(),
                }
            }
            // `contains(xs, x)` / `contains(s, sub)`.
            _ => self.check_library("contains", operands, span.clone()),
        };
        let test = Self::after_prelude(prelude, test);
        if negated {
            Expr {
                kind: ExprKind::Unary(crate::hir::UnaryOp::Not, Box::new(test)),
                ty: Type::Bool,
                span,
            }
        } else {
            test
        }
    }

    /// A collection builtin, when its first argument is a map or set (or a
    /// list for `to_set`); `None` to let another kind of builtin handle it.
    pub(super) fn collection_builtin(
        &mut self,
        name: &str,
        mut values: Vec<Expr>,
        span: Span,
    ) -> Result<Expr, Vec<Expr>> {
        let first = values.first().map(|v| v.ty);
        let arity = |n: usize, values: &[Expr]| values.len() == n;
        use CollectionOp as C;
        let (op, ty) = match (name, first) {
            ("keys", Some(Type::Map(k, _))) if arity(1, &values) => (C::MapKeys, list_of(*k)),
            ("values", Some(Type::Map(_, v))) if arity(1, &values) => (C::MapValues, list_of(*v)),
            ("entries", Some(Type::Map(k, v))) if arity(1, &values) => {
                (C::MapEntries, list_of(tuple_of(&[*k, *v])))
            }
            ("has_key", Some(Type::Map(k, _))) if arity(2, &values) => {
                self.coerce_arg(&mut values, 1, *k);
                (C::MapHas, Type::Bool)
            }
            ("get", Some(Type::Map(k, v))) if arity(3, &values) => {
                self.coerce_arg(&mut values, 1, *k);
                self.coerce_arg(&mut values, 2, *v);
                // A map whose type is not known yet (an empty map being
                // inferred from `m[k] = get(m, k, default: 0) + 1`): the
                // default says what comes out.
                let out = if v.has_error() { values[2].ty } else { *v };
                (C::MapGetOr, out)
            }
            ("remove", Some(t @ Type::Map(k, _))) if arity(2, &values) => {
                self.coerce_arg(&mut values, 1, *k);
                (C::MapRemove, t)
            }
            ("merge", Some(t @ Type::Map(..))) if arity(2, &values) => {
                self.coerce_arg(&mut values, 1, t);
                (C::MapMerge, t)
            }
            ("add", Some(t @ Type::Set(e))) if arity(2, &values) => {
                self.coerce_arg(&mut values, 1, *e);
                (C::SetAdd, t)
            }
            ("remove", Some(t @ Type::Set(e))) if arity(2, &values) => {
                self.coerce_arg(&mut values, 1, *e);
                (C::SetRemove, t)
            }
            ("contains", Some(Type::Set(e))) if arity(2, &values) => {
                self.coerce_arg(&mut values, 1, *e);
                (C::SetContains, Type::Bool)
            }
            ("union", Some(t @ Type::Set(_))) if arity(2, &values) => {
                self.coerce_arg(&mut values, 1, t);
                (C::SetUnion, t)
            }
            ("intersection", Some(t @ Type::Set(_))) if arity(2, &values) => {
                self.coerce_arg(&mut values, 1, t);
                (C::SetIntersection, t)
            }
            ("difference", Some(t @ Type::Set(_))) if arity(2, &values) => {
                self.coerce_arg(&mut values, 1, t);
                (C::SetDifference, t)
            }
            ("to_list", Some(Type::Set(e))) if arity(1, &values) => (C::SetToList, list_of(*e)),
            ("to_set", Some(Type::List(e))) if arity(1, &values) => {
                if !self.orderable_key(*e, &span) {
                    return Ok(error_expr(span));
                }
                (C::ListToSet, set_of(*e))
            }
            _ => return Err(values),
        };
        Ok(Expr {
            kind: ExprKind::Collection(op, values),
            ty,
            span,
        })
    }

    fn coerce_arg(&mut self, values: &mut [Expr], i: usize, ty: Type) {
        let v = std::mem::replace(&mut values[i], error_expr(0..0));
        let vspan = v.span.clone();
        values[i] = self.coerce(v, ty, &vspan);
    }
}
