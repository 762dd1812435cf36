//! Checks on the output path, made before any work is done: `lumenc` must
//! never replace a source file with an executable (`lumenc app.lm -o app.lm`,
//! or a source without an extension, whose default output is itself), and an
//! output that cannot be a file (`-o DIR`) is bad usage, not a toolchain
//! failure found by the linker after the whole compilation.

use std::path::Path;

use crate::compile::Failure;

/// Why `output` cannot be written, as a usage error, or `Ok` when it can.
/// `source` is the main file as named on the command line. Imported modules
/// always end in `.lm` or `.lm.md`, so refusing those extensions protects
/// them too.
pub fn check(output: &Path, source: &Path) -> Result<(), Failure> {
    let shown = output.display();
    if output.is_dir() {
        return Err(Failure::Usage(format!(
            "the output `{shown}` is a directory; give a file name, such as `-o {}`",
            output.join("app").display()
        )));
    }
    if is_same_file(output, source) {
        return Err(Failure::Usage(format!(
            "refusing to overwrite the source file `{shown}` with the output; \
             choose another name with `-o`"
        )));
    }
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.ends_with(".lm") || name.ends_with(".lm.md") {
        return Err(Failure::Usage(format!(
            "refusing to write the output to `{shown}`: that name is for Lumen sources; \
             choose another name with `-o`"
        )));
    }
    Ok(())
}

/// Whether both paths name one existing file (hard links and different
/// spellings of one path included).
fn is_same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}
