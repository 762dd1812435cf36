//! `sleep`, channels (`channel()`, `channel(n)`, `send`, `receive`,
//! `close`, `len`, async.md §5.4–5.5) and the methods of futures
//! (`is_done`, `cancel`, async.md §3).

use lumen_diagnostics::Span;
use lumen_syntax::ast;

use super::build::error_expr;
use super::build::{expr, optional};
use super::{codes, Checker};
use crate::hir::{self, AsyncOp, Expr, ExprKind};
use crate::types::{channel_of, Type};

impl Checker {
    /// `sleep(ms)` and `channel()` / `channel(n)`; `None` for other names.
    pub(super) fn async_builtin(
        &mut self,
        name: &str,
        args: &[ast::Arg],
        expected: Option<Type>,
        span: &Span,
    ) -> Option<Expr> {
        let values: Vec<ast::Expr> = args.iter().filter_map(|a| a.value()).collect();
        match name {
            "sleep" => {
                if values.len() != 1 {
                    self.error(
                        codes::ASYNC_FORM,
                        "`sleep` takes one argument: milliseconds",
                        span.clone(),
                        "expected `sleep(ms)`",
                    );
                    return Some(error_expr(span.clone()));
                }
                let ms = self.check_expr(&values[0], Some(Type::Int));
                let ms =
                    self.expect_type(ms, Type::Int, span, "`sleep` takes milliseconds (`Int`)");
                Some(expr(
                    ExprKind::Async(AsyncOp::Sleep, vec![ms]),
                    Type::Null,
                    span,
                ))
            }
            "channel" => {
                let elem = match expected {
                    Some(Type::Channel(t)) => *t,
                    _ => {
                        self.error(
                            codes::NEEDS_ANNOTATION,
                            "the element type of this channel cannot be inferred",
                            span.clone(),
                            "nothing sends to it or passes it where a `Channel[T]` is declared",
                        );
                        self.push_help(
                            "annotate it: `let ch: Channel[Int] = channel()`".to_string(),
                        );
                        return Some(error_expr(span.clone()));
                    }
                };
                let ty = channel_of(elem);
                match values.as_slice() {
                    [] => Some(expr(
                        ExprKind::Async(AsyncOp::ChannelNew, Vec::new()),
                        ty,
                        span,
                    )),
                    [n] => {
                        let n = self.check_expr(n, Some(Type::Int));
                        let n = self.expect_type(
                            n,
                            Type::Int,
                            span,
                            "a channel's capacity is an `Int`",
                        );
                        Some(expr(
                            ExprKind::Async(AsyncOp::ChannelBounded, vec![n]),
                            ty,
                            span,
                        ))
                    }
                    _ => {
                        self.error(
                            codes::ASYNC_FORM,
                            "`channel` takes at most one argument",
                            span.clone(),
                            "expected `channel()` or `channel(n)`",
                        );
                        Some(error_expr(span.clone()))
                    }
                }
            }
            _ => None,
        }
    }

    /// `future.is_done()`, `future.cancel()`, `ch.send(v)`, `ch.receive()`,
    /// `ch.close()`, `ch.len()`.
    pub(super) fn async_method(
        &mut self,
        receiver: Expr,
        name: &str,
        args: &[ast::Arg],
        span: Span,
    ) -> Expr {
        let values: Vec<ast::Expr> = args.iter().filter_map(|a| a.value()).collect();
        let arity = match (receiver.ty, name) {
            (Type::Future(_), "is_done" | "cancel") => 0,
            (Type::Channel(_), "receive" | "close" | "len") => 0,
            (Type::Channel(_), "send") => 1,
            _ => {
                self.no_method(receiver.ty, name, span.clone());
                return error_expr(span);
            }
        };
        if values.len() != arity {
            self.error(
                codes::ASYNC_FORM,
                format!("`{name}` takes {arity} argument(s)"),
                span.clone(),
                format!("found {}", values.len()),
            );
            return error_expr(span);
        }
        match (receiver.ty, name) {
            (Type::Future(_), "is_done") => {
                let status = expr(
                    ExprKind::Async(AsyncOp::FutureStatus, vec![receiver]),
                    Type::Int,
                    &span,
                );
                expr(
                    ExprKind::Binary(
                        hir::BinaryOp::Ne,
                        Box::new(status),
                        Box::new(expr(ExprKind::Int(0), Type::Int, &span)),
                    ),
                    Type::Bool,
                    &span,
                )
            }
            (Type::Future(_), "cancel") => expr(
                ExprKind::Async(AsyncOp::Cancel, vec![receiver]),
                Type::Null,
                &span,
            ),
            (Type::Channel(t), "send") => {
                let v = self.check_expr(&values[0], Some(*t).filter(|t| !t.has_error()));
                // The first `send` may be what gives the channel its type.
                self.channel_use(&receiver, Some(v.ty));
                let vspan = v.span.clone();
                let v = self.coerce(v, *t, &vspan);
                expr(
                    ExprKind::Async(AsyncOp::Send, vec![receiver, v]),
                    Type::Null,
                    &span,
                )
            }
            (Type::Channel(t), "receive") => expr(
                ExprKind::Async(AsyncOp::Receive, vec![receiver]),
                optional(*t),
                &span,
            ),
            (Type::Channel(_), "close") => expr(
                ExprKind::Async(AsyncOp::Close, vec![receiver]),
                Type::Null,
                &span,
            ),
            (Type::Channel(_), "len") => expr(
                ExprKind::Async(AsyncOp::ChannelLen, vec![receiver]),
                Type::Int,
                &span,
            ),
            // Ruled out by the arity table above.
            _ => error_expr(span),
        }
    }
}
