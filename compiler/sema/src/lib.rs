//! Semantic analysis: name resolution and type checking of a parsed Lumen
//! program, producing typed HIR ([`hir`]) and diagnostics.

pub mod hir;
pub mod types;
