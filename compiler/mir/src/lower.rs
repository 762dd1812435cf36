//! Lowering from typed HIR to MIR (written next).
