//! Tuples (semantics.md §5): `(1, "a")`.
//!
//! A tuple is an object in the record layout (`ObjectKind::Record`,
//! `lumen_abi::RECORD_*_OFFSET`) whose descriptor has kind `Tuple`: children
//! are the element types, `count` the arity, no name and no field names. So
//! freeing, copy-on-write and equality are those of records; only display
//! (`(1, "a")`, `(1,)`, in [`crate::value`]) and ordering (element-wise,
//! lexicographic, in [`crate::compare`]) look at the descriptor's kind.

use lumen_abi::TypeDesc;

use crate::objects::{lm_record_new, RecordObj};

/// A new tuple of the tuple type `desc` with every element slot zero;
/// compiled code stores the elements like record fields (the tuple owns
/// those references).
///
/// # Safety
/// `desc` must be a valid descriptor of kind `Tuple` (see
/// [`crate::typedesc::Ty::new`]).
#[no_mangle]
pub unsafe extern "C" fn lm_tuple_new(desc: *const TypeDesc) -> *mut RecordObj {
    // SAFETY: caller's contract; a tuple descriptor has a record's shape
    // (`count` children), which is all `lm_record_new` reads.
    unsafe { lm_record_new(desc) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{lm_value_cmp, lm_value_eq};
    use crate::objects::{fields, lm_unshare, slot_obj, Slot};
    use crate::rc::{lm_release, lm_retain, stats};
    use crate::strings::new_string;
    use crate::typedesc::test_descs::*;
    use crate::typedesc::Ty;
    use crate::value::lm_str_from_value;

    fn no_leaks(f: impl FnOnce()) {
        let before = stats::live();
        f();
        assert_eq!(stats::live(), before, "blocks leaked");
    }

    /// A tuple of `ty` holding `values` (taking over their references).
    fn tup(ty: Ty, values: &[Slot]) -> Slot {
        unsafe {
            let t = lm_tuple_new(ty.as_ptr());
            let (slots, own) = fields(t.cast());
            assert_eq!(own, ty);
            for (i, &v) in values.iter().enumerate() {
                assert_eq!(slots.add(i).read(), 0, "zeroed");
                slots.add(i).write(v);
            }
            t as Slot
        }
    }

    fn s(text: &str) -> Slot {
        new_string(text) as Slot
    }

    fn show(slot: Slot, ty: Ty) -> String {
        unsafe {
            let p = lm_str_from_value(slot, ty.as_ptr());
            let out = crate::strings::as_str(p).to_string();
            lm_release(p.cast());
            out
        }
    }

    fn cmp(a: Slot, b: Slot, ty: Ty) -> i64 {
        unsafe { lm_value_cmp(a, b, ty.as_ptr()) }
    }

    fn eq(a: Slot, b: Slot, ty: Ty) -> bool {
        unsafe { lm_value_eq(a, b, ty.as_ptr()) == 1 }
    }

    #[test]
    fn display_one_and_many() {
        no_leaks(|| unsafe {
            let pair = tuple(&[int(), string()]);
            let one = tuple(&[string()]);
            let p = tup(pair, &[1, s("a")]);
            let o = tup(one, &[s("x\"y")]);
            assert_eq!(show(p, pair), r#"(1, "a")"#);
            assert_eq!(show(o, one), r#"("x\"y",)"#);
            let nested_ty = tuple(&[pair, one, boolean()]);
            lm_retain(slot_obj(p));
            lm_retain(slot_obj(o));
            let n = tup(nested_ty, &[p, o, 1]);
            assert_eq!(show(n, nested_ty), r#"((1, "a"), ("x\"y",), true)"#);
            for v in [p, o, n] {
                lm_release(slot_obj(v));
            }
        });
    }

    #[test]
    fn equality_and_ordering_are_element_wise() {
        no_leaks(|| {
            let ty = tuple(&[int(), string(), float()]);
            let fl = |v: f64| v.to_bits() as Slot;
            let a = tup(ty, &[1, s("b"), fl(0.5)]);
            let a2 = tup(ty, &[1, s("b"), fl(0.5)]);
            let b = tup(ty, &[1, s("c"), fl(0.0)]);
            let c = tup(ty, &[0, s("z"), fl(9.0)]);
            let nan = tup(ty, &[1, s("b"), fl(f64::NAN)]);
            assert!(eq(a, a2, ty));
            assert!(!eq(a, b, ty));
            assert!(!eq(nan, nan, ty), "NaN != NaN inside a tuple too");
            assert_eq!(cmp(a, a2, ty), 0);
            assert_eq!(cmp(a, b, ty), -1, "decided by the second element");
            assert_eq!(cmp(b, a, ty), 1);
            assert_eq!(cmp(c, a, ty), -1, "decided by the first element");
            assert_eq!(cmp(a, nan, ty), -1, "NaN sorts after every number");
            assert_eq!(cmp(nan, nan, ty), 0);
            // Lists of tuples order element-wise through the tuples.
            let l = |items: &[Slot]| unsafe {
                let mut l = crate::list::lm_list_new(ty.as_ptr(), 0);
                for &v in items {
                    lm_retain(slot_obj(v));
                    l = crate::list::lm_list_push(l, v);
                    lm_release(slot_obj(v));
                }
                l as Slot
            };
            let (la, lb) = (l(&[a, b]), l(&[a, c]));
            assert_eq!(cmp(la, lb, list(ty)), 1);
            for v in [a, a2, b, c, nan, la, lb] {
                unsafe { lm_release(slot_obj(v)) };
            }
        });
    }

    #[test]
    fn unshare_copies_like_a_record() {
        no_leaks(|| unsafe {
            let ty = tuple(&[string(), int()]);
            let text = s("t");
            let t = tup(ty, &[text, 3]);
            lm_retain(slot_obj(t));
            let copy = lm_unshare(slot_obj(t));
            assert_ne!(copy, slot_obj(t));
            assert_eq!((*slot_obj(text)).rc, 2);
            assert!(eq(copy as Slot, t, ty));
            lm_release(copy);
            lm_release(slot_obj(t));
        });
    }
}
