//! `lumenc`: the driver. It is the only part of the compiler that does I/O —
//! reading the source, writing outputs, running the linker and the compiled
//! program — and it turns every failure into the exit statuses of `spec/cli.md`:
//! 0 success, 1 the program has errors, 2 bad usage, 3 toolchain failure,
//! 101 internal compiler error.

mod cli;
mod compile;
mod interrupt;
mod link;
mod modules;
mod output;
mod stderr;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cli::{Command, Emit};
use compile::{Failure, Session};
use stderr::say;

/// The stack the compiler runs on. The checker, lowering and the drops of
/// their trees recurse on the depth of the syntax tree, which a long
/// `a + b + …` chain, `else if` chain or postfix chain makes as deep as it is
/// long; the parser bounds that depth (`lumen_syntax::MAX_TREE_DEPTH`), and
/// this stack holds the deepest tree it accepts, even in a debug build. Only
/// the pages touched are ever committed. `LUMENC_STACK_MB` overrides it (for
/// measuring).
const COMPILER_STACK_MB: usize = 4096;

fn main() -> ExitCode {
    let stack_mb = std::env::var("LUMENC_STACK_MB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(COMPILER_STACK_MB);
    let compiler = std::thread::Builder::new()
        .name("lumenc".into())
        .stack_size(stack_mb << 20)
        .spawn(compile_main);
    match compiler {
        Ok(thread) => thread.join().unwrap_or(ExitCode::from(101)),
        // No address space for the big stack: compile on this one.
        Err(_) => compile_main(),
    }
}

fn compile_main() -> ExitCode {
    let raw: Vec<String> = std::env::args().collect();
    let (command, args) = match cli::parse_args(raw) {
        Ok(parsed) => parsed,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(2),
            };
        }
    };
    // The compiler must never panic on user input; if it does, say so plainly
    // and name the input, with the status reserved for compiler bugs.
    let file = args.file.clone();
    interrupt::install();
    std::panic::set_hook(Box::new(|_| {}));
    match std::panic::catch_unwind(move || run(command, args)) {
        Ok(code) => code,
        Err(payload) => {
            let what = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            say!("internal compiler error: {what}");
            say!("  while compiling {}", file.display());
            say!("  this is a bug in lumenc; please report it with the input file");
            ExitCode::from(101)
        }
    }
}

fn run(command: Command, args: cli::Args) -> ExitCode {
    let session = match Session::new(&args) {
        Ok(s) => s,
        Err(failure) => return report(failure),
    };
    let result = match command {
        Command::Check => session.check(),
        Command::Build => build(&session, &args),
        Command::Run => build_and_run(&session, &args),
    };
    match result {
        Ok(code) => code,
        Err(failure) => report(failure),
    }
}

fn report(failure: Failure) -> ExitCode {
    match failure {
        Failure::Usage(msg) => {
            say!("error: {msg}");
            ExitCode::from(2)
        }
        // Diagnostics were already rendered.
        Failure::ProgramErrors => ExitCode::from(1),
        Failure::Toolchain(msg) => {
            say!("error: {msg}");
            ExitCode::from(3)
        }
        Failure::Internal { message, file } => {
            say!("internal compiler error: {message}");
            say!("  while compiling {file}");
            say!("  this is a bug in lumenc; please report it with the input file");
            ExitCode::from(101)
        }
    }
}

/// The default output: the source file name without `.lm`/`.lm.md`.
fn default_output(file: &Path) -> PathBuf {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name
        .strip_suffix(".lm.md")
        .or_else(|| name.strip_suffix(".lm"))
        .unwrap_or(&name)
        .to_string();
    PathBuf::from(if stem.is_empty() {
        "app".to_string()
    } else {
        stem
    })
}

fn build(session: &Session, args: &cli::Args) -> Result<ExitCode, Failure> {
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| default_output(&args.file));
    // Output files are checked before compiling: a source must never be
    // replaced, and a directory is bad usage, not a late linker failure.
    if args.emit.is_none() || args.output.is_some() {
        output::check(args.output.as_deref().unwrap_or(&output), &args.file)?;
    }
    match args.emit {
        Some(Emit::Tokens) | Some(Emit::Ast) => {
            session.emit_syntax(args.emit == Some(Emit::Tokens), args.output.as_deref())
        }
        Some(emit) => session.emit_backend(emit, args.output.as_deref()),
        None => {
            session.build_executable(&output)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn build_and_run(session: &Session, args: &cli::Args) -> Result<ExitCode, Failure> {
    let dir = std::env::temp_dir().join(format!("lumenc-run-{}", std::process::id()));
    // Registered before it exists, so an interruption at any point removes it.
    let dir = interrupt::TempPath::new(dir);
    std::fs::create_dir_all(dir.path())
        .map_err(|e| Failure::Toolchain(format!("cannot create {}: {e}", dir.path().display())))?;
    let exe = dir.path().join(default_output(&args.file));
    session.build_executable(&exe)?;
    let mut child = std::process::Command::new(&exe)
        .args(&args.program_args)
        .spawn()
        .map_err(|e| Failure::Toolchain(format!("cannot run {}: {e}", exe.display())))?;
    let status = {
        let _running = interrupt::RunningChild::new(child.id());
        child.wait()
    }
    .map_err(|e| Failure::Toolchain(format!("cannot run {}: {e}", exe.display())))?;
    drop(dir);
    use std::os::unix::process::ExitStatusExt;
    Ok(match (status.code(), status.signal()) {
        (Some(code), _) => ExitCode::from(code.clamp(0, 255) as u8),
        // Killed by a signal: end as it did if it was an interruption,
        // else report it the way a shell does.
        (None, Some(signal)) => {
            interrupt::end_like(signal);
            ExitCode::from((128 + signal).clamp(0, 255) as u8)
        }
        (None, None) => ExitCode::from(1),
    })
}
