//! Algebraic effects (`hir::ExprKind::Effect`, tools.md §5): each operation
//! is one runtime call (`runtime/src/exec/effects.rs`). Arguments and
//! closures are passed borrowed in word arrays, values in the slot encoding
//! with their descriptors; results come back owned and are decoded with
//! `FromSlot`.

use lumen_abi as abi;
use lumen_sema::hir::{EffectOp, Expr, Type};

use super::FnLowerer;
use crate::{Const, Loc, Operand, RtArg};

impl FnLowerer<'_, '_> {
    pub(super) fn effect_op(
        &mut self,
        op: &EffectOp,
        args: &[Expr],
        ty: Type,
        loc: Loc,
    ) -> Operand {
        let values: Vec<Operand> = args.iter().map(|a| self.expr(a)).collect();
        match op {
            EffectOp::Perform { id, name } => {
                let mut slots = Vec::new();
                let mut descs = Vec::new();
                for (a, v) in args.iter().zip(values) {
                    let mir_ty = self.layouts.ty(a.ty);
                    slots.push(RtArg::Operand(self.to_slot(v, mir_ty, loc)));
                    descs.push(self.desc(a.ty));
                }
                let count = slots.len() as i64;
                let result = self.desc(ty);
                self.slot_call(
                    abi::LM_PERFORM,
                    vec![
                        RtArg::I64(i64::from(*id)),
                        RtArg::Operand(Operand::Const(Const::Str(name.clone()))),
                        RtArg::Words(slots),
                        RtArg::Words(descs),
                        RtArg::I64(count),
                        result,
                        RtArg::Loc(loc),
                    ],
                    ty,
                    loc,
                )
            }
            EffectOp::Handled { id } => self.slot_call(
                abi::LM_EFFECT_HANDLED,
                vec![RtArg::I64(i64::from(*id))],
                ty,
                loc,
            ),
            EffectOp::Handle { ops } => {
                let mut values = values.into_iter();
                let body = values.next().expect("a handle has a body");
                let clauses: Vec<RtArg> = values.map(RtArg::Operand).collect();
                let ids: Vec<RtArg> = ops.iter().map(|id| RtArg::I64(i64::from(*id))).collect();
                let count = ids.len() as i64;
                let desc = self.desc(ty);
                self.slot_call(
                    abi::LM_HANDLE,
                    vec![
                        RtArg::Operand(body),
                        RtArg::Words(clauses),
                        RtArg::Words(ids),
                        RtArg::I64(count),
                        desc,
                        RtArg::Loc(loc),
                    ],
                    ty,
                    loc,
                )
            }
            EffectOp::Arg { index } => {
                let desc = self.desc(ty);
                self.slot_call(
                    abi::LM_EFFECT_ARG,
                    vec![RtArg::I64(i64::from(*index)), desc],
                    ty,
                    loc,
                )
            }
            EffectOp::Continuation => {
                self.slot_call(abi::LM_EFFECT_CONTINUATION, Vec::new(), ty, loc)
            }
            EffectOp::Resume => {
                let mut values = values.into_iter();
                let k = values.next().expect("resume has a continuation");
                let v = values.next().expect("resume has a value");
                let v_ty = args[1].ty;
                let mir_ty = self.layouts.ty(v_ty);
                let slot = self.to_slot(v, mir_ty, loc);
                let (v_desc, desc) = (self.desc(v_ty), self.desc(ty));
                self.slot_call(
                    abi::LM_EFFECT_RESUME,
                    vec![
                        RtArg::Operand(k),
                        RtArg::Operand(slot),
                        v_desc,
                        desc,
                        RtArg::Loc(loc),
                    ],
                    ty,
                    loc,
                )
            }
        }
    }
}
