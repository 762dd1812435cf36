//! The one diagnostic type of the compiler and its rustc-style rendering.
//!
//! Every stage reports problems as [`Diagnostic`] values (code, message, a primary
//! span with a label, secondary labels, help lines). Only the driver renders
//! them, through [`render`], which uses `codespan-reporting` so the output looks
//! like rustc's: `error[E0301]: mismatched types`, `--> app.lm:4:12`, the source
//! line and a caret. Stages never print.

use std::ops::Range;

use codespan_reporting::diagnostic::{
    Diagnostic as CsDiagnostic, Label as CsLabel, Severity as CsSeverity,
};
use codespan_reporting::files::{SimpleFile, SimpleFiles};
use codespan_reporting::term::{
    self,
    termcolor::{Buffer, ColorChoice, StandardStream},
};

/// The rendering cli.md asks for, rustc's: `--> app.lm:4:12`, `|` gutters
/// and `^` carets (codespan's default draws box characters).
fn rustc_style() -> term::Config {
    term::Config {
        chars: term::Chars::ascii(),
        ..term::Config::default()
    }
}

/// A byte range in the source text.
pub type Span = Range<usize>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// A span with a message, pointed at under the source line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
    /// The file the span points into, when it is not the diagnostic's own
    /// (a secondary label at a call in another module).
    pub file: Option<usize>,
}

/// One problem found in a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable code such as `E0301` (see `docs/diagnostics.md`).
    pub code: &'static str,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub help: Vec<String>,
    /// Which source file the spans point into (an index into the files
    /// given to the renderer; 0 is the main file).
    pub file: usize,
}

impl Diagnostic {
    pub fn error(
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            primary: Label {
                span,
                message: label.into(),
                file: None,
            },
            secondary: Vec::new(),
            help: Vec::new(),
            file: 0,
        }
    }

    pub fn warning(
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Self::error(code, message, span, label)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help.push(help.into());
        self
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
            file: None,
        });
        self
    }

    /// A secondary label in file `file`, which may be another than the
    /// diagnostic's own (`render_files_to_stderr` shows both).
    pub fn with_label_in(mut self, file: usize, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
            file: Some(file),
        });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// When to colour rendered diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// Sorts diagnostics by file and position, as the CLI promises (`spec/cli.md`).
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| (d.file, d.primary.span.start, d.primary.span.end));
}

/// Renders diagnostics that may point into several files (`files[i]` is the
/// name and text of file `i`) to stderr.
pub fn render_files_to_stderr(
    files: &[(String, String)],
    diagnostics: &[Diagnostic],
    color: Color,
) {
    let choice = match color {
        Color::Always => ColorChoice::Always,
        Color::Never => ColorChoice::Never,
        Color::Auto => {
            if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                ColorChoice::Auto
            } else {
                ColorChoice::Never
            }
        }
    };
    let stream = StandardStream::stderr(choice);
    let mut lock = stream.lock();
    let config = rustc_style();
    // Each file's line index is built once, not once per diagnostic: tens
    // of thousands of diagnostics on one file render in linear time.
    if files.is_empty() {
        return;
    }
    let mut indexed = SimpleFiles::new();
    for (name, text) in files {
        indexed.add(name.as_str(), text.as_str());
    }
    // A file index out of range falls back to the main file.
    let id = |file: usize| if file < files.len() { file } else { 0 };
    let len = |file: usize| files[id(file)].1.len();
    for d in diagnostics {
        let cs = to_codespan(d, |file| (id(file), len(file)));
        let _ = term::emit(&mut lock, &config, &indexed, &cs);
    }
}

/// `d` for codespan; `file` gives the id and text length of a file index
/// (labels with no file of their own are in the diagnostic's).
fn to_codespan<Id>(d: &Diagnostic, file: impl Fn(usize) -> (Id, usize)) -> CsDiagnostic<Id> {
    let label = |l: &Label| {
        let (id, len) = file(l.file.unwrap_or(d.file));
        let start = l.span.start.min(len);
        (id, start..l.span.end.clamp(start, len))
    };
    let severity = match d.severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
    };
    let (id, range) = label(&d.primary);
    let mut labels = vec![CsLabel::primary(id, range).with_message(&d.primary.message)];
    for l in &d.secondary {
        let (id, range) = label(l);
        labels.push(CsLabel::secondary(id, range).with_message(&l.message));
    }
    CsDiagnostic::new(severity)
        .with_code(d.code)
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(d.help.iter().map(|h| format!("help: {h}")).collect())
}

/// Renders diagnostics of a one-file program to a string without colour
/// (tests, snapshots).
pub fn render_to_string(file_name: &str, source: &str, diagnostics: &[Diagnostic]) -> String {
    let file = SimpleFile::new(file_name, source);
    let mut buffer = Buffer::no_color();
    let config = rustc_style();
    for d in diagnostics {
        // Rendering into memory cannot fail for spans clamped into the source.
        let cs = to_codespan(d, |_| ((), source.len()));
        let _ = term::emit(&mut buffer, &config, &file, &cs);
    }
    String::from_utf8_lossy(buffer.as_slice()).into_owned()
}

/// Renders diagnostics of a one-file program to stderr, coloured according
/// to `color` (auto: only on a terminal).
pub fn render_to_stderr(file_name: &str, source: &str, diagnostics: &[Diagnostic], color: Color) {
    let choice = match color {
        Color::Always => ColorChoice::Always,
        Color::Never => ColorChoice::Never,
        Color::Auto => {
            if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                ColorChoice::Auto
            } else {
                ColorChoice::Never
            }
        }
    };
    let stream = StandardStream::stderr(choice);
    let mut lock = stream.lock();
    let file = SimpleFile::new(file_name, source);
    let config = rustc_style();
    for d in diagnostics {
        let cs = to_codespan(d, |_| ((), source.len()));
        let _ = term::emit(&mut lock, &config, &file, &cs);
    }
}

/// The closing line of a failed run: `could not compile app.lm (3 errors, 1 warning)`.
pub fn summary(file_name: &str, diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let mut parts = vec![plural(errors, "error")];
    if warnings > 0 {
        parts.push(plural(warnings, "warning"));
    }
    format!("could not compile {file_name} ({})", parts.join(", "))
}

/// Maps byte offsets of one source text to 1-based lines and columns
/// (columns count characters). Built once per file: each lookup is a
/// binary search over the line starts.
pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i + 1);
            }
        }
        LineIndex { text, line_starts }
    }

    /// 1-based line and column of a byte offset (past the end: the end).
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start);
        (line as u32 + 1, col as u32 + 1)
    }
}

/// 1-based line and column of a byte offset (columns count characters),
/// for a single lookup; build a [`LineIndex`] for many.
pub fn line_col(source: &str, offset: usize) -> (u32, u32) {
    LineIndex::new(source).line_col(offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_rustc_style() {
        let src = "let x = 1\nlet y = x + \"a\"\n";
        let d = Diagnostic::error(
            "E0301",
            "mismatched types",
            18..25,
            "expected Int, found String",
        )
        .with_help("use interpolation");
        let text = render_to_string("app.lm", src, &[d]);
        assert!(text.contains("error[E0301]: mismatched types"), "{text}");
        assert!(text.contains("app.lm:2:9"), "{text}");
        assert!(text.contains("help: use interpolation"), "{text}");
    }

    #[test]
    fn summary_counts() {
        let e = Diagnostic::error("E1", "a", 0..1, "");
        let w = Diagnostic::warning("W1", "b", 0..1, "");
        assert_eq!(
            summary("app.lm", &[e.clone(), e, w]),
            "could not compile app.lm (2 errors, 1 warning)"
        );
    }

    #[test]
    fn line_col_counts_chars() {
        assert_eq!(line_col("ab\ncé d", 7), (2, 4));
        let index = LineIndex::new("ab\ncé d\n");
        assert_eq!(index.line_col(0), (1, 1));
        assert_eq!(index.line_col(3), (2, 1));
        assert_eq!(index.line_col(7), (2, 4));
        assert_eq!(index.line_col(99), (3, 1));
    }
}
