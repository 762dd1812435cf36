//! Bounded in-tree fuzzing: mutates the parser test corpus with a
//! deterministic xorshift generator and checks that lexing and parsing never
//! panic, always terminate, and stay lossless. The long-running fuzzer lives
//! in `tools/fuzz`.

use std::path::Path;

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const FRAGMENTS: &[&str] = &[
    "end",
    "\n",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "\"\"\"",
    "r\"",
    "b\"",
    "{x}",
    "{x:>3}",
    ",",
    ":",
    "->",
    "=>",
    "|",
    "?",
    "?.",
    "?[",
    "..",
    "...",
    "@",
    "@l",
    "#",
    "role user: hi {x}\n",
    "role system:\n",
    "match x\n",
    "if ",
    "else ",
    "fn(x) => ",
    "fn()\n",
    "cell f()\n",
    "record R\n",
    "handle\n",
    "with\n",
    "parallel\n",
    "let ",
    "=",
    "+=",
    "not in",
    "step",
    "\\",
    "\\u{",
    "\\x",
    "\\xé",
    "\\x€1",
    "\"\\x€\"",
    "é",
    "€",
    "\u{FEFF}",
    "\r\n",
    "\t",
    "\0",
    "0x",
    "1e",
    "9999999999999999999999",
];

fn corpus() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/parser");
    let mut out = Vec::new();
    for sub in ["ok", "err"] {
        let mut entries: Vec<_> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.extension().is_some_and(|x| x == "lm") {
                out.push(std::fs::read_to_string(p).unwrap());
            }
        }
    }
    out
}

fn mutate(rng: &mut XorShift, src: &str) -> String {
    let mut bytes = src.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let pos = rng.below(bytes.len() + 1);
        match rng.below(5) {
            0 if !bytes.is_empty() => {
                let end = (pos + 1 + rng.below(12)).min(bytes.len());
                let pos = pos.min(end);
                bytes.drain(pos..end);
            }
            1 => {
                let frag = FRAGMENTS[rng.below(FRAGMENTS.len())];
                bytes.splice(pos..pos, frag.bytes());
            }
            2 if !bytes.is_empty() => {
                let p = pos.min(bytes.len() - 1);
                bytes[p] = (rng.next() & 0x7f) as u8;
            }
            3 if !bytes.is_empty() => {
                // Duplicate a slice somewhere else.
                let a = rng.below(bytes.len());
                let b = (a + rng.below(40)).min(bytes.len());
                let chunk: Vec<u8> = bytes[a..b].to_vec();
                let at = rng.below(bytes.len() + 1);
                bytes.splice(at..at, chunk);
            }
            _ => {
                let frag = FRAGMENTS[rng.below(FRAGMENTS.len())];
                let at = rng.below(bytes.len() + 1);
                bytes.splice(at..at, frag.bytes());
            }
        }
    }
    // Mutations may split a UTF-8 sequence; the driver sanitizes the same way.
    lumen_syntax::sanitize_utf8(&bytes).0
}

fn check(text: &str) {
    let tokens = lumen_syntax::lex(text);
    let total: u32 = tokens.iter().map(|t| u32::from(t.range.len())).sum();
    assert_eq!(
        total as usize,
        text.len(),
        "tokens do not cover the input: {text:?}"
    );
    let parse = lumen_syntax::parse(text);
    assert_eq!(
        parse.syntax_node().to_string(),
        text,
        "not lossless: {text:?}"
    );
    for e in &parse.errors {
        assert!(
            u32::from(e.range.end()) as usize <= text.len(),
            "error range out of bounds: {e:?} in {text:?}"
        );
        // The driver slices the source with these ranges.
        assert!(
            text.is_char_boundary(e.range.start().into())
                && text.is_char_boundary(e.range.end().into()),
            "error range splits a character: {e:?} in {text:?}"
        );
    }
}

#[test]
fn mutated_corpus_never_panics() {
    let corpus = corpus();
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let cases: usize = std::env::var("LUMEN_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    for i in 0..cases {
        let base = &corpus[rng.below(corpus.len())];
        // Keep inputs small so 20k cases run in seconds in debug builds.
        let start = rng.below(base.len());
        let start = (0..=start)
            .rev()
            .find(|&s| base.is_char_boundary(s))
            .unwrap_or(0);
        let end = (start + 300).min(base.len());
        let end = (end..=base.len())
            .find(|&e| base.is_char_boundary(e))
            .unwrap_or(base.len());
        let text = mutate(&mut rng, &base[start..end]);
        let result = std::panic::catch_unwind(|| check(&text));
        if result.is_err() {
            panic!("case {i} failed on input {text:?}");
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = XorShift(42);
    for _ in 0..3000 {
        let len = rng.below(200);
        let bytes: Vec<u8> = (0..len).map(|_| (rng.next() >> 24) as u8).collect();
        check(&lumen_syntax::sanitize_utf8(&bytes).0);
    }
}

#[test]
fn deep_nesting_is_limited() {
    for open in ["(", "[", "{", "-", "not ", "fn() => ", "[[", "if x then "] {
        let text = format!("let x = {}1\n", open.repeat(5000));
        let parse = std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(move || lumen_syntax::parse(&text))
            .unwrap()
            .join()
            .unwrap();
        assert!(!parse.errors.is_empty());
    }
    // Deeply nested statements and declarations, on a default-sized (2 MiB) thread.
    let cases = [
        format!(
            "{}print(1)\n{}",
            "for x in xs\n".repeat(3000),
            "end\n".repeat(3000)
        ),
        format!("{}{}", "record R\n".repeat(3000), "end\n".repeat(3000)),
        format!("let x = {}1\n", "(".repeat(5000)),
        format!("let x = \"{}\"\n", "{\"".repeat(3000)),
        format!("match x\n{}", "  1 -> match y\n".repeat(3000)),
    ];
    for text in cases {
        let errors = std::thread::spawn(move || lumen_syntax::parse(&text).errors)
            .join()
            .expect("parser overflowed its stack");
        assert!(!errors.is_empty());
    }
    // Within the main test thread's default stack too.
    let text = format!("let x = {}1{}\n", "(".repeat(150), ")".repeat(150));
    assert!(lumen_syntax::parse(&text).errors.is_empty());
}

#[test]
fn sanitize_keeps_offsets() {
    let input = b"let x = \xff\xfe1\n";
    let (s, errs) = lumen_syntax::sanitize_utf8(input);
    assert_eq!(s.len(), input.len());
    assert_eq!(errs.len(), 1);
    assert!(!lumen_syntax::parse(&s).errors.is_empty());
}
