//! Calls: user cells (positional and named arguments, defaults) and builtins.

use lumen_diagnostics::{Diagnostic, Span};
use lumen_syntax::ast;

use super::arg_order::SourcePos;
use super::arg_source::ArgSource;
use super::build::error_expr;
use super::spreads::Part;
use super::{codes, span_of, Checker};
use crate::builtins;
use crate::hir::{Builtin, CellId, Expr, ExprKind, Type};
use crate::scope::Scopes;
use crate::types::{fn_type, list_of};

/// Every builtin name a program may call (for "did you mean").
pub(crate) fn builtin_names() -> impl Iterator<Item = &'static str> {
    builtins::names(!0)
}

pub(crate) fn is_builtin_name(name: &str) -> bool {
    builtins::is(name, builtins::SPEC)
}

/// Whether a call of `name` (no cell or variable of that name in scope) is
/// a builtin the checker handles: every name of `spec/builtins.md`, and the
/// library's own.
pub(crate) fn is_checked_builtin(name: &str) -> bool {
    builtins::lookup(name).is_some()
}

impl Checker {
    pub(super) fn check_call(&mut self, call: &ast::CallExpr, span: Span) -> Expr {
        let Some(callee) = call.callee() else {
            return error_expr(span);
        };
        if let Some(resumed) = self.check_resume(call, &span) {
            return resumed;
        }
        let args: Vec<ast::Arg> = call.args().collect();
        self.check_callee(&callee, &args, None, span)
    }

    /// `lhs |> rhs`: `a |> f(b)` is `f(a, b)`; `a |> f` is `f(a)`
    /// (syntax.md §6).
    pub(super) fn check_pipe(&mut self, lhs: &ast::Expr, rhs: &ast::Expr, span: Span) -> Expr {
        let piped = self.check_expr(lhs, None);
        match rhs {
            ast::Expr::Call(call) => match call.callee() {
                Some(callee) => {
                    let args: Vec<ast::Arg> = call.args().collect();
                    self.check_callee(&callee, &args, Some(piped), span)
                }
                None => error_expr(span),
            },
            // `x |> f`, `x |> Shape.Circle`, `x |> value.method`.
            ast::Expr::Name(_) | ast::Expr::Field(_) => {
                self.check_callee(rhs, &[], Some(piped), span)
            }
            // `x |> fn(v) => …`: the piped value gives the parameter type
            // (types.md §2).
            ast::Expr::Lambda(_) => {
                let expected = fn_type(vec![piped.ty], Type::Error);
                let f = self.check_expr(rhs, Some(expected));
                self.call_value(f, &[], Some(piped), span)
            }
            other => {
                let f = self.check_expr(other, None);
                self.call_value(f, &[], Some(piped), span)
            }
        }
    }

    /// A call of `callee` with `args`, after a piped first argument if any.
    fn check_callee(
        &mut self,
        callee: &ast::Expr,
        args: &[ast::Arg],
        piped: Option<Expr>,
        span: Span,
    ) -> Expr {
        // Taken at once: only this call's own construction may use it.
        let hint = self.variant_hint.take();
        let callee = callee.clone();
        let args = args.to_vec();
        if let ast::Expr::Field(f) = &callee {
            if let Some(receiver) = f.receiver() {
                // `value.method(args)`: the receiver is the `self` argument.
                if !self.names_enum_type(&receiver) && piped.is_none() && f.tuple_index().is_none()
                {
                    let name = f.field_name();
                    let value = self.check_expr(&receiver, None);
                    if f.is_optional() {
                        // `x?.method(args)`: null when `x` is null (the
                        // arguments are then not evaluated).
                        return self.optional_chain(value, span, |this, v, span| {
                            this.call_member(v, &name, &args, &callee, span)
                        });
                    }
                    return self.call_member(value, &name, &args, &callee, span);
                }
                if self.names_enum_type(&receiver) {
                    if self.reject_spreads(&format!("`{}`", f.field_name()), &args) {
                        return error_expr(span);
                    }
                    return match self.qualified_variant(&receiver, &f.field_name()) {
                        Some((enum_id, tag)) => {
                            self.construct_variant(enum_id, tag, Some(&args), piped, span)
                        }
                        None => error_expr(span),
                    };
                }
            }
        }
        let ast::Expr::Name(name_ref) = &callee else {
            let value = self.check_expr(&callee, None);
            return self.call_value(value, &args, piped, span);
        };
        let name = name_ref.text();
        if self.lookup_var(&name).is_some() {
            let value = self.check_expr(&callee, None);
            return self.call_value(value, &args, piped, span);
        }
        if let Some(alias) = self.tool_alias(&name) {
            return self.check_tool_call(&alias, &args, piped, None, span);
        }
        if let Some(&cell) = self.cell_names.get(&self.key(&name)) {
            let call = self.call_cell(cell, &args, piped, span.clone());
            if self.async_cells.contains(&cell) {
                // Calling an `async cell` spawns it (async.md §2).
                return self.spawn_checked(call, &callee, span);
            }
            return call;
        }
        // Direct calls and pipes (`x |> random_int(9)`) of the builtins
        // that cannot be reproduced (async.md §4); a program's own cell of
        // that name was called above.
        if self.deterministic && builtins::is(&name, builtins::NONDETERMINISTIC) {
            self.not_deterministic(&name, span.clone());
            return error_expr(span);
        }
        if name == "fetch" {
            return self.check_fetch(&args, piped, span);
        }
        let spreads_ok = matches!(name.as_str(), "print" | "eprint" | "format");
        if !spreads_ok && self.reject_spreads(&format!("`{name}`"), &args) {
            return error_expr(span);
        }
        if name == "format" && args.iter().any(|a| a.is_spread()) {
            return self.format_spreads(&args, piped, span);
        }
        if piped.is_some() && self.is_generic_constructor(&name) {
            return self.generic_construction(&name, Some(&args), None, piped, span);
        }
        let is_record = matches!(
            self.types.by_name.get(&self.key(&name)),
            Some(Type::Record(_))
        );
        if is_record || self.types.variants.contains_key(&name) {
            // (A record or a variant always constructs; see `check_construction`.)
            if let Some(value) = self.check_construction(&name, &args, piped, hint, span.clone()) {
                return value;
            }
            return error_expr(span);
        }
        if is_checked_builtin(&name) {
            if args.iter().any(|a| a.name().is_some() && !a.is_spread()) {
                return self.builtin_with_named_args(&name, &args, piped, &callee, span);
            }
            return self.builtin_call(&name, &args, piped, &callee, span);
        }
        self.error(
            codes::UNRESOLVED_NAME,
            format!("cannot find cell `{name}`"),
            span_of(&callee),
            "not found",
        );
        self.suggest_self_call(&name);
        self.suggest_import(&name);
        self.suggest_name(&name);
        for arg in &args {
            if let Some(v) = arg.value() {
                self.check_expr(&v, None);
            }
        }
        error_expr(span)
    }

    /// A call of the builtin `name` (any of [`is_checked_builtin`]), its
    /// arguments in parameter order (named ones already placed by
    /// [`Self::builtin_with_named_args`]).
    pub(super) fn builtin_call(
        &mut self,
        name: &str,
        args: &[ast::Arg],
        piped: Option<Expr>,
        callee: &ast::Expr,
        span: Span,
    ) -> Expr {
        if builtins::is(name, builtins::RESULT) {
            return self.check_result_builtin(name, args, piped, span);
        }
        if builtins::is(name, builtins::HIGHER_ORDER) {
            return self.check_higher_order(name, args, piped, span);
        }
        if builtins::is(name, builtins::CORE) {
            if matches!(name, "print" | "eprint") && args.iter().any(|a| a.is_spread()) {
                let builtin = if name == "print" {
                    Builtin::Print
                } else {
                    Builtin::Eprint
                };
                return self.print_spreads(builtin, args, piped, span);
            }

            return self.call_builtin(name, args, piped, span);
        }
        let is_collection = builtins::is(name, builtins::COLLECTION);
        if is_collection || builtins::is(name, builtins::LIBRARY) {
            let mut values: Vec<Expr> = piped.into_iter().collect();
            for arg in args {
                let Some(v) = arg.value() else { continue };
                // An empty literal after the first argument takes its type
                // from it (`concat(xs, [])`, `merge(m, {})`); not for `zip`,
                // whose lists are independent.
                // Only an *empty* literal needs (and takes) the hint.
                let empty_literal = match &v {
                    ast::Expr::List(l) => l.elements().next().is_none(),
                    ast::Expr::Map(m) => m.entries().next().is_none(),
                    ast::Expr::Set(s) => s.elements().next().is_none(),
                    _ => false,
                };
                // A literal after a collection of `Json` takes its type too
                // (`merge(m, {"k": 1})`: its values are `Json`).
                let hint = match values.first().map(|f| f.ty) {
                    Some(t) if (empty_literal || t.mentions_json()) && name != "zip" => Some(t),
                    _ => None,
                };
                values.push(self.check_expr(&v, hint));
            }
            if is_collection {
                match self.collection_builtin(name, values, span.clone()) {
                    Ok(e) => return e,
                    Err(back) => values = back,
                }
                if !builtins::is(name, builtins::LIBRARY) {
                    let what = values.first().map(|v| v.ty.to_string()).unwrap_or_default();
                    if !values.iter().any(|v| v.ty.has_error()) {
                        self.error(
                            codes::BAD_ARGUMENTS,
                            format!(
                                "`{name}` does not take these arguments (first argument: `{what}`)"
                            ),
                            span.clone(),
                            "no such form of this builtin",
                        );
                    }
                    return error_expr(span);
                }
            }
            return self.check_library(name, values, span);
        }
        if name == "from_json" {
            // Direct calls are checked with their expected type
            // (`check_from_json`); a piped call has none.
            self.error(
                codes::NEEDS_ANNOTATION,
                "the type `from_json` decodes into cannot be inferred here",
                span.clone(),
                "decode into what?",
            );
            self.push_help(
                "call it directly where the type is known: `let u: result[User, String] = from_json(text)`"
                    .to_string(),
            );
            return error_expr(span);
        }
        self.not_supported(&format!("the builtin `{name}`"), span_of(callee));
        for arg in args {
            if let Some(v) = arg.value() {
                self.check_expr(&v, None);
            }
        }
        error_expr(span)
    }

    /// `value.name(args)`: a method of the value's type, or a record field
    /// holding a function.
    fn call_member(
        &mut self,
        value: Expr,
        name: &str,
        args: &[ast::Arg],
        callee: &ast::Expr,
        span: Span,
    ) -> Expr {
        if matches!(value.ty, Type::Future(_) | Type::Channel(_)) {
            return self.async_method(value, name, args, span);
        }
        if let Some(m) = self.method_of(value.ty, name) {
            self.note_method_call(m, &span);
            let call = self.call_cell(m, args, Some(value), span.clone());
            if self.async_cells.contains(&m) {
                // An `async cell` method spawns too (async.md §2).
                return self.spawn_checked(call, callee, span);
            }
            return call;
        }
        let is_field = match value.ty {
            Type::Record(n) => self.types.records[n.id as usize]
                .fields
                .iter()
                .any(|fi| fi.name == name),
            _ => false,
        };
        if !is_field {
            if !value.ty.has_error() {
                self.no_method(value.ty, name, span_of(callee));
                // `s.upper` → the receiver `s`.
                let text = ast::AstNode::syntax(callee).text().to_string();
                let receiver = text.rsplit_once('.').map(|(r, _)| r.trim().to_string());
                self.suggest_method(value.ty, name, receiver.as_deref(), !args.is_empty());
            }
            return error_expr(span);
        }
        // A record field holding a function: call its value.
        let fspan = span_of(callee);
        let index = match value.ty {
            Type::Record(n) => self.types.records[n.id as usize]
                .fields
                .iter()
                .position(|fi| fi.name == name),
            _ => None,
        };
        let (Some(i), Type::Record(n)) = (index, value.ty) else {
            return error_expr(span);
        };
        let fty = self.types.records[n.id as usize].fields[i].ty;
        let field = Expr {
            kind: ExprKind::Field(Box::new(value), i as u32),
            ty: fty,
            span: fspan,
        };
        self.call_value(field, args, None, span)
    }

    fn call_cell(
        &mut self,
        cell: CellId,
        args: &[ast::Arg],
        piped: Option<Expr>,
        span: Span,
    ) -> Expr {
        let sig = self.cells[cell.0 as usize].clone();
        if !sig.generics.is_empty() {
            return self.call_generic(cell, args, piped, span);
        }
        let mut slots: Vec<Option<Expr>> = vec![None; sig.params.len()];
        // Where each slot's argument stands in the call as written.
        let mut positions: Vec<SourcePos> = vec![None; sig.params.len()];
        let first_arg = usize::from(piped.is_some());
        let mut positional = 0usize;
        let mut ok = true;
        // `...rest: T`: the positional arguments from its position on, and
        // every spread argument, make up its list.
        let variadic = sig.params.iter().position(|p| p.variadic);
        let rest_elem = variadic.map(|v| match sig.params[v].ty {
            Type::List(e) => *e,
            _ => Type::Error,
        });
        let mut rest: Vec<Part> = Vec::new();
        let mut missing_unknown = false;
        if let Some(value) = piped {
            match sig.params.first() {
                Some(first) if first.variadic => {
                    rest.push(Part::Item(value));
                    positional = 1;
                }
                Some(first) => {
                    let vspan = value.span.clone();
                    slots[0] = Some(self.coerce(value, first.ty, &vspan));
                    positions[0] = Some(0);
                    positional = 1;
                }
                None => {
                    self.error(
                        codes::BAD_ARGUMENTS,
                        format!(
                            "`{}` takes no arguments, so nothing can be piped into it",
                            sig.name
                        ),
                        span.clone(),
                        "piped value has nowhere to go",
                    );
                    ok = false;
                }
            }
        }
        for (at, arg) in args.iter().enumerate() {
            let at = first_arg + at;
            let arg_span = span_of(arg);
            let Some(value) = arg.value() else { continue };
            if arg.is_spread() {
                let (Some(v), Some(elem)) = (variadic, rest_elem) else {
                    self.spread_without_variadic(&format!("`{}`", sig.name), arg_span);
                    self.check_expr(&value, None);
                    ok = false;
                    // How many arguments the spread stood for is unknown.
                    missing_unknown = true;
                    continue;
                };
                positional = positional.max(v + 1);
                positions[v].get_or_insert(at);
                let list = self.check_expr(&value, Some(list_of(elem)));
                let into = format!("the variadic parameter `{}`", sig.params[v].name);
                match self.spread_arg(list, &into) {
                    Some(part) => rest.push(part),
                    None => ok = false,
                }
                continue;
            }
            let index = match arg.name() {
                Some(n) => match sig.params.iter().position(|p| p.name == n.text()) {
                    Some(i) => i,
                    None => {
                        self.push_diagnostic(
                            Diagnostic::error(
                                codes::BAD_ARGUMENTS,
                                format!("`{}` has no parameter named `{}`", sig.name, n.text()),
                                arg_span,
                                "unknown parameter",
                            )
                            .with_label(
                                sig.span.clone(),
                                format!("`{}` is declared here", sig.name),
                            ),
                        );
                        self.check_expr(&value, None);
                        ok = false;
                        continue;
                    }
                },
                None => {
                    let i = positional;
                    positional += 1;
                    if let (Some(v), Some(elem)) = (variadic, rest_elem) {
                        if i >= v {
                            positions[v].get_or_insert(at);
                            rest.push(Part::Item(self.check_expr(&value, Some(elem))));
                            continue;
                        }
                    }
                    if i >= sig.params.len() {
                        self.push_diagnostic(
                            Diagnostic::error(
                                codes::BAD_ARGUMENTS,
                                format!(
                                    "`{}` takes {} argument{} but more were given",
                                    sig.name,
                                    sig.params.len(),
                                    if sig.params.len() == 1 { "" } else { "s" }
                                ),
                                arg_span,
                                "unexpected argument",
                            )
                            .with_label(
                                sig.span.clone(),
                                format!("`{}` is declared here", sig.name),
                            ),
                        );
                        self.check_expr(&value, None);
                        ok = false;
                        continue;
                    }
                    i
                }
            };
            let param_ty = sig.params[index].ty;
            let checked = self.check_expr(&value, Some(param_ty));
            let checked = self.coerce(checked, param_ty, &span_of(&value));
            if slots[index].is_some() {
                self.error(
                    codes::BAD_ARGUMENTS,
                    format!(
                        "parameter `{}` is given more than once",
                        sig.params[index].name
                    ),
                    span_of(arg),
                    "given again here",
                );
                ok = false;
            }
            slots[index] = Some(checked);
            positions[index].get_or_insert(at);
        }
        if let (Some(v), Some(elem)) = (variadic, rest_elem) {
            if slots[v].is_some() && !rest.is_empty() {
                self.error(
                    codes::BAD_ARGUMENTS,
                    format!("parameter `{}` is given more than once", sig.params[v].name),
                    span.clone(),
                    "given by name and by position",
                );
                ok = false;
            } else if slots[v].is_none() {
                slots[v] = Some(self.variadic_list(rest, elem, span.clone()));
            }
        }
        let mut final_args = Vec::new();
        for (i, slot) in slots.into_iter().enumerate() {
            match slot {
                Some(v) => final_args.push(v),
                None => {
                    let param = &sig.params[i];
                    match &param.default {
                        Some(default) => {
                            let value =
                                self.check_default(default, param.ty, sig.module, Some(&span));
                            final_args.push(value);
                        }
                        None if missing_unknown => ok = false,
                        None => {
                            self.push_diagnostic(
                                Diagnostic::error(
                                    codes::BAD_ARGUMENTS,
                                    format!(
                                        "missing argument `{}` in call of `{}`",
                                        param.name, sig.name
                                    ),
                                    span.clone(),
                                    format!("`{}: {}` is not given", param.name, param.ty),
                                )
                                .with_label(param.span.clone(), "parameter declared here"),
                            );
                            ok = false;
                        }
                    }
                }
            }
        }
        let ret = self.cell_ret(cell, span.clone());
        self.log_call(cell, span.clone());
        if !ok {
            return error_expr(span);
        }
        let prelude = self.in_source_order(&mut final_args, &positions);
        let call = Expr {
            kind: ExprKind::Call(cell, final_args),
            ty: ret,
            span,
        };
        Self::after_prelude(prelude, call)
    }

    /// Checks a parameter default in the scope of the declaration (no caller
    /// variables are visible, names are those of `module`, the declaring
    /// one), evaluated afresh at each call. An error in it is labelled at
    /// `call`, the call that uses it, when given: the default's type may be
    /// an instance's (`v: T = 0`), right for one call and wrong for another.
    pub(super) fn check_default(
        &mut self,
        default: &ast::Expr,
        ty: Type,
        module: usize,
        call: Option<&Span>,
    ) -> Expr {
        let saved = std::mem::replace(&mut self.body().scopes, Scopes::new());
        let caller = std::mem::replace(&mut self.current_module, module);
        let first = self.diagnostics.len();
        let value = self.check_expr(default, Some(ty));
        let value = self.coerce(value, ty, &span_of(default));
        self.current_module = caller;
        if let Some(call) = call {
            self.label_default_errors(first, &span_of(default), caller, call);
        }
        self.body().scopes = saved;
        value
    }

    fn call_builtin(
        &mut self,
        name: &str,
        args: &[ast::Arg],
        piped: Option<Expr>,
        span: Span,
    ) -> Expr {
        let mut values: Vec<Expr> = piped.into_iter().collect();
        for arg in args {
            let Some(v) = arg.value() else { continue };
            // `append(xs, item)`: the item is checked as an element.
            let hint = match (name, values.as_slice()) {
                ("append", [list]) => match list.ty {
                    Type::List(elem) => Some(*elem),
                    _ => None,
                },
                _ => None,
            };
            values.push(self.check_expr(&v, hint));
        }
        self.call_builtin_values(name, values, span)
    }

    /// A builtin applied to checked argument values, or `None` for builtins
    /// that cannot be called this way (those taking functions, results,
    /// printing): the body of a builtin used as a function value.
    pub(super) fn builtin_with_values(
        &mut self,
        name: &str,
        values: Vec<Expr>,
        span: Span,
    ) -> Option<Expr> {
        if builtins::is(name, builtins::CORE) {
            return Some(self.call_builtin_values(name, values, span));
        }
        if name == "fetch" {
            return Some(self.fetch_values(values, span));
        }
        let sources = || values.iter().cloned().map(ArgSource::Value).collect();
        if builtins::is(name, builtins::RESULT) {
            return Some(self.result_builtin(name, sources(), None, span));
        }
        if builtins::is(name, builtins::HIGHER_ORDER) {
            return Some(self.higher_order(name, sources(), None, span));
        }
        let is_collection = builtins::is(name, builtins::COLLECTION);
        if is_collection {
            match self.collection_builtin(name, values, span.clone()) {
                Ok(e) => return Some(e),
                Err(back) if builtins::is(name, builtins::LIBRARY) => {
                    return Some(self.check_library(name, back, span))
                }
                Err(_) => return None,
            }
        }
        if builtins::is(name, builtins::LIBRARY) {
            return Some(self.check_library(name, values, span));
        }
        None
    }

    fn call_builtin_values(&mut self, name: &str, mut values: Vec<Expr>, span: Span) -> Expr {
        let arity = |this: &mut Self, n: usize, values: &[Expr]| -> bool {
            if values.len() != n {
                this.error(
                    codes::BAD_ARGUMENTS,
                    format!(
                        "`{name}` takes {n} argument{} but {} {} given",
                        if n == 1 { "" } else { "s" },
                        values.len(),
                        if values.len() == 1 { "was" } else { "were" }
                    ),
                    span.clone(),
                    "wrong number of arguments",
                );
                false
            } else {
                true
            }
        };
        for v in &values {
            if v.ty == Type::Never {
                self.not_supported("an argument that never produces a value", v.span.clone());
                return error_expr(span);
            }
        }
        match name {
            "print" | "eprint" => {
                let builtin = if name == "print" {
                    Builtin::Print
                } else {
                    Builtin::Eprint
                };
                Expr {
                    kind: ExprKind::Builtin(builtin, values),
                    ty: Type::Null,
                    span,
                }
            }
            "json_encode" | "json_pretty" => {
                if !arity(self, 1, &values) {
                    return error_expr(span);
                }
                let pretty = name == "json_pretty";
                Expr {
                    kind: ExprKind::Builtin(Builtin::JsonEncode { pretty }, values),
                    ty: Type::Str,
                    span,
                }
            }
            "json_parse" => self.check_json_parse(values, span),
            "to_string" | "string" => {
                if !arity(self, 1, &values) {
                    return error_expr(span);
                }
                Expr {
                    kind: ExprKind::Builtin(Builtin::ToString, values),
                    ty: Type::Str,
                    span,
                }
            }
            "len" | "length" => {
                if !arity(self, 1, &values) {
                    return error_expr(span);
                }
                match values[0].ty {
                    Type::Str => Expr {
                        kind: ExprKind::Builtin(Builtin::StrLen, values),
                        ty: Type::Int,
                        span,
                    },
                    Type::Bytes => Expr {
                        kind: ExprKind::Builtin(Builtin::BytesLen, values),
                        ty: Type::Int,
                        span,
                    },
                    Type::List(_) => Expr {
                        kind: ExprKind::Builtin(Builtin::ListLen, values),
                        ty: Type::Int,
                        span,
                    },
                    Type::Map(..) => Expr {
                        kind: ExprKind::Collection(crate::hir::CollectionOp::MapLen, values),
                        ty: Type::Int,
                        span,
                    },
                    Type::Set(_) => Expr {
                        kind: ExprKind::Collection(crate::hir::CollectionOp::SetLen, values),
                        ty: Type::Int,
                        span,
                    },
                    Type::Tuple(elems) => {
                        let n = elems.len() as i64;
                        tuple_length(values.remove(0), n, span)
                    }
                    Type::Error => error_expr(span),
                    other => {
                        self.error(
                            codes::MISMATCHED_TYPES,
                            format!("`{name}` needs a string or a collection, not `{other}`"),
                            values[0].span.clone(),
                            "has no length",
                        );
                        if other == Type::Json {
                            self.push_help(
                                "narrow it first: `if j is list[Json]` or `if j is map[String, Json]`"
                                    .to_string(),
                            );
                        }
                        error_expr(span)
                    }
                }
            }
            "is_empty" => {
                if !arity(self, 1, &values) {
                    return error_expr(span);
                }
                use crate::hir::CollectionOp;
                let values_ty = values[0].ty;
                let len_kind = |values| match values_ty {
                    Type::Str => Some(ExprKind::Builtin(Builtin::StrLen, values)),
                    Type::Bytes => Some(ExprKind::Builtin(Builtin::BytesLen, values)),
                    Type::List(_) => Some(ExprKind::Builtin(Builtin::ListLen, values)),
                    Type::Map(..) => Some(ExprKind::Collection(CollectionOp::MapLen, values)),
                    Type::Set(_) => Some(ExprKind::Collection(CollectionOp::SetLen, values)),
                    _ => None,
                };
                let len = match values_ty {
                    // A tuple is never empty (it has at least one element).
                    Type::Tuple(elems) => {
                        tuple_length(values.remove(0), elems.len() as i64, span.clone())
                    }
                    t if t.has_error() => return error_expr(span),
                    other => match len_kind(values) {
                        Some(kind) => Expr {
                            kind,
                            ty: Type::Int,
                            span: span.clone(),
                        },
                        None => {
                            self.error(
                                codes::MISMATCHED_TYPES,
                                format!("`is_empty` needs a string or a collection, not `{other}`"),
                                span.clone(),
                                "has no length",
                            );
                            return error_expr(span);
                        }
                    },
                };
                let zero = Expr {
                    kind: ExprKind::Int(0),
                    ty: Type::Int,
                    span: span.clone(),
                };
                Expr {
                    kind: ExprKind::Binary(crate::hir::BinaryOp::Eq, Box::new(len), Box::new(zero)),
                    ty: Type::Bool,
                    span,
                }
            }
            "append" => {
                if !arity(self, 2, &values) {
                    return error_expr(span);
                }
                let item = values.pop().unwrap_or_else(|| error_expr(span.clone()));
                let list = values.pop().unwrap_or_else(|| error_expr(span.clone()));
                match list.ty {
                    Type::List(elem) => {
                        self.list_use(&list, item.ty);
                        let ispan = item.span.clone();
                        let item = self.coerce(item, *elem, &ispan);
                        Expr {
                            ty: list.ty,
                            kind: ExprKind::Builtin(Builtin::Append, vec![list, item]),
                            span,
                        }
                    }
                    t if t.has_error() => error_expr(span),
                    other => {
                        self.error(
                            codes::MISMATCHED_TYPES,
                            format!("`append` needs a list, not `{other}`"),
                            list.span.clone(),
                            "not a list",
                        );
                        error_expr(span)
                    }
                }
            }
            "exit" => {
                if !arity(self, 1, &values) {
                    return error_expr(span);
                }
                let v = values.remove(0);
                let vspan = v.span.clone();
                let code = self.expect_type(
                    v,
                    Type::Int,
                    &vspan,
                    "`exit` takes the exit status as an `Int`",
                );
                Expr {
                    kind: ExprKind::Builtin(Builtin::Exit, vec![code]),
                    ty: Type::Never,
                    span,
                }
            }
            _ => {
                self.not_supported(&format!("the builtin `{name}`"), span.clone());
                error_expr(span)
            }
        }
    }

    /// Names bound by top-level `let` statements.
    pub(crate) fn top_level_names(&self) -> Vec<String> {
        self.top_level
            .iter()
            .filter_map(|s| match s {
                ast::Stmt::Let(l) => match l.pattern()? {
                    ast::Pattern::Ident(p) => p.name().map(|n| n.text()),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }
}

/// `len(t)` of a tuple: its static length, after evaluating `t`.
fn tuple_length(tuple: Expr, n: i64, span: Span) -> Expr {
    let stmts = vec![crate::hir::Stmt {
        span: tuple.span.clone(),
        kind: crate::hir::StmtKind::Expr(tuple),
    }];
    Expr {
        kind: ExprKind::Block(crate::hir::Block {
            stmts,
            tail: Some(Box::new(Expr {
                kind: ExprKind::Int(n),
                ty: Type::Int,
                span: span.clone(),
            })),
        }),
        ty: Type::Int,
        span,
    }
}
