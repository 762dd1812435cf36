//! List operations (semantics.md §5): push, length, indexing, assignment by
//! index, concatenation.
//!
//! Lists are values with copy-on-write: an operation that mutates consumes the
//! caller's reference and works in place only when that reference is the only
//! one; otherwise it copies first (see [`lm_unshare`]). Growth doubles the
//! capacity, so a loop of pushes to an unshared list is amortised O(1).
//!
//! Indices may be negative (`-1` is the last element); out of range is the
//! runtime error `index 5 out of bounds for list of length 2`.

use lumen_abi::{SourceLoc, TypeDesc};

use crate::errors::fail_current_task;
use crate::objects::{
    elem_at, elem_width, elems, grow_buffer, is_packed, lm_unshare, new_list, release_slot,
    retain_slot, slot_obj, store_elem, store_elems, ListObj, Slot,
};
use crate::rc::{lm_release, lm_retain};
use crate::typedesc::Ty;

/// Capacity of the first buffer a push allocates.
const MIN_CAPACITY: usize = 4;

/// The message for an index out of range (semantics.md §5).
pub fn index_error_message(i: i64, len: usize) -> String {
    format!("index {i} out of bounds for list of length {len}")
}

/// The position of index `i` (negative from the end) in a list of `len`.
fn resolve(i: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let at = if i < 0 { i.checked_add(len)? } else { i };
    (0..len).contains(&at).then_some(at as usize)
}

/// Resolves `i` or fails the task with the index error at `loc`.
///
/// # Safety
/// `loc` must be null or a valid [`SourceLoc`].
unsafe fn resolve_or_fail(i: i64, len: usize, loc: *const SourceLoc) -> usize {
    match resolve(i, len) {
        Some(at) => at,
        // SAFETY: caller's contract on `loc`.
        None => unsafe { fail_current_task(&index_error_message(i, len), loc) },
    }
}

/// An empty list of elements of type `elem_desc`, with room for `capacity`
/// (negative counts as 0).
///
/// # Safety
/// `elem_desc` must be a valid descriptor (see [`Ty::new`]).
#[no_mangle]
pub unsafe extern "C" fn lm_list_new(elem_desc: *const TypeDesc, capacity: i64) -> *mut ListObj {
    // SAFETY: caller's contract; no elements to copy.
    unsafe { new_list(elem_desc, &[], capacity.max(0) as usize) }
}

/// A list of elements of type `elem_desc` holding copies of the `n` slots
/// at `slots` (retained when heap): a constant list literal, whose elements
/// the compiler lays out as static data instead of pushing them one by one.
///
/// # Safety
/// `elem_desc` must be a valid descriptor; `slots` must point to `n` live
/// values of that type (`n >= 0`).
#[no_mangle]
pub unsafe extern "C" fn lm_list_from_static(
    elem_desc: *const TypeDesc,
    slots: *const Slot,
    n: i64,
) -> *mut ListObj {
    let n = n.max(0) as usize;
    // SAFETY: caller's contract.
    unsafe {
        let src = if n == 0 {
            &[][..]
        } else {
            std::slice::from_raw_parts(slots, n)
        };
        new_list(elem_desc, src, n)
    }
}

/// Appends `v` to `list`: consumes the list reference and returns the list
/// (the same object when unshared, else a copy with room to grow); `v` is
/// borrowed and retained when heap.
///
/// # Safety
/// `list` must be a live list whose reference the caller owns; `v` a value of
/// its element type.
#[no_mangle]
pub unsafe extern "C" fn lm_list_push(list: *mut ListObj, v: Slot) -> *mut ListObj {
    // SAFETY: caller's contract.
    unsafe {
        retain_slot(v, Ty::new((*list).elem));
        lm_list_push_owned(list, v)
    }
}

/// [`lm_list_push`] taking over the caller's reference to `v` (a heap
/// temporary moved into the list) instead of retaining it.
///
/// # Safety
/// As for [`lm_list_push`]; the caller owns a reference to `v` and gives it up.
#[no_mangle]
pub unsafe extern "C" fn lm_list_push_owned(list: *mut ListObj, v: Slot) -> *mut ListObj {
    // SAFETY: caller's contract; a count of 1 means the caller's reference is
    // the only one, so growing in place is invisible to anyone else.
    unsafe {
        let elem = (*list).elem;
        let len = (*list).len as usize;
        let list = if (*list).header.rc == 1 {
            if (*list).len == (*list).cap {
                let cap = len.saturating_mul(2).max(MIN_CAPACITY);
                (*list).data =
                    grow_buffer((*list).data, (*list).cap as usize, cap, elem_width(elem));
                (*list).cap = cap as u64;
            }
            list
        } else {
            let (src, _) = elems(list);
            let copy = new_list(elem, &src, len.saturating_mul(2).max(MIN_CAPACITY));
            lm_release(list.cast());
            copy
        };
        store_elem(list, len, v);
        (*list).len += 1;
        list
    }
}

/// `len(xs)`.
///
/// # Safety
/// `list` must be a live list.
#[no_mangle]
pub unsafe extern "C" fn lm_list_len(list: *const ListObj) -> i64 {
    // SAFETY: caller's contract.
    unsafe { (*list).len as i64 }
}

/// `xs[i]` (negative from the end): the element, owned (retained when heap).
/// Out of range fails the task at `loc`.
///
/// # Safety
/// `list` must be a live list; `loc` null or a valid [`SourceLoc`].
#[no_mangle]
pub unsafe extern "C" fn lm_list_get(list: *const ListObj, i: i64, loc: *const SourceLoc) -> Slot {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        unsafe {
            let v = elem_at(list, resolve_or_fail(i, (*list).len as usize, loc));
            retain_slot(v, Ty::new((*list).elem));
            v
        }
    })
}

/// `xs[i]` without retaining the element (see `LM_LIST_GET_BORROWED`).
///
/// # Safety
/// As for [`lm_list_get`]; the result is valid only while `list` holds it.
#[no_mangle]
pub unsafe extern "C" fn lm_list_get_borrowed(
    list: *const ListObj,
    i: i64,
    loc: *const SourceLoc,
) -> Slot {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        unsafe { elem_at(list, resolve_or_fail(i, (*list).len as usize, loc)) }
    })
}

/// Element `i` of `list` (negative from the end), borrowed, or 0 when out of
/// range (see `LM_LIST_PEEK`).
///
/// # Safety
/// `list` must be a live list.
#[no_mangle]
pub unsafe extern "C" fn lm_list_peek(list: *const ListObj, i: i64) -> Slot {
    // SAFETY: caller's contract.
    unsafe { resolve(i, (*list).len as usize).map_or(0, |at| elem_at(list, at)) }
}

/// `xs[i] = v`: consumes the list reference (copy-on-write) and returns the
/// list; `v` is borrowed (retained when heap), the old element released. Out
/// of range fails the task at `loc`.
///
/// # Safety
/// `list` must be a live list whose reference the caller owns; `v` a value of
/// its element type; `loc` null or a valid [`SourceLoc`].
#[no_mangle]
pub unsafe extern "C" fn lm_list_set(
    list: *mut ListObj,
    i: i64,
    v: Slot,
    loc: *const SourceLoc,
) -> *mut ListObj {
    crate::errors::guard(|| {
        // SAFETY: caller's contract; after `lm_unshare` the list is ours alone.
        unsafe {
            let at = resolve_or_fail(i, (*list).len as usize, loc);
            let ty = Ty::new((*list).elem);
            // Retain first: `v` may be the element being replaced.
            retain_slot(v, ty);
            let list = lm_unshare(list.cast()).cast::<ListObj>();
            let old = elem_at(list, at);
            store_elem(list, at, v);
            release_slot(old, ty);
            list
        }
    })
}

/// The address of slot `i` of an unshared list, for an update in place of
/// the element (`xs[i].f = v`, `m[i][j] = v`): a heap element that is shared
/// (or immortal) is first replaced by its own copy, so the caller may change
/// it through the returned address. The slot keeps owning the element; the
/// address is valid until the list's buffer changes. Out of range fails the
/// task at `loc`.
///
/// # Safety
/// `list` must be a live list that nothing else refers to (after
/// `lm_unshare`); `loc` null or a valid [`SourceLoc`].
#[no_mangle]
pub unsafe extern "C" fn lm_list_slot_mut(
    list: *mut ListObj,
    i: i64,
    loc: *const SourceLoc,
) -> *mut Slot {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        unsafe {
            if is_packed((*list).elem) {
                crate::errors::internal_error("lm_list_slot_mut on a list of Bool");
            }
            let at = resolve_or_fail(i, (*list).len as usize, loc);
            let slot = (*list).data.add(at);
            if Ty::new((*list).elem).is_heap() {
                // `lm_unshare` consumes the slot's reference and returns one to
                // an object nobody else holds.
                slot.write(lm_unshare(slot_obj(slot.read())) as Slot);
            }
            slot
        }
    })
}

/// `xs[i]` on a packed `list[Bool]`: [`lm_list_get`] (the name is for the
/// code generator, which then knows the layout).
///
/// # Safety
/// As for [`lm_list_get`].
#[no_mangle]
pub unsafe extern "C" fn lm_bools_get(list: *const ListObj, i: i64, loc: *const SourceLoc) -> Slot {
    // (No guard: the function it calls has its own.)
    // SAFETY: caller's contract.
    unsafe { lm_list_get(list, i, loc) }
}

/// `xs[i] = v` on a packed `list[Bool]`: [`lm_list_set`].
///
/// # Safety
/// As for [`lm_list_set`].
#[no_mangle]
pub unsafe extern "C" fn lm_bools_set(
    list: *mut ListObj,
    i: i64,
    v: Slot,
    loc: *const SourceLoc,
) -> *mut ListObj {
    // (No guard: the function it calls has its own.)
    // SAFETY: caller's contract.
    unsafe { lm_list_set(list, i, v, loc) }
}

/// `append(xs, v)` on a packed `list[Bool]`: [`lm_list_push`].
///
/// # Safety
/// As for [`lm_list_push`].
#[no_mangle]
pub unsafe extern "C" fn lm_bools_push(list: *mut ListObj, v: Slot) -> *mut ListObj {
    // SAFETY: caller's contract.
    unsafe { lm_list_push(list, v) }
}

/// `xs[i] = v` on a list the caller proved unshared: [`lm_list_set`] (which
/// then works in place).
///
/// # Safety
/// As for [`lm_list_set`].
#[no_mangle]
pub unsafe extern "C" fn lm_list_set_unique(
    list: *mut ListObj,
    i: i64,
    v: Slot,
    loc: *const SourceLoc,
) -> *mut ListObj {
    // (No guard: the function it calls has its own.)
    // SAFETY: caller's contract.
    unsafe { lm_list_set(list, i, v, loc) }
}

/// `xs[i] = v` on a packed `list[Bool]` the caller proved unshared:
/// [`lm_list_set`].
///
/// # Safety
/// As for [`lm_list_set`].
#[no_mangle]
pub unsafe extern "C" fn lm_bools_set_unique(
    list: *mut ListObj,
    i: i64,
    v: Slot,
    loc: *const SourceLoc,
) -> *mut ListObj {
    // (No guard: the function it calls has its own.)
    // SAFETY: caller's contract.
    unsafe { lm_list_set(list, i, v, loc) }
}

/// `xs ++ ys`: a new list (or one of the operands, retained, when the other
/// is empty). Both operands are borrowed.
///
/// # Safety
/// `a` and `b` must be live lists of the same element type.
#[no_mangle]
pub unsafe extern "C" fn lm_list_concat(a: *mut ListObj, b: *mut ListObj) -> *mut ListObj {
    // SAFETY: caller's contract.
    unsafe {
        let (x, xt) = elems(a);
        let (y, _) = elems(b);
        if x.is_empty() || y.is_empty() {
            let keep = if y.is_empty() { a } else { b };
            lm_retain(keep.cast());
            return keep;
        }
        let list = new_list((*a).elem, &x, x.len() + y.len());
        store_elems(list, x.len(), &y);
        y.iter().for_each(|&s| retain_slot(s, xt));
        (*list).len += y.len() as u64;
        list
    }
}

/// `sort_by`: a new list with the elements of `xs` in the (stable) order of
/// the corresponding elements of `keys`.
///
/// # Safety
/// `xs` and `keys` must be live lists of the same length.
#[no_mangle]
pub unsafe extern "C" fn lm_list_sort_by_keys(
    xs: *mut ListObj,
    keys: *mut ListObj,
) -> *mut ListObj {
    // SAFETY: caller's contract.
    unsafe {
        let (x, _) = elems(xs);
        let (k, kt) = elems(keys);
        if x.len() != k.len() {
            crate::errors::internal_error("sort_by: keys and elements differ in length");
        }
        let mut order: Vec<usize> = (0..x.len()).collect();
        // `sort_by` is stable: equal keys keep the list's order.
        order.sort_by(|&i, &j| crate::compare::value_cmp(k[i], k[j], kt));
        let sorted: Vec<Slot> = order.iter().map(|&i| x[i]).collect();
        new_list((*xs).elem, &sorted, sorted.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::slot_obj;
    use crate::rc::stats;
    use crate::strings::{as_str, new_string};
    use crate::typedesc::test_descs::*;

    fn no_leaks(f: impl FnOnce()) {
        let before = stats::live();
        f();
        assert_eq!(stats::live(), before, "blocks leaked");
    }

    fn rc(slot: Slot) -> u32 {
        unsafe { (*slot_obj(slot)).rc }
    }

    fn ints(list: *mut ListObj) -> Vec<i64> {
        unsafe { elems(list).0.to_vec() }
    }

    fn text(slot: Slot) -> String {
        unsafe { as_str(slot_obj(slot).cast()) }.to_string()
    }

    #[test]
    fn index_resolution_and_message() {
        assert_eq!(resolve(0, 2), Some(0));
        assert_eq!(resolve(1, 2), Some(1));
        assert_eq!(resolve(-1, 2), Some(1));
        assert_eq!(resolve(-2, 2), Some(0));
        assert_eq!(resolve(2, 2), None);
        assert_eq!(resolve(-3, 2), None);
        assert_eq!(resolve(0, 0), None);
        assert_eq!(resolve(i64::MIN, 2), None);
        assert_eq!(resolve(i64::MAX, 2), None);
        assert_eq!(
            index_error_message(5, 2),
            "index 5 out of bounds for list of length 2"
        );
        assert_eq!(
            index_error_message(-3, 2),
            "index -3 out of bounds for list of length 2"
        );
    }

    #[test]
    fn push_grows_in_place_when_unshared() {
        no_leaks(|| unsafe {
            let mut xs = lm_list_new(int().as_ptr(), 0);
            let first = xs;
            for i in 0..100 {
                xs = lm_list_push(xs, i);
            }
            assert_eq!(xs, first, "an unshared list grows in place");
            assert_eq!(lm_list_len(xs), 100);
            assert_eq!(ints(xs), (0..100).collect::<Vec<_>>());
            // Doubling: the capacity is a power-of-two multiple of the minimum.
            assert_eq!((*xs).cap, 128);
            lm_release(xs.cast());
        });
    }

    #[test]
    fn push_copies_when_shared() {
        no_leaks(|| unsafe {
            let a = new_string("a") as Slot;
            let mut xs = lm_list_new(string().as_ptr(), 1);
            xs = lm_list_push(xs, a);
            assert_eq!(rc(a), 2, "push retains a heap element");
            lm_retain(xs.cast());
            let ys = lm_list_push(xs, a);
            assert_ne!(ys, xs);
            assert_eq!(((*xs).header.rc, (*ys).header.rc), (1, 1));
            assert_eq!(lm_list_len(xs), 1);
            assert_eq!(lm_list_len(ys), 2);
            assert_eq!(rc(a), 4, "the caller's, xs's and two in ys");
            lm_release(xs.cast());
            lm_release(ys.cast());
            assert_eq!(rc(a), 1);
            lm_release(slot_obj(a));
        });
    }

    #[test]
    fn get_and_set_with_negative_indices() {
        no_leaks(|| unsafe {
            let mut xs = lm_list_new(string().as_ptr(), 0);
            for t in ["zero", "one", "two"] {
                let s = new_string(t) as Slot;
                xs = lm_list_push(xs, s);
                lm_release(slot_obj(s));
            }
            let last = lm_list_get(xs, -1, std::ptr::null());
            assert_eq!(text(last), "two");
            assert_eq!(rc(last), 2, "get returns an owned reference");
            lm_release(slot_obj(last));
            let zero = lm_list_get(xs, -3, std::ptr::null());
            assert_eq!(text(zero), "zero");

            // In place when unshared; the old element is released.
            let new = new_string("uno") as Slot;
            let old = lm_list_get(xs, 1, std::ptr::null());
            let same = lm_list_set(xs, -2, new, std::ptr::null());
            assert_eq!(same, xs);
            assert_eq!(rc(old), 1, "only our reference is left");
            lm_release(slot_obj(old));
            assert_eq!(rc(new), 2);

            // Copy when shared: the original keeps its element.
            lm_retain(xs.cast());
            let ys = lm_list_set(xs, 0, new, std::ptr::null());
            assert_ne!(ys, xs);
            assert_eq!(text(elems(xs).0[0]), "zero");
            assert_eq!(text(elems(ys).0[0]), "uno");
            assert_eq!(rc(zero), 2, "ours and xs's");
            assert_eq!(rc(new), 4, "ours, xs[1], ys[0], ys[1]");
            lm_release(ys.cast());
            lm_release(xs.cast());
            assert_eq!((rc(zero), rc(new)), (1, 1));
            lm_release(slot_obj(zero));
            lm_release(slot_obj(new));
        });
    }

    #[test]
    fn set_of_the_same_element_keeps_it_alive() {
        no_leaks(|| unsafe {
            let mut xs = lm_list_new(string().as_ptr(), 0);
            let s = new_string("only") as Slot;
            xs = lm_list_push(xs, s);
            lm_release(slot_obj(s));
            // `xs[0] = xs[0]` with the value borrowed from the list itself.
            let v = elems(xs).0[0];
            xs = lm_list_set(xs, 0, v, std::ptr::null());
            assert_eq!(text(elems(xs).0[0]), "only");
            assert_eq!(rc(v), 1);
            lm_release(xs.cast());
        });
    }

    #[test]
    fn concat_makes_a_new_list() {
        no_leaks(|| unsafe {
            let s = new_string("s") as Slot;
            let mut a = lm_list_new(string().as_ptr(), 0);
            let mut b = lm_list_new(string().as_ptr(), 0);
            a = lm_list_push(a, s);
            b = lm_list_push(b, s);
            b = lm_list_push(b, s);
            let c = lm_list_concat(a, b);
            assert_eq!(lm_list_len(c), 3);
            assert_eq!(rc(s), 7, "ours, a, b×2, c×3");
            let empty = lm_list_new(string().as_ptr(), 0);
            let d = lm_list_concat(empty, c);
            assert_eq!(d, c, "concatenating an empty list reuses the other");
            let e = lm_list_concat(c, empty);
            assert_eq!(e, c);
            assert_eq!((*c).header.rc, 3);
            for l in [a, b, c, d, e, empty] {
                lm_release(l.cast());
            }
            assert_eq!(rc(s), 1);
            lm_release(slot_obj(s));
        });
    }

    #[test]
    fn nested_lists_release_everything() {
        no_leaks(|| unsafe {
            let inner_ty = list(string());
            let mut outer = lm_list_new(inner_ty.as_ptr(), 0);
            for i in 0..10 {
                let mut inner = lm_list_new(string().as_ptr(), 0);
                for j in 0..i {
                    let s = new_string(&format!("{i}.{j}")) as Slot;
                    inner = lm_list_push(inner, s);
                    lm_release(slot_obj(s));
                }
                outer = lm_list_push(outer, inner as Slot);
                lm_release(inner.cast());
            }
            let copy = lm_list_concat(outer, outer);
            lm_release(outer.cast());
            lm_release(copy.cast());
        });
    }
}
