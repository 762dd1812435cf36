//! The driver's own messages on stderr. `eprintln!` panics when the write
//! fails — `lumenc bad.lm 2>&1 | head -1` closes the pipe after one line —
//! and that panic would be reported as an internal compiler error. A closed or
//! failing stderr is treated like a closed stdout: what cannot be written is
//! dropped, and `lumenc` exits with the status the run earned.

use std::fmt;
use std::io::Write;

/// `eprintln!` that never panics: the line is written to stderr, or dropped
/// when stderr is closed.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::stderr::line(format_args!($($arg)*))
    };
}
pub(crate) use say;

/// Writes one line to stderr, ignoring write errors (see the module doc).
pub fn line(args: fmt::Arguments) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_fmt(args);
    let _ = stderr.write_all(b"\n");
}
