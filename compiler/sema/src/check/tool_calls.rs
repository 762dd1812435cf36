//! Tool calls (tools.md §1, tools-details §6–10) and `fetch(url)`
//! (tools.md §4): named arguments checked against the tool's parameters,
//! the result type taken from the context, and the `hir::ToolCall` the
//! runtime call is made from.
//!
//! **Result typing.** The caller passes the type its context expects (an
//! annotation, a parameter, a return type, a record field or named argument,
//! a list element, the value of a `spawn`/`timeout` operand or of `try e`,
//! and a `match` whose arms are all constructors of one type, see
//! [`Checker::match_context_type`]). `String` gets the raw reply; a type
//! that has a JSON form gets the reply parsed and checked by the runtime;
//! no context — or one that cannot choose (a type variable, a union with
//! `String`, a type without a JSON form) — gives `String` for `llm.*`,
//! `HttpResponse` for `http.*` and `Json` for other tools, and the usual
//! mismatch, if any, is reported by the context.

use std::collections::HashSet;

use lumen_diagnostics::{Diagnostic, Span};
use lumen_syntax::ast;

use super::build::error_expr;
use super::build::{expr, unparen};
use super::tool_kinds::{tool_params, ArgType, ToolAlias, ToolKind};
use super::{codes, span_of, Checker};
use crate::hir::{self, Expr, ExprKind};
use crate::types::{future_of, list_of, map_of, Type};

impl Checker {
    fn arg_type(&self, t: ArgType) -> Type {
        match t {
            ArgType::Str => Type::Str,
            ArgType::Int => Type::Int,
            ArgType::Float => Type::Float,
            ArgType::Messages => list_of(self.tools.message.unwrap_or(Type::Error)),
            ArgType::Headers => map_of(Type::Str, Type::Str),
        }
    }

    /// The tool alias a call's callee names, if it is one.
    pub(super) fn called_tool(&mut self, call: &ast::CallExpr) -> Option<ToolAlias> {
        match call.callee()? {
            ast::Expr::Name(n) => self.tool_alias(&n.text()),
            _ => None,
        }
    }

    /// Whether `e` (parentheses aside) is a call of a tool alias.
    pub(super) fn is_tool_call(&mut self, e: &ast::Expr) -> bool {
        match unparen(e.clone()) {
            ast::Expr::Call(c) => self.called_tool(&c).is_some(),
            _ => false,
        }
    }

    /// A call of the tool `alias` with `args` (after a piped value, which
    /// is a positional argument and so an error), where `expected` is the
    /// type the context wants.
    pub(super) fn check_tool_call(
        &mut self,
        alias: &ToolAlias,
        args: &[ast::Arg],
        piped: Option<Expr>,
        expected: Option<Type>,
        span: Span,
    ) -> Expr {
        if self.deterministic {
            self.not_deterministic(&alias.name, span.clone());
            return error_expr(span);
        }
        let params = tool_params(alias.kind);
        let mut ok = true;
        if let Some(p) = &piped {
            self.positional_tool_arg(alias, p.span.clone());
            ok = false;
        }
        let mut given: Vec<(String, Expr)> = Vec::new();
        for arg in args {
            let arg_span = span_of(arg);
            let Some(value) = arg.value() else { continue };
            if arg.is_spread() {
                self.error(
                    codes::BAD_TOOL_CALL,
                    "a tool call takes named arguments, not a spread",
                    arg_span,
                    "spread not allowed here",
                );
                self.check_expr(&value, None);
                ok = false;
                continue;
            }
            let Some(name) = arg.name().map(|n| n.text()) else {
                self.positional_tool_arg(alias, arg_span);
                self.check_expr(&value, None);
                ok = false;
                continue;
            };
            if given.iter().any(|(n, _)| *n == name) {
                self.error(
                    codes::BAD_TOOL_CALL,
                    format!("the argument `{name}` is given twice"),
                    arg_span,
                    "given again here",
                );
                self.check_expr(&value, None);
                ok = false;
                continue;
            }
            let wanted = match params {
                Some(list) => match list.iter().find(|(n, _)| *n == name) {
                    Some((_, t)) => Some(self.arg_type(*t)),
                    None => {
                        self.error(
                            codes::BAD_TOOL_CALL,
                            format!("`{}` ({}) has no argument `{name}`", alias.name, alias.id),
                            span_of(arg),
                            "unknown argument",
                        );
                        self.push_help(format!(
                            "the arguments of {} are {}",
                            alias.id,
                            list.iter()
                                .map(|(n, _)| format!("`{n}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                        self.check_expr(&value, None);
                        ok = false;
                        continue;
                    }
                },
                // Other tools: any argument, `timeout_ms` an `Int`.
                None if name == "timeout_ms" => Some(Type::Int),
                None => None,
            };
            let v = self.check_expr(&value, wanted);
            let v = match wanted {
                Some(t) => self.coerce(v, t, &span_of(&value)),
                None => v,
            };
            if wanted.is_none() && !self.json_encodable(v.ty, &mut HashSet::new()) {
                self.error(
                    codes::BAD_TOOL_CALL,
                    format!("the argument `{name}` of `{}` has no JSON form", alias.name),
                    span_of(&value),
                    format!("a `{}` cannot be sent", v.ty),
                );
                ok = false;
            }
            if v.ty.has_error() {
                ok = false;
            }
            given.push((name, v));
        }
        let has = |n: &str| given.iter().any(|(g, _)| g == n);
        let conversation = match alias.kind {
            ToolKind::Llm => self
                .lookup_var(super::roles::CONVERSATION)
                .map(|v| self.read_var(v, &span)),
            _ => None,
        };
        if alias.kind == ToolKind::Llm
            && ok
            && !has("prompt")
            && !has("messages")
            && conversation.is_none()
        {
            self.error(
                codes::BAD_TOOL_CALL,
                format!("`{}` has nothing to send", alias.name),
                span.clone(),
                "no `prompt:`, no `messages:` and no `role` block in this cell",
            );
            self.push_help(format!("give a prompt: `{}(prompt: \"…\")`", alias.name));
            ok = false;
        }
        if alias.kind == ToolKind::Http && ok && !has("url") {
            self.error(
                codes::BAD_TOOL_CALL,
                format!("`{}` needs a `url:`", alias.name),
                span.clone(),
                "no `url:` given",
            );
            self.push_help(format!("`{}(url: \"https://…\")`", alias.name));
            ok = false;
        }
        let Some(ty) = self.tool_result_type(alias, expected, &span) else {
            return error_expr(span);
        };
        let effect = self.alias_effect(alias);
        self.log_effect(effect, span.clone(), format!("`{}(…)`", alias.name));
        if !ok {
            return error_expr(span);
        }
        let site = self.tool_site(Some(alias));
        let args = if given.is_empty() {
            None
        } else {
            let fields: Vec<(String, Type)> =
                given.iter().map(|(n, v)| (n.clone(), v.ty)).collect();
            let record_ty = self.arg_record(fields);
            let values = given.into_iter().map(|(_, v)| v).collect();
            Some(Box::new(expr(ExprKind::Record(values), record_ty, &span)))
        };
        expr(
            ExprKind::Tool(hir::ToolCall {
                site,
                args,
                conversation: conversation.map(Box::new),
                hooks: self.reply_hooks(ty, &span),
            }),
            ty,
            &span,
        )
    }

    /// A call of the tool `alias` with arguments already checked (a bound
    /// `perform`, tools-details §66): named `given`, result `expected`, no
    /// conversation (§69).
    pub(super) fn tool_call_values(
        &mut self,
        alias: &ToolAlias,
        given: Vec<(String, Expr)>,
        expected: Type,
        span: &Span,
    ) -> Option<Expr> {
        let ty = self.tool_result_type(alias, Some(expected), span)?;
        let site = self.tool_site(Some(alias));
        let args = if given.is_empty() {
            None
        } else {
            let fields: Vec<(String, Type)> =
                given.iter().map(|(n, v)| (n.clone(), v.ty)).collect();
            let record_ty = self.arg_record(fields);
            let values = given.into_iter().map(|(_, v)| v).collect();
            Some(Box::new(expr(ExprKind::Record(values), record_ty, span)))
        };
        let call = expr(
            ExprKind::Tool(hir::ToolCall {
                site,
                args,
                conversation: None,
                hooks: self.reply_hooks(ty, span),
            }),
            ty,
            span,
        );
        Some(self.coerce(call, expected, span))
    }

    /// Whether values of `ty` can be sent as JSON (the arguments of other
    /// tools): no functions, futures or channels, in fields and payloads
    /// too.
    fn json_encodable(&self, ty: Type, seen: &mut HashSet<Type>) -> bool {
        if !seen.insert(ty) {
            return true;
        }
        match ty {
            Type::Fn(_) | Type::Future(_) | Type::Channel(_) => false,
            Type::List(e) | Type::Set(e) => self.json_encodable(*e, seen),
            Type::Map(k, v) | Type::Result(k, v) => {
                self.json_encodable(*k, seen) && self.json_encodable(*v, seen)
            }
            Type::Tuple(m) | Type::Union(m) => m.iter().all(|t| self.json_encodable(*t, seen)),
            Type::Record(n) => self.types.records[n.id as usize]
                .fields
                .iter()
                .all(|f| self.json_encodable(f.ty, seen)),
            Type::Enum(n) => self.types.enums[n.id as usize]
                .variants
                .iter()
                .flat_map(|v| v.fields.iter())
                .all(|(_, t)| self.json_encodable(*t, seen)),
            _ => true,
        }
    }

    fn read_var(&mut self, v: hir::VarId, span: &Span) -> Expr {
        self.body().used.insert(v);
        let ty = self.body().vars[v.0 as usize].ty;
        expr(ExprKind::Var(v), ty, span)
    }

    fn positional_tool_arg(&mut self, alias: &ToolAlias, span: Span) {
        self.error(
            codes::BAD_TOOL_CALL,
            "tool calls take named arguments",
            span,
            "an argument without a name",
        );
        let example = match alias.kind {
            ToolKind::Llm => format!("`{}(prompt: \"hi\")`", alias.name),
            ToolKind::Http | ToolKind::Fetch => format!("`{}(url: \"https://…\")`", alias.name),
            ToolKind::Other => format!("`{}(query: \"…\")`", alias.name),
        };
        self.push_help(format!("name it, as in {example}"));
    }

    /// The result type of a call of `alias` where `expected` is wanted;
    /// `None` after an error.
    pub(super) fn tool_result_type(
        &mut self,
        alias: &ToolAlias,
        expected: Option<Type>,
        span: &Span,
    ) -> Option<Type> {
        let default = match alias.kind {
            ToolKind::Llm => Type::Str,
            ToolKind::Http => self.tools.http_response.unwrap_or(Type::Error),
            ToolKind::Other | ToolKind::Fetch => Type::Json,
        };
        let Some(t) = expected else {
            return Some(default);
        };
        Some(match t {
            Type::Result(ok, _) => {
                self.error(
                    codes::BAD_TOOL_CALL,
                    format!("a tool call gives its reply, not a `{t}`"),
                    span.clone(),
                    "a failed call fails the task",
                );
                let ok = if *ok == Type::Never {
                    "T".to_string()
                } else {
                    ok.to_string()
                };
                self.push_help(format!(
                    "catch the failure with `try`: `try {}(…)` is a `result[{ok}, String]`",
                    alias.name
                ));
                return None;
            }
            t if t.has_error() => default,
            // The runtime knows the built-in `HttpResponse` by its name: a
            // program's own record of that name cannot receive a reply.
            Type::Record(n) if n.name == "HttpResponse" && Some(t) != self.tools.http_response => {
                self.error(
                    codes::BAD_TOOL_CALL,
                    "this program's own `HttpResponse` cannot receive a tool's reply",
                    span.clone(),
                    "it shadows the built-in `HttpResponse`",
                );
                self.push_help("rename the record".to_string());
                return None;
            }
            Type::Json => Type::Json,
            Type::Union(members) if members.contains(&Type::Str) => default,
            Type::Null | Type::Never => default,
            t if self
                .decodable(t, &mut HashSet::new(), &mut Vec::new())
                .is_ok() =>
            {
                t
            }
            _ => default,
        })
    }

    /// `fetch(url)`: a `Future[String]` (tools.md §4); the request starts at
    /// once (tools-details §56).
    pub(super) fn check_fetch(
        &mut self,
        args: &[ast::Arg],
        piped: Option<Expr>,
        span: Span,
    ) -> Expr {
        let mut values: Vec<Expr> = piped.into_iter().collect();
        for arg in args {
            let Some(v) = arg.value() else { continue };
            if arg.name().is_some() || arg.is_spread() {
                self.error(
                    codes::BAD_ARGUMENTS,
                    "`fetch` takes one plain argument: the URL",
                    span_of(arg),
                    "unexpected argument form",
                );
                self.push_help(
                    "bound the wait with `timeout(ms, fn() => await fetch(url))`".to_string(),
                );
            }
            let value = self.check_expr(&v, Some(Type::Str));
            let vspan = span_of(&v);
            values.push(self.expect_type(value, Type::Str, &vspan, "`fetch` takes a URL"));
        }
        self.fetch_values(values, span)
    }

    /// `fetch` applied to checked arguments (also the body of `fetch` used
    /// as a function value).
    pub(super) fn fetch_values(&mut self, mut values: Vec<Expr>, span: Span) -> Expr {
        if values.len() != 1 {
            self.error(
                codes::BAD_ARGUMENTS,
                format!("`fetch` takes 1 argument but {} were given", values.len()),
                span.clone(),
                "expected `fetch(url)`",
            );
            return error_expr(span);
        }
        self.log_effect("http".to_string(), span.clone(), "`fetch(…)`".to_string());
        let url = values.remove(0);
        if url.ty.has_error() {
            return error_expr(span);
        }
        let site = self.tool_site(None);
        expr(
            ExprKind::Fetch {
                url: Box::new(url),
                site,
            },
            future_of(Type::Str),
            &span,
        )
    }

    /// A tool alias used as a value (tools-details §9).
    pub(super) fn alias_as_value(&mut self, alias: &ToolAlias, span: Span) -> Expr {
        let arg = match alias.kind {
            ToolKind::Llm => "prompt",
            ToolKind::Http | ToolKind::Fetch => "url",
            ToolKind::Other => "query",
        };
        self.push_diagnostic(
            Diagnostic::error(
                codes::BAD_TOOL_CALL,
                format!("the tool alias `{}` is not a value", alias.name),
                span.clone(),
                "tools are called, not passed around",
            )
            .with_label(
                alias.span.clone(),
                format!("`{}` is declared here", alias.name),
            ),
        );
        self.push_help(format!(
            "wrap the call in a function: `fn(x) => {}({arg}: x)`",
            alias.name
        ));
        error_expr(span)
    }

    /// The type a `match` on a tool call gives it (tools-details §10): the
    /// enum or record every arm's patterns construct, else none.
    pub(super) fn match_context_type(&mut self, m: &ast::MatchExpr) -> Option<Type> {
        let mut found: Option<Type> = None;
        let mut any = false;
        for arm in m.arms() {
            for p in arm.patterns() {
                for segments in ctor_patterns(p)? {
                    let t = self.ctor_pattern_type(&segments)?;
                    if found.is_some_and(|f| f != t) {
                        return None;
                    }
                    found = Some(t);
                    any = true;
                }
            }
        }
        found.filter(|_| any)
    }

    /// The type a constructor pattern (its path's segments) constructs.
    fn ctor_pattern_type(&mut self, segments: &[String]) -> Option<Type> {
        match segments {
            [name] => {
                if let Some(t @ Type::Record(_)) = self.types.by_name.get(&self.key(name)).copied()
                {
                    return Some(t);
                }
                let candidates = self.types.variants.get(name)?.clone();
                match candidates.as_slice() {
                    [(e, _)] => Some(self.enum_type(*e)),
                    _ => None,
                }
            }
            [enum_name, _variant] => match self.types.by_name.get(&self.key(enum_name)).copied() {
                Some(t @ Type::Enum(_)) => Some(t),
                _ => None,
            },
            _ => None,
        }
    }
}

/// The paths of the constructor patterns of an arm pattern (a bare name
/// counts: it is a variant when one has that name, which the caller
/// checks), or `None` when it is anything else (a literal, a type test,
/// `_`).
fn ctor_patterns(p: ast::Pattern) -> Option<Vec<Vec<String>>> {
    match p {
        ast::Pattern::Ctor(c) => Some(vec![c.path()?.segments().map(|s| s.text()).collect()]),
        ast::Pattern::Ident(i) => Some(vec![vec![i.name()?.text()]]),
        ast::Pattern::Paren(p) => ctor_patterns(p.pattern()?),
        ast::Pattern::Or(o) => {
            let mut all = Vec::new();
            for alt in o.alternatives() {
                all.extend(ctor_patterns(alt)?);
            }
            Some(all)
        }
        _ => None,
    }
}
