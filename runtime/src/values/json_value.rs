//! `Json` values at run time: `json_parse(s)` and indexing (`j["k"]`,
//! `j[i]`).
//!
//! A `Json` is a boxed union like any other (0 for null, else a box naming
//! the member type it holds), so display, equality, release and
//! `json_encode` need nothing special. Building one needs the program's own
//! member descriptors — union membership tests compare descriptor pointers —
//! which the compiler passes in: the `Json` descriptor (a `Union` named
//! `Json`) lists them, `list[Json]` and `map[String, Json]` included.

use lumen_abi::{ObjectKind, TypeDesc, TypeKind};

use crate::json_parse::{parse, JsonValue};
use crate::library::convert::{new_result, string_result};
use crate::objects::{elems, lm_box_new, new_list, release_slot, retain_slot, BoxObj, Slot};
use crate::rc::lm_release;
use crate::sorted::{self, SortedObj};
use crate::strings::{new_string, LmString};
use crate::typedesc::Ty;

/// The member descriptors of `Json`, found by kind among the children of
/// its descriptor.
#[derive(Clone, Copy)]
pub struct JsonDescs {
    pub json: Ty,
    int: Ty,
    float: Ty,
    boolean: Ty,
    string: Ty,
    list: Ty,
    map: Ty,
}

impl JsonDescs {
    /// From the `Json` descriptor (`json.kind()` is `Union`).
    pub fn of(json: Ty) -> JsonDescs {
        let find = |kind: TypeKind| {
            (0..json.count())
                .map(|i| json.child(i))
                .find(|c| c.kind() == kind)
                .unwrap_or_else(|| {
                    crate::errors::internal_error(&format!("Json descriptor without {kind:?}"))
                })
        };
        JsonDescs {
            json,
            int: find(TypeKind::Int),
            float: find(TypeKind::Float),
            boolean: find(TypeKind::Bool),
            string: find(TypeKind::String),
            list: find(TypeKind::List),
            map: find(TypeKind::Map),
        }
    }

    /// A new `Json` value (owned slot) holding `value`.
    pub fn build(&self, value: &JsonValue) -> Slot {
        // SAFETY: each slot built below is a live value of the descriptor it
        // is boxed with; the box retains it and the builder's own reference
        // is then dropped.
        unsafe {
            match value {
                JsonValue::Null => 0,
                JsonValue::Bool(b) => boxed(self.boolean, Slot::from(*b)),
                JsonValue::Int(n) => boxed(self.int, *n),
                JsonValue::Float(f) => boxed(self.float, f.to_bits() as Slot),
                JsonValue::Str(s) => boxed(self.string, new_string(s) as Slot),
                JsonValue::List(items) => {
                    let list = new_list(self.json.as_ptr(), &[], items.len());
                    for (i, item) in items.iter().enumerate() {
                        crate::objects::store_elem(list, i, self.build(item));
                        (*list).len = i as u64 + 1;
                    }
                    boxed(self.list, list as Slot)
                }
                JsonValue::Object(entries) => {
                    let map = sorted::new_sorted(ObjectKind::Map, self.map.as_ptr(), entries.len());
                    // Keys arrive sorted and unique: append in order.
                    for (key, value) in entries {
                        let entry = [new_string(key) as Slot, self.build(value)];
                        sorted::append_copy(map, &entry);
                        release_slot(entry[0], self.string);
                        release_slot(entry[1], self.json);
                    }
                    boxed(self.map, map as Slot)
                }
            }
        }
    }
}

/// A box of `slot` (an owned value of type `ty`), taking over its reference.
///
/// # Safety
/// `slot` must be a live value of type `ty` owned by the caller.
pub unsafe fn boxed(ty: Ty, slot: Slot) -> Slot {
    // SAFETY: caller's contract; the box retained its own reference.
    unsafe {
        let b = lm_box_new(ty.as_ptr(), slot);
        release_slot(slot, ty);
        b as Slot
    }
}

/// `json_parse(s)`: `ok(Json)` or `err("expected … at line:col")`.
///
/// # Safety
/// `s` must be a live string and `result_desc` the descriptor of
/// `result[Json, String]`.
#[no_mangle]
pub unsafe extern "C" fn lm_json_parse(
    s: *const LmString,
    result_desc: *const TypeDesc,
) -> *mut crate::objects::EnumObj {
    // SAFETY: caller's contract: the `ok` variant's one field is `Json`.
    unsafe {
        let json = Ty::new(result_desc).variant(0).child(0);
        match parse(crate::strings::as_str(s)) {
            Ok(value) => new_result(result_desc, true, JsonDescs::of(json).build(&value)),
            Err(message) => string_result(result_desc, false, &message),
        }
    }
}

/// The box of a non-null `Json` value and what its member is.
///
/// # Safety
/// `j` must be 0 or a live `Json` box.
unsafe fn member(j: *const BoxObj) -> Option<(Slot, TypeKind)> {
    // SAFETY: caller's contract.
    unsafe { j.as_ref().map(|b| (b.slot, Ty::new(b.desc).kind())) }
}

/// `j[key]`: the entry of an object (owned), 0 (null) otherwise.
///
/// # Safety
/// `j` must be 0 or a live `Json` value, `key` a live string.
#[no_mangle]
pub unsafe extern "C" fn lm_json_get(j: *const BoxObj, key: *const LmString) -> *mut BoxObj {
    // SAFETY: caller's contract; a `Json` map is a `map[String, Json]`.
    unsafe {
        let Some((map, TypeKind::Map)) = member(j) else {
            return std::ptr::null_mut();
        };
        let map = map as *const SortedObj;
        match sorted::find(map, key as Slot) {
            Ok(i) => {
                let (slots, shape) = sorted::entries(map);
                let value = slots[i * 2 + 1];
                retain_slot(value, shape.value);
                value as *mut BoxObj
            }
            Err(_) => std::ptr::null_mut(),
        }
    }
}

/// `j[i]`: the element of a list (owned; negative from the end), 0 (null)
/// when `j` is not a list or `i` is out of range.
///
/// # Safety
/// `j` must be 0 or a live `Json` value.
#[no_mangle]
pub unsafe extern "C" fn lm_json_at(j: *const BoxObj, i: i64) -> *mut BoxObj {
    // SAFETY: caller's contract; a `Json` list is a `list[Json]`.
    unsafe {
        let Some((list, TypeKind::List)) = member(j) else {
            return std::ptr::null_mut();
        };
        let (slots, elem) = elems(list as *const _);
        let len = slots.len() as i64;
        let at = if i < 0 { i + len } else { i };
        // Out of range is null, not an error (like serde_json's `Index`).
        if !(0..len).contains(&at) {
            return std::ptr::null_mut();
        }
        let value = slots[at as usize];
        retain_slot(value, elem);
        value as *mut BoxObj
    }
}

/// Drops an owned `Json` slot.
///
/// # Safety
/// `slot` must be an owned `Json` value.
pub unsafe fn release_json(slot: Slot) {
    // SAFETY: caller's contract.
    unsafe { lm_release(crate::objects::slot_obj(slot)) }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::library::test_util::{no_leaks, release, s, text};
    use crate::typedesc::test_descs::*;
    use crate::value::lm_str_from_value;

    /// A `Json` descriptor laid out like the compiler's (cyclic).
    pub fn json_ty() -> Ty {
        let json = tuple(&[int(), float(), boolean(), string(), int(), int(), null()]);
        let list_ty = list(json);
        let map_ty = map(string(), json);
        // SAFETY: test descriptors are leaked and writable (`as_mut_ptr`).
        unsafe {
            let d = json.as_ptr() as *mut TypeDesc;
            (*d).kind = TypeKind::Union as u32;
            (*d).name = c"Json".as_ptr().cast();
            let kids = (*d).children as *mut *const TypeDesc;
            kids.add(4).write(list_ty.as_ptr());
            kids.add(5).write(map_ty.as_ptr());
        }
        json
    }

    fn result_json() -> Ty {
        enumeration(
            "Result",
            &[
                positional("ok", &[json_ty()]),
                positional("err", &[string()]),
            ],
        )
    }

    fn parsed(input: &str) -> String {
        let r = result_json();
        let p = s(input);
        let v = unsafe { lm_json_parse(p, r.as_ptr()) };
        let shown = unsafe { lm_str_from_value(v as Slot, r.as_ptr()) };
        let out = text(shown);
        release(shown);
        release(v);
        release(p);
        out
    }

    #[test]
    fn parses_into_json_values() {
        no_leaks(|| {
            assert_eq!(parsed("null"), "ok(null)");
            assert_eq!(
                parsed("[1, 2.5, true, \"x\", null]"),
                "ok([1, 2.5, true, \"x\", null])"
            );
            assert_eq!(
                parsed("{\"b\": {\"c\": []}, \"a\": 1}"),
                "ok({\"a\": 1, \"b\": {\"c\": []}})"
            );
            assert_eq!(parsed("[1,"), "err(\"expected a JSON value at 1:4\")");
        });
    }

    #[test]
    fn indexing() {
        no_leaks(|| unsafe {
            let d = JsonDescs::of(json_ty());
            let v = crate::json_parse::parse("{\"a\": [10, 20], \"b\": null}").unwrap();
            let j = d.build(&v) as *const BoxObj;
            let k = s("a");
            let a = lm_json_get(j, k);
            assert!(!a.is_null());
            let last = lm_json_at(a, -1);
            assert_eq!((*last).slot, 20);
            assert!(lm_json_at(a, 2).is_null());
            assert!(lm_json_at(j, 0).is_null(), "an object is not a list");
            let missing = s("zz");
            assert!(lm_json_get(j, missing).is_null());
            assert!(lm_json_get(a, k).is_null(), "a list is not an object");
            assert!(lm_json_get(std::ptr::null(), k).is_null());
            for x in [last as Slot, a as Slot, j as Slot] {
                release_json(x);
            }
            release(k);
            release(missing);
        });
    }
}
