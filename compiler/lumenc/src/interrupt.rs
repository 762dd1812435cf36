//! What happens when `lumenc` is interrupted (SIGINT, SIGTERM, SIGHUP): the
//! files it is writing — the temporary object beside the output, the
//! temporary directory of `lumenc run` — are removed before it ends, and a
//! program that `lumenc run` is running gets the signal too.
//!
//! A thread of `signal-hook` receives the signals, so no work happens in a
//! signal handler. While a program runs, the signal is only passed on to it:
//! the main thread waits for the program, cleans up as usual, and then ends
//! by the same signal ([`end_like`]), as a shell expects of a process that
//! was interrupted. At any other time the thread removes the registered
//! paths itself and ends the process by the signal.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

/// The signals that end `lumenc` after cleaning up.
const HANDLED: [i32; 3] = [SIGINT, SIGTERM, SIGHUP];

/// What an interruption must undo now.
struct Pending {
    /// Files and directories to remove, in registration order.
    paths: Vec<PathBuf>,
    /// The program `lumenc run` is waiting for.
    child: Option<u32>,
}

static PENDING: Mutex<Pending> = Mutex::new(Pending {
    paths: Vec::new(),
    child: None,
});

fn pending() -> MutexGuard<'static, Pending> {
    // A panic while the lock was held leaves the list usable.
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Starts handling SIGINT, SIGTERM and SIGHUP. Without it (if the handlers
/// cannot be installed) the signals keep their default action.
pub fn install() {
    let Ok(mut signals) = signal_hook::iterator::Signals::new(HANDLED) else {
        return;
    };
    std::thread::spawn(move || {
        for signal in signals.forever() {
            on_signal(signal);
        }
    });
}

fn on_signal(signal: i32) {
    let pending = pending();
    if let Some(pid) = pending.child {
        // The program decides what the signal means; the main thread is
        // waiting for it and cleans up after it.
        unsafe { libc::kill(pid as libc::pid_t, signal) };
        return;
    }
    for path in pending.paths.iter().rev() {
        remove(path);
    }
    // The lock stays held: nothing may register a new path now.
    let _ = signal_hook::low_level::emulate_default_handler(signal);
}

fn remove(path: &Path) {
    if path.is_dir() {
        let _ = std::fs::remove_dir_all(path);
    } else {
        let _ = std::fs::remove_file(path);
    }
}

/// A file or directory that exists only while `lumenc` works: removed when
/// this is dropped, or when `lumenc` is interrupted before that.
pub struct TempPath {
    path: PathBuf,
}

impl TempPath {
    /// Registers `path` (which need not exist yet) for removal.
    pub fn new(path: PathBuf) -> TempPath {
        pending().paths.push(path.clone());
        TempPath { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let mut pending = pending();
        remove(&self.path);
        if let Some(i) = pending.paths.iter().rposition(|p| *p == self.path) {
            pending.paths.remove(i);
        }
    }
}

/// Marks `pid` as the program being run until this is dropped: signals are
/// passed on to it instead of ending `lumenc`.
pub struct RunningChild(());

impl RunningChild {
    pub fn new(pid: u32) -> RunningChild {
        pending().child = Some(pid);
        RunningChild(())
    }
}

impl Drop for RunningChild {
    fn drop(&mut self) {
        pending().child = None;
    }
}

/// After the program `lumenc run` ran was ended by `signal`: ends `lumenc`
/// the same way when it is one of the signals an interruption sends (the
/// caller has cleaned up), so a shell sees the interruption. For any other
/// signal this returns, and the caller exits with status 128 + signal.
pub fn end_like(signal: i32) {
    if HANDLED.contains(&signal) {
        let _ = signal_hook::low_level::emulate_default_handler(signal);
    }
}
