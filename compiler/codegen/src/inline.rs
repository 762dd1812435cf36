//! Inlining of small cells into their callers, on Cranelift IR.
//!
//! Cranelift provides the mechanics ([`Context::inline`]); this module decides
//! what to inline and supplies the callee bodies:
//!
//! * The MIR call graph is split into strongly connected components; cells
//!   are processed callees first, so every body offered for inlining already
//!   has its own small callees inlined and inlining never needs to look
//!   inside an inlined body again (`visit_callee: false`).
//! * A cell is offered for inlining when its body is small (instructions
//!   outside cold blocks) — built a second time *without* the prologue's
//!   stack check: inlined code adds no frame of its own, and the caller keeps
//!   its check. Every function that is still called keeps its check, so deep
//!   recursion is still reported as `stack overflow in cell NAME`.
//! * A call is inlined when the callee was offered and either is not
//!   recursive at all, or is the caller itself: a small self-recursive cell
//!   gets a few levels of its own body at each recursive call (the copies
//!   call the real function, the levels are bounded by size), which divides
//!   the number of calls of `fib`-style recursion without unbounded growth.
//!   Mutually recursive cells are never inlined into each other.
//! * Each caller may grow by at most [`MAX_GROWTH`] instructions.
//!
//! Semantics are untouched: the inlined body is the callee's own code, so
//! checked arithmetic keeps its tests and every runtime error still names the
//! callee's cell and source location (they live in the `SourceLoc` statics
//! the callee's code points at). After inlining, two things Cranelift's
//! inliner (0.135) does not carry over are repaired: the names of copied
//! `symbol` global values (they must be re-interned in the caller — without
//! this a `SourceLoc` address would point at an unrelated symbol of the
//! caller's table), and the source locations of the copied instructions (for
//! `--emit clif`).

use std::borrow::Cow;
use std::collections::HashMap;

use cranelift_codegen::inline::{Inline, InlineCommand};
use cranelift_codegen::ir::{self, ExternalName, Opcode};
use cranelift_codegen::Context;
use lumen_mir::{Loc, Program, Rvalue, StmtKind};

use crate::function::{self, BuiltFunction};
use crate::object::Emitter;
use crate::CodegenError;

/// A callee is offered for inlining when it has at most this many
/// instructions outside cold blocks (after its own inlining)…
pub const MAX_HOT_INSTS: usize = 40;
/// …and at most this many in all (cold error blocks included).
pub const MAX_TOTAL_INSTS: usize = 160;
/// A self-recursive cell's body offered to itself may hold up to
/// [`SELF_UNROLL_LEVELS`] levels of its own body while it stays within this
/// many hot instructions (`fib`: 24 for one level, 52 for two, 108 for three;
/// counted as [`inst_counts`] does).
pub const MAX_SELF_UNROLLED_HOT_INSTS: usize = 256;
pub const SELF_UNROLL_LEVELS: usize = 3;
/// How many instructions inlining may add to one caller.
pub const MAX_GROWTH: usize = 1500;
/// MIR functions with more statements than this are never offered (saves
/// building a second body that would be too big anyway).
const MAX_MIR_STMTS: usize = 64;

/// Builds every function of `program`, in index order, with small callees
/// inlined when `inline` is set.
pub fn build_all(
    em: &mut Emitter,
    program: &Program,
    inline: bool,
) -> Result<Vec<BuiltFunction>, CodegenError> {
    let n = program.functions.len();
    if !inline {
        return (0..n).map(|i| function::build(em, program, i)).collect();
    }
    let graph = CallGraph::new(program);
    let cell_of: HashMap<u32, usize> = (0..n).map(|i| (em.cell_id(i).as_u32(), i)).collect();
    let mut bodies: Vec<Option<BuiltFunction>> = (0..n).map(|_| None).collect();
    let mut built: Vec<Option<BuiltFunction>> = (0..n).map(|_| None).collect();

    for &f in &graph.order {
        let name = &program.functions[f].name;
        if graph.called[f] && mir_size(program, f) <= MAX_MIR_STMTS {
            let mut body = function::build_inline_body(em, program, f)?;
            inline_calls(&mut body, f, false, &cell_of, &bodies, &graph, name)?;
            let (hot, total) = inst_counts(&body.func);
            if hot <= MAX_HOT_INSTS && total <= MAX_TOTAL_INSTS {
                bodies[f] = Some(body);
                // A tiny self-recursive cell is unrolled further: the body
                // it offers itself holds up to SELF_UNROLL_LEVELS levels of
                // its own body, as long as that stays small.
                if graph.self_recursive[f] {
                    for _ in 0..SELF_UNROLL_LEVELS {
                        let mut deeper = function::build_inline_body(em, program, f)?;
                        inline_calls(&mut deeper, f, true, &cell_of, &bodies, &graph, name)?;
                        let (hot, total) = inst_counts(&deeper.func);
                        if hot > MAX_SELF_UNROLLED_HOT_INSTS || total > 4 * MAX_TOTAL_INSTS {
                            break;
                        }
                        bodies[f] = Some(deeper);
                    }
                }
            }
        }
        let mut full = function::build(em, program, f)?;
        inline_calls(&mut full, f, true, &cell_of, &bodies, &graph, name)?;
        built[f] = Some(full);
    }
    built
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            b.ok_or_else(|| {
                CodegenError::in_function(&program.functions[i].name, "function was not built")
            })
        })
        .collect()
}

/// Number of MIR statements of a function.
fn mir_size(program: &Program, f: usize) -> usize {
    let f = &program.functions[f];
    let landing = crate::failure_paths::landing_blocks(f);
    f.blocks
        .iter()
        .zip(landing)
        .filter(|(_, cleanup)| !cleanup)
        .map(|(b, _)| b.stmts.len() + 1)
        .sum()
}

/// (instructions outside cold blocks, all instructions), not counting
/// jumps and constants: before optimisation every `match` arm and `if`
/// branch ends in a block that only jumps on, and constants are mostly
/// folded into the instructions that use them, so counting them made a
/// ten-arm `match` on characters (`digit` in json_parse and strings) look
/// three times its compiled size.
pub fn inst_counts(func: &ir::Function) -> (usize, usize) {
    let mut hot = 0;
    let mut total = 0;
    for block in func.layout.blocks() {
        let count = func
            .layout
            .block_insts(block)
            .filter(|i| {
                !matches!(
                    func.dfg.insts[*i].opcode(),
                    Opcode::Jump | Opcode::Iconst | Opcode::F64const
                )
            })
            .count();
        total += count;
        if !func.layout.is_cold(block) {
            hot += count;
        }
    }
    (hot, total)
}

/// Inlines the offered callees into `built` (the function of cell `caller`).
fn inline_calls(
    built: &mut BuiltFunction,
    caller: usize,
    allow_self: bool,
    cell_of: &HashMap<u32, usize>,
    bodies: &[Option<BuiltFunction>],
    graph: &CallGraph,
    name: &str,
) -> Result<(), CodegenError> {
    if !graph.has_calls[caller] {
        return Ok(());
    }
    let mut policy = Policy {
        caller,
        allow_self,
        cell_of,
        bodies,
        graph,
        budget: MAX_GROWTH,
        events: Vec::new(),
    };
    let func = std::mem::replace(&mut built.func, ir::Function::new());
    let mut ctx = Context::for_function(func);
    let inlined = ctx
        .inline(&mut policy)
        .map_err(|e| CodegenError::in_function(name, format!("inlining failed: {e}")))?;
    built.func = ctx.func;
    if inlined {
        let events = std::mem::take(&mut policy.events);
        for event in events {
            if let Some(body) = &bodies[event.callee] {
                fix_symbol_names(&mut built.func, event.gv_offset, &body.func);
                restore_srclocs(built, event.block_offset, body);
            }
        }
    }
    Ok(())
}

/// Cranelift copies the callee's `symbol` global values verbatim, but their
/// names are indices into the *callee's* table of external names; point the
/// copies (global value `gv_offset + g` for callee global value `g`) at the
/// same names in the caller's table, or a `SourceLoc` address would resolve
/// to some unrelated symbol of the caller.
fn fix_symbol_names(func: &mut ir::Function, gv_offset: u32, callee: &ir::Function) {
    for (gv, data) in callee.global_values.iter() {
        let ir::GlobalValueData::Symbol {
            name: ExternalName::User(name_ref),
            offset,
            colocated,
            tls,
        } = data
        else {
            continue;
        };
        let name = callee.params.user_named_funcs()[*name_ref].clone();
        let caller_ref = func.declare_imported_user_function(name);
        let copy = ir::GlobalValue::from_u32(gv_offset + gv.as_u32());
        func.global_values[copy] = ir::GlobalValueData::Symbol {
            name: ExternalName::User(caller_ref),
            offset: *offset,
            colocated: *colocated,
            tls: *tls,
        };
    }
}

/// Gives the inlined instructions the callee's source locations. The copy
/// of callee block `b` is block `offset + b`, holding one instruction per
/// instruction of `b` in the same order (returns are rewritten in place into
/// jumps); a block that does not match is left alone.
fn restore_srclocs(built: &mut BuiltFunction, offset: u32, body: &BuiltFunction) {
    let callee = &body.func;
    for block in callee.layout.blocks() {
        let copy = ir::Block::from_u32(offset + block.as_u32());
        let originals: Vec<ir::Inst> = callee.layout.block_insts(block).collect();
        let copies: Vec<ir::Inst> = built.func.layout.block_insts(copy).collect();
        if originals.len() != copies.len() {
            continue;
        }
        for (orig, inst) in originals.into_iter().zip(copies) {
            let srcloc = callee.srcloc(orig);
            if srcloc.is_default() {
                continue;
            }
            if let Some(loc) = body.locs.get(srcloc.bits() as usize) {
                let index = intern_loc(&mut built.locs, *loc);
                built.func.set_srcloc(inst, ir::SourceLoc::new(index));
            }
        }
    }
}

fn intern_loc(locs: &mut Vec<Loc>, loc: Loc) -> u32 {
    match locs.iter().position(|l| *l == loc) {
        Some(i) => i as u32,
        None => {
            locs.push(loc);
            locs.len() as u32 - 1
        }
    }
}

struct Policy<'a> {
    caller: usize,
    allow_self: bool,
    cell_of: &'a HashMap<u32, usize>,
    bodies: &'a [Option<BuiltFunction>],
    graph: &'a CallGraph,
    budget: usize,
    events: Vec<InlineEvent>,
}

/// One inlined call: where Cranelift put the copy of the callee's entities.
struct InlineEvent {
    callee: usize,
    /// The copy of callee block `b` is block `block_offset + b`.
    block_offset: u32,
    /// The copy of callee global value `g` is `gv_offset + g`.
    gv_offset: u32,
}

impl Inline for Policy<'_> {
    fn inline(
        &mut self,
        caller: &ir::Function,
        _call_inst: ir::Inst,
        call_opcode: Opcode,
        callee: ir::FuncRef,
        _call_args: &[ir::Value],
    ) -> InlineCommand<'_> {
        if call_opcode != Opcode::Call {
            return InlineCommand::KeepCall;
        }
        let ExternalName::User(name_ref) = caller.dfg.ext_funcs[callee].name else {
            return InlineCommand::KeepCall;
        };
        let name = &caller.params.user_named_funcs()[name_ref];
        if name.namespace != 0 {
            return InlineCommand::KeepCall;
        }
        let Some(&cell) = self.cell_of.get(&name.index) else {
            return InlineCommand::KeepCall;
        };
        let Some(body) = &self.bodies[cell] else {
            return InlineCommand::KeepCall;
        };
        // A recursive cell is only inlined into itself: elsewhere its body
        // would just add a copy in front of the real recursion.
        let allowed = if cell == self.caller {
            self.allow_self
        } else {
            !self.graph.recursive[cell]
        };
        let (_, size) = inst_counts(&body.func);
        if !allowed || size > self.budget {
            return InlineCommand::KeepCall;
        }
        self.budget -= size;
        // Cranelift appends the callee's blocks and global values to the
        // caller's, in order, right after this call returns.
        self.events.push(InlineEvent {
            callee: cell,
            block_offset: caller.dfg.num_blocks() as u32,
            gv_offset: caller.global_values.len() as u32,
        });
        InlineCommand::Inline {
            callee: Cow::Borrowed(&body.func),
            visit_callee: false,
        }
    }
}

/// The MIR call graph and its strongly connected components.
struct CallGraph {
    /// Every function, callees before callers (components in reverse
    /// topological order, Tarjan's output order).
    order: Vec<usize>,
    /// Whether some function calls it.
    called: Vec<bool>,
    /// Whether it calls any cell.
    has_calls: Vec<bool>,
    /// Whether it calls itself directly.
    self_recursive: Vec<bool>,
    /// Whether it is on a cycle of calls (itself or through others).
    recursive: Vec<bool>,
}

impl CallGraph {
    fn new(program: &Program) -> Self {
        let n = program.functions.len();
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut called = vec![false; n];
        for (i, f) in program.functions.iter().enumerate() {
            for block in &f.blocks {
                for stmt in &block.stmts {
                    let rvalue = match &stmt.kind {
                        StmtKind::Assign(_, rv) | StmtKind::Eval(rv) => rv,
                        _ => continue,
                    };
                    if let Rvalue::Call(callee, _) = rvalue {
                        let c = callee.0 as usize;
                        if c < n && !edges[i].contains(&c) {
                            edges[i].push(c);
                            called[c] = true;
                        }
                    }
                }
            }
        }
        let has_calls = edges.iter().map(|e| !e.is_empty()).collect();
        let self_recursive: Vec<bool> = edges
            .iter()
            .enumerate()
            .map(|(i, e)| e.contains(&i))
            .collect();
        let (order, scc) = tarjan(&edges);
        let mut scc_size = vec![0usize; n];
        for &c in &scc {
            scc_size[c] += 1;
        }
        let recursive = (0..n)
            .map(|i| self_recursive[i] || scc_size[scc[i]] > 1)
            .collect();
        CallGraph {
            order,
            called,
            has_calls,
            self_recursive,
            recursive,
        }
    }
}

/// Tarjan's algorithm, iterative. Returns the nodes in the order their
/// components are completed (callees first) and each node's component.
fn tarjan(edges: &[Vec<usize>]) -> (Vec<usize>, Vec<usize>) {
    const UNVISITED: usize = usize::MAX;
    let n = edges.len();
    let mut index = vec![UNVISITED; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut scc = vec![0; n];
    let mut order = Vec::with_capacity(n);
    let mut next_index = 0;
    let mut next_scc = 0;
    for root in 0..n {
        if index[root] != UNVISITED {
            continue;
        }
        // (node, next edge to look at)
        let mut work = vec![(root, 0usize)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&(v, edge)) = work.last() {
            if let Some(&w) = edges[v].get(edge) {
                if let Some(top) = work.last_mut() {
                    top.1 += 1;
                }
                if index[w] == UNVISITED {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    scc[w] = next_scc;
                    order.push(w);
                    if w == v {
                        break;
                    }
                }
                next_scc += 1;
            }
        }
    }
    (order, scc)
}

#[cfg(test)]
mod tests {
    use super::tarjan;

    #[test]
    fn components_come_callees_first() {
        // 0 -> 1 -> 2 -> 1, 0 -> 3, 3 -> 3
        let edges = vec![vec![1, 3], vec![2], vec![1], vec![3]];
        let (order, scc) = tarjan(&edges);
        assert_eq!(scc[1], scc[2]);
        assert_ne!(scc[0], scc[1]);
        assert_ne!(scc[3], scc[0]);
        let pos = |x| order.iter().position(|&y| y == x).unwrap();
        assert!(pos(1) < pos(0) && pos(2) < pos(0) && pos(3) < pos(0));
        assert_eq!(order.len(), 4);
    }
}
