//! Expressions: literals, names, operators, `if`/`match`/`when`, strings.

use super::build::{block_diverges, block_stmts, block_type, error_expr, widen};
use lumen_diagnostics::{Diagnostic, Span};
use lumen_syntax::ast;
use lumen_syntax::ast::{LiteralKind, PrefixOp};

use super::{codes, span_of, Checker};
use crate::hir::{self, CastKind, Expr, ExprKind, Type};

impl Checker {
    /// Checks an expression whose value is used.
    pub(crate) fn check_expr(&mut self, e: &ast::Expr, expected: Option<Type>) -> Expr {
        self.check_expr_in(e, expected, true)
    }

    /// Checks an expression; `value_wanted` is false for expression statements,
    /// where `if`/`match`/`when` branches need not produce values.
    pub(crate) fn check_expr_in(
        &mut self,
        e: &ast::Expr,
        expected: Option<Type>,
        value_wanted: bool,
    ) -> Expr {
        let span = span_of(e);
        match e {
            ast::Expr::Literal(lit) => self.check_literal(lit, span),
            ast::Expr::String(s) => self.check_string(s, span),
            ast::Expr::Name(n)
                if self.is_generic_constructor(&n.text())
                    && self.lookup_var(&n.text()).is_none() =>
            {
                self.generic_construction(&n.text(), None, expected, None, span)
            }
            ast::Expr::Name(n) => self.check_name(n, expected, span),
            ast::Expr::Paren(p) => match p.expr() {
                Some(inner) => {
                    let mut v = self.check_expr_in(&inner, expected, value_wanted);
                    v.span = span;
                    v
                }
                None => error_expr(span),
            },
            ast::Expr::Binary(b) if b.op() == Some(lumen_syntax::ast::BinaryOp::Compose) => {
                self.check_compose(b, expected, span)
            }
            ast::Expr::Binary(b) => self.check_binary(b, span),
            ast::Expr::Prefix(p) => self.check_prefix(p, span),
            ast::Expr::As(a) => self.check_as(a, span),
            ast::Expr::Call(c) => {
                if let Some(alias) = self.called_tool(c) {
                    let args: Vec<ast::Arg> = c.args().collect();
                    return self.check_tool_call(&alias, &args, None, expected, span);
                }
                if let Some(ast::Expr::Name(n)) = c.callee() {
                    let name = n.text();
                    // A variable named `err` that is not a function does not
                    // hide the constructor (`err: String -> return err(err)`).
                    let callable_var = self
                        .lookup_var(&name)
                        .is_some_and(|v| matches!(self.body().vars[v.0 as usize].ty, Type::Fn(_)));
                    if (name == "ok" || name == "err")
                        && !callable_var
                        && !self.cell_names.contains_key(&self.key(&name))
                    {
                        let args: Vec<ast::Arg> = c.args().collect();
                        return self.check_result_ctor(name == "ok", &args, expected, span);
                    }
                    if name == "from_json"
                        && self.lookup_var(&name).is_none()
                        && !self.cell_names.contains_key(&self.key(&name))
                    {
                        let args: Vec<ast::Arg> = c.args().collect();
                        return self.check_from_json(&args, expected, span);
                    }
                    if self.is_generic_constructor(&name)
                        && self.lookup_var(&name).is_none()
                        && !self.cell_names.contains_key(&self.key(&name))
                    {
                        let args: Vec<ast::Arg> = c.args().collect();
                        return self.generic_construction(&name, Some(&args), expected, None, span);
                    }
                    if self.lookup_var(&name).is_none()
                        && !self.cell_names.contains_key(&self.key(&name))
                    {
                        let args: Vec<ast::Arg> = c.args().collect();
                        if let Some(v) = self.async_builtin(&name, &args, expected, &span) {
                            return v;
                        }
                    }
                }
                self.variant_hint = expected;
                self.check_call(c, span)
            }
            ast::Expr::Index(i) => self.check_index(i, span),
            ast::Expr::Field(f) => self.check_field(f, span),
            ast::Expr::List(l) => self.check_list(l, expected, span),
            ast::Expr::Map(m) => self.check_map_literal(m, expected, span),
            ast::Expr::Set(s) => self.check_set_literal(s, expected, span),
            ast::Expr::Tuple(t) if t.elements().next().is_none() => {
                // `()` is not in the grammar of tuples (syntax.md §6: at
                // least one element) and Lumen has no unit value.
                self.error(
                    codes::BAD_LITERAL,
                    "`()` is not a value",
                    span.clone(),
                    "an empty tuple",
                );
                self.push_help(
                    "Lumen has no unit value: use `null` for \"nothing\", or a tuple with elements `(a,)`"
                        .to_string(),
                );
                error_expr(span)
            }
            ast::Expr::Tuple(t) => {
                let expected_elems = match expected {
                    Some(Type::Tuple(elems)) => Some(elems),
                    _ => None,
                };
                let mut values = Vec::new();
                for (i, e) in t.elements().enumerate() {
                    let want = expected_elems.and_then(|es| es.get(i).copied());
                    let v = self.check_expr(&e, want);
                    let v = match want {
                        Some(w) => self.coerce(v, w, &span_of(&e)),
                        None => v,
                    };
                    values.push(v);
                }
                let ty = crate::types::tuple_of(&values.iter().map(|v| v.ty).collect::<Vec<_>>());
                Expr {
                    kind: ExprKind::Tuple(values),
                    ty,
                    span,
                }
            }
            ast::Expr::Lambda(l) => self.check_lambda(l, expected, span),
            ast::Expr::Comprehension(c) => self.check_comprehension(c, expected, span),
            ast::Expr::Range(r) => self.range_value(r, span),
            ast::Expr::Postfix(p) => {
                let Some(operand) = p.operand() else {
                    return error_expr(span);
                };
                match p.op() {
                    Some(ast::PostfixOp::Unwrap) => {
                        let value = self.check_expr(&operand, None);
                        self.unwrap_null(value, false, span)
                    }
                    Some(ast::PostfixOp::Propagate) => {
                        // `let u: User = from_json(text)?` decodes a `User`.
                        let hint = expected
                            .filter(|_| is_from_json_call(&operand))
                            .map(|t| crate::types::result_of(t, Type::Str));
                        let value = self.check_expr(&operand, hint);
                        self.check_propagate(value, span)
                    }
                    None => error_expr(span),
                }
            }
            ast::Expr::Is(is) => {
                let (Some(inner), Some(ty)) = (is.expr(), is.ty()) else {
                    return error_expr(span);
                };
                let value = self.check_expr(&inner, None);
                let member = self.resolve_type(&ty);
                self.member_test(value, member, false, span)
            }
            ast::Expr::If(i) => self.check_if(i, expected, value_wanted, span),
            ast::Expr::Match(m) => self.check_match(m, expected, value_wanted, span),
            ast::Expr::When(w) => self.check_when(w, expected, value_wanted, span),
            ast::Expr::Await(a) => self.check_await(a, span),
            ast::Expr::Try(t) => self.check_try(t, expected, span),
            ast::Expr::Spawn(s) => self.check_spawn(s, expected, span),
            ast::Expr::ParallelFor(p) => self.check_parallel_for(p, span),
            ast::Expr::Concurrent(c) => self.check_concurrent(c, span),
            ast::Expr::Timeout(t) => self.check_timeout(t, expected, span),
            ast::Expr::Handle(h) => self.check_handle(h, expected, span),
            ast::Expr::Perform(p) => self.check_perform(p, span),
            // A role whose value is not wanted is a statement (the body of
            // a match arm: `1 -> role user: one`): it appends.
            ast::Expr::Role(r) if !value_wanted => {
                let stmts = self
                    .check_role_stmt(r, span.clone())
                    .map(|kind| hir::Stmt {
                        kind,
                        span: span.clone(),
                    })
                    .into_iter()
                    .collect();
                Expr {
                    kind: ExprKind::Block(hir::Block { stmts, tail: None }),
                    ty: Type::Null,
                    span,
                }
            }
            ast::Expr::Role(r) => self.check_role_expr(r, span),
            ast::Expr::Loop(l) => self.check_loop_expr(l, expected, span),
            ast::Expr::Do(d) => {
                let block = self.check_stmts(&block_stmts(d.body()), true);
                let ty = block_type(&block);
                Expr {
                    kind: ExprKind::Block(block),
                    ty,
                    span,
                }
            }
        }
    }

    /// Accepts `e` where `expected` is wanted, widening Int to Float; reports a
    /// mismatch otherwise.
    pub(crate) fn coerce(&mut self, e: Expr, expected: Type, span: &Span) -> Expr {
        self.channel_expected(&e, expected);
        if e.ty == expected || matches!(e.ty, Type::Never | Type::Error) || expected == Type::Error
        {
            return e;
        }
        if e.ty == Type::Int && expected == Type::Float {
            return widen(e);
        }
        if let Some(members) = expected.union_members() {
            // `ok(1)` where `result[Int, Int] | String` is wanted: the result
            // takes the one result member's type first, then joins the union.
            let results: Vec<Type> = members
                .iter()
                .copied()
                .filter(|m| matches!(m, Type::Result(..)))
                .collect();
            if let ([member], Type::Result(..)) = (results.as_slice(), e.ty) {
                if e.ty != *member {
                    let as_member = self.coerce(e, *member, span);
                    if as_member.ty.has_error() {
                        return as_member;
                    }
                    return self.coerce(as_member, expected, span);
                }
            }
            if let Some(injected) = self.inject(e.clone(), expected, span) {
                return injected;
            }
        }
        if let (Type::Fn(have), Type::Fn(want)) = (e.ty, expected) {
            if have.params == want.params && have.ret == want.ret {
                match (&have.row, &want.row) {
                    // A type without a row says nothing about effects.
                    (_, None) => return Expr { ty: expected, ..e },
                    (Some(h), Some(w)) if h.iter().all(|x| w.contains(x)) => {
                        return Expr { ty: expected, ..e }
                    }
                    // A closure made here: its body is checked against the row.
                    (None, Some(w)) => {
                        if let ExprKind::Closure(body, _) = &e.kind {
                            self.require_fn_row(*body, w.clone(), span.clone());
                            return Expr { ty: expected, ..e };
                        }
                    }
                    _ => {}
                }
            }
        }
        if let (Type::Result(..), Type::Result(want_ok, want_err)) = (e.ty, expected) {
            // `ok(1)` where `result[Float, String]` is wanted: the value is
            // converted where it is made, as if the type had been known.
            if let ExprKind::ResultNew(is_ok, inner) = e.kind {
                let want = if is_ok { *want_ok } else { *want_err };
                let at = inner.span.clone();
                let inner = self.coerce(*inner, want, &at);
                let ty = if inner.ty.has_error() {
                    Type::Error
                } else {
                    expected
                };
                return Expr {
                    kind: ExprKind::ResultNew(is_ok, Box::new(inner)),
                    ty,
                    span: e.span,
                };
            }
            // All results share one representation: a result with an unknown
            // side is accepted as is. One whose sides would need converting
            // is not (a result made elsewhere is not rebuilt).
            if e.ty.holds_as(expected) {
                return Expr { ty: expected, ..e };
            }
        }
        self.error(
            codes::MISMATCHED_TYPES,
            "mismatched types",
            span.clone(),
            format!("expected `{expected}`, found `{}`", e.ty),
        );
        let non_null = e.ty.without_null();
        if e.ty.admits_null()
            && e.ty != Type::Null
            && (non_null == expected || non_null.fits(expected))
        {
            // `String?` where `String` is wanted: the missing case is `null`.
            self.push_help(
                "the value may be `null`: give a default with `x ?? default`, or assert it is not with `x!`"
                    .to_string(),
            );
        } else if expected == Type::Str && e.ty == Type::Bytes {
            self.push_help("decode UTF-8 bytes with `from_utf8(…)`".to_string());
        } else if expected == Type::Bytes && e.ty == Type::Str {
            self.push_help("encode a string as UTF-8 with `bytes(…)`".to_string());
        } else if expected == Type::Str && e.ty != Type::Null {
            self.push_help("convert with `to_string(…)` or interpolation `\"{…}\"`".to_string());
        }
        if let (Type::Fn(have), Type::Fn(want)) = (e.ty, expected) {
            if have.params == want.params && have.ret == want.ret && want.row.is_some() {
                self.push_help(
                    "a function value whose type has no row may perform any effect; give its type the row too"
                        .to_string(),
                );
            }
        }
        if let (Type::Result(t, _), Type::Result(wt, _)) = (e.ty, expected) {
            if *t != *wt && *t != Type::Never {
                self.push_help(format!(
                    "a result is not converted as a whole; convert its value: `map_ok(r, fn(x) => x as {wt})`"
                ));
            }
        }
        if e.ty == Type::Json && expected.union_members().is_none() {
            self.push_help(format!(
                "narrow the `Json` first: `if x is {expected}`, a `match`, or `x as {expected}`"
            ));
        }
        if expected == Type::Json {
            // Only literals are checked against `Json` element by element; a
            // typed collection would need a deep copy, which is explicit.
            self.push_help(
                "a `Json` is built from literals (`{\"a\": [1, 2]}`); convert a typed value with \
                 `json_parse(json_encode(x))`"
                    .to_string(),
            );
        }
        Expr {
            ty: Type::Error,
            ..e
        }
    }

    /// Like [`Self::coerce`] but with a message saying why `ty` is required.
    pub(crate) fn expect_type(&mut self, e: Expr, ty: Type, span: &Span, why: &str) -> Expr {
        if e.ty == ty || matches!(e.ty, Type::Never | Type::Error) {
            return e;
        }
        if e.ty == Type::Int && ty == Type::Float {
            return widen(e);
        }
        self.error(
            codes::MISMATCHED_TYPES,
            "mismatched types",
            span.clone(),
            format!("expected `{ty}`, found `{}`", e.ty),
        );
        self.push_help(why.to_string());
        Expr {
            ty: Type::Error,
            ..e
        }
    }

    fn check_literal(&mut self, lit: &ast::Literal, span: Span) -> Expr {
        let kind = match lit.kind() {
            Some(LiteralKind::Bool(b)) => ExprKind::Bool(b),
            Some(LiteralKind::Null) => ExprKind::Null,
            Some(LiteralKind::Int) => match lit.int_value() {
                Some(v) if v <= i64::MAX as u64 => ExprKind::Int(v as i64),
                // Malformed literals were reported by the parser.
                None => ExprKind::Error,
                Some(_) => {
                    self.error(
                        codes::BAD_LITERAL,
                        "integer literal out of range",
                        span.clone(),
                        "does not fit in a 64-bit `Int`",
                    );
                    self.push_help(format!("the largest `Int` is {}", i64::MAX));
                    ExprKind::Error
                }
            },
            Some(LiteralKind::Float) => match lit.float_value() {
                Some(v) => ExprKind::Float(v),
                None => {
                    self.error(
                        codes::BAD_LITERAL,
                        "invalid float literal",
                        span.clone(),
                        "cannot be read as a Float",
                    );
                    ExprKind::Error
                }
            },
            Some(LiteralKind::RawString) => {
                ExprKind::Str(lit.raw_string_value().unwrap_or_default())
            }
            // An invalid literal was reported by the parser's validation.
            Some(LiteralKind::Bytes) => match lit.bytes_value() {
                Some(b) => ExprKind::Bytes(b),
                None => ExprKind::Error,
            },
            _ => ExprKind::Error,
        };
        let ty = match &kind {
            ExprKind::Bool(_) => Type::Bool,
            ExprKind::Null => Type::Null,
            ExprKind::Int(_) => Type::Int,
            ExprKind::Float(_) => Type::Float,
            ExprKind::Str(_) => Type::Str,
            ExprKind::Bytes(_) => Type::Bytes,
            _ => Type::Error,
        };
        Expr { kind, ty, span }
    }

    fn check_string(&mut self, s: &ast::StringExpr, span: Span) -> Expr {
        self.check_string_parts(s.parts(), span)
    }

    /// A string made of literal text and interpolations (a string literal,
    /// the text of a `role` block).
    pub(super) fn check_string_parts(
        &mut self,
        parts_in: Vec<ast::StringPart>,
        span: Span,
    ) -> Expr {
        let mut parts = Vec::new();
        for part in parts_in {
            match part {
                ast::StringPart::Text(text) => parts.push(hir::InterpPart::Text(text)),
                ast::StringPart::Expr(expr, spec) => {
                    let value = self.check_expr(&expr, None);
                    let spec_span = value.span.clone();
                    let spec = match spec {
                        None => None,
                        Some(text) => match crate::format_spec::parse(&text) {
                            None => {
                                self.error(
                                    codes::BAD_FORMAT_SPEC,
                                    format!("invalid format spec `{text}`"),
                                    spec_span,
                                    "not a format spec",
                                );
                                None
                            }
                            Some(parsed) => {
                                if let Err(why) = crate::format_spec::check(&parsed, value.ty) {
                                    self.error(
                                        codes::BAD_FORMAT_SPEC,
                                        format!(
                                            "format spec `{text}` does not apply to `{}`",
                                            value.ty
                                        ),
                                        spec_span,
                                        why,
                                    );
                                }
                                Some(parsed)
                            }
                        },
                    };
                    if value.ty == Type::Never {
                        self.not_supported(
                            "an interpolation that never produces a value",
                            value.span.clone(),
                        );
                    }
                    parts.push(hir::InterpPart::Value(value, spec));
                }
            }
        }
        // A plain string literal is a constant, not an interpolation.
        let kind = match parts.as_slice() {
            [] => ExprKind::Str(String::new()),
            [hir::InterpPart::Text(t)] => ExprKind::Str(t.clone()),
            _ => ExprKind::Interpolation(parts),
        };
        Expr {
            kind,
            ty: Type::Str,
            span,
        }
    }

    fn check_name(&mut self, n: &ast::NameRef, expected: Option<Type>, span: Span) -> Expr {
        let name = n.text();
        if let Some(var) = self.lookup_var(&name) {
            self.body().used.insert(var);
            let ty = self.body().vars[var.0 as usize].ty;
            return Expr {
                kind: ExprKind::Var(var),
                ty,
                span,
            };
        }
        if let Some(alias) = self.tool_alias(&name) {
            return self.alias_as_value(&alias, span);
        }
        if self.const_syntax.contains_key(&self.key(&name)) {
            return match self.const_value(&self.key(&name), span.clone()) {
                Some(mut value) => {
                    value.span = span;
                    value
                }
                None => error_expr(span),
            };
        }
        if let Some(value) = builtin_constant(&name) {
            return Expr {
                ty: match value {
                    ExprKind::Float(_) => Type::Float,
                    _ => Type::Int,
                },
                kind: value,
                span,
            };
        }
        if self.types.variants.contains_key(&name) {
            if let Some((enum_id, tag)) = self.unique_variant(&name, &span, expected) {
                return self.construct_variant(enum_id, tag, None, None, span);
            }
            return error_expr(span);
        }
        if self.types.by_name.contains_key(&self.key(&name)) {
            self.error(
                codes::MISMATCHED_TYPES,
                format!("`{name}` is a type, not a value"),
                span.clone(),
                "a type",
            );
            self.push_help(format!("construct a value with `{name}(…)`"));
            return error_expr(span);
        }
        if let Some(cell) = self.cell_names.get(&self.key(&name)).copied() {
            return self.cell_value(cell, expected, span);
        }
        if super::calls::is_builtin_name(&name) {
            return self.builtin_value(&name, expected, span);
        }
        self.error(
            codes::UNRESOLVED_NAME,
            format!("cannot find `{name}` in this scope"),
            span.clone(),
            "not found",
        );
        self.suggest_import(&name);
        if self.top_level_binds(&name) {
            self.push_help(
                "top-level `let` bindings belong to the implicit `main`; use a `const` or pass the value as a parameter"
                    .to_string(),
            );
        } else {
            self.suggest_name(&name);
        }
        error_expr(span)
    }

    /// Whether a top-level statement binds `name` (for a better hint).
    fn top_level_binds(&self, name: &str) -> bool {
        self.top_level_names().iter().any(|n| n == name)
    }

    fn check_prefix(&mut self, p: &ast::PrefixExpr, span: Span) -> Expr {
        let Some(operand) = p.operand() else {
            return error_expr(span);
        };
        let op = p.op();
        // `-9223372036854775808` is the negation of a literal that only fits
        // once negated (syntax.md §2).
        if op == Some(PrefixOp::Neg) {
            if let ast::Expr::Literal(lit) = &operand {
                if lit.kind() == Some(LiteralKind::Int) {
                    if let Some(v) = lit.int_value() {
                        if v == 1u64 << 63 {
                            return Expr {
                                kind: ExprKind::Int(i64::MIN),
                                ty: Type::Int,
                                span,
                            };
                        }
                    }
                }
            }
        }
        let value = self.check_expr(&operand, None);
        match op {
            Some(PrefixOp::Neg) => self.unary(hir::UnaryOp::Neg, value, span),
            Some(PrefixOp::BitNot) => self.unary(hir::UnaryOp::BitNot, value, span),
            Some(PrefixOp::Not) => self.unary(hir::UnaryOp::Not, value, span),
            None => error_expr(span),
        }
    }

    fn check_as(&mut self, a: &ast::AsExpr, span: Span) -> Expr {
        let Some(inner) = a.expr() else {
            return error_expr(span);
        };
        let value = self.check_expr(&inner, None);
        let Some(target) = a.ty().map(|t| self.resolve_type(&t)) else {
            return error_expr(span);
        };
        if value.ty.union_members().is_some() {
            let vty = value.ty;
            // (`numeric_as` declines before using `value` when it has
            // nothing to convert.)
            if let Some(converted) = self.numeric_as(value.clone(), target, span.clone()) {
                return converted;
            }
            if let Some(asserted) = self.assert_member(value, target, span.clone()) {
                return asserted;
            }
            self.error(
                codes::MISMATCHED_TYPES,
                format!("a `{vty}` is never a `{target}`"),
                span.clone(),
                "invalid conversion",
            );
            return error_expr(span);
        }
        match (value.ty, target) {
            (Type::Error, _) | (_, Type::Error) => error_expr(span),
            (from, to) if from == to => Expr { span, ..value },
            (Type::Int, Type::Float) => Expr {
                kind: ExprKind::Cast(CastKind::IntToFloat, Box::new(value)),
                ty: Type::Float,
                span,
            },
            (Type::Float, Type::Int) => Expr {
                kind: ExprKind::Cast(CastKind::FloatToInt, Box::new(value)),
                ty: Type::Int,
                span,
            },
            (from, to) => {
                self.error(
                    codes::MISMATCHED_TYPES,
                    format!("cannot convert `{from}` to `{to}` with `as`"),
                    span.clone(),
                    "invalid conversion",
                );
                self.push_help(
                    "`as` converts between `Int` and `Float`; use `to_string(…)` for text"
                        .to_string(),
                );
                error_expr(span)
            }
        }
    }

    /// `xs[a..b]` (semantics.md §5), also on strings and `Bytes`: the
    /// builtin `slice(xs, a, b)`, so negative bounds count from the end and
    /// both are clamped. `a..=b` ends after `b`; `a..` runs to the end.
    /// A `step` has no meaning in a slice and is an error.
    fn slice_by_range(&mut self, base: Expr, range: &ast::RangeExpr, span: Span) -> Expr {
        if let Some(step) = range.step() {
            self.error(
                codes::BAD_OPERANDS,
                "a slice cannot have a `step`",
                span_of(&step),
                "step in a slice",
            );
            self.push_help(
                "slice first, then keep every k-th element with a comprehension".to_string(),
            );
            return error_expr(span);
        }
        let int = |value: i64, span: &Span| Expr {
            kind: ExprKind::Int(value),
            ty: Type::Int,
            span: span.clone(),
        };
        let bound = |this: &mut Self, e: Option<ast::Expr>, default: i64| match e {
            Some(e) => {
                let e_span = span_of(&e);
                let v = this.check_expr(&e, Some(Type::Int));
                this.expect_type(v, Type::Int, &e_span, "slice bounds are `Int`")
            }
            None => int(default, &span),
        };
        let start = bound(self, range.start(), 0);
        let end_given = range.end().is_some();
        let mut end = bound(self, range.end(), i64::MAX);
        if range.is_inclusive() && end_given {
            // One past `b`, without overflowing at the largest Int (the
            // slice is clamped to the length anyway).
            let end_span = end.span.clone();
            let capped = self.check_library(
                "min",
                vec![end, int(i64::MAX - 1, &end_span)],
                end_span.clone(),
            );
            end = Expr {
                kind: ExprKind::Binary(
                    hir::BinaryOp::Add,
                    Box::new(capped),
                    Box::new(int(1, &end_span)),
                ),
                ty: Type::Int,
                span: end_span,
            };
        }
        self.check_library("slice", vec![base, start, end], span)
    }

    fn check_index(&mut self, i: &ast::IndexExpr, span: Span) -> Expr {
        let (Some(base), Some(index)) = (i.base(), i.index()) else {
            return error_expr(span);
        };
        let base = self.check_expr(&base, None);
        if i.is_optional() {
            return self.optional_chain(base, span, |this, value, span| {
                this.index_into(value, &index, span)
            });
        }
        self.index_into(base, &index, span)
    }

    /// `base[index]` once `base` is checked (lists, strings, maps).
    fn index_into(&mut self, base: Expr, index: &ast::Expr, span: Span) -> Expr {
        if let ast::Expr::Range(range) = index {
            if matches!(base.ty, Type::List(_) | Type::Str | Type::Bytes) {
                return self.slice_by_range(base, range, span);
            }
        }
        let index_span = span_of(index);
        let want = match base.ty {
            Type::Map(k, _) => Some(*k),
            // `j["key"]` or `j[i]`: the index says which.
            Type::Json => None,
            _ => Some(Type::Int),
        };
        let index = self.check_expr(index, want);
        match base.ty {
            Type::Json => match index.ty {
                Type::Str | Type::Int => Expr {
                    kind: ExprKind::Builtin(hir::Builtin::JsonIndex, vec![base, index]),
                    ty: Type::Json,
                    span,
                },
                t if t.has_error() => error_expr(span),
                other => {
                    self.error(
                        codes::MISMATCHED_TYPES,
                        "mismatched types",
                        index_span,
                        format!("expected `String` or `Int`, found `{other}`"),
                    );
                    self.push_help(
                        "a `Json` is indexed by a `String` key (objects) or an `Int` (lists)"
                            .to_string(),
                    );
                    error_expr(span)
                }
            },
            Type::Map(..) => self.map_index(base, index, span),
            Type::List(elem) => {
                let index =
                    self.expect_type(index, Type::Int, &index_span, "list indices are `Int`");
                Expr {
                    kind: ExprKind::Index(Box::new(base), Box::new(index)),
                    ty: *elem,
                    span,
                }
            }
            Type::Str => {
                let index =
                    self.expect_type(index, Type::Int, &index_span, "string indices are `Int`");
                Expr {
                    kind: ExprKind::Builtin(hir::Builtin::StrIndex, vec![base, index]),
                    ty: Type::Str,
                    span,
                }
            }
            Type::Bytes => {
                let index =
                    self.expect_type(index, Type::Int, &index_span, "`Bytes` indices are `Int`");
                Expr {
                    kind: ExprKind::Builtin(hir::Builtin::BytesIndex, vec![base, index]),
                    ty: Type::Int,
                    span,
                }
            }
            Type::Error => error_expr(span),
            other => {
                self.error(
                    codes::BAD_OPERANDS,
                    format!("cannot index into a value of type `{other}`"),
                    base.span.clone(),
                    "not indexable",
                );
                error_expr(span)
            }
        }
    }

    /// Checks the body of a `match`/`when` arm: an expression on the arrow's
    /// line or an indented block.
    pub(crate) fn check_arm_body(
        &mut self,
        body: Option<ast::ArmBody>,
        value_wanted: bool,
    ) -> hir::Block {
        match body {
            None => hir::Block::default(),
            Some(ast::ArmBody::Block(b)) => self.check_branch(&block_stmts(Some(b)), value_wanted),
            Some(ast::ArmBody::Expr(e)) => {
                self.body().scopes.push();
                let expected = self.branch_expected.take();
                let value = self.check_expr_in(&e, expected, value_wanted);
                self.body().scopes.pop();
                if value_wanted {
                    tail_block(value)
                } else {
                    stmt_block(value)
                }
            }
        }
    }

    /// Checks a branch body: a block whose last expression is its value when a
    /// value is wanted.
    fn check_branch(&mut self, stmts: &[ast::Stmt], value_wanted: bool) -> hir::Block {
        self.check_stmts(stmts, value_wanted)
    }

    fn check_if(
        &mut self,
        i: &ast::IfExpr,
        expected: Option<Type>,
        value_wanted: bool,
        span: Span,
    ) -> Expr {
        let cond = match i.condition() {
            Some(ast::Condition::Let(l)) => {
                return self.check_if_let(&l, i, expected, value_wanted, span)
            }
            Some(ast::Condition::Expr(e)) => self.check_condition(Some(e)),
            None => error_expr(span.clone()),
        };
        let narrowing = self.narrowing_of(&cond);
        let on_true = narrowing.map(|n| (n.var, n.when_true));
        let on_false = narrowing.map(|n| (n.var, n.when_false));
        // `if c then a else b`.
        if let Some(then_expr) = i.then_expr() {
            // `if c then [] else [2]`: with no expected type, an empty
            // literal takes its type from the other branch, checked first.
            // (The same for a bare variant of a generic enum: `None`.)
            let else_expr = i.else_expr();
            let then_open =
                super::values::is_empty_literal(&then_expr) || self.is_open_variant(&then_expr);
            let else_open = match &else_expr {
                Some(e) => super::values::is_empty_literal(e) || self.is_open_variant(e),
                None => true,
            };
            let empty_then = expected.is_none() && then_open && !else_open;
            if empty_then {
                let Some(e) = else_expr else {
                    return error_expr(span);
                };
                let else_value =
                    self.in_narrowed(on_false, &span, |this| this.check_expr(&e, None));
                let hint = Some(else_value.ty).filter(|t| !t.has_error() && *t != Type::Never);
                let then_value =
                    self.in_narrowed(on_true, &span, |this| this.check_expr(&then_expr, hint));
                let (then_value, else_value, ty) = self.join_values(then_value, else_value, &span);
                return Expr {
                    kind: ExprKind::If {
                        cond: Box::new(cond),
                        then_block: tail_block(then_value),
                        else_block: Some(tail_block(else_value)),
                    },
                    ty,
                    span,
                };
            }
            let then_value =
                self.in_narrowed(on_true, &span, |this| this.check_expr(&then_expr, expected));
            // (`if c then [1] else []`: the empty literal takes the type of
            // the `then` value.)
            let else_hint = match (&else_expr, expected) {
                (Some(_), None) if else_open => {
                    Some(then_value.ty).filter(|t| !t.has_error() && *t != Type::Never)
                }
                _ => expected,
            };
            let else_value = match else_expr {
                Some(e) => self.in_narrowed(on_false, &span, |this| this.check_expr(&e, else_hint)),
                None => error_expr(span.clone()),
            };
            let (then_value, else_value, ty) = self.join_values(then_value, else_value, &span);
            return Expr {
                kind: ExprKind::If {
                    cond: Box::new(cond),
                    then_block: tail_block(then_value),
                    else_block: Some(tail_block(else_value)),
                },
                ty,
                span,
            };
        }
        let then_stmts = block_stmts(i.then_block());
        self.branch_expected = expected;
        let then_block = self.narrowed_block(on_true, &span, |this| {
            this.check_branch(&then_stmts, value_wanted)
        });
        let else_block = match i.else_branch() {
            None => None,
            Some(branch) => match branch.if_expr() {
                Some(nested) => {
                    let nested_span = span_of(&nested);
                    Some(self.narrowed_block(on_false, &span, |this| {
                        let value = this.check_if(&nested, expected, value_wanted, nested_span);
                        if value_wanted {
                            tail_block(value)
                        } else {
                            stmt_block(value)
                        }
                    }))
                }
                None => {
                    let else_stmts = block_stmts(branch.block());
                    Some(self.narrowed_block(on_false, &span, |this| {
                        this.branch_expected = expected;
                        this.check_branch(&else_stmts, value_wanted)
                    }))
                }
            },
        };
        let mut blocks: Vec<&mut hir::Block> = vec![];
        let mut then_block = then_block;
        let mut else_block = else_block;
        blocks.push(&mut then_block);
        let has_else = else_block.is_some();
        if let Some(b) = else_block.as_mut() {
            blocks.push(b);
        }
        let ty = if value_wanted {
            let ty = self.join_blocks(&mut blocks, &span);
            if has_else {
                ty
            } else if ty == Type::Never || ty == Type::Null || ty == Type::Error {
                Type::Null
            } else {
                self.error(
                    codes::MISMATCHED_TYPES,
                    "`if` without `else` has no value when the condition is false",
                    span.clone(),
                    format!("this `if` would be `{ty}` or nothing"),
                );
                self.push_help("add an `else` branch".to_string());
                Type::Error
            }
        } else {
            let diverges =
                block_diverges(&then_block) && else_block.as_ref().is_some_and(block_diverges);
            if diverges {
                Type::Never
            } else {
                Type::Null
            }
        };
        Expr {
            kind: ExprKind::If {
                cond: Box::new(cond),
                then_block,
                else_block,
            },
            ty,
            span,
        }
    }

    /// Runs `f` in a scope where `narrowing`'s variable has the narrower type;
    /// the narrowed copy's initialisation comes first in the resulting block.
    pub(super) fn narrowed_block(
        &mut self,
        narrowing: Option<(hir::VarId, Type)>,
        span: &Span,
        f: impl FnOnce(&mut Self) -> hir::Block,
    ) -> hir::Block {
        self.body().scopes.push();
        let init = narrowing.and_then(|(var, ty)| self.bind_narrowed(var, ty, span));
        let mut block = f(self);
        self.body().scopes.pop();
        if let Some(init) = init {
            block.stmts.insert(0, init);
        }
        block
    }

    /// Like [`Self::narrowed_block`] for an expression: a block with the
    /// narrowed copy's initialisation and the expression as its value.
    pub(super) fn in_narrowed(
        &mut self,
        narrowing: Option<(hir::VarId, Type)>,
        span: &Span,
        f: impl FnOnce(&mut Self) -> Expr,
    ) -> Expr {
        if narrowing.is_none() {
            return f(self);
        }
        let block = self.narrowed_block(narrowing, span, |this| tail_block(f(this)));
        let ty = block.tail.as_ref().map_or(Type::Null, |t| t.ty);
        Expr {
            kind: ExprKind::Block(block),
            ty,
            span: span.clone(),
        }
    }

    /// `if let pattern = value … else … end`.
    fn check_if_let(
        &mut self,
        l: &ast::LetCond,
        i: &ast::IfExpr,
        expected: Option<Type>,
        value_wanted: bool,
        span: Span,
    ) -> Expr {
        let value = match l.expr() {
            Some(e) => self.check_expr(&e, None),
            None => return error_expr(span),
        };
        self.body().scopes.push();
        let pattern = match l.pattern() {
            Some(p) => self.check_pattern(&p, value.ty),
            None => hir::Pattern::Wildcard,
        };
        // `if let p = v then a else b`: the bindings are visible in `a` only.
        if let Some(then_expr) = i.then_expr() {
            let then_value = self.check_expr(&then_expr, expected);
            self.body().scopes.pop();
            let else_value = match i.else_expr() {
                Some(e) => self.check_expr(&e, expected),
                None => error_expr(span.clone()),
            };
            let (then_value, else_value, ty) = self.join_values(then_value, else_value, &span);
            return Expr {
                kind: ExprKind::IfLet {
                    pattern,
                    value: Box::new(value),
                    then_block: tail_block(then_value),
                    else_block: Some(tail_block(else_value)),
                },
                ty,
                span,
            };
        }
        let then_block = self.check_branch(&block_stmts(i.then_block()), value_wanted);
        self.body().scopes.pop();
        let mut else_block = match i.else_branch() {
            None => None,
            Some(branch) => match branch.if_expr() {
                Some(nested) => {
                    let nested_span = span_of(&nested);
                    let v = self.check_if(&nested, None, value_wanted, nested_span);
                    Some(if value_wanted {
                        tail_block(v)
                    } else {
                        stmt_block(v)
                    })
                }
                None => Some(self.check_branch(&block_stmts(branch.block()), value_wanted)),
            },
        };
        let mut then_block = then_block;
        let has_else = else_block.is_some();
        let ty = if value_wanted {
            let mut blocks: Vec<&mut hir::Block> = vec![&mut then_block];
            if let Some(b) = else_block.as_mut() {
                blocks.push(b);
            }
            let ty = self.join_blocks(&mut blocks, &span);
            if has_else {
                ty
            } else if matches!(ty, Type::Never | Type::Null | Type::Error) {
                Type::Null
            } else {
                self.error(
                    codes::MISMATCHED_TYPES,
                    "`if let` without `else` has no value when the pattern does not match",
                    span.clone(),
                    format!("this would be `{ty}` or nothing"),
                );
                Type::Error
            }
        } else if block_diverges(&then_block) && else_block.as_ref().is_some_and(block_diverges) {
            Type::Never
        } else {
            Type::Null
        };
        Expr {
            kind: ExprKind::IfLet {
                pattern,
                value: Box::new(value),
                then_block,
                else_block,
            },
            ty,
            span,
        }
    }

    /// The least upper bound of two values, widening Ints where the other is a Float.
    fn join_values(&mut self, a: Expr, b: Expr, span: &Span) -> (Expr, Expr, Type) {
        match a.ty.join(b.ty) {
            Some(ty) => {
                let a = if ty == Type::Float && a.ty == Type::Int {
                    widen(a)
                } else {
                    a
                };
                let b = if ty == Type::Float && b.ty == Type::Int {
                    widen(b)
                } else {
                    b
                };
                // Values that meet in a union are carried into it, and
                // results into the joined result (`ok(1)` beside `ok(2.5)`).
                if ty.union_members().is_some() || matches!(ty, Type::Result(..)) {
                    let into = |this: &mut Self, v: Expr| {
                        if v.ty == ty || v.ty == Type::Never {
                            v
                        } else {
                            let at = v.span.clone();
                            this.coerce(v, ty, &at)
                        }
                    };
                    let a = into(self, a);
                    let b = into(self, b);
                    return (a, b, ty);
                }
                (a, b, ty)
            }
            None => {
                self.push_diagnostic(
                    Diagnostic::error(
                        codes::MISMATCHED_TYPES,
                        "branches have incompatible types",
                        b.span.clone(),
                        format!("this is `{}`", b.ty),
                    )
                    .with_label(a.span.clone(), format!("this is `{}`", a.ty))
                    .with_label(span.clone(), "in this expression"),
                );
                (a, b, Type::Error)
            }
        }
    }

    /// Joins the tail types of branch blocks, widening Int tails to Float when
    /// needed. A branch without a tail has type Null unless it diverges.
    pub(crate) fn join_blocks(&mut self, blocks: &mut [&mut hir::Block], span: &Span) -> Type {
        let mut ty = Type::Never;
        for block in blocks.iter() {
            let t = block_type(block);
            match ty.join(t) {
                Some(j) => ty = j,
                None => {
                    let at = block
                        .tail
                        .as_ref()
                        .map(|t| t.span.clone())
                        .unwrap_or_else(|| span.clone());
                    self.push_diagnostic(
                        Diagnostic::error(
                            codes::MISMATCHED_TYPES,
                            "branches have incompatible types",
                            at,
                            format!("this branch is `{t}`"),
                        )
                        .with_label(span.clone(), format!("earlier branches are `{ty}`")),
                    );
                    return Type::Error;
                }
            }
        }
        if ty == Type::Float {
            for block in blocks.iter_mut() {
                if let Some(tail) = block.tail.take() {
                    block.tail = Some(Box::new(if tail.ty == Type::Int {
                        widen(*tail)
                    } else {
                        *tail
                    }));
                }
            }
        }
        // Branches that meet in a union carry their values into it (and
        // results into the joined result).
        if ty.union_members().is_some() || matches!(ty, Type::Result(..)) {
            for block in blocks.iter_mut() {
                if let Some(tail) = block.tail.take() {
                    let tail_span = tail.span.clone();
                    block.tail = Some(Box::new(if tail.ty == ty || tail.ty == Type::Never {
                        *tail
                    } else {
                        self.coerce(*tail, ty, &tail_span)
                    }));
                }
            }
        }
        ty
    }

    fn check_when(
        &mut self,
        w: &ast::WhenExpr,
        expected: Option<Type>,
        value_wanted: bool,
        span: Span,
    ) -> Expr {
        let mut arms = Vec::new();
        let mut has_default = false;
        for arm in w.arms() {
            let arm_span = span_of(&arm);
            if has_default {
                self.push_diagnostic(Diagnostic::warning(
                    codes::UNREACHABLE_ARM,
                    "unreachable `when` arm",
                    arm_span.clone(),
                    "an earlier `_` arm always matches",
                ));
            }
            let cond = if arm.is_wildcard() {
                has_default = true;
                None
            } else {
                Some(self.check_condition(arm.condition()))
            };
            self.branch_expected = expected;
            let body = self.check_arm_body(arm.body(), value_wanted);
            arms.push(hir::WhenArm {
                cond,
                body,
                span: arm_span,
            });
        }
        let ty = self.branches_type(
            arms.iter_mut().map(|a| &mut a.body).collect(),
            has_default,
            value_wanted,
            "when",
            &span,
        );
        Expr {
            kind: ExprKind::When(arms),
            ty,
            span,
        }
    }

    /// The type of a multi-branch form (`match`, `when`).
    pub(crate) fn branches_type(
        &mut self,
        mut blocks: Vec<&mut hir::Block>,
        exhaustive: bool,
        value_wanted: bool,
        what: &str,
        span: &Span,
    ) -> Type {
        if !value_wanted {
            let all_diverge =
                exhaustive && !blocks.is_empty() && blocks.iter().all(|b| block_diverges(b));
            return if all_diverge { Type::Never } else { Type::Null };
        }
        let ty = self.join_blocks(&mut blocks, span);
        if !exhaustive && !matches!(ty, Type::Null | Type::Error) {
            self.error(
                codes::NON_EXHAUSTIVE,
                format!("`{what}` used as a value must cover every case"),
                span.clone(),
                "some values match no arm",
            );
            self.push_help("add a final `_ -> …` arm".to_string());
            return Type::Error;
        }
        if ty == Type::Never && !exhaustive {
            return Type::Null;
        }
        ty
    }
}

/// A block that evaluates `value` as a statement.
fn stmt_block(value: Expr) -> hir::Block {
    hir::Block {
        stmts: vec![hir::Stmt {
            span: value.span.clone(),
            kind: hir::StmtKind::Expr(value),
        }],
        tail: None,
    }
}

fn tail_block(value: Expr) -> hir::Block {
    hir::Block {
        stmts: Vec::new(),
        tail: Some(Box::new(value)),
    }
}

/// `PI`, `E`, `INF`, `NAN`, `MAX_INT`, `MIN_INT` (builtins.md, Math).
fn builtin_constant(name: &str) -> Option<ExprKind> {
    Some(match name {
        "PI" => ExprKind::Float(std::f64::consts::PI),
        "E" => ExprKind::Float(std::f64::consts::E),
        "INF" => ExprKind::Float(f64::INFINITY),
        "NAN" => ExprKind::Float(f64::NAN),
        "MAX_INT" => ExprKind::Int(i64::MAX),
        "MIN_INT" => ExprKind::Int(i64::MIN),
        _ => return None,
    })
}

/// Whether `e` is a call of the builtin `from_json` (by name; a variable or
/// cell of that name is checked as what it is anyway).
fn is_from_json_call(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Call(c) if matches!(c.callee(), Some(ast::Expr::Name(n)) if n.text() == "from_json"))
}
