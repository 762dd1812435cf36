//! The `http` provider (`http.get`, `http.post`, `http.put`,
//! `http.delete`) and the builtin `fetch(url)` (tools.md §4,
//! tools-details §16, §21–22, §47–54): a request with the given URL,
//! headers and body; the answer is the response whatever its status. The
//! context then decides: `HttpResponse` takes it as it is, `String` and
//! other types want a 2xx status (`http.get: HTTP 404 Not Found: GET url`).

use crate::json_decode::Hook;
use serde_json::{json, Map, Value};

use crate::objects::Slot;
use crate::typedesc::Ty;

use super::args::Args;
use super::call::{Answer, Prepared};
use super::config;
use super::failures::Context;
use super::reply;
use super::retry::Outcome;
use super::site::Site;
use super::transport::{host_of, status_text, HttpRequest};

/// The method of an `http.*` tool id, or of `fetch`.
pub fn method_of(tool: &str) -> Option<&'static str> {
    Some(match tool {
        "http.get" | "fetch" => "GET",
        "http.post" => "POST",
        "http.put" => "PUT",
        "http.delete" => "DELETE",
        _ => return None,
    })
}

/// `url` made absolute (§51): a URL without a scheme is joined to `[http]
/// base_url` by concatenation with one `/` between.
pub fn resolve(
    tool: &str,
    url: &str,
    base: impl FnOnce() -> Result<Option<String>, String>,
) -> Result<String, String> {
    if url.contains("://") {
        return Ok(url.to_string());
    }
    if url.starts_with("//") {
        return Err(format!(
            "{tool}: URL {url} has no scheme; write http:// or https://"
        ));
    }
    match base()? {
        Some(base) => Ok(format!(
            "{}/{}",
            base.trim_end_matches('/'),
            url.trim_start_matches('/')
        )),
        None => Err(format!(
            "{tool}: relative URL {url} needs [http] base_url in lumen.toml"
        )),
    }
}

/// Prepares an `http.*` call, or `fetch` of `fetch_url`.
pub fn prepare(
    site: &Site,
    args: &Args,
    fetch_url: Option<&str>,
) -> Result<(Prepared, Context), String> {
    let tool = site.tool.as_str();
    let alias = site.alias.as_str();
    let method = method_of(tool).ok_or_else(|| {
        format!("{tool}: unknown tool; the http tools are http.get, http.post, http.put and http.delete")
    })?;
    let g = &site.grants;
    let timeout_ms = g.timeout(alias, args.int("timeout_ms"))?;
    let given = fetch_url
        .or_else(|| args.str("url"))
        .ok_or_else(|| format!("{tool}: no url given; call {alias}(url: …)"))?;
    let url = resolve(tool, given, || {
        config::get()
            .map(|c| c.http_base_url.clone())
            .map_err(|e| format!("{tool}: {e}"))
    })?;
    let host = host_of(&url).map_err(|e| format!("{tool}: {e}"))?;
    g.check_host(alias, &host)?;
    let headers: Vec<(String, String)> = match args.get("headers") {
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect(),
        _ => Vec::new(),
    };
    let body = args.str("body").map(str::to_string);
    let fetch = fetch_url.is_some();
    let recorded_request = if fetch {
        Value::String(url.clone())
    } else {
        let h: Map<String, Value> = headers
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        json!({"method": method, "url": url, "headers": h, "body": body})
    };
    let ctx = Context {
        tool: tool.to_string(),
        alias: alias.to_string(),
        provider: if fetch { "fetch" } else { "http" }.to_string(),
        method: method.to_string(),
        url: url.clone(),
        connect_hint: "check the URL or [http] base_url".into(),
        server: url.clone(),
        key_env: None,
    };
    let grants = g.clone();
    let hop_alias = alias.to_string();
    let interpret_ctx = ctx.clone();
    let prepared = Prepared {
        tool: tool.to_string(),
        recorded_request,
        request: HttpRequest {
            method: method.to_string(),
            url,
            headers,
            body,
        },
        key_env: None,
        timeout_ms,
        max_retries: g.max_retries(),
        allow_host: Box::new(move |host| grants.check_host(&hop_alias, host)),
        http: true,
        interpret: Box::new(move |outcome| match outcome {
            Outcome::Reply { reply, .. } => Ok(Answer::Http(reply)),
            Outcome::Failed { error, attempts } => Err(interpret_ctx.transport(&error, attempts)),
            Outcome::TimedOut => Err(interpret_ctx.timed_out(timeout_ms)),
            Outcome::Abandoned => Err(format!("{}: cancelled", interpret_ctx.tool)),
        }),
    };
    Ok((prepared, ctx))
}

/// `http.get: HTTP 404 Not Found: GET url`.
fn status_failure(ctx: &Context, status: u16) -> String {
    format!(
        "{}: HTTP {}: {} {}",
        ctx.tool,
        status_text(status),
        ctx.method,
        ctx.url
    )
}

/// The response as a value of `expected` (owned), §16.
///
/// # Safety
/// `expected` must be a valid descriptor.
pub unsafe fn finish(
    ctx: &Context,
    answer: Answer,
    expected: Ty,
    hooks: &[Hook],
) -> Result<Slot, String> {
    let Answer::Http(response) = answer else {
        return Err(format!("{}: expected an HTTP response", ctx.tool));
    };
    if reply::is_http_response(expected) {
        // SAFETY: caller's contract.
        return Ok(unsafe { reply::http_response(&response, expected) });
    }
    if !response.is_success() {
        return Err(status_failure(ctx, response.status));
    }
    // SAFETY: caller's contract.
    unsafe { reply::from_text(&response.body, expected, hooks, false) }.map_err(|m| {
        format!(
            "{}: {} ({}); check what {} {} returns",
            ctx.tool,
            m.describe(expected),
            ctx.provider,
            ctx.method,
            ctx.url
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls_join_the_base_by_concatenation() {
        let base = || Ok(Some("https://api.example.com/v1".to_string()));
        assert_eq!(
            resolve("http.get", "/users", base),
            Ok("https://api.example.com/v1/users".into())
        );
        assert_eq!(
            resolve("http.get", "users", base),
            Ok("https://api.example.com/v1/users".into())
        );
        assert_eq!(
            resolve("http.get", "http://x/y", || unreachable!()),
            Ok("http://x/y".into())
        );
        assert_eq!(
            resolve("http.get", "/x", || Ok(None)),
            Err("http.get: relative URL /x needs [http] base_url in lumen.toml".into())
        );
        assert!(resolve("http.get", "//host/x", base).is_err());
        assert_eq!(method_of("http.delete"), Some("DELETE"));
        assert_eq!(method_of("http.patch"), None);
    }
}
