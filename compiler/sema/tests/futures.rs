//! Checks of the async front end through the crate's entry points: the
//! driver's options, and diagnostics whose codes matter more than their
//! rendering (the rendered forms are end-to-end tests in
//! `tests/programs/compile_errors`).

use lumen_diagnostics::Diagnostic;
use lumen_sema::{check_modules_with, codes, Module, Options};

fn check(text: &str, options: Options) -> (Option<lumen_sema::hir::Program>, Vec<Diagnostic>) {
    let parse = lumen_syntax::parse(text);
    assert!(parse.errors.is_empty(), "syntax errors in the test program");
    let modules = [Module {
        name: String::new(),
        tree: parse.tree(),
    }];
    check_modules_with(&modules, options)
}

fn codes_of(diagnostics: &[Diagnostic]) -> Vec<&str> {
    diagnostics.iter().map(|d| d.code).collect()
}

const DETERMINISTIC: Options = Options {
    deterministic: true,
};

#[test]
fn the_deterministic_option_is_the_directive() {
    let text = "cell main()\n  print(1)\nend\n";
    let (program, _) = check(text, Options::default());
    assert!(!program.expect("checks").deterministic);
    let (program, _) = check(text, DETERMINISTIC);
    assert!(program.expect("checks").deterministic);
    // The flag wins over the file's `@deterministic false`.
    let (program, _) = check(&format!("@deterministic false\n{text}"), DETERMINISTIC);
    assert!(program.expect("checks").deterministic);
}

#[test]
fn the_deterministic_option_rejects_clock_and_randomness() {
    let text = "cell main()\n  print(now_ms(), 3 |> random_int(9))\nend\n";
    let (program, diagnostics) = check(text, Options::default());
    assert!(program.is_some(), "{diagnostics:?}");
    let (program, diagnostics) = check(text, DETERMINISTIC);
    assert!(program.is_none());
    assert_eq!(
        codes_of(&diagnostics),
        [codes::NOT_DETERMINISTIC, codes::NOT_DETERMINISTIC]
    );
    assert!(diagnostics[0].message.contains("`--deterministic`"));
}

#[test]
fn an_unused_future_is_a_warning_not_an_error() {
    let text =
        "cell work() -> Int = 1\ncell main()\n  spawn(work())\n  let f = spawn(work())\nend\n";
    let (program, diagnostics) = check(text, Options::default());
    assert!(program.is_some());
    assert_eq!(
        codes_of(&diagnostics),
        [codes::UNUSED_FUTURE, codes::UNUSED_FUTURE]
    );
}

#[test]
fn a_channel_takes_its_type_from_its_first_send() {
    let text = "cell main()\n  let ch = channel()\n  ch.send(1)\n  print(ch.receive())\nend\n";
    let (program, diagnostics) = check(text, Options::default());
    assert!(program.is_some(), "{diagnostics:?}");
    let text = "cell main()\n  let ch = channel()\n  print(ch.len())\nend\n";
    let (program, diagnostics) = check(text, Options::default());
    assert!(program.is_none());
    assert_eq!(codes_of(&diagnostics), [codes::NEEDS_ANNOTATION]);
}
