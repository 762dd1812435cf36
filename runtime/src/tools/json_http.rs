//! The `json-http` provider for tools with other ids (tools-details §3):
//! `POST {base_url}/{tool id}` with the named arguments as a JSON object
//! (`timeout_ms` left out, §8); the reply body is the result (`Json`
//! without other context).

use crate::json_decode::Hook;
use serde_json::Value;

use crate::objects::Slot;
use crate::typedesc::Ty;

use super::args::Args;
use super::call::{json_post, Answer, Prepared};
use super::config;
use super::failures::Context;
use super::reply;
use super::retry::Outcome;
use super::site::Site;

pub const KIND: &str = "json-http";

/// Prepares a call of an "other" tool.
pub fn prepare(site: &Site, args: &Args) -> Result<(Prepared, Context), String> {
    let tool = site.tool.as_str();
    let alias = site.alias.as_str();
    let g = &site.grants;
    let timeout_ms = g.timeout(alias, args.int("timeout_ms"))?;
    let mut object = args.0.clone();
    object.remove("timeout_ms");
    let body = Value::Object(object);
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
            "{tool}: no base_url in [providers.config.{KIND}] of {}; add the service's URL",
            cfg.path_text()
        )
    })?;
    let url = format!("{base}/{tool}");
    Ok(json_post(
        site,
        KIND,
        &cfg,
        &pc,
        base,
        url,
        body,
        timeout_ms,
        move |ctx, outcome| match outcome {
            Outcome::Reply { reply, .. } if reply.is_success() => Ok(Answer::Text {
                text: reply.body,
                cut: false,
            }),
            Outcome::Reply { reply, attempts } => Err(ctx.status(&reply, attempts)),
            Outcome::Failed { error, attempts } => Err(ctx.transport(&error, attempts)),
            Outcome::TimedOut => Err(ctx.timed_out(timeout_ms)),
            Outcome::Abandoned => Err(format!("{}: cancelled", ctx.tool)),
        },
    ))
}

/// The reply body as a value of `expected` (owned).
///
/// # Safety
/// `expected` must be a valid descriptor.
pub unsafe fn finish(
    ctx: &Context,
    answer: Answer,
    expected: Ty,
    hooks: &[Hook],
) -> Result<Slot, String> {
    let Answer::Text { text, .. } = answer else {
        return Err(ctx.malformed("expected a JSON body"));
    };
    // SAFETY: caller's contract.
    unsafe { reply::from_text(&text, expected, hooks, false) }.map_err(|m| {
        format!(
            "{}: {} ({}); check what the service at {} returns",
            ctx.tool,
            m.describe(expected),
            ctx.provider,
            ctx.url
        )
    })
}
