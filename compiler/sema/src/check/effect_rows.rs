//! Effect rows (types.md §4; tools-details §67, §74): a cell that declares
//! `/ {llm, http}` must declare every effect it performs; a cell without a
//! row has its effects inferred.
//!
//! While bodies are checked, each one logs what it does against the cell it
//! belongs to (`Body::owner`): the effects of its tool calls and `fetch`
//! (tool effects: the first segment of the tool id, or the effect bound to
//! the alias; `fetch` performs `http`), the cells it calls and the closures
//! it makes. A closure (a lambda, a `spawn` operand, a form branch) counts
//! as performed by the body that makes it, since that is where its effects
//! happen or are handed on — unless it is given a function type with a row
//! (`fn(String) -> Int / {http}`): then a call of the value performs the
//! row's effects, and the closure's body is checked against the row. Calls
//! of function values whose type has no row perform nothing here. The body
//! of a `handle` counts without the effects its clauses handle. After every
//! body is checked,
//! [`Checker::check_effect_rows`] infers the rows left out and compares
//! each declared row with what its cell performs; a violation names the
//! call that performs the missing effect, as an error, or a warning under
//! `@strict false`.

use std::collections::{BTreeSet, HashMap, HashSet};

use lumen_diagnostics::{Diagnostic, Span};

use super::{codes, span_of, Checker};
use crate::hir::CellId;

/// One thing a body does that may perform effects.
#[derive(Clone, Debug)]
enum Use {
    /// A tool call or `fetch`: its effect, its span, how to name it.
    Effect(String, Span, String),
    /// A call of a cell, or a closure made (`CellId` is its body).
    Call(CellId, Span),
    /// The body of a `handle` (a closure) with the effects its clauses
    /// handle: what it performs beside those.
    Handled(CellId, Vec<String>),
}

/// A declared row: its effect names with their spans, and its own span.
type Row = (Vec<(String, Span)>, Span);

/// What each body did, by the cell it belongs to.
#[derive(Clone, Default)]
pub(crate) struct EffectLog {
    uses: HashMap<CellId, Vec<Use>>,
    /// Closures given a function type with a row (types.md §4): the
    /// closure's body, the row, where the row was required.
    fn_rows: Vec<(CellId, Vec<String>, Span)>,
    /// The names in the rows of function types and lambdas, with their
    /// spans and modules, checked once every declaration is known.
    row_names: Vec<(String, Span, usize)>,
}

impl Checker {
    /// The innermost body that belongs to a cell (a builtin used as a
    /// value is checked in a body of its own, on top of its user's).
    fn effect_owner(&self) -> Option<CellId> {
        self.bodies.iter().rev().find_map(|b| b.owner)
    }

    /// Logs that the body being checked performs `effect` by the call at
    /// `span`, named `what` in messages.
    pub(super) fn log_effect(&mut self, effect: String, span: Span, what: String) {
        if let Some(owner) = self.effect_owner() {
            let uses = self.effects.uses.entry(owner).or_default();
            uses.push(Use::Effect(effect, span, what));
        }
    }

    /// Logs that the body being checked calls `callee` (or makes the
    /// closure whose body it is) at `span`.
    pub(super) fn log_call(&mut self, callee: CellId, span: Span) {
        if let Some(owner) = self.effect_owner() {
            if owner != callee {
                let uses = self.effects.uses.entry(owner).or_default();
                uses.push(Use::Call(callee, span));
            }
        }
    }

    /// The effect names of the row `/ {a, b}` of a function type or a
    /// lambda; an unknown name is E0100.
    pub(super) fn fn_row(&mut self, row: &lumen_syntax::ast::EffectRow) -> Vec<String> {
        let mut names = Vec::new();
        for p in row.effects() {
            let name = p.text();
            self.effects
                .row_names
                .push((name.clone(), span_of(&p), self.current_module));
            names.push(name);
        }
        names
    }

    /// Requires the closure `body` to perform only the effects of `row`
    /// (it was given a function type with that row at `span`). Its effects
    /// no longer count for the body that makes it: they happen where the
    /// value is called, which the row tells.
    pub(super) fn require_fn_row(&mut self, body: CellId, row: Vec<String>, span: Span) {
        if let Some(owner) = self.effect_owner() {
            if let Some(uses) = self.effects.uses.get_mut(&owner) {
                uses.retain(|u| !matches!(u, Use::Call(c, _) if *c == body));
            }
        }
        self.effects.fn_rows.push((body, row, span));
    }

    /// Every name in the row of a function type or a lambda is an effect.
    fn check_row_names(&mut self) {
        for (name, span, module) in std::mem::take(&mut self.effects.row_names) {
            if !self.known_effects(module).contains(&name)
                && !self.is_declared_effect_anywhere(&name)
            {
                self.error(
                    codes::UNRESOLVED_NAME,
                    format!("cannot find the effect `{name}`"),
                    span,
                    "not an effect of this program",
                );
            }
        }
    }

    /// Marks the closure `body`, made by the body being checked, as the
    /// body of a `handle` whose clauses handle `handled`.
    pub(super) fn mark_handled(&mut self, body: CellId, handled: Vec<String>) {
        let Some(owner) = self.effect_owner() else {
            return;
        };
        let Some(uses) = self.effects.uses.get_mut(&owner) else {
            return;
        };
        if let Some(u) = uses
            .iter_mut()
            .rev()
            .find(|u| matches!(u, Use::Call(c, _) if *c == body))
        {
            if let Use::Call(c, _) = u.clone() {
                *u = Use::Handled(c, handled);
            }
        }
    }

    /// The declared row of cell `id`: its effect names with their spans,
    /// and the span of the whole row.
    fn declared_row(&self, id: usize) -> Option<Row> {
        let row = self.cells[id].syntax.as_ref()?.effect_row()?;
        let names = row.effects().map(|p| (p.text(), span_of(&p))).collect();
        Some((names, span_of(&row)))
    }

    /// Infers the rows of cells without one and checks the declared ones.
    pub(super) fn check_effect_rows(&mut self, entry: CellId) {
        let count = self.cells.len();
        let rows: Vec<Option<Row>> = (0..count).map(|i| self.declared_row(i)).collect();
        // What each cell performs, as seen by its callers: its row when it
        // declares one, otherwise what its body does (to a fixpoint).
        let mut sets: Vec<BTreeSet<String>> = (0..count)
            .map(|i| match &rows[i] {
                Some((names, _)) => names.iter().map(|(n, _)| n.clone()).collect(),
                None => self.direct_effects(CellId(i as u32)),
            })
            .collect();
        loop {
            let mut changed = false;
            for i in 0..count {
                if rows[i].is_some() {
                    continue;
                }
                let callees = self.calls_of(CellId(i as u32));
                for (c, handled) in callees {
                    let add: Vec<String> = sets[c.0 as usize]
                        .iter()
                        .filter(|e| !sets[i].contains(*e) && !handled.contains(*e))
                        .cloned()
                        .collect();
                    if !add.is_empty() {
                        changed = true;
                        sets[i].extend(add);
                    }
                }
            }
            if !changed {
                break;
            }
        }
        self.check_unhandled(entry, &sets);
        self.check_fn_rows(&sets);
        self.check_row_names();
        let saved_module = self.current_module;
        for (i, row) in rows.iter().enumerate() {
            let Some((names, row_span)) = row else {
                continue;
            };
            // A generic template is checked through its instances.
            if !self.cells[i].generics.is_empty() {
                continue;
            }
            self.current_module = self.cells[i].module;
            let known = self.known_effects(self.current_module);
            let mut declared: HashSet<&str> = HashSet::new();
            for (name, span) in names {
                if !known.contains(name) && !self.is_declared_effect_anywhere(name) {
                    self.error(
                        codes::UNRESOLVED_NAME,
                        format!("cannot find the effect `{name}`"),
                        span.clone(),
                        "not an effect of this program",
                    );
                    let mut list: Vec<&String> = known.iter().collect();
                    list.sort();
                    self.push_help(format!(
                        "effects come from tools (`llm`, `http`, the first part of a tool id) and `effect` declarations; known here: {}",
                        list.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
                    ));
                }
                declared.insert(name);
            }
            let mut sites: Vec<(String, Span, String)> = Vec::new();
            self.effect_sites(CellId(i as u32), &sets, &mut HashSet::new(), &mut sites);
            sites.sort_by_key(|(_, span, _)| span.start);
            // The row that would do: the declared one and every missing
            // effect, in the order they are met.
            let mut all: Vec<String> = names.iter().map(|(n, _)| n.clone()).collect();
            for (effect, _, _) in &sites {
                if !all.contains(effect) {
                    all.push(effect.clone());
                }
            }
            let mut reported: HashSet<String> = HashSet::new();
            for (effect, span, what) in sites {
                if declared.contains(effect.as_str()) || !reported.insert(effect.clone()) {
                    continue;
                }
                let cell_name = self.cells[i].name.clone();
                let message = format!(
                    "`{cell_name}` performs the effect `{effect}`, which its row does not declare"
                );
                let d = self.missing_effect(message, span, &what, &effect);
                self.push_diagnostic(
                    d.with_label(row_span.clone(), "the row declared here")
                        .with_help(format!("declare it: `/ {{{}}}`", all.join(", "))),
                );
            }
        }
        self.current_module = saved_module;
    }

    /// A declared effect that `main` performs with no handler around it and
    /// no tool bound to it (tools.md §5): the checker sees it is unhandled.
    fn check_unhandled(&mut self, entry: CellId, sets: &[BTreeSet<String>]) {
        let mut sites = Vec::new();
        self.effect_sites(entry, sets, &mut HashSet::new(), &mut sites);
        sites.sort_by_key(|(_, span, _)| span.start);
        let mut reported: HashSet<String> = HashSet::new();
        for (effect, span, what) in sites {
            if !self.is_declared_effect_anywhere(&effect)
                || self.effect_is_bound(&effect)
                || !reported.insert(effect.clone())
            {
                continue;
            }
            self.error(
                codes::BAD_EFFECT,
                format!("unhandled effect `{effect}`"),
                span,
                format!("{what} performs `{effect}`, and no `handle` around it handles it"),
            );
            self.push_help(format!(
                "wrap it in `handle … with {effect}.op(…) => … end`, or bind the effect to a tool: `bind effect {effect} to Alias`"
            ));
        }
    }

    /// E0804 at the call `what` performing `effect` — the warning W0007
    /// under `@strict false`.
    fn missing_effect(&self, message: String, span: Span, what: &str, effect: &str) -> Diagnostic {
        let label = format!("{what} performs `{effect}`");
        if self.lenient_effects {
            Diagnostic::warning(codes::MISSING_EFFECT_WARNING, message, span, label)
        } else {
            Diagnostic::error(codes::MISSING_EFFECT, message, span, label)
        }
    }

    /// Closures with a function type's row perform only what it lists.
    fn check_fn_rows(&mut self, sets: &[BTreeSet<String>]) {
        for (body, row, row_span) in self.effects.fn_rows.clone() {
            let mut sites = Vec::new();
            self.effect_sites(body, sets, &mut HashSet::new(), &mut sites);
            sites.sort_by_key(|(_, span, _)| span.start);
            let mut reported: HashSet<String> = HashSet::new();
            for (effect, span, what) in sites {
                if row.contains(&effect) || !reported.insert(effect.clone()) {
                    continue;
                }
                let message = format!(
                    "this function performs the effect `{effect}`, which its type's row does not declare"
                );
                let d = self.missing_effect(message, span, &what, &effect);
                self.push_diagnostic(
                    d.with_label(row_span.clone(), "the function type is required here"),
                );
            }
        }
    }

    /// The effects of a cell's own tool calls.
    fn direct_effects(&self, id: CellId) -> BTreeSet<String> {
        self.effects
            .uses
            .get(&id)
            .into_iter()
            .flatten()
            .filter_map(|u| match u {
                Use::Effect(e, ..) => Some(e.clone()),
                Use::Call(..) | Use::Handled(..) => None,
            })
            .collect()
    }

    /// The cells `id` calls or closures it makes, each with the effects
    /// handled around it.
    fn calls_of(&self, id: CellId) -> Vec<(CellId, Vec<String>)> {
        self.effects
            .uses
            .get(&id)
            .into_iter()
            .flatten()
            .filter_map(|u| match u {
                Use::Call(c, _) => Some((*c, Vec::new())),
                Use::Handled(c, handled) => Some((*c, handled.clone())),
                Use::Effect(..) => None,
            })
            .collect()
    }

    /// Every effect performed in the body of `id`, with the call that
    /// performs it: tool calls of the body and of the closures it makes
    /// (looked into), calls of cells (with what those perform).
    fn effect_sites(
        &self,
        id: CellId,
        sets: &[BTreeSet<String>],
        seen: &mut HashSet<CellId>,
        out: &mut Vec<(String, Span, String)>,
    ) {
        if !seen.insert(id) {
            return;
        }
        let Some(uses) = self.effects.uses.get(&id) else {
            return;
        };
        for u in uses {
            match u {
                Use::Effect(e, span, what) => out.push((e.clone(), span.clone(), what.clone())),
                Use::Call(callee, span) => {
                    let sig = &self.cells[callee.0 as usize];
                    if sig.name == "<closure>" {
                        self.effect_sites(*callee, sets, seen, out);
                        continue;
                    }
                    let what = format!("`{}(…)`", sig.name.rsplit('.').next().unwrap_or(&sig.name));
                    for e in &sets[callee.0 as usize] {
                        out.push((e.clone(), span.clone(), what.clone()));
                    }
                }
                Use::Handled(body, handled) => {
                    let mut inner = Vec::new();
                    self.effect_sites(*body, sets, seen, &mut inner);
                    out.extend(inner.into_iter().filter(|(e, ..)| !handled.contains(e)));
                }
            }
        }
    }
}
