//! One tool call from request to answer, the part every provider shares:
//! replay, the network (off the scheduler thread, with retries and the
//! deadline), recording.
//!
//! A provider *prepares* a call in the calling task — arguments read,
//! grants checked, request built — so a policy violation fails before
//! anything leaves the process and without suspending (tools-details §49).
//! [`perform`] then answers it from the replay file or sends it: the
//! exchange runs on an I/O worker thread (`crate::io`) while the task is
//! suspended, so other tasks run, and a cancelled task's request is
//! abandoned.

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use super::config::{Config, ProviderConfig};
use super::failures::Context;
use super::record::{self, Entry, Recorded};
use super::retry::{self, Outcome};
use super::site::Site;
use super::transport::{self, HttpReply, HttpRequest, TransportError};

/// What a call answered, before it is turned into a Lumen value.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// An LLM's reply text (`cut`: `finish_reason` was `length`), or a
    /// json-http service's reply body.
    Text { text: String, cut: bool },
    /// An HTTP response, whatever its status.
    Http(HttpReply),
}

impl Answer {
    /// The `reply` (and extra keys) of a recorded line.
    fn to_record(&self) -> (Value, Map<String, Value>) {
        match self {
            Answer::Text { text, cut } => {
                let mut extra = Map::new();
                if *cut {
                    extra.insert("finish_reason".into(), json!("length"));
                }
                (Value::String(text.clone()), extra)
            }
            Answer::Http(r) => {
                let headers: Map<String, Value> = r
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect();
                (
                    json!({"status": r.status, "headers": headers, "body": r.body}),
                    Map::new(),
                )
            }
        }
    }

    /// The answer a recorded line holds, for a call answering `http`-ly or
    /// with text.
    fn from_record(reply: &Value, extra: &Map<String, Value>, http: bool) -> Option<Answer> {
        if !http {
            let cut = extra.get("finish_reason").and_then(Value::as_str) == Some("length");
            return Some(Answer::Text {
                text: reply.as_str()?.to_string(),
                cut,
            });
        }
        let mut headers: Vec<(String, String)> = reply
            .get("headers")?
            .as_object()?
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect();
        headers.sort();
        Some(Answer::Http(HttpReply {
            status: reply.get("status")?.as_u64()? as u16,
            headers,
            body: reply.get("body")?.as_str()?.to_string(),
        }))
    }
}

/// A failure of the exchange: its message, and whether it is recorded
/// (a redirect's policy violation is not, §60).
#[derive(Clone, Debug, PartialEq)]
pub struct CallError {
    pub message: String,
    pub recorded: bool,
}

/// Turns the outcome of the retries into the answer or the message (runs
/// on the worker thread).
pub type Interpret = Box<dyn FnOnce(Outcome) -> Result<Answer, String> + Send>;

/// A call ready to be answered.
pub struct Prepared {
    /// The tool id (record/replay key, message prefix).
    pub tool: String,
    /// What record/replay compare: the request as it would be sent.
    pub recorded_request: Value,
    /// The request to send.
    pub request: HttpRequest,
    /// The variable holding the API key, for `Authorization: Bearer`
    /// (checked only when the call goes to the network, §63).
    pub key_env: Option<KeyEnv>,
    pub timeout_ms: u64,
    pub max_retries: u32,
    /// Checks each redirect hop's host (§22).
    pub allow_host: Box<dyn Fn(&str) -> Result<(), String> + Send>,
    /// Whether the answer is an HTTP response (else text).
    pub http: bool,
    pub interpret: Interpret,
}

/// The API key's variable and the message when it is not set.
pub struct KeyEnv {
    pub variable: String,
    pub missing: String,
}

/// A JSON `POST` of `body` to `url` for a provider of kind `kind`
/// configured by `pc` (the `openai-compatible` and `json-http` providers):
/// the failure context, and the prepared call whose outcome `interpret`
/// turns into the answer (given the context).
#[allow(clippy::too_many_arguments)]
pub fn json_post(
    site: &Site,
    kind: &str,
    cfg: &Config,
    pc: &ProviderConfig,
    base: String,
    url: String,
    body: Value,
    timeout_ms: u64,
    interpret: impl FnOnce(&Context, Outcome) -> Result<Answer, String> + Send + 'static,
) -> (Prepared, Context) {
    let tool = site.tool.as_str();
    let ctx = Context {
        tool: tool.to_string(),
        alias: site.alias.clone(),
        provider: kind.to_string(),
        method: "POST".into(),
        url: url.clone(),
        connect_hint: format!("check base_url in [providers.config.{kind}]"),
        server: base,
        key_env: pc.api_key_env.clone(),
    };
    let key_env = pc.api_key_env.clone().map(|variable| KeyEnv {
        missing: format!(
            "{tool}: environment variable {variable} is not set; export it, or remove api_key_env from [providers.config.{kind}] in {}",
            cfg.path_text()
        ),
        variable,
    });
    let interpret_ctx = ctx.clone();
    let prepared = Prepared {
        tool: tool.to_string(),
        recorded_request: body.clone(),
        request: HttpRequest {
            method: "POST".into(),
            url,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: Some(body.to_string()),
        },
        key_env,
        timeout_ms,
        max_retries: site.grants.max_retries(),
        allow_host: Box::new(|_| Ok(())),
        http: false,
        interpret: Box::new(move |outcome| interpret(&interpret_ctx, outcome)),
    };
    (prepared, ctx)
}

/// Answers `p`: from the replay file when it holds the call, else over
/// the network (recording it when asked).
pub fn perform(p: Prepared) -> Result<Answer, String> {
    match record::take(&p.tool, &p.recorded_request).map_err(|e| format!("{}: {e}", p.tool))? {
        Some(entry) => return replayed(&p, entry),
        None if record::replay_file().is_some() && record::record_file().is_none() => {
            return Err(record::not_recorded(&p.tool));
        }
        None => {}
    }
    let mut request = p.request;
    if let Some(key) = &p.key_env {
        match std::env::var(&key.variable) {
            Ok(k) if !k.is_empty() => request
                .headers
                .push(("Authorization".into(), format!("Bearer {k}"))),
            _ => return Err(key.missing.clone()),
        }
    }
    // §76: a tool call is I/O; what the program printed is out first.
    crate::output::flush_stdout();
    let started = Instant::now();
    let deadline = started + Duration::from_millis(p.timeout_ms);
    // The call's place among those sent, so a replay gives identical
    // requests their answers in the order they were made.
    let seq = Value::from(record::next_seq());
    let cancel_seq = seq.clone();
    let (tool, recorded_request) = (p.tool.clone(), p.recorded_request.clone());
    let (cancel_tool, cancel_request) = (tool.clone(), recorded_request.clone());
    let (max_retries, allow_host, interpret) = (p.max_retries, p.allow_host, p.interpret);
    let result = crate::io::run_blocking_cancellable(
        move |cancelled: &AtomicBool| {
            let mut policy = None;
            let outcome = retry::run(max_retries, deadline, cancelled, || {
                let r = transport::exchange(&request, deadline, &*allow_host);
                if let Err(TransportError::Policy(m)) = &r {
                    policy = Some(m.clone());
                }
                r
            });
            if let Some(message) = policy {
                return Err(CallError {
                    message,
                    recorded: false,
                });
            }
            interpret(outcome).map_err(|message| CallError {
                message,
                recorded: true,
            })
        },
        move || {
            let mut extra = Map::new();
            extra.insert("seq".into(), cancel_seq);
            let entry = Entry {
                recorded: Recorded::Cancelled,
                ms: started.elapsed().as_millis() as u64,
                extra,
            };
            record::append(&cancel_tool, &cancel_request, &entry);
        },
    );
    let ms = started.elapsed().as_millis() as u64;
    let entry = match &result {
        Ok(answer) => {
            let (reply, mut extra) = answer.to_record();
            extra.insert("seq".into(), seq);
            Some(Entry {
                recorded: Recorded::Reply(reply),
                ms,
                extra,
            })
        }
        Err(e) if e.recorded => {
            let mut extra = Map::new();
            extra.insert("seq".into(), seq);
            Some(Entry {
                recorded: Recorded::Error(e.message.clone()),
                ms,
                extra,
            })
        }
        Err(_) => None,
    };
    if let Some(entry) = entry {
        record::append(&tool, &recorded_request, &entry);
    }
    result.map_err(|e| e.message)
}

/// The answer of a replayed entry, after its recorded latency (§64).
fn replayed(p: &Prepared, entry: Entry) -> Result<Answer, String> {
    if !record::replay_fast() && !matches!(entry.recorded, Recorded::Cancelled) {
        crate::output::flush_stdout();
        crate::futures::lm_sleep(entry.ms as i64);
    }
    match entry.recorded {
        Recorded::Reply(reply) => Answer::from_record(&reply, &entry.extra, p.http)
            .ok_or_else(|| {
                format!(
                    "{}: the recorded reply in {} (LUMEN_TOOL_REPLAY) is malformed; record it again",
                    p.tool,
                    record::replay_file().unwrap_or_default()
                )
            }),
        Recorded::Error(message) => Err(message),
        Recorded::Cancelled => {
            // It was cancelled at this point when recorded: it stays
            // pending until it is cancelled again.
            let _token = crate::scheduler::prepare_wait();
            crate::scheduler::suspend();
            Err(format!("{}: cancelled", p.tool))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_round_trip_through_record_lines() {
        let text = Answer::Text {
            text: "hi".into(),
            cut: true,
        };
        let (reply, extra) = text.to_record();
        assert_eq!(Answer::from_record(&reply, &extra, false), Some(text));
        let http = Answer::Http(HttpReply {
            status: 404,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: "no".into(),
        });
        let (reply, extra) = http.to_record();
        assert_eq!(Answer::from_record(&reply, &extra, true), Some(http));
        assert_eq!(Answer::from_record(&json!(3), &Map::new(), false), None);
        assert_eq!(super::super::failures::attempts_text(1), "after 1 attempt");
        assert_eq!(super::super::failures::attempts_text(4), "after 4 attempts");
    }
}
