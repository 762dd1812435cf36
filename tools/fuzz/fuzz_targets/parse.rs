//! Fuzz target: lexing and parsing arbitrary bytes never panics, never hangs,
//! and the tree prints back exactly the (sanitized) input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (text, _) = lumen_syntax::sanitize_utf8(data);
    assert_eq!(text.len(), data.len());

    let tokens = lumen_syntax::lex(&text);
    let covered: usize = tokens.iter().map(|t| usize::from(t.range.len())).sum();
    assert_eq!(covered, text.len(), "tokens must cover the input");

    let parse = lumen_syntax::parse(&text);
    assert_eq!(parse.syntax_node().to_string(), text, "the tree must be lossless");
    for e in &parse.errors {
        assert!(usize::from(e.range.end()) <= text.len());
        // Diagnostics slice the source with these ranges.
        assert!(text.is_char_boundary(e.range.start().into()) && text.is_char_boundary(e.range.end().into()));
    }

    // The markdown extraction keeps every offset.
    assert_eq!(lumen_syntax::extract_markdown_code(&text).len(), text.len());
});
