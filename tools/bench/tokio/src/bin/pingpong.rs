//! pingpong: Tokio twin of tools/bench/async/pingpong/pingpong.lm.
//! 1M round trips between the main task and a ponger task over two `tokio::sync::mpsc`
//! channels of capacity 1: main sends i on ping, the ponger answers i+1 on pong.
//! Prints the ponger's count and the sum of the answers.

use tokio::sync::mpsc;

// `#[tokio::main]` runs main's future with `block_on` on the main thread, outside the
// worker pool, so every wake-up between it and a task would cross threads. The body
// runs as a spawned task instead, like Lumen's `main` task and Go's main goroutine.
#[tokio::main]
async fn main() {
    tokio::spawn(run()).await.expect("run panicked");
}

async fn run() {
    let n: i64 = std::hint::black_box(1_000_000);
    let (ping_tx, mut ping_rx) = mpsc::channel::<i64>(1);
    let (pong_tx, mut pong_rx) = mpsc::channel::<i64>(1);
    let ponger = tokio::spawn(async move {
        let mut count: i64 = 0;
        for _ in 0..n {
            let m = ping_rx.recv().await.expect("ping closed");
            pong_tx.send(m + 1).await.expect("pong closed");
            count += 1;
        }
        count
    });
    let mut sum: i64 = 0;
    for i in 0..n {
        ping_tx.send(i).await.expect("ping closed");
        sum += pong_rx.recv().await.expect("pong closed");
    }
    let count = ponger.await.expect("ponger panicked");
    println!("{count} {sum}");
}
