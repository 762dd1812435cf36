//! Lowering of the higher-order list builtins to loops that call the
//! function value for each element (no runtime callbacks: the loop is
//! ordinary compiled code, so closures are called with their own signature).

use lumen_abi as abi;
use lumen_sema::hir::{Expr, HigherOrder, Type};

use super::ranges::CountedLoop;
use super::FnLowerer;
use crate::{
    BinOp, BlockId, Const, Loc, Local, Operand, RtArg, Rvalue, StmtKind as MirStmt, Terminator, Ty,
};

/// A loop over the elements of a list, as set up by [`FnLowerer::begin_elements`].
type ElementLoop = CountedLoop;

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
        if op == HigherOrder::SortWith {
            return self.sort_with(list_op, f, *elem, loc);
        }
        // `partition`: the elements kept and the rest, made into a tuple at the end.
        let rest = (op == HigherOrder::Partition).then(|| self.new_local(Ty::Ptr, None));
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
            HigherOrder::Partition => {
                for l in [Some(result), rest].into_iter().flatten() {
                    let desc = self.desc(*elem);
                    let new = Rvalue::Runtime(abi::LM_LIST_NEW, vec![desc, RtArg::I64(0)]);
                    self.assign(l, new, loc);
                }
            }
            HigherOrder::GroupBy => {
                let desc = self.desc(ty);
                self.assign(result, Rvalue::Runtime(abi::LM_MAP_NEW, vec![desc]), loc);
            }
            HigherOrder::SortWith => {}
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
            HigherOrder::Partition => {
                let (keep, other) = (self.new_block(), self.new_block());
                self.terminate(Terminator::Branch {
                    cond: y,
                    then_block: keep,
                    else_block: other,
                });
                self.switch_to(keep);
                self.push_onto(result, x.clone(), elem_ty, loc);
                self.goto(lp.next);
                self.switch_to(other);
                if let Some(rest) = rest {
                    self.push_onto(rest, x, elem_ty, loc);
                }
            }
            HigherOrder::GroupBy => {
                // The map is unshared: the runtime files the element in place.
                let k = self.to_slot(y, ret_ty, loc);
                let v = self.to_slot(x, elem_ty, loc);
                self.push(
                    MirStmt::Assign(
                        result,
                        Rvalue::Runtime(
                            abi::LM_MAP_GROUP_PUSH,
                            vec![
                                RtArg::Operand(Operand::Local(result)),
                                RtArg::Operand(k),
                                RtArg::Operand(v),
                            ],
                        ),
                    ),
                    loc,
                );
            }
            HigherOrder::SortWith => {}
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
        if let Some(rest) = rest {
            // `(kept, rest)`: the tuple takes its own reference to each list.
            let desc = self.desc(ty);
            let tuple = self.runtime(abi::LM_TUPLE_NEW, Ty::Ptr, vec![desc], loc);
            let Operand::Local(t) = tuple else {
                return tuple;
            };
            for (i, l) in [result, rest].into_iter().enumerate() {
                self.push(MirStmt::Retain(l), loc);
                self.push(
                    MirStmt::Store {
                        base: t,
                        offset: (abi::RECORD_FIELDS_OFFSET + 8 * i) as i32,
                        value: Operand::Local(l),
                    },
                    loc,
                );
            }
            return tuple;
        }
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

    /// `sort_with(xs, cmp)`: a stable bottom-up merge sort of the indices
    /// `0..len` (lists of Ints, so the passes move no references), comparing
    /// elements with `cmp` — `cmp(a, b) > 0` puts `b` before `a` — then the
    /// elements gathered in the sorted order into a new list.
    fn sort_with(&mut self, list: Operand, cmp: Operand, elem: Type, loc: Loc) -> Operand {
        let elem_ty = self.layouts.ty(elem);
        let xs = self.new_local(Ty::Ptr, None);
        self.assign(xs, Rvalue::Use(list), loc);
        let n = self.runtime(
            abi::LM_LIST_LEN,
            Ty::Int,
            vec![RtArg::Operand(Operand::Local(xs))],
            loc,
        );
        let (src, dst) = (self.new_local(Ty::Ptr, None), self.new_local(Ty::Ptr, None));
        for l in [src, dst] {
            let int_desc = self.desc(Type::Int);
            let range = Rvalue::Runtime(
                abi::LM_LIST_RANGE,
                vec![
                    RtArg::I64(0),
                    RtArg::Operand(n.clone()),
                    RtArg::I64(1),
                    int_desc,
                    RtArg::Loc(loc),
                ],
            );
            self.assign(l, range, loc);
        }
        let int = |v: i64| Operand::Const(Const::Int(v));
        let var = |this: &mut Self, start: Operand| {
            let l = this.new_local(Ty::Int, None);
            this.assign(l, Rvalue::Use(start), loc);
            l
        };
        let min = |this: &mut Self, a: Operand, b: Operand| {
            this.runtime(
                abi::LM_INT_MIN,
                Ty::Int,
                vec![RtArg::Operand(a), RtArg::Operand(b)],
                loc,
            )
        };
        let get = |this: &mut Self, list: Local, i: Operand| {
            this.runtime(
                abi::LM_LIST_GET,
                Ty::Int,
                vec![
                    RtArg::Operand(Operand::Local(list)),
                    RtArg::Operand(i),
                    RtArg::Loc(loc),
                ],
                loc,
            )
        };
        let increment = |this: &mut Self, l: Local, by: Operand| {
            let plus = Rvalue::Binary {
                op: BinOp::Add,
                ty: Ty::Int,
                lhs: Operand::Local(l),
                rhs: by,
            };
            this.assign(l, plus, loc);
        };
        let branch = |this: &mut Self, cond: Operand, then_block: BlockId, else_block: BlockId| {
            this.terminate(Terminator::Branch {
                cond,
                then_block,
                else_block,
            });
        };

        // for (width = 1; width < n; width *= 2)
        let width = var(self, int(1));
        let outer = self.new_block();
        let pass = self.new_block();
        let sorted = self.new_block();
        self.goto(outer);
        self.switch_to(outer);
        let more = self.int_op(BinOp::Lt, Operand::Local(width), n.clone(), loc);
        branch(self, more, pass, sorted);
        self.switch_to(pass);
        let step = self.int_op(BinOp::Mul, Operand::Local(width), int(2), loc);
        // for (i = 0; i < n; i += 2 * width): merge src[i..mid] and src[mid..hi]
        let i = var(self, int(0));
        let run = self.new_block();
        let merge = self.new_block();
        let pass_end = self.new_block();
        self.goto(run);
        self.switch_to(run);
        let more = self.int_op(BinOp::Lt, Operand::Local(i), n.clone(), loc);
        branch(self, more, merge, pass_end);
        self.switch_to(merge);
        let end_a = self.int_op(BinOp::Add, Operand::Local(i), Operand::Local(width), loc);
        let mid = min(self, end_a, n.clone());
        let end_b = self.int_op(BinOp::Add, Operand::Local(i), step.clone(), loc);
        let hi = min(self, end_b, n.clone());
        let a = var(self, Operand::Local(i));
        let b = var(self, mid.clone());
        let k = var(self, Operand::Local(i));
        let (head, body, check_b, compare) = (
            self.new_block(),
            self.new_block(),
            self.new_block(),
            self.new_block(),
        );
        let (take_a, take_b, merged) = (self.new_block(), self.new_block(), self.new_block());
        self.goto(head);
        self.switch_to(head);
        let more = self.int_op(BinOp::Lt, Operand::Local(k), hi.clone(), loc);
        branch(self, more, body, merged);
        self.switch_to(body);
        let a_left = self.int_op(BinOp::Lt, Operand::Local(a), mid.clone(), loc);
        branch(self, a_left, check_b, take_b);
        self.switch_to(check_b);
        let b_left = self.int_op(BinOp::Lt, Operand::Local(b), hi.clone(), loc);
        branch(self, b_left, compare, take_a);
        self.switch_to(compare);
        let ia = get(self, src, Operand::Local(a));
        let ib = get(self, src, Operand::Local(b));
        let sa = get(self, xs, ia);
        let sb = get(self, xs, ib);
        let xa = self.temp(elem_ty, Rvalue::FromSlot(sa, elem_ty), loc);
        let xb = self.temp(elem_ty, Rvalue::FromSlot(sb, elem_ty), loc);
        let c = self.temp(
            Ty::Int,
            Rvalue::CallIndirect {
                callee: cmp.clone(),
                args: vec![xa, xb],
                ret: Ty::Int,
            },
            loc,
        );
        // Ties take from the left run: the sort is stable.
        let left_first = self.int_op(BinOp::Le, c, int(0), loc);
        branch(self, left_first, take_a, take_b);
        for (block, from) in [(take_a, a), (take_b, b)] {
            self.switch_to(block);
            let index = get(self, src, Operand::Local(from));
            // `dst` is unshared: the store is in place.
            self.push(
                MirStmt::Assign(
                    dst,
                    Rvalue::Runtime(
                        abi::LM_LIST_SET,
                        vec![
                            RtArg::Operand(Operand::Local(dst)),
                            RtArg::Operand(Operand::Local(k)),
                            RtArg::Operand(index),
                            RtArg::Loc(loc),
                        ],
                    ),
                ),
                loc,
            );
            increment(self, from, int(1));
            increment(self, k, int(1));
            self.goto(head);
        }
        self.switch_to(merged);
        increment(self, i, step);
        self.goto(run);
        self.switch_to(pass_end);
        // Swap the buffers (moves: each keeps its single reference).
        let spare = self.new_local(Ty::Ptr, None);
        self.unowned.insert(spare);
        self.push(
            MirStmt::Assign(spare, Rvalue::Use(Operand::Local(src))),
            loc,
        );
        self.push(MirStmt::Assign(src, Rvalue::Use(Operand::Local(dst))), loc);
        self.push(
            MirStmt::Assign(dst, Rvalue::Use(Operand::Local(spare))),
            loc,
        );
        let doubled = Rvalue::Binary {
            op: BinOp::Mul,
            ty: Ty::Int,
            lhs: Operand::Local(width),
            rhs: int(2),
        };
        self.assign(width, doubled, loc);
        self.goto(outer);

        // The elements in the order of `src`.
        self.switch_to(sorted);
        let result = self.new_local(Ty::Ptr, None);
        let desc = self.desc(elem);
        self.assign(
            result,
            Rvalue::Runtime(abi::LM_LIST_NEW, vec![desc, RtArg::Operand(n)]),
            loc,
        );
        let (lp, index) = self.begin_elements(Operand::Local(src), Ty::Int, loc);
        let slot = get(self, xs, index);
        let x = self.temp(elem_ty, Rvalue::FromSlot(slot, elem_ty), loc);
        self.push_onto(result, x, elem_ty, loc);
        self.end_elements(lp, loc);
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
        let lp = self.begin_count(index, len, loc);
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
        (lp, x)
    }

    fn end_elements(&mut self, lp: ElementLoop, loc: Loc) {
        self.end_count(lp, loc);
    }
}
