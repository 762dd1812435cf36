//! An argument of a builtin whose checking depends on the other arguments
//! (`map(xs, fn(x) => …)`: the lambda is checked against the list's element
//! type). It is either syntax, checked when its expected type is known, or a
//! value already checked — the parameters of the closure made when such a
//! builtin is used as a function value (`map(results, unwrap)`).

use lumen_diagnostics::Span;
use lumen_syntax::ast;

use super::{span_of, Checker};
use crate::hir::Expr;
use crate::types::Type;

#[derive(Clone)]
pub(crate) enum ArgSource {
    Syntax(ast::Expr),
    Value(Expr),
}

impl ArgSource {
    pub(crate) fn span(&self) -> Span {
        match self {
            ArgSource::Syntax(e) => span_of(e),
            ArgSource::Value(v) => v.span.clone(),
        }
    }
}

impl Checker {
    /// The checked argument (`expected` guides syntax; a value is as it is).
    pub(crate) fn check_arg(&mut self, arg: &ArgSource, expected: Option<Type>) -> Expr {
        match arg {
            ArgSource::Syntax(e) => self.check_expr(e, expected),
            ArgSource::Value(v) => v.clone(),
        }
    }
}
