//! Role blocks and the conversation (tools.md §3, tools-details §28–36).
//!
//! A body (a cell, or a lambda) with `role` statements has a hidden mutable
//! variable, [`CONVERSATION`], a `list[Message]` that starts empty (a
//! lambda's starts as the conversation it captured) and that each `role`
//! statement appends to, wherever it stands in the body (blocks do not scope
//! it). An `llm.*` call passes the variable it sees; a lambda, `spawn`
//! operand or form branch sees it through the ordinary capture by value, so
//! it sends the conversation as it was when the closure was made. A role
//! used as an expression is a `Message` value and appends nothing.

use lumen_diagnostics::Span;
use lumen_syntax::ast::{self, AstNode};
use lumen_syntax::{SyntaxKind, SyntaxNode};

use super::build::expr;
use super::{codes, span_of, Checker};
use crate::hir::{self, Builtin, Expr, ExprKind, StmtKind};
use crate::types::{list_of, Type};

/// The name of the conversation variable (no program can spell it).
pub(crate) const CONVERSATION: &str = "\u{0}conversation";

/// The role names a block may have (tools-details §36).
const ROLES: &[&str] = &["system", "user", "assistant"];

impl Checker {
    /// At the start of a cell or lambda body made of `nodes`: when the body
    /// has `role` statements, declares its conversation and gives the `let`
    /// that must come first in the body.
    pub(super) fn begin_conversation(
        &mut self,
        nodes: &[SyntaxNode],
        span: &Span,
    ) -> Option<hir::Stmt> {
        if !nodes.iter().any(has_role_statements) {
            return None;
        }
        let message = self.tools.message?;
        let ty = list_of(message);
        // A lambda continues the conversation it captures.
        let init = match self.lookup_var(CONVERSATION) {
            Some(v) => {
                self.body().used.insert(v);
                expr(ExprKind::Var(v), ty, span)
            }
            None => expr(ExprKind::List(Vec::new()), ty, span),
        };
        let var = self.new_var(CONVERSATION, ty, true, span.clone());
        self.body().used.insert(var);
        Some(hir::Stmt {
            kind: StmtKind::Let(var, init),
            span: span.clone(),
        })
    }

    /// `role NAME: text` as a statement: appends to the conversation.
    pub(super) fn check_role_stmt(&mut self, r: &ast::RoleExpr, span: Span) -> Option<StmtKind> {
        let message = self.role_message(r, span.clone())?;
        let var = match self.lookup_var(CONVERSATION) {
            Some(v) if self.body().vars[v.0 as usize].mutable => v,
            // A task's body (a form branch) captured its cell's
            // conversation: its own copy starts there.
            Some(captured) if self.body().is_thunk => self.task_conversation(captured, &span),
            // (The body was scanned for role statements: not reached.)
            _ => return None,
        };
        self.body().used.insert(var);
        let ty = self.body().vars[var.0 as usize].ty;
        let appended = expr(
            ExprKind::Builtin(
                Builtin::Append,
                vec![expr(ExprKind::Var(var), ty, &span), message],
            ),
            ty,
            &span,
        );
        Some(StmtKind::Assign(var, appended))
    }

    /// In a thunk's body, a mutable copy of the conversation it captured,
    /// made first in the body (its prelude) and visible in all of it.
    fn task_conversation(&mut self, captured: hir::VarId, span: &Span) -> hir::VarId {
        let ty = self.body().vars[captured.0 as usize].ty;
        let body = self.body();
        body.vars.push(hir::Var {
            name: CONVERSATION.to_string(),
            ty,
            mutable: true,
            span: span.clone(),
        });
        let var = hir::VarId(body.vars.len() as u32 - 1);
        body.scopes.bind_root(CONVERSATION, var);
        body.used.insert(var);
        body.prelude.push(hir::Stmt {
            kind: StmtKind::Let(var, expr(ExprKind::Var(captured), ty, span)),
            span: span.clone(),
        });
        var
    }

    /// `role NAME: text` as an expression: a `Message`.
    pub(super) fn check_role_expr(&mut self, r: &ast::RoleExpr, span: Span) -> Expr {
        self.role_message(r, span.clone())
            .unwrap_or_else(|| super::build::error_expr(span))
    }

    /// `Message(role: NAME, content: text)`; `None` after an error.
    fn role_message(&mut self, r: &ast::RoleExpr, span: Span) -> Option<Expr> {
        let name_node = r.role_name()?;
        let name = name_node.text();
        let content = self.check_string_parts(r.parts(), span.clone());
        if !ROLES.contains(&name.as_str()) {
            self.error(
                codes::BAD_ROLE,
                format!("unknown role `{name}`"),
                span_of(&name_node),
                "not a role of a conversation",
            );
            self.push_help("the roles are `system`, `user` and `assistant`".to_string());
            return None;
        }
        if r.is_block() && mixes_tabs_and_spaces(r) {
            self.error(
                codes::BAD_ROLE,
                "this role block indents its lines with both tabs and spaces",
                span.clone(),
                "the common indentation would be ambiguous",
            );
            self.push_help("indent the text with spaces only (or tabs only)".to_string());
            return None;
        }
        let message = self.tools.message?;
        Some(expr(
            ExprKind::Record(vec![expr(ExprKind::Str(name), Type::Str, &span), content]),
            message,
            &span,
        ))
    }
}

/// Whether `node` holds a `role` statement of its own body (not one of a
/// lambda inside it, which has its own conversation).
fn has_role_statements(node: &SyntaxNode) -> bool {
    node.descendants().any(|d| {
        d.kind() == SyntaxKind::ROLE_EXPR
            && d.parent().is_some_and(|p| {
                matches!(
                    p.kind(),
                    SyntaxKind::BLOCK
                        | SyntaxKind::SOURCE_FILE
                        | SyntaxKind::MATCH_ARM
                        | SyntaxKind::WHEN_ARM
                )
            })
            && !d
                .ancestors()
                .skip(1)
                .take_while(|a| a != node)
                .any(|a| a.kind() == SyntaxKind::LAMBDA_EXPR)
    })
}

/// Whether the indentation of a block role's lines mixes tabs and spaces
/// (tools-details §34: a tab counts as one column, so mixing them makes the
/// common indentation ambiguous).
fn mixes_tabs_and_spaces(r: &ast::RoleExpr) -> bool {
    let text: String = r
        .syntax()
        .children_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| t.kind() == SyntaxKind::ROLE_TEXT)
        .map(|t| t.text().to_string())
        .collect::<Vec<_>>()
        .join("");
    let (mut tabs, mut spaces) = (false, false);
    for line in text.split('\n').filter(|l| !l.trim().is_empty()) {
        for c in line.chars().take_while(|c| *c == ' ' || *c == '\t') {
            if c == '\t' {
                tabs = true;
            } else {
                spaces = true;
            }
        }
    }
    tabs && spaces
}
