//! Lowering of maps and sets: literals, operations (`lumen_abi` `lm_map_*` and
//! `lm_set_*`), `for` over them, and `m[k] = v`.

use lumen_abi as abi;
use lumen_sema::hir::{self, CollectionOp, Expr, ExprKind, Type};

use super::builder::list_fn;
use super::FnLowerer;
use crate::{Const, Loc, Local, Operand, RtArg, Rvalue, StmtKind as MirStmt, Terminator, Ty};

impl FnLowerer<'_, '_> {
    pub(super) fn collection_expr(&mut self, e: &Expr, loc: Loc) -> Operand {
        match &e.kind {
            ExprKind::Map(pairs) => {
                let Type::Map(k, v) = e.ty else {
                    return Operand::Const(Const::Null);
                };
                let (kty, vty) = (self.layouts.ty(*k), self.layouts.ty(*v));
                let desc = self.desc(e.ty);
                let map = self.runtime(abi::LM_MAP_NEW, Ty::Ptr, vec![desc], loc);
                let Operand::Local(m) = map else { return map };
                for (key, value) in pairs {
                    let ko = self.expr(key);
                    let vo = self.expr(value);
                    let ks = self.to_slot(ko, kty, loc);
                    let vs = self.to_slot(vo, vty, loc);
                    self.push(
                        MirStmt::Assign(
                            m,
                            Rvalue::Runtime(
                                abi::LM_MAP_SET,
                                vec![
                                    RtArg::Operand(Operand::Local(m)),
                                    RtArg::Operand(ks),
                                    RtArg::Operand(vs),
                                ],
                            ),
                        ),
                        loc,
                    );
                }
                Operand::Local(m)
            }
            ExprKind::Set(values) => {
                let Type::Set(elem) = e.ty else {
                    return Operand::Const(Const::Null);
                };
                let ety = self.layouts.ty(*elem);
                let desc = self.desc(e.ty);
                let set = self.runtime(abi::LM_SET_NEW, Ty::Ptr, vec![desc], loc);
                let Operand::Local(s) = set else { return set };
                for value in values {
                    let vo = self.expr(value);
                    let vs = self.to_slot(vo, ety, loc);
                    self.set_add_in_place(s, vs, loc);
                }
                Operand::Local(s)
            }
            ExprKind::Collection(op, args) => self.collection_op(*op, args, e.ty, loc),
            _ => Operand::Const(Const::Null),
        }
    }

    fn set_add_in_place(&mut self, set: Local, slot: Operand, loc: Loc) {
        self.push(
            MirStmt::Assign(
                set,
                Rvalue::Runtime(
                    abi::LM_SET_ADD,
                    vec![RtArg::Operand(Operand::Local(set)), RtArg::Operand(slot)],
                ),
            ),
            loc,
        );
    }

    fn collection_op(&mut self, op: CollectionOp, args: &[Expr], ty: Type, loc: Loc) -> Operand {
        // Left to right, a variable's value taken before a later argument
        // assigns it (`get(m, k, do m = … end)`).
        let (ops, snapshots) = self.exprs_in_order(args, loc);
        let result = self.collection_op_on(op, args, ops, ty, loc);
        self.release_snapshots(snapshots, loc);
        result
    }

    /// `op` once its arguments are lowered to `ops`.
    fn collection_op_on(
        &mut self,
        op: CollectionOp,
        args: &[Expr],
        ops: Vec<Operand>,
        ty: Type,
        loc: Loc,
    ) -> Operand {
        use CollectionOp as C;
        let slot = |this: &mut Self, i: usize| {
            let t = this.layouts.ty(args[i].ty);
            this.to_slot(ops[i].clone(), t, loc)
        };
        let result_ty = self.layouts.ty(ty);
        match op {
            C::MapGet | C::MapGetOr => {
                let Type::Map(_, v) = args[0].ty else {
                    return Operand::Const(Const::Null);
                };
                let vty = self.layouts.ty(*v);
                let key = slot(self, 1);
                let result = self.new_local(result_ty, None);
                let has = self.runtime(
                    abi::LM_MAP_HAS,
                    Ty::Bool,
                    vec![RtArg::Operand(ops[0].clone()), RtArg::Operand(key.clone())],
                    loc,
                );
                let found = self.new_block();
                let missing = self.new_block();
                let join = self.new_block();
                self.terminate(Terminator::Branch {
                    cond: has,
                    then_block: found,
                    else_block: missing,
                });
                self.switch_to(found);
                let got = self.runtime(
                    abi::LM_MAP_GET,
                    Ty::Int,
                    vec![RtArg::Operand(ops[0].clone()), RtArg::Operand(key)],
                    loc,
                );
                // `lm_map_get` returns the value owned; `value` takes it over.
                let value = self.temp(vty, Rvalue::FromSlot(got, vty), loc);
                let value = if op == C::MapGet {
                    self.inject(value, *v, ty, loc)
                } else {
                    value
                };
                self.assign(result, Rvalue::Use(value), loc);
                self.goto(join);
                self.switch_to(missing);
                if op == C::MapGet {
                    self.assign(
                        result,
                        Rvalue::FromSlot(Operand::Const(Const::Int(0)), result_ty),
                        loc,
                    );
                } else {
                    self.assign(result, Rvalue::Use(ops[2].clone()), loc);
                }
                self.goto(join);
                self.switch_to(join);
                Operand::Local(result)
            }
            C::MapEntry => {
                let key = slot(self, 1);
                let got = self.runtime(
                    abi::LM_MAP_ENTRY,
                    Ty::Int,
                    vec![
                        RtArg::Operand(ops[0].clone()),
                        RtArg::Operand(key),
                        RtArg::Operand(Operand::Const(Const::Bool(false))),
                        RtArg::Loc(loc),
                    ],
                    loc,
                );
                // Owned by the runtime's result; the value takes it over.
                self.temp(result_ty, Rvalue::FromSlot(got, result_ty), loc)
            }
            C::MapHas | C::SetContains => {
                let item = slot(self, 1);
                let f = if op == C::MapHas {
                    abi::LM_MAP_HAS
                } else {
                    abi::LM_SET_CONTAINS
                };
                self.runtime(
                    f,
                    Ty::Bool,
                    vec![RtArg::Operand(ops[0].clone()), RtArg::Operand(item)],
                    loc,
                )
            }
            C::MapLen | C::SetLen => {
                let f = if op == C::MapLen {
                    abi::LM_MAP_LEN
                } else {
                    abi::LM_SET_LEN
                };
                self.runtime(f, Ty::Int, vec![RtArg::Operand(ops[0].clone())], loc)
            }
            C::MapKeys | C::MapValues | C::SetToList => {
                let f = match op {
                    C::MapKeys => abi::LM_MAP_KEYS,
                    C::MapValues => abi::LM_MAP_VALUES,
                    _ => abi::LM_SET_TO_LIST,
                };
                let desc = self.desc(ty);
                self.runtime(f, Ty::Ptr, vec![RtArg::Operand(ops[0].clone()), desc], loc)
            }
            C::MapEntries => {
                let (Type::Map(k, v), Type::List(pair)) = (args[0].ty, ty) else {
                    return Operand::Const(Const::Null);
                };
                let elem_desc = self.desc(*pair);
                let list = self.runtime(
                    abi::LM_LIST_NEW,
                    Ty::Ptr,
                    vec![elem_desc, RtArg::I64(0)],
                    loc,
                );
                let Operand::Local(list) = list else {
                    return list;
                };
                let map = ops[0].clone();
                let (kty, vty) = (self.layouts.ty(*k), self.layouts.ty(*v));
                self.each_entry(map, loc, |this, i, map| {
                    let ks = this.runtime(
                        abi::LM_MAP_KEY_AT,
                        Ty::Int,
                        vec![RtArg::Operand(map.clone()), RtArg::Operand(i.clone())],
                        loc,
                    );
                    let vs = this.runtime(
                        abi::LM_MAP_VALUE_AT,
                        Ty::Int,
                        vec![RtArg::Operand(map), RtArg::Operand(i)],
                        loc,
                    );
                    let pair_desc = this.desc(*pair);
                    let tuple = this.runtime(abi::LM_TUPLE_NEW, Ty::Ptr, vec![pair_desc], loc);
                    let Operand::Local(t) = tuple else { return };
                    // The slots from `*_at` are owned: they move into the tuple.
                    let _ = (kty, vty);
                    this.push(
                        MirStmt::Store {
                            base: t,
                            offset: abi::RECORD_FIELDS_OFFSET as i32,
                            value: ks,
                        },
                        loc,
                    );
                    this.push(
                        MirStmt::Store {
                            base: t,
                            offset: abi::RECORD_FIELDS_OFFSET as i32 + 8,
                            value: vs,
                        },
                        loc,
                    );
                    this.push(
                        MirStmt::Assign(
                            list,
                            Rvalue::Runtime(
                                abi::LM_LIST_PUSH,
                                vec![
                                    RtArg::Operand(Operand::Local(list)),
                                    RtArg::Operand(Operand::Local(t)),
                                ],
                            ),
                        ),
                        loc,
                    );
                });
                Operand::Local(list)
            }
            C::MapRemove | C::SetAdd | C::SetRemove => {
                // These consume their collection: hand over an extra reference
                // so the caller's value is left unchanged.
                let item = slot(self, 1);
                if let Operand::Local(l) = &ops[0] {
                    self.push(MirStmt::Retain(*l), loc);
                }
                let f = match op {
                    C::MapRemove => abi::LM_MAP_REMOVE,
                    C::SetAdd => abi::LM_SET_ADD,
                    _ => abi::LM_SET_REMOVE,
                };
                self.temp(
                    Ty::Ptr,
                    Rvalue::Runtime(
                        f,
                        vec![RtArg::Operand(ops[0].clone()), RtArg::Operand(item)],
                    ),
                    loc,
                )
            }
            C::MapMerge | C::SetUnion | C::SetIntersection | C::SetDifference => {
                let f = match op {
                    C::MapMerge => abi::LM_MAP_MERGE,
                    C::SetUnion => abi::LM_SET_UNION,
                    C::SetIntersection => abi::LM_SET_INTERSECTION,
                    _ => abi::LM_SET_DIFFERENCE,
                };
                self.runtime(
                    f,
                    Ty::Ptr,
                    vec![
                        RtArg::Operand(ops[0].clone()),
                        RtArg::Operand(ops[1].clone()),
                    ],
                    loc,
                )
            }
            C::ListToSet => {
                let Type::List(elem) = args[0].ty else {
                    return Operand::Const(Const::Null);
                };
                let ety = self.layouts.ty(*elem);
                let desc = self.desc(ty);
                let set = self.runtime(abi::LM_SET_NEW, Ty::Ptr, vec![desc], loc);
                let Operand::Local(s) = set else { return set };
                let list = ops[0].clone();
                let len = self.runtime(
                    abi::LM_LIST_LEN,
                    Ty::Int,
                    vec![RtArg::Operand(list.clone())],
                    loc,
                );
                let get = list_fn(abi::LM_LIST_GET, *elem);
                self.count_loop(len, loc, |this, i| {
                    let x = this.runtime(
                        get,
                        Ty::Int,
                        vec![
                            RtArg::Operand(list.clone()),
                            RtArg::Operand(i),
                            RtArg::Loc(loc),
                        ],
                        loc,
                    );
                    // `lm_list_get` gave an owned reference; the set retains its own.
                    this.set_add_in_place(s, x.clone(), loc);
                    let held = this.temp(ety, Rvalue::FromSlot(x, ety), loc);
                    let _ = held;
                });
                Operand::Local(s)
            }
        }
    }

    /// Runs `body(index, map)` for every entry of a map.
    fn each_entry(
        &mut self,
        map: Operand,
        loc: Loc,
        body: impl FnOnce(&mut Self, Operand, Operand),
    ) {
        let len = self.runtime(
            abi::LM_MAP_LEN,
            Ty::Int,
            vec![RtArg::Operand(map.clone())],
            loc,
        );
        self.count_loop(len, loc, |this, i| body(this, i, map));
    }

    /// `for (k, v) in map` / `for x in set`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn for_collection(
        &mut self,
        id: hir::LoopId,
        key: Option<hir::VarId>,
        value: Option<hir::VarId>,
        collection: &Expr,
        filter: Option<&Expr>,
        body: &hir::Block,
        loc: Loc,
    ) {
        let is_map = matches!(collection.ty, Type::Map(..));
        let (kt, vt) = match collection.ty {
            Type::Map(k, v) => (*k, Some(*v)),
            Type::Set(e) => (*e, None),
            _ => return,
        };
        let c = self.expr(collection);
        let len_fn = if is_map {
            abi::LM_MAP_LEN
        } else {
            abi::LM_SET_LEN
        };
        let source = (c, Ty::Ptr, "for.collection", len_fn);
        self.for_indexed(id, source, filter, body, loc, |this, snapshot, index| {
            let at = |this: &mut Self, f: abi::RuntimeFn, var: Option<hir::VarId>, ty: Type| {
                if let Some(var) = var {
                    let s = this.runtime(
                        f,
                        Ty::Int,
                        vec![
                            RtArg::Operand(Operand::Local(snapshot)),
                            RtArg::Operand(Operand::Local(index)),
                        ],
                        loc,
                    );
                    let mty = this.layouts.ty(ty);
                    let local = this.var_local(var);
                    this.assign(local, Rvalue::FromSlot(s, mty), loc);
                }
            };
            if is_map {
                at(this, abi::LM_MAP_KEY_AT, key, kt);
                at(this, abi::LM_MAP_VALUE_AT, value, vt.unwrap_or(Type::Null));
            } else {
                at(this, abi::LM_SET_AT, key, kt);
            }
        });
    }

    /// `map[key] = value` as the last step of a place update: consumes the
    /// map reference held by `obj` and returns a local holding the result.
    pub(super) fn map_set(
        &mut self,
        obj: Local,
        key: &Expr,
        v: &Operand,
        vty: Ty,
        loc: Loc,
    ) -> Local {
        let k = self.expr(key);
        let kty = self.layouts.ty(key.ty);
        let ks = self.to_slot(k, kty, loc);
        let vs = self.to_slot(v.clone(), vty, loc);
        let result = self.unowned_local(Ty::Ptr);
        self.push(
            MirStmt::Assign(
                result,
                Rvalue::Runtime(
                    abi::LM_MAP_SET,
                    vec![
                        RtArg::Operand(Operand::Local(obj)),
                        RtArg::Operand(ks),
                        RtArg::Operand(vs),
                    ],
                ),
            ),
            loc,
        );
        result
    }
}
