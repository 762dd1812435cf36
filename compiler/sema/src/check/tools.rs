//! Tool declarations (tools.md §1; tools-details §1–2, §66–67): `use tool
//! ID as Alias`, `bind effect`, the scopes they live in, and the built-in
//! records `Message` and `HttpResponse`. Grants and the *site* JSON of a
//! call are in [`super::grants`].
//!
//! There are three scopes: the top of a module (visible in the whole file),
//! an agent or orchestration (visible in its methods, tools-details §73;
//! declared by `super::agents`) and a cell (visible in that whole cell: a
//! declaration anywhere in its body counts, blocks do not scope it). A
//! grant may come before or after the `use tool` it refers to in the same
//! scope, so each scope is declared in two passes: aliases, then grants.

use std::collections::{HashMap, HashSet};

use lumen_diagnostics::Diagnostic;
use lumen_syntax::ast::{self, AstNode};
use lumen_syntax::{SyntaxKind, SyntaxNode};

use super::tool_kinds::{AliasLevel, ToolAlias, ToolKind, ToolScope, KNOWN_TOOLS};
use super::{codes, span_of, Checker};
use crate::types::{intern_name, map_of, FieldInfo, Nominal, RecordInfo, Type};

/// Tool declarations of the whole program.
#[derive(Clone, Default)]
pub(crate) struct Tools {
    /// The top-level scope of each module.
    pub(super) modules: Vec<ToolScope>,
    /// The cells being checked, innermost last (a cell's body may be checked
    /// while another one is, to infer its return type): each one's scope.
    pub(super) cells: Vec<ToolScope>,
    /// For each entry of `cells`: the agent whose method it is, if any.
    pub(super) cell_agents: Vec<Option<Type>>,
    /// The scope of each agent or orchestration type.
    pub(super) agents: HashMap<Type, ToolScope>,
    /// The agent each method cell belongs to.
    pub(super) agent_of_method: HashMap<crate::hir::CellId, Type>,
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
            self.declare_aliases(&mut scope, &uses, AliasLevel::File, None);
            self.tools.modules[*m] = scope.clone();
            for item in items {
                if let ast::Item::BindEffect(b) = item {
                    self.check_bind_effect(b, &effects);
                }
            }
            self.declare_grants(&mut scope, &grants, None);
            self.declare_agent_tools(items, &scope);
            self.tools.modules[*m] = scope;
        }
        self.current_module = 0;
    }

    /// Starts the tool scope of a cell whose body is `nodes`: its `use tool`
    /// and `grant` declarations, wherever they stand in the body. A method
    /// of an agent sees the agent's scope between its own and the file's.
    pub(super) fn enter_cell_tools(&mut self, nodes: &[SyntaxNode], agent: Option<Type>) {
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
            let outer = self.outer_aliases(agent);
            self.declare_aliases(&mut scope, &uses, AliasLevel::Cell, Some(&outer));
            self.declare_grants(&mut scope, &grants, Some(&outer));
        }
        self.tools.cells.push(scope);
        self.tools.cell_agents.push(agent);
    }

    pub(super) fn leave_cell_tools(&mut self) {
        self.tools.cells.pop();
        self.tools.cell_agents.pop();
    }

    /// The aliases visible around a cell: the file's, with its agent's (if
    /// it is a method) in front. Only `aliases` is filled: it is what
    /// grants and shadowing look at.
    fn outer_aliases(&self, agent: Option<Type>) -> ToolScope {
        let mut outer = ToolScope::default();
        if let Some(module) = self.tools.modules.get(self.current_module) {
            outer.aliases = module.aliases.clone();
        }
        if let Some(scope) = agent.and_then(|a| self.tools.agents.get(&a)) {
            outer.aliases.extend(scope.aliases.clone());
        }
        outer
    }

    /// The tool scope of the agent whose method is being checked, if any.
    pub(super) fn current_agent_tools(&self) -> Option<&ToolScope> {
        let agent = (*self.tools.cell_agents.last()?)?;
        self.tools.agents.get(&agent)
    }

    /// Declares `uses` into `scope`, declared at `level`; `outer` holds the
    /// aliases of the enclosing scopes, which one of the same name shadows.
    pub(super) fn declare_aliases(
        &mut self,
        scope: &mut ToolScope,
        uses: &[ast::UseTool],
        level: AliasLevel,
        outer: Option<&ToolScope>,
    ) {
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
            if let Some(shadowed) = outer.and_then(|s| s.aliases.get(&name)) {
                let (where_, this) = if shadowed.in_agent {
                    ("agent", "cell")
                } else if level == AliasLevel::Agent {
                    ("file", "agent")
                } else {
                    ("file", "cell")
                };
                let shadowed = shadowed.span.clone();
                self.push_diagnostic(
                    Diagnostic::warning(
                        codes::SHADOWED_ALIAS,
                        format!("the tool alias `{name}` shadows the one declared in the {where_}"),
                        span.clone(),
                        format!("shadows the outer alias in this {this}"),
                    )
                    .with_label(shadowed, "outer alias declared here"),
                );
            }
            scope.aliases.insert(
                name.clone(),
                ToolAlias {
                    name,
                    id,
                    kind,
                    span,
                    in_cell: level == AliasLevel::Cell,
                    in_agent: level == AliasLevel::Agent,
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
            || super::build::is_builtin_type(name)
        {
            Some("a type")
        } else if super::calls::is_builtin_name(name) {
            Some("a builtin")
        } else {
            None
        }
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
        if let Some(params) = super::tool_kinds::tool_params(alias.kind) {
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

    /// The alias `name` refers to here (the cell's own first, then its
    /// agent's, then the file's), unless a variable of that name hides it.
    pub(super) fn tool_alias(&mut self, name: &str) -> Option<ToolAlias> {
        let found = self
            .tools
            .cells
            .last()
            .and_then(|s| s.aliases.get(name))
            .or_else(|| self.current_agent_tools()?.aliases.get(name))
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
        if !alias.in_cell && !alias.in_agent {
            if let Some(e) = self.tools.bound.get(&(alias.module, alias.name.clone())) {
                return e.clone();
            }
        }
        alias.id.split('.').next().unwrap_or_default().to_string()
    }

    /// The top-level alias the effect `effect` is bound to in the current
    /// module (`bind effect effect to Alias`).
    pub(super) fn bound_alias(&self, effect: &str) -> Option<ToolAlias> {
        let (_, alias) = self
            .tools
            .bound
            .iter()
            .find(|((m, _), e)| *m == self.current_module && *e == effect)?
            .0;
        self.tools
            .modules
            .get(self.current_module)?
            .aliases
            .get(alias)
            .cloned()
    }

    /// Whether some module binds the effect `effect` to a tool.
    pub(super) fn effect_is_bound(&self, effect: &str) -> bool {
        self.tools.bound.values().any(|e| e == effect)
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
        let agents = self.tools.agents.values();
        for scope in self.tools.modules.get(module).into_iter().chain(agents) {
            for a in scope.aliases.values().filter(|a| a.module == module) {
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
