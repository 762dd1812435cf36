//! The small-block allocator: per-thread free lists of recently freed object
//! blocks, by size class, in front of `malloc`. Object headers, buffers
//! (`alloc_sized`) and, through the global allocator (`crate::memory`), the
//! runtime's own small Rust allocations all draw on these lists.
//!
//! Lumen programs allocate and free small objects at a high rate (a tree
//! node, a record, a one-piece string), and a round trip through `malloc` and
//! `free` costs several times what the object's own work does. A block freed
//! here is *parked* on its thread's list for its size class instead, and the
//! next allocation of that class pops it: a couple of loads and stores.
//!
//! Design constraints:
//!
//! * Every block is still its own `malloc` block of exactly its class size,
//!   so `free`/`realloc` work on it, and valgrind's leak checker still sees a
//!   leaked object as "definitely lost". Parked blocks are reachable from the
//!   thread's lists ("still reachable", which the test suite accepts).
//! * The lists are bounded ([`MAX_PARKED_BYTES`] of blocks per class); a free
//!   beyond that goes straight to `free`, so a program that drops a huge
//!   structure returns the excess to `malloc`. The bound is generous: a
//!   program that frees a tree of half a million nodes usually builds the
//!   next one at once, and each node parked is a `malloc` round trip saved
//!   (glibc keeps freed small chunks on its heap anyway).
//! * The state is per *thread* (`thread_local!` with const initialisation,
//!   so an access is a plain TLS load): tasks are coroutines on their own
//!   stacks and may later run on several threads; a block freed on one
//!   thread and allocated on another is fine, since all blocks come from
//!   `malloc`. At thread exit the lists are returned to `malloc`; a free
//!   after that (another thread-local's destructor) goes to `free` directly.
//! * The class of a block must be known when it is freed. Objects keep it in
//!   the spare high bits of their header's `flags` ([`FLAG_CLASS_MASK`]),
//!   written by the allocating code together with the rest of the header;
//!   nothing else in the runtime or in compiled code writes those bits (every
//!   other write of `flags` keeps the bits it does not own). A block
//!   allocated without a class (too large, or regrown by `realloc`) carries
//!   class 0 and is freed with `free`.
//!
//! Class sizes are 24, 40, 56, …, 136 bytes (16·k + 24): glibc's chunks are
//! multiples of 16 bytes with 8 bytes of overhead, so these are exactly the
//! usable sizes of its 32-, 48-, …, 144-byte chunks and rounding a request up
//! to its class costs no memory.

use std::cell::UnsafeCell;

/// The header `flags` bits that hold a block's size class plus one (0 = not
/// pooled). Runtime-private, like `FLAG_STR_HEAP`; see the module docs.
pub(crate) const FLAG_CLASS_MASK: u16 = 0xF000;
const FLAG_CLASS_SHIFT: u32 = 12;

/// Number of size classes.
const CLASSES: usize = 8;

/// The largest block the pool serves; larger ones go to `malloc` directly.
pub(crate) const MAX_POOLED_SIZE: usize = class_size(CLASSES - 1);

/// At most this many bytes of blocks per class wait on a thread's list (at
/// most 8 × 32 MiB per thread).
pub(crate) const MAX_PARKED_BYTES: usize = 32 << 20;

/// The number of blocks of class `class` a thread's list may hold.
const fn max_parked(class: usize) -> usize {
    MAX_PARKED_BYTES / class_size(class)
}

/// The usable size of class `class`.
const fn class_size(class: usize) -> usize {
    16 * class + 24
}

/// The class serving a request of `size` bytes, if any.
#[inline]
fn class_of(size: usize) -> Option<usize> {
    if size > MAX_POOLED_SIZE {
        return None;
    }
    // 1..=24 → 0, 25..=40 → 1, …
    Some(size.saturating_sub(9) / 16)
}

/// A parked block: its first word links to the next one.
struct Parked {
    next: *mut Parked,
}

/// One class's parked blocks.
#[derive(Clone, Copy)]
struct FreeList {
    head: *mut Parked,
    len: usize,
}

/// A thread's lists, one per class.
struct Pool {
    lists: [FreeList; CLASSES],
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.release_all();
    }
}

impl Pool {
    /// Returns every parked block to `malloc`.
    fn release_all(&mut self) {
        for list in &mut self.lists {
            let mut p = std::mem::replace(&mut list.head, std::ptr::null_mut());
            list.len = 0;
            while !p.is_null() {
                // SAFETY: parked blocks are live malloc blocks owned by the
                // list; the link is read before the block is freed.
                unsafe {
                    let next = (*p).next;
                    libc::free(p.cast());
                    p = next;
                }
            }
        }
    }
}

thread_local! {
    static POOL: UnsafeCell<Pool> = const {
        UnsafeCell::new(Pool {
            lists: [FreeList { head: std::ptr::null_mut(), len: 0 }; CLASSES],
        })
    };
}

/// Runs `f` on this thread's pool; `None` once the thread-local is gone
/// (during thread exit).
#[inline]
fn with_pool<R>(f: impl FnOnce(&mut Pool) -> R) -> Option<R> {
    // SAFETY: the pool is only touched here, by its own thread, and `f`
    // never re-enters (it does not allocate through the pool).
    POOL.try_with(|p| f(unsafe { &mut *p.get() })).ok()
}

/// A block of at least `size` (> 0) bytes, 16-byte aligned, and the `flags`
/// bits ([`FLAG_CLASS_MASK`]) the object header must carry so that
/// [`free`] can park it again. The second value is the block's usable size
/// (at least `size`).
///
/// Allocation failure ends the process through Rust's allocation-error path.
#[inline]
pub(crate) fn alloc(size: usize) -> (*mut u8, u16, usize) {
    let Some(class) = class_of(size) else {
        return (malloc_or_die(size), 0, size);
    };
    let bits = ((class + 1) as u16) << FLAG_CLASS_SHIFT;
    let usable = class_size(class);
    let reused = with_pool(|pool| {
        let list = &mut pool.lists[class];
        let p = list.head;
        if !p.is_null() {
            // SAFETY: a parked block's first word is its link.
            list.head = unsafe { (*p).next };
            list.len -= 1;
            // The next allocation of this class reads that block's link:
            // start loading it now. After a burst of frees (a round of
            // tasks, a tree) the list runs through cold blocks, and each
            // pop would otherwise wait for a cache miss.
            prefetch(list.head);
        }
        p
    });
    match reused {
        Some(p) if !p.is_null() => (p.cast(), bits, usable),
        _ => (malloc_or_die(usable), bits, usable),
    }
}

/// Frees a block from [`alloc`] given the `flags` of its object header (only
/// the class bits are read): parks it when it has a class and its list has
/// room, else returns it to `malloc`.
///
/// # Safety
/// `block` must be a block from [`alloc`] (or plain `malloc` with class bits
/// 0) that nothing refers to any more.
#[inline]
pub(crate) unsafe fn free(block: *mut u8, flags: u16) {
    let tagged = (flags & FLAG_CLASS_MASK) >> FLAG_CLASS_SHIFT;
    // A class past the last one cannot come from `alloc`: such a block is
    // handed to `free` rather than parked where it might be too small.
    if tagged != 0 && usize::from(tagged) <= CLASSES {
        let class = usize::from(tagged - 1);
        let parked = with_pool(|pool| {
            let list = &mut pool.lists[class];
            if list.len >= max_parked(class) {
                return false;
            }
            let p = block.cast::<Parked>();
            // SAFETY: the block is unreferenced and at least a word long.
            unsafe { p.write(Parked { next: list.head }) };
            list.head = p;
            list.len += 1;
            true
        });
        if parked == Some(true) {
            return;
        }
    }
    // SAFETY: caller's contract: a malloc block nobody uses.
    unsafe { libc::free(block.cast()) }
}

/// A block of at least `size` (> 0) bytes for a list, map or set buffer:
/// pooled when `size` has a class, else plain `malloc`. Buffers carry no
/// header, so the owner frees it with [`free_sized`] and the same `size`.
#[inline]
pub(crate) fn alloc_sized(size: usize) -> *mut u8 {
    alloc(size).0
}

/// Frees a block from [`alloc_sized`] of `size` bytes (parked when pooled).
///
/// # Safety
/// `block` must come from [`alloc_sized`] with this `size`, and nothing may
/// use it any more.
#[inline]
pub(crate) unsafe fn free_sized(block: *mut u8, size: usize) {
    let bits = class_of(size).map_or(0, |class| ((class + 1) as u16) << FLAG_CLASS_SHIFT);
    // SAFETY: caller's contract; the class is the one `alloc_sized` used.
    unsafe { free(block, bits) }
}

/// The largest buffer [`alloc_sized`] serves from the pool: buffers up to
/// this size must not be resized with `realloc`.
pub(crate) const MAX_POOLED_BUFFER: usize = MAX_POOLED_SIZE;

/// The flags bits of a block no longer of its class (after `realloc`).
#[inline]
pub(crate) fn without_class(flags: u16) -> u16 {
    flags & !FLAG_CLASS_MASK
}

fn malloc_or_die(size: usize) -> *mut u8 {
    // SAFETY: malloc with a non-zero size; glibc aligns to 16 bytes.
    let p = unsafe { libc::malloc(size) }.cast::<u8>();
    if p.is_null() {
        crate::memory::out_of_memory(size);
    }
    p
}

/// The number of blocks parked for requests of `size` bytes on this thread.
#[cfg(test)]
pub(crate) fn parked(size: usize) -> usize {
    class_of(size).map_or(0, |c| with_pool(|p| p.lists[c].len).unwrap_or(0))
}

/// Returns this thread's parked blocks to `malloc` (tests start from empty
/// lists with it).
#[cfg(test)]
pub(crate) fn release_parked() {
    with_pool(Pool::release_all);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_cover_every_small_size_without_waste() {
        assert_eq!(class_of(1), Some(0));
        assert_eq!(class_of(24), Some(0));
        assert_eq!(class_of(25), Some(1));
        assert_eq!(class_of(40), Some(1));
        assert_eq!(class_of(41), Some(2));
        assert_eq!(class_of(136), Some(7));
        assert_eq!(class_of(137), None);
        for size in 1..=MAX_POOLED_SIZE {
            let c = class_of(size).unwrap();
            assert!(class_size(c) >= size, "{size} fits its class");
            assert!(c == 0 || class_size(c - 1) < size, "{size}: smallest class");
            // A glibc chunk of (usable + 8) bytes, a multiple of 16.
            assert_eq!((class_size(c) + 8) % 16, 0);
        }
        // The class (plus one) fits the flag bits.
        assert!(CLASSES < 16);
    }

    #[test]
    fn freed_blocks_are_reused_by_the_same_class() {
        release_parked();
        let (a, bits, usable) = alloc(40);
        assert_eq!(usable, 40);
        assert_ne!(bits & FLAG_CLASS_MASK, 0);
        assert_eq!(a as usize % 16, 0);
        unsafe { free(a, bits) };
        assert_eq!(parked(40), 1);
        // Another size of the same class gets the parked block back.
        let (b, bits_b, _) = alloc(33);
        assert_eq!((b, bits_b), (a, bits));
        assert_eq!(parked(40), 0);
        // A different class does not.
        unsafe { free(b, bits_b) };
        let (c, bits_c, usable_c) = alloc(100);
        assert_ne!(c, a);
        assert_eq!(usable_c, 104);
        unsafe { free(c, bits_c) };
        assert_eq!((parked(40), parked(100)), (1, 1));
        release_parked();
        assert_eq!((parked(40), parked(100)), (0, 0));
    }

    #[test]
    fn large_blocks_bypass_the_pool() {
        release_parked();
        let (p, bits, usable) = alloc(MAX_POOLED_SIZE + 1);
        assert_eq!((bits, usable), (0, MAX_POOLED_SIZE + 1));
        unsafe { free(p, bits) };
        assert_eq!(parked(MAX_POOLED_SIZE + 1), 0);
        // A pooled block that lost its class (regrown) goes back to malloc.
        let (q, bits, _) = alloc(24);
        unsafe { free(q, without_class(bits)) };
        assert_eq!(parked(24), 0);
    }

    #[test]
    fn lists_are_bounded() {
        release_parked();
        // The largest class holds the fewest blocks.
        let size = MAX_POOLED_SIZE;
        let limit = max_parked(CLASSES - 1);
        let blocks: Vec<_> = (0..limit + 10).map(|_| alloc(size)).collect();
        for &(p, bits, _) in &blocks {
            unsafe { free(p, bits) };
        }
        assert_eq!(parked(size), limit);
        release_parked();
    }

    #[test]
    fn each_thread_has_its_own_lists() {
        // (Counts are relative: the process's small Rust allocations go
        // through the pool too, so a new thread may have parked blocks of
        // its own before the test's.)
        // The largest class: thread start-up's own allocations are smaller.
        const SIZE: usize = MAX_POOLED_SIZE;
        release_parked();
        let (p, bits, _) = alloc(SIZE);
        unsafe { free(p, bits) };
        let addr = p as usize;
        std::thread::spawn(move || {
            let before = parked(SIZE);
            // The block parked on the other thread is not handed out here.
            let (q, bits, _) = alloc(SIZE);
            assert_ne!(q as usize, addr);
            // A block from another thread's allocation can be parked here
            // (all blocks are malloc blocks); the thread's exit frees it.
            unsafe { free(q, bits) };
            assert_eq!(parked(SIZE), before.max(1));
        })
        .join()
        .unwrap();
        assert!(parked(SIZE) >= 1);
        release_parked();
    }
}

/// Asks the processor to bring the cache line at `addr` closer; a hint that
/// never faults, whatever the address.
#[inline(always)]
pub(crate) fn prefetch<T>(addr: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch has no architectural effect.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(addr.cast());
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: a prefetch has no architectural effect.
    unsafe {
        std::arch::asm!("prfm pldl1keep, [{0}]", in(reg) addr, options(nostack, preserves_flags));
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    let _ = addr;
}
