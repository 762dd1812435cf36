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
//! `main` runs on a stack of its own; every spawned task runs on the one
//! shared stack ([`crate::shared_stack`]), its bytes copied out while
//! another task has it.
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
//! returns (async.md §9) — unless a `defer` block suspends: then `cancel`
//! returns there, and the task finishes unwinding when it is resumed. The
//! failure is delivered once; the suspension points of its `defer` blocks
//! suspend as usual. A task in the middle of an eager `spawn`
//! ([`State::Spawning`]) is running, not suspended: cancelling it only
//! marks it, and it fails at its next suspension point.
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
use crate::shared_stack::{self, SharedStack, StackImage, StackView};
use crate::stack::{StackPool, TaskStack};

/// Usable stack of the `main` task: 64 MiB of address space, committed lazily.
pub const MAIN_STACK_SIZE: usize = 64 << 20;

/// Usable stack of a spawned task: the shared stack's size.
pub const TASK_STACK_SIZE: usize = shared_stack::SHARED_STACK_SIZE;

/// Stack for stepping off the shared stack while a task running on it
/// resumes another one ([`resume_to_finish`]): runtime code only.
const STEP_ASIDE_STACK_SIZE: usize = 256 * 1024;

/// What the `main` task's body returns: the exit status.
pub type TaskResult = i64;

/// What a task's coroutine yields to the loop: it suspended at a
/// suspension point; resume it when woken.
pub struct Suspended;

type TaskCoroutine = Coroutine<(), Suspended, (), RunStack>;

/// The stack a task's coroutine runs on: `main`'s own, or the shared one
/// ([`crate::shared_stack`]) for every spawned task.
enum RunStack {
    Own(TaskStack),
    Shared(StackView),
}

// SAFETY: both variants describe a live, aligned mapping whose limit
// includes its guard region.
unsafe impl corosensei::stack::Stack for RunStack {
    fn base(&self) -> corosensei::stack::StackPointer {
        match self {
            RunStack::Own(s) => s.base(),
            RunStack::Shared(v) => v.base(),
        }
    }

    fn limit(&self) -> corosensei::stack::StackPointer {
        match self {
            RunStack::Own(s) => s.limit(),
            RunStack::Shared(v) => v.limit(),
        }
    }
}

/// A coroutine that publishes its yielder, then runs `body`.
fn task_coroutine(stack: RunStack, body: Box<dyn FnOnce()>) -> TaskCoroutine {
    Coroutine::with_stack(stack, move |yielder: &Yielder<(), Suspended>, ()| {
        YIELDER.with(|y| y.set(yielder));
        body()
    })
}

/// A task, by slab index and generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TaskRef {
    index: u32,
    generation: u32,
}

impl TaskRef {
    #[cfg(test)]
    pub(crate) fn for_tests(index: u32) -> TaskRef {
        TaskRef {
            index,
            generation: 0,
        }
    }
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
    /// In the ready queue right behind the task it spawned, which runs
    /// first: still running as far as cancellation goes, since `spawn` is
    /// not a suspension point (async.md §1, §6).
    Spawning,
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
    pub on_cancel: Option<Rc<dyn Undo>>,
}

/// What a suspended operation undoes when its task is cancelled. Shared
/// (`Rc`) so that the operation's own waiting state can be its undo: a
/// receiver's mailbox is one allocation, not a mailbox and a closure.
pub trait Undo {
    fn undo(&self);
}

/// An [`Undo`] that runs `f`.
pub fn undo_with(f: impl FnOnce() + 'static) -> Rc<dyn Undo> {
    struct Once<F>(Cell<Option<F>>);
    impl<F: FnOnce()> Undo for Once<F> {
        fn undo(&self) {
            if let Some(f) = self.0.take() {
                f();
            }
        }
    }
    Rc::new(Once(Cell::new(Some(f))))
}

struct Task {
    /// `None` for a spawned task that has not started.
    coroutine: Option<TaskCoroutine>,
    /// A spawned task not started yet: its body. Its coroutine is made on
    /// the shared stack when it first runs, when the stack is its own.
    body: Option<Box<dyn FnOnce()>>,
    /// Runs on the shared stack (every task but `main`).
    shared: bool,
    /// The lowest address its last switch away may have written (shared
    /// tasks): where its bytes start when they are copied out.
    switch_floor: usize,
    /// Its bytes while another task has the shared stack.
    image: StackImage,
    /// Value for `lm_stack_limit` while this task runs.
    stack_limit: usize,
    /// Guard region below the task's stack.
    guard: (usize, usize),
    state: State,
    /// Counts suspensions; a [`WaitToken`] is valid for one epoch.
    epoch: u64,
    /// The future this task settles (`None` for `main`).
    future: Option<Rc<FutureCell>>,
    /// Set for the current suspension by [`set_cleanup`] (most suspensions
    /// have nothing to undo, and an empty one would allocate). Boxed, like
    /// `pending`, to keep the slot small: the scheduler touches the slots of
    /// 100,000 suspended tasks in turn, and each cache line of a slot is a
    /// miss.
    cleanup: Option<Box<WaitCleanup>>,
    /// Cancelled: by `cancel()` of the running task itself (it fails at its
    /// next suspension point), or while suspended (it was resumed with the
    /// failure). A second `cancel()` does nothing.
    cancel_requested: bool,
    /// The failure `cancelled` has been raised in the task: its `defer`
    /// blocks may suspend as usual while it unwinds (async.md §9).
    cancel_delivered: bool,
    /// The failure propagating through the task's frames.
    pending: Option<Box<Failure>>,
    /// Where the task waits, when the suspending call gave its location:
    /// a deadlock is reported there.
    waiting_at: *const lumen_abi::SourceLoc,
}

struct Slot {
    generation: u32,
    task: Option<Task>,
}

struct Scheduler {
    slots: Vec<Slot>,
    /// The stack spawned tasks run on (mapped at the first spawn).
    shared: Option<SharedStack>,
    free: Vec<u32>,
    ready: VecDeque<TaskRef>,
    pool: StackPool,
    current: Option<TaskRef>,
    main: Option<TaskRef>,
    main_result: Option<TaskResult>,
    deterministic: bool,
    /// Counts tasks put at the front of the ready queue, so that a spawner
    /// that ran its child nested ([`run_child_here`]) knows how many must
    /// still run before it.
    front_pushes: usize,
}

thread_local! {
    static SCHEDULER: RefCell<ManuallyDrop<Scheduler>> = const {
        RefCell::new(ManuallyDrop::new(Scheduler {
            slots: Vec::new(),
            shared: None,
            free: Vec::new(),
            ready: VecDeque::new(),
            pool: StackPool::new(),
            current: None,
            main: None,
            main_result: None,
            deterministic: false,
            front_pushes: 0,
        }))
    };
    /// The running task's yielder (it lives on that task's stack).
    static YIELDER: Cell<*const Yielder<(), Suspended>> = const { Cell::new(std::ptr::null()) };
    /// The switch floor of the task that last switched away (see
    /// [`note_switch_floor`]); [`run`] files it with the task.
    static SWITCH_FLOOR: Cell<usize> = const { Cell::new(0) };
}

fn with<R>(f: impl FnOnce(&mut Scheduler) -> R) -> R {
    SCHEDULER.with(|s| f(&mut s.borrow_mut()))
}

impl Scheduler {
    /// The next task of the ready queue that is still ready (entries of
    /// tasks since cancelled or freed are dropped).
    fn pop_ready(&mut self) -> Option<TaskRef> {
        while let Some(t) = self.ready.pop_front() {
            let ready = |task: &mut Task| matches!(task.state, State::Ready | State::Spawning);
            if self.task_mut(t).is_some_and(ready) {
                return Some(t);
            }
        }
        None
    }

    /// Puts `t` at the front of the ready queue: it runs next.
    fn push_front(&mut self, t: TaskRef) {
        self.ready.push_front(t);
        self.front_pushes = self.front_pushes.wrapping_add(1);
    }

    /// The stack limit of the running task (0 on the loop's own stack).
    fn current_limit(&mut self) -> usize {
        match self.current {
            Some(t) => self.task_mut(t).map_or(0, |task| task.stack_limit),
            None => 0,
        }
    }

    fn task_mut(&mut self, t: TaskRef) -> Option<&mut Task> {
        task_in(&mut self.slots, t)
    }

    fn shared_stack(&mut self) -> &mut SharedStack {
        self.shared.get_or_insert_with(|| {
            SharedStack::new()
                .unwrap_or_else(|e| internal_error(&format!("cannot map the task stack: {e}")))
        })
    }

    /// Makes the shared stack hold `t`'s bytes: copies the occupant's out
    /// (it is suspended) and `t`'s back in.
    fn claim_shared_stack(&mut self, t: TaskRef) {
        let Scheduler { slots, shared, .. } = self;
        let shared = shared.as_mut().expect("a shared task was created");
        let occupant = shared.occupant();
        if occupant == Some(t) {
            return;
        }
        if let Some(o) = occupant {
            let task = task_in(slots, o).expect("the occupant is alive");
            shared.save(task.switch_floor, &mut task.image);
        }
        let task = task_in(slots, t).expect("claimed by a live task");
        shared.restore(t, &mut task.image);
    }
}

impl Scheduler {
    /// Starts loading what the next ready tasks will touch: the slot of the
    /// one after next, and the stack image of the next (its slot was
    /// prefetched a turn ago). With 100,000 tasks taking turns, every slot
    /// and image is cold by the time its task runs again, and waiting for
    /// each miss in turn was a large part of a task switch.
    fn prefetch_ready(&mut self) {
        if let Some(&after_next) = self.ready.get(1) {
            if let Some(slot) = self.slots.get(after_next.index as usize) {
                let at: *const Slot = slot;
                for line in 0..std::mem::size_of::<Slot>().div_ceil(64) {
                    crate::pool::prefetch(at.cast::<u8>().wrapping_add(line * 64));
                }
            }
        }
        if let Some(&next) = self.ready.front() {
            if let Some(task) = self.task_mut(next) {
                task.image.prefetch();
            }
        }
    }
}

fn task_in(slots: &mut [Slot], t: TaskRef) -> Option<&mut Task> {
    let slot = slots.get_mut(t.index as usize)?;
    if slot.generation != t.generation {
        return None;
    }
    slot.task.as_mut()
}

impl Scheduler {
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
        let (coroutine, body, stack_limit, guard) = if main {
            let stack = s
                .pool
                .acquire(MAIN_STACK_SIZE)
                .unwrap_or_else(|e| internal_error(&format!("cannot map a task stack: {e}")));
            let limit = overflow::limit_for(stack.bottom(), stack.size());
            let guard = stack.guard_range();
            (
                Some(task_coroutine(RunStack::Own(stack), body)),
                None,
                limit,
                guard,
            )
        } else {
            let stack = s.shared_stack().stack();
            let limit = overflow::limit_for(stack.bottom(), stack.size());
            (None, Some(body), limit, stack.guard_range())
        };
        let task = Task {
            coroutine,
            body,
            shared: !main,
            switch_floor: 0,
            image: StackImage::default(),
            stack_limit,
            guard,
            state: State::Ready,
            epoch: 0,
            future,
            cleanup: None,
            cancel_requested: false,
            cancel_delivered: false,
            pending: None,
            waiting_at: std::ptr::null(),
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
    /// How the child starts.
    enum Start {
        Queued,
        /// From a spawner with a stack of its own.
        Nested {
            spawner: TaskRef,
            fronts: usize,
        },
        ThroughTheLoop,
    }
    let start = with(|s| match s.current {
        Some(me) if !s.deterministic => {
            if s.task_mut(me).is_some_and(|task| !task.shared) {
                Start::Nested {
                    spawner: me,
                    fronts: s.front_pushes,
                }
            } else {
                Start::ThroughTheLoop
            }
        }
        _ => {
            s.ready.push_back(t);
            Start::Queued
        }
    });
    match start {
        Start::Queued => {}
        Start::Nested { spawner, fronts } => run_child_here(t, spawner, fronts),
        Start::ThroughTheLoop => run_next_then_me(t),
    }
    t
}

/// Creates a task that settles `future` and runs next, before anything
/// already ready, whatever the scheduling mode: the body of a `handle`
/// (`crate::effects`), which takes over from its driver at once.
pub fn start_next(body: Box<dyn FnOnce()>, future: Rc<FutureCell>) -> TaskRef {
    let t = create(body, false, Some(future.clone()));
    future.set_task(t);
    with(|s| s.push_front(t));
    t
}

/// Puts `child` at the front of the ready queue and the running task right
/// behind it, then suspends: the child runs to its first suspension, then
/// the spawner resumes.
fn run_next_then_me(child: TaskRef) {
    let me = current_or_die();
    with(|s| {
        s.push_front(me);
        s.push_front(child);
        if let Some(t) = s.task_mut(me) {
            t.state = State::Spawning;
        }
    });
    // Not a suspension point: a cancellation is not delivered here.
    switch_away(me, false);
}

/// [`run_next_then_me`] for a spawner with a stack of its own (`main`):
/// the child runs nested, resumed from here, until it first suspends or
/// finishes, and then the spawner goes on. That is what the loop would do,
/// without the spawner's two switches and two trips through the loop. A
/// task the child put at the front of the ready queue meanwhile (one it
/// spawned, with itself right behind, or a `handle` body) would run before
/// the spawner too: then the spawner queues behind those and suspends.
fn run_child_here(child: TaskRef, me: TaskRef, fronts: usize) {
    resume_here(child);
    let ahead = with(|s| s.front_pushes.wrapping_sub(fronts));
    if ahead > 0 {
        with(|s| {
            let at = ahead.min(s.ready.len());
            s.ready.insert(at, me);
            if let Some(t) = s.task_mut(me) {
                t.state = State::Spawning;
            }
        });
        switch_away(me, false);
    }
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
    /// What the loop does next.
    enum Turn {
        Done(TaskResult),
        Run(TaskRef),
        Idle,
    }
    loop {
        // One borrow of the scheduler per turn: this runs once per switch.
        let turn = with(|s| {
            if let Some(status) = s.main_result.take() {
                // The remaining tasks are dropped with the process; forget
                // the queue so a later `run_main` (tests) starts clean.
                s.ready.clear();
                s.main = None;
                return Turn::Done(status);
            }
            match s.pop_ready() {
                Some(t) => {
                    s.prefetch_ready();
                    Turn::Run(t)
                }
                None => Turn::Idle,
            }
        });
        match turn {
            Turn::Done(status) => return status,
            Turn::Run(t) => run(t),
            Turn::Idle => {
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

/// Every task is waiting and nothing can wake one: `main` fails, at the
/// call it waits in.
fn deadlock() {
    let at = with(|s| {
        s.main
            .and_then(|m| s.task_mut(m))
            .map_or(std::ptr::null(), |t| t.waiting_at)
    });
    // SAFETY: null or a location compiled code passed, which lives as long
    // as the program.
    let loc = unsafe { crate::errors::Location::read(at) };
    crate::errors::report_and_exit(&Failure::new(
        "deadlock: every task is waiting and nothing can wake one".to_string(),
        loc,
    ));
}

/// Makes the waiting task `t` the running one; its coroutine, stack limit
/// and guard region, for resuming it.
fn enter(t: TaskRef) -> (TaskCoroutine, usize, (usize, usize)) {
    let (coroutine, limit, guard, old_cleanup) = with(|s| {
        s.current = Some(t);
        if s.task_mut(t).expect("a waiting task is alive").shared {
            s.claim_shared_stack(t);
        }
        let view = s.shared.as_ref().map(|shared| shared.view());
        let task = s.task_mut(t).expect("a waiting task is alive");
        task.state = State::Running;
        let coroutine = match task.coroutine.take() {
            Some(c) => c,
            None => {
                // First run: the shared stack is this task's now.
                let body = task.body.take().expect("a new task has its body");
                task_coroutine(RunStack::Shared(view.expect("shared stack")), body)
            }
        };
        (coroutine, task.stack_limit, task.guard, task.cleanup.take())
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
    after_resume(t, None, outcome, coroutine);
}

/// After `t`'s coroutine gave control back: `current` becomes `caller`
/// again, and a suspended `t` keeps its coroutine (one borrow), a finished
/// one is freed. Whether `t` finished.
fn after_resume(
    t: TaskRef,
    caller: Option<TaskRef>,
    outcome: CoroutineResult<Suspended, ()>,
    coroutine: TaskCoroutine,
) -> bool {
    match outcome {
        CoroutineResult::Yield(Suspended) => {
            with(|s| {
                s.current = caller;
                if let Some(task) = s.task_mut(t) {
                    task.coroutine = Some(coroutine);
                    task.switch_floor = SWITCH_FLOOR.with(|f| f.get());
                }
            });
            false
        }
        CoroutineResult::Return(()) => {
            with(|s| s.current = caller);
            finish(t, coroutine);
            true
        }
    }
}

fn finish(t: TaskRef, coroutine: TaskCoroutine) {
    let task = with(|s| {
        match coroutine.into_stack() {
            RunStack::Own(stack) => s.pool.release(stack),
            RunStack::Shared(_) => {
                let shared = s.shared_stack();
                if shared.occupant() == Some(t) {
                    shared.set_occupant(None);
                }
            }
        }
        let mut task = s.free_slot(t);
        if let Some(task) = &mut task {
            let image = std::mem::take(&mut task.image);
            s.shared_stack().recycle(image);
        }
        task
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
            task.pending = Some(Box::new(failure));
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
            .and_then(|t| t.pending.as_deref_mut())
        {
            f(failure);
        }
    });
}

/// Takes the running task's pending failure.
pub fn take_failure() -> Option<Failure> {
    with(|s| {
        let t = s.current?;
        s.task_mut(t)?.pending.take().map(|f| *f)
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
            t.cleanup = Some(Box::new(cleanup));
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
            s.push_front(token.task);
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

/// [`suspend`], noting the location of the call that waits (null if
/// unknown) for a deadlock report.
pub fn suspend_at(loc: *const lumen_abi::SourceLoc) {
    let me = current_or_die();
    with(|s| {
        if let Some(t) = s.task_mut(me) {
            t.waiting_at = loc;
        }
    });
    suspend();
    with(|s| {
        if let Some(t) = s.task_mut(me) {
            t.waiting_at = std::ptr::null();
        }
    });
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
    // One borrow before and one after: this runs at every suspension.
    let (me, cancelled) = with(|s| {
        let me = s.current?;
        Some((me, s.task_mut(me).is_some_and(deliver_cancel)))
    })
    .unwrap_or_else(|| internal_error("suspension outside of a task"));
    if cancelled {
        fail_cancelled();
    }
    if switch_away(me, true) {
        // Cancelled while suspended: fail here (`cancel` resumed us).
        fail_cancelled();
    }
}

/// Whether a cancellation of `task` is to be raised now, at a suspension
/// point: once (its `defer` blocks may suspend afterwards).
fn deliver_cancel(task: &mut Task) -> bool {
    let now = task.cancel_requested && !task.cancel_delivered;
    task.cancel_delivered |= now;
    now
}

/// Yields to the loop (or to whoever resumed the running task `me`); on
/// resumption starts a new epoch. At a suspension point (`deliver`),
/// whether a cancellation is to be raised now.
fn switch_away(me: TaskRef, deliver: bool) -> bool {
    note_switch_floor();
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
        s.task_mut(me).is_some_and(|t| {
            t.epoch += 1;
            deliver && deliver_cancel(t)
        })
    })
}

/// Records how far down the running task's coming switch may write (its
/// bytes are copied from there if another task takes the shared stack).
/// Inlined, so the stack pointer it reads is the switching function's.
#[inline(always)]
fn note_switch_floor() {
    SWITCH_FLOOR.with(|f| f.set(shared_stack::switch_floor()));
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

/// Fails the running task with `cancelled` at a suspension point. Out of
/// line: `switch_out`'s frame stays under every suspended task.
#[cold]
#[inline(never)]
fn fail_cancelled() -> ! {
    // SAFETY: no location: the failure is the cancellation itself.
    unsafe { crate::errors::fail_current_task("cancelled", std::ptr::null()) }
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
        let task = s.task_mut(t)?;
        if task.state == State::Spawning {
            // Running, in the middle of a `spawn`: it fails at its next
            // suspension point.
            task.cancel_requested = true;
            return None;
        }
        Some(task)
            .filter(|task| task.state != State::Running && !task.cancel_requested)
            .map(|task| {
                task.cancel_requested = true;
                // A spawned task gets its coroutine when it first runs.
                let started = task.coroutine.as_ref().is_some_and(|c| c.started());
                (task.cleanup.take().map(|c| *c).unwrap_or_default(), started)
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
        undo.undo();
    }
    if !started {
        let Some(task) = with(|s| s.free_slot(t)) else {
            return;
        };
        if let Some(future) = &task.future {
            future.fail(Rc::new(Failure::new("cancelled".to_string(), None)));
        }
        // Not started: dropping the body releases what it captured.
        drop(task);
        return;
    }
    resume_to_finish(t);
}

/// Resumes the cancelled task `t` from the running code (a task or the
/// loop) until it has finished unwinding (or a `defer` block of it
/// suspended), then puts the caller's context back. A caller on the shared stack steps aside onto a stack of its own
/// first: `t` needs the shared stack, so the caller's bytes are copied out
/// while `t` runs and back in before the caller goes on.
fn resume_to_finish(t: TaskRef) {
    let me = current_task();
    let on_shared = with(|s| {
        me.and_then(|m| s.task_mut(m))
            .is_some_and(|task| task.shared)
    });
    let Some(me) = me.filter(|_| on_shared) else {
        return resume_to_finish_here(t);
    };
    let floor = shared_stack::step_aside_floor();
    with(|s| {
        if let Some(task) = s.task_mut(me) {
            task.switch_floor = floor;
        }
    });
    let aside = with(|s| s.pool.acquire(STEP_ASIDE_STACK_SIZE))
        .unwrap_or_else(|e| internal_error(&format!("cannot map a task stack: {e}")));
    // `move`: while `t` runs, this frame's bytes are not on the stack, so
    // the closure may use only what it carries.
    corosensei::on_stack(StackView::of(&aside), move || {
        resume_to_finish_here(t);
        with(|s| s.claim_shared_stack(me));
    });
    with(|s| s.pool.release(aside));
}

/// [`resume_to_finish`] from a stack other than the shared one.
fn resume_to_finish_here(t: TaskRef) {
    // Whether it finished or suspended in a `defer` block (it then finishes
    // unwinding when it is resumed), the canceller goes on — but an eager
    // `spawn` in a `defer` block is not a suspension: the tasks `t` put in
    // front of itself (the child, and what that spawned) run here, as the
    // loop would run them, and then `t` goes on.
    resume_here(t);
    while with(|s| {
        s.task_mut(t)
            .is_some_and(|task| task.state == State::Spawning)
    }) {
        match with(Scheduler::pop_ready) {
            Some(front) => {
                resume_here(front);
            }
            None => internal_error("a spawning task is not in the ready queue"),
        }
    }
}

/// Resumes `t` from the running code (not on the shared stack), nested,
/// until it suspends or finishes, then puts the caller's context back.
/// Whether `t` finished.
fn resume_here(t: TaskRef) -> bool {
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
    after_resume(t, caller, outcome, coroutine)
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

    /// Writes `depth` frames of a pattern below the caller: clobbers
    /// whatever a suspended task left on the shared stack.
    fn clobber(depth: u32) -> u64 {
        let pad = [0xdead_beef_u64 + u64::from(depth); 32];
        if depth == 0 {
            return 0;
        }
        std::hint::black_box(&pad)[3] % 2 + clobber(depth - 1)
    }

    #[test]
    fn switch_stays_within_the_margin() {
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        run_main(Box::new(|| {
            // Map the shared stack and paint its top 64 KiB.
            let (top, painted) = with(|s| {
                let top = s.shared_stack().stack().top();
                (top, top - 64 * 1024)
            });
            // SAFETY: inside the shared stack's mapping; no task is on it.
            unsafe { std::ptr::write_bytes(painted as *mut u8, 0xa5, 64 * 1024) };
            let future = FutureCell::new_pending(crate::typedesc::test_descs::int());
            let t = spawn(Box::new(yield_now), future);
            // The task suspended at once (eager start); its bytes are on
            // the stack, the rest is paint.
            let lowest = (painted..top)
                // SAFETY: inside the mapping.
                .find(|&a| unsafe { *(a as *const u8) } != 0xa5)
                .expect("the task wrote its frames");
            let floor = with(|s| s.task_mut(t).map(|task| task.switch_floor)).expect("alive");
            let below = (floor + shared_stack::SWITCH_MARGIN).saturating_sub(lowest);
            eprintln!("the switch wrote {below} bytes below the stack pointer");
            // Room to spare, in case the switch grows a little.
            const SPARE: usize = 32;
            assert!(
                lowest >= floor + SPARE,
                "the switch wrote {below} bytes below the switching function's stack pointer \
                 (margin {})",
                shared_stack::SWITCH_MARGIN
            );
            yield_now();
            0
        }));
    }

    #[test]
    fn tasks_keep_their_frames_while_others_use_the_shared_stack() {
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        run_main(Box::new(move || {
            let mut futures = Vec::new();
            for k in 0..4u64 {
                let l = l.clone();
                let future = FutureCell::new_pending(crate::typedesc::test_descs::int());
                futures.push(future.clone());
                spawn(
                    Box::new(move || {
                        let mine = std::hint::black_box([k * 1000; 16]);
                        for round in 0..3 {
                            yield_now();
                            // Others ran deep on the same stack meanwhile.
                            clobber(200);
                            assert_eq!(std::hint::black_box(mine), [k * 1000; 16]);
                            l.borrow_mut().push((k, round));
                        }
                    }),
                    future,
                );
            }
            for _ in 0..5 {
                yield_now();
            }
            0
        }));
        assert_eq!(log.borrow().len(), 12);
    }

    #[test]
    fn a_task_on_the_shared_stack_cancels_another() {
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        run_main(Box::new(move || {
            let l2 = l.clone();
            let victim_future = FutureCell::new_pending(crate::typedesc::test_descs::int());
            let victim = spawn(
                Box::new(move || {
                    crate::errors::guard(suspend);
                    if crate::errors::is_failing() {
                        // Unwinding runs deep on the shared stack.
                        clobber(300);
                        l2.borrow_mut().push("victim unwinds");
                        drop(crate::errors::take_pending_failure());
                    }
                }),
                victim_future.clone(),
            );
            let l3 = l.clone();
            let killer_future = FutureCell::new_pending(crate::typedesc::test_descs::int());
            spawn(
                Box::new(move || {
                    let mine = std::hint::black_box([77u64; 16]);
                    cancel(victim);
                    assert_eq!(std::hint::black_box(mine), [77u64; 16]);
                    l3.borrow_mut().push("killer goes on");
                    yield_now();
                    l3.borrow_mut().push("killer resumed");
                }),
                killer_future,
            );
            yield_now();
            yield_now();
            0
        }));
        assert_eq!(
            *log.borrow(),
            ["victim unwinds", "killer goes on", "killer resumed"]
        );
    }
}
