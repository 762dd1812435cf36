//! Destructuring: record and list patterns, or-patterns with bindings, and
//! the irrefutable patterns `let` and `for` take (`let (a, b) = t`,
//! `let Point(x: px, ..) = p`, `for (name, Score(n)) in pairs`).
//!
//! A destructuring `let` becomes [`StmtKind::LetPattern`]; a loop whose
//! pattern is more than a name binds the element to a hidden variable and
//! destructures it at the top of the body, so every kind of loop shares one
//! mechanism.

use std::collections::HashMap;

use lumen_diagnostics::Severity;
use lumen_diagnostics::{Diagnostic, Span};
use lumen_syntax::ast::{self, AstNode};

use super::{codes, span_of, Checker};
use crate::hir::{self, Expr, ExprKind, Pattern, Stmt, StmtKind, Type, VarId};

impl Checker {
    /// `let pattern = value` for a pattern that is more than a name: the
    /// pattern must match every value of the type (there is no `let … else`).
    pub(crate) fn check_let_pattern(
        &mut self,
        pattern: &ast::Pattern,
        value: Expr,
        ty: Type,
        mutable: bool,
    ) -> Option<StmtKind> {
        let checked = self.check_pattern(pattern, ty);
        if ty.has_error() {
            return None;
        }
        // Reported, then kept: the bindings stay usable, so later code is
        // still checked (the error stops the build before lowering).
        if !self.irrefutable(&checked) {
            self.refutable_error(pattern, ty, "`let`");
        }
        for var in checked.bindings() {
            self.body().vars[var.0 as usize].mutable = mutable;
        }
        Some(StmtKind::LetPattern(checked, value))
    }

    fn refutable_error(&mut self, pattern: &ast::Pattern, ty: Type, place: &str) {
        self.push_diagnostic(
            Diagnostic::error(
                codes::REFUTABLE_PATTERN,
                format!("this pattern in {place} may not match"),
                span_of(pattern),
                format!("does not match every `{ty}` value"),
            )
            .with_help(
                "use `if let PATTERN = value … else … end` or `match` to handle the other values",
            ),
        );
    }

    /// The variable a loop binds for each element, plus the statement that
    /// destructures it when the pattern is more than a name or `_`.
    pub(crate) fn loop_binding(
        &mut self,
        pattern: &ast::Pattern,
        elem: Type,
    ) -> Option<(VarId, Option<Stmt>)> {
        let span = span_of(pattern);
        match pattern {
            ast::Pattern::Ident(i) if !self.is_variant_name(elem, &i.name()?.text()) => {
                Some((self.new_var(&i.name()?.text(), elem, false, span), None))
            }
            ast::Pattern::Wildcard(_) => {
                let var = self.new_var("_", elem, false, span);
                self.body().used.insert(var);
                Some((var, None))
            }
            _ => {
                let whole = self.new_var("_", elem, false, span.clone());
                self.body().used.insert(whole);
                let checked = self.check_pattern(pattern, elem);
                if elem.has_error() {
                    return None;
                }
                if !self.irrefutable(&checked) {
                    self.refutable_error(pattern, elem, "a loop");
                }
                let read = Expr {
                    kind: ExprKind::Var(whole),
                    ty: elem,
                    span: span.clone(),
                };
                let stmt = Stmt {
                    kind: StmtKind::LetPattern(checked, read),
                    span,
                };
                Some((whole, Some(stmt)))
            }
        }
    }

    fn is_variant_name(&self, ty: Type, name: &str) -> bool {
        match ty {
            Type::Enum(e) => self.types.enums[e.id as usize]
                .variants
                .iter()
                .any(|v| v.name == name),
            _ => false,
        }
    }

    /// Whether the pattern matches every value of its type.
    pub(crate) fn irrefutable(&self, p: &Pattern) -> bool {
        match p {
            Pattern::Wildcard | Pattern::Bind(_) => true,
            Pattern::Or(alts) => alts.iter().any(|a| self.irrefutable(a)),
            Pattern::Tuple { elems, .. } => elems.iter().all(|e| self.irrefutable(e)),
            Pattern::Record { fields, .. } => fields.iter().all(|(_, f)| self.irrefutable(f)),
            Pattern::Variant {
                enum_id, fields, ..
            } => {
                self.types.enums[*enum_id as usize].variants.len() == 1
                    && fields.iter().all(|(_, f)| self.irrefutable(f))
            }
            Pattern::List {
                elems,
                rest: Some(_),
                ..
            } => elems.is_empty(),
            _ => false,
        }
    }

    /// `p | q | …`: every alternative must bind the same names with the same
    /// types; the bindings of later alternatives are renamed to the first
    /// one's variables, so the arm body sees one set of variables.
    pub(super) fn or_pattern(&mut self, alts: &[ast::Pattern], ty: Type, span: Span) -> Pattern {
        let Some((first_syntax, rest)) = alts.split_first() else {
            return Pattern::Wildcard;
        };
        if let Some((name, first_type, types)) = union_type_test_without_parens(first_syntax, rest)
        {
            let test = format!("{name}: {first_type}");
            let union = format!("{first_type} | {types}");
            self.push_diagnostic(
                Diagnostic::error(
                    codes::OR_PATTERN_BINDINGS,
                    format!("`{test} | {types}` is an or-pattern, not a type pattern with a union"),
                    span_of(first_syntax).start..alts.last().map_or(span.end, |a| span_of(a).end),
                    "`|` separates alternatives of the pattern here",
                )
                .with_help(format!(
                    "to match any member of a union, write `{name}: ({union})`"
                )),
            );
            for alt in alts {
                self.bind_as_error(alt);
            }
            return Pattern::Wildcard;
        }
        let first = self.check_pattern(first_syntax, ty);
        let first_vars: Vec<(String, VarId, Type)> = first
            .bindings()
            .into_iter()
            .map(|v| {
                let decl = &self.body().vars[v.0 as usize];
                (decl.name.clone(), v, decl.ty)
            })
            .collect();
        let mut out = vec![first];
        for alt in rest {
            // Checked in a scope of its own: its variables are renamed below
            // and must not shadow the first alternative's.
            self.body().scopes.push();
            let mut checked = self.check_pattern(alt, ty);
            self.body().scopes.pop();
            let mut rename: HashMap<VarId, VarId> = HashMap::new();
            let mut seen = Vec::new();
            for v in checked.bindings() {
                self.body().used.insert(v);
                let decl = self.body().vars[v.0 as usize].clone();
                seen.push(decl.name.clone());
                match first_vars.iter().find(|(n, _, _)| *n == decl.name) {
                    Some((_, target, t))
                        if *t == decl.ty || t.has_error() || decl.ty.has_error() =>
                    {
                        rename.insert(v, *target);
                    }
                    Some((name, target, t)) => {
                        let first_span = self.body().vars[target.0 as usize].span.clone();
                        self.push_diagnostic(
                            Diagnostic::error(
                                codes::OR_PATTERN_BINDINGS,
                                format!(
                                    "`{name}` has different types in the alternatives of this pattern"
                                ),
                                decl.span.clone(),
                                format!("`{}` here", decl.ty),
                            )
                            .with_label(first_span, format!("`{t}` here")),
                        );
                    }
                    None => {
                        self.missing_in_alternative(&decl.name, decl.span.clone(), &span);
                        // Still a name in the arm, so its uses are checked.
                        self.body().scopes.bind(&decl.name, v);
                    }
                }
            }
            for (name, _, _) in &first_vars {
                if !seen.contains(name) {
                    self.missing_in_alternative(name, span_of(alt), &span);
                }
            }
            checked.rename_bindings(&|v| rename.get(&v).copied().unwrap_or(v));
            out.push(checked);
        }
        Pattern::Or(out)
    }

    fn missing_in_alternative(&mut self, name: &str, at: Span, whole: &Span) {
        self.push_diagnostic(
            Diagnostic::error(
                codes::OR_PATTERN_BINDINGS,
                format!("`{name}` is not bound in every alternative of this pattern"),
                at,
                format!("this alternative differs in binding `{name}`"),
            )
            .with_label(whole.clone(), "in this or-pattern")
            .with_help("every alternative of `p | q` must bind the same names"),
        );
    }

    /// After a pattern failed to check: binds every name it would bind, with
    /// the error type, so uses of those names raise no follow-up errors.
    pub(super) fn bind_as_error(&mut self, p: &ast::Pattern) {
        for node in p.syntax().descendants() {
            let name = if let Some(i) = ast::IdentPat::cast(node.clone()) {
                i.name()
            } else if let Some(r) = ast::RestPat::cast(node.clone()) {
                r.name()
            } else if let Some(t) = ast::TypeTestPat::cast(node.clone()) {
                t.name()
            } else if let Some(f) = ast::FieldPat::cast(node.clone()) {
                f.pattern().is_none().then(|| f.name()).flatten()
            } else {
                None
            };
            if let Some(n) = name {
                let var = self.new_var(&n.text(), Type::Error, false, span_of(&n));
                self.body().used.insert(var);
            }
        }
    }

    /// The number of errors reported so far (to tell whether checking a
    /// pattern reported any).
    pub(super) fn error_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// `Point(x: a, y: _)`, `Point(a, b)`, `Point(x, ..)` on a record type.
    pub(super) fn record_pattern(
        &mut self,
        ctor: &ast::CtorPat,
        record: hir::Type,
        name: &str,
        span: Span,
    ) -> Pattern {
        let Type::Record(n) = record else {
            return Pattern::Wildcard;
        };
        let info = self.types.records[n.id as usize].clone();
        let mut fields = Vec::new();
        let mut positional = 0usize;
        let mut has_rest = false;
        let args: Vec<ast::CtorArg> = ctor.args().collect();
        let has_named = args.iter().any(|a| matches!(a, ast::CtorArg::Field(_)));
        for arg in args {
            // Among named field patterns, a bare field name is shorthand for
            // `name: name` (`Line(from: p, label)`).
            let shorthand = match &arg {
                ast::CtorArg::Positional(ast::Pattern::Ident(i)) if has_named => i
                    .name()
                    .map(|n| n.text())
                    .and_then(|n| {
                        info.fields
                            .iter()
                            .position(|f| f.name == n)
                            .map(|ix| (n, ix))
                    })
                    .map(|(n, ix)| (n, ix, span_of(i))),
                _ => None,
            };
            if let Some((fname, index, at)) = shorthand {
                if fields.iter().any(|(i, _)| *i == index as u32) {
                    self.error(
                        codes::BAD_ARGUMENTS,
                        format!("the field `{fname}` is matched twice"),
                        at,
                        "matched again here",
                    );
                    continue;
                }
                let fty = info.fields[index].ty;
                let var = self.new_var(&fname, fty, false, at);
                self.body().field_puns.insert(var);
                fields.push((index as u32, Pattern::Bind(var)));
                continue;
            }
            match arg {
                ast::CtorArg::Rest(_) => has_rest = true,
                ast::CtorArg::Positional(p) => {
                    let index = positional;
                    positional += 1;
                    match info.fields.get(index) {
                        Some(f) => {
                            let sub = self.check_pattern(&p, f.ty);
                            fields.push((index as u32, sub));
                        }
                        None => self.error(
                            codes::BAD_ARGUMENTS,
                            format!(
                                "`{name}` has {} field{}",
                                info.fields.len(),
                                if info.fields.len() == 1 { "" } else { "s" }
                            ),
                            span_of(&p),
                            "too many patterns",
                        ),
                    }
                }
                ast::CtorArg::Field(fp) => {
                    let Some(fname) = fp.name().map(|n| n.text()) else {
                        continue;
                    };
                    let Some(index) = info.fields.iter().position(|f| f.name == fname) else {
                        self.error(
                            codes::UNRESOLVED_NAME,
                            format!("`{name}` has no field `{fname}`"),
                            span_of(&fp),
                            "unknown field",
                        );
                        continue;
                    };
                    if fields.iter().any(|(i, _)| *i == index as u32) {
                        self.error(
                            codes::BAD_ARGUMENTS,
                            format!("the field `{fname}` is matched twice"),
                            span_of(&fp),
                            "matched again here",
                        );
                        if let Some(p) = fp.pattern() {
                            self.bind_as_error(&p);
                        }
                        continue;
                    }
                    let fty = info.fields[index].ty;
                    let sub = match fp.pattern() {
                        Some(p) => self.check_pattern(&p, fty),
                        // `Point(x, y: _)`: a bare field name binds the field.
                        None => {
                            let var = self.new_var(&fname, fty, false, span_of(&fp));
                            self.body().field_puns.insert(var);
                            Pattern::Bind(var)
                        }
                    };
                    fields.push((index as u32, sub));
                }
            }
        }
        if !has_rest && positional > 0 && positional < info.fields.len() {
            self.error(
                codes::BAD_ARGUMENTS,
                format!(
                    "`{name}` has {} fields but the pattern gives {positional}",
                    info.fields.len()
                ),
                span,
                "add the missing patterns or `..`",
            );
        }
        Pattern::Record { fields, ty: record }
    }

    /// `[a, b]`, `[first, ...rest]`, `[_, ...]` on a list.
    pub(super) fn list_pattern(&mut self, l: &ast::ListPat, ty: Type, span: Span) -> Pattern {
        let elem = match ty {
            Type::List(e) => *e,
            t if t.has_error() => {
                self.bind_as_error(&ast::Pattern::List(l.clone()));
                return Pattern::Wildcard;
            }
            other => {
                self.error(
                    codes::MISMATCHED_TYPES,
                    "mismatched types",
                    span,
                    format!("a list pattern, but the value matched is `{other}`"),
                );
                self.bind_as_error(&ast::Pattern::List(l.clone()));
                return Pattern::Wildcard;
            }
        };
        let subs: Vec<ast::Pattern> = l.elements().collect();
        let mut elems = Vec::new();
        let mut rest = None;
        for (i, sub) in subs.iter().enumerate() {
            match sub {
                ast::Pattern::Rest(r) => {
                    if i + 1 != subs.len() {
                        self.error(
                            codes::MISMATCHED_TYPES,
                            "`...` must come last in a list pattern",
                            span_of(sub),
                            "not the last element",
                        );
                        self.bind_as_error(&ast::Pattern::List(l.clone()));
                        return Pattern::Wildcard;
                    }
                    let var = r
                        .name()
                        .map(|n| self.new_var(&n.text(), ty, false, span_of(sub)));
                    rest = Some(var);
                }
                p => elems.push(self.check_pattern(p, elem)),
            }
        }
        Pattern::List { elems, rest, ty }
    }
}

/// `v: Int | Bool`: a type test followed by alternatives that are bare
/// capitalised names — type names, not variables — most likely meant as a
/// type pattern with a union (`v: (Int | Bool)`). The test's name and type,
/// and the other names joined by ` | `.
fn union_type_test_without_parens(
    first: &ast::Pattern,
    rest: &[ast::Pattern],
) -> Option<(String, String, String)> {
    let ast::Pattern::TypeTest(test) = first else {
        return None;
    };
    let name = test.name()?.text();
    let first_type = test.ty()?.syntax().text().to_string();
    let names: Option<Vec<String>> = rest
        .iter()
        .map(|alt| match alt {
            ast::Pattern::Ident(i) => i
                .name()
                .map(|n| n.text())
                .filter(|n| n.starts_with(|c: char| c.is_ascii_uppercase())),
            _ => None,
        })
        .collect();
    Some((name, first_type, names?.join(" | ")))
}
