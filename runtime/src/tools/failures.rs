//! The texts of tool failures (tools-details §45–46): each starts with the
//! tool id, names the provider, and says what to change.

use serde_json::Value;

use super::reply::quote;
use super::retry::is_transient_status;
use super::transport::{status_text, HttpReply, TransportError};

/// Who answered and how to reach them, for messages.
#[derive(Clone, Debug)]
pub struct Context {
    pub tool: String,
    pub alias: String,
    /// `openai-compatible`, `json-http`, `http`, or `fetch`.
    pub provider: String,
    pub method: String,
    pub url: String,
    /// What to check when the server cannot be reached
    /// (`check base_url in [providers.config.openai-compatible]`).
    pub connect_hint: String,
    /// The server to check when it keeps failing.
    pub server: String,
    /// The variable named by `api_key_env`, when configured.
    pub key_env: Option<String>,
}

impl Context {
    /// `llm.chat: timed out after 1500 ms (openai-compatible); raise
    /// timeout_ms in the grant for Quick`.
    pub fn timed_out(&self, ms: u64) -> String {
        if self.provider == "fetch" {
            return format!(
                "fetch: timed out after {ms} ms: {} {}; raise timeout_ms in the grant for fetch",
                self.method, self.url
            );
        }
        format!(
            "{}: timed out after {ms} ms ({}); raise timeout_ms in the grant for {}",
            self.tool, self.provider, self.alias
        )
    }

    /// A failure without a response, after `attempts`.
    pub fn transport(&self, error: &TransportError, attempts: u32) -> String {
        match error {
            TransportError::Connect { target, reason, .. } if self.provider == "fetch" => format!(
                "fetch: cannot connect to {target} ({reason}): {} {}",
                self.method, self.url
            ),
            TransportError::Connect { target, reason, .. } => format!(
                "{}: cannot connect to {target} ({reason}) {}: {} {}; {}",
                self.tool,
                attempts_text(attempts),
                self.method,
                self.url,
                self.connect_hint
            ),
            TransportError::Timeout => self.timed_out(0),
            TransportError::Policy(m) => m.clone(),
            TransportError::Other(e) => format!(
                "{}: {} {} failed ({}): {e}; {}",
                self.tool, self.method, self.url, self.provider, self.connect_hint
            ),
        }
    }

    /// A provider (not `http.*`) answered with a status that is not 2xx.
    pub fn status(&self, reply: &HttpReply, attempts: u32) -> String {
        let detail = error_message(&reply.body)
            .map(|m| format!(": {}", quote(&m)))
            .unwrap_or_default();
        let head = format!(
            "{}: {} answered HTTP {}",
            self.tool,
            self.provider,
            status_text(reply.status)
        );
        if is_transient_status(reply.status) {
            return format!(
                "{head} {}{detail}; check the server at {} or raise max_retries for {}",
                attempts_text(attempts),
                self.server,
                self.alias
            );
        }
        let hint = match (reply.status, &self.key_env) {
            (401 | 403, Some(var)) => {
                format!("; check the key in the variable named by api_key_env ({var})")
            }
            (401 | 403, None) => format!(
                "; the server wants a key: set api_key_env in [providers.config.{}]",
                self.provider
            ),
            _ => String::new(),
        };
        format!("{head}{detail}{hint}")
    }

    /// `llm.chat: malformed reply from openai-compatible: …`.
    pub fn malformed(&self, what: &str) -> String {
        format!(
            "{}: malformed reply from {}: {what}",
            self.tool, self.provider
        )
    }
}

/// `error.message` of an OpenAI-style error body (or a plain `error`
/// string).
pub fn error_message(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    let error = v.get("error")?;
    error
        .get("message")
        .and_then(Value::as_str)
        .or_else(|| error.as_str())
        .map(str::to_string)
}

/// `after 3 attempts` (`after 1 attempt`).
pub fn attempts_text(n: u32) -> String {
    if n == 1 {
        "after 1 attempt".into()
    } else {
        format!("after {n} attempts")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context {
            tool: "llm.chat".into(),
            alias: "Patient".into(),
            provider: "openai-compatible".into(),
            method: "POST".into(),
            url: "http://127.0.0.1:9/v1/chat/completions".into(),
            connect_hint: "check base_url in [providers.config.openai-compatible]".into(),
            server: "http://127.0.0.1:9/v1".into(),
            key_env: Some("OPENAI_API_KEY".into()),
        }
    }

    fn reply(status: u16, body: &str) -> HttpReply {
        HttpReply {
            status,
            headers: vec![],
            body: body.into(),
        }
    }

    #[test]
    fn status_failures() {
        assert_eq!(
            ctx().status(&reply(500, r#"{"error": {"message": "server exploded"}}"#), 4),
            "llm.chat: openai-compatible answered HTTP 500 Internal Server Error after 4 attempts: server exploded; check the server at http://127.0.0.1:9/v1 or raise max_retries for Patient"
        );
        assert_eq!(
            ctx().status(
                &reply(400, r#"{"error": {"message": "unknown parameter"}}"#),
                1
            ),
            "llm.chat: openai-compatible answered HTTP 400 Bad Request: unknown parameter"
        );
        assert_eq!(
            ctx().status(&reply(401, "nope"), 1),
            "llm.chat: openai-compatible answered HTTP 401 Unauthorized; check the key in the variable named by api_key_env (OPENAI_API_KEY)"
        );
    }

    #[test]
    fn transport_failures() {
        let refused = TransportError::Connect {
            target: "127.0.0.1:1".into(),
            reason: "connection refused".into(),
            transient: true,
        };
        let http = Context {
            tool: "http.get".into(),
            alias: "Get".into(),
            provider: "http".into(),
            method: "GET".into(),
            url: "http://127.0.0.1:1/down".into(),
            connect_hint: "check the URL or [http] base_url".into(),
            server: String::new(),
            key_env: None,
        };
        assert_eq!(
            http.transport(&refused, 2),
            "http.get: cannot connect to 127.0.0.1:1 (connection refused) after 2 attempts: GET http://127.0.0.1:1/down; check the URL or [http] base_url"
        );
        let fetch = Context {
            tool: "fetch".into(),
            provider: "fetch".into(),
            ..http
        };
        assert_eq!(
            fetch.transport(&refused, 3),
            "fetch: cannot connect to 127.0.0.1:1 (connection refused): GET http://127.0.0.1:1/down"
        );
        assert_eq!(
            ctx().timed_out(1500),
            "llm.chat: timed out after 1500 ms (openai-compatible); raise timeout_ms in the grant for Patient"
        );
    }
}
