//! The parser: turns significant tokens into a flat list of [`Event`]s.
//!
//! It knows nothing about rowan or text beyond what [`Input`] tells it (kinds,
//! token texts for contextual keywords, positions for layout and errors). The
//! grammar lives in [`grammar`], one module per area; this module holds the
//! machinery: lookahead, the newline-significance stack (syntax.md §3), markers
//! and error reporting.

mod event;
pub(crate) mod grammar;
mod input;

pub(crate) use event::{Event, ParseError};
pub(crate) use input::Input;

use crate::SyntaxKind::{self, *};

/// Nesting limit for recursive grammar rules; deeper input gets a diagnostic
/// instead of overflowing the stack.
pub(crate) const MAX_DEPTH: u32 = 200;

pub(crate) struct Parser<'i> {
    input: &'i Input<'i>,
    pos: usize,
    events: Vec<Event>,
    /// `true` on top: newlines end statements; `false`: inside brackets.
    newline_modes: Vec<bool>,
    depth: u32,
    depth_reported: bool,
    /// Range of the last error: a second complaint about the same spot is noise.
    last_error_range: Option<(u32, u32)>,
    /// Inside a `for` header's iterable: `a..` at the end of the line (or
    /// before `if`/`step`) is an open-ended range, not a range continued on
    /// the next line.
    pub(crate) open_range_ok: bool,
}

/// Parses a whole file into events.
pub(crate) fn parse(input: &Input<'_>) -> Vec<Event> {
    let mut p = Parser {
        input,
        pos: 0,
        events: Vec::new(),
        newline_modes: vec![true],
        depth: 0,
        depth_reported: false,
        last_error_range: None,
        open_range_ok: false,
    };
    grammar::source_file(&mut p);
    p.events
}

impl<'i> Parser<'i> {
    // ---------------------------------------------------------------- lookahead

    fn newlines_significant(&self) -> bool {
        *self.newline_modes.last().unwrap_or(&true)
    }

    /// Index of the `n`-th upcoming token, skipping newlines inside brackets.
    fn nth_index(&self, n: usize) -> usize {
        let skip_nl = !self.newlines_significant();
        let mut idx = self.pos;
        let mut left = n;
        loop {
            while skip_nl && self.input.kind(idx) == NEWLINE {
                idx += 1;
            }
            if left == 0 || idx >= self.input.len() {
                return idx;
            }
            left -= 1;
            idx += 1;
        }
    }

    pub(crate) fn nth(&self, n: usize) -> SyntaxKind {
        self.input.kind(self.nth_index(n))
    }
    pub(crate) fn current(&self) -> SyntaxKind {
        self.nth(0)
    }
    pub(crate) fn at(&self, kind: SyntaxKind) -> bool {
        self.current() == kind
    }
    pub(crate) fn nth_at(&self, n: usize, kind: SyntaxKind) -> bool {
        self.nth(n) == kind
    }
    pub(crate) fn at_ts(&self, kinds: &[SyntaxKind]) -> bool {
        kinds.contains(&self.current())
    }
    /// The next token without skipping newlines, whatever the mode.
    pub(crate) fn raw_current(&self) -> SyntaxKind {
        self.input.kind(self.pos)
    }
    /// Whether the next token is a newline (even inside brackets) or end of file.
    pub(crate) fn at_line_end(&self) -> bool {
        matches!(self.raw_current(), NEWLINE | EOF)
    }
    pub(crate) fn at_eof(&self) -> bool {
        self.at(EOF)
    }
    /// Text of the `n`-th upcoming token (for contextual keywords).
    pub(crate) fn nth_text(&self, n: usize) -> &str {
        self.input.text(self.nth_index(n))
    }
    /// Is the `n`-th token the contextual keyword `kw` (an identifier with that text)?
    pub(crate) fn nth_at_contextual(&self, n: usize, kw: &str) -> bool {
        self.nth(n) == IDENT && self.nth_text(n) == kw
    }
    pub(crate) fn at_contextual(&self, kw: &str) -> bool {
        self.nth_at_contextual(0, kw)
    }
    /// Is the `n`-th token a word: an identifier or any keyword (usable as a
    /// field, member or named-argument name, syntax.md §2)?
    pub(crate) fn nth_is_word(&self, n: usize) -> bool {
        let k = self.nth(n);
        k == IDENT || k.is_keyword()
    }
    /// Indentation (in columns) of the line holding the next token.
    pub(crate) fn current_line_indent(&self) -> u32 {
        self.input.line_indent(self.nth_index(0))
    }
    /// The indentation of the line where the token starting at `offset` is.
    pub(crate) fn line_indent_at(&self, offset: u32) -> u32 {
        self.input.line_indent_at(offset)
    }
    /// Whether the next token is the first one on its line.
    pub(crate) fn current_starts_line(&self) -> bool {
        self.input.starts_line(self.nth_index(0))
    }

    /// A token that starts a line and can only begin a statement or declaration:
    /// an unclosed bracket before it is a mistake, so list parsing stops here.
    pub(crate) fn at_recovery_point(&self) -> bool {
        // The end of an interpolation is a hard boundary too.
        self.current() == INTERP_END
            || self.current_starts_line()
                && matches!(
                    self.current(),
                    LET_KW
                        | WHILE_KW
                        | LOOP_KW
                        | RETURN_KW
                        | CELL_KW
                        | RECORD_KW
                        | ENUM_KW
                        | TRAIT_KW
                        | IMPL_KW
                        | IMPORT_KW
                        | END_KW
                        | ELSE_KW
                        | DEFER_KW
                        | CONST_KW
                        | PUB_KW
                        | BREAK_KW
                        | CONTINUE_KW
                )
                && !self.at_loop_element()
    }

    /// A `loop` starting a line right after `(`, `[`, `{`, `,`, `=` or `:`
    /// is a loop expression in the place of an element or value
    /// (`f(\n  loop … end)`), not a statement after an unclosed bracket.
    fn at_loop_element(&self) -> bool {
        if self.current() != LOOP_KW {
            return false;
        }
        let mut idx = self.nth_index(0);
        while idx > 0 {
            idx -= 1;
            match self.input.kind(idx) {
                NEWLINE => continue,
                k => return matches!(k, L_PAREN | L_BRACK | L_CURLY | COMMA | EQ | COLON),
            }
        }
        false
    }

    /// The token right after the next one, without skipping newlines.
    pub(crate) fn raw_after_current(&self) -> SyntaxKind {
        self.input.kind(self.nth_index(0) + 1)
    }

    /// Kind and line indentation of the first token after any newlines.
    pub(crate) fn peek_past_newlines(&self) -> (SyntaxKind, u32) {
        let mut idx = self.pos;
        while self.input.kind(idx) == NEWLINE {
            idx += 1;
        }
        (self.input.kind(idx), self.input.line_indent(idx))
    }

    // ---------------------------------------------------------------- consuming

    /// Consumes newlines skipped by the current mode so they land before the next
    /// node starts rather than inside it.
    fn flush_skipped_newlines(&mut self) {
        if !self.newlines_significant() {
            while self.input.kind(self.pos) == NEWLINE {
                self.do_bump(NEWLINE);
            }
        }
    }

    fn do_bump(&mut self, kind: SyntaxKind) {
        self.events.push(Event::Token { kind });
        self.pos += 1;
    }

    /// Consumes the next token (which must not be EOF).
    pub(crate) fn bump_any(&mut self) {
        if self.at_eof() {
            return;
        }
        self.flush_skipped_newlines();
        let kind = self.input.kind(self.pos);
        self.do_bump(kind);
    }

    /// Consumes the next token, which the caller knows is `kind`.
    pub(crate) fn bump(&mut self, kind: SyntaxKind) {
        debug_assert_eq!(self.current(), kind);
        self.bump_any();
    }

    /// Consumes the next token, giving it a different kind in the tree (keywords
    /// used as names become `IDENT`).
    pub(crate) fn bump_remap(&mut self, kind: SyntaxKind) {
        if self.at_eof() {
            return;
        }
        self.flush_skipped_newlines();
        self.do_bump(kind);
    }

    pub(crate) fn eat(&mut self, kind: SyntaxKind) -> bool {
        if self.at(kind) {
            self.bump_any();
            true
        } else {
            false
        }
    }

    /// Consumes newlines (after a binary operator, `,`, `->`, `=>`: syntax.md §3).
    pub(crate) fn eat_newlines(&mut self) {
        while self.raw_current() == NEWLINE {
            self.do_bump(NEWLINE);
        }
    }

    pub(crate) fn expect(&mut self, kind: SyntaxKind) -> bool {
        if self.eat(kind) {
            return true;
        }
        self.error_expected(&[kind]);
        false
    }

    // ---------------------------------------------------------------- modes

    /// Inside brackets: newlines do not end anything.
    pub(crate) fn push_brackets(&mut self) {
        self.newline_modes.push(false);
    }
    /// A block opened (possibly inside brackets): newlines end statements again.
    pub(crate) fn push_block(&mut self) {
        self.newline_modes.push(true);
    }
    pub(crate) fn pop_mode(&mut self) {
        if self.newline_modes.len() > 1 {
            self.newline_modes.pop();
        }
    }

    /// Enters a recursive rule. Returns `false` (after reporting once and
    /// consuming a token so callers still make progress) when nested too deep.
    pub(crate) fn enter(&mut self) -> bool {
        if self.depth >= MAX_DEPTH {
            if !self.depth_reported {
                self.error_with(
                    "nesting is too deep",
                    Some("the parser gives up on nesting deeper than this"),
                    Some("split the expression into smaller `let` bindings"),
                );
                self.depth_reported = true;
            }
            let m = self.start();
            self.bump_any();
            m.complete(self, ERROR);
            return false;
        }
        self.depth += 1;
        true
    }
    pub(crate) fn leave(&mut self) {
        self.depth -= 1;
    }

    // ---------------------------------------------------------------- markers

    pub(crate) fn start(&mut self) -> Marker {
        self.flush_skipped_newlines();
        let pos = self.events.len() as u32;
        self.events.push(Event::tombstone());
        Marker { pos, done: false }
    }

    // ---------------------------------------------------------------- errors

    /// Range of the next token, or an empty range at end of file / before a newline.
    fn current_range(&self) -> (u32, u32) {
        let idx = self.nth_index(0);
        self.input.range(idx)
    }

    pub(crate) fn error_with(
        &mut self,
        message: impl Into<String>,
        label: Option<&str>,
        help: Option<&str>,
    ) {
        // An invalid character is reported once, by validation.
        if self.current() == ERROR {
            return;
        }
        let range = self.current_range();
        self.error_at(range, message, label, help);
    }

    pub(crate) fn error_at(
        &mut self,
        range: (u32, u32),
        message: impl Into<String>,
        label: Option<&str>,
        help: Option<&str>,
    ) {
        // One error per position: a second complaint about the same token is noise.
        // After "nesting is too deep" the rest is unreliable noise.
        if self.last_error_range == Some(range) || self.depth_reported {
            return;
        }
        self.last_error_range = Some(range);
        self.events.push(Event::Error {
            err: ParseError {
                message: message.into(),
                range,
                label: label.map(str::to_owned),
                help: help.map(str::to_owned),
            },
        });
    }

    /// Start offset of the most recent error.
    pub(crate) fn last_error_start(&self) -> Option<u32> {
        self.last_error_range.map(|r| r.0)
    }

    /// "expected X, found Y" at the next token.
    pub(crate) fn error_expected(&mut self, kinds: &[SyntaxKind]) {
        let expected: Vec<String> = kinds
            .iter()
            .map(|k| {
                k.text()
                    .map_or_else(|| k.describe().to_string(), |t| format!("`{t}`"))
            })
            .collect();
        let expected = match expected.as_slice() {
            [] => "something else".to_string(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} or {}", init.join(", "), last),
        };
        let found = self.found();
        self.error_with(
            format!("expected {expected}, found {found}"),
            Some(&format!("expected {expected}")),
            None,
        );
    }

    /// Description of the next token for "found …" messages.
    pub(crate) fn found(&self) -> String {
        let k = self.current();
        match k.text() {
            Some(t) => format!("`{t}`"),
            None if k == IDENT => format!("`{}`", self.nth_text(0)),
            None => k.describe().to_string(),
        }
    }

    /// Range of the token at input index `idx`.
    pub(crate) fn token_range(&self, idx: usize) -> (u32, u32) {
        self.input.range(idx)
    }
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }
    /// Kind of the token at input index `idx` (newlines included), for
    /// lookahead that scans further than [`Parser::nth`] (the `assert`
    /// statement).
    pub(crate) fn kind_at(&self, idx: usize) -> SyntaxKind {
        self.input.kind(idx)
    }
    pub(crate) fn index_of_next(&self) -> usize {
        self.nth_index(0)
    }
}

/// An open node. Must be completed or abandoned.
pub(crate) struct Marker {
    pos: u32,
    done: bool,
}

impl Marker {
    pub(crate) fn complete(mut self, p: &mut Parser<'_>, kind: SyntaxKind) -> CompletedMarker {
        self.done = true;
        let idx = self.pos as usize;
        if let Event::Start { kind: slot, .. } = &mut p.events[idx] {
            *slot = kind;
        }
        p.events.push(Event::Finish);
        CompletedMarker {
            pos: self.pos,
            kind,
        }
    }

    pub(crate) fn abandon(mut self, p: &mut Parser<'_>) {
        self.done = true;
        let idx = self.pos as usize;
        if idx == p.events.len() - 1 {
            if let Event::Start {
                kind: TOMBSTONE,
                forward_parent: None,
            } = p.events[idx]
            {
                p.events.pop();
            }
        }
    }
}

impl Drop for Marker {
    fn drop(&mut self) {
        // Markers are always completed or abandoned; forgetting one would produce
        // an unbalanced tree. Not a panic in release builds: the sink tolerates it.
        debug_assert!(
            self.done || std::thread::panicking(),
            "marker dropped without completing"
        );
    }
}

#[derive(Clone, Copy)]
pub(crate) struct CompletedMarker {
    pos: u32,
    kind: SyntaxKind,
}

impl CompletedMarker {
    /// Starts a new node that will become the parent of this one.
    pub(crate) fn precede(self, p: &mut Parser<'_>) -> Marker {
        let new_pos = p.events.len() as u32;
        p.events.push(Event::tombstone());
        if let Event::Start { forward_parent, .. } = &mut p.events[self.pos as usize] {
            *forward_parent = Some(new_pos - self.pos);
        }
        Marker {
            pos: new_pos,
            done: false,
        }
    }
    pub(crate) fn kind(&self) -> SyntaxKind {
        self.kind
    }
}
