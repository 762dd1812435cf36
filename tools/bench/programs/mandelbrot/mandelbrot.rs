// mandelbrot: Rust twin of mandelbrot.lm -- escape-time count over a size x size grid, f64.
use std::hint::black_box;

fn main() {
    let size: i64 = black_box(1000); // problem size hidden from the optimizer
    let max_iter: i64 = black_box(1000);
    let mut count: i64 = 0;
    for py in 0..size {
        let cy = -1.25 + (py as f64) * 2.5 / (size as f64);
        for px in 0..size {
            let cx = -2.0 + (px as f64) * 2.5 / (size as f64);
            let mut zr = 0.0f64;
            let mut zi = 0.0f64;
            let mut i: i64 = 0;
            while i < max_iter && zr * zr + zi * zi <= 4.0 {
                let t = zr * zr - zi * zi + cx;
                zi = 2.0 * zr * zi + cy;
                zr = t;
                i = i + 1;
            }
            if i == max_iter {
                count = count + 1;
            }
        }
    }
    println!("{}", count);
}
