//! The failure path: runtime errors, `halt`, stack overflow, `exit`, and
//! internal runtime bugs.
//!
//! Every failure goes through [`fail_current_task`] and [`raise`]: a failure
//! of `main` ends the process (semantics.md §8: flush stdout, print the
//! report to stderr, exit with status 1); a spawned task's failure settles
//! its future with `Error(message)` and ends the task (async.md §1), and the
//! report of a failure that reaches `main` through `await`s lists them.
//!
//! The report:
//! ```text
//! error: division by zero
//!   --> app.lm:12:15
//!    = in cell average
//! ```

use std::borrow::Cow;
use std::ffi::CStr;

use lumen_abi::{RuntimeErrorCode, SourceLoc};

use crate::output;
use crate::strings::{as_str, LmString};

/// A source location read from the static data the code generator emits.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Location<'a> {
    pub file: Cow<'a, str>,
    pub cell: Cow<'a, str>,
    pub line: u32,
    pub column: u32,
}

impl Location<'_> {
    /// Reads `loc`; `None` for a null pointer.
    ///
    /// # Safety
    /// `loc` must be null or point to a valid [`SourceLoc`] whose strings are
    /// null or NUL-terminated.
    pub unsafe fn read(loc: *const SourceLoc) -> Option<Location<'static>> {
        // SAFETY: caller's contract.
        let loc = unsafe { loc.as_ref()? };
        // SAFETY: NUL-terminated static text or null.
        let text = |p: *const u8| unsafe {
            if p.is_null() {
                Cow::Borrowed("")
            } else {
                CStr::from_ptr(p.cast()).to_string_lossy()
            }
        };
        Some(Location {
            file: text(loc.file),
            cell: text(loc.cell),
            line: loc.line,
            column: loc.column,
        })
    }
}

/// The text printed for a failure (semantics.md §8).
pub fn render_report(message: &str, loc: Option<&Location>) -> String {
    let mut out = format!("error: {message}\n");
    if let Some(loc) = loc {
        out.push_str(&format!("  --> {}:{}:{}\n", loc.file, loc.line, loc.column));
        if !loc.cell.is_empty() {
            out.push_str(&format!("   = in cell {}\n", loc.cell));
        }
    }
    out
}

/// A task's failure: the message, where it was raised, and each `await` it
/// passed through on its way (innermost first, async.md §9).
#[derive(Clone, Debug)]
pub struct Failure {
    pub message: String,
    pub location: Option<Location<'static>>,
    /// `awaited in CELL (FILE:LINE:COL)` entries.
    pub awaited_in: Vec<String>,
}

impl Failure {
    pub fn new(message: String, location: Option<Location<'static>>) -> Failure {
        Failure {
            message,
            location,
            awaited_in: Vec::new(),
        }
    }

    /// The same failure, raised again by an `await` at `loc`.
    ///
    /// # Safety
    /// `loc` must be null or a valid [`SourceLoc`].
    pub unsafe fn awaited_at(&self, loc: *const SourceLoc) -> Failure {
        let mut f = self.clone();
        // SAFETY: caller's contract.
        if let Some(l) = unsafe { Location::read(loc) } {
            f.awaited_in.push(format!(
                "awaited in {} ({}:{}:{})",
                l.cell, l.file, l.line, l.column
            ));
        }
        f
    }

    /// The report printed when this failure ends the program.
    pub fn report(&self) -> String {
        let mut out = render_report(&self.message, self.location.as_ref());
        if !self.awaited_in.is_empty() {
            out.push_str(&format!("   = {}\n", self.awaited_in.join(", ")));
        }
        out
    }
}

/// Prints `failure`'s report after flushing stdout and ends the process with
/// status 1.
pub fn report_and_exit(failure: &Failure) -> ! {
    output::write_stderr(failure.report().as_bytes());
    std::process::exit(1)
}

/// Fails the running task with `message` at `loc`.
///
/// # Safety
/// `loc` must be null or a valid [`SourceLoc`] (as generated code emits).
pub unsafe fn fail_current_task(message: &str, loc: *const SourceLoc) -> ! {
    // SAFETY: caller's contract.
    let loc = unsafe { Location::read(loc) };
    raise(Failure::new(message.to_string(), loc))
}

/// Raises `failure` in the running task: a failure of `main` (or outside
/// any task) ends the program with its report; a spawned task's failure
/// settles its future with `Error` and ends the task (async.md §1).
pub fn raise(failure: Failure) -> ! {
    match crate::scheduler::current_future() {
        Some(future) if !crate::scheduler::current_is_main() => {
            future.fail(std::rc::Rc::new(failure));
            drop(future);
            crate::scheduler::finish_failed_task()
        }
        _ => report_and_exit(&failure),
    }
}

/// Ends the process after an internal runtime bug: the message names the
/// runtime, not the program, and `abort` keeps a core dump possible.
pub fn internal_error(detail: &str) -> ! {
    // The bug may have struck while stdout was locked: do not wait for it.
    output::flush_stdout_if_free();
    output::write_stderr_raw(format!("internal runtime error: {detail}\n").as_bytes());
    std::process::abort()
}

/// Raises runtime error `code` (a [`RuntimeErrorCode`]) at `loc`.
///
/// # Safety
/// `loc` must be null or a valid [`SourceLoc`].
#[no_mangle]
pub unsafe extern "C" fn lm_runtime_error(code: i32, loc: *const SourceLoc) -> ! {
    match RuntimeErrorCode::from_i32(code) {
        // SAFETY: caller's contract on `loc`.
        Some(code) => unsafe { fail_current_task(code.message(), loc) },
        None => internal_error(&format!("unknown runtime error code {code}")),
    }
}

/// `halt msg`: fails with the message string.
///
/// # Safety
/// `msg` must be a live string object; `loc` null or a valid [`SourceLoc`].
#[no_mangle]
pub unsafe extern "C" fn lm_halt(msg: *const LmString, loc: *const SourceLoc) -> ! {
    // SAFETY: caller passes a live string.
    // SAFETY: caller's contract on `msg` and `loc`.
    unsafe { fail_current_task(as_str(msg), loc) }
}

/// Called by a function prologue whose stack pointer is below
/// `lm_stack_limit`. Runs in the stack's reserve (see [`crate::overflow`]).
///
/// # Safety
/// `loc` must be null or a valid [`SourceLoc`].
#[no_mangle]
pub unsafe extern "C" fn lm_stack_overflow(loc: *const SourceLoc) -> ! {
    // SAFETY: caller's contract.
    let cell = unsafe { Location::read(loc) }
        .map(|l| l.cell)
        .unwrap_or_default();
    let message = if cell.is_empty() {
        "stack overflow".to_string()
    } else {
        format!("stack overflow in cell {cell}")
    };
    // SAFETY: caller's contract on `loc`.
    unsafe { fail_current_task(&message, loc) }
}

/// `exit(code)`: flushes stdout and ends the process with `code` (the
/// operating system keeps its low 8 bits).
#[no_mangle]
pub extern "C" fn lm_exit(code: i64) -> ! {
    output::flush_stdout();
    std::process::exit(code as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_format() {
        let loc = Location {
            file: "app.lm".into(),
            cell: "average".into(),
            line: 12,
            column: 15,
        };
        assert_eq!(
            render_report("division by zero", Some(&loc)),
            "error: division by zero\n  --> app.lm:12:15\n   = in cell average\n"
        );
        let top = Location {
            cell: "".into(),
            ..loc
        };
        assert_eq!(
            render_report("boom", Some(&top)),
            "error: boom\n  --> app.lm:12:15\n"
        );
        assert_eq!(render_report("boom", None), "error: boom\n");
    }

    #[test]
    fn locations_are_read_from_static_data() {
        let loc = SourceLoc {
            file: c"dir/app.lm".as_ptr().cast(),
            cell: c"main".as_ptr().cast(),
            line: 3,
            column: 7,
        };
        let read = unsafe { Location::read(&loc) }.unwrap();
        assert_eq!(read.file, "dir/app.lm");
        assert_eq!(read.cell, "main");
        assert_eq!((read.line, read.column), (3, 7));
        assert_eq!(unsafe { Location::read(std::ptr::null()) }, None);
        let bare = SourceLoc {
            file: std::ptr::null(),
            cell: std::ptr::null(),
            line: 1,
            column: 1,
        };
        assert_eq!(unsafe { Location::read(&bare) }.unwrap().file, "");
    }
}
