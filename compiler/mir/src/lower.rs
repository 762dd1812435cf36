//! Lowering from typed HIR ([`lumen_sema::hir`]) to MIR.
//!
//! Structured control flow becomes basic blocks; expressions become sequences of
//! statements on temporaries; builtins become runtime calls from the ABI table.
//!
//! **Reference counting.** The scheme is deliberately simple and obviously
//! correct, so later passes can remove traffic rather than add missing counts:
//! * every heap local that is not a parameter always holds an owned reference —
//!   it starts as the immortal empty string at function entry;
//! * assigning to a heap local first retains the source (when it is a local) and
//!   releases the old value;
//! * parameters are borrowed and never released (parameters are immutable);
//! * at every `return` all owned heap locals are released, except the dedicated
//!   return local whose reference passes to the caller;
//! * a *fresh temporary* (an expression's result no later code reads: a
//!   call's, a constructor's, an element read's) *moves* into the variable,
//!   field or return value it is stored in instead of being retained there:
//!   the temporary is then reset to the immortal empty string, so its own
//!   release does nothing (`assign_result`, `forget`);
//! * unowned locals (borrowed `match` bindings and rows, see `values.rs`) are
//!   never counted.
//!
//! The passes of `crate::optimize`, which the driver runs after lowering,
//! then delete the counting that these rules make provably redundant.

use std::collections::{HashMap, HashSet};

use lumen_abi as abi;
use lumen_sema::hir::{self, Builtin, Expr, ExprKind, Pattern, Type};

use crate::layout::Layouts;

mod builder;
mod closures;
mod collections;
mod effects;
mod futures;
mod higher_order;
mod json;
mod library;
mod ranges;
mod results;
mod statements;
mod tools;
mod unions;
mod values;

use crate::{
    BasicBlock, BinOp, BlockId, Cast, Const, FuncId, Function, Loc, Local, LocalDecl, Operand,
    Program, RtArg, Rvalue, Statement, StmtKind as MirStmt, Terminator, Ty, UnOp,
};

/// Maps byte offsets to 1-based line and column (columns count characters).
pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i + 1);
            }
        }
        LineIndex { text, line_starts }
    }

    pub fn loc(&self, offset: usize) -> Loc {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start);
        Loc {
            line: line as u32 + 1,
            col: col as u32 + 1,
        }
    }
}

/// Lowers a checked program. `sources` holds each module's file name and the
/// text its spans point into (the main file first).
pub fn lower_program(program: &hir::Program, sources: &[(String, String)]) -> Program {
    let indexes: Vec<LineIndex> = sources
        .iter()
        .map(|(_, text)| LineIndex::new(text))
        .collect();
    let mut layouts = Layouts::new(&program.records, &program.enums);
    layouts.fn_names = program
        .cells
        .iter()
        .map(|c| match &c.captures {
            Some(captures) if captures.is_empty() && c.name != "<closure>" => Some(c.name.clone()),
            _ => None,
        })
        .collect();
    let functions = program
        .cells
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            let module = program.cell_modules.get(i).copied().unwrap_or(0);
            let file_name = &sources[module].0;
            let mut lowerer = FnLowerer::new(cell, i, &indexes[module], &mut layouts);
            lowerer.set_deterministic = program.deterministic && i == program.entry.0 as usize;
            lowerer.lower(file_name)
        })
        .collect();
    Program {
        functions,
        entry: FuncId(program.entry.0),
        file_name: sources[0].0.clone(),
        type_descs: layouts.into_descs(),
    }
}

struct PendingBlock {
    stmts: Vec<Statement>,
    terminator: Option<Terminator>,
}

struct FnLowerer<'a, 'l> {
    cell: &'a hir::Cell,
    /// The entry cell of a `@deterministic true` program.
    set_deterministic: bool,
    layouts: &'a mut Layouts<'l>,
    index: &'a LineIndex<'a>,
    symbol: String,
    locals: Vec<LocalDecl>,
    vars: HashMap<hir::VarId, Local>,
    params: Vec<Local>,
    blocks: Vec<PendingBlock>,
    current: BlockId,
    /// `LoopId` → (continue target, break target).
    loops: HashMap<hir::LoopId, (BlockId, BlockId)>,
    ret_local: Local,
    ret_ty: Ty,
    /// Each `return` block with the number of locals when it was lowered:
    /// locals made later (variables declared further down a loop body, which
    /// an earlier `return` still leaves holding a reference from a previous
    /// iteration) are released there too, in `finish`.
    returns: Vec<(BlockId, usize)>,
    /// Heap locals whose references are managed by hand (see `values`).
    unowned: HashSet<Local>,
    /// While testing the patterns of a `match`: bindings borrow from the
    /// match's private copy of the scrutinee (see `match_expr`).
    borrow_bindings: bool,
    /// While the arms of a `match` on a string with several one-character
    /// string patterns are lowered: the scrutinee and its
    /// `lm_str_byte_key`, which those patterns compare instead of strings.
    str_key: Option<(Local, Local)>,
    /// `defer` blocks registered in each enclosing block, outermost first,
    /// as indexes into `defer_table`.
    defers: Vec<Vec<usize>>,
    /// Every `defer` of the cell, in registration order: its body and the
    /// defer state in force before it (see `defer_state`).
    defer_table: Vec<(hir::Block, u32)>,
    /// The *defer state* where the code being lowered runs: 0 when no
    /// `defer` is pending, else 1 + the index in `defer_table` of the
    /// innermost pending one (whose entry names the state before it, and so
    /// on). The local `defer_state_local` holds it at run time, so the
    /// failure landing knows which `defer` blocks are due.
    defer_state: u32,
    defer_state_local: Option<Local>,
    /// For each loop, how many defer scopes enclose it (a `break` or
    /// `continue` runs the defers of the scopes it leaves).
    loop_defer_depth: HashMap<hir::LoopId, usize>,
}

impl<'a, 'l> FnLowerer<'a, 'l> {
    fn new(
        cell: &'a hir::Cell,
        index_in_program: usize,
        index: &'a LineIndex<'a>,
        layouts: &'a mut Layouts<'l>,
    ) -> Self {
        let ret_ty = layouts.ty(cell.ret);
        let mut this = FnLowerer {
            cell,
            set_deterministic: false,
            layouts,
            index,
            symbol: format!("lm_cell_{index_in_program}_{}", cell.name),
            locals: Vec::new(),
            vars: HashMap::new(),
            params: Vec::new(),
            blocks: Vec::new(),
            current: BlockId(0),
            loops: HashMap::new(),
            unowned: HashSet::new(),
            borrow_bindings: false,
            str_key: None,
            defers: Vec::new(),
            defer_table: Vec::new(),
            defer_state: 0,
            defer_state_local: None,
            loop_defer_depth: HashMap::new(),
            ret_local: Local(0),
            ret_ty,
            returns: Vec::new(),
        };
        // A closure body receives its closure object first (borrowed).
        if cell.captures.is_some() {
            let env = this.new_local(Ty::Ptr, Some("closure".to_string()));
            this.params.push(env);
        }
        for &param in &cell.params {
            let var = &cell.vars[param.0 as usize];
            let local = {
                let t = this.layouts.ty(var.ty);
                this.new_local(t, Some(var.name.clone()))
            };
            this.vars.insert(param, local);
            this.params.push(local);
        }
        this.ret_local = this.new_local(ret_ty, Some("return".to_string()));
        this.blocks.push(PendingBlock {
            stmts: Vec::new(),
            terminator: None,
        });
        this
    }

    fn lower(mut self, file_name: &str) -> Function {
        let cell = self.cell;
        if self.set_deterministic {
            // `@deterministic true`: before anything else runs (async.md §4).
            let loc = self.loc(cell.span.start);
            self.runtime_effect(abi::LM_SET_DETERMINISTIC, Vec::new(), loc);
        }
        if let Some(captures) = &cell.captures {
            self.load_captures(captures);
        }
        let body_value = self.block(&cell.body);
        let tail_diverges = cell.body.tail.as_ref().is_some_and(|t| t.ty == Type::Never);
        if !self.is_terminated() {
            let loc = self.loc(cell.span.start);
            match body_value {
                // The checker proved such paths end in `return`/`halt`/…; the
                // end of the body is unreachable.
                _ if tail_diverges => self.terminate(Terminator::Unreachable),
                Some(op) if self.ret_ty != Ty::Null => self.return_value(op, loc),
                None if self.ret_ty != Ty::Null => self.terminate(Terminator::Unreachable),
                _ => self.return_value(Operand::Const(Const::Null), loc),
            }
        }
        self.finish(file_name)
    }

    fn finish(mut self, file_name: &str) -> Function {
        let landing = self.landing();
        // Returns lowered before some locals existed release those too.
        let owned = self.owned_heap_locals();
        for (block, known) in std::mem::take(&mut self.returns) {
            let later: Vec<Local> = owned
                .iter()
                .copied()
                .filter(|l| l.0 as usize >= known)
                .collect();
            if later.is_empty() {
                continue;
            }
            let stmts = &mut self.blocks[block.0 as usize].stmts;
            let loc = stmts
                .last()
                .map_or_else(|| self.index.loc(self.cell.span.start), |s| s.loc);
            stmts.extend(later.into_iter().map(|l| Statement {
                kind: MirStmt::Release(l),
                loc,
            }));
        }
        // Every owned heap local starts as the immortal empty string, so a
        // release before its first real assignment is harmless.
        let inits: Vec<Statement> = self
            .owned_heap_locals()
            .into_iter()
            .chain(self.ret_ty.is_heap().then_some(self.ret_local))
            .map(|local| Statement {
                kind: MirStmt::Assign(
                    local,
                    Rvalue::Use(Operand::Const(Const::Str(String::new()))),
                ),
                loc: self.loc(self.cell.span.start),
            })
            .collect();
        let mut inits = inits;
        if let Some(state) = self.defer_state_local {
            inits.push(Statement {
                kind: MirStmt::Assign(state, Rvalue::Use(Operand::Const(Const::Int(0)))),
                loc: self.loc(self.cell.span.start),
            });
        }
        let entry = &mut self.blocks[0].stmts;
        entry.splice(0..0, inits);
        let blocks = self
            .blocks
            .into_iter()
            .map(|b| BasicBlock {
                stmts: b.stmts,
                terminator: b.terminator.unwrap_or(Terminator::Unreachable),
            })
            .collect();
        Function {
            name: self.cell.name.clone(),
            symbol: self.symbol,
            params: self.params,
            ret: self.ret_ty,
            locals: self.locals,
            blocks,
            loc: self.index.loc(self.cell.span.start),
            file_name: file_name.to_string(),
            frozen_lists: Vec::new(),
            landing: Some(landing),
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
    pub(crate) fn exprs_in_order(&mut self, args: &[Expr], loc: Loc) -> (Vec<Operand>, Vec<Local>) {
        let args: Vec<&Expr> = args.iter().collect();
        self.operands_in_order(&args, loc)
    }

    /// Releases the snapshots [`Self::operands_in_order`] took, once the
    /// call that used them is made, and resets them to the immortal empty
    /// string (they are owned locals, released again when the cell
    /// returns).
    pub(crate) fn release_snapshots(&mut self, snapshots: Vec<Local>, loc: Loc) {
        for t in snapshots {
            self.push(MirStmt::Release(t), loc);
            self.forget(t, loc);
        }
    }

    // ---- expressions

    fn expr(&mut self, e: &Expr) -> Operand {
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
            | ExprKind::Unwrap(_)
            | ExprKind::Coalesce(..)
            | ExprKind::IfLet { .. } => self.union_expr(e, loc),
            ExprKind::Block(block) => {
                let value = self.block(block);
                value.unwrap_or(Operand::Const(Const::Null))
            }
        }
    }

    /// Lowers a branch body and stores its value in `result` (when the branch
    /// has a value and the expression's type carries data).
    fn branch_value(&mut self, block: &hir::Block, result: Local, ty: Ty, loc: Loc) {
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

    fn binary(&mut self, op: hir::BinaryOp, lhs: &Expr, rhs: &Expr, ty: Type, loc: Loc) -> Operand {
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
    fn to_string(&mut self, value: Operand, ty: Type, loc: Loc) -> Operand {
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

    fn interpolation(&mut self, parts: &[hir::InterpPart], loc: Loc) -> Operand {
        let mut pieces = Vec::new();
        for part in parts {
            match part {
                hir::InterpPart::Text(text) => {
                    pieces.push(Operand::Const(Const::Str(text.clone())))
                }
                hir::InterpPart::Value(e, spec) => {
                    let value = self.expr(e);
                    let ty = e.ty;
                    let piece = match spec {
                        None => self.to_string(value, ty, loc),
                        Some(spec) => self.format(value, ty, spec, loc),
                    };
                    pieces.push(piece);
                }
            }
        }
        match pieces.len() {
            0 => Operand::Const(Const::Str(String::new())),
            1 => {
                let only = pieces.pop().unwrap_or(Operand::Const(Const::Null));
                self.temp(Ty::Str, Rvalue::Use(only), loc)
            }
            _ => self.runtime(
                abi::LM_STR_CONCAT_N,
                Ty::Str,
                vec![RtArg::StrArray(pieces), RtArg::I64(parts.len() as i64)],
                loc,
            ),
        }
    }

    fn format(&mut self, value: Operand, ty: Type, spec: &hir::FormatSpec, loc: Loc) -> Operand {
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

    fn match_expr(
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
    fn pattern_test(
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
