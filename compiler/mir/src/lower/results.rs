//! Lowering of results: `ok`/`err` values (enum objects: tag 0 = ok, 1 = err,
//! one payload field), `?`, `try e`, the result builtins and `ok(p)`/`err(p)`
//! patterns.

use lumen_abi as abi;
use lumen_sema::hir::{Expr, ExprKind, Pattern, ResultOp, Type};

use super::FnLowerer;
use crate::{
    BinOp, BlockId, Const, Loc, Local, Operand, RtArg, Rvalue, StmtKind as MirStmt, Terminator, Ty,
};

impl FnLowerer<'_, '_> {
    pub(super) fn result_expr(&mut self, e: &Expr, loc: Loc) -> Operand {
        match &e.kind {
            ExprKind::ResultNew(is_ok, value) => {
                let v = self.expr(value);
                self.new_result(*is_ok, v, value.ty, e.ty, loc)
            }
            ExprKind::Propagate(value) => {
                let r = self.expr(value);
                let Type::Result(t, _) = value.ty else {
                    return Operand::Const(Const::Null);
                };
                let is_err = self.result_is(r.clone(), false, loc);
                let fail = self.new_block();
                let cont = self.new_block();
                self.terminate(Terminator::Branch {
                    cond: is_err,
                    then_block: fail,
                    else_block: cont,
                });
                self.switch_to(fail);
                // The err is returned as is: every result has the same
                // representation whatever its ok type.
                self.return_with_defers(r.clone(), loc);
                self.switch_to(cont);
                self.payload(r, *t, loc)
            }
            ExprKind::Try(thunk) => {
                // The runtime runs the thunk and catches its failure.
                let f = self.expr(thunk);
                let desc = self.desc(e.ty);
                self.runtime(
                    abi::LM_TRY_CALL,
                    Ty::Ptr,
                    vec![RtArg::Operand(f), desc],
                    loc,
                )
            }
            ExprKind::ResultOp(op, args) => {
                let r = self.expr(&args[0]);
                let Type::Result(t, err_ty) = args[0].ty else {
                    return Operand::Const(Const::Null);
                };
                match op {
                    ResultOp::IsOk | ResultOp::IsErr => {
                        self.result_is(r, *op == ResultOp::IsOk, loc)
                    }
                    ResultOp::Unwrap | ResultOp::UnwrapErr => {
                        let want_ok = *op == ResultOp::Unwrap;
                        let right_side = self.result_is(r.clone(), want_ok, loc);
                        let fail = self.new_block();
                        let cont = self.new_block();
                        self.terminate(Terminator::Branch {
                            cond: right_side,
                            then_block: cont,
                            else_block: fail,
                        });
                        self.switch_to(fail);
                        self.runtime_effect(
                            abi::LM_UNWRAP_FAILED,
                            vec![RtArg::Operand(r.clone()), RtArg::Loc(loc)],
                            loc,
                        );
                        self.switch_to(cont);
                        self.payload(r, if want_ok { *t } else { *err_ty }, loc)
                    }
                    ResultOp::UnwrapOr => {
                        let ty = self.layouts.ty(*t);
                        let result = self.new_local(ty, None);
                        let is_ok = self.result_is(r.clone(), true, loc);
                        let (ok_bb, err_bb, join) =
                            (self.new_block(), self.new_block(), self.new_block());
                        self.terminate(Terminator::Branch {
                            cond: is_ok,
                            then_block: ok_bb,
                            else_block: err_bb,
                        });
                        self.switch_to(ok_bb);
                        let v = self.payload(r, *t, loc);
                        self.assign(result, Rvalue::Use(v), loc);
                        self.goto(join);
                        self.switch_to(err_bb);
                        let d = self.expr(&args[1]);
                        self.assign(result, Rvalue::Use(d), loc);
                        self.goto(join);
                        self.switch_to(join);
                        Operand::Local(result)
                    }
                    ResultOp::MapOk | ResultOp::MapErr => {
                        let map_ok = *op == ResultOp::MapOk;
                        let f = self.expr(&args[1]);
                        let Type::Fn(sig) = args[1].ty else {
                            return Operand::Const(Const::Null);
                        };
                        let result = self.new_local(Ty::Ptr, None);
                        let matches = self.result_is(r.clone(), map_ok, loc);
                        let (map_bb, keep_bb, join) =
                            (self.new_block(), self.new_block(), self.new_block());
                        self.terminate(Terminator::Branch {
                            cond: matches,
                            then_block: map_bb,
                            else_block: keep_bb,
                        });
                        self.switch_to(map_bb);
                        let input = if map_ok { *t } else { *err_ty };
                        let x = self.payload(r.clone(), input, loc);
                        let ret = self.layouts.ty(sig.ret);
                        let y = self.temp(
                            ret,
                            Rvalue::CallIndirect {
                                callee: f,
                                args: vec![x],
                                ret,
                            },
                            loc,
                        );
                        let mapped = self.new_result(map_ok, y, sig.ret, e.ty, loc);
                        self.assign(result, Rvalue::Use(mapped), loc);
                        self.goto(join);
                        self.switch_to(keep_bb);
                        self.assign(result, Rvalue::Use(r), loc);
                        self.goto(join);
                        self.switch_to(join);
                        Operand::Local(result)
                    }
                }
            }
            _ => Operand::Const(Const::Null),
        }
    }

    /// A new `ok(value)` / `err(value)` of the result type `ty`.
    fn new_result(
        &mut self,
        is_ok: bool,
        value: Operand,
        value_ty: Type,
        ty: Type,
        loc: Loc,
    ) -> Operand {
        let desc = self.desc(ty);
        let obj = self.runtime(
            abi::LM_ENUM_NEW,
            Ty::Ptr,
            vec![desc, RtArg::I64(if is_ok { 0 } else { 1 })],
            loc,
        );
        let Operand::Local(o) = obj else { return obj };
        let vty = self.layouts.ty(value_ty);
        if let (Operand::Local(l), true) = (&value, vty.is_heap()) {
            self.push(MirStmt::Retain(*l), loc);
        }
        self.push(
            MirStmt::Store {
                base: o,
                offset: abi::ENUM_FIELDS_OFFSET as i32,
                value,
            },
            loc,
        );
        obj
    }

    /// Whether a result is `ok` (`want_ok`) or `err`.
    fn result_is(&mut self, r: Operand, want_ok: bool, loc: Loc) -> Operand {
        let tag = self.temp(
            Ty::Int,
            Rvalue::Load {
                base: r,
                offset: abi::ENUM_TAG_OFFSET as i32,
                ty: Ty::Int,
            },
            loc,
        );
        self.temp(
            Ty::Bool,
            Rvalue::Binary {
                op: BinOp::Eq,
                ty: Ty::Int,
                lhs: tag,
                rhs: Operand::Const(Const::Int(if want_ok { 0 } else { 1 })),
            },
            loc,
        )
    }

    /// The payload of a result, as a value of type `ty` (owned by the temp).
    fn payload(&mut self, r: Operand, ty: Type, loc: Loc) -> Operand {
        let mty = self.layouts.ty(ty);
        let v = self.temp(
            mty,
            Rvalue::Load {
                base: r,
                offset: abi::ENUM_FIELDS_OFFSET as i32,
                ty: mty,
            },
            loc,
        );
        if let (Operand::Local(l), true) = (&v, mty.is_heap()) {
            self.push(MirStmt::Retain(*l), loc);
        }
        v
    }

    /// Tests an `ok(p)` / `err(p)` pattern.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn result_test(
        &mut self,
        is_ok: bool,
        inner: &Pattern,
        ty: Type,
        scrut: Local,
        success: BlockId,
        fail: BlockId,
        loc: Loc,
    ) {
        let Type::Result(t, e) = ty else { return };
        let cond = self.result_is(Operand::Local(scrut), is_ok, loc);
        let matched = self.new_block();
        self.terminate(Terminator::Branch {
            cond,
            then_block: matched,
            else_block: fail,
        });
        self.switch_to(matched);
        let inner_ty = if is_ok { *t } else { *e };
        let v = self.payload(Operand::Local(scrut), inner_ty, loc);
        let Operand::Local(local) = v else { return };
        let mty = self.layouts.ty(inner_ty);
        self.pattern_test(inner, local, mty, success, fail, loc);
    }
}
