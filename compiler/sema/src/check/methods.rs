//! Methods and traits (types.md §3): cells declared inside an `enum` or
//! `record`, trait declarations (signatures and default bodies) and
//! `impl Trait for Type` blocks. Dispatch is static: `value.method(args)` is
//! resolved from the value's type at compile time and becomes an ordinary
//! call with the receiver as the first (`self`) argument.
//!
//! A super-trait (`trait Ordered: Describe`) must be implemented for every
//! type that implements the trait; so a bound `[T: Ordered]` also permits
//! `Describe`'s methods. A generic `impl[T] Describe for Box[T]` is a
//! template: the first time a method of a matching type (`Box[Int]`) is
//! looked up, or the type is tested against the trait, its methods are
//! made for that type, with `T` bound (like a generic cell's instance).
//! The methods declared in a generic enum's or record's own body are made
//! the same way, when the instance is made.

use std::collections::{HashMap, HashSet};

use lumen_diagnostics::{Diagnostic, Span};
use lumen_syntax::ast;

use super::{codes, span_of, CellSig, Checker, RetState};
use crate::hir::CellId;
use crate::types::Type;

/// Methods by receiver type, traits and their implementations.
#[derive(Default, Clone)]
pub(crate) struct Methods {
    pub by_type: HashMap<(Type, String), CellId>,
    pub traits: HashMap<String, ast::Trait>,
    pub impls: HashSet<(String, Type)>,
    /// Non-generic `impl` blocks (trait name, type, span), for the
    /// super-trait check once all are known.
    impl_sites: Vec<(String, Type, Span)>,
    generic_impls: Vec<GenericImpl>,
    /// The module each trait is declared in (its super-traits are named
    /// there).
    trait_modules: HashMap<String, usize>,
    /// While making a generic impl's methods for one type: its type
    /// arguments (the methods' bodies are checked with them).
    instance_args: Option<HashMap<String, Type>>,
}

/// An `impl[T, …] Trait for Type[T]` block and the types it was made for.
#[derive(Clone)]
struct GenericImpl {
    syntax: ast::Impl,
    module: usize,
    params: Vec<super::generics::TypeParam>,
    trait_name: String,
    made_for: HashSet<Type>,
}

impl Checker {
    /// Registers the cells declared inside a type's body as its methods.
    pub(super) fn collect_type_methods(&mut self, owner: Type, cells: Vec<ast::Cell>) {
        for cell in cells {
            self.collect_method(owner, cell);
        }
    }

    /// The methods declared in a generic type's body, made for one
    /// instance: their bodies are checked with the instance's type
    /// arguments (like a generic `impl`'s methods).
    pub(super) fn collect_instance_methods(
        &mut self,
        ty: Type,
        cells: Vec<ast::Cell>,
        scope: HashMap<String, Type>,
    ) {
        if cells.is_empty() {
            return;
        }
        self.type_args.push(scope.clone());
        let saved = self.methods.instance_args.replace(scope);
        self.collect_type_methods(ty, cells);
        self.methods.instance_args = saved;
        self.type_args.pop();
    }

    /// Registers one method of `owner`.
    pub(super) fn collect_method(&mut self, owner: Type, cell: ast::Cell) -> Option<CellId> {
        let name = cell.name()?.text();
        let span = span_of(&cell.name()?);
        if self.methods.by_type.contains_key(&(owner, name.clone())) {
            self.error(
                codes::DUPLICATE_DEFINITION,
                format!("`{owner}` already has a method `{name}`"),
                span,
                "redefined here",
            );
            return None;
        }
        let has_self = cell.params().next().is_some_and(|p| p.is_self());
        if !has_self {
            self.error(
                codes::BAD_ARGUMENTS,
                format!("method `{name}` must take `self` first"),
                span,
                "no `self` parameter",
            );
            return None;
        }
        let mut sig = self.cell_sig(&cell, format!("{owner}.{name}"), span, Some(owner));
        if let Some(args) = &self.methods.instance_args {
            sig.type_args = args.clone();
        }
        let id = self.add_method_cell(sig);
        if cell.is_async() {
            self.async_cells.insert(id);
        }
        self.methods.by_type.insert((owner, name), id);
        Some(id)
    }

    fn add_method_cell(&mut self, sig: CellSig) -> CellId {
        let id = CellId(self.cells.len() as u32);
        self.cells.push(sig);
        self.ret_states.push(RetState::Unknown);
        self.checked.push(None);
        id
    }

    pub(super) fn collect_trait(&mut self, t: ast::Trait) {
        let Some(name) = t.name().map(|n| n.text()) else {
            return;
        };
        if self.methods.traits.contains_key(&self.key(&name))
            || self.types.by_name.contains_key(&self.key(&name))
        {
            self.error(
                codes::DUPLICATE_DEFINITION,
                format!("`{name}` is defined more than once"),
                span_of(&t),
                "redefined here",
            );
            return;
        }
        let key = self.decl_key(&name);
        self.methods
            .trait_modules
            .insert(key.clone(), self.current_module);
        self.methods.traits.insert(key, t);
    }

    /// `impl Trait for Type … end`: the methods, plus the trait's default
    /// bodies for those not given; every signature must be implemented.
    pub(super) fn collect_impl(&mut self, i: ast::Impl) {
        let span = span_of(&i);
        let trait_name = match i.trait_ty() {
            Some(ast::TypeRef::Path(p)) => p.name(),
            _ => return,
        };
        let Some(tr) = self.methods.traits.get(&self.key(&trait_name)).cloned() else {
            self.error(
                codes::UNRESOLVED_NAME,
                format!("cannot find trait `{trait_name}`"),
                span,
                "not a declared trait",
            );
            return;
        };
        if let Some(list) = i.generic_params() {
            let params = self.type_params_of(&list);
            self.methods.generic_impls.push(GenericImpl {
                syntax: i,
                module: self.current_module,
                params,
                trait_name,
                made_for: HashSet::new(),
            });
            return;
        }
        let Some(self_ty) = i.self_ty().map(|t| self.resolve_type(&t)) else {
            return;
        };
        if self_ty.has_error() {
            return;
        }
        self.methods
            .impl_sites
            .push((trait_name.clone(), self_ty, span.clone()));
        self.impl_methods(&i, &trait_name, &tr, self_ty, span);
    }

    /// The methods of an `impl` of the trait `tr` for `self_ty`.
    fn impl_methods(
        &mut self,
        i: &ast::Impl,
        trait_name: &str,
        tr: &ast::Trait,
        self_ty: Type,
        span: Span,
    ) {
        let trait_name = trait_name.to_string();
        if !self.methods.impls.insert((trait_name.clone(), self_ty)) {
            self.error(
                codes::DUPLICATE_DEFINITION,
                format!("`{trait_name}` is implemented more than once for `{self_ty}`"),
                span,
                "second implementation",
            );
            return;
        }
        let given: Vec<ast::Cell> = i.cells().collect();
        let given_names: Vec<String> = given
            .iter()
            .filter_map(|c| c.name())
            .map(|n| n.text())
            .collect();
        let required: Vec<ast::Cell> = tr.cells().collect();
        for cell in &given {
            let Some(n) = cell.name().map(|n| n.text()) else {
                continue;
            };
            if !required
                .iter()
                .any(|r| r.name().is_some_and(|rn| rn.text() == n))
            {
                self.push_diagnostic(
                    Diagnostic::error(
                        codes::UNRESOLVED_NAME,
                        format!("`{n}` is not a method of trait `{trait_name}`"),
                        span_of(cell),
                        "not in the trait",
                    )
                    .with_label(span_of(tr), "trait declared here"),
                );
            }
        }
        for cell in given {
            let name = cell.name().map(|n| n.text());
            let declared = name.and_then(|n| {
                required
                    .iter()
                    .find(|r| r.name().is_some_and(|rn| rn.text() == n))
                    .cloned()
            });
            if let Some(declared) = &declared {
                self.check_impl_signature(&cell, declared, &trait_name, self_ty);
            }
            self.collect_method(self_ty, cell);
        }
        for r in required {
            let Some(n) = r.name().map(|n| n.text()) else {
                continue;
            };
            if given_names.contains(&n) {
                continue;
            }
            if r.is_signature() {
                self.push_diagnostic(
                    Diagnostic::error(
                        codes::MISSING_RETURN,
                        format!("`impl {trait_name} for {self_ty}` does not implement `{n}`"),
                        span.clone(),
                        format!("missing `{n}`"),
                    )
                    .with_label(span_of(&r), "declared in the trait here"),
                );
            } else {
                // The trait's default body, checked for this type.
                self.collect_method(self_ty, r);
            }
        }
    }

    /// An `impl`'s method has the signature the trait declares, `Self` (the
    /// `self` parameter) being the implementing type (types.md §3): same
    /// parameters and return type. Generic methods are compared by count.
    fn check_impl_signature(
        &mut self,
        given: &ast::Cell,
        declared: &ast::Cell,
        trait_name: &str,
        self_ty: Type,
    ) {
        let Some(name) = given.name() else {
            return;
        };
        let before = self.diagnostics.len();
        let span = span_of(&name);
        let have = self.cell_sig(given, name.text(), span.clone(), Some(self_ty));
        let want = self.cell_sig(declared, name.text(), span.clone(), Some(self_ty));
        // Errors in the types themselves are reported where they are written.
        self.diagnostics.truncate(before);
        let generic = !have.generics.is_empty() || !want.generics.is_empty();
        let params_differ = have.params.len() != want.params.len()
            || (!generic
                && have
                    .params
                    .iter()
                    .zip(&want.params)
                    .any(|(a, b)| a.ty != b.ty && !a.ty.has_error() && !b.ty.has_error()));
        let ret_differs = !generic
            && have.declared_ret.unwrap_or(Type::Null) != want.declared_ret.unwrap_or(Type::Null)
            && !have.declared_ret.is_some_and(|t| t.has_error())
            && !want.declared_ret.is_some_and(|t| t.has_error());
        if !(params_differ || ret_differs) {
            return;
        }
        let show = |sig: &CellSig| {
            let params: Vec<String> = sig
                .params
                .iter()
                .skip(1)
                .map(|p| format!("{}: {}", p.name, p.ty))
                .collect();
            let ret = sig.declared_ret.unwrap_or(Type::Null);
            format!("({}) -> {ret}", params.join(", "))
        };
        self.push_diagnostic(
            Diagnostic::error(
                codes::MISMATCHED_TYPES,
                format!(
                    "method `{}` of `impl {trait_name} for {self_ty}` does not match the trait",
                    name.text()
                ),
                span,
                format!("this is `{}`", show(&have)),
            )
            .with_label(
                span_of(declared),
                format!("the trait declares `{}`", show(&want)),
            ),
        );
    }

    /// Whether `ty` implements the user trait `name`.
    pub(super) fn implements(&mut self, name: &str, ty: Type) -> Option<bool> {
        if !self.methods.traits.contains_key(name) {
            return None;
        }
        self.make_generic_impls(ty);
        Some(self.methods.impls.contains(&(name.to_string(), ty)))
    }

    /// The method `name` of the type of a receiver, if it has one.
    pub(super) fn method_of(&mut self, ty: Type, name: &str) -> Option<CellId> {
        if let Some(m) = self.methods.by_type.get(&(ty, name.to_string())) {
            return Some(*m);
        }
        self.make_generic_impls(ty);
        self.methods.by_type.get(&(ty, name.to_string())).copied()
    }

    /// The super-traits named in `trait Name: A + B`.
    fn super_traits(&self, trait_name: &str) -> Vec<(String, Span)> {
        let Some(tr) = self.methods.traits.get(trait_name) else {
            return Vec::new();
        };
        tr.bounds()
            .filter_map(|b| match &b {
                ast::TypeRef::Path(p) => Some((p.name(), span_of(&b))),
                _ => None,
            })
            .collect()
    }

    /// Checks that each implemented trait's super-traits are implemented
    /// for the same type (after every non-generic `impl` is collected).
    pub(super) fn check_super_traits(&mut self) {
        let mut traits: Vec<String> = self.methods.traits.keys().cloned().collect();
        traits.sort();
        for t in traits {
            let module = self.methods.trait_modules.get(&t).copied().unwrap_or(0);
            let saved = std::mem::replace(&mut self.current_module, module);
            let unknown: Vec<(String, Span)> = self
                .super_traits(&t)
                .into_iter()
                .filter(|(sup, _)| !self.methods.traits.contains_key(&self.key(sup)))
                .collect();
            for (sup, sup_span) in unknown {
                self.error(
                    codes::UNRESOLVED_NAME,
                    format!("cannot find trait `{sup}`"),
                    sup_span,
                    "not a declared trait",
                );
            }
            self.current_module = saved;
        }
        for (trait_name, ty, span) in std::mem::take(&mut self.methods.impl_sites) {
            self.require_super_traits(&trait_name, ty, &span);
        }
    }

    fn require_super_traits(&mut self, trait_name: &str, ty: Type, span: &Span) {
        for (sup, sup_span) in self.super_traits(trait_name) {
            match self.implements(&sup, ty) {
                Some(true) => {}
                Some(false) => self.push_diagnostic(
                    Diagnostic::error(
                        codes::UNRESOLVED_NAME,
                        format!("`{ty}` implements `{trait_name}` but not its super-trait `{sup}`"),
                        span.clone(),
                        format!("needs `impl {sup} for {ty}`"),
                    )
                    .with_label(sup_span, "required here"),
                ),
                // Reported once, at the trait (`check_super_traits`).
                None => {}
            }
        }
    }

    /// Makes the methods of every generic `impl` whose type matches `ty`,
    /// once per type.
    fn make_generic_impls(&mut self, ty: Type) {
        if ty.has_error() {
            return;
        }
        for index in 0..self.methods.generic_impls.len() {
            let g = &self.methods.generic_impls[index];
            if g.made_for.contains(&ty) {
                continue;
            }
            let (syntax, module, params, trait_name) = (
                g.syntax.clone(),
                g.module,
                g.params.clone(),
                g.trait_name.clone(),
            );
            let Some(pattern) = syntax.self_ty() else {
                continue;
            };
            let saved_module = std::mem::replace(&mut self.current_module, module);
            let names: Vec<String> = params.iter().map(|p| p.name.clone()).collect();
            let mut bindings = HashMap::new();
            self.match_type_public(&pattern, ty, &names, &mut bindings);
            let complete = names.iter().all(|n| bindings.contains_key(n));
            // The pattern with the bindings must be the type itself (a
            // partial match such as `list[T]` against `set[Int]` is no
            // match); the check may report nothing.
            let matches = complete && {
                let before = self.diagnostics.len();
                self.type_args.push(bindings.clone());
                let resolved = self.resolve_type(&pattern);
                self.type_args.pop();
                self.diagnostics.truncate(before);
                resolved == ty
            };
            let bounds_hold = matches
                && params.iter().all(|p| {
                    let t = bindings[&p.name];
                    p.bounds
                        .iter()
                        .all(|b| self.satisfies_bound(b, t).unwrap_or(false))
                });
            if bounds_hold {
                self.methods.generic_impls[index].made_for.insert(ty);
                let Some(tr) = self.methods.traits.get(&self.key(&trait_name)).cloned() else {
                    self.current_module = saved_module;
                    continue;
                };
                let span = span_of(&syntax);
                self.type_args.push(bindings.clone());
                let saved_args = self.methods.instance_args.replace(bindings);
                self.impl_methods(&syntax, &trait_name, &tr, ty, span.clone());
                self.methods.instance_args = saved_args;
                self.type_args.pop();
                self.require_super_traits(&trait_name, ty, &span);
            }
            self.current_module = saved_module;
        }
    }

    /// Reports a method call on a type without that method.
    pub(super) fn no_method(&mut self, ty: Type, name: &str, span: Span) {
        self.error(
            codes::UNRESOLVED_NAME,
            format!("`{ty}` has no method `{name}`"),
            span,
            "unknown method",
        );
    }
}
