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
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

use crate::scheduler::{self, WaitToken};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `sleep(ms)`.
    Sleep,
    /// A `timeout` form's deadline.
    Deadline,
}

/// One timer's slot in the slab. A timer id is `generation << 32 | index`;
/// the generation moves on when the timer fires or is forgotten, so a stale
/// id (or heap entry) no longer matches and the slot can be reused at once.
struct Slot {
    generation: u32,
    /// The task to wake; `None` while the slot is free.
    token: Option<WaitToken>,
}

struct Timers {
    /// (due in ns since `start`, kind order, sequence, timer id): the heap's
    /// order is the firing order at one instant. Entries of forgotten timers
    /// stay until they reach the top, where [`peek`] drops them.
    heap: BinaryHeap<Reverse<(u64, u8, u64, u64)>>,
    /// Timer slots, indexed by the low half of an id (no hashing: 100k
    /// sleeping tasks set and fire 100k timers).
    slots: Vec<Slot>,
    /// Free slot indices.
    free: Vec<u32>,
    next_seq: u64,
    start: Option<Instant>,
    /// Virtual now (ns), under `@deterministic`.
    virtual_now: u64,
}

thread_local! {
    static TIMERS: RefCell<Timers> = const {
        RefCell::new(Timers {
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
            start: None,
            virtual_now: 0,
        })
    };
}

impl Timers {
    /// The slot of a live timer `id`, if it has neither fired nor been
    /// forgotten.
    fn live(&mut self, id: u64) -> Option<&mut Slot> {
        let slot = self.slots.get_mut((id & 0xffff_ffff) as usize)?;
        (slot.generation == (id >> 32) as u32 && slot.token.is_some()).then_some(slot)
    }

    /// Ends the live timer `id`: its token, and the slot back to the free list.
    fn take(&mut self, id: u64) -> Option<WaitToken> {
        let slot = self.live(id)?;
        let token = slot.token.take();
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push((id & 0xffff_ffff) as u32);
        token
    }
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
        let index = match t.free.pop() {
            Some(i) => i,
            None => {
                t.slots.push(Slot {
                    generation: 0,
                    token: None,
                });
                (t.slots.len() - 1) as u32
            }
        };
        let slot = &mut t.slots[index as usize];
        slot.token = Some(token);
        let id = (u64::from(slot.generation) << 32) | u64::from(index);
        t.heap.push(Reverse((due, order, seq, id)));
        id
    })
}

/// Drops a timer that is no longer wanted (its task was cancelled, or its
/// form finished before the deadline).
pub fn forget(id: u64) {
    TIMERS.with(|t| {
        t.borrow_mut().take(id);
    });
}

/// The earliest live timer, dropping the entries of forgotten ones.
fn peek(t: &mut Timers) -> Option<(u64, u8, u64, u64)> {
    while let Some(&Reverse(top)) = t.heap.peek() {
        if t.live(top.3).is_none() {
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
    let Some((due, _, _, _)) = TIMERS.with(|t| peek(&mut t.borrow_mut())) else {
        return false;
    };
    if scheduler::is_deterministic() {
        TIMERS.with(|t| {
            let t = &mut *t.borrow_mut();
            t.virtual_now = t.virtual_now.max(due);
        });
    } else {
        let wait = TIMERS.with(|t| due.saturating_sub(real_now(&mut t.borrow_mut())));
        if wait > 0 {
            // The program waits: what it printed shows now (builtins.md).
            crate::output::flush_stdout();
        }
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
        while let Some((due, order, _, id)) = peek(t) {
            if due > now || (order == 1 && sleeps_fired) {
                break;
            }
            t.heap.pop();
            if let Some(token) = t.take(id) {
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
    TIMERS.with(|t| t.borrow_mut().live(id).is_some())
}

/// Makes timer `id` wake `token` (a task waiting on it again in a new epoch).
pub fn retarget(id: u64, token: WaitToken) {
    TIMERS.with(|t| {
        if let Some(slot) = t.borrow_mut().live(id) {
            slot.token = Some(token);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_go_stale_when_fired_or_forgotten_and_slots_are_reused() {
        let _serial = crate::scheduler::tests::SERIAL
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        scheduler::set_deterministic(true);
        scheduler::run_main(Box::new(|| {
            let token = scheduler::prepare_wait();
            let a = add(5, Kind::Sleep, token);
            let b = add(5, Kind::Deadline, token);
            assert!(is_set(a) && is_set(b));
            forget(a);
            assert!(!is_set(a) && is_set(b));
            // The freed slot is reused under a new generation: the old id
            // stays stale.
            let c = add(1, Kind::Sleep, token);
            assert_eq!(c & 0xffff_ffff, a & 0xffff_ffff);
            assert_ne!(c, a);
            assert!(!is_set(a) && is_set(c));
            retarget(c, token);
            // Virtual time jumps to 1 ms: only `c` fires; `b` is still due.
            assert!(fire_next());
            assert!(!is_set(c) && is_set(b));
            forget(b);
            assert!(!fire_next(), "no live timer is left");
            0
        }));
        scheduler::set_deterministic(false);
    }
}
