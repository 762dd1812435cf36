//! List builtins that build tuples or groups (builtins.md, Lists): `zip`,
//! `enumerate`, and the step of `group_by` that files an element under its
//! key (the key function itself runs in the compiled loop).

use lumen_abi::TypeDesc;

use super::list_from_owned;
use crate::list::{lm_list_new, lm_list_push};
use crate::objects::{elems, fields, retain_slot, ListObj, Slot};
use crate::sorted::{self, SortedObj};
use crate::tuple::lm_tuple_new;
use crate::typedesc::Ty;

/// A new tuple of the pair type `desc` holding `a` and `b` (retained).
///
/// # Safety
/// `desc` must be a two-element tuple descriptor and `a`, `b` live values of
/// its element types.
unsafe fn pair(desc: *const TypeDesc, a: Slot, b: Slot) -> Slot {
    // SAFETY: caller's contract.
    unsafe {
        let ty = Ty::new(desc);
        let t = lm_tuple_new(desc);
        let (slots, _) = fields(t.cast());
        retain_slot(a, ty.child(0));
        retain_slot(b, ty.child(1));
        slots.write(a);
        slots.add(1).write(b);
        t as Slot
    }
}

/// `zip(xs, ys)`: a list of `(x, y)` tuples of the tuple type `pair_desc`,
/// as long as the shorter list.
///
/// # Safety
/// `xs`, `ys` must be live lists and `pair_desc` the descriptor of the tuple
/// of their element types.
#[no_mangle]
pub unsafe extern "C" fn lm_list_zip(
    xs: *const ListObj,
    ys: *const ListObj,
    pair_desc: *const TypeDesc,
) -> *mut ListObj {
    // SAFETY: caller's contract.
    unsafe {
        let (a, _) = elems(xs);
        let (b, _) = elems(ys);
        let slots = a
            .iter()
            .zip(b.iter())
            .map(|(&x, &y)| pair(pair_desc, x, y))
            .collect();
        list_from_owned(pair_desc, slots)
    }
}

/// `enumerate(xs)`: a list of `(index, x)` tuples of the type `pair_desc`.
///
/// # Safety
/// `xs` must be a live list and `pair_desc` the descriptor of `(Int, T)`.
#[no_mangle]
pub unsafe extern "C" fn lm_list_enumerate(
    xs: *const ListObj,
    pair_desc: *const TypeDesc,
) -> *mut ListObj {
    // SAFETY: caller's contract.
    unsafe {
        let (a, _) = elems(xs);
        let slots = a
            .iter()
            .enumerate()
            .map(|(i, &x)| pair(pair_desc, i as Slot, x))
            .collect();
        list_from_owned(pair_desc, slots)
    }
}

/// One step of `group_by`: appends `v` to the list the `map[K, list[T]]`
/// holds for `k`, starting a new list when `k` is new. Consumes `map` and
/// returns it (copy-on-write, like `lm_map_set`); `k` and `v` are borrowed.
/// The group lists are owned by the map alone, so they grow in place.
///
/// # Safety
/// `map` must be a live map of a `map[K, list[T]]` type whose reference the
/// caller owns; `k` and `v` live values of `K` and `T`.
#[no_mangle]
pub unsafe extern "C" fn lm_map_group_push(
    map: *mut SortedObj,
    k: Slot,
    v: Slot,
) -> *mut SortedObj {
    // SAFETY: caller's contract.
    unsafe {
        let shape = sorted::shape(map);
        match sorted::find(map, k) {
            Ok(at) => {
                let map = sorted::unshare_with_room(map, 0);
                let (slots, _) = sorted::entries(map);
                let list = slots[2 * at + 1] as usize as *mut ListObj;
                slots[2 * at + 1] = lm_list_push(list, v) as Slot;
                map
            }
            Err(at) => {
                let elem = shape.value.child(0);
                let list = lm_list_push(lm_list_new(elem.as_ptr(), 1), v);
                retain_slot(k, shape.key);
                let map = sorted::unshare_with_room(map, 1);
                // The key is retained above and the new list's reference
                // moves into the map.
                sorted::insert_at(map, at, &[k, list as Slot]);
                map
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use crate::map::lm_map_new;
    use crate::typedesc::test_descs::{int, list, map, string, tuple};
    use crate::value::lm_str_from_value;

    fn shown(slot: Slot, ty: Ty) -> String {
        let s = unsafe { lm_str_from_value(slot, ty.as_ptr()) };
        let t = text(s);
        release(s);
        t
    }

    #[test]
    fn zip_and_enumerate() {
        let pair_ty = tuple(&[int(), string()]);
        no_leaks(|| unsafe {
            let xs = int_list(&[1, 2, 3]);
            let ys = str_list(&["a", "b"]);
            let z = lm_list_zip(xs, ys, pair_ty.as_ptr());
            assert_eq!(shown(z as Slot, list(pair_ty)), r#"[(1, "a"), (2, "b")]"#);
            let e = lm_list_enumerate(ys, pair_ty.as_ptr());
            assert_eq!(shown(e as Slot, list(pair_ty)), r#"[(0, "a"), (1, "b")]"#);
            let empty = int_list(&[]);
            let z2 = lm_list_zip(empty, ys, pair_ty.as_ptr());
            assert_eq!(shown(z2 as Slot, list(pair_ty)), "[]");
            for p in [z, e, z2, xs, ys, empty] {
                release(p);
            }
        });
    }

    #[test]
    fn groups() {
        let ty = map(string(), list(int()));
        no_leaks(|| unsafe {
            let mut m = lm_map_new(ty.as_ptr());
            let odd = s("odd");
            let even = s("even");
            for n in 1..=5 {
                let k = if n % 2 == 1 { odd } else { even };
                m = lm_map_group_push(m, k as Slot, n);
            }
            assert_eq!(
                shown(m as Slot, ty),
                r#"{"even": [2, 4], "odd": [1, 3, 5]}"#
            );
            // A shared map is copied, the original unchanged.
            crate::rc::lm_retain(m.cast());
            let m2 = lm_map_group_push(m, odd as Slot, 7);
            assert_ne!(m2, m);
            assert_eq!(
                shown(m as Slot, ty),
                r#"{"even": [2, 4], "odd": [1, 3, 5]}"#
            );
            assert_eq!(
                shown(m2 as Slot, ty),
                r#"{"even": [2, 4], "odd": [1, 3, 5, 7]}"#
            );
            for p in [m.cast::<u8>(), m2.cast(), odd.cast(), even.cast()] {
                release(p);
            }
        });
    }
}
