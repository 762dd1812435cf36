//! What the parser sees of the tokens: significant tokens only (trivia removed,
//! newlines kept), with their text and the layout facts the grammar needs.

use crate::SyntaxKind::{self, *};

pub(crate) struct Input<'t> {
    kinds: Vec<SyntaxKind>,
    texts: Vec<&'t str>,
    ranges: Vec<(u32, u32)>,
    /// Column of the first non-blank character on the token's line.
    line_indent: Vec<u32>,
    starts_line: Vec<bool>,
    text_len: u32,
}

fn width(ws: &str) -> u32 {
    ws.chars().map(|c| if c == '\t' { 4 } else { 1 }).sum()
}

impl<'t> Input<'t> {
    /// Builds the input from all tokens (trivia included) and the source text.
    pub(crate) fn new(text: &'t str, tokens: &[crate::lexer::LexedToken]) -> Input<'t> {
        let mut input = Input {
            kinds: Vec::new(),
            texts: Vec::new(),
            ranges: Vec::new(),
            line_indent: Vec::new(),
            starts_line: Vec::new(),
            text_len: text.len() as u32,
        };
        let mut offset = 0u32;
        let mut indent = 0u32;
        let mut line_first_seen = false;
        for tok in tokens {
            let start = offset;
            offset += tok.len;
            let tok_text = &text[start as usize..offset as usize];
            if tok.kind.is_trivia() {
                if tok.kind == WHITESPACE && !line_first_seen {
                    indent = width(tok_text.trim_start_matches('\u{FEFF}'));
                }
                continue;
            }
            input.kinds.push(tok.kind);
            input.texts.push(tok_text);
            input.ranges.push((start, offset));
            input.line_indent.push(indent);
            input
                .starts_line
                .push(!line_first_seen && tok.kind != NEWLINE);
            if tok.kind == NEWLINE || tok_text.ends_with('\n') {
                // Role blocks and triple-quoted text can end at a line start.
                indent = 0;
                line_first_seen = false;
            } else {
                line_first_seen = true;
            }
        }
        input
    }

    pub(crate) fn len(&self) -> usize {
        self.kinds.len()
    }
    pub(crate) fn kind(&self, idx: usize) -> SyntaxKind {
        self.kinds.get(idx).copied().unwrap_or(EOF)
    }
    pub(crate) fn text(&self, idx: usize) -> &'t str {
        self.texts.get(idx).copied().unwrap_or("")
    }
    /// Byte range of a token; newlines and end of file give an empty range so
    /// diagnostics point at the end of the line rather than past it.
    pub(crate) fn range(&self, idx: usize) -> (u32, u32) {
        match self.ranges.get(idx) {
            Some(&(s, _)) if self.kinds[idx] == NEWLINE => (s, s),
            Some(&r) => r,
            None => (self.text_len, self.text_len),
        }
    }
    pub(crate) fn line_indent(&self, idx: usize) -> u32 {
        self.line_indent.get(idx).copied().unwrap_or(0)
    }
    /// The indentation of the line holding the token that starts at byte
    /// `offset` (0 when there is none).
    pub(crate) fn line_indent_at(&self, offset: u32) -> u32 {
        match self.ranges.binary_search_by_key(&offset, |&(s, _)| s) {
            Ok(idx) => self.line_indent(idx),
            Err(_) => 0,
        }
    }
    pub(crate) fn starts_line(&self, idx: usize) -> bool {
        self.starts_line.get(idx).copied().unwrap_or(true)
    }
}
