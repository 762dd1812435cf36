//! Support for the end-to-end tests: locating `lumenc`, running a program and
//! comparing what it did with the expectation files beside it.
//!
//! A test program `tests/programs/AREA/NAME.lm` has, beside it:
//! * `NAME.out` — the expected stdout of the compiled program (absent = empty);
//! * `NAME.err` — the expected stderr (runtime error text, or the compiler's
//!   diagnostics when the program must not compile; absent = empty);
//! * `NAME.status` — `run N` or `compile N` when the program or the compiler must
//!   exit with a non-zero status `N` (absent = `run 0`);
//! * `NAME.flags` — extra `lumenc` options, separated by white space (for
//!   example `--deterministic`, or `-W error` to see a program's warnings in
//!   `NAME.err`); absent = none.
//!
//! `UPDATE_EXPECT=1` rewrites these files from what actually happened (review the
//! diff before committing). `LUMEN_TEST_TARGET=aarch64-unknown-linux-gnu` builds
//! for aarch64 and runs under `qemu-aarch64`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Whether compiled programs run under valgrind's leak checker
/// (`LUMEN_TEST_VALGRIND=1`): a definite leak or a memory error fails the test.
pub fn valgrind_mode() -> bool {
    std::env::var("LUMEN_TEST_VALGRIND").is_ok_and(|v| v == "1")
}

/// The target the suite builds for (`LUMEN_TEST_TARGET`, default: host).
pub fn test_target() -> Option<String> {
    std::env::var("LUMEN_TEST_TARGET")
        .ok()
        .filter(|t| !t.is_empty())
}

/// The optimisation level the suite compiles with (`LUMEN_TEST_OPT=0` gives
/// `-O0`; default: lumenc's default), so the programs can be checked
/// without the optional passes too.
pub fn test_opt_level() -> Option<String> {
    std::env::var("LUMEN_TEST_OPT")
        .ok()
        .filter(|o| !o.is_empty())
}

/// Finds the `lumenc` binary built in the same target directory as the test.
pub fn lumenc_path() -> Result<PathBuf, String> {
    if let Ok(p) = std::env::var("LUMENC") {
        return Ok(PathBuf::from(p));
    }
    // The test executable lives in target/<profile>/deps/.
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("cannot locate the target directory")?;
    let lumenc = profile_dir.join("lumenc");
    if lumenc.exists() {
        Ok(lumenc)
    } else {
        Err(format!(
            "{} does not exist: build it first with `cargo build -p lumenc -p lumen_rt` (tools/test-all does)",
            lumenc.display()
        ))
    }
}

/// The exit status valgrind reports a leak or memory error with.
pub const VALGRIND_ERROR_STATUS: i32 = 97;

/// What one program did, in the form of the expectation files.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    /// `run N` or `compile N`.
    pub status: String,
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn status_code(output: &Output) -> String {
    match output.status.code() {
        Some(c) => c.to_string(),
        None => format!(
            "signal({:?})",
            std::os::unix::process::ExitStatusExt::signal(&output.status)
        ),
    }
}

/// Compiles and runs one program; compilation happens in the program's directory
/// so diagnostics name the file as `NAME.lm`.
pub fn run_program(lumenc: &Path, source: &Path, scratch: &Path) -> Result<Outcome, String> {
    run_program_with_env(lumenc, source, scratch, &[])
}

/// [`run_program`], running the program with extra environment variables
/// (the tool tests point `LUMEN_CONFIG` at their mock server).
pub fn run_program_with_env(
    lumenc: &Path,
    source: &Path,
    scratch: &Path,
    env: &[(String, String)],
) -> Result<Outcome, String> {
    let dir = source.parent().ok_or("source has no directory")?;
    let file_name = source.file_name().ok_or("source has no file name")?;
    let stem = file_name
        .to_string_lossy()
        .replace(".lm.md", "")
        .replace(".lm", "");
    let target = test_target();
    // Named after the whole path: tests in different directories may share
    // a file name, and they run in parallel.
    let unique = dir.to_string_lossy().replace(['/', '\\'], "_");
    let exe = scratch.join(format!(
        "{unique}_{stem}-{}",
        target.as_deref().unwrap_or("host")
    ));
    let mut compile = Command::new(lumenc);
    compile
        .current_dir(dir)
        .arg("build")
        .arg(file_name)
        .arg("-o")
        .arg(&exe)
        .arg("--color")
        .arg("never");
    if let Some(t) = &target {
        compile.arg("--target").arg(t);
    }
    if let Some(level) = test_opt_level() {
        compile.arg(format!("-O{level}"));
    }
    if let Ok(flags) = std::fs::read_to_string(sibling(source, "flags")) {
        compile.args(flags.split_whitespace());
    }
    let out = compile
        .output()
        .map_err(|e| format!("cannot run {}: {e}", lumenc.display()))?;
    if !out.status.success() {
        return Ok(Outcome {
            stdout: text(&out.stdout),
            stderr: text(&out.stderr),
            status: format!("compile {}", status_code(&out)),
        });
    }
    let mut run = match target.as_deref() {
        Some(t) if t.starts_with("aarch64") && !cfg!(target_arch = "aarch64") => {
            let mut c = Command::new("qemu-aarch64");
            c.arg("-L").arg("/usr/aarch64-linux-gnu").arg(&exe);
            c
        }
        _ if valgrind_mode() => {
            let mut c = Command::new("valgrind");
            c.args([
                "--quiet",
                "--leak-check=full",
                "--errors-for-leak-kinds=definite",
                &format!("--error-exitcode={VALGRIND_ERROR_STATUS}"),
                // Tasks switch between `main`'s stack, the shared stack
                // and the small stacks a canceller steps aside onto, which
                // may lie close together: valgrind takes a stack-pointer
                // move below `--max-stackframe` (default 2 MB) for a
                // frame, not a switch, and reports the other stack as
                // uninitialised. Generated frames stay far below 200 kB;
                // a step-aside stack is 256 KiB, so a switch onto one from
                // a stack mapped right next to it moves further than that.
                "--max-stackframe=200000",
            ])
            .arg(&exe);
            c
        }
        _ => Command::new(&exe),
    };
    let out = run
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    let _ = std::fs::remove_file(&exe);
    Ok(Outcome {
        stdout: text(&out.stdout),
        stderr: text(&out.stderr),
        status: format!("run {}", status_code(&out)),
    })
}

/// The expectation files of a program.
pub fn expected(source: &Path) -> Outcome {
    let read = |ext: &str| std::fs::read_to_string(sibling(source, ext)).unwrap_or_default();
    let status = read("status").trim().to_string();
    Outcome {
        stdout: read("out"),
        stderr: read("err"),
        status: if status.is_empty() {
            "run 0".to_string()
        } else {
            status
        },
    }
}

/// Writes the expectation files from an outcome (`UPDATE_EXPECT=1`).
pub fn write_expected(source: &Path, outcome: &Outcome) -> std::io::Result<()> {
    let write = |ext: &str, content: &str, keep_if: bool| -> std::io::Result<()> {
        let path = sibling(source, ext);
        if keep_if {
            std::fs::write(path, content)
        } else {
            match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            }
        }
    };
    write("out", &outcome.stdout, !outcome.stdout.is_empty())?;
    write("err", &outcome.stderr, !outcome.stderr.is_empty())?;
    write(
        "status",
        &format!("{}\n", outcome.status),
        outcome.status != "run 0",
    )
}

/// `dir/NAME.lm` (or `NAME.lm.md`) → `dir/NAME.ext`.
pub fn sibling(source: &Path, ext: &str) -> PathBuf {
    let name = source.file_name().unwrap_or_default().to_string_lossy();
    let stem = name
        .strip_suffix(".lm.md")
        .or_else(|| name.strip_suffix(".lm"))
        .unwrap_or(&name);
    source.with_file_name(format!("{stem}.{ext}"))
}

/// Every test program under `root`, sorted.
/// What a suite of program tests needs: the tree of programs, a scratch
/// directory for the binaries, and whether expectations are being
/// regenerated (`UPDATE_EXPECT=1`).
pub struct Suite {
    pub root: PathBuf,
    pub scratch: PathBuf,
    pub update: bool,
}

impl Suite {
    /// The suite of `tests/DIR`, building in a scratch directory named
    /// after `scratch_prefix` and the process.
    pub fn new(dir: &str, scratch_prefix: &str) -> Suite {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let scratch = std::env::temp_dir().join(format!("{scratch_prefix}-{}", std::process::id()));
        std::fs::create_dir_all(&scratch).expect("cannot create a scratch directory");
        Suite {
            root,
            scratch,
            update: std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1"),
        }
    }

    /// The test name of `path`: its path under the root.
    pub fn name(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned()
    }
}

pub fn collect_programs(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                // A `src/` directory holds modules imported by the tests
                // beside it (the import search path), not tests.
                if path.file_name().is_some_and(|n| n == "src") {
                    continue;
                }
                stack.push(path);
            } else {
                let name = path.to_string_lossy();
                if name.ends_with(".lm") || name.ends_with(".lm.md") {
                    found.push(path);
                }
            }
        }
    }
    found.sort();
    found
}

/// A readable explanation of how an outcome differs from the expectation.
pub fn describe_mismatch(expected: &Outcome, actual: &Outcome) -> String {
    let mut msg = String::new();
    for (what, e, a) in [
        ("status", &expected.status, &actual.status),
        ("stdout", &expected.stdout, &actual.stdout),
        ("stderr", &expected.stderr, &actual.stderr),
    ] {
        if e != a {
            msg.push_str(&format!(
                "--- {what} expected:\n{e}\n--- {what} actual:\n{a}\n"
            ));
        }
    }
    msg.push_str("(set UPDATE_EXPECT=1 to accept the actual output, then review the diff)");
    msg
}
