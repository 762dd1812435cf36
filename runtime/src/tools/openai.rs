//! The `openai-compatible` provider for `llm.chat` (tools.md §4,
//! tools-details §D–E): `POST {base_url}/chat/completions` with the body
//! `{"model", "messages", "max_tokens"?, "temperature"?, "response_format"?}`
//! in that order and nothing else; the reply text is
//! `choices[0].message.content`, exactly.

use crate::json_decode::Hook;
use serde_json::{Map, Value};

use crate::objects::Slot;
use crate::typedesc::Ty;

use super::args::{Args, Message};
use super::call::{json_post, Answer, Prepared};
use super::config;
use super::failures::Context;
use super::reply::{self, quote};
use super::retry::Outcome;
use super::schema;
use super::site::Site;

pub const KIND: &str = "openai-compatible";

/// The messages a call sends (§3, §33, §32): `system:` first, then the
/// cell's conversation, then `messages:`, then the prompt unless the list
/// already ends with a user message of exactly that text.
pub fn assemble(
    system: Option<&str>,
    conversation: &[Message],
    messages: &[Message],
    prompt: Option<&str>,
) -> Vec<Message> {
    let mut all = Vec::new();
    if let Some(s) = system {
        all.push(Message::new("system", s));
    }
    all.extend_from_slice(conversation);
    all.extend_from_slice(messages);
    if let Some(p) = prompt {
        let repeated = all
            .last()
            .is_some_and(|m| m.role == "user" && m.content == p);
        if !repeated {
            all.push(Message::new("user", p));
        }
    }
    all
}

/// Every message has a role the API knows (§36).
pub fn check_roles(tool: &str, messages: &[Message]) -> Result<(), String> {
    for (i, m) in messages.iter().enumerate() {
        if !matches!(m.role.as_str(), "system" | "user" | "assistant") {
            return Err(format!(
                "{tool}: message {} has role \"{}\"; use system, user or assistant",
                i + 1,
                m.role
            ));
        }
    }
    Ok(())
}

/// The request body (§37).
pub fn body(
    model: &str,
    messages: &[Message],
    max_tokens: Option<i64>,
    temperature: Option<f64>,
    response_format: Option<Value>,
) -> Value {
    let mut b = Map::new();
    b.insert("model".into(), Value::String(model.to_string()));
    let msgs: Vec<Value> = messages
        .iter()
        .map(|m| serde_json::json!({"role": m.role, "content": m.content}))
        .collect();
    b.insert("messages".into(), Value::Array(msgs));
    if let Some(n) = max_tokens {
        b.insert("max_tokens".into(), Value::from(n));
    }
    if let Some(t) = temperature {
        b.insert("temperature".into(), Value::from(t));
    }
    if let Some(f) = response_format {
        b.insert("response_format".into(), f);
    }
    Value::Object(b)
}

/// The reply text of a chat completion, or what is wrong with it (§39).
pub fn completion_text(body: &str) -> Result<(String, bool), String> {
    let not_completion = || format!("expected a chat completion, got: {}", quote(body));
    let v: Value = serde_json::from_str(body).map_err(|_| not_completion())?;
    let choice = v
        .get("choices")
        .and_then(|c| c.get(0))
        .ok_or_else(not_completion)?;
    let message = choice.get("message").ok_or_else(not_completion)?;
    let cut = choice.get("finish_reason").and_then(Value::as_str) == Some("length");
    match message.get("content") {
        Some(Value::String(text)) => Ok((text.clone(), cut)),
        Some(Value::Null) | None => Err(match message.get("refusal").and_then(Value::as_str) {
            Some(refusal) => format!("the reply has no content; refusal: {}", quote(refusal)),
            None => "the reply has no content (a tool call or a refusal)".to_string(),
        }),
        Some(_) => Err(not_completion()),
    }
}

/// Prepares an `llm.chat` call: grants, messages, configuration, body.
pub fn prepare(
    site: &Site,
    args: &Args,
    conversation: &[Message],
    expected: Ty,
) -> Result<(Prepared, Context), String> {
    let tool = site.tool.as_str();
    let alias = site.alias.as_str();
    if tool != "llm.chat" {
        return Err(format!("{tool}: unknown tool; the llm tool is llm.chat"));
    }
    let g = &site.grants;
    g.check_model(alias, args.str("model"))?;
    g.check_max_tokens(alias, args.int("max_tokens"))?;
    let timeout_ms = g.timeout(alias, args.int("timeout_ms"))?;
    let messages: Vec<Message> = match args.get("messages") {
        Some(Value::Array(items)) => items.iter().map(Message::from_json).collect(),
        _ => Vec::new(),
    };
    let all = assemble(
        args.str("system"),
        conversation,
        &messages,
        args.str("prompt"),
    );
    if all.is_empty() {
        return Err(format!(
            "{tool}: nothing to send; give prompt:, messages: or a role block"
        ));
    }
    check_roles(tool, &all)?;

    let cfg = config::get().map_err(|e| format!("{tool}: {e}"))?;
    match cfg.provider(tool) {
        Some(KIND) => {}
        Some(other) => {
            return Err(format!(
                "{tool}: unknown provider \"{other}\" in {}; use \"{KIND}\"",
                cfg.path_text()
            ))
        }
        None => {
            return Err(format!(
            "{tool}: no provider configured; add [providers] \"{tool}\" = \"{KIND}\" to lumen.toml"
        ))
        }
    }
    let pc = cfg.kind(KIND);
    let base = pc.base_url.clone().ok_or_else(|| {
        format!(
            "{tool}: no base_url in [providers.config.{KIND}] of {}; add the server's URL (e.g. https://api.openai.com/v1)",
            cfg.path_text()
        )
    })?;
    let model = args
        .str("model")
        .map(str::to_string)
        .or_else(|| g.model.clone())
        .or_else(|| pc.default_model.clone())
        .ok_or_else(|| {
            format!(
                "{tool}: no model; add default_model to [providers.config.{KIND}] or grant {alias} model \"…\""
            )
        })?;
    let max_tokens = args.int("max_tokens").or(g.max_tokens);
    let temperature = args.float("temperature").or(g.temperature);
    let body = body(
        &model,
        &all,
        max_tokens,
        temperature,
        schema::response_format(expected),
    );
    let url = format!("{base}/chat/completions");
    Ok(json_post(
        site,
        KIND,
        &cfg,
        &pc,
        base,
        url,
        body,
        timeout_ms,
        move |ctx, outcome| interpret(ctx, timeout_ms, outcome),
    ))
}

/// What the exchange means (runs on the worker thread).
fn interpret(ctx: &Context, timeout_ms: u64, outcome: Outcome) -> Result<Answer, String> {
    match outcome {
        Outcome::Reply { reply, .. } if reply.is_success() => completion_text(&reply.body)
            .map(|(text, cut)| Answer::Text { text, cut })
            .map_err(|what| ctx.malformed(&what)),
        Outcome::Reply { reply, attempts } => Err(ctx.status(&reply, attempts)),
        Outcome::Failed { error, attempts } => Err(ctx.transport(&error, attempts)),
        Outcome::TimedOut => Err(ctx.timed_out(timeout_ms)),
        Outcome::Abandoned => Err(format!("{}: cancelled", ctx.tool)),
    }
}

/// The answer as a value of `expected` (owned).
///
/// # Safety
/// `expected` must be a valid descriptor.
pub unsafe fn finish(
    ctx: &Context,
    answer: Answer,
    expected: Ty,
    hooks: &[Hook],
) -> Result<Slot, String> {
    let Answer::Text { text, cut } = answer else {
        return Err(ctx.malformed("expected a chat completion"));
    };
    // SAFETY: caller's contract.
    unsafe { reply::from_text(&text, expected, hooks, schema::is_wrapped(expected)) }.map_err(|m| {
        format!(
            "{}: {} ({}); the model did not follow the schema: check that it supports structured output{}",
            ctx.tool,
            m.describe(expected),
            ctx.provider,
            if cut { "; the reply was cut at max_tokens" } else { "" }
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_is_not_repeated_after_the_same_user_message() {
        let conv = [
            Message::new("system", "Be brief."),
            Message::new("user", "Why?"),
        ];
        let all = assemble(None, &conv, &[], Some("Why?"));
        assert_eq!(all.len(), 2);
        let all = assemble(
            Some("S"),
            &conv,
            &[Message::new("assistant", "A")],
            Some("Why?"),
        );
        let roles: Vec<&str> = all.iter().map(|m| m.role.as_str()).collect();
        assert_eq!(roles, ["system", "system", "user", "assistant", "user"]);
        assert!(assemble(None, &[], &[], None).is_empty());
        assert_eq!(
            check_roles(
                "llm.chat",
                &[Message::new("user", "a"), Message::new("bot", "b")]
            ),
            Err("llm.chat: message 2 has role \"bot\"; use system, user or assistant".into())
        );
    }

    #[test]
    fn the_body_has_its_keys_in_order() {
        let b = body("m", &[Message::new("user", "hi")], Some(5), Some(0.2), None);
        assert_eq!(
            b.to_string(),
            r#"{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":5,"temperature":0.2}"#
        );
        let b = body(
            "m",
            &[],
            None,
            None,
            Some(serde_json::json!({"type": "json_object"})),
        );
        assert_eq!(
            b.to_string(),
            r#"{"model":"m","messages":[],"response_format":{"type":"json_object"}}"#
        );
    }

    #[test]
    fn completion_replies() {
        let ok = r#"{"choices": [{"message": {"role": "assistant", "content": " hi \n"}, "finish_reason": "stop"}]}"#;
        assert_eq!(completion_text(ok), Ok((" hi \n".into(), false)));
        let cut = r#"{"choices": [{"message": {"content": "{\"a\""}, "finish_reason": "length"}]}"#;
        assert_eq!(completion_text(cut), Ok(("{\"a\"".into(), true)));
        assert_eq!(
            completion_text("this is not json"),
            Err("expected a chat completion, got: this is not json".into())
        );
        let refused = r#"{"choices": [{"message": {"content": null, "refusal": "no"}}]}"#;
        assert_eq!(
            completion_text(refused),
            Err("the reply has no content; refusal: no".into())
        );
    }
}
