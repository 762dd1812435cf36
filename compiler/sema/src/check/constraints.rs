//! `where` constraints on record fields (types.md §2): checked at run time at
//! construction and at every write of the field, failing with
//! `constraint failed: User.age >= 0 (age = -1)`.
//!
//! Each constraint becomes a hidden cell taking the record (`self`) with every
//! field bound as a variable of its own name, returning the condition; a
//! [`ExprKind::CheckWhere`] calls it where the record is made or changed.

use std::collections::HashMap;

use lumen_diagnostics::Span;
use lumen_syntax::ast::{self, AstNode};

use super::{span_of, Body, CellSig, Checker, ParamSig, RetState};
use crate::hir::{self, CellId, Expr, ExprKind, Stmt, StmtKind, WhereCheck};
use crate::types::{Nominal, Type};

/// The constraints of each record: (field index, constraint syntax, hidden cell).
#[derive(Default, Clone)]
pub(crate) struct Constraints {
    pending: HashMap<u32, Vec<(u32, ast::Expr)>>,
    cells: HashMap<u32, Vec<(u32, CellId, String)>>,
}

impl Checker {
    /// Remembers a field's constraint (from `define_record`).
    pub(super) fn declare_constraint(&mut self, record: u32, field: u32, constraint: ast::Expr) {
        self.constraints
            .pending
            .entry(record)
            .or_default()
            .push((field, constraint));
    }

    /// The checks of a record type, making their cells on first use.
    pub(super) fn where_checks(&mut self, n: Nominal) -> Vec<WhereCheck> {
        if let Some(pending) = self.constraints.pending.remove(&n.id) {
            let mut made = Vec::new();
            for (field, syntax) in pending {
                let id = self.constraint_cell(n, field, &syntax);
                let text = syntax.syntax().text().to_string();
                made.push((field, id, text));
            }
            self.constraints.cells.insert(n.id, made);
        }
        let info = self.types.records[n.id as usize].clone();
        self.constraints
            .cells
            .get(&n.id)
            .map(|cs| {
                cs.iter()
                    .map(|(field, cell, text)| WhereCheck {
                        cell: *cell,
                        field: *field,
                        message: format!("constraint failed: {}.{text}", info.name),
                        field_name: info.fields[*field as usize].name.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The hidden cell `(self) -> Bool` for one constraint.
    fn constraint_cell(&mut self, n: Nominal, field: u32, syntax: &ast::Expr) -> CellId {
        let info = self.types.records[n.id as usize].clone();
        let span = span_of(syntax);
        let record_ty = Type::Record(n);
        let id = CellId(self.cells.len() as u32);
        self.cells.push(CellSig {
            name: format!("{}.{} where", info.name, info.fields[field as usize].name),
            params: vec![ParamSig {
                name: "self".to_string(),
                ty: record_ty,
                default: None,
                span: span.clone(),
                variadic: false,
            }],
            declared_ret: Some(Type::Bool),
            span: span.clone(),
            syntax: None,
            generics: Vec::new(),
            type_args: Default::default(),
            module: self.current_module,
        });
        self.ret_states.push(RetState::Known(Type::Bool));
        self.checked.push(None);
        // The body: every field as a variable, then the condition.
        let saved = std::mem::take(&mut self.bodies);
        self.bodies.push(Body::new(Some(Type::Bool)));
        let this = self.new_var("self", record_ty, false, span.clone());
        self.body().used.insert(this);
        let mut stmts = Vec::new();
        for (i, f) in info.fields.iter().enumerate() {
            let var = self.new_var(&f.name, f.ty, false, span.clone());
            self.body().used.insert(var);
            stmts.push(Stmt {
                kind: StmtKind::Let(
                    var,
                    Expr {
                        kind: ExprKind::Field(
                            Box::new(Expr {
                                kind: ExprKind::Var(this),
                                ty: record_ty,
                                span: span.clone(),
                            }),
                            i as u32,
                        ),
                        ty: f.ty,
                        span: span.clone(),
                    },
                ),
                span: span.clone(),
            });
        }
        let cond = self.check_expr(syntax, Some(Type::Bool));
        let cond = self.expect_type(
            cond,
            Type::Bool,
            &span,
            "a `where` constraint must be a `Bool`",
        );
        let state = self.bodies.pop().expect("pushed above");
        self.bodies = saved;
        self.checked[id.0 as usize] = Some(hir::Cell {
            name: self.cells[id.0 as usize].name.clone(),
            params: vec![this],
            ret: Type::Bool,
            vars: state.vars,
            body: hir::Block {
                stmts,
                tail: Some(Box::new(cond)),
            },
            span,
            captures: None,
        });
        id
    }

    /// Wraps a record value with the checks of its constraints (if any).
    pub(super) fn with_where_checks(&mut self, value: Expr, span: &Span) -> Expr {
        let Type::Record(n) = value.ty else {
            return value;
        };
        let checks = self.where_checks(n);
        if checks.is_empty() {
            return value;
        }
        let ty = value.ty;
        Expr {
            kind: ExprKind::CheckWhere(Box::new(value), checks),
            ty,
            span: span.clone(),
        }
    }
}
