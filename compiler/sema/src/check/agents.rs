//! Agents and orchestrations (tools.md §6; tools-details §71–74).
//!
//! Both keywords declare the same thing: a record whose cells are methods
//! (`self` first, called with `.`), plus a tool scope between the file's
//! and each method's. So an agent goes through the record machinery —
//! `declare_types` registers it as a record, `define_types` resolves its
//! fields (defaults and `where` included), construction and display are a
//! record's — and through the method machinery for its cells. What is its
//! own: the tool scope (`use tool` and `grant` inside the agent, visible in
//! its methods only; declared by [`Checker::declare_agent_tools`] and
//! entered by `enter_cell_tools` for each method) and the rule that its
//! body holds only fields, `use tool`, `grant` and cells (syntax.md).

use lumen_diagnostics::Diagnostic;
use lumen_syntax::ast;

use super::tool_kinds::{AliasLevel, ToolScope};
use super::{codes, span_of, Checker};
use crate::types::Type;

/// An `agent` or an `orchestration` declaration (the two mean the same,
/// tools-details §71).
#[derive(Clone)]
pub(super) enum AgentDecl {
    Agent(ast::Agent),
    Orchestration(ast::Orchestration),
}

impl AgentDecl {
    pub(super) fn of(item: &ast::Item) -> Option<AgentDecl> {
        match item {
            ast::Item::Agent(a) => Some(AgentDecl::Agent(a.clone())),
            ast::Item::Orchestration(o) => Some(AgentDecl::Orchestration(o.clone())),
            _ => None,
        }
    }

    pub(super) fn name(&self) -> Option<ast::Name> {
        match self {
            AgentDecl::Agent(a) => a.name(),
            AgentDecl::Orchestration(o) => o.name(),
        }
    }

    pub(super) fn fields(&self) -> Vec<ast::Field> {
        match self {
            AgentDecl::Agent(a) => a.fields().collect(),
            AgentDecl::Orchestration(o) => o.fields().collect(),
        }
    }

    /// The nested declarations (fields are not items).
    pub(super) fn items(&self) -> Vec<ast::Item> {
        match self {
            AgentDecl::Agent(a) => a.items().collect(),
            AgentDecl::Orchestration(o) => o.items().collect(),
        }
    }

    fn keyword(&self) -> &'static str {
        match self {
            AgentDecl::Agent(_) => "agent",
            AgentDecl::Orchestration(_) => "orchestration",
        }
    }
}

impl Checker {
    /// The record type an agent declaration was registered as.
    fn agent_type(&self, decl: &AgentDecl) -> Option<Type> {
        let name = decl.name()?.text();
        self.types.by_name.get(&self.key(&name)).copied()
    }

    /// Registers the methods of an agent (its cells), and rejects what an
    /// agent body may not hold.
    pub(super) fn collect_agent(&mut self, decl: AgentDecl) {
        let Some(ty) = self.agent_type(&decl) else {
            return;
        };
        for item in decl.items() {
            match item {
                ast::Item::Cell(cell) => {
                    if let Some(id) = self.collect_method(ty, cell) {
                        self.tools.agent_of_method.insert(id, ty);
                    }
                }
                // Declared by `declare_agent_tools`.
                ast::Item::UseTool(_) | ast::Item::Grant(_) => {}
                ast::Item::BindEffect(b) => {
                    self.error(
                        codes::BAD_BIND,
                        "`bind effect` is a top-level declaration",
                        span_of(&b),
                        format!("not allowed inside an {}", decl.keyword()),
                    );
                    self.push_help("move it to the top level of the file".to_string());
                }
                other => {
                    self.push_diagnostic(
                        Diagnostic::error(
                            codes::MISPLACED_DECLARATION,
                            format!("this cannot be declared inside an `{}`", decl.keyword()),
                            span_of(&other),
                            "not a field, `use tool`, `grant` or cell",
                        )
                        .with_help(format!(
                            "an `{}` holds fields, `use tool`, `grant` and methods; move this to the top level of the file",
                            decl.keyword()
                        )),
                    );
                }
            }
        }
    }

    /// Declares the tool aliases and grants of each agent of the current
    /// module (after the module's own, which they may refine or shadow).
    pub(super) fn declare_agent_tools(&mut self, items: &[ast::Item], module_scope: &ToolScope) {
        for decl in items.iter().filter_map(AgentDecl::of) {
            let Some(ty) = self.agent_type(&decl) else {
                continue;
            };
            let mut uses = Vec::new();
            let mut grants = Vec::new();
            for item in decl.items() {
                match item {
                    ast::Item::UseTool(u) => uses.push(u),
                    ast::Item::Grant(g) => grants.push(g),
                    _ => {}
                }
            }
            let mut scope = ToolScope::default();
            self.declare_aliases(&mut scope, &uses, AliasLevel::Agent, Some(module_scope));
            self.declare_grants(&mut scope, &grants, Some(module_scope));
            self.tools.agents.insert(ty, scope);
        }
    }
}

/// The help for an assignment to an immutable variable: `let mut`, except
/// for `self`, which no declaration can make mutable (tools-details §71).
pub(super) fn immutable_help(name: &str) -> String {
    if name == "self" {
        "`self` is immutable in a method; return a changed copy instead".to_string()
    } else {
        format!("make it mutable: `let mut {name}`")
    }
}

impl Checker {
    /// After "cannot find cell `name`": when an agent declares a tool alias
    /// of that name, say where it is visible; in a method whose type has a
    /// method of that name, say how to call it (a bare call refers to a
    /// top-level cell, tools-details §72).
    pub(super) fn suggest_self_call(&mut self, name: &str) {
        // An agent's alias used outside it (tools-details §73).
        let mut owners: Vec<String> = self
            .tools
            .agents
            .iter()
            .filter(|(_, scope)| {
                scope
                    .aliases
                    .get(name)
                    .is_some_and(|a| a.module == self.current_module)
            })
            .map(|(ty, _)| format!("`{ty}`"))
            .collect();
        if !owners.is_empty() {
            owners.sort();
            self.push_help(format!(
                "`{name}` is a tool alias of {}, visible only in its methods; declare it at the top of the file to use it here",
                owners.join(", ")
            ));
        }
        let Some(var) = self.lookup_var("self") else {
            return;
        };
        let ty = self.body().vars[var.0 as usize].ty;
        if self.methods.by_type.contains_key(&(ty, name.to_string())) {
            self.push_help(format!(
                "a method is called through `self`: `self.{name}(…)`"
            ));
        }
    }
}
