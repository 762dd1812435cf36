//! The I/O completion path: blocking work (an HTTP request, a file read)
//! runs on a worker thread and wakes its task through a queue the scheduler
//! drains when no task is ready (async.md §1: a tool call is a suspension
//! point; the task waits, the other tasks run).
//!
//! [`run_blocking`] is the one entry point: called from a task, it starts
//! the work on a thread, suspends the task, and returns the work's result
//! when the completion has woken it. The scheduler's loop calls
//! [`wait_until`] / [`wait_for_completion`], which sleep on a condition
//! variable until a completion arrives (or a timer is due), so waiting for
//! I/O costs no CPU. A completion for a task that was cancelled meanwhile
//! carries a stale token and wakes nobody.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::scheduler::{self, WaitToken};

struct Completions {
    /// Tokens of finished work, in completion order.
    done: Vec<WaitToken>,
    /// Work started and not yet drained.
    in_flight: usize,
}

/// The completion queue of one scheduler (one per thread that runs tasks:
/// a token means something only to the scheduler that made it), shared
/// with the worker threads of its work.
struct Queue {
    completions: Mutex<Completions>,
    signal: Condvar,
}

thread_local! {
    static QUEUE: Arc<Queue> = Arc::new(Queue {
        completions: Mutex::new(Completions {
            done: Vec::new(),
            in_flight: 0,
        }),
        signal: Condvar::new(),
    });
}

fn queue() -> Arc<Queue> {
    QUEUE.with(Arc::clone)
}

impl Queue {
    fn lock(&self) -> std::sync::MutexGuard<'_, Completions> {
        self.completions.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Runs `work` on a worker thread while the running task waits; its result.
/// Cancelling the task abandons the wait (the work finishes unobserved).
pub fn run_blocking<R: Send + 'static>(work: impl FnOnce() -> R + Send + 'static) -> R {
    run_blocking_cancellable(move |_| work(), || {})
}

/// [`run_blocking`] for work that can stop early: `work` receives a flag
/// that is set when the waiting task is cancelled (so a tool call stops
/// retrying and sleeping), and `on_cancel` runs in the canceller when that
/// happens (a recording notes the call as cancelled).
pub fn run_blocking_cancellable<R: Send + 'static>(
    work: impl FnOnce(&AtomicBool) -> R + Send + 'static,
    on_cancel: impl FnOnce() + 'static,
) -> R {
    let token = scheduler::prepare_wait();
    let result: Arc<Mutex<Option<R>>> = Arc::new(Mutex::new(None));
    let out = result.clone();
    let cancelled = Arc::new(AtomicBool::new(false));
    let flag = cancelled.clone();
    let queue = queue();
    queue.lock().in_flight += 1;
    std::thread::spawn(move || {
        let r = work(&flag);
        *out.lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
        queue.lock().done.push(token);
        queue.signal.notify_one();
    });
    scheduler::set_cleanup(scheduler::WaitCleanup {
        on_cancel: Some(scheduler::undo_with(move || {
            cancelled.store(true, Ordering::Relaxed);
            on_cancel();
        })),
        ..Default::default()
    });
    // Only this work's completion holds the token: the task resumes when
    // it has run (a cancelled task is never resumed).
    scheduler::suspend();
    let r = result.lock().unwrap_or_else(|e| e.into_inner()).take();
    r.unwrap_or_else(|| crate::errors::internal_error("resumed before blocking work finished"))
}

/// Wakes the tasks of the completions that arrived; whether any did.
fn drain(c: &mut Completions) -> bool {
    let done = std::mem::take(&mut c.done);
    c.in_flight = c.in_flight.saturating_sub(done.len());
    let any = !done.is_empty();
    for token in done {
        scheduler::wake(token);
    }
    any
}

/// Sleeps at most `timeout`, returning early (true) when an I/O completion
/// woke a task.
pub fn wait_until(timeout: Duration) -> bool {
    let queue = queue();
    let mut c = queue.lock();
    if drain(&mut c) {
        return true;
    }
    if c.in_flight == 0 {
        drop(c);
        std::thread::sleep(timeout);
        return false;
    }
    let (mut c, _) = queue
        .signal
        .wait_timeout(c, timeout)
        .unwrap_or_else(|e| e.into_inner());
    drain(&mut c)
}

/// With no timer set: waits for the next I/O completion. False when no
/// work is in flight (nothing can wake a task).
pub fn wait_for_completion() -> bool {
    let queue = queue();
    let mut c = queue.lock();
    loop {
        if drain(&mut c) {
            return true;
        }
        if c.in_flight == 0 {
            return false;
        }
        c = queue.signal.wait(c).unwrap_or_else(|e| e.into_inner());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    #[test]
    fn blocking_work_suspends_only_its_task() {
        let _serial = crate::scheduler::tests::SERIAL
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        let status = scheduler::run_main(Box::new(move || {
            let l2 = l.clone();
            let future =
                crate::futures::FutureCell::new_pending(crate::typedesc::test_descs::int());
            let settles = future.clone();
            scheduler::spawn(
                Box::new(move || {
                    let v = run_blocking(|| {
                        std::thread::sleep(Duration::from_millis(50));
                        41
                    });
                    l2.borrow_mut().push(format!("io {v}"));
                    settles.complete(v);
                }),
                future.clone(),
            );
            l.borrow_mut().push("main runs while io waits".to_string());
            let _ = future.wait();
            0
        }));
        assert_eq!(status, 0);
        assert_eq!(*log.borrow(), ["main runs while io waits", "io 41"]);
    }

    #[test]
    fn cancelling_the_waiting_task_signals_the_work() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let _serial = crate::scheduler::tests::SERIAL
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let stopped = Arc::new(AtomicBool::new(false));
        let seen = stopped.clone();
        let noted = Rc::new(RefCell::new(false));
        let n = noted.clone();
        scheduler::run_main(Box::new(move || {
            let future =
                crate::futures::FutureCell::new_pending(crate::typedesc::test_descs::int());
            let settles = future.clone();
            let n2 = n.clone();
            scheduler::spawn(
                Box::new(move || {
                    crate::errors::guard(|| {
                        run_blocking_cancellable(
                            move |cancelled: &AtomicBool| {
                                // The work stops when its task is cancelled.
                                while !cancelled.load(Ordering::Relaxed) {
                                    std::thread::sleep(Duration::from_millis(5));
                                }
                                seen.store(true, Ordering::Relaxed);
                            },
                            move || *n2.borrow_mut() = true,
                        )
                    });
                    if crate::errors::is_failing() {
                        settles.fail(Rc::new(crate::errors::take_pending_failure()));
                    }
                }),
                future.clone(),
            );
            future.cancel();
            assert!(future.is_failed());
            0
        }));
        assert!(*noted.borrow(), "on_cancel ran");
        let start = std::time::Instant::now();
        while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "the work saw the flag"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}
