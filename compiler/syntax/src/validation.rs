//! Checks on the finished tree that the grammar does not express: invalid
//! characters, malformed or out-of-range number literals, unknown string
//! escapes, malformed raw strings and bytes literals.

use crate::ast::{literals, AstNode, StringExpr};
use crate::SyntaxKind::*;
use crate::{SyntaxError, SyntaxNode, SyntaxToken};
use rowan::{NodeOrToken, TextRange, TextSize};

pub(crate) fn validate(root: &SyntaxNode) -> Vec<SyntaxError> {
    let mut errors = Vec::new();
    for e in root.descendants_with_tokens() {
        match e {
            NodeOrToken::Token(t) => token(&t, &mut errors),
            NodeOrToken::Node(n) => {
                if let Some(s) = StringExpr::cast(n) {
                    for (message, range) in literals::string_parts(&s).1 {
                        errors.push(err(
                            message,
                            range,
                            "invalid escape",
                            Some(
                                "valid escapes: \\n \\t \\r \\0 \\\\ \\\" \\{ \\} \\u{1F600} \\xHH",
                            ),
                        ));
                    }
                }
            }
        }
    }
    errors
}

fn err(
    message: impl Into<String>,
    range: TextRange,
    label: &str,
    help: Option<&str>,
) -> SyntaxError {
    SyntaxError {
        message: message.into(),
        range,
        label: Some(label.to_string()),
        help: help.map(str::to_owned),
    }
}

/// Is this integer token the operand of a unary minus (`-9223372036854775808`)?
fn is_negated(t: &SyntaxToken) -> bool {
    let Some(lit) = t.parent() else { return false };
    let Some(prefix) = lit.parent() else {
        return false;
    };
    prefix.kind() == PREFIX_EXPR && prefix.first_token().is_some_and(|m| m.kind() == MINUS)
}

/// A literal as a message quotes it: a long one by its ends (the label
/// under the source line shows all of it).
fn abbreviated(text: &str) -> String {
    const KEEP: usize = 12;
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= 3 * KEEP {
        return text.to_string();
    }
    let head: String = chars[..KEEP].iter().collect();
    let tail: String = chars[chars.len() - KEEP..].iter().collect();
    format!("{head}…{tail}")
}

fn token(t: &SyntaxToken, errors: &mut Vec<SyntaxError>) {
    let range = t.text_range();
    match t.kind() {
        ERROR => {
            let c = t.text().chars().next().unwrap_or('?');
            let shown = if c.is_control() {
                format!("U+{:04X}", c as u32)
            } else {
                format!("`{c}`")
            };
            let help = match c {
                ';' => Some("statements end at the end of the line; remove the `;`"),
                '\'' => Some("strings use double quotes: \"text\""),
                '$' => Some("interpolate with braces inside a string: \"{name}\""),
                '`' => Some("a doc block fence (```) must start at the beginning of a line"),
                '\0' => Some("the file may not be valid UTF-8 text"),
                _ => None,
            };
            if t.text().len() > 1 && c == '\'' {
                errors.push(err(
                    "single-quoted text is not a string",
                    range,
                    "not valid in Lumen source",
                    Some("strings use double quotes: \"text\""),
                ));
                return;
            }
            errors.push(err(
                format!("unexpected character {shown}"),
                range,
                "not valid in Lumen source",
                help,
            ));
        }
        INT_NUMBER if t.parent().is_some_and(|p| p.kind() == LITERAL) => {
            let fits = match literals::decode_int(t.text()) {
                Ok(v) => literals::int_fits_i64(v, is_negated(t)),
                Err(literals::IntLiteralError::TooLarge) => false,
                Err(literals::IntLiteralError::Invalid(m)) => {
                    errors.push(err(m, range, "invalid integer literal", None));
                    return;
                }
            };
            if !fits {
                errors.push(err(
                    format!(
                        "integer literal `{}` is out of range for `Int`",
                        abbreviated(t.text())
                    ),
                    range,
                    "does not fit in 64 bits",
                    Some("`Int` holds values from -9223372036854775808 to 9223372036854775807"),
                ));
            }
        }
        FLOAT_NUMBER => {
            if let Err(m) = literals::decode_float(t.text()) {
                errors.push(err(m, range, "invalid float literal", None));
            }
        }
        RAW_STRING => {
            let text = t.text();
            let closed = if text.starts_with("r\"\"\"") {
                text.len() >= 7 && text.ends_with("\"\"\"")
            } else {
                text.len() >= 3 && text.ends_with('"')
            };
            if !closed {
                errors.push(err(
                    "unterminated raw string",
                    TextRange::at(range.start(), TextSize::from(2)),
                    "raw string starts here",
                    Some("add the closing `\"`"),
                ));
            }
        }
        BYTES => {
            if let Err(m) = literals::decode_bytes(t.text()) {
                errors.push(err(
                    m,
                    range,
                    "invalid bytes literal",
                    Some("bytes literals hold pairs of hex digits: `b\"48656C6C6F\"`"),
                ));
            }
        }
        _ => {}
    }
}
