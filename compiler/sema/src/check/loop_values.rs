//! `loop` as an expression (docs/language-decisions.md, "Idioms of test
//! code"): `let x = loop … break value … end`. While a `loop` is checked,
//! its body's state holds a [`LoopValue`] saying whether the loop's value
//! is used; each `break` is checked against it, and afterwards the loop is
//! either an expression (`hir::ExprKind::Loop`) every `break` of which gave
//! a value of one type, or a statement none of whose `break`s gave one.
//! `for` and `while` have no entry: they also end without `break`, so they
//! never have a value.

use lumen_diagnostics::{Diagnostic, Label, Span};
use lumen_syntax::ast;

use super::build::block_stmts;
use super::{codes, span_of, Checker};
use crate::hir::{self, Expr, ExprKind, LoopId, StmtKind, Type};

/// How a `loop`'s value is used.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum LoopUse {
    /// A statement: its `break`s give no value.
    Statement,
    /// An expression whose value is used: every `break` gives one.
    Value,
    /// The last statement of a block whose value is wanted (a cell with a
    /// return type, a `match` arm used as a value): an expression when some
    /// `break` gives a value, otherwise the statement it always was (so a
    /// `loop` left only by `return` still ends such a cell).
    Tail,
}

/// What the `break`s of a `loop` gave so far.
#[derive(Clone, Debug)]
pub(crate) struct LoopValue {
    usage: LoopUse,
    /// The type the context expects of the loop's value.
    expected: Option<Type>,
    /// The loop's type once the first value fixed it, and that value's span.
    ty: Option<(Type, Span)>,
    value_breaks: usize,
    bare_breaks: Vec<Span>,
}

/// A checked `loop` in tail position: see [`LoopUse::Tail`].
pub(crate) enum TailLoop {
    Value(Expr),
    Statement(Box<StmtKind>),
}

impl Checker {
    /// A `loop` statement whose value is not used.
    pub(super) fn check_loop_stmt(&mut self, l: &ast::LoopStmt) -> StmtKind {
        let label = l.label().map(|l| l.text());
        let (id, body, _) = self.loop_body(label, l.body(), LoopUse::Statement, None);
        StmtKind::Loop { id, body }
    }

    /// `loop … end` where an expression is expected.
    pub(super) fn check_loop_expr(
        &mut self,
        l: &ast::LoopExpr,
        expected: Option<Type>,
        span: Span,
    ) -> Expr {
        let label = l.label().map(|l| l.text());
        let (id, body, state) = self.loop_body(label, l.body(), LoopUse::Value, expected);
        let ty = self.loop_type(&state, &span);
        Expr {
            kind: ExprKind::Loop { id, body },
            ty,
            span,
        }
    }

    /// A `loop` statement that ends a block whose value is wanted.
    pub(super) fn check_tail_loop(
        &mut self,
        l: &ast::LoopStmt,
        expected: Option<Type>,
    ) -> TailLoop {
        let span = span_of(l);
        let label = l.label().map(|l| l.text());
        let (id, body, state) = self.loop_body(label, l.body(), LoopUse::Tail, expected);
        if state.value_breaks == 0 {
            return TailLoop::Statement(Box::new(StmtKind::Loop { id, body }));
        }
        let ty = self.loop_type(&state, &span);
        TailLoop::Value(Expr {
            kind: ExprKind::Loop { id, body },
            ty,
            span,
        })
    }

    fn loop_body(
        &mut self,
        label: Option<String>,
        body: Option<ast::Block>,
        usage: LoopUse,
        expected: Option<Type>,
    ) -> (LoopId, hir::Block, LoopValue) {
        let id = self.body().scopes.enter_loop(label);
        let fresh = LoopValue {
            usage,
            expected,
            ty: None,
            value_breaks: 0,
            bare_breaks: Vec::new(),
        };
        self.body().loop_values.insert(id, fresh.clone());
        let block = self.check_stmts(&block_stmts(body), false);
        self.body().scopes.exit_loop();
        let state = self.body().loop_values.remove(&id).unwrap_or(fresh);
        (id, block, state)
    }

    /// The type of a `loop` whose value is used; reports its `break`s
    /// without a value, and a loop no `break` leaves.
    fn loop_type(&mut self, state: &LoopValue, span: &Span) -> Type {
        let head = span.start..(span.start + "loop".len()).min(span.end);
        let used = if state.usage == LoopUse::Tail {
            "its `break value`s make this `loop` the value of its block"
        } else {
            "the value of this `loop` is used"
        };
        for at in &state.bare_breaks {
            self.push_diagnostic(
                Diagnostic::error(
                    codes::BREAK_WITHOUT_VALUE,
                    "`break` without a value in a `loop` whose value is used",
                    at.clone(),
                    "this leaves the loop without a value",
                )
                .with_label(head.clone(), used)
                .with_help("give the loop its value here: `break value`"),
            );
        }
        if state.value_breaks == 0 && state.bare_breaks.is_empty() {
            self.push_diagnostic(
                Diagnostic::error(
                    codes::LOOP_WITHOUT_VALUE,
                    "this `loop` never gives a value",
                    head,
                    "its value is used, but no `break value` leaves it",
                )
                .with_help(
                    "leave the loop with `break value`; a loop left only by `return` or `halt` has no value, so write it as a statement",
                ),
            );
            return Type::Error;
        }
        if !state.bare_breaks.is_empty() {
            return Type::Error;
        }
        // Values that all fail (`break fail()`) leave the loop type `Never`.
        state.ty.as_ref().map_or(Type::Never, |(t, _)| *t)
    }

    /// `break [@label] [value]`.
    pub(super) fn check_break(&mut self, b: &ast::BreakStmt, span: &Span) -> Option<StmtKind> {
        let label = b.label().map(|l| l.text());
        let target = self.loop_target(label, "break", span)?;
        let usage = self.body().loop_values.get(&target).map(|s| s.usage);
        let Some(value) = b.value() else {
            if let Some(state) = self.body().loop_values.get_mut(&target) {
                state.bare_breaks.push(span.clone());
            }
            return Some(StmtKind::Break(target));
        };
        match usage {
            Some(LoopUse::Value | LoopUse::Tail) => Some(self.break_value(target, &value)),
            _ => {
                self.break_value_error(&value, usage.is_some());
                // Checked for its own errors; nothing receives it.
                self.check_expr(&value, None);
                Some(StmtKind::Break(target))
            }
        }
    }

    /// `break value` out of a loop whose value is used: the value has the
    /// loop's type, which the context gives when the first value fits it
    /// and the first value gives otherwise.
    fn break_value(&mut self, target: LoopId, value: &ast::Expr) -> StmtKind {
        let at = span_of(value);
        let (fixed, expected) = match self.body().loop_values.get(&target) {
            Some(state) => (state.ty.clone(), state.expected),
            None => (None, None),
        };
        let hint = fixed.as_ref().map(|(t, _)| *t).or(expected);
        let v = self.check_expr(value, hint);
        let (v, fixed_now) = match fixed {
            Some((ty, first)) => {
                let before = self.diagnostics.len();
                let found = v.ty;
                let v = self.coerce(v, ty, &at);
                if self.diagnostics.len() > before {
                    self.explain_break_mismatch(ty, found, first);
                }
                (v, None)
            }
            None if matches!(v.ty, Type::Never) => (v, None),
            None => {
                let ty = match expected {
                    Some(t) if fits_context(v.ty, t) => t,
                    _ => v.ty,
                };
                let v = if ty == v.ty {
                    v
                } else {
                    self.coerce(v, ty, &at)
                };
                (v, Some((ty, at)))
            }
        };
        if let Some(state) = self.body().loop_values.get_mut(&target) {
            state.value_breaks += 1;
            if fixed_now.is_some() {
                state.ty = fixed_now;
            }
        }
        StmtKind::BreakValue(target, v)
    }

    /// Adds to the mismatch just reported (a value of type `found` where
    /// the loop's type is `ty`) where the loop's type came from.
    fn explain_break_mismatch(&mut self, ty: Type, found: Type, first: Span) {
        let optional = match (ty, found) {
            (Type::Null, t) | (t, Type::Null) => Some(t),
            _ => None,
        };
        if let Some(d) = self.diagnostics.last_mut() {
            d.secondary.push(Label {
                span: first,
                message: format!("this earlier `break` makes the loop's value `{ty}`"),
                file: None,
            });
            d.help
                .push("every `break` of a loop gives a value of the same type".to_string());
            if let Some(t) = optional {
                let t = match t {
                    Type::Union(_) => format!("({t})?"),
                    _ => format!("{t}?"),
                };
                d.help.push(format!(
                    "for `null` or a value, give the loop its type: `let x: {t} = loop …`"
                ));
            }
        }
    }

    /// `break value` where nothing receives the value: a `loop` statement
    /// (`in_loop_statement`), or a `for`/`while` loop.
    fn break_value_error(&mut self, value: &ast::Expr, in_loop_statement: bool) {
        let (label, help) = if in_loop_statement {
            (
                "this `loop` is a statement: its value is not used",
                "use the loop's value (`let x = loop … end`), or assign a `let mut` variable before `break`",
            )
        } else {
            (
                "a `for` or `while` loop has no value",
                "only `loop` has a value (`let x = loop … end`); or assign a `let mut` variable before `break`",
            )
        };
        self.push_diagnostic(
            Diagnostic::error(
                codes::BAD_LOOP_CONTROL,
                "`break` cannot carry a value here",
                span_of(value),
                label,
            )
            .with_help(help),
        );
    }
}

/// Whether the first `break` value of a loop may take the type the
/// context expects (`let x: Float = loop … break 1 …`, `Int?` for
/// `break null`) instead of its own.
fn fits_context(have: Type, want: Type) -> bool {
    have.fits(want) || want.union_members().is_some_and(|m| m.contains(&have))
}
