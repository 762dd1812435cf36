//! Composite values: record construction and field access, enum variants,
//! list literals and indexing.

use lumen_diagnostics::{Diagnostic, Span};
use lumen_syntax::ast;

use super::arg_order::SourcePos;
use super::build::error_expr;
use super::{codes, span_of, Checker};
use crate::hir::{Expr, ExprKind, Stmt};
use crate::types::{list_of, Type};

/// A field to fill in a construction: its name (None when positional only),
/// type and default value.
struct Slot {
    name: Option<String>,
    ty: Type,
    default: Option<ast::Expr>,
}

impl Checker {
    /// `Name(args)` where `Name` is a record type or an enum variant; `None`
    /// when the name is neither. A piped value (`x |> Name(args)`) is the
    /// first positional argument.
    pub(super) fn check_construction(
        &mut self,
        name: &str,
        args: &[ast::Arg],
        piped: Option<Expr>,
        hint: Option<Type>,
        span: Span,
    ) -> Option<Expr> {
        if let Some(Type::Record(n)) = self.types.by_name.get(&self.key(name)).copied() {
            return Some(self.construct_record(n, args, piped, span));
        }
        if self.types.variants.contains_key(name) {
            let (enum_id, tag) = self.unique_variant(name, &span, hint)?;
            return Some(self.construct_variant(enum_id, tag, Some(args), piped, span));
        }
        None
    }

    /// A record value of the record type `n`.
    pub(super) fn construct_record(
        &mut self,
        n: crate::types::Nominal,
        args: &[ast::Arg],
        piped: Option<Expr>,
        span: Span,
    ) -> Expr {
        let info = self.types.records[n.id as usize].clone();
        let defaults = self.types.record_defaults[n.id as usize].clone();
        let slots: Vec<Slot> = info
            .fields
            .iter()
            .zip(defaults)
            .map(|(f, d)| Slot {
                name: Some(f.name.clone()),
                ty: f.ty,
                default: d,
            })
            .collect();
        let values = self.fill_slots(&info.name, "field", &slots, args, piped, &span, &info.span);
        match values {
            Some((prelude, values)) => {
                let record = Expr {
                    kind: ExprKind::Record(values),
                    ty: Type::Record(n),
                    span: span.clone(),
                };
                let record = self.with_where_checks(record, &span);
                Self::after_prelude(prelude, record)
            }
            None => error_expr(span),
        }
    }

    /// A variant value; `args` is `None` for a bare name (`Red`), and a
    /// piped value (`x |> Circle`) is the first positional argument.
    pub(super) fn construct_variant(
        &mut self,
        enum_id: u32,
        tag: u32,
        args: Option<&[ast::Arg]>,
        piped: Option<Expr>,
        span: Span,
    ) -> Expr {
        let variant = self.types.enums[enum_id as usize].variants[tag as usize].clone();
        let ty = self.enum_type(enum_id);
        // Piping into a bare name gives it its payload: `x |> Circle`.
        let args = if piped.is_some() {
            Some(args.unwrap_or(&[]))
        } else {
            args
        };
        let values = match args {
            None if variant.fields.is_empty() => Some((Vec::new(), Vec::new())),
            None => {
                self.error(
                    codes::BAD_ARGUMENTS,
                    format!("the variant `{}` needs its payload", variant.name),
                    span.clone(),
                    format!("write `{}(…)`", variant.name),
                );
                None
            }
            Some(args) => {
                let slots: Vec<Slot> = variant
                    .fields
                    .iter()
                    .map(|(n, t)| Slot {
                        name: n.clone(),
                        ty: *t,
                        default: None,
                    })
                    .collect();
                self.fill_slots(
                    &variant.name,
                    "payload field",
                    &slots,
                    args,
                    piped,
                    &span,
                    &variant.span,
                )
            }
        };
        match values {
            Some((prelude, values)) => {
                let variant = Expr {
                    kind: ExprKind::Variant(tag, values),
                    ty,
                    span,
                };
                Self::after_prelude(prelude, variant)
            }
            None => error_expr(span),
        }
    }

    /// Matches positional and named arguments to slots, fills defaults, and
    /// reports missing, unknown and duplicate ones. The values come in slot
    /// order, after the `let`s that keep their source order
    /// ([`Self::in_source_order`]).
    fn fill_slots(
        &mut self,
        what: &str,
        noun: &str,
        slots: &[Slot],
        args: &[ast::Arg],
        piped: Option<Expr>,
        span: &Span,
        decl_span: &Span,
    ) -> Option<(Vec<Stmt>, Vec<Expr>)> {
        let mut values: Vec<Option<Expr>> = vec![None; slots.len()];
        let mut positions: Vec<SourcePos> = vec![None; slots.len()];
        let first_arg = usize::from(piped.is_some());
        let mut positional = 0;
        let mut ok = true;
        if let Some(value) = piped {
            positional = 1;
            match slots.first() {
                Some(first) => {
                    let vspan = value.span.clone();
                    values[0] = Some(self.coerce(value, first.ty, &vspan));
                    positions[0] = Some(0);
                }
                None => {
                    self.error(
                        codes::BAD_ARGUMENTS,
                        format!("`{what}` has no {noun}s, so nothing can be piped into it"),
                        span.clone(),
                        "piped value has nowhere to go",
                    );
                    ok = false;
                }
            }
        }
        for (at, arg) in args.iter().enumerate() {
            let arg_span = span_of(arg);
            let Some(value) = arg.value() else { continue };
            let index = match arg.name().map(|n| n.text()) {
                Some(n) => match slots
                    .iter()
                    .position(|s| s.name.as_deref() == Some(n.as_str()))
                {
                    Some(i) => i,
                    None => {
                        self.push_diagnostic(
                            Diagnostic::error(
                                codes::BAD_ARGUMENTS,
                                format!("`{what}` has no {noun} named `{n}`"),
                                arg_span,
                                format!("unknown {noun}"),
                            )
                            .with_label(decl_span.clone(), format!("`{what}` is declared here")),
                        );
                        self.check_expr(&value, None);
                        ok = false;
                        continue;
                    }
                },
                None => {
                    let i = positional;
                    positional += 1;
                    if i >= slots.len() {
                        self.error(
                            codes::BAD_ARGUMENTS,
                            format!(
                                "`{what}` has {} {noun}{} but more values were given",
                                slots.len(),
                                if slots.len() == 1 { "" } else { "s" }
                            ),
                            arg_span,
                            "unexpected value",
                        );
                        self.check_expr(&value, None);
                        ok = false;
                        continue;
                    }
                    i
                }
            };
            let ty = slots[index].ty;
            let checked = self.check_expr(&value, Some(ty));
            let checked = self.coerce(checked, ty, &span_of(&value));
            if values[index].is_some() {
                self.error(
                    codes::BAD_ARGUMENTS,
                    format!(
                        "{noun} `{}` is given more than once",
                        slots[index]
                            .name
                            .clone()
                            .unwrap_or_else(|| index.to_string())
                    ),
                    span_of(arg),
                    "given again here",
                );
                ok = false;
            }
            values[index] = Some(checked);
            positions[index].get_or_insert(first_arg + at);
        }
        let mut out = Vec::new();
        let mut missing = Vec::new();
        for (i, v) in values.into_iter().enumerate() {
            match v {
                Some(v) => out.push(v),
                None => match &slots[i].default {
                    Some(d) => {
                        let d = d.clone();
                        // (The names of the record's module are not
                        // known here; those of the constructing one are
                        // used.)
                        let module = self.current_module;
                        out.push(self.check_default(&d, slots[i].ty, module, Some(span)));
                    }
                    None => missing.push(slots[i].name.clone().unwrap_or_else(|| format!("#{i}"))),
                },
            }
        }
        if !missing.is_empty() {
            self.push_diagnostic(
                Diagnostic::error(
                    codes::BAD_ARGUMENTS,
                    format!(
                        "missing {noun}{} {} in `{what}`",
                        if missing.len() == 1 { "" } else { "s" },
                        missing
                            .iter()
                            .map(|m| format!("`{m}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    span.clone(),
                    "not given",
                )
                .with_label(decl_span.clone(), format!("`{what}` is declared here")),
            );
            ok = false;
        }
        if !ok {
            return None;
        }
        let prelude = self.in_source_order(&mut out, &positions);
        Some((prelude, out))
    }

    /// `base.name`: a record field, or a qualified enum variant (`Color.Red`).
    pub(super) fn check_field(&mut self, f: &ast::FieldExpr, span: Span) -> Expr {
        let Some(receiver) = f.receiver() else {
            return error_expr(span);
        };
        let field = f.field_name();
        if self.names_enum_type(&receiver) {
            return match self.qualified_variant(&receiver, &field) {
                Some((enum_id, tag)) => self.construct_variant(enum_id, tag, None, None, span),
                None => error_expr(span),
            };
        }
        let base = self.check_expr(&receiver, None);
        if matches!(base.ty, Type::Future(_)) && field == "state" && !f.is_optional() {
            return self.future_state(base, span);
        }
        if f.is_optional() {
            // `x?.f`: null when `x` is null, else `x.f` (as an optional).
            return self.optional_chain(base, span, |this, value, span| {
                this.field_of(value, &field, f, span)
            });
        }
        self.field_of(base, &field, f, span)
    }

    /// `x?.…` / `x?[…]`: evaluates `x` once; null when it is null, else
    /// `access` applied to the non-null value, as an optional.
    pub(super) fn optional_chain(
        &mut self,
        base: Expr,
        span: Span,
        access: impl FnOnce(&mut Self, Expr, Span) -> Expr,
    ) -> Expr {
        if !base.ty.admits_null() {
            if base.ty.has_error() {
                return error_expr(span);
            }
            self.error(
                codes::MISMATCHED_TYPES,
                format!(
                    "`?.` and `?[` need a value that may be null, not `{}`",
                    base.ty
                ),
                base.span.clone(),
                "never null",
            );
            self.push_help("use `.` or `[…]`".to_string());
            return error_expr(span);
        }
        let base_ty = base.ty;
        let inner_ty = base_ty.without_null();
        let holder = self.new_var("_", base_ty, false, span.clone());
        self.body().used.insert(holder);
        let read = |ty| Expr {
            kind: ExprKind::Var(holder),
            ty,
            span: span.clone(),
        };
        let narrowed = Expr {
            kind: ExprKind::Narrow(Box::new(read(base_ty))),
            ty: inner_ty,
            span: span.clone(),
        };
        let accessed = access(self, narrowed, span.clone());
        if accessed.ty.has_error() {
            return error_expr(span);
        }
        let ty = crate::types::optional(accessed.ty);
        let null = Expr {
            kind: ExprKind::Null,
            ty: Type::Null,
            span: span.clone(),
        };
        let as_optional = |this: &mut Self, e: Expr| -> Expr {
            let espan = e.span.clone();
            if e.ty == ty {
                e
            } else {
                this.coerce(e, ty, &espan)
            }
        };
        let when_null = as_optional(self, null);
        let when_value = as_optional(self, accessed);
        let test = Expr {
            kind: ExprKind::IsType(Box::new(read(base_ty)), Type::Null),
            ty: Type::Bool,
            span: span.clone(),
        };
        let tail = |e: Expr| crate::hir::Block {
            stmts: Vec::new(),
            tail: Some(Box::new(e)),
        };
        Expr {
            kind: ExprKind::Block(crate::hir::Block {
                stmts: vec![crate::hir::Stmt {
                    kind: crate::hir::StmtKind::Let(holder, base),
                    span: span.clone(),
                }],
                tail: Some(Box::new(Expr {
                    kind: ExprKind::If {
                        cond: Box::new(test),
                        then_block: tail(when_null),
                        else_block: Some(tail(when_value)),
                    },
                    ty,
                    span: span.clone(),
                })),
            }),
            ty,
            span,
        }
    }

    /// `base.field` once `base` is checked (records and tuples).
    fn field_of(&mut self, base: Expr, field: &str, f: &ast::FieldExpr, span: Span) -> Expr {
        if let (Type::Tuple(elems), Some(i)) = (base.ty, f.tuple_index()) {
            return match elems.get(i as usize) {
                Some(ty) => Expr {
                    ty: *ty,
                    kind: ExprKind::Field(Box::new(base), i),
                    span,
                },
                None => {
                    self.error(
                        codes::UNRESOLVED_NAME,
                        format!("the tuple `{}` has no element {i}", base.ty),
                        span.clone(),
                        format!("it has {} element(s)", elems.len()),
                    );
                    error_expr(span)
                }
            };
        }
        match base.ty {
            Type::Record(n) => {
                let info = &self.types.records[n.id as usize];
                match info.fields.iter().position(|fi| fi.name == field) {
                    Some(i) => {
                        let ty = info.fields[i].ty;
                        Expr {
                            kind: ExprKind::Field(Box::new(base), i as u32),
                            ty,
                            span,
                        }
                    }
                    None => {
                        let names: Vec<String> = info
                            .fields
                            .iter()
                            .map(|f| format!("`{}`", f.name))
                            .collect();
                        self.error(
                            codes::UNRESOLVED_NAME,
                            format!("`{}` has no field `{field}`", n.name),
                            span.clone(),
                            "unknown field",
                        );
                        if !self.suggest_field(base.ty, &field) && !names.is_empty() {
                            self.push_help(format!("its fields are {}", names.join(", ")));
                        }
                        error_expr(span)
                    }
                }
            }
            Type::Enum(n) => self.payload_field(base, n, field, span),
            t if t.has_error() => error_expr(span),
            other => {
                self.error(
                    codes::UNRESOLVED_NAME,
                    format!("a value of type `{other}` has no field `{field}`"),
                    span.clone(),
                    "no such field",
                );
                if other == Type::Json || other.union_members().is_some() {
                    self.push_help(format!(
                        "narrow the value first (`if x is T`, `match`){}",
                        if other == Type::Json {
                            format!(", or index it: `x[\"{field}\"]`")
                        } else {
                            String::new()
                        }
                    ));
                }
                error_expr(span)
            }
        }
    }

    /// `v.radius` on an enum value: a named payload field of the variant
    /// the value is known to hold — inside a `match` arm on that variant
    /// (semantics.md §6), or when every variant has that field at the same
    /// position with the same type.
    fn payload_field(
        &mut self,
        base: Expr,
        n: crate::types::Nominal,
        field: &str,
        span: Span,
    ) -> Expr {
        let info = self.types.enums[n.id as usize].clone();
        let narrowed = match &base.kind {
            ExprKind::Var(v) => {
                let key = (self.bodies.len(), *v);
                self.variant_narrowing
                    .iter()
                    .rev()
                    .find(|(var, e, _)| *var == key && *e == n.id)
                    .map(|(_, _, tag)| *tag)
            }
            _ => None,
        };
        let position = |tag: usize| {
            info.variants[tag]
                .fields
                .iter()
                .position(|(name, _)| name.as_deref() == Some(field))
        };
        let found = match narrowed {
            Some(tag) => {
                position(tag as usize).map(|i| (i, info.variants[tag as usize].fields[i].1))
            }
            None => {
                let first = position(0).map(|i| (i, info.variants[0].fields[i].1));
                first.filter(|&(i, t)| {
                    (0..info.variants.len())
                        .all(|tag| position(tag) == Some(i) && info.variants[tag].fields[i].1 == t)
                })
            }
        };
        if let Some((index, ty)) = found {
            return Expr {
                kind: ExprKind::Field(Box::new(base), index as u32),
                ty,
                span,
            };
        }
        let mutable = match &base.kind {
            ExprKind::Var(v) => self.body().vars[v.0 as usize].mutable,
            _ => false,
        };
        let holders: Vec<String> = info
            .variants
            .iter()
            .enumerate()
            .filter(|(tag, _)| position(*tag).is_some())
            .map(|(_, v)| format!("`{}`", v.name))
            .collect();
        match (narrowed, holders.is_empty()) {
            (Some(tag), _) => self.error(
                codes::UNRESOLVED_NAME,
                format!(
                    "the variant `{}` has no field `{field}`",
                    info.variants[tag as usize].name
                ),
                span.clone(),
                "unknown field",
            ),
            (None, true) => self.error(
                codes::UNRESOLVED_NAME,
                format!("`{}` has no variant with a field `{field}`", n.name),
                span.clone(),
                "unknown field",
            ),
            (None, false) => {
                self.error(
                    codes::UNRESOLVED_NAME,
                    format!(
                        "`{}` values have a field `{field}` only in some variants",
                        n.name
                    ),
                    span.clone(),
                    "the variant is not known here",
                );
                if mutable {
                    self.push_help(format!(
                        "a `let mut` variable is not narrowed by `match`; bind the field in \
                         the pattern instead: `{}({field}: x) -> …`",
                        holders[0].trim_matches('`')
                    ));
                } else {
                    self.push_help(format!(
                        "read it in a `match` arm on {} (`match v` … `{}(..) -> v.{field}`)",
                        holders.join(" or "),
                        holders[0].trim_matches('`')
                    ));
                }
            }
        }
        error_expr(span)
    }

    /// Whether an expression is the bare name of an enum type (not shadowed by
    /// a variable).
    pub(super) fn names_enum_type(&mut self, e: &ast::Expr) -> bool {
        let ast::Expr::Name(n) = e else { return false };
        let name = n.text();
        self.lookup_var(&name).is_none()
            && matches!(
                self.types.by_name.get(&self.key(&name)),
                Some(Type::Enum(_))
            )
    }

    /// `Enum.Variant` written as a field access on the enum's name.
    pub(super) fn qualified_variant(
        &mut self,
        receiver: &ast::Expr,
        field: &str,
    ) -> Option<(u32, u32)> {
        let ast::Expr::Name(n) = receiver else {
            return None;
        };
        let name = n.text();
        if self.lookup_var(&name).is_some() {
            return None;
        }
        let Some(Type::Enum(e)) = self.types.by_name.get(&self.key(&name)).copied() else {
            return None;
        };
        let info = &self.types.enums[e.id as usize];
        match info.variants.iter().position(|v| v.name == field) {
            Some(tag) => Some((e.id, tag as u32)),
            None => {
                let span = span_of(receiver);
                self.error(
                    codes::UNRESOLVED_NAME,
                    format!("`{name}` has no variant `{field}`"),
                    span,
                    "unknown variant",
                );
                self.suggest_variant(e.id, &field);
                None
            }
        }
    }

    /// A bare payload-less variant of a generic enum (`None`), whose type
    /// arguments only its context can give.
    pub(super) fn is_open_variant(&mut self, e: &ast::Expr) -> bool {
        match e {
            ast::Expr::Name(n) => {
                let name = n.text();
                self.lookup_var(&name).is_none() && self.generic_types.variants.contains_key(&name)
            }
            ast::Expr::Paren(p) => p.expr().is_some_and(|inner| self.is_open_variant(&inner)),
            _ => false,
        }
    }

    pub(super) fn check_list(
        &mut self,
        l: &ast::ListExpr,
        expected: Option<Type>,
        span: Span,
    ) -> Expr {
        let expected_elem = match expected {
            Some(Type::List(e)) => Some(*e),
            // A list literal where a `Json` is expected is a `list[Json]`.
            Some(Type::Json) => Some(Type::Json),
            _ => None,
        };
        if super::spreads::has_spread(l.elements()) {
            return self.check_list_spreads(l, expected_elem, span);
        }
        let elements: Vec<ast::Expr> = l
            .elements()
            .filter_map(|element| match element {
                ast::Element::Expr(e) => Some(e),
                _ => None,
            })
            .collect();
        // `[[], [1]]`, `[Some(1), None]`: with no expected type, empty
        // literals and bare variants of generic enums take the type of the
        // other elements, checked first (checking order changes no
        // evaluation order: such an element has no parts).
        let open: Vec<bool> = elements
            .iter()
            .map(|e| is_empty_literal(e) || self.is_open_variant(e))
            .collect();
        let defer_empty =
            expected_elem.is_none() && open.iter().any(|o| *o) && !open.iter().all(|o| *o);
        let mut checked: Vec<Option<Expr>> = vec![None; elements.len()];
        for (i, e) in elements.iter().enumerate() {
            if !(defer_empty && open[i]) {
                checked[i] = Some(self.check_expr(e, expected_elem));
            }
        }
        if defer_empty {
            let mut known = Type::Never;
            for v in checked.iter().flatten() {
                known = known.join(v.ty).unwrap_or(Type::Error);
            }
            let hint = Some(known).filter(|t| !t.has_error() && *t != Type::Never);
            for (i, e) in elements.iter().enumerate() {
                if checked[i].is_none() {
                    checked[i] = Some(self.check_expr(e, hint));
                }
            }
        }
        let values: Vec<Expr> = checked.into_iter().flatten().collect();
        let elem = match expected_elem {
            Some(t) => t,
            None => {
                let mut ty = Type::Never;
                for v in &values {
                    match ty.join(v.ty) {
                        Some(j) => ty = j,
                        None => {
                            self.push_diagnostic(
                                Diagnostic::error(
                                    codes::MISMATCHED_TYPES,
                                    "list elements have different types",
                                    v.span.clone(),
                                    format!("this is `{}`, earlier elements are `{ty}`", v.ty),
                                )
                                .with_help("lists of mixed types need union types, which lumenc does not support yet"),
                            );
                            return error_expr(span);
                        }
                    }
                }
                // An annotation that failed to resolve was reported already.
                if ty == Type::Never && expected.is_some_and(Type::has_error) {
                    return error_expr(span);
                }
                if ty == Type::Never {
                    self.error(
                        codes::NEEDS_ANNOTATION,
                        "the type of an empty list cannot be inferred here",
                        span.clone(),
                        "add a type annotation",
                    );
                    self.push_help("for example `let xs: list[Int] = []`".to_string());
                    return error_expr(span);
                }
                ty
            }
        };
        let values = values
            .into_iter()
            .map(|v| {
                let vspan = v.span.clone();
                self.coerce(v, elem, &vspan)
            })
            .collect();
        Expr {
            kind: ExprKind::List(values),
            ty: list_of(elem),
            span,
        }
    }
}

/// An empty collection literal (`[]`, `{}`, `set[]`), whose type comes from
/// its context.
pub(super) fn is_empty_literal(e: &ast::Expr) -> bool {
    match e {
        ast::Expr::List(l) => l.elements().next().is_none(),
        ast::Expr::Map(m) => m.entries().next().is_none(),
        ast::Expr::Set(s) => s.elements().next().is_none(),
        ast::Expr::Paren(p) => p.expr().is_some_and(|e| is_empty_literal(&e)),
        _ => false,
    }
}
