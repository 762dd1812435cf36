//! Reading the static type descriptors ([`TypeDesc`]) the code generator emits.
//!
//! A descriptor is immutable static data that lives as long as the program, so
//! [`Ty`] wraps the raw pointer once (the one `unsafe` promise, at
//! [`Ty::new`]) and then offers safe accessors. Generic operations (release,
//! display, equality, ordering, copy-on-write) read nothing else to learn
//! which slots hold heap references and what to print.
//!
//! A null descriptor is a compiler bug; rather than crash memory management
//! it reads as `Int` (plain data, never retained or released). A descriptor
//! that contradicts itself (unknown kind, a tag past the variants) is an
//! internal error: printing or freeing garbage would be worse.

use std::ffi::CStr;

use lumen_abi::{TypeDesc, TypeKind};

use crate::errors::internal_error;

/// A borrowed static type descriptor (possibly null, see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ty(*const TypeDesc);

/// Every kind, for decoding the `u32` of a descriptor.
const KINDS: [TypeKind; 18] = [
    TypeKind::Int,
    TypeKind::Float,
    TypeKind::Bool,
    TypeKind::Null,
    TypeKind::String,
    TypeKind::List,
    TypeKind::Record,
    TypeKind::Enum,
    TypeKind::Variant,
    TypeKind::TagEnum,
    TypeKind::Closure,
    TypeKind::Union,
    TypeKind::Map,
    TypeKind::Set,
    TypeKind::Tuple,
    TypeKind::Bytes,
    TypeKind::Future,
    TypeKind::Channel,
];

impl Ty {
    /// Wraps a descriptor pointer.
    ///
    /// # Safety
    /// `desc` must be null or point to a [`TypeDesc`] that stays valid and
    /// unchanged for the rest of the program, whose `name` and `field_names`
    /// are null or NUL-terminated, and whose `children` (and `field_names`,
    /// when not null) hold `count` entries (one child for a list or set, two
    /// for a map), each
    /// satisfying the same contract.
    #[inline]
    pub unsafe fn new(desc: *const TypeDesc) -> Ty {
        Ty(desc)
    }

    #[inline]
    pub fn as_ptr(self) -> *const TypeDesc {
        self.0
    }

    #[inline]
    fn desc(self) -> Option<&'static TypeDesc> {
        // SAFETY: `Ty::new`'s contract: null or a valid static descriptor.
        unsafe { self.0.as_ref() }
    }

    /// What the descriptor describes (`Int` for null).
    #[inline]
    pub fn kind(self) -> TypeKind {
        let Some(d) = self.desc() else {
            return TypeKind::Int;
        };
        // The codes are 1..=16 in `KINDS` order.
        match KINDS.get((d.kind as usize).wrapping_sub(1)) {
            Some(&k) if k as u32 == d.kind => k,
            _ => unknown_kind(d.kind),
        }
    }

    /// Whether values of this type are heap references (slots holding an
    /// object pointer, or 0 for `null`) that must be counted.
    ///
    /// Asked for every field of every object freed, so it tests the raw code
    /// against a bit mask and decodes the kind only to report a bad one.
    #[inline]
    pub fn is_heap(self) -> bool {
        let Some(d) = self.desc() else {
            return false;
        };
        if d.kind < 32 && HEAP_KINDS & (1 << d.kind) != 0 {
            return true;
        }
        // Not a heap kind: a valid scalar kind, or an error `kind` reports.
        self.kind();
        false
    }

    /// `count`: fields of a record or variant, variants of an enum.
    #[inline]
    pub fn count(self) -> usize {
        self.desc().map_or(0, |d| d.count as usize)
    }

    /// The type's name (empty when absent).
    pub fn name(self) -> &'static [u8] {
        // SAFETY: `name` is null or NUL-terminated static text (`Ty::new`).
        self.desc()
            .filter(|d| !d.name.is_null())
            .map_or(&[], |d| unsafe { CStr::from_ptr(d.name.cast()) }.to_bytes())
    }

    /// Child `i`: a field type, a variant, a tuple element type, (for a list
    /// or set) the element type, (for a map) the key (0) or value (1) type.
    /// Null children read as `Int`, like a null descriptor.
    #[inline]
    pub fn child(self, i: usize) -> Ty {
        match self.desc() {
            Some(d) if !d.children.is_null() => {
                // SAFETY: `children` holds `count` entries (one for a list
                // or set, two for a map); callers only ask for indices below
                // that.
                Ty(unsafe { d.children.add(i).read() })
            }
            _ => Ty(std::ptr::null()),
        }
    }

    /// The name of field `i`, or `None` when fields are positional (no
    /// `field_names`, or a null or empty name for this field).
    pub fn field_name(self, i: usize) -> Option<&'static [u8]> {
        let d = self.desc()?;
        if d.field_names.is_null() {
            return None;
        }
        // SAFETY: `field_names` holds `count` NUL-terminated names.
        let p = unsafe { d.field_names.add(i).read() };
        // SAFETY: as above.
        let name = (!p.is_null()).then(|| unsafe { CStr::from_ptr(p.cast()) }.to_bytes())?;
        (!name.is_empty()).then_some(name)
    }

    /// The variant with `tag` of an enum (`Enum` or `TagEnum`).
    #[inline]
    pub fn variant(self, tag: u64) -> Ty {
        if tag >= self.count() as u64 {
            tag_out_of_range(self, tag);
        }
        self.child(tag as usize)
    }
}

/// The kinds whose values are heap references: bit `code` set for each.
const HEAP_KINDS: u32 = {
    let heap = [
        TypeKind::String,
        TypeKind::List,
        TypeKind::Record,
        TypeKind::Enum,
        TypeKind::Closure,
        TypeKind::Union,
        TypeKind::Map,
        TypeKind::Set,
        TypeKind::Tuple,
        TypeKind::Bytes,
        TypeKind::Future,
        TypeKind::Channel,
    ];
    let mut mask = 0;
    let mut i = 0;
    while i < heap.len() {
        mask |= 1 << heap[i] as u32;
        i += 1;
    }
    mask
};

// `KINDS[code - 1]` has code `code`, which `Ty::kind` relies on.
const _: () = {
    let mut i = 0;
    while i < KINDS.len() {
        assert!(KINDS[i] as u32 == i as u32 + 1);
        i += 1;
    }
};

/// The error for a descriptor of unknown kind, out of the hot paths.
#[cold]
#[inline(never)]
fn unknown_kind(code: u32) -> ! {
    internal_error(&format!("unknown type kind {code}"))
}

/// The error for an enum value whose tag has no variant (a corrupted object
/// or descriptor), out of the hot paths.
#[cold]
#[inline(never)]
fn tag_out_of_range(ty: Ty, tag: u64) -> ! {
    internal_error(&format!(
        "tag {tag} out of range for enum {}",
        String::from_utf8_lossy(ty.name())
    ))
}

#[cfg(test)]
pub(crate) mod test_descs {
    //! Hand-made descriptors for the unit tests, laid out as the code
    //! generator emits them. Scalars are real `static`s; compound ones are
    //! leaked boxes (static for the rest of the test run).

    use super::*;

    /// A descriptor in a `static` (raw pointers are not `Sync` on their own).
    #[repr(transparent)]
    pub struct StaticDesc(pub TypeDesc);
    // SAFETY: never mutated; the pointers lead to immutable static data.
    unsafe impl Sync for StaticDesc {}

    const fn scalar(kind: TypeKind) -> StaticDesc {
        StaticDesc(TypeDesc {
            kind: kind as u32,
            count: 0,
            name: std::ptr::null(),
            children: std::ptr::null(),
            field_names: std::ptr::null(),
        })
    }

    pub static INT: StaticDesc = scalar(TypeKind::Int);
    pub static FLOAT: StaticDesc = scalar(TypeKind::Float);
    pub static BOOL: StaticDesc = scalar(TypeKind::Bool);
    pub static NULL: StaticDesc = scalar(TypeKind::Null);
    pub static STRING: StaticDesc = scalar(TypeKind::String);
    pub static BYTES: StaticDesc = scalar(TypeKind::Bytes);

    pub fn int() -> Ty {
        Ty(&INT.0)
    }
    pub fn float() -> Ty {
        Ty(&FLOAT.0)
    }
    pub fn boolean() -> Ty {
        Ty(&BOOL.0)
    }
    pub fn null() -> Ty {
        Ty(&NULL.0)
    }
    pub fn string() -> Ty {
        Ty(&STRING.0)
    }
    pub fn bytes() -> Ty {
        Ty(&BYTES.0)
    }

    fn cstr(s: &str) -> *const u8 {
        Box::leak(format!("{s}\0").into_boxed_str()).as_ptr()
    }

    fn leak(kind: TypeKind, name: Option<&str>, children: &[Ty], names: Option<&[&str]>) -> Ty {
        let kids: Vec<*const TypeDesc> = children.iter().map(|t| t.0).collect();
        let field_names = names.map_or(std::ptr::null(), |n| {
            let v: Vec<*const u8> = n.iter().map(|s| cstr(s)).collect();
            Box::leak(v.into_boxed_slice()).as_ptr()
        });
        Ty(Box::leak(Box::new(TypeDesc {
            kind: kind as u32,
            count: children.len() as u32,
            name: name.map_or(std::ptr::null(), cstr),
            // `as_mut_ptr`: tests may patch a child afterwards (cyclic types).
            children: Box::leak(kids.into_boxed_slice()).as_mut_ptr(),
            field_names,
        })))
    }

    pub fn list(elem: Ty) -> Ty {
        leak(TypeKind::List, None, &[elem], None)
    }

    pub fn map(key: Ty, value: Ty) -> Ty {
        leak(TypeKind::Map, None, &[key, value], None)
    }

    pub fn set(elem: Ty) -> Ty {
        leak(TypeKind::Set, None, &[elem], None)
    }

    pub fn tuple(elems: &[Ty]) -> Ty {
        leak(TypeKind::Tuple, None, elems, None)
    }

    pub fn record(name: &str, fields: &[(&str, Ty)]) -> Ty {
        let tys: Vec<Ty> = fields.iter().map(|f| f.1).collect();
        let names: Vec<&str> = fields.iter().map(|f| f.0).collect();
        leak(TypeKind::Record, Some(name), &tys, Some(&names))
    }

    /// A variant with named fields.
    pub fn variant(name: &str, fields: &[(&str, Ty)]) -> Ty {
        let tys: Vec<Ty> = fields.iter().map(|f| f.1).collect();
        let names: Vec<&str> = fields.iter().map(|f| f.0).collect();
        leak(TypeKind::Variant, Some(name), &tys, Some(&names))
    }

    /// A variant with positional fields (or none).
    pub fn positional(name: &str, fields: &[Ty]) -> Ty {
        leak(TypeKind::Variant, Some(name), fields, None)
    }

    pub fn enumeration(name: &str, variants: &[Ty]) -> Ty {
        leak(TypeKind::Enum, Some(name), variants, None)
    }

    pub fn tag_enum(name: &str, variants: &[&str]) -> Ty {
        let vs: Vec<Ty> = variants.iter().map(|v| positional(v, &[])).collect();
        leak(TypeKind::TagEnum, Some(name), &vs, None)
    }
}

#[cfg(test)]
mod tests {
    use super::test_descs::*;
    use super::*;

    #[test]
    fn reads_descriptors() {
        let point = record("Point", &[("x", int()), ("label", string())]);
        assert_eq!(point.kind(), TypeKind::Record);
        assert_eq!(point.name(), b"Point");
        assert_eq!(point.count(), 2);
        assert_eq!(point.child(1), string());
        assert_eq!(point.field_name(0), Some(&b"x"[..]));
        assert!(!point.child(0).is_heap());
        assert!(point.child(1).is_heap());
        assert!(list(int()).is_heap());
        let shape = enumeration(
            "Shape",
            &[positional("Dot", &[]), positional("Sq", &[float()])],
        );
        assert_eq!(shape.variant(1).name(), b"Sq");
        assert_eq!(shape.variant(1).field_name(0), None);
        let mixed = variant("Mixed", &[("", int()), ("b", int())]);
        assert_eq!(mixed.field_name(0), None, "an empty name is positional");
        assert_eq!(mixed.field_name(1), Some(&b"b"[..]));
        let color = tag_enum("Color", &["Red", "Green"]);
        assert!(!color.is_heap());
        assert_eq!(color.variant(1).name(), b"Green");
    }

    #[test]
    fn null_descriptor_reads_as_plain_int() {
        // SAFETY: null is allowed.
        let t = unsafe { Ty::new(std::ptr::null()) };
        assert_eq!(t.kind(), TypeKind::Int);
        assert!(!t.is_heap());
        assert_eq!(t.count(), 0);
        assert_eq!(t.name(), b"");
        assert_eq!(t.child(0).kind(), TypeKind::Int);
    }
}
