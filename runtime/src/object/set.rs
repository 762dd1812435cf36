//! Sets (semantics.md §5): `set[T]` values, their elements unique and sorted
//! ascending, so iteration, `to_list` and display go in order.
//!
//! Storage and copy-on-write are in [`crate::sorted`]. `lm_set_add` and
//! `lm_set_remove` consume the caller's reference and return the set (the
//! same object when it was unshared, else a copy); union, intersection and
//! difference borrow both operands and build a new set in one linear merge
//! (or return an operand, retained, when the result equals it). Elements
//! passed in are borrowed (retained when stored); every result is owned.

use lumen_abi::{ObjectKind, TypeDesc};

use crate::map::column;
use crate::objects::{retain_slot, ListObj, Slot};
use crate::sorted::{self, Merge, SortedObj};

/// A set object (layout in [`crate::sorted`]).
pub type SetObj = SortedObj;

/// A new empty set of the set type `desc` (kind `Set`, children `[T]`).
///
/// # Safety
/// `desc` must be a valid descriptor of kind `Set` (see
/// [`crate::typedesc::Ty::new`]).
#[no_mangle]
pub unsafe extern "C" fn lm_set_new(desc: *const TypeDesc) -> *mut SetObj {
    // SAFETY: caller's contract.
    unsafe { sorted::new_sorted(ObjectKind::Set, desc, 0) }
}

/// Adds `v` (borrowed, retained when heap) unless an equal element is there
/// already. Consumes `set` and returns it (copy-on-write; the same object
/// when nothing changes).
///
/// # Safety
/// `set` must be a live set whose reference the caller owns; `v` a live
/// value of its element type.
#[no_mangle]
pub unsafe extern "C" fn lm_set_add(set: *mut SetObj, v: Slot) -> *mut SetObj {
    // SAFETY: caller's contract.
    unsafe {
        match sorted::find(set, v) {
            Ok(_) => set,
            Err(at) => {
                retain_slot(v, sorted::shape(set).key);
                let set = sorted::unshare_with_room(set, 1);
                sorted::insert_at(set, at, &[v]);
                set
            }
        }
    }
}

/// `v in s`: 1 when the set has an element equal to `v`, else 0.
///
/// # Safety
/// `set` must be a live set and `v` a live value of its element type.
#[no_mangle]
pub unsafe extern "C" fn lm_set_contains(set: *const SetObj, v: Slot) -> i8 {
    // SAFETY: caller's contract.
    unsafe { i8::from(sorted::find(set, v).is_ok()) }
}

/// Removes the element equal to `v`: consumes `set` and returns it (a copy
/// when shared); a missing element leaves the set as it is (the same object).
///
/// # Safety
/// `set` must be a live set whose reference the caller owns; `v` a live
/// value of its element type.
#[no_mangle]
pub unsafe extern "C" fn lm_set_remove(set: *mut SetObj, v: Slot) -> *mut SetObj {
    // SAFETY: caller's contract; a copy keeps the order, so `at` stays valid.
    unsafe {
        match sorted::find(set, v) {
            Ok(at) => {
                let set = sorted::unshare_with_room(set, 0);
                sorted::remove_at(set, at);
                set
            }
            Err(_) => set,
        }
    }
}

/// `len(s)`.
///
/// # Safety
/// `set` must be a live set.
#[no_mangle]
pub unsafe extern "C" fn lm_set_len(set: *const SetObj) -> i64 {
    // SAFETY: caller's contract.
    unsafe { sorted::len(set) as i64 }
}

/// The `i`-th element in ascending order, owned; `i` outside `0..len` is an
/// internal error.
///
/// # Safety
/// `set` must be a live set.
#[no_mangle]
pub unsafe extern "C" fn lm_set_at(set: *const SetObj, i: i64) -> Slot {
    // SAFETY: caller's contract.
    unsafe {
        let v = sorted::entry_at(set, i)[0];
        retain_slot(v, sorted::shape(set).key);
        v
    }
}

/// `a | b`: the elements of either (for equal elements, `a`'s).
///
/// # Safety
/// `a` and `b` must be live sets of the same type.
#[no_mangle]
pub unsafe extern "C" fn lm_set_union(a: *mut SetObj, b: *mut SetObj) -> *mut SetObj {
    // SAFETY: caller's contract.
    unsafe { sorted::merge(a, b, Merge::UnionLeft) }
}

/// `a & b`: the elements of `a` that `b` has too.
///
/// # Safety
/// `a` and `b` must be live sets of the same type.
#[no_mangle]
pub unsafe extern "C" fn lm_set_intersection(a: *mut SetObj, b: *mut SetObj) -> *mut SetObj {
    // SAFETY: caller's contract.
    unsafe { sorted::merge(a, b, Merge::Intersection) }
}

/// `a - b`: the elements of `a` that `b` does not have.
///
/// # Safety
/// `a` and `b` must be live sets of the same type.
#[no_mangle]
pub unsafe extern "C" fn lm_set_difference(a: *mut SetObj, b: *mut SetObj) -> *mut SetObj {
    // SAFETY: caller's contract.
    unsafe { sorted::merge(a, b, Merge::Difference) }
}

/// `to_list(s)`: a new list of the elements in ascending order; `list_desc`
/// is the descriptor of the list type.
///
/// # Safety
/// `set` must be a live set; `list_desc` a valid descriptor of kind `List`
/// whose element type is the set's.
#[no_mangle]
pub unsafe extern "C" fn lm_set_to_list(
    set: *const SetObj,
    list_desc: *const TypeDesc,
) -> *mut ListObj {
    // SAFETY: caller's contract.
    unsafe { column(set, list_desc, 0) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::list::lm_list_len;
    use crate::objects::{elems, release_slot, slot_obj};
    use crate::rc::{lm_release, lm_retain, stats};
    use crate::strings::{as_str, new_string};
    use crate::typedesc::test_descs::*;
    use crate::typedesc::Ty;

    fn no_leaks(f: impl FnOnce()) {
        let before = stats::live();
        f();
        assert_eq!(stats::live(), before, "blocks leaked");
    }

    fn rc(slot: Slot) -> u32 {
        unsafe { (*slot_obj(slot)).rc }
    }

    fn items(s: *const SetObj) -> Vec<Slot> {
        unsafe { sorted::entries(s).0.to_vec() }
    }

    fn texts(s: *const SetObj) -> Vec<String> {
        items(s)
            .iter()
            .map(|&v| unsafe { as_str(slot_obj(v).cast()) }.to_string())
            .collect()
    }

    fn of(ty: Ty, elems: &[Slot]) -> *mut SetObj {
        unsafe {
            let mut s = lm_set_new(set(ty).as_ptr());
            for &v in elems {
                s = lm_set_add(s, v);
            }
            s
        }
    }

    /// A set of strings, dropping the references to the texts made here.
    fn strs(texts: &[&str]) -> *mut SetObj {
        let vs: Vec<Slot> = texts.iter().map(|t| new_string(t) as Slot).collect();
        let s = of(string(), &vs);
        vs.iter()
            .for_each(|&v| unsafe { release_slot(v, string()) });
        s
    }

    #[test]
    fn add_keeps_elements_sorted_and_unique() {
        no_leaks(|| unsafe {
            let mut s = lm_set_new(set(int()).as_ptr());
            let first = s;
            for v in [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5] {
                s = lm_set_add(s, v);
            }
            assert_eq!(s, first, "in place when unshared");
            assert_eq!(items(s), [1, 2, 3, 4, 5, 6, 9]);
            assert_eq!(lm_set_len(s), 7);
            assert_eq!((lm_set_contains(s, 4), lm_set_contains(s, 7)), (1, 0));
            assert_eq!((lm_set_at(s, 0), lm_set_at(s, 6)), (1, 9));
            s = lm_set_remove(s, 4);
            s = lm_set_remove(s, 100);
            assert_eq!(s, first);
            assert_eq!(items(s), [1, 2, 3, 5, 6, 9]);
            lm_release(s.cast());
        });
    }

    #[test]
    fn strings_are_counted_and_copied_on_write() {
        no_leaks(|| unsafe {
            let a = new_string("a") as Slot;
            let mut s = lm_set_new(set(string()).as_ptr());
            s = lm_set_add(s, a);
            assert_eq!(rc(a), 2);
            let a2 = new_string("a") as Slot;
            s = lm_set_add(s, a2);
            assert_eq!((rc(a), rc(a2)), (2, 1), "an equal element is not added");
            let got = lm_set_at(s, 0);
            assert_eq!(rc(a), 3, "at returns an owned reference");
            lm_release(slot_obj(got));

            // Shared: add and remove copy; the original is unchanged.
            lm_retain(s.cast());
            let b = new_string("b") as Slot;
            let t = lm_set_add(s, b);
            assert_ne!(t, s);
            assert_eq!(((*s).header.rc, (*t).header.rc), (1, 1));
            assert_eq!(
                (texts(s), texts(t)),
                (vec!["a".into()], vec!["a".into(), "b".into()])
            );
            assert_eq!(rc(a), 3, "ours, s's, t's");
            lm_retain(t.cast());
            let u = lm_set_remove(t, a2);
            assert_ne!(u, t);
            assert_eq!(texts(u), ["b"]);
            assert_eq!(rc(a), 3);
            // Adding an element that is there already never copies.
            lm_retain(u.cast());
            let same = lm_set_add(u, b);
            assert_eq!(same, u);
            assert_eq!((*u).header.rc, 2);
            lm_release(same.cast());

            for x in [s, t, u] {
                lm_release(x.cast());
            }
            for x in [a, a2, b] {
                assert_eq!(rc(x), 1);
                lm_release(slot_obj(x));
            }
        });
    }

    #[test]
    fn union_intersection_difference() {
        no_leaks(|| unsafe {
            let a = strs(&["apple", "cherry", "kiwi", "pear"]);
            let b = strs(&["banana", "cherry", "pear", "plum"]);
            let u = lm_set_union(a, b);
            assert_eq!(
                texts(u),
                ["apple", "banana", "cherry", "kiwi", "pear", "plum"]
            );
            assert_eq!(items(u)[2], items(a)[1], "union keeps a's element");
            let i = lm_set_intersection(a, b);
            assert_eq!(texts(i), ["cherry", "pear"]);
            let d = lm_set_difference(a, b);
            assert_eq!(texts(d), ["apple", "kiwi"]);
            let d2 = lm_set_difference(b, a);
            assert_eq!(texts(d2), ["banana", "plum"]);
            assert_eq!(rc(items(a)[1]), 3, "cherry: a, u, i");

            let empty = strs(&[]);
            let results = [
                (lm_set_union(a, empty), a),
                (lm_set_union(empty, b), b),
                (lm_set_intersection(a, empty), empty),
                (lm_set_intersection(empty, a), empty),
                (lm_set_difference(a, empty), a),
                (lm_set_difference(empty, a), empty),
            ];
            for (got, want) in results {
                assert_eq!(got, want, "an empty operand reuses a set");
                lm_release(got.cast());
            }
            // Disjoint intersection: a new, empty set.
            let x = strs(&["x"]);
            let none = lm_set_intersection(a, x);
            assert_eq!(lm_set_len(none), 0);
            for s in [a, b, u, i, d, d2, empty, x, none] {
                lm_release(s.cast());
            }
        });
    }

    #[test]
    fn large_merges_are_ordered() {
        no_leaks(|| unsafe {
            let evens: Vec<Slot> = (0..1000).map(|i| i * 2).rev().collect();
            let threes: Vec<Slot> = (0..700).map(|i| i * 3).collect();
            let (e, t) = (of(int(), &evens), of(int(), &threes));
            let u = lm_set_union(e, t);
            let i = lm_set_intersection(e, t);
            let d = lm_set_difference(e, t);
            let want = |f: &dyn Fn(i64) -> bool| (0..2100).filter(|&n| f(n)).collect::<Vec<_>>();
            let (ev, th) = (|n: i64| n % 2 == 0 && n < 2000, |n: i64| n % 3 == 0);
            assert_eq!(items(u), want(&|n| ev(n) || th(n)));
            assert_eq!(items(i), want(&|n| ev(n) && th(n)));
            assert_eq!(items(d), want(&|n| ev(n) && !th(n)));
            for s in [e, t, u, i, d] {
                lm_release(s.cast());
            }
        });
    }

    #[test]
    fn to_list_in_order() {
        no_leaks(|| unsafe {
            let s = strs(&["b", "c", "a"]);
            let l = lm_set_to_list(s, list(string()).as_ptr());
            assert_eq!(lm_list_len(l), 3);
            let (xs, ty) = elems(l);
            assert_eq!(ty, string());
            assert_eq!(xs, items(s).as_slice());
            assert_eq!(rc(xs[0]), 2);
            lm_release(l.cast());
            lm_release(s.cast());
        });
    }

    #[test]
    fn nan_elements_sort_last_and_once() {
        no_leaks(|| unsafe {
            let f = |v: f64| v.to_bits() as Slot;
            let s = of(
                float(),
                &[f(f64::NAN), f(2.0), f(-f64::NAN), f(f64::INFINITY), f(-1.0)],
            );
            let got: Vec<f64> = items(s).iter().map(|&v| f64::from_bits(v as u64)).collect();
            assert_eq!(got.len(), 4);
            assert_eq!(got[..3], [-1.0, 2.0, f64::INFINITY]);
            assert!(got[3].is_nan());
            assert_eq!(lm_set_contains(s, f(f64::NAN)), 1);
            lm_release(s.cast());
        });
    }
}
