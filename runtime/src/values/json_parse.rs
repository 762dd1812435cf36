//! A strict RFC 8259 JSON parser producing a plain Rust tree ([`JsonValue`]),
//! shared by `json_parse` (which turns the tree into `Json` values,
//! `json_value.rs`) and `from_json` (which decodes it into a static type,
//! `json_decode.rs`). Parsing first keeps both free of text handling and
//! lets `from_json` report type errors with a path rather than a position.
//!
//! Strict means: no comments, no trailing commas, no single quotes, no
//! leading zeros or `+`, no `NaN`; only ` \t\n\r` as whitespace; control
//! characters must be escaped; `\u` escapes must pair surrogates. A number
//! without fraction or exponent that fits an `i64` is an [`JsonValue::Int`],
//! any other a [`JsonValue::Float`] (out of `f64` range is an error).
//! Objects keep one entry per key, the last one written (like serde_json),
//! sorted by key (the order of every Lumen map).
//!
//! Errors name what was expected and where, as `line:column` (1-based,
//! columns counting characters): `expected ',' or '}' at 1:9`.

/// A parsed JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum JsonValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<JsonValue>),
    /// Entries sorted by key, keys unique.
    Object(Vec<(String, JsonValue)>),
}

impl JsonValue {
    /// The entry for `key` of an object.
    pub fn get(&self, key: &str) -> Option<&JsonValue> {
        match self {
            JsonValue::Object(entries) => entries
                .binary_search_by(|(k, _)| k.as_str().cmp(key))
                .ok()
                .map(|i| &entries[i].1),
            _ => None,
        }
    }

    /// What kind of value this is, for error messages (`found String`).
    pub fn kind_name(&self) -> &'static str {
        match self {
            JsonValue::Null => "null",
            JsonValue::Bool(_) => "Bool",
            JsonValue::Int(_) => "Int",
            JsonValue::Float(_) => "Float",
            JsonValue::Str(_) => "String",
            JsonValue::List(_) => "list",
            JsonValue::Object(_) => "object",
        }
    }
}

/// Containers nested deeper than this are an error: the parser recurses, and
/// so do the conversions and `Drop` of the tree.
pub const MAX_DEPTH: usize = 256;

/// Parses a whole JSON text.
pub fn parse(text: &str) -> Result<JsonValue, String> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
    };
    p.skip_ws();
    let value = p.value(0)?;
    p.skip_ws();
    if p.pos < p.bytes.len() {
        return Err(p.error("end of input after the value"));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    /// `expected WHAT at line:column` for the current position.
    fn error(&self, expected: &str) -> String {
        self.error_at(self.pos, &format!("expected {expected}"))
    }

    fn error_at(&self, pos: usize, message: &str) -> String {
        let before = &self.bytes[..pos.min(self.bytes.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        // `pos` is always at a character boundary (the parser only stops on
        // ASCII bytes or at the end), so the column counts characters.
        let col = self
            .text
            .get(line_start..pos.min(self.text.len()))
            .map_or(pos - line_start, |s| s.chars().count())
            + 1;
        format!("{message} at {line}:{col}")
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<JsonValue, String> {
        match self.peek() {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.list(depth + 1),
            Some(b'"') => self.string().map(JsonValue::Str),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true", JsonValue::Bool(true)),
            Some(b'f') => self.literal("false", JsonValue::Bool(false)),
            Some(b'n') => self.literal("null", JsonValue::Null),
            _ => Err(self.error("a JSON value")),
        }
    }

    fn literal(&mut self, word: &str, value: JsonValue) -> Result<JsonValue, String> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("a JSON value"))
        }
    }

    fn enter(&self, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(self.error_at(
                self.pos,
                &format!("JSON nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn list(&mut self, depth: usize) -> Result<JsonValue, String> {
        self.enter(depth)?;
        self.pos += 1; // `[`
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(JsonValue::List(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(JsonValue::List(items));
                }
                _ => return Err(self.error("',' or ']'")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<JsonValue, String> {
        self.enter(depth)?;
        self.pos += 1; // `{`
        let mut entries: Vec<(String, JsonValue)> = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(JsonValue::Object(entries));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.error("a string key"));
            }
            let key = self.string()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.error("':'"));
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value(depth)?;
            entries.push((key, value));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.error("',' or '}'")),
            }
        }
        // Sorted by key; of equal keys the last written wins (a stable sort
        // keeps them in source order, so keep the last of each run).
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut unique: Vec<(String, JsonValue)> = Vec::with_capacity(entries.len());
        for entry in entries {
            match unique.last_mut() {
                Some(last) if last.0 == entry.0 => *last = entry,
                _ => unique.push(entry),
            }
        }
        Ok(JsonValue::Object(unique))
    }

    /// A string starting at the opening quote.
    fn string(&mut self) -> Result<String, String> {
        self.pos += 1; // `"`
        let mut out = String::new();
        let mut run = self.pos; // start of the pending unescaped run
        loop {
            let Some(b) = self.peek() else {
                return Err(self.error_at(self.pos, "unterminated string"));
            };
            match b {
                b'"' => {
                    out.push_str(&self.text[run..self.pos]);
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(&self.text[run..self.pos]);
                    self.escape(&mut out)?;
                    run = self.pos;
                }
                0..=0x1f => {
                    return Err(self.error_at(self.pos, "control character in string (escape it)"))
                }
                _ => self.pos += 1,
            }
        }
    }

    /// One escape sequence starting at the backslash.
    fn escape(&mut self, out: &mut String) -> Result<(), String> {
        let start = self.pos;
        self.pos += 1;
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos += 1;
                let first = self.hex4(start)?;
                let c = match first {
                    0xD800..=0xDBFF => {
                        if !self.bytes[self.pos..].starts_with(b"\\u") {
                            return Err(self.error_at(start, "unpaired surrogate in \\u escape"));
                        }
                        self.pos += 2;
                        let second = self.hex4(start)?;
                        if !(0xDC00..=0xDFFF).contains(&second) {
                            return Err(self.error_at(start, "unpaired surrogate in \\u escape"));
                        }
                        0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                    }
                    0xDC00..=0xDFFF => {
                        return Err(self.error_at(start, "unpaired surrogate in \\u escape"))
                    }
                    c => c,
                };
                // Every value left is a scalar value.
                out.push(char::from_u32(c).unwrap_or('\u{fffd}'));
                return Ok(());
            }
            _ => return Err(self.error_at(start, "invalid escape in string")),
        };
        self.pos += 1;
        out.push(c);
        Ok(())
    }

    /// Four hex digits of a `\u` escape (whose backslash is at `start`).
    fn hex4(&mut self, start: usize) -> Result<u32, String> {
        let digits = self.bytes.get(self.pos..self.pos + 4);
        let value = digits
            .filter(|d| d.iter().all(u8::is_ascii_hexdigit))
            .and_then(|d| u32::from_str_radix(std::str::from_utf8(d).ok()?, 16).ok());
        match value {
            Some(v) => {
                self.pos += 4;
                Ok(v)
            }
            None => Err(self.error_at(start, "invalid \\u escape (4 hex digits)")),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<JsonValue, String> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.error_at(start, "invalid number (leading zero)"));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("a digit")),
        }
        let mut integral = true;
        if self.peek() == Some(b'.') {
            integral = false;
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("a digit after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            integral = false;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("a digit in the exponent"));
            }
        }
        let text = &self.text[start..self.pos];
        if integral {
            if let Ok(n) = text.parse::<i64>() {
                return Ok(JsonValue::Int(n));
            }
        }
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(JsonValue::Float(f)),
            _ => Err(self.error_at(start, "number out of range")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use JsonValue as J;

    fn err(text: &str) -> String {
        parse(text).unwrap_err()
    }

    #[test]
    fn scalars() {
        assert_eq!(parse("null"), Ok(J::Null));
        assert_eq!(parse(" true "), Ok(J::Bool(true)));
        assert_eq!(parse("false"), Ok(J::Bool(false)));
        assert_eq!(parse("\"hi\""), Ok(J::Str("hi".into())));
    }

    #[test]
    fn numbers() {
        assert_eq!(parse("0"), Ok(J::Int(0)));
        assert_eq!(parse("-0"), Ok(J::Int(0)));
        assert_eq!(parse("-12"), Ok(J::Int(-12)));
        assert_eq!(parse("9223372036854775807"), Ok(J::Int(i64::MAX)));
        assert_eq!(parse("-9223372036854775808"), Ok(J::Int(i64::MIN)));
        assert_eq!(
            parse("9223372036854775808"),
            Ok(J::Float(9223372036854775808.0))
        );
        assert_eq!(parse("1.5"), Ok(J::Float(1.5)));
        assert_eq!(parse("1e3"), Ok(J::Float(1000.0)));
        assert_eq!(parse("2E-2"), Ok(J::Float(0.02)));
        assert_eq!(parse("1.0"), Ok(J::Float(1.0)));
        assert_eq!(err("01"), "invalid number (leading zero) at 1:1");
        assert_eq!(err("1."), "expected a digit after '.' at 1:3");
        assert_eq!(err(".5"), "expected a JSON value at 1:1");
        assert_eq!(err("1e"), "expected a digit in the exponent at 1:3");
        assert_eq!(err("-"), "expected a digit at 1:2");
        assert_eq!(err("+1"), "expected a JSON value at 1:1");
        assert_eq!(err("1e400"), "number out of range at 1:1");
        assert_eq!(err("NaN"), "expected a JSON value at 1:1");
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(
            parse(r#""a\"b\\c\/d\b\f\n\r\t""#),
            Ok(J::Str("a\"b\\c/d\u{8}\u{c}\n\r\t".into()))
        );
        assert_eq!(parse(r#""\u00e9\u2192""#), Ok(J::Str("é→".into())));
        assert_eq!(parse(r#""\ud83d\ude00""#), Ok(J::Str("😀".into())));
        assert_eq!(parse("\"é😀\""), Ok(J::Str("é😀".into())));
        assert_eq!(parse(r#""\u0000""#), Ok(J::Str("\0".into())));
        assert_eq!(
            err(r#""\ud83d""#),
            "unpaired surrogate in \\u escape at 1:2"
        );
        assert_eq!(
            err(r#""\ude00""#),
            "unpaired surrogate in \\u escape at 1:2"
        );
        assert_eq!(err(r#""\x""#), "invalid escape in string at 1:2");
        assert_eq!(
            err(r#""\u12g4""#),
            "invalid \\u escape (4 hex digits) at 1:2"
        );
        assert_eq!(err("\"ab"), "unterminated string at 1:4");
        assert_eq!(
            err("\"a\nb\""),
            "control character in string (escape it) at 1:3"
        );
    }

    #[test]
    fn containers() {
        assert_eq!(
            parse(r#"[1, [], {}, "x"]"#),
            Ok(J::List(vec![
                J::Int(1),
                J::List(vec![]),
                J::Object(vec![]),
                J::Str("x".into())
            ]))
        );
        let obj = parse(r#"{"b": 1, "a": 2, "b": 3}"#).unwrap();
        assert_eq!(
            obj,
            J::Object(vec![("a".into(), J::Int(2)), ("b".into(), J::Int(3))])
        );
        assert_eq!(obj.get("b"), Some(&J::Int(3)));
        assert_eq!(obj.get("c"), None);
    }

    #[test]
    fn errors_have_positions() {
        assert_eq!(err(r#"{"a": 1 "b": 2}"#), "expected ',' or '}' at 1:9");
        assert_eq!(err("[1, 2"), "expected ',' or ']' at 1:6");
        assert_eq!(err("[1,]"), "expected a JSON value at 1:4");
        assert_eq!(err("{\"a\" 1}"), "expected ':' at 1:6");
        assert_eq!(err("{1: 2}"), "expected a string key at 1:2");
        assert_eq!(err("{\"a\": 1,}"), "expected a string key at 1:9");
        assert_eq!(err(""), "expected a JSON value at 1:1");
        assert_eq!(err("1 2"), "expected end of input after the value at 1:3");
        assert_eq!(err("[\n  1,\n  tru\n]"), "expected a JSON value at 3:3");
        assert_eq!(err("[\"é\" 1]"), "expected ',' or ']' at 1:6");
        assert_eq!(err("// c\n1"), "expected a JSON value at 1:1");
    }

    #[test]
    fn nesting_is_limited() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(
            parse(&deep).unwrap_err(),
            format!(
                "JSON nested deeper than {MAX_DEPTH} levels at 1:{}",
                MAX_DEPTH + 1
            )
        );
        let very_deep = "[".repeat(100_000);
        assert!(parse(&very_deep).is_err());
    }
}
