//! End-to-end tests: every `tests/programs/**/*.lm` is compiled with `lumenc`,
//! run, and compared with its expectation files (see `src/lib.rs`). One test per
//! file, named by its path.

use std::path::Path;

use libtest_mimic::{Arguments, Failed, Trial};
use lumen_tests::{
    collect_programs, describe_mismatch, expected, lumenc_path, run_program, valgrind_mode,
    write_expected,
};

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("programs");
    let scratch = std::env::temp_dir().join(format!("lumen-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("cannot create a scratch directory");
    let update = std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1");
    let trials = collect_programs(&root)
        .into_iter()
        .map(|path| {
            let name = path
                .strip_prefix(&root)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned();
            let scratch = scratch.clone();
            // Under valgrind only programs that end normally are checked: a
            // runtime error ends the process with live objects on purpose.
            // A `NAME.valgrind-skip` file gives the reason a program that
            // ends normally still leaks on purpose (today: tasks that fail
            // or are cancelled are abandoned without unwinding, see
            // docs/language-decisions.md); it is reported as ignored.
            let ignored = valgrind_mode()
                && (expected(&path).status != "run 0"
                    || path.with_extension("valgrind-skip").exists());
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
    let _ = std::fs::remove_dir_all(&scratch);
    conclusion.exit();
}
