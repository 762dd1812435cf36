//! The orchestration forms (async.md §5, §9): `parallel` (block and `for`),
//! `race`, `vote`, `select` and `timeout`.
//!
//! Each form receives its branches as a list of closures taking no
//! arguments (the compiler has already wrapped each branch expression, and
//! awaited a branch whose value is a future). The running task spawns them
//! in source order under the current scheduling mode, then waits until the
//! form can decide: it registers on every pending branch and suspends, and
//! while it waits a cancellation of the task cancels the branches first
//! ([`crate::scheduler::WaitCleanup`]). Before delivering its value or its
//! failure, a form cancels its losing branches in source order, each
//! completely. Which failure a form reports: the first in time for
//! `parallel`, `select` and `timeout`; the last for `race` and `vote`, and
//! only when every branch failed.

use std::rc::Rc;

use lumen_abi::{ObjectHeader, SourceLoc, TypeDesc, TypeKind};

use crate::errors::{raise, Failure};
use crate::futures::{list_from_owned, spawn_thunk, tuple_from_owned, FutureCell, Slot};
use crate::objects::{elems, ListObj};
use crate::scheduler::{self, WaitCleanup};
use crate::typedesc::Ty;

type Branches = Rc<[Rc<FutureCell>]>;

/// Spawns each closure of the list `closures`, branch `i` with value type
/// `ty(i)`.
unsafe fn start(closures: *const ListObj, ty: impl Fn(usize) -> Ty) -> Branches {
    // SAFETY: caller's contract: a live list of closures.
    let (list, _) = unsafe { elems(closures) };
    let list = list.to_vec();
    list.iter()
        .enumerate()
        // SAFETY: each element is a live closure `fn() -> ty(i)`.
        .map(|(i, &c)| unsafe { spawn_thunk(c as *mut ObjectHeader, ty(i)) })
        .collect()
}

/// Suspends until one of the pending branches settles (or `timer` fires);
/// a cancellation meanwhile cancels the branches first.
fn wait_any(branches: &Branches, timer: Option<u64>) {
    let token = scheduler::prepare_wait();
    for b in branches.iter().filter(|b| b.is_pending()) {
        b.add_awaiter(token);
    }
    scheduler::set_cleanup(WaitCleanup {
        branches: branches.clone(),
        timer,
        on_cancel: None,
    });
    scheduler::suspend();
}

/// Cancels the branches still pending, in source order, each completely:
/// a branch whose `defer` block suspended while it unwound is waited for
/// before the next one is cancelled and the form goes on (async.md §5:
/// "before a form delivers its value or its failure, the branches it
/// cancels have finished unwinding").
fn cancel_pending(branches: &Branches) {
    for b in branches.iter() {
        b.cancel();
        if b.is_pending() {
            // Its failure is the form's own cancellation: it never counts.
            let _ = b.wait();
        }
    }
}

/// The failed branch that settled first (`first`) or last in time.
fn failure_in_time(branches: &Branches, first: bool) -> Option<Rc<Failure>> {
    let failed = branches.iter().filter(|b| b.is_failed());
    let pick = if first {
        failed.min_by_key(|b| b.settled_at())
    } else {
        failed.max_by_key(|b| b.settled_at())
    };
    pick.and_then(|b| b.failure())
}

fn fail(failure: Rc<Failure>, loc: *const SourceLoc) -> ! {
    // SAFETY: `loc` comes from compiled code: null or valid.
    raise(unsafe { failure.awaited_at(loc) })
}

/// Waits for every branch; the first failure in time cancels the rest and
/// fails the form.
fn all(branches: &Branches, loc: *const SourceLoc) {
    let watch = Rc::new(crate::futures::Watch::default());
    for b in branches.iter() {
        b.watch(&watch);
    }
    loop {
        if watch.failed.get() {
            let f = failure_in_time(branches, true).expect("a branch failed");
            cancel_pending(branches);
            fail(f, loc);
        }
        if watch.settled.get() == branches.len() {
            return;
        }
        watch.token.set(Some(scheduler::prepare_wait()));
        scheduler::set_cleanup(WaitCleanup {
            branches: branches.clone(),
            timer: None,
            on_cancel: None,
        });
        scheduler::suspend();
    }
}

/// `parallel for` and the `parallel` block: every branch's value, as a list
/// (descriptor `desc` of kind List) or a tuple (kind Tuple), in source order.
///
/// # Safety
/// `closures` must be a live list of closures returning the element types
/// of `desc`; `loc` null or valid.
#[no_mangle]
pub unsafe extern "C" fn lm_form_all(
    closures: *const ListObj,
    desc: *const TypeDesc,
    loc: *const SourceLoc,
) -> *mut ObjectHeader {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        unsafe {
            let ty = Ty::new(desc);
            let is_list = ty.kind() == TypeKind::List;
            let branches = start(
                closures,
                |i| if is_list { ty.child(0) } else { ty.child(i) },
            );
            all(&branches, loc);
            let values: Vec<Slot> = branches.iter().map(|b| b.value().unwrap_or(0)).collect();
            let built = if is_list {
                list_from_owned(ty.child(0), &values)
            } else {
                tuple_from_owned(ty, &values)
            };
            crate::objects::slot_obj(built)
        }
    })
}

/// `race`: the value of the first branch to complete (type `desc`, each
/// branch already giving that type); failures count only when all fail.
///
/// # Safety
/// As [`lm_form_all`].
#[no_mangle]
pub unsafe extern "C" fn lm_form_race(
    closures: *const ListObj,
    desc: *const TypeDesc,
    loc: *const SourceLoc,
) -> Slot {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        let ty = unsafe { Ty::new(desc) };
        // SAFETY: caller's contract.
        let branches = unsafe { start(closures, |_| ty) };
        loop {
            let winner = branches
                .iter()
                .filter(|b| !b.is_pending() && !b.is_failed())
                .min_by_key(|b| b.settled_at());
            if let Some(w) = winner {
                let v = w.value().unwrap_or(0);
                cancel_pending(&branches);
                return v;
            }
            if branches.iter().all(|b| b.is_failed()) {
                let f = failure_in_time(&branches, false).expect("all failed");
                fail(f, loc);
            }
            wait_any(&branches, None);
        }
    })
}

/// `vote`: the most frequent value among the branches that completed
/// (compared with `==`; a tie goes to the value seen first in source order).
///
/// # Safety
/// As [`lm_form_all`].
#[no_mangle]
pub unsafe extern "C" fn lm_form_vote(
    closures: *const ListObj,
    desc: *const TypeDesc,
    loc: *const SourceLoc,
) -> Slot {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        let ty = unsafe { Ty::new(desc) };
        // SAFETY: caller's contract.
        let branches = unsafe { start(closures, |_| ty) };
        while branches.iter().any(|b| b.is_pending()) {
            wait_any(&branches, None);
        }
        let values: Vec<Slot> = branches.iter().filter_map(|b| b.peek()).collect();
        if values.is_empty() {
            let f = failure_in_time(&branches, false).expect("all failed");
            fail(f, loc);
        }
        // SAFETY: live values of type `ty`, kept alive by the branches.
        let eq = |a: Slot, b: Slot| unsafe { crate::compare::lm_value_eq(a, b, ty.as_ptr()) != 0 };
        let mut best = 0;
        let mut best_count = 0;
        for (i, &v) in values.iter().enumerate() {
            let count = values.iter().filter(|&&w| eq(v, w)).count();
            if count > best_count {
                best = i;
                best_count = count;
            }
        }
        let v = values[best];
        // SAFETY: a new reference for the caller.
        unsafe { crate::objects::retain_slot(v, ty) };
        v
    })
}

/// `select`: the first branch to settle wins; the result is a tuple
/// (descriptor `desc`): the winner's index, then one `Ti?` per branch, the
/// winner's value and `null` for the others. The first failure in time
/// fails the form.
///
/// # Safety
/// As [`lm_form_all`]; branch `i` returns `desc`'s child `i + 1`.
#[no_mangle]
pub unsafe extern "C" fn lm_form_select(
    closures: *const ListObj,
    desc: *const TypeDesc,
    loc: *const SourceLoc,
) -> *mut ObjectHeader {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        unsafe {
            let ty = Ty::new(desc);
            let branches = start(closures, |i| ty.child(i + 1));
            loop {
                let first = branches
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| !b.is_pending())
                    .min_by_key(|(_, b)| b.settled_at());
                if let Some((i, b)) = first {
                    if let Some(f) = b.failure() {
                        cancel_pending(&branches);
                        fail(f, loc);
                    }
                    let v = b.value().unwrap_or(0);
                    cancel_pending(&branches);
                    // The winner's index, then its value; the other names null.
                    let mut values = vec![0; ty.count()];
                    values[0] = i as Slot;
                    values[i + 1] = v;
                    return crate::objects::slot_obj(tuple_from_owned(ty, &values));
                }
                wait_any(&branches, None);
            }
        }
    })
}

/// `timeout(ms, e)`: the value of `e` (a closure returning `T?`, type
/// `desc`), or `null` when the deadline passes first (the task is then
/// cancelled); a failure before the deadline fails the form.
///
/// # Safety
/// `closure` must be a live closure `fn() -> T?`; `loc` null or valid.
#[no_mangle]
pub unsafe extern "C" fn lm_form_timeout(
    ms: i64,
    closure: *mut ObjectHeader,
    desc: *const TypeDesc,
    loc: *const SourceLoc,
) -> Slot {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        let ty = unsafe { Ty::new(desc) };
        // SAFETY: caller's contract.
        let branch = unsafe { spawn_thunk(closure, ty) };
        let branches: Branches = Rc::from(vec![branch.clone()]);
        let mut timer = None;
        loop {
            if !branch.is_pending() {
                if let Some(t) = timer {
                    crate::timers::forget(t);
                }
                if let Some(f) = branch.failure() {
                    fail(f, loc);
                }
                return branch.value().unwrap_or(0);
            }
            if let Some(t) = timer {
                if !crate::timers::is_set(t) {
                    // The deadline fired.
                    cancel_pending(&branches);
                    return 0;
                }
            }
            let token = scheduler::prepare_wait();
            let t = *timer.get_or_insert_with(|| {
                crate::timers::add(ms, crate::timers::Kind::Deadline, token)
            });
            crate::timers::retarget(t, token);
            branch.add_awaiter(token);
            scheduler::set_cleanup(WaitCleanup {
                branches: branches.clone(),
                timer: Some(t),
                on_cancel: None,
            });
            scheduler::suspend();
        }
    })
}
