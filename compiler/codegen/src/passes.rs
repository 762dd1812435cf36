//! The Cranelift-IR rewrites of code generation, declared in one table,
//! [`CLIF_PASSES`], with the stage each runs at and whether `-O0` skips it.
//!
//! They are not uniform functions over `ir::Function` like the MIR passes
//! (`lumen_mir::optimize::PASSES`): some decide how a MIR statement is
//! emitted while the function is built, some rewrite the built function,
//! and inlining works on the whole program. The table names them all so the
//! pipeline can be read in one place (ARCHITECTURE.md lists it too), and
//! [`PassSet`] says which ones one compilation runs. The optional ones are
//! semantics-preserving: a program gives the same output without them
//! (`LUMEN_TEST_OPT=0` runs the end-to-end suite so), which is what lets
//! `-O0` skip them to compile faster.

use crate::OptLevel;

/// One Cranelift-IR rewrite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClifPassId {
    /// [`crate::inline`]: small cells inlined into their callers, callees first.
    Inline,
    /// [`crate::ranges`]: Int ranges implied by branches drop overflow
    /// checks that cannot fail.
    Ranges,
    /// [`crate::fast_paths`]: the common case of retain/release and of the
    /// list, string and unshare runtime calls inline, the call kept cold.
    FastPaths,
    /// [`crate::float_pow`]: `x ** 0.5` as an inline square root.
    FloatPow,
    /// [`crate::frozen_lists`]: a frozen list's reads reuse the `len`/`data`
    /// loads made where the local is assigned.
    FrozenLists,
    /// [`crate::float_loads`]: a Float read from a slot is loaded as a float.
    FloatLoads,
}

/// When a rewrite runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Over the whole program, choosing how each function is built.
    Program,
    /// While one MIR function is turned into Cranelift IR.
    WhileBuilding,
    /// On the built function, before Cranelift compiles it.
    AfterBuilding,
}

/// A row of [`CLIF_PASSES`].
#[derive(Clone, Copy, Debug)]
pub struct ClifPass {
    pub id: ClifPassId,
    pub name: &'static str,
    pub stage: Stage,
    /// Skipped at `-O0`.
    pub optional: bool,
}

/// Every Cranelift-IR rewrite, in the order they apply to a function.
pub const CLIF_PASSES: &[ClifPass] = &[
    ClifPass {
        id: ClifPassId::Inline,
        name: "inline",
        stage: Stage::Program,
        optional: true,
    },
    ClifPass {
        id: ClifPassId::Ranges,
        name: "ranges",
        stage: Stage::WhileBuilding,
        optional: true,
    },
    // Not skipped at -O0: the inline code is how these runtime calls and
    // counting statements are emitted today (its slow path is the call).
    ClifPass {
        id: ClifPassId::FastPaths,
        name: "fast_paths",
        stage: Stage::WhileBuilding,
        optional: false,
    },
    ClifPass {
        id: ClifPassId::FloatPow,
        name: "float_pow",
        stage: Stage::WhileBuilding,
        optional: true,
    },
    ClifPass {
        id: ClifPassId::FrozenLists,
        name: "frozen_lists",
        stage: Stage::AfterBuilding,
        optional: true,
    },
    ClifPass {
        id: ClifPassId::FloatLoads,
        name: "float_loads",
        stage: Stage::AfterBuilding,
        optional: true,
    },
];

/// The rewrites one compilation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PassSet {
    bits: u32,
}

impl PassSet {
    /// Every rewrite of [`CLIF_PASSES`].
    pub fn all() -> Self {
        Self::from_table(|_| true)
    }

    /// The rewrites `level` runs: all of them, or only the required ones
    /// at [`OptLevel::None`].
    pub fn for_level(level: OptLevel) -> Self {
        Self::from_table(|p| !p.optional || level == OptLevel::Speed)
    }

    fn from_table(keep: impl Fn(&ClifPass) -> bool) -> Self {
        let bits = CLIF_PASSES
            .iter()
            .filter(|p| keep(p))
            .fold(0, |bits, p| bits | 1 << p.id as u32);
        PassSet { bits }
    }

    pub fn runs(self, id: ClifPassId) -> bool {
        self.bits & (1 << id as u32) != 0
    }
}

impl Default for PassSet {
    fn default() -> Self {
        Self::all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn o0_keeps_only_the_required_rewrites() {
        let o0 = PassSet::for_level(OptLevel::None);
        let speed = PassSet::for_level(OptLevel::Speed);
        for p in CLIF_PASSES {
            assert_eq!(o0.runs(p.id), !p.optional, "{}", p.name);
            assert!(speed.runs(p.id), "{}", p.name);
        }
        assert_eq!(speed, PassSet::all());
    }
}
