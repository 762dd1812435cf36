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
use lumen_sema::hir::{self, Builtin, Expr, ExprKind, Pattern, StmtKind, Type};

use crate::layout::Layouts;

mod closures;
mod collections;
mod futures;
mod higher_order;
mod json;
mod library;
mod results;
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
    /// The locals of `vars` (every variable's local), for
    /// [`Self::is_fresh_temp`] in constant time: a long function has
    /// thousands of variables and asks for every temporary.
    var_locals: HashSet<Local>,
    /// The heap-typed locals, in order: what [`Self::owned_heap_locals`]
    /// filters, so every `return` does not scan all locals.
    heap_locals: Vec<Local>,
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
            var_locals: HashSet::new(),
            heap_locals: Vec::new(),
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
            this.var_locals.insert(local);
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

    /// Builds the cell's *landing*, where every failing call's failure edge
    /// goes (the code generator adds the edges; `Function::landing`): runs
    /// the `defer` blocks the defer state says are due, innermost first,
    /// with the failure held, then releases every owned heap local — which
    /// by the rules of this module all hold a reference or the immortal
    /// empty string at any call — and returns a dummy value with the
    /// failure propagating.
    fn landing(&mut self) -> BlockId {
        let loc = self.loc(self.cell.span.start);
        let landing = self.new_block();
        self.switch_to(landing);
        if let Some(state) = self.defer_state_local {
            self.runtime_effect(abi::LM_FAILURE_HOLD, Vec::new(), loc);
            let dispatch = self.new_block();
            self.goto(dispatch);
            let tail = self.new_block();
            let mut test = dispatch;
            for id in 0..self.defer_table.len() {
                let run = self.new_block();
                let next = self.new_block();
                self.switch_to(test);
                let due = self.temp(
                    Ty::Bool,
                    Rvalue::Binary {
                        op: BinOp::Eq,
                        ty: Ty::Int,
                        lhs: Operand::Local(state),
                        rhs: Operand::Const(Const::Int(id as i64 + 1)),
                    },
                    loc,
                );
                self.terminate(Terminator::Branch {
                    cond: due,
                    then_block: run,
                    else_block: next,
                });
                self.switch_to(run);
                self.run_defer(id);
                self.goto(dispatch);
                test = next;
            }
            self.switch_to(test);
            self.goto(tail);
            self.switch_to(tail);
            self.runtime_effect(abi::LM_FAILURE_RESUME, Vec::new(), loc);
        }
        for local in self.owned_heap_locals() {
            self.push(MirStmt::Release(local), loc);
        }
        let dummy = match self.ret_ty {
            Ty::Int => Const::Int(0),
            Ty::Float => Const::Float(0.0),
            Ty::Bool => Const::Bool(false),
            Ty::Null => Const::Null,
            Ty::Str | Ty::Ptr => Const::Str(String::new()),
        };
        let value = if self.ret_ty == Ty::Ptr {
            // A `Str` constant typed as the pointer the cell returns.
            let d = self.new_local(Ty::Ptr, None);
            self.unowned.insert(d);
            self.push(MirStmt::Assign(d, Rvalue::Use(Operand::Const(dummy))), loc);
            Operand::Local(d)
        } else {
            Operand::Const(dummy)
        };
        self.terminate(Terminator::Return(value));
        landing
    }

    /// Heap locals this function owns (not parameters, not the return local).
    fn owned_heap_locals(&self) -> Vec<Local> {
        self.heap_locals
            .iter()
            .copied()
            .filter(|l| {
                !self.params.contains(l) && !self.unowned.contains(l) && *l != self.ret_local
            })
            .collect()
    }

    // ---- building blocks

    fn loc(&self, offset: usize) -> Loc {
        self.index.loc(offset)
    }

    fn new_local(&mut self, ty: Ty, name: Option<String>) -> Local {
        self.locals.push(LocalDecl { ty, name });
        let local = Local(self.locals.len() as u32 - 1);
        if ty.is_heap() {
            self.heap_locals.push(local);
        }
        local
    }

    fn new_block(&mut self) -> BlockId {
        self.blocks.push(PendingBlock {
            stmts: Vec::new(),
            terminator: None,
        });
        BlockId(self.blocks.len() as u32 - 1)
    }

    fn switch_to(&mut self, block: BlockId) {
        self.current = block;
    }

    fn is_terminated(&self) -> bool {
        self.blocks[self.current.0 as usize].terminator.is_some()
    }

    fn push(&mut self, kind: MirStmt, loc: Loc) {
        if self.is_terminated() {
            // Code after a `return`/`break` is unreachable: put it in a fresh
            // block without predecessors.
            let dead = self.new_block();
            self.switch_to(dead);
        }
        self.blocks[self.current.0 as usize]
            .stmts
            .push(Statement { kind, loc });
    }

    fn terminate(&mut self, terminator: Terminator) {
        if self.is_terminated() {
            return;
        }
        self.blocks[self.current.0 as usize].terminator = Some(terminator);
    }

    fn goto(&mut self, target: BlockId) {
        self.terminate(Terminator::Goto(target));
    }

    /// Assigns to a local, keeping the reference-counting invariant.
    fn assign(&mut self, dst: Local, rvalue: Rvalue, loc: Loc) {
        if self.locals[dst.0 as usize].ty.is_heap() {
            // The old value is released before the new one is stored, so an
            // rvalue that reads `dst` (`xs = concat(xs, ys)`) must run first,
            // into a temporary whose reference then moves into `dst`.
            if !matches!(rvalue, Rvalue::Use(_)) && rvalue.reads(dst) {
                let ty = self.locals[dst.0 as usize].ty;
                let tmp = self.new_local(ty, None);
                self.unowned.insert(tmp);
                self.push(MirStmt::Assign(tmp, rvalue), loc);
                if !self.params.contains(&dst) && !self.unowned.contains(&dst) {
                    self.push(MirStmt::Release(dst), loc);
                }
                self.push(MirStmt::Assign(dst, Rvalue::Use(Operand::Local(tmp))), loc);
                return;
            }
            if let Rvalue::Use(Operand::Local(src)) = &rvalue {
                if *src == dst {
                    return;
                }
                self.push(MirStmt::Retain(*src), loc);
            }
            if !self.params.contains(&dst) && !self.unowned.contains(&dst) {
                self.push(MirStmt::Release(dst), loc);
            }
        }
        self.push(MirStmt::Assign(dst, rvalue), loc);
    }

    /// Whether `local` is a temporary holding its own reference that no later
    /// code reads: the result of a call, constructor or element read that an
    /// expression handed back. Its reference can then *move* into a variable
    /// or field instead of being retained there and released here.
    pub(super) fn is_fresh_temp(&self, local: Local) -> bool {
        self.locals[local.0 as usize].ty.is_heap()
            && local != self.ret_local
            && !self.params.contains(&local)
            && !self.unowned.contains(&local)
            && !self.var_locals.contains(&local)
    }

    /// Forgets the reference a fresh temporary held (it moved elsewhere): the
    /// temporary becomes the immortal empty string, so its release at the end
    /// of the cell does nothing.
    pub(super) fn forget(&mut self, local: Local, loc: Loc) {
        self.push(
            MirStmt::Assign(
                local,
                Rvalue::Use(Operand::Const(Const::Str(String::new()))),
            ),
            loc,
        );
    }

    /// `dst = value` where `value` is an expression's result: a fresh
    /// temporary's reference moves into `dst` (no retain here, no release
    /// later); anything else is assigned as by [`Self::assign`].
    fn assign_result(&mut self, dst: Local, value: Operand, loc: Loc) {
        if let Operand::Local(src) = value {
            if src != dst && self.is_fresh_temp(src) {
                if !self.params.contains(&dst) && !self.unowned.contains(&dst) {
                    self.push(MirStmt::Release(dst), loc);
                }
                self.push(MirStmt::Assign(dst, Rvalue::Use(value)), loc);
                self.forget(src, loc);
                return;
            }
        }
        self.assign(dst, Rvalue::Use(value), loc);
    }

    /// Evaluates an rvalue into a fresh temporary.
    fn temp(&mut self, ty: Ty, rvalue: Rvalue, loc: Loc) -> Operand {
        let local = self.new_local(ty, None);
        self.assign(local, rvalue, loc);
        Operand::Local(local)
    }

    fn runtime(&mut self, f: abi::RuntimeFn, ty: Ty, args: Vec<RtArg>, loc: Loc) -> Operand {
        self.temp(ty, Rvalue::Runtime(f, args), loc)
    }

    fn runtime_effect(&mut self, f: abi::RuntimeFn, args: Vec<RtArg>, loc: Loc) {
        self.push(MirStmt::Eval(Rvalue::Runtime(f, args)), loc);
        if f.no_return || f.fails == abi::Fails::Always {
            self.terminate(Terminator::Unreachable);
        }
    }

    fn return_value(&mut self, value: Operand, loc: Loc) {
        if self.ret_ty != Ty::Null {
            let ret = self.ret_local;
            self.assign_result(ret, value, loc);
        }
        for local in self.owned_heap_locals() {
            self.push(MirStmt::Release(local), loc);
        }
        self.returns.push((self.current, self.locals.len()));
        let result = if self.ret_ty == Ty::Null {
            Operand::Const(Const::Null)
        } else {
            Operand::Local(self.ret_local)
        };
        self.terminate(Terminator::Return(result));
    }

    // ---- statements

    /// Lowers a block; returns its value when it has a tail expression.
    fn block(&mut self, block: &hir::Block) -> Option<Operand> {
        let state = self.defer_state;
        self.defers.push(Vec::new());
        for stmt in &block.stmts {
            self.stmt(stmt);
        }
        let value = block.tail.as_ref().map(|e| self.expr(e));
        // Leaving the block normally runs its defers, last first.
        let deferred = self.defers.pop().unwrap_or_default();
        if !self.is_terminated() {
            self.run_defers(&[deferred]);
        }
        self.defer_state = state;
        value
    }

    /// `return value`: runs every pending `defer`, then returns.
    fn return_with_defers(&mut self, op: Operand, loc: Loc) {
        // Keep the value alive in its own local while the defers run (they
        // may reassign variables).
        let ty = self.ret_ty;
        let no_defers = self.defers.iter().all(|scope| scope.is_empty());
        if no_defers {
            // The common case, and cheap: a `return` deep in a long `else if`
            // chain is inside thousands of scopes, none with a `defer`.
            if !self.is_terminated() {
                self.return_value(op, loc);
            }
            return;
        }
        let kept = if ty == Ty::Null {
            op
        } else {
            let kept = self.new_local(ty, None);
            self.assign_result(kept, op, loc);
            Operand::Local(kept)
        };
        let scopes = self.defers.clone();
        let state = self.defer_state;
        self.run_defers(&scopes);
        if !self.is_terminated() {
            self.return_value(kept, loc);
        }
        self.defer_state = state;
    }

    /// Lowers the given defer scopes' blocks, innermost scope and latest
    /// `defer` first. The scopes stay registered (other exits need them too).
    fn run_defers(&mut self, scopes: &[Vec<usize>]) {
        for scope in scopes.iter().rev() {
            for &id in scope.iter().rev() {
                self.run_defer(id);
            }
        }
    }

    /// Lowers the body of `defer_table[id]`, in the defer state before it
    /// (so a failure inside runs only the defers registered before it).
    fn run_defer(&mut self, id: usize) {
        let (body, before) = self.defer_table[id].clone();
        self.set_defer_state(before);
        // A deferred block runs without the defers of the scopes it is
        // leaving (they are not re-entered).
        let saved = std::mem::take(&mut self.defers);
        self.block(&body);
        self.defers = saved;
    }

    /// Enters defer state `state`, at compile time and in the state local.
    fn set_defer_state(&mut self, state: u32) {
        self.defer_state = state;
        if let Some(local) = self.defer_state_local {
            let loc = self.loc(self.cell.span.start);
            self.push(
                MirStmt::Assign(local, Rvalue::Use(Operand::Const(Const::Int(state.into())))),
                loc,
            );
        }
    }

    /// The defer scopes inside loop `id`.
    fn defers_inside(&self, id: hir::LoopId) -> Vec<Vec<usize>> {
        let depth = self
            .loop_defer_depth
            .get(&id)
            .copied()
            .unwrap_or(self.defers.len());
        self.defers[depth.min(self.defers.len())..].to_vec()
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

    fn var_local(&mut self, var: hir::VarId) -> Local {
        if let Some(local) = self.vars.get(&var) {
            return *local;
        }
        let decl = &self.cell.vars[var.0 as usize];
        let local = self.new_local(self.layouts.ty(decl.ty), Some(decl.name.clone()));
        self.vars.insert(var, local);
        self.var_locals.insert(local);
        local
    }

    fn stmt(&mut self, stmt: &hir::Stmt) {
        let loc = self.loc(stmt.span.start);
        if let StmtKind::While { id, .. }
        | StmtKind::Loop { id, .. }
        | StmtKind::ForRange { id, .. }
        | StmtKind::ForList { id, .. }
        | StmtKind::ForCollection { id, .. }
        | StmtKind::ForString { id, .. } = &stmt.kind
        {
            self.loop_defer_depth.insert(*id, self.defers.len());
        }
        match &stmt.kind {
            StmtKind::Assign(var, value) if is_self_append(*var, value) => {
                let local = self.var_local(*var);
                if let ExprKind::Builtin(_, args) = &value.kind {
                    self.append_in_place(local, args[0].ty, &args[1], loc);
                }
            }
            StmtKind::Assign(var, value) if is_self_concat(*var, value) => {
                // `s = s + t`: the variable's reference moves into the call,
                // so an unshared string grows in place (amortised O(1)).
                let local = self.var_local(*var);
                if let ExprKind::Binary(_, _, rhs) = &value.kind {
                    let t = self.expr(rhs);
                    self.push(
                        MirStmt::Assign(
                            local,
                            Rvalue::Runtime(
                                abi::LM_STR_APPEND,
                                vec![RtArg::Operand(Operand::Local(local)), RtArg::Operand(t)],
                            ),
                        ),
                        loc,
                    );
                }
            }
            StmtKind::AssignPlace { var, path, value } => self.assign_place(*var, path, value, loc),
            StmtKind::ForString {
                id,
                var,
                string,
                filter,
                body,
            } => self.for_string(*id, *var, string, filter.as_ref(), body, loc),
            StmtKind::LetPattern(pattern, value) => self.let_pattern(pattern, value, loc),
            StmtKind::ForCollection {
                id,
                key,
                value,
                collection,
                filter,
                body,
            } => self.for_collection(*id, *key, *value, collection, filter.as_ref(), body, loc),
            StmtKind::ForList {
                id,
                var,
                list,
                filter,
                body,
            } => self.for_list(*id, *var, list, filter.as_ref(), body, loc),
            StmtKind::Let(var, value) | StmtKind::Assign(var, value) => {
                let op = self.expr(value);
                let local = self.var_local(*var);
                self.assign_result(local, op, loc);
            }
            StmtKind::Expr(e) => {
                self.expr(e);
            }
            StmtKind::While { id, cond, body } => {
                // Rotated loop: the condition is tested once before the loop
                // and again at the bottom (the `continue` target), so each
                // iteration ends in one conditional branch back to the body.
                let body_block = self.new_block();
                let latch = self.new_block();
                let exit = self.new_block();
                self.branch_on(cond, body_block, exit);
                self.loops.insert(*id, (latch, exit));
                self.switch_to(body_block);
                self.block(body);
                self.goto(latch);
                self.switch_to(latch);
                self.branch_on(cond, body_block, exit);
                self.switch_to(exit);
            }
            StmtKind::Loop { id, body } => {
                let header = self.new_block();
                let exit = self.new_block();
                self.goto(header);
                self.switch_to(header);
                self.loops.insert(*id, (header, exit));
                self.block(body);
                self.goto(header);
                self.switch_to(exit);
            }
            StmtKind::ForRange {
                id,
                var,
                start,
                end,
                inclusive,
                step,
                filter,
                body,
            } => self.for_range(
                *id,
                *var,
                start,
                end.as_ref(),
                *inclusive,
                step.as_ref(),
                filter.as_ref(),
                body,
                loc,
            ),
            StmtKind::Defer(body) => {
                if self.defers.is_empty() {
                    return;
                }
                let id = self.defer_table.len();
                self.defer_table.push((body.clone(), self.defer_state));
                if let Some(scope) = self.defers.last_mut() {
                    scope.push(id);
                }
                if self.defer_state_local.is_none() {
                    self.defer_state_local =
                        Some(self.new_local(Ty::Int, Some("defer state".into())));
                }
                self.set_defer_state(id as u32 + 1);
            }
            StmtKind::Break(id) => {
                if let Some((_, exit)) = self.loops.get(id).copied() {
                    let scopes = self.defers_inside(*id);
                    let state = self.defer_state;
                    self.run_defers(&scopes);
                    self.goto(exit);
                    self.defer_state = state;
                }
            }
            StmtKind::Continue(id) => {
                if let Some((next, _)) = self.loops.get(id).copied() {
                    let scopes = self.defers_inside(*id);
                    let state = self.defer_state;
                    self.run_defers(&scopes);
                    self.goto(next);
                    self.defer_state = state;
                }
            }
            StmtKind::Return(value) => {
                let op = match value {
                    Some(e) => self.expr(e),
                    None => Operand::Const(Const::Null),
                };
                if !self.is_terminated() {
                    self.return_with_defers(op, loc);
                }
            }
            StmtKind::Halt(message) => {
                let msg = self.expr(message);
                self.runtime_effect(
                    abi::LM_HALT,
                    vec![RtArg::Operand(msg), RtArg::Loc(loc)],
                    loc,
                );
            }
        }
    }

    /// Ends the current block with a jump to `then_block` when the Bool
    /// `cond` holds and to `else_block` otherwise. `and`, `or` and `not` become
    /// control flow (each operand is tested once, in order, exactly as their
    /// short-circuit evaluation), so no Bool is materialised and every test
    /// is one compare-and-branch.
    fn branch_on(&mut self, cond: &Expr, then_block: BlockId, else_block: BlockId) {
        match &cond.kind {
            ExprKind::And(lhs, rhs) => {
                let rhs_block = self.new_block();
                self.branch_on(lhs, rhs_block, else_block);
                self.switch_to(rhs_block);
                self.branch_on(rhs, then_block, else_block);
            }
            ExprKind::Or(lhs, rhs) => {
                let rhs_block = self.new_block();
                self.branch_on(lhs, then_block, rhs_block);
                self.switch_to(rhs_block);
                self.branch_on(rhs, then_block, else_block);
            }
            ExprKind::Unary(hir::UnaryOp::Not, operand) => {
                self.branch_on(operand, else_block, then_block);
            }
            _ => {
                let c = self.expr(cond);
                self.terminate(Terminator::Branch {
                    cond: c,
                    then_block,
                    else_block,
                });
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn for_range(
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
        self.range_branch(
            counter, limit, inclusive, known_step, flip, body_block, exit, loc,
        );
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
            let step_block = self.new_block();
            self.terminate(Terminator::Branch {
                cond: more,
                then_block: step_block,
                else_block: exit,
            });
            self.switch_to(step_block);
            self.assign(
                counter,
                Rvalue::Binary {
                    op: BinOp::AddInRange,
                    ty: Ty::Int,
                    lhs: Operand::Local(counter),
                    rhs: Operand::Const(Const::Int(step)),
                },
                loc,
            );
            self.goto(body_block);
            self.switch_to(exit);
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

    /// `x in a..b step k`: inside the bounds for the step's direction, and
    /// reached by whole steps from `a` (`x % k == a % k`, which cannot
    /// overflow, unlike `(x - a) % k`). A zero step is a runtime error.
    fn in_stepped_range(
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

    /// Raises runtime error `code` when `cond` holds.
    fn error_if(&mut self, cond: Operand, code: abi::RuntimeErrorCode, loc: Loc) {
        let fail = self.new_block();
        let ok = self.new_block();
        self.terminate(Terminator::Branch {
            cond,
            then_block: fail,
            else_block: ok,
        });
        self.switch_to(fail);
        self.runtime_effect(
            abi::LM_RUNTIME_ERROR,
            vec![RtArg::I32(code as i32), RtArg::Loc(loc)],
            loc,
        );
        self.switch_to(ok);
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
                    for t in snapshots {
                        self.push(MirStmt::Release(t), loc);
                    }
                    result
                }
            }
            ExprKind::Builtin(builtin, args) => self.builtin(*builtin, args, loc),
            ExprKind::Async(op, args) => self.async_op(*op, args, e.ty, loc),
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
            ExprKind::ResultNew(..) | ExprKind::Propagate(_) | ExprKind::ResultOp(..) => {
                self.result_expr(e, loc)
            }
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
        for t in snapshots {
            self.push(MirStmt::Release(t), loc);
        }
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
                let values: Vec<Operand> = args
                    .iter()
                    .map(|arg| {
                        let value = self.expr(arg);
                        match (&value, self.layouts.ty(arg.ty)) {
                            (Operand::Local(_), ty @ (Ty::Int | Ty::Float | Ty::Bool)) => {
                                self.temp(ty, Rvalue::Use(value), loc)
                            }
                            _ => value,
                        }
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

/// Whether `var = var + t` on strings (also `var += t`).
fn is_self_concat(var: hir::VarId, value: &Expr) -> bool {
    match &value.kind {
        ExprKind::Binary(hir::BinaryOp::Concat, lhs, _) if lhs.ty == Type::Str => {
            matches!(lhs.kind, ExprKind::Var(v) if v == var)
        }
        _ => false,
    }
}

/// Whether `var = append(var, x)`: the list can grow in place.
fn is_self_append(var: hir::VarId, value: &Expr) -> bool {
    match &value.kind {
        ExprKind::Builtin(Builtin::Append, args) => {
            matches!(args.first(), Some(Expr { kind: ExprKind::Var(v), .. }) if *v == var)
        }
        _ => false,
    }
}
