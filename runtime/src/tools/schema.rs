//! The `response_format` of an `llm.*` request, derived from the type the
//! call's result must have (tools-details §14, §17): `String` asks for
//! nothing, `Json` for `{"type": "json_object"}`, anything else for
//! OpenAI's `json_schema` with a schema describing the type.
//!
//! OpenAI wants an object root that is not `anyOf`, so every type but a
//! record is wrapped as `{"value": S}` (and [`is_wrapped`] tells the reply
//! reader to unwrap it). Strict mode wants every property required and no
//! schema-valued `additionalProperties`, so a map makes the schema
//! non-strict. A record met again inside itself (a recursive type) becomes
//! a `$ref` to `$defs` (or `#` for the root).

use lumen_abi::TypeKind;
use serde_json::{json, Map, Value};

use crate::json_decode::type_name;
use crate::typedesc::Ty;

/// Whether `ty` is the built-in `Json`.
pub fn is_json(ty: Ty) -> bool {
    ty.kind() == TypeKind::Union && ty.name() == b"Json"
}

/// Whether the schema for `ty` wraps it as `{"value": …}`.
pub fn is_wrapped(ty: Ty) -> bool {
    !matches!(ty.kind(), TypeKind::Record | TypeKind::String) && !is_json(ty)
}

/// The `response_format` for a result of type `ty`, if any.
pub fn response_format(ty: Ty) -> Option<Value> {
    if ty.kind() == TypeKind::String {
        return None;
    }
    if is_json(ty) {
        return Some(json!({"type": "json_object"}));
    }
    let mut b = Builder {
        root: (!is_wrapped(ty)).then_some(ty),
        open: Vec::new(),
        defs: Map::new(),
        recursive: Vec::new(),
        strict: true,
    };
    let inner = b.schema(ty);
    let mut root = if is_wrapped(ty) {
        object(vec![("value".to_string(), inner)])
    } else {
        inner
    };
    if !b.defs.is_empty() {
        if let Value::Object(m) = &mut root {
            m.insert("$defs".into(), Value::Object(b.defs));
        }
    }
    let mut format = Map::new();
    format.insert("name".into(), Value::String(schema_name(ty)));
    format.insert("schema".into(), root);
    format.insert("strict".into(), Value::Bool(b.strict));
    Some(json!({"type": "json_schema", "json_schema": Value::Object(format)}))
}

/// The schema's name: the type's name with only `[A-Za-z0-9_-]`
/// (`list_Person`), at most 64 characters.
pub fn schema_name(ty: Ty) -> String {
    let mut out = String::new();
    for c in type_name(ty).chars() {
        if c.is_ascii_alphanumeric() || c == '-' {
            out.push(c);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let mut out = out.trim_end_matches('_').to_string();
    out.truncate(64);
    if out.is_empty() {
        out.push_str("value");
    }
    out
}

/// `{"type": "object", "properties": …, "required": [all], "additionalProperties": false}`.
fn object(fields: Vec<(String, Value)>) -> Value {
    let required: Vec<Value> = fields
        .iter()
        .map(|(k, _)| Value::String(k.clone()))
        .collect();
    let mut properties = Map::new();
    for (k, v) in fields {
        properties.insert(k, v);
    }
    json!({
        "type": "object",
        "properties": Value::Object(properties),
        "required": required,
        "additionalProperties": false,
    })
}

struct Builder {
    /// The record that is the document's root (`#`), when not wrapped.
    root: Option<Ty>,
    /// Records being described (outermost first), to spot recursion.
    open: Vec<Ty>,
    defs: Map<String, Value>,
    /// Records referred to from inside themselves.
    recursive: Vec<Ty>,
    strict: bool,
}

impl Builder {
    fn schema(&mut self, ty: Ty) -> Value {
        match ty.kind() {
            TypeKind::Int => json!({"type": "integer"}),
            TypeKind::Float => json!({"type": "number"}),
            TypeKind::Bool => json!({"type": "boolean"}),
            TypeKind::Null => json!({"type": "null"}),
            TypeKind::String | TypeKind::Bytes => json!({"type": "string"}),
            TypeKind::List | TypeKind::Set => {
                json!({"type": "array", "items": self.schema(ty.child(0))})
            }
            TypeKind::Tuple => {
                let n = ty.count();
                let members = self.any_of((0..n).map(|i| ty.child(i)).collect());
                json!({"type": "array", "items": members, "minItems": n, "maxItems": n})
            }
            TypeKind::Map => {
                self.strict = false;
                json!({"type": "object", "additionalProperties": self.schema(ty.child(1))})
            }
            TypeKind::Record => self.record(ty),
            TypeKind::TagEnum => {
                let names: Vec<Value> = (0..ty.count())
                    .map(|i| Value::String(String::from_utf8_lossy(ty.child(i).name()).into()))
                    .collect();
                json!({"type": "string", "enum": names})
            }
            TypeKind::Enum => {
                let variants: Vec<Value> = (0..ty.count())
                    .map(|i| {
                        let v = ty.child(i);
                        let name = String::from_utf8_lossy(v.name()).into_owned();
                        let payload = self.payload(v);
                        object(vec![
                            ("tag".into(), json!({"const": name})),
                            ("value".into(), payload),
                        ])
                    })
                    .collect();
                json!({ "anyOf": variants })
            }
            TypeKind::Union if is_json(ty) => {
                // "Any JSON" has no strict schema.
                self.strict = false;
                json!({})
            }
            TypeKind::Union => self.any_of((0..ty.count()).map(|i| ty.child(i)).collect()),
            TypeKind::Variant | TypeKind::Closure | TypeKind::Future | TypeKind::Channel => {
                self.strict = false;
                json!({})
            }
        }
    }

    /// `anyOf` of the distinct schemas of `members` (one schema alone).
    fn any_of(&mut self, members: Vec<Ty>) -> Value {
        let mut schemas: Vec<Value> = Vec::new();
        for m in members {
            let s = self.schema(m);
            if !schemas.contains(&s) {
                schemas.push(s);
            }
        }
        if schemas.len() == 1 {
            schemas.pop().unwrap_or_default()
        } else {
            json!({ "anyOf": schemas })
        }
    }

    /// The `value` of a variant: `null` without fields, the field for one
    /// positional field, an array for several, an object for named ones.
    fn payload(&mut self, v: Ty) -> Value {
        match (v.count(), v.field_name(0)) {
            (0, _) => json!({"type": "null"}),
            (1, None) => self.schema(v.child(0)),
            (n, None) => {
                let members = self.any_of((0..n).map(|i| v.child(i)).collect());
                json!({"type": "array", "items": members, "minItems": n, "maxItems": n})
            }
            (n, Some(_)) => object(self.fields(v, n)),
        }
    }

    fn fields(&mut self, ty: Ty, n: usize) -> Vec<(String, Value)> {
        (0..n)
            .map(|i| {
                let name =
                    String::from_utf8_lossy(ty.field_name(i).unwrap_or_default()).into_owned();
                (name, self.schema(ty.child(i)))
            })
            .collect()
    }

    fn record(&mut self, ty: Ty) -> Value {
        if self.open.contains(&ty) {
            if !self.recursive.contains(&ty) {
                self.recursive.push(ty);
            }
            return self.reference(ty);
        }
        self.open.push(ty);
        let schema = object(self.fields(ty, ty.count()));
        self.open.pop();
        if self.recursive.contains(&ty) && self.root != Some(ty) {
            self.defs.insert(schema_name(ty), schema);
            return self.reference(ty);
        }
        schema
    }

    /// A reference to record `ty`: `#` for the root, else its `$defs` entry.
    fn reference(&self, ty: Ty) -> Value {
        if self.root == Some(ty) {
            json!({"$ref": "#"})
        } else {
            json!({"$ref": format!("#/$defs/{}", schema_name(ty))})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_value::tests::json_ty;
    use crate::typedesc::test_descs::*;
    use lumen_abi::TypeDesc;

    fn format(ty: Ty) -> String {
        response_format(ty).map_or("none".into(), |v| v.to_string())
    }

    #[test]
    fn records_list_every_field_as_required() {
        let opt_int = tuple(&[int(), null()]);
        // SAFETY: test descriptors are leaked and writable.
        unsafe { (*(opt_int.as_ptr() as *mut TypeDesc)).kind = TypeKind::Union as u32 };
        let person = record("Person", &[("name", string()), ("born", opt_int)]);
        assert_eq!(
            format(person),
            r#"{"type":"json_schema","json_schema":{"name":"Person","schema":{"type":"object","properties":{"name":{"type":"string"},"born":{"anyOf":[{"type":"integer"},{"type":"null"}]}},"required":["name","born"],"additionalProperties":false},"strict":true}}"#
        );
    }

    #[test]
    fn other_types_are_wrapped_in_value() {
        let people = list(record("Person", &[("name", string())]));
        assert_eq!(schema_name(people), "list_Person");
        assert_eq!(
            format(people),
            r#"{"type":"json_schema","json_schema":{"name":"list_Person","schema":{"type":"object","properties":{"value":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"}},"required":["name"],"additionalProperties":false}}},"required":["value"],"additionalProperties":false},"strict":true}}"#
        );
        assert_eq!(
            format(int()),
            r#"{"type":"json_schema","json_schema":{"name":"Int","schema":{"type":"object","properties":{"value":{"type":"integer"}},"required":["value"],"additionalProperties":false},"strict":true}}"#
        );
        assert!(is_wrapped(int()) && !is_wrapped(string()) && !is_wrapped(json_ty()));
    }

    #[test]
    fn strings_json_enums_maps_and_tuples() {
        assert_eq!(format(string()), "none");
        assert_eq!(format(json_ty()), r#"{"type":"json_object"}"#);
        let color = tag_enum("Color", &["Red", "Green"]);
        assert!(format(color).contains(r#""value":{"type":"string","enum":["Red","Green"]}"#));
        let shape = enumeration(
            "Shape",
            &[positional("Dot", &[]), positional("Circle", &[float()])],
        );
        assert!(format(shape).contains(
            r#"{"anyOf":[{"type":"object","properties":{"tag":{"const":"Dot"},"value":{"type":"null"}},"required":["tag","value"],"additionalProperties":false},{"type":"object","properties":{"tag":{"const":"Circle"},"value":{"type":"number"}}"#
        ));
        let scores = map(string(), int());
        let f = format(scores);
        assert!(
            f.contains(r#""additionalProperties":{"type":"integer"}"#),
            "{f}"
        );
        assert!(f.ends_with(r#""strict":false}}"#), "{f}");
        assert_eq!(schema_name(scores), "map_String_Int");
        let pair = tuple(&[int(), string()]);
        assert!(format(pair).contains(
            r#"{"type":"array","items":{"anyOf":[{"type":"integer"},{"type":"string"}]},"minItems":2,"maxItems":2}"#
        ));
    }

    #[test]
    fn recursive_records_refer_to_themselves() {
        let tree = record("Tree", &[("label", string()), ("kids", int())]);
        let kids = list(tree);
        // SAFETY: test descriptors are leaked and writable.
        unsafe {
            let d = tree.as_ptr() as *mut TypeDesc;
            ((*d).children as *mut *const TypeDesc)
                .add(1)
                .write(kids.as_ptr());
        }
        let f = format(tree);
        assert!(
            f.contains(r##""kids":{"type":"array","items":{"$ref":"#"}}"##),
            "{f}"
        );
        let forest = list(tree);
        let f = format(forest);
        assert!(f.contains(r##""$ref":"#/$defs/Tree""##), "{f}");
        assert!(f.contains(r#""$defs":{"Tree":"#), "{f}");
    }
}
