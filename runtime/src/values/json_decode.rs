//! `from_json(s)` (builtins.md): JSON text decoded into the static type `T`
//! of a `result[T, String]`, by walking `T`'s type descriptor (like
//! `json_encode` walks a value's).
//!
//! * `Int` takes integral numbers only; `Float` any number; `Bool`,
//!   `String` and `Null` their JSON kinds; `Json` any value.
//! * Lists, sets and tuples (exact length) from arrays; maps (String keys)
//!   from objects.
//! * Records from objects, fields by name: unknown keys are ignored, a
//!   missing field takes its default when it has one and is an error
//!   otherwise; `where` constraints are checked on the decoded record.
//! * Enums (and results) in `json_encode`'s shape `{"tag": "Variant",
//!   "value": …}`, so decoding what `json_encode` wrote gives the value back.
//! * Unions: `null` for a union with `Null`, else the first member (in the
//!   canonical order: Int, Float, Bool, String, …) the value decodes as.
//!
//! Errors name the path of the offending value from the root `$`:
//! `expected Int at $.users[1].age, found String`.
//!
//! Defaults and `where` constraints are code, so the compiler passes them as
//! hooks: addresses of hidden cells (C calling convention) called back here.

use lumen_abi::{ObjectHeader, TypeDesc, TypeKind};

use crate::json_parse::{parse, JsonValue};
use crate::json_value::{boxed, JsonDescs};
use crate::library::convert::{new_result, string_result};
use crate::map::lm_map_new;
use crate::objects::{fields, lm_enum_new, lm_record_new, new_list, release_slot, EnumObj, Slot};
use crate::rc::lm_release;
use crate::set::{lm_set_add, lm_set_new};
use crate::sorted::{self, SortedObj};
use crate::strings::{as_str, new_string, LmString};
use crate::tuple::lm_tuple_new;
use crate::typedesc::Ty;
use crate::value::write_value;

/// One hook of the table `lm_from_json` receives: 4 words.
#[repr(C)]
#[derive(Clone, Copy)]
#[repr(C)]
pub struct Hook {
    record: *const TypeDesc,
    field: u64,
    code: *const u8,
    /// Null for a default; for a `where` check, the start of its failure
    /// message (`constraint failed: User.age >= 0 (age = `).
    text: *const LmString,
}

/// The hook table generated code passes (`count` entries of four words).
///
/// # Safety
/// `hooks` must point to `count` valid [`Hook`]s (any pointer when 0),
/// alive for `'a`.
pub unsafe fn hooks_from_raw<'a>(hooks: *const u64, count: i64) -> &'a [Hook] {
    if count > 0 {
        // SAFETY: caller's contract.
        unsafe { std::slice::from_raw_parts(hooks.cast::<Hook>(), count as usize) }
    } else {
        &[]
    }
}

/// `from_json(s)`: `ok(value)` or `err(message)`.
///
/// # Safety
/// `s` must be a live string; `result_desc` the descriptor of `result[T,
/// String]`; `hooks` `count` valid [`Hook`]s (any pointer when 0) whose
/// cells have the signatures their records' field types imply.
#[no_mangle]
pub unsafe extern "C" fn lm_from_json(
    s: *const LmString,
    result_desc: *const TypeDesc,
    hooks: *const u64,
    count: i64,
) -> *mut EnumObj {
    crate::errors::guard(|| {
        // SAFETY: caller's contract.
        unsafe {
            let hooks = hooks_from_raw(hooks, count);
            let target = Ty::new(result_desc).variant(0).child(0);
            let value = match parse(as_str(s)) {
                Ok(v) => v,
                Err(message) => return string_result(result_desc, false, &message),
            };
            let mut decoder = Decoder {
                hooks,
                path: Vec::new(),
                replies: false,
            };
            match decoder.decode(&value, target) {
                Ok(slot) => new_result(result_desc, true, slot),
                Err(e) => string_result(result_desc, false, &e.from_json_message()),
            }
        }
    })
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

/// `.users[1].age` (`$` is put before it by `from_json`'s messages).
fn render_path(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) if is_identifier(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Key(k) => {
                out.push('[');
                out.push_str(&json_string(k));
                out.push(']');
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Why a JSON value did not decode, and where. `from_json` and tool
/// replies word it differently (`expected Int at $.a, found String`
/// against `at a: expected Int, found String`), so the parts are kept.
#[derive(Clone, Debug)]
pub struct DecodeError {
    /// Where the value that did not fit is, from the root; for a missing
    /// field, the field itself.
    path: Vec<Step>,
    /// What was expected or went wrong: `expected Int`, `missing field`.
    what: String,
    /// Said after the place: `, found String`, or empty.
    suffix: String,
    /// A missing field (the last step of `path` names it).
    missing: bool,
}

impl DecodeError {
    /// `from_json`'s wording: `expected Int at $.users[1].age, found String`,
    /// `missing field "y" at $.users[1]`.
    pub fn from_json_message(&self) -> String {
        if self.missing {
            if let Some((Step::Key(name), parent)) = self.path.split_last() {
                return format!("missing field \"{name}\" at ${}", render_path(parent));
            }
        }
        format!(
            "{} at ${}{}",
            self.what,
            render_path(&self.path),
            self.suffix
        )
    }

    /// The path from the root without `$` (`members[1].born`); empty for
    /// the root itself.
    pub fn path(&self) -> String {
        let p = render_path(&self.path);
        p.strip_prefix('.').map(str::to_string).unwrap_or(p)
    }

    /// What did not fit, without the place: `missing field`, `expected
    /// Int, found String`.
    pub fn reason(&self) -> String {
        if self.missing {
            "missing field".to_string()
        } else {
            format!("{}{}", self.what, self.suffix)
        }
    }
}

struct Decoder<'h> {
    hooks: &'h [Hook],
    /// Where the value being decoded is, from the root.
    path: Vec<Step>,
    /// Decoding a tool's reply (tools-details §11–12): an integral Float
    /// fits `Int`, a missing `T?` field is `null`, and a payload-less
    /// variant may be written as its name (`"Green"`).
    replies: bool,
}

impl Decoder<'_> {
    /// An error at the current path.
    fn error(&self, what: String, suffix: String) -> DecodeError {
        DecodeError {
            path: self.path.clone(),
            what,
            suffix,
            missing: false,
        }
    }

    /// Field `name` of the object at the current path is missing.
    fn missing(&self, name: &str) -> DecodeError {
        let mut path = self.path.clone();
        path.push(Step::Key(name.to_string()));
        DecodeError {
            path,
            what: String::new(),
            suffix: String::new(),
            missing: true,
        }
    }

    fn mismatch(&self, ty: Ty, found: &JsonValue) -> DecodeError {
        self.error(
            format!("expected {}", type_name(ty)),
            format!(", found {}", found.kind_name()),
        )
    }

    /// `f` with `step` pushed on the path.
    fn at<T>(&mut self, step: Step, f: impl FnOnce(&mut Self) -> T) -> T {
        self.path.push(step);
        let r = f(self);
        self.path.pop();
        r
    }

    /// The value of `v` as type `ty`: an owned slot.
    ///
    /// # Safety
    /// `ty` must be a valid descriptor; the hooks valid.
    unsafe fn decode(&mut self, v: &JsonValue, ty: Ty) -> Result<Slot, DecodeError> {
        // SAFETY: caller's contract, passed on.
        unsafe {
            match (ty.kind(), v) {
                (TypeKind::Int, JsonValue::Int(n)) => Ok(*n),
                // A reply may write an integral count as `3.0` (§11).
                (TypeKind::Int, JsonValue::Float(f))
                    if self.replies && f.fract() == 0.0 && f.abs() < 9.2e18 =>
                {
                    Ok(*f as i64)
                }
                (TypeKind::Float, JsonValue::Int(n)) => Ok((*n as f64).to_bits() as Slot),
                (TypeKind::Float, JsonValue::Float(f)) => Ok(f.to_bits() as Slot),
                (TypeKind::Bool, JsonValue::Bool(b)) => Ok(Slot::from(*b)),
                (TypeKind::Null, JsonValue::Null) => Ok(0),
                (TypeKind::String, JsonValue::Str(s)) => Ok(new_string(s) as Slot),
                // `json_encode` writes Bytes as lowercase hex; either case reads.
                (TypeKind::Bytes, JsonValue::Str(s)) => match decode_hex(s) {
                    Some(data) => Ok(crate::bytes::new_bytes(&data) as Slot),
                    None => Err(self.error(
                        "expected Bytes (a string of hex digit pairs)".into(),
                        String::new(),
                    )),
                },
                (TypeKind::Union, _) if ty.name() == b"Json" => Ok(JsonDescs::of(ty).build(v)),
                (TypeKind::Union, _) => self.union(v, ty),
                (TypeKind::List, JsonValue::List(items)) => self.list(items, ty),
                (TypeKind::Set, JsonValue::List(items)) => self.set(items, ty),
                (TypeKind::Map, JsonValue::Object(entries)) => self.map(entries, ty),
                (TypeKind::Tuple, JsonValue::List(items)) if items.len() == ty.count() => {
                    let obj = lm_tuple_new(ty.as_ptr()).cast::<ObjectHeader>();
                    self.fill_positional(obj, items, ty)?;
                    Ok(obj as Slot)
                }
                (TypeKind::Tuple, JsonValue::List(items)) => Err(self.error(
                    format!("expected {}", type_name(ty)),
                    format!(", found a list of {} elements", items.len()),
                )),
                (TypeKind::Record, JsonValue::Object(_)) => self.record(v, ty),
                (TypeKind::Enum | TypeKind::TagEnum, JsonValue::Object(_)) => self.variant(v, ty),
                (TypeKind::Enum | TypeKind::TagEnum, JsonValue::Str(name)) if self.replies => {
                    self.variant_by_name(name, v, ty)
                }
                (
                    TypeKind::Closure | TypeKind::Variant | TypeKind::Future | TypeKind::Channel,
                    _,
                ) => Err(self.error(format!("cannot decode {}", type_name(ty)), String::new())),
                _ => Err(self.mismatch(ty, v)),
            }
        }
    }

    /// # Safety
    /// As for [`Self::decode`]; `ty` a union.
    unsafe fn union(&mut self, v: &JsonValue, ty: Ty) -> Result<Slot, DecodeError> {
        let members: Vec<Ty> = (0..ty.count()).map(|i| ty.child(i)).collect();
        let has_null = members.iter().any(|m| m.kind() == TypeKind::Null);
        if matches!(v, JsonValue::Null) && has_null {
            return Ok(0);
        }
        // An optional of a heap type is the value itself (or 0), any other
        // union a box naming the member (`Layouts::nullable_pointer`).
        let nullable_pointer = members.len() == 2
            && has_null
            && members
                .iter()
                .all(|m| m.kind() == TypeKind::Null || m.is_heap());
        for m in members.into_iter().filter(|m| m.kind() != TypeKind::Null) {
            // SAFETY: caller's contract.
            if let Ok(slot) = unsafe { self.decode(v, m) } {
                return Ok(if nullable_pointer {
                    slot
                } else {
                    // SAFETY: `slot` is an owned value of `m`.
                    unsafe { boxed(m, slot) }
                });
            }
        }
        Err(self.mismatch(ty, v))
    }

    /// # Safety
    /// As for [`Self::decode`]; `ty` a list type.
    unsafe fn list(&mut self, items: &[JsonValue], ty: Ty) -> Result<Slot, DecodeError> {
        let elem = ty.child(0);
        // SAFETY: a new list with room for every item; each slot written is
        // an owned value of `elem`, and `len` counts only those, so releasing
        // the list on an error releases exactly what was decoded.
        unsafe {
            let list = new_list(elem.as_ptr(), &[], items.len());
            for (i, item) in items.iter().enumerate() {
                match self.at(Step::Index(i), |d| d.decode(item, elem)) {
                    Ok(slot) => {
                        crate::objects::store_elem(list, i, slot);
                        (*list).len = i as u64 + 1;
                    }
                    Err(e) => {
                        lm_release(list.cast());
                        return Err(e);
                    }
                }
            }
            Ok(list as Slot)
        }
    }

    /// # Safety
    /// As for [`Self::decode`]; `ty` a set type.
    unsafe fn set(&mut self, items: &[JsonValue], ty: Ty) -> Result<Slot, DecodeError> {
        let elem = ty.child(0);
        // SAFETY: `lm_set_add` consumes the set and borrows the element,
        // which is released after.
        unsafe {
            let mut set = lm_set_new(ty.as_ptr());
            for (i, item) in items.iter().enumerate() {
                match self.at(Step::Index(i), |d| d.decode(item, elem)) {
                    Ok(slot) => {
                        set = lm_set_add(set, slot);
                        release_slot(slot, elem);
                    }
                    Err(e) => {
                        lm_release(set.cast());
                        return Err(e);
                    }
                }
            }
            Ok(set as Slot)
        }
    }

    /// # Safety
    /// As for [`Self::decode`]; `ty` a map type whose keys are `String`, or
    /// `Int`/`Bool` spelled as object keys (`{"1": …}`).
    unsafe fn map(&mut self, entries: &[(String, JsonValue)], ty: Ty) -> Result<Slot, DecodeError> {
        let (key_ty, value_ty) = (ty.child(0), ty.child(1));
        let string_keys = key_ty.kind() == TypeKind::String;
        // SAFETY: the parser's entries are sorted and unique, so appending
        // String keys in order keeps the map sorted (other keys go through
        // `lm_map_set`, which sorts); `append_copy` and `lm_map_set` retain,
        // the decoder's references are released after.
        unsafe {
            let mut map: *mut SortedObj = if entries.is_empty() || !string_keys {
                lm_map_new(ty.as_ptr())
            } else {
                sorted::new_sorted(lumen_abi::ObjectKind::Map, ty.as_ptr(), entries.len())
            };
            for (key, value) in entries {
                let decoded = self.at(Step::Key(key.clone()), |d| {
                    let k = d.map_key(key, key_ty)?;
                    match d.decode(value, value_ty) {
                        Ok(v) => Ok((k, v)),
                        Err(e) => {
                            release_slot(k, key_ty);
                            Err(e)
                        }
                    }
                });
                match decoded {
                    Ok((k, v)) => {
                        if string_keys {
                            sorted::append_copy(map, &[k, v]);
                        } else {
                            map = crate::map::lm_map_set(map, k, v);
                        }
                        release_slot(k, key_ty);
                        release_slot(v, value_ty);
                    }
                    Err(e) => {
                        lm_release(map.cast());
                        return Err(e);
                    }
                }
            }
            Ok(map as Slot)
        }
    }

    /// An object key as a map key of type `key_ty` (an owned slot).
    fn map_key(&self, key: &str, key_ty: Ty) -> Result<Slot, DecodeError> {
        let parsed = match key_ty.kind() {
            TypeKind::String => return Ok(new_string(key) as Slot),
            TypeKind::Int => key.parse::<i64>().ok(),
            TypeKind::Bool => match key {
                "true" => Some(1),
                "false" => Some(0),
                _ => None,
            },
            _ => None,
        };
        parsed.ok_or_else(|| {
            self.error(
                format!("expected a key of type {}", type_name(key_ty)),
                String::new(),
            )
        })
    }

    /// Decodes `items` into the fields of `obj` (a tuple or positional
    /// variant of type `ty`), releasing `obj` on an error.
    ///
    /// # Safety
    /// `obj` a new object with `items.len()` zeroed field slots of `ty`.
    unsafe fn fill_positional(
        &mut self,
        obj: *mut ObjectHeader,
        items: &[JsonValue],
        ty: Ty,
    ) -> Result<(), DecodeError> {
        // SAFETY: caller's contract; zeroed slots are safe to release.
        unsafe {
            let (slots, _) = fields(obj);
            for (i, item) in items.iter().enumerate() {
                match self.at(Step::Index(i), |d| d.decode(item, ty.child(i))) {
                    Ok(slot) => slots.add(i).write(slot),
                    Err(e) => {
                        lm_release(obj);
                        return Err(e);
                    }
                }
            }
            Ok(())
        }
    }

    /// Decodes the named fields of `ty` from the object `v` into `obj`
    /// (released on an error); `defaults` says whether missing fields may
    /// take a default from the hooks.
    ///
    /// # Safety
    /// `obj` a new object with `ty.count()` zeroed field slots.
    unsafe fn fill_named(
        &mut self,
        obj: *mut ObjectHeader,
        v: &JsonValue,
        ty: Ty,
        defaults: bool,
    ) -> Result<(), DecodeError> {
        // SAFETY: caller's contract; zeroed slots are safe to release.
        unsafe {
            let (slots, _) = fields(obj);
            for i in 0..ty.count() {
                let name = String::from_utf8_lossy(ty.field_name(i).unwrap_or_default());
                let field_ty = ty.child(i);
                let decoded = match v.get(&name) {
                    Some(value) => {
                        self.at(Step::Key(name.to_string()), |d| d.decode(value, field_ty))
                    }
                    None => match self.hook(ty, i, false).filter(|_| defaults) {
                        Some(hook) => Ok(call_default(hook.code, field_ty)),
                        // A reply may leave out an optional field (§11).
                        None if self.replies && is_optional(field_ty) => Ok(0),
                        None => Err(self.missing(&name)),
                    },
                };
                match decoded {
                    Ok(slot) => slots.add(i).write(slot),
                    Err(e) => {
                        lm_release(obj);
                        return Err(e);
                    }
                }
            }
            Ok(())
        }
    }

    /// The default (`check` false) or first `where` hook of field `field`
    /// of record `ty`.
    fn hook(&self, ty: Ty, field: usize, check: bool) -> Option<Hook> {
        self.hooks.iter().copied().find(|h| {
            h.record == ty.as_ptr() && h.field == field as u64 && h.text.is_null() != check
        })
    }

    /// # Safety
    /// As for [`Self::decode`]; `ty` a record type, `v` an object.
    unsafe fn record(&mut self, v: &JsonValue, ty: Ty) -> Result<Slot, DecodeError> {
        // SAFETY: a new record of `ty`, filled field by field; its `where`
        // cells take the record and answer a Bool.
        unsafe {
            let obj = lm_record_new(ty.as_ptr()).cast::<ObjectHeader>();
            self.fill_named(obj, v, ty, true)?;
            let (slots, _) = fields(obj);
            let checks = self
                .hooks
                .iter()
                .filter(|h| h.record == ty.as_ptr() && !h.text.is_null());
            for hook in checks {
                let check: unsafe extern "C" fn(*mut ObjectHeader) -> i8 =
                    std::mem::transmute(hook.code);
                if crate::errors::call_generated(|| check(obj)) == 0 {
                    let field = hook.field as usize;
                    let mut message = as_str(hook.text).to_string();
                    let _ = write_value(
                        &mut message,
                        slots.add(field).read(),
                        ty.child(field),
                        // As in any `where` failure: a string quoted.
                        true,
                    );
                    message.push(')');
                    lm_release(obj);
                    return Err(self.error(message, String::new()));
                }
            }
            Ok(obj as Slot)
        }
    }

    /// A payload-less variant written as its name, `"Green"` (tool
    /// replies, §12): read as `{"tag": "Green"}`.
    ///
    /// # Safety
    /// As for [`Self::decode`]; `ty` an enum type.
    unsafe fn variant_by_name(
        &mut self,
        name: &str,
        v: &JsonValue,
        ty: Ty,
    ) -> Result<Slot, DecodeError> {
        let known = (0..ty.count())
            .any(|i| ty.child(i).name() == name.as_bytes() && ty.child(i).count() == 0);
        if !known {
            return Err(self.mismatch(ty, v));
        }
        let tagged = JsonValue::Object(vec![("tag".to_string(), JsonValue::Str(name.to_string()))]);
        // SAFETY: caller's contract.
        unsafe { self.variant(&tagged, ty) }
    }

    /// An enum value from `{"tag": "Variant", "value": …}`.
    ///
    /// # Safety
    /// As for [`Self::decode`]; `ty` an enum type, `v` an object.
    unsafe fn variant(&mut self, v: &JsonValue, ty: Ty) -> Result<Slot, DecodeError> {
        let tag_name = match v.get("tag") {
            Some(JsonValue::Str(t)) => t.clone(),
            Some(other) => {
                return Err(self.at(Step::Key("tag".into()), |d| {
                    d.error(
                        format!("expected a variant name of {}", type_name(ty)),
                        format!(", found {}", other.kind_name()),
                    )
                }))
            }
            None => return Err(self.missing("tag")),
        };
        let Some(tag) = (0..ty.count()).find(|&i| ty.child(i).name() == tag_name.as_bytes()) else {
            return Err(self.at(Step::Key("tag".into()), |d| {
                d.error(
                    format!("unknown variant \"{tag_name}\" of {}", type_name(ty)),
                    String::new(),
                )
            }));
        };
        let variant = ty.child(tag);
        let payload = v.get("value").unwrap_or(&JsonValue::Null);
        self.at(Step::Key("value".into()), |d| {
            // SAFETY: caller's contract; a new enum object of `ty` with the
            // variant's zeroed field slots.
            unsafe {
                if variant.count() == 0 {
                    if !matches!(payload, JsonValue::Null) {
                        return Err(d.error(
                            "expected null".into(),
                            format!(
                                " (variant {tag_name} has no payload), found {}",
                                payload.kind_name()
                            ),
                        ));
                    }
                    if ty.kind() == TypeKind::TagEnum {
                        return Ok(tag as Slot);
                    }
                    return Ok(lm_enum_new(ty.as_ptr(), tag as i64) as Slot);
                }
                let obj = lm_enum_new(ty.as_ptr(), tag as i64).cast::<ObjectHeader>();
                match (variant.count(), variant.field_name(0), payload) {
                    (1, None, _) => {
                        d.fill_positional(obj, std::slice::from_ref(payload), variant)?
                    }
                    (n, None, JsonValue::List(items)) if items.len() == n => {
                        d.fill_positional(obj, items, variant)?
                    }
                    (_, Some(_), JsonValue::Object(_)) => {
                        d.fill_named(obj, payload, variant, false)?
                    }
                    (n, field, _) => {
                        lm_release(obj);
                        let shape = if field.is_some() {
                            "an object".to_string()
                        } else {
                            format!("a list of {n} elements")
                        };
                        return Err(d.error(
                            format!("expected {shape} (the payload of {tag_name})"),
                            format!(", found {}", payload.kind_name()),
                        ));
                    }
                }
                Ok(obj as Slot)
            }
        })
    }
}

/// Whether `ty` admits `null` (`T?`, a union with `Null`, `Json`).
fn is_optional(ty: Ty) -> bool {
    ty.kind() == TypeKind::Union && (0..ty.count()).any(|i| ty.child(i).kind() == TypeKind::Null)
        || ty.kind() == TypeKind::Null
}

/// Decodes a tool's reply (already parsed) into a value of type `ty` (an
/// owned slot), with the leniencies of tools-details §11–12 and no hooks:
/// a field default cannot be computed here, so a missing field that has
/// one does not fit.
///
/// # Safety
/// `ty` must be a valid descriptor.
pub unsafe fn decode_reply(value: &JsonValue, ty: Ty, hooks: &[Hook]) -> Result<Slot, DecodeError> {
    let mut decoder = Decoder {
        hooks,
        path: Vec::new(),
        replies: true,
    };
    // SAFETY: caller's contract; no hooks.
    unsafe { decoder.decode(value, ty) }
}

/// Calls a `() -> F` default cell and returns its value as an owned slot.
///
/// # Safety
/// `code` must be the address of a compiled cell without parameters whose
/// result has type `ty`.
unsafe fn call_default(code: *const u8, ty: Ty) -> Slot {
    // SAFETY: caller's contract; compiled cells use the C calling
    // convention with the machine types of `lumen_codegen::clif_type`
    // (Float as f64, Bool and Null as i8, everything else 64-bit).
    unsafe {
        match ty.kind() {
            TypeKind::Float => {
                let f: unsafe extern "C" fn() -> f64 = std::mem::transmute(code);
                crate::errors::call_generated(|| f()).to_bits() as Slot
            }
            TypeKind::Bool => {
                let f: unsafe extern "C" fn() -> i8 = std::mem::transmute(code);
                Slot::from(crate::errors::call_generated(|| f()) != 0)
            }
            TypeKind::Null => {
                let f: unsafe extern "C" fn() -> i8 = std::mem::transmute(code);
                crate::errors::call_generated(|| f());
                0
            }
            _ => {
                let f: unsafe extern "C" fn() -> i64 = std::mem::transmute(code);
                crate::errors::call_generated(|| f())
            }
        }
    }
}

/// Whether a key can follow a `.` in a path.
fn is_identifier(k: &str) -> bool {
    let mut chars = k.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A key as a quoted JSON string (for `$["a b"]`).
fn json_string(k: &str) -> String {
    let mut out = String::from("\"");
    for c in k.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The bytes a string of hex digit pairs spells, if it is one.
fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let digits = s.as_bytes();
    if digits.len() % 2 != 0 {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| {
            let text = std::str::from_utf8(pair).ok()?;
            if !pair.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            u8::from_str_radix(text, 16).ok()
        })
        .collect()
}

/// A type as Lumen writes it, from its descriptor (for error messages).
pub fn type_name(ty: Ty) -> String {
    let name = || String::from_utf8_lossy(ty.name()).into_owned();
    let child = |i: usize| type_name(ty.child(i));
    match ty.kind() {
        TypeKind::Int => "Int".into(),
        TypeKind::Float => "Float".into(),
        TypeKind::Bool => "Bool".into(),
        TypeKind::Null => "Null".into(),
        TypeKind::String => "String".into(),
        TypeKind::Bytes => "Bytes".into(),
        TypeKind::List => format!("list[{}]", child(0)),
        TypeKind::Set => format!("set[{}]", child(0)),
        TypeKind::Map => format!("map[{}, {}]", child(0), child(1)),
        TypeKind::Tuple => {
            let elems: Vec<String> = (0..ty.count()).map(child).collect();
            if elems.len() == 1 {
                format!("({},)", elems[0])
            } else {
                format!("({})", elems.join(", "))
            }
        }
        TypeKind::Enum if ty.name() == b"Result" && ty.count() == 2 => format!(
            "result[{}, {}]",
            type_name(ty.child(0).child(0)),
            type_name(ty.child(1).child(0))
        ),
        TypeKind::Record | TypeKind::Enum | TypeKind::TagEnum | TypeKind::Variant => name(),
        TypeKind::Union if ty.name() == b"Json" => "Json".into(),
        TypeKind::Union => {
            let members: Vec<Ty> = (0..ty.count()).map(|i| ty.child(i)).collect();
            match members.as_slice() {
                [t, n] if n.kind() == TypeKind::Null => format!("{}?", type_name(*t)),
                _ => members
                    .iter()
                    .map(|m| type_name(*m))
                    .collect::<Vec<_>>()
                    .join(" | "),
            }
        }
        TypeKind::Closure => "a function".into(),
        TypeKind::Future => format!("Future[{}]", child(0)),
        TypeKind::Channel => format!("Channel[{}]", child(0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_value::tests::json_ty;
    use crate::library::test_util::{no_leaks, release, s, text};
    use crate::typedesc::test_descs::*;
    use crate::value::lm_str_from_value;

    fn result_of(t: Ty) -> Ty {
        enumeration(
            "Result",
            &[positional("ok", &[t]), positional("err", &[string()])],
        )
    }

    fn decoded(ty: Ty, input: &str) -> String {
        let r = result_of(ty);
        let p = s(input);
        let v = unsafe { lm_from_json(p, r.as_ptr(), std::ptr::null(), 0) };
        let shown = unsafe { lm_str_from_value(v as Slot, r.as_ptr()) };
        let out = text(shown);
        release(shown);
        release(v);
        release(p);
        out
    }

    #[test]
    fn scalars() {
        no_leaks(|| {
            assert_eq!(decoded(int(), "42"), "ok(42)");
            assert_eq!(
                decoded(int(), "4.5"),
                "err(\"expected Int at $, found Float\")"
            );
            assert_eq!(decoded(float(), "4"), "ok(4.0)");
            assert_eq!(decoded(boolean(), "true"), "ok(true)");
            assert_eq!(decoded(string(), "\"a\\n\""), "ok(\"a\\n\")");
            assert_eq!(decoded(null(), "null"), "ok(null)");
            assert_eq!(
                decoded(string(), "1"),
                "err(\"expected String at $, found Int\")"
            );
            assert_eq!(decoded(int(), "[1"), "err(\"expected ',' or ']' at 1:3\")");
        });
    }

    #[test]
    fn containers_and_paths() {
        no_leaks(|| {
            let point = record("Point", &[("x", int()), ("y", int())]);
            let people = map(string(), list(point));
            assert_eq!(
                decoded(people, r#"{"b": [{"x": 1, "y": 2, "z": 0}], "a": []}"#),
                "ok({\"a\": [], \"b\": [Point(x: 1, y: 2)]})"
            );
            assert_eq!(
                decoded(people, r#"{"a": [{"x": 1, "y": 2}, {"x": "1", "y": 2}]}"#),
                "err(\"expected Int at $.a[1].x, found String\")"
            );
            assert_eq!(
                decoded(people, r#"{"a b": [{"x": 1}]}"#),
                "err(\"missing field \\\"y\\\" at $[\\\"a b\\\"][0]\")"
            );
            let pair = tuple(&[int(), string()]);
            assert_eq!(decoded(pair, r#"[1, "a"]"#), "ok((1, \"a\"))");
            assert_eq!(
                decoded(pair, "[1]"),
                "err(\"expected (Int, String) at $, found a list of 1 elements\")"
            );
            assert_eq!(decoded(set(int()), "[3, 1, 3]"), "ok({1, 3})");
        });
    }

    #[test]
    fn enums_unions_and_json() {
        no_leaks(|| {
            let shape = enumeration(
                "Shape",
                &[
                    positional("Dot", &[]),
                    positional("Circle", &[float()]),
                    variant("Rect", &[("w", int()), ("h", int())]),
                ],
            );
            assert_eq!(
                decoded(shape, r#"{"tag": "Circle", "value": 2}"#),
                "ok(Circle(2.0))"
            );
            assert_eq!(
                decoded(shape, r#"{"tag": "Rect", "value": {"w": 1, "h": 2}}"#),
                "ok(Rect(w: 1, h: 2))"
            );
            assert_eq!(
                decoded(shape, r#"{"tag": "Dot", "value": null}"#),
                "ok(Dot)"
            );
            assert_eq!(
                decoded(shape, r#"{"tag": "Hex"}"#),
                "err(\"unknown variant \\\"Hex\\\" of Shape at $.tag\")"
            );
            let color = tag_enum("Color", &["Red", "Green"]);
            assert_eq!(decoded(color, r#"{"tag": "Green"}"#), "ok(Green)");
            let opt = tuple(&[int(), null()]);
            // A hand-made union: (Int | Null) is boxed.
            let opt = unsafe {
                let d = opt.as_ptr() as *mut TypeDesc;
                (*d).kind = TypeKind::Union as u32;
                opt
            };
            assert_eq!(decoded(list(opt), "[1, null]"), "ok([1, null])");
            assert_eq!(
                decoded(opt, "\"x\""),
                "err(\"expected Int? at $, found String\")"
            );
            assert_eq!(
                decoded(json_ty(), r#"{"a": [1, 2.5, null]}"#),
                "ok({\"a\": [1, 2.5, null]})"
            );
        });
    }
}
