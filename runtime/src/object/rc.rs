//! Heap objects: allocation, reference counting and freeing.
//!
//! Every heap value starts with a [`ObjectHeader`]. Objects are `malloc`
//! blocks, small ones recycled through the per-thread free lists of
//! [`crate::pool`] (whose size class rides in the header's spare `flags`
//! bits), and start with a count of 1: the creator owns the first reference.
//!
//! Counting is non-atomic because one thread runs all Lumen code today. The
//! header's [`FLAG_SHARED`] bit is honoured already (atomic counting for an
//! object marked shared) so that a multi-threaded scheduler can mark objects
//! that cross threads without changing the ABI.
//!
//! Static objects (string literals in the program's read-only data) carry
//! [`RC_IMMORTAL`] and are never written: retain/release only *read* their
//! header. A count that would reach `RC_IMMORTAL` by retaining makes the object
//! immortal, which leaks it instead of ever freeing it early.

use std::sync::atomic::{fence, AtomicU32, Ordering};

use lumen_abi::{ObjectHeader, ObjectKind, FLAG_SHARED, RC_IMMORTAL};

use crate::pool;

/// Allocates `size` bytes (header included) for an object of `kind`, with a
/// reference count of 1. The bytes after the header are uninitialised.
///
/// Allocation failure ends the process through Rust's allocation-error path
/// (`memory allocation of N bytes failed`, abort): there is no way to go on.
#[inline]
pub(crate) fn alloc_object(size: usize, kind: ObjectKind) -> *mut ObjectHeader {
    debug_assert!(size >= std::mem::size_of::<ObjectHeader>());
    // The pool's blocks are 16-byte aligned, more than the header's 4-byte
    // and the slots' 8-byte alignment.
    let (block, class_bits, _) = pool::alloc(size);
    let obj = block.cast::<ObjectHeader>();
    // SAFETY: `obj` is a fresh allocation of at least header size.
    unsafe {
        obj.write(ObjectHeader {
            rc: 1,
            kind: kind as u16,
            flags: class_bits,
        })
    };
    stats::allocated();
    obj
}

/// Returns an object's memory to the allocator ([`pool`]), without looking
/// inside it (the children are released by [`crate::objects::destroy`],
/// which calls this). A heap string's block starts before the object (see
/// [`crate::strings`]).
///
/// # Safety
/// `obj` must have been allocated by [`alloc_object`] (or as a heap string)
/// and be unreferenced.
#[inline]
pub(crate) unsafe fn free_block(obj: *mut ObjectHeader) {
    stats::freed();
    // SAFETY: allocated by the pool at `block_start`, with the class bits in
    // its flags, and unreferenced.
    unsafe { pool::free(crate::strings::block_start(obj).cast(), (*obj).flags) }
}

/// Drops one reference and reports whether it was the last one (the caller
/// then frees the object). Null and immortal objects are never last.
///
/// # Safety
/// `obj` must be null or point to a live object whose reference the caller
/// owns.
#[inline]
pub(crate) unsafe fn dec_ref(obj: *mut ObjectHeader) -> bool {
    if obj.is_null() {
        return false;
    }
    // SAFETY: as for `lm_retain`; the caller owns one reference, so the count
    // is at least 1 and the object stays live until it is freed.
    unsafe {
        let rc = (*obj).rc;
        if rc == RC_IMMORTAL {
            return false;
        }
        if (*obj).flags & FLAG_SHARED != 0 {
            let rc = AtomicU32::from_ptr(std::ptr::addr_of_mut!((*obj).rc));
            if rc.fetch_sub(1, Ordering::Release) == 1 {
                // Pairs with the other threads' releases so their writes to
                // the object happen before the free.
                fence(Ordering::Acquire);
                return true;
            }
            false
        } else if rc <= 1 {
            true
        } else {
            (*obj).rc = rc - 1;
            false
        }
    }
}

/// Adds a reference. Null and immortal objects are ignored.
///
/// # Safety
/// `obj` must be null or point to a live object.
#[no_mangle]
pub unsafe extern "C" fn lm_retain(obj: *mut ObjectHeader) {
    if obj.is_null() {
        return;
    }
    // SAFETY: `obj` points to a live object (caller's contract); immortal
    // objects may live in read-only memory, so read before any write.
    unsafe {
        if (*obj).rc == RC_IMMORTAL {
            return;
        }
        if (*obj).flags & FLAG_SHARED != 0 {
            let rc = AtomicU32::from_ptr(std::ptr::addr_of_mut!((*obj).rc));
            rc.fetch_add(1, Ordering::Relaxed);
        } else {
            // Saturates into RC_IMMORTAL at worst: a leak, never a double free.
            (*obj).rc += 1;
        }
    }
}

/// Drops a reference, freeing the object when it was the last one, and with
/// it every child object that loses its last reference (see
/// [`crate::objects::destroy`]). Null and immortal objects are ignored.
///
/// # Safety
/// `obj` must be null or point to a live object whose reference the caller
/// owns.
#[no_mangle]
pub unsafe extern "C" fn lm_release(obj: *mut ObjectHeader) {
    // SAFETY: caller's contract; `destroy` gets the last reference. A
    // string has no children, so it is freed directly (the common case).
    unsafe {
        if dec_ref(obj) {
            if (*obj).kind == ObjectKind::String as u16 {
                free_block(obj);
            } else {
                crate::objects::destroy(obj);
            }
        }
    }
}

/// Live-block accounting for the tests (per thread, since tests run in
/// parallel): objects and list element buffers. Compiled to nothing outside
/// tests.
pub(crate) mod stats {
    #[cfg(test)]
    thread_local! {
        static LIVE: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
    }

    #[inline]
    pub(crate) fn allocated() {
        #[cfg(test)]
        LIVE.with(|l| l.set(l.get() + 1));
    }

    #[inline]
    pub(crate) fn freed() {
        #[cfg(test)]
        LIVE.with(|l| l.set(l.get() - 1));
    }

    /// Blocks (objects, list buffers) allocated and not yet freed by this thread.
    #[cfg(test)]
    pub(crate) fn live() -> i64 {
        LIVE.with(|l| l.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_frees_at_zero() {
        let before = stats::live();
        let obj = alloc_object(16, ObjectKind::String);
        assert_eq!(stats::live(), before + 1);
        unsafe {
            lm_retain(obj);
            assert_eq!((*obj).rc, 2);
            lm_release(obj);
            assert_eq!((*obj).rc, 1);
            assert_eq!(stats::live(), before + 1);
            lm_release(obj);
        }
        assert_eq!(stats::live(), before);
    }

    #[test]
    fn immortal_objects_are_never_touched() {
        // A literal as the code generator emits it; `static` (not `mut`) puts
        // it in read-only data, so any write would fault.
        static LITERAL: ObjectHeader = ObjectHeader {
            rc: RC_IMMORTAL,
            kind: ObjectKind::String as u16,
            flags: 0,
        };
        let p = &LITERAL as *const ObjectHeader as *mut ObjectHeader;
        let before = stats::live();
        unsafe {
            lm_retain(p);
            lm_release(p);
            lm_release(p);
        }
        assert_eq!(LITERAL.rc, RC_IMMORTAL);
        assert_eq!(stats::live(), before);
    }

    #[test]
    fn null_is_ignored() {
        unsafe {
            lm_retain(std::ptr::null_mut());
            lm_release(std::ptr::null_mut());
        }
    }

    #[test]
    fn shared_objects_count_atomically() {
        let before = stats::live();
        let obj = alloc_object(16, ObjectKind::String);
        unsafe {
            (*obj).flags |= FLAG_SHARED;
            lm_retain(obj);
            lm_retain(obj);
            assert_eq!((*obj).rc, 3);
            lm_release(obj);
            lm_release(obj);
            lm_release(obj);
        }
        assert_eq!(stats::live(), before);
    }

    #[test]
    fn count_saturates_into_immortal() {
        let obj = alloc_object(16, ObjectKind::String);
        unsafe {
            (*obj).rc = RC_IMMORTAL - 1;
            lm_retain(obj);
            assert_eq!((*obj).rc, RC_IMMORTAL);
            lm_release(obj);
            assert_eq!((*obj).rc, RC_IMMORTAL);
            // Clean up by hand: an immortal object is never freed.
            (*obj).rc = 1;
            lm_release(obj);
        }
    }
}
