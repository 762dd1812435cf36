//! Lowering of composite values: records, enums, lists, their display,
//! equality and ordering, `for` over lists, and assignment to places
//! (`p.x = v`, `xs[i] = v`, `users[1].age = 6`).
//!
//! Ownership follows the scheme of the parent module, plus *unowned* locals:
//! temporaries that carry a reference the code here hands on explicitly (into
//! an object slot, or to a runtime function that consumes it). They are never
//! released automatically, which is what makes moves — and so copy-on-write
//! in place — possible.

use lumen_abi as abi;
use lumen_sema::hir::{self, Builtin, Expr, ExprKind, Type};

use super::builder::list_fn;
use super::FnLowerer;
use crate::layout::Layouts;
use crate::{
    BinOp, BlockId, Const, Loc, Local, Operand, RtArg, Rvalue, StmtKind as MirStmt, Terminator, Ty,
    UnOp,
};

impl FnLowerer<'_, '_> {
    /// A local whose reference this module manages by hand.
    pub(super) fn unowned_local(&mut self, ty: Ty) -> Local {
        let local = self.new_local(ty, None);
        self.unowned.insert(local);
        local
    }

    /// Evaluates `rvalue` into a new unowned local (no reference counting).
    fn unowned(&mut self, ty: Ty, rvalue: Rvalue, loc: Loc) -> Local {
        let local = self.unowned_local(ty);
        self.push(MirStmt::Assign(local, rvalue), loc);
        local
    }

    pub(super) fn desc(&mut self, ty: Type) -> RtArg {
        RtArg::TypeDesc(self.layouts.desc(ty))
    }

    /// The 64-bit slot encoding of a value, as an Int operand.
    /// An `Int` becomes a slot too (a plain copy): the code generator learns
    /// from `to_slot` whether a list store needs reference counting.
    pub(super) fn to_slot(&mut self, value: Operand, _ty: Ty, loc: Loc) -> Operand {
        let local = self.new_local(Ty::Int, None);
        self.push(MirStmt::Assign(local, Rvalue::ToSlot(value)), loc);
        Operand::Local(local)
    }

    /// Gives a slot an extra reference when it holds a heap local (so an
    /// object can own it while the local keeps its own).
    fn retain_operand(&mut self, value: &Operand, ty: Ty, loc: Loc) {
        if let (Operand::Local(l), true) = (value, ty.is_heap()) {
            self.push(MirStmt::Retain(*l), loc);
        }
    }

    /// Whether a HIR type is displayed by the scalar writers (`lm_write_int`, …).
    pub(super) fn is_scalar_display(&self, ty: Type) -> bool {
        matches!(
            ty,
            Type::Int
                | Type::Float
                | Type::Bool
                | Type::Str
                | Type::Null
                | Type::Never
                | Type::Error
        )
    }

    /// Writes the display form of a composite value to a stream.
    pub(super) fn write_value(&mut self, stream: i32, value: Operand, ty: Type, loc: Loc) {
        let mty = self.layouts.ty(ty);
        let slot = self.to_slot(value, mty, loc);
        let desc = self.desc(ty);
        self.runtime_effect(
            abi::LM_WRITE_VALUE,
            vec![RtArg::I32(stream), RtArg::Operand(slot), desc],
            loc,
        );
    }

    /// `rows[row]` read without retaining the element: valid only while
    /// `rows` holds it, so only for an immediate read through it.
    fn borrowed_element(&mut self, rows: &Expr, row: &Expr, ty: Type, loc: Loc) -> Operand {
        let r = self.expr(rows);
        let i = self.expr(row);
        let slot = self.unowned(
            Ty::Int,
            Rvalue::Runtime(
                abi::LM_LIST_GET_BORROWED,
                vec![RtArg::Operand(r), RtArg::Operand(i), RtArg::Loc(loc)],
            ),
            loc,
        );
        let mty = self.layouts.ty(ty);
        Operand::Local(self.unowned(mty, Rvalue::FromSlot(Operand::Local(slot), mty), loc))
    }

    /// Releases `value`, the result of `source`, right away when `source` is
    /// a list element or field read (a fresh temporary nobody else uses).
    fn drop_temporary(&mut self, source: &Expr, value: Operand, loc: Loc) {
        if !matches!(source.kind, ExprKind::Index(..) | ExprKind::Field(..)) {
            return;
        }
        if let Operand::Local(t) = value {
            if self.locals[t.0 as usize].ty.is_heap() {
                self.assign(
                    t,
                    Rvalue::Use(Operand::Const(Const::Str(String::new()))),
                    loc,
                );
            }
        }
    }

    /// `json_encode(x)` / `json_pretty(x)` through the runtime.
    pub(super) fn json_encode(
        &mut self,
        value: Operand,
        ty: Type,
        pretty: bool,
        loc: Loc,
    ) -> Operand {
        let mty = self.layouts.ty(ty);
        let slot = self.to_slot(value, mty, loc);
        let desc = self.desc(ty);
        self.runtime(
            abi::LM_JSON_ENCODE,
            Ty::Str,
            vec![
                RtArg::Operand(slot),
                desc,
                RtArg::I32(i32::from(pretty)),
                RtArg::Loc(loc),
            ],
            loc,
        )
    }

    /// The display form of a composite value as a string.
    pub(super) fn value_to_string(&mut self, value: Operand, ty: Type, loc: Loc) -> Operand {
        let mty = self.layouts.ty(ty);
        let slot = self.to_slot(value, mty, loc);
        let desc = self.desc(ty);
        self.runtime(
            abi::LM_STR_FROM_VALUE,
            Ty::Str,
            vec![RtArg::Operand(slot), desc],
            loc,
        )
    }

    /// `==`, `!=`, `<`, … on composite values, through the runtime.
    pub(super) fn compare_values(
        &mut self,
        op: hir::BinaryOp,
        l: Operand,
        r: Operand,
        ty: Type,
        loc: Loc,
    ) -> Operand {
        let mty = self.layouts.ty(ty);
        let ls = self.to_slot(l, mty, loc);
        let rs = self.to_slot(r, mty, loc);
        let desc = self.desc(ty);
        match op {
            hir::BinaryOp::Eq | hir::BinaryOp::Ne => {
                let eq = self.runtime(
                    abi::LM_VALUE_EQ,
                    Ty::Bool,
                    vec![RtArg::Operand(ls), RtArg::Operand(rs), desc],
                    loc,
                );
                if op == hir::BinaryOp::Eq {
                    eq
                } else {
                    self.temp(
                        Ty::Bool,
                        Rvalue::Unary {
                            op: UnOp::Not,
                            ty: Ty::Bool,
                            operand: eq,
                        },
                        loc,
                    )
                }
            }
            _ => {
                let cmp = self.runtime(
                    abi::LM_VALUE_CMP,
                    Ty::Int,
                    vec![RtArg::Operand(ls), RtArg::Operand(rs), desc],
                    loc,
                );
                let op = match op {
                    hir::BinaryOp::Lt => BinOp::Lt,
                    hir::BinaryOp::Le => BinOp::Le,
                    hir::BinaryOp::Gt => BinOp::Gt,
                    _ => BinOp::Ge,
                };
                self.temp(
                    Ty::Bool,
                    Rvalue::Binary {
                        op,
                        ty: Ty::Int,
                        lhs: cmp,
                        rhs: Operand::Const(Const::Int(0)),
                    },
                    loc,
                )
            }
        }
    }

    /// Expressions that build or read composite values.
    pub(super) fn composite_expr(&mut self, e: &Expr, loc: Loc) -> Operand {
        match &e.kind {
            ExprKind::Record(values) => {
                let desc = self.desc(e.ty);
                let obj = self.runtime(abi::LM_RECORD_NEW, Ty::Ptr, vec![desc], loc);
                self.store_fields(&obj, values, Layouts::record_field_offset, loc);
                obj
            }
            ExprKind::Variant(tag, values) => {
                let Type::Enum(n) = e.ty else {
                    return Operand::Const(Const::Null);
                };
                if !self.layouts.enum_is_object(n.id) {
                    return Operand::Const(Const::Int(i64::from(*tag)));
                }
                let desc = self.desc(e.ty);
                let obj = self.runtime(
                    abi::LM_ENUM_NEW,
                    Ty::Ptr,
                    vec![desc, RtArg::I64(i64::from(*tag))],
                    loc,
                );
                self.store_fields(&obj, values, Layouts::enum_field_offset, loc);
                obj
            }
            ExprKind::Field(base, index) => {
                // `xs[i].f`: the element is only read through, right after it
                // is fetched (the index is evaluated before), so it is
                // borrowed rather than retained and released.
                let (obj, borrowed) = match &base.kind {
                    ExprKind::Index(list, i) => {
                        (self.borrowed_element(list, i, base.ty, loc), true)
                    }
                    _ => (self.expr(base), false),
                };
                let ty = self.layouts.ty(e.ty);
                let offset = match base.ty {
                    Type::Enum(_) => Layouts::enum_field_offset(*index),
                    _ => Layouts::record_field_offset(*index),
                };
                let value = self
                    .temp(
                        ty,
                        Rvalue::Load {
                            base: obj.clone(),
                            offset,
                            ty,
                        },
                        loc,
                    )
                    .also_retain(self, ty, loc);
                // The record read from a list element or another field
                // (`bodies[i].vx`, `a.b.c`) is a temporary holding a
                // reference: dropped at once, so the next `bodies[i].vx = v`
                // finds the element unshared and updates it in place
                // instead of copying it.
                if !borrowed {
                    self.drop_temporary(base, obj, loc);
                }
                value
            }
            ExprKind::List(values) => {
                let Type::List(elem) = e.ty else {
                    return Operand::Const(Const::Null);
                };
                let desc = self.desc(*elem);
                if let Some(consts) = static_elements(values, *elem) {
                    let n = consts.len() as i64;
                    return self.runtime(
                        abi::LM_LIST_FROM_STATIC,
                        Ty::Ptr,
                        vec![desc, RtArg::StaticSlots(consts), RtArg::I64(n)],
                        loc,
                    );
                }
                let list = self.runtime(
                    abi::LM_LIST_NEW,
                    Ty::Ptr,
                    vec![desc, RtArg::I64(values.len() as i64)],
                    loc,
                );
                let Operand::Local(list_local) = list else {
                    return list;
                };
                let elem_ty = self.layouts.ty(*elem);
                for v in values {
                    let op = self.expr(v);
                    // The list is unshared: push appends in place and returns it.
                    let push = list_fn(abi::LM_LIST_PUSH, *elem);
                    self.push_element(
                        list_local,
                        Operand::Local(list_local),
                        push,
                        op,
                        elem_ty,
                        loc,
                    );
                }
                Operand::Local(list_local)
            }
            ExprKind::Tuple(values) => {
                let desc = self.desc(e.ty);
                let obj = self.runtime(abi::LM_TUPLE_NEW, Ty::Ptr, vec![desc], loc);
                self.store_fields(&obj, values, Layouts::record_field_offset, loc);
                obj
            }
            ExprKind::Index(list, index) => {
                // `m[i][j]` with a plain index: the row is only read through,
                // while `m` holds it, so it is borrowed (no retain/release).
                let (l, borrowed) = match &list.kind {
                    ExprKind::Index(rows, row) if is_plain_index(index) => {
                        (self.borrowed_element(rows, row, list.ty, loc), true)
                    }
                    _ => (self.expr(list), false),
                };
                let l_for_release = l.clone();
                let i = self.expr(index);
                let get = match list.ty {
                    Type::List(elem) => list_fn(abi::LM_LIST_GET, *elem),
                    _ => abi::LM_LIST_GET,
                };
                let slot = self.runtime(
                    get,
                    Ty::Int,
                    vec![RtArg::Operand(l), RtArg::Operand(i), RtArg::Loc(loc)],
                    loc,
                );
                // `lm_list_get` returns the element owned; the temp takes it over.
                let ty = self.layouts.ty(e.ty);
                let value = self.temp(ty, Rvalue::FromSlot(slot, ty), loc);
                // As for fields: a row read from a matrix (`m[i][j]`) is
                // dropped at once so `m[i][j] = v` stays in place.
                if !borrowed {
                    self.drop_temporary(list, l_for_release, loc);
                }
                value
            }
            _ => Operand::Const(Const::Null),
        }
    }

    fn store_fields(&mut self, obj: &Operand, values: &[Expr], offset: fn(u32) -> i32, loc: Loc) {
        let Operand::Local(obj_local) = obj else {
            return;
        };
        for (i, v) in values.iter().enumerate() {
            let op = self.expr(v);
            let ty = self.layouts.ty(v.ty);
            // A fresh temporary's reference moves into the field.
            let moved = match op {
                Operand::Local(l) if self.is_fresh_temp(l) => Some(l),
                _ => None,
            };
            if moved.is_none() {
                self.retain_operand(&op, ty, loc);
            }
            self.push(
                MirStmt::Store {
                    base: *obj_local,
                    offset: offset(i as u32),
                    value: op,
                },
                loc,
            );
            if let Some(l) = moved {
                self.forget(l, loc);
            }
        }
    }

    /// Runs the `where` checks of a record value; fails with the constraint's
    /// text and the field's value when one does not hold.
    pub(super) fn check_where(
        &mut self,
        record: &Expr,
        checks: &[hir::WhereCheck],
        loc: Loc,
    ) -> Operand {
        let r = self.expr(record);
        let Type::Record(n) = record.ty else { return r };
        for check in checks {
            let ok = self.temp(
                Ty::Bool,
                Rvalue::Call(crate::FuncId(check.cell.0), vec![r.clone()]),
                loc,
            );
            let fail = self.new_block();
            let cont = self.new_block();
            self.terminate(Terminator::Branch {
                cond: ok,
                then_block: cont,
                else_block: fail,
            });
            self.switch_to(fail);
            let field_ty = self.layouts.record(n.id).fields[check.field as usize].ty;
            let mty = self.layouts.ty(field_ty);
            let value = self.temp(
                mty,
                Rvalue::Load {
                    base: r.clone(),
                    offset: Layouts::record_field_offset(check.field),
                    ty: mty,
                },
                loc,
            );
            self.retain_operand(&value, mty, loc);
            // As inside a collection: a string quoted (types.md §3).
            let slot = self.to_slot(value, mty, loc);
            let desc = self.desc(field_ty);
            let shown = self.runtime(
                abi::LM_STR_REPR,
                Ty::Str,
                vec![RtArg::Operand(slot), desc],
                loc,
            );
            let prefix = format!("{} ({} = ", check.message, check.field_name);
            let message = self.runtime(
                abi::LM_STR_CONCAT_N,
                Ty::Str,
                vec![
                    RtArg::StrArray(vec![
                        Operand::Const(Const::Str(prefix)),
                        shown,
                        Operand::Const(Const::Str(")".to_string())),
                    ]),
                    RtArg::I64(3),
                ],
                loc,
            );
            self.runtime_effect(
                abi::LM_HALT,
                vec![RtArg::Operand(message), RtArg::Loc(loc)],
                loc,
            );
            self.switch_to(cont);
        }
        r
    }

    /// `let pattern = value` with an irrefutable pattern (the checker made
    /// sure): the pattern's test only binds, so its failure edge is dead.
    pub(super) fn let_pattern(&mut self, pattern: &hir::Pattern, value: &Expr, loc: Loc) {
        let v = self.expr(value);
        if self.is_terminated() {
            return;
        }
        let ty = self.layouts.ty(value.ty);
        // The destructured value stays alive in a local of its own; the
        // bindings retain what they take from it.
        let whole = self.new_local(ty, Some("let.value".into()));
        self.assign_result(whole, v, loc);
        let bound = self.new_block();
        let unmatched = self.new_block();
        self.pattern_test(pattern, whole, ty, bound, unmatched, loc);
        self.switch_to(unmatched);
        self.terminate(Terminator::Unreachable);
        self.switch_to(bound);
    }

    /// Tests a record pattern field by field.
    pub(super) fn record_test(
        &mut self,
        fields: &[(u32, hir::Pattern)],
        record_ty: Type,
        scrut: Local,
        success: BlockId,
        fail: BlockId,
        loc: Loc,
    ) {
        let Type::Record(n) = record_ty else { return };
        for (index, sub) in fields {
            let field_ty = self.layouts.record(n.id).fields[*index as usize].ty;
            let ty = self.layouts.ty(field_ty);
            // Borrowed from the scrutinee, as for tuples.
            let value = self.unowned_local(ty);
            self.assign(
                value,
                Rvalue::Load {
                    base: Operand::Local(scrut),
                    offset: Layouts::record_field_offset(*index),
                    ty,
                },
                loc,
            );
            let next = self.new_block();
            self.pattern_test(sub, value, ty, next, fail, loc);
            self.switch_to(next);
        }
        self.goto(success);
    }

    /// Tests a list pattern: the length first, then each element; a named
    /// rest binds a new list of the remaining elements.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn list_test(
        &mut self,
        elems: &[hir::Pattern],
        rest: Option<Option<hir::VarId>>,
        list_ty: Type,
        scrut: Local,
        success: BlockId,
        fail: BlockId,
        loc: Loc,
    ) {
        let Type::List(elem) = list_ty else { return };
        let len = self.runtime(
            abi::LM_LIST_LEN,
            Ty::Int,
            vec![RtArg::Operand(Operand::Local(scrut))],
            loc,
        );
        let count = Operand::Const(Const::Int(elems.len() as i64));
        let fits = self.temp(
            Ty::Bool,
            Rvalue::Binary {
                op: if rest.is_some() { BinOp::Ge } else { BinOp::Eq },
                ty: Ty::Int,
                lhs: len,
                rhs: count.clone(),
            },
            loc,
        );
        let long_enough = self.new_block();
        self.terminate(Terminator::Branch {
            cond: fits,
            then_block: long_enough,
            else_block: fail,
        });
        self.switch_to(long_enough);
        let ety = self.layouts.ty(*elem);
        for (i, sub) in elems.iter().enumerate() {
            let slot = self.unowned(
                Ty::Int,
                Rvalue::Runtime(
                    abi::LM_LIST_GET_BORROWED,
                    vec![
                        RtArg::Operand(Operand::Local(scrut)),
                        RtArg::I64(i as i64),
                        RtArg::Loc(loc),
                    ],
                ),
                loc,
            );
            let value = self.unowned(ety, Rvalue::FromSlot(Operand::Local(slot), ety), loc);
            let next = self.new_block();
            self.pattern_test(sub, value, ety, next, fail, loc);
            self.switch_to(next);
        }
        if let Some(Some(var)) = rest {
            let tail = self.runtime(
                abi::LM_LIST_DROP,
                Ty::Ptr,
                vec![RtArg::Operand(Operand::Local(scrut)), RtArg::Operand(count)],
                loc,
            );
            let local = self.var_local(var);
            // A new list: the variable owns it even where other bindings
            // borrow from the scrutinee.
            self.unowned.remove(&local);
            self.assign_result(local, tail, loc);
        }
        self.goto(success);
    }

    /// Tests a tuple pattern element by element.
    pub(super) fn tuple_test(
        &mut self,
        subs: &[hir::Pattern],
        tuple_ty: Type,
        scrut: Local,
        success: BlockId,
        fail: BlockId,
        loc: Loc,
    ) {
        let Type::Tuple(elems) = tuple_ty else { return };
        for (i, (sub, elem)) in subs.iter().zip(elems.iter()).enumerate() {
            let ty = self.layouts.ty(*elem);
            // Borrowed from the scrutinee, which holds it for the whole
            // test; a binding retains its own copy.
            let value = self.unowned_local(ty);
            self.assign(
                value,
                Rvalue::Load {
                    base: Operand::Local(scrut),
                    offset: Layouts::record_field_offset(i as u32),
                    ty,
                },
                loc,
            );
            let next = self.new_block();
            self.pattern_test(sub, value, ty, next, fail, loc);
            self.switch_to(next);
        }
        self.goto(success);
    }

    /// List builtins: `len`, `append`.
    pub(super) fn list_builtin(&mut self, builtin: Builtin, args: &[Expr], loc: Loc) -> Operand {
        match builtin {
            Builtin::ListLen => {
                let l = self.expr(&args[0]);
                self.runtime(abi::LM_LIST_LEN, Ty::Int, vec![RtArg::Operand(l)], loc)
            }
            _ => {
                let push = match args[0].ty {
                    Type::List(elem) => list_fn(abi::LM_LIST_PUSH, *elem),
                    _ => abi::LM_LIST_PUSH,
                };
                let l = self.expr(&args[0]);
                let item = self.expr(&args[1]);
                let elem_ty = self.layouts.ty(args[1].ty);
                // `append` must not change the caller's list: hand the runtime
                // an extra reference, so a shared list is copied.
                self.retain_operand(&l, Ty::Ptr, loc);
                let result = self.new_local(Ty::Ptr, None);
                self.push_element(result, l, push, item, elem_ty, loc);
                Operand::Local(result)
            }
        }
    }

    /// `xs = append(xs, v)`: the variable's reference moves into the call, so an
    /// unshared list grows in place (amortised O(1)).
    pub(super) fn append_in_place(&mut self, var: Local, list_ty: Type, item: &Expr, loc: Loc) {
        let push = match list_ty {
            Type::List(elem) => list_fn(abi::LM_LIST_PUSH, *elem),
            _ => abi::LM_LIST_PUSH,
        };
        let value = self.expr(item);
        let elem_ty = self.layouts.ty(item.ty);
        self.push_element(var, Operand::Local(var), push, value, elem_ty, loc);
    }

    /// `dest = push(list, item)`. A fresh heap temporary (`Row(…)`, a string
    /// just built) moves into the list (`lm_list_push_owned`) instead of
    /// being retained by the push and released after the statement: less
    /// code and no count traffic for the commonest way lists are filled.
    fn push_element(
        &mut self,
        dest: Local,
        list: Operand,
        push: abi::RuntimeFn,
        item: Operand,
        elem_ty: Ty,
        loc: Loc,
    ) {
        let moved = match item {
            Operand::Local(t) if push.name == abi::LM_LIST_PUSH.name && self.is_fresh_temp(t) => {
                Some(t)
            }
            _ => None,
        };
        let slot = self.to_slot(item, elem_ty, loc);
        let push = if moved.is_some() {
            abi::LM_LIST_PUSH_OWNED
        } else {
            push
        };
        self.push(
            MirStmt::Assign(
                dest,
                Rvalue::Runtime(push, vec![RtArg::Operand(list), RtArg::Operand(slot)]),
            ),
            loc,
        );
        if let Some(t) = moved {
            // The reference is the list's now (a push never fails, so there
            // is no path on which the temporary still owns it).
            self.forget(t, loc);
            self.mark_released(t);
        }
    }

    /// Tests an enum variant pattern against `scrut`.
    pub(super) fn variant_test(
        &mut self,
        enum_id: u32,
        tag: u32,
        fields: &[(u32, hir::Pattern)],
        scrut: Local,
        success: BlockId,
        fail: BlockId,
        loc: Loc,
    ) {
        let is_object = self.layouts.enum_is_object(enum_id);
        let tag_value = if is_object {
            self.temp(
                Ty::Int,
                Rvalue::Load {
                    base: Operand::Local(scrut),
                    offset: abi::ENUM_TAG_OFFSET as i32,
                    ty: Ty::Int,
                },
                loc,
            )
        } else {
            Operand::Local(scrut)
        };
        let is_tag = self.temp(
            Ty::Bool,
            Rvalue::Binary {
                op: BinOp::Eq,
                ty: Ty::Int,
                lhs: tag_value,
                rhs: Operand::Const(Const::Int(i64::from(tag))),
            },
            loc,
        );
        let matched = self.new_block();
        self.terminate(Terminator::Branch {
            cond: is_tag,
            then_block: matched,
            else_block: fail,
        });
        self.switch_to(matched);
        let variant = self.layouts.enum_info(enum_id).variants[tag as usize].clone();
        for (index, sub) in fields {
            let field_ty = variant.fields[*index as usize].1;
            let ty = self.layouts.ty(field_ty);
            // Borrowed from the scrutinee, which holds it for the whole
            // test; a binding retains its own copy.
            let value = self.unowned_local(ty);
            self.assign(
                value,
                Rvalue::Load {
                    base: Operand::Local(scrut),
                    offset: Layouts::enum_field_offset(*index),
                    ty,
                },
                loc,
            );
            let next = self.new_block();
            self.pattern_test(sub, value, ty, next, fail, loc);
            self.switch_to(next);
        }
        self.goto(success);
    }

    /// `for x in list`: iterates over the list as it was when the loop started.
    pub(super) fn for_list(
        &mut self,
        id: hir::LoopId,
        var: hir::VarId,
        list: &Expr,
        filter: Option<&Expr>,
        body: &hir::Block,
        loc: Loc,
    ) {
        let Type::List(elem) = list.ty else { return };
        let elem_ty = self.layouts.ty(*elem);
        let l = self.expr(list);
        let source = (l, Ty::Ptr, "for.list", abi::LM_LIST_LEN);
        let get = list_fn(abi::LM_LIST_GET, *elem);
        self.for_indexed(id, source, filter, body, loc, |this, snapshot, index| {
            let slot = this.runtime(
                get,
                Ty::Int,
                vec![
                    RtArg::Operand(Operand::Local(snapshot)),
                    RtArg::Operand(Operand::Local(index)),
                    RtArg::Loc(loc),
                ],
                loc,
            );
            let var_local = this.var_local(var);
            this.assign(var_local, Rvalue::FromSlot(slot, elem_ty), loc);
        });
    }

    /// `for c in s`: one-character strings of `s` as it was when the loop started.
    pub(super) fn for_string(
        &mut self,
        id: hir::LoopId,
        var: hir::VarId,
        string: &Expr,
        filter: Option<&Expr>,
        body: &hir::Block,
        loc: Loc,
    ) {
        let s = self.expr(string);
        let source = (s, Ty::Str, "for.string", abi::LM_STR_LEN);
        self.for_indexed(id, source, filter, body, loc, |this, snapshot, index| {
            let var_local = this.var_local(var);
            let ch = Rvalue::Runtime(
                abi::LM_STR_INDEX,
                vec![
                    RtArg::Operand(Operand::Local(snapshot)),
                    RtArg::Operand(Operand::Local(index)),
                    RtArg::Loc(loc),
                ],
            );
            this.assign(var_local, ch, loc);
        });
    }

    /// A `for` loop over a snapshot of a sequence (list, string, map, set):
    /// `source` is the sequence's value, the snapshot local's type and name,
    /// and the runtime function giving its length. An index runs over
    /// `0..len`; each iteration `bind(snapshot, index)` binds the loop
    /// variables, then the filter and the body run (`continue` goes to the
    /// index step, `break` to the exit).
    pub(super) fn for_indexed(
        &mut self,
        id: hir::LoopId,
        source: (Operand, Ty, &str, abi::RuntimeFn),
        filter: Option<&Expr>,
        body: &hir::Block,
        loc: Loc,
        bind: impl FnOnce(&mut Self, Local, Local),
    ) {
        let (value, ty, name, len_fn) = source;
        let snapshot = self.new_local(ty, Some(name.into()));
        self.assign(snapshot, Rvalue::Use(value), loc);
        let len = self.runtime(
            len_fn,
            Ty::Int,
            vec![RtArg::Operand(Operand::Local(snapshot))],
            loc,
        );
        let index = self.new_local(Ty::Int, Some("for.index".into()));
        let lp = self.begin_count(index, len, loc);
        bind(self, snapshot, index);
        self.loops.insert(id, (lp.next, lp.exit));
        if let Some(filter) = filter {
            let keep = self.expr(filter);
            let run = self.new_block();
            self.terminate(Terminator::Branch {
                cond: keep,
                then_block: run,
                else_block: lp.next,
            });
            self.switch_to(run);
        }
        self.block(body);
        self.end_count(lp, loc);
    }

    /// `var.path = value`.
    pub(super) fn assign_place(
        &mut self,
        var: hir::VarId,
        path: &[hir::PlaceStep],
        value: &Expr,
        loc: Loc,
    ) {
        let v = self.expr(value);
        let vty = self.layouts.ty(value.ty);
        let var_local = self.var_local(var);
        let var_ty = self.cell.vars[var.0 as usize].ty;
        // The variable's reference moves into the update and comes back.
        let updated = self.update(var_local, var_ty, path, &v, vty, loc);
        self.push(
            MirStmt::Assign(var_local, Rvalue::Use(Operand::Local(updated))),
            loc,
        );
    }

    /// `lm_unshare(obj)` at the start of an update step. When `obj` is an
    /// owned local (the variable being updated), it takes the unshared
    /// object straight back: its reference moved into `lm_unshare`, and a
    /// failure later in the update (an index out of range) leaves the cell
    /// through its landing, which releases `obj` — so it must hold the
    /// reference at every call of the update, not a consumed one.
    fn unshare_in_update(&mut self, obj: Local, loc: Loc) -> Local {
        let unique = self.unowned(
            Ty::Ptr,
            Rvalue::Runtime(abi::LM_UNSHARE, vec![RtArg::Operand(Operand::Local(obj))]),
            loc,
        );
        if !self.unowned.contains(&obj) && !self.params.contains(&obj) {
            self.push(
                MirStmt::Assign(obj, Rvalue::Use(Operand::Local(unique))),
                loc,
            );
        }
        unique
    }

    /// Consumes the reference held by `obj` (of type `ty`) and returns a local
    /// holding a reference to the updated value.
    fn update(
        &mut self,
        obj: Local,
        ty: Type,
        path: &[hir::PlaceStep],
        v: &Operand,
        vty: Ty,
        loc: Loc,
    ) -> Local {
        self.update_in(obj, false, ty, path, v, vty, loc)
    }

    /// [`Self::update`] of an object `known_unique` when nothing else holds
    /// it (an element `lm_list_slot_mut` just unshared), which then needs no
    /// `lm_unshare` of its own.
    #[allow(clippy::too_many_arguments)]
    fn update_in(
        &mut self,
        obj: Local,
        known_unique: bool,
        ty: Type,
        path: &[hir::PlaceStep],
        v: &Operand,
        vty: Ty,
        loc: Loc,
    ) -> Local {
        let Some((step, rest)) = path.split_first() else {
            return obj;
        };
        match (step, ty) {
            (hir::PlaceStep::Field(index), Type::Record(n)) => {
                let field_ty = self.layouts.record(n.id).fields[*index as usize].ty;
                let fty = self.layouts.ty(field_ty);
                let offset = Layouts::record_field_offset(*index);
                let unique = if known_unique {
                    obj
                } else {
                    self.unshare_in_update(obj, loc)
                };
                let old = self.unowned(
                    fty,
                    Rvalue::Load {
                        base: Operand::Local(unique),
                        offset,
                        ty: fty,
                    },
                    loc,
                );
                let new_value = if rest.is_empty() {
                    if fty.is_heap() {
                        self.push(MirStmt::Release(old), loc);
                    }
                    self.retain_operand(v, vty, loc);
                    v.clone()
                } else {
                    // The slot's reference moves into the nested update.
                    Operand::Local(self.update(old, field_ty, rest, v, vty, loc))
                };
                self.push(
                    MirStmt::Store {
                        base: unique,
                        offset,
                        value: new_value,
                    },
                    loc,
                );
                unique
            }
            (hir::PlaceStep::Index(index_expr), Type::List(elem)) => {
                let i = self.expr(index_expr);
                if rest.is_empty() {
                    let slot = self.to_slot(v.clone(), vty, loc);
                    return self.unowned(
                        Ty::Ptr,
                        Rvalue::Runtime(
                            list_fn(abi::LM_LIST_SET, *elem),
                            vec![
                                RtArg::Operand(Operand::Local(obj)),
                                RtArg::Operand(i),
                                RtArg::Operand(slot),
                                RtArg::Loc(loc),
                            ],
                        ),
                        loc,
                    );
                }
                let ety = self.layouts.ty(*elem);
                let unique = self.unshare_in_update(obj, loc);
                // The element is updated where it sits: `lm_list_slot_mut`
                // unshares it inside the (unshared) list and gives the slot's
                // address. The slot's reference moves into the nested update
                // and the reference it returns goes back into the slot, with
                // no count changes on the way.
                let addr = self.unowned(
                    Ty::Ptr,
                    Rvalue::Runtime(
                        abi::LM_LIST_SLOT_MUT,
                        vec![
                            RtArg::Operand(Operand::Local(unique)),
                            RtArg::Operand(i),
                            RtArg::Loc(loc),
                        ],
                    ),
                    loc,
                );
                let child = self.unowned(
                    ety,
                    Rvalue::Load {
                        base: Operand::Local(addr),
                        offset: 0,
                        ty: ety,
                    },
                    loc,
                );
                let new_child = self.update_in(child, true, *elem, rest, v, vty, loc);
                // A record updated in place is the same object: the slot
                // already holds it.
                if new_child != child {
                    self.push(
                        MirStmt::Store {
                            base: addr,
                            offset: 0,
                            value: Operand::Local(new_child),
                        },
                        loc,
                    );
                }
                unique
            }
            (hir::PlaceStep::Key(key), Type::Map(_, value_ty)) if !rest.is_empty() => {
                self.update_map_entry(obj, key, *value_ty, rest, v, vty, loc)
            }
            (hir::PlaceStep::Key(key), Type::Map(..)) => self.map_set(obj, key, v, vty, loc),
            _ => obj,
        }
    }
}

impl FnLowerer<'_, '_> {
    /// `m[k].f = v`, `m[k][i] = v`: consumes the map reference in `obj`,
    /// updates the value of key `k` (a missing key is a runtime error) and
    /// returns a local holding the map.
    #[allow(clippy::too_many_arguments)]
    fn update_map_entry(
        &mut self,
        obj: Local,
        key: &Expr,
        value_ty: Type,
        rest: &[hir::PlaceStep],
        v: &Operand,
        vty: Ty,
        loc: Loc,
    ) -> Local {
        let k = self.expr(key);
        let kty = self.layouts.ty(key.ty);
        let ks = self.to_slot(k, kty, loc);
        let ety = self.layouts.ty(value_ty);
        // Taking the value out of an unshared map lets an unshared value be
        // updated in place instead of copied. That is only safe when nothing
        // evaluated further down the path can read the map meanwhile.
        let take = path_reads_nothing(rest);
        let map = if take {
            self.unshare_in_update(obj, loc)
        } else {
            obj
        };
        let slot = self.unowned(
            Ty::Int,
            Rvalue::Runtime(
                abi::LM_MAP_ENTRY,
                vec![
                    RtArg::Operand(Operand::Local(map)),
                    RtArg::Operand(ks.clone()),
                    RtArg::Operand(Operand::Const(Const::Bool(take))),
                    RtArg::Loc(loc),
                ],
            ),
            loc,
        );
        let child = self.unowned(ety, Rvalue::FromSlot(Operand::Local(slot), ety), loc);
        let new_child = self.update(child, value_ty, rest, v, vty, loc);
        let new_slot = self.to_slot(Operand::Local(new_child), ety, loc);
        let result = self.unowned(
            Ty::Ptr,
            Rvalue::Runtime(
                abi::LM_MAP_SET,
                vec![
                    RtArg::Operand(Operand::Local(map)),
                    RtArg::Operand(ks),
                    RtArg::Operand(new_slot),
                ],
            ),
            loc,
        );
        // `lm_map_set` retained the new value; drop our reference.
        if ety.is_heap() {
            self.push(MirStmt::Release(new_child), loc);
        }
        result
    }
}

/// Chaining helper: retain a freshly loaded heap value so its temp owns it.
trait AlsoRetain {
    fn also_retain(self, lowerer: &mut FnLowerer<'_, '_>, ty: Ty, loc: Loc) -> Operand;
}

impl AlsoRetain for Operand {
    fn also_retain(self, lowerer: &mut FnLowerer<'_, '_>, ty: Ty, loc: Loc) -> Operand {
        lowerer.retain_operand(&self, ty, loc);
        self
    }
}

/// Whether evaluating the indices and keys of a place path cannot read the
/// variable being updated (so a value taken out of it is not missed).
fn path_reads_nothing(path: &[hir::PlaceStep]) -> bool {
    path.iter().all(|step| match step {
        hir::PlaceStep::Field(_) => true,
        hir::PlaceStep::Index(e) | hir::PlaceStep::Key(e) => {
            is_plain_index(e) || matches!(e.kind, ExprKind::Str(_) | ExprKind::Bool(_))
        }
    })
}

/// An index whose evaluation cannot run user code (variables, literals and
/// arithmetic on them), so nothing can change a borrowed row meanwhile.
fn is_plain_index(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Var(_) | ExprKind::Int(_) => true,
        ExprKind::Binary(_, a, b) => is_plain_index(a) && is_plain_index(b),
        ExprKind::Unary(_, a) => is_plain_index(a),
        _ => false,
    }
}

/// The fewest elements for which a constant list literal becomes static
/// data: below it, inline pushes cost about as much as the call.
const STATIC_LIST_MIN: usize = 4;

/// The elements of a list literal as constants, when every one is a literal
/// of the element type itself (Int, Float, Bool or String, so its slot is the
/// constant's bits or a static string's address) and there are enough of
/// them to be worth a static array. Such a literal is one call instead of a
/// push per element: a generated 50,000-element table compiles as data, not
/// as 50,000 inline appends.
fn static_elements(values: &[Expr], elem: Type) -> Option<Vec<Const>> {
    if values.len() < STATIC_LIST_MIN {
        return None;
    }
    values
        .iter()
        .map(|v| match (&v.kind, elem) {
            _ if v.ty != elem => None,
            (ExprKind::Int(i), Type::Int) => Some(Const::Int(*i)),
            (ExprKind::Float(x), Type::Float) => Some(Const::Float(*x)),
            (ExprKind::Bool(b), Type::Bool) => Some(Const::Bool(*b)),
            (ExprKind::Str(s), Type::Str) => Some(Const::Str(s.clone())),
            (ExprKind::Unary(hir::UnaryOp::Neg, inner), Type::Int) => match inner.kind {
                ExprKind::Int(i) => i.checked_neg().map(Const::Int),
                _ => None,
            },
            (ExprKind::Unary(hir::UnaryOp::Neg, inner), Type::Float) => match inner.kind {
                ExprKind::Float(x) => Some(Const::Float(-x)),
                _ => None,
            },
            _ => None,
        })
        .collect()
}
