//! pingpong: Tokio twin of tools/bench/async/pingpong/pingpong.lm.
//! 1M round trips between main and a ponger task over two `tokio::sync::mpsc`
//! channels of capacity 1: main sends i on ping, the ponger answers i+1 on pong.
//! Prints the ponger's count and the sum of the answers.

use tokio::sync::mpsc;

#[tokio::main]
async fn main() {
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
