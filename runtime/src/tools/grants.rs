//! Grants (tools.md §2, tools-details §C): the policy a call site carries,
//! checked before anything leaves the process. A key with no grant is
//! unrestricted. Each check returns the exact policy-violation message.

use serde_json::Value;

/// The default deadline of a call (tools.md §2).
pub const DEFAULT_TIMEOUT_MS: u64 = 60_000;
/// Retries of transient failures without a `max_retries` grant.
pub const DEFAULT_MAX_RETRIES: u32 = 2;

/// The grants in force at a call site (already merged by the compiler).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Grants {
    pub model: Option<String>,
    pub max_tokens: Option<i64>,
    pub temperature: Option<f64>,
    pub timeout_ms: Option<i64>,
    /// The allow-list of host patterns, in grant order; `None` = any host.
    pub domain: Option<Vec<String>>,
    pub max_retries: Option<i64>,
}

impl Grants {
    /// From the `grants` object of the site JSON.
    pub fn from_json(v: &Value) -> Result<Grants, String> {
        let obj = v.as_object().ok_or("grants are not an object")?;
        let int = |key: &str| match obj.get(key) {
            None => Ok(None),
            Some(n) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| format!("grant {key} is not an Int")),
        };
        let model = match obj.get("model") {
            None => None,
            Some(m) => Some(m.as_str().ok_or("grant model is not a String")?.to_string()),
        };
        let temperature = match obj.get("temperature") {
            None => None,
            Some(t) => Some(t.as_f64().ok_or("grant temperature is not a number")?),
        };
        let domain = match obj.get("domain") {
            None => None,
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .map(|d| d.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .ok_or("grant domain is not a list of strings")?,
            ),
            Some(Value::String(one)) => Some(vec![one.clone()]),
            Some(_) => return Err("grant domain is not a list of strings".into()),
        };
        Ok(Grants {
            model,
            max_tokens: int("max_tokens")?,
            temperature,
            timeout_ms: int("timeout_ms")?,
            domain,
            max_retries: int("max_retries")?,
        })
    }

    /// A call naming `model` (`None`: it names none) — §25.
    pub fn check_model(&self, alias: &str, model: Option<&str>) -> Result<(), String> {
        match (&self.model, model) {
            (Some(granted), Some(asked)) if granted != asked => Err(format!(
                "policy violation: {alias} may not use model {asked} (allowed: {granted})"
            )),
            _ => Ok(()),
        }
    }

    /// A call asking for `max_tokens`: the grant is an upper bound.
    pub fn check_max_tokens(&self, alias: &str, asked: Option<i64>) -> Result<(), String> {
        match (self.max_tokens, asked) {
            (Some(bound), Some(asked)) if asked > bound => Err(format!(
                "policy violation: {alias} may not ask for max_tokens {asked} (allowed: at most {bound})"
            )),
            _ => Ok(()),
        }
    }

    /// The call's deadline in ms: the call's `timeout_ms`, which may only
    /// lower the granted one (§8), else the grant's, else 60 s.
    pub fn timeout(&self, alias: &str, asked: Option<i64>) -> Result<u64, String> {
        match (self.timeout_ms, asked) {
            (Some(bound), Some(asked)) if asked > bound => Err(format!(
                "policy violation: {alias} may not ask for timeout_ms {asked} (allowed: at most {bound})"
            )),
            (_, Some(asked)) => Ok(asked.max(0) as u64),
            (Some(bound), None) => Ok(bound.max(0) as u64),
            (None, None) => Ok(DEFAULT_TIMEOUT_MS),
        }
    }

    /// Retries of transient failures (§42: N retries, N + 1 requests).
    pub fn max_retries(&self) -> u32 {
        self.max_retries
            .map_or(DEFAULT_MAX_RETRIES, |n| n.clamp(0, u32::MAX as i64) as u32)
    }

    /// Whether `host` may be reached (§23–24).
    pub fn check_host(&self, alias: &str, host: &str) -> Result<(), String> {
        let Some(patterns) = &self.domain else {
            return Ok(());
        };
        if patterns.iter().any(|p| host_matches(p, host)) {
            return Ok(());
        }
        Err(format!(
            "policy violation: {alias} may not access {} (allowed: {})",
            normalise_host(host),
            patterns.join(", ")
        ))
    }
}

/// A host as compared: lower case, without a trailing dot or IPv6
/// brackets.
pub fn normalise_host(host: &str) -> String {
    let h = host.trim_end_matches('.');
    let h = h
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(h);
    h.to_ascii_lowercase()
}

/// `host` equals `pattern`, or `pattern` is `*.suffix` and `host` has at
/// least one label before `.suffix` (§23).
pub fn host_matches(pattern: &str, host: &str) -> bool {
    let host = normalise_host(host);
    let pattern = normalise_host(pattern);
    match pattern.strip_prefix("*.") {
        Some(suffix) => host
            .strip_suffix(suffix)
            .and_then(|label| label.strip_suffix('.'))
            .is_some_and(|label| !label.is_empty()),
        None => host == pattern,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grants(json: &str) -> Grants {
        Grants::from_json(&serde_json::from_str(json).unwrap()).unwrap()
    }

    #[test]
    fn hosts_match_exactly_or_by_suffix() {
        assert!(host_matches("api.example.com", "API.Example.com."));
        assert!(!host_matches("api.example.com", "example.com"));
        assert!(host_matches("*.trusted.org", "api.trusted.org"));
        assert!(host_matches("*.trusted.org", "a.b.trusted.org"));
        assert!(!host_matches("*.trusted.org", "trusted.org"));
        assert!(!host_matches("*.trusted.org", "eviltrusted.org"));
        assert!(host_matches("127.0.0.1", "127.0.0.1"));
        assert!(host_matches("::1", "[::1]"));
    }

    #[test]
    fn domain_violation_names_the_host_and_the_patterns_in_order() {
        let g = grants(r#"{"domain": ["api.example.com", "*.trusted.org"]}"#);
        assert_eq!(g.check_host("Get", "x.trusted.org"), Ok(()));
        assert_eq!(
            g.check_host("Get", "evil.example"),
            Err("policy violation: Get may not access evil.example (allowed: api.example.com, *.trusted.org)".into())
        );
        assert_eq!(Grants::default().check_host("Get", "anything"), Ok(()));
    }

    #[test]
    fn model_tokens_and_timeout() {
        let g = grants(r#"{"model": "plain", "max_tokens": 100, "timeout_ms": 1500}"#);
        assert_eq!(g.check_model("Chat", Some("plain")), Ok(()));
        assert_eq!(g.check_model("Chat", None), Ok(()));
        assert_eq!(
            g.check_model("Chat", Some("gpt-4o")),
            Err("policy violation: Chat may not use model gpt-4o (allowed: plain)".into())
        );
        assert_eq!(g.check_max_tokens("Chat", Some(100)), Ok(()));
        assert_eq!(
            g.check_max_tokens("Chat", Some(5000)),
            Err(
                "policy violation: Chat may not ask for max_tokens 5000 (allowed: at most 100)"
                    .into()
            )
        );
        assert_eq!(g.timeout("Quick", None), Ok(1500));
        assert_eq!(g.timeout("Quick", Some(200)), Ok(200));
        assert_eq!(
            g.timeout("Quick", Some(5000)),
            Err(
                "policy violation: Quick may not ask for timeout_ms 5000 (allowed: at most 1500)"
                    .into()
            )
        );
        let open = Grants::default();
        assert_eq!(open.timeout("Quick", Some(90_000)), Ok(90_000));
        assert_eq!(open.timeout("Quick", None), Ok(DEFAULT_TIMEOUT_MS));
        assert_eq!(open.max_retries(), 2);
        assert_eq!(grants(r#"{"max_retries": 0}"#).max_retries(), 0);
    }
}
