//! Record and replay (tools.md §4, tools-details §59–65).
//!
//! `LUMEN_TOOL_RECORD=FILE` appends one JSON line per call that left the
//! process, when it completes: `{"tool", "request", "reply" | "error" |
//! "cancelled": true, "ms"}`. `LUMEN_TOOL_REPLAY=FILE` answers calls from
//! such a file: a call matches an entry with the same tool id and the same
//! request compared as canonical JSON (keys sorted at every level, numbers
//! normalised), and identical requests take their entries in the order the
//! calls were made, each once — so concurrent calls replay as recorded.
//! Lines are written as calls complete, which is not the order they were
//! made when latencies differ, so each line also carries `"seq"`: the
//! call's place among the calls the run sent; a file without it is taken
//! in line order. With both variables set, what the replay file lacks is
//! sent and appended to the record file.
//!
//! The request is what would be sent after grants and defaults were
//! applied, never a header or key (§62).

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use serde_json::{Map, Value};

/// What a recorded call ended with.
#[derive(Clone, Debug, PartialEq)]
pub enum Recorded {
    /// The reply: the text of an LLM or json-http call, `{status, headers,
    /// body}` of an HTTP call.
    Reply(Value),
    /// The failure message.
    Error(String),
    /// The calling task was cancelled before the reply came.
    Cancelled,
}

/// One line of the file.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub recorded: Recorded,
    /// Latency when recorded.
    pub ms: u64,
    /// Extra keys of a reply kept for replaying it (`finish_reason`).
    pub extra: Map<String, Value>,
}

/// `value` with object keys sorted at every level and numbers written one
/// way (integral ones without a fraction), as text.
pub fn canonical(value: &Value) -> String {
    fn norm(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                let mut out = Map::new();
                for k in keys {
                    out.insert(k.clone(), norm(&m[k]));
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(items.iter().map(norm).collect()),
            Value::Number(n) => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
                Some(f) => Value::from(f),
                None => v.clone(),
            },
            other => other.clone(),
        }
    }
    norm(value).to_string()
}

/// The entries of a replay file by (tool, canonical request), in file order.
#[derive(Debug, Default)]
pub struct Replay {
    entries: HashMap<(String, String), VecDeque<Entry>>,
}

impl Replay {
    /// Parses the lines of a file; a malformed line is an error naming it.
    pub fn parse(text: &str, name: &str) -> Result<Replay, String> {
        let mut replay = Replay::default();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let bad = || format!("line {} of {name} is not a recorded call", i + 1);
            let Value::Object(mut obj) = serde_json::from_str::<Value>(line).map_err(|_| bad())?
            else {
                return Err(bad());
            };
            let tool = obj
                .remove("tool")
                .and_then(|t| t.as_str().map(str::to_string));
            let request = obj.remove("request");
            let (Some(tool), Some(request)) = (tool, request) else {
                return Err(bad());
            };
            let ms = obj.remove("ms").and_then(|m| m.as_u64()).unwrap_or(0);
            let recorded = if let Some(reply) = obj.remove("reply") {
                Recorded::Reply(reply)
            } else if let Some(error) = obj.remove("error") {
                Recorded::Error(error.as_str().map(str::to_string).ok_or_else(bad)?)
            } else if obj.remove("cancelled").is_some() {
                Recorded::Cancelled
            } else {
                return Err(bad());
            };
            replay
                .entries
                .entry((tool, canonical(&request)))
                .or_default()
                .push_back(Entry {
                    recorded,
                    ms,
                    extra: obj,
                });
        }
        replay.order_by_seq();
        Ok(replay)
    }

    /// Puts each request's entries in the order the calls were made
    /// (their `seq`), when every entry has one.
    fn order_by_seq(&mut self) {
        for queue in self.entries.values_mut() {
            let seqs: Option<Vec<u64>> = queue
                .iter()
                .map(|e| e.extra.get("seq").and_then(Value::as_u64))
                .collect();
            if seqs.is_some() {
                queue
                    .make_contiguous()
                    .sort_by_key(|e| e.extra.get("seq").and_then(Value::as_u64));
            }
        }
    }

    /// The next unused entry for this call.
    pub fn take(&mut self, tool: &str, request: &Value) -> Option<Entry> {
        self.entries
            .get_mut(&(tool.to_string(), canonical(request)))?
            .pop_front()
    }
}

/// The place of a call among those this run sends (for `"seq"`).
pub fn next_seq() -> u64 {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    SEQ.fetch_add(1, Ordering::Relaxed)
}

/// One line for the record file.
pub fn line(tool: &str, request: &Value, entry: &Entry) -> String {
    let mut obj = Map::new();
    obj.insert("tool".into(), Value::String(tool.to_string()));
    obj.insert("request".into(), request.clone());
    match &entry.recorded {
        Recorded::Reply(r) => {
            obj.insert("reply".into(), r.clone());
        }
        Recorded::Error(e) => {
            obj.insert("error".into(), Value::String(e.clone()));
        }
        Recorded::Cancelled => {
            obj.insert("cancelled".into(), Value::Bool(true));
        }
    }
    for (k, v) in &entry.extra {
        obj.insert(k.clone(), v.clone());
    }
    obj.insert("ms".into(), Value::from(entry.ms));
    Value::Object(obj).to_string()
}

fn env_path(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The record file's name, when recording.
pub fn record_file() -> Option<&'static str> {
    static PATH: OnceLock<Option<String>> = OnceLock::new();
    PATH.get_or_init(|| env_path("LUMEN_TOOL_RECORD"))
        .as_deref()
}

/// The replay file's name, when replaying.
pub fn replay_file() -> Option<&'static str> {
    static PATH: OnceLock<Option<String>> = OnceLock::new();
    PATH.get_or_init(|| env_path("LUMEN_TOOL_REPLAY"))
        .as_deref()
}

/// Whether replayed answers come at once instead of after their latency.
pub fn replay_fast() -> bool {
    static FAST: OnceLock<bool> = OnceLock::new();
    *FAST.get_or_init(|| env_path("LUMEN_TOOL_REPLAY_FAST").is_some_and(|v| v != "0"))
}

/// The replay file, read at the first call that needs it.
fn replay() -> Result<&'static Mutex<Replay>, String> {
    static REPLAY: OnceLock<Result<Mutex<Replay>, String>> = OnceLock::new();
    REPLAY
        .get_or_init(|| {
            let name = replay_file().unwrap_or_default();
            let text = std::fs::read_to_string(name).map_err(|e| {
                format!("cannot read {name} (LUMEN_TOOL_REPLAY): {e}; record it with LUMEN_TOOL_RECORD={name}")
            })?;
            Replay::parse(&text, name).map(Mutex::new)
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The recorded answer for this call, when replaying: `Ok(None)` when the
/// file has none (or replay is off).
pub fn take(tool: &str, request: &Value) -> Result<Option<Entry>, String> {
    if replay_file().is_none() {
        return Ok(None);
    }
    let mut r = replay()?.lock().unwrap_or_else(|e| e.into_inner());
    Ok(r.take(tool, request))
}

/// The failure of a call the replay file does not hold (§63).
pub fn not_recorded(tool: &str) -> String {
    let name = replay_file().unwrap_or_default();
    format!(
        "{tool}: no recorded reply for this request in {name} (LUMEN_TOOL_REPLAY); record it again with LUMEN_TOOL_RECORD={name}"
    )
}

/// Appends a completed call to the record file, when recording. A write
/// error is reported once on stderr and does not fail the call.
pub fn append(tool: &str, request: &Value, entry: &Entry) {
    let Some(name) = record_file() else { return };
    static FILE: Mutex<()> = Mutex::new(());
    let _lock = FILE.lock().unwrap_or_else(|e| e.into_inner());
    let mut text = line(tool, request, entry);
    text.push('\n');
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(name)
        .and_then(|mut f| f.write_all(text.as_bytes()));
    if let Err(e) = written {
        static WARNED: OnceLock<()> = OnceLock::new();
        WARNED.get_or_init(|| {
            crate::output::write_stderr(
                format!("warning: cannot append to {name} (LUMEN_TOOL_RECORD): {e}\n").as_bytes(),
            )
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_ignores_key_order_and_number_spelling() {
        let a = json!({"b": [1, {"y": 2.0, "x": "s"}], "a": 0.5});
        let b = json!({"a": 0.50, "b": [1.0, {"x": "s", "y": 2}]});
        assert_eq!(canonical(&a), canonical(&b));
        assert_eq!(canonical(&a), r#"{"a":0.5,"b":[1,{"x":"s","y":2}]}"#);
        assert_ne!(canonical(&json!([1, 2])), canonical(&json!([2, 1])));
    }

    #[test]
    fn identical_requests_take_their_entries_in_file_order() {
        let text = [
            r#"{"tool": "llm.chat", "request": {"model": "m", "messages": []}, "reply": "first", "ms": 5}"#,
            r#"{"tool": "http.get", "request": {"url": "u"}, "error": "http.get: boom", "ms": 1}"#,
            "",
            r#"{"tool": "llm.chat", "request": {"messages": [], "model": "m"}, "reply": "second", "finish_reason": "length", "ms": 7}"#,
            r#"{"tool": "llm.chat", "request": {"model": "m", "messages": []}, "cancelled": true, "ms": 9}"#,
        ]
        .join("\n");
        let mut r = Replay::parse(&text, "calls.jsonl").unwrap();
        let req = json!({"model": "m", "messages": []});
        let first = r.take("llm.chat", &req).unwrap();
        assert_eq!(first.recorded, Recorded::Reply(json!("first")));
        assert_eq!(first.ms, 5);
        let second = r.take("llm.chat", &req).unwrap();
        assert_eq!(second.recorded, Recorded::Reply(json!("second")));
        assert_eq!(second.extra.get("finish_reason"), Some(&json!("length")));
        assert_eq!(
            r.take("llm.chat", &req).unwrap().recorded,
            Recorded::Cancelled
        );
        assert_eq!(r.take("llm.chat", &req), None);
        // The tool id is part of the match.
        assert_eq!(r.take("http.post", &json!({"url": "u"})), None);
        assert_eq!(
            r.take("http.get", &json!({"url": "u"})).unwrap().recorded,
            Recorded::Error("http.get: boom".into())
        );
        assert!(Replay::parse("not json", "f")
            .unwrap_err()
            .contains("line 1 of f"));
    }

    #[test]
    fn identical_requests_replay_in_the_order_they_were_made() {
        // The second call made finished first, so it was written first.
        let text = [
            r#"{"tool": "t", "request": 1, "reply": "fast", "seq": 1, "ms": 1}"#,
            r#"{"tool": "t", "request": 1, "reply": "slow", "seq": 0, "ms": 50}"#,
        ]
        .join("\n");
        let mut r = Replay::parse(&text, "f").unwrap();
        assert_eq!(
            r.take("t", &json!(1)).unwrap().recorded,
            Recorded::Reply(json!("slow"))
        );
        assert_eq!(
            r.take("t", &json!(1)).unwrap().recorded,
            Recorded::Reply(json!("fast"))
        );
    }

    #[test]
    fn lines_round_trip() {
        let entry = Entry {
            recorded: Recorded::Reply(json!({"status": 200, "headers": {}, "body": "x"})),
            ms: 12,
            extra: Map::new(),
        };
        let l = line("http.get", &json!({"method": "GET"}), &entry);
        assert_eq!(
            l,
            r#"{"tool":"http.get","request":{"method":"GET"},"reply":{"status":200,"headers":{},"body":"x"},"ms":12}"#
        );
        let mut r = Replay::parse(&l, "f").unwrap();
        assert_eq!(r.take("http.get", &json!({"method": "GET"})), Some(entry));
    }
}
