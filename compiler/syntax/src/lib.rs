//! `lumen_syntax`: the Lumen front end up to a lossless syntax tree.
//!
//! Source text goes through the [`lexer`] (tokens covering every byte), the
//! event-based parser (which knows nothing about trees) and a sink that builds a
//! rowan [`GreenNode`]. Parsing never fails: [`parse`] always returns a tree plus
//! a list of [`SyntaxError`]s, and printing the tree gives back the input byte
//! for byte. The typed [`ast`] layer wraps [`SyntaxNode`]s with
//! `Option`-returning accessors, and [`ast::literals`] decodes literal values.
//! [`markdown`] extracts the `lumen` code of `.lm.md` files keeping offsets.
//!
//! ```
//! use lumen_syntax::ast::{AstNode, Expr, Item, Stmt, StringPart};
//!
//! let parse = lumen_syntax::parse("cell greet(name: String)\n  print(\"hi {name}\")\nend\n");
//! assert!(parse.errors.is_empty());
//! // Lossless: the tree prints the input back.
//! assert_eq!(parse.syntax_node().to_string(), "cell greet(name: String)\n  print(\"hi {name}\")\nend\n");
//!
//! let Some(Item::Cell(cell)) = parse.tree().items().next() else { unreachable!() };
//! assert_eq!(cell.name().unwrap().text(), "greet");
//! assert_eq!(cell.params().next().unwrap().name().unwrap().text(), "name");
//! let Some(Stmt::Expr(stmt)) = cell.body().unwrap().stmts().next() else { unreachable!() };
//! let Some(Expr::Call(call)) = stmt.expr() else { unreachable!() };
//! let Some(Expr::String(s)) = call.args().next().unwrap().value() else { unreachable!() };
//! assert_eq!(s.parts()[0], StringPart::Text("hi ".into()));
//! assert!(matches!(&s.parts()[1], StringPart::Expr(Expr::Name(n), None) if n.text() == "name"));
//!
//! // Errors never stop parsing; each has a range, a label and often a help line.
//! let broken = lumen_syntax::parse("let x = (1 +\nprint(x)\n");
//! assert!(!broken.errors.is_empty());
//! ```

pub mod ast;
mod debug;
mod green_builder;
pub mod lexer;
pub mod markdown;
mod parser;
mod sink;
mod syntax_kind;
mod validation;

pub use debug::debug_tree;
pub use markdown::extract_markdown_code;
pub use rowan::{GreenNode, TextRange, TextSize};
pub use sink::MAX_TREE_DEPTH;
pub use syntax_kind::{LumenLanguage, SyntaxElement, SyntaxKind, SyntaxNode, SyntaxToken};

/// A syntax error with a primary range; the driver renders it rustc-style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub range: TextRange,
    /// Short text shown under the caret.
    pub label: Option<String>,
    /// A `help:` line with a suggested fix.
    pub help: Option<String>,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at {:?}", self.message, self.range)
    }
}

impl std::error::Error for SyntaxError {}

/// One token of [`lex`]: kind and byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: SyntaxKind,
    pub range: TextRange,
}

/// Tokens of the whole text, trivia included (for `--emit tokens`).
pub fn lex(text: &str) -> Vec<Token> {
    let mut offset = 0u32;
    lexer::tokenize(text)
        .into_iter()
        .map(|t| {
            let range = TextRange::at(offset.into(), t.len.into());
            offset += t.len;
            Token {
                kind: t.kind,
                range,
            }
        })
        .collect()
}

/// The result of parsing: a lossless green tree and the errors found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parse {
    pub green: GreenNode,
    pub errors: Vec<SyntaxError>,
}

impl Parse {
    /// The root node (`SOURCE_FILE`).
    pub fn syntax_node(&self) -> SyntaxNode {
        SyntaxNode::new_root(self.green.clone())
    }

    /// The typed root.
    pub fn tree(&self) -> ast::SourceFile {
        use ast::AstNode;
        ast::SourceFile::cast(self.syntax_node()).expect("the root is always a SOURCE_FILE")
    }

    /// The tree dump followed by the errors, as in the parser test snapshots.
    pub fn debug_dump(&self) -> String {
        let mut out = debug_tree(&self.syntax_node());
        for e in &self.errors {
            out.push_str(&format!("error {:?}: {}\n", e.range, e.message));
        }
        out
    }
}

/// Parses a Lumen source file. Never panics; errors are sorted by position.
pub fn parse(text: &str) -> Parse {
    let mut tokens = lexer::tokenize(text);
    join_continued_lines(&mut tokens);
    let input = parser::Input::new(text, &tokens);
    let events = parser::parse(&input);
    let (green, mut errors) = sink::build_tree(text, &tokens, events);
    let root = SyntaxNode::new_root(green.clone());
    errors.extend(validation::validate(&root));
    errors.sort_by_key(|e| (e.range.start(), e.range.end()));
    errors.dedup_by(|a, b| a.range == b.range && a.message == b.message);
    Parse { green, errors }
}

/// A line that begins with `and`, `or`, `|>`, `~>`, `++` or `.` continues
/// the expression of the line before (docs/language-decisions.md): the
/// newline before it is layout, not the end of a statement, so it becomes
/// whitespace (the tree stays lossless). None of these tokens can begin a
/// statement, so no valid program changes meaning.
fn join_continued_lines(tokens: &mut [lexer::LexedToken]) {
    for i in 0..tokens.len() {
        if tokens[i].kind != SyntaxKind::NEWLINE {
            continue;
        }
        let next = tokens[i + 1..]
            .iter()
            .find(|t| !matches!(t.kind, SyntaxKind::WHITESPACE | SyntaxKind::COMMENT));
        if next.is_some_and(|t| {
            matches!(
                t.kind,
                SyntaxKind::AND_KW
                    | SyntaxKind::OR_KW
                    | SyntaxKind::PIPE_GT
                    | SyntaxKind::TILDE_GT
                    | SyntaxKind::PLUS2
                    | SyntaxKind::DOT
            )
        }) {
            tokens[i].kind = SyntaxKind::WHITESPACE;
        }
    }
}

/// Parses the code of a `.lm.md` file: see [`extract_markdown_code`]. Ranges in
/// the result are offsets into the markdown text.
pub fn parse_markdown(md: &str) -> Parse {
    parse(&extract_markdown_code(md))
}

/// Turns raw file bytes into text of the same length: each byte of an invalid
/// UTF-8 sequence becomes NUL (which the lexer reports as an invalid
/// character), so offsets still match the file. Also returns one error per
/// invalid sequence.
pub fn sanitize_utf8(bytes: &[u8]) -> (String, Vec<SyntaxError>) {
    let mut out = String::with_capacity(bytes.len());
    let mut errors = Vec::new();
    let mut rest = bytes;
    let mut offset = 0usize;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                break;
            }
            Err(e) => {
                let valid = e.valid_up_to();
                out.push_str(std::str::from_utf8(&rest[..valid]).unwrap_or_default());
                let bad = e.error_len().unwrap_or(rest.len() - valid);
                for _ in 0..bad {
                    out.push('\0');
                }
                let start = (offset + valid) as u32;
                // Adjacent invalid sequences are one problem.
                if let Some(last) = errors
                    .last_mut()
                    .filter(|e: &&mut SyntaxError| u32::from(e.range.end()) == start)
                {
                    last.range = TextRange::new(last.range.start(), (start + bad as u32).into());
                    offset += valid + bad;
                    rest = &rest[valid + bad..];
                    continue;
                }
                errors.push(SyntaxError {
                    message: "invalid UTF-8 in source file".to_string(),
                    range: TextRange::new(start.into(), (start + bad as u32).into()),
                    label: Some("not valid UTF-8".to_string()),
                    help: Some("Lumen source files must be encoded as UTF-8".to_string()),
                });
                offset += valid + bad;
                rest = &rest[valid + bad..];
            }
        }
    }
    (out, errors)
}
