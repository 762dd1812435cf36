//! The statement `assert cond [, message]` (docs/language-decisions.md,
//! "Idioms of test code"). When `cond` is false the program fails at the
//! statement, like the builtin `assert(cond, msg)`, with `message`, or
//! without one with `assertion failed: ` and the source text of `cond`.
//! In HIR it is `if not cond … halt message … end`: the message is
//! evaluated only when the assertion fails, and the code after it sees
//! what the condition tells (`assert x != null` narrows `x`, as an `if`
//! that halts does).

use lumen_diagnostics::Span;
use lumen_syntax::ast::{self, AstNode};

use super::build::error_expr;
use super::{span_of, Checker};
use crate::hir::{self, Expr, ExprKind, Stmt, StmtKind, Type};

impl Checker {
    pub(super) fn check_assert(&mut self, a: &ast::AssertStmt, span: &Span) -> StmtKind {
        let cond = match a.condition() {
            Some(c) => {
                let v = self.check_expr(&c, Some(Type::Bool));
                self.expect_type(v, Type::Bool, &span_of(&c), "an assertion must be a `Bool`")
            }
            None => error_expr(span.clone()),
        };
        let message = match a.message() {
            Some(m) => {
                let v = self.check_expr(&m, Some(Type::Str));
                self.expect_type(
                    v,
                    Type::Str,
                    &span_of(&m),
                    "the message of `assert` must be a `String`",
                )
            }
            None => {
                let text = a
                    .condition()
                    .map(|c| source_text(c.syntax()))
                    .unwrap_or_default();
                Expr {
                    kind: ExprKind::Str(format!("assertion failed: {text}")),
                    ty: Type::Str,
                    span: span.clone(),
                }
            }
        };
        let fails = Expr {
            kind: ExprKind::Unary(hir::UnaryOp::Not, Box::new(cond)),
            ty: Type::Bool,
            span: span.clone(),
        };
        let halt = Stmt {
            kind: StmtKind::Halt(message),
            span: span.clone(),
        };
        StmtKind::Expr(Expr {
            kind: ExprKind::If {
                cond: Box::new(fails),
                then_block: hir::Block {
                    stmts: vec![halt],
                    tail: None,
                },
                else_block: None,
            },
            ty: Type::Null,
            span: span.clone(),
        })
    }
}

/// The condition as written, on one line: a condition continued over
/// several lines has each line's indentation and line break replaced by
/// one space (`a and\n    b` reads `a and b`).
fn source_text(node: &lumen_syntax::SyntaxNode) -> String {
    let text = node.text().to_string();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
