//! Range loops: `for i in a..b step k` (rotated, one comparison per
//! iteration, overflow-free stepping), the test `x in a..b step k`, and
//! the counted loop `for index in 0..len` that every loop over the
//! elements of a list, string, map or set is built on.

use lumen_abi as abi;
use lumen_sema::hir::{self, Expr, ExprKind};

use super::FnLowerer;
use crate::{BinOp, BlockId, Const, Loc, Local, Operand, Rvalue, Terminator, Ty};

/// A counted loop `for index in 0..len` being lowered, as set up by
/// [`FnLowerer::begin_count`].
pub(super) struct CountedLoop {
    header: BlockId,
    pub(super) index: Local,
    /// Steps the index and goes back to the header (`continue`).
    pub(super) next: BlockId,
    /// After the loop (`break`).
    pub(super) exit: BlockId,
}

impl FnLowerer<'_, '_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn for_range(
        &mut self,
        id: hir::LoopId,
        var: hir::VarId,
        start: &Expr,
        end: Option<&Expr>,
        inclusive: bool,
        step: Option<&Expr>,
        filter: Option<&Expr>,
        body: &hir::Block,
        loc: Loc,
    ) {
        let counter = self.new_local(Ty::Int, Some("for.counter".into()));
        let start_op = self.expr(start);
        self.assign(counter, Rvalue::Use(start_op), loc);
        // An open-ended range (`0..`) has no limit: only `break` (or the
        // checked increment overflowing) ends it.
        let limit = end.map(|end| {
            let limit = self.new_local(Ty::Int, Some("for.end".into()));
            let end_op = self.expr(end);
            self.assign(limit, Rvalue::Use(end_op), loc);
            limit
        });
        // A literal step (or none) fixes the direction at compile time, so the
        // loop test is a single comparison.
        let known_step = match step {
            None => Some(1),
            Some(Expr {
                kind: ExprKind::Int(k),
                ..
            }) => Some(*k),
            // `step -2` is the negation of a literal.
            Some(Expr {
                kind: ExprKind::Unary(hir::UnaryOp::Neg, operand),
                ..
            }) => match operand.kind {
                ExprKind::Int(k) => k.checked_neg(),
                _ => None,
            },
            _ => None,
        }
        // A zero step (`step -0` gets past the checker) keeps its run-time
        // error.
        .filter(|&k| k != 0);
        let step_op = match step {
            Some(e) if known_step.is_none() => {
                let op = self.expr(e);
                let step_local = self.new_local(Ty::Int, Some("for.step".into()));
                self.assign(step_local, Rvalue::Use(op), loc);
                let is_zero = self.temp(
                    Ty::Bool,
                    Rvalue::Binary {
                        op: BinOp::Eq,
                        ty: Ty::Int,
                        lhs: Operand::Local(step_local),
                        rhs: Operand::Const(Const::Int(0)),
                    },
                    loc,
                );
                self.error_if(is_zero, abi::RuntimeErrorCode::StepZero, loc);
                Operand::Local(step_local)
            }
            _ => Operand::Const(Const::Int(known_step.unwrap_or(1))),
        };
        // An unknown step's direction is fixed before the loop: `flip` is all
        // ones for a negative step and 0 otherwise, and `x ^ flip` reverses
        // the order of Ints exactly (`!x` is `-x - 1`), so the loop test
        // stays one comparison, of the flipped counter with the flipped limit.
        let flip = match (&step_op, limit) {
            (Operand::Local(_), Some(_)) => {
                let sign = Rvalue::Binary {
                    op: BinOp::Shr,
                    ty: Ty::Int,
                    lhs: step_op.clone(),
                    rhs: Operand::Const(Const::Int(63)),
                };
                let flip = self.new_local(Ty::Int, Some("for.flip".into()));
                self.assign(flip, sign, loc);
                Some(flip)
            }
            _ => None,
        };
        let limit = match (limit, flip) {
            (Some(limit), Some(flip)) => {
                let flipped = self.new_local(Ty::Int, Some("for.end".into()));
                let xor = Rvalue::Binary {
                    op: BinOp::BitXor,
                    ty: Ty::Int,
                    lhs: Operand::Local(limit),
                    rhs: Operand::Local(flip),
                };
                self.assign(flipped, xor, loc);
                Some(flipped)
            }
            _ => limit,
        };
        // Rotated loop: the range test runs once before the loop and again
        // after each increment (the `continue` target), so an iteration ends
        // in one conditional branch back to the body.
        let body_block = self.new_block();
        let next = self.new_block();
        let exit = self.new_block();
        // A range with an end and a step other than ±1 (or than 1 up to an
        // exclusive end) counts down the steps left, a number computed
        // before the loop (see `range_steps`): an iteration ends in a test
        // of that count against 0 and a plain step, which cannot overflow.
        // (Comparing the counter with a precomputed last value would save
        // the decrement, but that value is pure arithmetic, and Cranelift's
        // egraph places it at its use inside the loop — recomputed on every
        // iteration — once its walk has passed a failure exit of the loop;
        // a loop-carried count has nothing to sink.)
        let unit_step = match known_step {
            Some(1) => true,
            Some(-1) => inclusive,
            _ => false,
        };
        let stepped_to_last = limit.filter(|_| !unit_step);
        let first = match stepped_to_last {
            Some(_) => self.new_block(),
            None => body_block,
        };
        self.range_branch(
            counter, limit, inclusive, known_step, flip, first, exit, loc,
        );
        let steps_left = stepped_to_last.map(|limit| {
            self.switch_to(first);
            let steps =
                self.range_steps(counter, limit, inclusive, known_step, flip, &step_op, loc);
            self.goto(body_block);
            steps
        });
        self.switch_to(body_block);
        let var_local = self.var_local(var);
        self.assign(var_local, Rvalue::Use(Operand::Local(counter)), loc);
        self.loops.insert(id, (next, exit));
        if let Some(filter) = filter {
            let keep = self.expr(filter);
            let run = self.new_block();
            self.terminate(Terminator::Branch {
                cond: keep,
                then_block: run,
                else_block: next,
            });
            self.switch_to(run);
        }
        self.block(body);
        self.goto(next);
        self.switch_to(next);
        if let Some(steps) = steps_left {
            let zero = Operand::Const(Const::Int(0));
            let done = self.int_op(BinOp::Eq, Operand::Local(steps), zero, loc);
            // With steps left, one more step stays inside the range.
            let lp = (body_block, exit);
            self.step_unless_done(done, false, counter, step_op, Some(steps), lp, loc);
            return;
        }
        let inclusive_unit_step = matches!(known_step, Some(1 | -1)) && inclusive;
        if let (Some(limit), true) = (limit, inclusive_unit_step) {
            // Up to an inclusive limit by ±1, the counter is tested against
            // the limit *before* it steps: `counter < limit` (or `>`) means
            // the step stays inside the range, so it cannot overflow, and a
            // range ending at the largest (or smallest) Int ends instead of
            // overflowing.
            let (op, step) = if known_step == Some(1) {
                (BinOp::Lt, 1)
            } else {
                (BinOp::Gt, -1)
            };
            let more = self.temp(
                Ty::Bool,
                Rvalue::Binary {
                    op,
                    ty: Ty::Int,
                    lhs: Operand::Local(counter),
                    rhs: Operand::Local(limit),
                },
                loc,
            );
            let step = Operand::Const(Const::Int(step));
            self.step_unless_done(more, true, counter, step, None, (body_block, exit), loc);
            return;
        }
        // With step 1 up to an exclusive limit the counter was below the
        // limit (nothing else writes it), so `counter + 1` cannot overflow.
        // With another step, a next value beyond the Int range is beyond the
        // end too: the step wraps, the wrap is seen as the counter moving
        // backwards (in the flipped order for a step known only at run
        // time), and the loop ends. Without a limit the overflow is an
        // error: an open range has no end to reach.
        let add = |this: &mut Self, op, dest| {
            this.assign(
                dest,
                Rvalue::Binary {
                    op,
                    ty: Ty::Int,
                    lhs: Operand::Local(counter),
                    rhs: step_op.clone(),
                },
                loc,
            )
        };
        match limit {
            Some(_) if !inclusive && known_step == Some(1) => add(self, BinOp::AddInRange, counter),
            // (Unreachable: other ranges with an end step to their last
            // value above; kept exact rather than trusted.)
            Some(_) => {
                let next = self.new_local(Ty::Int, Some("for.next".into()));
                add(self, BinOp::AddInRange, next);
                let ordered = |this: &mut Self, l: Local| match flip {
                    Some(f) => this.temp(
                        Ty::Int,
                        Rvalue::Binary {
                            op: BinOp::BitXor,
                            ty: Ty::Int,
                            lhs: Operand::Local(l),
                            rhs: Operand::Local(f),
                        },
                        loc,
                    ),
                    None => Operand::Local(l),
                };
                let (after, before) = (ordered(self, next), ordered(self, counter));
                // A known negative step moves down; everything else up (a
                // run-time step's direction is in the flipped order).
                let backwards = if known_step.is_some_and(|k| k < 0) {
                    BinOp::Gt
                } else {
                    BinOp::Lt
                };
                let wrapped = self.temp(
                    Ty::Bool,
                    Rvalue::Binary {
                        op: backwards,
                        ty: Ty::Int,
                        lhs: after,
                        rhs: before,
                    },
                    loc,
                );
                let step_block = self.new_block();
                self.terminate(Terminator::Branch {
                    cond: wrapped,
                    then_block: exit,
                    else_block: step_block,
                });
                self.switch_to(step_block);
                self.assign(counter, Rvalue::Use(Operand::Local(next)), loc);
            }
            None => add(self, BinOp::Add, counter),
        }
        self.range_branch(
            counter, limit, inclusive, known_step, flip, body_block, exit, loc,
        );
        self.switch_to(exit);
    }

    /// How many steps a non-empty range with an end takes after its first
    /// value, stepping from `counter` (its start), computed before the loop:
    /// `(b - a) / s` for a step `s > 0` up to an inclusive end `b` (`b - 1`
    /// for an exclusive one). The difference is taken modulo 2^64 and the
    /// quotient unsigned, so the whole Int range works: a non-empty range
    /// has `a <= b`, and the distance fits in 64 unsigned bits (so does the
    /// count, read as unsigned: only its test against 0 and its decrement
    /// use it). A downward range is the same computation in the flipped
    /// order (`x ^ -1`, see `for_range`), where it counts up by `|s|`. The
    /// loop then needs no overflow test at all: it stops when no step is
    /// left.
    #[allow(clippy::too_many_arguments)]
    fn range_steps(
        &mut self,
        counter: Local,
        limit: Local,
        inclusive: bool,
        known_step: Option<i64>,
        flip: Option<Local>,
        step_op: &Operand,
        loc: Loc,
    ) -> Local {
        // The flip mask: a run-time step's (`limit` is flipped already), or
        // all ones for a known downward step (`limit` is not).
        let (mask, limit_flipped) = match (flip, known_step) {
            (Some(f), _) => (Some(Operand::Local(f)), true),
            (None, Some(k)) if k < 0 => (Some(Operand::Const(Const::Int(-1))), false),
            _ => (None, true),
        };
        let flipped = |this: &mut Self, x: Operand| match &mask {
            Some(m) => this.int_op(BinOp::BitXor, x, m.clone(), loc),
            None => x,
        };
        let a = flipped(self, Operand::Local(counter));
        let b = if limit_flipped {
            Operand::Local(limit)
        } else {
            flipped(self, Operand::Local(limit))
        };
        // The range is not empty: an exclusive end is above the start.
        let b = if inclusive {
            b
        } else {
            self.int_op(BinOp::AddInRange, b, Operand::Const(Const::Int(-1)), loc)
        };
        let magnitude = match (known_step, flip) {
            // `unsigned_abs` of `MIN` is 2^63, whose bits are `MIN` again.
            (Some(k), _) => Operand::Const(Const::Int(k.unsigned_abs() as i64)),
            (None, Some(f)) => {
                let x = self.int_op(BinOp::BitXor, step_op.clone(), Operand::Local(f), loc);
                self.int_op(BinOp::SubWrap, x, Operand::Local(f), loc)
            }
            (None, None) => step_op.clone(),
        };
        let distance = self.int_op(BinOp::SubWrap, b, a, loc);
        let count = self.int_op(BinOp::UDiv, distance, magnitude, loc);
        let steps = self.new_local(Ty::Int, Some("for.steps".into()));
        self.assign(steps, Rvalue::Use(count), loc);
        steps
    }

    /// Jumps to `body` while the counter is inside the range (always, for a
    /// range without an end) and to `exit` after it.
    #[allow(clippy::too_many_arguments)]
    fn range_branch(
        &mut self,
        counter: Local,
        limit: Option<Local>,
        inclusive: bool,
        known_step: Option<i64>,
        flip: Option<Local>,
        body: BlockId,
        exit: BlockId,
        loc: Loc,
    ) {
        let Some(limit) = limit else {
            self.goto(body);
            return;
        };
        let cond = self.range_test(counter, limit, inclusive, known_step, flip, loc);
        self.terminate(Terminator::Branch {
            cond,
            then_block: body,
            else_block: exit,
        });
    }

    /// Whether a range loop's counter is still inside the range: one
    /// comparison, upwards for a known positive step, downwards for a known
    /// negative one, and of `counter ^ flip` with the flipped limit when the
    /// step is only known at run time (see `for_range`).
    fn range_test(
        &mut self,
        counter: Local,
        limit: Local,
        inclusive: bool,
        known_step: Option<i64>,
        flip: Option<Local>,
        loc: Loc,
    ) -> Operand {
        let (up, down) = if inclusive {
            (BinOp::Le, BinOp::Ge)
        } else {
            (BinOp::Lt, BinOp::Gt)
        };
        let (op, lhs) = match (known_step, flip) {
            (Some(k), _) if k < 0 => (down, Operand::Local(counter)),
            (_, Some(flip)) => {
                let flipped = self.temp(
                    Ty::Int,
                    Rvalue::Binary {
                        op: BinOp::BitXor,
                        ty: Ty::Int,
                        lhs: Operand::Local(counter),
                        rhs: Operand::Local(flip),
                    },
                    loc,
                );
                (up, flipped)
            }
            _ => (up, Operand::Local(counter)),
        };
        self.temp(
            Ty::Bool,
            Rvalue::Binary {
                op,
                ty: Ty::Int,
                lhs,
                rhs: Operand::Local(limit),
            },
            loc,
        )
    }

    /// The end of a counted loop's body: when `test` says the loop goes on
    /// (`test` is true, or false with `go_on_when` false) the counter takes
    /// one step — which stays inside the range, so it cannot overflow —
    /// `steps_left` (if counted) one fewer, and the body runs again;
    /// otherwise lowering continues at `exit`.
    #[allow(clippy::too_many_arguments)]
    fn step_unless_done(
        &mut self,
        test: Operand,
        go_on_when: bool,
        counter: Local,
        step: Operand,
        steps_left: Option<Local>,
        (body_block, exit): (BlockId, BlockId),
        loc: Loc,
    ) {
        let step_block = self.new_block();
        let (then_block, else_block) = if go_on_when {
            (step_block, exit)
        } else {
            (exit, step_block)
        };
        self.terminate(Terminator::Branch {
            cond: test,
            then_block,
            else_block,
        });
        self.switch_to(step_block);
        if let Some(steps) = steps_left {
            let one_fewer = Rvalue::Binary {
                op: BinOp::SubWrap,
                ty: Ty::Int,
                lhs: Operand::Local(steps),
                rhs: Operand::Const(Const::Int(1)),
            };
            self.assign(steps, one_fewer, loc);
        }
        self.assign(
            counter,
            Rvalue::Binary {
                op: BinOp::AddInRange,
                ty: Ty::Int,
                lhs: Operand::Local(counter),
                rhs: step,
            },
            loc,
        );
        self.goto(body_block);
        self.switch_to(exit);
    }

    /// `x in a..b step k`: inside the bounds for the step's direction, and
    /// reached by whole steps from `a` (`x % k == a % k`, which cannot
    /// overflow, unlike `(x - a) % k`). A zero step is a runtime error.
    pub(super) fn in_stepped_range(
        &mut self,
        item: &Expr,
        start: &Expr,
        end: Option<&Expr>,
        inclusive: bool,
        step: &Expr,
        loc: Loc,
    ) -> Operand {
        let int_local = |this: &mut Self, e: &Expr| {
            let op = this.expr(e);
            let local = this.new_local(Ty::Int, None);
            this.assign(local, Rvalue::Use(op), loc);
            Operand::Local(local)
        };
        let x = int_local(self, item);
        let a = int_local(self, start);
        let b = end.map(|e| int_local(self, e));
        let k = int_local(self, step);
        let cmp = |this: &mut Self, op, lhs: &Operand, rhs: &Operand| {
            this.temp(
                Ty::Bool,
                Rvalue::Binary {
                    op,
                    ty: Ty::Int,
                    lhs: lhs.clone(),
                    rhs: rhs.clone(),
                },
                loc,
            )
        };
        let zero = Operand::Const(Const::Int(0));
        let is_zero = cmp(self, BinOp::Eq, &k, &zero);
        self.error_if(is_zero, abi::RuntimeErrorCode::StepZero, loc);
        let result = self.new_local(Ty::Bool, None);
        self.assign(result, Rvalue::Use(Operand::Const(Const::Bool(false))), loc);
        let up = self.new_block();
        let down = self.new_block();
        let aligned = self.new_block();
        let join = self.new_block();
        let positive = cmp(self, BinOp::Gt, &k, &zero);
        self.terminate(Terminator::Branch {
            cond: positive,
            then_block: up,
            else_block: down,
        });
        // Counting up: a <= x (< or <=) b; counting down: a >= x (> or >=) b.
        for (block, from_op, to_op) in [
            (up, BinOp::Le, if inclusive { BinOp::Le } else { BinOp::Lt }),
            (
                down,
                BinOp::Ge,
                if inclusive { BinOp::Ge } else { BinOp::Gt },
            ),
        ] {
            self.switch_to(block);
            let from_start = cmp(self, from_op, &a, &x);
            match &b {
                Some(b) => {
                    let check_end = self.new_block();
                    self.terminate(Terminator::Branch {
                        cond: from_start,
                        then_block: check_end,
                        else_block: join,
                    });
                    self.switch_to(check_end);
                    let before_end = cmp(self, to_op, &x, b);
                    self.terminate(Terminator::Branch {
                        cond: before_end,
                        then_block: aligned,
                        else_block: join,
                    });
                }
                None => self.terminate(Terminator::Branch {
                    cond: from_start,
                    then_block: aligned,
                    else_block: join,
                }),
            }
        }
        self.switch_to(aligned);
        let rem = |this: &mut Self, v: &Operand| {
            this.temp(
                Ty::Int,
                Rvalue::Binary {
                    op: BinOp::Mod,
                    ty: Ty::Int,
                    lhs: v.clone(),
                    rhs: k.clone(),
                },
                loc,
            )
        };
        let x_rem = rem(self, &x);
        let a_rem = rem(self, &a);
        let same = cmp(self, BinOp::Eq, &x_rem, &a_rem);
        self.assign(result, Rvalue::Use(same), loc);
        self.goto(join);
        self.switch_to(join);
        Operand::Local(result)
    }

    /// Runs `body(index)` for index in 0..len (the end of the body steps the
    /// index: there is no `continue` to a separate step block).
    pub(super) fn count_loop(
        &mut self,
        len: Operand,
        loc: Loc,
        body: impl FnOnce(&mut Self, Operand),
    ) {
        let index = self.new_local(Ty::Int, None);
        let header = self.new_block();
        let body_bb = self.new_block();
        let exit = self.new_block();
        self.enter_count(index, len, (header, body_bb, exit), loc);
        body(self, Operand::Local(index));
        self.step_count(index, header, exit, loc);
    }

    /// Starts a counted loop `for index in 0..len` whose body may jump to
    /// the loop's `next` block (`continue`: the index step) or to its `exit`
    /// (`break`); the caller continues in the body and ends it with
    /// [`Self::end_count`].
    pub(super) fn begin_count(&mut self, index: Local, len: Operand, loc: Loc) -> CountedLoop {
        let header = self.new_block();
        let body = self.new_block();
        let next = self.new_block();
        let exit = self.new_block();
        self.enter_count(index, len, (header, body, exit), loc);
        CountedLoop {
            header,
            index,
            next,
            exit,
        }
    }

    /// Ends a loop begun by [`Self::begin_count`]: the body falls into the
    /// step block; lowering continues after the loop.
    pub(super) fn end_count(&mut self, lp: CountedLoop, loc: Loc) {
        self.goto(lp.next);
        self.switch_to(lp.next);
        self.step_count(lp.index, lp.header, lp.exit, loc);
    }

    /// The head of every counted loop: `index = 0`, then the header block
    /// tests `index < len` and branches to the body or the exit; lowering
    /// continues in the body.
    fn enter_count(
        &mut self,
        index: Local,
        len: Operand,
        (header, body, exit): (BlockId, BlockId, BlockId),
        loc: Loc,
    ) {
        self.assign(index, Rvalue::Use(Operand::Const(Const::Int(0))), loc);
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
    }

    /// The tail of every counted loop: `index + 1` and back to the header;
    /// lowering continues at the exit.
    fn step_count(&mut self, index: Local, header: BlockId, exit: BlockId, loc: Loc) {
        let plus = Rvalue::Binary {
            // The index was below the length: `+ 1` cannot overflow.
            op: BinOp::AddInRange,
            ty: Ty::Int,
            lhs: Operand::Local(index),
            rhs: Operand::Const(Const::Int(1)),
        };
        self.assign(index, plus, loc);
        self.goto(header);
        self.switch_to(exit);
    }
}
