//! The length and buffer of a frozen list are loaded once, before its loop.
//!
//! A frozen list (`mir::Function::frozen_lists`, made by
//! `mir::optimize::hoist_rows`) is a non-null list held in a local assigned
//! once, in the block before a loop that changes no list, and read only in
//! that loop: its `len` and `data` cannot change while the local is live. The
//! inline list reads (`fast_paths`) load both fields at every access, as they
//! must in general (a store or a runtime call between two reads may change
//! them). So where a frozen local is assigned, both fields are loaded once,
//! and after the function is built every load of those fields from the same
//! value that the early load dominates is replaced by the early load's
//! result. (Marking the loads movable for Cranelift's egraph is not enough:
//! it hoists only those in the loop header, not those after the bounds test.)
//!
//! Done on the finished IR rather than while emitting the reads because
//! only then are the values behind the frontend's variables known. A
//! variable read in a loop arrives as a parameter of the loop header that
//! the frontend keeps even when every edge passes the same value (and that
//! Cranelift's `remove_constant_phis` keeps when that value is itself a block
//! parameter, as a peeked row is); such a parameter is the frozen value and
//! its loads are replaced too. (Removing all such parameters in every
//! function was tried: it made other loops slower — fannkuch, nbody — by
//! raising register pressure.)

use std::collections::HashMap;

use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::{self, BlockArg, InstructionData, Opcode, Value};
use lumen_abi::{LIST_DATA_OFFSET, LIST_LEN_OFFSET};

/// The early loads of one frozen list value.
#[derive(Clone, Copy)]
pub(crate) struct FrozenList {
    pub(crate) list: Value,
    pub(crate) len: Value,
    pub(crate) data: Value,
}

/// Replaces the `len`/`data` loads of frozen lists that an early load
/// dominates by that load's result (see the module doc).
pub(crate) fn reuse_frozen_list_loads(func: &mut ir::Function, frozen: &[FrozenList]) {
    if frozen.is_empty() {
        return;
    }
    let cfg = ControlFlowGraph::with_function(func);
    let domtree = DominatorTree::with_function(func, &cfg);
    let copies = copies_in_params(func, frozen);
    let early: Vec<(Value, ir::Inst, Value, ir::Inst, Value)> = frozen
        .iter()
        .filter_map(|f| {
            let len_inst = func.dfg.value_def(f.len).inst()?;
            let data_inst = func.dfg.value_def(f.data).inst()?;
            Some((
                func.dfg.resolve_aliases(f.list),
                len_inst,
                f.len,
                data_inst,
                f.data,
            ))
        })
        .collect();
    let mut replace: Vec<(ir::Inst, Value)> = Vec::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            let InstructionData::Load {
                opcode: Opcode::Load,
                arg,
                offset,
                ..
            } = func.dfg.insts[inst]
            else {
                continue;
            };
            let base = func.dfg.resolve_aliases(arg);
            let base = copies.get(&base).copied().unwrap_or(base);
            let offset = i32::from(offset);
            for &(list, len_inst, len, data_inst, data) in &early {
                if base != list {
                    continue;
                }
                let (early_inst, value) = if offset == LIST_LEN_OFFSET as i32 {
                    (len_inst, len)
                } else if offset == LIST_DATA_OFFSET as i32 {
                    (data_inst, data)
                } else {
                    continue;
                };
                let result = func.dfg.first_result(inst);
                if early_inst != inst
                    && func.dfg.value_type(result) == func.dfg.value_type(value)
                    && domtree.dominates(early_inst, inst, &func.layout)
                {
                    replace.push((inst, value));
                    break;
                }
            }
        }
    }
    for (inst, value) in replace {
        let result = func.dfg.first_result(inst);
        func.layout.remove_inst(inst);
        func.dfg.clear_results(inst);
        func.dfg.change_to_alias(result, value);
    }
}

/// Block parameters that can only hold one frozen list value, mapped to it:
/// every edge into the block passes that value, the parameter itself, or a
/// parameter that only carries one of those (a variable carried around
/// nested loops unchanged), found to a fixed point.
fn copies_in_params(func: &ir::Function, frozen: &[FrozenList]) -> HashMap<Value, Value> {
    let roots: Vec<Value> = frozen
        .iter()
        .map(|f| func.dfg.resolve_aliases(f.list))
        .collect();
    // For each block parameter, the values passed to it by every edge.
    let mut incoming: HashMap<Value, Vec<Option<Value>>> = HashMap::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            let dests = func.dfg.insts[inst]
                .branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables);
            for dest in dests {
                let target = dest.block(&func.dfg.value_lists);
                let params = func.dfg.block_params(target);
                for (param, arg) in params.iter().zip(dest.args(&func.dfg.value_lists)) {
                    let value = match arg {
                        BlockArg::Value(v) => Some(func.dfg.resolve_aliases(v)),
                        _ => None,
                    };
                    incoming.entry(*param).or_default().push(value);
                }
            }
        }
    }
    let mut copies: HashMap<Value, Value> = HashMap::new();
    // Follows known copies (bounded: each step moves to an earlier-known
    // mapping, and the map never maps a value back to itself).
    let root_of = |copies: &HashMap<Value, Value>, mut v: Value| {
        for _ in 0..=copies.len() {
            match copies.get(&v) {
                Some(&next) => v = next,
                None => break,
            }
        }
        v
    };
    loop {
        let mut grew = false;
        for (param, values) in &incoming {
            if copies.contains_key(param) {
                continue;
            }
            let mut only: Option<Value> = None;
            let constant = values.iter().all(|v| {
                let Some(v) = v else { return false };
                let root = root_of(&copies, *v);
                // The parameter itself, directly or through the parameter
                // of an inner loop that only carries it around.
                if root == *param {
                    return true;
                }
                match only {
                    None => {
                        only = Some(root);
                        true
                    }
                    Some(o) => o == root,
                }
            });
            if let (true, Some(root)) = (constant, only) {
                copies.insert(*param, root);
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    // A parameter may carry another parameter around (an inner loop's copy
    // of an outer loop's); keep those that end at a frozen list.
    copies
        .keys()
        .filter_map(|&p| {
            let root = root_of(&copies, p);
            roots.contains(&root).then_some((p, root))
        })
        .collect()
}
