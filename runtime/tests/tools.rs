//! Tool calls end to end: `tests/c/tool_call.c` (standing in for generated
//! code) linked against the runtime calls `lm_tool_call` / `lm_fetch`
//! against the mock server `tools/mock_server/mock_server.py`, started per
//! test on 127.0.0.1 with a script of responses; the mock's request log
//! shows what arrived (or that nothing did).
//!
//! Host only: the runtime's tool code is target-independent Rust, and the
//! aarch64 build of it is checked by `tools/test-all`'s cross build.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const NATIVE_LIBS: &[&str] = &[
    "-lgcc_s",
    "-lutil",
    "-lrt",
    "-lpthread",
    "-lm",
    "-ldl",
    "-lc",
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lumen_tools_{}_{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The driver program, built once per test run.
fn program() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let profile = std::env::current_exe()
            .unwrap()
            .ancestors()
            .nth(2)
            .unwrap()
            .to_path_buf();
        let archive = profile.join("liblumen_rt.a");
        let dir = scratch("program");
        let exe = dir.join("tool_call");
        let c = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c");
        let out = Command::new("cc")
            .arg("-O0")
            .arg("-I")
            .arg(&c)
            .arg(c.join("tool_call.c"))
            .arg(&archive)
            .args(NATIVE_LIBS)
            .args(["-Wl,--gc-sections", "-Wl,-z,text", "-o"])
            .arg(&exe)
            .output()
            .expect("running cc");
        assert!(
            out.status.success(),
            "linking tool_call.c failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        exe
    })
}

/// A running mock server.
struct Mock {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Mock {
    fn start(dir: &Path, script: Value) -> Mock {
        Mock::start_with(dir, script, false)
    }

    fn start_with(dir: &Path, script: Value, tls: bool) -> Mock {
        let script_path = dir.join("script.json");
        std::fs::write(&script_path, script.to_string()).unwrap();
        let log = dir.join("requests.jsonl");
        let server = repo().join("tools/mock_server");
        let mut cmd = Command::new("python3");
        cmd.arg(server.join("mock_server.py"))
            .arg("--script")
            .arg(&script_path)
            .arg("--log")
            .arg(&log)
            .args(["--max-seconds", "60"]);
        if tls {
            cmd.arg("--tls-cert")
                .arg(server.join("certs/server.pem"))
                .arg("--tls-key")
                .arg(server.join("certs/server-key.pem"));
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs the mock server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("the mock prints its port");
        Mock { child, port, log }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The requests received so far.
    fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

struct Run {
    stdout: String,
    stderr: String,
    status: i32,
    elapsed: Duration,
}

/// Runs the driver in `dir` (with `dir/lumen.toml`) with `env`.
fn run(dir: &Path, env: &[(&str, String)]) -> Run {
    let mut cmd = Command::new(program());
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("LUMEN_CONFIG", dir.join("lumen.toml"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let out = cmd.output().expect("running the driver");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        status: out.status.code().unwrap_or(-1),
        elapsed: start.elapsed(),
    }
}

fn config(dir: &Path, text: &str) {
    std::fs::write(dir.join("lumen.toml"), text).unwrap();
}

/// A lumen.toml pointing `llm.chat` at the mock.
fn llm_config(dir: &Path, mock: &Mock, extra: &str) {
    config(
        dir,
        &format!(
            "[providers]\n\"llm.chat\" = \"openai-compatible\"\n\n[providers.config.openai-compatible]\nbase_url = \"{}/v1/\"\ndefault_model = \"mock-model\"\n{extra}\n",
            mock.base()
        ),
    );
}

fn site(tool: &str, alias: &str, grants: Value) -> String {
    json!({"tool": tool, "alias": alias, "grants": grants}).to_string()
}

fn env(pairs: &[(&str, &str)]) -> Vec<(&'static str, String)> {
    pairs
        .iter()
        .map(|(k, v)| (&*Box::leak(k.to_string().into_boxed_str()), v.to_string()))
        .collect()
}

/// The report of a failure at the driver's call site.
fn report(message: &str) -> String {
    format!("error: {message}\n  --> app.lm:3:5\n   = in cell main\n")
}

#[test]
fn chat_sends_the_conversation_and_prints_the_reply() {
    let dir = scratch("chat");
    let mock = Mock::start(
        &dir,
        json!({"responses": [{"content": "Hello from the mock"}]}),
    );
    llm_config(&dir, &mock, "");
    let r = run(
        &dir,
        &env(&[
            (
                "TOOL_SITE",
                &site("llm.chat", "Chat", json!({"temperature": 0.2})),
            ),
            ("ARG_prompt", "Why?"),
            ("ARG_max_tokens", "50"),
            ("CONVERSATION", "system:Be brief.|user:Why?"),
        ]),
    );
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str(), r.status),
        ("Hello from the mock\n", "", 0)
    );
    let reqs = mock.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0]["method"], "POST");
    assert_eq!(reqs[0]["path"], "/v1/chat/completions");
    assert_eq!(
        reqs[0]["body"],
        r#"{"model":"mock-model","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Why?"}],"max_tokens":50,"temperature":0.2}"#
    );
    let headers = reqs[0]["headers"].as_object().unwrap();
    assert!(
        headers.get("authorization").is_none(),
        "no key configured: {headers:?}"
    );
    assert_eq!(headers["user-agent"], "lumen/0.1.0");
    assert_eq!(headers["content-type"], "application/json");
    let mut names: Vec<&String> = headers.keys().collect();
    names.sort();
    assert_eq!(
        names,
        ["content-length", "content-type", "host", "user-agent"]
    );
}

#[test]
fn the_key_header_is_sent_only_when_configured() {
    let dir = scratch("key");
    let mock = Mock::start(&dir, json!({"default": {"content": "ok"}}));
    llm_config(&dir, &mock, "api_key_env = \"LUMEN_TEST_KEY\"");
    let chat = site("llm.chat", "Chat", json!({}));
    let r = run(
        &dir,
        &env(&[
            ("TOOL_SITE", &chat),
            ("ARG_prompt", "hi"),
            ("LUMEN_TEST_KEY", "sekrit"),
        ]),
    );
    assert_eq!((r.stdout.as_str(), r.status), ("ok\n", 0), "{}", r.stderr);
    assert_eq!(
        mock.requests()[0]["headers"]["authorization"],
        "Bearer sekrit"
    );
    // The variable named but not set: a failure, and nothing is sent.
    let r = run(&dir, &env(&[("TOOL_SITE", &chat), ("ARG_prompt", "hi")]));
    assert_eq!(
        r.stderr,
        report(&format!(
            "llm.chat: environment variable LUMEN_TEST_KEY is not set; export it, or remove api_key_env from [providers.config.openai-compatible] in {}",
            dir.join("lumen.toml").display()
        ))
    );
    assert_eq!(r.status, 1);
    assert_eq!(mock.requests().len(), 1);
}

#[test]
fn typed_replies_are_decoded_and_the_schema_is_sent() {
    let dir = scratch("typed");
    let mock = Mock::start(
        &dir,
        json!({"responses": [
            {"content": "```json\n{\"members\": [{\"name\": \"Ada\", \"born\": 1815}]}\n```"},
            {"content": "{\"value\": [1, 2, 3]}"},
            {"content": "{\"value\": \"Green\"}"},
            {"content": "{\"a\": [1, 2.5, null, true]}"},
        ]}),
    );
    llm_config(&dir, &mock, "");
    let chat = site("llm.chat", "Chat", json!({}));
    let ask = |expect: &str| {
        run(
            &dir,
            &env(&[
                ("TOOL_SITE", &chat),
                ("ARG_prompt", "q"),
                ("EXPECT", expect),
            ]),
        )
    };
    let r = ask("Team");
    assert_eq!(
        r.stdout, "Team(members: [Person(name: \"Ada\", born: 1815)])\n",
        "{}",
        r.stderr
    );
    assert_eq!(ask("Ints").stdout, "[1, 2, 3]\n");
    assert_eq!(ask("Color").stdout, "Green\n");
    assert_eq!(ask("Json").stdout, "{\"a\": [1, 2.5, null, true]}\n");
    let bodies: Vec<Value> = mock
        .requests()
        .iter()
        .map(|r| serde_json::from_str(r["body"].as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(bodies[0]["response_format"]["type"], "json_schema");
    assert_eq!(bodies[0]["response_format"]["json_schema"]["name"], "Team");
    assert_eq!(bodies[0]["response_format"]["json_schema"]["strict"], true);
    assert_eq!(
        bodies[1]["response_format"]["json_schema"]["schema"]["properties"]["value"]["type"],
        "array"
    );
    assert_eq!(bodies[3]["response_format"], json!({"type": "json_object"}));
}

#[test]
fn a_reply_that_does_not_fit_names_the_field() {
    let dir = scratch("misfit");
    let mock = Mock::start(
        &dir,
        json!({"responses": [{"content": "{\"members\": [{\"name\": \"Ada\", \"born\": 1815}, {\"name\": \"Bob\"}]}"}]}),
    );
    llm_config(&dir, &mock, "");
    let r = run(
        &dir,
        &env(&[
            ("TOOL_SITE", &site("llm.chat", "Chat", json!({}))),
            ("ARG_prompt", "q"),
            ("EXPECT", "Team"),
        ]),
    );
    assert_eq!(
        r.stderr,
        report("llm.chat: reply does not fit Team at members[1].born: missing field (openai-compatible); the model did not follow the schema: check that it supports structured output")
    );
    assert_eq!((r.stdout.as_str(), r.status), ("", 1));
}

#[test]
fn a_429_is_retried_after_retry_after() {
    let dir = scratch("429");
    let mock = Mock::start(
        &dir,
        json!({"responses": [
            {"status": 429, "headers": {"Retry-After": "0"}, "json": {"error": {"message": "slow down"}}},
            {"content": "second time lucky"},
        ]}),
    );
    llm_config(&dir, &mock, "");
    let r = run(
        &dir,
        &env(&[
            ("TOOL_SITE", &site("llm.chat", "Chat", json!({}))),
            ("ARG_prompt", "q"),
        ]),
    );
    assert_eq!(
        (r.stdout.as_str(), r.status),
        ("second time lucky\n", 0),
        "{}",
        r.stderr
    );
    assert_eq!(mock.requests().len(), 2);
}

#[test]
fn a_500_fails_when_the_retries_run_out() {
    let dir = scratch("500");
    let mock = Mock::start(
        &dir,
        json!({"default": {"status": 500, "json": {"error": {"message": "server exploded"}}}}),
    );
    llm_config(&dir, &mock, "");
    let r = run(
        &dir,
        &env(&[
            (
                "TOOL_SITE",
                &site("llm.chat", "Patient", json!({"max_retries": 1})),
            ),
            ("ARG_prompt", "q"),
        ]),
    );
    assert_eq!(
        r.stderr,
        report(&format!(
            "llm.chat: openai-compatible answered HTTP 500 Internal Server Error after 2 attempts: server exploded; check the server at {}/v1 or raise max_retries for Patient",
            mock.base()
        ))
    );
    assert_eq!(r.status, 1);
    assert_eq!(mock.requests().len(), 2);
    // A 400 is not retried.
    let dir = scratch("400");
    let mock = Mock::start(
        &dir,
        json!({"default": {"status": 400, "json": {"error": {"message": "unknown parameter"}}}}),
    );
    llm_config(&dir, &mock, "");
    let r = run(
        &dir,
        &env(&[
            ("TOOL_SITE", &site("llm.chat", "Chat", json!({}))),
            ("ARG_prompt", "q"),
        ]),
    );
    assert_eq!(
        r.stderr,
        report("llm.chat: openai-compatible answered HTTP 400 Bad Request: unknown parameter")
    );
    assert_eq!(mock.requests().len(), 1);
}

#[test]
fn a_reply_slower_than_timeout_ms_times_out() {
    let dir = scratch("timeout");
    let mock = Mock::start(
        &dir,
        json!({"default": {"content": "late", "delay_ms": 3000}}),
    );
    llm_config(&dir, &mock, "");
    let r = run(
        &dir,
        &env(&[
            (
                "TOOL_SITE",
                &site("llm.chat", "Quick", json!({"timeout_ms": 300})),
            ),
            ("ARG_prompt", "q"),
        ]),
    );
    assert_eq!(
        r.stderr,
        report("llm.chat: timed out after 300 ms (openai-compatible); raise timeout_ms in the grant for Quick")
    );
    assert!(r.elapsed < Duration::from_millis(2000), "{:?}", r.elapsed);
    // A call may lower the deadline.
    let r = run(
        &dir,
        &env(&[
            ("TOOL_SITE", &site("llm.chat", "Quick", json!({}))),
            ("ARG_prompt", "q"),
            ("ARG_timeout_ms", "200"),
        ]),
    );
    assert_eq!(
        r.stderr,
        report("llm.chat: timed out after 200 ms (openai-compatible); raise timeout_ms in the grant for Quick")
    );
}

#[test]
fn connection_refused_after_the_retries() {
    let dir = scratch("refused");
    config(&dir, "");
    let port = closed_port();
    let url = format!("http://127.0.0.1:{port}/down");
    let r = run(
        &dir,
        &env(&[
            (
                "TOOL_SITE",
                &site("http.get", "Get", json!({"max_retries": 1})),
            ),
            ("ARG_url", &url),
            ("EXPECT", "HttpResponse"),
        ]),
    );
    assert_eq!(
        r.stderr,
        report(&format!(
            "http.get: cannot connect to 127.0.0.1:{port} (connection refused) after 2 attempts: GET {url}; check the URL or [http] base_url"
        ))
    );
    let r = run(
        &dir,
        &env(&[
            (
                "TOOL_SITE",
                &site("fetch", "fetch", json!({"max_retries": 0})),
            ),
            ("TOOL_MODE", "fetch"),
            ("ARG_url", &url),
        ]),
    );
    assert_eq!(
        r.stderr,
        format!(
            "error: fetch: cannot connect to 127.0.0.1:{port} (connection refused): GET {url}\n  --> app.lm:3:5\n   = in cell main\n   = awaited in main (app.lm:3:5)\n"
        )
    );
}

#[test]
fn policy_violations_send_nothing() {
    let dir = scratch("policy");
    let mock = Mock::start(&dir, json!({"default": {"content": "never"}}));
    llm_config(&dir, &mock, "");
    let cases: Vec<(Vec<(&str, String)>, String)> = vec![
        (
            env(&[
                ("TOOL_SITE", &site("llm.chat", "Chat", json!({"model": "plain"}))),
                ("ARG_prompt", "q"),
                ("ARG_model", "gpt-4o"),
            ]),
            "policy violation: Chat may not use model gpt-4o (allowed: plain)".into(),
        ),
        (
            env(&[
                ("TOOL_SITE", &site("llm.chat", "Chat", json!({"max_tokens": 100}))),
                ("ARG_prompt", "q"),
                ("ARG_max_tokens", "5000"),
            ]),
            "policy violation: Chat may not ask for max_tokens 5000 (allowed: at most 100)".into(),
        ),
        (
            env(&[
                ("TOOL_SITE", &site("llm.chat", "Quick", json!({"timeout_ms": 1500}))),
                ("ARG_prompt", "q"),
                ("ARG_timeout_ms", "5000"),
            ]),
            "policy violation: Quick may not ask for timeout_ms 5000 (allowed: at most 1500)".into(),
        ),
        (
            env(&[
                (
                    "TOOL_SITE",
                    &site("http.get", "Get", json!({"domain": ["api.example.com", "*.trusted.org"]})),
                ),
                ("ARG_url", &format!("{}/x", mock.base())),
                ("EXPECT", "HttpResponse"),
            ]),
            "policy violation: Get may not access 127.0.0.1 (allowed: api.example.com, *.trusted.org)".into(),
        ),
    ];
    for (vars, message) in cases {
        let r = run(&dir, &vars);
        assert_eq!(r.stderr, report(&message));
        assert_eq!(r.status, 1);
    }
    // fetch fails its future, not the call.
    let r = run(
        &dir,
        &env(&[
            (
                "TOOL_SITE",
                &site("fetch", "fetch", json!({"domain": ["*.trusted.org"]})),
            ),
            ("TOOL_MODE", "fetch"),
            ("ARG_url", &format!("{}/x", mock.base())),
        ]),
    );
    assert!(
        r.stderr.starts_with(
            "error: policy violation: fetch may not access 127.0.0.1 (allowed: *.trusted.org)\n"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(
        mock.requests(),
        Vec::<Value>::new(),
        "the mock received nothing"
    );
}

#[test]
fn http_calls_give_the_response_and_relative_urls_use_the_base() {
    let dir = scratch("http");
    let mock = Mock::start(
        &dir,
        json!({"responses": [
            {"path": "/api/items?q=1", "body": "[1, 2]", "headers": {"X-Test": "yes"}},
            {"path": "/api/missing", "status": 404, "body": "gone"},
            {"path": "/api/post", "method": "POST", "status": 201, "body": "made"},
            {"path": "/api/items", "body": "[4, 5]"},
        ]}),
    );
    config(
        &dir,
        &format!("[http]\nbase_url = \"{}/api/\"\n", mock.base()),
    );
    let get = site("http.get", "Get", json!({}));
    let r = run(
        &dir,
        &env(&[
            ("TOOL_SITE", &get),
            ("ARG_url", "/items?q=1"),
            ("EXPECT", "Ints"),
        ]),
    );
    assert_eq!(
        (r.stdout.as_str(), r.status),
        ("[1, 2]\n", 0),
        "{}",
        r.stderr
    );
    let r = run(
        &dir,
        &env(&[
            ("TOOL_SITE", &get),
            ("ARG_url", "missing"),
            ("EXPECT", "String"),
        ]),
    );
    assert_eq!(
        r.stderr,
        report(&format!(
            "http.get: HTTP 404 Not Found: GET {}/api/missing",
            mock.base()
        ))
    );
    let post = site("http.post", "Post", json!({}));
    let r = run(
        &dir,
        &env(&[
            ("TOOL_SITE", &post),
            ("ARG_url", "/post"),
            ("ARG_body", "payload"),
            ("ARG_headers", "X-One=1;Content-Type=text/plain"),
            ("EXPECT", "HttpResponse"),
        ]),
    );
    assert!(
        r.stdout.starts_with(
            "HttpResponse(status: 201, body: \"made\", headers: {\"content-length\": \"4\""
        ),
        "{} {}",
        r.stdout,
        r.stderr
    );
    let r = run(
        &dir,
        &env(&[
            ("TOOL_SITE", &get),
            ("ARG_url", "items"),
            ("EXPECT", "Team"),
        ]),
    );
    assert_eq!(
        r.stderr,
        report(&format!(
            "http.get: reply does not fit Team: expected Team, found list (http); check what GET {}/api/items returns",
            mock.base()
        ))
    );
    let reqs = mock.requests();
    assert_eq!(reqs[2]["method"], "POST");
    assert_eq!(reqs[2]["body"], "payload");
    assert_eq!(reqs[2]["headers"]["x-one"], "1");
    assert_eq!(reqs[2]["headers"]["content-type"], "text/plain");
    assert!(reqs[0]["headers"].get("content-type").is_none());
}

#[test]
fn fetch_settles_with_the_body_or_the_status() {
    let dir = scratch("fetch");
    let mock = Mock::start(
        &dir,
        json!({"responses": [
            {"path": "/page", "body": "<html>hi</html>"},
            {"path": "/gone", "status": 404, "body": "no"},
        ]}),
    );
    config(&dir, "");
    let f = site("fetch", "fetch", json!({}));
    let r = run(
        &dir,
        &env(&[
            ("TOOL_SITE", &f),
            ("TOOL_MODE", "fetch"),
            ("ARG_url", &format!("{}/page", mock.base())),
        ]),
    );
    assert_eq!(
        (r.stdout.as_str(), r.status),
        ("<html>hi</html>\n", 0),
        "{}",
        r.stderr
    );
    let url = format!("{}/gone", mock.base());
    let r = run(
        &dir,
        &env(&[("TOOL_SITE", &f), ("TOOL_MODE", "fetch"), ("ARG_url", &url)]),
    );
    assert!(
        r.stderr
            .starts_with(&format!("error: fetch: HTTP 404 Not Found: GET {url}\n")),
        "{}",
        r.stderr
    );
}

#[test]
fn other_tools_post_their_arguments_to_json_http() {
    let dir = scratch("json_http");
    let mock = Mock::start(&dir, json!({"responses": [{"json": {"hits": ["a", "b"]}}]}));
    config(
        &dir,
        &format!(
            "[providers]\nsearch.web = \"json-http\"\n[providers.config.json-http]\nbase_url = \"{}\"\n",
            mock.base()
        ),
    );
    let r = run(
        &dir,
        &env(&[
            ("TOOL_SITE", &site("search.web", "Search", json!({}))),
            ("ARG_query", "lumen"),
            ("ARG_timeout_ms", "5000"),
            ("EXPECT", "Json"),
        ]),
    );
    assert_eq!(
        (r.stdout.as_str(), r.status),
        ("{\"hits\": [\"a\", \"b\"]}\n", 0),
        "{}",
        r.stderr
    );
    let reqs = mock.requests();
    assert_eq!(reqs[0]["path"], "/search.web");
    assert_eq!(reqs[0]["body"], r#"{"query":"lumen"}"#);
    // Without a provider.
    config(&dir, "");
    let r = run(
        &dir,
        &env(&[
            ("TOOL_SITE", &site("search.web", "Search", json!({}))),
            ("ARG_query", "x"),
        ]),
    );
    assert_eq!(
        r.stderr,
        report("search.web: no provider configured; add [providers] \"search.web\" = \"json-http\" to lumen.toml")
    );
}

#[test]
fn no_provider_and_no_model() {
    let dir = scratch("unconfigured");
    config(&dir, "");
    let r = run(
        &dir,
        &env(&[
            ("TOOL_SITE", &site("llm.chat", "Chat", json!({}))),
            ("ARG_prompt", "q"),
        ]),
    );
    assert_eq!(
        r.stderr,
        report("llm.chat: no provider configured; add [providers] \"llm.chat\" = \"openai-compatible\" to lumen.toml")
    );
    config(
        &dir,
        "[providers]\n\"llm.chat\" = \"openai-compatible\"\n[providers.config.openai-compatible]\nbase_url = \"http://127.0.0.1:1/v1\"\n",
    );
    let r = run(
        &dir,
        &env(&[
            ("TOOL_SITE", &site("llm.chat", "Chat", json!({}))),
            ("ARG_prompt", "q"),
        ]),
    );
    assert_eq!(
        r.stderr,
        report("llm.chat: no model; add default_model to [providers.config.openai-compatible] or grant Chat model \"…\"")
    );
}

#[test]
fn record_then_replay_with_the_server_stopped() {
    let dir = scratch("record");
    let mut mock = Mock::start(
        &dir,
        json!({"responses": [{"content": "first", "delay_ms": 50}, {"content": "second"}]}),
    );
    llm_config(&dir, &mock, "api_key_env = \"LUMEN_TEST_KEY\"");
    let file = dir.join("calls.jsonl");
    let chat = site("llm.chat", "Chat", json!({}));
    let vars = |mode: &str| {
        env(&[
            ("TOOL_SITE", &chat),
            ("ARG_prompt", "q"),
            ("CALLS", "2"),
            (mode, file.to_str().unwrap()),
        ])
    };
    let mut recording = vars("LUMEN_TOOL_RECORD");
    recording.push(("LUMEN_TEST_KEY", "sekrit".into()));
    let recorded = run(&dir, &recording);
    assert_eq!(recorded.status, 0, "{}", recorded.stderr);
    let lines = std::fs::read_to_string(&file).unwrap();
    assert_eq!(lines.lines().count(), 2, "{lines}");
    assert!(!lines.contains("sekrit"), "no secret is recorded");
    mock.stop();
    // No key, no server: the answers come from the file.
    let replayed = run(&dir, &vars("LUMEN_TOOL_REPLAY"));
    assert_eq!(replayed.stdout, recorded.stdout);
    assert_eq!((replayed.stderr.as_str(), replayed.status), ("", 0));
    // A request that was not recorded fails clearly.
    let other = run(
        &dir,
        &env(&[
            ("TOOL_SITE", &chat),
            ("ARG_prompt", "something else"),
            ("LUMEN_TOOL_REPLAY", file.to_str().unwrap()),
        ]),
    );
    let name = file.display();
    assert_eq!(
        other.stderr,
        report(&format!(
            "llm.chat: no recorded reply for this request in {name} (LUMEN_TOOL_REPLAY); record it again with LUMEN_TOOL_RECORD={name}"
        ))
    );
}

#[test]
fn ten_concurrent_calls_take_about_one() {
    let dir = scratch("concurrent");
    let mock = Mock::start(
        &dir,
        json!({"default": {"content": "done", "delay_ms": 200}}),
    );
    llm_config(&dir, &mock, "");
    // Warm up (the first run of a fresh executable pays for loading it).
    let chat = site("llm.chat", "Chat", json!({}));
    run(&dir, &env(&[("TOOL_SITE", &chat), ("ARG_prompt", "q")]));
    // The best of three runs: other tests share the two cores meanwhile.
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let r = run(
            &dir,
            &env(&[("TOOL_SITE", &chat), ("ARG_prompt", "q"), ("CALLS", "10")]),
        );
        assert_eq!(r.stdout, "done\n".repeat(10), "{}", r.stderr);
        best = best.min(r.elapsed);
        if best < Duration::from_millis(400) {
            break;
        }
    }
    eprintln!("10 concurrent 200 ms calls: {best:?}");
    assert!(
        best < Duration::from_millis(400),
        "10 calls of 200 ms took {best:?}"
    );
    assert!(mock.requests().len() >= 11);
}

#[test]
fn https_with_a_test_certificate() {
    let dir = scratch("https");
    let mock = Mock::start_with(&dir, json!({"default": {"body": "secure"}}), true);
    config(&dir, "");
    let ca = repo().join("tools/mock_server/certs/ca.pem");
    let url = format!("https://127.0.0.1:{}/s", mock.port);
    let get = site("http.get", "Get", json!({}));
    let mut vars = env(&[("TOOL_SITE", &get), ("ARG_url", &url), ("EXPECT", "String")]);
    let untrusted = run(&dir, &vars);
    assert!(
        untrusted
            .stderr
            .contains("(invalid peer certificate: UnknownIssuer) after 1 attempt"),
        "{}",
        untrusted.stderr
    );
    assert_eq!(untrusted.status, 1);
    vars.push(("SSL_CERT_FILE", ca.display().to_string()));
    let r = run(&dir, &vars);
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str(), r.status),
        ("secure\n", "", 0)
    );
}

#[test]
fn redirects_are_followed_only_to_granted_hosts() {
    let dir = scratch("redirect");
    let mock = Mock::start(
        &dir,
        json!({"responses": [
            {"path": "/a", "status": 302, "headers": {"Location": "/b"}},
            {"path": "/b", "body": "landed"},
            {"path": "/c", "status": 302, "headers": {"Location": "PLACEHOLDER"}},
        ]}),
    );
    config(&dir, "");
    let get = site("http.get", "Get", json!({"domain": ["127.0.0.1"]}));
    let r = run(
        &dir,
        &env(&[
            ("TOOL_SITE", &get),
            ("ARG_url", &format!("{}/a", mock.base())),
            ("EXPECT", "String"),
        ]),
    );
    assert_eq!(
        (r.stdout.as_str(), r.status),
        ("landed\n", 0),
        "{}",
        r.stderr
    );
    drop(mock);
    let dir = scratch("redirect_out");
    let mock = Mock::start(
        &dir,
        json!({"responses": [{"path": "/c", "status": 302, "headers": {"Location": "http://localhost:9/elsewhere"}}]}),
    );
    config(&dir, "");
    let r = run(
        &dir,
        &env(&[
            ("TOOL_SITE", &get),
            ("ARG_url", &format!("{}/c", mock.base())),
            ("EXPECT", "String"),
        ]),
    );
    assert_eq!(
        r.stderr,
        report("policy violation: Get may not access localhost (allowed: 127.0.0.1)")
    );
    assert_eq!(mock.requests().len(), 1);
}
