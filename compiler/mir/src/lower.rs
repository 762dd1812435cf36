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
use lumen_sema::hir::{self, Expr, ExprKind, Pattern, Type};

use crate::layout::Layouts;

mod builder;
mod closures;
mod collections;
mod effects;
mod expressions;
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
    BasicBlock, BinOp, BlockId, Const, FuncId, Function, Loc, Local, LocalDecl, Operand, Program,
    RtArg, Rvalue, Statement, StmtKind as MirStmt, Terminator, Ty,
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
