//! File tests of the MIR passes: every `tests/data/mir/NAME.lm` is lowered
//! and its MIR snapshotted (`NAME@00-lowered`), then the passes of
//! `lumen_mir::optimize::PASSES` run in order with the verifier on, and for
//! each pass that changes the program a snapshot `NAME@NN-PASS` shows each
//! function it changed, before (as the previous passes left it) and after.
//! Review changes with `cargo insta review` (or `INSTA_UPDATE=always`).

use std::path::{Path, PathBuf};

use lumen_mir::optimize::{run_passes_with, OptLevel, PASSES};
use lumen_mir::Program;

fn inputs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/mir");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/data/mir")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "lm"))
        .collect();
    files.sort();
    files
}

/// Parses, checks and lowers one file (no imports), named by its file name
/// so the snapshots do not depend on where the checkout is.
fn lower(path: &Path) -> Program {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let text = std::fs::read_to_string(path).expect("readable input");
    let parse = lumen_syntax::parse(&text);
    assert!(parse.errors.is_empty(), "{name}: {:?}", parse.errors);
    let modules = [lumen_sema::Module {
        name: String::new(),
        tree: parse.tree(),
    }];
    let (program, diagnostics) = lumen_sema::check_modules(&modules);
    let program = program.unwrap_or_else(|| panic!("{name}: {diagnostics:?}"));
    let index = lumen_diagnostics::LineIndex::new(&text);
    let locate = |offset| {
        let (line, col) = index.line_col(offset);
        lumen_mir::Loc { line, col }
    };
    let source = lumen_mir::lower::Source {
        name: &name,
        locate: &locate,
    };
    lumen_mir::lower::lower_program(&program, &[source])
}

/// The functions `after` changed, each before and after.
fn changes(before: &[String], after: &Program) -> String {
    let mut out = String::new();
    for (i, (old, f)) in before.iter().zip(&after.functions).enumerate() {
        let new = f.to_string();
        if *old != new {
            out.push_str(&format!("// fn{i} before\n{old}\n// fn{i} after\n{new}\n"));
        }
    }
    out
}

#[test]
fn each_pass_in_and_out() {
    let inputs = inputs();
    assert!(!inputs.is_empty(), "no inputs in tests/data/mir");
    let mut fired = vec![false; PASSES.len()];
    for path in inputs {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let mut program = lower(&path);
        insta::assert_snapshot!(format!("{stem}@00-lowered"), program.to_string());
        let mut before: Vec<String> = program.functions.iter().map(|f| f.to_string()).collect();
        let mut step = 0;
        run_passes_with(&mut program, OptLevel::Speed, true, |pass, program| {
            step += 1;
            let diff = changes(&before, program);
            if !diff.is_empty() {
                fired[step - 1] = true;
                insta::assert_snapshot!(format!("{stem}@{step:02}-{pass}"), diff);
                before = program.functions.iter().map(|f| f.to_string()).collect();
            }
        })
        .unwrap_or_else(|e| panic!("{stem}: {e}"));
    }
    // Every pass is shown at work by at least one input.
    for (pass, fired) in PASSES.iter().zip(fired) {
        assert!(
            fired,
            "no input in tests/data/mir changes under `{}`",
            pass.name
        );
    }
}

#[test]
fn o0_runs_no_pass() {
    for path in inputs() {
        let mut program = lower(&path);
        let lowered = program.to_string();
        run_passes_with(&mut program, OptLevel::None, true, |pass, _| {
            panic!("{pass} ran at -O0")
        })
        .unwrap();
        assert_eq!(program.to_string(), lowered);
    }
}
