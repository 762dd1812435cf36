//! Linking: finding the runtime archive for a target and running the C linker.
//!
//! The compiled object defines `lm_program_main`; `liblumen_rt.a` (a Rust
//! staticlib) provides C `main`, the runtime functions and `lm_stack_limit`.
//! The system C compiler driver links the two with the native libraries the
//! Rust standard library needs (`rustc --print native-static-libs`):
//!
//! ```text
//! cc app.o liblumen_rt.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc \
//!    -Wl,--gc-sections -Wl,--strip-debug -Wl,-z,text -o app
//! ```
//!
//! `-Wl,-z,text` turns a text relocation into a link error instead of a
//! silently writable code segment (on aarch64 it would otherwise slip
//! through). `--static` adds `-static` and uses `-lgcc_eh` for `-lgcc_s`.
//!
//! `-Wl,--strip-debug` drops the DWARF `.debug_*` sections the Rust standard
//! library brings along in the archive: about 3.9 MB of the 4.4 MB of a
//! dynamically linked "Hello, world!" (470 KB without them). It keeps the
//! symbol table and `.eh_frame` (unwind tables, which the generated code's
//! FDEs live in and profilers and debuggers use). It strips *all* `.debug_*`
//! sections, which is harmless while the compiled object has none (`-g`
//! keeps the symbol table and unwind tables but emits no DWARF line tables
//! yet, as `--help` says); once it does, this flag must only be used with
//! `-g0`, and the runtime archive be stripped instead (`objcopy
//! --strip-debug liblumen_rt.a` when it is built or installed). `-g0` adds
//! `-Wl,--strip-all`: no symbol table either.
//!
//! This module only uses `std`, so the code generator's tests can include it
//! with `#[path]` and link exactly as the driver does.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The runtime archive's file name.
pub const RUNTIME_ARCHIVE: &str = "liblumen_rt.a";

/// Environment variable naming a directory with the runtime archive
/// (`DIR/<target>/liblumen_rt.a` or `DIR/liblumen_rt.a`).
pub const RUNTIME_DIR_ENV: &str = "LUMEN_RUNTIME_DIR";

/// Native libraries of a Rust staticlib on `*-linux-gnu`, in order, from
/// `cargo rustc -p lumen_rt --crate-type staticlib -- --print native-static-libs`.
const NATIVE_LIBS: &[&str] = &["-lutil", "-lrt", "-lpthread", "-lm", "-ldl", "-lc"];

/// A toolchain failure: the runtime is missing, the linker is missing, or the
/// link failed. The driver prints `error: {message}` and exits with status 3.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkError {
    message: String,
}

impl LinkError {
    fn new(message: impl Into<String>) -> Self {
        LinkError {
            message: message.into(),
        }
    }

    /// The complete message, possibly several lines (command, stderr, help).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LinkError {}

/// The target `lumenc` itself runs on, which is the default `--target`.
pub fn host_target() -> String {
    format!("{}-unknown-linux-gnu", std::env::consts::ARCH)
}

/// Where to look for the runtime of `target`, best first. Pure, so the search
/// order is testable: `env_dir` is `$LUMEN_RUNTIME_DIR`, `exe_dir` the
/// directory of the running `lumenc`.
pub fn runtime_candidates(
    target: &str,
    env_dir: Option<&Path>,
    exe_dir: Option<&Path>,
) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(dir) = env_dir {
        out.push(dir.join(target).join(RUNTIME_ARCHIVE));
        out.push(dir.join(RUNTIME_ARCHIVE));
    }
    if let Some(exe_dir) = exe_dir {
        // Test binaries run from `target/<profile>/deps`.
        let exe_dir = if exe_dir.file_name().is_some_and(|n| n == "deps") {
            exe_dir.parent().unwrap_or(exe_dir)
        } else {
            exe_dir
        };
        // Cargo: the host archive lands next to the binary in
        // `target/<profile>/`; a cross build in `target/<triple>/<profile>/`.
        if target == host_target() {
            out.push(exe_dir.join(RUNTIME_ARCHIVE));
        }
        if let (Some(target_dir), Some(profile)) = (exe_dir.parent(), exe_dir.file_name()) {
            out.push(target_dir.join(target).join(profile).join(RUNTIME_ARCHIVE));
            // A cross runtime built with the other profile serves as well
            // (the same sources): a release `lumenc` finds the runtime of
            // `cargo build -p lumen_rt --target …` without `--release`.
            let other = match profile.to_str() {
                Some("release") => Some("debug"),
                Some("debug") => Some("release"),
                _ => None,
            };
            if let (Some(other), true) = (other, target != host_target()) {
                out.push(target_dir.join(target).join(other).join(RUNTIME_ARCHIVE));
            }
        }
        // Installed: `<prefix>/bin/lumenc`, `<prefix>/lib/lumen/<target>/`.
        if let Some(prefix) = exe_dir.parent() {
            out.push(
                prefix
                    .join("lib")
                    .join("lumen")
                    .join(target)
                    .join(RUNTIME_ARCHIVE),
            );
        }
    }
    out
}

/// Locates `liblumen_rt.a` for `target` without user-given paths, so
/// `lumenc app.lm --target aarch64-unknown-linux-gnu` just works once the
/// runtime for that target is built or installed.
pub fn find_runtime(target: &str) -> Result<PathBuf, LinkError> {
    let env_dir = std::env::var_os(RUNTIME_DIR_ENV).map(PathBuf::from);
    let exe = std::env::current_exe().ok();
    let exe_dir = exe.as_deref().and_then(Path::parent);
    let candidates = runtime_candidates(target, env_dir.as_deref(), exe_dir);
    // An archive built for another architecture (a directory of the host's
    // runtime given for a cross target) is passed over, not handed to the
    // linker, which would print pages of relocation errors.
    let mut wrong_arch = Vec::new();
    for candidate in candidates.iter().filter(|p| p.is_file()) {
        match archive_machine(candidate) {
            Some(machine) if Some(machine) != elf_machine(target) => {
                wrong_arch.push(format!(
                    "  {} is built for another architecture (ELF machine {machine})",
                    candidate.display()
                ));
            }
            _ => return Ok(candidate.clone()),
        }
    }

    let release = exe_dir.is_some_and(|d| d.ends_with("release"));
    let profile_flag = if release { " --release" } else { "" };
    let build = if target == host_target() {
        format!("cargo build -p lumen_rt{profile_flag}")
    } else {
        format!(
            "rustup target add {target} && cargo build -p lumen_rt --target {target}{profile_flag}"
        )
    };
    let looked: Vec<String> = candidates
        .iter()
        .map(|p| format!("  {}", p.display()))
        .chain(wrong_arch)
        .collect();
    Err(LinkError::new(format!(
        "the Lumen runtime for `{target}` is not installed\n\
         looked for {RUNTIME_ARCHIVE} in:\n{}\n\
         help: build it with `{build}`, or set {RUNTIME_DIR_ENV} to the directory that holds it",
        looked.join("\n")
    )))
}

/// The ELF `e_machine` of code for `target` (`None` if not known here).
fn elf_machine(target: &str) -> Option<u16> {
    match target.split('-').next()? {
        "x86_64" => Some(62),
        "aarch64" => Some(183),
        _ => None,
    }
}

/// The ELF `e_machine` of the first object in the `ar` archive at `path`;
/// `None` when it cannot be read (the linker then says what is wrong).
fn archive_machine(path: &Path) -> Option<u16> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path).ok()?;
    let mut magic = [0u8; 8];
    file.read_exact(&mut magic).ok()?;
    if &magic != b"!<arch>\n" {
        return None;
    }
    let mut offset = 8u64;
    // Symbol and name tables come first; a few hundred members at most
    // are looked at.
    for _ in 0..512 {
        let mut header = [0u8; 60];
        file.seek(SeekFrom::Start(offset)).ok()?;
        file.read_exact(&mut header).ok()?;
        let size: u64 = std::str::from_utf8(&header[48..58])
            .ok()?
            .trim()
            .parse()
            .ok()?;
        let mut elf = [0u8; 20];
        if size >= 20 && file.read_exact(&mut elf).is_ok() && &elf[..4] == b"\x7fELF" {
            return Some(u16::from_le_bytes([elf[18], elf[19]]));
        }
        // Members are aligned to two bytes.
        offset += 60 + size + (size & 1);
    }
    None
}

/// The linker to use for `target` when `--linker` is not given.
pub fn default_linker(target: &str) -> String {
    if target == host_target() {
        "cc".to_string()
    } else {
        let arch = target.split('-').next().unwrap_or(target);
        format!("{arch}-linux-gnu-gcc")
    }
}

/// How to install the default linker for `target` (Debian package names).
fn install_hint(target: &str) -> String {
    if target == host_target() {
        "apt-get install gcc".to_string()
    } else if target.starts_with("aarch64") {
        "apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross".to_string()
    } else {
        let arch = target.split('-').next().unwrap_or(target).replace('_', "-");
        format!("apt-get install gcc-{arch}-linux-gnu")
    }
}

/// The linker's arguments (without the linker itself). Pure, for tests.
/// How to link, beyond the target.
#[derive(Clone, Copy, Debug, Default)]
pub struct LinkOptions {
    /// `--static`: no shared libraries.
    pub static_link: bool,
    /// `-g0`: no symbol table either (`-Wl,--strip-all`); the unwind tables
    /// stay, since failures unwind through them.
    pub strip_symbols: bool,
}

pub fn link_args(object: &Path, runtime: &Path, output: &Path, opts: LinkOptions) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec![object.into(), runtime.into()];
    if opts.static_link {
        args.push("-static".into());
        args.push("-lgcc_eh".into());
    } else {
        args.push("-lgcc_s".into());
    }
    args.extend(NATIVE_LIBS.iter().map(OsString::from));
    args.push("-Wl,--gc-sections".into());
    // The runtime's (std's) DWARF; see the module docs before the compiled
    // object has debug info of its own.
    args.push("-Wl,--strip-debug".into());
    if opts.strip_symbols {
        args.push("-Wl,--strip-all".into());
    }
    args.push("-Wl,-z,text".into());
    args.push("-o".into());
    args.push(output.into());
    args
}

/// Links `object` with the runtime for `target` into the executable `output`.
pub fn link(
    object: &Path,
    output: &Path,
    target: &str,
    opts: LinkOptions,
    linker: Option<&Path>,
) -> Result<(), LinkError> {
    let runtime = find_runtime(target)?;
    link_with_runtime(object, &runtime, output, target, opts, linker)
}

/// [`link`] with an explicit runtime archive (tests use the one they built).
pub fn link_with_runtime(
    object: &Path,
    runtime: &Path,
    output: &Path,
    target: &str,
    opts: LinkOptions,
    linker: Option<&Path>,
) -> Result<(), LinkError> {
    let linker: PathBuf = match linker {
        Some(path) => path.to_path_buf(),
        None => PathBuf::from(default_linker(target)),
    };
    let args = link_args(object, runtime, output, opts);
    let shown = std::iter::once(linker.as_os_str().to_string_lossy().into_owned())
        .chain(args.iter().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ");

    let result = Command::new(&linker).args(&args).output();
    let out = match result {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(LinkError::new(format!(
                "linker `{}` not found (running `{shown}`)\n\
                 help: install it with `{}`, or pass another one with `--linker PATH`",
                linker.display(),
                install_hint(target)
            )));
        }
        Err(e) => {
            return Err(LinkError::new(format!(
                "could not run the linker `{}`: {e} (command: `{shown}`)",
                linker.display()
            )));
        }
    };
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        return Err(LinkError::new(format!(
            "linking failed ({}): `{shown}`\n{}{}",
            out.status,
            stderr.trim_end(),
            if stdout.trim().is_empty() {
                String::new()
            } else {
                format!("\n{}", stdout.trim_end())
            }
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archives_are_told_apart_by_architecture() {
        let dir = std::env::temp_dir().join(format!("lumenc-ar-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // An archive with a symbol table member, then an aarch64 object.
        let mut ar = b"!<arch>\n".to_vec();
        let member = |name: &str, body: &[u8]| {
            let mut m = format!(
                "{name:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
                0,
                0,
                0,
                644,
                body.len()
            )
            .into_bytes();
            m.extend_from_slice(body);
            if body.len() % 2 == 1 {
                m.push(b'\n');
            }
            m
        };
        ar.extend(member("/", b"symbols"));
        let mut elf = b"\x7fELF".to_vec();
        elf.resize(18, 0);
        elf.extend_from_slice(&183u16.to_le_bytes());
        elf.resize(64, 0);
        ar.extend(member("rt.o/", &elf));
        let path = dir.join("liblumen_rt.a");
        std::fs::write(&path, ar).unwrap();
        assert_eq!(archive_machine(&path), Some(183));
        assert_eq!(elf_machine("aarch64-unknown-linux-gnu"), Some(183));
        assert_eq!(elf_machine("x86_64-unknown-linux-gnu"), Some(62));
        std::fs::write(&path, b"not an archive").unwrap();
        assert_eq!(archive_machine(&path), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn candidates_cover_env_cargo_and_install_layouts() {
        let host = host_target();
        let c = runtime_candidates(
            &host,
            Some(Path::new("/rt")),
            Some(Path::new("/w/target/debug")),
        );
        assert_eq!(c[0], Path::new("/rt").join(&host).join(RUNTIME_ARCHIVE));
        assert_eq!(c[1], Path::new("/rt/liblumen_rt.a"));
        assert_eq!(c[2], Path::new("/w/target/debug/liblumen_rt.a"));
        assert!(c.contains(
            &Path::new("/w/target")
                .join(&host)
                .join("debug/liblumen_rt.a")
        ));

        let cross = "aarch64-unknown-linux-gnu";
        let other = if host.starts_with("aarch64") {
            "x86_64-unknown-linux-gnu"
        } else {
            cross
        };
        let c = runtime_candidates(other, None, Some(Path::new("/w/target/release/deps")));
        assert_eq!(
            c,
            vec![
                Path::new("/w/target")
                    .join(other)
                    .join("release/liblumen_rt.a"),
                Path::new("/w/target")
                    .join(other)
                    .join("debug/liblumen_rt.a"),
                Path::new("/w/target/lib/lumen")
                    .join(other)
                    .join("liblumen_rt.a"),
            ]
        );
    }

    #[test]
    fn link_line_matches_the_native_static_libs() {
        let plain = LinkOptions::default();
        let args = link_args(Path::new("a.o"), Path::new("rt.a"), Path::new("a"), plain);
        let args: Vec<_> = args.iter().map(|a| a.to_str().unwrap()).collect();
        assert_eq!(
            args.join(" "),
            "a.o rt.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -Wl,--gc-sections -Wl,--strip-debug -Wl,-z,text -o a"
        );
        let static_link = LinkOptions {
            static_link: true,
            ..plain
        };
        let args = link_args(
            Path::new("a.o"),
            Path::new("rt.a"),
            Path::new("a"),
            static_link,
        );
        assert!(args.iter().any(|a| a == "-static"));
        assert!(args.iter().any(|a| a == "-lgcc_eh"));
        assert!(!args.iter().any(|a| a == "-lgcc_s"));
        assert!(!args.iter().any(|a| a == "-Wl,--strip-all"));
        let stripped = LinkOptions {
            strip_symbols: true,
            ..plain
        };
        let args = link_args(
            Path::new("a.o"),
            Path::new("rt.a"),
            Path::new("a"),
            stripped,
        );
        assert!(args.iter().any(|a| a == "-Wl,--strip-all"));
    }

    #[test]
    fn missing_linker_says_how_to_install_it() {
        let err = link_with_runtime(
            Path::new("a.o"),
            Path::new("rt.a"),
            Path::new("a"),
            "aarch64-unknown-linux-gnu",
            LinkOptions::default(),
            Some(Path::new("/nonexistent/lumen-test-linker")),
        )
        .unwrap_err();
        assert!(err.message().contains("not found"), "{}", err.message());
        assert!(
            err.message().contains("gcc-aarch64-linux-gnu"),
            "{}",
            err.message()
        );
    }
}
