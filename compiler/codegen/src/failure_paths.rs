//! Where failures go in one function, known before it is built: the MIR
//! landing's shape (only releases, or `defer` blocks too), the heap locals
//! that certainly hold the immortal empty string at each point (so a
//! failure edge need not release them), and which blocks only a failure
//! reaches. `failure_edges` emits the edges from these facts.

use std::collections::HashMap;

use cranelift_codegen::ir::{self, Block};
use lumen_mir::{self as mir, BlockId, Const, Local, Operand, Rvalue, StmtKind};

/// What the failure edges of one function need.
#[derive(Default)]
pub(crate) struct FailureEdges {
    /// The MIR landing's block, when it does more than release.
    pub(crate) landing: Option<Block>,
    /// The locals the MIR landing releases, when that is all it does.
    pub(crate) releases: Vec<Local>,
    /// For each block, the heap locals that certainly hold the empty string
    /// on entry (`None`: not reached from the entry).
    pub(crate) empty_on_entry: Vec<Option<Vec<bool>>>,
    /// The same facts at the statement being built.
    pub(crate) empty: Vec<bool>,
    /// Cleanup blocks by number of values (the one edges use now).
    pub(crate) cleanup: HashMap<usize, SharedBlock>,
    /// A frame slot holding the address of `lm_failing`, stored by the
    /// prologue ([`FnCx::store_flag_address`]), for cold paths.
    pub(crate) flag_address_slot: Option<ir::StackSlot>,
    /// In a function with many long-lived heap locals, where they are kept
    /// for the cleanup (see [`FrameCleanup`]).
    pub(crate) frame: Option<FrameCleanup>,
}

/// Failure cleanup through the frame, for functions with many owned heap
/// locals that live across blocks.
///
/// Passing every local that may hold a reference to the cleanup block
/// makes each failure edge as long as the number of such locals, and one
/// cleanup block per count releases that many values: code and register
/// allocation quadratic in the function's length (a `main` of 200 loops,
/// each filling its own list, took 21 s and 3.4 GB). Instead, each such
/// local also has a word in one frame slot, written at every assignment
/// (zero before the first). A failure edge then passes only its
/// block-local values; after releasing those, the cleanup releases every
/// word of the slot in one shared block. Small functions keep passing
/// values: their edges are short, and they pay no store per assignment.
pub(crate) struct FrameCleanup {
    pub(crate) slot: ir::StackSlot,
    /// The word of each local kept in the slot, by local.
    pub(crate) word: Vec<Option<u32>>,
    /// The locals kept, in word order.
    pub(crate) locals: Vec<Local>,
    /// The shared block releasing the slot's words, once made.
    pub(crate) release_block: Option<SharedBlock>,
}

/// A cleanup block that failure edges share, and how many jump to it.
///
/// A block serves at most [`MAX_SHARED_EDGES`] edges; then a copy takes
/// over. Register allocation computes dominators by walking, for each
/// predecessor of a block, up the dominator tree to the block's
/// dominator: one cleanup block reached from every edge of a long
/// function costs time quadratic in its length (a 20,000-term sum of
/// checked additions: 10 s, nearly all of it there). Edges sharing a copy
/// lie close together, so their walks are short.
#[derive(Clone, Copy)]
pub(crate) struct SharedBlock {
    pub(crate) block: Block,
    pub(crate) uses: usize,
}

/// How many failure edges one cleanup block serves.
pub(crate) const MAX_SHARED_EDGES: usize = 32;

impl SharedBlock {
    /// A block serving its first edge.
    pub(crate) fn new(block: Block) -> SharedBlock {
        SharedBlock { block, uses: 1 }
    }

    /// The block for one more edge, unless it serves its maximum already.
    pub(crate) fn take(&mut self) -> Option<Block> {
        if self.uses >= MAX_SHARED_EDGES {
            return None;
        }
        self.uses += 1;
        Some(self.block)
    }
}

/// Above this many owned heap locals living across blocks, failure cleanup
/// goes through the frame.
pub(crate) const FRAME_CLEANUP_MIN: usize = 24;

impl FrameCleanup {
    /// The frame offset of `local`'s word, when it is kept in the slot.
    pub(crate) fn offset(&self, local: Local) -> Option<i32> {
        self.word
            .get(local.0 as usize)
            .copied()
            .flatten()
            .map(|w| (w * 8) as i32)
    }
}

impl FailureEdges {
    pub(crate) fn new(f: &mir::Function, blocks: &[Block]) -> FailureEdges {
        let mut edges = FailureEdges {
            empty_on_entry: lumen_mir::cfg::must_facts(f, note_empty),
            empty: vec![false; f.locals.len()],
            ..FailureEdges::default()
        };
        if let Some(landing) = f.landing {
            match releases_only(f, landing) {
                Some(locals) => edges.releases = locals,
                None => edges.landing = blocks.get(landing.0 as usize).copied(),
            }
        }
        edges
    }

    /// Starts tracking block `index`.
    pub(crate) fn enter_block(&mut self, index: usize) {
        match self.empty_on_entry.get(index).cloned().flatten() {
            Some(facts) => self.empty = facts,
            None => self.empty.iter_mut().for_each(|e| *e = false),
        }
    }

    /// Updates the facts after a statement.
    pub(crate) fn after_statement(&mut self, stmt: &StmtKind) {
        note_empty(stmt, &mut self.empty);
    }
}

/// The must-fact transfer: a local assigned the empty string constant holds
/// it until it is assigned anything else.
pub(crate) fn note_empty(stmt: &StmtKind, empty: &mut [bool]) {
    if let StmtKind::Assign(local, rvalue) = stmt {
        let is_empty = matches!(rvalue, Rvalue::Use(Operand::Const(Const::Str(s))) if s.is_empty());
        if let Some(e) = empty.get_mut(local.0 as usize) {
            *e = is_empty;
        }
    }
}

/// The locals the landing releases, when it does nothing else: only
/// `release`s and constant assignments, then a `return`.
fn releases_only(f: &mir::Function, landing: BlockId) -> Option<Vec<Local>> {
    let block = f.blocks.get(landing.0 as usize)?;
    if !matches!(block.terminator, mir::Terminator::Return(_)) {
        return None;
    }
    let mut locals = Vec::new();
    for stmt in &block.stmts {
        match &stmt.kind {
            StmtKind::Release(l) => locals.push(*l),
            StmtKind::Assign(_, Rvalue::Use(Operand::Const(_))) => {}
            _ => return None,
        }
    }
    Some(locals)
}

/// For every MIR block, whether it is cleanup code only a failure reaches:
/// reachable from the function's landing but not from its entry (cold, not
/// counted as size).
pub fn landing_blocks(f: &lumen_mir::Function) -> Vec<bool> {
    let reach = |root: usize| {
        let mut seen = vec![false; f.blocks.len()];
        let mut work = vec![root];
        while let Some(b) = work.pop() {
            if b < seen.len() && !seen[b] {
                seen[b] = true;
                work.extend(
                    f.blocks[b]
                        .terminator
                        .targets()
                        .iter()
                        .map(|t| t.0 as usize),
                );
            }
        }
        seen
    };
    let Some(landing) = f.landing else {
        return vec![false; f.blocks.len()];
    };
    let normal = reach(0);
    reach(landing.0 as usize)
        .into_iter()
        .zip(normal)
        .map(|(cleanup, normal)| cleanup && !normal)
        .collect()
}
