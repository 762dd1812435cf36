//! Failure edges: where control goes after a call that failed
//! (`docs/runtime-abi.md`, "Failures").
//!
//! After a call of a cell the code generator branches on the cell's second
//! result, its failure bit ([`FnCx::failure_edge_on`]); after a runtime
//! call that may fail, on the runtime's flag `lm_failing`
//! ([`FnCx::failure_edge`]); after a call that always fails it jumps
//! ([`FnCx::jump_to_failure`]). Where the
//! edge goes depends on the MIR function's landing:
//!
//! * **A landing that only releases** (the cell has no `defer`): the edge
//!   goes to a shared *cleanup block* that releases the values it is given
//!   and returns a dummy — and each edge passes only the owned heap locals
//!   that may hold a reference *at that point*. A local that certainly holds
//!   the immortal empty string there (a temporary whose reference moved on)
//!   is left out, so its constant does not stay live across a hot loop just
//!   for the edge (that cost nbody 20 % when every edge went to the MIR
//!   landing). One cleanup block per number of values serves the edges,
//!   up to `MAX_SHARED_EDGES` of them each (see `SharedBlock`).
//! * **A landing with `defer` blocks**: the edge jumps to the MIR landing,
//!   which runs them and releases every owned local itself.
//! * **No landing**: the cleanup block with no values (return a dummy).
//!
//! On the edge a heap destination of the failing statement counts as the
//! empty string (lowering may have released its old value just before the
//! call), unless the call reads it (a consuming call whose argument stays
//! the caller's when it fails): see `FnCx::dest`.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::{self, types, Block, InstBuilder, Value};
use lumen_mir::{Loc, Local, Ty};

use crate::failure_paths::{FrameCleanup, SharedBlock, FRAME_CLEANUP_MIN};
use crate::CodegenError;

use crate::function::FnCx;

/// A block of a failure edge still to be filled once the current block is
/// ended (the builder fills one block at a time).
enum Pending {
    /// A cleanup block: release its parameters, return a dummy.
    Cleanup(Block),
    /// An edge's own block: zero the frame word at this offset (a heap
    /// destination that counts as empty), then jump to a cleanup block with
    /// these values.
    ToCleanup(Block, Block, Vec<Value>, Option<i32>),
    /// An edge's own block: give a heap destination the empty string (when
    /// given), then jump to the MIR landing.
    ToLanding(Block, Option<Local>, Block),
}

impl FnCx<'_, '_> {
    /// Called once the body is built: when a cold path reads the flag
    /// through the frame slot, the prologue stores the address there.
    pub(crate) fn store_flag_address(&mut self, prologue: Block) {
        let Some(slot) = self.failure.flag_address_slot else {
            return;
        };
        let gv = self.em.import_data(self.em.failing, self.b.func);
        let Some(jump) = self.b.func.layout.last_inst(prologue) else {
            return;
        };
        let mut cursor = FuncCursor::new(self.b.func).at_inst(jump);
        let addr = cursor.ins().symbol_value(self.pointer, gv);
        cursor.ins().stack_store(self.pointer, addr, slot, 0);
    }

    /// After a call that may fail: continues in a new block unless the
    /// runtime's failure flag is set, which takes the failure edge.
    pub(crate) fn failure_edge(&mut self) -> Result<(), CodegenError> {
        let cold = self.in_cold_block();
        // In a cold block (a fast path's slow call) the flag's address
        // comes from a frame slot the prologue fills, not from a
        // `symbol_value` here: that one would be hoisted out of the loop
        // around and hold a register through all of it. On hot paths
        // (after calls of cells) the address is cheaper.
        if cold && self.failure.flag_address_slot.is_none() {
            self.failure.flag_address_slot = Some(self.b.create_sized_stack_slot(
                ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 8, 3),
            ));
        }
        let slot = self.failure.flag_address_slot.filter(|_| cold);
        let flag = match slot {
            Some(slot) => {
                let addr = self.b.ins().stack_load(self.pointer, self.pointer, slot, 0);
                // Not `readonly`: any call may set it; notrap + aligned:
                // a valid static.
                self.b
                    .ins()
                    .load(types::I8, ir::MemFlagsData::trusted(), addr, 0)
            }
            None => {
                // A global value of its own, so that value numbering does
                // not share one address between edges far apart (it would
                // hold a register across every loop in between).
                let gv = self.em.import_data(self.em.failing, self.b.func);
                let addr = self.b.ins().symbol_value(self.pointer, gv);
                self.b
                    .ins()
                    .load(types::I8, ir::MemFlagsData::trusted(), addr, 0)
            }
        };
        self.branch_on_failure(flag, cold)
    }

    /// After a call of a cell: its second result says whether it failed.
    /// The edge after a call of a cell at `loc`: it first adds `called
    /// from` with the call's location to the failure's report
    /// (`lm_failure_called_from`, semantics.md §8), off the hot path.
    pub(crate) fn failure_edge_on(&mut self, failed: Value, loc: Loc) -> Result<(), CodegenError> {
        let cold = self.in_cold_block();
        let note = self.b.create_block();
        self.b.set_cold_block(note);
        let cont = self.b.create_block();
        if cold {
            self.b.set_cold_block(cont);
        }
        self.b.ins().brif(failed, note, &[], cont, &[]);
        self.b.switch_to_block(note);
        let at = self.rt_arg(&lumen_mir::RtArg::Loc(loc))?;
        self.call_runtime(lumen_abi::LM_FAILURE_CALLED_FROM.name, &[at])?;
        self.jump_to_failure()?;
        self.b.switch_to_block(cont);
        Ok(())
    }

    fn in_cold_block(&self) -> bool {
        self.b
            .current_block()
            .is_some_and(|here| self.b.func.layout.is_cold(here))
    }

    fn branch_on_failure(&mut self, flag: Value, cold: bool) -> Result<(), CodegenError> {
        let (target, args, pending) = self.failure_target()?;
        let cont = self.b.create_block();
        // The rest of a cold block stays cold, or the layout would put it
        // among the hot blocks.
        if cold {
            self.b.set_cold_block(cont);
        }
        self.b.ins().brif(flag, target, &args, cont, &[]);
        self.fill_failure_blocks(pending);
        self.b.switch_to_block(cont);
        Ok(())
    }

    /// Ends the current block with a jump along the failure edge.
    pub(crate) fn jump_to_failure(&mut self) -> Result<(), CodegenError> {
        let (target, args, pending) = self.failure_target()?;
        self.b.ins().jump(target, &args);
        self.fill_failure_blocks(pending);
        Ok(())
    }

    /// The target of the current statement's failure edge, its arguments,
    /// and the blocks to fill. The edge always goes through a cold block
    /// of its own, which passes the values the cleanup needs: a use there
    /// is outside any loop, so register allocation spills such a value
    /// once instead of keeping it in a register through a hot loop for a
    /// branch that is never taken (a block argument on the branch itself
    /// counted as a use inside the loop).
    fn failure_target(&mut self) -> Result<(Block, Vec<ir::BlockArg>, Vec<Pending>), CodegenError> {
        let mut pending = Vec::new();
        // A heap destination the edge must treat as the empty string.
        let cleared = self.dest.and_then(|(dest, keep)| {
            let heap = self
                .mir
                .locals
                .get(dest.0 as usize)
                .is_some_and(|d| d.ty.is_heap());
            (heap && !keep).then_some(dest)
        });
        let edge = self.b.create_block();
        self.b.set_cold_block(edge);
        if let Some(landing) = self.failure.landing {
            pending.push(Pending::ToLanding(edge, cleared, landing));
            return Ok((edge, Vec::new(), pending));
        }
        let frame = self.failure.frame.as_ref();
        let clear_word = cleared.and_then(|c| frame.and_then(|f| f.offset(c)));
        let live: Vec<Local> = self
            .failure
            .releases
            .iter()
            .copied()
            .filter(|l| Some(*l) != cleared)
            // Locals kept in the frame are released from there.
            .filter(|l| frame.is_none_or(|f| f.offset(*l).is_none()))
            .filter(|l| {
                !self
                    .failure
                    .empty
                    .get(l.0 as usize)
                    .copied()
                    .unwrap_or(false)
            })
            .collect();
        let values = live
            .iter()
            .map(|l| self.read_local(*l))
            .collect::<Result<Vec<Value>, _>>()?;
        let shared = self
            .failure
            .cleanup
            .get_mut(&values.len())
            .and_then(SharedBlock::take);
        let cleanup = match shared {
            Some(block) => block,
            None => {
                let block = self.b.create_block();
                self.b.set_cold_block(block);
                for _ in &values {
                    self.b.append_block_param(block, self.pointer);
                }
                self.failure
                    .cleanup
                    .insert(values.len(), SharedBlock::new(block));
                pending.push(Pending::Cleanup(block));
                block
            }
        };
        pending.push(Pending::ToCleanup(edge, cleanup, values, clear_word));
        Ok((edge, Vec::new(), pending))
    }

    fn fill_failure_blocks(&mut self, pending: Vec<Pending>) {
        // Every block made here is cold, including those `emit_release`
        // creates: laid out among the hot ones they would split loops.
        let first_new = self.b.func.dfg.num_blocks();
        self.fill_blocks(pending);
        for n in first_new..self.b.func.dfg.num_blocks() {
            self.b.set_cold_block(Block::from_u32(n as u32));
        }
    }

    fn fill_blocks(&mut self, pending: Vec<Pending>) {
        for p in pending {
            match p {
                Pending::Cleanup(block) => {
                    self.b.switch_to_block(block);
                    let params = self.b.block_params(block).to_vec();
                    for value in params {
                        // A release only fails on a runtime bug.
                        let _ = self.emit_release(value);
                    }
                    self.release_frame_and_return();
                }
                Pending::ToCleanup(edge, cleanup, values, clear_word) => {
                    self.b.switch_to_block(edge);
                    if let (Some(offset), Some(frame)) = (clear_word, &self.failure.frame) {
                        let slot = frame.slot;
                        let zero = self.b.ins().iconst(self.pointer, 0);
                        self.b.ins().stack_store(self.pointer, zero, slot, offset);
                    }
                    let args: Vec<ir::BlockArg> =
                        values.into_iter().map(ir::BlockArg::Value).collect();
                    self.b.ins().jump(cleanup, &args);
                }
                Pending::ToLanding(edge, cleared, landing) => {
                    self.b.switch_to_block(edge);
                    if let Some(dest) = cleared {
                        let empty = self.empty_string();
                        if let (Some(empty), Ok((var, _))) = (empty, self.local(dest)) {
                            self.b.def_var(var, empty);
                        }
                    }
                    self.b.ins().jump(landing, &[]);
                }
            }
        }
    }

    /// Ends a cleanup block: returns the dummy, after releasing the frame's
    /// words (in a block cleanup blocks share) when the function keeps
    /// locals there.
    fn release_frame_and_return(&mut self) {
        let Some(frame) = &mut self.failure.frame else {
            self.return_dummy();
            return;
        };
        if let Some(block) = frame.release_block.as_mut().and_then(SharedBlock::take) {
            self.b.ins().jump(block, &[]);
            return;
        }
        let (slot, count) = (frame.slot, frame.locals.len());
        let block = self.b.create_block();
        self.b.set_cold_block(block);
        if let Some(frame) = &mut self.failure.frame {
            frame.release_block = Some(SharedBlock::new(block));
        }
        self.b.ins().jump(block, &[]);
        self.b.switch_to_block(block);
        for word in 0..count {
            let value =
                self.b
                    .ins()
                    .stack_load(self.pointer, self.pointer, slot, (word * 8) as i32);
            // A release only fails on a runtime bug.
            let _ = self.emit_release(value);
        }
        self.return_dummy();
    }

    /// Decides, before the body is built, whether failure cleanup goes
    /// through the frame ([`FrameCleanup`]): for a function whose edges
    /// only release, with more than [`FRAME_CLEANUP_MIN`] owned heap locals
    /// that are not block-local.
    pub(crate) fn plan_frame_cleanup(&mut self) {
        if self.failure.landing.is_some() {
            return;
        }
        let mut word = vec![None; self.mir.locals.len()];
        let mut locals = Vec::new();
        for l in &self.failure.releases {
            let i = l.0 as usize;
            if i < word.len() && word[i].is_none() && !self.is_block_local(*l) {
                word[i] = Some(locals.len() as u32);
                locals.push(*l);
            }
        }
        if locals.len() <= FRAME_CLEANUP_MIN {
            return;
        }
        let slot = self.b.create_sized_stack_slot(ir::StackSlotData::new(
            ir::StackSlotKind::ExplicitSlot,
            (locals.len() * 8) as u32,
            3,
        ));
        self.failure.frame = Some(FrameCleanup {
            slot,
            word,
            locals,
            release_block: None,
        });
    }

    /// In the prologue: zero the frame's words (a local not assigned yet
    /// holds nothing to release).
    pub(crate) fn clear_frame_cleanup(&mut self) {
        let Some(frame) = &self.failure.frame else {
            return;
        };
        let (slot, count) = (frame.slot, frame.locals.len());
        let zero = self.b.ins().iconst(self.pointer, 0);
        for word in 0..count {
            self.b
                .ins()
                .stack_store(self.pointer, zero, slot, (word * 8) as i32);
        }
    }

    /// The current value of `local` read from its frame word, when it is
    /// kept there.
    pub(crate) fn load_kept(&mut self, local: Local) -> Option<Value> {
        let (slot, offset) = self
            .failure
            .frame
            .as_ref()
            .and_then(|f| Some((f.slot, f.offset(local)?)))?;
        Some(
            self.b
                .ins()
                .stack_load(self.pointer, self.pointer, slot, offset),
        )
    }

    /// After an assignment to `local`: its frame word follows it.
    pub(crate) fn keep_for_cleanup(&mut self, local: Local, value: Value) {
        if let Some((slot, offset)) = self
            .failure
            .frame
            .as_ref()
            .and_then(|f| Some((f.slot, f.offset(local)?)))
        {
            self.b.ins().stack_store(self.pointer, value, slot, offset);
        }
    }

    /// The address of the immortal empty string.
    fn empty_string(&mut self) -> Option<Value> {
        let em = &mut *self.em;
        let id = em.data.string(&mut em.module, "").ok()?;
        Some(self.data_addr(id))
    }

    /// Returns the dummy value of the function's return type (the failure
    /// propagates to the caller).
    pub(crate) fn return_dummy(&mut self) {
        let value = match self.mir.ret {
            Ty::Int => self.b.ins().iconst(types::I64, 0),
            Ty::Float => self.b.ins().f64const(0.0),
            Ty::Bool | Ty::Null => self.b.ins().iconst(types::I8, 0),
            Ty::Str | Ty::Ptr => match self.empty_string() {
                Some(v) => v,
                None => self.b.ins().iconst(self.pointer, 0),
            },
        };
        let failed = self.b.ins().iconst(crate::signature::FAILED_TYPE, 1);
        self.b.ins().return_(&[value, failed]);
    }
}
