// fannkuch: Rust twin of fannkuch.lm -- sequential fannkuch-redux (benchmarks game), n = 10.
use std::hint::black_box;

fn main() {
    let n: i64 = black_box(10); // problem size hidden from the optimizer
    let nu = n as usize;
    let mut perm: Vec<i64> = vec![0; nu];
    let mut perm1: Vec<i64> = (0..n).collect();
    let mut count: Vec<i64> = vec![0; nu];
    let mut max_flips = 0;
    let mut perm_count: i64 = 0;
    let mut checksum: i64 = 0;
    let mut r = n;
    loop {
        while r != 1 {
            count[(r - 1) as usize] = r;
            r = r - 1;
        }
        for i in 0..nu {
            perm[i] = perm1[i];
        }
        let mut flips = 0;
        let mut k = perm[0];
        while k != 0 {
            let mut i = 0usize;
            let mut j = k as usize;
            while i < j {
                perm.swap(i, j);
                i += 1;
                j -= 1;
            }
            flips += 1;
            k = perm[0];
        }
        if flips > max_flips {
            max_flips = flips;
        }
        if perm_count % 2 == 0 {
            checksum += flips;
        } else {
            checksum -= flips;
        }
        // Next permutation: rotate the first r + 1 elements until a count is left.
        let mut done = false;
        loop {
            if r == n {
                done = true;
                break;
            }
            let ru = r as usize;
            let perm0 = perm1[0];
            for i in 0..ru {
                perm1[i] = perm1[i + 1];
            }
            perm1[ru] = perm0;
            count[ru] -= 1;
            if count[ru] > 0 {
                break;
            }
            r += 1;
        }
        if done {
            break;
        }
        perm_count += 1;
    }
    println!("{}\nPfannkuchen({}) = {}", checksum, n, max_flips);
}
