//! Code generation: MIR → Cranelift IR → relocatable object file.
//!
//! The crate is a pure function from a [`lumen_mir::Program`] to the bytes of an
//! ELF object (plus, on request, the annotated CLIF text); the driver writes the
//! file and links it with the runtime (`lumenc/src/link.rs`). No file I/O here.
//!
//! One module per concern, in the spirit of rustc_codegen_cranelift. The
//! modules form layers, each using only those listed before it:
//!
//! 1. Facts and tables: [`isa`], [`runtime_imports`], [`data`], [`unwind`],
//!    [`ranges`], [`passes`], [`signature`], and what is known about one
//!    function before it is built: [`slot_facts`], [`failure_paths`],
//!    [`frozen_lists`] and [`float_loads`] (IR rewrites after building).
//! 2. [`object`]: the module that everything is declared in and compiled to.
//! 3. [`function`]: the builder of one function (`FnCx`) and the MIR
//!    statements and terminators.
//! 4. Parts of the builder, as methods of `FnCx`: [`checked_arith`],
//!    [`fast_paths`], [`float_pow`], [`failure_edges`], [`stack_check`].
//! 5. Whole functions: [`inline`] and [`entry`]; then [`clif_text`].
//!
//! The modules:
//!
//! * [`isa`]: Cranelift settings and ISA lookup for each supported target.
//! * [`runtime_imports`]: declares every function of
//!   [`lumen_abi::RUNTIME_FUNCTIONS`]; the only place runtime signatures come from.
//! * [`data`]: string literal objects and `SourceLoc` statics, deduplicated.
//! * [`signature`]: the Cranelift type of each MIR type, the signatures of
//!   a cell and of the program entry.
//! * [`slot_facts`]: element layouts behind slots, alias regions, slot
//!   addresses — what the fast paths know before building.
//! * [`failure_paths`]: the landing's shape, the locals that certainly hold
//!   the empty string, the blocks only a failure reaches.
//! * [`function`]: builds one `ir::Function` from one MIR function.
//! * [`passes`]: the table of the Cranelift-IR rewrites below (`inline`,
//!   `ranges`, `fast_paths`, `float_pow`, `frozen_lists`, `float_loads`),
//!   their stages and which ones `-O0` skips.
//! * [`inline`]: inlining of small cells (and one level of self-recursion)
//!   on Cranelift IR, before compilation.
//! * [`failure_edges`]: where a failing call goes (the cleanup blocks or
//!   the MIR landing).
//! * [`fast_paths`]: inline fast paths for reference counting and list
//!   `len`/`get`/`set`/`push`, with the runtime call in a cold block.
//! * [`frozen_lists`]: the length and buffer of a list that nothing changes
//!   in a loop are loaded once, before it.
//! * [`float_loads`]: a Float read from a slot is loaded as a float.
//! * [`float_pow`]: `x ** 0.5` as an inline square root.
//! * [`checked_arith`]: inline overflow/zero/range checks with cold error blocks.
//! * [`ranges`]: Int ranges implied by dominating branches, so checks that
//!   cannot fire are not emitted.
//! * [`stack_check`]: the prologue's comparison against `lm_stack_limit`.
//! * [`entry`]: defines [`lumen_abi::PROGRAM_ENTRY`], the runtime's way in.
//! * [`clif_text`]: `--emit clif`, annotated with `.lm` source lines.
//! * [`object`]: the cranelift-object module: declare everything, define, emit.
//! * [`unwind`]: position-independent `.eh_frame` for every generated function.
//!
//! **Invariant:** compilation is two separate steps per function, as in
//! rustc_codegen_cranelift: [`function::build`] returns an `ir::Function`, then
//! [`object::Emitter::define_function`] compiles it and turns Cranelift's errors
//! into a [`CodegenError`] naming the function.

pub mod block_values;
pub mod checked_arith;
pub mod clif_text;
pub mod data;
pub mod entry;
pub mod failure_edges;
pub mod failure_paths;
pub mod fast_paths;
pub mod float_loads;
pub mod float_pow;
pub mod frozen_lists;
pub mod function;
pub mod inline;
pub mod isa;
pub mod object;
pub mod passes;
pub mod ranges;
pub mod runtime_imports;
pub mod signature;
pub mod slot_facts;
pub mod stack_check;
pub mod unwind;

use std::fmt;

pub use target_lexicon::Triple;

/// How hard Cranelift optimises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OptLevel {
    /// `-O0`: fastest compile, for inspecting generated code: Cranelift
    /// does not optimise and the optional rewrites of [`passes`] are skipped.
    None,
    /// The default: Cranelift's `opt_level=speed` (egraph optimisations)
    /// and every rewrite of [`passes::CLIF_PASSES`].
    #[default]
    Speed,
}

/// What to generate and for which machine.
#[derive(Clone, Debug)]
pub struct CodegenOptions {
    pub target: Triple,
    pub opt_level: OptLevel,
    /// Also return the CLIF text of every function (`--emit clif`).
    pub emit_clif: bool,
}

impl CodegenOptions {
    /// Options for the machine the compiler runs on, optimised, without CLIF.
    pub fn host() -> Self {
        CodegenOptions {
            target: Triple::host(),
            opt_level: OptLevel::Speed,
            emit_clif: false,
        }
    }
}

/// The result of code generation: the object file's bytes and, when asked
/// for, the annotated CLIF of every function.
#[derive(Debug)]
pub struct CodegenOutput {
    pub object: Vec<u8>,
    pub clif: Option<String>,
}

/// A code generation failure. MIR that satisfies its documented invariants
/// never produces one except for an unsupported target; anything else is a
/// compiler bug, reported with the function it happened in rather than a panic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodegenError {
    message: String,
}

impl CodegenError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        CodegenError {
            message: message.into(),
        }
    }

    /// An error about one function, so the message says where it happened.
    pub(crate) fn in_function(name: &str, message: impl fmt::Display) -> Self {
        CodegenError::new(format!("in function `{name}`: {message}"))
    }

    /// The readable message (without an `error:` prefix).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CodegenError {}

/// The target triples this code generator (and the runtime) support, so the
/// driver can validate `--target` and list the choices in its message.
pub fn supported_targets() -> &'static [&'static str] {
    &["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"]
}

/// Compiles a whole program to one object file.
///
/// The object defines every MIR function (local symbols) and the exported
/// [`lumen_abi::PROGRAM_ENTRY`]; it imports the runtime functions and
/// `lm_stack_limit` and must be linked with `liblumen_rt.a` for the same
/// target. All symbols are declared before any function is defined, so calls
/// may go forward or backward in [`lumen_mir::Program::functions`].
pub fn compile_program(
    program: &lumen_mir::Program,
    options: &CodegenOptions,
) -> Result<CodegenOutput, CodegenError> {
    let isa = isa::build(&options.target, options.opt_level)?;
    let mut emitter = object::Emitter::new(isa, program)?;
    emitter.passes = passes::PassSet::for_level(options.opt_level);
    let mut clif = options.emit_clif.then(String::new);

    let inline = emitter.passes.runs(passes::ClifPassId::Inline);
    let all = inline::build_all(&mut emitter, program, inline)?;
    for (index, (mir_fn, built)) in program.functions.iter().zip(all).enumerate() {
        if let Some(text) = clif.as_mut() {
            clif_text::write_function(text, &built, &program.file_name);
        }
        emitter.define_function(emitter.cell_id(index), &mir_fn.name, built.func)?;
    }

    let entry_fn = entry::build(&mut emitter, program)?;
    if let Some(text) = clif.as_mut() {
        clif_text::write_function(text, &entry_fn, &program.file_name);
    }
    let entry_id = emitter.program_entry_id();
    emitter.define_function(entry_id, lumen_abi::PROGRAM_ENTRY, entry_fn.func)?;

    let object = emitter.finish()?;
    Ok(CodegenOutput { object, clif })
}
