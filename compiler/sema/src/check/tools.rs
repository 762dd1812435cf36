//! Tool declarations (tools.md §1–2; tools-details §1–5, §18–20, §66–67):
//! `use tool ID as Alias`, `grant`, `bind effect`, the scopes they live in,
//! and the *site* of a call — the JSON the runtime receives with the tool
//! id, the alias and the grants merged for the call's scope
//! (`docs/runtime-abi.md`, "Tools").
//!
//! There are two scopes: the top of a module (visible in the whole file)
//! and a cell (visible in that whole cell: a declaration anywhere in its
//! body counts, blocks do not scope it). A grant may come before or after
//! the `use tool` it refers to in the same scope, so each scope is declared
//! in two passes: aliases, then grants. Agents and orchestrations, the third
//! scope of the spec, are not compiled yet (E0900 on the whole declaration).

use std::collections::{HashMap, HashSet};

use lumen_diagnostics::{Diagnostic, Span};
use lumen_syntax::ast::{self, AstNode};
use lumen_syntax::{SyntaxKind, SyntaxNode};

use super::{codes, span_of, Checker};
use crate::hir::{self, ExprKind};
use crate::types::{intern_name, map_of, FieldInfo, Nominal, RecordInfo, Type};

/// The built-in tools of the reserved namespaces (tools-details §2).
pub(crate) const KNOWN_TOOLS: &[&str] = &[
    "llm.chat",
    "http.get",
    "http.post",
    "http.put",
    "http.delete",
];

/// Every grant key, in the order the site JSON lists them.
const GRANT_KEYS: &[&str] = &[
    "model",
    "max_tokens",
    "temperature",
    "timeout_ms",
    "domain",
    "max_retries",
];

/// What a tool id names, which decides its arguments, grants and default
/// result type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ToolKind {
    /// `llm.chat`.
    Llm,
    /// `http.get`, `http.post`, `http.put`, `http.delete`.
    Http,
    /// Any id outside the reserved namespaces, sent as a JSON object.
    Other,
    /// The builtin `fetch` (a grant target without `use tool`).
    Fetch,
}

impl ToolKind {
    fn of(id: &str) -> ToolKind {
        if id.starts_with("llm.") {
            ToolKind::Llm
        } else if id.starts_with("http.") {
            ToolKind::Http
        } else {
            ToolKind::Other
        }
    }

    /// The grant keys that apply to tools of this kind (tools.md §2).
    pub(crate) fn grant_keys(self) -> &'static [&'static str] {
        match self {
            ToolKind::Llm => &[
                "model",
                "max_tokens",
                "temperature",
                "timeout_ms",
                "max_retries",
            ],
            ToolKind::Http | ToolKind::Fetch => &["timeout_ms", "domain", "max_retries"],
            ToolKind::Other => &["timeout_ms", "max_retries"],
        }
    }
}

/// A declared tool alias.
#[derive(Clone, Debug)]
pub(crate) struct ToolAlias {
    pub name: String,
    /// The tool id, `llm.chat`.
    pub id: String,
    pub kind: ToolKind,
    pub span: Span,
    /// Declared in a cell (else at the top of its module).
    pub in_cell: bool,
    /// The module it is declared in.
    pub module: usize,
}

/// A grant value, after constants are resolved (tools-details §5).
#[derive(Clone, Debug, PartialEq)]
enum GrantValue {
    Str(String),
    Int(i64),
    Float(f64),
}

/// The aliases and grants of one scope.
#[derive(Clone, Default)]
pub(crate) struct ToolScope {
    aliases: HashMap<String, ToolAlias>,
    /// Checked grant pairs in source order: (target, key, value).
    grants: Vec<(String, String, GrantValue)>,
}

/// Tool declarations of the whole program.
#[derive(Clone, Default)]
pub(crate) struct Tools {
    /// The top-level scope of each module.
    modules: Vec<ToolScope>,
    /// The cells being checked, innermost last (a cell's body may be checked
    /// while another one is, to infer its return type): each one's scope.
    cells: Vec<ToolScope>,
    /// `bind effect E to Alias`: (module, alias) → E.
    bound: HashMap<(usize, String), String>,
    /// The effects each module declares with `effect`.
    declared_effects: HashMap<usize, HashSet<String>>,
    /// The built-in records `Message` and `HttpResponse` (tools-details §57:
    /// a user type of the same name shadows the name, not these).
    pub message: Option<Type>,
    pub http_response: Option<Type>,
    /// The hidden record type of each list of tool arguments (names and
    /// types in source order).
    pub arg_records: HashMap<Vec<(String, Type)>, Type>,
}

impl Checker {
    /// Declares the built-in records `Message(role, content)` and
    /// `HttpResponse(status, body, headers)`; the names refer to them unless
    /// the program declares its own.
    pub(super) fn declare_tool_types(&mut self) {
        let message =
            self.builtin_record("Message", &[("role", Type::Str), ("content", Type::Str)]);
        let response = self.builtin_record(
            "HttpResponse",
            &[
                ("status", Type::Int),
                ("body", Type::Str),
                ("headers", map_of(Type::Str, Type::Str)),
            ],
        );
        self.tools.message = Some(message);
        self.tools.http_response = Some(response);
    }

    fn builtin_record(&mut self, name: &str, fields: &[(&str, Type)]) -> Type {
        let id = self.types.records.len() as u32;
        self.types.records.push(RecordInfo {
            name: name.to_string(),
            fields: fields
                .iter()
                .map(|(n, t)| FieldInfo {
                    name: n.to_string(),
                    ty: *t,
                    span: 0..0,
                })
                .collect(),
            span: 0..0,
        });
        self.types.record_defaults.push(vec![None; fields.len()]);
        let ty = Type::Record(Nominal {
            id,
            name: intern_name(name),
        });
        self.types.by_name.entry(name.to_string()).or_insert(ty);
        ty
    }

    /// The hidden record type holding a call's arguments (one per list of
    /// names and types).
    pub(super) fn arg_record(&mut self, fields: Vec<(String, Type)>) -> Type {
        if let Some(t) = self.tools.arg_records.get(&fields) {
            return *t;
        }
        let id = self.types.records.len() as u32;
        let name = "<tool arguments>";
        self.types.records.push(RecordInfo {
            name: name.to_string(),
            fields: fields
                .iter()
                .map(|(n, t)| FieldInfo {
                    name: n.clone(),
                    ty: *t,
                    span: 0..0,
                })
                .collect(),
            span: 0..0,
        });
        self.types.record_defaults.push(vec![None; fields.len()]);
        let ty = Type::Record(Nominal {
            id,
            name: intern_name(name),
        });
        self.tools.arg_records.insert(fields, ty);
        ty
    }

    /// Declares the top-level tool aliases, `bind effect`s and grants of
    /// every module (before any body is checked).
    pub(super) fn declare_module_tools(&mut self, modules: &[(usize, Vec<ast::Item>)]) {
        self.tools.modules = vec![ToolScope::default(); modules.len()];
        for (m, items) in modules {
            self.current_module = *m;
            let uses: Vec<ast::UseTool> = items
                .iter()
                .filter_map(|i| match i {
                    ast::Item::UseTool(u) => Some(u.clone()),
                    _ => None,
                })
                .collect();
            let grants: Vec<ast::Grant> = items
                .iter()
                .filter_map(|i| match i {
                    ast::Item::Grant(g) => Some(g.clone()),
                    _ => None,
                })
                .collect();
            let effects: HashMap<String, ast::Effect> = items
                .iter()
                .filter_map(|i| match i {
                    ast::Item::Effect(e) => Some((e.name()?.text(), e.clone())),
                    _ => None,
                })
                .collect();
            self.tools
                .declared_effects
                .insert(*m, effects.keys().cloned().collect());
            let mut scope = ToolScope::default();
            self.declare_aliases(&mut scope, &uses, false);
            self.tools.modules[*m] = scope.clone();
            for item in items {
                if let ast::Item::BindEffect(b) = item {
                    self.check_bind_effect(b, &effects);
                }
            }
            self.declare_grants(&mut scope, &grants, None);
            self.tools.modules[*m] = scope;
        }
        self.current_module = 0;
    }

    /// Starts the tool scope of a cell whose body is `nodes`: its `use tool`
    /// and `grant` declarations, wherever they stand in the body.
    pub(super) fn enter_cell_tools(&mut self, nodes: &[SyntaxNode]) {
        let mut uses = Vec::new();
        let mut grants = Vec::new();
        for node in nodes {
            for d in node.descendants() {
                match d.kind() {
                    SyntaxKind::USE_TOOL => uses.extend(ast::UseTool::cast(d)),
                    SyntaxKind::GRANT => grants.extend(ast::Grant::cast(d)),
                    _ => {}
                }
            }
        }
        let mut scope = ToolScope::default();
        if !uses.is_empty() || !grants.is_empty() {
            self.declare_aliases(&mut scope, &uses, true);
            let outer = self.tools.modules.get(self.current_module).cloned();
            self.declare_grants(&mut scope, &grants, outer.as_ref());
        }
        self.tools.cells.push(scope);
    }

    pub(super) fn leave_cell_tools(&mut self) {
        self.tools.cells.pop();
    }

    fn declare_aliases(&mut self, scope: &mut ToolScope, uses: &[ast::UseTool], in_cell: bool) {
        for u in uses {
            let (Some(path), Some(alias)) = (u.path(), u.alias()) else {
                continue;
            };
            let id = path.text();
            let name = alias.text();
            let span = span_of(&alias);
            let kind = ToolKind::of(&id);
            if kind != ToolKind::Other && !KNOWN_TOOLS.contains(&id.as_str()) {
                self.error(
                    codes::TOOL_DECLARATION,
                    format!("unknown tool `{id}`"),
                    span_of(&path),
                    "not a built-in tool",
                );
                self.push_help(format!(
                    "the `llm.` and `http.` namespaces are reserved; the known tools are {}",
                    KNOWN_TOOLS.join(", ")
                ));
                continue;
            }
            if let Some(first) = scope.aliases.get(&name) {
                let first = first.span.clone();
                self.push_diagnostic(
                    Diagnostic::error(
                        codes::TOOL_DECLARATION,
                        format!("the tool alias `{name}` is declared twice in this scope"),
                        span,
                        "declared again here",
                    )
                    .with_label(first, "first declared here"),
                );
                continue;
            }
            if let Some(what) = self.name_taken(&name) {
                self.error(
                    codes::TOOL_DECLARATION,
                    format!("the tool alias `{name}` has the name of {what}"),
                    span,
                    "choose another name",
                );
                continue;
            }
            if in_cell {
                let outer = self
                    .tools
                    .modules
                    .get(self.current_module)
                    .and_then(|s| s.aliases.get(&name))
                    .map(|a| a.span.clone());
                if let Some(outer) = outer {
                    self.push_diagnostic(
                        Diagnostic::warning(
                            codes::SHADOWED_ALIAS,
                            format!("the tool alias `{name}` shadows the one declared in the file"),
                            span.clone(),
                            "shadows the outer alias in this cell",
                        )
                        .with_label(outer, "outer alias declared here"),
                    );
                }
            }
            scope.aliases.insert(
                name.clone(),
                ToolAlias {
                    name,
                    id,
                    kind,
                    span,
                    in_cell,
                    module: self.current_module,
                },
            );
        }
    }

    /// What else `name` names that an alias may not share it with (a cell,
    /// a constant, a type or a builtin of the module).
    fn name_taken(&self, name: &str) -> Option<&'static str> {
        let key = self.key(name);
        if self.cell_names.contains_key(&key) {
            Some("a cell")
        } else if self.const_syntax.contains_key(&key) {
            Some("a constant")
        } else if self.types.by_name.contains_key(&key)
            || self.generic_types.templates.contains_key(&key)
            || self.aliases.contains_key(&key)
            || super::decls::is_builtin_type(name)
        {
            Some("a type")
        } else if super::calls::is_builtin_name(name) {
            Some("a builtin")
        } else {
            None
        }
    }

    fn declare_grants(
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

    fn check_bind_effect(&mut self, b: &ast::BindEffect, effects: &HashMap<String, ast::Effect>) {
        let (Some(effect), Some(tool)) = (b.effect(), b.tool()) else {
            return;
        };
        let effect_name = effect.text();
        let alias_name = tool.text();
        let Some(alias) = self
            .tools
            .modules
            .get(self.current_module)
            .and_then(|s| s.aliases.get(&alias_name))
            .cloned()
        else {
            self.error(
                codes::BAD_BIND,
                format!(
                    "`bind effect` names `{alias_name}`, which is not a tool alias of this file"
                ),
                span_of(&tool),
                "no top-level `use tool … as` declares it",
            );
            return;
        };
        let Some(decl) = effects.get(&effect_name) else {
            self.error(
                codes::BAD_BIND,
                format!("cannot find the effect `{effect_name}`"),
                span_of(&effect),
                "no `effect` declaration of this name in this file",
            );
            return;
        };
        let key = (self.current_module, alias_name.clone());
        if let Some(other) = self.tools.bound.get(&key) {
            let other = other.clone();
            self.error(
                codes::BAD_BIND,
                format!("the tool alias `{alias_name}` is already bound to the effect `{other}`"),
                span_of(b),
                "an alias is bound to one effect",
            );
            return;
        }
        if self
            .tools
            .bound
            .iter()
            .any(|((m, _), e)| *m == self.current_module && *e == effect_name)
        {
            self.error(
                codes::BAD_BIND,
                format!("the effect `{effect_name}` is already bound to a tool"),
                span_of(b),
                "an effect is bound to one alias",
            );
            return;
        }
        // The operations' parameters become the tool's named arguments
        // (tools-details §66): a built-in tool must accept them.
        let mut params_ok = true;
        if let Some(params) = super::tool_calls::tool_params(alias.kind) {
            for op in decl.cells() {
                for p in op.params() {
                    let Some(pname) = p.name().map(|n| n.text()) else {
                        continue;
                    };
                    if !params.iter().any(|(n, _)| *n == pname) {
                        params_ok = false;
                        let op_name = op.name().map(|n| n.text()).unwrap_or_default();
                        self.error(
                            codes::BAD_BIND,
                            format!(
                                "`{effect_name}.{op_name}` has a parameter `{pname}`, which `{alias_name}` ({}) cannot take",
                                alias.id
                            ),
                            span_of(b),
                            "its parameters become the tool's named arguments",
                        );
                        self.push_help(format!(
                            "the arguments of {} are {}",
                            alias.id,
                            params
                                .iter()
                                .map(|(n, _)| format!("`{n}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                }
            }
        }
        if params_ok {
            self.tools.bound.insert(key, effect_name);
        }
    }

    /// The alias `name` refers to here (the cell's own first, then the
    /// file's), unless a variable of that name hides it.
    pub(super) fn tool_alias(&mut self, name: &str) -> Option<ToolAlias> {
        let found = self
            .tools
            .cells
            .last()
            .and_then(|s| s.aliases.get(name))
            .or_else(|| {
                self.tools
                    .modules
                    .get(self.current_module)
                    .and_then(|s| s.aliases.get(name))
            })
            .cloned()?;
        if self.lookup_var(name).is_some() {
            return None;
        }
        Some(found)
    }

    /// The effect a call of `alias` performs: the one bound to it, else the
    /// first segment of its id (tools.md §1).
    pub(super) fn alias_effect(&self, alias: &ToolAlias) -> String {
        if !alias.in_cell {
            if let Some(e) = self.tools.bound.get(&(alias.module, alias.name.clone())) {
                return e.clone();
            }
        }
        alias.id.split('.').next().unwrap_or_default().to_string()
    }

    /// The site JSON of a call of `alias` (or of `fetch` when `None`) in the
    /// current scope: the alias's own grants, refined by the cell's grants
    /// for an alias of the file (tools-details §18).
    pub(super) fn tool_site(&self, alias: Option<&ToolAlias>) -> String {
        let (id, name) = match alias {
            Some(a) => (a.id.as_str(), a.name.as_str()),
            None => ("fetch", "fetch"),
        };
        let module = self.tools.modules.get(self.current_module);
        let cell = self.tools.cells.last();
        let mut pairs: Vec<&(String, String, GrantValue)> = Vec::new();
        let own_scope_is_cell = alias.is_some_and(|a| a.in_cell);
        if !own_scope_is_cell {
            pairs.extend(module.iter().flat_map(|s| s.grants.iter()));
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

    /// `bind effect` inside a cell (tools-details §67: top level only).
    pub(super) fn bind_effect_in_block(&mut self, b: &ast::BindEffect) {
        self.error(
            codes::BAD_BIND,
            "`bind effect` is a top-level declaration",
            span_of(b),
            "not allowed inside a cell",
        );
        self.push_help("move it to the top level of the file".to_string());
    }

    /// Names of the effects declared by `effect` in the current module and
    /// bound to tools, plus the tool effects of its aliases: what an effect
    /// row may name without being a typo.
    pub(super) fn known_effects(&self, module: usize) -> HashSet<String> {
        let mut known: HashSet<String> = ["llm", "http"].iter().map(|s| s.to_string()).collect();
        if let Some(scope) = self.tools.modules.get(module) {
            for a in scope.aliases.values() {
                known.insert(self.alias_effect(a));
                if let Some(first) = a.id.split('.').next() {
                    known.insert(first.to_string());
                }
            }
        }
        known.extend(
            self.tools
                .declared_effects
                .get(&module)
                .into_iter()
                .flatten()
                .cloned(),
        );
        known
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
