//! Environment, files, time and randomness (builtins.md): `env`,
//! `read_line`, `read_file`, `write_file`, `now_ms`, `monotonic_ms`,
//! `random`, `random_int`, `uuid`.
//!
//! Randomness comes from a SplitMix64 generator shared by all tasks (one
//! atomic counter), seeded once from `/dev/urandom` (or the clock and the
//! process id when that cannot be read). It is not meant for cryptography.

use std::io::{BufRead, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use lumen_abi::{SourceLoc, TypeDesc};

use super::convert::{new_result, quote, string_result};
use crate::errors::fail_current_task;
use crate::objects::EnumObj;
use crate::output;
use crate::strings::{as_str, new_string, LmString};

/// `env(name)`: the variable's value, or null (0) when it is not set or the
/// name cannot name a variable (empty, or containing `=` or NUL). A value
/// that is not UTF-8 has the invalid bytes replaced by U+FFFD.
///
/// # Safety
/// `name` must be a live string.
#[no_mangle]
pub unsafe extern "C" fn lm_env(name: *const LmString) -> *mut LmString {
    // SAFETY: caller's contract.
    let name = unsafe { as_str(name) };
    if name.is_empty() || name.contains(['=', '\0']) {
        return std::ptr::null_mut();
    }
    match std::env::var_os(name) {
        Some(v) => new_string(&v.to_string_lossy()),
        None => std::ptr::null_mut(),
    }
}

/// `read_line()`: the next line of standard input without its `\n` or
/// `\r\n`, or null (0) at the end of input. Buffered stdout is flushed first,
/// so prompts appear; invalid UTF-8 is replaced by U+FFFD.
#[no_mangle]
pub extern "C" fn lm_read_line() -> *mut LmString {
    output::flush_stdout();
    let mut data = Vec::new();
    // A read error ends the input, like end of file.
    let n = std::io::stdin()
        .lock()
        .read_until(b'\n', &mut data)
        .unwrap_or(0);
    if n == 0 && data.is_empty() {
        return std::ptr::null_mut();
    }
    if data.last() == Some(&b'\n') {
        data.pop();
        if data.last() == Some(&b'\r') {
            data.pop();
        }
    }
    new_string(&String::from_utf8_lossy(&data))
}

/// The reason in an I/O error message: the system's text, lower-cased at
/// the start, without Rust's ` (os error N)` suffix.
pub fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    let text = match text.find(" (os error ") {
        Some(at) => &text[..at],
        None => &text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => "unknown error".to_string(),
    }
}

/// The message of a failed `read_file`.
pub fn read_error_message(path: &str, reason: &str) -> String {
    format!("cannot read {}: {reason}", quote(path))
}

/// The message of a failed `write_file`.
pub fn write_error_message(path: &str, reason: &str) -> String {
    format!("cannot write {}: {reason}", quote(path))
}

/// The contents of a file as text, or the error message.
pub fn read_text(path: &str) -> Result<String, String> {
    let mut data = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut data))
        .map_err(|e| read_error_message(path, &io_reason(&e)))?;
    String::from_utf8(data).map_err(|_| read_error_message(path, "the file is not valid UTF-8"))
}

/// `read_file(path)`: `ok(text)` or `err(message)` as a
/// `result[String, String]` of the descriptor `result_desc`.
///
/// # Safety
/// `path` must be a live string, `result_desc` the descriptor of
/// `result[String, String]`.
#[no_mangle]
pub unsafe extern "C" fn lm_read_file(
    path: *const LmString,
    result_desc: *const TypeDesc,
) -> *mut EnumObj {
    // SAFETY: caller's contract.
    unsafe {
        match read_text(as_str(path)) {
            Ok(text) => string_result(result_desc, true, &text),
            Err(message) => string_result(result_desc, false, &message),
        }
    }
}

/// `write_file(path, text)`: creates or truncates the file and writes the
/// text; `ok(null)` or `err(message)` as a `result[Null, String]`.
///
/// # Safety
/// `path` and `text` must be live strings, `result_desc` the descriptor of
/// `result[Null, String]`.
#[no_mangle]
pub unsafe extern "C" fn lm_write_file(
    path: *const LmString,
    text: *const LmString,
    result_desc: *const TypeDesc,
) -> *mut EnumObj {
    // SAFETY: caller's contract.
    unsafe {
        let path = as_str(path);
        match std::fs::write(path, as_str(text)) {
            Ok(()) => new_result(result_desc, true, 0),
            Err(e) => string_result(
                result_desc,
                false,
                &write_error_message(path, &io_reason(&e)),
            ),
        }
    }
}

/// `now_ms()`: wall-clock milliseconds since the Unix epoch.
#[no_mangle]
pub extern "C" fn lm_now_ms() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis().min(i64::MAX as u128) as i64,
        Err(e) => -(e.duration().as_millis().min(i64::MAX as u128) as i64),
    }
}

/// `monotonic_ms()`: milliseconds on a clock that never goes back, counted
/// from the first call in the process.
#[no_mangle]
pub extern "C" fn lm_monotonic_ms() -> i64 {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = *START.get_or_init(Instant::now);
    start.elapsed().as_millis().min(i64::MAX as u128) as i64
}

/// The generator's state (module docs).
fn state() -> &'static AtomicU64 {
    static STATE: OnceLock<AtomicU64> = OnceLock::new();
    STATE.get_or_init(|| AtomicU64::new(seed()))
}

fn seed() -> u64 {
    let mut bytes = [0u8; 8];
    let from_os = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .is_ok();
    if from_os {
        return u64::from_le_bytes(bytes);
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 32)
}

/// The next 64 random bits (SplitMix64).
pub fn next_u64() -> u64 {
    const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut z = state()
        .fetch_add(GAMMA, Ordering::Relaxed)
        .wrapping_add(GAMMA);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniformly random Int in `lo..=hi` (`lo <= hi`), without modulo bias.
pub fn int_in(lo: i64, hi: i64) -> i64 {
    let span = (hi as i128 - lo as i128 + 1) as u128;
    if span > u64::MAX as u128 {
        return next_u64() as i64;
    }
    let span = span as u64;
    // The largest multiple of `span` that fits: draws at or above it are
    // redrawn so every residue is equally likely.
    let limit = (u64::MAX / span) * span;
    loop {
        let x = next_u64();
        if x < limit {
            return (lo as i128 + (x % span) as i128) as i64;
        }
    }
}

/// The message of `random_int` with bounds the wrong way round.
pub fn random_int_message(lo: i64, hi: i64) -> String {
    format!("random_int: the lower bound {lo} is greater than the upper bound {hi}")
}

/// `random()`: a Float in `[0, 1)` with 53 random bits.
#[no_mangle]
pub extern "C" fn lm_random() -> f64 {
    (next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// `random_int(lo, hi)`: an Int in `lo..=hi`; `lo > hi` fails at `loc`.
///
/// # Safety
/// `loc` must be null or a valid location.
#[no_mangle]
pub unsafe extern "C" fn lm_random_int(lo: i64, hi: i64, loc: *const SourceLoc) -> i64 {
    crate::errors::guard(|| {
        if lo > hi {
            // SAFETY: caller's contract.
            unsafe { fail_current_task(&random_int_message(lo, hi), loc) }
        }
        int_in(lo, hi)
    })
}

/// The text of a random (version 4, RFC 4122 variant) UUID.
pub fn uuid_text() -> String {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&next_u64().to_le_bytes());
    b[8..].copy_from_slice(&next_u64().to_le_bytes());
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// `uuid()`: a random version 4 UUID in lower-case hex (`8-4-4-4-12`).
#[no_mangle]
pub extern "C" fn lm_uuid() -> *mut LmString {
    new_string(&uuid_text())
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use crate::objects::fields;
    use crate::typedesc::test_descs::{enumeration, null, string, variant};
    use crate::typedesc::Ty;

    fn result_ty(ok: Ty) -> Ty {
        enumeration(
            "Result",
            &[
                variant("ok", &[("", ok)]),
                variant("err", &[("", string())]),
            ],
        )
    }

    #[test]
    fn environment() {
        no_leaks(|| unsafe {
            let name = s("PATH");
            let v = lm_env(name);
            assert!(!v.is_null());
            release(v);
            release(name);
            for bad in ["", "A=B", "LUMEN_SURELY_UNSET_VARIABLE_42"] {
                let name = s(bad);
                assert!(lm_env(name).is_null(), "{bad:?}");
                release(name);
            }
        });
    }

    #[test]
    fn files_round_trip() {
        let dir = std::env::temp_dir().join(format!("lumen-rt-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.txt").to_string_lossy().into_owned();
        let read_ty = result_ty(string());
        let write_ty = result_ty(null());
        no_leaks(|| unsafe {
            let p = s(&path);
            let t = s("héllo\n");
            let w = lm_write_file(p, t, write_ty.as_ptr());
            assert_eq!((*w).tag, 0);
            release(w);
            let r = lm_read_file(p, read_ty.as_ptr());
            assert_eq!((*r).tag, 0);
            let payload = fields(r.cast()).0.read() as usize as *const LmString;
            assert_eq!(text(payload), "héllo\n");
            release(r);
            release(t);
            release(p);
        });
        std::fs::write(dir.join("bad.txt"), [0xff, 0xfe]).unwrap();
        let bad = dir.join("bad.txt").to_string_lossy().into_owned();
        assert_eq!(
            read_text(&bad),
            Err(format!(
                "cannot read \"{bad}\": the file is not valid UTF-8"
            ))
        );
        let missing = dir.join("missing.txt").to_string_lossy().into_owned();
        assert_eq!(
            read_text(&missing),
            Err(format!(
                "cannot read \"{missing}\": no such file or directory"
            ))
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn time() {
        assert!(lm_now_ms() > 1_600_000_000_000);
        let a = lm_monotonic_ms();
        let b = lm_monotonic_ms();
        assert!(0 <= a && a <= b);
    }

    #[test]
    fn randomness() {
        for _ in 0..1000 {
            let f = lm_random();
            assert!((0.0..1.0).contains(&f));
            let n = int_in(-3, 3);
            assert!((-3..=3).contains(&n));
            assert_eq!(int_in(5, 5), 5);
            let _ = int_in(i64::MIN, i64::MAX);
            let n = int_in(i64::MAX - 1, i64::MAX);
            assert!(n >= i64::MAX - 1);
        }
        let seen: std::collections::HashSet<i64> = (0..200).map(|_| int_in(0, 3)).collect();
        assert_eq!(seen.len(), 4);
        assert_eq!(
            random_int_message(3, 1),
            "random_int: the lower bound 3 is greater than the upper bound 1"
        );
    }

    #[test]
    fn uuids() {
        let u = uuid_text();
        assert_eq!(u.len(), 36);
        let parts: Vec<&str> = u.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'));
        assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
        assert_ne!(uuid_text(), u);
        no_leaks(|| release(lm_uuid()));
    }
}
