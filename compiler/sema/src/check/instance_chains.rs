//! Polymorphic recursion: a generic cell whose body calls itself (directly
//! or through other generic cells) with ever larger type arguments —
//! `cell f[T](x: T, n: Int) -> Int = … f([x], n - 1)` — would need
//! `f[Int]`, `f[list[Int]]`, `f[list[list[Int]]]`, … without end, since every
//! instance is checked and compiled on its own. Each instance remembers the
//! instance whose body asked for it; a chain that holds more than
//! [`MAX_INSTANCE_DEPTH`] instances of one cell is reported once per cell,
//! naming the cell and the first types of the chain, and the call gets the
//! error type. Only repeats of a cell count: a long chain of different
//! generic cells is fine, and recursion towards smaller types ends by
//! itself. The bound is low because a type may double at each step
//! (`(x, x)`), and every instance's name shows its type.

use std::collections::{HashMap, HashSet};

use lumen_diagnostics::Span;

use super::{codes, Checker};
use crate::hir::CellId;

/// How many instances of one cell a chain of instantiations may hold.
pub(crate) const MAX_INSTANCE_DEPTH: usize = 16;

/// Which instance asked for which, and how deep each is.
#[derive(Default, Clone)]
pub(crate) struct InstanceChains {
    /// An instance → the instance whose body made it (absent for instances
    /// made from a non-generic cell).
    pub(super) parent: HashMap<CellId, CellId>,
    /// An instance → its generic cell.
    pub(super) template: HashMap<CellId, CellId>,
    /// An instance → the module and span of the call (or the use as a
    /// value) that made it, which errors in its body point back to
    /// (`instance_notes.rs`); for a method made for an instance of a
    /// generic type or `impl`, its first call.
    pub(super) made_at: HashMap<CellId, (usize, Span)>,
    /// Where the check of generic bodies at their declaration
    /// (`generic_bodies.rs`) found errors, by module and span: an
    /// instance's error there says nothing new.
    pub(super) declaration_errors: HashSet<(usize, Span)>,
    /// Templates already reported.
    reported: HashSet<CellId>,
}

impl Checker {
    /// The cell whose body is being checked, which a new instance is made for.
    fn instantiating_cell(&self) -> Option<CellId> {
        self.bodies.iter().rev().find_map(|b| b.owner)
    }

    /// Before making an instance of `template` for a call at `span`: whether
    /// that would make the chain too deep (then it is reported, once).
    pub(super) fn instance_chain_too_deep(&mut self, template: CellId, span: &Span) -> bool {
        let Some(from) = self.instantiating_cell() else {
            return false;
        };
        // The chain of instances leading here, the innermost first.
        let chains = &self.instances.chains;
        let mut chain = Vec::new();
        let mut at = Some(from);
        while let Some(cell) = at.filter(|c| chains.template.contains_key(c)) {
            chain.push(cell);
            at = chains.parent.get(&cell).copied();
        }
        let repeats: Vec<CellId> = chain
            .into_iter()
            .filter(|c| chains.template.get(c) == Some(&template))
            .collect();
        if repeats.len() < MAX_INSTANCE_DEPTH {
            return false;
        }
        if self.instances.chains.reported.insert(template) {
            let name = self.cells[template.0 as usize].name.clone();
            // The first instances show how the types grow.
            let shown: Vec<String> = repeats
                .iter()
                .rev()
                .take(3)
                .map(|c| format!("`{}`", self.cells[c.0 as usize].name))
                .collect();
            self.error(
                codes::INFINITE_INSTANTIATION,
                format!("`{name}` is instantiated with ever larger types"),
                span.clone(),
                format!(
                    "this call needs instance {} of `{name}`",
                    MAX_INSTANCE_DEPTH + 1
                ),
            );
            self.push_help(format!(
                "each instance needs the next: {}, …",
                shown.join(" needs ")
            ));
            self.push_help(
                "a generic cell must call itself with the same type arguments (or a fixed set of them)"
                    .to_string(),
            );
        }
        true
    }

    /// A call at `span` of `method`: when it is a method made for an
    /// instance of a generic type or `impl` and this is its first call,
    /// errors in its body point back here (`instance_notes.rs`).
    pub(super) fn note_method_call(&mut self, method: CellId, span: &Span) {
        if self.cells[method.0 as usize].type_args.is_empty()
            || self.instances.chains.made_at.contains_key(&method)
        {
            return;
        }
        let from = self.instantiating_cell();
        let module = self.current_module;
        let chains = &mut self.instances.chains;
        chains.made_at.insert(method, (module, span.clone()));
        if let Some(from) = from {
            chains.parent.insert(method, from);
        }
    }

    /// Records that `instance` was made by the body being checked, for
    /// the call at `span` (in the current module).
    pub(super) fn note_instance(&mut self, instance: CellId, template: CellId, span: &Span) {
        let from = self.instantiating_cell();
        let module = self.current_module;
        let chains = &mut self.instances.chains;
        chains.template.insert(instance, template);
        chains.made_at.insert(instance, (module, span.clone()));
        if let Some(from) = from {
            chains.parent.insert(instance, from);
        }
    }
}
