//! Generic cells (`cell first_of[T](xs: list[T]) -> T`): type parameters are
//! inferred at each call from the argument types (lambdas last, so they get
//! the parameter types already known), bounds are checked, and the cell is
//! *instantiated*: its body is checked again with the type parameters bound,
//! giving an ordinary monomorphic cell (cached per type arguments). Code
//! generation only ever sees instances (types.md §2).

use std::collections::HashMap;

use lumen_diagnostics::{Diagnostic, Span};
use lumen_syntax::ast::{self, AstNode};

use super::arg_order::SourcePos;
use super::build::error_expr;
use super::{codes, span_of, CellSig, Checker, ParamSig, RetState};
use crate::hir::{self, CellId, Expr, ExprKind};
use crate::types::Type;

/// A type parameter of a generic cell and its bounds.
#[derive(Clone, Debug)]
pub(crate) struct TypeParam {
    pub name: String,
    pub bounds: Vec<String>,
}

/// Instances made so far: (template, type arguments) → instance.
#[derive(Default, Clone)]
pub(crate) struct Instances {
    cells: HashMap<(CellId, Vec<Type>), CellId>,
    /// Which instance made which: the bound on polymorphic recursion.
    pub(super) chains: super::instance_chains::InstanceChains,
}

impl Checker {
    /// The type parameters of a generic cell declaration.
    pub(super) fn type_params_of(&mut self, list: &ast::GenericParamList) -> Vec<TypeParam> {
        list.params()
            .filter_map(|p| {
                let name = p.name()?.text();
                let bounds = p
                    .bounds()
                    .map(|b| match &b {
                        ast::TypeRef::Path(path) => path.name(),
                        other => other.syntax().text().to_string(),
                    })
                    .collect();
                Some(TypeParam { name, bounds })
            })
            .collect()
    }

    /// A type parameter bound in the current instantiation, if `name` is one.
    pub(super) fn bound_type_param(&self, name: &str) -> Option<Type> {
        self.type_args
            .iter()
            .rev()
            .find_map(|scope| scope.get(name).copied())
    }

    /// `f(args)` where `f` is generic.
    pub(super) fn call_generic(
        &mut self,
        cell: CellId,
        args: &[ast::Arg],
        piped: Option<Expr>,
        span: Span,
    ) -> Expr {
        let sig = self.cells[cell.0 as usize].clone();
        let Some(syntax) = sig.syntax.clone() else {
            return error_expr(span);
        };
        let param_syntax: Vec<ast::Param> = syntax.params().collect();
        let names: Vec<String> = sig.generics.iter().map(|g| g.name.clone()).collect();
        // Which parameter each argument goes to.
        let mut assigned: Vec<Option<(ast::Expr, Span)>> = vec![None; sig.params.len()];
        // Where each parameter's argument stands in the call as written.
        let mut positions: Vec<SourcePos> = vec![None; sig.params.len()];
        let mut piped_value = piped;
        let first_arg = usize::from(piped_value.is_some());
        if first_arg == 1 && !positions.is_empty() {
            positions[0] = Some(0);
        }
        let mut next = first_arg;
        // A generic cell has no variadic parameter (see `check_variadic`).
        if self.reject_spreads(&format!("`{}`", sig.name), args) {
            return error_expr(span);
        }
        for (at, arg) in args.iter().enumerate() {
            let Some(value) = arg.value() else { continue };
            let index = match arg.name() {
                Some(n) => match sig.params.iter().position(|p| p.name == n.text()) {
                    Some(i) => i,
                    None => {
                        self.error(
                            codes::BAD_ARGUMENTS,
                            format!("`{}` has no parameter named `{}`", sig.name, n.text()),
                            span_of(arg),
                            "unknown parameter",
                        );
                        return error_expr(span);
                    }
                },
                None => {
                    next += 1;
                    next - 1
                }
            };
            if index >= assigned.len() || assigned[index].is_some() {
                self.error(
                    codes::BAD_ARGUMENTS,
                    format!("wrong arguments in call of `{}`", sig.name),
                    span_of(arg),
                    "unexpected or repeated argument",
                );
                return error_expr(span);
            }
            assigned[index] = Some((value, span_of(arg)));
            positions[index] = Some(first_arg + at);
        }
        // Check arguments that are not lambdas first, binding type parameters.
        let mut bindings: HashMap<String, Type> = HashMap::new();
        let mut checked: Vec<Option<Expr>> = vec![None; sig.params.len()];
        if let Some(p) = piped_value.take() {
            if let Some(ty) = param_syntax.first().and_then(|p| p.ty()) {
                self.match_in(sig.module, &ty, p.ty, &names, &mut bindings);
            }
            checked[0] = Some(p);
        }
        // Three passes: plain arguments; then values whose type only an
        // expected type gives (`None`, `null`, `[]`), so another argument
        // can fix it (`unwrap_or_default(None, "x")`); then lambdas, whose
        // parameter types are known by then and whose result may fix a
        // type parameter still open (`apply(xs, fn(x) => x * 1.5)`).
        for pass in 0..3 {
            for (i, slot) in assigned.iter().enumerate() {
                let Some((value, _)) = slot else { continue };
                let order = if matches!(value, ast::Expr::Lambda(_)) {
                    2
                } else if self.needs_expected_type(value) {
                    1
                } else {
                    0
                };
                if pass != order || checked[i].is_some() {
                    continue;
                }
                let param_ty = param_syntax.get(i).and_then(|p| p.ty());
                let expected = param_ty.as_ref().and_then(|t| {
                    self.resolve_with(t, &bindings).or_else(|| {
                        // A lambda whose parameters are known but not its
                        // result: its result type is inferred (an error
                        // type as the expected result means "unknown").
                        if order != 2 {
                            return None;
                        }
                        let open = names
                            .iter()
                            .filter(|n| !bindings.contains_key(*n))
                            .map(|n| (n.clone(), Type::Error));
                        let partial: HashMap<String, Type> =
                            bindings.clone().into_iter().chain(open).collect();
                        self.resolve_partially(t, &partial).filter(|ty| {
                            matches!(ty, Type::Fn(sig) if sig.params.iter().all(|p| !p.has_error()))
                        })
                    })
                });
                let v = self.check_expr(value, expected);
                if let Some(t) = &param_ty {
                    self.match_in(sig.module, t, v.ty, &names, &mut bindings);
                }
                checked[i] = Some(v);
            }
        }
        let Some(type_args) = self.type_args_for(&sig, &bindings, &span) else {
            return error_expr(span);
        };
        let Some(instance) = self.instantiate(cell, &sig, type_args, &span) else {
            return error_expr(span);
        };
        let inst = self.cells[instance.0 as usize].clone();
        let mut final_args = Vec::new();
        for (i, p) in inst.params.iter().enumerate() {
            match checked[i].take() {
                Some(v) => {
                    let vspan = v.span.clone();
                    final_args.push(self.coerce(v, p.ty, &vspan));
                }
                None => match &p.default {
                    Some(d) => {
                        let d = d.clone();
                        self.type_args.push(inst.type_args.clone());
                        let v = self.check_default(&d, p.ty, sig.module, Some(&span));
                        self.type_args.pop();
                        final_args.push(v);
                    }
                    None => {
                        self.error(
                            codes::BAD_ARGUMENTS,
                            format!("missing argument `{}` in call of `{}`", p.name, sig.name),
                            span.clone(),
                            "not given",
                        );
                        return error_expr(span);
                    }
                },
            }
        }
        let ret = self.cell_ret(instance, span.clone());
        self.log_call(instance, span.clone());
        let prelude = self.in_source_order(&mut final_args, &positions);
        let call = Expr {
            kind: ExprKind::Call(instance, final_args),
            ty: ret,
            span,
        };
        Self::after_prelude(prelude, call)
    }

    /// The instance of a generic cell for some type arguments.
    /// The type arguments `bindings` give a generic cell's parameters, each
    /// known and satisfying its bounds (errors reported at `span` otherwise).
    fn type_args_for(
        &mut self,
        sig: &CellSig,
        bindings: &HashMap<String, Type>,
        span: &Span,
    ) -> Option<Vec<Type>> {
        let mut type_args = Vec::new();
        for g in &sig.generics {
            match bindings.get(&g.name) {
                Some(t) if !t.has_error() => type_args.push(*t),
                Some(_) => return None,
                None => {
                    self.error(
                        codes::NEEDS_ANNOTATION,
                        format!(
                            "cannot infer the type parameter `{}` of `{}`",
                            g.name, sig.name
                        ),
                        span.clone(),
                        "not determined by the arguments",
                    );
                    return None;
                }
            }
            let Some(&t) = type_args.last() else {
                return None;
            };
            for bound in &g.bounds {
                let ok = match self.satisfies_bound(bound, t) {
                    Some(ok) => ok,
                    None => {
                        self.error(
                            codes::UNRESOLVED_NAME,
                            format!("cannot find trait `{bound}`"),
                            sig.span.clone(),
                            "unknown bound",
                        );
                        return None;
                    }
                };
                if !ok {
                    self.push_diagnostic(
                        Diagnostic::error(
                            codes::MISMATCHED_TYPES,
                            format!(
                                "`{t}` does not satisfy the bound `{}: {bound}` of `{}`",
                                g.name, sig.name
                            ),
                            span.clone(),
                            format!("`{}` is `{t}` here", g.name),
                        )
                        .with_label_in(
                            sig.module,
                            sig.span.clone(),
                            "bound declared here",
                        ),
                    );
                    return None;
                }
            }
        }
        Some(type_args)
    }

    /// Whether `t` satisfies the bound `bound` (a built-in capability or a
    /// user trait); `None` when no such trait exists.
    pub(super) fn satisfies_bound(&mut self, bound: &str, t: Type) -> Option<bool> {
        match bound {
            "Ord" => Some(t.has_ordering()),
            "Eq" | "Hash" => Some(t.has_equality()),
            "Num" => Some(t.is_numeric()),
            "Display" => Some(true),
            user => self.implements(user, t),
        }
    }

    /// A generic cell used as a value where the expected function type
    /// fixes its type parameters (`let f: fn(Int) -> Int = identity`): the
    /// instance for them.
    pub(super) fn generic_cell_value(
        &mut self,
        cell: CellId,
        expected: Option<Type>,
        span: &Span,
    ) -> Option<CellId> {
        let sig = self.cells[cell.0 as usize].clone();
        let syntax = sig.syntax.clone()?;
        let names: Vec<String> = sig.generics.iter().map(|g| g.name.clone()).collect();
        let param_syntax: Vec<ast::Param> = syntax.params().collect();
        if let Some(Type::Fn(f)) = expected {
            if f.params.len() != param_syntax.len() {
                self.error(
                    codes::MISMATCHED_TYPES,
                    "mismatched types",
                    span.clone(),
                    format!(
                        "expected `{}`, `{}` takes {} parameter(s)",
                        Type::Fn(f),
                        sig.name,
                        param_syntax.len()
                    ),
                );
                return None;
            }
        }
        let Some(Type::Fn(f)) = expected else {
            self.error(
                codes::NEEDS_ANNOTATION,
                format!(
                    "the generic cell `{}` is used as a value where its type parameters are not known",
                    sig.name
                ),
                span.clone(),
                "which instance?",
            );
            self.push_help(format!(
                "annotate the variable (`let f: fn(…) -> … = {}`) or write a lambda",
                sig.name
            ));
            return None;
        };
        let mut bindings: HashMap<String, Type> = HashMap::new();
        for (p, actual) in param_syntax.iter().zip(&f.params) {
            if let Some(t) = p.ty() {
                self.match_in(sig.module, &t, *actual, &names, &mut bindings);
            }
        }
        if let Some(r) = syntax.ret_type() {
            if !f.ret.has_error() {
                self.match_in(sig.module, &r, f.ret, &names, &mut bindings);
            }
        }
        let type_args = self.type_args_for(&sig, &bindings, span)?;
        self.instantiate(cell, &sig, type_args, span)
    }

    /// The instance of `template` for `type_args`, made on first use;
    /// `None` (reported) when polymorphic recursion would need instances
    /// without end.
    pub(super) fn instantiate(
        &mut self,
        template: CellId,
        sig: &CellSig,
        type_args: Vec<Type>,
        span: &Span,
    ) -> Option<CellId> {
        let key = (template, type_args.clone());
        if let Some(id) = self.instances.cells.get(&key) {
            return Some(*id);
        }
        if self.instance_chain_too_deep(template, span) {
            return None;
        }
        let scope: HashMap<String, Type> = sig
            .generics
            .iter()
            .map(|g| g.name.clone())
            .zip(type_args.iter().copied())
            .collect();
        let syntax = sig.syntax.clone();
        self.type_args.push(scope.clone());
        // The signature's type names are those of the declaring module.
        let saved_module = std::mem::replace(&mut self.current_module, sig.module);
        let params: Vec<ParamSig> = syntax
            .iter()
            .flat_map(|c| c.params().collect::<Vec<_>>())
            .zip(&sig.params)
            .map(|(p, old)| ParamSig {
                ty: p.ty().map_or(Type::Error, |t| self.resolve_type(&t)),
                ..old.clone()
            })
            .collect();
        let declared_ret = syntax
            .as_ref()
            .and_then(|c| c.ret_type())
            .map(|t| self.resolve_type(&t));
        self.current_module = saved_module;
        self.type_args.pop();
        let shown: Vec<String> = type_args.iter().map(|t| t.to_string()).collect();
        let id = CellId(self.cells.len() as u32);
        self.cells.push(CellSig {
            name: format!("{}[{}]", sig.name, shown.join(", ")),
            params,
            declared_ret,
            span: sig.span.clone(),
            syntax,
            generics: Vec::new(),
            type_args: scope,
            module: sig.module,
        });
        self.ret_states.push(RetState::Unknown);
        self.checked.push(None);
        self.instances.cells.insert(key, id);
        self.note_instance(id, template, span);
        Some(id)
    }

    /// A type annotation resolved with some type parameters bound; `None`
    /// when it mentions one that is not bound yet.
    fn resolve_with(
        &mut self,
        ty: &ast::TypeRef,
        bindings: &HashMap<String, Type>,
    ) -> Option<Type> {
        let names: Vec<String> = self.cells_generic_names(ty);
        if names.iter().any(|n| {
            !bindings.contains_key(n)
                && self.types.by_name.get(&self.key(n)).is_none()
                && !self.is_alias(n)
                && !self.generic_types.templates.contains_key(&self.key(n))
                && !is_known_type_name(n)
        }) {
            return None;
        }
        let errors_before = self.diagnostics.len();
        self.type_args.push(bindings.clone());
        let t = self.resolve_type(ty);
        self.type_args.pop();
        // Resolution errors here are reported again where they matter.
        self.diagnostics.truncate(errors_before);
        (!t.has_error()).then_some(t)
    }

    /// Like [`Self::resolve_with`], but keeping error types that the
    /// bindings give (an open type parameter bound to `Error`).
    fn resolve_partially(
        &mut self,
        ty: &ast::TypeRef,
        bindings: &HashMap<String, Type>,
    ) -> Option<Type> {
        let errors_before = self.diagnostics.len();
        self.type_args.push(bindings.clone());
        let t = self.resolve_type(ty);
        self.type_args.pop();
        self.diagnostics.truncate(errors_before);
        (t != Type::Error).then_some(t)
    }

    /// Whether an argument is a value whose type only an expected type
    /// gives: `null`, an empty list or map literal, or a bare variant of a
    /// generic enum (`None`).
    fn needs_expected_type(&mut self, value: &ast::Expr) -> bool {
        match super::build::unparen(value.clone()) {
            ast::Expr::Literal(l) => l.kind() == Some(ast::LiteralKind::Null),
            ast::Expr::List(l) => l.elements().next().is_none(),
            ast::Expr::Map(m) => m.syntax().children().next().is_none(),
            ast::Expr::Name(n) => {
                let name = n.text();
                self.lookup_var(&name).is_none() && self.generic_types.variants.contains_key(&name)
            }
            _ => false,
        }
    }

    /// Every simple type name mentioned in an annotation.
    fn cells_generic_names(&self, ty: &ast::TypeRef) -> Vec<String> {
        ty.syntax()
            .descendants()
            .filter_map(ast::PathType::cast)
            .map(|p| p.name())
            .collect()
    }

    /// [`Self::match_type`] on an annotation written in module `module`, so
    /// that the names it uses (aliases) are looked up there.
    fn match_in(
        &mut self,
        module: usize,
        pattern: &ast::TypeRef,
        actual: Type,
        names: &[String],
        bindings: &mut HashMap<String, Type>,
    ) {
        let saved = std::mem::replace(&mut self.current_module, module);
        self.match_type(pattern, actual, names, bindings);
        self.current_module = saved;
    }

    /// [`Self::match_type`] for other checker modules.
    pub(super) fn match_type_public(
        &self,
        pattern: &ast::TypeRef,
        actual: Type,
        names: &[String],
        bindings: &mut HashMap<String, Type>,
    ) {
        self.match_type(pattern, actual, names, bindings)
    }

    /// Binds type parameters by matching an annotation against a type.
    fn match_type(
        &self,
        pattern: &ast::TypeRef,
        actual: Type,
        names: &[String],
        bindings: &mut HashMap<String, Type>,
    ) {
        match pattern {
            ast::TypeRef::Path(path) => {
                let name = path.name();
                let args: Vec<ast::TypeRef> = path.args().collect();
                if args.is_empty() && names.contains(&name) {
                    if actual != Type::Never && !actual.has_error() {
                        let joined = match bindings.get(&name) {
                            Some(prev) => prev.join(actual).unwrap_or(*prev),
                            None => actual,
                        };
                        bindings.insert(name, joined);
                    }
                    return;
                }
                match (name.as_str(), actual, args.as_slice()) {
                    ("list", Type::List(e), [a])
                    | ("set", Type::Set(e), [a])
                    | ("Future", Type::Future(e), [a])
                    | ("Channel", Type::Channel(e), [a]) => self.match_type(a, *e, names, bindings),
                    ("map", Type::Map(k, v), [a, b]) | ("result", Type::Result(k, v), [a, b]) => {
                        self.match_type(a, *k, names, bindings);
                        self.match_type(b, *v, names, bindings);
                    }
                    ("tuple", Type::Tuple(es), _) if es.len() == args.len() => {
                        for (a, e) in args.iter().zip(es.iter()) {
                            self.match_type(a, *e, names, bindings);
                        }
                    }
                    _ if self.is_alias(&name) => self.match_alias(path, actual, names, bindings),
                    // `Box[T]` against an instance `Box[Int]`.
                    (_, _, [_, ..]) => {
                        if let Some(targs) = self.instance_args(&self.key(&name), actual) {
                            for (a, t) in args.iter().zip(targs) {
                                self.match_type(a, t, names, bindings);
                            }
                        }
                    }
                    _ => {}
                }
            }
            ast::TypeRef::Tuple(t) => {
                if let Type::Tuple(es) = actual {
                    for (a, e) in t.elements().zip(es.iter()) {
                        self.match_type(&a, *e, names, bindings);
                    }
                }
            }
            ast::TypeRef::Optional(o) => {
                if let Some(inner) = o.inner() {
                    self.match_type(&inner, actual.without_null(), names, bindings);
                }
            }
            ast::TypeRef::Paren(p) => {
                if let Some(inner) = p.inner() {
                    self.match_type(&inner, actual, names, bindings);
                }
            }
            ast::TypeRef::Fn(f) => {
                if let Type::Fn(sig) = actual {
                    for (p, t) in f.params().zip(sig.params.iter()) {
                        self.match_type(&p, *t, names, bindings);
                    }
                    if let Some(r) = f.ret_type() {
                        self.match_type(&r, sig.ret, names, bindings);
                    }
                }
            }
            ast::TypeRef::Union(_) | ast::TypeRef::Null(_) => {}
        }
    }

    /// A placeholder body for a generic template (only instances are used).
    pub(super) fn template_stub(&self, sig: &CellSig) -> hir::Cell {
        hir::Cell {
            name: sig.name.clone(),
            params: Vec::new(),
            ret: Type::Null,
            vars: Vec::new(),
            body: hir::Block::default(),
            span: sig.span.clone(),
            captures: None,
        }
    }
}

fn is_known_type_name(name: &str) -> bool {
    matches!(
        name,
        "Int"
            | "Float"
            | "Bool"
            | "String"
            | "Bytes"
            | "Null"
            | "list"
            | "map"
            | "set"
            | "tuple"
            | "result"
            | "Json"
            | "Any"
            | "Future"
            | "Channel"
    )
}
