//! Timers (async.md §4, §9): a heap of deadlines on the monotonic clock, or
//! on a virtual clock under `@deterministic`.
//!
//! The scheduler calls [`fire_next`] only when no task is ready. Real time:
//! it sleeps until the earliest deadline (waking early for an I/O
//! completion), so an idle program uses no CPU. Virtual time: the clock
//! jumps to the earliest deadline. Either way every `sleep` timer due at
//! that instant fires, in the order set; a `timeout` deadline ([`Kind::Deadline`])
//! fires only when no `sleep` timer is due at or before it, so a task that
//! finishes at the deadline's instant, even after zero-time steps, wins.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::time::{Duration, Instant};

use crate::scheduler::{self, WaitToken};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `sleep(ms)`.
    Sleep,
    /// A `timeout` form's deadline.
    Deadline,
}

struct Timers {
    /// (due in ns since `start`, kind order, sequence): the heap's order is
    /// the firing order at one instant.
    heap: BinaryHeap<Reverse<(u64, u8, u64)>>,
    tokens: std::collections::HashMap<u64, WaitToken>,
    forgotten: HashSet<u64>,
    next_seq: u64,
    start: Option<Instant>,
    /// Virtual now (ns), under `@deterministic`.
    virtual_now: u64,
}

thread_local! {
    static TIMERS: RefCell<Timers> = RefCell::new(Timers {
        heap: BinaryHeap::new(),
        tokens: std::collections::HashMap::new(),
        forgotten: HashSet::new(),
        next_seq: 0,
        start: None,
        virtual_now: 0,
    });
}

fn real_now(t: &mut Timers) -> u64 {
    let start = *t.start.get_or_insert_with(Instant::now);
    start.elapsed().as_nanos() as u64
}

fn now(t: &mut Timers) -> u64 {
    if scheduler::is_deterministic() {
        t.virtual_now
    } else {
        real_now(t)
    }
}

/// Sets a timer `ms` from now that wakes `token`; returns its id.
pub fn add(ms: i64, kind: Kind, token: WaitToken) -> u64 {
    TIMERS.with(|t| {
        let t = &mut *t.borrow_mut();
        let due = now(t).saturating_add((ms.max(0) as u64).saturating_mul(1_000_000));
        let seq = t.next_seq;
        t.next_seq += 1;
        let order = match kind {
            Kind::Sleep => 0,
            Kind::Deadline => 1,
        };
        t.heap.push(Reverse((due, order, seq)));
        t.tokens.insert(seq, token);
        seq
    })
}

/// Drops a timer that is no longer wanted (its task was cancelled, or its
/// form finished before the deadline).
pub fn forget(id: u64) {
    TIMERS.with(|t| {
        let t = &mut *t.borrow_mut();
        if t.tokens.remove(&id).is_some() {
            t.forgotten.insert(id);
        }
    });
}

/// The earliest live timer, dropping forgotten ones.
fn peek(t: &mut Timers) -> Option<(u64, u8, u64)> {
    while let Some(&Reverse(top)) = t.heap.peek() {
        if t.forgotten.remove(&top.2) {
            t.heap.pop();
            continue;
        }
        return Some(top);
    }
    None
}

/// Called when no task is ready: waits for (or, in virtual time, jumps to)
/// the earliest timer and fires every timer due then, as the module docs
/// say. Returns false when there is no timer at all.
pub fn fire_next() -> bool {
    let Some((due, _, _)) = TIMERS.with(|t| peek(&mut t.borrow_mut())) else {
        return false;
    };
    if scheduler::is_deterministic() {
        TIMERS.with(|t| {
            let t = &mut *t.borrow_mut();
            t.virtual_now = t.virtual_now.max(due);
        });
    } else {
        let wait = TIMERS.with(|t| due.saturating_sub(real_now(&mut t.borrow_mut())));
        if wait > 0 && crate::io::wait_until(Duration::from_nanos(wait)) {
            // An I/O completion woke a task first; timers are looked at
            // again when nothing is ready.
            return true;
        }
    }
    // Fire the timers due now: all sleeps first; deadlines only when no sleep
    // was due (a task finishing at the deadline's instant wins).
    let mut fired = Vec::new();
    TIMERS.with(|t| {
        let t = &mut *t.borrow_mut();
        let now = now(t);
        let mut sleeps_fired = false;
        while let Some((due, order, seq)) = peek(t) {
            if due > now || (order == 1 && sleeps_fired) {
                break;
            }
            t.heap.pop();
            if let Some(token) = t.tokens.remove(&seq) {
                if order == 0 {
                    sleeps_fired = true;
                    fired.push(token);
                } else {
                    fired.push(token);
                    // One deadline at a time: whatever it wakes runs before
                    // the next deadline due at the same instant.
                    break;
                }
            }
        }
    });
    for token in fired {
        scheduler::wake(token);
    }
    true
}

/// Whether timer `id` is still waiting to fire.
pub fn is_set(id: u64) -> bool {
    TIMERS.with(|t| t.borrow().tokens.contains_key(&id))
}

/// Makes timer `id` wake `token` (a task waiting on it again in a new epoch).
pub fn retarget(id: u64, token: WaitToken) {
    TIMERS.with(|t| {
        if let Some(slot) = t.borrow_mut().tokens.get_mut(&id) {
            *slot = token;
        }
    });
}
