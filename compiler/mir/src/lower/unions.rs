//! Lowering of unions and optionals: injecting a member value, narrowing,
//! membership tests, `??`, `!`, `as`, `if let` and member patterns.
//!
//! Representation (`Layouts::nullable_pointer`): a union of `Null` and one
//! heap type is that type's pointer, 0 for null — no allocation. Every other
//! union value is 0 for null or a box object naming the member type it holds
//! (`lumen_abi::BOX_*`).

use lumen_abi as abi;
use lumen_sema::hir::{self, Expr, ExprKind, Type};

use super::FnLowerer;
use crate::{
    BinOp, BlockId, Const, Loc, Local, Operand, RtArg, Rvalue, StmtKind as MirStmt, Terminator, Ty,
};

impl FnLowerer<'_, '_> {
    pub(super) fn union_expr(&mut self, e: &Expr, loc: Loc) -> Operand {
        match &e.kind {
            ExprKind::Inject(value) => {
                let op = self.expr(value);
                self.inject(op, value.ty, e.ty, loc)
            }
            ExprKind::Narrow(value) => {
                let op = self.expr(value);
                self.narrow(op, value.ty, e.ty, loc)
            }
            ExprKind::IsType(value, member) => {
                let op = self.expr(value);
                self.is_member(op, value.ty, *member, loc)
            }
            ExprKind::AssertMember(value) => {
                let op = self.expr(value);
                let ok = self.is_member(op.clone(), value.ty, e.ty, loc);
                self.fail_unless(ok, abi::RuntimeErrorCode::FailedAs, loc);
                self.narrow(op, value.ty, e.ty, loc)
            }
            ExprKind::Unwrap(value, call) => {
                let op = self.expr(value);
                let is_null = self.is_member(op.clone(), value.ty, Type::Null, loc);
                let not_null = self.temp(
                    Ty::Bool,
                    Rvalue::Unary {
                        op: crate::UnOp::Not,
                        ty: Ty::Bool,
                        operand: is_null,
                    },
                    loc,
                );
                let code = if *call {
                    abi::RuntimeErrorCode::UnwrapNull
                } else {
                    abi::RuntimeErrorCode::NullUnwrap
                };
                self.fail_unless(not_null, code, loc);
                self.narrow(op, value.ty, e.ty, loc)
            }
            ExprKind::Coalesce(value, default) => {
                let op = self.expr(value);
                let ty = self.layouts.ty(e.ty);
                let result = self.new_local(ty, None);
                let is_null = self.is_member(op.clone(), value.ty, Type::Null, loc);
                let null_block = self.new_block();
                let value_block = self.new_block();
                let join = self.new_block();
                self.terminate(Terminator::Branch {
                    cond: is_null,
                    then_block: null_block,
                    else_block: value_block,
                });
                self.switch_to(null_block);
                let d = self.expr(default);
                self.assign(result, Rvalue::Use(d), loc);
                self.goto(join);
                self.switch_to(value_block);
                let narrowed = self.narrow(op, value.ty, e.ty, loc);
                self.assign(result, Rvalue::Use(narrowed), loc);
                self.goto(join);
                self.switch_to(join);
                Operand::Local(result)
            }
            ExprKind::IfLet {
                pattern,
                value,
                then_block,
                else_block,
            } => {
                let v = self.expr(value);
                let vty = self.layouts.ty(value.ty);
                let scrut = self.new_local(vty, Some("if_let.value".into()));
                self.assign(scrut, Rvalue::Use(v), loc);
                let ty = self.layouts.ty(e.ty);
                let result = self.new_local(ty, None);
                let then_bb = self.new_block();
                let else_bb = self.new_block();
                let join = self.new_block();
                self.pattern_test(pattern, scrut, vty, then_bb, else_bb, loc);
                self.switch_to(then_bb);
                self.branch_value(then_block, result, ty, loc);
                self.goto(join);
                self.switch_to(else_bb);
                if let Some(else_block) = else_block {
                    self.branch_value(else_block, result, ty, loc);
                }
                self.goto(join);
                self.switch_to(join);
                Operand::Local(result)
            }
            _ => Operand::Const(Const::Null),
        }
    }

    /// A member value as a value of the union `union`.
    pub(super) fn inject(&mut self, op: Operand, member: Type, union: Type, loc: Loc) -> Operand {
        let Some(members) = union.union_members() else {
            return op;
        };
        let uty = self.layouts.ty(union);
        if member == Type::Null {
            return self.temp(
                uty,
                Rvalue::FromSlot(Operand::Const(Const::Int(0)), uty),
                loc,
            );
        }
        if self.layouts.nullable_pointer(members).is_some() {
            return self.temp(uty, Rvalue::Use(op), loc);
        }
        if let Some(sub) = member.union_members() {
            return self.widen_union(op, sub, member, uty, loc);
        }
        let mty = self.layouts.ty(member);
        let slot = self.to_slot(op, mty, loc);
        let desc = self.desc(member);
        self.runtime(
            abi::LM_BOX_NEW,
            Ty::Ptr,
            vec![desc, RtArg::Operand(slot)],
            loc,
        )
    }

    /// A value of a narrower union `sub` as a value of a boxed union. A box
    /// names a member type (never a union), so a boxed value is already a
    /// value of the wider union: the same box, retained. An optional heap
    /// value is boxed unless null.
    fn widen_union(
        &mut self,
        op: Operand,
        sub: &[Type],
        sub_ty: Type,
        uty: Ty,
        loc: Loc,
    ) -> Operand {
        let Some(inner) = self.layouts.nullable_pointer(sub) else {
            // Assigning a local retains it: the new value owns the box too.
            return self.temp(uty, Rvalue::Use(op), loc);
        };
        let result = self.new_local(uty, None);
        let is_null = self.is_member(op.clone(), sub_ty, Type::Null, loc);
        let null_bb = self.new_block();
        let value_bb = self.new_block();
        let join = self.new_block();
        self.terminate(Terminator::Branch {
            cond: is_null,
            then_block: null_bb,
            else_block: value_bb,
        });
        self.switch_to(null_bb);
        self.assign(
            result,
            Rvalue::FromSlot(Operand::Const(Const::Int(0)), uty),
            loc,
        );
        self.goto(join);
        self.switch_to(value_bb);
        let ity = self.layouts.ty(inner);
        let slot = self.to_slot(op, ity, loc);
        let desc = self.desc(inner);
        let boxed = self.runtime(
            abi::LM_BOX_NEW,
            Ty::Ptr,
            vec![desc, RtArg::Operand(slot)],
            loc,
        );
        self.assign(result, Rvalue::Use(boxed), loc);
        self.goto(join);
        self.switch_to(join);
        Operand::Local(result)
    }

    /// A union value known to hold `member`, as a value of `member`.
    fn narrow(&mut self, op: Operand, union: Type, member: Type, loc: Loc) -> Operand {
        let Some(members) = union.union_members() else {
            return op;
        };
        if member == Type::Null {
            return Operand::Const(Const::Null);
        }
        let mty = self.layouts.ty(member);
        if self.layouts.nullable_pointer(members).is_some() {
            return self.temp(mty, Rvalue::Use(op), loc);
        }
        // Narrowing to a smaller union (`x != null` on `Int | String | Null`).
        if let Some(sub) = member.union_members() {
            if self.layouts.nullable_pointer(sub).is_none() {
                // Both boxed: the same box.
                return self.temp(mty, Rvalue::Use(op), loc);
            }
            // Boxed to an optional heap value: unbox unless null.
            let result = self.new_local(mty, None);
            let is_null = self.is_member(op.clone(), union, Type::Null, loc);
            let null_bb = self.new_block();
            let value_bb = self.new_block();
            let join = self.new_block();
            self.terminate(Terminator::Branch {
                cond: is_null,
                then_block: null_bb,
                else_block: value_bb,
            });
            self.switch_to(null_bb);
            self.assign(
                result,
                Rvalue::FromSlot(Operand::Const(Const::Int(0)), mty),
                loc,
            );
            self.goto(join);
            self.switch_to(value_bb);
            self.assign(
                result,
                Rvalue::Load {
                    base: op,
                    offset: abi::BOX_SLOT_OFFSET as i32,
                    ty: mty,
                },
                loc,
            );
            self.push(MirStmt::Retain(result), loc);
            self.goto(join);
            self.switch_to(join);
            return Operand::Local(result);
        }
        let value = self.temp(
            mty,
            Rvalue::Load {
                base: op,
                offset: abi::BOX_SLOT_OFFSET as i32,
                ty: mty,
            },
            loc,
        );
        if let Operand::Local(l) = &value {
            if mty.is_heap() {
                self.push(MirStmt::Retain(*l), loc);
            }
        }
        value
    }

    /// Whether a union value holds `member` (a Bool operand).
    pub(super) fn is_member(
        &mut self,
        op: Operand,
        union: Type,
        member: Type,
        loc: Loc,
    ) -> Operand {
        let Some(members) = union.union_members() else {
            return Operand::Const(Const::Bool(union == member));
        };
        // A smaller union (the pattern `v: Int?` on `Int | String | Null`):
        // any of its members.
        if let Some(sub) = member.union_members() {
            let mut any = Operand::Const(Const::Bool(false));
            for m in sub {
                let test = self.is_member(op.clone(), union, *m, loc);
                any = self.temp(
                    Ty::Bool,
                    Rvalue::Binary {
                        op: BinOp::BitOr,
                        ty: Ty::Bool,
                        lhs: any,
                        rhs: test,
                    },
                    loc,
                );
            }
            return any;
        }
        let uty = self.layouts.ty(union);
        let nullable = self.layouts.nullable_pointer(members).is_some();
        if member == Type::Null || nullable {
            let slot = self.to_slot(op, uty, loc);
            let op = if member == Type::Null {
                BinOp::Eq
            } else {
                BinOp::Ne
            };
            return self.temp(
                Ty::Bool,
                Rvalue::Binary {
                    op,
                    ty: Ty::Int,
                    lhs: slot,
                    rhs: Operand::Const(Const::Int(0)),
                },
                loc,
            );
        }
        let desc = self.desc(member);
        self.runtime(
            abi::LM_BOX_IS,
            Ty::Bool,
            vec![RtArg::Operand(op), desc],
            loc,
        )
    }

    /// Raises runtime error `code` unless `ok` holds.
    fn fail_unless(&mut self, ok: Operand, code: abi::RuntimeErrorCode, loc: Loc) {
        let fail = self.new_block();
        let cont = self.new_block();
        self.terminate(Terminator::Branch {
            cond: ok,
            then_block: cont,
            else_block: fail,
        });
        self.switch_to(fail);
        self.runtime_effect(
            abi::LM_RUNTIME_ERROR,
            vec![RtArg::I32(code as i32), RtArg::Loc(loc)],
            loc,
        );
        self.switch_to(cont);
    }

    /// Tests a pattern on one member of a union (`0` on `Int | String`):
    /// the member first, then the narrowed value.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn member_value_test(
        &mut self,
        member: Type,
        union: Type,
        inner: &hir::Pattern,
        scrut: Local,
        success: BlockId,
        fail: BlockId,
        loc: Loc,
    ) {
        let cond = self.is_member(Operand::Local(scrut), union, member, loc);
        let matched = self.new_block();
        self.terminate(Terminator::Branch {
            cond,
            then_block: matched,
            else_block: fail,
        });
        self.switch_to(matched);
        let mty = self.layouts.ty(member);
        let value = self.narrow(Operand::Local(scrut), union, member, loc);
        let local = self.new_local(mty, Some("member.value".into()));
        self.assign_result(local, value, loc);
        self.pattern_test(inner, local, mty, success, fail, loc);
    }

    /// Tests a member pattern (`n: Int`, `null`) against a union value.
    pub(super) fn member_test(
        &mut self,
        member: Type,
        union: Type,
        var: Option<hir::VarId>,
        scrut: Local,
        success: BlockId,
        fail: BlockId,
        loc: Loc,
    ) {
        let cond = self.is_member(Operand::Local(scrut), union, member, loc);
        let matched = self.new_block();
        self.terminate(Terminator::Branch {
            cond,
            then_block: matched,
            else_block: fail,
        });
        self.switch_to(matched);
        if let Some(var) = var {
            let value = self.narrow(Operand::Local(scrut), union, member, loc);
            let local = self.var_local(var);
            self.assign(local, Rvalue::Use(value), loc);
        }
        self.goto(success);
    }
}
