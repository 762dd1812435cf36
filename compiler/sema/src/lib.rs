//! Semantic analysis: name resolution and type checking of a parsed Lumen
//! program, producing typed HIR ([`hir`]) and diagnostics.
//!
//! The entry point is [`check`]. It is a pure function of the syntax tree: no
//! I/O, no printing; every problem becomes a [`lumen_diagnostics::Diagnostic`].

pub mod builtins;
mod check;
mod format_spec;
pub mod hir;
pub mod library;
mod scope;
pub mod types;

pub use check::{check, check_modules, check_modules_with, codes, Module, Options};
