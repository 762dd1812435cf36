//! Tests of the `lumenc` command line (`spec/cli.md`): sub-commands, `--emit`,
//! exit statuses and messages. Programs' behaviour is tested by the end-to-end
//! suite in `tests/programs`; this file tests the driver around it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn lumenc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lumenc"))
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lumenc-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}

fn write_program(name: &str, text: &str) -> PathBuf {
    let path = scratch(name);
    std::fs::write(&path, text).expect("write program");
    path
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn version_and_help_exit_zero() {
    let v = lumenc().arg("--version").output().expect("run");
    assert_eq!(v.status.code(), Some(0));
    assert!(stdout(&v).starts_with("lumenc "), "{}", stdout(&v));
    let h = lumenc().arg("--help").output().expect("run");
    assert_eq!(h.status.code(), Some(0));
    assert!(stdout(&h).contains("lumenc run FILE"), "{}", stdout(&h));
}

#[test]
fn missing_file_is_usage_error() {
    let o = lumenc()
        .arg("check")
        .arg("/nonexistent/app.lm")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("error: cannot read /nonexistent/app.lm"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn unknown_option_is_usage_error() {
    let o = lumenc()
        .arg("--frobnicate")
        .arg("x.lm")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn unsupported_target_is_usage_error() {
    let p = write_program("target.lm", "print(1)\n");
    let o = lumenc()
        .arg(&p)
        .arg("--target")
        .arg("riscv64gc-unknown-linux-gnu")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unsupported target `riscv64gc-unknown-linux-gnu`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn check_reports_errors_with_status_one_and_summary() {
    let p = write_program("bad.lm", "let a: Int = \"x\"\nprint(a + true)\n");
    let o = lumenc()
        .arg("check")
        .arg(&p)
        .arg("--color")
        .arg("never")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("error[E0301]: mismatched types"), "{err}");
    assert!(err.contains("bad.lm:1:14"), "{err}");
    assert!(err.contains("error[E0302]"), "{err}");
    assert!(err.trim_end().ends_with("(2 errors)"), "{err}");
}

#[test]
fn check_accepts_a_good_program() {
    let p = write_program("good.lm", "print(\"fine\")\n");
    let o = lumenc().arg("check").arg(&p).output().expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
}

#[test]
fn warnings_do_not_fail_unless_w_error() {
    let p = write_program("warn.lm", "let unused = 1\n");
    let o = lumenc().arg("check").arg(&p).output().expect("run");
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("warning[W0001]: unused variable `unused`"),
        "{}",
        stderr(&o)
    );
    let o = lumenc()
        .arg("check")
        .arg(&p)
        .arg("-W")
        .arg("error")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("could not compile"), "{}", stderr(&o));
}

#[test]
fn emit_tokens_and_ast_stop_after_parsing() {
    // Unresolved names are not a syntax error: --emit ast succeeds.
    let p = write_program("names.lm", "print(nowhere)\n");
    let ast = lumenc()
        .arg(&p)
        .arg("--emit")
        .arg("ast")
        .output()
        .expect("run");
    assert_eq!(ast.status.code(), Some(0), "{}", stderr(&ast));
    assert!(stdout(&ast).contains("SOURCE_FILE"), "{}", stdout(&ast));
    assert!(stdout(&ast).contains("CALL_EXPR"), "{}", stdout(&ast));
    let tokens = lumenc()
        .arg(&p)
        .arg("--emit")
        .arg("tokens")
        .output()
        .expect("run");
    assert_eq!(tokens.status.code(), Some(0));
    assert!(stdout(&tokens).contains("IDENT"), "{}", stdout(&tokens));
    let broken = write_program("broken.lm", "let = 1\n");
    let o = lumenc()
        .arg(&broken)
        .arg("--emit")
        .arg("ast")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn emit_mir_clif_and_obj() {
    let p = write_program(
        "emit.lm",
        "cell add(a: Int, b: Int) -> Int = a + b\nprint(add(1, 2))\n",
    );
    let mir = lumenc()
        .arg(&p)
        .arg("--emit")
        .arg("mir")
        .output()
        .expect("run");
    assert_eq!(mir.status.code(), Some(0), "{}", stderr(&mir));
    assert!(stdout(&mir).contains("add.Int"), "{}", stdout(&mir));
    let clif = lumenc()
        .arg(&p)
        .arg("--emit")
        .arg("clif")
        .output()
        .expect("run");
    assert_eq!(clif.status.code(), Some(0), "{}", stderr(&clif));
    assert!(
        stdout(&clif).contains("sadd_overflow") || stdout(&clif).contains("iadd"),
        "{}",
        stdout(&clif)
    );
    assert!(
        stdout(&clif).contains("emit.lm:1:"),
        "CLIF is annotated with .lm lines: {}",
        stdout(&clif)
    );
    let obj = scratch("emit.o");
    let o = lumenc()
        .arg(&p)
        .arg("--emit")
        .arg("obj")
        .arg("-o")
        .arg(&obj)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let bytes = std::fs::read(&obj).expect("object written");
    assert_eq!(&bytes[..4], b"\x7fELF");
}

#[test]
fn emit_mir_is_before_the_passes_and_mir_opt_after() {
    let p = write_program(
        "passes.lm",
        "let mut s = \"a\"\nlet mut n = 0\nfor i in 0..10\n  s = \"b\"\n  if i < 5\n    n = n + 1\n  end\nend\nprint(s, n)\n",
    );
    let emit = |what: &str, level: &str| {
        let o = lumenc()
            .arg(&p)
            .arg("--emit")
            .arg(what)
            .arg(level)
            .output()
            .expect("run");
        assert_eq!(o.status.code(), Some(0), "{what} {level}: {}", stderr(&o));
        stdout(&o)
    };
    let lowered = emit("mir", "-O");
    let optimised = emit("mir-opt", "-O");
    assert_ne!(lowered, optimised, "the passes change this program");
    assert_eq!(
        emit("mir", "-O0"),
        lowered,
        "--emit mir is the lowered MIR at any level"
    );
    assert_eq!(emit("mir-opt", "-O0"), lowered, "-O0 runs no pass");
}

#[test]
fn run_passes_arguments_and_exit_status() {
    let p = write_program(
        "status.lm",
        "cell main() -> Int\n  print(\"ran\")\n  return 7\nend\n",
    );
    let o = lumenc().arg("run").arg(&p).output().expect("run");
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    assert_eq!(stdout(&o), "ran\n");
}

#[test]
fn optimisation_levels_give_the_same_output() {
    let p = write_program(
        "opt.lm",
        "cell f(n: Int) -> Int = if n < 2 then n else f(n - 1) + f(n - 2)\nprint(f(20))\n",
    );
    for level in ["-O0", "-O", "-O2"] {
        let o = lumenc()
            .arg("run")
            .arg(&p)
            .arg(level)
            .output()
            .expect("run");
        assert_eq!(o.status.code(), Some(0), "{level}: {}", stderr(&o));
        assert_eq!(stdout(&o), "6765\n", "{level}");
    }
}

#[test]
fn markdown_sources_compile_and_errors_point_into_the_markdown() {
    let o = lumenc()
        .arg("run")
        .arg(data("app.lm.md"))
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "square: 49\n");
    let o = lumenc()
        .arg("check")
        .arg(data("md_error.lm.md"))
        .arg("--color")
        .arg("never")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("md_error.lm.md:4:14"), "{}", stderr(&o));
}

#[test]
fn missing_linker_is_toolchain_error() {
    let p = write_program("link.lm", "print(1)\n");
    let out = scratch("link-out");
    let o = lumenc()
        .arg(&p)
        .arg("-o")
        .arg(&out)
        .arg("--linker")
        .arg("/nonexistent/cc")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("linker `/nonexistent/cc` not found"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn missing_runtime_is_toolchain_error() {
    // A copy of lumenc in a directory without the runtime archive beside it
    // (and no LUMEN_RUNTIME_DIR) cannot find the runtime: it must say so,
    // with the command that builds it, and exit with status 3.
    let dir = scratch("lonely");
    std::fs::create_dir_all(&dir).expect("dir");
    let copy = dir.join("lumenc");
    std::fs::copy(env!("CARGO_BIN_EXE_lumenc"), &copy).expect("copy lumenc");
    let p = write_program("rt.lm", "print(1)\n");
    for target in ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"] {
        let o = Command::new(&copy)
            .arg(&p)
            .arg("-o")
            .arg(scratch("rt-out"))
            .arg("--target")
            .arg(target)
            .env_remove("LUMEN_RUNTIME_DIR")
            .output()
            .expect("run");
        assert_eq!(o.status.code(), Some(3), "{target}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("liblumen_rt.a"), "{err}");
        assert!(
            err.contains("cargo build"),
            "the message names the command that builds it: {err}"
        );
    }
}

#[test]
fn static_executable_runs() {
    let p = write_program("static.lm", "print(\"static\")\n");
    let out = scratch("static-out");
    let o = lumenc()
        .arg(&p)
        .arg("-o")
        .arg(&out)
        .arg("--static")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let run = Command::new(&out).output().expect("run static");
    assert_eq!(stdout(&run), "static\n");
}

#[test]
fn deterministic_flag_defers_spawn_like_the_directive() {
    // async.md §4: eager by default, deferred FIFO with `--deterministic`.
    let p = write_program(
        "deterministic.lm",
        "cell work() -> Int\n  print(\"work\")\n  return 1\nend\ncell main()\n  let f = spawn(work())\n  print(\"after spawn\")\n  print(await f)\nend\n",
    );
    let o = lumenc().arg("run").arg(&p).output().expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "work\nafter spawn\n1\n");
    let o = lumenc()
        .arg("run")
        .arg(&p)
        .arg("--deterministic")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "after spawn\nwork\n1\n");
}

#[test]
fn a_source_is_never_overwritten() {
    let p = write_program("keep.lm", "print(1)\n");
    let o = lumenc().arg(&p).arg("-o").arg(&p).output().expect("run");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("refusing to overwrite the source file"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "print(1)\n");
    // A source without an extension is its own default output.
    let bare = write_program("keepbare", "print(1)\n");
    let o = lumenc()
        .current_dir(bare.parent().unwrap())
        .arg("keepbare")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&bare).unwrap(), "print(1)\n");
    // Nor is another (imported) source, or a `--emit` output.
    let other = write_program("other.lm", "print(2)\n");
    for emit in [None, Some("mir")] {
        let mut cmd = lumenc();
        cmd.arg(&p).arg("-o").arg(&other);
        if let Some(emit) = emit {
            cmd.arg("--emit").arg(emit);
        }
        let o = cmd.output().expect("run");
        assert_eq!(o.status.code(), Some(2), "{emit:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("other.lm"), "{}", stderr(&o));
        assert_eq!(std::fs::read_to_string(&other).unwrap(), "print(2)\n");
    }
}

#[test]
fn output_errors_are_usage_errors_naming_the_users_path() {
    let p = write_program("outdir.lm", "print(1)\n");
    let dir = scratch("an-output-dir");
    std::fs::create_dir_all(&dir).expect("dir");
    let o = lumenc().arg(&p).arg("-o").arg(&dir).output().expect("run");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("is a directory"), "{}", stderr(&o));
    let missing = Path::new("/nonexistent/dir/app");
    let o = lumenc()
        .arg(&p)
        .arg("-o")
        .arg(missing)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("error: cannot write /nonexistent/dir/app:"),
        "names the output, not the temporary object: {}",
        stderr(&o)
    );
}

#[test]
fn a_closed_stderr_is_not_a_crash() {
    // `lumenc bad.lm 2>&1 | head -1`: far more diagnostics than a pipe
    // holds, and the reader goes away after the first line.
    use std::io::Read;
    let text: String = (0..3000)
        .map(|i| format!("let x{i}: Int = \"s\"\n"))
        .collect();
    let p = write_program("many_errors.lm", &text);
    let mut child = lumenc()
        .arg("check")
        .arg(&p)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = [0u8; 16];
    child
        .stderr
        .take()
        .expect("stderr")
        .read_exact(&mut first)
        .expect("read");
    // The read end is dropped here.
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(1), "the program's errors, not a crash");
}

/// Sends `signal` (a `kill` option such as `-TERM`) to a process.
fn send_signal(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .arg(signal)
        .arg(pid.to_string())
        .status()
        .expect("kill");
    assert!(status.success());
}

#[test]
fn an_interrupted_run_leaves_no_temporary_directory() {
    use std::os::unix::process::ExitStatusExt;
    let tmp = scratch("run-tmp");
    std::fs::create_dir_all(&tmp).expect("dir");
    let p = write_program("sleepy.lm", "sleep(60000)\n");
    // Interrupted while the program runs, and at once (while compiling).
    for wait_for_program in [true, false] {
        let child = lumenc()
            .arg("run")
            .arg(&p)
            .env("TMPDIR", &tmp)
            .spawn()
            .expect("spawn");
        let dir = tmp.join(format!("lumenc-run-{}", child.id()));
        if wait_for_program {
            let exe = dir.join("sleepy");
            let start = std::time::Instant::now();
            while !exe.exists() || std::fs::metadata(&exe).map(|m| m.len()).unwrap_or(0) == 0 {
                assert!(start.elapsed().as_secs() < 60, "the program never started");
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            // Linked; give it a moment to be started.
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        send_signal(child.id(), "-TERM");
        let status = child.wait_with_output().expect("wait").status;
        assert_eq!(
            status.signal(),
            Some(15),
            "lumenc ends by the signal: {status:?}"
        );
        assert!(!dir.exists(), "{} was left behind", dir.display());
    }
}

#[test]
fn run_arguments_without_dashes_get_a_hint() {
    let p = write_program("hint.lm", "print(1)\n");
    let o = lumenc()
        .arg("run")
        .arg(&p)
        .arg("extra")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("arguments for the program go after `--`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn past_a_hundred_diagnostics_the_rest_are_counted() {
    let text: String = (0..250)
        .map(|i| format!("let _x{i}: Int = \"s\"\n"))
        .collect();
    let p = write_program("hundreds.lm", &text);
    let o = lumenc()
        .arg("check")
        .arg(&p)
        .arg("--color")
        .arg("never")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.matches("error[E0301]").count(), 100, "{err}");
    assert!(err.contains("\n… and 150 more\n"), "{err}");
    assert!(err.ends_with("(250 errors)\n"), "{err}");
}

#[test]
fn a_binary_file_is_refused_at_once() {
    let mut bytes = b"\x7fELF\x02\x01\x01\0\0\0".to_vec();
    bytes.extend((0..100_000u32).map(|i| (i * 7919 % 251) as u8));
    let p = scratch("binary.lm");
    std::fs::write(&p, &bytes).expect("write");
    let o = lumenc().arg("check").arg(&p).output().expect("run");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not a Lumen source file"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
}
