//! Maps (semantics.md §5): `map[K, V]` values sorted by key, so iteration,
//! `keys`, `values` and display go in ascending key order.
//!
//! Storage and copy-on-write are in [`crate::sorted`]. Functions that change
//! a map (`lm_map_set`, `lm_map_remove`) consume the caller's reference and
//! return the map — the same object when it was unshared, else a copy while
//! the original loses the caller's reference. Keys and values passed in are
//! borrowed (retained when stored); every result is owned.

use lumen_abi::{ObjectKind, SourceLoc, TypeDesc};

use crate::errors::{fail_current_task, internal_error};
use crate::list::lm_list_new;
use crate::objects::{release_slot, retain_slot, ListObj, Slot};
use crate::sorted::{self, Merge, SortedObj};
use crate::typedesc::Ty;

/// A map object (layout in [`crate::sorted`]).
pub type MapObj = SortedObj;

/// A new empty map of the map type `desc` (kind `Map`, children `[K, V]`).
///
/// # Safety
/// `desc` must be a valid descriptor of kind `Map` (see [`Ty::new`]).
#[no_mangle]
pub unsafe extern "C" fn lm_map_new(desc: *const TypeDesc) -> *mut MapObj {
    // SAFETY: caller's contract.
    unsafe { sorted::new_sorted(ObjectKind::Map, desc, 0) }
}

/// `m[k] = v`: replaces the value of an existing key (the old value
/// released) or inserts the entry in key order. Consumes `map` and returns it
/// (copy-on-write); `k` and `v` are borrowed (retained when heap).
///
/// # Safety
/// `map` must be a live map whose reference the caller owns; `k` and `v`
/// live values of its key and value types.
#[no_mangle]
pub unsafe extern "C" fn lm_map_set(map: *mut MapObj, k: Slot, v: Slot) -> *mut MapObj {
    // SAFETY: caller's contract. `k` and `v` are retained before anything
    // else: they may be borrowed from this very map.
    unsafe {
        let shape = sorted::shape(map);
        retain_slot(v, shape.value);
        match sorted::find(map, k) {
            Ok(at) => {
                let map = sorted::unshare_with_room(map, 0);
                let (slots, _) = sorted::entries(map);
                let old = std::mem::replace(&mut slots[2 * at + 1], v);
                release_slot(old, shape.value);
                map
            }
            Err(at) => {
                retain_slot(k, shape.key);
                let map = sorted::unshare_with_room(map, 1);
                sorted::insert_at(map, at, &[k, v]);
                map
            }
        }
    }
}

/// `k in m`: 1 when the map has the key, else 0.
///
/// # Safety
/// `map` must be a live map and `k` a live value of its key type.
#[no_mangle]
pub unsafe extern "C" fn lm_map_has(map: *const MapObj, k: Slot) -> i8 {
    // SAFETY: caller's contract.
    unsafe { i8::from(sorted::find(map, k).is_ok()) }
}

/// The value for a key the map has, owned (retained when heap). A missing
/// key is an internal error: compiled code asks [`lm_map_has`] first (and
/// yields `null` for `m[k]` itself).
///
/// # Safety
/// `map` must be a live map and `k` a live value of its key type.
#[no_mangle]
pub unsafe extern "C" fn lm_map_get(map: *const MapObj, k: Slot) -> Slot {
    // SAFETY: caller's contract.
    unsafe {
        let Ok(at) = sorted::find(map, k) else {
            internal_error("lm_map_get: the map has no such key");
        };
        let (slots, shape) = sorted::entries(map);
        let v = slots[2 * at + 1];
        retain_slot(v, shape.value);
        v
    }
}

/// The value of key `k` for an assignment inside it (`m[k].f = v`,
/// `m[k][i] = v`), owned by the caller. With `take` (the map must be
/// unshared) the entry is emptied instead of retained, so an unshared value
/// can be updated in place; compiled code stores the new value back with
/// [`lm_map_set`] before anything else reads the map. A missing key fails
/// the task: there is no value to update.
///
/// # Safety
/// `map` must be a live map (unshared when `take` is 1), `k` a live value of
/// its key type, `loc` null or a valid [`SourceLoc`].
#[no_mangle]
pub unsafe extern "C" fn lm_map_entry(
    map: *mut MapObj,
    k: Slot,
    take: i8,
    loc: *const SourceLoc,
) -> Slot {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        unsafe {
            let shape = sorted::shape(map);
            let Ok(at) = sorted::find(map, k) else {
                let mut key = String::new();
                let _ = crate::value::write_value(&mut key, k, shape.key, true);
                fail_current_task(&format!("no entry for key {key} in the map"), loc);
            };
            let (slots, _) = sorted::entries(map);
            if take != 0 {
                std::mem::replace(&mut slots[2 * at + 1], 0)
            } else {
                let v = slots[2 * at + 1];
                retain_slot(v, shape.value);
                v
            }
        }
    })
}

/// `remove(m, k)`: consumes `map` and returns it without the key (a copy
/// when shared); a missing key leaves the map as it is (the same object).
///
/// # Safety
/// `map` must be a live map whose reference the caller owns; `k` a live
/// value of its key type.
#[no_mangle]
pub unsafe extern "C" fn lm_map_remove(map: *mut MapObj, k: Slot) -> *mut MapObj {
    // SAFETY: caller's contract. The key is located before unsharing, and a
    // copy keeps the same order, so `at` stays valid.
    unsafe {
        match sorted::find(map, k) {
            Ok(at) => {
                let map = sorted::unshare_with_room(map, 0);
                sorted::remove_at(map, at);
                map
            }
            Err(_) => map,
        }
    }
}

/// `len(m)`: the number of entries.
///
/// # Safety
/// `map` must be a live map.
#[no_mangle]
pub unsafe extern "C" fn lm_map_len(map: *const MapObj) -> i64 {
    // SAFETY: caller's contract.
    unsafe { sorted::len(map) as i64 }
}

/// The key of entry `i` in ascending key order, owned; `i` outside
/// `0..len` is an internal error.
///
/// # Safety
/// `map` must be a live map.
#[no_mangle]
pub unsafe extern "C" fn lm_map_key_at(map: *const MapObj, i: i64) -> Slot {
    // SAFETY: caller's contract.
    unsafe { slot_at(map, i, 0) }
}

/// The value of entry `i` in ascending key order, owned; `i` outside
/// `0..len` is an internal error.
///
/// # Safety
/// `map` must be a live map.
#[no_mangle]
pub unsafe extern "C" fn lm_map_value_at(map: *const MapObj, i: i64) -> Slot {
    // SAFETY: caller's contract.
    unsafe { slot_at(map, i, 1) }
}

/// Slot `n` (0 key, 1 value) of entry `i`, retained.
///
/// # Safety
/// `map` must be a live map.
unsafe fn slot_at(map: *const MapObj, i: i64, n: usize) -> Slot {
    // SAFETY: caller's contract.
    unsafe {
        let shape = sorted::shape(map);
        let s = sorted::entry_at(map, i)[n];
        retain_slot(s, shape.slot_ty(n));
        s
    }
}

/// `keys(m)`: a new list of the keys in ascending order; `list_desc` is the
/// descriptor of the list type (its child is the element type).
///
/// # Safety
/// `map` must be a live map; `list_desc` a valid descriptor of kind `List`.
#[no_mangle]
pub unsafe extern "C" fn lm_map_keys(
    map: *const MapObj,
    list_desc: *const TypeDesc,
) -> *mut ListObj {
    // SAFETY: caller's contract.
    unsafe { column(map, list_desc, 0) }
}

/// `values(m)`: a new list of the values in ascending key order;
/// `list_desc` as for [`lm_map_keys`].
///
/// # Safety
/// As for [`lm_map_keys`].
#[no_mangle]
pub unsafe extern "C" fn lm_map_values(
    map: *const MapObj,
    list_desc: *const TypeDesc,
) -> *mut ListObj {
    // SAFETY: caller's contract.
    unsafe { column(map, list_desc, 1) }
}

/// A new list of slot `n` of every entry of a map or set (retained).
///
/// # Safety
/// `obj` must be a live map (`n` 0 or 1) or set (`n` 0); `list_desc` a
/// valid descriptor of kind `List` whose element type is that slot's type.
pub(crate) unsafe fn column(
    obj: *const SortedObj,
    list_desc: *const TypeDesc,
    n: usize,
) -> *mut ListObj {
    // SAFETY: caller's contract; the new list has room for every entry.
    unsafe {
        let elem = Ty::new(list_desc).child(0);
        let (slots, shape) = sorted::entries(obj);
        let count = slots.len() / shape.width;
        let list = lm_list_new(elem.as_ptr(), count as i64);
        for (i, entry) in slots.chunks_exact(shape.width).enumerate() {
            retain_slot(entry[n], elem);
            crate::objects::store_elem(list, i, entry[n]);
        }
        (*list).len = count as u64;
        list
    }
}

/// `merge(a, b)`: a new map with the entries of both; for a key in both,
/// `b`'s value wins. Both maps are borrowed; the result is owned (one of the
/// operands, retained, when the other is empty).
///
/// # Safety
/// `a` and `b` must be live maps of the same type.
#[no_mangle]
pub unsafe extern "C" fn lm_map_merge(a: *mut MapObj, b: *mut MapObj) -> *mut MapObj {
    // SAFETY: caller's contract.
    unsafe { sorted::merge(a, b, Merge::UnionRight) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::list::lm_list_len;
    use crate::objects::{elems, slot_obj};
    use crate::rc::{lm_release, lm_retain, stats};
    use crate::strings::{as_str, new_string};
    use crate::typedesc::test_descs::*;

    fn no_leaks(f: impl FnOnce()) {
        let before = stats::live();
        f();
        assert_eq!(stats::live(), before, "blocks leaked");
    }

    fn s(text: &str) -> Slot {
        new_string(text) as Slot
    }

    fn rc(slot: Slot) -> u32 {
        unsafe { (*slot_obj(slot)).rc }
    }

    fn text(slot: Slot) -> String {
        unsafe { as_str(slot_obj(slot).cast()) }.to_string()
    }

    fn fl(v: f64) -> Slot {
        v.to_bits() as Slot
    }

    /// The (key, value) pairs in order.
    fn pairs(m: *const MapObj) -> Vec<(Slot, Slot)> {
        unsafe {
            sorted::entries(m)
                .0
                .chunks_exact(2)
                .map(|e| (e[0], e[1]))
                .collect()
        }
    }

    /// Sets `k` to `v`, giving up the caller's references to both.
    fn put(m: *mut MapObj, k: Slot, v: Slot) -> *mut MapObj {
        unsafe {
            let shape = sorted::shape(m);
            let m = lm_map_set(m, k, v);
            release_slot(k, shape.key);
            release_slot(v, shape.value);
            m
        }
    }

    #[test]
    fn set_inserts_in_order_and_replaces() {
        no_leaks(|| unsafe {
            let ty = map(int(), int());
            let mut m = lm_map_new(ty.as_ptr());
            let first = m;
            for k in [5, -3, 9, 0, 7, 5, -3] {
                m = lm_map_set(m, k, k * 10);
            }
            assert_eq!(m, first, "an unshared map changes in place");
            assert_eq!(
                pairs(m),
                [(-3, -30), (0, 0), (5, 50), (7, 70), (9, 90)],
                "sorted, each key once"
            );
            m = lm_map_set(m, 5, 1);
            assert_eq!(pairs(m)[2], (5, 1), "replaced");
            assert_eq!(lm_map_len(m), 5);
            assert_eq!(lm_map_has(m, 7), 1);
            assert_eq!(lm_map_has(m, 8), 0);
            assert_eq!(lm_map_get(m, 9), 90);
            assert_eq!((lm_map_key_at(m, 0), lm_map_value_at(m, 0)), (-3, -30));
            assert_eq!((lm_map_key_at(m, 4), lm_map_value_at(m, 4)), (9, 90));
            // Many insertions in descending order: the buffer grows.
            for k in (100..1000).rev() {
                m = lm_map_set(m, k, k);
            }
            assert_eq!(lm_map_len(m), 905);
            assert!(pairs(m).windows(2).all(|w| w[0].0 < w[1].0));
            lm_release(m.cast());
        });
    }

    #[test]
    fn string_keys_and_values_are_counted() {
        no_leaks(|| unsafe {
            let ty = map(string(), string());
            let (a, b, one, two) = (s("a"), s("b"), s("one"), s("two"));
            let mut m = lm_map_new(ty.as_ptr());
            m = lm_map_set(m, b, two);
            m = lm_map_set(m, a, one);
            assert_eq!(
                (rc(a), rc(one)),
                (2, 2),
                "stored keys and values are retained"
            );
            // Lookup with an equal key that is another object.
            let a2 = s("a");
            assert_eq!(lm_map_has(m, a2), 1);
            let v = lm_map_get(m, a2);
            assert_eq!(text(v), "one");
            assert_eq!(rc(one), 3, "get returns an owned reference");
            lm_release(slot_obj(v));
            // Replacing keeps the stored key, releases the old value.
            m = lm_map_set(m, a2, two);
            assert_eq!(rc(a2), 1, "an existing key is not replaced");
            assert_eq!(rc(one), 1);
            assert_eq!(rc(two), 3);
            let k = lm_map_key_at(m, 1);
            assert_eq!(text(k), "b");
            assert_eq!(rc(b), 3);
            lm_release(slot_obj(k));
            let v = lm_map_value_at(m, 0);
            assert_eq!(rc(two), 4);
            lm_release(slot_obj(v));
            lm_release(m.cast());
            for x in [a, b, one, two, a2] {
                assert_eq!(rc(x), 1);
                lm_release(slot_obj(x));
            }
        });
    }

    #[test]
    fn set_with_slots_borrowed_from_the_map_itself() {
        no_leaks(|| unsafe {
            let ty = map(string(), string());
            let mut m = put(lm_map_new(ty.as_ptr()), s("k"), s("v"));
            // `m[k] = m[k]` with both slots borrowed from the map: the value
            // is retained before the old one is released.
            let (k, v) = pairs(m)[0];
            m = lm_map_set(m, k, v);
            assert_eq!((rc(k), rc(v)), (1, 1));
            assert_eq!(text(pairs(m)[0].1), "v");
            // The same while shared: the copy takes its own references.
            lm_retain(m.cast());
            let c = lm_map_set(m, k, v);
            assert_ne!(c, m);
            assert_eq!((rc(k), rc(v)), (2, 2));
            lm_release(c.cast());
            lm_release(m.cast());
        });
    }

    #[test]
    fn copy_on_write_when_shared() {
        no_leaks(|| unsafe {
            let ty = map(string(), int());
            let key = s("x");
            let mut m = lm_map_new(ty.as_ptr());
            m = lm_map_set(m, key, 1);
            lm_retain(m.cast());
            let m2 = lm_map_set(m, key, 2);
            assert_ne!(m2, m, "a shared map is copied");
            assert_eq!(((*m).header.rc, (*m2).header.rc), (1, 1));
            assert_eq!((pairs(m)[0].1, pairs(m2)[0].1), (1, 2));
            assert_eq!(rc(key), 3, "ours, m's, m2's");

            lm_retain(m.cast());
            let m3 = lm_map_set(m, 0, 0);
            let _ = m3;
            lm_release(m3.cast());

            // Insertion into a shared map.
            lm_retain(m2.cast());
            let y = s("y");
            let m4 = lm_map_set(m2, y, 3);
            assert_ne!(m4, m2);
            assert_eq!((lm_map_len(m2), lm_map_len(m4)), (1, 2));

            // Removal from a shared map; a missing key changes nothing.
            lm_retain(m4.cast());
            let m5 = lm_map_remove(m4, key);
            assert_ne!(m5, m4);
            assert_eq!((lm_map_len(m4), lm_map_len(m5)), (2, 1));
            assert_eq!(text(pairs(m5)[0].0), "y");
            lm_retain(m5.cast());
            let same = lm_map_remove(m5, key);
            assert_eq!(same, m5);
            assert_eq!((*m5).header.rc, 2);
            lm_release(same.cast());

            for x in [m, m2, m4, m5] {
                lm_release(x.cast());
            }
            assert_eq!((rc(key), rc(y)), (1, 1));
            lm_release(slot_obj(key));
            lm_release(slot_obj(y));
        });
    }

    #[test]
    fn remove_in_place_releases_the_entry() {
        no_leaks(|| unsafe {
            let ty = map(string(), list(int()));
            let mut m = lm_map_new(ty.as_ptr());
            for name in ["c", "a", "b"] {
                let l = crate::list::lm_list_push(lm_list_new(int().as_ptr(), 0), 1);
                m = put(m, s(name), l as Slot);
            }
            let (k, v) = pairs(m)[1];
            lm_retain(slot_obj(k));
            lm_retain(slot_obj(v));
            let same = lm_map_remove(m, k);
            assert_eq!(same, m);
            assert_eq!((rc(k), rc(v)), (1, 1), "only ours left");
            assert_eq!(
                pairs(m).iter().map(|e| text(e.0)).collect::<Vec<_>>(),
                ["a", "c"]
            );
            lm_release(slot_obj(k));
            lm_release(slot_obj(v));
            let a = pairs(m)[0].0;
            m = lm_map_remove(m, a);
            let c = pairs(m)[0].0;
            m = lm_map_remove(m, c);
            assert_eq!(lm_map_len(m), 0);
            m = lm_map_remove(m, 7 as Slot - 7);
            lm_release(m.cast());
        });
    }

    #[test]
    fn keys_and_values_lists() {
        no_leaks(|| unsafe {
            let ty = map(string(), float());
            let mut m = lm_map_new(ty.as_ptr());
            for (k, v) in [("b", 2.0), ("c", 3.0), ("a", 1.0)] {
                m = put(m, s(k), fl(v));
            }
            let keys = lm_map_keys(m, list(string()).as_ptr());
            let values = lm_map_values(m, list(float()).as_ptr());
            assert_eq!(lm_list_len(keys), 3);
            let (ks, kty) = elems(keys);
            assert_eq!(kty, string());
            assert_eq!(
                ks.iter().map(|&k| text(k)).collect::<Vec<_>>(),
                ["a", "b", "c"]
            );
            assert_eq!(rc(ks[0]), 2, "the map's and the list's");
            let (vs, _) = elems(values);
            assert_eq!(
                vs.iter()
                    .map(|&v| f64::from_bits(v as u64))
                    .collect::<Vec<_>>(),
                [1.0, 2.0, 3.0]
            );
            let empty = lm_map_new(ty.as_ptr());
            let none = lm_map_keys(empty, list(string()).as_ptr());
            assert_eq!(lm_list_len(none), 0);
            for o in [keys.cast(), values.cast(), none.cast(), m, empty] {
                lm_release(o.cast());
            }
        });
    }

    #[test]
    fn merge_right_wins() {
        no_leaks(|| unsafe {
            let ty = map(int(), string());
            let mk = |entries: &[(i64, &str)]| {
                let mut m = lm_map_new(ty.as_ptr());
                for &(k, v) in entries {
                    m = put(m, k, s(v));
                }
                m
            };
            let a = mk(&[(1, "a1"), (3, "a3"), (5, "a5")]);
            let b = mk(&[(0, "b0"), (3, "b3"), (6, "b6")]);
            let c = lm_map_merge(a, b);
            let got: Vec<_> = pairs(c).iter().map(|&(k, v)| (k, text(v))).collect();
            assert_eq!(
                got,
                [(0, "b0"), (1, "a1"), (3, "b3"), (5, "a5"), (6, "b6")]
                    .map(|(k, v)| (k, v.to_string()))
            );
            assert_eq!(rc(pairs(b)[1].1), 2, "b3 is shared by b and c");
            assert_eq!(rc(pairs(a)[1].1), 1, "a3 was not taken");
            let empty = mk(&[]);
            let d = lm_map_merge(a, empty);
            assert_eq!(d, a, "merging an empty map reuses the other");
            let e = lm_map_merge(empty, b);
            assert_eq!(e, b);
            for m in [a, b, c, d, e, empty] {
                lm_release(m.cast());
            }
        });
    }

    #[test]
    fn float_keys_sort_nan_last() {
        no_leaks(|| unsafe {
            let ty = map(float(), int());
            let mut m = lm_map_new(ty.as_ptr());
            for (i, k) in [f64::NAN, 1.0, f64::INFINITY, -0.0, f64::NEG_INFINITY]
                .into_iter()
                .enumerate()
            {
                m = lm_map_set(m, fl(k), i as Slot);
            }
            // 0.0 is the key -0.0 (they compare equal); a second NaN is the
            // NaN key (NaNs sort equal to each other).
            m = lm_map_set(m, fl(0.0), 10);
            m = lm_map_set(m, fl(-f64::NAN), 11);
            let keys: Vec<f64> = pairs(m)
                .iter()
                .map(|e| f64::from_bits(e.0 as u64))
                .collect();
            assert_eq!(keys.len(), 5);
            assert_eq!(keys[..4], [f64::NEG_INFINITY, -0.0, 1.0, f64::INFINITY]);
            assert!(keys[4].is_nan());
            assert_eq!(pairs(m)[1].1, 10);
            assert_eq!(pairs(m)[4].1, 11);
            assert_eq!(lm_map_has(m, fl(f64::NAN)), 1);
            assert_eq!(lm_map_get(m, fl(f64::NAN)), 11);
            lm_release(m.cast());
        });
    }

    #[test]
    fn nested_maps_release_everything() {
        no_leaks(|| unsafe {
            let inner = map(string(), list(string()));
            let outer = map(int(), inner);
            let mut o = lm_map_new(outer.as_ptr());
            for i in 0..20 {
                let mut m = lm_map_new(inner.as_ptr());
                for j in 0..i {
                    let l = lm_list_new(string().as_ptr(), 0);
                    let l = crate::list::lm_list_push(l, s("x"));
                    // The pushed string is retained by the list; drop ours.
                    lm_release(slot_obj(elems(l).0[0]));
                    m = put(m, s(&format!("{j}")), l as Slot);
                }
                o = put(o, i, m as Slot);
            }
            lm_retain(o.cast());
            let copy = lm_map_set(o, 100, 0);
            lm_release(o.cast());
            lm_release(copy.cast());
        });
    }

    #[test]
    fn long_chains_of_maps_release_and_print_without_recursion() {
        // M = map[Int, M] (a cyclic descriptor): {0: {0: … {} …}} 100,000
        // deep, on a small stack (the counters are per thread).
        let ty = map(int(), int());
        unsafe {
            let d = ty.as_ptr() as *mut TypeDesc;
            ((*d).children as *mut *const TypeDesc).add(1).write(d);
        }
        let ty = ty.as_ptr() as usize;
        std::thread::Builder::new()
            .stack_size(128 * 1024)
            .spawn(move || {
                no_leaks(|| unsafe {
                    let ty = ty as *const TypeDesc;
                    let mut m = lm_map_new(ty);
                    for _ in 0..100_000 {
                        m = put(lm_map_new(ty), 0, m as Slot);
                    }
                    let text = crate::value::lm_str_from_value(m as Slot, ty);
                    let text_len = as_str(text).len();
                    assert_eq!(text_len, 100_000 * "{0: }".len() + "{}".len());
                    lm_release(text.cast());
                    lm_release(m.cast());
                })
            })
            .unwrap()
            .join()
            .unwrap();
    }
}
