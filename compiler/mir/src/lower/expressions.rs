//! Expressions: the dispatch over `hir::ExprKind` (most kinds go on to the
//! module of their area), arguments evaluated in order with snapshots of
//! variables a later argument assigns, `if`/`when` values, `and`/`or`,
//! operators, the builtins of `hir::Builtin` that are not an area's, and
//! string interpolation and formatting.

use lumen_abi as abi;
use lumen_sema::hir::{self, Builtin, Expr, ExprKind, Type};

use super::FnLowerer;
use crate::{
    BinOp, Cast, Const, FuncId, Loc, Local, Operand, RtArg, Rvalue, Statement, StmtKind as MirStmt,
    Terminator, Ty, UnOp,
};

/// How many pieces of an interpolated string one `lm_str_concat_n` joins
/// at most (see `interpolation`).
const CONCAT_CHUNK: usize = 32;

impl FnLowerer<'_, '_> {
    pub(super) fn expr(&mut self, e: &Expr) -> Operand {
        let loc = self.loc(e.span.start);
        let ty = self.layouts.ty(e.ty);
        match &e.kind {
            ExprKind::Int(v) => Operand::Const(Const::Int(*v)),
            ExprKind::Float(v) => Operand::Const(Const::Float(*v)),
            ExprKind::Bool(v) => Operand::Const(Const::Bool(*v)),
            ExprKind::Null | ExprKind::Error => Operand::Const(Const::Null),
            ExprKind::Str(s) => Operand::Const(Const::Str(s.clone())),
            ExprKind::Bytes(b) => Operand::Const(Const::Bytes(b.clone())),
            ExprKind::Var(var) => Operand::Local(self.var_local(*var)),
            ExprKind::Binary(op, lhs, rhs) => self.binary(*op, lhs, rhs, e.ty, loc),
            ExprKind::Unary(op, operand) => {
                let value = self.expr(operand);
                let op = match op {
                    hir::UnaryOp::Neg => UnOp::Neg,
                    hir::UnaryOp::Not => UnOp::Not,
                    hir::UnaryOp::BitNot => UnOp::BitNot,
                };
                self.temp(
                    ty,
                    Rvalue::Unary {
                        op,
                        ty: self.layouts.ty(operand.ty),
                        operand: value,
                    },
                    loc,
                )
            }
            ExprKind::Cast(kind, operand) => {
                let value = self.expr(operand);
                let cast = match kind {
                    hir::CastKind::IntToFloat => Cast::IntToFloat,
                    hir::CastKind::FloatToInt => Cast::FloatToInt,
                };
                if let (Cast::IntToFloat, Operand::Const(Const::Int(v))) = (cast, &value) {
                    return Operand::Const(Const::Float(*v as f64));
                }
                self.temp(ty, Rvalue::Cast(cast, value), loc)
            }
            ExprKind::And(lhs, rhs) => self.short_circuit(lhs, rhs, true, loc),
            ExprKind::Or(lhs, rhs) => self.short_circuit(lhs, rhs, false, loc),
            ExprKind::Call(cell, args) => {
                let args: Vec<&Expr> = args.iter().collect();
                let (args, snapshots) = self.operands_in_order(&args, loc);
                let rvalue = Rvalue::Call(FuncId(cell.0), args);
                if e.ty == Type::Never {
                    self.push(MirStmt::Eval(rvalue), loc);
                    self.terminate(Terminator::Unreachable);
                    Operand::Const(Const::Null)
                } else {
                    let result = self.temp(ty, rvalue, loc);
                    self.release_snapshots(snapshots, loc);
                    result
                }
            }
            ExprKind::Builtin(builtin, args) => self.builtin(*builtin, args, loc),
            ExprKind::Async(op, args) => self.async_op(*op, args, e.ty, loc),
            ExprKind::Effect(op, args) => self.effect_op(op, args, e.ty, loc),
            ExprKind::Interpolation(parts) => self.interpolation(parts, loc),
            ExprKind::If {
                cond,
                then_block,
                else_block,
            } => {
                let c = self.expr(cond);
                let result = self.new_local(ty, None);
                let then_bb = self.new_block();
                let else_bb = self.new_block();
                let join = self.new_block();
                self.terminate(Terminator::Branch {
                    cond: c,
                    then_block: then_bb,
                    else_block: else_bb,
                });
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
            ExprKind::Match { scrutinee, arms } => self.match_expr(scrutinee, arms, ty, loc),
            ExprKind::When(arms) => {
                let result = self.new_local(ty, None);
                let join = self.new_block();
                for arm in arms {
                    let next = self.new_block();
                    if let Some(cond) = &arm.cond {
                        let c = self.expr(cond);
                        let body = self.new_block();
                        self.terminate(Terminator::Branch {
                            cond: c,
                            then_block: body,
                            else_block: next,
                        });
                        self.switch_to(body);
                    }
                    self.branch_value(&arm.body, result, ty, loc);
                    self.goto(join);
                    self.switch_to(next);
                }
                self.goto(join);
                self.switch_to(join);
                Operand::Local(result)
            }
            ExprKind::Record(_)
            | ExprKind::Variant(..)
            | ExprKind::Field(..)
            | ExprKind::List(_)
            | ExprKind::Index(..)
            | ExprKind::Tuple(_) => self.composite_expr(e, loc),
            ExprKind::CheckWhere(record, checks) => self.check_where(record, checks, loc),
            ExprKind::InSteppedRange {
                item,
                start,
                end,
                inclusive,
                step,
            } => self.in_stepped_range(item, start, end.as_deref(), *inclusive, step, loc),
            ExprKind::FromJson(text, hooks) => self.decode_json(text, hooks, e.ty, loc),
            ExprKind::Tool(call) => self.tool_call(call, e.ty, loc),
            ExprKind::Fetch { url, site } => self.fetch(url, site, e.ty, loc),
            ExprKind::ResultNew(..)
            | ExprKind::Propagate(_)
            | ExprKind::ResultOp(..)
            | ExprKind::Try(_) => self.result_expr(e, loc),
            ExprKind::Map(_) | ExprKind::Set(_) | ExprKind::Collection(..) => {
                self.collection_expr(e, loc)
            }
            ExprKind::Library(call) => self.library_call(call, e.ty, loc),
            ExprKind::Closure(..) | ExprKind::CallValue(..) => self.closure_expr(e, loc),
            ExprKind::HigherOrder {
                op,
                list,
                func,
                init,
            } => self.higher_order(*op, list, func, init.as_deref(), e.ty, loc),
            ExprKind::Inject(_)
            | ExprKind::Narrow(_)
            | ExprKind::IsType(..)
            | ExprKind::AssertMember(_)
            | ExprKind::Unwrap(..)
            | ExprKind::Coalesce(..)
            | ExprKind::IfLet { .. } => self.union_expr(e, loc),
            ExprKind::Block(block) => {
                let value = self.block(block);
                value.unwrap_or(Operand::Const(Const::Null))
            }
            ExprKind::Loop { id, body } => self.loop_expr(*id, body, ty),
        }
    }

    /// Lowers call arguments left to right. A variable argument is only
    /// read where the call happens, so when a later argument assigns it
    /// (`f(x, do x = 5; x end)`) the value it had is first copied to a
    /// temporary, inserted right after the variable's own argument (and
    /// retained when heap: the temporaries returned are released after the
    /// call). Nothing is copied when no later argument assigns it.
    fn operands_in_order(&mut self, args: &[&Expr], loc: Loc) -> (Vec<Operand>, Vec<Local>) {
        // After each argument: where its value stands, as (block, statement
        // index, number of blocks then).
        let mut marks = Vec::with_capacity(args.len());
        let mut ops = Vec::with_capacity(args.len());
        for a in args {
            ops.push(self.expr(a));
            let block = self.current.0 as usize;
            marks.push((block, self.blocks[block].stmts.len(), self.blocks.len()));
        }
        let mut snapshots = Vec::new();
        for i in (0..args.len()).rev() {
            let ExprKind::Var(var) = args[i].kind else {
                continue;
            };
            let Operand::Local(l) = ops[i] else { continue };
            if !self.cell.vars[var.0 as usize].mutable {
                continue;
            }
            let (block, at, blocks_then) = marks[i];
            let assigns = |stmt: &Statement| matches!(&stmt.kind, MirStmt::Assign(d, _) if *d == l);
            let later_assigns = self.blocks[block].stmts[at..].iter().any(assigns)
                || self.blocks[blocks_then..]
                    .iter()
                    .any(|b| b.stmts.iter().any(assigns));
            if !later_assigns {
                continue;
            }
            let ty = self.locals[l.0 as usize].ty;
            let t = self.new_local(ty, None);
            let mut copy = vec![Statement {
                kind: MirStmt::Assign(t, Rvalue::Use(Operand::Local(l))),
                loc,
            }];
            if ty.is_heap() {
                copy.push(Statement {
                    kind: MirStmt::Retain(t),
                    loc,
                });
                snapshots.push(t);
            }
            let stmts = &mut self.blocks[block].stmts;
            stmts.splice(at..at, copy);
            ops[i] = Operand::Local(t);
        }
        (ops, snapshots)
    }

    /// [`Self::operands_in_order`] over a slice of arguments.
    pub(super) fn exprs_in_order(&mut self, args: &[Expr], loc: Loc) -> (Vec<Operand>, Vec<Local>) {
        let args: Vec<&Expr> = args.iter().collect();
        self.operands_in_order(&args, loc)
    }

    /// Releases the snapshots [`Self::operands_in_order`] took, once the
    /// call that used them is made, and resets them to the immortal empty
    /// string (they are owned locals, released again when the cell
    /// returns).
    pub(super) fn release_snapshots(&mut self, snapshots: Vec<Local>, loc: Loc) {
        for t in snapshots {
            self.push(MirStmt::Release(t), loc);
            self.forget(t, loc);
        }
    }

    /// Lowers a branch body and stores its value in `result` (when the branch
    /// has a value and the expression's type carries data).
    pub(super) fn branch_value(&mut self, block: &hir::Block, result: Local, ty: Ty, loc: Loc) {
        let value = self.block(block);
        if let Some(v) = value {
            if !self.is_terminated() {
                // A Null result is assigned too: the join reads it (a
                // `let v = if c then null else null`).
                let v = if ty == Ty::Null {
                    Operand::Const(Const::Null)
                } else {
                    v
                };
                self.assign_result(result, v, loc);
            }
        }
    }

    fn short_circuit(&mut self, lhs: &Expr, rhs: &Expr, is_and: bool, loc: Loc) -> Operand {
        let result = self.new_local(Ty::Bool, None);
        let l = self.expr(lhs);
        self.assign(result, Rvalue::Use(l.clone()), loc);
        let eval_rhs = self.new_block();
        let join = self.new_block();
        let (then_block, else_block) = if is_and {
            (eval_rhs, join)
        } else {
            (join, eval_rhs)
        };
        self.terminate(Terminator::Branch {
            cond: l,
            then_block,
            else_block,
        });
        self.switch_to(eval_rhs);
        let r = self.expr(rhs);
        self.assign(result, Rvalue::Use(r), loc);
        self.goto(join);
        self.switch_to(join);
        Operand::Local(result)
    }

    pub(super) fn binary(
        &mut self,
        op: hir::BinaryOp,
        lhs: &Expr,
        rhs: &Expr,
        ty: Type,
        loc: Loc,
    ) -> Operand {
        // (`x + do x = 10; x end` adds the `x` from before the block.)
        let (ops, snapshots) = self.operands_in_order(&[lhs, rhs], loc);
        let result = self.binary_values(op, lhs, ops[0].clone(), ops[1].clone(), ty, loc);
        self.release_snapshots(snapshots, loc);
        result
    }

    /// `lhs op rhs` once both operands are lowered to `l` and `r`.
    fn binary_values(
        &mut self,
        op: hir::BinaryOp,
        lhs: &Expr,
        l: Operand,
        r: Operand,
        ty: Type,
        loc: Loc,
    ) -> Operand {
        use hir::BinaryOp as H;
        let operand_ty = self.layouts.ty(lhs.ty);
        // Everything but scalars, strings and payload-less enums (plain tags)
        // is compared by the runtime, by its type descriptor.
        let composite = match lhs.ty {
            Type::Int
            | Type::Float
            | Type::Bool
            | Type::Str
            | Type::Null
            | Type::Never
            | Type::Error => false,
            Type::Enum(n) => self.layouts.enum_is_object(n.id),
            _ => true,
        };
        if composite {
            if op == H::Concat && lhs.ty == Type::Bytes {
                return self.runtime(
                    abi::LM_BYTES_CONCAT,
                    Ty::Ptr,
                    vec![RtArg::Operand(l), RtArg::Operand(r)],
                    loc,
                );
            }
            if op == H::Concat {
                return self.runtime(
                    abi::LM_LIST_CONCAT,
                    Ty::Ptr,
                    vec![RtArg::Operand(l), RtArg::Operand(r)],
                    loc,
                );
            }
            return self.compare_values(op, l, r, lhs.ty, loc);
        }
        match (op, operand_ty) {
            (H::Concat, _) => self.runtime(
                abi::LM_STR_CONCAT,
                Ty::Str,
                vec![RtArg::Operand(l), RtArg::Operand(r)],
                loc,
            ),
            (H::Pow, Ty::Int) => self.runtime(
                abi::LM_INT_POW,
                Ty::Int,
                vec![RtArg::Operand(l), RtArg::Operand(r), RtArg::Loc(loc)],
                loc,
            ),
            (H::Pow, _) => self.runtime(
                abi::LM_FLOAT_POW,
                Ty::Float,
                vec![RtArg::Operand(l), RtArg::Operand(r)],
                loc,
            ),
            (H::Eq | H::Ne, Ty::Str) => {
                let eq = self.runtime(
                    abi::LM_STR_EQ,
                    Ty::Bool,
                    vec![RtArg::Operand(l), RtArg::Operand(r)],
                    loc,
                );
                if op == H::Eq {
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
            (H::Lt | H::Le | H::Gt | H::Ge, Ty::Str) => {
                let cmp = self.runtime(
                    abi::LM_STR_CMP,
                    Ty::Int,
                    vec![RtArg::Operand(l), RtArg::Operand(r)],
                    loc,
                );
                self.temp(
                    Ty::Bool,
                    Rvalue::Binary {
                        op: simple_binop(op),
                        ty: Ty::Int,
                        lhs: cmp,
                        rhs: Operand::Const(Const::Int(0)),
                    },
                    loc,
                )
            }
            (H::Eq | H::Ne, Ty::Null) => Operand::Const(Const::Bool(op == H::Eq)),
            _ => self.temp(
                self.layouts.ty(ty),
                Rvalue::Binary {
                    op: simple_binop(op),
                    ty: operand_ty,
                    lhs: l,
                    rhs: r,
                },
                loc,
            ),
        }
    }

    fn builtin(&mut self, builtin: Builtin, args: &[Expr], loc: Loc) -> Operand {
        match builtin {
            Builtin::Print | Builtin::Eprint => {
                let stream = if builtin == Builtin::Print { 1 } else { 2 };
                // Every argument is evaluated before anything is written
                // (arguments before the call, semantics §1): what a cell
                // called by a later argument prints comes before this line,
                // and a later argument that fails leaves no partial line.
                // A scalar read from a variable is copied, so a later
                // argument assigning that variable does not change it.
                // (A heap value read from a variable that a later argument
                // assigns is a retained snapshot, released after the line.)
                let (values, snapshots) = self.exprs_in_order(args, loc);
                let values: Vec<Operand> = args
                    .iter()
                    .zip(values)
                    .map(|(arg, value)| match (&value, self.layouts.ty(arg.ty)) {
                        (Operand::Local(_), ty @ (Ty::Int | Ty::Float | Ty::Bool)) => {
                            self.temp(ty, Rvalue::Use(value), loc)
                        }
                        _ => value,
                    })
                    .collect();
                for (i, (arg, value)) in args.iter().zip(values).enumerate() {
                    if i > 0 {
                        self.runtime_effect(abi::LM_WRITE_SPACE, vec![RtArg::I32(stream)], loc);
                    }
                    if !self.is_scalar_display(arg.ty) {
                        self.write_value(stream, value, arg.ty, loc);
                        continue;
                    }
                    let f = match self.layouts.ty(arg.ty) {
                        Ty::Int => abi::LM_WRITE_INT,
                        Ty::Float => abi::LM_WRITE_FLOAT,
                        Ty::Bool => abi::LM_WRITE_BOOL,
                        Ty::Str => abi::LM_WRITE_STR,
                        Ty::Null | Ty::Ptr => abi::LM_WRITE_NULL,
                    };
                    let mut rt_args = vec![RtArg::I32(stream)];
                    if self.layouts.ty(arg.ty) != Ty::Null {
                        rt_args.push(RtArg::Operand(value));
                    }
                    self.runtime_effect(f, rt_args, loc);
                }
                self.runtime_effect(abi::LM_WRITE_NEWLINE, vec![RtArg::I32(stream)], loc);
                self.release_snapshots(snapshots, loc);
                Operand::Const(Const::Null)
            }
            Builtin::JsonParse => self.json_parse(&args[0], loc),
            Builtin::JsonIndex => self.json_index(&args[0], &args[1], loc),
            Builtin::ToString => {
                let arg = &args[0];
                let value = self.expr(arg);
                self.to_string(value, arg.ty, loc)
            }
            Builtin::JsonEncode { pretty } => {
                let arg = &args[0];
                let value = self.expr(arg);
                self.json_encode(value, arg.ty, pretty, loc)
            }
            Builtin::ListLen | Builtin::Append => self.list_builtin(builtin, args, loc),
            Builtin::StrLen => {
                let s = self.expr(&args[0]);
                self.runtime(abi::LM_STR_LEN, Ty::Int, vec![RtArg::Operand(s)], loc)
            }
            Builtin::StrIndex => {
                let s = self.expr(&args[0]);
                let i = self.expr(&args[1]);
                self.runtime(
                    abi::LM_STR_INDEX,
                    Ty::Str,
                    vec![RtArg::Operand(s), RtArg::Operand(i), RtArg::Loc(loc)],
                    loc,
                )
            }
            Builtin::BytesLen => {
                let b = self.expr(&args[0]);
                self.runtime(abi::LM_BYTES_LEN, Ty::Int, vec![RtArg::Operand(b)], loc)
            }
            Builtin::BytesIndex => {
                let b = self.expr(&args[0]);
                let i = self.expr(&args[1]);
                self.runtime(
                    abi::LM_BYTES_INDEX,
                    Ty::Int,
                    vec![RtArg::Operand(b), RtArg::Operand(i), RtArg::Loc(loc)],
                    loc,
                )
            }
            Builtin::Exit => {
                let code = self.expr(&args[0]);
                self.runtime_effect(abi::LM_EXIT, vec![RtArg::Operand(code)], loc);
                Operand::Const(Const::Null)
            }
        }
    }

    /// The display form of a value as a string operand.
    pub(super) fn to_string(&mut self, value: Operand, ty: Type, loc: Loc) -> Operand {
        if !self.is_scalar_display(ty) {
            return self.value_to_string(value, ty, loc);
        }
        let f = match self.layouts.ty(ty) {
            Ty::Str => return self.temp(Ty::Str, Rvalue::Use(value), loc),
            Ty::Int => abi::LM_STR_FROM_INT,
            Ty::Float => abi::LM_STR_FROM_FLOAT,
            Ty::Bool => abi::LM_STR_FROM_BOOL,
            Ty::Null | Ty::Ptr => return self.runtime(abi::LM_STR_FROM_NULL, Ty::Str, vec![], loc),
        };
        self.runtime(f, Ty::Str, vec![RtArg::Operand(value)], loc)
    }

    /// `"…{x}…"`: the pieces' strings joined by one `lm_str_concat_n`. A
    /// string of more than [`CONCAT_CHUNK`] pieces is joined in chunks of
    /// that many, the chunks' results in chunks again, like the digits of
    /// a counter: every piece computed would otherwise stay live until the
    /// one call, and register allocation is quadratic in values live
    /// across calls (a literal of 5,000 interpolations took 10 s to
    /// compile). Each byte is copied once per level.
    fn interpolation(&mut self, parts: &[hir::InterpPart], loc: Loc) -> Operand {
        // `levels[i]`: pieces not joined yet, each covering CONCAT_CHUNK^i
        // pieces of the string; higher levels hold earlier text.
        let mut levels: Vec<Vec<Operand>> = Vec::new();
        for part in parts {
            let piece = match part {
                hir::InterpPart::Text(text) => Operand::Const(Const::Str(text.clone())),
                hir::InterpPart::Value(e, spec) => {
                    let value = self.expr(e);
                    let ty = e.ty;
                    match spec {
                        None => self.to_string(value, ty, loc),
                        Some(spec) => self.format(value, ty, spec, loc),
                    }
                }
            };
            self.push_piece(&mut levels, piece, loc);
        }
        let mut pieces: Vec<Operand> = levels.into_iter().rev().flatten().collect();
        match pieces.len() {
            0 => Operand::Const(Const::Str(String::new())),
            1 => {
                let only = pieces.pop().unwrap_or(Operand::Const(Const::Null));
                self.temp(Ty::Str, Rvalue::Use(only), loc)
            }
            _ => self.concat_pieces(pieces, loc),
        }
    }

    /// Adds a piece at level 0; a level that fills up is joined into one
    /// piece of the level above.
    fn push_piece(&mut self, levels: &mut Vec<Vec<Operand>>, piece: Operand, loc: Loc) {
        let mut piece = piece;
        for level in 0.. {
            if levels.len() == level {
                levels.push(Vec::new());
            }
            levels[level].push(piece);
            if levels[level].len() < CONCAT_CHUNK {
                return;
            }
            let full = std::mem::take(&mut levels[level]);
            piece = self.concat_pieces(full, loc);
        }
    }

    /// `lm_str_concat_n` of `pieces`; the temporaries among them are
    /// released right away, not at the end of the statement.
    fn concat_pieces(&mut self, pieces: Vec<Operand>, loc: Loc) -> Operand {
        let temps: Vec<Local> = pieces
            .iter()
            .filter_map(|p| match p {
                Operand::Local(l) if self.is_fresh_temp(*l) => Some(*l),
                _ => None,
            })
            .collect();
        let count = pieces.len() as i64;
        let joined = self.runtime(
            abi::LM_STR_CONCAT_N,
            Ty::Str,
            vec![RtArg::StrArray(pieces), RtArg::I64(count)],
            loc,
        );
        if count as usize >= CONCAT_CHUNK {
            for t in temps {
                self.push(MirStmt::Release(t), loc);
                self.forget(t, loc);
            }
        }
        joined
    }

    pub(super) fn format(
        &mut self,
        value: Operand,
        ty: Type,
        spec: &hir::FormatSpec,
        loc: Loc,
    ) -> Operand {
        let (f, value) = match ty {
            Type::Int => (abi::LM_FMT_INT, value),
            Type::Float => (abi::LM_FMT_FLOAT, value),
            _ => {
                let text = self.to_string(value, ty, loc);
                (abi::LM_FMT_STR, text)
            }
        };
        let align = match spec.align {
            Some('<') => abi::FmtAlign::Left,
            Some('>') => abi::FmtAlign::Right,
            Some('^') => abi::FmtAlign::Center,
            _ => abi::FmtAlign::Default,
        };
        let mut flags = 0;
        if spec.plus {
            flags |= abi::FMT_FLAG_PLUS;
        }
        if spec.zero {
            flags |= abi::FMT_FLAG_ZERO;
        }
        if spec.alt {
            flags |= abi::FMT_FLAG_ALT;
        }
        let kind = match spec.kind {
            Some('f') => abi::FmtKind::Fixed,
            Some('x') => abi::FmtKind::LowerHex,
            Some('X') => abi::FmtKind::UpperHex,
            Some('o') => abi::FmtKind::Octal,
            Some('b') => abi::FmtKind::Binary,
            _ => abi::FmtKind::Default,
        };
        self.runtime(
            f,
            Ty::Str,
            vec![
                RtArg::Operand(value),
                RtArg::I32(spec.fill.unwrap_or(' ') as i32),
                RtArg::I32(align as i32),
                RtArg::I32(flags),
                RtArg::I64(spec.width.map_or(-1, i64::from)),
                RtArg::I64(spec.precision.map_or(-1, i64::from)),
                RtArg::I32(kind as i32),
            ],
            loc,
        )
    }
}

fn simple_binop(op: hir::BinaryOp) -> BinOp {
    use hir::BinaryOp as H;
    match op {
        H::Add => BinOp::Add,
        H::Sub => BinOp::Sub,
        H::Mul => BinOp::Mul,
        H::Div => BinOp::Div,
        H::FloorDiv => BinOp::FloorDiv,
        H::Mod => BinOp::Mod,
        H::Shl => BinOp::Shl,
        H::Shr => BinOp::Shr,
        H::BitAnd => BinOp::BitAnd,
        H::BitOr => BinOp::BitOr,
        H::BitXor => BinOp::BitXor,
        H::Eq => BinOp::Eq,
        H::Ne => BinOp::Ne,
        H::Lt => BinOp::Lt,
        H::Le => BinOp::Le,
        H::Gt => BinOp::Gt,
        H::Ge => BinOp::Ge,
        // Handled before reaching here; Pow/Concat never get a MIR BinOp.
        H::Pow | H::Concat => BinOp::Add,
    }
}
