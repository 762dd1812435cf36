//! Control-flow facts about a MIR function: successors, predecessors,
//! dominators and natural loops.

use crate::{Function, Terminator};

/// The blocks `t` may jump to.
pub fn successors(t: &Terminator) -> Vec<usize> {
    t.targets().iter().map(|b| b.0 as usize).collect()
}

/// For every block, the blocks that jump to it.
pub fn predecessors(f: &Function) -> Vec<Vec<usize>> {
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); f.blocks.len()];
    for (b, block) in f.blocks.iter().enumerate() {
        for s in successors(&block.terminator) {
            preds[s].push(b);
        }
    }
    preds
}

/// Which block dominates which: the dominator tree, numbered so that a
/// query is two comparisons. Built by Cooper, Harvey and Kennedy's
/// iterative algorithm ("A Simple, Fast Dominance Algorithm") in time and
/// memory linear in practice: a function of thousands of blocks (a long
/// `else if` chain) must not cost a blocks × blocks matrix.
pub struct Dominators {
    /// Preorder and postorder numbers in the dominator tree.
    pre: Vec<usize>,
    post: Vec<usize>,
    reachable: Vec<bool>,
}

impl Dominators {
    /// Whether `d` dominates `b` (every block dominates itself). Blocks not
    /// reachable from the entry are dominated by everything.
    pub fn dominates(&self, d: usize, b: usize) -> bool {
        if !self.reachable[b] {
            return true;
        }
        self.reachable[d] && self.pre[d] <= self.pre[b] && self.post[b] <= self.post[d]
    }
}

/// The dominators of `f`'s blocks (`preds` from [`predecessors`]).
pub fn dominators(f: &Function, preds: &[Vec<usize>]) -> Dominators {
    let n = f.blocks.len();
    let succs: Vec<Vec<usize>> = f.blocks.iter().map(|b| successors(&b.terminator)).collect();
    // Postorder of the blocks reachable from the entry (iterative DFS).
    let mut reachable = vec![false; n];
    let mut postorder = Vec::with_capacity(n);
    if n > 0 {
        reachable[0] = true;
        let mut stack = vec![(0usize, 0usize)];
        while let Some((b, next)) = stack.last_mut() {
            if let Some(&s) = succs[*b].get(*next) {
                *next += 1;
                if s < n && !reachable[s] {
                    reachable[s] = true;
                    stack.push((s, 0));
                }
            } else {
                postorder.push(*b);
                stack.pop();
            }
        }
    }
    let mut rank = vec![0usize; n]; // position in postorder
    for (i, &b) in postorder.iter().enumerate() {
        rank[b] = i;
    }
    const NONE: usize = usize::MAX;
    let mut idom = vec![NONE; n];
    if n > 0 {
        idom[0] = 0;
    }
    let intersect = |idom: &[usize], mut a: usize, mut b: usize| {
        while a != b {
            while rank[a] < rank[b] {
                a = idom[a];
            }
            while rank[b] < rank[a] {
                b = idom[b];
            }
        }
        a
    };
    let mut changed = true;
    while changed {
        changed = false;
        // Reverse postorder, the entry (last in postorder) left out.
        for &b in postorder.iter().rev().skip(1) {
            let mut new = NONE;
            for &p in &preds[b] {
                if !reachable[p] || idom[p] == NONE {
                    continue;
                }
                new = if new == NONE {
                    p
                } else {
                    intersect(&idom, p, new)
                };
            }
            if new != NONE && idom[b] != new {
                idom[b] = new;
                changed = true;
            }
        }
    }
    // Number the dominator tree (iterative DFS from the entry).
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for b in 1..n {
        if reachable[b] && idom[b] != NONE {
            children[idom[b]].push(b);
        }
    }
    let mut pre = vec![0usize; n];
    let mut post = vec![0usize; n];
    if n > 0 {
        let (mut pre_next, mut post_next) = (0, 0);
        pre[0] = pre_next;
        pre_next += 1;
        let mut stack = vec![(0usize, 0usize)];
        while let Some((b, next)) = stack.last_mut() {
            if let Some(&c) = children[*b].get(*next) {
                *next += 1;
                pre[c] = pre_next;
                pre_next += 1;
                stack.push((c, 0));
            } else {
                post[*b] = post_next;
                post_next += 1;
                stack.pop();
            }
        }
    }
    Dominators {
        pre,
        post,
        reachable,
    }
}

/// A natural loop: its header and every block in it (header included).
pub struct Loop {
    pub header: usize,
    pub blocks: Vec<bool>,
}

/// Which blocks can run: those reachable from the entry block or from the
/// landing (`Function::landing`, which failure edges reach).
pub fn reachable(f: &Function) -> Vec<bool> {
    let mut roots = vec![0];
    roots.extend(f.landing.map(|b| b.0 as usize));
    reachable_from(f, roots)
}

/// The blocks reachable from the entry block alone: the normal flow,
/// without the landing's cleanup code.
pub fn reachable_from_entry(f: &Function) -> Vec<bool> {
    reachable_from(f, vec![0])
}

fn reachable_from(f: &Function, mut work: Vec<usize>) -> Vec<bool> {
    let mut seen = vec![false; f.blocks.len()];
    while let Some(b) = work.pop() {
        if b < seen.len() && !seen[b] {
            seen[b] = true;
            work.extend(successors(&f.blocks[b].terminator));
        }
    }
    seen
}

/// The natural loops of `f`, one per header (back edges to the same header
/// merged). Dead code (after a `break` or `return` in a loop) is dominated
/// by everything, so its jumps are not taken for back edges.
pub fn natural_loops(f: &Function, preds: &[Vec<usize>], dom: &Dominators) -> Vec<Loop> {
    let n = f.blocks.len();
    let live = reachable_from_entry(f);
    let mut loops: Vec<Loop> = Vec::new();
    for (b, block) in f.blocks.iter().enumerate() {
        if !live[b] {
            continue;
        }
        for h in successors(&block.terminator) {
            if !dom.dominates(h, b) {
                continue;
            }
            // `b -> h` is a back edge: the loop is `h` plus everything that
            // reaches `b` without passing through `h`.
            let at = match loops.iter().position(|l| l.header == h) {
                Some(at) => at,
                None => {
                    let mut blocks = vec![false; n];
                    blocks[h] = true;
                    loops.push(Loop { header: h, blocks });
                    loops.len() - 1
                }
            };
            let blocks = &mut loops[at].blocks;
            let mut work = vec![b];
            while let Some(x) = work.pop() {
                if !blocks[x] && live[x] {
                    blocks[x] = true;
                    work.extend(preds[x].iter().copied());
                }
            }
        }
    }
    loops
}

/// A forward "must" data flow of one bit per local: for every block, the
/// locals for which the fact holds on entry on every path from the entry
/// block (intersection at joins; `None` for blocks never reached).
/// `transfer` applies one statement's effect.
pub fn must_facts(
    f: &Function,
    transfer: impl FnMut(&crate::StmtKind, &mut [bool]),
) -> Vec<Option<Vec<bool>>> {
    must_facts_from(f, |_| {}, transfer)
}

/// [`must_facts`] where `init` sets the facts that hold on entry to the
/// function (none otherwise).
pub fn must_facts_from(
    f: &Function,
    init: impl FnOnce(&mut [bool]),
    transfer: impl FnMut(&crate::StmtKind, &mut [bool]),
) -> Vec<Option<Vec<bool>>> {
    forward_facts(f, init, transfer, false)
}

/// The "may" counterpart of [`must_facts_from`]: for every block, the
/// locals for which the fact holds on entry on at least one path (union at
/// joins; `None` for blocks never reached).
pub fn may_facts_from(
    f: &Function,
    init: impl FnOnce(&mut [bool]),
    transfer: impl FnMut(&crate::StmtKind, &mut [bool]),
) -> Vec<Option<Vec<bool>>> {
    forward_facts(f, init, transfer, true)
}

/// A forward data flow of one bit per local, meeting by intersection
/// (`union` false) or union at joins.
fn forward_facts(
    f: &Function,
    init: impl FnOnce(&mut [bool]),
    mut transfer: impl FnMut(&crate::StmtKind, &mut [bool]),
    union: bool,
) -> Vec<Option<Vec<bool>>> {
    let n = f.blocks.len();
    let mut entry: Vec<Option<Vec<bool>>> = vec![None; n];
    if n == 0 {
        return entry;
    }
    let mut start = vec![false; f.locals.len()];
    init(&mut start);
    entry[0] = Some(start);
    // Blocks are visited in reverse postorder, and only when their entry
    // facts changed: facts then flow forward in one sweep, and only loops
    // take more (a sweep in block-number order moved them one block per
    // sweep wherever numbering runs against the flow, quadratic in a long
    // function).
    let order = reverse_postorder(f);
    let mut dirty = vec![false; n];
    dirty[0] = true;
    let mut changed = true;
    while changed {
        changed = false;
        for &b in &order {
            if !std::mem::take(&mut dirty[b]) {
                continue;
            }
            let Some(mut facts) = entry[b].clone() else {
                continue;
            };
            for stmt in &f.blocks[b].stmts {
                transfer(&stmt.kind, &mut facts);
            }
            for s in successors(&f.blocks[b].terminator) {
                // (A jump out of range is malformed MIR, which the verifier
                // and the code generator report; facts just skip it.)
                if s >= n {
                    continue;
                }
                let changed_here = match &mut entry[s] {
                    None => {
                        entry[s] = Some(facts.clone());
                        true
                    }
                    Some(old) => {
                        let mut moved = false;
                        for (a, b) in old.iter_mut().zip(&facts) {
                            // Must: a fact some path lacks is lost. May: a
                            // fact some path has is gained.
                            if *a != *b && *a != union {
                                *a = union;
                                moved = true;
                            }
                        }
                        moved
                    }
                };
                if changed_here {
                    dirty[s] = true;
                    changed = true;
                }
            }
        }
    }
    entry
}

/// The blocks reachable from the entry, in reverse postorder (every block
/// before its successors, except along back edges).
pub fn reverse_postorder(f: &Function) -> Vec<usize> {
    let n = f.blocks.len();
    let mut seen = vec![false; n];
    let mut post = Vec::with_capacity(n);
    if n == 0 {
        return post;
    }
    // An explicit stack of (block, its successors, next to visit): deep
    // CFGs (a 10,000-arm `else if`) must not recurse.
    let mut stack: Vec<(usize, Vec<usize>, usize)> = Vec::new();
    seen[0] = true;
    stack.push((0, successors(&f.blocks[0].terminator), 0));
    while let Some((b, succs, next)) = stack.last_mut() {
        if let Some(&s) = succs.get(*next) {
            *next += 1;
            if s < n && !seen[s] {
                seen[s] = true;
                let succs = successors(&f.blocks[s].terminator);
                stack.push((s, succs, 0));
            }
        } else {
            post.push(*b);
            stack.pop();
        }
    }
    post.reverse();
    post
}

/// Empties the blocks no path from the entry reaches (what the rewrites of
/// other passes leave behind): they keep their numbers but become
/// `unreachable`, so the code generator gives them no edges into live
/// blocks (their jumps would bring placeholder values into live block
/// parameters and hide facts such as a list carried unchanged around a loop).
pub fn clear_unreachable(f: &mut Function) {
    let live = reachable(f);
    for (block, live) in f.blocks.iter_mut().zip(live) {
        if !live {
            block.stmts.clear();
            block.terminator = Terminator::Unreachable;
        }
    }
}
