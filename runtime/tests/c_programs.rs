//! Links the C programs in `tests/c/` against the runtime static library, the
//! way `lumenc` links a compiled program, runs them and checks stdout, stderr
//! and the exit status.
//!
//! The C files stand in for generated code: each defines `lm_program_main`
//! and calls `lm_*` functions. The host archive is the one cargo builds for
//! this test run (`target/debug/liblumen_rt.a`). The same programs also run
//! for aarch64 under `qemu-aarch64` when the cross archive and tools exist;
//! build it first with `cargo build -p lumen_rt --target
//! aarch64-unknown-linux-gnu` (otherwise those runs are skipped with a note).
//!
//! This file does not use `lumen_rt` as a Rust library: linking the rlib into
//! a test binary would bring the runtime's C `main` along.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The native libraries of the staticlib, from
/// `cargo rustc -p lumen_rt --crate-type staticlib -- --print native-static-libs`.
const NATIVE_LIBS: &[&str] = &[
    "-lgcc_s",
    "-lutil",
    "-lrt",
    "-lpthread",
    "-lm",
    "-ldl",
    "-lc",
];

struct Target {
    triple: &'static str,
    cc: &'static str,
    archive: PathBuf,
    /// Command prefix to run a binary (an emulator), if any.
    runner: Vec<String>,
}

/// `target/` from this test binary's path: `target/debug/deps/c_programs-…`.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.ancestors().nth(3).expect("target dir").to_path_buf()
}

fn has_tool(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn host() -> Target {
    let profile_dir = std::env::current_exe()
        .unwrap()
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf();
    Target {
        triple: "host",
        cc: "cc",
        archive: profile_dir.join("liblumen_rt.a"),
        runner: Vec::new(),
    }
}

fn aarch64() -> Option<Target> {
    let archive = target_dir().join("aarch64-unknown-linux-gnu/debug/liblumen_rt.a");
    if std::env::consts::ARCH == "aarch64" {
        return None; // the host run covers it
    }
    if !archive.exists() || !has_tool("aarch64-linux-gnu-gcc") || !has_tool("qemu-aarch64") {
        eprintln!(
            "note: skipping aarch64 (needs {} and aarch64-linux-gnu-gcc, qemu-aarch64)",
            archive.display()
        );
        return None;
    }
    Some(Target {
        triple: "aarch64-unknown-linux-gnu",
        cc: "aarch64-linux-gnu-gcc",
        archive,
        runner: vec![
            "qemu-aarch64".into(),
            "-L".into(),
            "/usr/aarch64-linux-gnu".into(),
        ],
    })
}

fn targets() -> Vec<Target> {
    std::iter::once(host()).chain(aarch64()).collect()
}

fn c_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c")
}

/// Compiles and links `tests/c/NAME.c` for `target`; returns the executable.
fn build(name: &str, target: &Target) -> PathBuf {
    assert!(
        target.archive.exists(),
        "{} is missing: cargo builds it with the library",
        target.archive.display()
    );
    // One directory per program and target: tests run in parallel, and each
    // removes its directory when done (a shared one could vanish mid-link).
    let out_dir = std::env::temp_dir().join(format!(
        "lumen_rt_c_{}_{name}_{}",
        std::process::id(),
        target.triple
    ));
    std::fs::create_dir_all(&out_dir).unwrap();
    let exe = out_dir.join(format!("{name}-{}", target.triple));
    let output = Command::new(target.cc)
        .arg("-O0")
        .arg("-I")
        .arg(c_dir())
        .arg(c_dir().join(format!("{name}.c")))
        .arg(&target.archive)
        .args(NATIVE_LIBS)
        .args(["-Wl,--gc-sections", "-Wl,-z,text", "-o"])
        .arg(&exe)
        .output()
        .expect("running the C compiler");
    assert!(
        output.status.success(),
        "linking {name} for {} failed:\n{}",
        target.triple,
        String::from_utf8_lossy(&output.stderr)
    );
    exe
}

fn command(exe: &Path, target: &Target) -> Command {
    match target.runner.split_first() {
        Some((runner, args)) => {
            let mut c = Command::new(runner);
            c.args(args).arg(exe);
            c
        }
        None => Command::new(exe),
    }
}

fn run(name: &str, target: &Target) -> Output {
    let exe = build(name, target);
    let out = command(&exe, target).output().expect("running the program");
    // Debug executables are several MB each: do not let them pile up.
    remove(&exe);
    out
}

/// Deletes an executable and its (per-program) directory.
fn remove(exe: &Path) {
    let _ = std::fs::remove_file(exe);
    if let Some(dir) = exe.parent() {
        let _ = std::fs::remove_dir(dir);
    }
}

/// Runs `name` on every target and checks stdout, stderr and status.
fn check(name: &str, stdout: &str, stderr: &str, status: i32) {
    for target in targets() {
        let out = run(name, &target);
        let (o, e) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(o, stdout, "stdout of {name} on {}", target.triple);
        assert_eq!(e, stderr, "stderr of {name} on {}", target.triple);
        assert_eq!(
            out.status.code(),
            Some(status),
            "status of {name} on {} ({})",
            target.triple,
            out.status
        );
    }
}

#[test]
fn hello_prints_and_returns_its_status() {
    check(
        "hello",
        "hello, wörld\n-42 0.30000000000000004 100000000000000000000 -0.0 true null\n\
         7 | 2.5 | 00042 | 3.14\n12 ö 81 1.0\n",
        "",
        3,
    );
}

#[test]
fn runtime_error_flushes_stdout_then_reports() {
    check(
        "runtime_error",
        "before\n",
        "error: negative exponent\n  --> app.lm:3:7\n   = in cell main\n",
        1,
    );
}

#[test]
fn string_index_out_of_bounds() {
    check(
        "index_error",
        "",
        "error: index 5 out of bounds for string of length 2\n  --> dir/app.lm:12:15\n   = in cell pick\n",
        1,
    );
}

#[test]
fn list_index_out_of_bounds() {
    check(
        "list_index_error",
        "10\n",
        "error: index 5 out of bounds for list of length 2\n  --> app.lm:4:9\n   = in cell main\n",
        1,
    );
}

#[test]
fn compound_values_print_compare_and_copy_on_write() {
    check(
        "values",
        concat!(
            r#"[Point(x: 0, label: "origin \"0\""), Point(x: -3, label: "a\tb")]"#,
            "\n",
            r#"[Empty, Circle(radius: 1.0), Custom(5, "a\tb")]"#,
            "\nGreen\n",
            r#"false [Point(x: -3, label: "a\tb"), Point(x: -3, label: "a\tb")]"#,
            "\n4\n",
        ),
        "",
        0,
    );
}

#[test]
fn maps_sets_and_tuples() {
    check(
        "collections",
        concat!(
            "{}\n",
            r#"{"apple": [(1, "red"), (2, "green \"g\"")], "fig": [], "kiwi": [(1, "red"), (2, "green \"g\"")]}"#,
            "\n3 2 false false\nfig 0\nkiwi 2\n",
            r#"["apple", "fig", "kiwi"]"#,
            "\n",
            r#"[(1, "red"), (2, "green \"g\"")]"#,
            "\n{1, 3, 4, 5, 9}\n{3, 5}\n{1, 9}\nset[]\n[1, 9]\n(7,)\n-1\n",
        ),
        "",
        0,
    );
}

#[test]
fn halt_prints_the_message() {
    check(
        "halt",
        "1\n",
        "error: boom\n  --> app.lm:2:3\n   = in cell main\n",
        1,
    );
}

#[test]
fn exit_flushes_and_uses_the_code() {
    check("exit", "0\n1\n2\n", "", 42);
}

#[test]
fn stack_overflow_by_the_prologue_check() {
    check(
        "overflow_checked",
        "",
        "error: stack overflow in cell recurse\n  --> app.lm:5:1\n   = in cell recurse\n",
        1,
    );
}

#[test]
fn stack_overflow_by_the_guard_page() {
    check("overflow_unchecked", "1\n", "error: stack overflow\n", 1);
}

#[test]
fn other_faults_stay_crashes() {
    use std::os::unix::process::ExitStatusExt;
    for target in targets() {
        let out = run("segfault", &target);
        let e = String::from_utf8_lossy(&out.stderr);
        assert!(
            e.starts_with("internal runtime error: invalid memory access at 0x0000000000000010\n"),
            "stderr on {}: {e}",
            target.triple
        );
        // Killed by SIGSEGV (qemu-user re-raises the guest's signal).
        assert_eq!(
            out.status.signal(),
            Some(libc_sigsegv()),
            "{}: {}",
            target.triple,
            out.status
        );
    }
}

fn libc_sigsegv() -> i32 {
    11
}

#[test]
fn internal_errors_abort_with_a_note() {
    use std::os::unix::process::ExitStatusExt;
    for target in targets() {
        let out = run("internal_error", &target);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "5\n",
            "{}",
            target.triple
        );
        // qemu-user adds its own line about the signal.
        let e = String::from_utf8_lossy(&out.stderr);
        assert!(
            e.starts_with("internal runtime error: unknown runtime error code 999\n"),
            "stderr on {}: {e}",
            target.triple
        );
        assert_eq!(
            out.status.signal(),
            Some(6),
            "SIGABRT on {}: {}",
            target.triple,
            out.status
        );
    }
}

/// The archive defines every function of the ABI table and the stack limit,
/// as global symbols the linker can resolve.
#[test]
fn archive_exports_every_abi_symbol() {
    let archive = host().archive;
    let out = Command::new("nm")
        .args(["--defined-only", "-g", "--format=posix"])
        .arg(&archive)
        .output()
        .expect("running nm");
    assert!(out.status.success());
    let listing = String::from_utf8_lossy(&out.stdout);
    let defined = |name: &str, kinds: &str| {
        listing.lines().any(|l| {
            let mut f = l.split_whitespace();
            f.next() == Some(name) && f.next().is_some_and(|k| kinds.contains(k))
        })
    };
    for f in lumen_abi::RUNTIME_FUNCTIONS {
        assert!(
            defined(f.name, "T"),
            "{} is not a global function in {}",
            f.name,
            archive.display()
        );
    }
    assert!(
        defined(lumen_abi::STACK_LIMIT_SYMBOL, "BD"),
        "lm_stack_limit is not global data"
    );
    assert!(defined("main", "T"), "C main is missing");
}

#[test]
fn broken_pipe_ends_quietly() {
    for target in targets() {
        let exe = build("broken_pipe", &target);
        let mut child = command(&exe, &target)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 4];
        stdout.read_exact(&mut first).unwrap();
        assert_eq!(&first, b"0\n1\n");
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        remove(&exe);
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "",
            "{}",
            target.triple
        );
        assert_eq!(
            out.status.code(),
            Some(141),
            "{}: {}",
            target.triple,
            out.status
        );
    }
}
