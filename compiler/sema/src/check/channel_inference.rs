//! The element type of `let ch = channel()` from the channel's later uses
//! (async.md §5.4: "`T` from the annotation or from its uses in the same
//! cell").
//!
//! The checker has no type variables: every expression gets its final type
//! when it is checked, and HIR is built at once. So the uses are found by a
//! *speculative* check: a copy of the checker binds the channel as
//! `Channel[<error>]` (an error type silences every complaint about it) and
//! checks the rest of the block, recording the first use that fixes the
//! element type; the copy is then dropped, and the real checker checks the
//! `let` as if it were annotated with what was found. What fixes it, in
//! source order (the first one wins, later ones are checked against it):
//!
//! - `ch.send(v)`: the type of `v`;
//! - `ch` given where a `Channel[T]` is expected: a parameter, a field, a
//!   declared variable or return type (anything that goes through
//!   [`Checker::coerce`]).
//!
//! Copies of the variable captured by closures and tasks count as the
//! variable. When no use fixes the type, the `let` is E0310, asking for an
//! annotation. The speculation costs a copy of the checker and a second
//! check of the block's remaining statements per unannotated `channel()`;
//! it does not nest (another unannotated channel met while speculating
//! stays unknown there), so the cost stays linear in the number of
//! channels. The price: a channel whose first typing use needs the type of
//! a channel declared after it (`a.send(b.receive())` with `b` declared
//! later and unannotated) is not inferred and asks for an annotation.

//!
//! An empty list bound without annotation, `let mut xs = []`, is inferred
//! the same way (types.md §2: "types left open … an empty list … are fixed
//! by their later uses"): bound as `list[<error>]` while speculating, its
//! element type is fixed by `append(xs, v)` (the type of `v`), `xs = e`
//! and `xs ++ e` (the element type of `e`), or `xs` given where a
//! `list[T]` is expected. When nothing fixes it, the usual E0310 about the
//! empty list.
//!
//! Two more open `let`s use the same speculation (types.md §2 names
//! `None` among the types left open):
//!
//! - a bare payload-less variant of a generic enum, `let mut o = None`:
//!   bound as an error type while speculating, its instance is fixed by
//!   `o = v` with `v` an instance of the same enum (`o = Some(1)`), or `o`
//!   given where an instance is expected. Nothing fixing it leaves the
//!   usual E0310 of the variant.
//! - `let mut x = null`: fixed by `x = v` with `v` not `null` (the
//!   variable becomes `T?` of `v`'s type `T`), or `x` given where an
//!   optional is expected. Nothing fixing it leaves `x: Null`, as before.

use lumen_syntax::ast::{self, AstNode};

use super::build::unparen;
use super::{codes, span_of, Checker};
use crate::hir::{Expr, ExprKind, StmtKind, VarId};
use crate::types::{channel_of, list_of, map_of, union_of, Type};

/// The channel whose element type a speculative check is looking for.
#[derive(Clone, Default)]
pub(crate) struct PendingChannel {
    /// The channel's variable and its copies in closures: (the serial
    /// number of the body they belong to, id).
    vars: Vec<(u64, VarId)>,
    /// The element type the first use that fixes it gave (for `None` and
    /// `null`, the variable's whole type).
    found: Option<Type>,
    /// What kind of open `let` this is.
    kind: OpenLet,
}

/// The kinds of `let` whose type later uses fix.
#[derive(Clone, Default, PartialEq)]
enum OpenLet {
    /// `channel()`: the element type.
    #[default]
    Channel,
    /// `[]`: the element type.
    List,
    /// `{}`: the whole map type.
    Map,
    /// A bare variant of the generic enum with this (plain) name: the
    /// instance.
    Variant(String),
    /// `null`: the optional type.
    Null,
}

impl Checker {
    /// Before `stmts[i]` is checked: when it is `let x = channel(…)`
    /// without an annotation, the channel type its later uses give, which
    /// the `let` then takes as its expected type. `None` when it is not
    /// such a `let`; when no use fixes the type, E0310 here and a channel
    /// of unknown elements (an error type) for the `let`.
    pub(super) fn infer_channel_let(&mut self, stmts: &[ast::Stmt], i: usize) -> Option<Type> {
        let ast::Stmt::Let(l) = &stmts[i] else {
            return None;
        };
        if l.ty().is_some() || !matches!(l.pattern(), Some(ast::Pattern::Ident(_))) {
            return None;
        }
        if l.init().map(unparen).is_some_and(|e| is_empty_list(&e)) {
            return self.infer_list_let(stmts, i);
        }
        if l.init().map(unparen).is_some_and(|e| is_empty_map(&e)) {
            return self.infer_map_let(stmts, i);
        }
        if let Some(kind) = l.init().and_then(|e| self.open_value(&unparen(e))) {
            return self.infer_open_let(stmts, i, kind);
        }
        let Some(ast::Expr::Call(call)) = l.init().map(unparen) else {
            return None;
        };
        let Some(ast::Expr::Name(callee)) = call.callee() else {
            return None;
        };
        let name = callee.text();
        // The builtin, not a variable or cell of the program named `channel`.
        if name != "channel"
            || self.lookup_var(&name).is_some()
            || self.cell_names.contains_key(&self.key(&name))
        {
            return None;
        }
        if self.pending_channel.is_some() {
            // Already speculating for an earlier channel: this one stays
            // unknown there (an error type, silent). Speculating again
            // would make the work exponential in the number of channels.
            return Some(channel_of(Type::Error));
        }
        let mut spec = self.clone();
        spec.pending_channel = Some(PendingChannel::default());
        spec.inferred_let = Some(channel_of(Type::Error));
        if let Some(stmt) = spec.check_stmt(&stmts[i]) {
            if let StmtKind::Let(var, _) = stmt.kind {
                let body = spec.body().serial;
                if let Some(p) = spec.pending_channel.as_mut() {
                    p.vars.push((body, var));
                }
            }
        }
        spec.check_stmts(&stmts[i + 1..], false);
        if let Some(found) = spec.pending_channel.as_ref().and_then(|p| p.found) {
            let found = self.adopt_instances(&spec, found, &span_of(&call));
            return Some(channel_of(found));
        }
        let var = l.pattern().map(|p| p.syntax().text().to_string());
        let call_text = call.syntax().text().to_string();
        self.error(
            codes::NEEDS_ANNOTATION,
            "the element type of this channel cannot be inferred",
            span_of(&call),
            "nothing sends to it or passes it where a `Channel[T]` is declared",
        );
        self.push_help(format!(
            "annotate it: `let {}{}: Channel[Int] = {call_text}`",
            if l.is_mut() { "mut " } else { "" },
            var.unwrap_or_else(|| "ch".to_string())
        ));
        // The `let` then binds a channel of unknown elements, silently.
        Some(channel_of(Type::Error))
    }

    /// `let [mut] xs = []`: the list type its later uses give, or `None`
    /// (the empty literal then asks for an annotation).
    fn infer_list_let(&mut self, stmts: &[ast::Stmt], i: usize) -> Option<Type> {
        let found = self.infer_empty_let(stmts, i, OpenLet::List, list_of(Type::Error))?;
        Some(list_of(found))
    }

    /// `let [mut] m = {}`: the map type its later uses give (`m[k] = v`,
    /// `m = other`, passing `m` where a map is wanted), or `None` (the
    /// empty literal then asks for an annotation).
    fn infer_map_let(&mut self, stmts: &[ast::Stmt], i: usize) -> Option<Type> {
        self.infer_empty_let(stmts, i, OpenLet::Map, map_of(Type::Error, Type::Error))
    }

    /// Checks `stmts[i]` (a `let` of an empty literal) and the statements
    /// after it on a copy of the checker, with the variable bound to
    /// `unknown`, and gives what the first use that fixes it found (for a
    /// list its element type, for a map the map type).
    fn infer_empty_let(
        &mut self,
        stmts: &[ast::Stmt],
        i: usize,
        kind: OpenLet,
        unknown: Type,
    ) -> Option<Type> {
        if self.pending_channel.is_some() {
            // Speculating already: unknown (silent) here, as for channels.
            return Some(unknown);
        }
        let mut spec = self.clone();
        spec.pending_channel = Some(PendingChannel {
            kind,
            ..PendingChannel::default()
        });
        spec.inferred_let = Some(unknown);
        if let Some(stmt) = spec.check_stmt(&stmts[i]) {
            if let StmtKind::Let(var, _) = stmt.kind {
                let body = spec.body().serial;
                if let Some(p) = spec.pending_channel.as_mut() {
                    p.vars.push((body, var));
                }
            }
        }
        spec.check_stmts(&stmts[i + 1..], false);
        let found = spec.pending_channel.as_ref().and_then(|p| p.found)?;
        Some(self.adopt_instances(&spec, found, &span_of(&stmts[i])))
    }

    /// `m[key] = value` on the empty map being inferred: its type.
    pub(super) fn map_key_assigned(&mut self, var: VarId, key: Type, value: Type) {
        if self
            .pending_channel
            .as_ref()
            .is_some_and(|p| p.kind == OpenLet::Map)
            && !key.has_error()
            && !value.has_error()
        {
            let read = Expr {
                kind: ExprKind::Var(var),
                ty: Type::Error,
                span: 0..0,
            };
            self.channel_use(&read, Some(map_of(key, value)));
        }
    }

    /// Whether `var` is the empty map being inferred.
    pub(super) fn is_pending_map(&self, var: VarId) -> bool {
        let read = Expr {
            kind: ExprKind::Var(var),
            ty: Type::Error,
            span: 0..0,
        };
        self.pending_channel
            .as_ref()
            .is_some_and(|p| p.kind == OpenLet::Map)
            && self.reads_pending_channel(&read)
    }

    /// The kind of open value `e` is: `null`, or a bare payload-less
    /// variant of a generic enum (not shadowed by a variable).
    fn open_value(&mut self, e: &ast::Expr) -> Option<OpenLet> {
        match e {
            ast::Expr::Literal(l) if l.kind() == Some(ast::LiteralKind::Null) => {
                Some(OpenLet::Null)
            }
            ast::Expr::Name(n) => {
                let name = n.text();
                if self.lookup_var(&name).is_some() {
                    return None;
                }
                let template = self.generic_types.variants.get(&name)?;
                let plain = template.rsplit("::").next().unwrap_or(template);
                Some(OpenLet::Variant(plain.to_string()))
            }
            _ => None,
        }
    }

    /// `let [mut] x = None` / `let [mut] x = null`: the variable's type
    /// its later uses give, or `None` (the value is then checked as it is).
    fn infer_open_let(&mut self, stmts: &[ast::Stmt], i: usize, kind: OpenLet) -> Option<Type> {
        if self.pending_channel.is_some() {
            // Speculating already: checked as written there.
            return None;
        }
        let mut spec = self.clone();
        spec.pending_channel = Some(PendingChannel {
            kind,
            ..PendingChannel::default()
        });
        // Bound as an error type: nothing about it is reported meanwhile.
        spec.inferred_let = Some(Type::Error);
        if let Some(stmt) = spec.check_stmt(&stmts[i]) {
            if let StmtKind::Let(var, _) = stmt.kind {
                let body = spec.body().serial;
                if let Some(p) = spec.pending_channel.as_mut() {
                    p.vars.push((body, var));
                }
            }
        }
        spec.check_stmts(&stmts[i + 1..], false);
        let found = spec.pending_channel.as_ref().and_then(|p| p.found)?;
        Some(self.adopt_instances(&spec, found, &span_of(&stmts[i])))
    }

    /// Whether `e` reads a variable being inferred whose type an
    /// assignment `e = v` fixes (an empty list, `None`, `null`).
    pub(super) fn is_pending_assignable(&self, e: &Expr) -> bool {
        self.pending_channel
            .as_ref()
            .is_some_and(|p| p.kind != OpenLet::Channel)
            && self.reads_pending_channel(e)
    }

    /// `var = value` on a variable being inferred.
    pub(super) fn open_assigned(&mut self, var: VarId, value: &Expr) {
        let Some(kind) = self.pending_channel.as_ref().map(|p| p.kind.clone()) else {
            return;
        };
        let read = Expr {
            kind: ExprKind::Var(var),
            ty: value.ty,
            span: value.span.clone(),
        };
        match kind {
            OpenLet::List => self.list_assigned(var, value),
            OpenLet::Map if matches!(value.ty, Type::Map(..)) => {
                self.channel_use(&read, Some(value.ty))
            }
            OpenLet::Variant(name) if self.is_instance_of(value.ty, &name) => {
                self.channel_use(&read, Some(value.ty))
            }
            OpenLet::Null if value.ty != Type::Null => {
                let optional = union_of(&[value.ty, Type::Null]);
                self.channel_use(&read, Some(optional))
            }
            _ => {}
        }
    }

    /// Whether `ty` is an instance of the generic enum named `name`.
    fn is_instance_of(&self, ty: Type, name: &str) -> bool {
        matches!(ty, Type::Enum(n) if self.types.enums[n.id as usize].name == name)
    }

    /// A use of the empty list being inferred that gives its element
    /// type: `append(xs, v)`, `xs ++ e`, `xs = e` (`elem` is what `v` or
    /// the elements of `e` are).
    pub(super) fn list_use(&mut self, e: &Expr, elem: Type) {
        if self
            .pending_channel
            .as_ref()
            .is_some_and(|p| p.kind == OpenLet::List)
        {
            self.channel_use(e, Some(elem));
        }
    }

    /// Whether `e` reads the empty list being inferred.
    pub(super) fn is_pending_list(&self, e: &Expr) -> bool {
        self.pending_channel
            .as_ref()
            .is_some_and(|p| p.kind == OpenLet::List)
            && self.reads_pending_channel(e)
    }

    /// `var = value`: assigning the empty list being inferred a typed list.
    fn list_assigned(&mut self, var: VarId, value: &Expr) {
        let Type::List(elem) = value.ty else {
            return;
        };
        let read = Expr {
            kind: ExprKind::Var(var),
            ty: value.ty,
            span: value.span.clone(),
        };
        self.list_use(&read, *elem);
    }

    /// Whether `e` reads the channel being inferred (or a closure's copy).
    fn reads_pending_channel(&self, e: &Expr) -> bool {
        let (Some(p), ExprKind::Var(v), Some(body)) =
            (&self.pending_channel, &e.kind, self.bodies.last())
        else {
            return false;
        };
        p.vars.contains(&(body.serial, *v))
    }

    /// Records the element type a use of the channel gives, if it is the
    /// first; called by `coerce` (with the type expected of `e`) and by
    /// `send` (with the sent value's type).
    pub(super) fn channel_use(&mut self, e: &Expr, elem: Option<Type>) {
        let Some(elem) = elem else {
            return;
        };
        if elem.has_error() || elem == Type::Never || !self.reads_pending_channel(e) {
            return;
        }
        if let Some(p) = self.pending_channel.as_mut() {
            p.found.get_or_insert(elem);
        }
    }

    /// `e` given where `expected` is wanted: a `Channel[T]` (or an optional
    /// or union with one) fixes the element type.
    pub(super) fn channel_expected(&mut self, e: &Expr, expected: Type) {
        let Some(kind) = self.pending_channel.as_ref().map(|p| p.kind.clone()) else {
            return;
        };
        let list = kind == OpenLet::List;
        let elem = match kind {
            OpenLet::Variant(name) => expected
                .members()
                .into_iter()
                .find(|m| self.is_instance_of(*m, &name)),
            OpenLet::Null => expected.admits_null().then_some(expected),
            OpenLet::Map => expected
                .members()
                .into_iter()
                .find(|m| matches!(m, Type::Map(..))),
            OpenLet::List | OpenLet::Channel => match expected {
                Type::List(t) if list => Some(*t),
                Type::Channel(t) if !list => Some(*t),
                Type::Union(members) => members.iter().find_map(|m| match m {
                    Type::List(t) if list => Some(**t),
                    Type::Channel(t) if !list => Some(**t),
                    _ => None,
                }),
                _ => None,
            },
        };
        self.channel_use(e, elem);
    }

    /// A closure's copy of an outer variable: a copy of the channel being
    /// inferred counts as the channel.
    pub(super) fn channel_captured(&mut self, depth: usize, outer: VarId, inner: VarId) {
        if self.pending_channel.is_none() || depth == 0 {
            return;
        }
        let (outer_body, inner_body) = (self.bodies[depth - 1].serial, self.bodies[depth].serial);
        if let Some(p) = self.pending_channel.as_mut() {
            if p.vars.contains(&(outer_body, outer)) {
                p.vars.push((inner_body, inner));
            }
        }
    }
}

/// `{}`, the literal whose map type a `let` infers from later uses.
fn is_empty_map(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Map(m) if m.syntax().children().next().is_none())
}

/// `[]`, the literal whose element type a `let` infers from later uses.
fn is_empty_list(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::List(l) if l.elements().next().is_none())
}
