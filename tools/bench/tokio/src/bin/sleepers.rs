//! sleepers: Tokio twin of tools/bench/async/sleepers/sleepers.lm.
//! N tasks (default 100k, or the first argument) each sleep 200 ms
//! (`tokio::time::sleep`) and return their index; main awaits them in order and
//! prints the sum.

use std::time::Duration;

// `#[tokio::main]` runs main's future with `block_on` on the main thread, outside the
// worker pool, so every wake-up between it and a task would cross threads. The body
// runs as a spawned task instead, like Lumen's `main` task and Go's main goroutine.
#[tokio::main]
async fn main() {
    tokio::spawn(run()).await.expect("run panicked");
}

async fn run() {
    let n: i64 = std::env::args()
        .nth(1)
        .map_or(100_000, |s| s.parse().expect("N must be an integer"));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(200)).await;
                i
            })
        })
        .collect();
    let mut sum: i64 = 0;
    for h in handles {
        sum += h.await.expect("task panicked");
    }
    println!("{sum}");
}
