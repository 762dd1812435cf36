//! The C `main` of every Lumen program.
//!
//! The runtime owns `main` (not the compiler) because Rust's start-up code
//! never runs in a program whose `main` is not Rust's: this is where the
//! process is prepared — arguments stored, panic hook, SIGPIPE ignored, the
//! guard-page handler installed, stdout buffering chosen — before the compiled
//! entry `lm_program_main` runs as the first task. Its result is the exit
//! status; stdout is flushed before returning it.
//!
//! The export is left out of the crate's own unit-test build, whose test
//! harness has its own `main` and no `lm_program_main`.

use std::ffi::{c_char, c_int, CStr};
use std::sync::atomic::{AtomicIsize, AtomicPtr, Ordering};

use crate::{output, overflow};

static ARGC: AtomicIsize = AtomicIsize::new(0);
static ARGV: AtomicPtr<*const c_char> = AtomicPtr::new(std::ptr::null_mut());

/// The program's command-line arguments (program name first), lossily
/// decoded as UTF-8. Empty before `main` ran (e.g. in unit tests).
pub fn args() -> Vec<String> {
    let argc = ARGC.load(Ordering::Relaxed).max(0) as usize;
    let argv = ARGV.load(Ordering::Relaxed);
    if argv.is_null() {
        return Vec::new();
    }
    (0..argc)
        // SAFETY: argv holds argc valid NUL-terminated strings for the whole
        // life of the process.
        .filter_map(|i| unsafe { argv.add(i).read().as_ref() })
        .map(|p| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
        .collect()
}

/// Prepares the process; everything the C `main` does before running tasks.
#[cfg_attr(test, allow(dead_code))]
fn init(argc: c_int, argv: *const *const c_char) {
    ARGC.store(argc as isize, Ordering::Relaxed);
    ARGV.store(argv as *mut _, Ordering::Relaxed);
    // A panic in the runtime is a runtime bug: report it as such and abort
    // before any unwinding could reach generated code.
    std::panic::set_hook(Box::new(|info| {
        crate::errors::internal_error(&info.to_string());
    }));
    // Writing to a closed pipe or socket must not kill the program: stdout
    // handles EPIPE itself (see `output`), and tools handle their sockets.
    // SAFETY: setting a signal disposition has no memory-safety impact.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    overflow::install_guard_handler();
    output::init();
    keep_big_blocks_on_the_heap();
}

/// glibc gives every block above its mmap threshold a mapping of its own and
/// unmaps it when freed; the threshold adapts to the blocks a program frees
/// but stops at 32 MiB. A program that rebuilds a big list (5M elements are
/// 40 MB of slots) then maps, faults in and unmaps all of it every time,
/// which costs more than filling it. Blocks up to 128 MiB stay on the heap
/// instead, and up to 128 MiB of freed heap is kept for reuse before it is
/// returned to the system.
fn keep_big_blocks_on_the_heap() {
    #[cfg(target_env = "gnu")]
    // SAFETY: `mallopt` only changes allocator tuning; called before any
    // task runs, from the only thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 128 << 20);
        // No fastbins: a program with many tasks frees many small blocks
        // (task bodies, future cells), and every large request (a list of
        // 100k futures growing) then made glibc consolidate all of them
        // (`malloc_consolidate`, a third of spawn_yield's time). Small
        // Lumen objects come from the runtime's own pool, not from here.
        libc::mallopt(libc::M_MXFAST, 0);
    }
}

#[cfg(not(test))]
mod c_main {
    use super::*;
    use crate::scheduler;

    extern "C" {
        /// The compiled program (`lumen_abi::PROGRAM_ENTRY`): returns the exit
        /// status.
        fn lm_program_main() -> i64;
    }

    #[no_mangle]
    pub extern "C" fn main(argc: c_int, argv: *const *const c_char) -> c_int {
        init(argc, argv);
        // SAFETY: the program entry is an ordinary function compiled against
        // this runtime's ABI; it runs on the main task's stack.
        let status = scheduler::run_main(Box::new(|| {
            // SAFETY: as above.
            let status = unsafe { lm_program_main() };
            if crate::errors::is_failing() {
                // `main` failed and has left its frames: report it.
                crate::errors::report_and_exit(&crate::errors::take_pending_failure());
            }
            status
        }));
        output::flush_stdout();
        status as c_int
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn args_are_empty_before_main() {
        assert!(super::args().is_empty());
    }
}
