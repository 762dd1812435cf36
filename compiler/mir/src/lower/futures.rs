//! Futures, orchestration and channels (`hir::ExprKind::Async`): each
//! operation is one runtime call (`runtime/src/exec/futures.rs`, `forms.rs`,
//! `channels.rs`). Values cross in the slot encoding: a result of type `T`
//! comes back as a slot and is decoded with `FromSlot`; a value sent is
//! encoded with `ToSlot`. Descriptors tell the runtime the value types.

use lumen_abi as abi;
use lumen_sema::hir::{AsyncOp, Expr, Type};

use super::FnLowerer;
use crate::{Const, Loc, Operand, RtArg, Rvalue, Ty};

/// Whether values of `ty` can hold a future.
fn contains_future(ty: Type) -> bool {
    match ty {
        Type::Future(_) => true,
        Type::List(e) => contains_future(*e),
        Type::Map(_, v) => contains_future(*v),
        Type::Tuple(elems) => elems.iter().any(|e| contains_future(*e)),
        Type::Union(members) => members.iter().any(|m| contains_future(*m)),
        _ => false,
    }
}

impl FnLowerer<'_, '_> {
    /// A slot result of `f` decoded as a value of `ty`.
    pub(super) fn slot_call(
        &mut self,
        f: abi::RuntimeFn,
        args: Vec<RtArg>,
        ty: Type,
        loc: Loc,
    ) -> Operand {
        let slot = self.runtime(f, Ty::Int, args, loc);
        let mir_ty = self.layouts.ty(ty);
        self.temp(mir_ty, Rvalue::FromSlot(slot, mir_ty), loc)
    }

    pub(super) fn async_op(&mut self, op: AsyncOp, args: &[Expr], ty: Type, loc: Loc) -> Operand {
        // Left to right, a variable's value taken before a later argument
        // assigns it.
        let (values, snapshots) = self.exprs_in_order(args, loc);
        let result = self.async_op_on(op, args, values, ty, loc);
        self.release_snapshots(snapshots, loc);
        result
    }

    /// `op` once its arguments are lowered to `values`.
    fn async_op_on(
        &mut self,
        op: AsyncOp,
        args: &[Expr],
        values: Vec<Operand>,
        ty: Type,
        loc: Loc,
    ) -> Operand {
        let arg = |i: usize| RtArg::Operand(values[i].clone());
        let null = Operand::Const(Const::Null);
        match op {
            AsyncOp::Spawn => {
                let desc = self.desc(ty);
                self.runtime(abi::LM_SPAWN, Ty::Ptr, vec![arg(0), desc], loc)
            }
            AsyncOp::Await => {
                let from = args[0].ty;
                match from {
                    Type::Future(t) if !contains_future(*t) => {
                        self.slot_call(abi::LM_AWAIT, vec![arg(0), RtArg::Loc(loc)], ty, loc)
                    }
                    _ => {
                        let from_ty = self.layouts.ty(from);
                        let slot = self.to_slot(values[0].clone(), from_ty, loc);
                        let (d_from, d_to) = (self.desc(from), self.desc(ty));
                        self.slot_call(
                            abi::LM_AWAIT_DEEP,
                            vec![RtArg::Operand(slot), d_from, d_to, RtArg::Loc(loc)],
                            ty,
                            loc,
                        )
                    }
                }
            }
            AsyncOp::AwaitTry => {
                let (d_from, d_to) = (self.desc(args[0].ty), self.desc(ty));
                self.runtime(abi::LM_AWAIT_TRY, Ty::Ptr, vec![arg(0), d_from, d_to], loc)
            }
            AsyncOp::AwaitOutcome => {
                let (d_from, d_to) = (self.desc(args[0].ty), self.desc(ty));
                self.slot_call(abi::LM_AWAIT_OUTCOME, vec![arg(0), d_from, d_to], ty, loc)
            }
            AsyncOp::All | AsyncOp::Select => {
                let f = if op == AsyncOp::All {
                    abi::LM_FORM_ALL
                } else {
                    abi::LM_FORM_SELECT
                };
                let desc = self.desc(ty);
                self.runtime(f, Ty::Ptr, vec![arg(0), desc, RtArg::Loc(loc)], loc)
            }
            AsyncOp::Race | AsyncOp::Vote => {
                let f = if op == AsyncOp::Race {
                    abi::LM_FORM_RACE
                } else {
                    abi::LM_FORM_VOTE
                };
                let desc = self.desc(ty);
                self.slot_call(f, vec![arg(0), desc, RtArg::Loc(loc)], ty, loc)
            }
            AsyncOp::Timeout => {
                let desc = self.desc(ty);
                self.slot_call(
                    abi::LM_FORM_TIMEOUT,
                    vec![arg(0), arg(1), desc, RtArg::Loc(loc)],
                    ty,
                    loc,
                )
            }
            AsyncOp::Sleep => {
                self.runtime_effect(abi::LM_SLEEP, vec![arg(0)], loc);
                null
            }
            AsyncOp::ChannelNew => {
                let desc = self.desc(ty);
                self.runtime(abi::LM_CHANNEL_NEW, Ty::Ptr, vec![desc], loc)
            }
            AsyncOp::ChannelBounded => {
                let desc = self.desc(ty);
                self.runtime(
                    abi::LM_CHANNEL_BOUNDED,
                    Ty::Ptr,
                    vec![arg(0), desc, RtArg::Loc(loc)],
                    loc,
                )
            }
            AsyncOp::Send => {
                let value_ty = self.layouts.ty(args[1].ty);
                let slot = self.to_slot(values[1].clone(), value_ty, loc);
                self.runtime_effect(
                    abi::LM_CHANNEL_SEND,
                    vec![arg(0), RtArg::Operand(slot), RtArg::Loc(loc)],
                    loc,
                );
                null
            }
            AsyncOp::Receive => {
                let desc = self.desc(ty);
                self.slot_call(
                    abi::LM_CHANNEL_RECEIVE,
                    vec![arg(0), desc, RtArg::Loc(loc)],
                    ty,
                    loc,
                )
            }
            AsyncOp::Close => {
                self.runtime_effect(abi::LM_CHANNEL_CLOSE, vec![arg(0)], loc);
                null
            }
            AsyncOp::ChannelLen => self.runtime(abi::LM_CHANNEL_LEN, Ty::Int, vec![arg(0)], loc),
            AsyncOp::FutureStatus => {
                self.runtime(abi::LM_FUTURE_STATUS, Ty::Int, vec![arg(0)], loc)
            }
            AsyncOp::FutureError => self.runtime(abi::LM_FUTURE_ERROR, Ty::Str, vec![arg(0)], loc),
            AsyncOp::Cancel => {
                self.runtime_effect(abi::LM_FUTURE_CANCEL, vec![arg(0)], loc);
                null
            }
        }
    }
}
