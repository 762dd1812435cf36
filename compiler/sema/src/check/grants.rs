//! Grants (tools.md §2; tools-details §4–5, §18–19): each `grant` pair is
//! checked against its tool when compiled — the target, the key, the
//! value's type and range, `domain` patterns, constants resolved to their
//! values — and the pairs that apply to a call are merged into the call's
//! *site* JSON (later values win, domains accumulate in grant order).

use lumen_syntax::ast;

use super::tool_kinds::{GrantValue, ToolAlias, ToolKind, ToolScope, GRANT_KEYS};
use super::{codes, span_of, Checker};
use crate::hir::{self, ExprKind};

impl Checker {
    pub(super) fn declare_grants(
        &mut self,
        scope: &mut ToolScope,
        grants: &[ast::Grant],
        outer: Option<&ToolScope>,
    ) {
        for g in grants {
            let Some(target) = g.target() else { continue };
            let name = target.text();
            let kind = if name == "fetch" {
                ToolKind::Fetch
            } else {
                match scope
                    .aliases
                    .get(&name)
                    .or_else(|| outer.and_then(|o| o.aliases.get(&name)))
                {
                    Some(alias) => alias.kind,
                    None => {
                        self.error(
                            codes::BAD_GRANT,
                            format!("`grant` names `{name}`, which is not a tool alias here"),
                            span_of(&target),
                            "no `use tool … as` declares it in this scope",
                        );
                        self.push_help(format!(
                            "declare it first: `use tool llm.chat as {name}` (a grant applies to a declared alias, or to `fetch`)"
                        ));
                        continue;
                    }
                }
            };
            let id = scope
                .aliases
                .get(&name)
                .or_else(|| outer.and_then(|o| o.aliases.get(&name)))
                .map(|a| a.id.clone())
                .unwrap_or_else(|| "fetch".to_string());
            for entry in g.entries() {
                let Some(key) = entry.key() else { continue };
                let key_text = key.text();
                let valid = kind.grant_keys();
                if !valid.contains(&key_text.as_str()) {
                    let message = if GRANT_KEYS.contains(&key_text.as_str()) && name == id {
                        format!("the grant key `{key_text}` does not apply to `{name}`")
                    } else if GRANT_KEYS.contains(&key_text.as_str()) {
                        format!("the grant key `{key_text}` does not apply to `{name}` ({id})")
                    } else {
                        format!("unknown grant key `{key_text}`")
                    };
                    self.error(
                        codes::BAD_GRANT,
                        message,
                        span_of(&key),
                        "not a key of this tool",
                    );
                    self.push_help(format!(
                        "the keys of `{name}` are {}",
                        valid
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                    continue;
                }
                let Some(value) = entry.value() else { continue };
                if let Some(v) = self.grant_value(&key_text, &value) {
                    scope.grants.push((name.clone(), key_text, v));
                }
            }
        }
    }

    /// The value of one grant pair, checked against its key; `None` after
    /// an error.
    fn grant_value(&mut self, key: &str, value: &ast::Expr) -> Option<GrantValue> {
        let span = span_of(value);
        let raw = match value {
            ast::Expr::Name(n) => {
                let name = n.text();
                let const_key = self.key(&name);
                if !self.const_syntax.contains_key(&const_key) {
                    self.error(
                        codes::BAD_GRANT,
                        format!("`{name}` is not a top-level constant"),
                        span,
                        "a grant value is a literal or a constant's name",
                    );
                    return None;
                }
                let v = self.const_value(&const_key, span.clone())?;
                match fold_constant(&v) {
                    Some(folded) => folded,
                    None if v.ty.has_error() => return None,
                    None => {
                        self.error(
                            codes::BAD_GRANT,
                            format!(
                                "the constant `{name}` is a `{}`, which no grant takes",
                                v.ty
                            ),
                            span,
                            "a grant value is a String, an Int or a Float",
                        );
                        return None;
                    }
                }
            }
            ast::Expr::Literal(_) | ast::Expr::String(_) | ast::Expr::Prefix(_) => {
                self.bodies.push(super::Body::new(None));
                let v = self.check_expr(value, None);
                self.bodies.pop();
                match fold_constant(&v) {
                    Some(folded) => folded,
                    None if v.ty.has_error() => return None,
                    None => {
                        self.error(
                            codes::BAD_GRANT,
                            "a grant value must be known when the program is compiled",
                            span,
                            "not a literal",
                        );
                        return None;
                    }
                }
            }
            _ => {
                self.error(
                    codes::BAD_GRANT,
                    "a grant value is a literal or the name of a top-level constant",
                    span,
                    "not a literal",
                );
                return None;
            }
        };
        let type_name = |v: &GrantValue| match v {
            GrantValue::Str(_) => "String",
            GrantValue::Int(_) => "Int",
            GrantValue::Float(_) => "Float",
        };
        let wanted = match key {
            "model" | "domain" => "String",
            "temperature" => "Float",
            _ => "Int",
        };
        let value = match (wanted, raw) {
            ("Float", GrantValue::Int(i)) => GrantValue::Float(i as f64),
            (_, v) => v,
        };
        if type_name(&value) != wanted {
            self.error(
                codes::BAD_GRANT,
                format!("`{key}` takes {} `{wanted}`", article(wanted)),
                span,
                format!(
                    "this is {} `{}`",
                    article(type_name(&value)),
                    type_name(&value)
                ),
            );
            return None;
        }
        let problem = match (&value, key) {
            (GrantValue::Int(i), "max_tokens" | "timeout_ms") if *i <= 0 => {
                Some(format!("`{key}` must be positive"))
            }
            (GrantValue::Int(i), "max_retries") if *i < 0 => {
                Some("`max_retries` must be zero or more".to_string())
            }
            (GrantValue::Str(s), "model") if s.is_empty() => {
                Some("`model` needs a model name".to_string())
            }
            (GrantValue::Str(s), "domain") => domain_problem(s).map(str::to_string),
            _ => None,
        };
        if let Some(problem) = problem {
            self.error(codes::BAD_GRANT, problem, span, "not allowed here");
            if key == "domain" {
                self.push_help(
                    "a domain is a host name (`api.example.com`) or `*.` and a suffix (`*.example.com`)"
                        .to_string(),
                );
            }
            return None;
        }
        Some(value)
    }

    /// The site JSON of a call of `alias` (or of `fetch` when `None`) in the
    /// current scope: the grants of the alias's own scope, refined by those
    /// of each inner scope down to the cell's, file → agent → cell
    /// (tools-details §18).
    pub(super) fn tool_site(&self, alias: Option<&ToolAlias>) -> String {
        let (id, name) = match alias {
            Some(a) => (a.id.as_str(), a.name.as_str()),
            None => ("fetch", "fetch"),
        };
        let module = self.tools.modules.get(self.current_module);
        let cell = self.tools.cells.last();
        let mut pairs: Vec<&(String, String, GrantValue)> = Vec::new();
        let in_cell = alias.is_some_and(|a| a.in_cell);
        let in_agent = alias.is_some_and(|a| a.in_agent);
        if !in_cell && !in_agent {
            pairs.extend(module.iter().flat_map(|s| s.grants.iter()));
        }
        if !in_cell {
            pairs.extend(
                self.current_agent_tools()
                    .iter()
                    .flat_map(|s| s.grants.iter()),
            );
        }
        pairs.extend(cell.iter().flat_map(|s| s.grants.iter()));
        let mut merged: Vec<(&str, GrantValue)> = Vec::new();
        let mut domains: Vec<String> = Vec::new();
        for (_, key, value) in pairs.into_iter().filter(|(t, _, _)| t == name) {
            if key == "domain" {
                if let GrantValue::Str(d) = value {
                    if !domains.contains(d) {
                        domains.push(d.clone());
                    }
                }
                continue;
            }
            match merged.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1 = value.clone(),
                None => merged.push((key.as_str(), value.clone())),
            }
        }
        let mut grants = Vec::new();
        for key in GRANT_KEYS {
            if *key == "domain" {
                if !domains.is_empty() {
                    let list: Vec<String> = domains.iter().map(|d| json_string(d)).collect();
                    grants.push(format!("\"domain\":[{}]", list.join(",")));
                }
                continue;
            }
            if let Some((_, v)) = merged.iter().find(|(k, _)| k == key) {
                let text = match v {
                    GrantValue::Str(s) => json_string(s),
                    GrantValue::Int(i) => i.to_string(),
                    GrantValue::Float(f) => json_float(*f),
                };
                grants.push(format!("\"{key}\":{text}"));
            }
        }
        format!(
            "{{\"tool\":{},\"alias\":{},\"grants\":{{{}}}}}",
            json_string(id),
            json_string(name),
            grants.join(",")
        )
    }
}

fn article(type_name: &str) -> &'static str {
    if type_name == "Int" {
        "an"
    } else {
        "a"
    }
}

/// Why a `domain` pattern is not accepted (tools-details §4, §23).
fn domain_problem(p: &str) -> Option<&'static str> {
    if p.is_empty() {
        return Some("a `domain` pattern cannot be empty");
    }
    if p.contains("://") {
        return Some("a `domain` pattern is a host name, without a scheme");
    }
    if p.contains('/') {
        return Some("a `domain` pattern is a host name, without a path");
    }
    if p.chars().any(char::is_whitespace) {
        return Some("a `domain` pattern cannot contain spaces");
    }
    if p == "*" {
        return Some("a bare `*` would allow every host; leave out the `domain` grant instead");
    }
    if p.contains('*') && !(p.starts_with("*.") && p.len() > 2 && !p[2..].contains('*')) {
        return Some("`*` may only stand for the labels before a suffix, as in `*.example.com`");
    }
    if p.starts_with('[') {
        return Some("an IPv6 address is written without brackets (`::1`)");
    }
    if p.matches(':').count() == 1 {
        return Some("a `domain` pattern is a host name, without a port");
    }
    None
}

/// The value of a checked constant expression made of literals (and the
/// arithmetic a `const` may use).
fn fold_constant(e: &hir::Expr) -> Option<GrantValue> {
    use crate::hir::{BinaryOp, CastKind, UnaryOp};
    Some(match &e.kind {
        ExprKind::Int(i) => GrantValue::Int(*i),
        ExprKind::Float(f) => GrantValue::Float(*f),
        ExprKind::Str(s) => GrantValue::Str(s.clone()),
        ExprKind::Cast(CastKind::IntToFloat, x) => match fold_constant(x)? {
            GrantValue::Int(i) => GrantValue::Float(i as f64),
            other => other,
        },
        ExprKind::Unary(UnaryOp::Neg, x) => match fold_constant(x)? {
            GrantValue::Int(i) => GrantValue::Int(i.checked_neg()?),
            GrantValue::Float(f) => GrantValue::Float(-f),
            GrantValue::Str(_) => return None,
        },
        ExprKind::Binary(op, l, r) => match (fold_constant(l)?, fold_constant(r)?) {
            (GrantValue::Int(a), GrantValue::Int(b)) => GrantValue::Int(match op {
                BinaryOp::Add => a.checked_add(b)?,
                BinaryOp::Sub => a.checked_sub(b)?,
                BinaryOp::Mul => a.checked_mul(b)?,
                _ => return None,
            }),
            (GrantValue::Float(a), GrantValue::Float(b)) => GrantValue::Float(match op {
                BinaryOp::Add => a + b,
                BinaryOp::Sub => a - b,
                BinaryOp::Mul => a * b,
                BinaryOp::Div => a / b,
                _ => return None,
            }),
            (GrantValue::Str(a), GrantValue::Str(b)) if *op == BinaryOp::Concat => {
                GrantValue::Str(a + &b)
            }
            _ => return None,
        },
        ExprKind::Interpolation(parts) => {
            let mut text = String::new();
            for p in parts {
                match p {
                    hir::InterpPart::Text(t) => text.push_str(t),
                    hir::InterpPart::Value(v, None) => match fold_constant(v)? {
                        GrantValue::Str(s) => text.push_str(&s),
                        GrantValue::Int(i) => text.push_str(&i.to_string()),
                        GrantValue::Float(_) => return None,
                    },
                    hir::InterpPart::Value(_, Some(_)) => return None,
                }
            }
            GrantValue::Str(text)
        }
        _ => return None,
    })
}

/// A JSON string literal.
pub(crate) fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Float as JSON, always with a fraction or exponent so it reads back as
/// a Float (`1.0`, `0.2`: Rust's shortest round-trip form).
fn json_float(f: f64) -> String {
    if f.is_finite() {
        format!("{f:?}")
    } else {
        "null".to_string()
    }
}
