//! Spreads in collection literals: `[...xs, 4]`, `set[...a, ...b]`,
//! `{...m, "k": 1}`.
//!
//! A literal with spreads becomes a block that builds the collection in a
//! hidden mutable variable, part by part and left to right, so it needs no
//! lowering of its own (like comprehensions). The run of plain elements
//! before the first spread is the variable's initial literal; a spread of the
//! literal's own type is joined in one step (`++`, set union, `merge`), any
//! other spread (`[...ints, 2.5]`, where each `Int` widens, or a set spread
//! into a list) is copied by a loop that converts each element. A later entry
//! or spread replaces an earlier entry with the same key, as with `merge`.
//!
//! The arguments a variadic parameter (`...rest: T`) receives are built the
//! same way: `f(1, ...xs, 2)` passes `rest = [1, ...xs, 2]`. Spread arguments
//! go nowhere else; functions, constructors and fixed-arity builtins reject
//! them here.

use lumen_diagnostics::Span;
use lumen_syntax::ast::{self, AstNode};

use super::build::error_expr;
use super::comprehension::LoopHead;
use super::{codes, Checker};
use crate::hir::{
    self, BinaryOp, Builtin, CollectionOp, Expr, ExprKind, PlaceStep, Stmt, StmtKind, VarId,
};
use crate::types::{list_of, map_of, set_of, Type};

/// A checked part of a list or set literal (or of the list a variadic
/// parameter receives).
pub(super) enum Part {
    Item(Expr),
    /// `...e` (a list or a set), with its element type.
    Spread(Expr, Type),
}

/// A checked part of a map literal.
enum MapPart {
    Entry(Expr, Expr),
    /// `...m`, with its key and value types.
    Spread(Expr, Type, Type),
}

/// Which collection a literal with spreads builds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    List,
    Set,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::List => "list",
            Kind::Set => "set",
        }
    }

    fn of(self, elem: Type) -> Type {
        match self {
            Kind::List => list_of(elem),
            Kind::Set => set_of(elem),
        }
    }
}

/// Whether a list or set literal has a spread (and so is built here).
pub(super) fn has_spread(mut elements: impl Iterator<Item = ast::Element>) -> bool {
    elements.any(|e| matches!(e, ast::Element::Spread(_)))
}

impl Checker {
    /// `[a, ...xs, b]`, given the element type expected, if known.
    pub(super) fn check_list_spreads(
        &mut self,
        l: &ast::ListExpr,
        expected_elem: Option<Type>,
        span: Span,
    ) -> Expr {
        self.check_seq_spreads(Kind::List, l.elements(), expected_elem, span)
    }

    /// `set[a, ...xs]` or `{a, ...xs}`.
    pub(super) fn check_set_spreads(
        &mut self,
        s: &ast::SetExpr,
        expected_elem: Option<Type>,
        span: Span,
    ) -> Expr {
        self.check_seq_spreads(Kind::Set, s.elements(), expected_elem, span)
    }

    fn check_seq_spreads(
        &mut self,
        kind: Kind,
        elements: impl Iterator<Item = ast::Element>,
        expected_elem: Option<Type>,
        span: Span,
    ) -> Expr {
        let mut parts = Vec::new();
        let mut ok = true;
        for element in elements {
            match element {
                ast::Element::Expr(e) => parts.push(Part::Item(self.check_expr(&e, expected_elem))),
                ast::Element::Spread(s) => {
                    let Some(e) = s.expr() else {
                        ok = false;
                        continue;
                    };
                    let value = self.check_expr(&e, expected_elem.map(|t| kind.of(t)));
                    match self.seq_spread(kind, value) {
                        Some(part) => parts.push(part),
                        None => ok = false,
                    }
                }
            }
        }
        if !ok {
            return error_expr(span);
        }
        self.build_seq(kind, parts, expected_elem, None, span)
    }

    /// The part for a spread argument `...value` (a list or a set) of `into`
    /// ("the variadic parameter `xs`", "`print`").
    pub(super) fn spread_arg(&mut self, value: Expr, into: &str) -> Option<Part> {
        match value.ty {
            Type::List(e) | Type::Set(e) => {
                let elem = *e;
                Some(Part::Spread(value, elem))
            }
            t if t.has_error() => None,
            t => {
                self.error(
                    codes::MISMATCHED_TYPES,
                    format!("cannot spread a `{t}` into {into}"),
                    value.span.clone(),
                    "not a list or set",
                );
                None
            }
        }
    }

    /// The list a variadic parameter receives.
    pub(super) fn variadic_list(&mut self, parts: Vec<Part>, elem: Type, span: Span) -> Expr {
        if parts.is_empty() {
            return Expr {
                kind: ExprKind::List(Vec::new()),
                ty: list_of(elem),
                span,
            };
        }
        self.build_seq(Kind::List, parts, Some(elem), None, span)
    }

    /// `print(a, ...xs)` / `eprint(…)`: the display forms of the arguments
    /// and of the spread elements, joined by one space, printed as one
    /// string (`print()`'s empty line included).
    pub(super) fn print_spreads(
        &mut self,
        builtin: Builtin,
        args: &[ast::Arg],
        piped: Option<Expr>,
        span: Span,
    ) -> Expr {
        let into = if builtin == Builtin::Print {
            "`print`"
        } else {
            "`eprint`"
        };
        let values = args
            .iter()
            .filter_map(|a| a.value().map(|v| (a.is_spread(), v)));
        let mut parts: Vec<Part> = piped.into_iter().map(Part::Item).collect();
        if !self.value_parts(values, into, &mut parts) {
            return error_expr(span);
        }
        let strings = self.display_list(parts, span.clone());
        let space = Expr {
            kind: ExprKind::Str(" ".to_string()),
            ty: Type::Str,
            span: span.clone(),
        };
        let line = self.check_library("join", vec![strings, space], span.clone());
        Expr {
            kind: ExprKind::Builtin(builtin, vec![line]),
            ty: Type::Null,
            span,
        }
    }

    /// Checks the arguments `(is_spread, expression)` of `into` ("`print`")
    /// and appends them to `parts`: a value as an item, a spread as the list
    /// or set it spreads. Whether all were fine (errors are reported).
    fn value_parts(
        &mut self,
        values: impl Iterator<Item = (bool, ast::Expr)>,
        into: &str,
        parts: &mut Vec<Part>,
    ) -> bool {
        let mut ok = true;
        for (spread, e) in values {
            let value = self.check_expr(&e, None);
            if !spread {
                parts.push(Part::Item(value));
            } else if let Some(part) = self.spread_arg(value, into) {
                parts.push(part);
            } else {
                ok = false;
            }
        }
        ok
    }

    /// The `list[String]` of the display forms of `parts`' values and of
    /// the elements of its spreads, in order.
    fn display_list(&mut self, parts: Vec<Part>, span: Span) -> Expr {
        let display = |e: Expr| Expr {
            span: e.span.clone(),
            kind: ExprKind::Builtin(Builtin::ToString, vec![e]),
            ty: Type::Str,
        };
        self.build_seq(Kind::List, parts, Some(Type::Str), Some(display), span)
    }

    /// `format(template, a, ...xs)`: the display forms of the values and of
    /// the spread elements, in a list, fill the template's `{}` in order.
    /// How many there are is only known when the program runs, so a count
    /// that does not match the template is the runtime error of `format`.
    pub(super) fn format_spreads(
        &mut self,
        args: &[ast::Arg],
        piped: Option<Expr>,
        span: Span,
    ) -> Expr {
        let mut values = args
            .iter()
            .filter_map(|a| a.value().map(|v| (a.is_spread(), v)));
        let template = match piped {
            Some(t) => t,
            None => {
                let Some((spread, t)) = values.next() else {
                    return error_expr(span);
                };
                if spread {
                    self.error(
                        codes::BAD_ARGUMENTS,
                        "the template of `format` cannot be a spread argument",
                        super::span_of(&args[0]),
                        "the template",
                    );
                    return error_expr(span);
                }
                self.check_expr(&t, Some(Type::Str))
            }
        };
        let mut parts = Vec::new();
        let ok = self.value_parts(values, "`format`", &mut parts);
        if !ok || template.ty.has_error() {
            return error_expr(span);
        }
        if template.ty != Type::Str {
            self.error(
                codes::MISMATCHED_TYPES,
                format!(
                    "the template of `format` must be a `String`, found `{}`",
                    template.ty
                ),
                template.span.clone(),
                "the template",
            );
            return error_expr(span);
        }
        let strings = self.display_list(parts, span.clone());
        Expr {
            kind: ExprKind::Library(crate::hir::LibraryCall {
                name: "format",
                op: crate::library::call(lumen_abi::LM_STR_FORMAT_LIST),
                args: vec![template, strings],
            }),
            ty: Type::Str,
            span,
        }
    }

    /// `f(...xs)` where `f` (described as "`f`", "a function value") has no
    /// variadic parameter.
    pub(super) fn spread_without_variadic(&mut self, callee: &str, span: Span) {
        self.error(
            codes::BAD_ARGUMENTS,
            format!("{callee} has no variadic parameter to spread `...` into"),
            span,
            "spread argument",
        );
        self.push_help(
            "`...xs` passes the elements of a list to a parameter declared `...name: Type`; \
             pass the list itself as one argument instead"
                .to_string(),
        );
    }

    /// Reports the spread arguments of a call whose callee takes none (a
    /// function value, a constructor, a builtin — described as in
    /// [`Self::spread_without_variadic`]); whether there were any.
    pub(super) fn reject_spreads(&mut self, callee: &str, args: &[ast::Arg]) -> bool {
        let mut any = false;
        for arg in args.iter().filter(|a| a.is_spread()) {
            any = true;
            let span = super::span_of(arg);
            self.spread_without_variadic(callee, span);
        }
        any
    }

    /// The part for a checked `...value` in a list or set literal: a list or
    /// a set (elements in ascending order) may be spread into either.
    fn seq_spread(&mut self, kind: Kind, value: Expr) -> Option<Part> {
        match value.ty {
            Type::List(e) | Type::Set(e) => {
                let elem = *e;
                Some(Part::Spread(value, elem))
            }
            t if t.has_error() => None,
            t => {
                self.error(
                    codes::MISMATCHED_TYPES,
                    format!("cannot spread a `{t}` into a {} literal", kind.name()),
                    value.span.clone(),
                    "not a list or set",
                );
                self.push_help(format!(
                    "only the elements of a list or a set can be spread into a {}",
                    kind.name()
                ));
                None
            }
        }
    }

    /// Builds the collection; `convert`, when given, maps every element
    /// (item or spread element) before it is stored.
    fn build_seq(
        &mut self,
        kind: Kind,
        parts: Vec<Part>,
        expected_elem: Option<Type>,
        convert: Option<fn(Expr) -> Expr>,
        span: Span,
    ) -> Expr {
        let elem = match expected_elem {
            Some(t) => t,
            None => {
                let mut ty = Type::Never;
                for part in &parts {
                    let t = match part {
                        Part::Item(v) => v.ty,
                        Part::Spread(_, t) => *t,
                    };
                    ty = ty.join(t).unwrap_or(Type::Error);
                }
                ty
            }
        };
        if elem.has_error() {
            return error_expr(span);
        }
        if elem == Type::Never {
            self.error(
                codes::NEEDS_ANNOTATION,
                format!(
                    "the type of an empty {} cannot be inferred here",
                    kind.name()
                ),
                span.clone(),
                "add a type annotation",
            );
            return error_expr(span);
        }
        if kind == Kind::Set && !self.orderable_key(elem, &span) {
            return error_expr(span);
        }
        let ty = kind.of(elem);
        self.body().scopes.push();
        let acc = self.new_var("_", ty, true, span.clone());
        self.body().used.insert(acc);
        let mut parts = parts.into_iter().peekable();
        let mut initial = Vec::new();
        let convert = convert.unwrap_or(|e| e);
        while let Some(Part::Item(_)) = parts.peek() {
            if let Some(Part::Item(v)) = parts.next() {
                let vspan = v.span.clone();
                initial.push(self.coerce(convert(v), elem, &vspan));
            }
        }
        let initial = Expr {
            kind: match kind {
                Kind::List => ExprKind::List(initial),
                Kind::Set => ExprKind::Set(initial),
            },
            ty,
            span: span.clone(),
        };
        let mut stmts = vec![stmt(StmtKind::Let(acc, initial), &span)];
        let acc_expr = || var_expr(acc, ty, &span);
        let add = |this: &mut Self, v: Expr| -> StmtKind {
            let vspan = v.span.clone();
            let v = this.coerce(convert(v), elem, &vspan);
            let kind = match kind {
                Kind::List => ExprKind::Builtin(Builtin::Append, vec![acc_expr(), v]),
                Kind::Set => ExprKind::Collection(CollectionOp::SetAdd, vec![acc_expr(), v]),
            };
            StmtKind::Assign(
                acc,
                Expr {
                    kind,
                    ty,
                    span: vspan,
                },
            )
        };
        for part in parts {
            let step = match part {
                Part::Item(v) => add(self, v),
                // Same collection type: one `++` / union.
                // (When `convert` keeps the element type, as `to_string` of a
                // `String` does, the elements need no conversion either.)
                Part::Spread(v, e) if v.ty == ty && convert(var_expr(acc, e, &span)).ty == e => {
                    let vspan = v.span.clone();
                    let joined = match kind {
                        Kind::List => {
                            ExprKind::Binary(BinaryOp::Concat, Box::new(acc_expr()), Box::new(v))
                        }
                        Kind::Set => {
                            ExprKind::Collection(CollectionOp::SetUnion, vec![acc_expr(), v])
                        }
                    };
                    StmtKind::Assign(
                        acc,
                        Expr {
                            kind: joined,
                            ty,
                            span: vspan,
                        },
                    )
                }
                Part::Spread(v, e) => {
                    let vspan = v.span.clone();
                    let x = self.new_var("_", e, false, vspan.clone());
                    let head = match v.ty {
                        Type::Set(_) => LoopHead::over_collection(Some(x), None, v),
                        _ => LoopHead::over_list(x, v),
                    };
                    let body = add(self, var_expr(x, e, &vspan));
                    self.spread_loop(head, body, &vspan)
                }
            };
            stmts.push(stmt(step, &span));
        }
        self.body().scopes.pop();
        Expr {
            kind: ExprKind::Block(hir::Block {
                stmts,
                tail: Some(Box::new(acc_expr())),
            }),
            ty,
            span,
        }
    }

    /// `{"a": 1, ...m}`; also `{...a, ...b}` of sets, which parses as a map.
    pub(super) fn check_map_spreads(
        &mut self,
        m: &ast::MapExpr,
        expected: Option<Type>,
        span: Span,
    ) -> Expr {
        let (want_k, want_v) = match expected {
            Some(Type::Map(k, v)) => (Some(*k), Some(*v)),
            // A map literal where a `Json` is expected is a `map[String, Json]`.
            Some(Type::Json) => (Some(Type::Str), Some(Type::Json)),
            _ => (None, None),
        };
        let hint = match (expected, want_k, want_v) {
            (Some(t @ Type::Set(_)), ..) => Some(t),
            (_, Some(k), Some(v)) => Some(map_of(k, v)),
            _ => None,
        };
        let mut checked = Vec::new();
        let mut ok = true;
        for child in m.syntax().children() {
            if let Some(entry) = ast::MapEntry::cast(child.clone()) {
                let (Some(k), Some(v)) = (entry.key(), entry.value()) else {
                    ok = false;
                    continue;
                };
                let key = self.check_expr(&k, want_k);
                let value = self.check_expr(&v, want_v);
                checked.push(Ok((key, value)));
            } else if let Some(s) = ast::Spread::cast(child) {
                match s.expr() {
                    Some(e) => checked.push(Err(self.check_expr(&e, hint))),
                    None => ok = false,
                }
            }
        }
        if !ok {
            return error_expr(span);
        }
        // Only spreads, and the first is a set (or a set is expected): a set.
        let only_spreads = checked.iter().all(|c| c.is_err());
        let first_is_set = matches!(checked.first(), Some(Err(e)) if matches!(e.ty, Type::Set(_)));
        let set_expected = matches!(expected, Some(Type::Set(_)));
        if only_spreads && (set_expected || (first_is_set && want_k.is_none())) {
            let expected_elem = match expected {
                Some(Type::Set(e)) => Some(*e),
                _ => None,
            };
            let mut parts = Vec::new();
            for c in checked {
                if let Err(value) = c {
                    match self.seq_spread(Kind::Set, value) {
                        Some(part) => parts.push(part),
                        None => ok = false,
                    }
                }
            }
            if !ok {
                return error_expr(span);
            }
            return self.build_seq(Kind::Set, parts, expected_elem, None, span);
        }
        let mut parts = Vec::new();
        for c in checked {
            match c {
                Ok((k, v)) => parts.push(MapPart::Entry(k, v)),
                Err(value) => match value.ty {
                    Type::Map(k, v) => {
                        let (k, v) = (*k, *v);
                        parts.push(MapPart::Spread(value, k, v));
                    }
                    t if t.has_error() => ok = false,
                    t => {
                        self.error(
                            codes::MISMATCHED_TYPES,
                            format!("cannot spread a `{t}` into a map literal"),
                            value.span.clone(),
                            "not a map",
                        );
                        self.push_help(
                            "only the entries of a map can be spread into a map".to_string(),
                        );
                        ok = false;
                    }
                },
            }
        }
        if !ok {
            return error_expr(span);
        }
        self.build_map(parts, want_k, want_v, span)
    }

    fn build_map(
        &mut self,
        parts: Vec<MapPart>,
        want_k: Option<Type>,
        want_v: Option<Type>,
        span: Span,
    ) -> Expr {
        let join = |pick: fn(&MapPart) -> Type| {
            let mut ty = Type::Never;
            for part in &parts {
                ty = ty.join(pick(part)).unwrap_or(Type::Error);
            }
            ty
        };
        let key_ty = want_k.unwrap_or_else(|| {
            join(|p| match p {
                MapPart::Entry(k, _) => k.ty,
                MapPart::Spread(_, k, _) => *k,
            })
        });
        let value_ty = want_v.unwrap_or_else(|| {
            join(|p| match p {
                MapPart::Entry(_, v) => v.ty,
                MapPart::Spread(_, _, v) => *v,
            })
        });
        if key_ty.has_error() || value_ty.has_error() {
            return error_expr(span);
        }
        if key_ty == Type::Never {
            self.error(
                codes::NEEDS_ANNOTATION,
                "the type of an empty map cannot be inferred here",
                span.clone(),
                "add a type annotation",
            );
            return error_expr(span);
        }
        if !self.orderable_key(key_ty, &span) {
            return error_expr(span);
        }
        let ty = map_of(key_ty, value_ty);
        self.body().scopes.push();
        let acc = self.new_var("_", ty, true, span.clone());
        self.body().used.insert(acc);
        let mut parts = parts.into_iter().peekable();
        let mut initial = Vec::new();
        while let Some(MapPart::Entry(..)) = parts.peek() {
            if let Some(MapPart::Entry(k, v)) = parts.next() {
                let (ks, vs) = (k.span.clone(), v.span.clone());
                initial.push((self.coerce(k, key_ty, &ks), self.coerce(v, value_ty, &vs)));
            }
        }
        let initial = Expr {
            kind: ExprKind::Map(initial),
            ty,
            span: span.clone(),
        };
        let mut stmts = vec![stmt(StmtKind::Let(acc, initial), &span)];
        let insert = |this: &mut Self, k: Expr, v: Expr| -> StmtKind {
            let (ks, vs) = (k.span.clone(), v.span.clone());
            StmtKind::AssignPlace {
                var: acc,
                path: vec![PlaceStep::Key(this.coerce(k, key_ty, &ks))],
                value: this.coerce(v, value_ty, &vs),
            }
        };
        for part in parts {
            let step = match part {
                MapPart::Entry(k, v) => insert(self, k, v),
                // Same map type: one `merge` (the spread's entries win).
                MapPart::Spread(m, ..) if m.ty == ty => {
                    let mspan = m.span.clone();
                    StmtKind::Assign(
                        acc,
                        Expr {
                            kind: ExprKind::Collection(
                                CollectionOp::MapMerge,
                                vec![var_expr(acc, ty, &span), m],
                            ),
                            ty,
                            span: mspan,
                        },
                    )
                }
                MapPart::Spread(m, k, v) => {
                    let mspan = m.span.clone();
                    let kx = self.new_var("_", k, false, mspan.clone());
                    let vx = self.new_var("_", v, false, mspan.clone());
                    let head = LoopHead::over_collection(Some(kx), Some(vx), m);
                    let body = insert(self, var_expr(kx, k, &mspan), var_expr(vx, v, &mspan));
                    self.spread_loop(head, body, &mspan)
                }
            };
            stmts.push(stmt(step, &span));
        }
        self.body().scopes.pop();
        Expr {
            kind: ExprKind::Block(hir::Block {
                stmts,
                tail: Some(Box::new(var_expr(acc, ty, &span))),
            }),
            ty,
            span,
        }
    }

    /// A loop over a spread collection running one statement per element.
    fn spread_loop(&mut self, head: LoopHead, body: StmtKind, span: &Span) -> StmtKind {
        let id = self.body().scopes.enter_loop(None);
        self.body().scopes.exit_loop();
        let body = hir::Block {
            stmts: vec![stmt(body, span)],
            tail: None,
        };
        self.loop_stmt(head, id, None, body, span)
    }
}

fn stmt(kind: StmtKind, span: &Span) -> Stmt {
    Stmt {
        kind,
        span: span.clone(),
    }
}

fn var_expr(var: VarId, ty: Type, span: &Span) -> Expr {
    Expr {
        kind: ExprKind::Var(var),
        ty,
        span: span.clone(),
    }
}
