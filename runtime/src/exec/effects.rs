//! Algebraic effects (tools.md §5, tools-details §68) on the task
//! scheduler.
//!
//! A `handle` runs its body as a *child task* whose handler chain starts
//! with the handle's [`Frame`]; the task that runs the `handle` (the
//! *driver*) waits for what the body does next ([`drive`]):
//!
//! * the body finishes: its value is the `handle`'s value;
//! * the body fails: the driver fails with the same failure;
//! * the body performs an operation this frame handles: the driver runs
//!   the clause (a closure taking nothing; it reads the arguments with
//!   `lm_effect_arg` and its continuation with `lm_effect_continuation`).
//!   `resume(v)` hands `v` to the suspended `perform` and drives the body
//!   again, so a later `perform` runs its clause inside this `resume` (deep
//!   handlers); `resume` gives what the rest of the body gives. A clause
//!   that returns without resuming abandons the body: the child task is
//!   cancelled, so its `defer` blocks run and it releases what it holds;
//! * the body performs an operation an outer frame handles: the driver
//!   performs it itself, towards its own handlers, and hands the answer
//!   back.
//!
//! Control passes between the body and the driver through the front of the
//! ready queue ([`scheduler::start_next`], [`scheduler::wake_next`]), so a
//! `perform` is not a scheduling point: no other task runs in between.
//! A task spawned inside a `handle` starts with no handler (tools-details
//! §68): chains are kept per task, and only bodies get one.
//!
//! Cancelling the driver cancels the body first (the body's future is the
//! driver's wait cleanup), innermost first.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use lumen_abi::{ObjectHeader, SourceLoc, TypeDesc};

use crate::errors::{self, fail_current_task, raise, Failure};
use crate::futures::{call_thunk, FutureCell, OwnedClosure};
use crate::objects::{release_slot, retain_slot, Slot};
use crate::scheduler::{self, TaskRef, WaitCleanup, WaitToken};
use crate::strings::LmString;
use crate::typedesc::Ty;

/// A value this module owns, released on drop.
struct Owned {
    slot: Slot,
    ty: Ty,
}

impl Drop for Owned {
    fn drop(&mut self) {
        // SAFETY: an owned reference of type `ty`.
        unsafe { release_slot(self.slot, self.ty) };
    }
}

/// One installed `handle`.
struct Frame {
    /// The operation each clause handles.
    ops: Vec<i64>,
    clauses: Vec<OwnedClosure>,
    /// The type of the `handle`'s value (the body's and every clause's).
    value_ty: Ty,
    /// The chain where the `handle` runs: the clauses run there, and a
    /// `perform` the frame does not handle goes on there.
    parent: Option<Rc<Frame>>,
    /// The child task running the body, and its future (a branch of the
    /// driver's waits, so cancelling the driver cancels the body first).
    body_task: Cell<Option<TaskRef>>,
    body_future: Rc<FutureCell>,
    /// What the body did last, for the driver.
    event: RefCell<Option<Event>>,
    /// Wakes the driver from its wait for an event.
    driver_token: Cell<Option<WaitToken>>,
    /// Wakes the body from its `perform`.
    body_token: Cell<Option<WaitToken>>,
    /// The answer to the body's `perform` (an owned value).
    answer: Cell<Option<Slot>>,
    /// The body has finished (returned, failed or been abandoned).
    finished: Cell<bool>,
    /// The body is being abandoned: its end is nobody's event.
    abandoning: Cell<bool>,
}

/// What the body of a frame did.
enum Event {
    /// It returned this value (owned, of the frame's type).
    Finished(Slot),
    Failed(Failure),
    Perform(Request),
}

/// A `perform` on its way to the frame that handles it.
struct Request {
    op: i64,
    /// The frame that handles it (found when it was performed).
    target: Rc<Frame>,
    args: Vec<Owned>,
}

/// A clause running for a request: what `lm_effect_arg` reads and what
/// `resume` continues.
struct Invocation {
    frame: Rc<Frame>,
    args: Vec<Owned>,
    resumed: Cell<bool>,
}

thread_local! {
    /// The innermost frame of each task running the body of a `handle`.
    static CHAINS: RefCell<HashMap<TaskRef, Rc<Frame>>> = RefCell::new(HashMap::new());
    /// Clauses running, innermost last, by continuation number.
    static INVOCATIONS: RefCell<Vec<(i64, Rc<Invocation>)>> = const { RefCell::new(Vec::new()) };
    static NEXT_CONTINUATION: Cell<i64> = const { Cell::new(1) };
}

/// The running task's innermost frame.
fn current_chain() -> Option<Rc<Frame>> {
    let task = scheduler::current_task()?;
    CHAINS.with(|c| c.borrow().get(&task).cloned())
}

/// The frame of the chain starting at `chain` that handles `op`.
fn find_handler(mut chain: Option<Rc<Frame>>, op: i64) -> Option<Rc<Frame>> {
    while let Some(frame) = chain {
        if frame.ops.contains(&op) {
            return Some(frame);
        }
        chain = frame.parent.clone();
    }
    None
}

/// Runs the body of `frame` as a child task that starts next.
fn start_body(frame: &Rc<Frame>, body: OwnedClosure) {
    let runs = frame.clone();
    let task_body = Box::new(move || {
        let me = scheduler::current_task().expect("a body runs as a task");
        CHAINS.with(|c| c.borrow_mut().insert(me, runs.clone()));
        // SAFETY: the closure is a live `fn() -> value_ty`.
        let value = unsafe { call_thunk(body.0, runs.value_ty) };
        drop(body);
        CHAINS.with(|c| c.borrow_mut().remove(&me));
        let event = if errors::is_failing() {
            Event::Failed(errors::take_pending_failure())
        } else {
            Event::Finished(value)
        };
        runs.finished.set(true);
        if runs.abandoning.get() {
            if let Event::Finished(v) = event {
                // SAFETY: an owned value of the frame's type.
                unsafe { release_slot(v, runs.value_ty) };
            }
            return;
        }
        *runs.event.borrow_mut() = Some(event);
        if let Some(token) = runs.driver_token.take() {
            scheduler::wake_next(token);
        }
    });
    let task = scheduler::start_next(task_body, frame.body_future.clone());
    frame.body_task.set(Some(task));
}

/// Waits, in the driver, for the next thing the body of `frame` does, and
/// handles it: the `handle`'s value, or a raised failure.
fn drive(frame: &Rc<Frame>) -> Slot {
    loop {
        frame.driver_token.set(Some(scheduler::prepare_wait()));
        scheduler::set_cleanup(WaitCleanup {
            branches: Rc::from(vec![frame.body_future.clone()]),
            ..WaitCleanup::default()
        });
        // Cancelled here: the body was cancelled first; this raises.
        scheduler::suspend();
        let event = frame.event.borrow_mut().take();
        match event {
            Some(Event::Finished(v)) => return v,
            Some(Event::Failed(f)) => raise(f),
            Some(Event::Perform(req)) if Rc::ptr_eq(&req.target, frame) => {
                return run_clause(frame, req);
            }
            Some(Event::Perform(req)) => {
                // For an outer frame: performed from here, towards it.
                let answer = send(req, Some(frame));
                frame.answer.set(Some(answer));
                if let Some(token) = frame.body_token.take() {
                    scheduler::wake_next(token);
                }
            }
            None => errors::internal_error("a handle's body woke its driver with nothing to do"),
        }
    }
}

/// Sends `req` from the running task to the driver of its own innermost
/// frame and waits for the answer (owned). `inner`: the frame whose body
/// the running task is driving, if it forwards a request; it is cancelled
/// first if the running task is.
fn send(req: Request, inner: Option<&Rc<Frame>>) -> Slot {
    let Some(direct) = current_chain() else {
        errors::internal_error("a perform found a handler outside every handle body")
    };
    *direct.event.borrow_mut() = Some(Event::Perform(req));
    direct.body_token.set(Some(scheduler::prepare_wait()));
    if let Some(inner) = inner {
        scheduler::set_cleanup(WaitCleanup {
            branches: Rc::from(vec![inner.body_future.clone()]),
            ..WaitCleanup::default()
        });
    }
    if let Some(token) = direct.driver_token.take() {
        scheduler::wake_next(token);
    }
    // Abandoned (cancelled) here: this raises `cancelled`, and the body's
    // frames unwind through their cleanup.
    scheduler::suspend();
    direct
        .answer
        .take()
        .unwrap_or_else(|| errors::internal_error("a perform resumed without an answer"))
}

/// Runs the clause of `frame` for `req` in the driver; its value is the
/// `handle`'s. A clause that did not resume abandons the body.
fn run_clause(frame: &Rc<Frame>, req: Request) -> Slot {
    let index = frame
        .ops
        .iter()
        .position(|&op| op == req.op)
        .unwrap_or_else(|| errors::internal_error("a frame got a request it does not handle"));
    let number = NEXT_CONTINUATION.with(|n| {
        let k = n.get();
        n.set(k + 1);
        k
    });
    let invocation = Rc::new(Invocation {
        frame: frame.clone(),
        args: req.args,
        resumed: Cell::new(false),
    });
    INVOCATIONS.with(|i| i.borrow_mut().push((number, invocation.clone())));
    // Called like a runtime callback (`errors::call_generated`), but a
    // failure is looked at here first: the body must be abandoned before
    // the failure goes on.
    let depth = errors::guard_depth();
    errors::set_guard_depth(0);
    // SAFETY: the clause is a live `fn() -> value_ty`.
    let value = unsafe { call_thunk(frame.clauses[index].0, frame.value_ty) };
    errors::set_guard_depth(depth);
    INVOCATIONS.with(|i| i.borrow_mut().retain(|(n, _)| *n != number));
    let failed = errors::is_failing();
    if failed || !invocation.resumed.get() {
        // The failure stays pending while the body unwinds.
        errors::set_failing(false);
        abandon(frame);
        errors::set_failing(failed);
    }
    if failed {
        errors::propagate();
    }
    value
}

/// Cancels the body of `frame` if it has not finished: it leaves its
/// frames through their cleanup (`defer` blocks run) before this returns.
fn abandon(frame: &Rc<Frame>) {
    if frame.finished.get() {
        return;
    }
    frame.abandoning.set(true);
    if let Some(task) = frame.body_task.get() {
        scheduler::cancel(task);
    }
}

/// `handle … with … end`: runs `body` with the clauses installed; the
/// `handle`'s value (owned).
///
/// # Safety
/// `body` and the `count` words at `clauses` must be live closures taking
/// nothing and giving a `desc` value; `ops` must hold `count` operation
/// numbers; `loc` null or a valid location.
#[no_mangle]
pub unsafe extern "C" fn lm_handle(
    body: *mut ObjectHeader,
    clauses: *const *mut ObjectHeader,
    ops: *const i64,
    count: i64,
    desc: *const TypeDesc,
    _loc: *const SourceLoc,
) -> Slot {
    errors::guard(|| {
        let count = usize::try_from(count).unwrap_or(0);
        // SAFETY (block): caller's contract.
        let (clauses, ops, value_ty, body) = unsafe {
            let clauses: Vec<OwnedClosure> = (0..count)
                .map(|i| OwnedClosure::retain(*clauses.add(i)))
                .collect();
            let ops = std::slice::from_raw_parts(ops, count).to_vec();
            (clauses, ops, Ty::new(desc), OwnedClosure::retain(body))
        };
        let frame = Rc::new(Frame {
            ops,
            clauses,
            value_ty,
            parent: current_chain(),
            body_task: Cell::new(None),
            body_future: FutureCell::new_pending(value_ty),
            event: RefCell::new(None),
            driver_token: Cell::new(None),
            body_token: Cell::new(None),
            answer: Cell::new(None),
            finished: Cell::new(false),
            abandoning: Cell::new(false),
        });
        start_body(&frame, body);
        drive(&frame)
    })
}

/// `perform E.op(args)`: the answer (owned) of the innermost handler of
/// `op`, or the failure `unhandled effect E.op`.
///
/// # Safety
/// `args` and `descs` must hold `count` borrowed values and their
/// descriptors; `name` a live string; `loc` null or a valid location.
#[no_mangle]
pub unsafe extern "C" fn lm_perform(
    op: i64,
    name: *const LmString,
    args: *const Slot,
    descs: *const *const TypeDesc,
    count: i64,
    _result: *const TypeDesc,
    loc: *const SourceLoc,
) -> Slot {
    errors::guard(|| {
        let Some(target) = find_handler(current_chain(), op) else {
            // SAFETY: caller's contract.
            let name = unsafe { crate::strings::as_str(name) };
            // SAFETY: caller's contract.
            unsafe { fail_current_task(&format!("unhandled effect {name}"), loc) }
        };
        let count = usize::try_from(count).unwrap_or(0);
        let args = (0..count)
            .map(|i| {
                // SAFETY: caller's contract: borrowed values of these types.
                unsafe {
                    let ty = Ty::new(*descs.add(i));
                    let slot = *args.add(i);
                    retain_slot(slot, ty);
                    Owned { slot, ty }
                }
            })
            .collect();
        send(Request { op, target, args }, None)
    })
}

/// Whether a handler of `op` is installed for the running task: 1 or 0.
#[no_mangle]
pub extern "C" fn lm_effect_handled(op: i64) -> i64 {
    i64::from(find_handler(current_chain(), op).is_some())
}

/// The running clause's invocation.
fn running_invocation() -> (i64, Rc<Invocation>) {
    INVOCATIONS
        .with(|i| i.borrow().last().cloned())
        .unwrap_or_else(|| errors::internal_error("a clause reads its arguments outside a clause"))
}

/// In a clause: argument `index` of the operation (a new reference).
///
/// # Safety
/// `desc` must describe that argument's type.
#[no_mangle]
pub unsafe extern "C" fn lm_effect_arg(index: i64, _desc: *const TypeDesc) -> Slot {
    let (_, invocation) = running_invocation();
    let arg = usize::try_from(index)
        .ok()
        .and_then(|i| invocation.args.get(i))
        .unwrap_or_else(|| {
            errors::internal_error("a clause reads an argument the operation lacks")
        });
    // SAFETY: a live value of its type; the clause's local owns the copy.
    unsafe { retain_slot(arg.slot, arg.ty) };
    arg.slot
}

/// In a clause: its continuation.
#[no_mangle]
pub extern "C" fn lm_effect_continuation() -> i64 {
    running_invocation().0
}

/// `resume(v)`: hands `v` (borrowed) to the `perform` the clause of
/// continuation `k` answers and drives the body on; the `handle`'s value
/// (owned). A second `resume` of one continuation fails.
///
/// # Safety
/// `v` must be a live value of type `v_desc`; `loc` null or valid.
#[no_mangle]
pub unsafe extern "C" fn lm_effect_resume(
    k: i64,
    v: Slot,
    v_desc: *const TypeDesc,
    _desc: *const TypeDesc,
    loc: *const SourceLoc,
) -> Slot {
    errors::guard(|| {
        let invocation = INVOCATIONS.with(|i| {
            i.borrow()
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, inv)| inv.clone())
        });
        let Some(invocation) = invocation.filter(|inv| !inv.resumed.get()) else {
            // SAFETY: caller's contract.
            unsafe {
                fail_current_task(
                    "resume called twice: a continuation can be resumed only once",
                    loc,
                )
            }
        };
        invocation.resumed.set(true);
        let frame = invocation.frame.clone();
        // SAFETY: caller's contract; the body's `perform` owns the copy.
        unsafe { retain_slot(v, Ty::new(v_desc)) };
        frame.answer.set(Some(v));
        if let Some(token) = frame.body_token.take() {
            scheduler::wake_next(token);
        }
        drive(&frame)
    })
}

impl Drop for Frame {
    fn drop(&mut self) {
        if let Some(Event::Finished(v)) = self.event.get_mut().take() {
            // SAFETY: an owned value of the frame's type.
            unsafe { release_slot(v, self.value_ty) };
        }
    }
}
