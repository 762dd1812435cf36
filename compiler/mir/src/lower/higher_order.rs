//! Lowering of the higher-order list builtins to loops that call the
//! function value for each element (no runtime callbacks: the loop is
//! ordinary compiled code, so closures are called with their own signature).

use lumen_abi as abi;
use lumen_sema::hir::{Expr, HigherOrder, Type};

use super::FnLowerer;
use crate::{
    BinOp, BlockId, Const, Loc, Local, Operand, RtArg, Rvalue, StmtKind as MirStmt, Terminator, Ty,
};

/// A loop over the elements of a list, as set up by [`FnLowerer::begin_elements`].
struct ElementLoop {
    header: BlockId,
    index: Local,
    next: BlockId,
    exit: BlockId,
}

impl FnLowerer<'_, '_> {
    pub(super) fn higher_order(
        &mut self,
        op: HigherOrder,
        list: &Expr,
        func: &Expr,
        init: Option<&Expr>,
        ty: Type,
        loc: Loc,
    ) -> Operand {
        let Type::List(elem) = list.ty else {
            return Operand::Const(Const::Null);
        };
        let elem_ty = self.layouts.ty(*elem);
        let list_op = self.expr(list);
        let f = self.expr(func);
        let Type::Fn(sig) = func.ty else {
            return Operand::Const(Const::Null);
        };
        let ret_ty = self.layouts.ty(sig.ret);
        let result_ty = self.layouts.ty(ty);
        let result = self.new_local(result_ty, None);
        // The starting value of the result.
        match op {
            HigherOrder::Map | HigherOrder::Filter | HigherOrder::FlatMap => {
                let Type::List(out_elem) = ty else {
                    return Operand::Const(Const::Null);
                };
                let desc = self.desc(*out_elem);
                let new = Rvalue::Runtime(abi::LM_LIST_NEW, vec![desc, RtArg::I64(0)]);
                self.assign(result, new, loc);
            }
            HigherOrder::Reduce => {
                let start = match init {
                    Some(i) => self.expr(i),
                    None => Operand::Const(Const::Null),
                };
                self.assign(result, Rvalue::Use(start), loc);
            }
            HigherOrder::Any => {
                self.assign(result, Rvalue::Use(Operand::Const(Const::Bool(false))), loc)
            }
            HigherOrder::All => {
                self.assign(result, Rvalue::Use(Operand::Const(Const::Bool(true))), loc)
            }
            HigherOrder::Count => {
                self.assign(result, Rvalue::Use(Operand::Const(Const::Int(0))), loc)
            }
            HigherOrder::Position => {
                self.assign(result, Rvalue::Use(Operand::Const(Const::Int(-1))), loc)
            }
            HigherOrder::Find => {
                self.assign(
                    result,
                    Rvalue::FromSlot(Operand::Const(Const::Int(0)), result_ty),
                    loc,
                );
            }
            HigherOrder::SortBy => {
                let Type::List(_) = ty else {
                    return Operand::Const(Const::Null);
                };
                let desc = self.desc(sig.ret);
                self.assign(
                    result,
                    Rvalue::Runtime(abi::LM_LIST_NEW, vec![desc, RtArg::I64(0)]),
                    loc,
                );
            }
        }
        let (lp, x) = self.begin_elements(list_op.clone(), elem_ty, loc);
        let args = if op == HigherOrder::Reduce {
            vec![Operand::Local(result), x.clone()]
        } else {
            vec![x.clone()]
        };
        let y = self.temp(
            ret_ty,
            Rvalue::CallIndirect {
                callee: f,
                args,
                ret: ret_ty,
            },
            loc,
        );
        match op {
            HigherOrder::Map => self.push_onto(result, y, ret_ty, loc),
            HigherOrder::FlatMap => {
                let joined = Rvalue::Runtime(
                    abi::LM_LIST_CONCAT,
                    vec![RtArg::Operand(Operand::Local(result)), RtArg::Operand(y)],
                );
                self.assign(result, joined, loc);
            }
            HigherOrder::SortBy => self.push_onto(result, y, ret_ty, loc),
            HigherOrder::Reduce => self.assign(result, Rvalue::Use(y), loc),
            HigherOrder::Filter => {
                let keep = self.new_block();
                self.terminate(Terminator::Branch {
                    cond: y,
                    then_block: keep,
                    else_block: lp.next,
                });
                self.switch_to(keep);
                self.push_onto(result, x, elem_ty, loc);
            }
            HigherOrder::Count => {
                let yes = self.new_block();
                self.terminate(Terminator::Branch {
                    cond: y,
                    then_block: yes,
                    else_block: lp.next,
                });
                self.switch_to(yes);
                let plus = Rvalue::Binary {
                    op: BinOp::Add,
                    ty: Ty::Int,
                    lhs: Operand::Local(result),
                    rhs: Operand::Const(Const::Int(1)),
                };
                self.assign(result, plus, loc);
            }
            HigherOrder::Any | HigherOrder::All | HigherOrder::Find | HigherOrder::Position => {
                // Stop at the first element that decides the answer.
                let decided = self.new_block();
                let (then_block, else_block) = if op == HigherOrder::All {
                    (lp.next, decided)
                } else {
                    (decided, lp.next)
                };
                self.terminate(Terminator::Branch {
                    cond: y,
                    then_block,
                    else_block,
                });
                self.switch_to(decided);
                let value = match op {
                    HigherOrder::Any => Rvalue::Use(Operand::Const(Const::Bool(true))),
                    HigherOrder::All => Rvalue::Use(Operand::Const(Const::Bool(false))),
                    HigherOrder::Position => Rvalue::Use(Operand::Local(lp.index)),
                    _ => {
                        // `find`: the element as a `T?`.
                        let found = self.inject(x, *elem, ty, loc);
                        Rvalue::Use(found)
                    }
                };
                self.assign(result, value, loc);
                self.goto(lp.exit);
            }
        }
        self.end_elements(lp, loc);
        if op == HigherOrder::SortBy {
            // `result` holds the keys; order the list by them (stable).
            let sorted = self.runtime(
                abi::LM_LIST_SORT_BY_KEYS,
                Ty::Ptr,
                vec![
                    RtArg::Operand(list_op),
                    RtArg::Operand(Operand::Local(result)),
                ],
                loc,
            );
            return sorted;
        }
        Operand::Local(result)
    }

    /// Appends a value to the unshared list held by `list` (in place).
    fn push_onto(&mut self, list: Local, value: Operand, ty: Ty, loc: Loc) {
        let slot = self.to_slot(value, ty, loc);
        self.push(
            MirStmt::Assign(
                list,
                Rvalue::Runtime(
                    abi::LM_LIST_PUSH,
                    vec![RtArg::Operand(Operand::Local(list)), RtArg::Operand(slot)],
                ),
            ),
            loc,
        );
    }

    /// Starts a loop over the elements of `list` (as it is now); returns the
    /// loop and the current element. The caller continues in the loop body,
    /// may jump to `next` (continue) or `exit` (break), and ends with
    /// [`Self::end_elements`].
    fn begin_elements(&mut self, list: Operand, elem_ty: Ty, loc: Loc) -> (ElementLoop, Operand) {
        let snapshot = self.new_local(Ty::Ptr, None);
        self.assign(snapshot, Rvalue::Use(list), loc);
        let len = self.runtime(
            abi::LM_LIST_LEN,
            Ty::Int,
            vec![RtArg::Operand(Operand::Local(snapshot))],
            loc,
        );
        let index = self.new_local(Ty::Int, None);
        self.assign(index, Rvalue::Use(Operand::Const(Const::Int(0))), loc);
        let header = self.new_block();
        let body = self.new_block();
        let next = self.new_block();
        let exit = self.new_block();
        self.goto(header);
        self.switch_to(header);
        let more = self.temp(
            Ty::Bool,
            Rvalue::Binary {
                op: BinOp::Lt,
                ty: Ty::Int,
                lhs: Operand::Local(index),
                rhs: len,
            },
            loc,
        );
        self.terminate(Terminator::Branch {
            cond: more,
            then_block: body,
            else_block: exit,
        });
        self.switch_to(body);
        let slot = self.runtime(
            abi::LM_LIST_GET,
            Ty::Int,
            vec![
                RtArg::Operand(Operand::Local(snapshot)),
                RtArg::Operand(Operand::Local(index)),
                RtArg::Loc(loc),
            ],
            loc,
        );
        let x = self.temp(elem_ty, Rvalue::FromSlot(slot, elem_ty), loc);
        (
            ElementLoop {
                header,
                index,
                next,
                exit,
            },
            x,
        )
    }

    fn end_elements(&mut self, lp: ElementLoop, loc: Loc) {
        self.goto(lp.next);
        self.switch_to(lp.next);
        let plus = Rvalue::Binary {
            op: BinOp::Add,
            ty: Ty::Int,
            lhs: Operand::Local(lp.index),
            rhs: Operand::Const(Const::Int(1)),
        };
        self.assign(lp.index, plus, loc);
        self.goto(lp.header);
        self.switch_to(lp.exit);
    }
}
