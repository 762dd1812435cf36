//! A Float read from a slot is loaded into a float register directly.
//!
//! List elements are 64-bit slots: the inline reads load an `i64` and MIR's
//! `from_slot.Float` turns it into a float with a `bitcast`, which on x86-64
//! and aarch64 is a move from an integer to a float register after the load
//! (`mov (…),%r9; movq %r9,%xmm1`), one per element in a dot product. When
//! the loaded integer has no other use, the load itself is rebuilt as an
//! `f64` load and the bitcast goes: the same bits, one instruction less.
//! The same holds through the join block of an inline read (a parameter
//! that each of its incoming edges passes a load of its own).

use std::collections::HashMap;

use cranelift_codegen::ir::{self, types, BlockArg, InstructionData, Opcode, Value};

/// Rewrites `bitcast.f64 (load.i64 …)` with a single use as `load.f64 …`.
pub(crate) fn load_floats_directly(func: &mut ir::Function) {
    // Uses of every value (after aliases), in instructions and edges.
    let mut uses: HashMap<Value, usize> = HashMap::new();
    let mut casts: Vec<ir::Inst> = Vec::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            // (Arguments, and the values passed along branch edges.)
            for v in func.dfg.inst_values(inst) {
                *uses.entry(func.dfg.resolve_aliases(v)).or_default() += 1;
            }
            if func.dfg.insts[inst].opcode() == Opcode::Bitcast {
                casts.push(inst);
            }
        }
    }
    // Edges into each block parameter: (branch, destination index, argument index).
    let mut edges: HashMap<Value, Vec<(ir::Inst, usize, usize)>> = HashMap::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            let dests = func.dfg.insts[inst]
                .branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables);
            for (d, dest) in dests.iter().enumerate() {
                let target = dest.block(&func.dfg.value_lists);
                for (a, param) in func.dfg.block_params(target).iter().enumerate() {
                    edges.entry(*param).or_default().push((inst, d, a));
                }
            }
        }
    }
    for cast in casts {
        let InstructionData::LoadNoOffset { arg, .. } = func.dfg.insts[cast] else {
            continue;
        };
        let result = func.dfg.first_result(cast);
        let source = func.dfg.resolve_aliases(arg);
        if func.dfg.value_type(result) != types::F64
            || func.dfg.value_type(source) != types::I64
            || uses.get(&source) != Some(&1)
        {
            continue;
        }
        // The integer comes straight from a load, or is a block parameter
        // (the join of an inline read) that every edge passes a load to.
        let loads: Vec<Value> = if single_load(func, source) {
            vec![source]
        } else if func.dfg.value_def(source).inst().is_none() {
            let Some(ins) = edges.get(&source) else {
                continue;
            };
            let mut loads = Vec::new();
            for &(branch, d, a) in ins {
                let dests = func.dfg.insts[branch]
                    .branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables);
                match dests[d].args(&func.dfg.value_lists).nth(a) {
                    Some(BlockArg::Value(v)) => loads.push(func.dfg.resolve_aliases(v)),
                    _ => loads.clear(),
                }
            }
            let all_loads = !loads.is_empty()
                && loads.len() == ins.len()
                && loads
                    .iter()
                    .all(|v| single_load(func, *v) && uses.get(v) == Some(&1));
            let mut distinct = loads.clone();
            distinct.sort();
            distinct.dedup();
            if !all_loads || distinct.len() != loads.len() {
                continue;
            }
            loads
        } else {
            continue;
        };
        // A load's type is its result's: the same loads, as f64s.
        let mut renamed: HashMap<Value, Value> = HashMap::new();
        for v in &loads {
            renamed.insert(*v, func.dfg.replace_result(*v, types::F64));
        }
        let float = if loads == [source] {
            renamed[&source]
        } else {
            for (k, &(branch, d, a)) in edges[&source].iter().enumerate() {
                let new = renamed[&loads[k]];
                let dfg = &mut func.dfg;
                let dests = dfg.insts[branch]
                    .branch_destination_mut(&mut dfg.jump_tables, &mut dfg.exception_tables);
                let mut i = 0;
                dests[d].update_args(&mut dfg.value_lists, |arg| {
                    let out = if i == a { BlockArg::Value(new) } else { arg };
                    i += 1;
                    out
                });
            }
            func.dfg.replace_block_param(source, types::F64)
        };
        func.layout.remove_inst(cast);
        func.dfg.clear_results(cast);
        func.dfg.change_to_alias(result, float);
    }
}

/// Whether `v` is the result of a plain `load`.
fn single_load(func: &ir::Function, v: Value) -> bool {
    func.dfg.value_def(v).inst().is_some_and(|inst| {
        matches!(
            func.dfg.insts[inst],
            InstructionData::Load {
                opcode: Opcode::Load,
                ..
            }
        )
    })
}
