//! Algebraic effects (tools.md §5, tools-details §66–70): `effect`
//! declarations, `perform`, `handle … with … end`, `resume` and `handler`
//! declarations.
//!
//! Everything becomes closures and runtime operations
//! (`hir::ExprKind::Effect`), which the runtime runs on its tasks
//! (`runtime/src/exec/effects.rs`):
//!
//! * the body of a `handle` is a thunk, run as a child of the running task
//!   so that a `perform` can suspend it and a clause can resume it;
//! * each clause is a thunk whose first statements bind the operation's
//!   arguments and the continuation (`EffectOp::Arg`, `Continuation`) and
//!   whose value is the clause's value; `resume(v)` in it is
//!   `EffectOp::Resume` on that continuation;
//! * a `handler` declaration's clauses are checked at each `handle … with
//!   Name end` that installs them, with no local variable in scope, since
//!   `resume` gives that `handle`'s value;
//! * `perform E.op(args)` evaluates its arguments in source order, then
//!   performs; when `E` is bound to a tool (`bind effect`), an unhandled
//!   `perform` calls the tool instead (the test is `EffectOp::Handled`).
//!
//! Values of a `handle` expression: its expected type, else its body's
//! type; every clause's value (and so every `resume`) has that type.

use std::collections::HashMap;

use lumen_diagnostics::Span;
use lumen_syntax::ast::{self, AstNode};

use super::build::expr;
use super::build::{block_stmts, error_expr};
use super::{codes, span_of, Checker};
use crate::hir::{self, EffectOp, Expr, ExprKind, Stmt, StmtKind, VarId};
use crate::types::Type;

/// One operation of an `effect` declaration.
#[derive(Clone, Debug)]
pub(crate) struct OpSig {
    pub effect: String,
    pub name: String,
    pub params: Vec<(String, Type)>,
    pub ret: Type,
}

/// The effects and handlers the program declares.
#[derive(Clone, Default)]
pub(crate) struct Effects {
    /// Operations, numbered program-wide (the runtime's operation ids).
    ops: Vec<OpSig>,
    /// (module, effect name) → its operations' ids.
    decls: HashMap<(usize, String), Vec<u32>>,
    /// (module, handler name) → its declaration.
    handlers: HashMap<(usize, String), ast::Handler>,
    /// The effects handled by the `handle` bodies being checked, innermost
    /// last (a bound `perform` in one is no tool call, async.md §4).
    lexical: Vec<Vec<String>>,
}

/// What `resume` means in the clause being checked.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ResumeContext {
    /// The clause's continuation.
    pub continuation: VarId,
    /// The type `resume`'s argument must have: the operation's result.
    pub value: Type,
    /// The type `resume` gives: the `handle` expression's.
    pub result: Type,
}

/// The part of a `handle` a body is, for messages about what it cannot do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HandlePart {
    Body,
    Clause,
}

impl HandlePart {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            HandlePart::Body => "the body of a `handle`",
            HandlePart::Clause => "a handler clause",
        }
    }
}

/// A clause to check: its syntax and whether it comes from a `handler`
/// declaration (checked with no local variable in scope).
struct Clause {
    syntax: ast::HandlerClause,
    declared: bool,
}

impl Checker {
    /// `effect E … end`: records its operations.
    pub(super) fn collect_effect(&mut self, e: &ast::Effect) {
        let Some(name) = e.name().map(|n| n.text()) else {
            return;
        };
        let key = (self.current_module, name.clone());
        if self.algebraic.decls.contains_key(&key) {
            self.error(
                codes::DUPLICATE_DEFINITION,
                format!("the effect `{name}` is declared more than once"),
                span_of(e),
                "declared again here",
            );
            return;
        }
        let mut ids = Vec::new();
        for op in e.cells() {
            let Some(op_name) = op.name().map(|n| n.text()) else {
                continue;
            };
            if op.body().is_some() || op.expr_body().is_some() {
                self.error(
                    codes::BAD_EFFECT,
                    format!("the operation `{name}.{op_name}` has a body"),
                    span_of(&op),
                    "an effect declares signatures only",
                );
                self.push_help(
                    "put the code in a handler clause: `handle … with` or `handler`".to_string(),
                );
            }
            if ids
                .iter()
                .any(|&i: &u32| self.algebraic.ops[i as usize].name == op_name)
            {
                self.error(
                    codes::DUPLICATE_DEFINITION,
                    format!("`{name}.{op_name}` is declared more than once"),
                    span_of(&op),
                    "declared again here",
                );
                continue;
            }
            let mut params = Vec::new();
            for p in op.params() {
                let pname = p.name().map(|n| n.text()).unwrap_or_default();
                let ty = match p.ty() {
                    Some(t) => self.resolve_type(&t),
                    None => {
                        self.error(
                            codes::NEEDS_ANNOTATION,
                            format!("the parameter `{pname}` of `{name}.{op_name}` needs a type"),
                            span_of(&p),
                            "add `: Type`",
                        );
                        Type::Error
                    }
                };
                if p.default().is_some() || p.is_variadic() {
                    self.error(
                        codes::BAD_PARAMETERS,
                        "an effect operation takes plain parameters",
                        span_of(&p),
                        "no defaults or `...` here",
                    );
                }
                params.push((pname, ty));
            }
            let ret = op
                .ret_type()
                .map(|t| self.resolve_type(&t))
                .unwrap_or(Type::Null);
            ids.push(self.algebraic.ops.len() as u32);
            self.algebraic.ops.push(OpSig {
                effect: name.clone(),
                name: op_name,
                params,
                ret,
            });
        }
        self.algebraic.decls.insert(key, ids);
    }

    /// `handler Name … end`: recorded; its clauses are checked where a
    /// `handle` installs it, and their operations here.
    pub(super) fn collect_handler(&mut self, h: &ast::Handler) {
        let Some(name) = h.name().map(|n| n.text()) else {
            return;
        };
        let key = (self.current_module, name.clone());
        if self.algebraic.handlers.contains_key(&key) {
            self.error(
                codes::DUPLICATE_DEFINITION,
                format!("the handler `{name}` is declared more than once"),
                span_of(h),
                "declared again here",
            );
            return;
        }
        self.algebraic.handlers.insert(key, h.clone());
    }

    /// Reports the operations of every `handler` declaration that do not
    /// exist (once, even if the handler is never used).
    pub(super) fn check_handler_declarations(&mut self) {
        let mut handlers: Vec<(usize, ast::Handler)> = self
            .algebraic
            .handlers
            .iter()
            .map(|((m, _), h)| (*m, h.clone()))
            .collect();
        handlers.sort_by_key(|(m, h)| (*m, usize::from(h.syntax().text_range().start())));
        let saved = self.current_module;
        for (m, h) in handlers {
            self.current_module = m;
            let mut seen = Vec::new();
            for clause in h.clauses() {
                if let Some(path) = clause.path() {
                    if let Some(id) = self.resolve_op(&path) {
                        self.duplicate_clause(id, &mut seen, &clause);
                    }
                }
            }
        }
        self.current_module = saved;
    }

    /// The operation `E.op` names, or an error.
    fn resolve_op(&mut self, path: &ast::Path) -> Option<u32> {
        let segments: Vec<String> = path.segments().map(|s| s.text()).collect();
        let span = span_of(path);
        if segments.len() != 2 {
            self.error(
                codes::BAD_EFFECT,
                format!("`{}` is not an effect operation", path.text()),
                span,
                "expected `Effect.operation`",
            );
            return None;
        }
        let (effect, op) = (&segments[0], &segments[1]);
        let ids = self
            .algebraic
            .decls
            .get(&(self.current_module, effect.clone()))
            .or_else(|| {
                // An effect declared in another module of the program.
                let mut found = self
                    .algebraic
                    .decls
                    .iter()
                    .filter(|((_, e), _)| e == effect);
                let first = found.next()?;
                found.next().is_none().then_some(first.1)
            })
            .cloned();
        let Some(ids) = ids else {
            self.error(
                codes::UNRESOLVED_NAME,
                format!("cannot find the effect `{effect}`"),
                span,
                "no `effect` declaration of this name",
            );
            return None;
        };
        match ids
            .iter()
            .find(|&&i| self.algebraic.ops[i as usize].name == *op)
        {
            Some(&id) => Some(id),
            None => {
                let names: Vec<String> = ids
                    .iter()
                    .map(|&i| format!("`{}`", self.algebraic.ops[i as usize].name))
                    .collect();
                self.error(
                    codes::UNRESOLVED_NAME,
                    format!("the effect `{effect}` has no operation `{op}`"),
                    span,
                    "unknown operation",
                );
                self.push_help(format!("its operations are {}", names.join(", ")));
                None
            }
        }
    }

    /// `perform E.op(args)`.
    pub(super) fn check_perform(&mut self, p: &ast::PerformExpr, span: Span) -> Expr {
        let Some(path) = p.path() else {
            return error_expr(span);
        };
        let args: Vec<ast::Arg> = p.args().collect();
        let Some(id) = self.resolve_op(&path) else {
            for a in &args {
                if let Some(v) = a.value() {
                    self.check_expr(&v, None);
                }
            }
            return error_expr(span);
        };
        let op = self.algebraic.ops[id as usize].clone();
        let full = format!("{}.{}", op.effect, op.name);
        // Arguments in source order, each into a hidden variable, then the
        // operation with them in parameter order.
        let mut stmts = Vec::new();
        let mut slots: Vec<Option<VarId>> = vec![None; op.params.len()];
        let mut positional = 0usize;
        let mut ok = true;
        for arg in &args {
            let Some(value) = arg.value() else { continue };
            let arg_span = span_of(arg);
            let index = if arg.is_spread() {
                None
            } else {
                match arg.name() {
                    Some(n) => op.params.iter().position(|(p, _)| *p == n.text()),
                    None => {
                        positional += 1;
                        (positional <= op.params.len()).then(|| positional - 1)
                    }
                }
            };
            let Some(i) = index.filter(|i| slots[*i].is_none()) else {
                let what = match arg.name() {
                    _ if arg.is_spread() => "a spread argument".to_string(),
                    Some(n) if op.params.iter().any(|(p, _)| *p == n.text()) => {
                        format!("`{}` is given twice", n.text())
                    }
                    Some(n) => format!("no parameter named `{}`", n.text()),
                    None => "too many arguments".to_string(),
                };
                self.error(
                    codes::BAD_ARGUMENTS,
                    format!("`{full}` takes {} argument(s): {what}", op.params.len()),
                    arg_span,
                    "not a parameter of the operation",
                );
                self.check_expr(&value, None);
                ok = false;
                continue;
            };
            let ty = op.params[i].1;
            let v = self.check_expr(&value, Some(ty));
            let v = self.coerce(v, ty, &span_of(&value));
            let var = self.hidden_var("perform", ty, &arg_span);
            stmts.push(Stmt {
                kind: StmtKind::Let(var, v),
                span: arg_span,
            });
            slots[i] = Some(var);
        }
        let missing: Vec<String> = op
            .params
            .iter()
            .zip(&slots)
            .filter(|(_, s)| s.is_none())
            .map(|((n, _), _)| format!("`{n}`"))
            .collect();
        if !missing.is_empty() && ok {
            self.error(
                codes::BAD_ARGUMENTS,
                format!("`{full}` is missing the argument(s) {}", missing.join(", ")),
                span.clone(),
                "missing arguments",
            );
            ok = false;
        }
        self.log_effect(op.effect.clone(), span.clone(), format!("`perform {full}`"));
        if !ok {
            return error_expr(span);
        }
        let read = |c: &Self, v: VarId| expr(ExprKind::Var(v), c.var_ty(v), &span);
        let values: Vec<Expr> = slots
            .iter()
            .map(|v| read(self, v.expect("checked")))
            .collect();
        let perform = expr(
            ExprKind::Effect(EffectOp::Perform { id, name: full }, values.clone()),
            op.ret,
            &span,
        );
        let value = match self.bound_fallback(&op, values, &span) {
            Some(call) => expr(
                ExprKind::If {
                    cond: Box::new(expr(
                        ExprKind::Effect(EffectOp::Handled { id }, Vec::new()),
                        Type::Bool,
                        &span,
                    )),
                    then_block: hir::Block {
                        stmts: Vec::new(),
                        tail: Some(Box::new(perform)),
                    },
                    else_block: Some(hir::Block {
                        stmts: Vec::new(),
                        tail: Some(Box::new(call)),
                    }),
                },
                op.ret,
                &span,
            ),
            None => perform,
        };
        expr(
            ExprKind::Block(hir::Block {
                stmts,
                tail: Some(Box::new(value)),
            }),
            op.ret,
            &span,
        )
    }

    /// The tool call an unhandled `perform` of `op` makes when its effect
    /// is bound to a tool (tools-details §66, §69): the parameters as named
    /// arguments, the operation's result as the expected type, no
    /// conversation.
    fn bound_fallback(&mut self, op: &OpSig, values: Vec<Expr>, span: &Span) -> Option<Expr> {
        let alias = self.bound_alias(&op.effect)?;
        if self.deterministic {
            // A tool call cannot be reproduced (async.md §4), unless a
            // `handle` for the effect is in scope: then no tool is called.
            let in_scope = self
                .algebraic
                .lexical
                .iter()
                .flatten()
                .any(|e| *e == op.effect);
            if !in_scope {
                self.not_deterministic(&format!("perform {}.{}", op.effect, op.name), span.clone());
            }
            return None;
        }
        let given: Vec<(String, Expr)> = op
            .params
            .iter()
            .map(|(n, _)| n.clone())
            .zip(values)
            .collect();
        self.tool_call_values(&alias, given, op.ret, span)
    }

    /// `handle … with … end`.
    pub(super) fn check_handle(
        &mut self,
        h: &ast::HandleExpr,
        expected: Option<Type>,
        span: Span,
    ) -> Expr {
        let clauses: Vec<Clause> = match h.handler_name() {
            Some(name) => {
                let text = name.text();
                let found = self
                    .algebraic
                    .handlers
                    .get(&(self.current_module, text.clone()))
                    .cloned();
                match found {
                    Some(decl) => decl
                        .clauses()
                        .map(|syntax| Clause {
                            syntax,
                            declared: true,
                        })
                        .collect(),
                    None => {
                        self.error(
                            codes::UNRESOLVED_NAME,
                            format!("cannot find the handler `{text}`"),
                            span_of(&name),
                            "no `handler` declaration of this name",
                        );
                        return error_expr(span);
                    }
                }
            }
            None => h
                .clauses()
                .map(|syntax| Clause {
                    syntax,
                    declared: false,
                })
                .collect(),
        };
        // The operations, each handled once.
        let mut ops: Vec<(u32, ast::HandlerClause, bool)> = Vec::new();
        let mut seen = Vec::new();
        for c in clauses {
            let Some(path) = c.syntax.path() else {
                continue;
            };
            let resolved = if c.declared {
                // Reported once, at the declaration.
                self.quietly(|this| this.resolve_op(&path))
            } else {
                self.resolve_op(&path)
            };
            if let Some(id) = resolved {
                if c.declared || self.duplicate_clause(id, &mut seen, &c.syntax) {
                    ops.push((id, c.syntax, c.declared));
                }
            }
        }
        let handled: Vec<String> = ops
            .iter()
            .map(|(id, ..)| self.algebraic.ops[*id as usize].effect.clone())
            .collect();
        let body_stmts = block_stmts(h.body());
        self.algebraic.lexical.push(handled.clone());
        let body = self.effect_thunk(&span, HandlePart::Body, |this| {
            let block = this.check_stmts(&body_stmts, true);
            let ty = super::build::block_type(&block);
            let value = expr(ExprKind::Block(block), ty, &span);
            match expected {
                Some(t) => this.coerce(value, t, &span),
                None => value,
            }
        });
        self.algebraic.lexical.pop();
        let Type::Fn(sig) = body.ty else {
            return error_expr(span);
        };
        let result = expected.unwrap_or(sig.ret);
        if let ExprKind::Closure(body_cell, _) = &body.kind {
            self.mark_handled(*body_cell, handled);
        }
        let mut args = vec![body];
        let mut ids = Vec::new();
        for (id, clause, declared) in ops {
            let thunk = if declared {
                self.with_no_locals(|this| this.check_clause(id, &clause, result))
            } else {
                self.check_clause(id, &clause, result)
            };
            args.push(thunk);
            ids.push(id);
        }
        expr(
            ExprKind::Effect(EffectOp::Handle { ops: ids }, args),
            result,
            &span,
        )
    }

    /// Whether clause `clause` for `id` is the first for it; reports it
    /// otherwise.
    fn duplicate_clause(
        &mut self,
        id: u32,
        seen: &mut Vec<u32>,
        clause: &ast::HandlerClause,
    ) -> bool {
        if seen.contains(&id) {
            let op = &self.algebraic.ops[id as usize];
            let name = format!("{}.{}", op.effect, op.name);
            self.error(
                codes::BAD_EFFECT,
                format!("`{name}` is handled twice"),
                span_of(clause),
                "a second clause for the same operation",
            );
            return false;
        }
        seen.push(id);
        true
    }

    /// A clause for operation `id` as a thunk giving `result`.
    fn check_clause(&mut self, id: u32, clause: &ast::HandlerClause, result: Type) -> Expr {
        let op = self.algebraic.ops[id as usize].clone();
        let span = span_of(clause);
        let params: Vec<ast::Param> = clause.params().collect();
        if params.len() != op.params.len() {
            self.error(
                codes::BAD_PARAMETERS,
                format!(
                    "`{}.{}` takes {} parameter(s), this clause names {}",
                    op.effect,
                    op.name,
                    op.params.len(),
                    params.len()
                ),
                clause.path().map_or(span.clone(), |p| span_of(&p)),
                "parameters do not match the operation",
            );
        }
        let declared_ret = clause
            .ret_type()
            .map(|t| (self.resolve_type(&t), span_of(&t)));
        self.effect_thunk(&span, HandlePart::Clause, |this| {
            let mut prelude = Vec::new();
            for (i, (pname, pty)) in op.params.iter().enumerate() {
                let syntax = params.get(i);
                let name = syntax
                    .and_then(|p| p.name())
                    .map(|n| n.text())
                    .unwrap_or_else(|| pname.clone());
                let pspan = syntax.map_or(span.clone(), span_of);
                if let Some(t) = syntax.and_then(|p| p.ty()) {
                    let given = this.resolve_type(&t);
                    if given != *pty && !given.has_error() && !pty.has_error() {
                        this.error(
                            codes::MISMATCHED_TYPES,
                            format!("the parameter `{name}` has type `{given}` here but `{pty}` in the effect"),
                            span_of(&t),
                            format!("expected `{pty}`"),
                        );
                    }
                }
                let var = this.new_var(&name, *pty, false, pspan.clone());
                prelude.push(Stmt {
                    kind: StmtKind::Let(
                        var,
                        expr(
                            ExprKind::Effect(EffectOp::Arg { index: i as u32 }, Vec::new()),
                            *pty,
                            &pspan,
                        ),
                    ),
                    span: pspan,
                });
            }
            let k = this.hidden_var("resume", Type::Int, &span);
            prelude.push(Stmt {
                kind: StmtKind::Let(
                    k,
                    expr(
                        ExprKind::Effect(EffectOp::Continuation, Vec::new()),
                        Type::Int,
                        &span,
                    ),
                ),
                span: span.clone(),
            });
            this.body().prelude.extend(prelude);
            this.body().resume = Some(ResumeContext {
                continuation: k,
                value: op.ret,
                result,
            });
            let value = match clause.body() {
                Some(ast::ArmBody::Expr(e)) => this.check_expr(&e, Some(result)),
                Some(ast::ArmBody::Block(b)) => {
                    let stmts: Vec<ast::Stmt> = b.stmts().collect();
                    let block = this.check_stmts(&stmts, true);
                    let ty = super::build::block_type(&block);
                    expr(ExprKind::Block(block), ty, &span)
                }
                None => error_expr(span.clone()),
            };
            if let Some((declared, tspan)) = declared_ret {
                // `-> T`: the clause's value when it does not resume
                // (tools-details §70); a value from `resume` is the
                // `handle`'s own.
                if !ends_in_resume(&value) && !declared.has_error() {
                    let _ = tspan;
                    let vspan = value.span.clone();
                    this.coerce(value.clone(), declared, &vspan);
                }
            }
            let vspan = value.span.clone();
            this.coerce(value, result, &vspan)
        })
    }

    /// `resume(v)` when the call `call` is one: inside a handler clause (its
    /// value), or an error anywhere else. `None`: not `resume`.
    pub(super) fn check_resume(&mut self, call: &ast::CallExpr, span: &Span) -> Option<Expr> {
        let ast::Expr::Name(name) = call.callee()? else {
            return None;
        };
        if name.text() != "resume"
            || self.lookup_var("resume").is_some()
            || self.names_cell("resume")
        {
            return None;
        }
        let args: Vec<ast::Arg> = call.args().collect();
        let Some(ctx) = self.body().resume else {
            let nested = self.bodies.iter().any(|b| b.resume.is_some());
            self.error(
                codes::BAD_EFFECT,
                "`resume` outside a handler clause",
                span.clone(),
                if nested {
                    "a closure inside a clause cannot resume it"
                } else {
                    "no clause to resume"
                },
            );
            self.push_help(
                "`resume(v)` continues the computation a `handle … with` clause interrupted"
                    .to_string(),
            );
            for a in &args {
                if let Some(v) = a.value() {
                    self.check_expr(&v, None);
                }
            }
            return Some(error_expr(span.clone()));
        };
        let value = match args.as_slice() {
            [a] if a.name().is_none() && !a.is_spread() => a.value(),
            _ => None,
        };
        let Some(value) = value else {
            self.error(
                codes::BAD_ARGUMENTS,
                "`resume` takes one value",
                span.clone(),
                "the value `perform` gives",
            );
            return Some(error_expr(span.clone()));
        };
        let v = self.check_expr(&value, Some(ctx.value));
        let v = self.coerce(v, ctx.value, &span_of(&value));
        self.body().used.insert(ctx.continuation);
        let k = expr(ExprKind::Var(ctx.continuation), Type::Int, span);
        Some(expr(
            ExprKind::Effect(EffectOp::Resume, vec![k, v]),
            ctx.result,
            span,
        ))
    }

    /// A thunk (a hidden cell taking nothing) for part of a `handle`,
    /// whose value `build` checks.
    fn effect_thunk(
        &mut self,
        span: &Span,
        part: HandlePart,
        build: impl FnOnce(&mut Self) -> Expr,
    ) -> Expr {
        self.thunk(span, |this| {
            this.body().handle_part = Some(part);
            build(this)
        })
    }

    /// Runs `check` with no enclosing body in sight: a `handler`
    /// declaration's clause sees the file's names, not the locals where it
    /// is installed. Its effects count where it is installed.
    fn with_no_locals(&mut self, check: impl FnOnce(&mut Self) -> Expr) -> Expr {
        let saved = std::mem::take(&mut self.bodies);
        let e = check(self);
        self.bodies = saved;
        if let ExprKind::Closure(id, _) = &e.kind {
            self.log_call(*id, e.span.clone());
        }
        e
    }

    /// A hidden variable of the current body.
    fn hidden_var(&mut self, what: &str, ty: Type, span: &Span) -> VarId {
        let name = format!("\u{0}{what}{}", self.body().vars.len());
        let v = self.new_var(&name, ty, false, span.clone());
        self.body().used.insert(v);
        v
    }

    fn var_ty(&self, v: VarId) -> Type {
        self.bodies
            .last()
            .map_or(Type::Error, |b| b.vars[v.0 as usize].ty)
    }

    /// Whether `name` is a cell visible here (a user cell named `resume`
    /// keeps its meaning).
    fn names_cell(&self, name: &str) -> bool {
        self.cell_names.contains_key(&self.key(name))
    }

    /// Runs `f` and drops the diagnostics it reports.
    fn quietly<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        let before = self.diagnostics.len();
        let r = f(self);
        self.diagnostics.truncate(before);
        r
    }

    /// Whether some module declares `name` with `effect` (not a tool
    /// effect).
    pub(super) fn is_declared_effect_anywhere(&self, name: &str) -> bool {
        self.algebraic.decls.keys().any(|(_, e)| e == name)
    }
}

/// Whether the value of a clause is a `resume` (its last expression).
fn ends_in_resume(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Effect(EffectOp::Resume, _) => true,
        ExprKind::Block(b) => b.tail.as_deref().is_some_and(ends_in_resume),
        _ => false,
    }
}
