//! List builtins (builtins.md, Lists): `insert`/`prepend`, `remove_at`,
//! `slice`/`take`/`drop`, `reverse`, `sort`, `unique`, `flatten`,
//! `index_of`/`contains`, `range`, `chunk`, `window`, `sum`, `product`,
//! `min`, `max`.
//!
//! Every function borrows its list and returns a new one (elements
//! retained). Equality and ordering are those of [`crate::compare`]; `sort`
//! is stable.

use std::collections::HashSet;

use lumen_abi::{SourceLoc, TypeDesc, TypeKind};

use super::list_from_owned;
use super::text::clamp_range;
use crate::compare::{value_cmp, value_eq};
use crate::errors::fail_current_task;
use crate::list::index_error_message;
use crate::objects::{elems, new_list, retain_slot, store_elem, store_elems, ListObj, Slot};
use crate::strings::bytes;

/// A new list of the same element type as `list` holding copies of `slots`.
///
/// # Safety
/// `list` must be a live list and `slots` live values of its element type.
unsafe fn like(list: *const ListObj, slots: &[Slot]) -> *mut ListObj {
    // SAFETY: caller's contract.
    unsafe { new_list((*list).elem, slots, slots.len()) }
}

/// Fails the task at `loc`.
///
/// # Safety
/// `loc` must be null or a valid [`SourceLoc`].
unsafe fn fail(message: &str, loc: *const SourceLoc) -> ! {
    // SAFETY: caller's contract.
    unsafe { fail_current_task(message, loc) }
}

/// `insert(xs, i, v)`: `v` before position `i` (0..=len; negative counts
/// from the end, so -1 inserts before the last element). Out of range fails
/// at `loc` with the index error of semantics.md §5.
///
/// # Safety
/// `list` must be a live list, `v` a value of its element type (borrowed),
/// `loc` null or a valid location.
#[no_mangle]
pub unsafe extern "C" fn lm_list_insert(
    list: *const ListObj,
    i: i64,
    v: Slot,
    loc: *const SourceLoc,
) -> *mut ListObj {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        unsafe {
            let (xs, ty) = elems(list);
            let n = xs.len() as i64;
            let at = if i < 0 { i.saturating_add(n) } else { i };
            if !(0..=n).contains(&at) {
                fail(&index_error_message(i, xs.len()), loc);
            }
            let at = at as usize;
            let out = new_list((*list).elem, &xs[..at], xs.len() + 1);
            retain_slot(v, ty);
            store_elem(out, at, v);
            let rest = &xs[at..];
            store_elems(out, at + 1, rest);
            rest.iter().for_each(|&s| retain_slot(s, ty));
            (*out).len = xs.len() as u64 + 1;
            out
        }
    })
}

/// `remove_at(xs, i)`: without the element at `i` (negative from the end);
/// out of range fails at `loc`.
///
/// # Safety
/// `list` must be a live list; `loc` null or a valid location.
#[no_mangle]
pub unsafe extern "C" fn lm_list_remove_at(
    list: *const ListObj,
    i: i64,
    loc: *const SourceLoc,
) -> *mut ListObj {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        unsafe {
            let (xs, _) = elems(list);
            let n = xs.len() as i64;
            let at = if i < 0 { i.saturating_add(n) } else { i };
            if !(0..n).contains(&at) {
                fail(&index_error_message(i, xs.len()), loc);
            }
            let at = at as usize;
            let mut kept = xs[..at].to_vec();
            kept.extend_from_slice(&xs[at + 1..]);
            like(list, &kept)
        }
    })
}

/// `slice(xs, start, end)`: negative indices from the end, clamped.
///
/// # Safety
/// `list` must be a live list.
#[no_mangle]
pub unsafe extern "C" fn lm_list_slice(list: *const ListObj, start: i64, end: i64) -> *mut ListObj {
    // SAFETY: caller's contract.
    unsafe {
        let (xs, _) = elems(list);
        let (a, b) = clamp_range(start, end, xs.len());
        like(list, &xs[a..b])
    }
}

/// `take(xs, n)`: the first `n` elements (all when `n` ≥ len, none when `n` ≤ 0).
///
/// # Safety
/// `list` must be a live list.
#[no_mangle]
pub unsafe extern "C" fn lm_list_take(list: *const ListObj, n: i64) -> *mut ListObj {
    // SAFETY: caller's contract.
    unsafe {
        let (xs, _) = elems(list);
        let n = n.clamp(0, xs.len() as i64) as usize;
        like(list, &xs[..n])
    }
}

/// `drop(xs, n)`: without the first `n` elements (clamped like `take`).
///
/// # Safety
/// `list` must be a live list.
#[no_mangle]
pub unsafe extern "C" fn lm_list_drop(list: *const ListObj, n: i64) -> *mut ListObj {
    // SAFETY: caller's contract.
    unsafe {
        let (xs, _) = elems(list);
        let n = n.clamp(0, xs.len() as i64) as usize;
        like(list, &xs[n..])
    }
}

/// `reverse(xs)`.
///
/// # Safety
/// `list` must be a live list.
#[no_mangle]
pub unsafe extern "C" fn lm_list_reverse(list: *const ListObj) -> *mut ListObj {
    // SAFETY: caller's contract.
    unsafe {
        let (xs, _) = elems(list);
        let reversed: Vec<Slot> = xs.iter().rev().copied().collect();
        like(list, &reversed)
    }
}

/// `sort(xs)`: ascending by [`value_cmp`], stable.
///
/// # Safety
/// `list` must be a live list.
#[no_mangle]
pub unsafe extern "C" fn lm_list_sort(list: *const ListObj) -> *mut ListObj {
    // SAFETY: caller's contract.
    unsafe {
        let (xs, ty) = elems(list);
        let mut sorted = xs.to_vec();
        // `sort_by` is a stable merge sort; `value_cmp` is a total preorder.
        sorted.sort_by(|&a, &b| value_cmp(a, b, ty));
        like(list, &sorted)
    }
}

/// `unique(xs)`: the first of each group of equal elements, in order.
///
/// # Safety
/// `list` must be a live list.
#[no_mangle]
pub unsafe extern "C" fn lm_list_unique(list: *const ListObj) -> *mut ListObj {
    // SAFETY: caller's contract.
    unsafe {
        let (xs, ty) = elems(list);
        let kept: Vec<Slot> = match ty.kind() {
            TypeKind::Int | TypeKind::Bool | TypeKind::TagEnum => {
                let mut seen = HashSet::new();
                xs.iter().copied().filter(|&x| seen.insert(x)).collect()
            }
            TypeKind::Float => {
                // NaN equals nothing, so every NaN stays; -0.0 == 0.0.
                let mut seen = HashSet::new();
                xs.iter()
                    .copied()
                    .filter(|&x| {
                        let f = f64::from_bits(x as u64);
                        f.is_nan() || seen.insert(if f == 0.0 { 0 } else { x })
                    })
                    .collect()
            }
            TypeKind::String => {
                let mut seen: HashSet<&[u8]> = HashSet::new();
                xs.iter()
                    .copied()
                    .filter(|&x| x == 0 || seen.insert(bytes(super::slot_str(x))))
                    .collect()
            }
            _ => {
                let mut kept: Vec<Slot> = Vec::new();
                for &x in xs.iter() {
                    if !kept.iter().any(|&k| value_eq(k, x, ty)) {
                        kept.push(x);
                    }
                }
                kept
            }
        };
        like(list, &kept)
    }
}

/// `flatten(xs)`: the elements of the inner lists, in order; `elem` is their
/// element type.
///
/// # Safety
/// `list` must be a live list of lists whose elements have type `elem`.
#[no_mangle]
pub unsafe extern "C" fn lm_list_flatten(
    list: *const ListObj,
    elem: *const TypeDesc,
) -> *mut ListObj {
    // SAFETY: caller's contract.
    unsafe {
        let (outer, _) = elems(list);
        let mut all = Vec::new();
        for &inner in outer.iter() {
            if inner != 0 {
                all.extend_from_slice(&elems(inner as usize as *const ListObj).0);
            }
        }
        new_list(elem, &all, all.len())
    }
}

/// `index_of(xs, v)`: the index of the first element equal to `v`, or -1.
///
/// # Safety
/// `list` must be a live list and `v` a value of its element type.
#[no_mangle]
pub unsafe extern "C" fn lm_list_index_of(list: *const ListObj, v: Slot) -> i64 {
    // SAFETY: caller's contract.
    unsafe {
        let (xs, ty) = elems(list);
        xs.iter()
            .position(|&x| value_eq(x, v, ty))
            .map_or(-1, |i| i as i64)
    }
}

/// `range(a, b, step)`: `a, a+step, …` while before `b` (`list[Int]`, `int`
/// its element descriptor); a zero step fails at `loc`.
///
/// # Safety
/// `int` must be the Int descriptor; `loc` null or a valid location.
#[no_mangle]
pub unsafe extern "C" fn lm_list_range(
    a: i64,
    b: i64,
    step: i64,
    int: *const TypeDesc,
    loc: *const SourceLoc,
) -> *mut ListObj {
    crate::errors::guard(|| {
        if step == 0 {
            // SAFETY: caller's contract.
            unsafe { fail("range step must not be zero", loc) }
        }
        let (a, b, s) = (a as i128, b as i128, step as i128);
        let count = if s > 0 && b > a {
            (b - a + s - 1) / s
        } else if s < 0 && b < a {
            (a - b + (-s) - 1) / (-s)
        } else {
            0
        };
        if count > (isize::MAX / 16) as i128 {
            // SAFETY: caller's contract.
            unsafe { fail("range: the list would be too large", loc) }
        }
        let mut values = Vec::new();
        // SAFETY: caller's contract on `loc`.
        unsafe { crate::memory::reserve(&mut values, count as usize, loc) };
        values.extend((0..count).map(|k| (a + k * s) as i64));
        // SAFETY: Ints need no references.
        unsafe { list_from_owned(int, values) }
    })
}

/// Splits `list` into the lists `pieces` gives as index ranges.
///
/// # Safety
/// `list` must be a live list; `outer` the descriptor of `list[T]`.
unsafe fn sublists(
    list: *const ListObj,
    outer: *const TypeDesc,
    pieces: impl Iterator<Item = (usize, usize)>,
) -> *mut ListObj {
    // SAFETY: caller's contract; each new inner list's reference moves in.
    unsafe {
        let (xs, _) = elems(list);
        let inner = pieces.map(|(a, b)| like(list, &xs[a..b]) as Slot).collect();
        list_from_owned(outer, inner)
    }
}

/// `chunk(xs, n)`: consecutive pieces of `n` (the last may be shorter);
/// `n` ≤ 0 fails at `loc`.
///
/// # Safety
/// As for [`sublists`]; `loc` null or a valid location.
#[no_mangle]
pub unsafe extern "C" fn lm_list_chunk(
    list: *const ListObj,
    n: i64,
    outer: *const TypeDesc,
    loc: *const SourceLoc,
) -> *mut ListObj {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        unsafe {
            if n <= 0 {
                fail(&format!("chunk size must be positive (got {n})"), loc);
            }
            let len = (*list).len as usize;
            let n = n.min(len.max(1) as i64) as usize;
            sublists(
                list,
                outer,
                (0..len).step_by(n).map(|a| (a, (a + n).min(len))),
            )
        }
    })
}

/// `window(xs, n)`: every run of `n` consecutive elements (none when `n` >
/// len); `n` ≤ 0 fails at `loc`.
///
/// # Safety
/// As for [`sublists`]; `loc` null or a valid location.
#[no_mangle]
pub unsafe extern "C" fn lm_list_window(
    list: *const ListObj,
    n: i64,
    outer: *const TypeDesc,
    loc: *const SourceLoc,
) -> *mut ListObj {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        unsafe {
            if n <= 0 {
                fail(&format!("window size must be positive (got {n})"), loc);
            }
            let len = (*list).len as usize;
            let count = (len as i64 - n + 1).max(0) as usize;
            let n = n as usize;
            sublists(list, outer, (0..count).map(|a| (a, a + n)))
        }
    })
}

/// Folds a `list[Int]` or `list[Float]` into a slot.
///
/// # Safety
/// `list` must be a live list of Int or Float; `loc` null or a valid location.
unsafe fn fold(
    list: *const ListObj,
    int_start: i64,
    int_op: fn(i64, i64) -> Option<i64>,
    float_op: fn(f64, f64) -> f64,
    overflow: &str,
    loc: *const SourceLoc,
) -> Slot {
    // SAFETY: caller's contract.
    unsafe {
        let (xs, ty) = elems(list);
        if ty.kind() == TypeKind::Float {
            let start = int_start as f64;
            let total = xs
                .iter()
                .fold(start, |acc, &x| float_op(acc, f64::from_bits(x as u64)));
            return total.to_bits() as Slot;
        }
        let mut acc = int_start;
        for &x in xs.iter() {
            acc = match int_op(acc, x) {
                Some(v) => v,
                None => fail(overflow, loc),
            };
        }
        acc
    }
}

/// `sum(xs)` of a `list[Int]` (overflow fails at `loc`) or `list[Float]`,
/// as a slot; 0 for an empty list.
///
/// # Safety
/// `list` must be a live list of Int or Float; `loc` null or a valid location.
#[no_mangle]
pub unsafe extern "C" fn lm_list_sum(list: *const ListObj, loc: *const SourceLoc) -> Slot {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        unsafe {
            fold(
                list,
                0,
                i64::checked_add,
                |a, b| a + b,
                "integer overflow in addition",
                loc,
            )
        }
    })
}

/// `product(xs)`, like [`lm_list_sum`]; 1 for an empty list.
///
/// # Safety
/// As for [`lm_list_sum`].
#[no_mangle]
pub unsafe extern "C" fn lm_list_product(list: *const ListObj, loc: *const SourceLoc) -> Slot {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        unsafe {
            fold(
                list,
                1,
                i64::checked_mul,
                |a, b| a * b,
                "integer overflow in multiplication",
                loc,
            )
        }
    })
}

/// The first element that no other element beats by `better`, owned.
///
/// # Safety
/// `list` must be a live list; `loc` null or a valid location.
unsafe fn extreme(
    list: *const ListObj,
    name: &str,
    better: std::cmp::Ordering,
    loc: *const SourceLoc,
) -> Slot {
    // SAFETY: caller's contract.
    unsafe {
        let (xs, ty) = elems(list);
        let Some((&first, rest)) = xs.split_first() else {
            fail(&format!("{name} of an empty list"), loc)
        };
        let best = rest.iter().fold(first, |best, &x| {
            if value_cmp(x, best, ty) == better {
                x
            } else {
                best
            }
        });
        retain_slot(best, ty);
        best
    }
}

/// `min(xs)`: the first least element (owned); an empty list fails at `loc`
/// with `min of an empty list`.
///
/// # Safety
/// `list` must be a live list; `loc` null or a valid location.
#[no_mangle]
pub unsafe extern "C" fn lm_list_min(list: *const ListObj, loc: *const SourceLoc) -> Slot {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        unsafe { extreme(list, "min", std::cmp::Ordering::Less, loc) }
    })
}

/// `max(xs)`: the first greatest element (owned); `max of an empty list`.
///
/// # Safety
/// As for [`lm_list_min`].
#[no_mangle]
pub unsafe extern "C" fn lm_list_max(list: *const ListObj, loc: *const SourceLoc) -> Slot {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        unsafe { extreme(list, "max", std::cmp::Ordering::Greater, loc) }
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use crate::typedesc::test_descs::{int, list, string};

    fn null() -> *const SourceLoc {
        std::ptr::null()
    }

    #[test]
    fn insert_remove_slice_take_drop_reverse() {
        no_leaks(|| unsafe {
            let xs = int_list(&[1, 2, 3]);
            let check = |l: *mut ListObj, want: &[i64]| {
                assert_eq!(ints(l), want);
                release(l);
            };
            check(lm_list_insert(xs, 0, 9, null()), &[9, 1, 2, 3]);
            check(lm_list_insert(xs, 3, 9, null()), &[1, 2, 3, 9]);
            check(lm_list_insert(xs, -1, 9, null()), &[1, 2, 9, 3]);
            check(lm_list_insert(xs, -3, 9, null()), &[9, 1, 2, 3]);
            check(lm_list_remove_at(xs, 1, null()), &[1, 3]);
            check(lm_list_remove_at(xs, -1, null()), &[1, 2]);
            check(lm_list_slice(xs, 1, 99), &[2, 3]);
            check(lm_list_slice(xs, -2, -1), &[2]);
            check(lm_list_slice(xs, 2, 1), &[]);
            check(lm_list_take(xs, 2), &[1, 2]);
            check(lm_list_take(xs, -2), &[]);
            check(lm_list_take(xs, 9), &[1, 2, 3]);
            check(lm_list_drop(xs, 2), &[3]);
            check(lm_list_drop(xs, 9), &[]);
            check(lm_list_drop(xs, -1), &[1, 2, 3]);
            check(lm_list_reverse(xs), &[3, 2, 1]);
            release(xs);
        });
    }

    #[test]
    fn heap_elements_are_retained() {
        no_leaks(|| unsafe {
            let xs = str_list(&["b", "a", "b"]);
            let first = elems(xs).0[0];
            let inserted = lm_list_insert(xs, 1, first, null());
            assert_eq!(strings(inserted), ["b", "b", "a", "b"]);
            let sorted = lm_list_sort(xs);
            assert_eq!(strings(sorted), ["a", "b", "b"]);
            let unique = lm_list_unique(xs);
            assert_eq!(strings(unique), ["b", "a"]);
            release(xs);
            assert_eq!(strings(inserted), ["b", "b", "a", "b"]);
            for l in [inserted, sorted, unique] {
                release(l);
            }
        });
    }

    #[test]
    fn sort_is_stable_and_orders_nan_last() {
        no_leaks(|| unsafe {
            let xs = float_list(&[3.0, f64::NAN, -1.0, 0.0, -0.0, 2.5]);
            let sorted = lm_list_sort(xs);
            let got: Vec<f64> = ints(sorted)
                .iter()
                .map(|&b| f64::from_bits(b as u64))
                .collect();
            assert_eq!(&got[..5], &[-1.0, 0.0, -0.0, 2.5, 3.0]);
            assert!(
                got[1].is_sign_positive() && got[2].is_sign_negative(),
                "stable"
            );
            assert!(got[5].is_nan());
            let unique = lm_list_unique(xs);
            assert_eq!(lm_list_len_of(unique), 5, "-0.0 == 0.0; NaN kept");
            release(unique);
            release(sorted);
            release(xs);
        });
    }

    fn lm_list_len_of(l: *mut ListObj) -> usize {
        unsafe { (*l).len as usize }
    }

    #[test]
    fn flatten_chunk_window_and_search() {
        no_leaks(|| unsafe {
            let xs = int_list(&[1, 2, 3, 4, 5]);
            let li = list(int());
            let chunks = lm_list_chunk(xs, 2, li.as_ptr(), null());
            let parts: Vec<Vec<i64>> = elems(chunks)
                .0
                .iter()
                .map(|&l| ints(l as usize as *mut ListObj))
                .collect();
            assert_eq!(parts, vec![vec![1, 2], vec![3, 4], vec![5]]);
            let flat = lm_list_flatten(chunks, int().as_ptr());
            assert_eq!(ints(flat), [1, 2, 3, 4, 5]);
            let windows = lm_list_window(xs, 4, li.as_ptr(), null());
            let parts: Vec<Vec<i64>> = elems(windows)
                .0
                .iter()
                .map(|&l| ints(l as usize as *mut ListObj))
                .collect();
            assert_eq!(parts, vec![vec![1, 2, 3, 4], vec![2, 3, 4, 5]]);
            let none = lm_list_window(xs, 6, li.as_ptr(), null());
            assert_eq!(lm_list_len_of(none), 0);
            let empty = int_list(&[]);
            let no_chunks = lm_list_chunk(empty, 3, li.as_ptr(), null());
            assert_eq!(lm_list_len_of(no_chunks), 0);
            assert_eq!(lm_list_index_of(xs, 4), 3);
            assert_eq!(lm_list_index_of(xs, 7), -1);
            for l in [xs, chunks, flat, windows, none, empty, no_chunks] {
                release(l);
            }
            let words = str_list(&["x", "y"]);
            let y = s("y");
            assert_eq!(lm_list_index_of(words, y as Slot), 1);
            release(y);
            release(words);
            let _ = string();
        });
    }

    #[test]
    fn range_counts_in_both_directions() {
        no_leaks(|| unsafe {
            let d = int().as_ptr();
            for (a, b, s, want) in [
                (0, 5, 1, vec![0, 1, 2, 3, 4]),
                (0, 5, 2, vec![0, 2, 4]),
                (5, 0, -2, vec![5, 3, 1]),
                (5, 0, 1, vec![]),
                (0, 0, 1, vec![]),
                (i64::MAX - 1, i64::MAX, 5, vec![i64::MAX - 1]),
                (i64::MIN, i64::MIN + 2, 1, vec![i64::MIN, i64::MIN + 1]),
            ] {
                let l = lm_list_range(a, b, s, d, null());
                assert_eq!(ints(l), want, "range({a}, {b}, {s})");
                release(l);
            }
        });
    }

    #[test]
    fn sum_product_min_max() {
        no_leaks(|| unsafe {
            let xs = int_list(&[3, -1, 4]);
            assert_eq!(lm_list_sum(xs, null()), 6);
            assert_eq!(lm_list_product(xs, null()), -12);
            assert_eq!(lm_list_min(xs, null()), -1);
            assert_eq!(lm_list_max(xs, null()), 4);
            let empty = int_list(&[]);
            assert_eq!(lm_list_sum(empty, null()), 0);
            assert_eq!(lm_list_product(empty, null()), 1);
            let fs = float_list(&[0.5, 0.25, f64::NAN]);
            assert!(f64::from_bits(lm_list_sum(fs, null()) as u64).is_nan());
            assert_eq!(f64::from_bits(lm_list_min(fs, null()) as u64), 0.25);
            assert!(f64::from_bits(lm_list_max(fs, null()) as u64).is_nan());
            let fe = float_list(&[]);
            assert_eq!(f64::from_bits(lm_list_product(fe, null()) as u64), 1.0);
            let words = str_list(&["pear", "apple", "zoo"]);
            let m = lm_list_min(words, null());
            assert_eq!(text(super::super::slot_str(m)), "apple");
            release(m as usize as *mut ListObj);
            for l in [xs, empty, fs, fe, words] {
                release(l);
            }
        });
    }
}
