//! Decoding literal values from token text: integers (with radix prefixes and
//! `_`), floats, string escapes, triple-quoted dedent (Swift rules, syntax.md
//! §2), raw strings, bytes and role text. Errors carry byte ranges relative to
//! the decoded token so callers can point at the exact escape.

use super::{AstNode, Expr, Interp, RoleExpr, StringExpr, StringPart};
use crate::SyntaxKind::*;
use crate::SyntaxNode;
use rowan::{NodeOrToken, TextRange};

/// Why an integer literal does not decode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IntLiteralError {
    /// No digits, or a digit its radix does not have (the message says which).
    Invalid(String),
    /// A magnitude beyond `u64::MAX`: out of range for `Int` like any other
    /// magnitude that does not fit, however many digits it has.
    TooLarge,
}

/// The magnitude of an integer literal: `42`, `1_000`, `0x2A`, `0b1010`, `0o17`.
/// Values up to `u64::MAX` decode; whether the value fits an `Int` depends on
/// context (`-9223372036854775808` is valid), see [`int_fits_i64`].
pub fn decode_int(text: &str) -> Result<u64, IntLiteralError> {
    let (radix, digits) = match text.get(..2) {
        Some("0x" | "0X") => (16, &text[2..]),
        Some("0b" | "0B") => (2, &text[2..]),
        Some("0o" | "0O") => (8, &text[2..]),
        _ => (10, text),
    };
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    if clean.is_empty() {
        return Err(IntLiteralError::Invalid(format!(
            "integer literal `{text}` has no digits"
        )));
    }
    if let Some(bad) = clean.chars().find(|c| !c.is_digit(radix)) {
        return Err(IntLiteralError::Invalid(format!(
            "invalid digit `{bad}` in {} literal `{text}`",
            radix_name(radix)
        )));
    }
    u64::from_str_radix(&clean, radix).map_err(|_| IntLiteralError::TooLarge)
}

fn radix_name(radix: u32) -> &'static str {
    match radix {
        16 => "hexadecimal",
        2 => "binary",
        8 => "octal",
        _ => "decimal",
    }
}

/// Whether a decoded magnitude is a valid `Int`, given whether it is the
/// operand of a unary minus.
pub fn int_fits_i64(value: u64, negated: bool) -> bool {
    if negated {
        value <= i64::MAX as u64 + 1
    } else {
        value <= i64::MAX as u64
    }
}

/// A float literal: `3.14`, `1e10`, `2.5e-3`, `1_000.5`.
pub fn decode_float(text: &str) -> Result<f64, String> {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    clean
        .parse::<f64>()
        .map_err(|_| format!("invalid float literal `{text}`"))
}

/// An error found while decoding text: message and byte range within the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub message: String,
    pub start: usize,
    pub end: usize,
}

/// Decodes `\n \t \r \0 \\ \" \{ \} \u{…} \xHH`. Unknown escapes are reported
/// and kept verbatim.
pub fn decode_escapes(raw: &str) -> (String, Vec<DecodeError>) {
    let mut out = String::with_capacity(raw.len());
    let mut errors = Vec::new();
    let mut chars = raw.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, e)) = chars.next() else {
            errors.push(DecodeError {
                message: "unfinished escape at end of text".into(),
                start: i,
                end: i + 1,
            });
            break;
        };
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            '{' => out.push('{'),
            '}' => out.push('}'),
            '\n' => {
                // A backslash before a line break in triple-quoted text joins lines.
            }
            'u' => {
                let rest = &raw[i + 2..];
                let parsed = rest
                    .strip_prefix('{')
                    .and_then(|r| r.find('}').map(|j| &r[..j]));
                match parsed.and_then(|h| u32::from_str_radix(h, 16).ok().filter(|_| !h.is_empty() && h.len() <= 6)).and_then(char::from_u32) {
                    Some(ch) => {
                        out.push(ch);
                        let len = parsed.map_or(0, str::len) + 2; // `{` + digits + `}`
                        for _ in 0..len {
                            chars.next();
                        }
                    }
                    None => errors.push(DecodeError {
                        message: "invalid unicode escape: expected `\\u{…}` with 1 to 6 hex digits naming a character".into(),
                        start: i,
                        end: i + 2 + parsed.map_or(0, |h| h.len() + 2),
                    }),
                }
            }
            'x' => {
                let hex = raw
                    .get(i + 2..i + 4)
                    .filter(|h| h.chars().all(|c| c.is_ascii_hexdigit()));
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()).filter(|b| *b < 0x80) {
                    Some(b) => {
                        out.push(b as char);
                        chars.next();
                        chars.next();
                    }
                    None => errors.push(DecodeError {
                        message: "invalid `\\x` escape: expected two hex digits for a character up to `\\x7F`".into(),
                        start: i,
                        end: (i + 2..=(i + 4).min(raw.len())).rev().find(|&e| raw.is_char_boundary(e)).unwrap_or(i + 2),
                    }),
                }
            }
            other => {
                errors.push(DecodeError {
                    message: format!("unknown escape `\\{other}`"),
                    start: i,
                    end: i + 1 + other.len_utf8(),
                });
                out.push('\\');
                out.push(other);
            }
        }
    }
    (out, errors)
}

/// The text of `r"…"` / `r"""…"""` (triple-quoted raw text is dedented).
pub fn decode_raw_string(token_text: &str) -> String {
    let body = token_text.strip_prefix('r').unwrap_or(token_text);
    if let Some(inner) = body.strip_prefix("\"\"\"") {
        let inner = inner.strip_suffix("\"\"\"").unwrap_or(inner);
        return dedent_segments(&[inner]).concat();
    }
    let inner = body.strip_prefix('"').unwrap_or(body);
    inner.strip_suffix('"').unwrap_or(inner).to_string()
}

/// `b"48656C6C6F"` → bytes.
pub fn decode_bytes(token_text: &str) -> Result<Vec<u8>, String> {
    let body = token_text
        .strip_prefix("b\"")
        .ok_or("bytes literal must start with `b\"`")?;
    let body = body.strip_suffix('"').ok_or("unterminated bytes literal")?;
    let hex: Vec<char> = body
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_')
        .collect();
    if hex.len() & 1 == 1 {
        return Err("bytes literal needs pairs of hex digits".into());
    }
    hex.chunks(2)
        .map(|pair| {
            let s: String = pair.iter().collect();
            // Digits only: `from_str_radix` alone would also take a sign (`+1`).
            pair.iter()
                .all(char::is_ascii_hexdigit)
                .then(|| u8::from_str_radix(&s, 16).ok())
                .flatten()
                .ok_or_else(|| format!("invalid hex pair `{s}` in bytes literal"))
        })
        .collect()
}

/// Triple-quoted dedent over raw text segments (interpolations sit between
/// segments): drop the newline after the opening quotes and the line holding
/// the closing quotes, and remove that line's indentation from every line.
pub fn dedent_segments(segments: &[&str]) -> Vec<String> {
    let mut segs: Vec<String> = segments.iter().map(|s| s.to_string()).collect();
    if segs.is_empty() {
        return segs;
    }
    // The indentation is the whitespace between the last newline and the closing quotes.
    let last = segs.last().cloned().unwrap_or_default();
    let indent = match last.rfind('\n') {
        Some(i) if last[i + 1..].chars().all(|c| c == ' ' || c == '\t') => {
            last[i + 1..].to_string()
        }
        _ => String::new(),
    };
    // Drop the closing line.
    if let Some(i) = last.rfind('\n') {
        if last[i + 1..].chars().all(|c| c == ' ' || c == '\t') {
            let cut = if last[..i].ends_with('\r') { i - 1 } else { i };
            let n = segs.len();
            segs[n - 1].truncate(cut);
        }
    }
    // Drop the first line break.
    let first = &mut segs[0];
    if first.starts_with("\r\n") {
        first.drain(..2);
    } else if first.starts_with('\n') {
        first.drain(..1);
    }
    // Remove the indentation at every line start (the start of the text and
    // after each newline; an interpolation is never at a line start).
    let mut at_line_start = true;
    for seg in segs.iter_mut() {
        let mut out = String::with_capacity(seg.len());
        let mut rest = seg.as_str();
        loop {
            if at_line_start {
                if let Some(stripped) = rest.strip_prefix(indent.as_str()) {
                    rest = stripped;
                } else {
                    rest = rest.trim_start_matches([' ', '\t']);
                }
            }
            match rest.find('\n') {
                Some(i) => {
                    out.push_str(&rest[..=i]);
                    rest = &rest[i + 1..];
                    at_line_start = true;
                }
                None => {
                    out.push_str(rest);
                    at_line_start = false;
                    break;
                }
            }
        }
        *seg = out;
    }
    segs
}

enum RawPart {
    Text(String, TextRange),
    Interp(Interp),
}

fn raw_parts(node: &SyntaxNode, text_kind: crate::SyntaxKind) -> Vec<RawPart> {
    let mut parts: Vec<RawPart> = Vec::new();
    for e in node.children_with_tokens() {
        match e {
            NodeOrToken::Token(t) if t.kind() == text_kind => match parts.last_mut() {
                Some(RawPart::Text(s, r)) => {
                    s.push_str(t.text());
                    *r = r.cover(t.text_range());
                }
                _ => parts.push(RawPart::Text(t.text().to_string(), t.text_range())),
            },
            NodeOrToken::Node(n) => {
                if let Some(i) = Interp::cast(n) {
                    parts.push(RawPart::Interp(i));
                }
            }
            _ => {}
        }
    }
    parts
}

/// Decodes the parts of a string, returning decoding errors with absolute ranges.
pub fn string_parts(s: &StringExpr) -> (Vec<StringPart>, Vec<(String, TextRange)>) {
    let raw = raw_parts(s.syntax(), STRING_TEXT);
    // Adjacent text tokens are merged in `raw`, so text parts and dedented
    // segments correspond one to one. Dedent works on the raw text so escapes
    // like `\n` never count as line breaks.
    let dedented = s.is_triple().then(|| {
        let texts: Vec<&str> = raw
            .iter()
            .filter_map(|p| {
                if let RawPart::Text(t, _) = p {
                    Some(t.as_str())
                } else {
                    None
                }
            })
            .collect();
        dedent_segments(&texts)
    });
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seg_idx = 0;
    for p in &raw {
        match p {
            RawPart::Text(t, range) => {
                let source = match &dedented {
                    Some(d) => d[seg_idx].as_str(),
                    None => t.as_str(),
                };
                seg_idx += 1;
                let (decoded, errs) = decode_escapes(source);
                for e in errs {
                    // Ranges are exact for single-line strings; for dedented
                    // text the whole segment is pointed at.
                    let r = if dedented.is_none() {
                        TextRange::new(
                            range.start() + rowan::TextSize::from(e.start as u32),
                            range.start() + rowan::TextSize::from(e.end as u32),
                        )
                    } else {
                        *range
                    };
                    errors.push((e.message, r));
                }
                if !decoded.is_empty() {
                    out.push(StringPart::Text(decoded));
                }
            }
            RawPart::Interp(i) => {
                if let Some(e) = i.expr() {
                    out.push(StringPart::Expr(e, i.format_spec()));
                }
            }
        }
    }
    (merge_texts(out), errors)
}

fn merge_texts(parts: Vec<StringPart>) -> Vec<StringPart> {
    let mut out: Vec<StringPart> = Vec::new();
    for p in parts {
        match (out.last_mut(), p) {
            (Some(StringPart::Text(a)), StringPart::Text(b)) => a.push_str(&b),
            (_, p) => out.push(p),
        }
    }
    out
}

/// Role text: inline text has trailing spaces dropped; block text has its
/// first line break and common indentation removed, line breaks kept, and no
/// final line break. `\{`, `\}` and `\\` are escapes (tools-details §35).
pub fn role_parts(r: &RoleExpr) -> Vec<StringPart> {
    let raw = raw_parts(r.syntax(), ROLE_TEXT);
    let mut texts: Vec<String> = raw
        .iter()
        .filter_map(|p| {
            if let RawPart::Text(t, _) = p {
                Some(t.clone())
            } else {
                None
            }
        })
        .collect();
    if r.is_block() {
        if let Some(first) = texts.first_mut() {
            if first.starts_with("\r\n") {
                first.drain(..2);
            } else if first.starts_with('\n') {
                first.drain(..1);
            }
        }
        // Common indentation of non-blank lines that start in text.
        let joined = texts.join("\u{0}");
        let indent = joined
            .split('\n')
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.chars().take_while(|c| *c == ' ' || *c == '\t').count())
            .min()
            .unwrap_or(0);
        let mut at_line_start = true;
        for t in texts.iter_mut() {
            let mut out = String::new();
            for (i, line) in t.split('\n').enumerate() {
                if i > 0 {
                    out.push('\n');
                    at_line_start = true;
                }
                if at_line_start {
                    let strip = line
                        .chars()
                        .take(indent)
                        .take_while(|c| *c == ' ' || *c == '\t')
                        .count();
                    out.push_str(&line[strip..]);
                } else {
                    out.push_str(line);
                }
                at_line_start = false;
            }
            *t = out;
        }
        if let Some(last) = texts.last_mut() {
            while last.ends_with('\n') || last.ends_with('\r') {
                last.pop();
            }
        }
    } else if matches!(raw.last(), Some(RawPart::Text(..))) {
        // Trailing spaces of the line, not those before an interpolation
        // that ends it (`role user: Hi {name}`).
        if let Some(last) = texts.last_mut() {
            let trimmed = last.trim_end_matches([' ', '\t', '\r']).len();
            last.truncate(trimmed);
        }
    }
    let mut out = Vec::new();
    let mut ti = 0;
    for p in raw {
        match p {
            RawPart::Text(..) => {
                let t = unescape_role_text(&texts[ti]);
                ti += 1;
                if !t.is_empty() {
                    out.push(StringPart::Text(t));
                }
            }
            RawPart::Interp(i) => {
                if let Some(e) = i.expr() {
                    out.push(StringPart::Expr(e, i.format_spec()));
                }
            }
        }
    }
    out
}

/// Role text escapes (tools-details §35): `\{`, `\}` and `\\` stand for
/// the character after the backslash; any other backslash is text.
fn unescape_role_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(&next @ ('{' | '}' | '\\')) = chars.peek() {
                out.push(next);
                chars.next();
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Convenience: the parts of any string-like expression.
pub fn parts_of(expr: &Expr) -> Option<Vec<StringPart>> {
    match expr {
        Expr::String(s) => Some(s.parts()),
        Expr::Role(r) => Some(r.parts()),
        _ => None,
    }
}
