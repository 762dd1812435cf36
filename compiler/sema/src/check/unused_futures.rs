//! The warning for a future nobody uses (async.md §7: "a future that is
//! created and never awaited, inspected or passed on"), W0005.
//!
//! Two shapes lose a future: an expression statement that creates one and
//! drops it (`spawn(work())` alone on its line), and a variable holding one
//! that is never read. Every way of using a future — `await`, `.state`,
//! `.is_done()`, `.cancel()`, passing it to a call, storing it, returning it
//! — reads the variable, so "never read" is the same test as the unused
//! variable warning; for a variable whose type holds a future, W0005 is
//! given instead of W0001, never both. As with W0001, a name starting with
//! `_` (and `let _ = spawn(…)`) says the task is meant to run on its own.
//!
//! The task still runs: this is a warning, and tasks still pending when
//! `main` returns are cancelled (async.md §1), which is what the help says.

use lumen_diagnostics::{Diagnostic, Span};

use super::{codes, Checker};
use crate::hir::{Expr, ExprKind, Type};

/// Whether a value of type `t` carries a future that could be awaited:
/// a future, or a list, set, map value, tuple or union holding one.
pub(super) fn holds_future(t: Type) -> bool {
    match t {
        Type::Future(_) => true,
        Type::List(e) | Type::Set(e) => holds_future(*e),
        Type::Map(_, v) => holds_future(*v),
        Type::Tuple(members) | Type::Union(members) => members.iter().any(|m| holds_future(*m)),
        _ => false,
    }
}

impl Checker {
    /// W0005 for an expression statement whose value, a new future, is
    /// dropped. Reading a variable or a field creates nothing, so a
    /// statement that only names a future is not reported here (the
    /// variable counts as read).
    pub(super) fn warn_discarded_future(&mut self, e: &Expr) {
        if !holds_future(e.ty) || e.ty.has_error() {
            return;
        }
        if matches!(
            e.kind,
            ExprKind::Var(_) | ExprKind::Field(..) | ExprKind::Index(..)
        ) {
            return;
        }
        self.push_diagnostic(
            Diagnostic::warning(
                codes::UNUSED_FUTURE,
                "a future that is never awaited, inspected or passed on",
                e.span.clone(),
                "the future this creates is dropped",
            )
            .with_help(
                "`await` it, or write `let _task = …` if the task is meant to run on its own \
                 (a task still pending when `main` returns is cancelled)",
            ),
        );
    }

    /// W0005 for a variable holding a future (or a collection of them)
    /// that is never read.
    pub(super) fn warn_unused_future_var(&mut self, name: &str, ty: Type, span: Span) {
        let message = if matches!(ty, Type::Future(_)) {
            format!("future `{name}` is never awaited, inspected or passed on")
        } else {
            format!("`{name}` holds futures that are never awaited, inspected or passed on")
        };
        self.push_diagnostic(
            Diagnostic::warning(codes::UNUSED_FUTURE, message, span, "never read").with_help(
                format!(
                    "`await {name}`, or name it `_{name}` if the task is meant to run on its own \
                     (a task still pending when `main` returns is cancelled)"
                ),
            ),
        );
    }
}
