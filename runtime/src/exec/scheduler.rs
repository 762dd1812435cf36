//! The task scheduler: every piece of Lumen code runs in a task on its own
//! stackful coroutine (async.md §1), `main` first.
//!
//! Tasks live in a slab ([`TaskRef`] = index + generation, so a stale
//! reference to a finished task's recycled slot is recognised). One FIFO
//! ready queue (async.md §9); a task leaves the processor only at a
//! suspension point:
//!
//! * [`prepare_wait`] + [`suspend`]: the task registers a [`WaitToken`] with
//!   whatever will wake it (a future's awaiters, a timer, a channel, an I/O
//!   completion) and suspends; [`wake`] appends it to the ready queue. A
//!   token is valid for one suspension only (the task's *epoch*), so a task
//!   waiting on several things (a form's branches) is woken once, and stale
//!   registrations are ignored instead of being searched for and removed.
//! * [`yield_now`]: `sleep(0)`, back of the queue.
//! * [`run_next_then_me`]: eager `spawn` runs the child first, then the
//!   spawner, without nesting coroutines.
//!
//! When nothing is ready, the loop fires timers ([`crate::timers`]: virtual
//! time under `@deterministic`, else it sleeps until the next deadline) and
//! takes I/O completions from other threads ([`crate::io`]); with nothing to
//! wait for, every task is blocked for good: a deadlock, reported as a
//! failure of `main`.
//!
//! A task that fails records its failure here ([`record_failure`]) and
//! leaves its frames through generated cleanup code (`crate::errors`); when
//! its body returns, the failure settles its future. Cancelling a suspended
//! task ([`cancel`]) cancels the branches of the form it waits on, then
//! resumes it at once, from the canceller, with the failure `cancelled`: it
//! runs its `defer` blocks and releases what it owns before `cancel`
//! returns (async.md §9). While it unwinds, every suspension point fails at
//! once with `cancelled` again, so it never suspends.
//!
//! The scheduler state is thread-local (one scheduler per thread; only the
//! main thread runs one) and wrapped in `ManuallyDrop`: at exit the process
//! ends without unwinding suspended tasks.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::mem::ManuallyDrop;
use std::rc::Rc;

use corosensei::{Coroutine, CoroutineResult, Yielder};

use crate::errors::{internal_error, Failure};
use crate::futures::FutureCell;
use crate::overflow;
use crate::stack::{StackPool, TaskStack};

/// Usable stack of the `main` task: 64 MiB of address space, committed lazily.
pub const MAIN_STACK_SIZE: usize = 64 << 20;

/// Usable stack of a spawned task (carved from a chunk, lazily committed).
pub const TASK_STACK_SIZE: usize = crate::stack::CHUNK_STACK_SIZE;

/// What the `main` task's body returns: the exit status.
pub type TaskResult = i64;

/// What a task's coroutine yields to the loop: it suspended at a
/// suspension point; resume it when woken.
pub struct Suspended;

type TaskCoroutine = Coroutine<(), Suspended, (), TaskStack>;

/// A task, by slab index and generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TaskRef {
    index: u32,
    generation: u32,
}

/// The right to wake one task from one suspension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitToken {
    task: TaskRef,
    epoch: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// In the ready queue (not started, woken, or yielded).
    Ready,
    /// Waiting for a wake-up.
    Suspended,
    Running,
}

/// What a suspended task must undo when it is cancelled.
#[derive(Default)]
pub struct WaitCleanup {
    /// The branches of the form it waits on, cancelled first (source order).
    pub branches: Rc<[Rc<FutureCell>]>,
    /// A timer to forget.
    pub timer: Option<u64>,
    /// Runs when the task is cancelled while suspended (a channel puts back
    /// a value handed to it).
    pub on_cancel: Option<Box<dyn FnOnce()>>,
}

struct Task {
    coroutine: Option<TaskCoroutine>,
    /// Value for `lm_stack_limit` while this task runs.
    stack_limit: usize,
    /// Guard region below the task's stack (empty for chunk stacks).
    guard: (usize, usize),
    state: State,
    /// Counts suspensions; a [`WaitToken`] is valid for one epoch.
    epoch: u64,
    /// The future this task settles (`None` for `main`).
    future: Option<Rc<FutureCell>>,
    cleanup: WaitCleanup,
    /// `cancel()` of the running task itself, or a cancellation in
    /// progress: every suspension point fails with `cancelled`.
    cancel_requested: bool,
    /// The failure propagating through the task's frames.
    pending: Option<Failure>,
}

struct Slot {
    generation: u32,
    task: Option<Task>,
}

struct Scheduler {
    slots: Vec<Slot>,
    free: Vec<u32>,
    ready: VecDeque<TaskRef>,
    pool: StackPool,
    current: Option<TaskRef>,
    main: Option<TaskRef>,
    main_result: Option<TaskResult>,
    deterministic: bool,
}

thread_local! {
    static SCHEDULER: RefCell<ManuallyDrop<Scheduler>> = const {
        RefCell::new(ManuallyDrop::new(Scheduler {
            slots: Vec::new(),
            free: Vec::new(),
            ready: VecDeque::new(),
            pool: StackPool::new(),
            current: None,
            main: None,
            main_result: None,
            deterministic: false,
        }))
    };
    /// The running task's yielder (it lives on that task's stack).
    static YIELDER: Cell<*const Yielder<(), Suspended>> = const { Cell::new(std::ptr::null()) };
}

fn with<R>(f: impl FnOnce(&mut Scheduler) -> R) -> R {
    SCHEDULER.with(|s| f(&mut s.borrow_mut()))
}

impl Scheduler {
    /// The stack limit of the running task (0 on the loop's own stack).
    fn current_limit(&mut self) -> usize {
        match self.current {
            Some(t) => self.task_mut(t).map_or(0, |task| task.stack_limit),
            None => 0,
        }
    }

    fn task_mut(&mut self, t: TaskRef) -> Option<&mut Task> {
        let slot = self.slots.get_mut(t.index as usize)?;
        if slot.generation != t.generation {
            return None;
        }
        slot.task.as_mut()
    }

    fn free_slot(&mut self, t: TaskRef) -> Option<Task> {
        let slot = self.slots.get_mut(t.index as usize)?;
        if slot.generation != t.generation {
            return None;
        }
        let task = slot.task.take()?;
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(t.index);
        Some(task)
    }
}

/// Switches deferred scheduling and virtual time on (`@deterministic true`).
pub fn set_deterministic(on: bool) {
    with(|s| s.deterministic = on);
}

/// Whether `@deterministic true` is in force.
pub fn is_deterministic() -> bool {
    with(|s| s.deterministic)
}

/// Creates a task running `body`; it does not run until the loop picks it.
fn create(body: Box<dyn FnOnce()>, main: bool, future: Option<Rc<FutureCell>>) -> TaskRef {
    with(|s| {
        let stack = if main {
            s.pool.acquire(MAIN_STACK_SIZE)
        } else {
            s.pool.acquire_small()
        }
        .unwrap_or_else(|e| internal_error(&format!("cannot map a task stack: {e}")));
        let stack_limit = overflow::limit_for(stack.bottom(), stack.size());
        let guard = stack.guard_range();
        let coroutine =
            Coroutine::with_stack(stack, move |yielder: &Yielder<(), Suspended>, ()| {
                YIELDER.with(|y| y.set(yielder));
                body()
            });
        let task = Task {
            coroutine: Some(coroutine),
            stack_limit,
            guard,
            state: State::Ready,
            epoch: 0,
            future,
            cleanup: WaitCleanup::default(),
            cancel_requested: false,
            pending: None,
        };
        let index = match s.free.pop() {
            Some(i) => {
                s.slots[i as usize].task = Some(task);
                i
            }
            None => {
                s.slots.push(Slot {
                    generation: 0,
                    task: Some(task),
                });
                (s.slots.len() - 1) as u32
            }
        };
        TaskRef {
            index,
            generation: s.slots[index as usize].generation,
        }
    })
}

/// Spawns a task that settles `future` (async.md §4): under
/// `@deterministic` it is queued; otherwise it runs at once, until it
/// completes or first suspends, before the spawner continues.
pub fn spawn(body: Box<dyn FnOnce()>, future: Rc<FutureCell>) -> TaskRef {
    let t = create(body, false, Some(future.clone()));
    future.set_task(t);
    if is_deterministic() || current_task().is_none() {
        with(|s| s.ready.push_back(t));
    } else {
        run_next_then_me(t);
    }
    t
}

/// Creates a task that settles `future` and runs next, before anything
/// already ready, whatever the scheduling mode: the body of a `handle`
/// (`crate::effects`), which takes over from its driver at once.
pub fn start_next(body: Box<dyn FnOnce()>, future: Rc<FutureCell>) -> TaskRef {
    let t = create(body, false, Some(future.clone()));
    future.set_task(t);
    with(|s| s.ready.push_front(t));
    t
}

/// Puts `child` at the front of the ready queue and the running task right
/// behind it, then suspends: the child runs to its first suspension, then
/// the spawner resumes.
fn run_next_then_me(child: TaskRef) {
    let me = current_or_die();
    with(|s| {
        s.ready.push_front(me);
        s.ready.push_front(child);
        if let Some(t) = s.task_mut(me) {
            t.state = State::Ready;
        }
    });
    switch_out();
}

/// Runs `body` as the `main` task and drives the scheduler until it
/// finishes; returns its exit status.
pub fn run_main(body: Box<dyn FnOnce() -> TaskResult>) -> TaskResult {
    let main = create(
        Box::new(move || {
            let status = body();
            with(|s| s.main_result = Some(status));
        }),
        true,
        None,
    );
    with(|s| {
        s.main = Some(main);
        s.main_result = None;
        s.ready.push_back(main);
    });
    loop {
        if let Some(status) = with(|s| s.main_result.take()) {
            with(|s| {
                // The remaining tasks are dropped with the process; forget
                // the queue so a later `run_main` (tests) starts clean.
                s.ready.clear();
                s.main = None;
            });
            return status;
        }
        let next = with(|s| {
            while let Some(t) = s.ready.pop_front() {
                if s.task_mut(t).is_some_and(|task| task.state == State::Ready) {
                    return Some(t);
                }
            }
            None
        });
        match next {
            Some(t) => run(t),
            None => {
                if !crate::timers::fire_next() && !wait_for_io() {
                    deadlock();
                }
            }
        }
    }
}

/// Waits for an I/O completion, what the program printed flushed first
/// (builtins.md: output shows when the program waits); false when no I/O
/// is in flight.
fn wait_for_io() -> bool {
    crate::output::flush_stdout();
    crate::io::wait_for_completion()
}

/// Every task is waiting and nothing can wake one: `main` fails.
fn deadlock() {
    crate::errors::report_and_exit(&Failure::new(
        "deadlock: every task is waiting and nothing can wake one".to_string(),
        None,
    ));
}

/// Makes the waiting task `t` the running one; its coroutine, stack limit
/// and guard region, for resuming it.
fn enter(t: TaskRef) -> (TaskCoroutine, usize, (usize, usize)) {
    let (coroutine, limit, guard, old_cleanup) = with(|s| {
        s.current = Some(t);
        let task = s.task_mut(t).expect("a waiting task is alive");
        task.state = State::Running;
        (
            task.coroutine
                .take()
                .expect("a waiting task has its coroutine"),
            task.stack_limit,
            task.guard,
            std::mem::take(&mut task.cleanup),
        )
    });
    // Dropped outside the borrow: it may release values.
    drop(old_cleanup);
    (coroutine, limit, guard)
}

/// Resumes `t` until it suspends, fails or finishes.
fn run(t: TaskRef) {
    let (mut coroutine, limit, guard) = enter(t);
    // No scheduler borrow is held while the task runs: it may spawn or
    // suspend, which borrow the table themselves.
    overflow::enter_stack(limit, guard);
    // A started task puts back its own guard depth when it resumes; a new
    // one starts in generated code, outside any guard.
    crate::errors::set_guard_depth(0);
    let outcome = coroutine.resume(());
    crate::errors::set_guard_depth(0);
    overflow::leave_stack();
    with(|s| s.current = None);
    match outcome {
        CoroutineResult::Yield(Suspended) => with(|s| {
            if let Some(task) = s.task_mut(t) {
                task.coroutine = Some(coroutine);
            }
        }),
        CoroutineResult::Return(()) => finish(t, coroutine),
    }
}

fn finish(t: TaskRef, coroutine: TaskCoroutine) {
    let task = with(|s| {
        s.pool.release(coroutine.into_stack());
        s.free_slot(t)
    });
    // Dropped outside the borrow: it may release values.
    drop(task);
}

/// The running task, if any.
pub fn current_task() -> Option<TaskRef> {
    with(|s| s.current)
}

fn current_or_die() -> TaskRef {
    current_task().unwrap_or_else(|| internal_error("suspension outside of a task"))
}

/// Whether the running task is `main` (or no task runs).
pub fn current_is_main() -> bool {
    with(|s| s.current.is_none() || s.current == s.main)
}

/// Records `failure` as the running task's pending failure (replacing one a
/// `defer` block interrupted); outside any task it is given back.
pub fn record_failure(failure: Failure) -> Result<(), Failure> {
    with(|s| match s.current.and_then(|t| s.task_mut(t)) {
        Some(task) => {
            task.pending = Some(failure);
            Ok(())
        }
        None => Err(failure),
    })
}

/// Runs `f` on the running task's pending failure, if there is one.
pub fn with_pending_failure(f: impl FnOnce(&mut Failure)) {
    with(|s| {
        if let Some(failure) = s
            .current
            .and_then(|t| s.task_mut(t))
            .and_then(|t| t.pending.as_mut())
        {
            f(failure);
        }
    });
}

/// Takes the running task's pending failure.
pub fn take_failure() -> Option<Failure> {
    with(|s| {
        let t = s.current?;
        s.task_mut(t)?.pending.take()
    })
}

/// The future the running task settles (`None` for `main`).
pub fn current_future() -> Option<Rc<FutureCell>> {
    with(|s| {
        let t = s.current?;
        s.task_mut(t)?.future.clone()
    })
}

/// A token that wakes the running task from its next suspension.
pub fn prepare_wait() -> WaitToken {
    let task = current_or_die();
    with(|s| {
        let epoch = s.task_mut(task).map_or(0, |t| t.epoch);
        WaitToken { task, epoch }
    })
}

/// Registers what to undo if the running task is cancelled during its next
/// suspension.
pub fn set_cleanup(cleanup: WaitCleanup) {
    let task = current_or_die();
    with(|s| {
        if let Some(t) = s.task_mut(task) {
            t.cleanup = cleanup;
        }
    });
}

/// Whether `token` would still wake its task (it is suspended in that
/// epoch): a channel skips receivers that were cancelled.
pub fn is_waiting(token: WaitToken) -> bool {
    with(|s| {
        s.task_mut(token.task)
            .is_some_and(|t| t.state == State::Suspended && t.epoch == token.epoch)
    })
}

/// Wakes the task of `token` if it still waits in that epoch: appends it to
/// the ready queue. Returns whether it was woken.
pub fn wake(token: WaitToken) -> bool {
    make_ready(token, false)
}

/// Makes the task of `token` ready if it still waits in that epoch, at the
/// back of the queue or (`next`) at its front.
fn make_ready(token: WaitToken, next: bool) -> bool {
    with(|s| {
        let Some(t) = s.task_mut(token.task) else {
            return false;
        };
        if t.state != State::Suspended || t.epoch != token.epoch {
            return false;
        }
        t.state = State::Ready;
        if next {
            s.ready.push_front(token.task);
        } else {
            s.ready.push_back(token.task);
        }
        true
    })
}

/// [`wake`], but the task runs next, before anything already ready: a
/// hand-over between a `handle`'s body and its driver is not a scheduling
/// point.
pub fn wake_next(token: WaitToken) -> bool {
    make_ready(token, true)
}

/// Suspends the running task until a [`wake`] with a token from
/// [`prepare_wait`]. Fails with `cancelled` when the task was cancelled
/// while running.
pub fn suspend() {
    let me = current_or_die();
    with(|s| {
        if let Some(t) = s.task_mut(me) {
            t.state = State::Suspended;
        }
    });
    switch_out();
}

/// `sleep(0)`: back of the ready queue.
pub fn yield_now() {
    let me = current_or_die();
    with(|s| {
        s.ready.push_back(me);
        if let Some(t) = s.task_mut(me) {
            t.state = State::Ready;
        }
    });
    switch_out();
}

/// Yields to the loop; on resumption, starts a new epoch and honours a
/// pending self-cancellation.
fn switch_out() {
    let me = current_or_die();
    check_self_cancel(me);
    let yielder = YIELDER.with(|y| y.get());
    // Each task has its own guard depth (the runtime call it suspended in).
    let depth = crate::errors::guard_depth();
    // SAFETY: set by this task's coroutine on entry; the yielder lives on this
    // task's stack, which is the stack we are running on.
    unsafe { (*yielder).suspend(Suspended) };
    // Other tasks overwrote the slot while we were suspended.
    YIELDER.with(|y| y.set(yielder));
    crate::errors::set_guard_depth(depth);
    with(|s| {
        if let Some(t) = s.task_mut(me) {
            t.epoch += 1;
        }
    });
    // Cancelled while suspended: fail here (`cancel` resumed us).
    check_self_cancel(me);
}

/// Whether the running task is being cancelled (its failure is the
/// cancellation, which `try` does not catch).
pub fn current_cancelled() -> bool {
    with(|s| {
        s.current
            .and_then(|t| s.task_mut(t))
            .is_some_and(|t| t.cancel_requested)
    })
}

fn check_self_cancel(me: TaskRef) {
    let cancelled = with(|s| s.task_mut(me).is_some_and(|t| t.cancel_requested));
    if cancelled {
        // SAFETY: no location: the failure is the cancellation itself.
        unsafe { crate::errors::fail_current_task("cancelled", std::ptr::null()) }
    }
}

/// Cancels the task `t` (async.md §6, §9). A task that has not started is
/// removed and its future settles with `cancelled`. A suspended (or woken,
/// not yet resumed) task first has the branches of the form it waits on
/// cancelled, in source order, and what it registered undone; then it is
/// resumed here, failing with `cancelled` at its suspension point, and
/// runs its cleanup to the end before `cancel` returns. The running task
/// itself fails at its next suspension point. A finished task: no effect.
pub fn cancel(t: TaskRef) {
    if current_task() == Some(t) {
        with(|s| {
            if let Some(task) = s.task_mut(t) {
                task.cancel_requested = true;
            }
        });
        return;
    }
    let found = with(|s| {
        s.task_mut(t)
            .filter(|task| task.state != State::Running && !task.cancel_requested)
            .map(|task| {
                task.cancel_requested = true;
                let started = task.coroutine.as_ref().is_some_and(|c| c.started());
                (std::mem::take(&mut task.cleanup), started)
            })
    });
    let Some((cleanup, started)) = found else {
        return;
    };
    for branch in cleanup.branches.iter() {
        branch.cancel();
    }
    if let Some(timer) = cleanup.timer {
        crate::timers::forget(timer);
    }
    if let Some(undo) = cleanup.on_cancel {
        undo();
    }
    if !started {
        let Some(task) = with(|s| s.free_slot(t)) else {
            return;
        };
        if let Some(future) = &task.future {
            future.fail(Rc::new(Failure::new("cancelled".to_string(), None)));
        }
        let mut coroutine = task.coroutine.expect("a waiting task has its coroutine");
        // Not started: dropping the body releases what it captured.
        coroutine.force_unwind();
        with(|s| s.pool.release(coroutine.into_stack()));
        return;
    }
    resume_to_finish(t);
}

/// Resumes the cancelled task `t` from the running code (a task or the
/// loop) until it has finished unwinding, then puts the caller's context
/// back.
fn resume_to_finish(t: TaskRef) {
    let (caller, caller_limit) = with(|s| (s.current, s.current_limit()));
    let caller_guard = crate::overflow::current_guard();
    let depth = crate::errors::guard_depth();
    let yielder = YIELDER.with(|y| y.get());
    let (mut coroutine, limit, guard) = enter(t);
    overflow::enter_stack(limit, guard);
    crate::errors::set_guard_depth(0);
    let outcome = coroutine.resume(());
    overflow::enter_stack(caller_limit, caller_guard);
    YIELDER.with(|y| y.set(yielder));
    crate::errors::set_guard_depth(depth);
    with(|s| s.current = caller);
    match outcome {
        CoroutineResult::Return(()) => finish(t, coroutine),
        CoroutineResult::Yield(Suspended) => {
            internal_error("a cancelled task suspended while unwinding")
        }
    }
}

/// Stacks waiting in this thread's pool (for tests and statistics).
pub fn pooled_stacks() -> usize {
    with(|s| s.pool.pooled())
}

/// Tasks alive (for tests).
pub fn live_tasks() -> usize {
    with(|s| s.slots.iter().filter(|slot| slot.task.is_some()).count())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::atomic::Ordering;
    use std::sync::Mutex;

    /// `lm_stack_limit` is process-wide while tests run in parallel threads.
    pub(crate) static SERIAL: Mutex<()> = Mutex::new(());

    #[test]
    fn main_task_runs_on_its_own_stack_with_a_limit() {
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let result = run_main(Box::new(|| {
            let local = 0u8;
            let sp = &local as *const u8 as usize;
            let limit = overflow::lm_stack_limit.load(Ordering::Relaxed);
            assert!(limit != 0 && sp > limit, "the task runs above its limit");
            assert!(sp - limit > MAIN_STACK_SIZE - 2 * overflow::STACK_RESERVE);
            assert!(current_task().is_some());
            fn depth(n: u64) -> u64 {
                let pad = [n; 64];
                if n == 0 {
                    0
                } else {
                    std::hint::black_box(pad)[0] + depth(n - 1) - n + 1
                }
            }
            depth(20_000) as i64 + 3
        }));
        assert_eq!(result, 20_003);
        assert_eq!(overflow::lm_stack_limit.load(Ordering::Relaxed), 0);
        assert!(current_task().is_none());
        assert!(
            pooled_stacks() >= 1,
            "the finished task's stack went back to the pool"
        );
    }

    #[test]
    fn ready_tasks_run_in_fifo_order_and_stacks_are_reused() {
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        set_deterministic(true);
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        let result = run_main(Box::new(move || {
            for name in ["a", "b"] {
                let l = l.clone();
                spawn(
                    Box::new(move || {
                        l.borrow_mut().push(format!("{name}1"));
                        yield_now();
                        l.borrow_mut().push(format!("{name}2"));
                    }),
                    FutureCell::new_pending(crate::typedesc::test_descs::int()),
                );
            }
            l.borrow_mut().push("main1".into());
            yield_now();
            l.borrow_mut().push("main2".into());
            yield_now();
            l.borrow_mut().push("main3".into());
            7
        }));
        set_deterministic(false);
        assert_eq!(result, 7);
        assert_eq!(
            *log.borrow(),
            ["main1", "a1", "b1", "main2", "a2", "b2", "main3"]
        );
    }

    #[test]
    fn eager_spawn_runs_the_child_first_and_cancel_frees_the_slot() {
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        let before = live_tasks();
        run_main(Box::new(move || {
            let l2 = l.clone();
            let future = FutureCell::new_pending(crate::typedesc::test_descs::int());
            let settles = future.clone();
            let child = spawn(
                Box::new(move || {
                    l2.borrow_mut().push("child1");
                    let token = prepare_wait();
                    let _ = token;
                    // As an exported runtime function suspends: under a
                    // guard, which turns the cancellation into the flag.
                    crate::errors::guard(suspend);
                    if crate::errors::is_failing() {
                        l2.borrow_mut().push("child unwinds");
                        settles.fail(Rc::new(crate::errors::take_pending_failure()));
                        return;
                    }
                    l2.borrow_mut().push("never");
                }),
                future.clone(),
            );
            l.borrow_mut().push("parent");
            cancel(child);
            assert!(future.is_failed());
            0
        }));
        assert_eq!(*log.borrow(), ["child1", "parent", "child unwinds"]);
        assert_eq!(live_tasks(), before);
    }
}
