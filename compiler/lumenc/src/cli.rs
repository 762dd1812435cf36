//! Command-line arguments of `lumenc` (`spec/cli.md`).
//!
//! The bare form `lumenc app.lm -o app` and the sub-commands `build`, `run` and
//! `check` share one set of options, so the sub-command is taken off the front of
//! the argument list before `clap` sees the rest.

use std::path::PathBuf;

use clap::Parser;

/// What the user asked `lumenc` to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Compile to an executable (the bare form and `build`).
    Build,
    /// Compile to a temporary executable and run it.
    Run,
    /// Parse and type-check only.
    Check,
}

/// Intermediate forms `--emit` can write instead of an executable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Emit {
    Tokens,
    Ast,
    /// MIR as lowering produced it, before the optimisation passes.
    Mir,
    /// MIR after the optimisation passes the `-O` level selects.
    MirOpt,
    Clif,
    Obj,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Parser, Debug)]
#[command(
    name = "lumenc",
    version,
    about = "The Lumen ahead-of-time compiler",
    after_help = "Commands:\n  lumenc FILE [-o OUT]          compile to a native executable (same as `build`)\n  lumenc build FILE [-o OUT]    compile to a native executable\n  lumenc run FILE [-- ARGS…]    compile to a temporary file and run it\n  lumenc check FILE             parse and type-check only\n\nExit status: 0 success, 1 the program has errors, 2 bad usage, 3 toolchain failure."
)]
pub struct Args {
    /// The source file (`.lm` or `.lm.md`).
    pub file: PathBuf,

    /// Arguments passed to the program by `lumenc run FILE -- ARGS…`.
    #[arg(last = true)]
    pub program_args: Vec<String>,

    /// Output file (default: the file name without its extension).
    #[arg(short = 'o', value_name = "OUT")]
    pub output: Option<PathBuf>,

    /// Target triple: x86_64-unknown-linux-gnu or aarch64-unknown-linux-gnu (default: host).
    #[arg(long, value_name = "TRIPLE")]
    pub target: Option<String>,

    /// Stop after a stage and write its output instead of an executable.
    #[arg(long, value_enum)]
    pub emit: Option<Emit>,

    /// Optimisation: -O0 (no MIR passes, no inlining, Cranelift unoptimised),
    /// -O / -O2 (speed, the default).
    #[arg(short = 'O', value_name = "LEVEL", num_args = 0..=1, default_missing_value = "1")]
    pub opt: Option<String>,

    /// Link a fully static executable.
    #[arg(long = "static")]
    pub static_link: bool,

    /// Debug info: -g (default: the symbol table and unwind tables; DWARF
    /// line tables are not emitted yet) or -g0 (no symbol table).
    #[arg(short = 'g', value_name = "LEVEL", num_args = 0..=1, default_missing_value = "1")]
    pub debug: Option<String>,

    /// Deterministic scheduling (same as `@deterministic true`).
    #[arg(long)]
    pub deterministic: bool,

    /// Colour diagnostics.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorArg,

    /// `-W error`: warnings fail the build.
    #[arg(short = 'W', value_name = "KIND")]
    pub warnings: Option<String>,

    /// Linker to use (default: `cc` for the host, `aarch64-linux-gnu-gcc` for aarch64).
    #[arg(long, value_name = "PATH")]
    pub linker: Option<PathBuf>,
}

/// Splits the optional sub-command off the raw arguments and parses the rest.
pub fn parse_args(raw: Vec<String>) -> Result<(Command, Args), clap::Error> {
    let mut raw = raw;
    let mut command = Command::Build;
    if raw.len() > 1 {
        let sub = match raw[1].as_str() {
            "build" => Some(Command::Build),
            "run" => Some(Command::Run),
            "check" => Some(Command::Check),
            _ => None,
        };
        if let Some(sub) = sub {
            command = sub;
            raw.remove(1);
        }
    }
    let args = Args::try_parse_from(raw).map_err(|e| with_run_hint(e, command))?;
    Ok((command, args))
}

/// `lumenc run app.lm a b`: the program's arguments must follow `--`; say so
/// (clap already gives that tip for arguments that look like options).
fn with_run_hint(mut error: clap::Error, command: Command) -> clap::Error {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if command != Command::Run || error.kind() != ErrorKind::UnknownArgument {
        return error;
    }
    let Some(ContextValue::String(arg)) = error.get(ContextKind::InvalidArg) else {
        return error;
    };
    if arg.starts_with('-') {
        return error;
    }
    let tip = format!("arguments for the program go after `--`: `lumenc run FILE -- {arg} …`");
    error.insert(
        ContextKind::Suggested,
        ContextValue::StyledStrs(vec![tip.into()]),
    );
    error
}
