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
//! the copied range starts [`SWITCH_MARGIN`] bytes below the stack pointer
//! of the function that switches away, read just before the switch
//! (covering the frames the switch itself pushes);
//! `scheduler::tests::switch_stays_within_the_margin` checks the margin by
//! filling the stack with a pattern, and other tests there clobber the
//! stack between switches.

use corosensei::stack::{Stack, StackPointer};

use crate::pool::prefetch;
use crate::scheduler::TaskRef;
use crate::stack::TaskStack;
use crate::valgrind;

/// Usable size of the shared stack (lazily committed): a spawned task may
/// recurse this deep, as deep as a thread's default stack.
pub const SHARED_STACK_SIZE: usize = 8 << 20;

/// Bytes below the switching function's stack pointer that the switch
/// itself may write (the frames of the coroutine library's switch and the
/// registers it pushes). Checked by a test with room to spare; unoptimised
/// builds have larger frames.
pub const SWITCH_MARGIN: usize = if cfg!(debug_assertions) {
    1536
} else if cfg!(target_arch = "aarch64") {
    // Untested in release on this machine (only under qemu in debug):
    // room for a non-inlined switch frame saving every callee-saved
    // register, d8-d15 included.
    384
} else {
    // Measured: 24 bytes. (A suspended task at `sleep(0)` is ~460 bytes with
    // this margin, so its image fits the smallest buffer class.)
    64
};

/// The margin for stepping aside onto another stack (`corosensei::on_stack`,
/// a frame of its own holding the closure) before another task takes the
/// shared stack (`scheduler::resume_to_finish`): rarer, so generous.
pub const STEP_ASIDE_MARGIN: usize = if cfg!(debug_assertions) { 1536 } else { 512 };

/// What a new coroutine writes at the top of its stack, at most.
const NEW_FRAME_BYTES: usize = 4096;

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

/// A suspended task's stack bytes `[sp, sp + len)`, while it is off the
/// stack, in a buffer it keeps while it runs (its next image likely fits).
pub struct StackImage {
    /// Lowest address copied (0: nothing saved).
    sp: usize,
    len: usize,
    buffer: Buffer,
}

impl Default for StackImage {
    fn default() -> StackImage {
        StackImage {
            sp: 0,
            len: 0,
            buffer: Buffer::None,
        }
    }
}

impl StackImage {
    /// Whether the image holds a task's bytes.
    pub fn is_saved(&self) -> bool {
        self.sp != 0
    }

    /// Starts loading the first bytes of a saved image into the cache: the
    /// scheduler calls it for the task that runs after the next one.
    pub fn prefetch(&mut self) {
        if self.is_saved() {
            let start = self.buffer.as_mut_ptr();
            // The hardware prefetcher follows once the copy streams.
            for line in 0..self.len.min(256).div_ceil(64) {
                prefetch(start.wrapping_add(line * 64));
            }
        }
    }
}

/// Where an image's bytes go.
enum Buffer {
    None,
    /// A slot of size class `class` from the [`BufferPool`].
    Slot {
        ptr: *mut u8,
        class: usize,
    },
    /// A stack deeper than the largest class.
    Heap(Vec<u8>),
}

impl Buffer {
    fn capacity(&self) -> usize {
        match self {
            Buffer::None => 0,
            Buffer::Slot { class, .. } => class_size(*class),
            Buffer::Heap(v) => v.len(),
        }
    }

    fn as_mut_ptr(&mut self) -> *mut u8 {
        match self {
            Buffer::None => std::ptr::null_mut(),
            Buffer::Slot { ptr, .. } => *ptr,
            Buffer::Heap(v) => v.as_mut_ptr(),
        }
    }
}

/// Size classes of image buffers: 512 bytes << k. Most images fit the
/// first two; deeper ones up to 64 KiB still come from the pool.
const CLASSES: usize = 8;
const SMALLEST_CLASS: usize = 512;

/// Bytes carved into slots at a time.
const ARENA_BYTES: usize = 256 * 1024;

fn class_size(class: usize) -> usize {
    SMALLEST_CLASS << class
}

fn class_for(len: usize) -> Option<usize> {
    (0..CLASSES).find(|&k| class_size(k) >= len)
}

/// Fixed-size image buffers carved from arenas, one free list per class.
/// Suspending and resuming tens of thousands of tasks churns buffers of
/// one or two sizes; the allocator's bins made that a third of the
/// scheduler's time. Arenas are never freed: the pool keeps what the
/// program's peak number of suspended tasks needed.
#[derive(Default)]
struct BufferPool {
    free: [Vec<*mut u8>; CLASSES],
}

impl BufferPool {
    fn take(&mut self, len: usize) -> Buffer {
        let Some(class) = class_for(len) else {
            return Buffer::Heap(vec![0; len]);
        };
        if self.free[class].is_empty() {
            let size = class_size(class);
            let arena = ARENA_BYTES.max(size);
            let layout = std::alloc::Layout::from_size_align(arena, 64).expect("valid layout");
            // SAFETY: a non-zero size.
            let base = unsafe { std::alloc::alloc(layout) };
            if base.is_null() {
                std::alloc::handle_alloc_error(layout);
            }
            // SAFETY: every slot lies inside the arena.
            self.free[class].extend(
                (0..arena / size)
                    .rev()
                    .map(|i| unsafe { base.add(i * size) }),
            );
        }
        let ptr = self.free[class].pop().expect("just filled");
        Buffer::Slot { ptr, class }
    }

    fn give(&mut self, buffer: Buffer) {
        if let Buffer::Slot { ptr, class } = buffer {
            self.free[class].push(ptr);
        }
    }
}

/// The shared stack and who is on it.
pub struct SharedStack {
    stack: TaskStack,
    /// The task whose bytes are on the stack (running, or suspended and not
    /// yet copied out).
    occupant: Option<TaskRef>,
    buffers: BufferPool,
}

impl SharedStack {
    pub fn new() -> std::io::Result<SharedStack> {
        Ok(SharedStack {
            stack: TaskStack::new(SHARED_STACK_SIZE)?,
            occupant: None,
            buffers: BufferPool::default(),
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
        if image.buffer.capacity() < len {
            let old = std::mem::replace(&mut image.buffer, Buffer::None);
            self.buffers.give(old);
            image.buffer = self.buffers.take(len);
        }
        // The margin lies below the stack pointer the task switched at.
        valgrind::make_defined(sp, len);
        // SAFETY: `[sp, top)` lies inside the mapping (checked above); the
        // buffer holds at least `len` bytes and does not overlap it.
        unsafe { std::ptr::copy_nonoverlapping(sp as *const u8, image.buffer.as_mut_ptr(), len) };
        image.sp = sp;
        image.len = len;
        self.occupant = None;
    }

    /// Puts `image` back where it was; `t` becomes the occupant. The stack
    /// must be free (its occupant saved or finished).
    pub fn restore(&mut self, t: TaskRef, image: &mut StackImage) {
        debug_assert!(self.occupant.is_none(), "the stack is free");
        if image.is_saved() {
            valgrind::make_undefined(image.sp, image.len);
            // SAFETY: the image came from `[sp, sp + len)` of this stack,
            // which nobody uses now.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    image.buffer.as_mut_ptr(),
                    image.sp as *mut u8,
                    image.len,
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
        self.buffers.give(image.buffer);
    }
}

/// The lowest address a switch made right after this call may write: the
/// caller's stack pointer (everything of its frame lies above it) minus
/// [`SWITCH_MARGIN`] for the frames of the switch itself.
#[inline(always)]
pub fn switch_floor() -> usize {
    stack_pointer() - SWITCH_MARGIN
}

/// [`switch_floor`] for a step aside onto another stack.
#[inline(always)]
pub fn step_aside_floor() -> usize {
    stack_pointer() - STEP_ASIDE_MARGIN
}

/// The stack pointer of the function this is inlined into.
#[inline(always)]
fn stack_pointer() -> usize {
    let sp: usize;
    #[cfg(target_arch = "x86_64")]
    // SAFETY: reads a register.
    unsafe {
        std::arch::asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack, preserves_flags))
    };
    #[cfg(target_arch = "aarch64")]
    // SAFETY: reads a register.
    unsafe {
        std::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags))
    };
    sp
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
        assert_eq!(image.len, 128);
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
