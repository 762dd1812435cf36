//! The tools a program may declare, as data: the built-in tool ids, the
//! grant keys, what kind of tool an id names and the arguments a built-in
//! tool takes, and the shapes of declared aliases and scopes. The bottom
//! of the tool checkers (`tools`, `grants`, `tool_calls`, `agents`).

use std::collections::HashMap;

use lumen_diagnostics::Span;

/// The built-in tools of the reserved namespaces (tools-details §2).
pub(crate) const KNOWN_TOOLS: &[&str] = &[
    "llm.chat",
    "http.get",
    "http.post",
    "http.put",
    "http.delete",
];

/// Every grant key, in the order the site JSON lists them.
pub(super) const GRANT_KEYS: &[&str] = &[
    "model",
    "max_tokens",
    "temperature",
    "timeout_ms",
    "domain",
    "max_retries",
];

/// What a tool id names, which decides its arguments, grants and default
/// result type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ToolKind {
    /// `llm.chat`.
    Llm,
    /// `http.get`, `http.post`, `http.put`, `http.delete`.
    Http,
    /// Any id outside the reserved namespaces, sent as a JSON object.
    Other,
    /// The builtin `fetch` (a grant target without `use tool`).
    Fetch,
}

impl ToolKind {
    pub(super) fn of(id: &str) -> ToolKind {
        if id.starts_with("llm.") {
            ToolKind::Llm
        } else if id.starts_with("http.") {
            ToolKind::Http
        } else {
            ToolKind::Other
        }
    }

    /// The grant keys that apply to tools of this kind (tools.md §2).
    pub(crate) fn grant_keys(self) -> &'static [&'static str] {
        match self {
            ToolKind::Llm => &[
                "model",
                "max_tokens",
                "temperature",
                "timeout_ms",
                "max_retries",
            ],
            ToolKind::Http | ToolKind::Fetch => &["timeout_ms", "domain", "max_retries"],
            ToolKind::Other => &["timeout_ms", "max_retries"],
        }
    }
}

/// A declared tool alias.
#[derive(Clone, Debug)]
pub(crate) struct ToolAlias {
    pub name: String,
    /// The tool id, `llm.chat`.
    pub id: String,
    pub kind: ToolKind,
    pub span: Span,
    /// Declared in a cell.
    pub in_cell: bool,
    /// Declared in an agent or orchestration (neither: at the top of its
    /// module).
    pub in_agent: bool,
    /// The module it is declared in.
    pub module: usize,
}

/// Where an alias is declared: the scope it belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum AliasLevel {
    File,
    Agent,
    Cell,
}

/// The aliases and grants of one scope.
#[derive(Clone, Default)]
pub(crate) struct ToolScope {
    pub(super) aliases: HashMap<String, ToolAlias>,
    /// Checked grant pairs in source order: (target, key, value).
    pub(super) grants: Vec<(String, String, GrantValue)>,
}

/// A grant value, after constants are resolved (tools-details §5).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum GrantValue {
    Str(String),
    Int(i64),
    Float(f64),
}

/// The type of a built-in tool's argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArgType {
    Str,
    Int,
    Float,
    /// `list[Message]`.
    Messages,
    /// `map[String, String]`.
    Headers,
}

const LLM_PARAMS: &[(&str, ArgType)] = &[
    ("prompt", ArgType::Str),
    ("messages", ArgType::Messages),
    ("model", ArgType::Str),
    ("max_tokens", ArgType::Int),
    ("temperature", ArgType::Float),
    ("system", ArgType::Str),
    ("timeout_ms", ArgType::Int),
];

const HTTP_PARAMS: &[(&str, ArgType)] = &[
    ("url", ArgType::Str),
    ("headers", ArgType::Headers),
    ("body", ArgType::Str),
    ("timeout_ms", ArgType::Int),
];

/// The parameters of a built-in tool (every one optional but `url`), with
/// the `timeout_ms` every call may give (tools-details §8); `None` for
/// other tools, which take any named arguments.
pub(crate) fn tool_params(kind: ToolKind) -> Option<&'static [(&'static str, ArgType)]> {
    match kind {
        ToolKind::Llm => Some(LLM_PARAMS),
        ToolKind::Http => Some(HTTP_PARAMS),
        ToolKind::Other | ToolKind::Fetch => None,
    }
}
