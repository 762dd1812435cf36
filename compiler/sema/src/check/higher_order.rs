//! Higher-order list builtins (`map`, `filter`, `reduce`/`fold`, `any`,
//! `all`, `count`, `find`, `position`, `flat_map`, `sort_by`, `partition`,
//! `group_by`, `sort_with`): their function
//! argument is checked against the function type the list implies, so lambda
//! parameters need no annotations (`map(xs, fn(x) => x * 2)`), and arguments
//! that are not lambdas are checked first (types.md §2).

use lumen_diagnostics::Span;
use lumen_syntax::ast;

use super::arg_source::ArgSource;
use super::build::error_expr;
use super::{codes, Checker};
use crate::hir::{Expr, ExprKind, HigherOrder};
use crate::types::{fn_type, list_of, map_of, optional, tuple_of, Type};

impl Checker {
    pub(super) fn check_higher_order(
        &mut self,
        name: &str,
        args: &[ast::Arg],
        piped: Option<Expr>,
        span: Span,
    ) -> Expr {
        let mut sources: Vec<ArgSource> = Vec::new();
        for arg in args {
            if let Some(v) = arg.value() {
                sources.push(ArgSource::Syntax(v));
            }
        }
        self.higher_order(name, sources, piped, span)
    }

    /// A higher-order builtin on its arguments (see [`ArgSource`]).
    pub(super) fn higher_order(
        &mut self,
        name: &str,
        syntax: Vec<ArgSource>,
        piped: Option<Expr>,
        span: Span,
    ) -> Expr {
        let is_reduce = matches!(name, "reduce" | "fold");
        let wanted = if is_reduce { 3 } else { 2 };
        let given = syntax.len() + usize::from(piped.is_some());
        if given != wanted {
            self.error(
                codes::BAD_ARGUMENTS,
                format!(
                    "`{name}` takes {wanted} arguments but {given} {} given",
                    if given == 1 { "was" } else { "were" }
                ),
                span.clone(),
                "wrong number of arguments",
            );
            return error_expr(span);
        }
        let mut rest = syntax.iter();
        let list = match piped {
            Some(p) => p,
            None => match rest.next() {
                Some(e) => self.check_arg(e, None),
                None => return error_expr(span),
            },
        };
        let Some(func_syntax) = rest.next().cloned() else {
            return error_expr(span);
        };
        let init_syntax = rest.next().cloned();
        let elem = match list.ty {
            Type::List(e) => *e,
            t if t.has_error() => return error_expr(span),
            other => {
                self.error(
                    codes::MISMATCHED_TYPES,
                    format!("`{name}` needs a list, not `{other}`"),
                    list.span.clone(),
                    "not a list",
                );
                return error_expr(span);
            }
        };
        // The accumulator of reduce is known from `init`, checked first.
        let init = init_syntax.map(|e| self.check_arg(&e, None));
        let acc = init.as_ref().map(|i| i.ty).unwrap_or(Type::Error);
        let (op, expected, result): (HigherOrder, Type, Option<Type>) = match name {
            "map" => (HigherOrder::Map, fn_type(vec![elem], Type::Error), None),
            "flat_map" => (HigherOrder::FlatMap, fn_type(vec![elem], Type::Error), None),
            "filter" => (
                HigherOrder::Filter,
                fn_type(vec![elem], Type::Bool),
                Some(list.ty),
            ),
            "any" => (
                HigherOrder::Any,
                fn_type(vec![elem], Type::Bool),
                Some(Type::Bool),
            ),
            "all" => (
                HigherOrder::All,
                fn_type(vec![elem], Type::Bool),
                Some(Type::Bool),
            ),
            "count" => (
                HigherOrder::Count,
                fn_type(vec![elem], Type::Bool),
                Some(Type::Int),
            ),
            "find" => (
                HigherOrder::Find,
                fn_type(vec![elem], Type::Bool),
                Some(optional(elem)),
            ),
            "position" => (
                HigherOrder::Position,
                fn_type(vec![elem], Type::Bool),
                Some(Type::Int),
            ),
            "sort_by" => (
                HigherOrder::SortBy,
                fn_type(vec![elem], Type::Error),
                Some(list.ty),
            ),
            "partition" => (
                HigherOrder::Partition,
                fn_type(vec![elem], Type::Bool),
                Some(tuple_of(&[list.ty, list.ty])),
            ),
            "group_by" => (HigherOrder::GroupBy, fn_type(vec![elem], Type::Error), None),
            "sort_with" => (
                HigherOrder::SortWith,
                fn_type(vec![elem, elem], Type::Int),
                Some(list.ty),
            ),
            _ => (
                HigherOrder::Reduce,
                fn_type(vec![acc, elem], acc),
                Some(acc),
            ),
        };
        let func = self.check_arg(&func_syntax, Some(expected));
        let fspan = func_syntax.span();
        let Type::Fn(sig) = func.ty else {
            if !func.ty.has_error() {
                self.error(
                    codes::MISMATCHED_TYPES,
                    format!("`{name}` needs a function, not `{}`", func.ty),
                    fspan,
                    "not a function",
                );
            }
            return error_expr(span);
        };
        let params_ok = match op {
            HigherOrder::Reduce => {
                sig.params.len() == 2 && elem.fits(sig.params[1]) && acc.fits(sig.params[0])
            }
            HigherOrder::SortWith => {
                sig.params.len() == 2 && elem.fits(sig.params[0]) && elem.fits(sig.params[1])
            }
            _ => sig.params.len() == 1 && elem.fits(sig.params[0]),
        };
        let ret_ok = match op {
            HigherOrder::Map | HigherOrder::SortBy | HigherOrder::GroupBy => true,
            HigherOrder::SortWith => sig.ret.fits(Type::Int),
            HigherOrder::FlatMap => matches!(sig.ret, Type::List(_)) || sig.ret.has_error(),
            HigherOrder::Reduce => sig.ret.fits(acc),
            _ => sig.ret.fits(Type::Bool),
        };
        if !params_ok || !ret_ok {
            self.error(
                codes::MISMATCHED_TYPES,
                "mismatched types",
                fspan,
                format!("expected a function like `{expected}`, found `{}`", func.ty)
                    .replace("{unknown}", "_"),
            );
            return error_expr(span);
        }
        if op == HigherOrder::SortBy && !sig.ret.has_ordering() && !sig.ret.has_error() {
            self.error(
                codes::BAD_OPERANDS,
                format!(
                    "`sort_by` needs keys that can be ordered, not `{}`",
                    sig.ret
                ),
                fspan,
                "no ordering",
            );
            return error_expr(span);
        }
        if op == HigherOrder::GroupBy && !sig.ret.has_ordering() && !sig.ret.has_error() {
            self.error(
                codes::BAD_OPERANDS,
                format!(
                    "`group_by` needs keys that can be ordered (they become map keys), not `{}`",
                    sig.ret
                ),
                fspan,
                "no ordering",
            );
            return error_expr(span);
        }
        let ty = match (op, result) {
            (HigherOrder::Map, _) => list_of(sig.ret),
            (HigherOrder::GroupBy, _) => map_of(sig.ret, list.ty),
            (HigherOrder::FlatMap, _) => sig.ret,
            (_, Some(t)) => t,
            _ => Type::Error,
        };
        Expr {
            kind: ExprKind::HigherOrder {
                op,
                list: Box::new(list),
                func: Box::new(func),
                init: init.map(Box::new),
            },
            ty,
            span,
        }
    }
}
