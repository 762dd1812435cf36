//! The display form of any value (semantics.md §7), given its slot and type
//! descriptor: `print`, `to_string` and interpolation of collections, records
//! and enums, nested to any depth.
//!
//! * Scalars print as in [`crate::display`]; a `TagEnum` value prints the name
//!   of the variant its tag selects.
//! * A string prints its text at top level and quoted inside a list, tuple,
//!   map, set, record or enum payload: `"` around it and `\" \\ \n \t \r`
//!   escaped, other control characters as `\u{1B}` (upper-case hex, as
//!   literals write them).
//! * Lists `[1, 2, "a"]`, records `Point(x: 1, y: 2)` (a record without fields
//!   prints `Name()`), enums `Red`, `Custom(5)`, `Circle(radius: 1.0)`.
//! * Tuples `(1, "a")`, one element `(1,)`; maps `{"a": 1, "b": 2}` in key
//!   order, the empty map `{}`; sets `{1, 2, 3}`, the empty set `set[]`.
//! * A heap slot holding 0 (the `null` of an optional value) prints `null`.
//!
//! Nesting is walked with an explicit stack of open containers rather than by
//! recursion: a long chain of records (`Node(next: Node(...))`) must print
//! without overflowing the task stack that compiled code shares.

use std::borrow::Cow;
use std::fmt::{self, Write};

use lumen_abi::{ObjectKind, TypeDesc, TypeKind};

use crate::bytes::bytes_of;
use crate::display;
use crate::errors::internal_error;
use crate::objects::{elems, fields, kind_of, slot_obj, Slot};
use crate::output;

use crate::rc::lm_retain;
use crate::sorted;
use crate::strings::{as_str, new_string, LmString};
use crate::typedesc::Ty;

/// A container whose remaining children are still to be printed.
enum Frame {
    /// List or set elements, or map entries: `slots[next..len]`, then
    /// `close`. An entry is `width` slots (2 for a map: key, then value),
    /// slot `n` of an entry typed by `tys[n]`.
    Elems {
        slots: *const Slot,
        len: usize,
        width: usize,
        tys: [Ty; 2],
        close: char,
        next: usize,
        /// The widened copy `slots` points into when the container is a
        /// packed `list[Bool]` (empty otherwise); only held, never read.
        _widened: Vec<Slot>,
    },
    /// Record, tuple or variant fields typed by `ty`: `slots[next..count]`,
    /// then `)` (`,)` closes a tuple of one).
    Fields {
        slots: *const Slot,
        ty: Ty,
        next: usize,
    },
}

/// Writes the display form of the value `slot` of type `ty`; `nested` quotes
/// strings (inside a container).
///
/// # Safety
/// `ty` must be a valid descriptor (see [`Ty::new`]) and `slot` a live value
/// of that type.
pub unsafe fn write_value(out: &mut impl Write, slot: Slot, ty: Ty, nested: bool) -> fmt::Result {
    let mut open = Vec::new();
    // SAFETY: caller's contract.
    unsafe { start(out, slot, ty, nested, &mut open)? };
    while let Some(top) = open.last_mut() {
        // The next child to print, or close the container.
        let (slot, ty, name, sep) = match top {
            Frame::Elems {
                slots,
                len,
                width,
                tys,
                close,
                next,
                ..
            } => {
                if *next == *len {
                    out.write_char(*close)?;
                    open.pop();
                    continue;
                }
                let i = *next;
                *next += 1;
                let n = i % *width;
                let sep = match (i, n) {
                    (0, _) => "",
                    (_, 0) => ", ",
                    _ => ": ",
                };
                // SAFETY: `i < len` slots of a live list, set or map.
                (unsafe { slots.add(i).read() }, tys[n], None, sep)
            }
            Frame::Fields { slots, ty, next } => {
                if *next == ty.count() {
                    let tuple_of_one = ty.kind() == TypeKind::Tuple && ty.count() == 1;
                    out.write_str(if tuple_of_one { ",)" } else { ")" })?;
                    open.pop();
                    continue;
                }
                let i = *next;
                *next += 1;
                // SAFETY: `i < count` field slots of a live object.
                let slot = unsafe { slots.add(i).read() };
                (
                    slot,
                    ty.child(i),
                    ty.field_name(i),
                    if i == 0 { "" } else { ", " },
                )
            }
        };
        out.write_str(sep)?;
        if let Some(name) = name {
            write_name(out, name)?;
            out.write_str(": ")?;
        }
        // SAFETY: a child of a live object, typed by its descriptor.
        unsafe { start(out, slot, ty, true, &mut open)? };
    }
    Ok(())
}

/// Prints a scalar, or the opening of a container (pushing its frame).
///
/// # Safety
/// As for [`write_value`].
unsafe fn start(
    out: &mut impl Write,
    slot: Slot,
    ty: Ty,
    nested: bool,
    open: &mut Vec<Frame>,
) -> fmt::Result {
    match ty.kind() {
        TypeKind::Int => display::int(out, slot),
        TypeKind::Float => display::float(out, f64::from_bits(slot as u64)),
        TypeKind::Bool => out.write_str(display::bool_text((slot != 0) as i8)),
        TypeKind::Null => out.write_str("null"),
        TypeKind::TagEnum => write_name(out, ty.variant(slot as u64).name()),
        TypeKind::Variant => internal_error("a variant descriptor used as a value type"),
        TypeKind::Union => {
            // SAFETY: a live union value (caller's contract).
            match unsafe { crate::objects::union_member(slot, ty) } {
                None => out.write_str("null"),
                Some((inner, member)) => unsafe { start(out, inner, member, nested, open) },
            }
        }
        TypeKind::Future | TypeKind::Channel => {
            if slot_obj(slot).is_null() {
                return out.write_str("null");
            }
            // SAFETY: a live handle (caller's contract).
            out.write_str(unsafe { crate::handle::describe(slot_obj(slot).cast()) })
        }
        TypeKind::Closure => {
            let obj = slot_obj(slot);
            if obj.is_null() {
                return out.write_str("null");
            }
            // SAFETY: a live closure (caller's contract); its own descriptor
            // names the cell when it is a named cell used as a value.
            let (_, own) = unsafe { fields(obj) };
            let name = own.name();
            if name.is_empty() {
                out.write_str("<closure>")
            } else {
                out.write_str("<fn ")?;
                write_name(out, name)?;
                out.write_char('>')
            }
        }
        TypeKind::String
        | TypeKind::List
        | TypeKind::Record
        | TypeKind::Enum
        | TypeKind::Tuple
        | TypeKind::Map
        | TypeKind::Set
        | TypeKind::Bytes => {
            let obj = slot_obj(slot);
            if obj.is_null() {
                return out.write_str("null");
            }
            // SAFETY: a live object (caller's contract); its own header and
            // descriptor say what it holds.
            unsafe {
                match kind_of(obj) {
                    // The same form at top level and nested: `b"…"` is
                    // never ambiguous with text.
                    ObjectKind::Bytes => crate::bytes::write_display(out, bytes_of(obj.cast())),
                    ObjectKind::String => {
                        let text = as_str(obj.cast::<LmString>());
                        if nested {
                            quoted(out, text)
                        } else {
                            out.write_str(text)
                        }
                    }
                    ObjectKind::List => {
                        let (slots, elem) = elems(obj.cast());
                        let (ptr, len) = (slots.as_ptr(), slots.len());
                        // A widened copy's buffer keeps its address when the
                        // `Vec` moves into the frame.
                        let widened = match slots {
                            Cow::Owned(v) => v,
                            Cow::Borrowed(_) => Vec::new(),
                        };
                        open.push(Frame::Elems {
                            slots: ptr,
                            len,
                            width: 1,
                            tys: [elem, elem],
                            close: ']',
                            next: 0,
                            _widened: widened,
                        });
                        out.write_char('[')
                    }
                    ObjectKind::Map | ObjectKind::Set => {
                        let (slots, shape) = sorted::entries(obj.cast());
                        if slots.is_empty() && shape.width == 1 {
                            // `{}` is the empty map.
                            return out.write_str("set[]");
                        }
                        open.push(Frame::Elems {
                            slots: slots.as_ptr(),
                            len: slots.len(),
                            width: shape.width,
                            tys: [shape.key, shape.value],
                            close: '}',
                            next: 0,
                            _widened: Vec::new(),
                        });
                        out.write_char('{')
                    }
                    kind => {
                        let (slots, ty) = fields(obj);
                        if ty.kind() == TypeKind::Tuple {
                            open.push(Frame::Fields { slots, ty, next: 0 });
                            return out.write_char('(');
                        }
                        write_name(out, ty.name())?;
                        // A variant without payload is just its name.
                        if kind == ObjectKind::Enum && ty.count() == 0 {
                            return Ok(());
                        }
                        open.push(Frame::Fields { slots, ty, next: 0 });
                        out.write_char('(')
                    }
                }
            }
        }
    }
}

fn write_name(out: &mut impl Write, name: &[u8]) -> fmt::Result {
    out.write_str(&String::from_utf8_lossy(name))
}

/// A string as it appears inside a container (module docs).
pub fn quoted(out: &mut impl Write, text: &str) -> fmt::Result {
    out.write_char('"')?;
    // Copy runs of plain characters in one piece.
    let mut plain = 0;
    for (at, c) in text.char_indices() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\t' => "\\t",
            '\r' => "\\r",
            c if c.is_control() => "",
            _ => continue,
        };
        out.write_str(&text[plain..at])?;
        if escape.is_empty() {
            write!(out, "\\u{{{:X}}}", c as u32)?;
        } else {
            out.write_str(escape)?;
        }
        plain = at + c.len_utf8();
    }
    out.write_str(&text[plain..])?;
    out.write_char('"')
}

/// The display form of any value as a new string; a string at top level is
/// returned itself (retained), not quoted.
///
/// # Safety
/// `desc` must be a valid descriptor (see [`Ty::new`]) and `slot` a live
/// value of that type (borrowed).
#[no_mangle]
pub unsafe extern "C" fn lm_str_from_value(slot: Slot, desc: *const TypeDesc) -> *mut LmString {
    // SAFETY: caller's contract.
    let ty = unsafe { Ty::new(desc) };
    let obj = slot_obj(slot);
    // SAFETY: a live object of the type `ty` says is heap.
    if ty.is_heap() && !obj.is_null() && unsafe { kind_of(obj) } == ObjectKind::String {
        // SAFETY: live object; the +1 is the reference we return.
        unsafe { lm_retain(obj) };
        return obj.cast();
    }
    // SAFETY: caller's contract.
    unsafe { display_string(slot, ty, false) }
}

/// The display form of `slot` (borrowed) as a new string; `nested`: as
/// inside a collection (strings quoted).
///
/// # Safety
/// `slot` must be a live value of type `ty`.
unsafe fn display_string(slot: Slot, ty: Ty, nested: bool) -> *mut LmString {
    let mut text = String::new();
    // SAFETY: caller's contract. Writing to a String cannot fail.
    let _ = unsafe { write_value(&mut text, slot, ty, nested) };
    new_string(&text)
}

/// The display form of any value as it appears inside a collection: a
/// string is quoted (a `where` failure shows `(name = "")`).
///
/// # Safety
/// As for [`lm_str_from_value`].
#[no_mangle]
pub unsafe extern "C" fn lm_str_repr(slot: Slot, desc: *const TypeDesc) -> *mut LmString {
    // SAFETY: caller's contract.
    let ty = unsafe { Ty::new(desc) };
    // SAFETY: caller's contract.
    unsafe { display_string(slot, ty, true) }
}

/// Writes the display form of any value (borrowed) to `stream` (1 stdout,
/// 2 stderr).
///
/// # Safety
/// As for [`lm_str_from_value`].
#[no_mangle]
pub unsafe extern "C" fn lm_write_value(stream: i32, slot: Slot, desc: *const TypeDesc) {
    // SAFETY: caller's contract.
    let ty = unsafe { Ty::new(desc) };
    output::emit(stream, |s| {
        // SAFETY: caller's contract. The sink cannot fail.
        let _ = unsafe { write_value(s, slot, ty, false) };
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::list::{lm_list_new, lm_list_push};
    use crate::objects::{lm_enum_new, lm_record_new};
    use crate::rc::{lm_release, stats};
    use crate::typedesc::test_descs::*;

    fn no_leaks(f: impl FnOnce()) {
        let before = stats::live();
        f();
        assert_eq!(stats::live(), before, "blocks leaked");
    }

    fn show(slot: Slot, ty: Ty) -> String {
        unsafe {
            let p = lm_str_from_value(slot, ty.as_ptr());
            let s = as_str(p).to_string();
            lm_release(p.cast());
            s
        }
    }

    fn s(text: &str) -> Slot {
        new_string(text) as Slot
    }

    /// A list of `ty` holding `items` (the list takes over their references).
    fn list_of(ty: Ty, items: &[Slot]) -> Slot {
        unsafe {
            let mut l = lm_list_new(ty.as_ptr(), 0);
            for &v in items {
                l = lm_list_push(l, v);
                crate::objects::release_slot(v, ty);
            }
            l as Slot
        }
    }

    /// A record or enum object with its fields set (taking the references).
    fn with_fields(obj: *mut lumen_abi::ObjectHeader, values: &[Slot]) -> Slot {
        unsafe {
            let (slots, ty) = fields(obj);
            assert_eq!(ty.count(), values.len());
            for (i, &v) in values.iter().enumerate() {
                slots.add(i).write(v);
            }
        }
        obj as Slot
    }

    fn rec(ty: Ty, values: &[Slot]) -> Slot {
        with_fields(unsafe { lm_record_new(ty.as_ptr()) }.cast(), values)
    }

    fn en(ty: Ty, tag: i64, values: &[Slot]) -> Slot {
        with_fields(unsafe { lm_enum_new(ty.as_ptr(), tag) }.cast(), values)
    }

    fn fl(v: f64) -> Slot {
        v.to_bits() as Slot
    }

    #[test]
    fn scalars() {
        assert_eq!(show(-42, int()), "-42");
        assert_eq!(show(fl(3.0), float()), "3.0");
        assert_eq!(show(fl(0.1 + 0.2), float()), "0.30000000000000004");
        assert_eq!(show(fl(f64::NAN), float()), "NaN");
        assert_eq!(show(1, boolean()), "true");
        assert_eq!(show(0, boolean()), "false");
        assert_eq!(show(0, null()), "null");
        let color = tag_enum("Color", &["Red", "Green", "Blue"]);
        assert_eq!(show(2, color), "Blue");
        no_leaks(|| {
            let t = s("plain \"text\"\n");
            assert_eq!(show(t, string()), "plain \"text\"\n", "top level: unquoted");
            unsafe { lm_release(slot_obj(t)) };
        });
    }

    #[test]
    fn top_level_string_is_returned_itself() {
        no_leaks(|| unsafe {
            let t = s("me");
            let p = lm_str_from_value(t, string().as_ptr());
            assert_eq!(p as Slot, t);
            assert_eq!((*p).header.rc, 2);
            lm_release(p.cast());
            lm_release(slot_obj(t));
        });
    }

    #[test]
    fn quoting_and_escapes() {
        let q = |t: &str| {
            let mut out = String::new();
            quoted(&mut out, t).unwrap();
            out
        };
        assert_eq!(q(""), r#""""#);
        assert_eq!(q("héllo 🦀"), r#""héllo 🦀""#);
        assert_eq!(q("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(q("\n\t\r"), r#""\n\t\r""#);
        assert_eq!(q("\0\x1b\x7f\u{85}x"), r#""\u{0}\u{1B}\u{7F}\u{85}x""#);
        assert_eq!(q("{x}'"), r#""{x}'""#);
    }

    #[test]
    fn list_of_records_with_strings() {
        no_leaks(|| {
            let person = record("Person", &[("name", string()), ("age", int())]);
            let people = list_of(
                person,
                &[
                    rec(person, &[s("Ann \"A\""), 31]),
                    rec(person, &[s("Bob\n"), -2]),
                ],
            );
            assert_eq!(
                show(people, list(person)),
                r#"[Person(name: "Ann \"A\"", age: 31), Person(name: "Bob\n", age: -2)]"#
            );
            let empty = list_of(person, &[]);
            assert_eq!(show(empty, list(person)), "[]");
            unsafe {
                lm_release(slot_obj(people));
                lm_release(slot_obj(empty));
            }
        });
    }

    #[test]
    fn enums_named_positional_and_bare() {
        no_leaks(|| {
            let shape = enumeration(
                "Shape",
                &[
                    positional("Empty", &[]),
                    variant("Circle", &[("radius", float())]),
                    positional("Custom", &[int(), string(), boolean()]),
                ],
            );
            let values = [
                en(shape, 0, &[]),
                en(shape, 1, &[fl(1.0)]),
                en(shape, 2, &[5, s("a"), 1]),
            ];
            let l = list_of(shape, &values);
            assert_eq!(
                show(l, list(shape)),
                r#"[Empty, Circle(radius: 1.0), Custom(5, "a", true)]"#
            );
            let one = en(shape, 1, &[fl(0.5)]);
            assert_eq!(show(one, shape), "Circle(radius: 0.5)");
            // An enum payload holding a record holding a list.
            let tags = tag_enum("Color", &["Red", "Green"]);
            let palette = record("Palette", &[("colors", list(tags)), ("name", string())]);
            let wrap = enumeration("Wrap", &[positional("Some", &[palette])]);
            let p = rec(palette, &[list_of(tags, &[1, 0, 1]), s("rgb")]);
            let w = en(wrap, 0, &[p]);
            assert_eq!(
                show(w, wrap),
                r#"Some(Palette(colors: [Green, Red, Green], name: "rgb"))"#
            );
            unsafe {
                lm_release(slot_obj(l));
                lm_release(slot_obj(one));
                lm_release(slot_obj(w));
            }
        });
    }

    #[test]
    fn lists_of_lists_and_nulls() {
        no_leaks(|| {
            let inner = list(float());
            let l = list_of(
                inner,
                &[
                    list_of(float(), &[fl(1.0), fl(-0.0)]),
                    list_of(float(), &[]),
                    list_of(float(), &[fl(f64::INFINITY)]),
                ],
            );
            assert_eq!(show(l, list(inner)), "[[1.0, -0.0], [], [inf]]");
            // Optional strings: 0 is null.
            let opt = list_of(string(), &[s("x"), 0]);
            assert_eq!(show(opt, list(string())), r#"["x", null]"#);
            let nested = list_of(list(string()), &[opt]);
            assert_eq!(show(nested, list(list(string()))), r#"[["x", null]]"#);
            let unit = record("Unit", &[]);
            let record_without_fields = rec(unit, &[]);
            assert_eq!(show(record_without_fields, unit), "Unit()");
            unsafe {
                lm_release(slot_obj(l));
                lm_release(slot_obj(nested));
                lm_release(slot_obj(record_without_fields));
            }
        });
    }

    /// A tuple of `ty` holding `values` (taking the references).
    fn tup(ty: Ty, values: &[Slot]) -> Slot {
        with_fields(
            unsafe { crate::tuple::lm_tuple_new(ty.as_ptr()) }.cast(),
            values,
        )
    }

    /// A map of `ty` with `entries` (taking the references).
    fn map_of(ty: Ty, entries: &[(Slot, Slot)]) -> Slot {
        unsafe {
            let mut m = crate::map::lm_map_new(ty.as_ptr());
            for &(k, v) in entries {
                m = crate::map::lm_map_set(m, k, v);
                crate::objects::release_slot(k, ty.child(0));
                crate::objects::release_slot(v, ty.child(1));
            }
            m as Slot
        }
    }

    /// A set of `ty` with `items` (taking the references).
    fn set_of(ty: Ty, items: &[Slot]) -> Slot {
        unsafe {
            let mut m = crate::set::lm_set_new(ty.as_ptr());
            for &v in items {
                m = crate::set::lm_set_add(m, v);
                crate::objects::release_slot(v, ty.child(0));
            }
            m as Slot
        }
    }

    #[test]
    fn maps_of_lists_of_tuples() {
        no_leaks(|| {
            let pair = tuple(&[int(), string()]);
            let ty = map(string(), list(pair));
            let m = map_of(
                ty,
                &[
                    (
                        s("zeta"),
                        list_of(pair, &[tup(pair, &[1, s("a")]), tup(pair, &[-2, s("b\n")])]),
                    ),
                    (s("alpha \"1\""), list_of(pair, &[])),
                ],
            );
            assert_eq!(
                show(m, ty),
                r#"{"alpha \"1\"": [], "zeta": [(1, "a"), (-2, "b\n")]}"#
            );
            let empty = map_of(ty, &[]);
            assert_eq!(show(empty, ty), "{}");
            let one = tuple(&[string()]);
            let t = tup(one, &[s("x")]);
            assert_eq!(show(t, one), r#"("x",)"#);
            unsafe {
                for v in [m, empty, t] {
                    lm_release(slot_obj(v));
                }
            }
        });
    }

    #[test]
    fn sets_and_nested_collections() {
        no_leaks(|| {
            let ints = set(int());
            let a = set_of(ints, &[3, 1, 2, 3]);
            assert_eq!(show(a, ints), "{1, 2, 3}");
            let none = set_of(ints, &[]);
            assert_eq!(show(none, ints), "set[]");
            let strs = set(string());
            let b = set_of(strs, &[s("b"), s("a")]);
            assert_eq!(show(b, strs), r#"{"a", "b"}"#);
            // map[Int, set[Int]] holding an empty set, and a list of maps.
            let ty = map(int(), ints);
            unsafe { crate::rc::lm_retain(slot_obj(none)) };
            unsafe { crate::rc::lm_retain(slot_obj(a)) };
            let m = map_of(ty, &[(2, none), (1, a)]);
            assert_eq!(show(m, ty), "{1: {1, 2, 3}, 2: set[]}");
            let fl_map = map(float(), boolean());
            let f = map_of(fl_map, &[(fl(f64::NAN), 1), (fl(-1.5), 0), (fl(2.0), 1)]);
            assert_eq!(show(f, fl_map), "{-1.5: false, 2.0: true, NaN: true}");
            let maps = list_of(fl_map, &[f, map_of(fl_map, &[])]);
            assert_eq!(
                show(maps, list(fl_map)),
                "[{-1.5: false, 2.0: true, NaN: true}, {}]"
            );
            // A record field holding a map of string keys.
            let counts = map(string(), int());
            let holder = record("H", &[("counts", counts)]);
            let h = rec(holder, &[map_of(counts, &[(s("k"), 1)])]);
            assert_eq!(show(h, holder), r#"H(counts: {"k": 1})"#);
            unsafe {
                for v in [a, none, b, m, maps, h] {
                    lm_release(slot_obj(v));
                }
            }
        });
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        // Box(inner: Box?) 100,000 deep, printed on a small stack.
        let boxed = record("B", &[("v", int())]);
        unsafe {
            let d = boxed.as_ptr() as *mut TypeDesc;
            ((*d).children as *mut *const TypeDesc).write(d);
        }
        let boxed = boxed.as_ptr() as usize;
        std::thread::Builder::new()
            .stack_size(128 * 1024)
            .spawn(move || {
                let ty = unsafe { Ty::new(boxed as *const TypeDesc) };
                let mut v: Slot = 0;
                for _ in 0..100_000 {
                    v = rec(ty, &[v]);
                }
                let text = show(v, ty);
                assert_eq!(text.len(), 100_000 * "B(v: )".len() + "null".len());
                assert!(text.starts_with("B(v: B(v: "), "{}", &text[..40]);
                assert!(text.ends_with(&format!("(v: null{}", ")".repeat(100_000))));
                unsafe { lm_release(slot_obj(v)) };
            })
            .unwrap()
            .join()
            .unwrap();
    }
}
