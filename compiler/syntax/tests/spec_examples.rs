//! Every ```` ```lumen ```` block of the language spec and the seed note must
//! parse without errors. The blocks are also copied into
//! `tests/data/parser/ok/` (with snapshots); this test reads `shared/` directly
//! when it sits beside the repository, so new or changed examples are caught.

use std::path::{Path, PathBuf};

fn shared_dir() -> Option<PathBuf> {
    let from_env = std::env::var_os("LUMEN_SHARED_DIR").map(PathBuf::from);
    let beside_repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    from_env
        .into_iter()
        .chain([beside_repo])
        .find(|d| d.join("spec").is_dir())
}

fn lumen_blocks(text: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        match &mut current {
            None if line.trim_end() == "```lumen" => current = Some((i + 2, String::new())),
            Some(_) if line.trim_end() == "```" => blocks.push(current.take().unwrap()),
            Some((_, body)) => {
                body.push_str(line);
                body.push('\n');
            }
            None => {}
        }
    }
    blocks
}

#[test]
fn spec_and_seed_examples_parse() {
    let Some(shared) = shared_dir() else {
        eprintln!("shared/ not found beside the repository; skipping (set LUMEN_SHARED_DIR)");
        return;
    };
    let mut files: Vec<PathBuf> = Vec::new();
    for sub in ["spec", "seeds"] {
        if let Ok(entries) = std::fs::read_dir(shared.join(sub)) {
            files.extend(entries.map(|e| e.unwrap().path()));
        }
    }
    files.sort();
    let mut failures = Vec::new();
    let mut count = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for (line, block) in lumen_blocks(&text) {
            count += 1;
            let parse = lumen_syntax::parse(&block);
            for e in parse.errors {
                failures.push(format!(
                    "{}:{line}: {} at {:?}",
                    file.display(),
                    e.message,
                    e.range
                ));
            }
        }
    }
    assert!(
        count > 0,
        "no lumen blocks found under {}",
        shared.display()
    );
    assert!(
        failures.is_empty(),
        "spec examples with syntax errors:\n{}",
        failures.join("\n")
    );
}
