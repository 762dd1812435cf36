// sieve: Rust twin of sieve.lm -- sieve of Eratosthenes up to 5M on a Vec<bool>, 25 rounds.
use std::hint::black_box;

fn count_primes(limit: i64) -> i64 {
    let mut flags: Vec<bool> = Vec::new();
    for _ in 0..=limit {
        flags.push(true);
    }
    flags[0] = false;
    flags[1] = false;
    let mut p: i64 = 2;
    while p * p <= limit {
        if flags[p as usize] {
            let mut j = p * p;
            while j <= limit {
                flags[j as usize] = false;
                j += p;
            }
        }
        p += 1;
    }
    let mut count = 0;
    for i in 0..=limit {
        if flags[i as usize] {
            count += 1;
        }
    }
    count
}

fn main() {
    let limit: i64 = black_box(5_000_000); // problem size hidden from the optimizer
    let rounds: i64 = black_box(25);
    let mut total = 0;
    let mut count = 0;
    for _ in 0..rounds {
        count = count_primes(limit);
        total += count;
    }
    println!("{}", count);
    println!("{}", total);
}
