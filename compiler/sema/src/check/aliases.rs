//! Type aliases (`type Name = T`, `type Pair[T] = (T, T)`; types.md §1).
//!
//! An alias is a transparent name: `Pair[Int]` *is* `(Int, Int)`. Aliases are
//! registered with the other type names (so they may be used before they are
//! declared and imported like any declaration) and resolved at each use, in
//! the module that declares them, with the alias's own type parameters bound
//! to the use's type arguments and nothing else in scope: an alias body never
//! sees the type parameters of the cell it is used in. Results are cached per
//! type arguments. An alias met again while it is being resolved is a cycle,
//! reported once at the use that closes it.

use std::collections::HashMap;

use lumen_diagnostics::Span;
use lumen_syntax::ast;

use super::build::is_builtin_type;
use super::{codes, span_of, Checker};
use crate::types::Type;

/// Nesting limit for expanding aliases while inferring type parameters: a
/// cyclic alias would otherwise expand forever (its error is reported when
/// it is resolved).
const MAX_ALIAS_MATCH_DEPTH: u32 = 64;

impl Checker {
    /// `type Name[params] = T`: registered now, resolved at each use.
    pub(super) fn declare_alias(&mut self, alias: &ast::TypeAlias) {
        let Some(name) = alias.name() else { return };
        let span = span_of(&name);
        let name = name.text();
        let key = self.decl_key(&name);
        if is_builtin_type(&name) {
            self.error(
                codes::DUPLICATE_DEFINITION,
                format!("`{name}` is a built-in type and cannot be an alias"),
                span,
                "a built-in type name",
            );
            return;
        }
        if self.types.by_name.contains_key(&key)
            || self.generic_types.templates.contains_key(&key)
            || self.aliases.contains_key(&key)
        {
            self.error(
                codes::DUPLICATE_DEFINITION,
                format!("the type `{name}` is defined more than once"),
                span,
                "redefined here",
            );
            return;
        }
        let mut params: Vec<String> = Vec::new();
        let mut bounds: Vec<(usize, String, Span)> = Vec::new();
        for p in alias.generic_params().iter().flat_map(|l| l.params()) {
            let Some(pname) = p.name() else { continue };
            // Checked at each use, where the type arguments are known.
            for b in p.bounds() {
                if let ast::TypeRef::Path(path) = &b {
                    bounds.push((params.len(), path.name(), span_of(&b)));
                }
            }
            if params.contains(&pname.text()) {
                self.error(
                    codes::DUPLICATE_DEFINITION,
                    format!("the type parameter `{}` is declared twice", pname.text()),
                    span_of(&pname),
                    "declared again here",
                );
            }
            params.push(pname.text());
        }
        if !params.is_empty() {
            self.alias_params.insert(key.clone(), params);
        }
        if !bounds.is_empty() {
            self.alias_bounds.insert(key.clone(), bounds);
        }
        self.aliases
            .insert(key, (alias.clone(), self.current_module));
    }

    /// Whether `name`, as written in the current module, is an alias.
    pub(super) fn is_alias(&self, name: &str) -> bool {
        self.aliases.contains_key(&self.key(name))
    }

    /// A use of the alias `path` names (`Names`, `Pair[Int]`): the type it
    /// stands for, after checking the number of type arguments.
    pub(super) fn resolve_alias_use(&mut self, path: &ast::PathType) -> Type {
        let span = span_of(path);
        let key = self.key(&path.name());
        let params = self.alias_params.get(&key).cloned().unwrap_or_default();
        let args: Vec<ast::TypeRef> = path.args().collect();
        if args.len() != params.len() {
            let name = path.name();
            let takes = match params.len() {
                0 => "takes no type arguments".to_string(),
                1 => "takes 1 type argument".to_string(),
                n => format!("takes {n} type arguments"),
            };
            self.error(
                codes::MISMATCHED_TYPES,
                format!(
                    "the type alias `{name}` {takes}, but {} {} given",
                    args.len(),
                    if args.len() == 1 { "was" } else { "were" }
                ),
                span,
                "wrong number of type arguments",
            );
            self.push_help(if params.is_empty() {
                format!("`{name}` is not generic: write `{name}`")
            } else {
                format!(
                    "`{name}` is declared as `type {name}[{}]`",
                    params.join(", ")
                )
            });
            return Type::Error;
        }
        let args: Vec<Type> = args.iter().map(|a| self.resolve_type(a)).collect();
        if args.iter().any(|a| a.has_error()) {
            return Type::Error;
        }
        if !self.alias_bounds_hold(&key, &params, &args, &span) {
            return Type::Error;
        }
        self.resolve_alias(&key, params, args, span)
    }

    /// Whether the type arguments of a use of the alias `key` satisfy its
    /// bounds (each failure reported at the use). A user-trait bound met
    /// before the `impl` blocks are collected (in a signature) is checked
    /// once they are, by [`Self::check_pending_alias_bounds`].
    fn alias_bounds_hold(
        &mut self,
        key: &str,
        params: &[String],
        args: &[Type],
        span: &Span,
    ) -> bool {
        let bounds = self.alias_bounds.get(key).cloned().unwrap_or_default();
        let mut ok = true;
        for (index, bound, bound_span) in bounds {
            let (Some(param), Some(&t)) = (params.get(index), args.get(index)) else {
                continue;
            };
            let check = AliasBound {
                alias: key.to_string(),
                param: param.clone(),
                bound,
                bound_span,
                ty: t,
                use_span: span.clone(),
                use_module: self.current_module,
            };
            let builtin = matches!(
                check.bound.as_str(),
                "Ord" | "Eq" | "Hash" | "Num" | "Display"
            );
            if builtin || self.impls_collected {
                ok &= self.check_alias_bound(&check);
            } else {
                self.pending_alias_bounds.push(check);
            }
        }
        ok
    }

    /// The alias-bound checks deferred until every `impl` is known.
    pub(super) fn check_pending_alias_bounds(&mut self) {
        self.impls_collected = true;
        for check in std::mem::take(&mut self.pending_alias_bounds) {
            self.check_alias_bound(&check);
        }
    }

    fn check_alias_bound(&mut self, c: &AliasBound) -> bool {
        let module = self.aliases.get(&c.alias).map_or(c.use_module, |(_, m)| *m);
        let saved = std::mem::replace(&mut self.current_module, c.use_module);
        let ok = match self.satisfies_bound(&c.bound, c.ty) {
            Some(true) => true,
            Some(false) => {
                let name = c.alias.rsplit("::").next().unwrap_or(&c.alias);
                let (t, param, bound) = (c.ty, &c.param, &c.bound);
                let mut d = lumen_diagnostics::Diagnostic::error(
                    codes::MISMATCHED_TYPES,
                    format!("`{t}` does not satisfy the bound `{param}: {bound}` of `{name}`"),
                    c.use_span.clone(),
                    format!("`{param}` is `{t}` here"),
                );
                // The bound is in the declaring module's file; point at it
                // only when that is this file.
                if module == c.use_module {
                    d = d.with_label(c.bound_span.clone(), "bound declared here");
                }
                self.push_diagnostic(d);
                false
            }
            None => {
                self.current_module = module;
                self.error(
                    codes::UNRESOLVED_NAME,
                    format!("cannot find trait `{}`", c.bound),
                    c.bound_span.clone(),
                    "unknown bound",
                );
                false
            }
        };
        self.current_module = saved;
        ok
    }

    /// The type the alias `key` stands for with its `params` bound to `args`,
    /// resolved in the module declaring it.
    fn resolve_alias(
        &mut self,
        key: &str,
        params: Vec<String>,
        args: Vec<Type>,
        use_span: Span,
    ) -> Type {
        let cache_key = (key.to_string(), args);
        if let Some(t) = self.alias_types.get(&cache_key) {
            return *t;
        }
        if self.alias_resolving.contains(key) {
            let name = key.rsplit("::").next().unwrap_or(key);
            self.error(
                codes::UNRESOLVED_NAME,
                format!("the type alias `{name}` refers to itself"),
                use_span,
                "a cycle of aliases",
            );
            self.push_help("use a record or enum for a recursive type".to_string());
            return Type::Error;
        }
        let Some((alias, module)) = self.aliases.get(key).cloned() else {
            return Type::Error;
        };
        self.alias_resolving.insert(key.to_string());
        let scope: HashMap<String, Type> = params
            .into_iter()
            .zip(cache_key.1.iter().copied())
            .collect();
        // Only the alias's own parameters are in scope in its body.
        let saved_args = std::mem::replace(&mut self.type_args, vec![scope]);
        let saved_module = std::mem::replace(&mut self.current_module, module);
        let ty = alias.ty().map_or(Type::Error, |t| self.resolve_type(&t));
        self.current_module = saved_module;
        self.type_args = saved_args;
        self.alias_resolving.remove(key);
        self.alias_types.insert(cache_key, ty);
        ty
    }

    /// Type inference through an alias: binds the type parameters `names`
    /// of a generic cell that occur in the type arguments of the alias use
    /// `path` by matching the alias body against `actual` first.
    /// `Pair[T]` against `(Int, Int)`: the body `(A, A)` binds `A = Int`,
    /// then the argument `T` is matched against `Int`.
    pub(super) fn match_alias(
        &self,
        path: &ast::PathType,
        actual: Type,
        names: &[String],
        bindings: &mut HashMap<String, Type>,
    ) {
        let key = self.key(&path.name());
        let Some((alias, _)) = self.aliases.get(&key) else {
            return;
        };
        let params = self.alias_params.get(&key).cloned().unwrap_or_default();
        let args: Vec<ast::TypeRef> = path.args().collect();
        let depth = self.alias_match_depth.get();
        if params.is_empty() || args.len() != params.len() || depth >= MAX_ALIAS_MATCH_DEPTH {
            return;
        }
        let Some(body) = alias.ty() else { return };
        self.alias_match_depth.set(depth + 1);
        let mut inner: HashMap<String, Type> = HashMap::new();
        self.match_type_public(&body, actual, &params, &mut inner);
        for (arg, param) in args.iter().zip(&params) {
            if let Some(t) = inner.get(param) {
                self.match_type_public(arg, *t, names, bindings);
            }
        }
        self.alias_match_depth.set(depth);
    }
}

/// One bound of a generic alias to check at one use.
#[derive(Clone)]
pub(crate) struct AliasBound {
    alias: String,
    param: String,
    bound: String,
    bound_span: Span,
    ty: Type,
    use_span: Span,
    use_module: usize,
}
