// sort: Rust twin of sort.lm -- slice::sort (stable) of 1M LCG-generated i64s, 5 rounds, checksum.
use std::hint::black_box;

fn main() {
    let n: i64 = black_box(1_000_000); // problem size hidden from the optimizer
    let rounds: i64 = black_box(5);
    let mut x: i64 = 42;
    let mut checksum: i64 = 0;
    for _ in 0..rounds {
        let mut xs: Vec<i64> = Vec::new();
        for _ in 0..n {
            x = (x * 1103515245 + 12345) % 2147483648;
            xs.push(x);
        }
        xs.sort();
        for i in 0..n as usize {
            checksum = (checksum * 31 + xs[i]) % 1_000_000_007;
        }
    }
    println!("{}", checksum);
}
