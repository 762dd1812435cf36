//! Methods and traits (types.md §3): cells declared inside an `enum` or
//! `record`, trait declarations (signatures and default bodies) and
//! `impl Trait for Type` blocks. Dispatch is static: `value.method(args)` is
//! resolved from the value's type at compile time and becomes an ordinary
//! call with the receiver as the first (`self`) argument.

use std::collections::{HashMap, HashSet};

use lumen_diagnostics::{Diagnostic, Span};
use lumen_syntax::ast;

use super::{codes, span_of, CellSig, Checker, RetState};
use crate::hir::CellId;
use crate::types::Type;

/// Methods by receiver type, traits and their implementations.
#[derive(Default)]
pub(crate) struct Methods {
    pub by_type: HashMap<(Type, String), CellId>,
    pub traits: HashMap<String, ast::Trait>,
    pub impls: HashSet<(String, Type)>,
}

impl Checker {
    /// Registers the cells declared inside a type's body as its methods.
    pub(super) fn collect_type_methods(&mut self, owner: Type, cells: Vec<ast::Cell>) {
        for cell in cells {
            self.collect_method(owner, cell);
        }
    }

    /// Registers one method of `owner`.
    fn collect_method(&mut self, owner: Type, cell: ast::Cell) -> Option<CellId> {
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
        let sig = self.cell_sig(&cell, format!("{owner}.{name}"), span, Some(owner));
        let id = self.add_method_cell(sig);
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
        if t.bounds().next().is_some() {
            self.not_supported("super-traits", span_of(&t));
        }
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
        self.methods.traits.insert(key, t);
    }

    /// `impl Trait for Type … end`: the methods, plus the trait's default
    /// bodies for those not given; every signature must be implemented.
    pub(super) fn collect_impl(&mut self, i: ast::Impl) {
        let span = span_of(&i);
        if i.generic_params().is_some() {
            self.not_supported("a generic `impl`", span.clone());
            return;
        }
        let Some(self_ty) = i.self_ty().map(|t| self.resolve_type(&t)) else {
            return;
        };
        if self_ty.has_error() {
            return;
        }
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
                    .with_label(span_of(&tr), "trait declared here"),
                );
            }
        }
        for cell in given {
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

    /// Whether `ty` implements the user trait `name`.
    pub(super) fn implements(&self, name: &str, ty: Type) -> Option<bool> {
        self.methods
            .traits
            .contains_key(name)
            .then(|| self.methods.impls.contains(&(name.to_string(), ty)))
    }

    /// The method `name` of the type of a receiver, if it has one.
    pub(super) fn method_of(&self, ty: Type, name: &str) -> Option<CellId> {
        self.methods.by_type.get(&(ty, name.to_string())).copied()
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
