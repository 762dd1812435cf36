//! Source-order evaluation of arguments that arrive in another order.
//!
//! HIR keeps call arguments and record fields in *parameter* (declaration)
//! order, but semantics.md §1 evaluates them left to right *as written*:
//! `sub(b: v(1), a: v(2))` runs `v(1)` first. When the two orders differ,
//! the arguments that could observe the difference are bound to hidden
//! variables in source order first, and the call reads those variables;
//! the whole becomes a block expression. Calls written in parameter order
//! (nearly all of them) are left untouched.
//!
//! Given arguments come first, left to right (a piped value before the
//! call's own); omitted ones take their defaults after them, in parameter
//! order.

use crate::hir::{Block, Expr, ExprKind, Stmt, StmtKind, Type};

use super::Checker;

/// Where the value of one parameter comes from: the position of its
/// argument as written (a piped value is position 0), or `None` when the
/// parameter takes its default.
pub(super) type SourcePos = Option<usize>;

impl Checker {
    /// Rewrites `args` (in parameter order, `positions[i]` the source
    /// position of `args[i]`) so that evaluating them in parameter order
    /// gives the effects of source order; returns the `let`s to run before
    /// the call. Empty when the orders agree.
    pub(super) fn in_source_order(
        &mut self,
        args: &mut [Expr],
        positions: &[SourcePos],
    ) -> Vec<Stmt> {
        // A value that never completes leaves no later argument to reorder
        // against, and has no variable type to be bound to.
        if args.len() != positions.len() || args.iter().any(|a| a.ty == Type::Never) {
            return Vec::new();
        }
        // The evaluation rank of each argument: given ones by position,
        // defaults after all of them.
        let rank = |i: usize| match positions[i] {
            Some(p) => (0, p),
            None => (1, i),
        };
        let effectful: Vec<usize> = (0..args.len())
            .filter(|&i| !self.is_inert(&args[i]))
            .collect();
        if effectful.windows(2).all(|w| rank(w[0]) < rank(w[1])) {
            return Vec::new();
        }
        let mut by_rank = effectful;
        by_rank.sort_by_key(|&i| rank(i));
        let mut prelude = Vec::with_capacity(by_rank.len());
        for i in by_rank {
            let span = args[i].span.clone();
            let ty = args[i].ty;
            let var = self.new_var("_", ty, false, span.clone());
            self.body().used.insert(var);
            let read = Expr {
                kind: ExprKind::Var(var),
                ty,
                span: span.clone(),
            };
            let value = std::mem::replace(&mut args[i], read);
            prelude.push(Stmt {
                kind: StmtKind::Let(var, value),
                span,
            });
        }
        prelude
    }

    /// `value` after the `prelude` of [`Self::in_source_order`]: a block
    /// when there is one.
    pub(super) fn after_prelude(prelude: Vec<Stmt>, value: Expr) -> Expr {
        if prelude.is_empty() {
            return value;
        }
        Expr {
            ty: value.ty,
            span: value.span.clone(),
            kind: ExprKind::Block(Block {
                stmts: prelude,
                tail: Some(Box::new(value)),
            }),
        }
    }

    /// Whether evaluating `e` earlier or later can make no difference: a
    /// literal, or a read of a variable nothing can assign (a `let`).
    fn is_inert(&mut self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Bool(_)
            | ExprKind::Null
            | ExprKind::Str(_)
            | ExprKind::Bytes(_)
            | ExprKind::Error => true,
            ExprKind::Var(v) => !self.body().vars[v.0 as usize].mutable,
            // Widening and injection only repackage their operand.
            ExprKind::Cast(crate::hir::CastKind::IntToFloat, inner) | ExprKind::Inject(inner) => {
                self.is_inert(inner)
            }
            _ => false,
        }
    }
}
