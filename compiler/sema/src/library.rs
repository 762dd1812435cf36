//! The builtin library: builtins that are plain runtime calls (`upper`,
//! `split`, `sqrt`, `sort`, …), as opposed to the builtins the checker and
//! lowering treat specially (`print`, `len`, `append`, …).
//!
//! The checker asks [`is_library`] whether a name is one of them and then
//! [`crate::check`] types the call through `Checker::check_library`
//! (`check/library.rs`); lowering turns a [`LibraryCall`] into the runtime call
//! (`lumen_mir::lower::library`).

use crate::hir::Expr;

/// A checked call of a library builtin.
#[derive(Clone, Debug)]
pub struct LibraryCall {
    /// The builtin's name as written (`upper`, `split`, …).
    pub name: &'static str,
    /// The arguments, checked and converted to the parameter types.
    pub args: Vec<Expr>,
}

/// Whether `name` is a library builtin this version compiles.
pub fn is_library(name: &str) -> bool {
    let _ = name;
    false
}
