//! Locals that never carry a value from one MIR block into another are
//! plain SSA values, not `cranelift-frontend` `Variable`s.
//!
//! The SSA builder keeps, for every variable, a map over the blocks it is
//! defined in, sized by the highest block number, and a read walks back
//! through the blocks to the definition: a long function — a 10,000-term
//! `1 + 1 + …`, or 8,000 statements each appending a record, where every
//! checked addition or inline fast path makes new Cranelift blocks — costs
//! time and memory quadratic in its length (12 GB at 50,000 terms). A local
//! that is read in a MIR block only after the same block assigned it needs
//! none of that: the value last computed for it dominates every read,
//! because the code of one MIR block runs straight through (the branches a
//! statement makes inside meet again before the next one).
//!
//! Heap locals have two more kinds of read. A failure edge passes the owned
//! heap locals that may hold a reference to the cleanup block
//! (`failure_edges`), and a `defer` landing releases every one of them. So a
//! heap local qualifies only where it certainly holds the immortal empty
//! string whenever it enters a block (a statement's temporary: lowering
//! gives it `""` back after its last use), and only in a function whose
//! failures go to the shared cleanup blocks. A read of such a local before
//! its block assigns it is the empty string's address.

use lumen_mir::{Function, Local, Operand, Rvalue, StmtKind, Terminator};

/// What the analysis needs to know about failure edges (see
/// `failure_paths::FailureEdges`).
pub(crate) struct FailureReads<'a> {
    /// The function has a landing with `defer` blocks, which reads every
    /// heap local.
    pub landing_reads_all: bool,
    /// The locals the shared cleanup releases (read by failure edges where
    /// they may hold a reference).
    pub releases: &'a [Local],
    /// For each block, the heap locals that certainly hold the empty string
    /// on entry (`None`: not reached from the entry).
    pub empty_on_entry: &'a [Option<Vec<bool>>],
}

/// For each local of `mir`, whether it is block-local (see the module doc).
/// Only the blocks marked in `emitted` are built, so only their reads count.
pub(crate) fn block_locals(mir: &Function, emitted: &[bool], failure: &FailureReads) -> Vec<bool> {
    let n = mir.locals.len();
    let heap: Vec<bool> = mir.locals.iter().map(|d| d.ty.is_heap()).collect();
    let mut ok = vec![true; n];
    // Parameters are defined before any block.
    for p in &mir.params {
        if let Some(o) = ok.get_mut(p.0 as usize) {
            *o = false;
        }
    }
    if failure.landing_reads_all {
        for (o, h) in ok.iter_mut().zip(&heap) {
            *o &= !h;
        }
    }
    // `assigned_in[l] == b` once block `b` has assigned `l`.
    let mut assigned_in = vec![usize::MAX; n];
    for (b, block) in mir.blocks.iter().enumerate() {
        if !emitted.get(b).copied().unwrap_or(true) {
            continue;
        }
        let mut empty = match failure.empty_on_entry.get(b).cloned().flatten() {
            Some(facts) if facts.len() == n => facts,
            _ => vec![false; n],
        };
        // The cleanup locals a failure edge in this block would read from
        // before the block: they must not be block-local.
        let mut from_before: Vec<Local> = failure
            .releases
            .iter()
            .copied()
            .filter(|l| !empty.get(l.0 as usize).copied().unwrap_or(true))
            .collect();
        let mut read = |l: Local, empty: &[bool], assigned_in: &[usize]| {
            let i = l.0 as usize;
            if i < n && assigned_in[i] != b && !(heap[i] && empty[i]) {
                ok[i] = false;
            }
        };
        for stmt in &block.stmts {
            let kind = &stmt.kind;
            match kind {
                StmtKind::Assign(_, rvalue) | StmtKind::Eval(rvalue) => {
                    rvalue.visit_reads(|l| read(l, &empty, &assigned_in))
                }
                StmtKind::Retain(l) | StmtKind::Release(l) => read(*l, &empty, &assigned_in),
                StmtKind::Store { base, value, .. } => {
                    read(*base, &empty, &assigned_in);
                    if let Operand::Local(l) = value {
                        read(*l, &empty, &assigned_in);
                    }
                }
            }
            if may_fail(kind) {
                // Each local enters `from_before` once per block, so
                // draining at the first failure keeps this linear.
                for l in from_before.drain(..) {
                    read(l, &empty, &assigned_in);
                }
            }
            if let StmtKind::Assign(dest, _) = kind {
                if let Some(a) = assigned_in.get_mut(dest.0 as usize) {
                    *a = b;
                }
            }
            crate::failure_paths::note_empty(kind, &mut empty);
        }
        match &block.terminator {
            Terminator::Branch {
                cond: Operand::Local(l),
                ..
            }
            | Terminator::Return(Operand::Local(l)) => read(*l, &empty, &assigned_in),
            _ => {}
        }
    }
    ok
}

/// Whether a statement may take a failure edge. Conservative: only moves,
/// reference counting and stores certainly cannot.
fn may_fail(kind: &StmtKind) -> bool {
    !matches!(
        kind,
        StmtKind::Assign(_, Rvalue::Use(_))
            | StmtKind::Retain(_)
            | StmtKind::Release(_)
            | StmtKind::Store { .. }
    )
}
