//! Data-driven parser tests over `tests/data/parser/{ok,err}/*.lm`.
//!
//! Each `NAME.lm` has a `NAME.rast` snapshot beside it: the tree dump followed
//! by the errors. `ok/` files must parse without errors, `err/` files must
//! report at least one. Set `UPDATE_EXPECT=1` to (re)write the snapshots.
//! Every file must also round-trip: the tree's text equals the input.

use std::path::{Path, PathBuf};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/parser")
}

fn lm_files(sub: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data_dir().join(sub))
        .unwrap_or_else(|e| panic!("cannot read {sub}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "lm"))
        .collect();
    files.sort();
    files
}

fn check_dir(sub: &str, expect_errors: bool) {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    let files = lm_files(sub);
    assert!(!files.is_empty(), "no test files in {sub}");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let parse = lumen_syntax::parse(&text);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(
            parse.syntax_node().to_string(),
            text,
            "{name}: tree is not lossless"
        );
        if expect_errors && parse.errors.is_empty() {
            failures.push(format!("{sub}/{name}: expected syntax errors, found none"));
        }
        if !expect_errors && !parse.errors.is_empty() {
            let errs: Vec<String> = parse
                .errors
                .iter()
                .map(|e| format!("  {:?}: {}", e.range, e.message))
                .collect();
            failures.push(format!(
                "{sub}/{name}: unexpected syntax errors:\n{}",
                errs.join("\n")
            ));
        }
        let mut dump = lumen_syntax::debug_tree(&parse.syntax_node());
        for e in &parse.errors {
            dump.push_str(&format!("error {:?}: {}\n", e.range, e.message));
            if let Some(label) = &e.label {
                dump.push_str(&format!("  label: {label}\n"));
            }
            if let Some(help) = &e.help {
                dump.push_str(&format!("  help: {help}\n"));
            }
        }
        let rast = path.with_extension("rast");
        let expected = std::fs::read_to_string(&rast).ok();
        if expected.as_deref() != Some(dump.as_str()) {
            if update {
                std::fs::write(&rast, &dump).unwrap();
            } else if expected.is_none() {
                failures.push(format!(
                    "{sub}/{name}: snapshot {} is missing",
                    rast.display()
                ));
            } else {
                failures.push(format!(
                    "{sub}/{name}: tree differs from {}",
                    rast.display()
                ));
            }
        }
    }
    if !failures.is_empty() {
        panic!(
            "{} parser test(s) failed:\n{}\n\nIf the new trees are right, regenerate the snapshots with\n    UPDATE_EXPECT=1 cargo test -p lumen_syntax\n",
            failures.len(),
            failures.join("\n")
        );
    }
}

#[test]
fn ok_files_parse_without_errors() {
    check_dir("ok", false);
}

#[test]
fn err_files_report_errors() {
    check_dir("err", true);
}

/// The tree of every test file, and of every prefix of it, prints the input back.
#[test]
fn round_trip_prefixes() {
    for sub in ["ok", "err"] {
        for path in lm_files(sub) {
            let text = std::fs::read_to_string(&path).unwrap();
            let mut cut = 0;
            while cut <= text.len() {
                if text.is_char_boundary(cut) {
                    let prefix = &text[..cut];
                    assert_eq!(
                        lumen_syntax::parse(prefix).syntax_node().to_string(),
                        prefix,
                        "{}: prefix {cut}",
                        path.display()
                    );
                }
                cut += 7;
            }
        }
    }
}
