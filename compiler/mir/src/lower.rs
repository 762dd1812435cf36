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
//!
//! **Locations.** Lowering sees no source text: the driver resolves byte
//! offsets to lines and columns (`lumen_diagnostics::LineIndex`) and hands
//! each module's file name and resolver in as a [`Source`].
//!
//! **Layout.** This file holds the entry point [`lower_program`], the
//! per-cell state `FnLowerer` and a cell's start and end (`new`, `lower`,
//! `finish`). The `impl FnLowerer` blocks of `lower/` add the rest, in
//! layers. A module *imports* types and free functions only from this file
//! (the struct) and from the layers below its own; methods are called
//! across layers, as the language nests (an expression holds blocks, a
//! block holds expressions), without importing anything:
//!
//! 1. `builder` — blocks, locals and the ownership rules above (`assign`,
//!    `assign_result`, `forget`, `return_value`), runtime calls, `error_if`,
//!    and `list_fn` (the list runtime function for an element type);
//! 2. `ranges` — range loops, `x in a..b step k`, and the counted loop
//!    `0..len` (`CountedLoop`) that every loop over elements is built on;
//! 3. the core: `statements` (blocks, statements, `defer` and the cell's
//!    landing), `expressions` (the dispatch over expression kinds,
//!    operators, plain builtins, interpolation and formatting), `patterns`
//!    (`match` and the tests of patterns);
//! 4. one module per area, to which the core hands whole expression kinds
//!    and pattern tests: `values`, `closures`, `unions`, `results`,
//!    `collections`, `higher_order`, `library`, `json`, `futures`,
//!    `tools`, `effects`.
//!
//! Only `builder` (`list_fn`) and `ranges` (`CountedLoop`) are imported by
//! other modules; everything else they share is a method.

use std::collections::{HashMap, HashSet};

use lumen_abi as abi;
use lumen_sema::hir::{self, Type};

use crate::layout::Layouts;
use crate::{
    BasicBlock, BlockId, Const, FuncId, Function, Loc, Local, LocalDecl, Operand, Program, Rvalue,
    Statement, StmtKind as MirStmt, Terminator, Ty,
};

mod builder;
mod closures;
mod collections;
mod effects;
mod expressions;
mod futures;
mod higher_order;
mod json;
mod library;
mod patterns;
mod ranges;
mod results;
mod statements;
mod tools;
mod unions;
mod values;

/// What lowering needs of one module's source file: its name, which
/// runtime error reports show, and the line and column of a byte offset in
/// it (the driver resolves them with `lumen_diagnostics::LineIndex`).
pub struct Source<'a> {
    pub name: &'a str,
    pub locate: &'a dyn Fn(usize) -> Loc,
}

/// Lowers a checked program. `sources` holds each module's source file (the
/// main file first), which its spans point into.
pub fn lower_program(program: &hir::Program, sources: &[Source]) -> Program {
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
            let source = &sources[module];
            let mut lowerer = FnLowerer::new(cell, i, source.locate, &mut layouts);
            lowerer.set_deterministic = program.deterministic && i == program.entry.0 as usize;
            lowerer.lower(source.name)
        })
        .collect();
    Program {
        functions,
        entry: FuncId(program.entry.0),
        file_name: sources[0].name.to_string(),
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
    /// The line and column of a byte offset in the cell's source file.
    locate: &'a dyn Fn(usize) -> Loc,
    symbol: String,
    locals: Vec<LocalDecl>,
    vars: HashMap<hir::VarId, Local>,
    /// Temporaries already released at the end of their statement
    /// (`statements::stmt`).
    released_temps: Vec<bool>,
    /// The locals of `vars` (every variable's local), for
    /// `is_fresh_temp` in constant time: a long function has thousands of
    /// variables and asks for every temporary.
    var_locals: HashSet<Local>,
    /// The heap-typed locals, in order: what `owned_heap_locals` filters,
    /// so every `return` does not scan all locals.
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
    /// For each loop expression (`hir::ExprKind::Loop`), the local its
    /// `break value`s assign: the loop's value at its exit.
    loop_results: HashMap<hir::LoopId, Local>,
}

impl<'a, 'l> FnLowerer<'a, 'l> {
    fn new(
        cell: &'a hir::Cell,
        index_in_program: usize,
        locate: &'a dyn Fn(usize) -> Loc,
        layouts: &'a mut Layouts<'l>,
    ) -> Self {
        let ret_ty = layouts.ty(cell.ret);
        let mut this = FnLowerer {
            cell,
            set_deterministic: false,
            layouts,
            locate,
            symbol: format!("lm_cell_{index_in_program}_{}", cell.name),
            locals: Vec::new(),
            vars: HashMap::new(),
            released_temps: Vec::new(),
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
            loop_results: HashMap::new(),
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
                .map_or_else(|| (self.locate)(self.cell.span.start), |s| s.loc);
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
            loc: (self.locate)(self.cell.span.start),
            file_name: file_name.to_string(),
            frozen_lists: Vec::new(),
            landing: Some(landing),
        }
    }
}
