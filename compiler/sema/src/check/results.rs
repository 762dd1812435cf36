//! `result[T, E]`: `ok(v)` / `err(e)`, postfix `?`, `ok(…)`/`err(…)` patterns
//! and the result builtins (`is_ok`, `is_err`, `unwrap`, `unwrap_or`,
//! `unwrap_err`, `map_ok`, `map_err`; `unwrap`/`unwrap_or` also on `T?`).
//!
//! A result value whose other side is not known yet (`ok(1)` with nothing
//! expected) has `Never` there; it fits any result with the same known side
//! (`result[Int, Never]` is accepted as `result[Int, String]`). All results
//! share one representation, so that acceptance needs no conversion.

use lumen_diagnostics::Span;
use lumen_syntax::ast;

use super::arg_source::ArgSource;
use super::build::error_expr;
use super::{codes, span_of, Checker};
use crate::hir::{Expr, ExprKind, ResultOp};
use crate::types::{fn_type, result_of, Type};

impl Checker {
    /// `ok(v)` / `err(e)`.
    pub(super) fn check_result_ctor(
        &mut self,
        is_ok: bool,
        args: &[ast::Arg],
        expected: Option<Type>,
        span: Span,
    ) -> Expr {
        let (want_ok, want_err) = match expected {
            Some(Type::Result(t, e)) => (Some(*t), Some(*e)),
            _ => (None, None),
        };
        let values: Vec<ast::Expr> = args.iter().filter_map(|a| a.value()).collect();
        if values.len() != 1 || args.iter().any(|a| a.name().is_some()) {
            self.error(
                codes::BAD_ARGUMENTS,
                format!(
                    "`{}` takes exactly one positional argument",
                    if is_ok { "ok" } else { "err" }
                ),
                span.clone(),
                "wrong arguments",
            );
            return error_expr(span);
        }
        let want = if is_ok { want_ok } else { want_err };
        let value = self.check_expr(&values[0], want.filter(|t| *t != Type::Never));
        let value = match want {
            Some(t) if t != Type::Never => self.coerce(value, t, &span_of(&values[0])),
            _ => value,
        };
        let ty = if is_ok {
            result_of(value.ty, want_err.unwrap_or(Type::Never))
        } else {
            result_of(want_ok.unwrap_or(Type::Never), value.ty)
        };
        Expr {
            kind: ExprKind::ResultNew(is_ok, Box::new(value)),
            ty,
            span,
        }
    }

    /// `e?`: the ok value, or return the err from the enclosing cell.
    pub(super) fn check_propagate(&mut self, value: Expr, span: Span) -> Expr {
        let Type::Result(t, e) = value.ty else {
            if !value.ty.has_error() {
                self.error(
                    codes::MISMATCHED_TYPES,
                    format!("`?` needs a `result`, not `{}`", value.ty),
                    value.span.clone(),
                    "not a result",
                );
                if value.ty.admits_null() {
                    self.push_help(
                        "for a value that may be null use `x!` or `x ?? default`".to_string(),
                    );
                }
            }
            return error_expr(span);
        };
        let ret = self.body().expected_ret;
        match ret {
            Some(Type::Result(_, re)) if e.holds_as(*re) => {}
            Some(r) if r.has_error() => {}
            other => {
                let shown = other.map_or("nothing declared".to_string(), |t| format!("`{t}`"));
                self.error(
                    codes::MISMATCHED_TYPES,
                    "`?` returns the error from the enclosing cell, which must return a compatible `result`",
                    span.clone(),
                    format!("the error is `{e}`, the cell returns {shown}"),
                );
                return error_expr(span);
            }
        }
        Expr {
            kind: ExprKind::Propagate(Box::new(value)),
            ty: *t,
            span,
        }
    }

    /// The result builtins (and `unwrap`/`unwrap_or` on optionals).
    pub(super) fn check_result_builtin(
        &mut self,
        name: &str,
        args: &[ast::Arg],
        piped: Option<Expr>,
        span: Span,
    ) -> Expr {
        let sources = args
            .iter()
            .filter_map(|a| a.value())
            .map(ArgSource::Syntax)
            .collect();
        self.result_builtin(name, sources, piped, span)
    }

    /// A result builtin on its arguments (see [`ArgSource`]).
    pub(super) fn result_builtin(
        &mut self,
        name: &str,
        sources: Vec<ArgSource>,
        piped: Option<Expr>,
        span: Span,
    ) -> Expr {
        let mut rest = sources.iter();
        let subject = match piped {
            Some(p) => p,
            None => match rest.next() {
                Some(e) => self.check_arg(e, None),
                None => {
                    self.error(
                        codes::BAD_ARGUMENTS,
                        format!("`{name}` needs an argument"),
                        span.clone(),
                        "missing argument",
                    );
                    return error_expr(span);
                }
            },
        };
        let extra: Vec<ArgSource> = rest.cloned().collect();
        let wanted = match name {
            "unwrap_or" | "map_ok" | "map_err" => 1,
            _ => 0,
        };
        if extra.len() != wanted {
            self.error(
                codes::BAD_ARGUMENTS,
                format!("`{name}` takes {} argument(s)", wanted + 1),
                span.clone(),
                "wrong number of arguments",
            );
            return error_expr(span);
        }
        if subject.ty.has_error() {
            return error_expr(span);
        }
        // `unwrap`/`unwrap_or` on `T?`.
        if subject.ty.admits_null() && matches!(name, "unwrap" | "unwrap_or") {
            if name == "unwrap" {
                return self.unwrap_null(subject, true, span);
            }
            return self.coalesce(subject, &extra[0], span);
        }
        let Type::Result(t, e) = subject.ty else {
            self.error(
                codes::MISMATCHED_TYPES,
                format!("`{name}` needs a `result`, not `{}`", subject.ty),
                subject.span.clone(),
                "not a result",
            );
            return error_expr(span);
        };
        let (op, ty, arg) = match name {
            "is_ok" => (ResultOp::IsOk, Type::Bool, None),
            "is_err" => (ResultOp::IsErr, Type::Bool, None),
            "unwrap" => (ResultOp::Unwrap, *t, None),
            "unwrap_err" => (ResultOp::UnwrapErr, *e, None),
            "unwrap_or" => {
                let d = self.check_arg(&extra[0], Some(*t));
                let d = self.coerce(d, *t, &extra[0].span());
                (ResultOp::UnwrapOr, *t, Some(d))
            }
            _ => {
                let map_ok = name == "map_ok";
                let input = if map_ok { *t } else { *e };
                let f = self.check_arg(&extra[0], Some(fn_type(vec![input], Type::Error)));
                let Type::Fn(sig) = f.ty else {
                    if !f.ty.has_error() {
                        self.error(
                            codes::MISMATCHED_TYPES,
                            format!("`{name}` needs a function"),
                            f.span.clone(),
                            "not a function",
                        );
                    }
                    return error_expr(span);
                };
                if sig.params.len() != 1 || !input.fits(sig.params[0]) {
                    self.error(
                        codes::MISMATCHED_TYPES,
                        "mismatched types",
                        f.span.clone(),
                        format!("expected a function taking `{input}`, found `{}`", f.ty),
                    );
                    return error_expr(span);
                }
                let ty = if map_ok {
                    result_of(sig.ret, *e)
                } else {
                    result_of(*t, sig.ret)
                };
                (
                    if map_ok {
                        ResultOp::MapOk
                    } else {
                        ResultOp::MapErr
                    },
                    ty,
                    Some(f),
                )
            }
        };
        let mut operands = vec![subject];
        operands.extend(arg);
        Expr {
            kind: ExprKind::ResultOp(op, operands),
            ty,
            span,
        }
    }
}
