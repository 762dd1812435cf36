//! `json_parse(s)` and `from_json(s)` (builtins.md, "JSON, hashing,
//! encoding"). `Json` itself is a union type (`Type::Json`), so narrowing,
//! `as`, `==` and patterns on it are the union rules of `unions.rs`.
//!
//! `from_json` decodes into the `T` of the `result[T, String]` its context
//! expects; the runtime walks `T`'s type descriptor. What the descriptor
//! cannot say — field defaults and `where` constraints, which are code — is
//! passed as *hooks*: hidden cells the runtime calls, a `() -> F` cell per
//! defaulted field (run only when the field is missing) and the record's
//! constraint cells (see `constraints.rs`).

use std::collections::HashSet;

use lumen_diagnostics::Span;
use lumen_syntax::ast;

use super::build::error_expr;
use super::{codes, span_of, Body, CellSig, Checker, RetState};
use crate::hir::{self, CellId, Expr, ExprKind, JsonHook};
use crate::types::{result_of, Nominal, Type};

impl Checker {
    /// `json_parse(s)`: `result[Json, String]`.
    pub(super) fn check_json_parse(&mut self, mut values: Vec<Expr>, span: Span) -> Expr {
        if values.len() != 1 {
            self.error(
                codes::BAD_ARGUMENTS,
                format!(
                    "`json_parse` takes 1 argument but {} were given",
                    values.len()
                ),
                span.clone(),
                "wrong number of arguments",
            );
            return error_expr(span);
        }
        let text = values.remove(0);
        let tspan = text.span.clone();
        let text = self.expect_type(text, Type::Str, &tspan, "`json_parse` parses a `String`");
        Expr {
            kind: ExprKind::Builtin(hir::Builtin::JsonParse, vec![text]),
            ty: result_of(Type::Json, Type::Str),
            span,
        }
    }

    /// `from_json(s)` where `expected` should be `result[T, String]`.
    pub(super) fn check_from_json(
        &mut self,
        args: &[ast::Arg],
        expected: Option<Type>,
        span: Span,
    ) -> Expr {
        let mut values = Vec::new();
        for arg in args {
            if let Some(v) = arg.value() {
                let value = self.check_expr(&v, Some(Type::Str));
                let vspan = span_of(&v);
                values.push(self.expect_type(
                    value,
                    Type::Str,
                    &vspan,
                    "`from_json` decodes a `String` of JSON text",
                ));
            }
            if arg.name().is_some() || arg.is_spread() {
                self.error(
                    codes::BAD_ARGUMENTS,
                    "`from_json` takes one plain argument",
                    span_of(arg),
                    "unexpected argument form",
                );
            }
        }
        if values.len() != 1 {
            self.error(
                codes::BAD_ARGUMENTS,
                format!(
                    "`from_json` takes 1 argument but {} were given",
                    values.len()
                ),
                span.clone(),
                "wrong number of arguments",
            );
            return error_expr(span);
        }
        let target = match expected {
            Some(Type::Result(t, e)) if *e == Type::Str && *t != Type::Never => *t,
            Some(t) if t.has_error() => return error_expr(span),
            Some(other) => {
                self.error(
                    codes::MISMATCHED_TYPES,
                    "mismatched types",
                    span.clone(),
                    format!("`from_json` gives a `result[T, String]`, but `{other}` is expected"),
                );
                return error_expr(span);
            }
            None => {
                self.error(
                    codes::NEEDS_ANNOTATION,
                    "the type `from_json` decodes into cannot be inferred here",
                    span.clone(),
                    "decode into what?",
                );
                self.push_help(
                    "annotate the result, e.g. `let u: result[User, String] = from_json(text)`"
                        .to_string(),
                );
                return error_expr(span);
            }
        };
        let mut records = Vec::new();
        if let Err(bad) = self.decodable(target, &mut HashSet::new(), &mut records) {
            self.error(
                codes::NOT_DECODABLE,
                format!("`from_json` cannot decode a `{target}`"),
                span.clone(),
                match bad {
                    Type::Map(..) => {
                        format!("JSON object keys are strings, so `{bad}` has no JSON form")
                    }
                    Type::Set(e) => format!("set elements must have an ordering; `{e}` has none"),
                    _ => format!("a `{bad}` has no JSON form"),
                },
            );
            self.push_help(
                "decodable: Int, Float, Bool, String, Null, Json, records, enums, lists, \
                 maps with String keys, sets of ordered elements, tuples, unions and results \
                 of those"
                    .to_string(),
            );
            return error_expr(span);
        }
        let mut hooks = Vec::new();
        for n in records {
            hooks.extend(self.json_hooks(n, &span));
        }
        let text = values.remove(0);
        Expr {
            kind: ExprKind::FromJson(Box::new(text), hooks),
            ty: result_of(target, Type::Str),
            span,
        }
    }

    /// Whether values of `ty` can be decoded from JSON; `Err` names the part
    /// that cannot. Collects the records met (each once, `seen` stops
    /// recursive types).
    pub(super) fn decodable(
        &self,
        ty: Type,
        seen: &mut HashSet<Type>,
        records: &mut Vec<Nominal>,
    ) -> Result<(), Type> {
        if !seen.insert(ty) {
            return Ok(());
        }
        match ty {
            Type::Int
            | Type::Float
            | Type::Bool
            | Type::Str
            | Type::Bytes
            | Type::Null
            | Type::Json
            | Type::Never
            | Type::Error => Ok(()),
            Type::List(e) => self.decodable(*e, seen, records),
            Type::Future(_) | Type::Channel(_) => Err(ty),
            // Set elements are kept in order, like map keys.
            Type::Set(e) if !e.has_ordering() => Err(ty),
            Type::Set(e) => self.decodable(*e, seen, records),
            Type::Map(k, v) => {
                if *k != Type::Str {
                    return Err(ty);
                }
                self.decodable(*v, seen, records)
            }
            Type::Result(t, e) => {
                self.decodable(*t, seen, records)?;
                self.decodable(*e, seen, records)
            }
            Type::Tuple(members) | Type::Union(members) => members
                .iter()
                .try_for_each(|m| self.decodable(*m, seen, records)),
            Type::Record(n) => {
                records.push(n);
                let fields: Vec<Type> = self.types.records[n.id as usize]
                    .fields
                    .iter()
                    .map(|f| f.ty)
                    .collect();
                fields
                    .into_iter()
                    .try_for_each(|f| self.decodable(f, seen, records))
            }
            Type::Enum(n) => {
                let fields: Vec<Type> = self.types.enums[n.id as usize]
                    .variants
                    .iter()
                    .flat_map(|v| v.fields.iter().map(|(_, t)| *t))
                    .collect();
                fields
                    .into_iter()
                    .try_for_each(|f| self.decodable(f, seen, records))
            }
            Type::Fn(_) => Err(ty),
        }
    }

    /// The hooks a reply of type `ty` is decoded with (tools-details §11):
    /// those of every record in it.
    pub(super) fn reply_hooks(&mut self, ty: Type, span: &Span) -> Vec<JsonHook> {
        let mut records = Vec::new();
        let _ = self.decodable(ty, &mut HashSet::new(), &mut records);
        let mut hooks = Vec::new();
        for n in records {
            hooks.extend(self.json_hooks(n, span));
        }
        hooks
    }

    /// The hooks of one record: a default cell per defaulted field, then its
    /// `where` checks.
    fn json_hooks(&mut self, n: Nominal, span: &Span) -> Vec<JsonHook> {
        let mut hooks = Vec::new();
        let defaults = self
            .types
            .record_defaults
            .get(n.id as usize)
            .cloned()
            .unwrap_or_default();
        for (field, default) in defaults.iter().enumerate() {
            if let Some(default) = default {
                let cell = self.default_cell(n, field as u32, default, span);
                hooks.push(JsonHook {
                    record: Type::Record(n),
                    field: field as u32,
                    cell,
                    check: None,
                });
            }
        }
        for check in self.where_checks(n) {
            hooks.push(JsonHook {
                record: Type::Record(n),
                field: check.field,
                cell: check.cell,
                check: Some(format!("{} ({} = ", check.message, check.field_name)),
            });
        }
        hooks
    }

    /// The hidden cell `() -> F` giving the default of field `field` of
    /// record `n` (made once per field).
    fn default_cell(&mut self, n: Nominal, field: u32, default: &ast::Expr, span: &Span) -> CellId {
        if let Some(id) = self.json_default_cells.get(&(n.id, field)) {
            return *id;
        }
        let info = self.types.records[n.id as usize].clone();
        let ty = info.fields[field as usize].ty;
        let id = CellId(self.cells.len() as u32);
        self.json_default_cells.insert((n.id, field), id);
        self.cells.push(CellSig {
            name: format!("{}.{} default", info.name, info.fields[field as usize].name),
            params: Vec::new(),
            declared_ret: Some(ty),
            span: span.clone(),
            syntax: None,
            generics: Vec::new(),
            type_args: Default::default(),
            module: self.current_module,
        });
        self.ret_states.push(RetState::Known(ty));
        self.checked.push(None);
        let saved = std::mem::take(&mut self.bodies);
        self.bodies.push(Body::new(Some(ty)));
        // The record's default as the runtime's hook: no call uses it.
        let module = self.current_module;
        let value = self.check_default(default, ty, module, None);
        let state = self.bodies.pop().expect("pushed above");
        self.bodies = saved;
        self.checked[id.0 as usize] = Some(hir::Cell {
            name: self.cells[id.0 as usize].name.clone(),
            params: Vec::new(),
            ret: ty,
            vars: state.vars,
            body: hir::Block {
                stmts: Vec::new(),
                tail: Some(Box::new(value)),
            },
            span: span.clone(),
            captures: None,
        });
        id
    }
}
