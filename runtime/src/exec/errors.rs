//! The failure path: runtime errors, `halt`, stack overflow, `exit`, and
//! internal runtime bugs.
//!
//! **Failures return.** A failure does not jump anywhere: it is recorded as
//! the running task's *pending failure* and the exported flag
//! [`lm_failing`] is set. Generated code tests the flag after every call
//! that may fail and, when set, takes the cell's failure edge: it runs the
//! `defer` blocks that are due, releases what the frame owns, and returns
//! a dummy value to its caller, which does the same — so a failed or
//! cancelled task leaves every frame through explicit cleanup and leaks
//! nothing. When the task's body returns with the flag set, the task settles
//! its future with `Error` (async.md §1); `main` prints the report and ends
//! the process (semantics.md §8).
//!
//! Inside the runtime, [`raise`] unwinds the Rust frames between it and the
//! runtime function generated code called with a private panic payload;
//! [`guard`] — around the body of every exported function the ABI table
//! marks as failing — catches it and returns [`FailValue::failed`]. Only
//! the outermost guard on a stack catches: runtime code calling another
//! exported function passes the unwinding through. A raise outside any
//! guard (runtime unit tests, code run before `main`) ends the process with
//! the report, as before.
//!
//! The report:
//! ```text
//! error: division by zero
//!   --> app.lm:12:15
//!    = in cell average
//! ```

use std::borrow::Cow;
use std::cell::Cell;
use std::ffi::CStr;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, Ordering};

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
    /// `called from CELL (FILE:LINE:COL)` entries of the calls the failure
    /// left before its first `await` (semantics.md §8), innermost first,
    /// each with how many times in a row it was left (recursion).
    pub called_from: Vec<(String, u64)>,
    /// Calls left after [`MAX_CALLERS`] distinct entries: counted only.
    pub more_callers: u64,
    /// The static location of the last call noted: a recursion leaves the
    /// same call again and again, which then only counts.
    last_caller: usize,
}

/// How many distinct `called from` entries a report lists (a deep
/// recursion would otherwise print one line per frame).
pub const MAX_CALLERS: usize = 16;

impl Failure {
    pub fn new(message: String, location: Option<Location<'static>>) -> Failure {
        Failure {
            message,
            location,
            awaited_in: Vec::new(),
            called_from: Vec::new(),
            more_callers: 0,
            last_caller: 0,
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

    /// Notes that the failure left a call at `loc` (in the calling cell).
    /// After an `await`, the call belongs to the awaiting task's chain.
    pub fn add_caller(&mut self, loc: &Location) {
        if loc.cell.starts_with('<') {
            // A closure (a lambda, or the thunk `spawn` and the forms run as
            // a task): not a cell the reader wrote by name; the report stays
            // as async.md §9 shows it (`in cell check`, then the awaits).
            return;
        }
        let entry = format!(
            "called from {} ({}:{}:{})",
            loc.cell, loc.file, loc.line, loc.column
        );
        if !self.awaited_in.is_empty() {
            // After an `await`: the awaiting task's own chain, once.
            if let Some(awaited) = self.awaited_in.last_mut() {
                if !awaited.ends_with(&entry)
                    && awaited.matches("called from").count() < MAX_CALLERS
                {
                    awaited.push_str(", ");
                    awaited.push_str(&entry);
                }
            }
            return;
        }
        let full = self.called_from.len() >= MAX_CALLERS;
        match self.called_from.last_mut() {
            Some((last, times)) if *last == entry => *times += 1,
            _ if full => self.more_callers += 1,
            _ => self.called_from.push((entry, 1)),
        }
    }

    /// The `called from` chain as printed: repeats counted, the rest cut.
    fn callers_text(&self) -> String {
        let mut parts: Vec<String> = self
            .called_from
            .iter()
            .map(|(entry, times)| match times {
                1 => entry.clone(),
                // A stack overflow's depth depends on the target's frame
                // sizes: past a hundred, the report does not say how many.
                n @ 2..=100 => format!("{entry} ({n} times)"),
                _ => format!("{entry} (more than 100 times)"),
            })
            .collect();
        if self.more_callers > 0 {
            parts.push(format!("… ({} more calls)", self.more_callers));
        }
        parts.join(", ")
    }

    /// The report printed when this failure ends the program.
    pub fn report(&self) -> String {
        let mut out = render_report(&self.message, self.location.as_ref());
        if !self.called_from.is_empty() {
            // `   = in cell inner` becomes `   = in cell inner, called from …`.
            if out.ends_with('\n') && out.contains("   = in cell ") {
                out.pop();
                out.push_str(&format!(", {}\n", self.callers_text()));
            } else {
                out.push_str(&format!("   = {}\n", self.callers_text()));
            }
        }
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

/// Set while a failure propagates through generated code (symbol
/// `lumen_abi::FAILING_SYMBOL`): generated code tests it after every call
/// that may fail. One thread runs Lumen code, so one flag serves every task:
/// it is only ever set between a failure and the landing of the frame that
/// handles it, never while a task is suspended.
#[allow(non_upper_case_globals)]
#[no_mangle]
pub static lm_failing: AtomicU8 = AtomicU8::new(0);

thread_local! {
    /// How many [`guard`]s are active on the running stack (0 while
    /// generated code runs): only the outermost one catches.
    static GUARD_DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// The panic payload that carries a raised failure to the nearest guard.
struct Raised;

/// Whether a failure is propagating through generated code.
pub fn is_failing() -> bool {
    lm_failing.load(Ordering::Relaxed) != 0
}

/// Sets or clears [`lm_failing`].
pub fn set_failing(on: bool) {
    lm_failing.store(u8::from(on), Ordering::Relaxed);
}

/// The guard depth of the running stack, saved by the scheduler when a task
/// switches out (each task has its own) and restored when it switches back.
pub(crate) fn guard_depth() -> u32 {
    GUARD_DEPTH.with(Cell::get)
}

pub(crate) fn set_guard_depth(depth: u32) {
    GUARD_DEPTH.with(|d| d.set(depth));
}

/// The value a failing runtime function returns to generated code, which
/// only looks at it to store it: 0, or for a pointer the immortal empty
/// string, which releasing it later leaves alone.
pub trait FailValue {
    fn failed() -> Self;
}

macro_rules! fail_value_zero {
    ($($t:ty),*) => { $(impl FailValue for $t { fn failed() -> Self { 0 as $t } })* };
}
fail_value_zero!(i8, u8, i32, u32, i64, u64, usize, f64);

impl FailValue for () {
    fn failed() -> Self {}
}

impl<T> FailValue for *mut T {
    fn failed() -> Self {
        crate::static_str!("").cast()
    }
}

impl<T> FailValue for *const T {
    fn failed() -> Self {
        crate::static_str!("").cast_const().cast()
    }
}

/// Runs the body of an exported runtime function that may fail: a failure
/// [`raise`]d inside returns [`FailValue::failed`] with [`lm_failing`] set.
/// Nested guards (runtime code calling an exported function) let the
/// unwinding pass to the outermost one.
pub fn guard<R: FailValue>(body: impl FnOnce() -> R) -> R {
    let depth = guard_depth();
    if depth > 0 {
        return body();
    }
    set_guard_depth(1);
    let result = panic::catch_unwind(AssertUnwindSafe(body));
    set_guard_depth(0);
    match result {
        Ok(value) => value,
        Err(payload) if payload.is::<Raised>() => R::failed(),
        Err(payload) => panic::resume_unwind(payload),
    }
}

/// Calls generated code from runtime code running under a [`guard`] (a task
/// body, a hook of `from_json`): the generated code's own runtime calls
/// need guards of their own, and a failure it returns with continues as a
/// raise in the runtime code that called it.
pub fn call_generated<R>(call: impl FnOnce() -> R) -> R {
    let depth = guard_depth();
    set_guard_depth(0);
    let result = call();
    set_guard_depth(depth);
    if depth > 0 && is_failing() {
        // The pending failure is recorded; carry it on to the guard.
        set_failing(false);
        unwind_to_guard();
    }
    result
}

/// Carries the running task's pending failure on to the guard of the
/// runtime function generated code called (after generated code called
/// from the runtime returned with the flag set, as [`call_generated`] does).
pub fn propagate() -> ! {
    unwind_to_guard()
}

fn unwind_to_guard() -> ! {
    set_failing(true);
    panic::resume_unwind(Box::new(Raised))
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

/// Raises `failure` in the running task: it becomes the task's pending
/// failure and the runtime function generated code called returns at once
/// (through [`guard`]) with [`lm_failing`] set. Outside a guard or a task
/// the program ends with the report.
pub fn raise(failure: Failure) -> ! {
    if guard_depth() == 0 {
        report_and_exit(&failure)
    }
    if let Err(failure) = crate::scheduler::record_failure(failure) {
        report_and_exit(&failure)
    }
    unwind_to_guard()
}

/// Records `failure` as the running task's pending failure and sets the
/// flag, for a runtime function called straight from generated code that
/// then returns normally (`lm_runtime_error`, `halt`, stack overflow).
fn fail_and_return(failure: Failure) {
    if let Err(failure) = crate::scheduler::record_failure(failure) {
        report_and_exit(&failure)
    }
    set_failing(true);
}

/// Ends the running task's failure propagation: called when a task's body
/// returned with [`lm_failing`] set. Clears the flag and gives the failure.
pub fn take_pending_failure() -> Failure {
    set_failing(false);
    crate::scheduler::take_failure()
        .unwrap_or_else(|| internal_error("a task failed without a recorded failure"))
}

/// `lm_failure_hold`: the landing of a cell with `defer` blocks clears the
/// flag while they run (their own calls must not see it); the failure stays
/// pending.
#[no_mangle]
pub extern "C" fn lm_failure_hold() {
    set_failing(false);
}

/// `lm_failure_called_from(loc)`: the failure propagating through generated
/// code left the call at `loc` (semantics.md §8's `called from` chain).
///
/// # Safety
/// `loc` must be null or a valid [`SourceLoc`].
#[no_mangle]
pub unsafe extern "C" fn lm_failure_called_from(loc: *const SourceLoc) {
    if loc.is_null() {
        return;
    }
    crate::scheduler::with_pending_failure(|failure| {
        if failure.last_caller == loc as usize {
            // The same call again (recursion): count it, cheaply.
            match failure.called_from.last_mut() {
                Some((_, times)) if failure.more_callers == 0 && failure.awaited_in.is_empty() => {
                    *times += 1
                }
                _ if failure.awaited_in.is_empty() => failure.more_callers += 1,
                _ => {}
            }
            return;
        }
        failure.last_caller = loc as usize;
        // SAFETY: caller's contract.
        if let Some(loc) = unsafe { Location::read(loc) } {
            failure.add_caller(&loc);
        }
    });
}

/// `lm_failure_resume`: after the landing's `defer` blocks, propagation
/// continues.
#[no_mangle]
pub extern "C" fn lm_failure_resume() {
    set_failing(true);
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
pub unsafe extern "C" fn lm_runtime_error(code: i32, loc: *const SourceLoc) {
    match RuntimeErrorCode::from_i32(code) {
        // SAFETY: caller's contract on `loc`.
        Some(code) => unsafe { fail_at(code.message(), loc) },
        None => internal_error(&format!("unknown runtime error code {code}")),
    }
}

/// Records a failure with `message` at `loc` and returns (see
/// [`fail_and_return`]).
///
/// # Safety
/// `loc` must be null or a valid [`SourceLoc`].
unsafe fn fail_at(message: &str, loc: *const SourceLoc) {
    // SAFETY: caller's contract.
    let loc = unsafe { Location::read(loc) };
    fail_and_return(Failure::new(message.to_string(), loc));
}

/// `halt msg`: fails with the message string.
///
/// # Safety
/// `msg` must be a live string object; `loc` null or a valid [`SourceLoc`].
#[no_mangle]
pub unsafe extern "C" fn lm_halt(msg: *const LmString, loc: *const SourceLoc) {
    // SAFETY: caller's contract on `msg` and `loc`.
    unsafe { fail_at(as_str(msg), loc) }
}

/// Called by a function prologue whose stack pointer is below
/// `lm_stack_limit`. Runs in the stack's reserve (see [`crate::overflow`]).
///
/// # Safety
/// `loc` must be null or a valid [`SourceLoc`].
#[no_mangle]
pub unsafe extern "C" fn lm_stack_overflow(loc: *const SourceLoc) {
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
    unsafe { fail_at(&message, loc) }
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
