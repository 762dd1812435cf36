//! Finding and reading the modules of a program (syntax.md §4): starting at
//! the main file, every `import a.b: …` loads `a/b.lm.md` or `a/b.lm`,
//! searched next to the importing file, then in `<root>/src/`, then in
//! `<root>/` (the root is the main file's directory). Each file is read and
//! parsed once; an import that leads back to a file still being loaded is a
//! cycle, reported with the whole chain.
//!
//! `std.*` modules are the Lumen sources of `stdlib/std/`, embedded in the
//! compiler so a program needs nothing installed beside `lumenc`.
//!
//! The checker receives the parsed modules; this module only does the I/O and
//! the errors about files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lumen_diagnostics::Diagnostic;
use lumen_syntax::ast::{self, AstNode};

/// The embedded standard library: module path, file name shown in
/// diagnostics and runtime errors, source.
const STDLIB: &[(&str, &str, &str)] = &[
    (
        "std.stats",
        "<std>/stats.lm",
        include_str!("../../../stdlib/std/stats.lm"),
    ),
    (
        "std.strings",
        "<std>/strings.lm",
        include_str!("../../../stdlib/std/strings.lm"),
    ),
];

/// One source file of the program.
#[derive(Clone)]
pub struct SourceFile {
    /// The dotted module path (`util.text`); empty for the main file.
    pub module: String,
    /// The file as diagnostics and runtime errors name it.
    pub name: String,
    /// The text diagnostics point into: the file itself.
    pub display_text: String,
    /// The Lumen code: the file, or for `.lm.md` the extracted code with every
    /// other byte blanked so offsets stay the same.
    pub code: String,
    /// Problems with the bytes of the file (invalid UTF-8).
    pub encoding_errors: Vec<lumen_syntax::SyntaxError>,
}

impl SourceFile {
    /// An embedded standard library module.
    fn embedded(module: &str, name: &str, text: &str) -> SourceFile {
        SourceFile {
            module: module.to_string(),
            name: name.to_string(),
            display_text: text.to_string(),
            code: text.to_string(),
            encoding_errors: Vec::new(),
        }
    }

    /// Reads a file (an I/O error when it cannot be read).
    pub fn read(path: &Path, module: String) -> std::io::Result<SourceFile> {
        let name = path.to_string_lossy().into_owned();
        let bytes = std::fs::read(path)?;
        if let Some(offset) = binary_data_at(&bytes) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "not a Lumen source file: it holds binary data (a NUL byte at offset {offset})"
                ),
            ));
        }
        // Invalid UTF-8 becomes NUL bytes of the same length plus a
        // diagnostic, so offsets still match the file.
        let (display_text, encoding_errors) = lumen_syntax::sanitize_utf8(&bytes);
        let code = if name.ends_with(".lm.md") {
            lumen_syntax::extract_markdown_code(&display_text)
        } else {
            display_text.clone()
        };
        Ok(SourceFile {
            module,
            name,
            display_text,
            code,
            encoding_errors,
        })
    }
}

/// Where a file shows that it is binary, not text: a NUL byte in its first
/// 8 KiB (the test `git` and `grep` use). Such a file is refused at once
/// instead of being lexed into one error per invalid byte.
fn binary_data_at(bytes: &[u8]) -> Option<usize> {
    bytes.iter().take(8192).position(|b| *b == 0)
}

/// A loaded file and its parse.
pub struct LoadedModule {
    pub file: SourceFile,
    pub parse: lumen_syntax::Parse,
}

/// Every module of the program, the main file first, plus the diagnostics
/// about imports (`file` is the index of the importing module).
pub struct Loaded {
    pub modules: Vec<LoadedModule>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Loads the main file's imports, transitively.
pub fn load(main: SourceFile, main_path: &Path) -> Loaded {
    let root = main_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut loader = Loader {
        root,
        modules: Vec::new(),
        by_path: HashMap::new(),
        diagnostics: Vec::new(),
        stack: Vec::new(),
    };
    loader.add(main, main_path);
    loader.visit(0);
    Loaded {
        modules: loader.modules,
        diagnostics: loader.diagnostics,
    }
}

struct Loader {
    root: PathBuf,
    modules: Vec<LoadedModule>,
    /// Canonical path → module index (a file is loaded once).
    by_path: HashMap<PathBuf, usize>,
    diagnostics: Vec<Diagnostic>,
    /// The modules being loaded, outermost first (for cycle detection).
    stack: Vec<usize>,
}

/// Canonical form of a path, for recognising the same file twice.
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

impl Loader {
    fn add(&mut self, file: SourceFile, path: &Path) -> usize {
        let parse = lumen_syntax::parse(&file.code);
        let index = self.modules.len();
        self.by_path.insert(canonical(path), index);
        self.modules.push(LoadedModule { file, parse });
        index
    }

    fn visit(&mut self, index: usize) {
        self.stack.push(index);
        let imports: Vec<ast::Import> = self.modules[index]
            .parse
            .tree()
            .items()
            .filter_map(|item| match item {
                ast::Item::Import(i) => Some(i),
                _ => None,
            })
            .collect();
        for import in imports {
            let Some(path) = import.path() else { continue };
            let module = path.text();
            let range = path.syntax().text_range();
            let span = usize::from(range.start())..usize::from(range.end());
            if module == "std" || module.starts_with("std.") {
                self.import_std(index, &module, span);
                continue;
            }
            let candidates = self.candidates(index, &module);
            let Some(found) = candidates.iter().find(|p| p.is_file()) else {
                let searched: Vec<String> = candidates
                    .iter()
                    .map(|p| p.to_string_lossy().into_owned())
                    .collect();
                self.error(
                    index,
                    "E0103",
                    format!("cannot find module `{module}`"),
                    span,
                    "no such module",
                    Some(format!("looked for {}", searched.join(", "))),
                );
                continue;
            };
            if let Some(&loaded) = self.by_path.get(&canonical(found)) {
                if let Some(pos) = self.stack.iter().position(|&m| m == loaded) {
                    let mut chain: Vec<String> = self.stack[pos..]
                        .iter()
                        .map(|&m| self.modules[m].file.name.clone())
                        .collect();
                    chain.push(self.modules[loaded].file.name.clone());
                    self.error(
                        index,
                        "E0104",
                        format!("import cycle: {}", chain.join(" → ")),
                        span,
                        "this import closes the cycle",
                        Some("move what both modules need into a third module".to_string()),
                    );
                } else if self.modules[loaded].file.module != module {
                    self.error(
                        index,
                        "E0104",
                        format!(
                            "`{module}` is the file already imported as `{}`",
                            self.modules[loaded].file.module
                        ),
                        span,
                        "imported under two names",
                        Some("import a file by one module path".to_string()),
                    );
                }
                continue;
            }
            let file = match SourceFile::read(found, module.clone()) {
                Ok(file) => file,
                Err(e) => {
                    self.error(
                        index,
                        "E0103",
                        format!("cannot read module `{module}` ({}): {e}", found.display()),
                        span,
                        "unreadable",
                        None,
                    );
                    continue;
                }
            };
            let loaded = self.add(file, found);
            self.visit(loaded);
        }
        self.stack.pop();
    }

    /// `import std.x`: the embedded module, loaded once.
    fn import_std(&mut self, importer: usize, module: &str, span: std::ops::Range<usize>) {
        let Some((_, name, text)) = STDLIB.iter().find(|(m, _, _)| *m == module) else {
            let known: Vec<&str> = STDLIB.iter().map(|(m, _, _)| *m).collect();
            self.error(
                importer,
                "E0103",
                format!("the standard library has no module `{module}`"),
                span,
                "not in the standard library",
                Some(format!(
                    "its modules are {}; the builtins need no import",
                    known.join(", ")
                )),
            );
            return;
        };
        // Embedded files have no path on disk; their name stands in for one.
        let key = PathBuf::from(name);
        if self.by_path.contains_key(&key) {
            return;
        }
        let loaded = self.add(SourceFile::embedded(module, name, text), &key);
        self.visit(loaded);
    }

    /// Where `import a.b` may be, in search order.
    fn candidates(&self, importer: usize, module: &str) -> Vec<PathBuf> {
        let relative: PathBuf = module.split('.').collect();
        let importer_dir = Path::new(&self.modules[importer].file.name)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut dirs = vec![importer_dir, self.root.join("src"), self.root.clone()];
        dirs.dedup();
        let mut out = Vec::new();
        for dir in dirs {
            for ext in ["lm.md", "lm"] {
                let mut path = dir.join(&relative);
                let file_name = format!(
                    "{}.{ext}",
                    path.file_name().unwrap_or_default().to_string_lossy()
                );
                path.set_file_name(file_name);
                if !out.contains(&path) {
                    out.push(path);
                }
            }
        }
        out
    }

    fn error(
        &mut self,
        file: usize,
        code: &'static str,
        message: impl Into<String>,
        span: std::ops::Range<usize>,
        label: &str,
        help: Option<String>,
    ) {
        let mut d = Diagnostic::error(code, message.into(), span, label);
        d.file = file;
        if let Some(help) = help {
            d = d.with_help(help);
        }
        self.diagnostics.push(d);
    }
}
