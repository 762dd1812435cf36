//! `lumen.toml` (tools.md §4, tools-details §40): where it is, and what it
//! says about providers.
//!
//! The file is the one `LUMEN_CONFIG` names (a missing one is an error,
//! not a fall-through), else the first `lumen.toml` walking up from the
//! working directory, else `~/.config/lumen/lumen.toml`; no file is an
//! empty configuration. It is read lazily, at the first tool call, and
//! kept for the rest of the run. Unknown keys are ignored.
//!
//! ```toml
//! [providers]
//! "llm.chat" = "openai-compatible"      # or llm.chat = "…" (a nested table)
//! [providers.config.openai-compatible]
//! base_url = "https://api.openai.com/v1"
//! api_key_env = "OPENAI_API_KEY"
//! default_model = "gpt-4o-mini"
//! [http]
//! base_url = "https://api.example.com"
//! ```

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use toml::{Table, Value};

/// What `[providers.config.KIND]` says.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProviderConfig {
    /// Without a trailing `/`.
    pub base_url: Option<String>,
    /// The variable holding the API key (never the key itself).
    pub api_key_env: Option<String>,
    pub default_model: Option<String>,
}

/// The parsed configuration.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// The file it came from (`None`: no file was found).
    pub path: Option<PathBuf>,
    /// Tool id → provider kind.
    pub providers: BTreeMap<String, String>,
    /// Provider kind → its settings.
    pub kinds: BTreeMap<String, ProviderConfig>,
    /// `[http] base_url`, without a trailing `/`.
    pub http_base_url: Option<String>,
}

impl Config {
    /// The provider kind configured for `tool`.
    pub fn provider(&self, tool: &str) -> Option<&str> {
        self.providers.get(tool).map(String::as_str)
    }

    /// The settings of provider kind `kind` (empty when absent).
    pub fn kind(&self, kind: &str) -> ProviderConfig {
        self.kinds.get(kind).cloned().unwrap_or_default()
    }

    /// The file's path for messages.
    pub fn path_text(&self) -> String {
        self.path
            .as_ref()
            .map_or_else(|| "lumen.toml".to_string(), |p| p.display().to_string())
    }

    /// Parses the text of `path`. Errors name the file and line.
    pub fn parse(text: &str, path: &Path) -> Result<Config, String> {
        let table: Table = text.parse().map_err(|e: toml::de::Error| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            let what = e.message().trim().to_string();
            match line {
                Some(line) => format!(
                    "cannot parse {} at line {line}: {what}; fix the file",
                    path.display()
                ),
                None => format!("cannot parse {}: {what}; fix the file", path.display()),
            }
        })?;
        let mut config = Config {
            path: Some(path.to_path_buf()),
            ..Config::default()
        };
        if let Some(Value::Table(providers)) = table.get("providers") {
            for (key, value) in providers {
                match (key.as_str(), value) {
                    ("config", Value::Table(kinds)) => {
                        for (kind, settings) in kinds {
                            if let Value::Table(settings) = settings {
                                config.kinds.insert(kind.clone(), provider_config(settings));
                            }
                        }
                    }
                    _ => collect_providers(key, value, &mut config.providers),
                }
            }
        }
        if let Some(Value::Table(http)) = table.get("http") {
            config.http_base_url = string(http, "base_url").map(|u| trim_slash(&u));
        }
        Ok(config)
    }
}

/// `"llm.chat" = "kind"` and `llm.chat = "kind"` (a nested table `llm` with
/// `chat`) both map the tool id `llm.chat`.
fn collect_providers(prefix: &str, value: &Value, out: &mut BTreeMap<String, String>) {
    match value {
        Value::String(kind) => {
            out.insert(prefix.to_string(), kind.clone());
        }
        Value::Table(t) => {
            for (k, v) in t {
                collect_providers(&format!("{prefix}.{k}"), v, out);
            }
        }
        _ => {}
    }
}

fn string(t: &Table, key: &str) -> Option<String> {
    t.get(key).and_then(Value::as_str).map(str::to_string)
}

fn trim_slash(url: &str) -> String {
    url.trim_end_matches('/').to_string()
}

fn provider_config(t: &Table) -> ProviderConfig {
    ProviderConfig {
        base_url: string(t, "base_url").map(|u| trim_slash(&u)),
        api_key_env: string(t, "api_key_env"),
        default_model: string(t, "default_model"),
    }
}

/// Where the configuration is: `LUMEN_CONFIG` (which must exist), else the
/// first `lumen.toml` from `cwd` upwards, else `home/.config/lumen/lumen.toml`.
pub fn find(
    lumen_config: Option<OsString>,
    cwd: Option<&Path>,
    home: Option<&Path>,
) -> Result<Option<PathBuf>, String> {
    if let Some(named) = lumen_config.filter(|v| !v.is_empty()) {
        let path = PathBuf::from(named);
        if !path.is_file() {
            return Err(format!(
                "LUMEN_CONFIG names {}, which does not exist; fix the variable or create the file",
                path.display()
            ));
        }
        return Ok(Some(path));
    }
    if let Some(cwd) = cwd {
        for dir in cwd.ancestors() {
            let candidate = dir.join("lumen.toml");
            if candidate.is_file() {
                return Ok(Some(candidate));
            }
        }
    }
    if let Some(home) = home {
        let candidate = home.join(".config/lumen/lumen.toml");
        if candidate.is_file() {
            return Ok(Some(candidate));
        }
    }
    Ok(None)
}

/// Finds and reads the configuration of this process.
fn load_from_environment() -> Result<Config, String> {
    let cwd = std::env::current_dir().ok();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    match find(
        std::env::var_os("LUMEN_CONFIG"),
        cwd.as_deref(),
        home.as_deref(),
    )? {
        None => Ok(Config::default()),
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            Config::parse(&text, &path)
        }
    }
}

/// The configuration, read at the first call and kept (an error too: the
/// file does not change under a running program).
pub fn get() -> Result<&'static Config, String> {
    static CONFIG: OnceLock<Result<Config, String>> = OnceLock::new();
    CONFIG
        .get_or_init(load_from_environment)
        .as_ref()
        .map_err(Clone::clone)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lumen_config_{}_{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn both_spellings_of_the_providers_key_and_provider_settings() {
        let text = r#"
[providers]
"llm.chat" = "openai-compatible"
search.web = "json-http"

[providers.config.openai-compatible]
base_url = "https://api.openai.com/v1/"
api_key_env = "OPENAI_API_KEY"
default_model = "gpt-4o-mini"
unknown = 3

[http]
base_url = "https://api.example.com/"
"#;
        let c = Config::parse(text, Path::new("/p/lumen.toml")).unwrap();
        assert_eq!(c.provider("llm.chat"), Some("openai-compatible"));
        assert_eq!(c.provider("search.web"), Some("json-http"));
        assert_eq!(c.provider("http.get"), None);
        let oa = c.kind("openai-compatible");
        assert_eq!(oa.base_url.as_deref(), Some("https://api.openai.com/v1"));
        assert_eq!(oa.api_key_env.as_deref(), Some("OPENAI_API_KEY"));
        assert_eq!(oa.default_model.as_deref(), Some("gpt-4o-mini"));
        assert_eq!(c.http_base_url.as_deref(), Some("https://api.example.com"));
        assert_eq!(c.kind("json-http"), ProviderConfig::default());
        let nested = Config::parse("[providers]\nllm.chat = \"x\"\n", Path::new("l")).unwrap();
        assert_eq!(nested.provider("llm.chat"), Some("x"));
    }

    #[test]
    fn parse_errors_name_the_file_and_line() {
        let e = Config::parse("[providers]\n\"llm.chat\" = \n", Path::new("/p/lumen.toml"))
            .unwrap_err();
        assert!(
            e.starts_with("cannot parse /p/lumen.toml at line 2: "),
            "{e}"
        );
    }

    #[test]
    fn lookup_order() {
        let root = scratch("lookup");
        let deep = root.join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        let home = root.join("home");
        std::fs::create_dir_all(home.join(".config/lumen")).unwrap();
        // Nothing anywhere.
        assert_eq!(find(None, Some(&deep), Some(&home)), Ok(None));
        // The home file.
        let home_file = home.join(".config/lumen/lumen.toml");
        std::fs::write(&home_file, "").unwrap();
        assert_eq!(
            find(None, Some(&deep), Some(&home)),
            Ok(Some(home_file.clone()))
        );
        // A file above the working directory wins over home.
        let up = root.join("a/lumen.toml");
        std::fs::write(&up, "").unwrap();
        assert_eq!(find(None, Some(&deep), Some(&home)), Ok(Some(up.clone())));
        // LUMEN_CONFIG wins, and a missing file is an error.
        let named = root.join("named.toml");
        std::fs::write(&named, "").unwrap();
        assert_eq!(
            find(Some(named.clone().into()), Some(&deep), Some(&home)),
            Ok(Some(named))
        );
        let missing = root.join("missing.toml");
        let e = find(Some(missing.into()), Some(&deep), Some(&home)).unwrap_err();
        assert!(e.starts_with("LUMEN_CONFIG names "), "{e}");
        let _ = std::fs::remove_dir_all(&root);
    }
}
