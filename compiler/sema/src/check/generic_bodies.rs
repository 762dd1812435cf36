//! The body of a generic cell is checked once at its declaration, not only
//! per instance (issue 12): `cell f[T](x: T) -> T = x + 1` is an error even
//! if nothing calls it, or if every call passes an `Int`.
//!
//! The checker has no type variables, so the body is checked the way an
//! instance is, on a speculative copy of the checker, with each type
//! parameter bound to an *archetype*: an opaque record named after the
//! parameter, with no fields and no methods. What every Lumen value can do
//! (display, `==`, being stored and passed on) works on it; arithmetic,
//! ordering, fields, methods and conversions do not, so exactly the
//! operations no bound granted are reported. The copy is dropped; only its
//! errors that point into the template's own body are kept (errors of
//! other cells it instantiated are theirs to report).
//!
//! Bounds other than `Display`, `Eq` and `Hash` (which every type
//! satisfies) are not modelled by an archetype yet — `Num`, `Ord` and
//! trait bounds grant operations an opaque record lacks — so a cell with
//! such a bound is still checked per instance only.

use lumen_diagnostics::Severity;
use lumen_syntax::ast::AstNode;

use super::Checker;
use crate::hir::CellId;
use crate::types::{intern_name, Nominal, RecordInfo, Type};

/// Bounds every type satisfies, so an archetype may stand for them.
const UNIVERSAL_BOUNDS: &[&str] = &["Display", "Eq", "Hash"];

impl Checker {
    /// Checks the generic cell `template`'s body with archetypes for its
    /// type parameters, reporting what its bounds do not grant.
    pub(super) fn check_generic_declaration(&mut self, template: CellId) {
        let sig = self.cells[template.0 as usize].clone();
        let Some(syntax) = sig.syntax.clone() else {
            return;
        };
        // A variadic generic cell is E0900 already (see `check_variadic`).
        if sig.params.iter().any(|p| p.variadic)
            || sig.generics.iter().any(|g| {
                g.bounds
                    .iter()
                    .any(|b| !UNIVERSAL_BOUNDS.contains(&b.as_str()))
            })
        {
            return;
        }
        let range = syntax.syntax().text_range();
        let body = usize::from(range.start())..usize::from(range.end());
        let mut spec = self.clone();
        let before = spec.diagnostics.len();
        let args = sig
            .generics
            .iter()
            .map(|g| spec.archetype(&g.name))
            .collect();
        let Some(instance) = spec.instantiate(template, &sig, args, &sig.span.clone()) else {
            return;
        };
        // No call made it: its errors are the declaration's, with no note
        // of an instantiation (`instance_notes.rs`).
        spec.instances.chains.made_at.remove(&instance);
        // The instance and whatever it made (closures, other instances).
        let mut id = instance.0 as usize;
        while id < spec.cells.len() {
            spec.check_cell(CellId(id as u32));
            id += 1;
        }
        let found: Vec<_> = spec.diagnostics[before..]
            .iter()
            .filter(|d| {
                d.severity == Severity::Error
                    && d.file == sig.module
                    && d.primary.span.start >= body.start
                    && d.primary.span.end <= body.end
            })
            .cloned()
            .collect();
        let names: Vec<&str> = sig.generics.iter().map(|g| g.name.as_str()).collect();
        for mut d in found {
            let ordering = ["`<`", "`>`", "`<=`", "`>=`"]
                .iter()
                .any(|op| d.message.contains(op));
            let bound = if ordering { "Ord" } else { "Num" };
            d.help.push(format!(
                "in the generic cell `{}`, {} stands for any type: only what every type has \
                 (display, `==`) applies; a bound grants more, like `[{}: {bound}]` or a trait",
                sig.name,
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                names[0]
            ));
            self.instances
                .chains
                .declaration_errors
                .insert((d.file, d.primary.span.clone()));
            self.diagnostics.push(d);
        }
    }

    /// An opaque record type shown as `name`.
    fn archetype(&mut self, name: &str) -> Type {
        let id = self.types.records.len() as u32;
        self.types.records.push(RecordInfo {
            name: name.to_string(),
            fields: Vec::new(),
            span: 0..0,
        });
        self.types.record_defaults.push(Vec::new());
        self.archetypes.insert(id);
        Type::Record(Nominal {
            id,
            name: intern_name(name),
        })
    }
}
