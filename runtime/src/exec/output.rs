//! Program output: a large stdout buffer and unbuffered stderr.
//!
//! Stream 1 (stdout) collects into a 64 KiB buffer that is written when full,
//! at exit, by `lm_exit`, and before anything goes to stderr (so that output
//! and error messages appear in program order). When stdout is a terminal the
//! buffer is also flushed at every newline so interactive output is not
//! delayed. Stream 2 (stderr) is written at once.
//!
//! The buffer sits behind a `Mutex` although one thread runs Lumen code: it
//! costs an uncontended atomic, keeps the code safe when blocking work moves
//! to helper threads, and lets the fault handler use `try_lock` to flush
//! without deadlocking if the fault hit while the buffer was in use.
//!
//! Write errors: a closed pipe on stdout (`prog | head`) ends the program
//! quietly with status 141, the status a shell reports for a process killed
//! by SIGPIPE (the signal itself is ignored; see [`crate::entry`]). Any other
//! error (stdout closed, disk full) discards stdout from then on: there is
//! nowhere to report it.

use std::fmt;
use std::sync::Mutex;

use crate::display;
use crate::strings::{bytes, LmString};

/// Size at which the stdout buffer is written out.
const STDOUT_CAPACITY: usize = 64 * 1024;

/// Exit status when stdout's reader has gone away (128 + SIGPIPE).
pub const BROKEN_PIPE_STATUS: i32 = 141;

struct Stdout {
    buf: Vec<u8>,
    /// Flush at each newline (stdout is a terminal).
    line_buffered: bool,
    /// A write failed for good: drop further output.
    discard: bool,
}

static STDOUT: Mutex<Stdout> = Mutex::new(Stdout {
    buf: Vec::new(),
    line_buffered: false,
    discard: false,
});

fn stdout() -> std::sync::MutexGuard<'static, Stdout> {
    // A poisoned lock only means a panic happened while printing, and panics
    // abort the program anyway; the buffer is still usable.
    STDOUT.lock().unwrap_or_else(|e| e.into_inner())
}

/// Decides the buffering mode; called once by the C `main`.
pub fn init() {
    // SAFETY: isatty only inspects the descriptor.
    let tty = unsafe { libc::isatty(1) } == 1;
    let mut out = stdout();
    out.line_buffered = tty;
    out.buf.reserve(STDOUT_CAPACITY);
}

/// Writes all of `data` to `fd`, retrying on EINTR and short writes.
fn write_fd(fd: i32, mut data: &[u8]) -> Result<(), i32> {
    while !data.is_empty() {
        // SAFETY: `data` is a valid readable slice.
        let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
        if n < 0 {
            let err = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
            if err == libc::EINTR {
                continue;
            }
            return Err(err);
        }
        data = &data[n as usize..];
    }
    Ok(())
}

impl Stdout {
    fn flush(&mut self) {
        if !self.buf.is_empty() && !self.discard {
            match write_fd(1, &self.buf) {
                Ok(()) => {}
                // SAFETY: _exit is always safe to call; nothing more can be
                // shown to anyone.
                Err(libc::EPIPE) => unsafe { libc::_exit(BROKEN_PIPE_STATUS) },
                Err(_) => self.discard = true,
            }
        }
        self.buf.clear();
    }

    fn push(&mut self, data: &[u8]) {
        if self.discard {
            return;
        }
        if self.buf.len() + data.len() > STDOUT_CAPACITY {
            self.flush();
            if data.len() > STDOUT_CAPACITY {
                // Too big to be worth copying.
                if let Err(libc::EPIPE) = write_fd(1, data) {
                    // SAFETY: as in `flush`.
                    unsafe { libc::_exit(BROKEN_PIPE_STATUS) }
                }
                return;
            }
        }
        self.buf.extend_from_slice(data);
    }
}

/// A destination for formatted output: the stdout buffer, or a scratch
/// buffer that goes to stderr in one write.
pub struct Sink<'a>(&'a mut Vec<u8>);

impl Sink<'_> {
    pub fn bytes(&mut self, b: &[u8]) {
        self.0.extend_from_slice(b);
    }
}

impl fmt::Write for Sink<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.bytes(s.as_bytes());
        Ok(())
    }
}

/// Runs `f` to produce output on `stream` (2 = stderr, anything else stdout).
pub fn emit(stream: i32, f: impl FnOnce(&mut Sink)) {
    if stream == 2 {
        let mut scratch = Vec::new();
        f(&mut Sink(&mut scratch));
        write_stderr(&scratch);
        return;
    }
    let mut out = stdout();
    if out.discard {
        return;
    }
    // Format straight into the buffer; flush afterwards if it grew too big.
    let start = out.buf.len();
    f(&mut Sink(&mut out.buf));
    let newline = out.line_buffered && out.buf[start..].contains(&b'\n');
    if out.buf.len() >= STDOUT_CAPACITY || newline {
        out.flush();
    }
}

/// Writes raw bytes to stdout (through the buffer).
pub fn write_stdout(data: &[u8]) {
    let mut out = stdout();
    out.push(data);
    if out.line_buffered && data.contains(&b'\n') {
        out.flush();
    }
}

/// Writes to stderr at once, after flushing stdout so the two interleave in
/// program order.
pub fn write_stderr(data: &[u8]) {
    flush_stdout();
    // Errors writing to stderr cannot be reported anywhere.
    let _ = write_fd(2, data);
}

/// Writes out everything buffered for stdout.
pub fn flush_stdout() {
    stdout().flush();
}

/// Flushes stdout only if no one holds the buffer, without allocating: for
/// signal handlers (the fault may have hit inside a write) and internal
/// errors (the bug may have struck while the buffer was locked).
pub(crate) fn flush_stdout_if_free() {
    if let Ok(mut out) = STDOUT.try_lock() {
        if !out.discard && !out.buf.is_empty() {
            let _ = write_fd(1, &out.buf);
        }
        out.buf.clear();
    }
}

/// Writes raw bytes to stderr without touching stdout (signal handlers,
/// internal errors).
pub(crate) fn write_stderr_raw(data: &[u8]) {
    let _ = write_fd(2, data);
}

/// `print` of an `Int`.
#[no_mangle]
pub extern "C" fn lm_write_int(stream: i32, v: i64) {
    emit(stream, |s| {
        let _ = display::int(s, v);
    });
}

/// `print` of a `Float`.
#[no_mangle]
pub extern "C" fn lm_write_float(stream: i32, v: f64) {
    emit(stream, |s| {
        let _ = display::float(s, v);
    });
}

/// `print` of a `Bool`.
#[no_mangle]
pub extern "C" fn lm_write_bool(stream: i32, v: i8) {
    emit(stream, |s| s.bytes(display::bool_text(v).as_bytes()));
}

/// `print(null)`.
#[no_mangle]
pub extern "C" fn lm_write_null(stream: i32) {
    emit(stream, |s| s.bytes(b"null"));
}

/// `print` of a `String` (borrowed).
///
/// # Safety
/// `s` must be a live string object.
#[no_mangle]
pub unsafe extern "C" fn lm_write_str(stream: i32, s: *const LmString) {
    // SAFETY: the caller passes a live string.
    let data = unsafe { bytes(s) };
    if stream == 2 {
        write_stderr(data);
    } else {
        write_stdout(data);
    }
}

/// The separator between `print` arguments.
#[no_mangle]
pub extern "C" fn lm_write_space(stream: i32) {
    emit(stream, |s| s.bytes(b" "));
}

/// The end of a `print`.
#[no_mangle]
pub extern "C" fn lm_write_newline(stream: i32) {
    emit(stream, |s| s.bytes(b"\n"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sink_collects_formatted_output() {
        let mut v = Vec::new();
        let mut s = Sink(&mut v);
        display::int(&mut s, -12).unwrap();
        s.bytes(b" ");
        display::float(&mut s, 2.0).unwrap();
        assert_eq!(v, b"-12 2.0");
    }
}
