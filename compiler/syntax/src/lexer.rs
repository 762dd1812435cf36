//! The lexer: turns source text into `(SyntaxKind, len)` tokens covering every
//! byte of the input (syntax.md §2).
//!
//! Strings and role text are lexed as token sequences so that interpolated
//! expressions become ordinary tokens the parser turns into expression nodes:
//! `"a{x:>4}b"` is `STRING_START STRING_TEXT INTERP_START IDENT FORMAT_SPEC
//! INTERP_END STRING_TEXT STRING_END`. A stack of modes tracks which of code,
//! string body or role text is being lexed; interpolations nest arbitrarily.
//! The lexer never fails: bytes it does not understand become `ERROR` tokens,
//! and unterminated constructs simply stop (the parser reports them).

use crate::SyntaxKind::{self, *};

/// A token as produced by the lexer: kind and length in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LexedToken {
    pub kind: SyntaxKind,
    pub len: u32,
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    /// Ordinary code. Inside an interpolation `interp` is set and the bracket
    /// depths tell where the interpolation ends and where a format spec may start.
    Code {
        interp: bool,
        braces: u32,
        parens: u32,
    },
    /// The body of a `"…"` (or `"""…"""` when `triple`) string.
    Str { triple: bool },
    /// Role text to the end of the line.
    RoleLine,
    /// A multi-line role block, up to a line holding only `end`.
    RoleBlock,
}

/// Lexes the whole text. The lengths of the returned tokens add up to `text.len()`.
pub fn tokenize(text: &str) -> Vec<LexedToken> {
    let mut lx = Lexer {
        src: text,
        pos: 0,
        modes: vec![Mode::Code {
            interp: false,
            braces: 0,
            parens: 0,
        }],
        out: Vec::new(),
    };
    lx.run();
    lx.out
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    modes: Vec<Mode>,
    out: Vec<LexedToken>,
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}
fn is_ident_continue(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Whether `spec` (the text after `:` in an interpolation) is a valid format spec:
/// `[[fill]align][+][#][0][width][.precision][f][x|X|o|b]` (semantics.md §7).
pub fn is_format_spec(spec: &str) -> bool {
    let chars: Vec<char> = spec.chars().collect();
    if chars.is_empty() {
        return false;
    }
    let mut i = 0;
    let is_align = |c: char| matches!(c, '<' | '>' | '^');
    if chars.len() >= 2 && is_align(chars[1]) {
        i = 2;
    } else if is_align(chars[0]) {
        i = 1;
    }
    if chars.get(i) == Some(&'+') {
        i += 1;
    }
    if chars.get(i) == Some(&'#') {
        i += 1;
    }
    while chars.get(i).is_some_and(|c| c.is_ascii_digit()) {
        i += 1;
    }
    if chars.get(i) == Some(&'.') {
        i += 1;
        let start = i;
        while chars.get(i).is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    if chars.get(i) == Some(&'f') {
        i += 1;
    }
    if chars
        .get(i)
        .is_some_and(|c| matches!(c, 'x' | 'X' | 'o' | 'b'))
    {
        i += 1;
    }
    i == chars.len()
}

impl<'a> Lexer<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.src.as_bytes()
    }
    fn peek(&self, n: usize) -> Option<u8> {
        self.bytes().get(self.pos + n).copied()
    }
    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }
    fn push(&mut self, kind: SyntaxKind, len: usize) {
        debug_assert!(len > 0);
        self.out.push(LexedToken {
            kind,
            len: len as u32,
        });
        self.pos += len;
    }
    /// Length in bytes of the character at the current position.
    fn char_len(&self) -> usize {
        self.rest().chars().next().map_or(1, char::len_utf8)
    }
    fn last_significant(&self) -> Option<SyntaxKind> {
        self.out
            .iter()
            .rev()
            .map(|t| t.kind)
            .find(|k| !k.is_trivia())
    }
    fn at_line_start(&self) -> bool {
        self.src[..self.pos]
            .bytes()
            .rev()
            .take_while(|&b| b != b'\n')
            .all(|b| b == b' ' || b == b'\t')
    }

    fn run(&mut self) {
        while self.pos < self.src.len() {
            let before = (self.pos, self.modes.len());
            match *self.modes.last().expect("mode stack is never empty") {
                Mode::Code { .. } => self.code(),
                Mode::Str { triple } => self.string_body(triple),
                Mode::RoleLine => self.role_line(),
                Mode::RoleBlock => self.role_block(),
            }
            if (self.pos, self.modes.len()) == before && self.pos < self.src.len() {
                // Every step consumes input or switches mode; guard against a bug
                // looping forever by consuming one character as an error.
                let n = self.char_len();
                self.push(ERROR, n);
            }
        }
    }

    fn code(&mut self) {
        let b = self.bytes();
        let c = b[self.pos];
        let rest = self.rest();
        // Byte-order mark at the very start: trivia.
        if self.pos == 0 && rest.starts_with('\u{FEFF}') {
            return self.push(WHITESPACE, 3);
        }
        match c {
            b' ' | b'\t' | 0x0C => {
                let n = rest
                    .bytes()
                    .take_while(|&b| matches!(b, b' ' | b'\t' | 0x0C))
                    .count();
                self.push(WHITESPACE, n)
            }
            b'\n' => self.push(NEWLINE, 1),
            b'\r' if self.peek(1) == Some(b'\n') => self.push(NEWLINE, 2),
            b'\r' => self.push(WHITESPACE, 1),
            b'#' => {
                let n = rest.find('\n').unwrap_or(rest.len());
                let n = if rest[..n].ends_with('\r') { n - 1 } else { n };
                self.push(COMMENT, n.max(1))
            }
            b'`' if rest.starts_with("```") && self.at_line_start() && !self.in_interp() => {
                self.doc_block()
            }
            b'"' => {
                let triple = rest.starts_with("\"\"\"");
                self.push(STRING_START, if triple { 3 } else { 1 });
                self.modes.push(Mode::Str { triple });
            }
            b'r' if rest.starts_with("r\"") => self.raw_string(RAW_STRING, 1),
            b'b' if rest.starts_with("b\"") => self.raw_string(BYTES, 1),
            b'0'..=b'9' => self.number(),
            b'\'' => {
                // Not Lumen, but common: one error for a whole `'single-quoted'` text.
                let line = &rest[1..rest.find('\n').unwrap_or(rest.len())];
                let n = line.find('\'').map_or(1, |i| i + 2);
                self.push(ERROR, n)
            }
            _ if is_ident_start(c) => self.ident(),
            _ => self.punct(),
        }
    }

    fn in_interp(&self) -> bool {
        matches!(self.modes.last(), Some(Mode::Code { interp: true, .. }))
    }

    /// A fenced block at the start of a line in a `.lm` file is a doc comment
    /// (syntax.md §1). It runs to the closing fence line (inclusive).
    fn doc_block(&mut self) {
        let rest = self.rest();
        let first_nl = rest.find('\n').map_or(rest.len(), |i| i + 1);
        let mut end = first_nl;
        loop {
            if end >= rest.len() {
                end = rest.len();
                break;
            }
            let line_end = rest[end..].find('\n').map_or(rest.len(), |i| end + i);
            let line = rest[end..line_end].trim_start_matches([' ', '\t']);
            if line.starts_with("```") {
                end = line_end;
                if rest[..end].ends_with('\r') {
                    end -= 1;
                }
                break;
            }
            end = line_end + 1;
        }
        self.push(DOC_COMMENT, end.max(1));
    }

    fn raw_string(&mut self, kind: SyntaxKind, prefix: usize) {
        let body = &self.rest()[prefix..];
        let len = if let Some(triple_body) = body.strip_prefix("\"\"\"") {
            match triple_body.find("\"\"\"") {
                Some(i) => prefix + 3 + i + 3,
                None => self.rest().len(),
            }
        } else {
            // Single-line: ends at the closing quote, or (unterminated) before the newline.
            let inner = &body[1..];
            match inner.find(['"', '\n']) {
                Some(i) if inner.as_bytes()[i] == b'"' => prefix + 1 + i + 1,
                Some(i) => {
                    let i = if inner[..i].ends_with('\r') { i - 1 } else { i };
                    prefix + 1 + i
                }
                None => self.rest().len(),
            }
        };
        self.push(kind, len)
    }

    fn number(&mut self) {
        let b = self.rest().as_bytes();
        let mut i = 0;
        let mut kind = INT_NUMBER;
        let radix_prefix =
            b.len() > 1 && b[0] == b'0' && matches!(b[1], b'x' | b'X' | b'b' | b'B' | b'o' | b'O');
        if radix_prefix {
            i = 2;
            while i < b.len() && (b[i].is_ascii_hexdigit() || b[i] == b'_') {
                i += 1;
            }
        } else {
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
                i += 1;
            }
            // `t.0.1` is two field accesses, so no fraction right after `.`.
            let after_dot = matches!(self.last_significant(), Some(DOT | QUESTION_DOT));
            if !after_dot && i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
                kind = FLOAT_NUMBER;
                i += 1;
                while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
                    i += 1;
                }
            }
            if !after_dot && i < b.len() && (b[i] == b'e' || b[i] == b'E') {
                let mut j = i + 1;
                if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
                    j += 1;
                }
                if j < b.len() && b[j].is_ascii_digit() {
                    kind = FLOAT_NUMBER;
                    i = j;
                    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
                        i += 1;
                    }
                }
            }
        }
        // A suffix glued to the number (`12abc`) stays in the token; decoding reports it.
        while i < b.len() && is_ident_continue(b[i]) {
            i += 1;
        }
        self.push(kind, i)
    }

    fn ident(&mut self) {
        let rest = self.rest();
        let n = rest.bytes().take_while(|&b| is_ident_continue(b)).count();
        let word = &rest[..n];
        if word == "_" {
            return self.push(UNDERSCORE, 1);
        }
        if word == "role" && !matches!(self.last_significant(), Some(DOT | QUESTION_DOT)) {
            if let Some(()) = self.try_role_header(n) {
                return;
            }
        }
        let kind = SyntaxKind::from_keyword(word).unwrap_or(IDENT);
        self.push(kind, n)
    }

    /// `role NAME:` followed by text. Emits the header tokens and switches to a
    /// role-text mode. Returns `None` (emitting nothing) if this is not a header.
    fn try_role_header(&mut self, role_len: usize) -> Option<()> {
        let b = self.rest().as_bytes();
        let mut i = role_len;
        let ws1 = b[i..]
            .iter()
            .take_while(|&&c| c == b' ' || c == b'\t')
            .count();
        if ws1 == 0 {
            return None;
        }
        i += ws1;
        if !b.get(i).is_some_and(|&c| is_ident_start(c)) {
            return None;
        }
        let name_len = b[i..].iter().take_while(|&&c| is_ident_continue(c)).count();
        i += name_len;
        let ws2 = b[i..]
            .iter()
            .take_while(|&&c| c == b' ' || c == b'\t')
            .count();
        i += ws2;
        if b.get(i) != Some(&b':') {
            return None;
        }
        let ws3 = b[i + 1..]
            .iter()
            .take_while(|&&c| c == b' ' || c == b'\t')
            .count();
        let after = &b[i + 1 + ws3..];
        let line_empty = after.is_empty() || after[0] == b'\n' || after.starts_with(b"\r\n");
        let name_kind = SyntaxKind::from_keyword(
            std::str::from_utf8(&b[role_len + ws1..role_len + ws1 + name_len]).unwrap_or(""),
        )
        .unwrap_or(IDENT);
        self.push(IDENT, role_len);
        self.push(WHITESPACE, ws1);
        self.push(name_kind, name_len);
        if ws2 > 0 {
            self.push(WHITESPACE, ws2);
        }
        self.push(COLON, 1);
        if ws3 > 0 {
            self.push(WHITESPACE, ws3);
        }
        self.modes.push(if line_empty {
            Mode::RoleBlock
        } else {
            Mode::RoleLine
        });
        Some(())
    }

    fn punct(&mut self) {
        const PUNCT: &[(&str, SyntaxKind)] = &[
            ("...", DOT3),
            ("..=", DOT2EQ),
            ("//=", SLASH2EQ),
            ("**=", STAR2EQ),
            ("~>", TILDE_GT),
            ("|>", PIPE_GT),
            ("??", QUESTION2),
            ("?.", QUESTION_DOT),
            ("?[", QUESTION_BRACK),
            ("..", DOT2),
            ("++", PLUS2),
            ("**", STAR2),
            ("//", SLASH2),
            ("<<", SHL),
            (">>", SHR),
            ("->", ARROW),
            ("=>", FAT_ARROW),
            ("==", EQ2),
            ("!=", NEQ),
            ("<=", LTEQ),
            (">=", GTEQ),
            ("+=", PLUSEQ),
            ("-=", MINUSEQ),
            ("*=", STAREQ),
            ("/=", SLASHEQ),
            ("%=", PERCENTEQ),
            ("&=", AMPEQ),
            ("|=", PIPEEQ),
            ("^=", CARETEQ),
            ("+", PLUS),
            ("-", MINUS),
            ("*", STAR),
            ("/", SLASH),
            ("%", PERCENT),
            ("=", EQ),
            ("<", LT),
            (">", GT),
            ("&", AMP),
            ("|", PIPE),
            ("^", CARET),
            ("~", TILDE),
            ("!", BANG),
            ("?", QUESTION),
            (".", DOT),
            (",", COMMA),
            (":", COLON),
            ("(", L_PAREN),
            (")", R_PAREN),
            ("[", L_BRACK),
            ("]", R_BRACK),
            ("{", L_CURLY),
            ("}", R_CURLY),
            ("@", AT),
        ];
        let rest = self.rest();
        let Some(&(text, kind)) = PUNCT.iter().find(|(t, _)| rest.starts_with(t)) else {
            let n = self.char_len();
            return self.push(ERROR, n);
        };
        if let Some(Mode::Code {
            interp,
            braces,
            parens,
        }) = self.modes.last_mut()
        {
            match kind {
                L_CURLY => *braces += 1,
                L_PAREN | L_BRACK | QUESTION_BRACK => *parens += 1,
                R_PAREN | R_BRACK => *parens = parens.saturating_sub(1),
                R_CURLY if *interp && *braces == 0 => {
                    self.modes.pop();
                    return self.push(INTERP_END, 1);
                }
                R_CURLY => *braces = braces.saturating_sub(1),
                COLON if *interp && *braces == 0 && *parens == 0 => {
                    // A format spec runs from here to the closing `}` of the interpolation.
                    // Specs are short; bounding the search keeps lexing linear.
                    let window = rest
                        .char_indices()
                        .take(64)
                        .last()
                        .map_or(rest.len(), |(i, c)| i + c.len_utf8());
                    if let Some(close) = rest[..window].find('}') {
                        if is_format_spec(&rest[1..close]) {
                            return self.push(FORMAT_SPEC, close);
                        }
                    }
                }
                _ => {}
            }
        }
        self.push(kind, text.len())
    }

    fn string_body(&mut self, triple: bool) {
        let rest = self.rest();
        let b = rest.as_bytes();
        if triple && rest.starts_with("\"\"\"") {
            self.modes.pop();
            return self.push(STRING_END, 3);
        }
        match b[0] {
            b'"' if !triple => {
                self.modes.pop();
                return self.push(STRING_END, 1);
            }
            b'{' => {
                self.modes.push(Mode::Code {
                    interp: true,
                    braces: 0,
                    parens: 0,
                });
                return self.push(INTERP_START, 1);
            }
            b'\n' | b'\r' if !triple && (b[0] == b'\n' || rest.starts_with("\r\n")) => {
                // Unterminated single-line string: code resumes at the newline.
                self.modes.pop();
                return;
            }
            _ => {}
        }
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'"' if !triple => break,
                b'"' if rest[i..].starts_with("\"\"\"") => break,
                b'{' => break,
                b'\n' if !triple => break,
                b'\r' if !triple && rest[i..].starts_with("\r\n") => break,
                b'\\' => {
                    i += 1;
                    if rest[i..].starts_with("u{") {
                        let close = rest[i..]
                            .find(['}', '"', '\n'])
                            .filter(|&j| rest.as_bytes()[i + j] == b'}');
                        i += close.map_or(1, |j| j + 1);
                    } else if let Some(c) = rest[i..].chars().next() {
                        if c != '\n' || triple {
                            i += c.len_utf8();
                        }
                    }
                }
                _ => i += rest[i..].chars().next().map_or(1, char::len_utf8),
            }
        }
        if i > 0 {
            self.push(STRING_TEXT, i)
        }
    }

    fn role_line(&mut self) {
        let rest = self.rest();
        let b = rest.as_bytes();
        if b[0] == b'\n' || rest.starts_with("\r\n") {
            self.modes.pop();
            return;
        }
        if b[0] == b'{' {
            self.modes.push(Mode::Code {
                interp: true,
                braces: 0,
                parens: 0,
            });
            return self.push(INTERP_START, 1);
        }
        let mut i = 0;
        while i < b.len() && b[i] != b'{' && b[i] != b'\n' && !rest[i..].starts_with("\r\n") {
            if b[i] == b'\\' && i + 1 < b.len() && b[i + 1] != b'\n' {
                i += 1;
            }
            i += rest[i..].chars().next().map_or(1, char::len_utf8);
        }
        self.push(ROLE_TEXT, i)
    }

    /// Is the line starting at byte `at` of the source a lone `end` line?
    fn is_end_line(&self, at: usize) -> bool {
        let line = self.src[at..].trim_start_matches([' ', '\t']);
        line.starts_with("end")
            && !line
                .as_bytes()
                .get(3)
                .is_some_and(|&c| is_ident_continue(c))
    }

    fn role_block(&mut self) {
        let line_start = self.pos == 0 || self.bytes()[self.pos - 1] == b'\n';
        if line_start && self.is_end_line(self.pos) {
            self.modes.pop();
            return;
        }
        let rest = self.rest();
        let b = rest.as_bytes();
        if b[0] == b'{' {
            self.modes.push(Mode::Code {
                interp: true,
                braces: 0,
                parens: 0,
            });
            return self.push(INTERP_START, 1);
        }
        let mut i = 0;
        while i < b.len() && b[i] != b'{' {
            if b[i] == b'\n' {
                i += 1;
                if self.is_end_line(self.pos + i) {
                    break;
                }
                continue;
            }
            if b[i] == b'\\' && i + 1 < b.len() && b[i + 1] != b'\n' {
                i += 1;
            }
            i += rest[i..].chars().next().map_or(1, char::len_utf8);
        }
        if i > 0 {
            self.push(ROLE_TEXT, i)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<SyntaxKind> {
        let toks = tokenize(s);
        assert_eq!(toks.iter().map(|t| t.len as usize).sum::<usize>(), s.len());
        toks.into_iter()
            .map(|t| t.kind)
            .filter(|k| *k != WHITESPACE)
            .collect()
    }

    #[test]
    fn interpolation_with_nested_string() {
        assert_eq!(
            kinds(r#""{m["a"]}""#),
            vec![
                STRING_START,
                INTERP_START,
                IDENT,
                L_BRACK,
                STRING_START,
                STRING_TEXT,
                STRING_END,
                R_BRACK,
                INTERP_END,
                STRING_END
            ]
        );
    }

    #[test]
    fn format_spec() {
        assert_eq!(
            kinds(r#""{x:>10}""#),
            vec![
                STRING_START,
                INTERP_START,
                IDENT,
                FORMAT_SPEC,
                INTERP_END,
                STRING_END
            ]
        );
        assert!(is_format_spec("*^9"));
        assert!(is_format_spec(".2f"));
        assert!(is_format_spec("#x"));
        assert!(!is_format_spec("abc"));
    }

    #[test]
    fn tuple_field_is_not_float() {
        assert_eq!(
            kinds("t.0.1"),
            vec![IDENT, DOT, INT_NUMBER, DOT, INT_NUMBER]
        );
        assert_eq!(kinds("0..10"), vec![INT_NUMBER, DOT2, INT_NUMBER]);
        assert_eq!(kinds("2.5e-3"), vec![FLOAT_NUMBER]);
    }

    #[test]
    fn role_line_keeps_hash() {
        assert_eq!(
            kinds("role user: a # b {x}\n"),
            vec![
                IDENT,
                IDENT,
                COLON,
                ROLE_TEXT,
                INTERP_START,
                IDENT,
                INTERP_END,
                NEWLINE
            ]
        );
        assert_eq!(kinds("msg.role"), vec![IDENT, DOT, IDENT]);
    }

    #[test]
    fn role_block() {
        assert_eq!(
            kinds("role system:\n  a\n  b\nend\n"),
            vec![IDENT, IDENT, COLON, ROLE_TEXT, END_KW, NEWLINE]
        );
    }
}
