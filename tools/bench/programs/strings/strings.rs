// strings: Rust twin of strings.lm -- build a ~10 KB String of 1000 "k<key>=<value>;"
// pieces with push_str(&format!(..)), split it on ';' into owned Strings, parse the
// number after '=' in each; 3000 rounds.
use std::hint::black_box;

fn build(n: i64, seed: i64) -> String {
    let mut s = String::new();
    for i in 0..n {
        let key = (i * 31 + seed) % 97;
        let value = (i * 7919 + seed * 13) % 100003;
        s.push_str(&format!("k{}={};", key, value));
    }
    s
}

fn split_pieces(s: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        if c == ';' {
            pieces.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        pieces.push(cur);
    }
    pieces
}

fn value_of(piece: &str) -> i64 {
    let mut v = 0;
    let mut seen = false;
    for c in piece.chars() {
        if seen {
            v = v * 10 + c.to_digit(10).map_or(-1, |d| d as i64);
        } else if c == '=' {
            seen = true;
        }
    }
    v
}

fn main() {
    let n: i64 = black_box(1000); // problem size hidden from the optimizer
    let rounds: i64 = black_box(3000);
    let mut total_pieces: i64 = 0;
    let mut total_chars: i64 = 0;
    let mut sum: i64 = 0;
    for r in 0..rounds {
        let s = build(n, r);
        total_chars += s.chars().count() as i64;
        let pieces = split_pieces(&s);
        total_pieces += pieces.len() as i64;
        for p in &pieces {
            sum += value_of(p);
        }
    }
    println!("{}", total_pieces);
    println!("{}", total_chars);
    println!("{}", sum);
}
