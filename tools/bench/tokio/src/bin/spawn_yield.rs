//! spawn_yield: Tokio twin of tools/bench/async/spawn_yield/spawn_yield.lm.
//! 1M tasks in 10 rounds of 100k; each yields once (`tokio::task::yield_now`) and
//! returns i*7+3; every JoinHandle of a round is awaited in order and folded into
//! the same checksum as the Lumen program.

#[tokio::main]
async fn main() {
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
