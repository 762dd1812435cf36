//! Lowering of library builtin calls (`lumen_sema::library`) to runtime calls.
//!
//! Arguments are evaluated left to right and passed borrowed; every result
//! is owned by the temporary that receives it. Values crossing as slots
//! (list elements, `assert_eq` operands) are converted with `to_slot`, and
//! slot results (`min(xs)`, `sum(xs)`) come back with `FromSlot`, owning the
//! reference the runtime returned. `assert` is a branch to `lm_halt`;
//! `type_of` is a constant, or for a union a test of each member.
//!
//! Every [`LibOp::Call`] — most builtins, declared in the registry
//! (`lumen_sema::builtins`) — is lowered by one arm, `lib_runtime_call`; the
//! intrinsics have their own.

use lumen_abi as abi;
use lumen_sema::hir::LibraryCall;
use lumen_sema::hir::{Expr, Type};
use lumen_sema::library::{type_name, Desc, LibOp, RuntimeCall};

use super::FnLowerer;
use crate::{BinOp, Cast, Const, Loc, Operand, RtArg, Rvalue, Terminator, Ty};

/// The element type of a list type (`Null` for anything else, which the
/// checker never produces here).
fn elem_of(ty: Type) -> Type {
    match ty {
        Type::List(elem) => *elem,
        _ => Type::Null,
    }
}

impl FnLowerer<'_, '_> {
    pub(super) fn library_call(&mut self, call: &LibraryCall, ty: Type, loc: Loc) -> Operand {
        use LibOp as L;
        let args = &call.args;
        match call.op {
            L::Assert => return self.lib_assert(args, loc),
            L::TypeOf => return self.lib_type_of(&args[0], loc),
            L::Format => return self.lib_format(args, loc),
            _ => {}
        }
        // Left to right, a variable's value taken before a later argument
        // assigns it (`max(y, do y = 0; y end)` compares the old `y`).
        let (values, snapshots) = self.exprs_in_order(args, loc);
        let result = self.library_call_on(call, values, ty, loc);
        self.release_snapshots(snapshots, loc);
        result
    }

    /// A library call once its arguments are lowered to `values`.
    fn library_call_on(
        &mut self,
        call: &LibraryCall,
        values: Vec<Operand>,
        ty: Type,
        loc: Loc,
    ) -> Operand {
        use LibOp as L;
        let args = &call.args;
        let v = |i: usize| RtArg::Operand(values[i].clone());
        let mty = self.layouts.ty(ty);
        match call.op {
            L::Call(c) => self.lib_runtime_call(c, &values, ty, loc),
            L::IntIdentity => values[0].clone(),
            L::ListPrepend | L::ListInsert => {
                let (index, item) = if call.op == L::ListPrepend {
                    (RtArg::I64(0), 1)
                } else {
                    (v(1), 2)
                };
                let slot = self.elem_slot(&values[item], &args[item], loc);
                let rt = vec![v(0), index, slot, RtArg::Loc(loc)];
                self.runtime(abi::LM_LIST_INSERT, mty, rt, loc)
            }
            L::ListContains | L::ListIndexOf => {
                let slot = self.elem_slot(&values[1], &args[1], loc);
                let index = self.runtime(abi::LM_LIST_INDEX_OF, Ty::Int, vec![v(0), slot], loc);
                if call.op == L::ListIndexOf {
                    return index;
                }
                self.temp(
                    Ty::Bool,
                    Rvalue::Binary {
                        op: BinOp::Ge,
                        ty: Ty::Int,
                        lhs: index,
                        rhs: Operand::Const(Const::Int(0)),
                    },
                    loc,
                )
            }
            L::ListSum | L::ListProduct | L::ListMin | L::ListMax => {
                let f = match call.op {
                    L::ListSum => abi::LM_LIST_SUM,
                    L::ListProduct => abi::LM_LIST_PRODUCT,
                    L::ListMin => abi::LM_LIST_MIN,
                    _ => abi::LM_LIST_MAX,
                };
                let slot = self.runtime(f, Ty::Int, vec![v(0), RtArg::Loc(loc)], loc);
                // The runtime returned the element owned; the temp takes it over.
                self.temp(mty, Rvalue::FromSlot(slot, mty), loc)
            }

            L::AssertEq | L::AssertNe | L::Debug => {
                let t = args[0].ty;
                let vt = self.layouts.ty(t);
                let mut rt = vec![];
                for value in values.iter().cloned() {
                    rt.push(RtArg::Operand(self.to_slot(value, vt, loc)));
                }
                rt.push(self.desc(t));
                rt.push(RtArg::Loc(loc));
                let f = match call.op {
                    L::AssertEq => abi::LM_ASSERT_EQ,
                    L::AssertNe => abi::LM_ASSERT_NE,
                    _ => abi::LM_DEBUG,
                };
                self.runtime_effect(f, rt, loc);
                Operand::Const(Const::Null)
            }

            L::ToInt | L::ToFloat => {
                let to_int = call.op == L::ToInt;
                let x = values[0].clone();
                let (f, target) = match (args[0].ty, to_int) {
                    (Type::Int, true) | (Type::Float, false) => {
                        return self.inject(x, args[0].ty, ty, loc)
                    }
                    (Type::Bool, _) => {
                        let n = self.to_slot(x, Ty::Bool, loc);
                        return self.inject(n, Type::Int, ty, loc);
                    }
                    (Type::Int, false) => {
                        let f = self.temp(Ty::Float, Rvalue::Cast(Cast::IntToFloat, x), loc);
                        return self.inject(f, Type::Float, ty, loc);
                    }
                    (Type::Float, true) => (abi::LM_FLOAT_TO_INT, Type::Int),
                    (_, true) => (abi::LM_STR_TO_INT, Type::Int),
                    (_, false) => (abi::LM_STR_TO_FLOAT, Type::Float),
                };
                let desc = self.desc(target);
                self.runtime(f, mty, vec![v(0), desc], loc)
            }
            L::ListFirst | L::ListLast => {
                let last = call.op == L::ListLast;
                self.lib_first_last(values[0].clone(), elem_of(args[0].ty), ty, last, loc)
            }
            L::Assert | L::TypeOf | L::Format => Operand::Const(Const::Null),
        }
    }

    /// A [`LibOp::Call`]: the runtime function called with the operation
    /// code, the arguments in order, the descriptor, and the location when
    /// the function takes one more parameter.
    fn lib_runtime_call(
        &mut self,
        c: RuntimeCall,
        values: &[Operand],
        ty: Type,
        loc: Loc,
    ) -> Operand {
        let mut rt: Vec<RtArg> = c.code.map(RtArg::I32).into_iter().collect();
        rt.extend(values.iter().cloned().map(RtArg::Operand));
        match c.desc {
            Some(Desc::Result) => rt.push(self.desc(ty)),
            Some(Desc::ResultElem) => rt.push(self.desc(elem_of(ty))),
            None => {}
        }
        if c.f.params.len() == rt.len() + 1 {
            rt.push(RtArg::Loc(loc));
        }
        let mty = self.layouts.ty(ty);
        self.runtime(c.f, mty, rt, loc)
    }

    /// `first(xs)` / `last(xs)`: the element as a `T?` (`ty`), null when
    /// the list is empty.
    fn lib_first_last(
        &mut self,
        xs: Operand,
        elem: Type,
        ty: Type,
        last: bool,
        loc: Loc,
    ) -> Operand {
        let mty = self.layouts.ty(ty);
        if mty == Ty::Null {
            return Operand::Const(Const::Null);
        }
        let result = self.new_local(mty, None);
        let len = self.runtime(
            abi::LM_LIST_LEN,
            Ty::Int,
            vec![RtArg::Operand(xs.clone())],
            loc,
        );
        let empty = self.temp(
            Ty::Bool,
            Rvalue::Binary {
                op: BinOp::Eq,
                ty: Ty::Int,
                lhs: len,
                rhs: Operand::Const(Const::Int(0)),
            },
            loc,
        );
        let (null_bb, value_bb, join) = (self.new_block(), self.new_block(), self.new_block());
        self.terminate(Terminator::Branch {
            cond: empty,
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
        let slot = self.runtime(
            abi::LM_LIST_GET,
            Ty::Int,
            vec![
                RtArg::Operand(xs),
                RtArg::I64(if last { -1 } else { 0 }),
                RtArg::Loc(loc),
            ],
            loc,
        );
        let elem_ty = self.layouts.ty(elem);
        let x = self.temp(elem_ty, Rvalue::FromSlot(slot, elem_ty), loc);
        // A union element (`list[Int?]`) already has the representation of
        // the optional.
        let value = if matches!(elem, Type::Union(_)) || elem == ty {
            x
        } else {
            self.inject(x, elem, ty, loc)
        };
        self.assign(result, Rvalue::Use(value), loc);
        self.goto(join);
        self.switch_to(join);
        Operand::Local(result)
    }

    /// A list element argument as a slot.
    fn elem_slot(&mut self, value: &Operand, arg: &Expr, loc: Loc) -> RtArg {
        let ty = self.layouts.ty(arg.ty);
        RtArg::Operand(self.to_slot(value.clone(), ty, loc))
    }

    /// `assert(cond, msg)`: fails with `msg` at the call when `cond` is false.
    /// `type_of(x)`: a constant for a value of one static type; for a union
    /// (`T?`, `Json` included) the name of the member it holds, found by
    /// testing the members in turn (the last one needs no test).
    fn lib_type_of(&mut self, arg: &Expr, loc: Loc) -> Operand {
        let value = self.expr(arg);
        let Some((last, tested)) = arg.ty.union_members().and_then(|m| m.split_last()) else {
            return Operand::Const(Const::Str(type_name(arg.ty).to_string()));
        };
        let result = self.new_local(Ty::Str, None);
        let join = self.new_block();
        for &member in tested {
            let is = self.is_member(value.clone(), arg.ty, member, loc);
            let yes = self.new_block();
            let no = self.new_block();
            self.terminate(Terminator::Branch {
                cond: is,
                then_block: yes,
                else_block: no,
            });
            self.switch_to(yes);
            let name = Const::Str(type_name(member).to_string());
            self.assign(result, Rvalue::Use(Operand::Const(name)), loc);
            self.goto(join);
            self.switch_to(no);
        }
        let name = Const::Str(type_name(*last).to_string());
        self.assign(result, Rvalue::Use(Operand::Const(name)), loc);
        self.goto(join);
        self.switch_to(join);
        Operand::Local(result)
    }

    fn lib_assert(&mut self, args: &[Expr], loc: Loc) -> Operand {
        let (ops, snapshots) = self.exprs_in_order(&args[..2], loc);
        let (cond, msg) = (ops[0].clone(), ops[1].clone());
        let fail = self.new_block();
        let ok = self.new_block();
        self.terminate(Terminator::Branch {
            cond,
            then_block: ok,
            else_block: fail,
        });
        self.switch_to(fail);
        self.runtime_effect(
            abi::LM_HALT,
            vec![RtArg::Operand(msg), RtArg::Loc(loc)],
            loc,
        );
        self.switch_to(ok);
        self.release_snapshots(snapshots, loc);
        Operand::Const(Const::Null)
    }

    /// `format(template, values…)`: the values' display forms fill the `{}`.
    fn lib_format(&mut self, args: &[Expr], loc: Loc) -> Operand {
        let (ops, snapshots) = self.exprs_in_order(args, loc);
        let template = ops[0].clone();
        let mut pieces = Vec::new();
        for (a, value) in args[1..].iter().zip(&ops[1..]) {
            pieces.push(self.to_string(value.clone(), a.ty, loc));
        }
        let count = pieces.len() as i64;
        let result = self.runtime(
            abi::LM_STR_FORMAT,
            Ty::Str,
            vec![
                RtArg::Operand(template),
                RtArg::StrArray(pieces),
                RtArg::I64(count),
                RtArg::Loc(loc),
            ],
            loc,
        );
        self.release_snapshots(snapshots, loc);
        result
    }
}
