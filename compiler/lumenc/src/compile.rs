//! One compilation: reading the source, running the stages in order, rendering
//! diagnostics, and writing whatever the command asked for.
//!
//! The stages: modules are read and parsed, checked into HIR, lowered to MIR,
//! the MIR passes run (`lumen_mir::optimize::PASSES`, none at `-O0`; debug
//! builds verify the MIR between them), then code generation with its own
//! Cranelift-IR passes (`lumen_codegen::passes`), then the linker.
//!
//! Every stage is a pure function of its input; this module only sequences them
//! and does the I/O around them.

use std::path::Path;
use std::process::ExitCode;
use std::str::FromStr;

use lumen_diagnostics::{self as diagnostics, Color, Diagnostic, LineIndex, Severity};

use crate::cli::{Args, ColorArg, Emit};
use crate::interrupt;
use crate::link;
use crate::modules::{self, SourceFile};
use crate::stderr::say;

/// Why a command failed; each maps to one exit status.
pub enum Failure {
    /// Bad usage or an unreadable input file (exit 2).
    Usage(String),
    /// The program has errors; the diagnostics were already printed (exit 1).
    ProgramErrors,
    /// The linker or runtime is missing or failed (exit 3).
    Toolchain(String),
    /// A compiler bug found after checking, such as code generation failing
    /// (exit 101): the message and the input file it happened on.
    Internal { message: String, file: String },
}

pub struct Session {
    /// The main file, read; its `name` is the file as named on the command
    /// line (diagnostics and runtime errors use it).
    main: SourceFile,
    target: String,
    optimize: bool,
    color: Color,
    warnings_are_errors: bool,
    link: link::LinkOptions,
    linker: Option<std::path::PathBuf>,
    /// `--deterministic`: the program is checked and scheduled as under
    /// `@deterministic true` (cli.md).
    deterministic: bool,
}

/// How many diagnostics a run prints; the rest are counted (`… and N more`)
/// and in the summary line.
const MAX_SHOWN_DIAGNOSTICS: usize = 100;

const HOST_TARGET: &str = "x86_64-unknown-linux-gnu";
const AARCH64_TARGET: &str = "aarch64-unknown-linux-gnu";

fn host_target() -> &'static str {
    if cfg!(target_arch = "aarch64") {
        AARCH64_TARGET
    } else {
        HOST_TARGET
    }
}

impl Session {
    pub fn new(args: &Args) -> Result<Session, Failure> {
        let file_name = args.file.to_string_lossy().into_owned();
        let main = SourceFile::read(&args.file, String::new())
            .map_err(|e| Failure::Usage(format!("cannot read {file_name}: {e}")))?;
        let target = args
            .target
            .clone()
            .unwrap_or_else(|| host_target().to_string());
        if target != HOST_TARGET && target != AARCH64_TARGET {
            return Err(Failure::Usage(format!(
                "unsupported target `{target}` (supported: {HOST_TARGET}, {AARCH64_TARGET})"
            )));
        }
        let optimize = match args.opt.as_deref() {
            None | Some("1") | Some("2") | Some("") => true,
            Some("0") => false,
            Some(other) => {
                return Err(Failure::Usage(format!(
                    "unknown optimisation level `-O{other}` (use -O0, -O or -O2)"
                )))
            }
        };
        let strip_symbols = match args.debug.as_deref() {
            Some("0") => true,
            None | Some("1") | Some("") => false,
            Some(other) => {
                return Err(Failure::Usage(format!(
                    "unknown debug level `-g{other}` (use -g or -g0)"
                )))
            }
        };
        let warnings_are_errors = match args.warnings.as_deref() {
            None => false,
            Some("error") => true,
            Some(other) => {
                return Err(Failure::Usage(format!(
                    "unknown warning option `-W {other}` (use -W error)"
                )))
            }
        };
        let color = match args.color {
            ColorArg::Auto => Color::Auto,
            ColorArg::Always => Color::Always,
            ColorArg::Never => Color::Never,
        };
        Ok(Session {
            main,
            target,
            optimize,
            color,
            warnings_are_errors,
            link: link::LinkOptions {
                static_link: args.static_link,
                strip_symbols,
            },
            linker: args.linker.clone(),
            deterministic: args.deterministic,
        })
    }

    /// Prints diagnostics about the main file (sorted) and, when they stop
    /// the build, the summary line.
    fn emit_diagnostics(&self, diagnostics: Vec<Diagnostic>) -> Result<(), Failure> {
        let files = [(self.main.name.clone(), self.main.display_text.clone())];
        self.emit_file_diagnostics(&files, diagnostics)
    }

    /// Prints diagnostics about any of `files` (`Diagnostic::file` indexes it).
    fn emit_file_diagnostics(
        &self,
        files: &[(String, String)],
        mut diagnostics: Vec<Diagnostic>,
    ) -> Result<(), Failure> {
        diagnostics::sort(&mut diagnostics);
        // The first ones in source order are the useful ones; thousands more
        // (a generated file, a binary) only bury them.
        let shown = diagnostics.len().min(MAX_SHOWN_DIAGNOSTICS);
        diagnostics::render_files_to_stderr(files, &diagnostics[..shown], self.color);
        if diagnostics.len() > shown {
            say!("… and {} more", diagnostics.len() - shown);
        }
        let fails = diagnostics
            .iter()
            .any(|d| d.is_error() || self.warnings_are_errors);
        if fails {
            say!(
                "error: {}",
                diagnostics::summary(&self.main.name, &diagnostics)
            );
            return Err(Failure::ProgramErrors);
        }
        Ok(())
    }

    fn syntax_diagnostics(&self, parse: &lumen_syntax::Parse) -> Vec<Diagnostic> {
        syntax_diagnostics(&self.main, parse)
    }

    /// Loads, parses and checks every module; on success returns the typed
    /// program and each module's (file name, code) for error locations.
    fn front_end(&self) -> Result<(lumen_sema::hir::Program, Vec<(String, String)>), Failure> {
        let loaded = modules::load(self.main.clone(), Path::new(&self.main.name));
        let files: Vec<(String, String)> = loaded
            .modules
            .iter()
            .map(|m| (m.file.name.clone(), m.file.display_text.clone()))
            .collect();
        let mut early = loaded.diagnostics;
        for (index, module) in loaded.modules.iter().enumerate() {
            for mut d in syntax_diagnostics(&module.file, &module.parse) {
                d.file = index;
                early.push(d);
            }
        }
        let sema_modules: Vec<lumen_sema::Module> = loaded
            .modules
            .iter()
            .map(|m| lumen_sema::Module {
                name: m.file.module.clone(),
                tree: m.parse.tree(),
            })
            .collect();
        let options = lumen_sema::Options {
            deterministic: self.deterministic,
        };
        if early.iter().any(|d| d.severity == Severity::Error) {
            // A syntax error in one declaration does not hide the type
            // errors of the others (issue 12): the checker runs on the
            // recovered trees, and its errors outside the broken
            // declarations are shown too. Names it cannot find are left
            // out (a broken declaration may be what declares them), and a
            // checker that trips on a broken tree adds nothing.
            let broken: Vec<(usize, std::ops::Range<usize>)> = loaded
                .modules
                .iter()
                .enumerate()
                .flat_map(|(index, m)| broken_items(index, &m.file, &m.parse))
                .collect();
            let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                lumen_sema::check_modules_with(&sema_modules, options).1
            }))
            .unwrap_or_default();
            early.extend(checked.into_iter().filter(|d| {
                d.severity == Severity::Error
                    && d.code != "E0100"
                    && !broken
                        .iter()
                        .any(|(file, r)| *file == d.file && r.contains(&d.primary.span.start))
            }));
        }
        if !early.is_empty() {
            self.emit_file_diagnostics(&files, early)?;
        }
        let (program, diagnostics) = lumen_sema::check_modules_with(&sema_modules, options);
        self.emit_file_diagnostics(&files, diagnostics)?;
        let sources = loaded
            .modules
            .into_iter()
            .map(|m| (m.file.name, m.file.code))
            .collect();
        program.map(|p| (p, sources)).ok_or(Failure::ProgramErrors)
    }

    pub fn check(&self) -> Result<ExitCode, Failure> {
        self.front_end()?;
        Ok(ExitCode::SUCCESS)
    }
    /// `--emit tokens|ast`: stops after parsing; succeeds when there is no syntax error.
    pub fn emit_syntax(&self, tokens: bool, output: Option<&Path>) -> Result<ExitCode, Failure> {
        let parse = lumen_syntax::parse(&self.main.code);
        let text = if tokens {
            let mut out = String::new();
            for token in lumen_syntax::lex(&self.main.code) {
                let range = token.range;
                let slice = &self.main.code[usize::from(range.start())..usize::from(range.end())];
                out.push_str(&format!("{:?}@{:?} {:?}\n", token.kind, range, slice));
            }
            out
        } else {
            lumen_syntax::debug_tree(&parse.syntax_node())
        };
        write_output(output, text.as_bytes())?;
        let syntax = self.syntax_diagnostics(&parse);
        self.emit_diagnostics(syntax)?;
        Ok(ExitCode::SUCCESS)
    }

    /// Lowers the checked program to MIR and runs the MIR passes `-O`
    /// selects (`optimize: false` runs none, for `--emit mir`). Debug builds
    /// verify the MIR after lowering and after each pass (`LUMENC_VERIFY_MIR`
    /// `=0` turns that off, `=1` on in any build).
    fn mir(&self, optimize: bool) -> Result<lumen_mir::Program, Failure> {
        let (hir, sources) = self.front_end()?;
        let mut mir = lower(&hir, &sources);
        let level = if optimize && self.optimize {
            lumen_mir::optimize::OptLevel::Speed
        } else {
            lumen_mir::optimize::OptLevel::None
        };
        // `LUMENC_VERIFY_MIR=0|1` overrides the default (on in debug builds).
        let verify = match std::env::var("LUMENC_VERIFY_MIR").as_deref() {
            Ok("0") => false,
            Ok("1") => true,
            _ => cfg!(debug_assertions),
        };
        // Invalid MIR from a checked program is a compiler bug.
        lumen_mir::optimize::run_passes(&mut mir, level, verify).map_err(|e| {
            Failure::Internal {
                message: e.to_string(),
                file: self.main.name.clone(),
            }
        })?;
        Ok(mir)
    }

    fn codegen(
        &self,
        mir: &lumen_mir::Program,
        emit_clif: bool,
    ) -> Result<lumen_codegen::CodegenOutput, Failure> {
        let triple = target_lexicon::Triple::from_str(&self.target)
            .map_err(|e| Failure::Usage(format!("invalid target `{}`: {e}", self.target)))?;
        let options = lumen_codegen::CodegenOptions {
            target: triple,
            opt_level: if self.optimize {
                lumen_codegen::OptLevel::Speed
            } else {
                lumen_codegen::OptLevel::None
            },
            emit_clif,
        };
        // Code generation failing on a checked program is a compiler bug.
        lumen_codegen::compile_program(mir, &options).map_err(|e| Failure::Internal {
            message: e.to_string(),
            file: self.main.name.clone(),
        })
    }

    /// `--emit mir|mir-opt|clif|obj`.
    pub fn emit_backend(&self, emit: Emit, output: Option<&Path>) -> Result<ExitCode, Failure> {
        let mir = self.mir(emit != Emit::Mir)?;
        match emit {
            Emit::Mir | Emit::MirOpt => write_output(output, mir.to_string().as_bytes())?,
            Emit::Clif => {
                let out = self.codegen(&mir, true)?;
                write_output(output, out.clif.unwrap_or_default().as_bytes())?;
            }
            Emit::Obj => {
                let out = self.codegen(&mir, false)?;
                let default = format!(
                    "{}.o",
                    crate::default_output(Path::new(&self.main.name)).display()
                );
                let path = output
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| default.into());
                std::fs::write(&path, out.object)
                    .map_err(|e| Failure::Usage(format!("cannot write {}: {e}", path.display())))?;
            }
            Emit::Tokens | Emit::Ast => unreachable!("handled by emit_syntax"),
        }
        Ok(ExitCode::SUCCESS)
    }

    pub fn build_executable(&self, output: &Path) -> Result<(), Failure> {
        let mir = self.mir(true)?;
        let out = self.codegen(&mir, false)?;
        // The object goes next to the output (same file system, same
        // permissions); a failure to write it is a failure to write the
        // output, and is reported with the path the user gave.
        let object =
            interrupt::TempPath::new(output.with_extension(format!("{}.o", std::process::id())));
        std::fs::write(object.path(), &out.object)
            .map_err(|e| Failure::Usage(format!("cannot write {}: {e}", output.display())))?;
        let linked = link::link(
            object.path(),
            output,
            &self.target,
            self.link,
            self.linker.as_deref(),
        );
        drop(object);
        linked.map_err(|e| Failure::Toolchain(e.message().to_string()))
    }
}

/// Writes to the file, or to stdout when no `-o` was given.
fn write_output(output: Option<&Path>, bytes: &[u8]) -> Result<(), Failure> {
    match output {
        Some(path) => std::fs::write(path, bytes)
            .map_err(|e| Failure::Usage(format!("cannot write {}: {e}", path.display()))),
        None => {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(bytes);
            let _ = stdout.flush();
            Ok(())
        }
    }
}

/// Lowers the checked program to MIR. Locations are resolved here, with
/// one line index per module: MIR gets each module's file name and the
/// line and column of a byte offset in it.
fn lower(hir: &lumen_sema::hir::Program, sources: &[(String, String)]) -> lumen_mir::Program {
    let indexes: Vec<LineIndex> = sources
        .iter()
        .map(|(_, code)| LineIndex::new(code))
        .collect();
    let locates: Vec<_> = indexes
        .iter()
        .map(|index| {
            move |offset| {
                let (line, col) = index.line_col(offset);
                lumen_mir::Loc { line, col }
            }
        })
        .collect();
    let files: Vec<lumen_mir::lower::Source> = sources
        .iter()
        .zip(&locates)
        .map(|((name, _), locate)| lumen_mir::lower::Source { name, locate })
        .collect();
    lumen_mir::lower::lower_program(hir, &files)
}

/// The diagnostics for a file's invalid bytes and syntax errors.
fn syntax_diagnostics(file: &SourceFile, parse: &lumen_syntax::Parse) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for error in file.encoding_errors.iter().chain(&parse.errors) {
        let range = error.range;
        let span = usize::from(range.start())..usize::from(range.end());
        let mut d = Diagnostic::error(
            "E0001",
            error.message.clone(),
            span,
            error.label.clone().unwrap_or_default(),
        );
        if let Some(help) = &error.help {
            d = d.with_help(help.clone());
        }
        diagnostics.push(d);
    }
    diagnostics
}

/// The byte ranges of the top-level declarations (and statements) of one
/// module that contain a syntax or encoding error.
fn broken_items(
    index: usize,
    file: &SourceFile,
    parse: &lumen_syntax::Parse,
) -> Vec<(usize, std::ops::Range<usize>)> {
    use lumen_syntax::ast::AstNode;
    let errors: Vec<usize> = file
        .encoding_errors
        .iter()
        .chain(&parse.errors)
        .map(|e| usize::from(e.range.start()))
        .collect();
    parse
        .tree()
        .items()
        .map(|item| {
            let r = item.syntax().text_range();
            usize::from(r.start())..usize::from(r.end()).max(usize::from(r.start()) + 1)
        })
        .filter(|r| errors.iter().any(|e| r.contains(e) || *e == r.end))
        .map(|r| (index, r))
        .collect()
}
