//! Stack-overflow detection: the stack-limit protocol and the guard-page
//! fault handler.
//!
//! **First line: the prologue check.** The runtime exports
//! [`lm_stack_limit`]. Before switching to a task, the scheduler sets it to
//! that task's lowest usable address plus [`STACK_RESERVE`]; every generated
//! function compares its stack pointer with it in the prologue and calls
//! `lm_stack_overflow(loc)` when below. The reserve is left for the runtime
//! functions generated code calls (which do not check) and for printing the
//! error report. On the scheduler's own (native) stack the limit is 0: no
//! generated code runs there.
//!
//! **Second line: the guard page.** Code that overruns the reserve (a
//! runtime function recursing, a generated frame larger than the reserve)
//! faults in the guard region below the stack. A SIGSEGV/SIGBUS handler
//! running on an alternate signal stack recognises an address inside the
//! running task's guard, prints `error: stack overflow` and exits with
//! status 1. Any other fault is a bug: the handler says so, restores the default
//! action and returns, so the fault repeats and kills the process with the
//! real signal (and a core dump) instead of being disguised as a Lumen error.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::output;

/// The stack limit checked by every generated prologue (symbol
/// `lumen_abi::STACK_LIMIT_SYMBOL`). Same layout as a `usize`; an atomic so
/// the runtime can update it without `static mut`. One thread runs Lumen code
/// today; a multi-threaded scheduler would move it to thread-local storage.
#[allow(non_upper_case_globals)]
#[no_mangle]
pub static lm_stack_limit: AtomicUsize = AtomicUsize::new(0);

/// Bytes kept free below the limit for runtime code and error reporting.
pub const STACK_RESERVE: usize = 256 * 1024;

/// The running task's guard region, for the fault handler.
static GUARD_START: AtomicUsize = AtomicUsize::new(0);
static GUARD_END: AtomicUsize = AtomicUsize::new(0);

/// Size of the alternate signal stack.
const SIGNAL_STACK_SIZE: usize = 64 * 1024;

/// The stack limit for a stack whose lowest usable address is `bottom`.
/// Small stacks keep half of themselves as reserve.
pub fn limit_for(bottom: usize, size: usize) -> usize {
    bottom + STACK_RESERVE.min(size / 2)
}

/// Called by the scheduler just before switching to a task's stack.
pub(crate) fn enter_stack(limit: usize, guard: (usize, usize)) {
    GUARD_START.store(guard.0, Ordering::Relaxed);
    GUARD_END.store(guard.1, Ordering::Relaxed);
    lm_stack_limit.store(limit, Ordering::Relaxed);
}

/// The guard region of the running stack (to restore after a nested switch).
pub(crate) fn current_guard() -> (usize, usize) {
    (
        GUARD_START.load(Ordering::Relaxed),
        GUARD_END.load(Ordering::Relaxed),
    )
}

/// Called by the scheduler when back on its own stack.
pub(crate) fn leave_stack() {
    lm_stack_limit.store(0, Ordering::Relaxed);
    GUARD_START.store(0, Ordering::Relaxed);
    GUARD_END.store(0, Ordering::Relaxed);
}

/// Installs the alternate signal stack and the SIGSEGV/SIGBUS handler.
/// Called once by the C `main`, on the main thread.
pub fn install_guard_handler() {
    // SAFETY: plain system calls on memory we map for the purpose; the
    // handler only does async-signal-safe work (see `on_fault`).
    unsafe {
        let alt = libc::mmap(
            std::ptr::null_mut(),
            SIGNAL_STACK_SIZE,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if alt == libc::MAP_FAILED {
            // Without an alternate stack the handler cannot run on overflow;
            // the prologue check still works, so carry on.
            return;
        }
        let ss = libc::stack_t {
            ss_sp: alt,
            ss_flags: 0,
            ss_size: SIGNAL_STACK_SIZE,
        };
        libc::sigaltstack(&ss, std::ptr::null_mut());

        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_fault as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGSEGV, &action, std::ptr::null_mut());
        libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
    }
}

/// The fault handler. Async-signal-safe: atomics, `write`, `_exit`, and
/// `try_lock` on the stdout buffer (never blocks).
extern "C" fn on_fault(
    signal: libc::c_int,
    info: *mut libc::siginfo_t,
    _context: *mut libc::c_void,
) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
    let addr = unsafe { (*info).si_addr() } as usize;
    let (start, end) = (
        GUARD_START.load(Ordering::Relaxed),
        GUARD_END.load(Ordering::Relaxed),
    );
    if start <= addr && addr < end {
        output::flush_stdout_if_free();
        output::write_stderr_raw(b"error: stack overflow\n");
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(1) };
    }
    let mut msg = *b"internal runtime error: invalid memory access at 0x0000000000000000\n";
    let hex = b"0123456789abcdef";
    let digits_end = msg.len() - 1;
    for i in 0..16 {
        msg[digits_end - 1 - i] = hex[(addr >> (4 * i)) & 0xf];
    }
    output::write_stderr_raw(&msg);
    // SAFETY: restoring the default action is async-signal-safe; returning
    // re-executes the faulting instruction, which now kills the process.
    unsafe { libc::signal(signal, libc::SIG_DFL) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_keeps_the_reserve() {
        assert_eq!(limit_for(0x1000, 64 << 20), 0x1000 + STACK_RESERVE);
        assert_eq!(limit_for(0x1000, 128 * 1024), 0x1000 + 64 * 1024);
    }
}
