//! Compound objects — records (and tuples), enum values with payloads,
//! lists: their layouts, allocation, freeing and copy-on-write. Maps and sets
//! keep their storage in [`crate::sorted`]; freeing and copying them is
//! dispatched from here.
//!
//! Layouts are fixed by `lumen_abi` (compiled code reads and writes fields at
//! the `*_OFFSET` constants directly); the `#[repr(C)]` structs below mirror
//! them and are checked against the constants at compile time. Every
//! compound object records its [`TypeDesc`](lumen_abi::TypeDesc) (for a list:
//! the element type), which is how [`destroy`] knows which slots hold heap
//! references without any help from compiled code.
//!
//! Slots are 64 bits (see the ABI crate): heap slots hold an object pointer,
//! or 0 for `null` (an optional value), which retain/release ignore.

use std::borrow::Cow;
use std::mem::offset_of;

use lumen_abi::{
    ObjectHeader, ObjectKind, TypeDesc, TypeKind, BOX_DESC_OFFSET, BOX_SLOT_OFFSET,
    CLOSURE_CAPTURES_OFFSET, CLOSURE_CODE_OFFSET, CLOSURE_DESC_OFFSET, ENUM_DESC_OFFSET,
    ENUM_FIELDS_OFFSET, ENUM_TAG_OFFSET, LIST_CAP_OFFSET, LIST_DATA_OFFSET, LIST_DESC_OFFSET,
    LIST_LEN_OFFSET, RECORD_DESC_OFFSET, RECORD_FIELDS_OFFSET,
};

use crate::errors::internal_error;
use crate::rc::{alloc_object, dec_ref, free_block, lm_release, lm_retain, stats};
use crate::sorted;
use crate::strings::{as_str, new_string, LmString};
use crate::typedesc::Ty;

/// One value as it crosses the ABI and sits in fields and list elements.
pub type Slot = i64;

/// A record; `count` field slots follow.
#[repr(C)]
pub struct RecordObj {
    pub header: ObjectHeader,
    pub desc: *const TypeDesc,
}

/// An enum value with payloads; the active variant's field slots follow.
#[repr(C)]
pub struct EnumObj {
    pub header: ObjectHeader,
    pub desc: *const TypeDesc,
    pub tag: u64,
}

/// A closure; its captured value slots follow (`lumen_abi` closure layout).
#[repr(C)]
pub struct ClosureObj {
    pub header: ObjectHeader,
    pub desc: *const TypeDesc,
    pub code: *const u8,
}

/// A boxed union member value (`lumen_abi::BOX_*`).
#[repr(C)]
pub struct BoxObj {
    pub header: ObjectHeader,
    pub desc: *const TypeDesc,
    pub slot: Slot,
}

/// A list; the elements live in a separate buffer so the object keeps its
/// address when the list grows.
#[repr(C)]
pub struct ListObj {
    pub header: ObjectHeader,
    /// The element type.
    pub elem: *const TypeDesc,
    pub len: u64,
    pub cap: u64,
    /// `cap` slots (null when `cap` is 0), the first `len` initialised.
    pub data: *mut Slot,
}

const _: () = {
    assert!(offset_of!(RecordObj, desc) == RECORD_DESC_OFFSET);
    assert!(std::mem::size_of::<RecordObj>() == RECORD_FIELDS_OFFSET);
    assert!(offset_of!(EnumObj, desc) == ENUM_DESC_OFFSET);
    assert!(offset_of!(EnumObj, tag) == ENUM_TAG_OFFSET);
    assert!(std::mem::size_of::<EnumObj>() == ENUM_FIELDS_OFFSET);
    assert!(offset_of!(BoxObj, desc) == BOX_DESC_OFFSET);
    assert!(offset_of!(BoxObj, slot) == BOX_SLOT_OFFSET);
    assert!(offset_of!(ClosureObj, desc) == CLOSURE_DESC_OFFSET);
    assert!(offset_of!(ClosureObj, code) == CLOSURE_CODE_OFFSET);
    assert!(std::mem::size_of::<ClosureObj>() == CLOSURE_CAPTURES_OFFSET);
    assert!(offset_of!(ListObj, elem) == LIST_DESC_OFFSET);
    assert!(offset_of!(ListObj, len) == LIST_LEN_OFFSET);
    assert!(offset_of!(ListObj, cap) == LIST_CAP_OFFSET);
    assert!(offset_of!(ListObj, data) == LIST_DATA_OFFSET);
};

/// The kind of a live object; an unknown kind is memory corruption or a
/// compiler bug, and nothing sensible can be done with the object.
///
/// # Safety
/// `obj` must point to a live object.
#[inline]
pub unsafe fn kind_of(obj: *const ObjectHeader) -> ObjectKind {
    // SAFETY: caller's contract.
    let kind = unsafe { (*obj).kind };
    match kind {
        k if k == ObjectKind::String as u16 => ObjectKind::String,
        k if k == ObjectKind::List as u16 => ObjectKind::List,
        k if k == ObjectKind::Record as u16 => ObjectKind::Record,
        k if k == ObjectKind::Enum as u16 => ObjectKind::Enum,
        k if k == ObjectKind::Closure as u16 => ObjectKind::Closure,
        k if k == ObjectKind::Box as u16 => ObjectKind::Box,
        k if k == ObjectKind::Map as u16 => ObjectKind::Map,
        k if k == ObjectKind::Set as u16 => ObjectKind::Set,
        k if k == ObjectKind::Bytes as u16 => ObjectKind::Bytes,
        k if k == ObjectKind::Handle as u16 => ObjectKind::Handle,
        k => unknown_object_kind(k, obj),
    }
}

#[cold]
#[inline(never)]
fn unknown_object_kind(kind: u16, obj: *const ObjectHeader) -> ! {
    internal_error(&format!("object of unknown kind {kind} at {obj:p}"))
}

/// The object a heap slot refers to (null for `null`).
#[inline]
pub fn slot_obj(slot: Slot) -> *mut ObjectHeader {
    slot as usize as *mut ObjectHeader
}

/// Takes a reference for a slot that is being copied somewhere.
///
/// # Safety
/// When `ty` is a heap type, `slot` must be 0 or a live object.
pub unsafe fn retain_slot(slot: Slot, ty: Ty) {
    if ty.is_heap() {
        // SAFETY: caller's contract; null is ignored.
        unsafe { lm_retain(slot_obj(slot)) }
    }
}

/// Drops the reference a slot held.
///
/// # Safety
/// When `ty` is a heap type, `slot` must be 0 or a live object whose
/// reference the caller owns.
pub unsafe fn release_slot(slot: Slot, ty: Ty) {
    if ty.is_heap() {
        // SAFETY: caller's contract; null is ignored.
        unsafe { lm_release(slot_obj(slot)) }
    }
}

/// The field slots of a record or enum object and the descriptor that types
/// them (the record's, or the active variant's).
///
/// # Safety
/// `obj` must be a live record or enum object.
#[inline]
pub unsafe fn fields(obj: *const ObjectHeader) -> (*mut Slot, Ty) {
    // SAFETY: caller's contract; the layouts are checked above, and the
    // descriptors were stored by `lm_record_new`/`lm_enum_new`.
    unsafe {
        let kind = kind_of(obj);
        if kind == ObjectKind::Record {
            let r = obj.cast::<RecordObj>();
            let slots = obj.cast::<u8>().add(RECORD_FIELDS_OFFSET) as *mut Slot;
            (slots, Ty::new((*r).desc))
        } else if kind == ObjectKind::Closure {
            // A closure's captured values are typed by its own descriptor.
            let c = obj.cast::<ClosureObj>();
            let slots = obj.cast::<u8>().add(CLOSURE_CAPTURES_OFFSET) as *mut Slot;
            (slots, Ty::new((*c).desc))
        } else {
            let e = obj.cast::<EnumObj>();
            let slots = obj.cast::<u8>().add(ENUM_FIELDS_OFFSET) as *mut Slot;
            (slots, Ty::new((*e).desc).variant((*e).tag))
        }
    }
}

/// Whether a list of `elem` keeps its elements *packed*, one byte each:
/// `list[Bool]`. A sieve over a million flags then walks a megabyte, not
/// eight; every other element type takes a whole slot. Compiled code makes
/// the same test on the element descriptor (`fast_paths.rs`).
#[inline]
pub fn is_packed(elem: *const TypeDesc) -> bool {
    // SAFETY: list element descriptors are null or valid (`Ty::new`).
    unsafe { elem.as_ref() }.is_some_and(|d| d.kind == TypeKind::Bool as u32)
}

/// Bytes per element in the buffer of a list of `elem`.
#[inline]
pub fn elem_width(elem: *const TypeDesc) -> usize {
    if is_packed(elem) {
        1
    } else {
        8
    }
}

/// The elements of a list as slots, with their type: the buffer itself, or
/// for a packed list a widened copy (so only reading through it makes
/// sense; writes go through [`store_elem`] and [`store_elems`]).
///
/// # Safety
/// `list` must be a live list object; the slice must not outlive it or be
/// used across a change of its length or buffer.
pub unsafe fn elems<'a>(list: *const ListObj) -> (Cow<'a, [Slot]>, Ty) {
    // SAFETY: `data` holds `len` initialised elements (or is null with len 0).
    unsafe {
        let len = (*list).len as usize;
        let elem = (*list).elem;
        let slots = if len == 0 {
            Cow::Borrowed(&[][..])
        } else if is_packed(elem) {
            let bytes = std::slice::from_raw_parts((*list).data.cast::<u8>(), len);
            Cow::Owned(bytes.iter().map(|&b| Slot::from(b)).collect())
        } else {
            Cow::Borrowed(std::slice::from_raw_parts((*list).data, len))
        };
        (slots, Ty::new(elem))
    }
}

/// Element `at` (< len) of a list, as a slot; no counting.
///
/// # Safety
/// `list` must be a live list with more than `at` elements.
#[inline]
pub unsafe fn elem_at(list: *const ListObj, at: usize) -> Slot {
    // SAFETY: caller's contract; the buffer layout follows from the element type.
    unsafe {
        if is_packed((*list).elem) {
            Slot::from((*list).data.cast::<u8>().add(at).read())
        } else {
            (*list).data.add(at).read()
        }
    }
}

/// Writes `v` into element position `at` (< cap) of a list's buffer; no
/// counting, and the length is the caller's to change.
///
/// # Safety
/// `list` must be a live list with capacity above `at`, `v` a value of its
/// element type.
#[inline]
pub unsafe fn store_elem(list: *mut ListObj, at: usize, v: Slot) {
    // SAFETY: caller's contract.
    unsafe {
        if is_packed((*list).elem) {
            // A Bool slot is 0 or 1.
            (*list).data.cast::<u8>().add(at).write(v as u8);
        } else {
            (*list).data.add(at).write(v);
        }
    }
}

/// Writes `src` into element positions `at..at + src.len()` (within the
/// capacity) of a list's buffer; no counting, length unchanged.
///
/// # Safety
/// As for [`store_elem`], for every slot of `src`.
pub unsafe fn store_elems(list: *mut ListObj, at: usize, src: &[Slot]) {
    // SAFETY: caller's contract.
    unsafe {
        if is_packed((*list).elem) {
            let dst = (*list).data.cast::<u8>().add(at);
            for (k, &v) in src.iter().enumerate() {
                dst.add(k).write(v as u8);
            }
        } else if !src.is_empty() {
            std::ptr::copy_nonoverlapping(src.as_ptr(), (*list).data.add(at), src.len());
        }
    }
}

/// Calls `f` with every heap reference an object holds (null slots skipped).
///
/// # Safety
/// `obj` must be a live object.
#[inline]
unsafe fn for_each_child(obj: *mut ObjectHeader, mut f: impl FnMut(*mut ObjectHeader)) {
    // SAFETY: caller's contract; the layouts follow from the kind.
    unsafe {
        match kind_of(obj) {
            // A handle's state is freed by `destroy`, not through slots.
            ObjectKind::String | ObjectKind::Bytes | ObjectKind::Handle => {}
            ObjectKind::Box => {
                let b = obj.cast::<BoxObj>();
                if Ty::new((*b).desc).is_heap() {
                    f(slot_obj((*b).slot));
                }
            }
            ObjectKind::Record | ObjectKind::Enum | ObjectKind::Closure => {
                let (slots, ty) = fields(obj);
                // A payload-free variant or an all-scalar record has no
                // children: the loop does not run.
                for i in 0..ty.count() {
                    if ty.child(i).is_heap() {
                        f(slot_obj(slots.add(i).read()));
                    }
                }
            }
            ObjectKind::List => {
                // Heap elements are never packed: the slots are the buffer.
                let list = obj.cast::<ListObj>();
                if Ty::new((*list).elem).is_heap() {
                    elems(list).0.iter().for_each(|&s| f(slot_obj(s)));
                }
            }
            ObjectKind::Map | ObjectKind::Set => sorted::for_each_child(obj.cast(), f),
        }
    }
}

/// Objects waiting to be freed by [`destroy`]: a stack that lives inline
/// for the common shallow case (freeing a tree needs about its depth) and
/// spills to the heap only beyond that.
struct Pending {
    inline: [std::mem::MaybeUninit<*mut ObjectHeader>; PENDING_INLINE],
    /// Entries `0..len` of `inline` are initialised.
    len: usize,
    /// Pushed while `inline` was full; popped first (so while `spill` is not
    /// empty, `inline` is full and the stack order is kept).
    spill: Vec<*mut ObjectHeader>,
}

const PENDING_INLINE: usize = 64;

impl Pending {
    #[inline]
    fn new() -> Self {
        Pending {
            // SAFETY: an array of `MaybeUninit` needs no initialisation. (The
            // array-repeat form `[MaybeUninit::uninit(); N]` was compiled to
            // a 520-byte memset on every `destroy`.)
            inline: unsafe {
                std::mem::MaybeUninit::<[std::mem::MaybeUninit<*mut ObjectHeader>; PENDING_INLINE]>::uninit()
                    .assume_init()
            },
            len: 0,
            spill: Vec::new(),
        }
    }

    #[inline]
    fn push(&mut self, obj: *mut ObjectHeader) {
        if self.len < PENDING_INLINE {
            self.inline[self.len].write(obj);
            self.len += 1;
        } else {
            self.spill.push(obj);
        }
    }

    #[inline]
    fn pop(&mut self) -> Option<*mut ObjectHeader> {
        if !self.spill.is_empty() {
            return self.spill.pop();
        }
        if self.len == 0 {
            return None;
        }
        self.len -= 1;
        // SAFETY: entries below `len` were written by `push`.
        Some(unsafe { self.inline[self.len].assume_init() })
    }
}

/// Frees an object whose last reference is gone, then every child that
/// thereby loses its last reference, and so on.
///
/// The objects still to free wait in an explicit worklist instead of on the
/// call stack: a long chain (a linked list of 100,000 records) must not
/// overflow the task stack, which the runtime shares with compiled code.
///
/// # Safety
/// `obj` must be a live object with no remaining references.
pub unsafe fn destroy(obj: *mut ObjectHeader) {
    let mut pending = Pending::new();
    let mut next = obj;
    loop {
        // The first child to lose its last reference is freed next without
        // going through the stack (a chain never touches it; a tree node
        // pushes one child instead of two).
        let mut first: *mut ObjectHeader = std::ptr::null_mut();
        // SAFETY: `next` is unreferenced and live; each child kept has just
        // lost its last reference, so it is unreferenced too.
        unsafe {
            for_each_child(next, |child| {
                if !child.is_null() && dec_ref(child) {
                    if first.is_null() {
                        first = child;
                    } else {
                        pending.push(child);
                    }
                }
            });
            match (*next).kind {
                k if k == ObjectKind::List as u16 => {
                    let list = next.cast::<ListObj>();
                    free_buffer((*list).data, (*list).cap as usize, elem_width((*list).elem))
                }
                k if k == ObjectKind::Map as u16 || k == ObjectKind::Set as u16 => {
                    let obj = next.cast::<sorted::SortedObj>();
                    free_buffer((*obj).data, sorted::buffer_slots(obj), 8)
                }
                k if k == ObjectKind::Handle as u16 => crate::handle::drop_state(next.cast()),
                _ => {}
            }
            free_block(next);
        }
        if !first.is_null() {
            next = first;
            continue;
        }
        match pending.pop() {
            Some(o) => next = o,
            None => break,
        }
    }
}

/// Allocates a buffer of `cap` elements of `width` bytes (null for 0),
/// uninitialised. Small buffers come from the object pool
/// ([`crate::pool::alloc_sized`]): a list of a few elements costs no
/// `malloc`. A buffer is resized and freed with the same `width` and its
/// current `cap`, which is how the pool knows its class.
pub fn alloc_buffer(cap: usize, width: usize) -> *mut Slot {
    if cap == 0 {
        return std::ptr::null_mut();
    }
    let bytes = buffer_bytes(cap, width);
    stats::allocated();
    crate::pool::alloc_sized(bytes).cast()
}

/// Resizes a buffer of `old_cap` elements of `width` bytes to `cap` (> 0),
/// keeping the contents of the elements both have room for.
///
/// # Safety
/// `data` must be null (with `old_cap` 0) or a buffer from
/// [`alloc_buffer`]/[`grow_buffer`] of `old_cap` elements of `width`.
pub unsafe fn grow_buffer(data: *mut Slot, old_cap: usize, cap: usize, width: usize) -> *mut Slot {
    if data.is_null() {
        return alloc_buffer(cap, width);
    }
    let old_bytes = buffer_bytes(old_cap, width);
    let bytes = buffer_bytes(cap, width);
    let pooled = crate::pool::MAX_POOLED_BUFFER;
    if old_bytes > pooled && bytes > pooled {
        // SAFETY: a plain malloc block (caller's contract).
        let p = unsafe { libc::realloc(data.cast(), bytes) }.cast::<Slot>();
        if p.is_null() {
            alloc_failed(bytes);
        }
        return p;
    }
    // A pooled block on either side: move the contents over by hand.
    let p = crate::pool::alloc_sized(bytes);
    // SAFETY: both blocks hold at least the bytes copied; the old one is
    // freed with the size it was allocated with.
    unsafe {
        std::ptr::copy_nonoverlapping(data.cast::<u8>(), p, old_bytes.min(bytes));
        crate::pool::free_sized(data.cast(), old_bytes);
    }
    p.cast()
}

/// Frees a list, map or set buffer of `cap` elements of `width` bytes (null
/// is ignored).
///
/// # Safety
/// `data` must be null or a buffer from [`alloc_buffer`]/[`grow_buffer`] of
/// that size that nothing uses.
unsafe fn free_buffer(data: *mut Slot, cap: usize, width: usize) {
    if !data.is_null() {
        stats::freed();
        // SAFETY: caller's contract.
        unsafe { crate::pool::free_sized(data.cast(), buffer_bytes(cap, width)) }
    }
}

fn buffer_bytes(cap: usize, width: usize) -> usize {
    cap.checked_mul(width)
        .filter(|&b| b <= isize::MAX as usize)
        .unwrap_or_else(|| internal_error(&format!("list capacity {cap} too large")))
}

fn alloc_failed(bytes: usize) -> ! {
    crate::memory::out_of_memory(bytes)
}

/// A new list of `elem` with `len` elements copied from `src` (each retained
/// when heap) and room for `cap >= len`.
///
/// # Safety
/// `elem` must be a valid descriptor pointer (see [`Ty::new`]) and `src`
/// `len` slots of that type.
pub unsafe fn new_list(elem: *const TypeDesc, src: &[Slot], cap: usize) -> *mut ListObj {
    debug_assert!(cap >= src.len());
    let list = alloc_object(std::mem::size_of::<ListObj>(), ObjectKind::List).cast::<ListObj>();
    let data = alloc_buffer(cap, elem_width(elem));
    // SAFETY: fresh allocations of the right sizes; `src` slots are live
    // values of type `elem` (caller's contract).
    unsafe {
        (*list).elem = elem;
        (*list).len = src.len() as u64;
        (*list).cap = cap as u64;
        (*list).data = data;
        store_elems(list, 0, src);
        let ty = Ty::new(elem);
        src.iter().for_each(|&s| retain_slot(s, ty));
    }
    list
}

/// Allocates a record or enum object with `head` bytes before `count` slots,
/// all slots zero (`null`/0, safe to release before compiled code fills them).
/// The bytes between the header and the slots are the caller's to write.
#[inline]
pub(crate) fn new_with_fields(kind: ObjectKind, head: usize, count: usize) -> *mut ObjectHeader {
    let size = count
        .checked_mul(8)
        .and_then(|b| b.checked_add(head))
        .unwrap_or_else(|| internal_error("object too large"));
    let obj = alloc_object(size, kind);
    // SAFETY: the allocation has `size` bytes: `count` slots after `head`.
    unsafe {
        let slots = obj.cast::<u8>().add(head).cast::<Slot>();
        // The usual few fields get plain stores rather than a memset call
        // (which a loop would turn into).
        match count {
            0 => {}
            1 => slots.write(0),
            2 => slots.cast::<[Slot; 2]>().write([0; 2]),
            3 => slots.cast::<[Slot; 3]>().write([0; 3]),
            4 => slots.cast::<[Slot; 4]>().write([0; 4]),
            _ => slots.write_bytes(0, count),
        }
    }
    obj
}

/// The value a union slot holds and its member type; `None` for null.
///
/// # Safety
/// `slot` must be a live value of the union type `ty`.
pub unsafe fn union_member(slot: Slot, ty: Ty) -> Option<(Slot, Ty)> {
    let obj = slot_obj(slot);
    if obj.is_null() {
        return None;
    }
    // SAFETY: caller's contract; a boxed union holds a box, an optional heap
    // value holds the value's own object.
    unsafe {
        if kind_of(obj) == ObjectKind::Box {
            let b = obj.cast::<BoxObj>();
            return Some(((*b).slot, Ty::new((*b).desc)));
        }
    }
    // An optional of a heap type: the member that is not Null.
    let member = (0..ty.count())
        .map(|i| ty.child(i))
        .find(|c| c.kind() != lumen_abi::TypeKind::Null)
        .unwrap_or(ty);
    Some((slot, member))
}

/// A box holding a union member value of type `desc`; the slot is borrowed
/// (retained when heap).
///
/// # Safety
/// `desc` must be a valid descriptor and `slot` a live value of that type.
#[no_mangle]
pub unsafe extern "C" fn lm_box_new(desc: *const TypeDesc, slot: Slot) -> *mut BoxObj {
    let obj = new_with_fields(ObjectKind::Box, BOX_SLOT_OFFSET, 1).cast::<BoxObj>();
    // SAFETY: fresh object with room for descriptor and slot; caller's contract.
    unsafe {
        (*obj).desc = desc;
        (*obj).slot = slot;
        retain_slot(slot, Ty::new(desc));
    }
    obj
}

/// Whether a boxed union value (0 for null) holds a value of type `desc`
/// (for a `Null` descriptor: whether it is null).
///
/// # Safety
/// `obj` must be 0 or a live box; `desc` a valid descriptor.
#[no_mangle]
pub unsafe extern "C" fn lm_box_is(obj: *const BoxObj, desc: *const TypeDesc) -> i8 {
    // SAFETY: caller's contract.
    unsafe {
        let ty = Ty::new(desc);
        if obj.is_null() {
            return i8::from(ty.kind() == lumen_abi::TypeKind::Null);
        }
        i8::from(same_type(Ty::new((*obj).desc), ty))
    }
}

/// Whether two descriptors describe the same type. The compiler emits one
/// descriptor per type, so pointer equality decides; scalar kinds (which
/// carry no structure) also match by kind, for hand-made descriptors.
pub fn same_type(a: Ty, b: Ty) -> bool {
    use lumen_abi::TypeKind as K;
    a == b
        || (a.kind() == b.kind()
            && matches!(a.kind(), K::Int | K::Float | K::Bool | K::Null | K::String))
}

/// Whether two function values are the same function: the same closure, or
/// two closures without captured values running the same code (a named cell
/// used as a value twice).
///
/// # Safety
/// Both slots must be 0 or live closures.
pub unsafe fn same_function(a: Slot, b: Slot) -> bool {
    if a == b {
        return true;
    }
    let (x, y) = (
        slot_obj(a).cast::<ClosureObj>(),
        slot_obj(b).cast::<ClosureObj>(),
    );
    if x.is_null() || y.is_null() {
        return false;
    }
    // SAFETY: caller's contract.
    unsafe {
        let no_captures = |c: *mut ClosureObj| Ty::new((*c).desc).count() == 0;
        no_captures(x) && no_captures(y) && (*x).code == (*y).code
    }
}

/// A new closure of the closure type `desc` (its children: the captured
/// values' types) running `code`, every capture slot zero; compiled code
/// stores the captured values (the closure owns those references).
///
/// # Safety
/// `desc` must be a valid descriptor of kind `Closure` (see [`Ty::new`]) and
/// `code` the address of a compiled closure body.
#[no_mangle]
pub unsafe extern "C" fn lm_closure_new(desc: *const TypeDesc, code: *const u8) -> *mut ClosureObj {
    // SAFETY: caller's contract.
    let ty = unsafe { Ty::new(desc) };
    let obj = new_with_fields(ObjectKind::Closure, CLOSURE_CAPTURES_OFFSET, ty.count())
        .cast::<ClosureObj>();
    // SAFETY: fresh object with room for the descriptor and code pointer.
    unsafe {
        (*obj).desc = desc;
        (*obj).code = code;
    }
    obj
}

/// A new record of the record type `desc`, every field slot zero; compiled
/// code stores the fields (the record owns those references).
///
/// # Safety
/// `desc` must be a valid descriptor of kind `Record` (see [`Ty::new`]).
#[no_mangle]
pub unsafe extern "C" fn lm_record_new(desc: *const TypeDesc) -> *mut RecordObj {
    // SAFETY: caller's contract.
    let ty = unsafe { Ty::new(desc) };
    let obj =
        new_with_fields(ObjectKind::Record, RECORD_FIELDS_OFFSET, ty.count()).cast::<RecordObj>();
    // SAFETY: fresh object with room for the descriptor.
    unsafe { (*obj).desc = desc };
    obj
}

/// A new enum value of the enum type `desc` with variant `tag` and zeroed
/// field slots for that variant's payload.
///
/// # Safety
/// `desc` must be a valid descriptor of kind `Enum` (see [`Ty::new`]).
#[no_mangle]
pub unsafe extern "C" fn lm_enum_new(desc: *const TypeDesc, tag: i64) -> *mut EnumObj {
    // SAFETY: caller's contract.
    let ty = unsafe { Ty::new(desc) };
    let count = ty.variant(tag as u64).count();
    let obj = new_with_fields(ObjectKind::Enum, ENUM_FIELDS_OFFSET, count).cast::<EnumObj>();
    // SAFETY: fresh object with room for the descriptor and tag.
    unsafe {
        (*obj).desc = desc;
        (*obj).tag = tag as u64;
    }
    obj
}

/// A shallow copy of a live object with count 1: the same slots, each child
/// retained; a list, map or set gets its own buffer with room for exactly
/// its elements.
///
/// # Safety
/// `obj` must be a live object.
pub unsafe fn shallow_copy(obj: *mut ObjectHeader) -> *mut ObjectHeader {
    // SAFETY: caller's contract; sizes follow from kind and descriptor.
    unsafe {
        match kind_of(obj) {
            ObjectKind::String => new_string(as_str(obj.cast::<LmString>())).cast(),
            ObjectKind::Bytes => crate::bytes::new_bytes(crate::bytes::bytes_of(obj.cast())).cast(),
            ObjectKind::Box => {
                let b = obj.cast::<BoxObj>();
                lm_box_new((*b).desc, (*b).slot).cast()
            }
            ObjectKind::List => {
                let list = obj.cast::<ListObj>();
                let len = (*list).len as usize;
                if is_packed((*list).elem) {
                    // Bools: a byte copy, nothing to count.
                    let copy = new_list((*list).elem, &[], len);
                    std::ptr::copy_nonoverlapping(
                        (*list).data.cast::<u8>(),
                        (*copy).data.cast::<u8>(),
                        len,
                    );
                    (*copy).len = len as u64;
                    copy.cast()
                } else {
                    let (src, _) = elems(list);
                    new_list((*list).elem, &src, len).cast()
                }
            }
            ObjectKind::Map | ObjectKind::Set => {
                let obj = obj.cast::<sorted::SortedObj>();
                sorted::copy(obj, sorted::len(obj)).cast()
            }
            kind => {
                let (slots, ty) = fields(obj);
                let head = match kind {
                    ObjectKind::Record => RECORD_FIELDS_OFFSET,
                    ObjectKind::Closure => CLOSURE_CAPTURES_OFFSET,
                    _ => ENUM_FIELDS_OFFSET,
                };
                let copy = new_with_fields(kind, head, ty.count());
                // Descriptor, tag and slots, after the (fresh) header.
                let skip = std::mem::size_of::<ObjectHeader>();
                std::ptr::copy_nonoverlapping(
                    obj.cast::<u8>().add(skip),
                    copy.cast::<u8>().add(skip),
                    head - skip + 8 * ty.count(),
                );
                for i in 0..ty.count() {
                    retain_slot(slots.add(i).read(), ty.child(i));
                }
                copy
            }
        }
    }
}

/// Makes an object safe to mutate: consumes one reference to `obj` and returns
/// one to an object with count 1 and the same contents — `obj` itself when
/// the caller held the only reference, else a shallow copy (children
/// retained), the caller's reference to the original being dropped.
///
/// Immortal (static) objects are always copied: they may be in read-only
/// memory.
///
/// # Safety
/// `obj` must be null or a live object whose reference the caller owns.
#[no_mangle]
pub unsafe extern "C" fn lm_unshare(obj: *mut ObjectHeader) -> *mut ObjectHeader {
    if obj.is_null() {
        return obj;
    }
    // SAFETY: caller's contract. With a count of 1 the caller's reference is
    // the only one: nobody else can observe a mutation.
    unsafe {
        if (*obj).rc == 1 {
            return obj;
        }
        let copy = shallow_copy(obj);
        lm_release(obj);
        copy
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::typedesc::test_descs::*;

    /// Runs `f` and checks that it freed every block it allocated.
    pub(crate) fn no_leaks(f: impl FnOnce()) {
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

    #[test]
    fn records_are_zeroed_and_release_their_heap_fields() {
        no_leaks(|| unsafe {
            let point = record("P", &[("x", int()), ("name", string())]);
            let r = lm_record_new(point.as_ptr());
            let (slots, ty) = fields(r.cast());
            assert_eq!(ty, point);
            assert_eq!((slots.read(), slots.add(1).read()), (0, 0));
            // A record released before its fields are filled in is fine.
            let empty = lm_record_new(point.as_ptr());
            lm_release(empty.cast());
            slots.write(7);
            slots.add(1).write(s("héllo"));
            lm_release(r.cast());
        });
    }

    #[test]
    fn enums_size_and_release_by_the_active_variant() {
        no_leaks(|| unsafe {
            let shape = enumeration(
                "Shape",
                &[
                    positional("Empty", &[]),
                    variant("Label", &[("text", string()), ("size", int())]),
                ],
            );
            let e = lm_enum_new(shape.as_ptr(), 1);
            assert_eq!((*e).tag, 1);
            let (slots, ty) = fields(e.cast());
            assert_eq!(ty.name(), b"Label");
            slots.write(s("x"));
            slots.add(1).write(-1);
            lm_release(e.cast());
            let empty = lm_enum_new(shape.as_ptr(), 0);
            lm_release(empty.cast());
        });
    }

    #[test]
    fn unshare_returns_the_object_or_a_copy() {
        no_leaks(|| unsafe {
            let t = record("T", &[("a", string()), ("b", float())]);
            let r = lm_record_new(t.as_ptr());
            let (slots, _) = fields(r.cast());
            let text = s("shared text");
            slots.write(text);
            slots.add(1).write(2.5f64.to_bits() as Slot);
            // Sole owner: the same object.
            let same = lm_unshare(r.cast());
            assert_eq!(same, r.cast());
            assert_eq!((*same).rc, 1);
            // Shared: a copy; the original loses the caller's reference.
            lm_retain(same);
            let copy = lm_unshare(same);
            assert_ne!(copy, same);
            assert_eq!(((*copy).rc, (*same).rc), (1, 1));
            let (cslots, _) = fields(copy);
            assert_eq!(cslots.read(), text);
            assert_eq!(f64::from_bits(cslots.add(1).read() as u64), 2.5);
            assert_eq!(rc(text), 2, "the copy retains the children");
            lm_release(copy);
            assert_eq!(rc(text), 1);
            lm_release(same);
        });
    }

    #[test]
    fn unshare_copies_enums_strings_and_null() {
        no_leaks(|| unsafe {
            let opt = enumeration("Opt", &[positional("Some", &[string()])]);
            let e = lm_enum_new(opt.as_ptr(), 0);
            let (slots, _) = fields(e.cast());
            slots.write(s("p"));
            lm_retain(e.cast());
            let copy = lm_unshare(e.cast());
            assert_ne!(copy, e.cast());
            assert_eq!((*copy.cast::<EnumObj>()).tag, 0);
            assert_eq!(rc(slots.read()), 2);
            lm_release(copy);
            lm_release(e.cast());

            let text = new_string("abc");
            lm_retain(text.cast());
            let copy = lm_unshare(text.cast());
            assert_eq!(as_str(copy.cast()), "abc");
            lm_release(copy);
            lm_release(text.cast());

            assert!(lm_unshare(std::ptr::null_mut()).is_null());
        });
    }

    #[test]
    fn long_chains_are_freed_without_recursion() {
        // Node(next: Node?): a linked list far deeper than any stack allows
        // recursing over (a frame per node would need many megabytes).
        let node = record("Node", &[("value", int()), ("next", int())]);
        // Patch `next` to the record itself: descriptors may be cyclic.
        unsafe {
            let d = node.as_ptr() as *mut TypeDesc;
            let kids = (*d).children as *mut *const TypeDesc;
            kids.add(1).write(d);
        }
        let node = node.as_ptr() as usize;
        // On a small thread stack, to prove that releasing is flat (the
        // counters are per thread, so allocate and free there too).
        std::thread::Builder::new()
            .stack_size(128 * 1024)
            .spawn(move || {
                no_leaks(|| unsafe {
                    let mut head: Slot = 0;
                    for i in 0..1_000_000 {
                        let n = lm_record_new(node as *const TypeDesc);
                        let (slots, _) = fields(n.cast());
                        slots.write(i);
                        // Moves our reference to the previous head into the node.
                        slots.add(1).write(head);
                        head = n as Slot;
                    }
                    lm_release(slot_obj(head));
                })
            })
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn freed_objects_are_reused_and_fresh_slots_are_zero() {
        crate::pool::release_parked();
        no_leaks(|| unsafe {
            let pair = enumeration(
                "Pair",
                &[
                    positional("Leaf", &[]),
                    positional("Node", &[string(), string()]),
                ],
            );
            let n = lm_enum_new(pair.as_ptr(), 1);
            let (slots, _) = fields(n.cast());
            let (left, right) = (s("left"), s("right"));
            slots.write(left);
            slots.add(1).write(right);
            let blocks = [
                n as usize,
                crate::strings::block_start(slot_obj(left)) as usize,
                crate::strings::block_start(slot_obj(right)) as usize,
            ];
            lm_release(n.cast());
            // The node (40 bytes) and both strings (36) are parked now.
            assert_eq!(crate::pool::parked(40), 3);
            let again = lm_enum_new(pair.as_ptr(), 1);
            assert!(
                blocks.contains(&(again as usize)),
                "a parked block is reused"
            );
            assert_eq!(crate::pool::parked(40), 2);
            let (slots, ty) = fields(again.cast());
            assert_eq!(ty.name(), b"Node");
            assert_eq!((slots.read(), slots.add(1).read()), (0, 0));
            lm_release(again.cast());
            // A record with more fields than the inline zeroing handles.
            let wide = record(
                "Wide",
                &[
                    ("a", string()),
                    ("b", int()),
                    ("c", int()),
                    ("d", int()),
                    ("e", int()),
                    ("f", string()),
                ],
            );
            let r = lm_record_new(wide.as_ptr());
            let (slots, _) = fields(r.cast());
            assert!((0..6).all(|i| slots.add(i).read() == 0));
            lm_release(r.cast());
        });
        crate::pool::release_parked();
    }

    #[test]
    fn wide_trees_spill_the_pending_stack() {
        // A list of 1,000 lists of strings: far more children pending at
        // once than the inline stack holds.
        no_leaks(|| unsafe {
            let strs = list(string());
            let mut outer = new_list(strs.as_ptr(), &[], 0);
            for i in 0..1000 {
                let mut inner = new_list(string().as_ptr(), &[], 0);
                for j in 0..3 {
                    let text = s(&format!("{i}-{j}"));
                    inner = crate::list::lm_list_push(inner, text);
                    lm_release(slot_obj(text));
                }
                outer = crate::list::lm_list_push(outer, inner as Slot);
                lm_release(inner.cast());
            }
            assert_eq!((*outer).len, 1000);
            lm_release(outer.cast());
        });
    }
}
