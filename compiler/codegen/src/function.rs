//! Building one Cranelift `ir::Function` from one MIR [`lumen_mir::Function`].
//!
//! MIR locals become Cranelift [`Variable`]s and the frontend constructs SSA;
//! MIR blocks map one to one onto Cranelift blocks, after a separate prologue
//! block (Cranelift's entry block may not be a branch target, MIR's may) that
//! binds the parameters and performs the stack check.
//!
//! Building never compiles: [`build`] returns a [`BuiltFunction`] and
//! [`crate::object::Emitter::define_function`] compiles it. Every MIR index and
//! type is checked while building, so malformed MIR gives a [`CodegenError`]
//! instead of a panic inside Cranelift.

use std::collections::HashMap;

use cranelift_codegen::ir::{
    self, condcodes::FloatCC, condcodes::IntCC, types, AbiParam, Block, InstBuilder, Signature,
    StackSlotData, StackSlotKind, TrapCode, Type, UserFuncName, Value,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_module::{DataId, FuncId};
use lumen_abi::{RuntimeErrorCode, RuntimeFn};
use lumen_mir::{
    self as mir, BinOp, BlockId, Const, Loc, Local, Operand, Program, RtArg, Rvalue, StmtKind,
    Terminator, Ty,
};

use crate::data::SlotWord;
use crate::object::Emitter;
use crate::passes::ClifPassId;
use crate::ranges::{self, Facts};
use crate::runtime_imports::abi_type;
use crate::CodegenError;

/// Trap code after calls that never return; reaching it is a runtime bug.
pub(crate) const UNREACHABLE_TRAP: TrapCode = TrapCode::unwrap_user(1);

use crate::signature::{clif_type, FAILED_TYPE};

/// A built (not yet compiled) function, with what `--emit clif` needs to
/// annotate it.
pub struct BuiltFunction {
    pub func: ir::Function,
    /// `ir::SourceLoc` n of an instruction is `locs[n]`.
    pub locs: Vec<Loc>,
    /// The Lumen name (or the entry symbol), for the CLIF header comment.
    pub display_name: String,
}

/// Per-function state while building.
pub struct FnCx<'a, 'e> {
    pub b: FunctionBuilder<'a>,
    pub em: &'e mut Emitter,
    pub program: &'e Program,
    pub mir: &'e mir::Function,
    pub pointer: Type,
    vars: Vec<Variable>,
    /// Which locals are block-local (`block_values`), the value each has
    /// once its block assigned it, and which have one in the current block.
    block_local: Vec<bool>,
    block_values: Vec<Option<Value>>,
    assigned_here: Vec<Local>,
    blocks: Vec<Block>,
    func_refs: HashMap<FuncId, ir::FuncRef>,
    data_gvs: HashMap<DataId, ir::GlobalValue>,
    error_blocks: HashMap<(i32, Loc, Option<(Local, bool)>), Block>,
    locs: Vec<Loc>,
    loc_index: HashMap<Loc, u32>,
    /// Ranges of Int locals known from dominating branches at the current
    /// statement ([`ranges`]).
    facts: Facts,
    /// Element types behind slots, for the inline list fast paths.
    pub(crate) slot_types: crate::slot_facts::SlotTypes,
    /// Frozen list values and their early loads ([`crate::frozen_lists`]).
    pub(crate) frozen_lists: Vec<crate::frozen_lists::FrozenList>,
    /// Alias-region flags of object headers and list elements.
    pub(crate) mem: crate::slot_facts::MemRegions,
    /// Locals holding list slot addresses (their loads and stores are in
    /// the element region).
    slot_addresses: std::collections::HashSet<Local>,
    /// Where failure edges go ([`crate::failure_edges`]).
    pub(crate) failure: crate::failure_paths::FailureEdges,
    /// The statement being built assigns this local: on its failure edge a
    /// heap destination gets the immortal empty string (its old value may
    /// already be released), unless the call reads it (`keep`: a consuming
    /// runtime function leaves its argument to the caller when it fails).
    pub(crate) dest: Option<(Local, bool)>,
    /// The block being built belongs to the landing (its `return` reports
    /// a failure).
    in_landing: bool,
}

/// Builds the Cranelift IR of `Program::functions[index]`.
pub fn build(
    em: &mut Emitter,
    program: &Program,
    index: usize,
) -> Result<BuiltFunction, CodegenError> {
    build_with(em, program, index, true)
}

/// Builds the body that [`crate::inline`] copies into callers: the same
/// function without the prologue's stack check (the caller's own check
/// covers the inlined code, which adds no frame of its own).
pub fn build_inline_body(
    em: &mut Emitter,
    program: &Program,
    index: usize,
) -> Result<BuiltFunction, CodegenError> {
    build_with(em, program, index, false)
}

fn build_with(
    em: &mut Emitter,
    program: &Program,
    index: usize,
    stack_check: bool,
) -> Result<BuiltFunction, CodegenError> {
    let mir_fn = &program.functions[index];
    let err = |m: String| CodegenError::in_function(&mir_fn.name, m);
    let id = em.cell_id(index);
    let pointer = em.isa().pointer_type();

    if mir_fn.blocks.is_empty() {
        return Err(err("function has no basic blocks".into()));
    }
    for p in &mir_fn.params {
        if p.0 as usize >= mir_fn.locals.len() {
            return Err(err(format!("parameter _{} is not a local", p.0)));
        }
    }

    let mut func = ir::Function::with_name_signature(
        UserFuncName::user(0, id.as_u32()),
        crate::signature::cell(mir_fn, em.isa()),
    );
    let mem = crate::slot_facts::MemRegions::new(&mut func);
    let mut builder_ctx = FunctionBuilderContext::new();
    let b = FunctionBuilder::new(&mut func, &mut builder_ctx);
    let mut fx = FnCx {
        b,
        em,
        program,
        mir: mir_fn,
        pointer,
        vars: Vec::new(),
        block_local: Vec::new(),
        block_values: Vec::new(),
        assigned_here: Vec::new(),
        blocks: Vec::new(),
        func_refs: HashMap::new(),
        data_gvs: HashMap::new(),
        error_blocks: HashMap::new(),
        locs: Vec::new(),
        loc_index: HashMap::new(),
        facts: Facts::new(),
        slot_types: crate::slot_facts::SlotTypes::new(mir_fn),
        frozen_lists: Vec::new(),
        mem,
        slot_addresses: crate::slot_facts::slot_addresses(mir_fn),
        failure: crate::failure_paths::FailureEdges::default(),
        dest: None,
        in_landing: false,
    };
    fx.build_body(stack_check)?;
    let locs = std::mem::take(&mut fx.locs);
    let config = fx.em.isa().frontend_config();
    fx.b.seal_all_blocks();
    let frozen = std::mem::take(&mut fx.frozen_lists);
    fx.b.finalize(config);
    let passes = em.passes;
    if passes.runs(ClifPassId::FrozenLists) {
        crate::frozen_lists::reuse_frozen_list_loads(&mut func, &frozen);
    }
    if passes.runs(ClifPassId::FloatLoads) {
        crate::float_loads::load_floats_directly(&mut func);
    }
    Ok(BuiltFunction {
        func,
        locs,
        display_name: mir_fn.name.clone(),
    })
}

impl<'a, 'e> FnCx<'a, 'e> {
    pub(crate) fn error(&self, message: impl Into<String>) -> CodegenError {
        CodegenError::in_function(&self.mir.name, message.into())
    }

    fn build_body(&mut self, stack_check: bool) -> Result<(), CodegenError> {
        let mir = self.mir;
        for decl in &mir.locals {
            let ty = clif_type(decl.ty, self.pointer);
            self.vars.push(self.b.declare_var(ty));
        }
        for _ in &mir.blocks {
            self.blocks.push(self.b.create_block());
        }
        self.failure = crate::failure_paths::FailureEdges::new(mir, &self.blocks);
        let emitted = emitted_blocks(mir, self.failure.landing.is_some());
        self.block_local = crate::block_values::block_locals(
            mir,
            &emitted,
            &crate::block_values::FailureReads {
                landing_reads_all: self.failure.landing.is_some(),
                releases: &self.failure.releases,
                empty_on_entry: &self.failure.empty_on_entry,
            },
        );
        self.block_values = vec![None; mir.locals.len()];
        self.plan_frame_cleanup();
        let cleanup = crate::failure_paths::landing_blocks(mir);
        for (block, cleanup) in self.blocks.iter().zip(&cleanup) {
            if *cleanup {
                self.b.set_cold_block(*block);
            }
        }

        // Prologue: bind parameters, check the stack, enter MIR block 0.
        let prologue = self.b.create_block();
        self.b.append_block_params_for_function_params(prologue);
        self.b.switch_to_block(prologue);
        self.set_loc(mir.loc);
        self.clear_frame_cleanup();
        let params = self.b.block_params(prologue).to_vec();
        for (local, value) in mir.params.iter().zip(params) {
            self.def(*local, value)?;
        }
        if stack_check {
            self.stack_check(mir.loc)?;
        }
        let first = self.blocks[0];
        self.b.ins().jump(first, &[]);

        let mut entry_facts = if self.em.passes.runs(ClifPassId::Ranges) {
            ranges::entry_facts(mir)
        } else {
            vec![Facts::new(); mir.blocks.len()]
        };
        for (index, block) in mir.blocks.iter().enumerate() {
            if !emitted[index] {
                continue;
            }
            self.b.switch_to_block(self.blocks[index]);
            self.facts = std::mem::take(&mut entry_facts[index]);
            self.failure.enter_block(index);
            for local in std::mem::take(&mut self.assigned_here) {
                self.block_values[local.0 as usize] = None;
            }
            self.in_landing = cleanup[index];
            let first_new = self.b.func.dfg.num_blocks();
            for stmt in &block.stmts {
                self.set_loc(stmt.loc);
                self.statement(&stmt.kind, stmt.loc)?;
                self.failure.after_statement(&stmt.kind);
            }
            self.terminator(&block.terminator)?;
            if cleanup[index] {
                // The blocks fast paths made for the landing's code are
                // cold too.
                for n in first_new..self.b.func.dfg.num_blocks() {
                    self.b.set_cold_block(Block::from_u32(n as u32));
                }
            }
        }
        self.store_flag_address(prologue);
        Ok(())
    }

    /// Records `loc` as the source location of the following instructions.
    pub(crate) fn set_loc(&mut self, loc: Loc) {
        let next = self.locs.len() as u32;
        let index = *self.loc_index.entry(loc).or_insert(next);
        if index == next {
            self.locs.push(loc);
        }
        self.b.set_srcloc(ir::SourceLoc::new(index));
    }

    pub(crate) fn local(&self, local: Local) -> Result<(Variable, Ty), CodegenError> {
        let i = local.0 as usize;
        match (self.vars.get(i), self.mir.locals.get(i)) {
            (Some(var), Some(decl)) => Ok((*var, decl.ty)),
            _ => Err(self.error(format!("local _{} is not declared", local.0))),
        }
    }

    fn block(&self, id: BlockId) -> Result<Block, CodegenError> {
        self.blocks
            .get(id.0 as usize)
            .copied()
            .ok_or_else(|| self.error(format!("block bb{} does not exist", id.0)))
    }

    /// Assigns `value` to `local`, checking that the types agree.
    fn def(&mut self, local: Local, value: Value) -> Result<(), CodegenError> {
        let (var, ty) = self.local(local)?;
        let expected = clif_type(ty, self.pointer);
        let actual = self.b.func.dfg.value_type(value);
        if expected != actual {
            return Err(self.error(format!(
                "assigning a {actual} value to _{} of type {ty:?}",
                local.0
            )));
        }
        if self.block_local[local.0 as usize] {
            if self.block_values[local.0 as usize].replace(value).is_none() {
                self.assigned_here.push(local);
            }
        } else {
            self.b.def_var(var, value);
            self.keep_for_cleanup(local, value);
        }
        self.note_frozen_def(local, value);
        Ok(())
    }

    /// The flags of a MIR load or store through `base`: the element region
    /// when `base` holds a list slot's address, else none (a record field,
    /// capture or box slot; such a store is a barrier for all memory).
    fn mem_through(&self, base: Local) -> ir::MemFlagsData {
        if self.slot_addresses.contains(&base) {
            self.mem.elem
        } else {
            ir::MemFlagsData::trusted()
        }
    }

    pub(crate) fn operand_ty(&self, op: &Operand) -> Result<Ty, CodegenError> {
        match op {
            Operand::Local(l) => Ok(self.local(*l)?.1),
            Operand::Const(c) => Ok(c.ty()),
        }
    }

    /// Whether `local` is block-local (see `block_values`).
    pub(crate) fn is_block_local(&self, local: Local) -> bool {
        self.block_local.get(local.0 as usize) == Some(&true)
    }

    /// The value `local` holds at the current statement.
    pub(crate) fn read_local(&mut self, local: Local) -> Result<Value, CodegenError> {
        let (var, ty) = self.local(local)?;
        let i = local.0 as usize;
        if !self.block_local[i] {
            return Ok(self.b.use_var(var));
        }
        if let Some(value) = self.block_values[i] {
            return Ok(value);
        }
        // A block-local heap local this block has not assigned yet holds
        // the empty string (see `block_values`).
        if ty.is_heap() && self.failure.empty.get(i) == Some(&true) {
            let em = &mut *self.em;
            let id = em.data.string(&mut em.module, "")?;
            return Ok(self.data_addr(id));
        }
        Err(self.error(format!("_{} is read before it is assigned", local.0)))
    }

    pub(crate) fn operand(&mut self, op: &Operand) -> Result<Value, CodegenError> {
        Ok(match op {
            Operand::Local(l) => self.read_local(*l)?,
            Operand::Const(c) => match c {
                Const::Int(v) => self.b.ins().iconst(types::I64, *v),
                Const::Float(v) => self.b.ins().f64const(*v),
                Const::Bool(v) => self.b.ins().iconst(types::I8, i64::from(*v)),
                Const::Null => self.b.ins().iconst(types::I8, 0),
                Const::Str(text) => {
                    let em = &mut *self.em;
                    let id = em.data.string(&mut em.module, text)?;
                    self.data_addr(id)
                }
                Const::Bytes(data) => {
                    let em = &mut *self.em;
                    let id = em.data.bytes(&mut em.module, data)?;
                    self.data_addr(id)
                }
            },
        })
    }

    /// The address of a static data object (PC-relative).
    pub(crate) fn data_addr(&mut self, id: DataId) -> Value {
        let gv = match self.data_gvs.get(&id) {
            Some(gv) => *gv,
            None => {
                let gv = self.em.import_data(id, self.b.func);
                self.data_gvs.insert(id, gv);
                gv
            }
        };
        self.b.ins().symbol_value(self.pointer, gv)
    }

    /// The address of the `SourceLoc` static for `loc` in this cell.
    pub(crate) fn loc_addr(&mut self, loc: Loc) -> Result<Value, CodegenError> {
        let em = &mut *self.em;
        let id = em
            .data
            .source_loc(&mut em.module, &self.mir.file_name, &self.mir.name, loc)?;
        Ok(self.data_addr(id))
    }

    pub(crate) fn func_ref(&mut self, id: FuncId) -> ir::FuncRef {
        match self.func_refs.get(&id) {
            Some(r) => *r,
            None => {
                let r = self.em.import_function(id, self.b.func);
                self.func_refs.insert(id, r);
                r
            }
        }
    }

    /// Calls a runtime function by symbol, checking the arguments against the
    /// ABI table. After a `no_return` function the current block ends with a
    /// trap and building continues in a fresh unreachable block.
    /// Calls a runtime function that fails the task whenever it is reached
    /// here (a fast path's fallback for an index out of range), and takes
    /// the failure edge without testing the flag: a test, and a trap for
    /// the branch that cannot be taken, would only add code to the loops
    /// these fast paths sit in.
    pub(crate) fn call_runtime_that_fails(
        &mut self,
        name: &str,
        args: &[Value],
    ) -> Result<(), CodegenError> {
        self.emit_runtime_call(name, args)?;
        self.jump_to_failure()
    }

    /// The call instruction of runtime function `name` with `args`, checked
    /// against its signature, and the function's declaration.
    fn emit_runtime_call(
        &mut self,
        name: &str,
        args: &[Value],
    ) -> Result<(ir::Inst, lumen_abi::RuntimeFn), CodegenError> {
        let (id, rf) = self
            .em
            .runtime
            .get(name)
            .map_err(|e| self.error(e.message()))?;
        self.check_runtime_args(&rf, args)?;
        let fref = self.func_ref(id);
        Ok((self.b.ins().call(fref, args), rf))
    }

    pub(crate) fn call_runtime(
        &mut self,
        name: &str,
        args: &[Value],
    ) -> Result<Option<Value>, CodegenError> {
        let (call, rf) = self.emit_runtime_call(name, args)?;
        let result = self.b.inst_results(call).first().copied();
        if rf.no_return {
            self.b.ins().trap(UNREACHABLE_TRAP);
            let dead = self.b.create_block();
            self.b.switch_to_block(dead);
        }
        match rf.fails {
            lumen_abi::Fails::Never => {}
            lumen_abi::Fails::May => self.failure_edge()?,
            lumen_abi::Fails::Always => {
                self.jump_to_failure()?;
                let dead = self.b.create_block();
                self.b.switch_to_block(dead);
            }
        }
        Ok(result)
    }

    fn check_runtime_args(&self, rf: &RuntimeFn, args: &[Value]) -> Result<(), CodegenError> {
        if rf.params.len() != args.len() {
            return Err(self.error(format!(
                "`{}` takes {} arguments, MIR passes {}",
                rf.name,
                rf.params.len(),
                args.len()
            )));
        }
        for (i, (param, arg)) in rf.params.iter().zip(args).enumerate() {
            let expected = abi_type(*param, self.pointer);
            let actual = self.b.func.dfg.value_type(*arg);
            if expected != actual {
                return Err(self.error(format!(
                    "argument {} of `{}` must be {expected}, MIR passes {actual}",
                    i + 1,
                    rf.name
                )));
            }
        }
        Ok(())
    }

    /// Branches to a cold block that raises runtime error `code` at `loc`
    /// when `cond` (an i8) is non-zero; continues in a new block otherwise.
    /// The hot path is just the branch; blocks for the same error and
    /// location are shared.
    pub(crate) fn error_if(
        &mut self,
        cond: Value,
        code: RuntimeErrorCode,
        loc: Loc,
    ) -> Result<(), CodegenError> {
        let cont = self.b.create_block();
        let (cold, fresh) = self.error_block(code, loc);
        self.b.ins().brif(cond, cold, &[], cont, &[]);
        self.finish_error_block(cold, fresh, code, loc)?;
        self.b.switch_to_block(cont);
        Ok(())
    }

    /// Like [`FnCx::error_if`] with the condition inverted: error unless `ok`.
    pub(crate) fn error_unless(
        &mut self,
        ok: Value,
        code: RuntimeErrorCode,
        loc: Loc,
    ) -> Result<(), CodegenError> {
        let cont = self.b.create_block();
        let (cold, fresh) = self.error_block(code, loc);
        self.b.ins().brif(ok, cont, &[], cold, &[]);
        self.finish_error_block(cold, fresh, code, loc)?;
        self.b.switch_to_block(cont);
        Ok(())
    }

    fn error_block(&mut self, code: RuntimeErrorCode, loc: Loc) -> (Block, bool) {
        let key = (code as i32, loc, self.dest);
        if let Some(block) = self.error_blocks.get(&key) {
            return (*block, false);
        }
        let block = self.b.create_block();
        self.b.set_cold_block(block);
        self.error_blocks.insert(key, block);
        (block, true)
    }

    fn finish_error_block(
        &mut self,
        cold: Block,
        fresh: bool,
        code: RuntimeErrorCode,
        loc: Loc,
    ) -> Result<(), CodegenError> {
        if fresh {
            self.b.switch_to_block(cold);
            let code = self.b.ins().iconst(types::I32, code as i64);
            let loc = self.loc_addr(loc)?;
            let (id, _) = self
                .em
                .runtime
                .get(lumen_abi::LM_RUNTIME_ERROR.name)
                .map_err(|e| self.error(e.message()))?;
            let fref = self.func_ref(id);
            self.b.ins().call(fref, &[code, loc]);
            self.jump_to_failure()?;
        }
        Ok(())
    }

    fn statement(&mut self, kind: &StmtKind, loc: Loc) -> Result<(), CodegenError> {
        match kind {
            StmtKind::Assign(local, rvalue) => {
                self.dest = Some((*local, rvalue.reads(*local)));
                let value = self.rvalue(rvalue, loc, Some(*local));
                self.dest = None;
                let value = value?.ok_or_else(|| {
                    self.error(format!(
                        "assigning the result of a call that returns nothing to _{}",
                        local.0
                    ))
                })?;
                self.facts.remove(local);
                self.def(*local, value)
            }
            StmtKind::Eval(rvalue) => self.rvalue(rvalue, loc, None).map(|_| ()),
            StmtKind::Store {
                base,
                offset,
                value,
            } => {
                let (_, ty) = self.local(*base)?;
                if !ty.is_heap() {
                    return Err(self.error(format!("store through _{} of type {ty:?}", base.0)));
                }
                let ptr = self.read_local(*base)?;
                let value_ty = self.operand_ty(value)?;
                let v = self.operand(value)?;
                let slot = self.to_slot(v, value_ty);
                let mem = self.mem_through(*base);
                self.b.ins().store(mem, slot, ptr, *offset);
                Ok(())
            }
            StmtKind::Retain(local) | StmtKind::Release(local) => {
                // A local that certainly holds the immortal empty string
                // here (a statement's temporary after its statement, see
                // `mir::lower::statements`) has nothing to count: no code,
                // and no use that would keep its variable alive to here.
                if self.failure.empty.get(local.0 as usize) == Some(&true) {
                    return Ok(());
                }
                let (_, ty) = self.local(*local)?;
                if ty.is_heap() {
                    // A release of a local kept in the frame (the releases
                    // at a cell's exit) reads its word there, so the value
                    // need not stay in a register or spill slot from its
                    // last use to the exit.
                    let kept = match kind {
                        StmtKind::Release(_) => self.load_kept(*local),
                        _ => None,
                    };
                    let value = match kept {
                        Some(value) => value,
                        None => self.read_local(*local)?,
                    };
                    match kind {
                        StmtKind::Retain(_) => self.emit_retain(value)?,
                        _ => self.emit_release(value)?,
                    }
                }
                Ok(())
            }
        }
    }

    fn rvalue(
        &mut self,
        rvalue: &Rvalue,
        loc: Loc,
        dest: Option<Local>,
    ) -> Result<Option<Value>, CodegenError> {
        Ok(match rvalue {
            Rvalue::Use(op) => Some(self.operand(op)?),
            Rvalue::Binary { op, ty, lhs, rhs } => {
                self.expect_ty(lhs, *ty, op)?;
                self.expect_ty(rhs, *ty, op)?;
                let int_const = |op: &Operand| match op {
                    Operand::Const(Const::Int(c)) => Some(*c),
                    _ => None,
                };
                let consts = (int_const(lhs), int_const(rhs));
                let lhs_range = match lhs {
                    Operand::Local(l) => self.facts.get(l).copied(),
                    Operand::Const(_) => None,
                };
                let a = self.operand(lhs)?;
                let b = self.operand(rhs)?;
                Some(self.checked_binary(*op, *ty, a, b, consts, lhs_range, loc)?)
            }
            Rvalue::Unary { op, ty, operand } => {
                self.expect_ty(operand, *ty, op)?;
                let a = self.operand(operand)?;
                Some(self.checked_unary(*op, *ty, a, loc)?)
            }
            Rvalue::Cast(cast, operand) => {
                let from = match cast {
                    mir::Cast::IntToFloat => Ty::Int,
                    mir::Cast::FloatToInt => Ty::Float,
                };
                self.expect_ty(operand, from, cast)?;
                let a = self.operand(operand)?;
                Some(self.checked_cast(*cast, a, loc)?)
            }
            Rvalue::Call(callee, args) => {
                let index = callee.0 as usize;
                let target = self.program.functions.get(index).ok_or_else(|| {
                    self.error(format!(
                        "call of function #{} which does not exist",
                        callee.0
                    ))
                })?;
                if target.params.len() != args.len() {
                    return Err(self.error(format!(
                        "`{}` takes {} arguments, MIR passes {}",
                        target.name,
                        target.params.len(),
                        args.len()
                    )));
                }
                let mut values = Vec::with_capacity(args.len());
                for (i, (param, arg)) in target.params.iter().zip(args).enumerate() {
                    let expected = target.locals.get(param.0 as usize).map(|d| d.ty);
                    let actual = self.operand_ty(arg)?;
                    if expected != Some(actual) {
                        return Err(self.error(format!(
                            "argument {} of `{}` must be {expected:?}, MIR passes {actual:?}",
                            i + 1,
                            target.name
                        )));
                    }
                    values.push(self.operand(arg)?);
                }
                let id = self.em.cell_id(index);
                let fref = self.func_ref(id);
                let call = self.b.ins().call(fref, &values);
                let result = self.b.inst_results(call).first().copied();
                let failed = self.b.inst_results(call)[1];
                self.failure_edge_on(failed, loc)?;
                result
            }
            Rvalue::Load { base, offset, ty } => {
                let base_ty = self.operand_ty(base)?;
                if !base_ty.is_heap() {
                    return Err(self.error(format!("load through a {base_ty:?} operand")));
                }
                let ptr = self.operand(base)?;
                Some(match ty {
                    Ty::Null => self.b.ins().iconst(types::I8, 0),
                    // Slots are little-endian on both targets: a Bool's 0/1 is
                    // the first byte.
                    _ => {
                        let clif = clif_type(*ty, self.pointer);
                        let mem = match base {
                            Operand::Local(l) => self.mem_through(*l),
                            Operand::Const(_) => ir::MemFlagsData::trusted(),
                        };
                        self.b.ins().load(clif, mem, ptr, *offset)
                    }
                })
            }
            Rvalue::FuncAddr(callee) => {
                let index = callee.0 as usize;
                if index >= self.program.functions.len() {
                    return Err(
                        self.error(format!("address of function #{index} which does not exist"))
                    );
                }
                let id = self.em.cell_id(index);
                let fref = self.func_ref(id);
                Some(self.b.ins().func_addr(self.pointer, fref))
            }
            Rvalue::CallIndirect { callee, args, ret } => {
                if self.operand_ty(callee)? != Ty::Ptr {
                    return Err(self.error("calling a value that is not a closure pointer"));
                }
                let closure = self.operand(callee)?;
                let code = self.b.ins().load(
                    self.pointer,
                    ir::MemFlagsData::trusted(),
                    closure,
                    lumen_abi::CLOSURE_CODE_OFFSET as i32,
                );
                let mut sig = Signature::new(CallConv::triple_default(self.em.isa().triple()));
                sig.params.push(AbiParam::new(self.pointer));
                let mut values = vec![closure];
                for arg in args {
                    let ty = self.operand_ty(arg)?;
                    sig.params.push(AbiParam::new(clif_type(ty, self.pointer)));
                    values.push(self.operand(arg)?);
                }
                sig.returns
                    .push(AbiParam::new(clif_type(*ret, self.pointer)));
                sig.returns.push(AbiParam::new(FAILED_TYPE));
                let sigref = self.b.import_signature(sig);
                let call = self.b.ins().call_indirect(sigref, code, &values);
                let result = self.b.inst_results(call).first().copied();
                let failed = self.b.inst_results(call)[1];
                self.failure_edge_on(failed, loc)?;
                result
            }
            Rvalue::ToSlot(op) => {
                let ty = self.operand_ty(op)?;
                let v = self.operand(op)?;
                Some(self.to_slot(v, ty))
            }
            Rvalue::FromSlot(op, ty) => {
                self.expect_ty(op, Ty::Int, &"from_slot")?;
                let v = self.operand(op)?;
                Some(match ty {
                    Ty::Int | Ty::Str | Ty::Ptr => v,
                    Ty::Float => self.b.ins().bitcast(types::F64, ir::MemFlagsData::new(), v),
                    Ty::Bool => self.b.ins().ireduce(types::I8, v),
                    Ty::Null => self.b.ins().iconst(types::I8, 0),
                })
            }
            Rvalue::Runtime(rf, args) => {
                if let Some(result) = self.runtime_fast_path(rf, args, dest)? {
                    return Ok(result);
                }
                let mut values = Vec::with_capacity(args.len());
                for arg in args {
                    values.push(self.rt_arg(arg)?);
                }
                self.call_runtime(rf.name, &values)?
            }
        })
    }

    /// The 64-bit slot encoding of a value (`docs/runtime-abi.md`).
    fn to_slot(&mut self, v: Value, ty: Ty) -> Value {
        match ty {
            Ty::Int | Ty::Str | Ty::Ptr => v,
            Ty::Float => self.b.ins().bitcast(types::I64, ir::MemFlagsData::new(), v),
            Ty::Bool => self.b.ins().uextend(types::I64, v),
            Ty::Null => self.b.ins().iconst(types::I64, 0),
        }
    }

    fn expect_ty(
        &self,
        op: &Operand,
        ty: Ty,
        what: &dyn std::fmt::Debug,
    ) -> Result<(), CodegenError> {
        let actual = self.operand_ty(op)?;
        if actual != ty {
            return Err(self.error(format!(
                "operand of {what:?} has type {actual:?}, expected {ty:?}"
            )));
        }
        Ok(())
    }

    pub(crate) fn rt_arg(&mut self, arg: &RtArg) -> Result<Value, CodegenError> {
        Ok(match arg {
            RtArg::Operand(op) => self.operand(op)?,
            RtArg::I32(v) => self.b.ins().iconst(types::I32, i64::from(*v)),
            RtArg::I64(v) => self.b.ins().iconst(types::I64, *v),
            RtArg::Loc(at) => self.loc_addr(*at)?,
            RtArg::TypeDesc(index) => {
                let em = &mut *self.em;
                let id = em
                    .data
                    .type_desc(&mut em.module, &self.program.type_descs, *index)?;
                self.data_addr(id)
            }
            RtArg::StrArray(items) => {
                let size = (items.len().max(1) * 8) as u32;
                let slot = self.b.create_sized_stack_slot(StackSlotData::new(
                    StackSlotKind::ExplicitSlot,
                    size,
                    3,
                ));
                for (i, item) in items.iter().enumerate() {
                    if self.operand_ty(item)? != Ty::Str {
                        return Err(self.error("a string array element is not a Str".to_string()));
                    }
                    let value = self.operand(item)?;
                    self.b
                        .ins()
                        .stack_store(self.pointer, value, slot, (i * 8) as i32);
                }
                self.b.ins().stack_addr(self.pointer, slot, 0)
            }
            RtArg::StaticSlots(consts) => {
                let mut words = Vec::with_capacity(consts.len());
                for c in consts {
                    words.push(match c {
                        Const::Int(v) => SlotWord::Bits(*v as u64),
                        Const::Float(v) => SlotWord::Bits(v.to_bits()),
                        Const::Bool(v) => SlotWord::Bits(u64::from(*v)),
                        Const::Str(text) => {
                            let em = &mut *self.em;
                            SlotWord::Addr(em.data.string(&mut em.module, text)?)
                        }
                        other => {
                            return Err(self.error(format!("{other:?} in a static slot array")))
                        }
                    });
                }
                let em = &mut *self.em;
                let id = em.data.slots(&mut em.module, words)?;
                self.data_addr(id)
            }
            RtArg::Words(words) => {
                let size = (words.len().max(1) * 8) as u32;
                let slot = self.b.create_sized_stack_slot(StackSlotData::new(
                    StackSlotKind::ExplicitSlot,
                    size,
                    3,
                ));
                for (i, word) in words.iter().enumerate() {
                    if matches!(word, RtArg::Words(_) | RtArg::StrArray(_) | RtArg::I32(_)) {
                        return Err(self.error(format!("{word:?} in a word array")));
                    }
                    let value = self.rt_arg(word)?;
                    if self.b.func.dfg.value_type(value).bits() != 64 {
                        return Err(self.error(format!("{word:?} in a word array is not 64-bit")));
                    }
                    self.b
                        .ins()
                        .stack_store(self.pointer, value, slot, (i * 8) as i32);
                }
                self.b.ins().stack_addr(self.pointer, slot, 0)
            }
        })
    }

    fn terminator(&mut self, term: &Terminator) -> Result<(), CodegenError> {
        match term {
            Terminator::Goto(target) => {
                let target = self.block(*target)?;
                self.b.ins().jump(target, &[]);
            }
            Terminator::Branch {
                cond,
                then_block,
                else_block,
            } => {
                if self.operand_ty(cond)? != Ty::Bool {
                    return Err(self.error("branch condition is not a Bool"));
                }
                let then_block = self.block(*then_block)?;
                let else_block = self.block(*else_block)?;
                let cond = self.operand(cond)?;
                self.b.ins().brif(cond, then_block, &[], else_block, &[]);
            }
            Terminator::Return(op) => {
                let ty = self.operand_ty(op)?;
                if ty != self.mir.ret {
                    return Err(self.error(format!(
                        "returning a {ty:?} from a function declared to return {:?}",
                        self.mir.ret
                    )));
                }
                let value = self.operand(op)?;
                // The landing's return propagates a failure.
                let failed = self.b.ins().iconst(FAILED_TYPE, i64::from(self.in_landing));
                self.b.ins().return_(&[value, failed]);
            }
            Terminator::Unreachable => {
                self.b.ins().trap(UNREACHABLE_TRAP);
            }
        }
        Ok(())
    }
}

/// Compare helpers shared by [`checked_arith`].
pub(crate) fn int_cc(op: BinOp, signed: bool) -> Option<IntCC> {
    Some(match (op, signed) {
        (BinOp::Eq, _) => IntCC::Equal,
        (BinOp::Ne, _) => IntCC::NotEqual,
        (BinOp::Lt, true) => IntCC::SignedLessThan,
        (BinOp::Le, true) => IntCC::SignedLessThanOrEqual,
        (BinOp::Gt, true) => IntCC::SignedGreaterThan,
        (BinOp::Ge, true) => IntCC::SignedGreaterThanOrEqual,
        (BinOp::Lt, false) => IntCC::UnsignedLessThan,
        (BinOp::Le, false) => IntCC::UnsignedLessThanOrEqual,
        (BinOp::Gt, false) => IntCC::UnsignedGreaterThan,
        (BinOp::Ge, false) => IntCC::UnsignedGreaterThanOrEqual,
        _ => return None,
    })
}

/// IEEE comparisons: ordered except `!=`, which is true when either side is NaN.
pub(crate) fn float_cc(op: BinOp) -> Option<FloatCC> {
    Some(match op {
        BinOp::Eq => FloatCC::Equal,
        BinOp::Ne => FloatCC::NotEqual,
        BinOp::Lt => FloatCC::LessThan,
        BinOp::Le => FloatCC::LessThanOrEqual,
        BinOp::Gt => FloatCC::GreaterThan,
        BinOp::Ge => FloatCC::GreaterThanOrEqual,
        _ => return None,
    })
}

/// For every MIR block, whether some terminator jumps to it.
/// The MIR blocks that are built: the entry, every block something jumps
/// to, and the landing when failure edges jump to it (`landing_used`).
///
/// A block nothing jumps to (MIR passes leave them behind) would only count
/// against inlining. A landing that only releases is not built either:
/// failure edges go to shared cleanup blocks instead (`failure_edges`), and
/// building it would keep every local it releases a `Variable` and make the
/// SSA builder walk its chain of release blocks once per local (quadratic in
/// the length of the function).
fn emitted_blocks(f: &mir::Function, landing_used: bool) -> Vec<bool> {
    let mut emitted = vec![false; f.blocks.len()];
    // (A target out of range is reported when the jump is emitted.)
    for b in f.blocks.iter().flat_map(|block| block.terminator.targets()) {
        if let Some(t) = emitted.get_mut(b.0 as usize) {
            *t = true;
        }
    }
    if let Some(first) = emitted.first_mut() {
        *first = true;
    }
    if let Some(landing) = f.landing.filter(|_| landing_used) {
        if let Some(l) = emitted.get_mut(landing.0 as usize) {
            *l = true;
        }
    }
    emitted
}

impl FnCx<'_, '_> {
    /// Where a frozen list `local` is assigned `value`, loads its `len` and
    /// `data` and remembers them.
    pub(crate) fn note_frozen_def(&mut self, local: Local, value: Value) {
        if !self.mir.frozen_lists.contains(&local) {
            return;
        }
        let flags = self.mem.header;
        let len = self
            .b
            .ins()
            .load(types::I64, flags, value, lumen_abi::LIST_LEN_OFFSET as i32);
        let data = self.b.ins().load(
            self.pointer,
            flags,
            value,
            lumen_abi::LIST_DATA_OFFSET as i32,
        );
        self.frozen_lists.push(crate::frozen_lists::FrozenList {
            list: value,
            len,
            data,
        });
    }
}
