//! Errors that only an instantiation of a generic cell brings out (issue 12):
//! `cell total[T: Num](xs: list[T]) -> Int` adds its elements to an `Int`,
//! which is fine for `total[Int]` and wrong for `total[Float]`. A bound
//! such as `Num` is not modelled at the declaration (`generic_bodies.rs`),
//! so the body is checked per instance, and the error points into the
//! body, where it is; on its own it does not say which call chose `Float`.
//! So each error found in an instance's body gets a secondary label at the
//! call that made the instance (`` `total[Float]` is instantiated here ``)
//! — and when that call is itself in an instance's body, at the call that
//! made that one, and so on — and a help line with the type arguments.
//! The methods of a generic type or `impl`, made per type (`methods.rs`),
//! are treated alike, with the first call of the method as the label. A
//! parameter or field default is checked at each call that leaves it out,
//! for that call's types (`v: T = 0` suits `Box[Int]`, not `Box[String]`):
//! its errors are labelled at that call.
//!
//! Every instance checks the body again, so one mistake can be found
//! several times. When checking ends, a diagnostic identical to an
//! earlier one (same file, place, code and message: the error did not
//! depend on the types) is dropped, and so is an instance's error where
//! the declaration check already reported one: the generic body is wrong
//! for every type, and that error says why.

use std::collections::HashSet;

use lumen_diagnostics::{Diagnostic, Label, Severity, Span};
use lumen_syntax::ast::AstNode;

use super::{codes, Checker};
use crate::hir::CellId;

/// The end of every label this module adds; with [`IN_INSTANCE`], how
/// `settle_instance_errors` tells such errors from others.
const INSTANTIATED_HERE: &str = "is instantiated here";

/// The start of the help line this module adds.
const IN_INSTANCE: &str = "the error is in the instance";

/// How many calls of a chain of instantiations are shown.
const MAX_CHAIN: usize = 4;

impl Checker {
    /// After checking the body of `instance`: labels the errors found in
    /// it since `first` (index into the diagnostics) with the calls that
    /// instantiated it.
    pub(super) fn note_instantiation(&mut self, instance: CellId, first: usize) {
        // An instance of a generic cell, or a method made for an instance
        // of a generic type or `impl`: its syntax is the generic one's.
        let sig = &self.cells[instance.0 as usize];
        if sig.type_args.is_empty() || first == self.diagnostics.len() {
            return;
        }
        // The instance the declaration check makes (`generic_bodies.rs`)
        // has no call: its errors are the declaration's.
        let chains = &self.instances.chains;
        if chains.template.contains_key(&instance) && !chains.made_at.contains_key(&instance) {
            return;
        }
        let Some(syntax) = &sig.syntax else {
            return;
        };
        let range = syntax.syntax().text_range();
        let body = usize::from(range.start())..usize::from(range.end());
        let module = sig.module;
        let chain = self.instantiation_chain(instance);
        let help = self.type_args_help(instance);
        for d in &mut self.diagnostics[first..] {
            let inside = d.file == module
                && d.primary.span.start >= body.start
                && d.primary.span.end <= body.end;
            // E0315 explains its own chain; an error already labelled was
            // found in a nested instance of the same cell, whose chain
            // runs through this one.
            if !inside
                || d.severity != Severity::Error
                || d.code == codes::INFINITE_INSTANTIATION
                || is_labelled(d)
            {
                continue;
            }
            d.secondary.extend(chain.iter().cloned());
            d.help.push(help.clone());
        }
    }

    /// Labels at the calls that led to `instance`, innermost first (in
    /// whichever module each call is).
    fn instantiation_chain(&self, instance: CellId) -> Vec<Label> {
        let chains = &self.instances.chains;
        let mut labels = Vec::new();
        let mut at = Some(instance);
        while let Some(cell) = at.filter(|_| labels.len() < MAX_CHAIN) {
            let Some((module, span)) = chains.made_at.get(&cell) else {
                break;
            };
            let name = &self.cells[cell.0 as usize].name;
            labels.push(Label {
                span: span.clone(),
                message: format!("`{name}` {INSTANTIATED_HERE}"),
                file: Some(*module),
            });
            at = chains.parent.get(&cell).copied();
        }
        labels
    }

    /// The help naming an instance and its type arguments (in the order
    /// of the generic cell's parameters; by name for a method).
    fn type_args_help(&self, instance: CellId) -> String {
        let cell = &self.cells[instance.0 as usize];
        let names: Vec<&String> = match self.instances.chains.template.get(&instance) {
            Some(t) => self.cells[t.0 as usize]
                .generics
                .iter()
                .map(|g| &g.name)
                .collect(),
            None => {
                let mut names: Vec<&String> = cell.type_args.keys().collect();
                names.sort();
                names
            }
        };
        let args: Vec<String> = names
            .into_iter()
            .filter_map(|n| Some(format!("`{n}` is `{}`", cell.type_args.get(n)?)))
            .collect();
        format!("{IN_INSTANCE} `{}`, where {}", cell.name, args.join(", "))
    }

    /// Labels the errors found since `first` in a parameter or field
    /// default (at `default`) with the call in module `module` that uses it.
    pub(super) fn label_default_errors(
        &mut self,
        first: usize,
        default: &Span,
        module: usize,
        call: &Span,
    ) {
        for d in &mut self.diagnostics[first..] {
            if d.severity == Severity::Error
                && d.primary.span.start >= default.start
                && d.primary.span.end <= default.end
            {
                d.secondary.push(Label {
                    span: call.clone(),
                    message: "the default is used by this call".to_string(),
                    file: Some(module),
                });
            }
        }
    }

    /// When checking ends: drops repeated diagnostics and instances' errors
    /// the declaration check reported already (see the module doc).
    pub(super) fn settle_instance_errors(&mut self) {
        let declared = &self.instances.chains.declaration_errors;
        let mut seen = HashSet::new();
        self.diagnostics.retain(|d| {
            if is_labelled(d) && declared.contains(&(d.file, d.primary.span.clone())) {
                return false;
            }
            seen.insert((d.file, d.primary.span.clone(), d.code, d.message.clone()))
        });
    }
}

/// Whether `d` carries the labels of an instantiation.
fn is_labelled(d: &Diagnostic) -> bool {
    d.secondary
        .iter()
        .any(|l| l.message.ends_with(INSTANTIATED_HERE))
        || d.help.iter().any(|h| h.starts_with(IN_INSTANCE))
}
