//! Modules (syntax.md §4): every file of a program is a module. Declarations
//! of the main file keep their names; those of an imported module `a.b` are
//! registered as `a.b::name`, so two modules may use the same names. Each
//! module sees its own declarations and what it imports
//! (`import a.b: X, Y as Z`, or `*` for everything `a.b` declares); every
//! lookup of a cell, type, constant or trait goes through that view.
//!
//! What a module offers to its importers — its *exports* — is what it
//! declares plus what it re-exports with `pub import a.b: X` (X under the
//! same key as in `a.b`, so both names denote one declaration) or
//! `pub import a.b: *`. Re-exports chain: a module re-exporting a re-export
//! passes on the original key.
//!
//! Finding and reading the files (and reporting import cycles) is the
//! driver's job; the checker receives the parsed modules.

use std::collections::HashMap;

use lumen_diagnostics::Diagnostic;
use lumen_syntax::ast;

use super::{codes, span_of, Checker};

/// One parsed source file of the program; the first is the main file.
pub struct Module {
    /// The dotted module path (`util.text`); empty for the main file.
    pub name: String,
    pub tree: ast::SourceFile,
}

/// The key `name` declared in `module` is registered under: `a.b::name`,
/// or the plain name for the main file (module path `""`).
fn module_key(module: &str, name: &str) -> String {
    if module.is_empty() {
        name.to_string()
    } else {
        format!("{module}::{name}")
    }
}

/// `(name, key)` for every declaration of `module`.
fn key_in_all(
    module: &str,
    declared: &[(String, lumen_diagnostics::Span)],
) -> Vec<(String, String)> {
    declared
        .iter()
        .map(|(name, _)| (name.clone(), module_key(module, name)))
        .collect()
}

/// The exports of module `m` (see the module docs): `(name, key)` pairs,
/// its own declarations first, then named re-exports, then glob ones (a
/// name already exported is not replaced). Computed once per module;
/// `visiting` guards against import cycles, which the driver reports.
fn exports_of(
    m: usize,
    modules: &[(usize, Vec<ast::Item>)],
    names: &[String],
    declared: &[Vec<(String, lumen_diagnostics::Span)>],
    index: &HashMap<String, usize>,
    memo: &mut Vec<Option<Vec<(String, String)>>>,
    visiting: &mut Vec<bool>,
) -> Vec<(String, String)> {
    if let Some(done) = &memo[m] {
        return done.clone();
    }
    let mut out = key_in_all(&names[m], &declared[m]);
    if visiting[m] {
        return out;
    }
    visiting[m] = true;
    let mut globs = Vec::new();
    let reexports = modules[m].1.iter().filter_map(|item| match item {
        ast::Item::Import(i) if i.is_pub() => Some(i),
        _ => None,
    });
    for import in reexports {
        let Some(&target) = import.path().and_then(|p| index.get(&p.text())) else {
            continue;
        };
        let offered = exports_of(target, modules, names, declared, index, memo, visiting);
        if import.is_glob() {
            globs.extend(offered);
            continue;
        }
        for it in import.items() {
            let Some(name) = it.name_ref().map(|n| n.text()) else {
                continue;
            };
            let local = it.alias().map(|a| a.text()).unwrap_or_else(|| name.clone());
            // Unknown names and clashes are reported where the import is
            // checked (`build_module_views`).
            let found = offered.iter().find(|(n, _)| *n == name);
            if let Some((_, key)) = found {
                if !out.iter().any(|(n, _)| *n == local) {
                    out.push((local, key.clone()));
                }
            }
        }
    }
    for (name, key) in globs {
        if !out.iter().any(|(n, _)| *n == name) {
            out.push((name, key));
        }
    }
    visiting[m] = false;
    memo[m] = Some(out.clone());
    out
}

impl Checker {
    /// The key a declaration of the current module is registered under.
    pub(super) fn decl_key(&self, name: &str) -> String {
        self.key_in_module(self.current_module, name)
    }

    /// The key a declaration of module `m` is registered under.
    pub(super) fn key_in_module(&self, m: usize, name: &str) -> String {
        module_key(self.module_names.get(m).map_or("", String::as_str), name)
    }

    /// The key a name used in the current module refers to.
    pub(super) fn key(&self, name: &str) -> String {
        self.visible
            .get(self.current_module)
            .and_then(|v| v.get(name))
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    /// Names declared at the top of a module.
    fn declared_names(items: &[ast::Item]) -> Vec<(String, lumen_diagnostics::Span)> {
        let mut names = Vec::new();
        for item in items {
            let name = match item {
                ast::Item::Record(r) => r.name(),
                ast::Item::Enum(e) => e.name(),
                ast::Item::Cell(c) => c.name(),
                ast::Item::Const(c) => c.name(),
                ast::Item::Trait(t) => t.name(),
                ast::Item::TypeAlias(a) => a.name(),
                ast::Item::Agent(_) | ast::Item::Orchestration(_) => {
                    super::agents::AgentDecl::of(item).and_then(|a| a.name())
                }
                _ => None,
            };
            if let Some(n) = name {
                names.push((n.text(), span_of(&n)));
            }
            // Variants are importable too (they are found by their own
            // name wherever the enum is known).
            if let ast::Item::Enum(e) = item {
                for v in e.variants() {
                    if let Some(n) = v.name() {
                        names.push((n.text(), span_of(&n)));
                    }
                }
            }
        }
        names
    }

    /// Builds each module's view: its own declarations plus its imports.
    pub(super) fn build_module_views(&mut self, modules: &[(usize, Vec<ast::Item>)]) {
        let index: HashMap<String, usize> = self
            .module_names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
        let declared: Vec<Vec<(String, lumen_diagnostics::Span)>> = modules
            .iter()
            .map(|(_, items)| Self::declared_names(items))
            .collect();
        let mut memo = vec![None; modules.len()];
        let mut visiting = vec![false; modules.len()];
        let names = self.module_names.clone();
        let exports: Vec<Vec<(String, String)>> = (0..modules.len())
            .map(|m| {
                exports_of(
                    m,
                    modules,
                    &names,
                    &declared,
                    &index,
                    &mut memo,
                    &mut visiting,
                )
            })
            .collect();
        self.visible = vec![HashMap::new(); modules.len()];
        for (m, items) in modules {
            let m = *m;
            self.current_module = m;
            for (name, _) in &declared[m] {
                let key = self.decl_key(name);
                self.visible[m].insert(name.clone(), key);
            }
            let mut globs: Vec<Vec<(String, String)>> = Vec::new();
            for item in items {
                let ast::Item::Import(import) = item else {
                    continue;
                };
                let Some(path) = import.path() else { continue };
                let target_name = path.text();
                let Some(&target) = index.get(&target_name) else {
                    // The driver reports files it cannot find.
                    continue;
                };
                if import.is_glob() {
                    // Declarations and named imports take precedence over `*`
                    // (as in Rust), so adding to a module never breaks a glob
                    // importer that already uses the name; globs are applied
                    // after every named import.
                    globs.push(exports[target].clone());
                    continue;
                }
                for it in import.items() {
                    let Some(name_ref) = it.name_ref() else {
                        continue;
                    };
                    let name = name_ref.text();
                    let Some((_, key)) = exports[target].iter().find(|(n, _)| *n == name) else {
                        let span = span_of(&name_ref);
                        self.push_diagnostic(Diagnostic::error(
                            codes::UNRESOLVED_NAME,
                            format!("module `{target_name}` has no `{name}`"),
                            span,
                            "not declared or re-exported there",
                        ));
                        continue;
                    };
                    let key = key.clone();
                    let local = it.alias().map(|a| a.text()).unwrap_or_else(|| name.clone());
                    self.import_name(m, local, key, &declared[m], &span_of(&it));
                }
            }
            for names in globs {
                for (name, key) in names {
                    self.visible[m].entry(name).or_insert(key);
                }
            }
        }
        self.current_module = 0;
    }

    /// After a "cannot find" error: when another module declares the name,
    /// a help line says how to import it.
    pub(super) fn suggest_import(&mut self, name: &str) {
        let suffix = format!("::{name}");
        let declared_in = self
            .cell_names
            .keys()
            .chain(self.types.by_name.keys())
            .chain(self.const_syntax.keys())
            .chain(self.generic_types.templates.keys())
            .chain(self.aliases.keys())
            .filter_map(|k| k.strip_suffix(&suffix).map(str::to_string))
            // The first module by name: the same help on every run.
            .min();
        if let Some(module) = declared_in {
            self.push_help(format!(
                "`{module}` declares `{name}`: add `import {module}: {name}`"
            ));
        }
    }

    /// Makes `local` name `key` in module `m`, unless the module declares or
    /// already imported something else by that name.
    fn import_name(
        &mut self,
        m: usize,
        local: String,
        key: String,
        own: &[(String, lumen_diagnostics::Span)],
        span: &lumen_diagnostics::Span,
    ) {
        if let Some((_, declared_at)) = own.iter().find(|(n, _)| *n == local) {
            let d = Diagnostic::error(
                codes::DUPLICATE_DEFINITION,
                format!("`{local}` is imported and also declared in this module"),
                span.clone(),
                "imported here",
            )
            .with_label(declared_at.clone(), "declared here")
            .with_help(format!("import it under another name: `{local} as …`"));
            self.push_diagnostic(d);
            return;
        }
        match self.visible[m].get(&local) {
            Some(existing) if *existing != key => {
                let d = Diagnostic::error(
                    codes::DUPLICATE_DEFINITION,
                    format!("`{local}` is imported from two modules"),
                    span.clone(),
                    "second import of this name",
                )
                .with_help(format!(
                    "import one of them under another name: `{local} as …`"
                ));
                self.push_diagnostic(d);
            }
            _ => {
                self.visible[m].insert(local, key);
            }
        }
    }
}
