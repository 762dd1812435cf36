//! Block parameters that only ever receive one value are replaced by it.
//!
//! The Cranelift frontend turns every variable read in a block with several
//! predecessors into a block parameter and keeps it even when each edge
//! passes the same value — typically a variable carried unchanged around a
//! loop (`jump header(v7)` from before the loop, `jump header(p)` from its
//! end). Cranelift's own `remove_constant_phis` drops such a parameter only
//! when that value is not itself a block parameter, which it often is (the
//! result of an inline fast path arrives through its join block). A kept
//! parameter hides that the value is loop-invariant: nothing computed from
//! it leaves the loop, and the register allocator moves it around each
//! iteration. This pass removes every parameter whose incoming values, other
//! than the parameter itself, are all one value (Braun et al.'s trivial phi),
//! repeatedly, as removing one can make another trivial.

use std::collections::HashMap;

use cranelift_codegen::ir::{self, BlockArg, BlockCall, Value};

/// Removes the trivial block parameters of `func` (see the module doc).
pub(crate) fn remove_copy_phis(func: &mut ir::Function) {
    let Some(entry) = func.layout.entry_block() else {
        return;
    };
    loop {
        // Every edge's arguments, by target block.
        let mut incoming: HashMap<ir::Block, Vec<Vec<Option<Value>>>> = HashMap::new();
        let mut branches: Vec<ir::Inst> = Vec::new();
        for block in func.layout.blocks() {
            for inst in func.layout.block_insts(block) {
                let dests = func.dfg.insts[inst]
                    .branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables);
                if dests.is_empty() {
                    continue;
                }
                branches.push(inst);
                for dest in dests {
                    let args = dest
                        .args(&func.dfg.value_lists)
                        .map(|a| match a {
                            BlockArg::Value(v) => Some(v),
                            _ => None,
                        })
                        .collect();
                    incoming
                        .entry(dest.block(&func.dfg.value_lists))
                        .or_default()
                        .push(args);
                }
            }
        }
        // Decide, one parameter after the other, following earlier decisions.
        let mut replaced: HashMap<Value, Value> = HashMap::new();
        let resolve = |replaced: &HashMap<Value, Value>, func: &ir::Function, v: Value| {
            let mut v = func.dfg.resolve_aliases(v);
            while let Some(&next) = replaced.get(&v) {
                v = func.dfg.resolve_aliases(next);
            }
            v
        };
        let mut removals: HashMap<ir::Block, Vec<usize>> = HashMap::new();
        for (&block, edges) in &incoming {
            if block == entry {
                continue;
            }
            let params: Vec<Value> = func.dfg.block_params(block).to_vec();
            for (j, &param) in params.iter().enumerate() {
                let mut only: Option<Value> = None;
                let mut trivial = true;
                for edge in edges {
                    match edge.get(j).copied().flatten() {
                        Some(v) => {
                            let v = resolve(&replaced, func, v);
                            if v == param {
                                continue;
                            }
                            match only {
                                None => only = Some(v),
                                Some(o) if o == v => {}
                                Some(_) => trivial = false,
                            }
                        }
                        None => trivial = false,
                    }
                }
                if let (true, Some(v)) = (trivial, only) {
                    replaced.insert(param, v);
                    removals.entry(block).or_default().push(j);
                }
            }
        }
        if removals.is_empty() {
            return;
        }
        // Drop the removed arguments from every edge into those blocks.
        for inst in branches {
            let dfg = &mut func.dfg;
            let dests = dfg.insts[inst]
                .branch_destination_mut(&mut dfg.jump_tables, &mut dfg.exception_tables);
            for dest in dests.iter_mut() {
                let target = dest.block(&dfg.value_lists);
                let Some(gone) = removals.get(&target) else {
                    continue;
                };
                let args: Vec<BlockArg> = dest
                    .args(&dfg.value_lists)
                    .enumerate()
                    .filter(|(j, _)| !gone.contains(j))
                    .map(|(_, a)| a)
                    .collect();
                *dest = BlockCall::new(target, args, &mut dfg.value_lists);
            }
        }
        // Then the parameters themselves (from the right: removing one
        // shifts those after it), each becoming an alias of its value.
        for (block, mut gone) in removals {
            gone.sort_unstable();
            let params: Vec<Value> = func.dfg.block_params(block).to_vec();
            for j in gone.into_iter().rev() {
                let param = params[j];
                let value = resolve(&replaced, func, param);
                func.dfg.remove_block_param(param);
                func.dfg.change_to_alias(param, value);
            }
        }
    }
}
