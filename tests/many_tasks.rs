//! 100,000 live suspended tasks (issue 10): the program runs under the
//! default `vm.max_map_count` (tasks take no mapping of their own), prints
//! the right total, and its peak resident memory stays under 1 GiB. Memory
//! is a bound, not a timing, so it is checked here; how long it takes is
//! measured by `tools/bench/run_async.py` (`sleepers`).

use std::path::Path;
use std::process::Command;

const LIMIT_BYTES: i64 = 1 << 30;

#[test]
fn a_hundred_thousand_suspended_tasks_fit_in_a_gigabyte() {
    let lumenc = lumen_tests::lumenc_path().expect("lumenc is built");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("scale/many_tasks.lm");
    let scratch = std::env::temp_dir().join(format!("lumen-many-tasks-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch dir");
    let exe = scratch.join("many_tasks");
    let built = Command::new(&lumenc)
        .arg("build")
        .arg(&source)
        .arg("-o")
        .arg(&exe)
        .output()
        .expect("run lumenc");
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    // The compiler's own peak is not the program's: measure the program in
    // a child of its own, through `wait4`.
    let child = Command::new(&exe)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run the program");
    let pid = child.id() as libc::pid_t;
    let mut stdout = child.stdout.expect("piped");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut text).expect("read stdout");
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid out-parameter.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet waited for.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "status {status}"
    );
    assert_eq!(text, "100000 299995\n");
    let peak = usage.ru_maxrss * 1024;
    assert!(
        peak < LIMIT_BYTES,
        "peak RSS {} MiB with 100,000 suspended tasks",
        peak >> 20
    );
    let _ = std::fs::remove_dir_all(&scratch);
}
