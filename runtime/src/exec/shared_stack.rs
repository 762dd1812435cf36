//! The one stack every spawned task runs on, and the copied-out stacks of
//! the suspended ones.
//!
//! A suspended Lumen task uses well under a kilobyte of stack (its frames
//! down to the suspension point). Giving each task a stack of its own costs
//! at least a 4 KiB page per task, a page-table page per two tasks (stacks
//! are 1 MiB apart), and a cold TLB entry and cache lines at every resume:
//! with 100,000 live tasks that is most of the scheduler's time and memory.
//! So spawned tasks share one large stack ([`SHARED_STACK_SIZE`], lazily
//! committed, with a guard region), and when another task needs it, the
//! *occupant*'s live bytes `[sp, top)` are copied out to a buffer sized to
//! fit, and copied back to the same addresses before it resumes.
//!
//! The copy is lazy: a task that suspends stays on the stack until another
//! task claims it, so a task waiting alone (or ping-ponging with `main`,
//! which has a stack of its own) is never copied.
//!
//! This is sound because nothing keeps a pointer into a suspended task's
//! stack: Lumen values live on the heap, the scheduler's yielder pointer is
//! re-read on resume, and the runtime never registers stack memory with a
//! waker (wait tokens are plain values). Addresses inside the stack stay
//! valid for the task itself because its bytes always come back to the
//! same place.
//!
//! The suspended stack pointer is not exposed by the coroutine library, so
//! the copied range starts [`SWITCH_MARGIN`] bytes below a local of the
//! function that switches away (covering the frames the switch itself
//! pushes); `tests::switch_stays_within_the_margin` checks the margin by
//! filling the stack with a pattern.

use corosensei::stack::{Stack, StackPointer};

use crate::scheduler::TaskRef;
use crate::stack::TaskStack;
use crate::valgrind;

/// Usable size of the shared stack (lazily committed): a spawned task may
/// recurse this deep, as deep as a thread's default stack.
pub const SHARED_STACK_SIZE: usize = 8 << 20;

/// Bytes below a local of the switching function that the switch itself may
/// write (its own frame, the registers the context switch pushes). Checked
/// by a test with room to spare; unoptimised builds have larger frames.
pub const SWITCH_MARGIN: usize = if cfg!(debug_assertions) { 1536 } else { 512 };

/// What a new coroutine writes at the top of its stack, at most.
const NEW_FRAME_BYTES: usize = 4096;

/// Free image buffers kept for reuse.
const MAX_POOLED_BUFFERS: usize = 4096;

/// The shared stack as corosensei sees it: a borrowed view (the
/// [`SharedStack`] owns the mapping and outlives every task).
#[derive(Clone, Copy, Debug)]
pub struct StackView {
    top: usize,
    limit: usize,
}

impl StackView {
    /// A view of `stack`, which must outlive every use of the view.
    pub fn of(stack: &TaskStack) -> StackView {
        StackView {
            top: stack.top(),
            limit: stack.guard_range().0,
        }
    }
}

// SAFETY: `top` is the page-aligned top of a live mapping whose lowest
// `limit` address includes its guard region; the mapping is never unmapped.
unsafe impl Stack for StackView {
    fn base(&self) -> StackPointer {
        StackPointer::new(self.top).expect("mapping is not at address 0")
    }

    fn limit(&self) -> StackPointer {
        StackPointer::new(self.limit).expect("mapping is not at address 0")
    }
}

/// A suspended task's stack bytes `[sp, top)`, while it is off the stack.
#[derive(Default)]
pub struct StackImage {
    /// Lowest address copied (0: nothing saved).
    sp: usize,
    bytes: Vec<u8>,
}

impl StackImage {
    /// Whether the image holds a task's bytes.
    pub fn is_saved(&self) -> bool {
        self.sp != 0
    }
}

/// The shared stack and who is on it.
pub struct SharedStack {
    stack: TaskStack,
    /// The task whose bytes are on the stack (running, or suspended and not
    /// yet copied out).
    occupant: Option<TaskRef>,
    /// Buffers of finished tasks, for the next images.
    buffers: Vec<Vec<u8>>,
}

impl SharedStack {
    pub fn new() -> std::io::Result<SharedStack> {
        Ok(SharedStack {
            stack: TaskStack::new(SHARED_STACK_SIZE)?,
            occupant: None,
            buffers: Vec::new(),
        })
    }

    pub fn view(&self) -> StackView {
        StackView::of(&self.stack)
    }

    pub fn stack(&self) -> &TaskStack {
        &self.stack
    }

    pub fn occupant(&self) -> Option<TaskRef> {
        self.occupant
    }

    pub fn set_occupant(&mut self, t: Option<TaskRef>) {
        self.occupant = t;
    }

    /// Copies the occupant's bytes `[sp, top)` into `image` (the occupant
    /// suspended with its stack pointer at or above `sp`) and frees the
    /// stack.
    pub fn save(&mut self, sp: usize, image: &mut StackImage) {
        let top = self.stack.top();
        debug_assert!(self.stack.bottom() <= sp && sp < top, "sp on the stack");
        let len = top - sp;
        let mut bytes = std::mem::take(&mut image.bytes);
        if bytes.capacity() == 0 {
            bytes = self.buffers.pop().unwrap_or_default();
        }
        bytes.clear();
        // The margin lies below the stack pointer the task switched at.
        valgrind::make_defined(sp, len);
        // SAFETY: `[sp, top)` lies inside the mapping (checked above) and is
        // readable; `bytes` does not overlap it.
        bytes.extend_from_slice(unsafe { std::slice::from_raw_parts(sp as *const u8, len) });
        image.sp = sp;
        image.bytes = bytes;
        self.occupant = None;
    }

    /// Puts `image` back where it was; `t` becomes the occupant. The stack
    /// must be free (its occupant saved or finished).
    pub fn restore(&mut self, t: TaskRef, image: &mut StackImage) {
        debug_assert!(self.occupant.is_none(), "the stack is free");
        if image.is_saved() {
            valgrind::make_undefined(image.sp, image.bytes.len());
            // SAFETY: the image came from `[sp, sp + len)` of this stack,
            // which nobody uses now.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    image.bytes.as_ptr(),
                    image.sp as *mut u8,
                    image.bytes.len(),
                )
            };
            image.sp = 0;
        } else {
            // A new task: its coroutine's first frame goes at the top.
            valgrind::make_undefined(self.stack.top() - NEW_FRAME_BYTES, NEW_FRAME_BYTES);
        }
        self.occupant = Some(t);
    }

    /// Takes back the buffer of a finished task.
    pub fn recycle(&mut self, image: StackImage) {
        if image.bytes.capacity() != 0 && self.buffers.len() < MAX_POOLED_BUFFERS {
            self.buffers.push(image.bytes);
        }
    }
}

/// The lowest address the current function's switch may write: a local's
/// address minus [`SWITCH_MARGIN`].
#[inline(always)]
pub fn switch_floor() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize - SWITCH_MARGIN
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_round_trip_to_the_same_addresses() {
        let mut shared = SharedStack::new().unwrap();
        let top = shared.stack().top();
        let t = TaskRef::for_tests(1);
        shared.set_occupant(Some(t));
        // SAFETY: inside the mapping.
        unsafe { *((top - 100) as *mut u8) = 42 };
        let mut image = StackImage::default();
        shared.save(top - 128, &mut image);
        assert_eq!(image.bytes.len(), 128);
        assert!(shared.occupant().is_none());
        // SAFETY: inside the mapping.
        unsafe { *((top - 100) as *mut u8) = 7 };
        shared.restore(t, &mut image);
        // SAFETY: inside the mapping.
        assert_eq!(unsafe { *((top - 100) as *const u8) }, 42);
        assert!(!image.is_saved());
        assert_eq!(shared.occupant(), Some(t));
    }
}
