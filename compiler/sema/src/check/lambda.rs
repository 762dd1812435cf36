//! Function values: lambdas (`fn(x) => x * 2`, block bodies), named cells
//! used as values, and calls of function values.
//!
//! A lambda's body becomes a cell of its own (a *closure body*) whose
//! `captures` list the variables it copies from enclosing bodies when the
//! closure is created (semantics.md §1: capture by value). Lowering gives such
//! a cell the closure object as a hidden first parameter.

use std::collections::HashMap;

use lumen_diagnostics::Span;
use lumen_syntax::ast::{self, AstNode};

use super::build::error_expr;
use super::{codes, span_of, Body, CellSig, Checker, ParamSig, RetState};
use crate::hir::{self, CellId, Expr, ExprKind, VarId};
use crate::types::{fn_type, Type};

/// Closure wrappers already made for named cells used as values.
#[derive(Default, Clone)]
pub(crate) struct CellValues {
    wrappers: HashMap<CellId, CellId>,
}

impl Checker {
    /// Registers a cell that has no name in scope (closure bodies).
    pub(super) fn add_hidden_cell(&mut self, sig: CellSig) -> CellId {
        let id = CellId(self.cells.len() as u32);
        self.cells.push(sig);
        self.ret_states.push(RetState::Unknown);
        self.checked.push(None);
        id
    }

    pub(super) fn check_lambda(
        &mut self,
        l: &ast::LambdaExpr,
        expected: Option<Type>,
        span: Span,
    ) -> Expr {
        let own_row = l.effect_row().map(|r| self.fn_row(&r));
        let expected_sig = match expected {
            Some(Type::Fn(sig)) => Some(sig),
            _ => None,
        };
        let params: Vec<ast::Param> = l.params().collect();
        if let Some(sig) = expected_sig {
            if sig.params.len() != params.len() {
                self.error(
                    codes::MISMATCHED_TYPES,
                    "mismatched types",
                    span.clone(),
                    format!(
                        "expected a function taking {} parameter(s), this one takes {}",
                        sig.params.len(),
                        params.len()
                    ),
                );
                return error_expr(span);
            }
        }
        let mut param_sigs = Vec::new();
        for (i, p) in params.iter().enumerate() {
            let name = p
                .name()
                .map(|n| n.text())
                .unwrap_or_else(|| "_".to_string());
            let ty = match (p.ty(), expected_sig) {
                (Some(t), _) => self.resolve_type(&t),
                (None, Some(sig)) => sig.params[i],
                (None, None) => {
                    self.error(
                        codes::NEEDS_ANNOTATION,
                        format!("the type of parameter `{name}` cannot be inferred here"),
                        span_of(p),
                        "add `: Type`",
                    );
                    Type::Error
                }
            };
            // A function value's type `fn(A, B) -> R` has a fixed arity and
            // no defaults, so a lambda parameter cannot have either.
            if p.default().is_some() || p.is_variadic() {
                let what = if p.is_variadic() {
                    "a lambda cannot have a variadic parameter"
                } else {
                    "a lambda parameter cannot have a default"
                };
                self.error(
                    codes::BAD_PARAMETERS,
                    what,
                    span_of(p),
                    "function values take exactly their parameters",
                );
                self.push_help(
                    "declare a named cell for defaults and `...rest: T`, or pass a list"
                        .to_string(),
                );
            }
            // (Typed as it would be in a cell, against follow-up errors.)
            let ty = if p.is_variadic() && p.ty().is_some() {
                crate::types::list_of(ty)
            } else {
                ty
            };
            param_sigs.push(ParamSig {
                name,
                ty,
                default: None,
                span: span_of(p),
                variadic: false,
            });
        }
        let declared_ret = match l.ret_type() {
            Some(t) => Some(self.resolve_type(&t)),
            None => expected_sig.map(|s| s.ret).filter(|t| !t.has_error()),
        };
        let id = self.add_hidden_cell(CellSig {
            name: "<closure>".to_string(),
            params: param_sigs.clone(),
            declared_ret,
            span: span.clone(),
            syntax: None,
            generics: Vec::new(),
            type_args: Default::default(),
            module: self.current_module,
        });
        let mut body_state = Body::new(declared_ret);
        body_state.is_lambda = true;
        body_state.owner = Some(id);
        self.bodies.push(body_state);
        let param_vars: Vec<VarId> = param_sigs
            .iter()
            .map(|p| self.new_var(&p.name, p.ty, false, p.span.clone()))
            .collect();
        for v in &param_vars {
            self.body().used.insert(*v);
        }
        let (block, ret) = match l.body() {
            Some(ast::ArmBody::Expr(e)) => {
                let value = self.check_expr(&e, declared_ret);
                let value = match declared_ret {
                    Some(t) => self.coerce(value, t, &span_of(&e)),
                    None => value,
                };
                let ret = declared_ret.unwrap_or(if value.ty == Type::Never {
                    Type::Null
                } else {
                    value.ty
                });
                (
                    hir::Block {
                        stmts: Vec::new(),
                        tail: Some(Box::new(value)),
                    },
                    ret,
                )
            }
            Some(ast::ArmBody::Block(b)) => {
                let stmts: Vec<ast::Stmt> = b.stmts().collect();
                // A lambda with `role` statements has its own conversation,
                // continuing the one it captures (tools-details §28).
                let conversation = self.begin_conversation(&[b.syntax().clone()], &span);
                // Without `->`, the last expression is the value.
                let wants_value = declared_ret.is_none_or(|t| t != Type::Null);
                let mut block = self.check_stmts(&stmts, wants_value);
                if let Some(stmt) = conversation {
                    block.stmts.insert(0, stmt);
                }
                let ret = match declared_ret {
                    Some(t) => {
                        if wants_value {
                            self.check_closure_returns(&mut block, t, &span);
                        }
                        t
                    }
                    None => self.infer_closure_ret(&mut block),
                };
                (block, ret)
            }
            None => (hir::Block::default(), Type::Error),
        };
        let param_types: Vec<Type> = param_sigs.iter().map(|p| p.ty).collect();
        let closure = self.finish_closure(id, param_vars, param_types.clone(), ret, block, span);
        match own_row {
            // `fn(x) / {http} => …`: its type has the row, and its body is
            // checked against it.
            Some(row) => {
                self.require_fn_row(id, row.clone(), closure.span.clone());
                Expr {
                    ty: crate::types::fn_type_with_row(param_types, ret, Some(row)),
                    ..closure
                }
            }
            None => closure,
        }
    }

    /// Ends the closure body the checker is in (pushed on `bodies`): records
    /// the hidden cell `id` with its captures, and gives the closure value
    /// that copies the captured variables from the enclosing body.
    pub(super) fn finish_closure(
        &mut self,
        id: CellId,
        params: Vec<VarId>,
        param_types: Vec<Type>,
        ret: Type,
        body: hir::Block,
        span: Span,
    ) -> Expr {
        let state = self.bodies.pop().expect("a closure body is being checked");
        // The body that makes a closure performs what the closure does.
        self.log_call(id, span.clone());
        let captures: Vec<VarId> = state.captures.iter().map(|(_, inner)| *inner).collect();
        let capture_values: Vec<Expr> = state
            .captures
            .iter()
            .map(|(outer, _)| {
                let ty = self.body().vars[outer.0 as usize].ty;
                Expr {
                    kind: ExprKind::Var(*outer),
                    ty,
                    span: span.clone(),
                }
            })
            .collect();
        self.ret_states[id.0 as usize] = RetState::Known(ret);
        self.checked[id.0 as usize] = Some(hir::Cell {
            name: "<closure>".to_string(),
            params,
            ret,
            vars: state.vars,
            body,
            span: span.clone(),
            captures: Some(captures),
        });
        Expr {
            kind: ExprKind::Closure(id, capture_values),
            ty: fn_type(param_types, ret),
            span,
        }
    }

    /// `f ~> g`, checked so that builtins on either side get their types:
    /// `f` from the expected parameter, `g` from what `f` returns.
    pub(super) fn check_compose(
        &mut self,
        b: &ast::BinExpr,
        expected: Option<Type>,
        span: Span,
    ) -> Expr {
        let (Some(lhs), Some(rhs)) = (b.lhs(), b.rhs()) else {
            return error_expr(span);
        };
        let (param, ret) = match expected {
            Some(Type::Fn(sig)) if sig.params.len() == 1 => (Some(sig.params[0]), sig.ret),
            _ => (None, Type::Error),
        };
        let f = self.check_expr(&lhs, param.map(|p| fn_type(vec![p], Type::Error)));
        let g_expected = match f.ty {
            Type::Fn(sig) if sig.params.len() == 1 => Some(fn_type(vec![sig.ret], ret)),
            _ => None,
        };
        let g = self.check_expr(&rhs, g_expected);
        self.compose(f, g, span)
    }

    /// `f ~> g`: the closure `fn(x) => g(f(x))`, capturing both functions.
    pub(super) fn compose(&mut self, f: Expr, g: Expr, span: Span) -> Expr {
        if f.ty.has_error() || g.ty.has_error() {
            return error_expr(span);
        }
        let one_param = |t: Type| match t {
            Type::Fn(sig) if sig.params.len() == 1 => Some(sig),
            _ => None,
        };
        let (Some(fs), Some(gs)) = (one_param(f.ty), one_param(g.ty)) else {
            let bad = if one_param(f.ty).is_none() { &f } else { &g };
            self.error(
                codes::MISMATCHED_TYPES,
                format!(
                    "`~>` composes functions of one parameter, found `{}`",
                    bad.ty
                ),
                bad.span.clone(),
                "not a one-parameter function",
            );
            return error_expr(span);
        };
        let var = |name: &str, ty: Type| hir::Var {
            name: name.to_string(),
            ty,
            mutable: false,
            span: span.clone(),
        };
        let vars = vec![var("f", f.ty), var("g", g.ty), var("x", fs.params[0])];
        let use_var = |id: u32, ty: Type| Expr {
            kind: ExprKind::Var(VarId(id)),
            ty,
            span: span.clone(),
        };
        let inner = Expr {
            kind: ExprKind::CallValue(Box::new(use_var(0, f.ty)), vec![use_var(2, fs.params[0])]),
            ty: fs.ret,
            span: span.clone(),
        };
        let inner = self.coerce(inner, gs.params[0], &span);
        let call = Expr {
            kind: ExprKind::CallValue(Box::new(use_var(1, g.ty)), vec![inner]),
            ty: gs.ret,
            span: span.clone(),
        };
        let id = self.add_hidden_cell(CellSig {
            name: "<closure>".to_string(),
            params: Vec::new(),
            declared_ret: Some(gs.ret),
            span: span.clone(),
            syntax: None,
            generics: Vec::new(),
            type_args: Default::default(),
            module: self.current_module,
        });
        self.ret_states[id.0 as usize] = RetState::Known(gs.ret);
        self.checked[id.0 as usize] = Some(hir::Cell {
            name: "<closure>".to_string(),
            params: vec![VarId(2)],
            ret: gs.ret,
            vars,
            body: hir::Block {
                stmts: Vec::new(),
                tail: Some(Box::new(call)),
            },
            span: span.clone(),
            captures: Some(vec![VarId(0), VarId(1)]),
        });
        Expr {
            kind: ExprKind::Closure(id, vec![f, g]),
            ty: fn_type(vec![fs.params[0]], gs.ret),
            span,
        }
    }

    /// A builtin used as a value (`map(words, upper)`): a closure whose body
    /// calls the builtin. Builtins are overloaded, so the parameter types come
    /// from the expected function type.
    pub(super) fn builtin_value(&mut self, name: &str, expected: Option<Type>, span: Span) -> Expr {
        // `let f: fn() -> Int = now_ms` would call it all the same.
        if self.deterministic && crate::builtins::is(name, crate::builtins::NONDETERMINISTIC) {
            self.not_deterministic(name, span.clone());
            return error_expr(span);
        }
        let Some(Type::Fn(sig)) = expected else {
            self.error(
                codes::NEEDS_ANNOTATION,
                format!("the builtin `{name}` is used as a value where its parameter types are not known"),
                span.clone(),
                "which form of the builtin?",
            );
            self.push_help(format!(
                "annotate the variable (`let f: fn(…) -> … = {name}`) or write a lambda"
            ));
            return error_expr(span);
        };
        if sig.params.iter().any(|t| t.has_error()) {
            return error_expr(span);
        }
        self.bodies.push(Body::new(None));
        self.body().is_lambda = true;
        let params: Vec<VarId> = sig
            .params
            .iter()
            .enumerate()
            .map(|(i, t)| self.new_var(&format!("arg{i}"), *t, false, span.clone()))
            .collect();
        for p in &params {
            self.body().used.insert(*p);
        }
        let values = params
            .iter()
            .zip(&sig.params)
            .map(|(v, t)| Expr {
                kind: ExprKind::Var(*v),
                ty: *t,
                span: span.clone(),
            })
            .collect();
        let call = self.builtin_with_values(name, values, span.clone());
        let state = self.bodies.pop().expect("pushed above");
        let Some(call) = call else {
            self.not_supported(
                &format!("using the builtin `{name}` as a value"),
                span.clone(),
            );
            return error_expr(span);
        };
        if call.ty.has_error() {
            return error_expr(span);
        }
        let ret = call.ty;
        // Registered only now: a hidden cell must always get a body.
        let id = self.add_hidden_cell(CellSig {
            name: "<closure>".to_string(),
            params: Vec::new(),
            declared_ret: Some(ret),
            span: span.clone(),
            syntax: None,
            generics: Vec::new(),
            type_args: Default::default(),
            module: self.current_module,
        });
        self.ret_states[id.0 as usize] = RetState::Known(ret);
        self.checked[id.0 as usize] = Some(hir::Cell {
            name: "<closure>".to_string(),
            params: params.clone(),
            ret,
            vars: state.vars,
            body: hir::Block {
                stmts: Vec::new(),
                tail: Some(Box::new(call)),
            },
            span: span.clone(),
            captures: Some(Vec::new()),
        });
        Expr {
            kind: ExprKind::Closure(id, Vec::new()),
            ty: fn_type(sig.params.clone(), ret),
            span,
        }
    }

    /// A named cell used as a value: a closure whose body calls the cell. A
    /// generic cell is instantiated at the type arguments the expected
    /// function type gives.
    pub(super) fn cell_value(&mut self, cell: CellId, expected: Option<Type>, span: Span) -> Expr {
        let mut sig = self.cells[cell.0 as usize].clone();
        let mut cell = cell;
        if !sig.generics.is_empty() {
            let Some(instance) = self.generic_cell_value(cell, expected, &span) else {
                return error_expr(span);
            };
            cell = instance;
            sig = self.cells[cell.0 as usize].clone();
        }
        let ret = self.cell_ret(cell, span.clone());
        // Whoever takes the value may call it (effect rows).
        self.log_call(cell, span.clone());
        let param_types: Vec<Type> = sig.params.iter().map(|p| p.ty).collect();
        let ty = fn_type(param_types, ret);
        if let Some(wrapper) = self.cell_values.wrappers.get(&cell) {
            return Expr {
                kind: ExprKind::Closure(*wrapper, Vec::new()),
                ty,
                span,
            };
        }
        let id = self.add_hidden_cell(CellSig {
            name: sig.name.clone(),
            params: sig.params.clone(),
            declared_ret: Some(ret),
            span: sig.span.clone(),
            syntax: None,
            generics: Vec::new(),
            type_args: Default::default(),
            module: sig.module,
        });
        self.cell_values.wrappers.insert(cell, id);
        let vars: Vec<hir::Var> = sig
            .params
            .iter()
            .map(|p| hir::Var {
                name: p.name.clone(),
                ty: p.ty,
                mutable: false,
                span: p.span.clone(),
            })
            .collect();
        let params: Vec<VarId> = (0..vars.len() as u32).map(VarId).collect();
        let args = params
            .iter()
            .zip(&sig.params)
            .map(|(v, p)| Expr {
                kind: ExprKind::Var(*v),
                ty: p.ty,
                span: span.clone(),
            })
            .collect();
        let call = Expr {
            kind: ExprKind::Call(cell, args),
            ty: ret,
            span: span.clone(),
        };
        self.ret_states[id.0 as usize] = RetState::Known(ret);
        self.checked[id.0 as usize] = Some(hir::Cell {
            name: sig.name,
            params,
            ret,
            vars,
            body: hir::Block {
                stmts: Vec::new(),
                tail: Some(Box::new(call)),
            },
            span: sig.span,
            captures: Some(Vec::new()),
        });
        Expr {
            kind: ExprKind::Closure(id, Vec::new()),
            ty,
            span,
        }
    }

    /// `f(args)` where `f` is a function value.
    pub(super) fn call_value(
        &mut self,
        callee: Expr,
        args: &[ast::Arg],
        piped: Option<Expr>,
        span: Span,
    ) -> Expr {
        if self.reject_spreads("a function value", args) {
            return error_expr(span);
        }
        if let Type::Fn(sig) = callee.ty {
            // A call performs what the value's type says it may.
            for effect in sig.row.iter().flatten() {
                self.log_effect(
                    effect.clone(),
                    span.clone(),
                    "a call of a function value".to_string(),
                );
            }
        }
        let Type::Fn(sig) = callee.ty else {
            if !callee.ty.has_error() {
                self.error(
                    codes::MISMATCHED_TYPES,
                    format!("a value of type `{}` cannot be called", callee.ty),
                    callee.span.clone(),
                    "not a function",
                );
            }
            for arg in args {
                if let Some(v) = arg.value() {
                    self.check_expr(&v, None);
                }
            }
            return error_expr(span);
        };
        let mut values = Vec::new();
        if let Some(p) = piped {
            let p = match sig.params.first() {
                Some(t) => {
                    let pspan = p.span.clone();
                    self.coerce(p, *t, &pspan)
                }
                None => p,
            };
            values.push(p);
        }
        for arg in args {
            let Some(v) = arg.value() else { continue };
            if let Some(n) = arg.name() {
                self.error(
                    codes::BAD_ARGUMENTS,
                    format!("a function value takes no named argument `{}`", n.text()),
                    span_of(arg),
                    "function values take positional arguments",
                );
            }
            let i = values.len();
            let expected = sig.params.get(i).copied();
            let checked = self.check_expr(&v, expected);
            let checked = match expected {
                Some(t) => self.coerce(checked, t, &span_of(&v)),
                None => checked,
            };
            values.push(checked);
        }
        if values.len() != sig.params.len() {
            self.error(
                codes::BAD_ARGUMENTS,
                format!(
                    "this function takes {} argument{} but {} {} given",
                    sig.params.len(),
                    if sig.params.len() == 1 { "" } else { "s" },
                    values.len(),
                    if values.len() == 1 { "was" } else { "were" }
                ),
                span.clone(),
                "wrong number of arguments",
            );
            return error_expr(span);
        }
        Expr {
            kind: ExprKind::CallValue(Box::new(callee), values),
            ty: sig.ret,
            span,
        }
    }

    fn check_closure_returns(&mut self, block: &mut hir::Block, ret: Type, span: &Span) {
        if let Some(tail) = block.tail.take() {
            let tspan = tail.span.clone();
            block.tail = Some(Box::new(self.coerce(*tail, ret, &tspan)));
            return;
        }
        if !super::build::block_diverges(block) {
            self.error(
                codes::MISSING_RETURN,
                format!("this function may finish without returning a `{ret}`"),
                span.clone(),
                "some path reaches `end` without a value",
            );
        }
    }

    /// A block-bodied lambda without `->` returns what its `return`s give (or
    /// its last expression when nothing else says so).
    fn infer_closure_ret(&mut self, block: &mut hir::Block) -> Type {
        let returned = std::mem::take(&mut self.body().returned);
        if !returned.is_empty() {
            if let Some(tail) = block.tail.take() {
                block.stmts.push(hir::Stmt {
                    span: tail.span.clone(),
                    kind: hir::StmtKind::Expr(*tail),
                });
            }
            return self.join_returns(&returned, block, "function");
        }
        match &block.tail {
            Some(tail) if tail.ty != Type::Never => tail.ty,
            _ => Type::Null,
        }
    }
}
