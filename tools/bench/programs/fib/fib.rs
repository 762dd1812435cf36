// fib: Rust twin of fib.lm -- naive doubly recursive Fibonacci on i64.
use std::hint::black_box;

fn fib(n: i64) -> i64 {
    if n < 2 {
        return n;
    }
    fib(n - 1) + fib(n - 2)
}

fn main() {
    let n: i64 = black_box(42); // problem size hidden from the optimizer
    println!("{}", fib(n));
}
