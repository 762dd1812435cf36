//! `json_encode(x)` and `json_pretty(x)` (builtins.md): any value as JSON text,
//! walked through its type descriptor like the display form (`value.rs`).
//!
//! * `Int`, `Float`, `Bool`, `null` as JSON scalars; a non-finite `Float`
//!   becomes `null` (JSON has no NaN or infinity; JavaScript does the same).
//! * Strings with JSON escapes (`\" \\ \n \r \t \b \f`, other control
//!   characters as `\u00XX`); other characters as UTF-8.
//! * `Bytes` as a string of lower-case hex digits (what `hex_encode` gives),
//!   also as a map key.
//! * Lists, sets and tuples as arrays; maps as objects in key order, a
//!   non-string key written as its display form.
//! * Records as objects in field order; enum values as
//!   `{"tag": "Variant", "value": …}` where the value is `null` without a
//!   payload, the payload itself for one positional field, an array for
//!   several, and an object for named fields.
//! * A function value cannot be encoded: a runtime error.
//!
//! Compact output has no spaces (`{"a":1}`); pretty output indents by two
//! spaces and puts `": "` after keys.

use std::fmt::Write;

use lumen_abi::{ObjectHeader, ObjectKind, SourceLoc, TypeDesc, TypeKind};

use crate::display;
use crate::errors::fail_current_task;
use crate::objects::{elems, fields, kind_of, slot_obj, Slot};
use crate::sorted;
use crate::strings::{as_str, new_string, LmString};
use crate::typedesc::Ty;
use crate::value::write_value;

/// Containers nested deeper than this are an error rather than a risk to the
/// task's stack (the encoder recurses).
const MAX_DEPTH: usize = 512;

struct Encoder {
    out: String,
    pretty: bool,
    loc: *const SourceLoc,
}

/// `json_encode(x)` (`pretty` = 0) or `json_pretty(x)` (`pretty` = 1): a new
/// string.
///
/// # Safety
/// `desc` must be a valid descriptor and `slot` a live value of that type
/// (borrowed); `loc` null or a valid [`SourceLoc`].
#[no_mangle]
pub unsafe extern "C" fn lm_json_encode(
    slot: Slot,
    desc: *const TypeDesc,
    pretty: i32,
    loc: *const SourceLoc,
) -> *mut LmString {
    crate::errors::guard(|| {
        let mut encoder = Encoder {
            out: String::new(),
            pretty: pretty != 0,
            loc,
        };
        // SAFETY: caller's contract.
        unsafe { encoder.value(slot, Ty::new(desc), 0) };
        new_string(&encoder.out)
    })
}

/// `slot` (a live value of type `ty`) as compact JSON text, as
/// `json_encode` writes it; a function value fails the running task at
/// `loc` (a raise: call it under a guard).
///
/// # Safety
/// As for [`lm_json_encode`].
pub unsafe fn encode(slot: Slot, ty: Ty, loc: *const SourceLoc) -> String {
    let mut encoder = Encoder {
        out: String::new(),
        pretty: false,
        loc,
    };
    // SAFETY: caller's contract.
    unsafe { encoder.value(slot, ty, 0) };
    encoder.out
}

impl Encoder {
    fn fail(&self, message: &str) -> ! {
        // SAFETY: `loc` is null or valid (the entry point's contract).
        unsafe { fail_current_task(message, self.loc) }
    }

    /// A line break and indentation before an element (pretty only).
    fn newline(&mut self, depth: usize) {
        if self.pretty {
            self.out.push('\n');
            for _ in 0..depth {
                self.out.push_str("  ");
            }
        }
    }

    fn colon(&mut self) {
        self.out.push_str(if self.pretty { ": " } else { ":" });
    }

    /// Writes `items` between `open` and `close`, each written by `item`.
    fn sequence(
        &mut self,
        open: char,
        close: char,
        count: usize,
        depth: usize,
        mut item: impl FnMut(&mut Self, usize),
    ) {
        self.out.push(open);
        if count == 0 {
            self.out.push(close);
            return;
        }
        for i in 0..count {
            if i > 0 {
                self.out.push(',');
            }
            self.newline(depth + 1);
            item(self, i);
        }
        self.newline(depth);
        self.out.push(close);
    }

    /// # Safety
    /// `slot` is a live value of type `ty`.
    unsafe fn value(&mut self, slot: Slot, ty: Ty, depth: usize) {
        if depth > MAX_DEPTH {
            self.fail(&format!(
                "json_encode: value nested deeper than {MAX_DEPTH} levels"
            ));
        }
        match ty.kind() {
            TypeKind::Int => {
                let _ = display::int(&mut self.out, slot);
            }
            TypeKind::Float => {
                let v = f64::from_bits(slot as u64);
                if v.is_finite() {
                    let _ = display::float(&mut self.out, v);
                } else {
                    self.out.push_str("null");
                }
            }
            TypeKind::Bool => self.out.push_str(if slot != 0 { "true" } else { "false" }),
            TypeKind::Null => self.out.push_str("null"),
            TypeKind::TagEnum => {
                let name = String::from_utf8_lossy(ty.variant(slot as u64).name()).into_owned();
                self.tagged(&name, depth, |this| this.out.push_str("null"));
            }
            TypeKind::Variant => {
                self.fail("json_encode: a variant descriptor used as a value type")
            }
            TypeKind::Union => {
                // SAFETY: a live union value.
                match unsafe { crate::objects::union_member(slot, ty) } {
                    None => self.out.push_str("null"),
                    Some((inner, member)) => unsafe { self.value(inner, member, depth) },
                }
            }
            TypeKind::Closure => {
                if slot_obj(slot).is_null() {
                    self.out.push_str("null");
                } else {
                    self.fail("json_encode: a function cannot be encoded as JSON");
                }
            }
            TypeKind::Future | TypeKind::Channel => {
                if slot_obj(slot).is_null() {
                    self.out.push_str("null");
                } else {
                    self.fail("json_encode: a future or channel cannot be encoded as JSON");
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
                    self.out.push_str("null");
                    return;
                }
                // SAFETY: a live object; its header and descriptor say what
                // it holds.
                unsafe { self.object(obj, depth) }
            }
        }
    }

    /// # Safety
    /// `obj` is a live object.
    unsafe fn object(&mut self, obj: *mut ObjectHeader, depth: usize) {
        // SAFETY: caller's contract.
        unsafe {
            match kind_of(obj) {
                ObjectKind::String => self.string(as_str(obj.cast::<LmString>())),
                // JSON has no byte strings: lower-case hex, as `hex_encode`
                // gives (docs/language-decisions.md).
                ObjectKind::Bytes => self.string(&crate::library::encoding::hex_encode(
                    crate::bytes::bytes_of(obj.cast()),
                )),
                ObjectKind::List => {
                    let (slots, elem) = elems(obj.cast());
                    self.sequence('[', ']', slots.len(), depth, |this, i| {
                        this.value(slots[i], elem, depth + 1)
                    });
                }
                ObjectKind::Map | ObjectKind::Set => {
                    let (slots, shape) = sorted::entries(obj.cast());
                    if shape.width == 1 {
                        self.sequence('[', ']', slots.len(), depth, |this, i| {
                            this.value(slots[i], shape.key, depth + 1)
                        });
                    } else {
                        let count = slots.len() / shape.width;
                        self.sequence('{', '}', count, depth, |this, i| {
                            this.key(slots[i * 2], shape.key);
                            this.colon();
                            this.value(slots[i * 2 + 1], shape.value, depth + 1);
                        });
                    }
                }
                kind => {
                    let (slots, ty) = fields(obj);
                    let count = ty.count();
                    let field = |i: usize| slots.add(i).read();
                    if ty.kind() == TypeKind::Tuple {
                        self.sequence('[', ']', count, depth, |this, i| {
                            this.value(field(i), ty.child(i), depth + 1)
                        });
                    } else if kind == ObjectKind::Enum {
                        let name = String::from_utf8_lossy(ty.name()).into_owned();
                        self.tagged(&name, depth, |this| match (count, ty.field_name(0)) {
                            (0, _) => this.out.push_str("null"),
                            (1, None) => this.value(field(0), ty.child(0), depth + 1),
                            (_, None) => this.sequence('[', ']', count, depth + 1, |this, i| {
                                this.value(field(i), ty.child(i), depth + 2)
                            }),
                            (_, Some(_)) => this.named_fields(slots, ty, depth + 1),
                        });
                    } else {
                        self.named_fields(slots, ty, depth);
                    }
                }
            }
        }
    }

    /// A record's (or named variant's) fields as an object.
    ///
    /// # Safety
    /// `slots` are the live fields of an object of type `ty`.
    unsafe fn named_fields(&mut self, slots: *mut Slot, ty: Ty, depth: usize) {
        self.sequence('{', '}', ty.count(), depth, |this, i| {
            let name = ty
                .field_name(i)
                .map(|n| String::from_utf8_lossy(n).into_owned());
            this.string(&name.unwrap_or_else(|| i.to_string()));
            this.colon();
            // SAFETY: `i < count` fields of a live object.
            unsafe { this.value(slots.add(i).read(), ty.child(i), depth + 1) };
        });
    }

    /// `{"tag": name, "value": …}`.
    fn tagged(&mut self, name: &str, depth: usize, value: impl FnOnce(&mut Self)) {
        let mut value = Some(value);
        self.sequence('{', '}', 2, depth, |this, i| {
            if i == 0 {
                this.string("tag");
                this.colon();
                this.string(name);
            } else {
                this.string("value");
                this.colon();
                if let Some(v) = value.take() {
                    v(this);
                }
            }
        });
    }

    /// A map key: strings as themselves, other keys as their display form.
    ///
    /// # Safety
    /// `slot` is a live value of type `ty`.
    unsafe fn key(&mut self, slot: Slot, ty: Ty) {
        if ty.kind() == TypeKind::Bytes {
            // As Bytes values are encoded (hex), not their display form.
            // SAFETY: caller's contract: a live Bytes object.
            return unsafe { self.value(slot, ty, 0) };
        }
        let mut text = String::new();
        // SAFETY: caller's contract; writing to a String cannot fail.
        let _ = unsafe { write_value(&mut text, slot, ty, false) };
        self.string(&text);
    }

    fn string(&mut self, text: &str) {
        self.out.push('"');
        for c in text.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                '\r' => self.out.push_str("\\r"),
                '\t' => self.out.push_str("\\t"),
                '\u{8}' => self.out.push_str("\\b"),
                '\u{c}' => self.out.push_str("\\f"),
                c if (c as u32) < 0x20 || c == '\u{7f}' => {
                    let _ = write!(self.out, "\\u{:04x}", c as u32);
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(text: &str) -> String {
        let mut e = Encoder {
            out: String::new(),
            pretty: false,
            loc: std::ptr::null(),
        };
        e.string(text);
        e.out
    }

    #[test]
    fn strings_use_json_escapes() {
        assert_eq!(encoded("plain"), "\"plain\"");
        assert_eq!(encoded("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(encoded("\n\r\t\u{8}\u{c}"), "\"\\n\\r\\t\\b\\f\"");
        assert_eq!(encoded("\u{1}\u{7f}"), "\"\\u0001\\u007f\"");
        assert_eq!(encoded("é→😀"), "\"é→😀\"");
    }

    #[test]
    fn pretty_sequences_indent_and_empty_ones_stay_closed() {
        let mut e = Encoder {
            out: String::new(),
            pretty: true,
            loc: std::ptr::null(),
        };
        e.sequence('[', ']', 2, 0, |this, i| this.out.push_str(&i.to_string()));
        e.sequence('{', '}', 0, 0, |_, _| unreachable!());
        assert_eq!(e.out, "[\n  0,\n  1\n]{}");
    }
}
