//! The storage shared by maps and sets: a sorted array of entries.
//!
//! Layout (`lumen_abi::MAP_DESC_OFFSET` and the doc of `ObjectKind::Map`):
//!
//! ```text
//! offset 0   ObjectHeader (kind Map or Set)
//! offset 8   desc   the map's or set's own TypeDesc (kind Map: children [K, V];
//!                   kind Set: children [T])
//! offset 16  len    entries
//! offset 24  cap    entries the buffer has room for
//! offset 32  data   → cap entries (malloc'd; null when cap is 0)
//! ```
//!
//! An entry is one slot for a set (the element) and two for a map (key, then
//! value), so a map's buffer holds `2 * cap` slots. Entries are sorted
//! strictly ascending by key with the ordering of `lm_value_cmp` for the key
//! type (a `NaN` key sorts after every number; keys comparing 0 are the same
//! key), so lookups are binary searches and iteration is in key order. The
//! object owns the references in its heap keys and values.
//!
//! Maps and sets are values with copy-on-write, like lists: the functions
//! here that mutate ([`unshare_with_room`] first) work in place only on an
//! object whose count is 1.

use std::cmp::Ordering;
use std::mem::offset_of;

use lumen_abi::{ObjectHeader, ObjectKind, TypeDesc, MAP_DESC_OFFSET};

use crate::compare::value_cmp;
use crate::errors::internal_error;
use crate::objects::{alloc_buffer, grow_buffer, kind_of, release_slot, retain_slot, Slot};
use crate::rc::{alloc_object, lm_release};
use crate::typedesc::Ty;

/// A map or set object (module docs).
#[repr(C)]
pub struct SortedObj {
    pub header: ObjectHeader,
    /// The map's or set's own type descriptor.
    pub desc: *const TypeDesc,
    /// Entries in use.
    pub len: u64,
    /// Entries the buffer has room for.
    pub cap: u64,
    /// `cap * width` slots (null when `cap` is 0), the first `len` entries
    /// initialised.
    pub data: *mut Slot,
}

const _: () = {
    assert!(offset_of!(SortedObj, desc) == MAP_DESC_OFFSET);
    assert!(offset_of!(SortedObj, len) == 16);
    assert!(offset_of!(SortedObj, cap) == 24);
    assert!(offset_of!(SortedObj, data) == 32);
};

/// Capacity (entries) of the first buffer an insertion allocates.
const MIN_CAPACITY: usize = 4;

/// How the entries of a map or set are made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Slots per entry: 2 for a map, 1 for a set.
    pub width: usize,
    /// The key (map) or element (set) type.
    pub key: Ty,
    /// The value type of a map (for a set: a null descriptor, plain data).
    pub value: Ty,
}

impl Shape {
    /// The shape of a map or set of type `ty` (kind `Map` or `Set`).
    pub fn of_type(kind: ObjectKind, ty: Ty) -> Shape {
        match kind {
            ObjectKind::Map => Shape {
                width: 2,
                key: ty.child(0),
                value: ty.child(1),
            },
            ObjectKind::Set => Shape {
                width: 1,
                key: ty.child(0),
                // SAFETY: null is a valid descriptor (reads as `Int`).
                value: unsafe { Ty::new(std::ptr::null()) },
            },
            k => internal_error(&format!("{k:?} object used as a map or set")),
        }
    }

    /// The type of slot `n` of an entry (0 the key, 1 the value).
    pub fn slot_ty(self, n: usize) -> Ty {
        if n == 0 {
            self.key
        } else {
            self.value
        }
    }

    /// Retains every heap slot of an entry being copied.
    ///
    /// # Safety
    /// `entry` must be `width` live slots of this shape.
    unsafe fn retain_entry(self, entry: &[Slot]) {
        for (n, &s) in entry.iter().enumerate() {
            // SAFETY: caller's contract.
            unsafe { retain_slot(s, self.slot_ty(n)) };
        }
    }

    /// Releases every heap slot of an entry being dropped.
    ///
    /// # Safety
    /// `entry` must be `width` live slots of this shape whose references the
    /// caller owns.
    unsafe fn release_entry(self, entry: &[Slot]) {
        for (n, &s) in entry.iter().enumerate() {
            // SAFETY: caller's contract.
            unsafe { release_slot(s, self.slot_ty(n)) };
        }
    }
}

/// The number of slots `obj`'s buffer has room for (`cap` entries).
///
/// # Safety
/// `obj` must be a live map or set.
pub unsafe fn buffer_slots(obj: *const SortedObj) -> usize {
    // SAFETY: caller's contract; `cap * width` was checked when allocated.
    unsafe { (*obj).cap as usize * shape(obj).width }
}

/// The shape of a live map or set object.
///
/// # Safety
/// `obj` must be a live map or set.
pub unsafe fn shape(obj: *const SortedObj) -> Shape {
    // SAFETY: caller's contract; the descriptor was stored by `new_sorted`.
    unsafe { Shape::of_type(kind_of(obj.cast()), Ty::new((*obj).desc)) }
}

/// The initialised slots of a map or set (`len * width`) and its shape.
///
/// # Safety
/// `obj` must be a live map or set; the slice must not outlive it or be used
/// across a change of its length or buffer.
pub unsafe fn entries<'a>(obj: *const SortedObj) -> (&'a mut [Slot], Shape) {
    // SAFETY: `data` holds `len` initialised entries (or is null with len 0).
    unsafe {
        let shape = shape(obj);
        let n = (*obj).len as usize * shape.width;
        let slice = if n == 0 {
            &mut []
        } else {
            std::slice::from_raw_parts_mut((*obj).data, n)
        };
        (slice, shape)
    }
}

/// The number of entries.
///
/// # Safety
/// `obj` must be a live map or set.
pub unsafe fn len(obj: *const SortedObj) -> usize {
    // SAFETY: caller's contract.
    unsafe { (*obj).len as usize }
}

/// Calls `f` with every heap reference a map or set holds (null slots
/// skipped), for freeing.
///
/// # Safety
/// `obj` must be a live map or set.
pub unsafe fn for_each_child(obj: *mut SortedObj, mut f: impl FnMut(*mut ObjectHeader)) {
    // SAFETY: caller's contract.
    let (slots, shape) = unsafe { entries(obj) };
    for n in 0..shape.width {
        let ty = shape.slot_ty(n);
        if ty.is_heap() {
            slots
                .iter()
                .skip(n)
                .step_by(shape.width)
                .map(|&s| crate::objects::slot_obj(s))
                .filter(|p| !p.is_null())
                .for_each(&mut f);
        }
    }
}

/// A new empty map or set of the type `desc` with room for `cap` entries.
///
/// # Safety
/// `desc` must be a valid descriptor (see [`Ty::new`]) of kind `Map` or
/// `Set` matching `kind`.
pub unsafe fn new_sorted(kind: ObjectKind, desc: *const TypeDesc, cap: usize) -> *mut SortedObj {
    // SAFETY: caller's contract.
    let shape = Shape::of_type(kind, unsafe { Ty::new(desc) });
    let slots = cap
        .checked_mul(shape.width)
        .unwrap_or_else(|| internal_error("map capacity too large"));
    let data = alloc_buffer(slots, 8);
    let obj = alloc_object(std::mem::size_of::<SortedObj>(), kind).cast::<SortedObj>();
    // SAFETY: a fresh object of the right size; the header is written.
    unsafe {
        (*obj).desc = desc;
        (*obj).len = 0;
        (*obj).cap = cap as u64;
        (*obj).data = data;
    }
    obj
}

/// Appends a copy of an entry (retained) to an object with room for it; the
/// caller keeps the order sorted.
///
/// # Safety
/// `obj` must be a live map or set with `len < cap` that nobody else sees
/// yet (or whose count is 1); `entry` `width` live slots of its shape.
pub unsafe fn append_copy(obj: *mut SortedObj, entry: &[Slot]) {
    // SAFETY: caller's contract; the buffer has room for entry `len`.
    unsafe {
        let shape = shape(obj);
        debug_assert!((*obj).len < (*obj).cap && entry.len() == shape.width);
        shape.retain_entry(entry);
        let at = (*obj).len as usize * shape.width;
        std::ptr::copy_nonoverlapping(entry.as_ptr(), (*obj).data.add(at), shape.width);
        (*obj).len += 1;
    }
}

/// A copy of a map or set with count 1 and room for `cap >= len` entries
/// (keys and values retained).
///
/// # Safety
/// `obj` must be a live map or set.
pub unsafe fn copy(obj: *const SortedObj, cap: usize) -> *mut SortedObj {
    // SAFETY: caller's contract.
    unsafe {
        let (slots, shape) = entries(obj);
        debug_assert!(cap >= len(obj));
        let copy = new_sorted(kind_of(obj.cast()), (*obj).desc, cap);
        if !slots.is_empty() {
            std::ptr::copy_nonoverlapping(slots.as_ptr(), (*copy).data, slots.len());
            for entry in slots.chunks_exact(shape.width) {
                shape.retain_entry(entry);
            }
        }
        (*copy).len = (*obj).len;
        copy
    }
}

/// Where `key` is: `Ok(entry index)` when present, else `Err(the index it
/// would be inserted at)`.
///
/// # Safety
/// `obj` must be a live map or set and `key` a live value of its key type.
pub unsafe fn find(obj: *const SortedObj, key: Slot) -> Result<usize, usize> {
    // SAFETY: caller's contract.
    let (slots, shape) = unsafe { entries(obj) };
    let (mut lo, mut hi) = (0, slots.len() / shape.width);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        // SAFETY: live keys of the key type (caller's contract).
        match unsafe { value_cmp(slots[mid * shape.width], key, shape.key) } {
            Ordering::Less => lo = mid + 1,
            Ordering::Greater => hi = mid,
            Ordering::Equal => return Ok(mid),
        }
    }
    Err(lo)
}

/// Makes a map or set safe to mutate with room for `extra` more entries:
/// consumes the caller's reference and returns one to an object with count 1
/// — `obj` itself (its buffer grown when needed, doubling) when the count was
/// 1, else a copy while the original loses the caller's reference.
///
/// # Safety
/// `obj` must be a live map or set whose reference the caller owns.
pub unsafe fn unshare_with_room(obj: *mut SortedObj, extra: usize) -> *mut SortedObj {
    // SAFETY: caller's contract; with a count of 1 nobody else can observe
    // the change (immortal objects have another count and are copied).
    unsafe {
        let len = len(obj);
        let need = len
            .checked_add(extra)
            .unwrap_or_else(|| internal_error("map too large"));
        let roomy = if extra == 0 {
            len
        } else {
            need.max(len.saturating_mul(2)).max(MIN_CAPACITY)
        };
        if (*obj).header.rc != 1 {
            let c = copy(obj, roomy);
            lm_release(obj.cast());
            return c;
        }
        if need > (*obj).cap as usize {
            let width = shape(obj).width;
            let slots = roomy
                .checked_mul(width)
                .unwrap_or_else(|| internal_error("map capacity too large"));
            let old_slots = buffer_slots(obj);
            (*obj).data = grow_buffer((*obj).data, old_slots, slots, 8);
            (*obj).cap = roomy as u64;
        }
        obj
    }
}

/// Inserts an entry at index `at`, taking over the references in `entry`.
///
/// # Safety
/// `obj` must be a live map or set with count 1 and `len < cap` (see
/// [`unshare_with_room`]); `at <= len`, chosen so the order stays sorted;
/// `entry` `width` live slots of its shape, owned by the caller.
pub unsafe fn insert_at(obj: *mut SortedObj, at: usize, entry: &[Slot]) {
    // SAFETY: caller's contract; the buffer has room for one more entry, so
    // moving the tail up by one entry stays inside it.
    unsafe {
        let width = shape(obj).width;
        let len = len(obj);
        debug_assert!(at <= len && len < (*obj).cap as usize && entry.len() == width);
        let base = (*obj).data.add(at * width);
        std::ptr::copy(base, base.add(width), (len - at) * width);
        std::ptr::copy_nonoverlapping(entry.as_ptr(), base, width);
        (*obj).len += 1;
    }
}

/// Removes entry `at`, releasing its keys and values.
///
/// # Safety
/// `obj` must be a live map or set with count 1 and `at < len`.
pub unsafe fn remove_at(obj: *mut SortedObj, at: usize) {
    // SAFETY: caller's contract; the tail moves down by one entry.
    unsafe {
        let shape = shape(obj);
        let len = len(obj);
        debug_assert!(at < len);
        let base = (*obj).data.add(at * shape.width);
        let mut gone = [0; 2];
        let gone = &mut gone[..shape.width];
        gone.copy_from_slice(std::slice::from_raw_parts(base, shape.width));
        std::ptr::copy(base.add(shape.width), base, (len - at - 1) * shape.width);
        (*obj).len -= 1;
        // Released last: the object is consistent should freeing look at it.
        shape.release_entry(gone);
    }
}

/// The entry at index `i` (0-based, in key order) or an internal error: the
/// compiler only asks for indices below the length.
///
/// # Safety
/// `obj` must be a live map or set.
pub unsafe fn entry_at<'a>(obj: *const SortedObj, i: i64) -> &'a [Slot] {
    // SAFETY: caller's contract.
    let (slots, shape) = unsafe { entries(obj) };
    let n = slots.len() / shape.width;
    match usize::try_from(i).ok().filter(|&i| i < n) {
        Some(i) => &slots[i * shape.width..(i + 1) * shape.width],
        None => internal_error(&format!("entry {i} of a map or set of length {n}")),
    }
}

/// Which entries a linear merge of two maps or sets keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Merge {
    /// Every key; for a key in both, `b`'s entry (map merge: `b` wins).
    UnionRight,
    /// Every key; for a key in both, `a`'s entry (set union).
    UnionLeft,
    /// Keys in both (`a`'s entries).
    Intersection,
    /// Keys in `a` and not in `b`.
    Difference,
}

/// Combines two maps or sets of the same type (both borrowed) in one linear
/// walk over their sorted entries; the result is owned: a new object, or one
/// of the operands retained when the result is known to equal it.
///
/// # Safety
/// `a` and `b` must be live maps or sets of the same type.
pub unsafe fn merge(a: *mut SortedObj, b: *mut SortedObj, op: Merge) -> *mut SortedObj {
    // SAFETY: caller's contract.
    unsafe {
        let ((xs, shape), (ys, _)) = (entries(a), entries(b));
        let (na, nb) = (len(a), len(b));
        let reuse = match op {
            Merge::UnionLeft | Merge::UnionRight if na == 0 => Some(b),
            Merge::UnionLeft | Merge::UnionRight | Merge::Difference if nb == 0 => Some(a),
            Merge::Intersection | Merge::Difference if na == 0 => Some(a),
            Merge::Intersection if nb == 0 => Some(b),
            _ => None,
        };
        if let Some(keep) = reuse {
            crate::rc::lm_retain(keep.cast());
            return keep;
        }
        let cap = match op {
            Merge::UnionLeft | Merge::UnionRight => na + nb,
            Merge::Intersection => na.min(nb),
            Merge::Difference => na,
        };
        let out = new_sorted(kind_of(a.cast()), (*a).desc, cap);
        let w = shape.width;
        let (mut xs, mut ys) = (xs.chunks_exact(w).peekable(), ys.chunks_exact(w).peekable());
        let union = matches!(op, Merge::UnionLeft | Merge::UnionRight);
        loop {
            let order = match (xs.peek(), ys.peek()) {
                (None, None) => break,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(x), Some(y)) => value_cmp(x[0], y[0], shape.key),
            };
            match order {
                Ordering::Less => {
                    let x = xs.next().unwrap();
                    if op != Merge::Intersection {
                        append_copy(out, x);
                    }
                }
                Ordering::Greater => {
                    let y = ys.next().unwrap();
                    if union {
                        append_copy(out, y);
                    }
                }
                Ordering::Equal => {
                    let (x, y) = (xs.next().unwrap(), ys.next().unwrap());
                    match op {
                        Merge::UnionRight => append_copy(out, y),
                        Merge::UnionLeft | Merge::Intersection => append_copy(out, x),
                        Merge::Difference => {}
                    }
                }
            }
            // Nothing further can be kept once `a` is exhausted (or, for an
            // intersection, either side).
            if !union && (xs.peek().is_none() || (op == Merge::Intersection && ys.peek().is_none()))
            {
                break;
            }
        }
        out
    }
}
