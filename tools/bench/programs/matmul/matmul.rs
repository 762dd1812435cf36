// matmul: Rust twin of matmul.lm -- 300x300 f64 matrices as Vec<Vec<f64>>, B transposed,
// in-order dot products, 20 rounds; prints the exact integer checksum.
use std::hint::black_box;

fn make_matrix(n: i64, a: i64, b: i64, c: i64) -> Vec<Vec<f64>> {
    let mut m = Vec::new();
    for i in 0..n {
        let mut row = Vec::new();
        for j in 0..n {
            row.push(((i * a + j * b + c) % 10) as f64);
        }
        m.push(row);
    }
    m
}

fn transpose(m: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = m.len();
    let mut t = Vec::new();
    for j in 0..n {
        let mut row = Vec::new();
        for i in 0..n {
            row.push(m[i][j]);
        }
        t.push(row);
    }
    t
}

fn multiply(a: &[Vec<f64>], bt: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = a.len();
    let mut c = Vec::new();
    for i in 0..n {
        let mut row = Vec::new();
        for j in 0..n {
            let mut s = 0.0;
            for k in 0..n {
                s = s + a[i][k] * bt[j][k];
            }
            row.push(s);
        }
        c.push(row);
    }
    c
}

fn main() {
    let n: i64 = black_box(300); // problem size hidden from the optimizer
    let rounds: i64 = black_box(20);
    let mut total = 0.0;
    for r in 0..rounds {
        let a = make_matrix(n, 7, 3, r);
        let b = make_matrix(n, 5, 11, 3 * r);
        let c = multiply(&a, &transpose(&b));
        for i in 0..n as usize {
            for j in 0..n as usize {
                total = total + c[i][j];
            }
        }
    }
    println!("{}", total as i64);
}
