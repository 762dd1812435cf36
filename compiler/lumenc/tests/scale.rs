//! Programs whose *size* used to crash the compiler (issue 13): long operator
//! chains, `else if` chains and postfix chains nest the syntax tree as deep
//! as they are long. The inputs are generated here rather than committed.

use std::path::PathBuf;
use std::process::{Command, Output};

fn lumenc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lumenc"))
}

fn write_program(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lumenc-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write program");
    path
}

fn stderr(o: &Output) -> String {
    let text = String::from_utf8_lossy(&o.stderr);
    // Long lines are the point of these programs; keep failures readable.
    text.chars().take(2000).collect()
}

const TERMS: usize = 10_000;

fn long_sum(terms: usize) -> String {
    format!("let x = {}\nprint(x)\n", vec!["1"; terms].join(" + "))
}

fn long_else_if() -> String {
    let mut text = String::from("cell f(n: Int) -> Int\n  if n == 0\n    return 0\n");
    for i in 1..TERMS {
        text.push_str(&format!("  else if n == {i}\n    return {i}\n"));
    }
    text.push_str("  else\n    return -1\n  end\nend\nprint(f(9999))\n");
    text
}

#[test]
fn a_ten_thousand_term_sum_compiles_and_runs() {
    let p = write_program("sum.lm", &long_sum(TERMS));
    let o = lumenc().arg("run").arg(&p).output().expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "10000\n");
}

#[test]
fn long_chains_check_without_overflowing_the_stack() {
    let chains = [
        ("else_if.lm", long_else_if(), 0),
        (
            "optional_fields.lm",
            format!(
                "record R\n  f: R?\nend\nlet r: R? = R(f: null)\nprint(r{})\n",
                "?.f".repeat(TERMS)
            ),
            0,
        ),
        (
            "indexes.lm",
            format!("let s = \"abc\"\nprint(s{})\n", "[0]".repeat(TERMS)),
            0,
        ),
        // The second `!` is an error (`Int` is never null): reported, not a crash.
        (
            "unwraps.lm",
            format!("let x: Int? = 1\nprint(x{})\n", "!".repeat(TERMS)),
            1,
        ),
    ];
    for (name, text, status) in chains {
        let p = write_program(name, &text);
        let o = lumenc().arg("check").arg(&p).output().expect("run");
        assert_eq!(o.status.code(), Some(status), "{name}: {}", stderr(&o));
    }
}

#[test]
fn nesting_beyond_the_limit_is_a_diagnostic() {
    let terms = lumen_syntax::MAX_TREE_DEPTH as usize + 10;
    let p = write_program("too_deep.lm", &long_sum(terms));
    let o = lumenc().arg("check").arg(&p).output().expect("run");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("nested too deeply"), "{}", stderr(&o));
}

#[test]
fn running_out_of_memory_is_a_runtime_error() {
    // Doubling a string until the address space (limited to 1 GB here) is
    // exhausted: the report, status 1, and the output before it kept.
    let p = write_program(
        "doubling.lm",
        "print(\"before\")\nlet mut s = \"xxxxxxxx\"\nfor _ in range(0, 60)\n  s = s + s\nend\nprint(len(s))\n",
    );
    let exe = p.with_extension("");
    let o = lumenc()
        .arg(&p)
        .arg("-o")
        .arg(&exe)
        .output()
        .expect("build");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 1000000 && exec \"$0\"")
        .arg(&exe)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "before\n");
    assert!(
        stderr(&o).starts_with("error: out of memory (allocating "),
        "{}",
        stderr(&o)
    );
}
