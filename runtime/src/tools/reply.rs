//! A reply turned into the value the call's context expects (tools.md §1,
//! tools-details §11–13, §16): `String` gets the text as it is; anything
//! else gets it parsed as JSON (one Markdown code fence removed first) and
//! decoded along the expected type, or a message naming the path that did
//! not fit; `HttpResponse` gets the whole response.

use lumen_abi::TypeKind;

use crate::json_decode::{decode_reply, type_name, Hook};
use crate::json_parse::{self, JsonValue};
use crate::objects::{fields, lm_record_new, release_slot, Slot};
use crate::strings::new_string;
use crate::typedesc::Ty;

use super::transport::HttpReply;

/// How much of a reply a message quotes.
pub const QUOTE_CHARS: usize = 200;

/// The first [`QUOTE_CHARS`] characters of `text`, with `…` when cut.
pub fn quote(text: &str) -> String {
    match text.char_indices().nth(QUOTE_CHARS) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// `text` without one Markdown code fence around it (some local models
/// wrap JSON in one, §11): the opening line (```` ```json ````) and the
/// closing ```` ``` ```` go.
pub fn strip_fence(text: &str) -> &str {
    let t = text.trim();
    let Some(rest) = t.strip_prefix("```") else {
        return text;
    };
    let Some(body) = rest.strip_suffix("```") else {
        return text;
    };
    match body.find('\n') {
        Some(nl) => body[nl + 1..].trim_end_matches(['\n', '\r']),
        None => text,
    }
}

/// Why a reply does not fit: `at PATH: REASON`, or just the reason.
#[derive(Clone, Debug, PartialEq)]
pub struct Misfit {
    pub path: String,
    pub reason: String,
}

impl Misfit {
    /// `reply does not fit Team at members[1].born: missing field`.
    pub fn describe(&self, ty: Ty) -> String {
        let name = type_name(ty);
        if self.path.is_empty() {
            format!("reply does not fit {name}: {}", self.reason)
        } else {
            format!(
                "reply does not fit {name} at {}: {}",
                self.path, self.reason
            )
        }
    }
}

/// Whether `ty` is the built-in `HttpResponse` record.
pub fn is_http_response(ty: Ty) -> bool {
    ty.kind() == TypeKind::Record && ty.name() == b"HttpResponse"
}

/// The reply text as a value of `ty` (an owned slot): the text for
/// `String`, else JSON decoded along `ty`. With `wrapped`, the JSON is
/// `{"value": V}` and `V` is decoded (a reply that is not such an object
/// is decoded as it is: a model without structured output may answer the
/// bare value).
///
/// # Safety
/// `ty` must be a valid descriptor.
pub unsafe fn from_text(text: &str, ty: Ty, hooks: &[Hook], wrapped: bool) -> Result<Slot, Misfit> {
    if ty.kind() == TypeKind::String {
        return Ok(new_string(text) as Slot);
    }
    let json = json_parse::parse(strip_fence(text)).map_err(|e| Misfit {
        path: String::new(),
        reason: format!("it is not JSON ({e}): {}", quote(text)),
    })?;
    let json = match json {
        JsonValue::Object(entries) if wrapped && entries.len() == 1 && entries[0].0 == "value" => {
            entries
                .into_iter()
                .next()
                .map(|(_, v)| v)
                .unwrap_or(JsonValue::Null)
        }
        other => other,
    };
    // SAFETY: caller's contract.
    unsafe { decode_reply(&json, ty, hooks) }.map_err(|e| Misfit {
        path: e.path(),
        reason: e.reason(),
    })
}

/// `reply` as the built-in `HttpResponse(status, body, headers)` of
/// descriptor `ty` (an owned record), fields found by name.
///
/// # Safety
/// `ty` must be the `HttpResponse` record descriptor: `status: Int`, `body:
/// String`, `headers: map[String, String]`.
pub unsafe fn http_response(reply: &HttpReply, ty: Ty) -> Slot {
    // SAFETY: caller's contract; a new record's slots are zero, each is
    // written once with an owned value of its field's type.
    unsafe {
        let obj = lm_record_new(ty.as_ptr()).cast::<lumen_abi::ObjectHeader>();
        let (slots, _) = fields(obj);
        for i in 0..ty.count() {
            let field_ty = ty.child(i);
            let value = match ty.field_name(i) {
                Some(b"status") => Slot::from(reply.status),
                Some(b"body") => new_string(&reply.body) as Slot,
                Some(b"headers") => string_map(&reply.headers, field_ty),
                _ => continue,
            };
            slots.add(i).write(value);
        }
        obj as Slot
    }
}

/// A `map[String, String]` (descriptor `ty`) of `entries`.
///
/// # Safety
/// `ty` must be a `map[String, String]` descriptor.
unsafe fn string_map(entries: &[(String, String)], ty: Ty) -> Slot {
    // SAFETY: `lm_map_set` consumes the map and retains key and value,
    // whose own references are released after.
    unsafe {
        let mut map = crate::map::lm_map_new(ty.as_ptr());
        for (k, v) in entries {
            let (k, v) = (new_string(k) as Slot, new_string(v) as Slot);
            map = crate::map::lm_map_set(map, k, v);
            release_slot(k, ty.child(0));
            release_slot(v, ty.child(1));
        }
        map as Slot
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library::test_util::{no_leaks, text};
    use crate::typedesc::test_descs::*;
    use crate::value::lm_str_from_value;

    fn shown(slot: Slot, ty: Ty) -> String {
        unsafe {
            let s = lm_str_from_value(slot, ty.as_ptr());
            let out = text(s);
            crate::rc::lm_release(s.cast());
            release_slot(slot, ty);
            out
        }
    }

    fn fit(reply: &str, ty: Ty, wrapped: bool) -> Result<String, String> {
        unsafe { from_text(reply, ty, &[], wrapped) }
            .map(|v| shown(v, ty))
            .map_err(|m| m.describe(ty))
    }

    #[test]
    fn fences_are_stripped_once() {
        assert_eq!(strip_fence("```json\n{\"a\": 1}\n```"), "{\"a\": 1}");
        assert_eq!(strip_fence("  ```\n[1]\n```\n"), "[1]");
        assert_eq!(strip_fence("{\"a\": 1}"), "{\"a\": 1}");
        assert_eq!(strip_fence("```json {} ```"), "```json {} ```");
    }

    #[test]
    fn replies_decode_along_the_type_with_paths_in_misfits() {
        no_leaks(|| {
            let person = record("Person", &[("name", string()), ("born", int())]);
            let team = record("Team", &[("members", list(person))]);
            assert_eq!(
                fit(
                    r#"{"members": [{"name": "Ada", "born": 1815.0}]}"#,
                    team,
                    false
                ),
                Ok(r#"Team(members: [Person(name: "Ada", born: 1815)])"#.into())
            );
            assert_eq!(
                fit(
                    r#"{"members": [{"name": "Ada", "born": 1815}, {"name": "Bob"}]}"#,
                    team,
                    false
                ),
                Err("reply does not fit Team at members[1].born: missing field".into())
            );
            assert_eq!(
                fit(r#"{"members": [{"name": 3, "born": 1}]}"#, team, false),
                Err(
                    "reply does not fit Team at members[0].name: expected String, found Int".into()
                )
            );
            assert_eq!(
                fit("```json\n{\"value\": [1, 2]}\n```", list(int()), true),
                Ok("[1, 2]".into())
            );
            assert_eq!(fit("[3]", list(int()), true), Ok("[3]".into()));
            assert_eq!(fit("just words", string(), false), Ok("just words".into()));
            assert_eq!(
                fit("Sure! {", int(), true),
                Err("reply does not fit Int: it is not JSON (expected a JSON value at 1:1): Sure! {".into())
            );
            assert_eq!(
                fit(r#"{"value": 2.5}"#, int(), true),
                Err("reply does not fit Int: expected Int, found Float".into())
            );
            let color = tag_enum("Color", &["Red", "Green"]);
            assert_eq!(
                fit(r#"{"value": "Green"}"#, color, true),
                Ok("Green".into())
            );
            assert_eq!(
                fit(r#"{"value": {"tag": "Red"}}"#, color, true),
                Ok("Red".into())
            );
            let scores = map(int(), string());
            assert_eq!(
                fit(r#"{"value": {"10": "a", "9": "b"}}"#, scores, true),
                Ok(r#"{9: "b", 10: "a"}"#.into())
            );
        });
    }

    #[test]
    fn quotes_are_cut_at_200_characters() {
        let long = "x".repeat(300);
        assert_eq!(quote(&long).chars().count(), 201);
        assert_eq!(quote("short"), "short");
    }
}
