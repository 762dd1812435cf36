//! spawn_yield: Tokio twin of tools/bench/async/spawn_yield/spawn_yield.lm.
//! 1M tasks in 10 rounds of 100k; each yields once (`tokio::task::yield_now`) and
//! returns i*7+3; every JoinHandle of a round is awaited in order and folded into
//! the same checksum as the Lumen program.

// `#[tokio::main]` runs main's future with `block_on` on the main thread, outside the
// worker pool, so every wake-up between it and a task would cross threads. The body
// runs as a spawned task instead, like Lumen's `main` task and Go's main goroutine.
#[tokio::main]
async fn main() {
    tokio::spawn(run()).await.expect("run panicked");
}

async fn run() {
    let rounds: i64 = 10;
    let per_round: i64 = std::hint::black_box(100_000);
    let mut checksum: i64 = 0;
    for r in 0..rounds {
        let handles: Vec<_> = (0..per_round)
            .map(|i| {
                let v = r * per_round + i;
                tokio::spawn(async move {
                    tokio::task::yield_now().await;
                    v * 7 + 3
                })
            })
            .collect();
        for h in handles {
            let v = h.await.expect("task panicked");
            checksum = (checksum * 31 + v) % 1_000_000_007;
        }
    }
    println!("{checksum}");
}
