//! What code generation knows about the slots and memory of one function
//! before building it, for the inline fast paths (`fast_paths`): which
//! value types Int-typed locals carry as slots ([`SlotTypes`]), how a
//! list's elements sit in its buffer ([`Layout`]), the alias regions of
//! object headers and list elements ([`MemRegions`]), and which locals
//! only hold list slot addresses ([`slot_addresses`]).

use std::collections::HashMap;

use cranelift_codegen::ir::{AliasRegionData, MemFlagsData};
use lumen_mir::{self as mir, Local, Operand, RtArg, Rvalue, StmtKind, Terminator, Ty};

/// How a list's elements sit in its buffer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Layout {
    /// A slot each, not counted (`Int`, `Float`, …).
    Plain,
    /// A slot each holding a counted object pointer (or 0 for `null`).
    Heap,
    /// One byte each: `list[Bool]`.
    Byte,
}

/// What the MIR says about the slots held in Int-typed locals.
#[derive(Default)]
pub struct SlotTypes {
    /// For a local used only as the operand of `from_slot`: the type read
    /// (`None` when uses disagree or it is used otherwise).
    from_slot: HashMap<Local, Option<Ty>>,
    /// For a local defined only by `to_slot`: the type of the value encoded.
    to_slot: HashMap<Local, Option<Ty>>,
}

fn merge(map: &mut HashMap<Local, Option<Ty>>, local: Local, ty: Option<Ty>) {
    map.entry(local)
        .and_modify(|t| {
            if *t != ty {
                *t = None
            }
        })
        .or_insert(ty);
}

impl SlotTypes {
    pub fn new(f: &mir::Function) -> Self {
        let mut st = SlotTypes::default();
        let use_op = |st: &mut SlotTypes, op: &Operand| {
            if let Operand::Local(l) = op {
                merge(&mut st.from_slot, *l, None);
            }
        };
        for block in &f.blocks {
            for stmt in &block.stmts {
                let rv = match &stmt.kind {
                    StmtKind::Assign(dest, rv) => {
                        let ty = match rv {
                            Rvalue::ToSlot(op) => Some(f.operand_ty(op)),
                            _ => None,
                        };
                        merge(&mut st.to_slot, *dest, ty);
                        Some(rv)
                    }
                    StmtKind::Eval(rv) => Some(rv),
                    StmtKind::Store { base, value, .. } => {
                        use_op(&mut st, &Operand::Local(*base));
                        use_op(&mut st, value);
                        None
                    }
                    StmtKind::Retain(l) | StmtKind::Release(l) => {
                        use_op(&mut st, &Operand::Local(*l));
                        None
                    }
                };
                let Some(rv) = rv else { continue };
                match rv {
                    Rvalue::FromSlot(Operand::Local(l), ty) => {
                        merge(&mut st.from_slot, *l, Some(*ty))
                    }
                    Rvalue::FromSlot(op, _)
                    | Rvalue::Use(op)
                    | Rvalue::Unary { operand: op, .. }
                    | Rvalue::Cast(_, op)
                    | Rvalue::ToSlot(op)
                    | Rvalue::Load { base: op, .. } => use_op(&mut st, op),
                    Rvalue::Binary { lhs, rhs, .. } => {
                        use_op(&mut st, lhs);
                        use_op(&mut st, rhs);
                    }
                    Rvalue::Call(_, args) => args.iter().for_each(|a| use_op(&mut st, a)),
                    Rvalue::CallIndirect { callee, args, .. } => {
                        use_op(&mut st, callee);
                        args.iter().for_each(|a| use_op(&mut st, a));
                    }
                    Rvalue::Runtime(_, args) => {
                        for a in args {
                            match a {
                                RtArg::Operand(op) => use_op(&mut st, op),
                                RtArg::StrArray(items) => {
                                    items.iter().for_each(|a| use_op(&mut st, a))
                                }
                                RtArg::Words(words) => {
                                    for w in words {
                                        if let RtArg::Operand(op) = w {
                                            use_op(&mut st, op);
                                        }
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                    Rvalue::FuncAddr(_) => {}
                }
            }
            match &block.terminator {
                Terminator::Branch { cond, .. } => use_op(&mut st, cond),
                Terminator::Return(op) => use_op(&mut st, op),
                Terminator::Goto(_) | Terminator::Unreachable => {}
            }
        }
        // Parameters are defined by the caller.
        for p in &f.params {
            merge(&mut st.to_slot, *p, None);
        }
        st
    }

    /// The layout of the list the element read into `dest` comes from
    /// (`None`: unknown).
    pub(crate) fn read_layout(&self, dest: Option<Local>) -> Option<Layout> {
        let ty = (*self.from_slot.get(&dest?)?)?;
        slot_layout(ty)
    }

    /// The layout of the list the slot operand `op` is stored into (`None`:
    /// unknown).
    pub(crate) fn written_layout(&self, op: &RtArg) -> Option<Layout> {
        let RtArg::Operand(Operand::Local(l)) = op else {
            return None;
        };
        let ty = (*self.to_slot.get(l)?)?;
        slot_layout(ty)
    }
}

/// The layout of a list whose elements are read or written as `ty`. A
/// `Bool` is left unknown: it is most likely a packed `list[Bool]`, but a
/// slot narrowed to `Bool` could come from a list of optionals, which is
/// not packed. `Null` is unknown too (the `null` of an optional heap
/// element or of a `list[Null]`).
pub(crate) fn slot_layout(ty: Ty) -> Option<Layout> {
    match ty {
        Ty::Int | Ty::Float => Some(Layout::Plain),
        Ty::Str | Ty::Ptr => Some(Layout::Heap),
        Ty::Bool | Ty::Null => None,
    }
}

/// Flags of memory no store of compiled code writes: string bytes, type
/// descriptors.
pub(crate) fn flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// The alias regions of the memory compiled code reads and writes in place
/// (ids unique across the compilation, as Cranelift's inliner merges
/// regions by id). Object headers — counts, flags, a list's `len`, `cap`,
/// `data` and descriptor, a string's length — and list element buffers are
/// disjoint memory, so Cranelift's alias analysis may keep a list's `len`
/// and `data` across a store of an element (a loop storing into a list then
/// loads them once). Every other access (record fields, captures, a box's
/// slot) has no region, and a store there is a barrier for all of memory.
/// An element reached through an address from `lm_list_slot_mut` is read
/// and written in the element region too (`FnCx::slot_addresses`).
const HEADER_REGION: u32 = 0x4c4d_0001;
const ELEMENT_REGION: u32 = 0x4c4d_0002;

/// The memory flags of the two regions, made once per function.
#[derive(Clone, Copy)]
pub(crate) struct MemRegions {
    /// An object header field.
    pub header: MemFlagsData,
    /// A list element.
    pub elem: MemFlagsData,
}

impl MemRegions {
    /// Registers both regions in `func`.
    pub(crate) fn new(func: &mut cranelift_codegen::ir::Function) -> Self {
        let mut region = |user_id, description: &'static str| {
            let r = func.dfg.alias_regions.insert(AliasRegionData {
                user_id,
                description: description.into(),
            });
            MemFlagsData::trusted().with_alias_region(Some(r))
        };
        MemRegions {
            header: region(HEADER_REGION, "object headers"),
            elem: region(ELEMENT_REGION, "list elements"),
        }
    }
}

/// Locals that only ever hold the address of a list slot (every definition
/// is `lm_list_slot_mut`): loads and stores through them are element
/// accesses.
pub(crate) fn slot_addresses(f: &mir::Function) -> std::collections::HashSet<Local> {
    let mut only: HashMap<Local, bool> = HashMap::new();
    for p in &f.params {
        only.insert(*p, false);
    }
    for block in &f.blocks {
        for stmt in &block.stmts {
            if let StmtKind::Assign(dest, rv) = &stmt.kind {
                let is_slot = matches!(rv, Rvalue::Runtime(rf, _)
                    if rf.name == lumen_abi::LM_LIST_SLOT_MUT.name);
                let entry = only.entry(*dest).or_insert(true);
                *entry &= is_slot;
            }
        }
    }
    only.into_iter()
        .filter(|&(_, o)| o)
        .map(|(l, _)| l)
        .collect()
}
