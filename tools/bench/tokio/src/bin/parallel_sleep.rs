//! parallel_sleep: Tokio twin of tools/bench/async/parallel_sleep/parallel_sleep.lm.
//! One task per item of 0..10k; each sleeps 10 ms and returns 2*item; the
//! JoinHandles are awaited in input order. Prints the count and the sum.

use std::time::Duration;

// `#[tokio::main]` runs main's future with `block_on` on the main thread, outside the
// worker pool, so every wake-up between it and a task would cross threads. The body
// runs as a spawned task instead, like Lumen's `main` task and Go's main goroutine.
#[tokio::main]
async fn main() {
    tokio::spawn(run()).await.expect("run panicked");
}

async fn run() {
    let n: i64 = std::hint::black_box(10_000);
    let items: Vec<i64> = (0..n).collect();
    let handles: Vec<_> = items
        .iter()
        .map(|&x| {
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(10)).await;
                x * 2
            })
        })
        .collect();
    let mut results = Vec::with_capacity(handles.len());
    for h in handles {
        results.push(h.await.expect("task panicked"));
    }
    let sum: i64 = results.iter().sum();
    println!("{} {sum}", results.len());
}
