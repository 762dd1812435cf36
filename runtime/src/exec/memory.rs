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

/// The process's allocator: small blocks come from the runtime's pool
/// (`crate::pool`, the free lists Lumen objects use), everything else from
/// the system's; a failure ends the program with the out-of-memory report
/// (instead of Rust's abort with a backtrace and the buffered output lost).
///
/// The runtime's own small allocations — a future's cell, a task's body, a
/// channel's mailbox, a `Vec` of a few waiters — are made and freed by the
/// hundred thousand in a program of many tasks; through `malloc` they cost
/// its bins' searching and coalescing (a tenth of spawning a task), through
/// the pool a pop and a push.
pub struct LumenAllocator;

/// Whether a request is served by the pool: a size it has a class for, at
/// an alignment every `malloc` block has.
fn pooled(layout: Layout) -> bool {
    layout.size() > 0 && layout.size() <= crate::pool::MAX_POOLED_BUFFER && layout.align() <= 16
}

// SAFETY: pooled blocks are `malloc` blocks of their class's size, at least
// the requested size, 16-byte aligned, and go back to the class they came
// from (a `dealloc` gives the layout they were allocated with); every other
// request is passed to `System` unchanged.
unsafe impl GlobalAlloc for LumenAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if pooled(layout) {
            return crate::pool::alloc_sized(layout.size());
        }
        // SAFETY: the caller's contract, passed on.
        checked(unsafe { System.alloc(layout) }, layout.size())
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if pooled(layout) {
            let p = crate::pool::alloc_sized(layout.size());
            // SAFETY: the block holds at least `layout.size()` bytes.
            unsafe { p.write_bytes(0, layout.size()) };
            return p;
        }
        // SAFETY: as above.
        checked(unsafe { System.alloc_zeroed(layout) }, layout.size())
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `new_size` with the old alignment is a valid layout (the
        // caller's contract).
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if pooled(new_layout) {
            // A block that will be parked in a class must have been made
            // for that class: move it.
            // SAFETY: the caller's contract; both blocks hold the bytes
            // copied.
            unsafe {
                let p = self.alloc(new_layout);
                std::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size));
                self.dealloc(ptr, layout);
                return p;
            }
        }
        // A pooled block is a `malloc` block too: `realloc` may grow it.
        // SAFETY: as above.
        checked(unsafe { System.realloc(ptr, layout, new_size) }, new_size)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if pooled(layout) {
            // SAFETY: a block of this size's class (see `alloc`).
            return unsafe { crate::pool::free_sized(ptr, layout.size()) };
        }
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
