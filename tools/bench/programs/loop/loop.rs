// loop: Rust twin of loop.lm -- Collatz step counts for every start in 1..n, i64.
use std::hint::black_box;

fn main() {
    let n: i64 = black_box(3_000_000); // problem size hidden from the optimizer
    let mut total: i64 = 0;
    let mut checksum: i64 = 0;
    for i in 1..n {
        let mut x = i;
        let mut steps: i64 = 0;
        while x != 1 {
            if x % 2 == 0 {
                x = x / 2;
            } else {
                x = 3 * x + 1;
            }
            steps = steps + 1;
        }
        total = total + steps;
        checksum = (checksum * 31 + steps) % 1_000_000_007;
    }
    println!("{}", total);
    println!("{}", checksum);
}
