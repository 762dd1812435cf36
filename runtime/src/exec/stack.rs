//! Task stacks and the pool that recycles them.
//!
//! A [`TaskStack`] is one anonymous mapping: a guard region at the bottom
//! (`PROT_NONE`) and the usable stack above it, committed lazily by the kernel
//! as the stack grows (`MAP_NORESERVE`), so a 64 MiB main stack costs only
//! what it touches. `MAP_STACK` keeps transparent huge pages off stacks.
//!
//! The [`StackPool`] keeps finished stacks, by size, for the next use:
//! `main`'s stack, and the small stacks the scheduler steps aside onto.
//! Spawned tasks do not get a stack of their own: they share one
//! (`crate::shared_stack`).

use std::io;

use corosensei::stack::{Stack, StackPointer};

/// Size of the guard region below each stack. Larger than a page so that a
/// frame somewhat bigger than a page still lands in it; generated code checks
/// the limit in its prologue anyway, and Rust code probes large frames.
const GUARD_SIZE: usize = 64 * 1024;

/// Stacks kept per pool before further released ones are unmapped.
const MAX_POOLED: usize = 256;

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size)
        .ok()
        .filter(|s| s.is_power_of_two())
        .unwrap_or(4096)
}

/// One mapped stack: `[guard | usable]`, growing down from `top`.
#[derive(Debug)]
pub struct TaskStack {
    /// Start of the mapping (the bottom of the guard).
    mapping: usize,
    /// Length of the whole mapping.
    len: usize,
    /// Length of the guard at the bottom.
    guard: usize,
}

impl TaskStack {
    /// Maps a stack with at least `size` usable bytes.
    pub fn new(size: usize) -> io::Result<TaskStack> {
        let page = page_size();
        let size = size
            .max(corosensei::stack::MIN_STACK_SIZE)
            .next_multiple_of(page);
        let guard = GUARD_SIZE.next_multiple_of(page);
        let len = size + guard;
        let mapping = map_stack_memory(len)? as *mut libc::c_void;
        let stack = TaskStack {
            mapping: mapping as usize,
            len,
            guard,
        };
        // SAFETY: the guard lies inside the mapping we own; dropping `stack`
        // on failure unmaps it.
        if unsafe { libc::mprotect(mapping, guard, libc::PROT_NONE) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(stack)
    }

    /// Highest address (exclusive): where the stack starts.
    pub fn top(&self) -> usize {
        self.mapping + self.len
    }

    /// Lowest usable address, just above the guard.
    pub fn bottom(&self) -> usize {
        self.mapping + self.guard
    }

    /// Usable bytes.
    pub fn size(&self) -> usize {
        self.len - self.guard
    }

    /// The guard region `[start, end)`; a fault in it is a stack overflow.
    pub fn guard_range(&self) -> (usize, usize) {
        (self.mapping, self.mapping + self.guard)
    }
}

impl Drop for TaskStack {
    fn drop(&mut self) {
        // SAFETY: we own the mapping and no coroutine runs on it any more
        // (corosensei only gives the stack back when the coroutine is done).
        unsafe { libc::munmap(self.mapping as *mut libc::c_void, self.len) };
    }
}

// SAFETY: the mapping is page-aligned (so aligned to STACK_ALIGNMENT), has a
// guard region at its bottom, and far more than MIN_STACK_SIZE usable bytes.
unsafe impl Stack for TaskStack {
    fn base(&self) -> StackPointer {
        StackPointer::new(self.top()).expect("mapping is not at address 0")
    }

    fn limit(&self) -> StackPointer {
        // corosensei wants the limit to include the guard.
        StackPointer::new(self.mapping).expect("mapping is not at address 0")
    }
}

/// Recycles stacks between tasks.
#[derive(Debug, Default)]
pub struct StackPool {
    free: Vec<TaskStack>,
}

/// Maps `len` bytes of lazily committed, read-write stack memory; returns
/// its start.
fn map_stack_memory(len: usize) -> io::Result<usize> {
    // SAFETY: a fresh private anonymous mapping; no existing memory is
    // affected.
    let mapping = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_STACK,
            -1,
            0,
        )
    };
    if mapping == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    Ok(mapping as usize)
}

impl StackPool {
    pub const fn new() -> StackPool {
        StackPool { free: Vec::new() }
    }

    /// A stack with at least `size` usable bytes, reused if one is free.
    pub fn acquire(&mut self, size: usize) -> io::Result<TaskStack> {
        let page = page_size();
        let want = size
            .max(corosensei::stack::MIN_STACK_SIZE)
            .next_multiple_of(page);
        if let Some(i) = self.free.iter().rposition(|s| s.size() == want) {
            return Ok(self.free.swap_remove(i));
        }
        TaskStack::new(size)
    }

    /// Gives a stack back for reuse. Its pages stay committed: the next task
    /// will likely touch as much, and returning them costs a system call.
    pub fn release(&mut self, stack: TaskStack) {
        if self.free.len() < MAX_POOLED {
            self.free.push(stack);
        }
    }

    /// Stacks waiting for reuse.
    pub fn pooled(&self) -> usize {
        self.free.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacks_have_a_guard_and_lazy_pages() {
        let s = TaskStack::new(64 << 20).unwrap();
        assert!(s.size() >= 64 << 20);
        assert_eq!(s.top() - s.bottom(), s.size());
        let (lo, hi) = s.guard_range();
        assert_eq!(hi, s.bottom());
        assert!(hi - lo >= GUARD_SIZE);
        // The usable part is writable at both ends.
        unsafe {
            *((s.top() - 8) as *mut u64) = 1;
            *(s.bottom() as *mut u64) = 2;
        }
    }

    #[test]
    fn pool_reuses_stacks_of_the_same_size() {
        let mut pool = StackPool::new();
        let a = pool.acquire(256 * 1024).unwrap();
        let top = a.top();
        pool.release(a);
        assert_eq!(pool.pooled(), 1);
        let b = pool.acquire(256 * 1024).unwrap();
        assert_eq!(b.top(), top, "the pooled stack is reused");
        let c = pool.acquire(512 * 1024).unwrap();
        assert_ne!(c.top(), top);
        pool.release(b);
        pool.release(c);
        assert_eq!(pool.pooled(), 2);
    }
}
