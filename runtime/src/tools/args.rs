//! The Lumen side of a call: the named arguments (a record) and the
//! cell's conversation (a `list[Message]`) as JSON, written by the
//! runtime's own encoder (`json_encode`'s form).

use lumen_abi::{ObjectHeader, SourceLoc, TypeDesc};
use serde_json::{Map, Value};

use crate::objects::{elems, ListObj, Slot};
use crate::typedesc::Ty;

/// The call's named arguments, in source order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Args(pub Map<String, Value>);

impl Args {
    pub fn str(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }

    pub fn int(&self, key: &str) -> Option<i64> {
        self.0.get(key).and_then(Value::as_i64)
    }

    pub fn float(&self, key: &str) -> Option<f64> {
        self.0.get(key).and_then(Value::as_f64)
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }
}

/// One message of a conversation.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub role: String,
    pub content: String,
}

impl Message {
    pub fn new(role: &str, content: &str) -> Message {
        Message {
            role: role.into(),
            content: content.into(),
        }
    }

    /// From a `{"role", "content"}` object (a `Message` record as JSON).
    pub fn from_json(v: &Value) -> Message {
        let field = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default();
        Message::new(field("role"), field("content"))
    }
}

/// A value as a JSON tree.
///
/// # Safety
/// `slot` must be a live value of type `ty`; `loc` null or valid.
unsafe fn to_json(slot: Slot, ty: Ty, loc: *const SourceLoc) -> Value {
    // SAFETY: caller's contract.
    let text = unsafe { crate::json::encode(slot, ty, loc) };
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Reads the arguments record (null: no arguments).
///
/// # Safety
/// `args` must be null or a live record of type `desc`; `loc` null or valid.
pub unsafe fn read_args(
    args: *const ObjectHeader,
    desc: *const TypeDesc,
    loc: *const SourceLoc,
) -> Args {
    if args.is_null() {
        return Args::default();
    }
    // SAFETY: caller's contract.
    match unsafe { to_json(args as Slot, Ty::new(desc), loc) } {
        Value::Object(m) => Args(m),
        _ => Args::default(),
    }
}

/// Reads the conversation: a `list[Message]` (null: empty). The list
/// carries its element descriptor.
///
/// # Safety
/// `list` must be null or a live list of records with `role` and
/// `content` strings; `loc` null or valid.
pub unsafe fn read_conversation(list: *const ObjectHeader, loc: *const SourceLoc) -> Vec<Message> {
    if list.is_null() {
        return Vec::new();
    }
    // SAFETY: caller's contract.
    unsafe {
        let (items, elem) = elems(list.cast::<ListObj>());
        items
            .iter()
            .map(|&m| Message::from_json(&to_json(m, elem, loc)))
            .collect()
    }
}
