//! Lowering of function values: creating closure objects, calling them, and
//! the prologue of a closure body that copies its captured values out of the
//! closure object (`lumen_abi` closure layout).

use lumen_abi as abi;
use lumen_sema::hir::{Expr, ExprKind, Type, VarId};

use super::FnLowerer;
use crate::{Const, FuncId, Loc, Operand, RtArg, Rvalue, StmtKind as MirStmt, Ty};

impl FnLowerer<'_, '_> {
    /// At the start of a closure body: each captured variable gets its value
    /// from the closure object (the hidden first parameter).
    pub(super) fn load_captures(&mut self, captures: &[VarId]) {
        let env = self.params[0];
        let loc = self.loc(self.cell.span.start);
        for (i, var) in captures.iter().enumerate() {
            let local = self.var_local(*var);
            let ty = self.local_ty(local);
            self.assign(
                local,
                Rvalue::Load {
                    base: Operand::Local(env),
                    offset: (abi::CLOSURE_CAPTURES_OFFSET + 8 * i) as i32,
                    ty,
                },
                loc,
            );
            if ty.is_heap() {
                self.push(MirStmt::Retain(local), loc);
            }
        }
    }

    pub(super) fn closure_expr(&mut self, e: &Expr, loc: Loc) -> Operand {
        match &e.kind {
            ExprKind::Closure(cell, captures) => {
                let capture_types: Vec<Type> = captures.iter().map(|c| c.ty).collect();
                // A named cell used as a value displays as `<fn name>`.
                let name = self.cell_name_for_closure(cell.0, captures.is_empty());
                let desc = self
                    .layouts
                    .closure_desc(cell.0, name.as_deref(), &capture_types);
                let code = self.unowned_local(Ty::Ptr);
                self.push(MirStmt::Assign(code, Rvalue::FuncAddr(FuncId(cell.0))), loc);
                let closure = self.runtime(
                    abi::LM_CLOSURE_NEW,
                    Ty::Ptr,
                    vec![RtArg::TypeDesc(desc), RtArg::Operand(Operand::Local(code))],
                    loc,
                );
                let Operand::Local(obj) = closure else {
                    return closure;
                };
                for (i, c) in captures.iter().enumerate() {
                    let value = self.expr(c);
                    let ty = self.layouts.ty(c.ty);
                    if let (Operand::Local(l), true) = (&value, ty.is_heap()) {
                        self.push(MirStmt::Retain(*l), loc);
                    }
                    self.push(
                        MirStmt::Store {
                            base: obj,
                            offset: (abi::CLOSURE_CAPTURES_OFFSET + 8 * i) as i32,
                            value,
                        },
                        loc,
                    );
                }
                Operand::Local(obj)
            }
            ExprKind::CallValue(callee, args) => {
                let f = self.expr(callee);
                let (args, snapshots) = self.exprs_in_order(args, loc);
                let ret = self.layouts.ty(e.ty);
                let result = self.temp(
                    ret,
                    Rvalue::CallIndirect {
                        callee: f,
                        args,
                        ret,
                    },
                    loc,
                );
                self.release_snapshots(snapshots, loc);
                result
            }
            _ => Operand::Const(Const::Null),
        }
    }

    fn local_ty(&self, local: crate::Local) -> Ty {
        self.locals[local.0 as usize].ty
    }

    /// The display name of closures of cell `index`: the cell's name when it is
    /// the wrapper of a named cell.
    fn cell_name_for_closure(&self, index: u32, no_captures: bool) -> Option<String> {
        if !no_captures {
            return None;
        }
        self.layouts.fn_names.get(index as usize).cloned().flatten()
    }
}
