//! `match`: the scrutinee kept in a local of its own that bindings borrow
//! from, arms with guards and or-patterns, the one-byte key of a string
//! `match` with several one-character patterns, and the test of a
//! pattern (the structured patterns' tests are in their areas' modules:
//! `values`, `results`, `unions`).

use lumen_abi as abi;
use lumen_sema::hir::{self, Expr, ExprKind, Pattern, Type};

use super::FnLowerer;
use crate::{
    BinOp, BlockId, Const, Loc, Local, Operand, RtArg, Rvalue, StmtKind as MirStmt, Terminator, Ty,
};

impl FnLowerer<'_, '_> {
    pub(super) fn match_expr(
        &mut self,
        scrutinee: &Expr,
        arms: &[hir::MatchArm],
        ty: Ty,
        loc: Loc,
    ) -> Operand {
        let scrut_ty = self.layouts.ty(scrutinee.ty);
        let scrut = match &scrutinee.kind {
            // An immutable variable holds its value for the whole match: the
            // patterns test (and bindings borrow from) the variable itself.
            ExprKind::Var(var) if !self.cell.vars[var.0 as usize].mutable => self.var_local(*var),
            _ => {
                // Keep the scrutinee in a local of its own so patterns can
                // test it repeatedly (a fresh value moves in).
                let value = self.expr(scrutinee);
                let scrut = self.new_local(scrut_ty, Some("match.value".into()));
                self.assign_result(scrut, value, loc);
                scrut
            }
        };
        let result = self.new_local(ty, None);
        let join = self.new_block();
        let saved_key = self.str_key;
        let one_byte_arms = arms
            .iter()
            .filter(|a| matches!(&a.pattern, Pattern::Str(s) if s.len() == 1))
            .count();
        if scrut_ty == Ty::Str && one_byte_arms >= 2 {
            let key = self.new_local(Ty::Int, Some("match.key".into()));
            self.push(
                MirStmt::Assign(
                    key,
                    Rvalue::Runtime(
                        abi::LM_STR_BYTE_KEY,
                        vec![RtArg::Operand(Operand::Local(scrut))],
                    ),
                ),
                loc,
            );
            self.str_key = Some((scrut, key));
        }
        for arm in arms {
            let arm_loc = self.loc(arm.span.start);
            let body = self.new_block();
            let next = self.new_block();
            // `scrut` is this match's own reference to the value: nothing can
            // reassign it while an arm runs, so immutable bindings borrow
            // from it instead of retaining (and later releasing) each one.
            // With a guard, each alternative of an or-pattern that matches
            // gets its own try of the guard (with its own bindings).
            let alternatives: Vec<&Pattern> = match (&arm.pattern, &arm.guard) {
                (Pattern::Or(alts), Some(_)) => alts.iter().collect(),
                (p, _) => vec![p],
            };
            for (i, alt) in alternatives.iter().enumerate() {
                let alt_fail = if i + 1 == alternatives.len() {
                    next
                } else {
                    self.new_block()
                };
                let matched = self.new_block();
                self.borrow_bindings = true;
                self.pattern_test(alt, scrut, scrut_ty, matched, alt_fail, arm_loc);
                self.borrow_bindings = false;
                self.switch_to(matched);
                match &arm.guard {
                    Some(guard) => {
                        let g = self.expr(guard);
                        self.terminate(Terminator::Branch {
                            cond: g,
                            then_block: body,
                            else_block: alt_fail,
                        });
                    }
                    None => self.goto(body),
                }
                if alt_fail != next {
                    self.switch_to(alt_fail);
                }
            }
            self.switch_to(body);
            self.branch_value(&arm.body, result, ty, arm_loc);
            self.goto(join);
            self.switch_to(next);
        }
        self.str_key = saved_key;
        // No arm matched: a statement `match` does nothing (types.md §2); a
        // value `match` was proven exhaustive by the checker.
        self.goto(join);
        self.switch_to(join);
        Operand::Local(result)
    }

    /// Emits a test of `pattern` against `scrut`: jumps to `success` (with the
    /// pattern's bindings made) or to `fail`.
    pub(super) fn pattern_test(
        &mut self,
        pattern: &Pattern,
        scrut: Local,
        ty: Ty,
        success: BlockId,
        fail: BlockId,
        loc: Loc,
    ) {
        let compare = |this: &mut Self, op: BinOp, c: Const| {
            this.temp(
                Ty::Bool,
                Rvalue::Binary {
                    op,
                    ty,
                    lhs: Operand::Local(scrut),
                    rhs: Operand::Const(c),
                },
                loc,
            )
        };
        let cond = match pattern {
            Pattern::Wildcard | Pattern::Null => {
                self.goto(success);
                return;
            }
            Pattern::Bind(var) => {
                let local = self.var_local(*var);
                if self.borrow_bindings && !self.cell.vars[var.0 as usize].mutable {
                    self.unowned.insert(local);
                    self.push(
                        MirStmt::Assign(local, Rvalue::Use(Operand::Local(scrut))),
                        loc,
                    );
                    self.goto(success);
                    return;
                }
                self.assign(local, Rvalue::Use(Operand::Local(scrut)), loc);
                self.goto(success);
                return;
            }
            Pattern::Int(v) => compare(self, BinOp::Eq, Const::Int(*v)),
            Pattern::Float(v) => compare(self, BinOp::Eq, Const::Float(*v)),
            Pattern::Bool(v) => compare(self, BinOp::Eq, Const::Bool(*v)),
            Pattern::Str(s) if s.len() == 1 && self.str_key.is_some_and(|(v, _)| v == scrut) => {
                let key = self.str_key.map_or(scrut, |(_, k)| k);
                self.temp(
                    Ty::Bool,
                    Rvalue::Binary {
                        op: BinOp::Eq,
                        ty: Ty::Int,
                        lhs: Operand::Local(key),
                        rhs: Operand::Const(Const::Int(i64::from(s.as_bytes()[0]))),
                    },
                    loc,
                )
            }
            Pattern::Str(s) => self.runtime(
                abi::LM_STR_EQ,
                Ty::Bool,
                vec![
                    RtArg::Operand(Operand::Local(scrut)),
                    RtArg::Operand(Operand::Const(Const::Str(s.clone()))),
                ],
                loc,
            ),
            Pattern::Bytes(b) => self.compare_values(
                hir::BinaryOp::Eq,
                Operand::Local(scrut),
                Operand::Const(Const::Bytes(b.clone())),
                Type::Bytes,
                loc,
            ),
            Pattern::IntRange { lo, hi, inclusive } => {
                let above = compare(self, BinOp::Ge, Const::Int(*lo));
                let check_hi = self.new_block();
                self.terminate(Terminator::Branch {
                    cond: above,
                    then_block: check_hi,
                    else_block: fail,
                });
                self.switch_to(check_hi);
                let op = if *inclusive { BinOp::Le } else { BinOp::Lt };
                compare(self, op, Const::Int(*hi))
            }
            Pattern::Variant {
                enum_id,
                tag,
                fields,
            } => {
                self.variant_test(*enum_id, *tag, fields, scrut, success, fail, loc);
                return;
            }
            Pattern::ResultCase { is_ok, inner, ty } => {
                self.result_test(*is_ok, inner, *ty, scrut, success, fail, loc);
                return;
            }
            Pattern::Tuple { elems, ty } => {
                self.tuple_test(elems, *ty, scrut, success, fail, loc);
                return;
            }
            Pattern::Record { fields, ty } => {
                self.record_test(fields, *ty, scrut, success, fail, loc);
                return;
            }
            Pattern::MemberValue {
                member,
                union,
                inner,
            } => {
                self.member_value_test(*member, *union, inner, scrut, success, fail, loc);
                return;
            }
            Pattern::List { elems, rest, ty } => {
                self.list_test(elems, *rest, *ty, scrut, success, fail, loc);
                return;
            }
            Pattern::Member { member, union, var } => {
                self.member_test(*member, *union, *var, scrut, success, fail, loc);
                return;
            }
            Pattern::Or(alternatives) => {
                for (i, alt) in alternatives.iter().enumerate() {
                    if i + 1 == alternatives.len() {
                        self.pattern_test(alt, scrut, ty, success, fail, loc);
                    } else {
                        let next = self.new_block();
                        self.pattern_test(alt, scrut, ty, success, next, loc);
                        self.switch_to(next);
                    }
                }
                return;
            }
        };
        self.terminate(Terminator::Branch {
            cond,
            then_block: success,
            else_block: fail,
        });
    }
}
