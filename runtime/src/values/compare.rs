//! Structural equality and ordering of any value (semantics.md §3), given two
//! slots and their type descriptor.
//!
//! Equality: numbers by value (IEEE for floats: `NaN != NaN`, `-0.0 == 0.0`;
//! mixing `Int` and `Float` is resolved by the compiler before calling), Bools,
//! strings and Bytes by content, lists element-wise, records field-wise, enums by tag
//! and payload, tuples element-wise, maps by length and then key/value pairs
//! in key order, sets element-wise, `null == null`. There is deliberately no
//! shortcut for two references to the same object: `xs == xs` is false when
//! `xs` holds a NaN.
//! Equality walks nested values with an explicit worklist (long record
//! chains must not overflow the task stack).
//!
//! Ordering (-1, 0, 1): `Int`, `Float` (a NaN sorts after every number and
//! equal to another NaN), `Bool` (false < true), strings by code point, Bytes
//! byte-wise (a prefix first), lists
//! element-wise and then by length (a prefix first), tuples element-wise
//! (lexicographic). Every other kind (maps and sets included), and a `null`
//! operand, compares as 0: the compiler rejects ordering them. Only lists and
//! tuples nest here, and their nesting is bounded by the static type, so
//! ordering simply recurses.

use std::cmp::Ordering;

use lumen_abi::{ObjectKind, TypeDesc, TypeKind};

use crate::bytes::bytes_of;
use crate::errors::internal_error;
use crate::objects::{elems, fields, kind_of, slot_obj, EnumObj, Slot};
use crate::sorted;
use crate::strings::{bytes, LmString};
use crate::typedesc::Ty;

fn as_float(slot: Slot) -> f64 {
    f64::from_bits(slot as u64)
}

/// Structural equality of two values of type `ty`.
///
/// # Safety
/// `ty` must be a valid descriptor (see [`Ty::new`]) and both slots live
/// values of that type.
pub unsafe fn value_eq(a: Slot, b: Slot, ty: Ty) -> bool {
    let mut work = vec![(a, b, ty)];
    while let Some((a, b, ty)) = work.pop() {
        let same = match ty.kind() {
            TypeKind::Int | TypeKind::TagEnum => a == b,
            TypeKind::Float => as_float(a) == as_float(b),
            TypeKind::Bool => (a != 0) == (b != 0),
            TypeKind::Null => true,
            TypeKind::Variant => internal_error("a variant descriptor used as a value type"),
            TypeKind::Union => {
                // SAFETY: caller's contract: live union values.
                let (x, y) = unsafe {
                    (
                        crate::objects::union_member(a, ty),
                        crate::objects::union_member(b, ty),
                    )
                };
                match (x, y) {
                    (None, None) => true,
                    (Some((x, tx)), Some((y, ty2))) if crate::objects::same_type(tx, ty2) => {
                        work.push((x, y, tx));
                        true
                    }
                    _ => false,
                }
            }
            // Functions compare by identity (semantics.md §3): the same
            // closure object, or the same cell used as a value twice.
            // SAFETY: caller's contract: live closures (or null).
            TypeKind::Closure => unsafe { crate::objects::same_function(a, b) },
            // Futures and channels are handles: identity.
            TypeKind::Future | TypeKind::Channel => a == b,
            TypeKind::String
            | TypeKind::List
            | TypeKind::Record
            | TypeKind::Enum
            | TypeKind::Tuple
            | TypeKind::Map
            | TypeKind::Set
            | TypeKind::Bytes => {
                // SAFETY: caller's contract: live objects (or null).
                unsafe { objects_eq(a, b, &mut work) }
            }
        };
        if !same {
            return false;
        }
    }
    true
}

/// Compares two heap values as far as their own headers go; queues their
/// children (pairs of slots with their type) on `work`.
///
/// # Safety
/// Both slots must be 0 or live objects.
unsafe fn objects_eq(a: Slot, b: Slot, work: &mut Vec<(Slot, Slot, Ty)>) -> bool {
    let (x, y) = (slot_obj(a), slot_obj(b));
    if x.is_null() || y.is_null() {
        return x == y;
    }
    // SAFETY: caller's contract; each object's layout follows from its kind.
    unsafe {
        match (kind_of(x), kind_of(y)) {
            (ObjectKind::String, ObjectKind::String) => {
                bytes(x.cast::<LmString>()) == bytes(y.cast::<LmString>())
            }
            (ObjectKind::Bytes, ObjectKind::Bytes) => bytes_of(x.cast()) == bytes_of(y.cast()),
            (ObjectKind::List, ObjectKind::List) => {
                let ((xs, elem), (ys, _)) = (elems(x.cast()), elems(y.cast()));
                // Reversed, so the first elements are compared first.
                let pairs = xs.iter().zip(ys.iter()).rev();
                xs.len() == ys.len() && {
                    work.extend(pairs.map(|(&p, &q)| (p, q, elem)));
                    true
                }
            }
            (kx @ (ObjectKind::Map | ObjectKind::Set), ky) if kx == ky => {
                let ((xs, shape), (ys, _)) = (sorted::entries(x.cast()), sorted::entries(y.cast()));
                // Keys and values pairwise, in order; reversed as above.
                let pairs = xs.iter().zip(ys.iter()).enumerate().rev();
                xs.len() == ys.len() && {
                    work.extend(pairs.map(|(n, (&p, &q))| (p, q, shape.slot_ty(n % shape.width))));
                    true
                }
            }
            // Records and tuples (which use the record layout) field-wise.
            (kx @ (ObjectKind::Record | ObjectKind::Enum), ky) if kx == ky => {
                if kx == ObjectKind::Enum
                    && (*x.cast::<EnumObj>()).tag != (*y.cast::<EnumObj>()).tag
                {
                    return false;
                }
                let ((xs, xt), (ys, yt)) = (fields(x), fields(y));
                xt.count() == yt.count() && {
                    work.extend(
                        (0..xt.count())
                            .rev()
                            .map(|i| (xs.add(i).read(), ys.add(i).read(), xt.child(i))),
                    );
                    true
                }
            }
            _ => false,
        }
    }
}

/// Ordering of two values of type `ty` (module docs).
///
/// # Safety
/// As for [`value_eq`].
pub unsafe fn value_cmp(a: Slot, b: Slot, ty: Ty) -> Ordering {
    match ty.kind() {
        TypeKind::Int => a.cmp(&b),
        TypeKind::Float => {
            let (x, y) = (as_float(a), as_float(b));
            match (x.is_nan(), y.is_nan()) {
                (false, false) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
                (nx, ny) => nx.cmp(&ny),
            }
        }
        TypeKind::Bool => (a != 0).cmp(&(b != 0)),
        TypeKind::Tuple => {
            let (x, y) = (slot_obj(a), slot_obj(b));
            if x.is_null() || y.is_null() {
                return Ordering::Equal;
            }
            // SAFETY: caller's contract: live tuples (record layout), typed
            // by their own descriptors (the same tuple type).
            unsafe {
                let ((xs, xt), (ys, yt)) = (fields(x), fields(y));
                (0..xt.count().min(yt.count()))
                    .map(|i| value_cmp(xs.add(i).read(), ys.add(i).read(), xt.child(i)))
                    .find(|o| o.is_ne())
                    .unwrap_or_else(|| xt.count().cmp(&yt.count()))
            }
        }
        TypeKind::String | TypeKind::List | TypeKind::Bytes => {
            let (x, y) = (slot_obj(a), slot_obj(b));
            if x.is_null() || y.is_null() {
                return Ordering::Equal;
            }
            // SAFETY: caller's contract: live objects of the kind the type says.
            unsafe {
                match (kind_of(x), kind_of(y)) {
                    (ObjectKind::String, ObjectKind::String) => {
                        bytes(x.cast::<LmString>()).cmp(bytes(y.cast::<LmString>()))
                    }
                    (ObjectKind::Bytes, ObjectKind::Bytes) => {
                        bytes_of(x.cast()).cmp(bytes_of(y.cast()))
                    }
                    (ObjectKind::List, ObjectKind::List) => {
                        let ((xs, elem), (ys, _)) = (elems(x.cast()), elems(y.cast()));
                        xs.iter()
                            .zip(ys.iter())
                            .map(|(&p, &q)| value_cmp(p, q, elem))
                            .find(|o| o.is_ne())
                            .unwrap_or_else(|| xs.len().cmp(&ys.len()))
                    }
                    _ => Ordering::Equal,
                }
            }
        }
        _ => Ordering::Equal,
    }
}

/// Structural equality (semantics.md §3) of two borrowed values of type
/// `desc`: 1 or 0.
///
/// # Safety
/// `desc` must be a valid descriptor (see [`Ty::new`]) and `a`, `b` live
/// values of that type.
#[no_mangle]
pub unsafe extern "C" fn lm_value_eq(a: Slot, b: Slot, desc: *const TypeDesc) -> i8 {
    // SAFETY: caller's contract.
    unsafe { value_eq(a, b, Ty::new(desc)) as i8 }
}

/// Ordering of two borrowed values of type `desc`: -1, 0 or 1.
///
/// # Safety
/// As for [`lm_value_eq`].
#[no_mangle]
pub unsafe extern "C" fn lm_value_cmp(a: Slot, b: Slot, desc: *const TypeDesc) -> i64 {
    // SAFETY: caller's contract.
    unsafe { value_cmp(a, b, Ty::new(desc)) as i64 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::list::{lm_list_new, lm_list_push};
    use crate::objects::{lm_enum_new, lm_record_new, release_slot};
    use crate::rc::{lm_release, stats};
    use crate::strings::new_string;
    use crate::typedesc::test_descs::*;

    fn no_leaks(f: impl FnOnce()) {
        let before = stats::live();
        f();
        assert_eq!(stats::live(), before, "blocks leaked");
    }

    fn fl(v: f64) -> Slot {
        v.to_bits() as Slot
    }

    fn s(text: &str) -> Slot {
        new_string(text) as Slot
    }

    fn list_of(ty: Ty, items: &[Slot]) -> Slot {
        unsafe {
            let mut l = lm_list_new(ty.as_ptr(), 0);
            for &v in items {
                l = lm_list_push(l, v);
                release_slot(v, ty);
            }
            l as Slot
        }
    }

    fn eq(a: Slot, b: Slot, ty: Ty) -> bool {
        unsafe { lm_value_eq(a, b, ty.as_ptr()) == 1 }
    }

    fn cmp(a: Slot, b: Slot, ty: Ty) -> i64 {
        unsafe { lm_value_cmp(a, b, ty.as_ptr()) }
    }

    fn release(v: Slot) {
        unsafe { lm_release(slot_obj(v)) }
    }

    #[test]
    fn scalars() {
        assert!(eq(3, 3, int()) && !eq(3, 4, int()));
        assert!(eq(fl(0.0), fl(-0.0), float()));
        assert!(!eq(fl(f64::NAN), fl(f64::NAN), float()));
        assert!(eq(1, 1, boolean()) && !eq(0, 1, boolean()));
        assert!(eq(0, 0, null()));
        let color = tag_enum("Color", &["Red", "Green"]);
        assert!(eq(1, 1, color) && !eq(0, 1, color));

        assert_eq!(cmp(-5, 3, int()), -1);
        assert_eq!(cmp(i64::MAX, i64::MIN, int()), 1);
        assert_eq!(cmp(fl(1.5), fl(1.5), float()), 0);
        assert_eq!(cmp(fl(-0.0), fl(0.0), float()), 0);
        assert_eq!(cmp(fl(f64::NAN), fl(f64::INFINITY), float()), 1);
        assert_eq!(cmp(fl(f64::INFINITY), fl(f64::NAN), float()), -1);
        assert_eq!(cmp(fl(f64::NAN), fl(-f64::NAN), float()), 0);
        assert_eq!(cmp(fl(f64::NEG_INFINITY), fl(-1e300), float()), -1);
        assert_eq!(cmp(0, 1, boolean()), -1);
        assert_eq!(cmp(1, 0, boolean()), 1);
        assert_eq!(cmp(0, 1, color), 0, "enums have no ordering");
    }

    #[test]
    fn strings_and_lists() {
        no_leaks(|| {
            let (a, a2, b) = (s("apple"), s("apple"), s("banana"));
            assert!(eq(a, a2, string()) && !eq(a, b, string()));
            assert_eq!(cmp(a, b, string()), -1);
            let (e, z) = (s("é"), s("z"));
            assert_eq!(cmp(e, z, string()), 1, "by code point");

            let l12 = list_of(int(), &[1, 2]);
            let l12b = list_of(int(), &[1, 2]);
            let l123 = list_of(int(), &[1, 2, 3]);
            let l13 = list_of(int(), &[1, 3]);
            let empty = list_of(int(), &[]);
            assert!(eq(l12, l12b, list(int())));
            assert!(!eq(l12, l123, list(int())));
            assert!(!eq(l12, l13, list(int())));
            assert_eq!(cmp(l12, l12b, list(int())), 0);
            assert_eq!(cmp(l12, l123, list(int())), -1, "a prefix first");
            assert_eq!(cmp(l123, l13, list(int())), -1, "element-wise first");
            assert_eq!(cmp(empty, l12, list(int())), -1);
            assert_eq!(cmp(l13, l12, list(int())), 1);

            let nan = list_of(float(), &[fl(f64::NAN)]);
            assert!(!eq(nan, nan, list(float())), "no identity shortcut");

            let ls = list_of(list(string()), &[list_of(string(), &[a2, s("x")])]);
            let ls2 = list_of(list(string()), &[list_of(string(), &[s("apple"), s("x")])]);
            let ls3 = list_of(list(string()), &[list_of(string(), &[s("apple"), s("y")])]);
            assert!(eq(ls, ls2, list(list(string()))));
            assert!(!eq(ls, ls3, list(list(string()))));
            assert_eq!(cmp(ls, ls3, list(list(string()))), -1);

            for v in [a, b, e, z, l12, l12b, l123, l13, empty, nan, ls, ls2, ls3] {
                release(v);
            }
        });
    }

    #[test]
    fn records_and_enums() {
        no_leaks(|| unsafe {
            let point = record("P", &[("x", float()), ("tag", string())]);
            let mk = |x: f64, t: &str| {
                let r = lm_record_new(point.as_ptr());
                let (slots, _) = fields(r.cast());
                slots.write(fl(x));
                slots.add(1).write(s(t));
                r as Slot
            };
            let (p, q, r, n) = (mk(1.0, "a"), mk(1.0, "a"), mk(1.0, "b"), mk(f64::NAN, "a"));
            assert!(eq(p, q, point));
            assert!(!eq(p, r, point));
            assert!(!eq(n, n, point));
            assert_eq!(cmp(p, r, point), 0, "records have no ordering");

            let shape = enumeration(
                "Shape",
                &[
                    positional("Dot", &[]),
                    positional("Sq", &[int()]),
                    positional("Rect", &[int()]),
                ],
            );
            let mk_e = |tag: i64, v: Option<i64>| {
                let e = lm_enum_new(shape.as_ptr(), tag);
                if let Some(v) = v {
                    fields(e.cast()).0.write(v);
                }
                e as Slot
            };
            let (d1, d2, s1, s1b, s2, r1) = (
                mk_e(0, None),
                mk_e(0, None),
                mk_e(1, Some(1)),
                mk_e(1, Some(1)),
                mk_e(1, Some(2)),
                mk_e(2, Some(1)),
            );
            assert!(eq(d1, d2, shape));
            assert!(eq(s1, s1b, shape));
            assert!(!eq(s1, s2, shape));
            assert!(!eq(s1, r1, shape), "same payload, other variant");
            assert!(!eq(d1, s1, shape));
            // Optional values: null equals only null.
            assert!(eq(0, 0, shape));
            assert!(!eq(0, d1, shape) && !eq(d1, 0, shape));
            for v in [p, q, r, n, d1, d2, s1, s1b, s2, r1] {
                release(v);
            }
        });
    }

    #[test]
    fn maps_and_sets() {
        no_leaks(|| unsafe {
            let ty = map(string(), list(int()));
            let mk = |entries: &[(&str, &[i64])]| {
                let mut m = crate::map::lm_map_new(ty.as_ptr());
                for &(k, v) in entries {
                    let (k, v) = (s(k), list_of(int(), v));
                    m = crate::map::lm_map_set(m, k, v);
                    release(k);
                    release(v);
                }
                m as Slot
            };
            let a = mk(&[("x", &[1]), ("y", &[2, 3])]);
            let a2 = mk(&[("y", &[2, 3]), ("x", &[1])]);
            let b = mk(&[("x", &[1]), ("y", &[2, 4])]);
            let c = mk(&[("x", &[1]), ("z", &[2, 3])]);
            let d = mk(&[("x", &[1])]);
            assert!(eq(a, a2, ty), "insertion order does not matter");
            assert!(!eq(a, b, ty), "a value differs");
            assert!(!eq(a, c, ty), "a key differs");
            assert!(!eq(a, d, ty) && !eq(d, a, ty), "lengths differ");
            assert_eq!(cmp(a, b, ty), 0, "maps have no ordering");

            let st = set(float());
            let mk_set = |items: &[f64]| {
                let mut m = crate::set::lm_set_new(st.as_ptr());
                for &v in items {
                    m = crate::set::lm_set_add(m, fl(v));
                }
                m as Slot
            };
            let (p, q, r) = (
                mk_set(&[1.0, 2.0]),
                mk_set(&[2.0, 1.0, 2.0]),
                mk_set(&[1.0]),
            );
            let (z, nz, nan) = (mk_set(&[0.0]), mk_set(&[-0.0]), mk_set(&[f64::NAN]));
            assert!(eq(p, q, st));
            assert!(!eq(p, r, st));
            assert!(eq(z, nz, st), "-0.0 == 0.0");
            assert!(!eq(nan, nan, st), "NaN != NaN, no identity shortcut");
            assert!(eq(0, 0, st) && !eq(0, p, st), "null only equals null");
            for v in [a, a2, b, c, d, p, q, r, z, nz, nan] {
                release(v);
            }
        });
    }
}
