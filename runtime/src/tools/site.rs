//! The call site: which tool a call uses, under which alias, and the grants
//! in force for it there, as the compiler fixed them (a static string of
//! compact JSON, docs/runtime-abi.md "Tools"):
//!
//! ```json
//! {"tool": "llm.chat", "alias": "Chat", "grants": {"model": "gpt-4o", "max_tokens": 512,
//!  "temperature": 0.2, "timeout_ms": 30000, "domain": ["api.example.com"], "max_retries": 2}}
//! ```
//!
//! The compiler has already merged the grants of every scope around the
//! call (tools-details §18), so the runtime only reads them.

use serde_json::Value;

use super::grants::Grants;

/// A call site's tool, alias and grants.
#[derive(Clone, Debug, PartialEq)]
pub struct Site {
    /// The tool id: `llm.chat`, `http.get`, `search.web`, `fetch`.
    pub tool: String,
    /// The alias as declared (`fetch` for fetch): named by policy messages.
    pub alias: String,
    pub grants: Grants,
}

impl Site {
    /// Reads the site JSON. The compiler writes it, so a malformed one is a
    /// compiler bug, reported as such by the caller.
    pub fn parse(text: &str) -> Result<Site, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("{e}: {text}"))?;
        let string = |key: &str| {
            v.get(key)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| format!("no \"{key}\" in {text}"))
        };
        let tool = string("tool")?;
        let alias = string("alias")?;
        let grants = match v.get("grants") {
            None | Some(Value::Null) => Grants::default(),
            Some(g) => Grants::from_json(g).map_err(|e| format!("{e} in {text}"))?,
        };
        Ok(Site {
            tool,
            alias,
            grants,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tool_alias_and_grants() {
        let site = Site::parse(
            r#"{"tool": "llm.chat", "alias": "Chat", "grants": {"model": "gpt-4o",
               "max_tokens": 512, "temperature": 0.2, "timeout_ms": 30000,
               "domain": ["api.example.com", "*.trusted.org"], "max_retries": 2}}"#,
        )
        .unwrap();
        assert_eq!(site.tool, "llm.chat");
        assert_eq!(site.alias, "Chat");
        assert_eq!(site.grants.model.as_deref(), Some("gpt-4o"));
        assert_eq!(site.grants.max_tokens, Some(512));
        assert_eq!(site.grants.temperature, Some(0.2));
        assert_eq!(site.grants.timeout_ms, Some(30000));
        assert_eq!(
            site.grants.domain,
            Some(vec![
                "api.example.com".to_string(),
                "*.trusted.org".to_string()
            ])
        );
        assert_eq!(site.grants.max_retries, Some(2));
        let bare = Site::parse(r#"{"tool": "fetch", "alias": "fetch", "grants": {}}"#).unwrap();
        assert_eq!(bare.grants, Grants::default());
        assert!(Site::parse(r#"{"alias": "x"}"#).is_err());
        assert!(
            Site::parse(r#"{"tool": "t", "alias": "x", "grants": {"max_tokens": "many"}}"#)
                .is_err()
        );
    }
}
