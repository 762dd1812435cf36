//! The task scheduler: every piece of Lumen code runs in a task on its own
//! stackful coroutine (async.md §1), `main` first.
//!
//! Today only `main` is ever spawned by the C entry, but the shape is the one
//! spawn/await need: a table of tasks, a FIFO run queue of ready tasks, a
//! loop that resumes the next ready task on its own stack, and
//! [`yield_now`] that suspends the running task back to the loop. Nothing
//! assumes a single stack: the stack limit and guard range are switched with
//! every task.
//!
//! What comes next (async.md §3–§6): a task result becomes a Lumen value and
//! a future state (`Pending`/`Completed`/`Error`); `await` on a pending future
//! records the awaiter and suspends without re-queueing; completion wakes the
//! awaiters; eager `spawn` resumes the child at once; timers and I/O wake
//! tasks from the loop when the run queue is empty; cancellation resumes a
//! suspended task with a failure that unwinds it (generated frames carry
//! `.eh_frame` for that).
//!
//! The scheduler state is thread-local (one scheduler per thread; only the
//! main thread runs one today) and wrapped in `ManuallyDrop`: at exit the
//! process ends without unwinding suspended tasks.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::mem::ManuallyDrop;

use corosensei::{Coroutine, CoroutineResult, Yielder};

use crate::errors::internal_error;
use crate::overflow;
use crate::stack::{StackPool, TaskStack};

/// Usable stack of the `main` task: 64 MiB of address space, committed lazily.
pub const MAIN_STACK_SIZE: usize = 64 << 20;

/// Usable stack of a spawned task (to be tuned with spawn; lazily committed).
pub const TASK_STACK_SIZE: usize = 1 << 20;

/// Index of a task in the scheduler's table.
pub type TaskId = usize;

/// What a task's body returns: the `main` task's exit status.
pub type TaskResult = i64;

type TaskCoroutine = Coroutine<(), (), TaskResult, TaskStack>;

/// A task: its coroutine and the bounds the overflow checks need.
pub struct Task {
    pub id: TaskId,
    coroutine: TaskCoroutine,
    /// Value for `lm_stack_limit` while this task runs.
    stack_limit: usize,
    /// Guard region below the task's stack.
    guard: (usize, usize),
}

/// A slot of the task table.
enum Slot {
    /// Ready or suspended, waiting in the table.
    Waiting(Task),
    /// Taken out by the loop while it runs.
    Running,
    /// Finished with a result.
    Done(TaskResult),
}

struct Scheduler {
    tasks: Vec<Slot>,
    run_queue: VecDeque<TaskId>,
    pool: StackPool,
    current: Option<TaskId>,
}

thread_local! {
    static SCHEDULER: RefCell<ManuallyDrop<Scheduler>> = const {
        RefCell::new(ManuallyDrop::new(Scheduler {
            tasks: Vec::new(),
            run_queue: VecDeque::new(),
            pool: StackPool::new(),
            current: None,
        }))
    };
    /// The running task's yielder (it lives on that task's stack).
    static YIELDER: Cell<*const Yielder<(), ()>> = const { Cell::new(std::ptr::null()) };
}

fn with<R>(f: impl FnOnce(&mut Scheduler) -> R) -> R {
    SCHEDULER.with(|s| f(&mut s.borrow_mut()))
}

/// Creates a task running `body` on a pooled stack of `stack_size` usable
/// bytes and makes it ready (at the back of the run queue).
pub fn spawn(body: Box<dyn FnOnce() -> TaskResult>, stack_size: usize) -> TaskId {
    with(|s| {
        let stack = s
            .pool
            .acquire(stack_size)
            .unwrap_or_else(|e| internal_error(&format!("cannot map a task stack: {e}")));
        let stack_limit = overflow::limit_for(stack.bottom(), stack.size());
        let guard = stack.guard_range();
        let coroutine = Coroutine::with_stack(stack, move |yielder: &Yielder<(), ()>, ()| {
            YIELDER.with(|y| y.set(yielder));
            body()
        });
        let id = s.tasks.len();
        s.tasks.push(Slot::Waiting(Task {
            id,
            coroutine,
            stack_limit,
            guard,
        }));
        s.run_queue.push_back(id);
        id
    })
}

/// Runs ready tasks until `target` has finished, and returns its result.
/// Must be called on the scheduler's own stack (not from inside a task).
pub fn run_until_done(target: TaskId) -> TaskResult {
    loop {
        let next = with(|s| {
            if let Some(Slot::Done(v)) = s.tasks.get(target) {
                return Err(*v);
            }
            let id = s.run_queue.pop_front().unwrap_or_else(|| {
                // Later: wait for timers and I/O here; with nothing to wait
                // for, every remaining task is blocked for good.
                internal_error("deadlock: no task is ready to run")
            });
            match std::mem::replace(&mut s.tasks[id], Slot::Running) {
                Slot::Waiting(task) => {
                    s.current = Some(id);
                    Ok(task)
                }
                _ => internal_error("a queued task is not waiting"),
            }
        });
        let mut task = match next {
            Ok(task) => task,
            Err(result) => return result,
        };
        // No scheduler borrow is held while the task runs: it may spawn or
        // yield, which borrow the table themselves.
        overflow::enter_stack(task.stack_limit, task.guard);
        let outcome = task.coroutine.resume(());
        overflow::leave_stack();
        with(|s| {
            s.current = None;
            let id = task.id;
            match outcome {
                CoroutineResult::Yield(()) => s.tasks[id] = Slot::Waiting(task),
                CoroutineResult::Return(result) => {
                    s.tasks[id] = Slot::Done(result);
                    s.pool.release(task.coroutine.into_stack());
                }
            }
        });
    }
}

/// Runs `body` as the first task with the main stack size and drives the
/// scheduler until it finishes; returns its result.
pub fn run_main(body: Box<dyn FnOnce() -> TaskResult>) -> TaskResult {
    let main = spawn(body, MAIN_STACK_SIZE);
    run_until_done(main)
}

/// The running task, if any.
pub fn current_task() -> Option<TaskId> {
    with(|s| s.current)
}

/// Suspends the running task, putting it at the back of the run queue, so the
/// other ready tasks run first (`sleep(0)`).
pub fn yield_now() {
    let id = current_task().unwrap_or_else(|| internal_error("yield outside of a task"));
    with(|s| s.run_queue.push_back(id));
    let yielder = YIELDER.with(|y| y.get());
    // SAFETY: set by this task's coroutine on entry; the yielder lives on this
    // task's stack, which is the stack we are running on.
    unsafe { (*yielder).suspend(()) };
    // Other tasks overwrote the slot while we were suspended.
    YIELDER.with(|y| y.set(yielder));
}

/// Stacks waiting in this thread's pool (for tests and statistics).
pub fn pooled_stacks() -> usize {
    with(|s| s.pool.pooled())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;
    use std::sync::atomic::Ordering;
    use std::sync::Mutex;

    /// `lm_stack_limit` is process-wide while tests run in parallel threads.
    static SERIAL: Mutex<()> = Mutex::new(());

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
            // Deep recursion well within 64 MiB works.
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
                        0
                    }),
                    TASK_STACK_SIZE,
                );
            }
            l.borrow_mut().push("main1".into());
            yield_now();
            l.borrow_mut().push("main2".into());
            yield_now();
            l.borrow_mut().push("main3".into());
            7
        }));
        assert_eq!(result, 7);
        assert_eq!(
            *log.borrow(),
            ["main1", "a1", "b1", "main2", "a2", "b2", "main3"]
        );
        let pooled = pooled_stacks();
        run_main(Box::new(|| {
            let child = spawn(Box::new(|| 1), TASK_STACK_SIZE);
            let _ = child;
            yield_now();
            0
        }));
        assert_eq!(
            pooled_stacks(),
            pooled,
            "every stack came from and went back to the pool"
        );
    }
}
