//! `match`: patterns on literals, ranges, bindings, `_` and or-patterns, with
//! guards, exhaustiveness over `Bool`, and unreachable-arm warnings.

use lumen_diagnostics::{Diagnostic, Span};
use lumen_syntax::ast;
use lumen_syntax::ast::{LiteralKind, PrefixOp};

use super::build::error_expr;
use super::{codes, span_of, Checker};
use crate::hir::{self, Expr, ExprKind, Pattern, Type};

impl Checker {
    /// Whether the arms so far (without guards) cover every value of `ty`.
    fn cases_covered(
        &self,
        ty: Type,
        bools: (bool, bool),
        variants: &[u32],
        members: &[Type],
        results: (bool, bool),
        lengths: &ListLengths,
    ) -> bool {
        match ty {
            Type::Bool => bools == (true, true),
            Type::Enum(e) => {
                let count = self.types.enums[e.id as usize].variants.len();
                count > 0 && (0..count as u32).all(|i| variants.contains(&i))
            }
            Type::Result(..) => results == (true, true),
            Type::List(_) => lengths.cover_all(),
            _ => ty
                .union_members()
                .is_some_and(|ms| ms.iter().all(|m| members.contains(m))),
        }
    }

    pub(super) fn check_match(
        &mut self,
        m: &ast::MatchExpr,
        _expected: Option<Type>,
        value_wanted: bool,
        span: Span,
    ) -> Expr {
        let Some(scrutinee) = m.scrutinee() else {
            return error_expr(span);
        };
        if matches!(&scrutinee, ast::Expr::Await(_)) {
            self.await_outcome_next = Self::string_arm(m);
        }
        // A tool call takes its type from arms that all construct one enum
        // or record (tools-details §10).
        let hint = if self.is_tool_call(&scrutinee) {
            self.match_context_type(m)
        } else {
            None
        };
        let scrutinee = self.check_expr(&scrutinee, hint);
        self.await_outcome_next = None;
        let ty = scrutinee.ty;
        let mut arms = Vec::new();
        let mut catch_all = false;
        let mut seen_bools = (false, false);
        let mut covered_variants: Vec<u32> = Vec::new();
        let mut covered_members: Vec<Type> = Vec::new();
        // Variants (or result sides) of enum and result members of a union
        // scrutinee matched completely: all of one member's cover it.
        let mut member_parts: Vec<(Type, u32)> = Vec::new();
        let mut covered_results = (false, false);
        let mut covered_lengths = ListLengths::default();
        let mut any_pattern_failed = false;
        for arm in m.arms() {
            let arm_span = span_of(&arm);
            // Nothing is known of an erroneous scrutinee (reported already),
            // so no arm is known to be unreachable either.
            if catch_all && !ty.has_error() {
                self.push_diagnostic(Diagnostic::warning(
                    codes::UNREACHABLE_ARM,
                    "unreachable match arm",
                    arm_span.clone(),
                    "an earlier arm matches every value",
                ));
            } else if !ty.has_error()
                && !any_pattern_failed
                && self.cases_covered(
                    ty,
                    seen_bools,
                    &covered_variants,
                    &covered_members,
                    covered_results,
                    &covered_lengths,
                )
            {
                // types.md §2: an arm after arms covering every case (a
                // `_` after `true`/`false`, or after every variant).
                self.push_diagnostic(Diagnostic::warning(
                    codes::UNREACHABLE_ARM,
                    "unreachable match arm",
                    arm_span.clone(),
                    "the arms before it cover every case",
                ));
            }
            self.body().scopes.push();
            let alternatives: Vec<ast::Pattern> = arm.patterns().collect();
            let errors_before = self.error_count();
            let pattern = match alternatives.as_slice() {
                [] => Pattern::Wildcard,
                [single] => self.check_pattern(single, ty),
                _ => self.or_pattern(&alternatives, ty, arm_span.clone()),
            };
            // A pattern that failed to check covers nothing (no warnings
            // about the arms after it).
            let pattern_failed = self.error_count() > errors_before;
            any_pattern_failed |= pattern_failed;
            let guard = arm.guard().map(|g| {
                let v = self.check_expr(&g, Some(Type::Bool));
                self.expect_type(v, Type::Bool, &span_of(&g), "a guard must be a `Bool`")
            });
            if guard.is_none() && !pattern_failed {
                if is_catch_all(&pattern) {
                    catch_all = true;
                }
                collect_bools(&pattern, &mut seen_bools);
                collect_variants(&pattern, &mut covered_variants);
                collect_members(&pattern, &mut covered_members);
                collect_member_parts(&pattern, &mut member_parts);
                self.promote_members(ty, &member_parts, &mut covered_members);
                collect_results(&pattern, &mut covered_results);
                collect_lengths(&pattern, &mut covered_lengths);
            }
            self.branch_expected = _expected;
            let narrowed = match (&scrutinee.kind, single_variant(&pattern)) {
                (ExprKind::Var(v), Some((e, tag))) if !self.body().vars[v.0 as usize].mutable => {
                    Some(((self.bodies.len(), *v), e, tag))
                }
                _ => None,
            };
            self.variant_narrowing.extend(narrowed);
            let body = self.check_arm_body(arm.body(), value_wanted);
            if narrowed.is_some() {
                self.variant_narrowing.pop();
            }
            self.body().scopes.pop();
            arms.push(hir::MatchArm {
                pattern,
                guard,
                body,
                span: arm_span,
            });
        }
        // After a pattern error, missing cases would only be noise.
        let exhaustive = catch_all
            || any_pattern_failed
            || covered_lengths.cover_all()
            || (ty == Type::Bool && seen_bools == (true, true))
            || ty == Type::Null && !arms.is_empty();
        // A non-exhaustive match on `Bool` is always an error (types.md §2);
        // once reported, the arms are typed as if it were exhaustive.
        let mut exhaustive = exhaustive;
        let mut enum_gap = false;
        if let (Type::Enum(e), false) = (ty, exhaustive) {
            let info = &self.types.enums[e.id as usize];
            let missing: Vec<String> = info
                .variants
                .iter()
                .enumerate()
                .filter(|(i, _)| !covered_variants.contains(&(*i as u32)))
                .map(|(_, v)| format!("`{}`", v.name))
                .collect();
            if missing.is_empty() {
                exhaustive = true;
            } else {
                enum_gap = true;
                self.error(
                    codes::NON_EXHAUSTIVE,
                    format!("non-exhaustive match on `{}`", info.name),
                    span.clone(),
                    format!("missing: {}", missing.join(", ")),
                );
                self.push_help(
                    "add arms for the missing variants, or a final `_ -> …` arm".to_string(),
                );
            }
        }
        if let (Some(members), false) = (ty.union_members(), exhaustive) {
            let missing: Vec<String> = members
                .iter()
                .filter(|m| !covered_members.contains(m))
                .map(|m| format!("`{m}`"))
                .collect();
            if missing.is_empty() {
                exhaustive = true;
            } else {
                enum_gap = true;
                self.error(
                    codes::NON_EXHAUSTIVE,
                    format!("non-exhaustive match on `{ty}`"),
                    span.clone(),
                    format!("missing: {}", missing.join(", ")),
                );
                self.push_help(
                    "add type patterns such as `n: Int ->` or `null ->`, or a final `_ -> …` arm"
                        .to_string(),
                );
            }
        }
        if let (Type::Result(..), false) = (ty, exhaustive) {
            if covered_results == (true, true) {
                exhaustive = true;
            } else {
                enum_gap = true;
                let missing = if covered_results.0 {
                    "`err(_)`"
                } else if covered_results.1 {
                    "`ok(_)`"
                } else {
                    "`ok(_)`, `err(_)`"
                };
                self.error(
                    codes::NON_EXHAUSTIVE,
                    format!("non-exhaustive match on `{ty}`"),
                    span.clone(),
                    format!("missing: {missing}"),
                );
            }
        }
        let bool_gap = !exhaustive && ty == Type::Bool;
        if bool_gap {
            let missing: Vec<&str> = [
                (!seen_bools.0).then_some("true"),
                (!seen_bools.1).then_some("false"),
            ]
            .into_iter()
            .flatten()
            .collect();
            self.error(
                codes::NON_EXHAUSTIVE,
                "non-exhaustive match on `Bool`",
                span.clone(),
                format!("missing: {}", missing.join(", ")),
            );
        }
        let result_ty = self.branches_type(
            arms.iter_mut().map(|a| &mut a.body).collect(),
            exhaustive || bool_gap || enum_gap,
            value_wanted,
            "match",
            &span,
        );
        Expr {
            kind: ExprKind::Match {
                scrutinee: Box::new(scrutinee),
                arms,
            },
            ty: result_ty,
            span,
        }
    }

    pub(super) fn check_pattern(&mut self, p: &ast::Pattern, ty: Type) -> Pattern {
        let span = span_of(p);
        if let Some(member) = structural_member(p, ty).or_else(|| self.named_member(p, ty)) {
            // `(a, b)` on `(Int, String)?`, `[x, ...]` on `list[Int]?`: the
            // value holds that member and, narrowed to it, matches.
            let inner = self.check_pattern(p, member);
            return Pattern::MemberValue {
                member,
                union: ty,
                inner: Box::new(inner),
            };
        }
        match p {
            ast::Pattern::Wildcard(_) => Pattern::Wildcard,
            ast::Pattern::Ident(ident) => match ident.name() {
                Some(name) => {
                    let name = name.text();
                    // A bare variant name of the matched enum (`Red ->`) is a
                    // variant pattern, not a binding.
                    if let Type::Enum(e) = ty {
                        let info = &self.types.enums[e.id as usize];
                        if let Some(tag) = info.variants.iter().position(|v| v.name == name) {
                            return Pattern::Variant {
                                enum_id: e.id,
                                tag: tag as u32,
                                fields: Vec::new(),
                            };
                        }
                    }
                    Pattern::Bind(self.new_var(&name, ty, false, span))
                }
                None => Pattern::Wildcard,
            },
            ast::Pattern::Ctor(ctor) => {
                let before = self.error_count();
                let checked = self.ctor_pattern(ctor, ty, span);
                if matches!(checked, Pattern::Wildcard)
                    && (ty.has_error() || self.error_count() > before)
                {
                    self.bind_as_error(p);
                }
                checked
            }
            ast::Pattern::Tuple(t) => {
                let subs: Vec<ast::Pattern> = t.elements().collect();
                match ty {
                    Type::Tuple(elems) if elems.len() == subs.len() => Pattern::Tuple {
                        elems: subs
                            .iter()
                            .zip(elems.iter())
                            .map(|(p, e)| self.check_pattern(p, *e))
                            .collect(),
                        ty,
                    },
                    t if t.has_error() => {
                        self.bind_as_error(p);
                        Pattern::Wildcard
                    }
                    other => {
                        self.error(
                            codes::MISMATCHED_TYPES,
                            "mismatched types",
                            span,
                            format!(
                                "a tuple pattern with {} elements, but the value is `{other}`",
                                subs.len()
                            ),
                        );
                        self.bind_as_error(p);
                        Pattern::Wildcard
                    }
                }
            }
            ast::Pattern::TypeTest(tt) => {
                let member = match tt.ty() {
                    Some(t) => self.resolve_type(&t),
                    None => return Pattern::Wildcard,
                };
                let name = tt.name().map(|n| n.text());
                // A smaller union (`v: Int?` on `Int | String | Null`)
                // fits too: the value is any of its members.
                let sub_union = match (ty.union_members(), member.union_members()) {
                    (Some(have), Some(want)) => want.iter().all(|m| have.contains(m)),
                    _ => false,
                };
                let fits = match ty.union_members() {
                    Some(members) => members.contains(&member) || sub_union,
                    None => ty == member,
                };
                if !fits && !ty.has_error() && !member.has_error() {
                    let label = match (ty.union_members(), member.union_members()) {
                        // `v: Int | Bool` on `Int | String`: it may be an
                        // `Int`, but a type pattern's members must all be
                        // possible.
                        (Some(have), Some(want)) if want.iter().any(|m| have.contains(m)) => {
                            let extra: Vec<String> = want
                                .iter()
                                .filter(|m| !have.contains(m))
                                .map(|m| format!("`{m}`"))
                                .collect();
                            format!("a value of type `{ty}` is never a {}", extra.join(" or "))
                        }
                        _ => format!("a value of type `{ty}` is never a `{member}`"),
                    };
                    self.error(
                        codes::MISMATCHED_TYPES,
                        "mismatched types",
                        span.clone(),
                        label,
                    );
                    if self.outcome_missed_arms.contains(&span) {
                        self.push_help(
                            "failures reach a `String` arm only when the `await` is the match's \
                             scrutinee, or its `let` variable is used by the match alone \
                             (async.md §3); use `try await` to handle failures otherwise"
                                .to_string(),
                        );
                    }
                    // The name is bound (as an error) so its uses say nothing more.
                    self.bind_as_error(p);
                    return Pattern::Wildcard;
                }
                let var = name.map(|n| self.new_var(&n, member, false, span.clone()));
                if ty.union_members().is_some() {
                    Pattern::Member {
                        member,
                        union: ty,
                        var,
                    }
                } else {
                    match var {
                        Some(v) => Pattern::Bind(v),
                        None => Pattern::Wildcard,
                    }
                }
            }
            ast::Pattern::Literal(lit) => match lit.expr() {
                Some(e) => self.literal_pattern(&e, ty),
                None => Pattern::Wildcard,
            },
            ast::Pattern::Range(r) => {
                if ty != Type::Int && ty != Type::Error {
                    self.pattern_mismatch(ty, Type::Int, span);
                    return Pattern::Wildcard;
                }
                let lo = r.start().and_then(|e| self.int_bound(&e));
                let hi = r.end().and_then(|e| self.int_bound(&e));
                match (lo, hi) {
                    (Some(lo), Some(hi)) => Pattern::IntRange {
                        lo,
                        hi,
                        inclusive: r.is_inclusive(),
                    },
                    _ => Pattern::Wildcard,
                }
            }
            ast::Pattern::Or(or) => {
                let alternatives: Vec<ast::Pattern> = or.alternatives().collect();
                self.or_pattern(&alternatives, ty, span)
            }
            ast::Pattern::Paren(inner) => match inner.pattern() {
                Some(p) => self.check_pattern(&p, ty),
                None => Pattern::Wildcard,
            },
            ast::Pattern::List(l) => self.list_pattern(l, ty, span),
            ast::Pattern::Rest(_) => {
                self.error(
                    codes::MISMATCHED_TYPES,
                    "`...` is only allowed at the end of a list pattern",
                    span,
                    "not inside `[…]`",
                );
                Pattern::Wildcard
            }
        }
    }

    /// A literal pattern: a number (possibly negated), a string, `true`,
    /// `false` or `null`, checked against the matched type.
    fn literal_pattern(&mut self, e: &ast::Expr, ty: Type) -> Pattern {
        let span = span_of(e);
        let Some((pattern, pty)) = self.pattern_constant(e) else {
            return Pattern::Wildcard;
        };
        if ty == Type::Error {
            return Pattern::Wildcard;
        }
        if let Some(members) = ty.union_members() {
            if pty == Type::Null && members.contains(&Type::Null) {
                return Pattern::Member {
                    member: Type::Null,
                    union: ty,
                    var: None,
                };
            }
            // A literal of one member type: test the member, then the value.
            let member = if members.contains(&pty) {
                Some(pty)
            } else if pty == Type::Int && members.contains(&Type::Float) {
                Some(Type::Float)
            } else {
                None
            };
            if let Some(member) = member {
                let inner = match (pattern, member) {
                    (Pattern::Int(v), Type::Float) => Pattern::Float(v as f64),
                    (p, _) => p,
                };
                return Pattern::MemberValue {
                    member,
                    union: ty,
                    inner: Box::new(inner),
                };
            }
        }
        if pty != ty && !(pty == Type::Int && ty == Type::Float) {
            self.pattern_mismatch(ty, pty, span);
            return Pattern::Wildcard;
        }
        match (pattern, ty) {
            (Pattern::Int(v), Type::Float) => Pattern::Float(v as f64),
            (p, _) => p,
        }
    }

    fn pattern_constant(&mut self, e: &ast::Expr) -> Option<(Pattern, Type)> {
        let span = span_of(e);
        let (negative, inner) = match e {
            ast::Expr::Prefix(p) if p.op() == Some(PrefixOp::Neg) => (true, p.operand()?),
            other => (false, other.clone()),
        };
        match &inner {
            ast::Expr::Literal(lit) => match lit.kind()? {
                LiteralKind::Int => {
                    let v = lit.int_value()?;
                    if negative && v <= 1u64 << 63 {
                        Some((Pattern::Int((v as i128).wrapping_neg() as i64), Type::Int))
                    } else if !negative && v <= i64::MAX as u64 {
                        Some((Pattern::Int(v as i64), Type::Int))
                    } else {
                        self.error(
                            codes::BAD_LITERAL,
                            "integer literal out of range",
                            span,
                            "does not fit in an `Int`",
                        );
                        None
                    }
                }
                LiteralKind::Float => {
                    let v = lit.float_value()?;
                    Some((Pattern::Float(if negative { -v } else { v }), Type::Float))
                }
                LiteralKind::Bool(b) if !negative => Some((Pattern::Bool(b), Type::Bool)),
                LiteralKind::Null if !negative => Some((Pattern::Null, Type::Null)),
                LiteralKind::RawString if !negative => {
                    Some((Pattern::Str(lit.raw_string_value()?), Type::Str))
                }
                // An invalid literal was reported by the parser's validation.
                LiteralKind::Bytes if !negative => {
                    Some((Pattern::Bytes(lit.bytes_value()?), Type::Bytes))
                }
                _ => {
                    self.error(
                        codes::BAD_LITERAL,
                        "only numbers can be negated in a pattern",
                        span,
                        "not a number",
                    );
                    None
                }
            },
            ast::Expr::String(s) if !negative => match s.plain_value() {
                Some(text) => Some((Pattern::Str(text), Type::Str)),
                None => {
                    self.push_diagnostic(
                        Diagnostic::error(
                            codes::BAD_LITERAL,
                            "a string pattern cannot interpolate",
                            span,
                            "a pattern must be a constant",
                        )
                        .with_help(
                            "bind the value and compare it in a guard: `s if s == \"…{x}…\" ->`",
                        ),
                    );
                    None
                }
            },
            _ => {
                self.error(
                    codes::BAD_LITERAL,
                    "only numbers can be negated in a pattern",
                    span,
                    "not a number",
                );
                None
            }
        }
    }

    fn int_bound(&mut self, e: &ast::Expr) -> Option<i64> {
        match self.pattern_constant(e)? {
            (Pattern::Int(v), _) => Some(v),
            _ => {
                self.error(
                    codes::MISMATCHED_TYPES,
                    "range patterns need integer bounds",
                    span_of(e),
                    "not an integer",
                );
                None
            }
        }
    }

    /// `Variant(p, …)`, `Variant(field: p, …, ..)`, `Enum.Variant`.
    fn ctor_pattern(&mut self, ctor: &ast::CtorPat, ty: Type, span: Span) -> Pattern {
        let Some(path) = ctor.path() else {
            return Pattern::Wildcard;
        };
        let segments: Vec<String> = path.segments().map(|s| s.text()).collect();
        let Some(variant_name) = segments.last().cloned() else {
            return Pattern::Wildcard;
        };
        if let (Type::Result(t, e), "ok" | "err", 1) = (ty, variant_name.as_str(), segments.len()) {
            let is_ok = variant_name == "ok";
            let inner_ty = if is_ok { *t } else { *e };
            let args: Vec<ast::CtorArg> = ctor.args().collect();
            let inner = match args.as_slice() {
                [ast::CtorArg::Positional(p)] => self.check_pattern(p, inner_ty),
                [] => Pattern::Wildcard,
                _ => {
                    self.error(
                        codes::BAD_ARGUMENTS,
                        format!("`{variant_name}(…)` takes one pattern"),
                        span.clone(),
                        "one pattern expected",
                    );
                    Pattern::Wildcard
                }
            };
            return Pattern::ResultCase {
                is_ok,
                inner: Box::new(inner),
                ty,
            };
        }
        if let Type::Record(n) = ty {
            if segments.len() == 1 && self.types.records[n.id as usize].name == variant_name {
                return self.record_pattern(ctor, ty, &variant_name, span);
            }
        }
        let Type::Enum(e) = ty else {
            if !ty.has_error() {
                if matches!(variant_name.as_str(), "ok" | "err")
                    || self.types.by_name.contains_key(&self.key(&variant_name))
                {
                    self.error(
                        codes::MISMATCHED_TYPES,
                        "mismatched types",
                        span,
                        format!("a `{variant_name}` pattern, but the value matched is `{ty}`"),
                    );
                } else {
                    self.error(
                        codes::MISMATCHED_TYPES,
                        "mismatched types",
                        span,
                        format!("a variant pattern, but the value matched is `{ty}`"),
                    );
                }
            }
            return Pattern::Wildcard;
        };
        let info = self.types.enums[e.id as usize].clone();
        if segments.len() == 2 && segments[0] != info.name {
            self.error(
                codes::MISMATCHED_TYPES,
                "mismatched types",
                span,
                format!(
                    "a `{}` pattern, but the value matched is `{}`",
                    segments[0], info.name
                ),
            );
            return Pattern::Wildcard;
        }
        let Some(tag) = info.variants.iter().position(|v| v.name == variant_name) else {
            self.error(
                codes::UNRESOLVED_NAME,
                format!("`{}` has no variant `{variant_name}`", info.name),
                span,
                "unknown variant",
            );
            self.suggest_variant(e.id, &variant_name);
            return Pattern::Wildcard;
        };
        let variant = &info.variants[tag];
        let mut fields = Vec::new();
        let mut positional = 0usize;
        let mut has_rest = false;
        let args: Vec<ast::CtorArg> = ctor.args().collect();
        let has_named = args.iter().any(|a| matches!(a, ast::CtorArg::Field(_)));
        for arg in args {
            // Among named field patterns, a bare field name is shorthand for
            // `name: name` (`Rect(w: _, h)`).
            if let (true, ast::CtorArg::Positional(ast::Pattern::Ident(i))) = (has_named, &arg) {
                let name = i.name().map(|n| n.text()).unwrap_or_default();
                if let Some(index) = variant
                    .fields
                    .iter()
                    .position(|(n, _)| n.as_deref() == Some(name.as_str()))
                {
                    let fty = variant.fields[index].1;
                    let var = self.new_var(&name, fty, false, span_of(i));
                    self.body().field_puns.insert(var);
                    fields.push((index as u32, Pattern::Bind(var)));
                    continue;
                }
            }
            match arg {
                ast::CtorArg::Rest(_) => has_rest = true,
                ast::CtorArg::Positional(p) => {
                    let index = positional;
                    positional += 1;
                    match variant.fields.get(index) {
                        Some((_, fty)) => {
                            let sub = self.check_pattern(&p, *fty);
                            fields.push((index as u32, sub));
                        }
                        None => {
                            self.error(
                                codes::BAD_ARGUMENTS,
                                format!(
                                    "`{variant_name}` has {} payload field{}",
                                    variant.fields.len(),
                                    if variant.fields.len() == 1 { "" } else { "s" }
                                ),
                                span_of(&p),
                                "too many patterns",
                            );
                        }
                    }
                }
                ast::CtorArg::Field(fp) => {
                    let Some(fname) = fp.name().map(|n| n.text()) else {
                        continue;
                    };
                    match variant
                        .fields
                        .iter()
                        .position(|(n, _)| n.as_deref() == Some(fname.as_str()))
                    {
                        Some(index) => {
                            let fty = variant.fields[index].1;
                            let sub = match fp.pattern() {
                                Some(p) => self.check_pattern(&p, fty),
                                // `Circle(radius)` written as a field pattern binds the field's name.
                                None => {
                                    let var = self.new_var(&fname, fty, false, span_of(&fp));
                                    self.body().field_puns.insert(var);
                                    Pattern::Bind(var)
                                }
                            };
                            fields.push((index as u32, sub));
                        }
                        None => {
                            self.error(
                                codes::UNRESOLVED_NAME,
                                format!("`{variant_name}` has no payload field `{fname}`"),
                                span_of(&fp),
                                "unknown field",
                            );
                        }
                    }
                }
            }
        }
        let given = fields.len();
        if !has_rest && ctor.has_args() && given < variant.fields.len() && positional > 0 {
            self.error(
                codes::BAD_ARGUMENTS,
                format!(
                    "`{variant_name}` has {} payload fields but the pattern gives {given}",
                    variant.fields.len()
                ),
                span,
                "add the missing patterns or `..`",
            );
        }
        Pattern::Variant {
            enum_id: e.id,
            tag: tag as u32,
            fields,
        }
    }

    fn pattern_mismatch(&mut self, scrutinee: Type, pattern: Type, span: Span) {
        self.error(
            codes::MISMATCHED_TYPES,
            "mismatched types",
            span,
            format!("this pattern is `{pattern}`, but the value matched is `{scrutinee}`"),
        );
    }
}

fn is_catch_all(p: &Pattern) -> bool {
    match p {
        Pattern::Wildcard | Pattern::Bind(_) => true,
        Pattern::Or(alts) => alts.iter().any(is_catch_all),
        Pattern::Tuple { elems, .. } => elems.iter().all(is_catch_all),
        Pattern::Record { fields, .. } => fields.iter().all(|(_, f)| is_catch_all(f)),
        Pattern::List {
            elems,
            rest: Some(_),
            ..
        } => elems.is_empty(),
        _ => false,
    }
}

/// The list lengths unguarded arms match completely: exact lengths from
/// `[a, b]`, and every length from `n` on from `[a, b, ...]`.
#[derive(Default)]
struct ListLengths {
    exact: Vec<usize>,
    at_least: Option<usize>,
}

impl ListLengths {
    fn cover_all(&self) -> bool {
        self.at_least
            .is_some_and(|n| (0..n).all(|len| self.exact.contains(&len)))
    }
}

fn collect_lengths(p: &Pattern, covered: &mut ListLengths) {
    match p {
        Pattern::List { elems, rest, .. } if elems.iter().all(is_catch_all) => match rest {
            Some(_) => {
                covered.at_least =
                    Some(covered.at_least.map_or(elems.len(), |n| n.min(elems.len())))
            }
            None => covered.exact.push(elems.len()),
        },
        Pattern::Or(alts) => alts.iter().for_each(|a| collect_lengths(a, covered)),
        _ => {}
    }
}

/// Result sides an unguarded arm matches completely: (ok, err).
fn collect_results(p: &Pattern, covered: &mut (bool, bool)) {
    match p {
        Pattern::ResultCase { is_ok, inner, .. } if is_catch_all(inner) => {
            if *is_ok {
                covered.0 = true;
            } else {
                covered.1 = true;
            }
        }
        Pattern::Or(alts) => alts.iter().for_each(|a| collect_results(a, covered)),
        _ => {}
    }
}

/// Union members an unguarded arm matches completely.
fn collect_members(p: &Pattern, covered: &mut Vec<Type>) {
    match p {
        // `v: Int?` on `Int | String | Null` covers `Int` and `Null`.
        Pattern::Member { member, .. } => match member.union_members() {
            Some(members) => covered.extend(members.iter().copied()),
            None => covered.push(*member),
        },
        // `(x, y)` on `(Int, Int)?` covers the tuple member.
        Pattern::MemberValue { member, inner, .. } if is_catch_all(inner) => covered.push(*member),
        Pattern::Or(alts) => alts.iter().for_each(|a| collect_members(a, covered)),
        _ => {}
    }
}

/// Variants of an enum member, or sides of a result member (0 `ok`, 1
/// `err`), that an unguarded arm on a union matches completely.
fn collect_member_parts(p: &Pattern, parts: &mut Vec<(Type, u32)>) {
    match p {
        Pattern::MemberValue { member, inner, .. } => {
            let mut tags = Vec::new();
            collect_variants(inner, &mut tags);
            let mut sides = (false, false);
            collect_results(inner, &mut sides);
            parts.extend(tags.into_iter().map(|t| (*member, t)));
            parts.extend(sides.0.then_some((*member, 0)));
            parts.extend(sides.1.then_some((*member, 1)));
        }
        Pattern::Or(alts) => alts.iter().for_each(|a| collect_member_parts(a, parts)),
        _ => {}
    }
}

impl Checker {
    /// Adds to `covered` the enum and result members of the union `ty` whose
    /// every variant (both sides) `parts` holds.
    fn promote_members(&self, ty: Type, parts: &[(Type, u32)], covered: &mut Vec<Type>) {
        let Some(members) = ty.union_members() else {
            return;
        };
        for &m in members.iter() {
            let count = match m {
                Type::Enum(e) => self.types.enums[e.id as usize].variants.len() as u32,
                Type::Result(..) => 2,
                _ => continue,
            };
            let all = (0..count).all(|k| parts.contains(&(m, k)));
            if all && !covered.contains(&m) {
                covered.push(m);
            }
        }
    }
}

/// Variants an unguarded arm matches completely (payload patterns irrefutable).
fn collect_variants(p: &Pattern, covered: &mut Vec<u32>) {
    match p {
        Pattern::Variant { tag, fields, .. } if fields.iter().all(|(_, f)| is_catch_all(f)) => {
            covered.push(*tag)
        }
        Pattern::Or(alts) => alts.iter().for_each(|a| collect_variants(a, covered)),
        _ => {}
    }
}

fn collect_bools(p: &Pattern, seen: &mut (bool, bool)) {
    match p {
        Pattern::Bool(true) => seen.0 = true,
        Pattern::Bool(false) => seen.1 = true,
        Pattern::Or(alts) => alts.iter().for_each(|a| collect_bools(a, seen)),
        _ => {}
    }
}

/// The variant every alternative of a pattern matches, if there is one
/// (`Circle(r)`, `Circle(1.0) | Circle(2.0)`).
fn single_variant(p: &Pattern) -> Option<(u32, u32)> {
    match p {
        Pattern::Variant { enum_id, tag, .. } => Some((*enum_id, *tag)),
        Pattern::Or(alts) => {
            let first = single_variant(alts.first()?)?;
            alts.iter()
                .all(|a| single_variant(a) == Some(first))
                .then_some(first)
        }
        _ => None,
    }
}

impl Checker {
    /// The one member of the union `ty` that a pattern naming a variant, a
    /// record or a result case fits (`Red` or `Green(k)` on `String |
    /// Color`, `ok(v)` on `result[Int, Int] | String`): the value holds that
    /// member and, narrowed to it, matches.
    fn named_member(&self, p: &ast::Pattern, ty: Type) -> Option<Type> {
        let members = ty.union_members()?;
        let (name, ctor) = match p {
            ast::Pattern::Ident(ident) => (ident.name()?.text(), false),
            ast::Pattern::Ctor(ctor) => {
                let path = ctor.path()?;
                let segments: Vec<String> = path.segments().map(|s| s.text()).collect();
                (segments.last()?.clone(), true)
            }
            _ => return None,
        };
        let fits = |m: &&Type| match **m {
            Type::Enum(e) => self.types.enums[e.id as usize]
                .variants
                .iter()
                .any(|v| v.name == name),
            Type::Result(..) => ctor && (name == "ok" || name == "err"),
            Type::Record(r) => ctor && self.types.records[r.id as usize].name == name,
            _ => false,
        };
        let mut candidates = members.iter().filter(fits);
        let member = *candidates.next()?;
        candidates.next().is_none().then_some(member)
    }
}

/// The one member of the union `ty` a tuple or list pattern can match: the
/// tuple of the pattern's length, or the list type. `None` when `ty` is not
/// a union or has no such single member.
fn structural_member(p: &ast::Pattern, ty: Type) -> Option<Type> {
    let members = ty.union_members()?;
    let fits = |m: &&Type| match (p, m) {
        (ast::Pattern::Tuple(t), Type::Tuple(elems)) => elems.len() == t.elements().count(),
        (ast::Pattern::List(_), Type::List(_)) => true,
        _ => false,
    };
    let mut candidates = members.iter().filter(fits);
    let member = *candidates.next()?;
    candidates.next().is_none().then_some(member)
}
