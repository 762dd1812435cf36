//! Futures (async.md §3): thunks, `await`, `try await`, `match await` with
//! a `String` arm, `future.state`. `spawn` and `async cell` calls are in
//! [`super::spawn`], the forms in [`super::forms`]; `sleep`, channels and
//! the methods of futures in [`super::channels`].
//!
//! Every computation that runs as a task becomes a *thunk*: a hidden
//! closure cell taking no arguments ([`Checker::thunk`]), whose captures are
//! found by the usual lambda machinery. `spawn(f(a, b))` evaluates `f`'s
//! arguments in the spawner (hoisted into hidden variables the thunk
//! captures); a form's branch is checked entirely inside its thunk (its
//! arguments are evaluated by the branch task, async.md §9). A branch whose
//! value is a future is awaited inside its thunk, and each thunk's value is
//! injected into the form's value type, so the runtime sees one value type.

use super::build::{awaited, error_expr, expr, unparen};
use lumen_diagnostics::Span;
use lumen_syntax::ast::{self, AstNode};

use super::{codes, span_of, Body, CellSig, Checker, RetState};
use crate::hir::{self, AsyncOp, Expr, ExprKind, Stmt, StmtKind};
use crate::types::{fn_type, result_of, union_of, Type};

/// The built-in `FutureState[T]` (async.md §3), declared from this text.
const FUTURE_STATE_PRELUDE: &str =
    "enum FutureState[T]\n  Pending\n  Completed(value: T)\n  Error(message: String)\nend\n";

impl Checker {
    /// E0701 for a call of `name` under deterministic scheduling, naming
    /// what asked for it: the directive, or `--deterministic` alone.
    pub(super) fn not_deterministic(&mut self, name: &str, span: Span) {
        let (mode, help) = if self.deterministic_by_flag {
            (
                "`--deterministic`",
                "build without `--deterministic`, or pass the value in",
            )
        } else {
            (
                "`@deterministic true`",
                "remove `@deterministic true`, or pass the value in",
            )
        };
        self.error(
            codes::NOT_DETERMINISTIC,
            format!("`{name}` cannot be reproduced under {mode}"),
            span,
            "its result differs from run to run",
        );
        self.push_help(help.to_string());
    }

    /// A hidden closure taking no arguments whose body is what `build`
    /// checks (inside the closure's own body, so names it uses from the
    /// enclosing bodies become captures).
    /// The thunk of `try e` ([`Self::thunk`], but run in place rather than
    /// as a task: only the diagnostics about it differ).
    pub(super) fn thunk_for_try(
        &mut self,
        span: &Span,
        build: impl FnOnce(&mut Self) -> Expr,
    ) -> Expr {
        self.thunk(span, |c| {
            c.body().in_try = true;
            build(c)
        })
    }

    pub(super) fn thunk(&mut self, span: &Span, build: impl FnOnce(&mut Self) -> Expr) -> Expr {
        let id = self.add_hidden_cell(CellSig {
            name: "<closure>".to_string(),
            params: Vec::new(),
            declared_ret: None,
            span: span.clone(),
            syntax: None,
            generics: Vec::new(),
            type_args: Default::default(),
            module: self.current_module,
        });
        let mut body = Body::new(None);
        body.is_lambda = true;
        body.is_thunk = true;
        body.owner = Some(id);
        self.bodies.push(body);
        let value = build(self);
        let ret = if value.ty == Type::Never {
            Type::Null
        } else {
            value.ty
        };
        let body = hir::Block {
            stmts: std::mem::take(&mut self.body().prelude),
            tail: Some(Box::new(value)),
        };
        self.finish_closure(id, Vec::new(), Vec::new(), ret, body, span.clone())
    }

    /// Changes the value type of a thunk to `to` (a union its value fits
    /// in, or its optional), injecting the value.
    pub(super) fn retype_thunk(&mut self, thunk: &mut Expr, to: Type) {
        let ExprKind::Closure(id, _) = &thunk.kind else {
            return;
        };
        let id = *id;
        let Type::Fn(sig) = thunk.ty else {
            return;
        };
        if sig.ret == to || to.has_error() {
            return;
        }
        let Some(mut cell) = self.checked[id.0 as usize].take() else {
            return;
        };
        if let Some(tail) = cell.body.tail.take() {
            let span = tail.span.clone();
            let tail = if tail.ty == Type::Never || tail.ty == Type::Null && sig.ret == Type::Null {
                // A branch that never completes, or a `Null` one: `null`.
                let block = hir::Block {
                    stmts: vec![Stmt {
                        kind: StmtKind::Expr(*tail),
                        span: span.clone(),
                    }],
                    tail: Some(Box::new(expr(ExprKind::Null, Type::Null, &span))),
                };
                let b = expr(ExprKind::Block(block), Type::Null, &span);
                self.coerce(b, to, &span)
            } else {
                // A future the task would give is awaited through (async.md
                // §3) when the new type has no futures: the element of a
                // mixed `spawn` list that is an `async cell` call.
                let tail = if awaited(to) == to {
                    self.await_value(*tail)
                } else {
                    *tail
                };
                self.coerce(tail, to, &span)
            };
            cell.body.tail = Some(Box::new(tail));
        }
        cell.ret = to;
        self.checked[id.0 as usize] = Some(cell);
        self.ret_states[id.0 as usize] = RetState::Known(to);
        thunk.ty = fn_type(Vec::new(), to);
    }

    /// `await v`: identity on a value without futures.
    pub(super) fn await_value(&mut self, v: Expr) -> Expr {
        let to = awaited(v.ty);
        if to == v.ty || v.ty.has_error() {
            return v;
        }
        let span = v.span.clone();
        expr(ExprKind::Async(AsyncOp::Await, vec![v]), to, &span)
    }

    pub(super) fn check_await(&mut self, a: &ast::AwaitExpr, span: Span) -> Expr {
        let Some(inner) = a.expr() else {
            return error_expr(span);
        };
        let outcome = self.await_outcome_next.take();
        let v = self.check_expr(&inner, None);
        if let (Some(arm_span), Type::Future(t)) = (outcome, v.ty) {
            // After an error (reported already, or E0700 here) the
            // scrutinee is an error, which silences the arms' own errors.
            if t.has_error() || !self.outcome_applies(v.ty, arm_span) {
                return error_expr(span);
            }
            return self.await_outcome(v, span);
        }
        let mut v = self.await_value(v);
        v.span = span;
        v
    }

    /// The `name: String` arm of a `match`, if it has one.
    pub(super) fn string_arm(m: &ast::MatchExpr) -> Option<Span> {
        m.arms()
            .flat_map(|a| a.patterns().collect::<Vec<_>>())
            .find_map(|p| {
                let text: String = p
                    .syntax()
                    .text()
                    .to_string()
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect();
                let (name, ty) = text.split_once(':')?;
                (ty == "String"
                    && !name.is_empty()
                    && name.chars().all(|c| c.is_alphanumeric() || c == '_'))
                .then(|| span_of(&p))
            })
    }

    /// `let x = await e` followed, in the same block, by a `match x` with a
    /// `name: String` arm and no other use of `x`: the `await` yields the
    /// outcome, delivered at the `match` (async.md §3).
    pub(super) fn let_awaits_outcome(&mut self, stmts: &[ast::Stmt], i: usize) {
        let ast::Stmt::Let(l) = &stmts[i] else {
            return;
        };
        let (Some(ast::Pattern::Ident(p)), Some(init)) = (l.pattern(), l.init()) else {
            return;
        };
        if !matches!(unparen(init), ast::Expr::Await(_)) || l.ty().is_some() {
            return;
        }
        let name = p.syntax().text().to_string();
        let mut uses = 0;
        let mut arm = None;
        for later in &stmts[i + 1..] {
            // Uses of the variable: names in expressions, not a field or
            // method named alike (`p.x`), a named argument (`x: 1`) or
            // text in a string.
            for node in later.syntax().descendants() {
                let Some(name_ref) = ast::NameRef::cast(node.clone()) else {
                    continue;
                };
                if name_ref.text() != name {
                    continue;
                }
                let is_member = node
                    .parent()
                    .and_then(ast::FieldExpr::cast)
                    .and_then(|f| f.name_ref())
                    .is_some_and(|member| member.syntax() == &node);
                if !is_member {
                    uses += 1;
                }
            }
            if let ast::Stmt::Match(m) = later {
                if let Some(ast::Expr::Name(n)) = m.scrutinee().map(unparen) {
                    if n.text() == name && arm.is_none() {
                        arm = Self::string_arm(m);
                    }
                }
            }
        }
        match (uses, arm) {
            (1, Some(arm)) => self.await_outcome_next = Some(arm),
            // Used elsewhere too: the arm will not receive failures; its
            // error says why.
            (_, Some(arm)) => self.outcome_missed_arms.push(arm),
            _ => {}
        }
    }

    /// `try await e`: `result[T, String]`, never raising. `try` of a tool
    /// call runs the call as a task whose failure it observes; the `T` of
    /// the expected result is the call's expected type (tools-details §10).
    pub(super) fn check_try(
        &mut self,
        t: &ast::TryExpr,
        expected: Option<Type>,
        span: Span,
    ) -> Expr {
        let Some(inner) = t.expr().map(unparen) else {
            return error_expr(span);
        };
        if self.is_tool_call(&inner) {
            let want = match expected {
                Some(Type::Result(ok, _)) if *ok != Type::Never => Some(*ok),
                _ => None,
            };
            let thunk = self.thunk(&span, |c| c.check_expr(&inner, want));
            let Type::Fn(sig) = thunk.ty else {
                return error_expr(span);
            };
            if sig.ret.has_error() {
                return error_expr(span);
            }
            let task = self.spawn_thunk(thunk, sig.ret, Vec::new(), span.clone());
            return expr(
                ExprKind::Async(AsyncOp::AwaitTry, vec![task]),
                result_of(sig.ret, Type::Str),
                &span,
            );
        }
        let operand = match inner {
            ast::Expr::Await(a) => match a.expr() {
                Some(operand) => operand,
                None => return error_expr(span),
            },
            // A form is evaluated where it stands (docs/language-decisions.md),
            // so `try parallel … end` is `try await parallel … end`.
            form @ (ast::Expr::ParallelFor(_)
            | ast::Expr::Concurrent(_)
            | ast::Expr::Timeout(_)) => form,
            other => return self.try_inline(&other, expected, span),
        };
        if let ast::Expr::Concurrent(c) = unparen(operand.clone()) {
            if c.branches().any(|b| b.name().is_some()) {
                self.error(
                    codes::ASYNC_FORM,
                    "a form with named branches cannot be the operand of `try`",
                    span.clone(),
                    "nothing would be bound if it failed",
                );
                return error_expr(span);
            }
        }
        let is_form = matches!(
            unparen(operand.clone()),
            ast::Expr::ParallelFor(_) | ast::Expr::Concurrent(_) | ast::Expr::Timeout(_)
        );
        let observed = if is_form {
            // A form raises its failure where it runs: it runs as a task
            // so that the failure settles a future `try` can observe.
            let thunk = self.thunk(&span, |c| c.check_expr(&operand, None));
            let Type::Fn(sig) = thunk.ty else {
                return error_expr(span);
            };
            self.spawn_thunk(thunk, sig.ret, Vec::new(), span.clone())
        } else {
            let v = self.check_expr(&operand, None);
            if awaited(v.ty) == v.ty {
                // Nothing to await: `ok(v)`, through a task that returns it.
                self.spawn_checked_value(v, span.clone())
            } else {
                v
            }
        };
        if observed.ty.has_error() {
            return error_expr(span);
        }
        let ty = result_of(awaited(observed.ty), Type::Str);
        expr(
            ExprKind::Async(AsyncOp::AwaitTry, vec![observed]),
            ty,
            &span,
        )
    }

    /// `try e` on any other expression (semantics.md §9): `e` becomes a
    /// thunk the runtime runs at once in this task, catching its failure.
    fn try_inline(&mut self, inner: &ast::Expr, expected: Option<Type>, span: Span) -> Expr {
        let want = match expected {
            Some(Type::Result(ok, _)) if *ok != Type::Never && !ok.has_error() => Some(*ok),
            _ => None,
        };
        let thunk = self.thunk_for_try(&span, |c| {
            let value = c.check_expr(inner, want);
            match want {
                // (`let r: result[Float, String] = try 1`: the Int widens.)
                Some(w) if value.ty != w && !value.ty.has_error() && value.ty != Type::Never => {
                    let vspan = value.span.clone();
                    c.coerce(value, w, &vspan)
                }
                _ => value,
            }
        });
        let Type::Fn(sig) = thunk.ty else {
            return error_expr(span);
        };
        if sig.ret.has_error() {
            return error_expr(span);
        }
        expr(
            ExprKind::Try(Box::new(thunk)),
            result_of(sig.ret, Type::Str),
            &span,
        )
    }

    /// A task that returns `v`, evaluated now.
    fn spawn_checked_value(&mut self, v: Expr, span: Span) -> Expr {
        let name = format!("\u{0}try{}", self.body().vars.len());
        let ty = v.ty;
        let var = self.new_var(&name, ty, false, v.span.clone());
        self.body().used.insert(var);
        let stmts = vec![Stmt {
            kind: StmtKind::Let(var, v),
            span: span.clone(),
        }];
        let thunk = self.thunk(&span, |c| c.read_hidden(&name, ty, &span));
        self.spawn_thunk(thunk, ty, stmts, span)
    }

    /// Whether `match await f` (or a `let`-bound await) with a `name:
    /// String` arm receives failures there (async.md §3): `T` concrete,
    /// neither containing `String`, `Json` nor `Any`. When not, reports
    /// E0700 at the arm.
    pub(super) fn outcome_applies(&mut self, future_ty: Type, arm_span: Span) -> bool {
        let Type::Future(t) = future_ty else {
            return false;
        };
        if mentions_string(*t) {
            self.error(
                codes::ASYNC_FORM,
                "a `String` arm cannot tell a failure from a value here",
                arm_span,
                format!("the future's value type `{t}` contains `String` or `Json`"),
            );
            self.push_help("use `try await e`: `ok(value)` or `err(message)`".to_string());
            return false;
        }
        if mentions_type(
            *t,
            &|t| matches!(t, Type::Record(n) if self.archetypes.contains(&n.id)),
        ) {
            self.error(
                codes::ASYNC_FORM,
                "a `String` arm cannot tell a failure from a value here",
                arm_span,
                format!("the future's value type `{t}` is a type parameter, which may be `String`"),
            );
            self.push_help("use `try await e`: `ok(value)` or `err(message)`".to_string());
            return false;
        }
        true
    }

    /// The scrutinee `await f` of a `match` with a `String` arm: the value or
    /// the failure's message, as `T | String`.
    pub(super) fn await_outcome(&mut self, future: Expr, span: Span) -> Expr {
        let Type::Future(t) = future.ty else {
            return future;
        };
        let ty = union_of(&[*t, Type::Str]);
        expr(
            ExprKind::Async(AsyncOp::AwaitOutcome, vec![future]),
            ty,
            &span,
        )
    }

    /// `FutureState[T]`: the program's own `FutureState` when it declares
    /// one, else the built-in template ([`FUTURE_STATE_PRELUDE`]).
    fn future_state_type(&mut self, t: Type, span: &Span) -> Option<Type> {
        let ty = self.instantiate_type("FutureState", vec![t], span);
        (!ty.has_error()).then_some(ty)
    }

    /// Declares the built-in `FutureState[T]` unless the program declares
    /// its own (async.md §1: it then shadows the built-in one).
    pub(super) fn declare_future_state(&mut self) {
        let key = self.key("FutureState");
        if self.generic_types.templates.contains_key(&key) || self.types.by_name.contains_key(&key)
        {
            return;
        }
        let parse = lumen_syntax::parse(FUTURE_STATE_PRELUDE);
        for item in parse.tree().items() {
            if let ast::Item::Enum(e) = item {
                self.declare_template(
                    "FutureState".to_string(),
                    super::generic_types::Template::Enum(e, vec!["T".to_string()]),
                );
            }
        }
    }

    /// `future.state`: the built-in `FutureState[T]` (async.md §3).
    pub(super) fn future_state(&mut self, future: Expr, span: Span) -> Expr {
        let Type::Future(t) = future.ty else {
            return error_expr(span);
        };
        // A program's own `FutureState` is used when it has the built-in's
        // variants (the seed's declaration); its variants may come in any
        // order, so they are found by name.
        let state = self
            .future_state_type(*t, &span)
            .and_then(|ty| Some((ty, self.future_state_tags(ty, *t)?)));
        let Some((state_ty, [pending, completed, error])) = state else {
            self.error(
                codes::MISMATCHED_TYPES,
                "`future.state` needs the built-in `FutureState`, which this program's own \
                 `FutureState` shadows"
                    .to_string(),
                span.clone(),
                "the state of a future",
            );
            self.push_help(
                "declare `FutureState[T]` with the variants `Pending`, `Completed(value: T)` \
                 and `Error(message: String)`, or give your type another name"
                    .to_string(),
            );
            return error_expr(span);
        };
        // `let f = …; when status(f) == 0 -> Pending; == 1 -> Completed(await f); else Error(msg)`.
        let tmp_name = format!("\u{0}future{}", self.body().vars.len());
        let tmp = self.new_var(&tmp_name, future.ty, false, span.clone());
        self.body().used.insert(tmp);
        let read = || expr(ExprKind::Var(tmp), future.ty, &span);
        let status = expr(
            ExprKind::Async(AsyncOp::FutureStatus, vec![read()]),
            Type::Int,
            &span,
        );
        let status_name = format!("\u{0}status{}", self.body().vars.len());
        let status_var = self.new_var(&status_name, Type::Int, false, span.clone());
        self.body().used.insert(status_var);
        let is = |n: i64| {
            expr(
                ExprKind::Binary(
                    hir::BinaryOp::Eq,
                    Box::new(expr(ExprKind::Var(status_var), Type::Int, &span)),
                    Box::new(expr(ExprKind::Int(n), Type::Int, &span)),
                ),
                Type::Bool,
                &span,
            )
        };
        let variant =
            |tag: u32, payload: Vec<Expr>| expr(ExprKind::Variant(tag, payload), state_ty, &span);
        let value = expr(ExprKind::Async(AsyncOp::Await, vec![read()]), *t, &span);
        let message = expr(
            ExprKind::Async(AsyncOp::FutureError, vec![read()]),
            Type::Str,
            &span,
        );
        let arm = |cond: Option<Expr>, v: Expr| hir::WhenArm {
            cond,
            body: hir::Block {
                stmts: Vec::new(),
                tail: Some(Box::new(v)),
            },
            span: span.clone(),
        };
        let when = expr(
            ExprKind::When(vec![
                arm(Some(is(0)), variant(pending, Vec::new())),
                arm(Some(is(1)), variant(completed, vec![value])),
                arm(None, variant(error, vec![message])),
            ]),
            state_ty,
            &span,
        );
        expr(
            ExprKind::Block(hir::Block {
                stmts: vec![
                    Stmt {
                        kind: StmtKind::Let(tmp, future),
                        span: span.clone(),
                    },
                    Stmt {
                        kind: StmtKind::Let(status_var, status),
                        span: span.clone(),
                    },
                ],
                tail: Some(Box::new(when)),
            }),
            state_ty,
            &span,
        )
    }
}

impl Checker {
    /// The tags of `Pending`, `Completed(value: t)` and `Error(message:
    /// String)` in the enum `state_ty`, if it has exactly those variants.
    fn future_state_tags(&self, state_ty: Type, t: Type) -> Option<[u32; 3]> {
        let Type::Enum(e) = state_ty else {
            return None;
        };
        let info = &self.types.enums[e.id as usize];
        if info.variants.len() != 3 {
            return None;
        }
        let tag = |name: &str, fields: &[Type]| {
            info.variants
                .iter()
                .position(|v| {
                    v.name == name
                        && v.fields.len() == fields.len()
                        && v.fields.iter().zip(fields).all(|((_, a), b)| a == b)
                })
                .map(|i| i as u32)
        };
        Some([
            tag("Pending", &[])?,
            tag("Completed", &[t])?,
            tag("Error", &[Type::Str])?,
        ])
    }
}

/// Whether a failure message could not be told from a value of `t`.
fn mentions_string(t: Type) -> bool {
    mentions_type(t, &|t| matches!(t, Type::Str | Type::Json))
}

/// Whether `t` or a type inside it is one for which `hit` holds.
fn mentions_type(t: Type, hit: &dyn Fn(Type) -> bool) -> bool {
    if hit(t) {
        return true;
    }
    match t {
        Type::List(e) | Type::Set(e) | Type::Future(e) | Type::Channel(e) => mentions_type(*e, hit),
        Type::Map(k, v) | Type::Result(k, v) => mentions_type(*k, hit) || mentions_type(*v, hit),
        Type::Union(m) | Type::Tuple(m) => m.iter().any(|t| mentions_type(*t, hit)),
        _ => false,
    }
}
