//! Cranelift settings and target ISA lookup.
//!
//! Every generated object is linked into a position-independent executable
//! (Debian's `cc` builds PIE by default), so code must never need a text
//! relocation (see [`build`] for how `is_pic` achieves that per target). The ISA uses the baseline feature set of each architecture rather
//! than the build machine's CPU, so an executable runs on any machine of its
//! target.

use std::str::FromStr;

use cranelift_codegen::isa::{self, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use target_lexicon::Triple;

use crate::{supported_targets, CodegenError, OptLevel};

/// Builds the target ISA for `triple` with our flags.
///
/// Why these flags: `is_pic` on x86_64 for PIE (a text relocation fails the
/// link, see `link.rs`; GNU ld relaxes the `GOTPCRELX` loads of symbols the
/// executable defines into `lea`, so they cost no GOT access). On aarch64
/// Cranelift's PIC mode loads *every* symbol address from the GOT, even
/// colocated ones (`adrp; ldr`), and ld does not relax that; without
/// `is_pic`, colocated symbols — all of ours: cells, runtime functions,
/// `lm_stack_limit`, literals — are addressed PC-relatively (`adrp; add`,
/// `bl`), which is position-independent for symbols defined in the
/// executable, so the prologue's stack check loads the limit directly. A
/// non-colocated name would become an absolute relocation, which the link's
/// `-z text` rejects rather than miscompiles. `opt_level` from the options; the IR verifier only in debug
/// builds of the compiler because it costs 20–40 % of compile time;
/// `unwind_info` so `.eh_frame` can be emitted and coroutine stacks can be
/// unwound through generated frames.
pub fn build(triple: &Triple, opt_level: OptLevel) -> Result<OwnedTargetIsa, CodegenError> {
    let name = triple.to_string();
    if !supported_targets().contains(&name.as_str()) {
        return Err(CodegenError::new(format!(
            "unsupported target `{name}` (supported: {})",
            supported_targets().join(", ")
        )));
    }

    let mut flags = settings::builder();
    let set = |flags: &mut settings::Builder, key: &str, value: &str| {
        flags
            .set(key, value)
            .map_err(|e| CodegenError::new(format!("cranelift setting {key}={value}: {e}")))
    };
    let pic = if name.starts_with("aarch64") {
        "false"
    } else {
        "true"
    };
    set(&mut flags, "is_pic", pic)?;
    set(
        &mut flags,
        "opt_level",
        match opt_level {
            OptLevel::None => "none",
            OptLevel::Speed => "speed",
        },
    )?;
    set(
        &mut flags,
        "enable_verifier",
        if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        },
    )?;
    set(&mut flags, "unwind_info", "true")?;
    // Frame pointers keep `perf` and gdb backtraces usable through generated
    // frames; Cranelift sets up a frame in every non-leaf function anyway, so
    // this only costs something in small leaf functions.
    set(&mut flags, "preserve_frame_pointers", "true")?;

    let builder = isa::lookup(triple.clone())
        .map_err(|e| CodegenError::new(format!("no Cranelift back end for `{name}`: {e}")))?;
    builder
        .finish(settings::Flags::new(flags))
        .map_err(|e| CodegenError::new(format!("cannot configure `{name}`: {e}")))
}

/// Parses a target name as given on the command line.
pub fn parse_triple(name: &str) -> Result<Triple, CodegenError> {
    Triple::from_str(name).map_err(|e| CodegenError::new(format!("invalid target `{name}`: {e}")))
}
