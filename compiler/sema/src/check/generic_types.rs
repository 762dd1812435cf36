//! Generic records and enums (`record Pair[A, B]`, `enum Tree[T]`): each use
//! with concrete type arguments (`Pair[Int, String]`, or inferred from a
//! construction such as `Pair(a: 1, b: "x")`) makes a monomorphic instance —
//! an ordinary record or enum whose name shows the arguments in types
//! (`Pair[Int, String]`) and not in values (`Pair(a: 1, b: "x")`).

use std::collections::HashMap;

use lumen_diagnostics::Span;
use lumen_syntax::ast::{self, AstNode};

use super::build::error_expr;
use super::{codes, span_of, Checker};
use crate::hir::Expr;
use crate::types::{intern_name, EnumInfo, FieldInfo, Nominal, RecordInfo, Type, VariantInfo};

/// A generic record or enum declaration.
#[derive(Clone)]
pub(crate) enum Template {
    Record(ast::Record, Vec<String>),
    Enum(ast::Enum, Vec<String>),
}

impl Template {
    fn params(&self) -> &[String] {
        match self {
            Template::Record(_, p) | Template::Enum(_, p) => p,
        }
    }
}

/// Templates by name, their variants, and the instances made so far.
#[derive(Default, Clone)]
pub(crate) struct GenericTypes {
    pub templates: HashMap<String, Template>,
    /// Variant name → the generic enum declaring it.
    pub variants: HashMap<String, String>,
    instances: HashMap<(String, Vec<Type>), Type>,
    /// Type names of generic enum instances, by enum id.
    pub enum_names: HashMap<u32, &'static str>,
    /// The module each template is declared in (its field types are
    /// resolved there).
    pub modules: HashMap<String, usize>,
}

impl Checker {
    /// Registers a generic record or enum (from `declare_types`).
    pub(super) fn declare_template(&mut self, name: String, template: Template) {
        if let Template::Enum(e, _) = &template {
            for v in e.variants() {
                if let Some(vn) = v.name() {
                    self.generic_types
                        .variants
                        .insert(vn.text(), self.decl_key(&name));
                }
            }
        }
        let key = self.decl_key(&name);
        self.generic_types
            .modules
            .insert(key.clone(), self.current_module);
        self.generic_types.templates.insert(key, template);
    }

    /// The type arguments of `ty` when it is an instance of the template
    /// `template_key` (`Box[Int]` → `[Int]`).
    pub(super) fn instance_args(&self, template_key: &str, ty: Type) -> Option<Vec<Type>> {
        self.generic_types
            .instances
            .iter()
            .find(|((key, _), instance)| key == template_key && **instance == ty)
            .map(|((_, args), _)| args.clone())
    }

    /// `ty` as found by `spec`, a speculative copy of this checker, with the
    /// generic instances `spec` made and this checker has not made again
    /// (their ids exist only in the copy) instantiated here.
    pub(super) fn adopt_instances(&mut self, spec: &Checker, ty: Type, span: &Span) -> Type {
        let made_by_spec = match ty {
            Type::Record(n) => self
                .types
                .records
                .get(n.id as usize)
                .is_none_or(|r| r.name != spec.types.records[n.id as usize].name),
            Type::Enum(n) => self
                .types
                .enums
                .get(n.id as usize)
                .is_none_or(|e| e.name != spec.types.enums[n.id as usize].name),
            _ => false,
        };
        if made_by_spec {
            let Some((template, args)) = spec
                .generic_types
                .instances
                .iter()
                .find(|(_, instance)| **instance == ty)
                .map(|((key, args), _)| (key.clone(), args.clone()))
            else {
                return Type::Error;
            };
            let args = args
                .into_iter()
                .map(|a| self.adopt_instances(spec, a, span))
                .collect();
            return self.instantiate_type(&template, args, span);
        }
        ty.map_parts(&mut |t| self.adopt_instances(spec, t, span))
    }

    /// The instance of a template for some type arguments.
    pub(super) fn instantiate_type(&mut self, name: &str, args: Vec<Type>, span: &Span) -> Type {
        let template_key = self.key(name);
        let Some(template) = self.generic_types.templates.get(&template_key).cloned() else {
            return Type::Error;
        };
        let template_module = self
            .generic_types
            .modules
            .get(&template_key)
            .copied()
            .unwrap_or(self.current_module);
        // A full key (`util::Tree`) shows as the declared name.
        let name = name.rsplit("::").next().unwrap_or(name);
        let params = template.params().to_vec();
        if params.len() != args.len() {
            self.error(
                codes::MISMATCHED_TYPES,
                format!(
                    "`{name}` takes {} type argument(s), {} given",
                    params.len(),
                    args.len()
                ),
                span.clone(),
                "wrong number of type arguments",
            );
            return Type::Error;
        }
        if args.iter().any(|a| a.has_error()) {
            return Type::Error;
        }
        let key = (template_key, args.clone());
        if let Some(t) = self.generic_types.instances.get(&key) {
            return *t;
        }
        let shown: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let nominal = |id: u32| Nominal {
            id,
            name: intern_name(&format!("{name}[{}]", shown.join(", "))),
        };
        let scope: HashMap<String, Type> =
            params.iter().cloned().zip(args.iter().copied()).collect();
        let saved_module = std::mem::replace(&mut self.current_module, template_module);
        let ty = self.instantiate_template(template, name, key, scope, nominal);
        self.current_module = saved_module;
        ty
    }

    fn instantiate_template(
        &mut self,
        template: Template,
        name: &str,
        key: (String, Vec<Type>),
        scope: HashMap<String, Type>,
        nominal: impl Fn(u32) -> Nominal,
    ) -> Type {
        match template {
            Template::Record(r, _) => {
                let id = self.types.records.len() as u32;
                let ty = Type::Record(nominal(id));
                // Registered first: a field may mention the instance itself.
                self.generic_types.instances.insert(key, ty);
                self.types.records.push(RecordInfo {
                    name: name.to_string(),
                    fields: Vec::new(),
                    span: span_of(&r),
                });
                self.types.record_defaults.push(Vec::new());
                self.type_args.push(scope.clone());
                let mut fields = Vec::new();
                let mut defaults = Vec::new();
                for f in r.fields() {
                    let Some(fname) = f.name().map(|n| n.text()) else {
                        continue;
                    };
                    let fty = f.ty().map_or(Type::Error, |t| self.resolve_type(&t));
                    fields.push(FieldInfo {
                        name: fname,
                        ty: fty,
                        span: span_of(&f),
                    });
                    defaults.push(f.default());
                }
                self.type_args.pop();
                self.types.records[id as usize].fields = fields;
                self.types.record_defaults[id as usize] = defaults;
                self.collect_instance_methods(ty, r.cells().collect(), scope);
                ty
            }
            Template::Enum(e, _) => {
                let id = self.types.enums.len() as u32;
                let ty = Type::Enum(nominal(id));
                if let Type::Enum(n) = ty {
                    self.generic_types.enum_names.insert(id, n.name);
                }
                self.generic_types.instances.insert(key, ty);
                self.types.enums.push(EnumInfo {
                    name: name.to_string(),
                    variants: Vec::new(),
                    span: span_of(&e),
                });
                self.type_args.push(scope.clone());
                let mut variants = Vec::new();
                for v in e.variants() {
                    let Some(vname) = v.name().map(|n| n.text()) else {
                        continue;
                    };
                    let fields = v
                        .fields()
                        .map(|f| {
                            (
                                f.name().map(|n| n.text()),
                                f.ty().map_or(Type::Error, |t| self.resolve_type(&t)),
                            )
                        })
                        .collect();
                    variants.push(VariantInfo {
                        name: vname,
                        fields,
                        span: span_of(&v),
                    });
                }
                self.type_args.pop();
                self.types.enums[id as usize].variants = variants;
                self.collect_instance_methods(ty, e.cells().collect(), scope);
                ty
            }
        }
    }

    /// Whether `name` constructs a generic record or a variant of a generic enum.
    pub(super) fn is_generic_constructor(&self, name: &str) -> bool {
        matches!(
            self.generic_types.templates.get(&self.key(name)),
            Some(Template::Record(..))
        ) || self.generic_types.variants.contains_key(name)
    }

    /// `Name(args)` / `Variant(args)` / bare `Variant` of a generic type: the
    /// instance comes from the expected type, or is inferred from the values
    /// (a piped value, `x |> Name(args)`, is the first positional one).
    pub(super) fn generic_construction(
        &mut self,
        name: &str,
        args: Option<&[ast::Arg]>,
        expected: Option<Type>,
        piped: Option<Expr>,
        span: Span,
    ) -> Expr {
        let args = if piped.is_some() {
            Some(args.unwrap_or(&[]))
        } else {
            args
        };
        let template_name = if self.generic_types.templates.contains_key(&self.key(name)) {
            name.to_string()
        } else {
            match self.generic_types.variants.get(name) {
                Some(t) => t.clone(),
                None => return error_expr(span),
            }
        };
        let Some(template) = self
            .generic_types
            .templates
            .get(&self.key(&template_name))
            .cloned()
        else {
            return error_expr(span);
        };
        // An expected instance of this template decides.
        let plain_name = template_name
            .rsplit("::")
            .next()
            .unwrap_or(&template_name)
            .to_string();
        let expected_instance = expected.filter(|t| match t {
            Type::Record(n) => self.types.records[n.id as usize].name == plain_name,
            Type::Enum(n) => self.types.enums[n.id as usize].name == plain_name,
            _ => false,
        });
        let ty = match expected_instance {
            Some(t) => t,
            None => {
                let Some(args) = args else {
                    self.error(
                        codes::NEEDS_ANNOTATION,
                        format!(
                            "cannot infer the type arguments of `{template_name}` for `{name}`"
                        ),
                        span.clone(),
                        "add a type annotation",
                    );
                    return error_expr(span);
                };
                // Field types as written, to match against the values.
                let field_types: Vec<(Option<String>, Option<ast::TypeRef>)> = match &template {
                    Template::Record(r, _) => r
                        .fields()
                        .map(|f| (f.name().map(|n| n.text()), f.ty()))
                        .collect(),
                    Template::Enum(e, _) => e
                        .variants()
                        .find(|v| v.name().is_some_and(|n| n.text() == name))
                        .map(|v| {
                            v.fields()
                                .map(|f| (f.name().map(|n| n.text()), f.ty()))
                                .collect()
                        })
                        .unwrap_or_default(),
                };
                let params = template.params().to_vec();
                let mut bindings: HashMap<String, Type> = HashMap::new();
                let errors_before = self.diagnostics.len();
                let first = usize::from(piped.is_some());
                if let (Some(p), Some((_, Some(tr)))) = (&piped, field_types.first()) {
                    self.match_type_public(tr, p.ty, &params, &mut bindings);
                }
                for (i, arg) in args.iter().enumerate() {
                    let Some(value) = arg.value() else { continue };
                    let slot = match arg.name() {
                        Some(n) => field_types
                            .iter()
                            .position(|(fname, _)| fname.as_deref() == Some(n.text().as_str())),
                        None => Some(first + i),
                    };
                    let Some(Some(tr)) = slot
                        .and_then(|s| field_types.get(s))
                        .map(|(_, t)| t.clone())
                    else {
                        continue;
                    };
                    // Values are checked again against the instance below; this
                    // pass only learns their types.
                    let v = self.check_expr(&value, None);
                    self.match_type_public(&tr, v.ty, &params, &mut bindings);
                }
                self.diagnostics.truncate(errors_before);
                let mut type_args = Vec::new();
                for p in &params {
                    match bindings.get(p) {
                        Some(t) => type_args.push(*t),
                        None => {
                            self.error(
                                codes::NEEDS_ANNOTATION,
                                format!(
                                    "cannot infer the type parameter `{p}` of `{template_name}`"
                                ),
                                span.clone(),
                                "add a type annotation",
                            );
                            return error_expr(span);
                        }
                    }
                }
                self.instantiate_type(&template_name, type_args, &span)
            }
        };
        match (ty, &template) {
            (Type::Record(n), Template::Record(..)) => {
                self.construct_record(n, args.unwrap_or(&[]), piped, span)
            }
            (Type::Enum(n), Template::Enum(..)) => {
                let tag = self.types.enums[n.id as usize]
                    .variants
                    .iter()
                    .position(|v| v.name == name);
                match tag {
                    Some(tag) => self.construct_variant(n.id, tag as u32, args, piped, span),
                    None => error_expr(span),
                }
            }
            _ => error_expr(span),
        }
    }

    /// `Name[Args]` in a type annotation when `Name` is generic.
    pub(super) fn resolve_generic_type(&mut self, path: &ast::PathType) -> Option<Type> {
        let name = path.name();
        if !self.generic_types.templates.contains_key(&self.key(&name)) {
            return None;
        }
        let args: Vec<Type> = path.args().map(|a| self.resolve_type(&a)).collect();
        let span = span_of(path);
        let _ = path.syntax();
        Some(self.instantiate_type(&name, args, &span))
    }
}
