//! Type declarations: records and enums. Names are registered first (so types
//! may refer to each other in any order), then field and payload types are
//! resolved.

use super::build::is_builtin_type;
use std::collections::HashMap;

use lumen_diagnostics::Diagnostic;
use lumen_syntax::ast;

use super::{codes, span_of, Checker};
use crate::types::{
    intern_name, list_of, EnumInfo, FieldInfo, Nominal, RecordInfo, Type, VariantInfo,
};

/// The records and enums of a program and how to find them by name.
#[derive(Default, Clone)]
pub(crate) struct TypeDecls {
    pub records: Vec<RecordInfo>,
    /// Field defaults, per record, per field (checked at each construction).
    pub record_defaults: Vec<Vec<Option<ast::Expr>>>,
    pub enums: Vec<EnumInfo>,
    /// Type name → the type.
    pub by_name: HashMap<String, Type>,
    /// Variant name → every (enum id, variant index) with that name.
    pub variants: HashMap<String, Vec<(u32, u32)>>,
}

impl Checker {
    /// Registers the names of all records and enums (first pass).
    pub(super) fn declare_types(&mut self, items: &[ast::Item]) {
        for item in items {
            if let ast::Item::TypeAlias(alias) = item {
                self.declare_alias(alias);
                continue;
            }
            let (name, is_record, span) = match item {
                ast::Item::Record(r) => match r.name() {
                    Some(n) => (n.text(), true, span_of(&n)),
                    None => continue,
                },
                ast::Item::Enum(e) => match e.name() {
                    Some(n) => (n.text(), false, span_of(&n)),
                    None => continue,
                },
                // Agents and orchestrations are records with methods
                // (tools-details §71).
                ast::Item::Agent(_) | ast::Item::Orchestration(_) => {
                    match super::agents::AgentDecl::of(item).and_then(|a| a.name()) {
                        Some(n) => (n.text(), true, span_of(&n)),
                        None => continue,
                    }
                }
                _ => continue,
            };
            let generic_params = match item {
                ast::Item::Record(r) => r.generic_params(),
                ast::Item::Enum(e) => e.generic_params(),
                _ => None,
            };
            let params: Option<Vec<String>> = match generic_params {
                Some(list) => Some(
                    list.params()
                        .filter_map(|p| p.name())
                        .map(|n| n.text())
                        .collect(),
                ),
                None => self.implicit_type_params(item, items),
            };
            if let Some(params) = params {
                let template = match item {
                    ast::Item::Record(r) => {
                        super::generic_types::Template::Record(r.clone(), params)
                    }
                    ast::Item::Enum(e) => super::generic_types::Template::Enum(e.clone(), params),
                    _ => continue,
                };
                self.declare_template(name, template);
                continue;
            }
            if is_shadowable_builtin_type(&name) {
                self.push_diagnostic(Diagnostic::warning(
                    codes::SHADOWED_BUILTIN,
                    format!("`{name}` shadows the built-in type of the same name"),
                    span.clone(),
                    "shadows a built-in type",
                ));
            }
            if self.types.by_name.contains_key(&self.key(&name)) || is_builtin_type(&name) {
                self.error(
                    codes::DUPLICATE_DEFINITION,
                    format!("the type `{name}` is defined more than once"),
                    span,
                    "redefined here",
                );
                continue;
            }
            let ty = if is_record {
                let id = self.types.records.len() as u32;
                self.types.records.push(RecordInfo {
                    name: name.clone(),
                    fields: Vec::new(),
                    span: span.clone(),
                });
                self.types.record_defaults.push(Vec::new());
                Type::Record(Nominal {
                    id,
                    name: intern_name(&name),
                })
            } else {
                let id = self.types.enums.len() as u32;
                self.types.enums.push(EnumInfo {
                    name: name.clone(),
                    variants: Vec::new(),
                    span: span.clone(),
                });
                Type::Enum(Nominal {
                    id,
                    name: intern_name(&name),
                })
            };
            let key = self.decl_key(&name);
            self.types.by_name.insert(key, ty);
        }
    }

    /// Resolves the fields of records and the variants of enums (second pass).
    pub(super) fn define_types(&mut self, items: &[ast::Item]) {
        for item in items {
            match item {
                ast::Item::Record(r) => self.define_record(r),
                ast::Item::Enum(e) => self.define_enum(e),
                ast::Item::Agent(_) | ast::Item::Orchestration(_) => {
                    if let Some(a) = super::agents::AgentDecl::of(item) {
                        self.define_fields(a.name(), a.fields());
                    }
                }
                _ => {}
            }
        }
    }

    fn define_record(&mut self, r: &ast::Record) {
        let declared = r
            .name()
            .is_some_and(|n| self.types.by_name.contains_key(&self.key(&n.text())));
        if declared && r.generic_params().is_some() {
            self.not_supported("a generic record", span_of(r));
        }
        self.define_fields(r.name(), r.fields().collect());
    }

    /// Resolves the fields of the record (or agent) named `name`.
    fn define_fields(&mut self, name: Option<ast::Name>, record_fields: Vec<ast::Field>) {
        let Some(Type::Record(n)) =
            name.and_then(|n| self.types.by_name.get(&self.key(&n.text())).copied())
        else {
            return;
        };

        let mut fields: Vec<FieldInfo> = Vec::new();
        let mut defaults = Vec::new();
        for field in record_fields {
            let Some(name) = field.name().map(|n| n.text()) else {
                continue;
            };
            let span = span_of(&field);
            if fields.iter().any(|f| f.name == name) {
                self.error(
                    codes::DUPLICATE_DEFINITION,
                    format!("field `{name}` is declared more than once"),
                    span.clone(),
                    "duplicate field",
                );
                continue;
            }
            if let Some(c) = field.constraint() {
                self.declare_constraint(n.id, fields.len() as u32, c);
            }
            let ty = match field.ty() {
                Some(t) => self.resolve_type(&t),
                None => Type::Error,
            };
            fields.push(FieldInfo { name, ty, span });
            defaults.push(field.default());
        }
        self.types.records[n.id as usize].fields = fields;
        self.types.record_defaults[n.id as usize] = defaults;
    }

    fn define_enum(&mut self, e: &ast::Enum) {
        let Some(Type::Enum(n)) = e
            .name()
            .and_then(|n| self.types.by_name.get(&self.key(&n.text())).copied())
        else {
            return;
        };
        if e.generic_params().is_some() {
            self.not_supported("a generic enum", span_of(e));
        }

        let mut variants: Vec<VariantInfo> = Vec::new();
        for variant in e.variants() {
            let Some(name) = variant.name().map(|n| n.text()) else {
                continue;
            };
            let span = span_of(&variant);
            if variants.iter().any(|v| v.name == name) {
                self.error(
                    codes::DUPLICATE_DEFINITION,
                    format!("variant `{name}` is declared more than once"),
                    span.clone(),
                    "duplicate variant",
                );
                continue;
            }
            let mut fields = Vec::new();
            for f in variant.fields() {
                let fname = f.name().map(|n| n.text());
                let ty = match f.ty() {
                    Some(t) => self.resolve_type(&t),
                    None => Type::Error,
                };
                fields.push((fname, ty));
            }
            let named = fields.iter().filter(|(n, _)| n.is_some()).count();
            if named != 0 && named != fields.len() {
                self.error(
                    codes::BAD_LITERAL,
                    "a variant's payload fields must be all named or all positional",
                    span.clone(),
                    "mixed named and positional fields",
                );
            }
            let tag = variants.len() as u32;
            self.types
                .variants
                .entry(name.clone())
                .or_default()
                .push((n.id, tag));
            variants.push(VariantInfo { name, fields, span });
        }
        self.types.enums[n.id as usize].variants = variants;
    }

    /// Resolves `list[T]` and user type names (called from `resolve_type`).
    pub(super) fn resolve_named_type(&mut self, path: &ast::PathType) -> Option<Type> {
        let name = path.name();
        let args: Vec<ast::TypeRef> = path.args().collect();
        if name == "list" {
            if args.len() != 1 {
                self.error(
                    codes::MISMATCHED_TYPES,
                    "`list` takes one type argument",
                    span_of(path),
                    "write `list[T]`",
                );
                return Some(Type::Error);
            }
            let elem = self.resolve_type(&args[0]);
            return Some(list_of(elem));
        }
        let ty = self.types.by_name.get(&self.key(&name)).copied()?;
        if !args.is_empty() {
            self.error(
                codes::MISMATCHED_TYPES,
                format!("`{name}` takes no type arguments"),
                span_of(path),
                "unexpected type arguments",
            );
        }
        Some(ty)
    }

    /// The variant called `name`: the one enum that has it, or the one the
    /// expected type `hint` names (an enum, or a union with one such enum);
    /// reports an ambiguity otherwise.
    pub(super) fn unique_variant(
        &mut self,
        name: &str,
        span: &lumen_diagnostics::Span,
        hint: Option<Type>,
    ) -> Option<(u32, u32)> {
        let candidates = self.types.variants.get(name)?.clone();
        if candidates.len() == 1 {
            return Some(candidates[0]);
        }
        let wanted: Vec<u32> = hint
            .map(|h| h.members())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| match m {
                Type::Enum(e) => Some(e.id),
                _ => None,
            })
            .collect();
        let fitting: Vec<(u32, u32)> = candidates
            .iter()
            .copied()
            .filter(|(e, _)| wanted.contains(e))
            .collect();
        if let [one] = fitting.as_slice() {
            return Some(*one);
        }
        let enums: Vec<String> = candidates
            .iter()
            .map(|(e, _)| format!("`{}.{name}`", self.types.enums[*e as usize].name))
            .collect();
        self.push_diagnostic(
            Diagnostic::error(
                codes::UNRESOLVED_NAME,
                format!("the variant `{name}` is ambiguous"),
                span.clone(),
                "more than one enum has this variant",
            )
            .with_help(format!("qualify it: {}", enums.join(" or "))),
        );
        Some(candidates[0])
    }

    pub(super) fn enum_type(&self, id: u32) -> Type {
        // Instances of generic enums show their type arguments (`Tree[Int]`).
        let name = self
            .generic_types
            .enum_names
            .get(&id)
            .copied()
            .unwrap_or_else(|| intern_name(&self.types.enums[id as usize].name));
        Type::Enum(Nominal { id, name })
    }
}

/// Primitive type names a program may not redefine.
/// Built-in type names a declaration may shadow, with a warning (types.md §1).
fn is_shadowable_builtin_type(name: &str) -> bool {
    matches!(
        name,
        "Bytes"
            | "Json"
            | "Any"
            | "Message"
            | "FutureState"
            | "HttpResponse"
            | "Future"
            | "Channel"
    )
}

impl Checker {
    /// The one-letter type names (`T`, `U`, …) that a record or enum without
    /// `[…]` uses but nothing declares: it is generic in them, as if written
    /// `enum FutureState[T]` (the seed declares `Completed(value: T)` so;
    /// docs/language-decisions.md). `None` when there are none.
    fn implicit_type_params(&self, item: &ast::Item, items: &[ast::Item]) -> Option<Vec<String>> {
        let types: Vec<ast::TypeRef> = match item {
            ast::Item::Record(r) => r.fields().filter_map(|f| f.ty()).collect(),
            ast::Item::Enum(e) => e
                .variants()
                .flat_map(|v| v.fields().filter_map(|f| f.ty()).collect::<Vec<_>>())
                .collect(),
            _ => return None,
        };
        let declared = |name: &str| {
            items.iter().any(|i| match i {
                ast::Item::Record(r) => r.name().is_some_and(|n| n.text() == name),
                ast::Item::Enum(e) => e.name().is_some_and(|n| n.text() == name),
                ast::Item::TypeAlias(a) => a.name().is_some_and(|n| n.text() == name),
                _ => false,
            })
        };
        let mut params: Vec<String> = Vec::new();
        let mut work = types;
        while let Some(t) = work.pop() {
            match t {
                ast::TypeRef::Path(p) => {
                    let name = p.name();
                    let one_letter =
                        name.len() == 1 && name.chars().all(|c| c.is_ascii_uppercase());
                    if one_letter && !declared(&name) && !params.contains(&name) {
                        params.push(name);
                    }
                    work.extend(p.args());
                }
                ast::TypeRef::Tuple(t) => work.extend(t.elements()),
                ast::TypeRef::Union(u) => work.extend(u.members()),
                ast::TypeRef::Optional(o) => work.extend(o.inner()),
                ast::TypeRef::Paren(p) => work.extend(p.inner()),
                ast::TypeRef::Fn(f) => {
                    work.extend(f.params());
                    work.extend(f.ret_type());
                }
                ast::TypeRef::Null(_) => {}
            }
        }
        params.sort();
        (!params.is_empty()).then_some(params)
    }
}
