//! Running out of memory is a runtime error, not an abort (semantics.md
//! §8): `error: out of memory (allocating N bytes)`, stdout flushed first,
//! exit status 1.
//!
//! Two ways in. A request whose size the program chose — `range` of 10^13
//! elements, `pad_left(s, 10**11)` — is reserved fallibly *before* any work
//! ([`reserve`]), so the failure is an ordinary failure of the task at the
//! call's location. Any other allocation that fails — the runtime's own
//! `malloc`s and every Rust allocation, through [`LumenAllocator`] — ends
//! the program at once with the message ([`out_of_memory`]): there is no
//! location to give, and no memory to unwind with.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use lumen_abi::SourceLoc;

use crate::errors::fail_current_task;
use crate::output;

thread_local! {
    /// Set while [`reserve`] asks for memory: a failure is then returned to
    /// it instead of ending the program.
    static FALLIBLE: Cell<bool> = const { Cell::new(false) };
}

/// The process's allocator: the system's, ending the program with the
/// out-of-memory report when it fails (instead of Rust's abort with a
/// backtrace and the buffered output lost).
pub struct LumenAllocator;

// SAFETY: every request is passed to `System` unchanged.
unsafe impl GlobalAlloc for LumenAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        checked(unsafe { System.alloc(layout) }, layout.size())
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        checked(unsafe { System.alloc_zeroed(layout) }, layout.size())
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        checked(unsafe { System.realloc(ptr, layout, new_size) }, new_size)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

fn checked(p: *mut u8, size: usize) -> *mut u8 {
    if p.is_null() && !FALLIBLE.with(Cell::get) {
        out_of_memory(size)
    }
    p
}

/// Ends the program after an allocation of `size` bytes failed: stdout
/// flushed, the report on stderr, exit status 1. Nothing here allocates.
pub fn out_of_memory(size: usize) -> ! {
    static REPORTING: AtomicBool = AtomicBool::new(false);
    if !REPORTING.swap(true, Ordering::SeqCst) {
        output::flush_stdout_if_free();
        let mut line = [0u8; 96];
        let mut cursor = &mut line[..];
        let _ = writeln!(cursor, "error: out of memory (allocating {size} bytes)");
        let written = 96 - cursor.len();
        output::write_stderr_raw(&line[..written]);
    }
    // SAFETY: ends the process without running anything that may allocate.
    unsafe { libc::_exit(1) }
}

/// Makes room for `additional` more elements in `v` before the work that
/// fills it, or fails the running task at `loc` with the out-of-memory
/// error when the memory is not there.
///
/// # Safety
/// `loc` must be null or a valid [`SourceLoc`].
pub unsafe fn reserve<T>(v: &mut Vec<T>, additional: usize, loc: *const SourceLoc) {
    let bytes = additional.saturating_mul(std::mem::size_of::<T>());
    FALLIBLE.with(|f| f.set(true));
    let reserved = v.try_reserve_exact(additional);
    FALLIBLE.with(|f| f.set(false));
    if reserved.is_err() {
        // SAFETY: caller's contract.
        unsafe { fail_current_task(&format!("out of memory (allocating {bytes} bytes)"), loc) }
    }
}

/// [`reserve`] for the bytes of a `String`.
///
/// # Safety
/// As for [`reserve`].
pub unsafe fn reserve_string(s: &mut String, additional: usize, loc: *const SourceLoc) {
    FALLIBLE.with(|f| f.set(true));
    let reserved = s.try_reserve_exact(additional);
    FALLIBLE.with(|f| f.set(false));
    if reserved.is_err() {
        let message = format!("out of memory (allocating {additional} bytes)");
        // SAFETY: caller's contract.
        unsafe { fail_current_task(&message, loc) }
    }
}
