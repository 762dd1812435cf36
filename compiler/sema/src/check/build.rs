//! Building blocks of checked HIR that every checker file uses: making
//! expressions (`expr`, `error_expr`, `widen`), reading syntax
//! (`unparen`, `block_stmts`), the types of blocks, optionals and awaited
//! values, and whether control leaves a block. The bottom layer of
//! `check/`: it uses no other checker file.

use lumen_diagnostics::Span;
use lumen_syntax::ast;

use crate::hir::{self, CastKind, Expr, ExprKind, Stmt, StmtKind};
use crate::types::{list_of, map_of, tuple_of, union_of, Type};

pub(crate) fn block_stmts(block: Option<ast::Block>) -> Vec<ast::Stmt> {
    block.map(|b| b.stmts().collect()).unwrap_or_default()
}

pub(crate) fn error_expr(span: Span) -> Expr {
    Expr {
        kind: ExprKind::Error,
        ty: Type::Error,
        span,
    }
}

/// Whether control never continues after this statement.
pub(crate) fn stmt_diverges(stmt: &Stmt) -> bool {
    match &stmt.kind {
        StmtKind::Return(_)
        | StmtKind::Halt(_)
        | StmtKind::Break(_)
        | StmtKind::BreakValue(..)
        | StmtKind::Continue(_) => true,
        StmtKind::Expr(e)
        | StmtKind::Let(_, e)
        | StmtKind::Assign(_, e)
        | StmtKind::LetPattern(_, e) => e.ty == Type::Never,
        StmtKind::Loop { id, body } => !block_breaks_to(body, *id),
        StmtKind::While { id, cond, body } => {
            matches!(cond.kind, ExprKind::Bool(true)) && !block_breaks_to(body, *id)
        }
        StmtKind::ForRange { .. }
        | StmtKind::ForList { .. }
        | StmtKind::ForCollection { .. }
        | StmtKind::ForString { .. }
        | StmtKind::Defer(_) => false,
        StmtKind::AssignPlace { value, .. } => value.ty == Type::Never,
    }
}

/// Whether control never reaches the end of the block.
pub(crate) fn block_diverges(block: &hir::Block) -> bool {
    block.stmts.iter().any(stmt_diverges)
        || block.tail.as_ref().is_some_and(|t| t.ty == Type::Never)
}

pub(crate) fn block_breaks_to(block: &hir::Block, id: hir::LoopId) -> bool {
    block.stmts.iter().any(|s| stmt_breaks_to(s, id))
        || block.tail.as_ref().is_some_and(|t| expr_breaks_to(t, id))
}

pub(crate) fn stmt_breaks_to(stmt: &Stmt, id: hir::LoopId) -> bool {
    match &stmt.kind {
        StmtKind::Break(target) => *target == id,
        StmtKind::BreakValue(target, value) => *target == id || expr_breaks_to(value, id),
        StmtKind::LetPattern(_, e)
        | StmtKind::Expr(e)
        | StmtKind::Let(_, e)
        | StmtKind::Assign(_, e)
        | StmtKind::Halt(e) => expr_breaks_to(e, id),
        StmtKind::Return(e) => e.as_ref().is_some_and(|e| expr_breaks_to(e, id)),
        StmtKind::While { body, .. }
        | StmtKind::Loop { body, .. }
        | StmtKind::ForRange { body, .. }
        | StmtKind::ForList { body, .. }
        | StmtKind::ForCollection { body, .. }
        | StmtKind::ForString { body, .. } => block_breaks_to(body, id),
        StmtKind::AssignPlace { value, .. } => expr_breaks_to(value, id),
        StmtKind::Continue(_) | StmtKind::Defer(_) => false,
    }
}

pub(crate) fn expr_breaks_to(e: &Expr, id: hir::LoopId) -> bool {
    match &e.kind {
        ExprKind::If {
            then_block,
            else_block,
            ..
        } => {
            block_breaks_to(then_block, id)
                || else_block.as_ref().is_some_and(|b| block_breaks_to(b, id))
        }
        ExprKind::Match { arms, .. } => arms.iter().any(|a| block_breaks_to(&a.body, id)),
        ExprKind::When(arms) => arms.iter().any(|a| block_breaks_to(&a.body, id)),
        ExprKind::IfLet {
            then_block,
            else_block,
            ..
        } => {
            block_breaks_to(then_block, id)
                || else_block.as_ref().is_some_and(|b| block_breaks_to(b, id))
        }
        ExprKind::Block(b) => block_breaks_to(b, id),
        // (`break @outer` inside a loop expression.)
        ExprKind::Loop { body, .. } => block_breaks_to(body, id),
        _ => false,
    }
}

/// The type `await` gives a value of type `ty`: futures replaced by their
/// value types, through lists, tuples, map values and union members
/// (`Future[Int] | Int` gives `Int`, `Future[Int]?` gives `Int?`).
pub(crate) fn awaited(ty: Type) -> Type {
    match ty {
        Type::Future(t) => awaited(*t),
        Type::Union(members) if members.iter().any(|m| awaited(*m) != *m) => {
            crate::types::union_of(&members.iter().map(|m| awaited(*m)).collect::<Vec<_>>())
        }
        Type::List(e) => list_of(awaited(*e)),
        Type::Map(k, v) => map_of(*k, awaited(*v)),
        Type::Tuple(elems) => tuple_of(&elems.iter().map(|e| awaited(*e)).collect::<Vec<_>>()),
        other => other,
    }
}

pub(crate) fn expr(kind: ExprKind, ty: Type, span: &Span) -> Expr {
    Expr {
        kind,
        ty,
        span: span.clone(),
    }
}

pub(crate) fn unparen(e: ast::Expr) -> ast::Expr {
    match &e {
        ast::Expr::Paren(p) => p.expr().map(unparen).unwrap_or(e),
        _ => e,
    }
}

pub(crate) fn optional(t: Type) -> Type {
    match t {
        Type::Null | Type::Error | Type::Never => t,
        _ => union_of(&[t, Type::Null]),
    }
}

/// The value type of a checked block.
pub(crate) fn block_type(block: &hir::Block) -> Type {
    match &block.tail {
        Some(t) => t.ty,
        None if block_diverges(block) => Type::Never,
        None => Type::Null,
    }
}

pub(crate) fn widen(e: Expr) -> Expr {
    if let ExprKind::Int(v) = e.kind {
        return Expr {
            kind: ExprKind::Float(v as f64),
            ty: Type::Float,
            span: e.span,
        };
    }
    let span = e.span.clone();
    Expr {
        kind: ExprKind::Cast(CastKind::IntToFloat, Box::new(e)),
        ty: Type::Float,
        span,
    }
}

/// The core type names (types.md §1), never a user's.
pub(crate) fn is_builtin_type(name: &str) -> bool {
    matches!(name, "Int" | "Float" | "Bool" | "String" | "Null")
}
