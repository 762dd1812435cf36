//! End-to-end tests: every `tests/programs/**/*.lm` is compiled with `lumenc`,
//! run, and compared with its expectation files (see `src/lib.rs`). One test per
//! file, named by its path.

use libtest_mimic::{Arguments, Failed, Trial};
use lumen_tests::{
    collect_programs, describe_mismatch, expected, lumenc_path, run_program, valgrind_mode,
    write_expected,
};

fn main() {
    let args = Arguments::from_args();
    let suite = lumen_tests::Suite::new("programs", "lumen-e2e");
    let update = suite.update;
    let trials = collect_programs(&suite.root)
        .into_iter()
        .map(|path| {
            let name = suite.name(&path);
            let scratch = suite.scratch.clone();
            // Under valgrind only programs that end normally are checked: a
            // runtime error ends the process with live objects on purpose.
            let ignored = valgrind_mode() && expected(&path).status != "run 0";
            Trial::test(name, move || -> Result<(), Failed> {
                let lumenc = lumenc_path()?;
                let actual = run_program(&lumenc, &path, &scratch)?;
                if update {
                    write_expected(&path, &actual).map_err(|e| e.to_string())?;
                    return Ok(());
                }
                let expected = expected(&path);
                let leak_status = format!("run {}", lumen_tests::VALGRIND_ERROR_STATUS);
                if valgrind_mode() && actual.status == leak_status {
                    return Err(format!(
                        "valgrind found a leak or memory error:\n{}",
                        actual.stderr
                    )
                    .into());
                }
                if expected == actual {
                    Ok(())
                } else {
                    Err(describe_mismatch(&expected, &actual).into())
                }
            })
            .with_ignored_flag(ignored)
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    let _ = std::fs::remove_dir_all(&suite.scratch);
    conclusion.exit();
}
