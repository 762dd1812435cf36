// json_parse: Rust twin of json_parse.lm -- generate a JSON-ish document per round (nested
// lists of ints and strings), parse it by recursive descent over the bytes into an enum
// tree, fold the tree into a checksum.
use std::hint::black_box;

const M: i64 = 1_000_000_007;

enum Json {
    Num(i64),
    Str(String),
    List(Vec<Json>),
}

fn gen(depth: i64, seed: i64) -> String {
    let r = (seed * 1103515245 + 12345) % 2147483648;
    if depth == 0 || r % 7 == 0 {
        if r % 3 == 0 {
            return format!("\"s{}x\"", r % 1000);
        }
        if r % 5 == 0 {
            return format!("-{}", r % 100000);
        }
        return format!("{}", r % 100000);
    }
    let width = 2 + r % 4;
    let mut out = String::from("[");
    for i in 0..width {
        if i > 0 {
            out = out + ", ";
        }
        out = out + &gen(depth - 1, (r + i * 7919) % 2147483648);
    }
    out + "]"
}

fn skip_ws(s: &[u8], mut p: usize) -> usize {
    while p < s.len() && s[p] == b' ' {
        p += 1;
    }
    p
}

fn parse_value(s: &[u8], pos: usize) -> (Json, usize) {
    let c = s[pos];
    if c == b'[' {
        let mut items = Vec::new();
        let mut p = skip_ws(s, pos + 1);
        if s[p] == b']' {
            return (Json::List(items), p + 1);
        }
        loop {
            let (v, q) = parse_value(s, p);
            items.push(v);
            p = skip_ws(s, q);
            if s[p] == b',' {
                p = skip_ws(s, p + 1);
            } else if s[p] == b']' {
                return (Json::List(items), p + 1);
            } else {
                eprintln!("error: expected , or ] at {}", p);
                std::process::exit(1);
            }
        }
    }
    if c == b'"' {
        let mut p = pos + 1;
        let mut text = String::new();
        while s[p] != b'"' {
            text.push(s[p] as char);
            p += 1;
        }
        return (Json::Str(text), p + 1);
    }
    let mut p = pos;
    let mut negative = false;
    if c == b'-' {
        negative = true;
        p += 1;
    }
    let mut v: i64 = 0;
    while p < s.len() && s[p].is_ascii_digit() {
        v = v * 10 + (s[p] - b'0') as i64;
        p += 1;
    }
    if negative {
        v = -v;
    }
    (Json::Num(v), p)
}

fn checksum(j: &Json) -> i64 {
    match j {
        Json::Num(v) => *v,
        Json::Str(t) => t.chars().count() as i64 * 7,
        Json::List(items) => {
            let mut acc = items.len() as i64;
            for it in items {
                acc = (acc * 31 + checksum(it)).rem_euclid(M);
            }
            acc
        }
    }
}

fn main() {
    let docs: i64 = black_box(5000); // problem size hidden from the optimizer
    let depth: i64 = black_box(6);
    let mut total_chars: i64 = 0;
    let mut total: i64 = 0;
    for d in 0..docs {
        let text = gen(depth, d);
        total_chars += text.chars().count() as i64;
        let (parsed, _) = parse_value(text.as_bytes(), 0);
        total = (total * 17 + checksum(&parsed)).rem_euclid(M);
    }
    println!("{}", total_chars);
    println!("{}", total);
}
