// binary_trees: Rust twin of binary_trees.lm -- the benchmarks-game binary-trees program
// with one Box per node (an enum Tree { Leaf, Node(Box, Box) }), dropped after checking.
use std::hint::black_box;

enum Tree {
    Leaf,
    Node(Box<Tree>, Box<Tree>),
}

fn bottom_up(depth: i64) -> Box<Tree> {
    if depth <= 0 {
        return Box::new(Tree::Leaf);
    }
    Box::new(Tree::Node(bottom_up(depth - 1), bottom_up(depth - 1)))
}

fn check(t: &Tree) -> i64 {
    match t {
        Tree::Leaf => 1,
        Tree::Node(l, r) => 1 + check(l) + check(r),
    }
}

fn main() {
    let n: i64 = black_box(18); // problem size hidden from the optimizer
    let min_depth = 4;
    let mut max_depth = n;
    if min_depth + 2 > n {
        max_depth = min_depth + 2;
    }
    let stretch_depth = max_depth + 1;
    println!("stretch tree of depth {}\t check: {}", stretch_depth, check(&bottom_up(stretch_depth)));
    let long_lived = bottom_up(max_depth);
    let mut depth = min_depth;
    while depth <= max_depth {
        let iterations: i64 = 1 << (max_depth - depth + min_depth);
        let mut sum = 0;
        for _ in 0..iterations {
            sum = sum + check(&bottom_up(depth));
        }
        println!("{}\t trees of depth {}\t check: {}", iterations, depth, sum);
        depth += 2;
    }
    println!("long lived tree of depth {}\t check: {}", max_depth, check(&long_lived));
}
