//! End-to-end tests of tool calls (`spec/tools.md`): every
//! `tests/tool_programs/NAME.lm` is compiled with `lumenc` and run against
//! the mock server of `tools/mock_server`, which the test starts on
//! 127.0.0.1 with the script `NAME.mock.json` (its responses, see the
//! mock's doc).
//!
//! The program finds the mock through a `lumen.toml` written for the test
//! and named by `LUMEN_CONFIG`: `llm.chat` is `openai-compatible` at
//! `/v1` with the default model `mock-model`, `search.web` is `json-http`
//! at `/tools`, and `[http] base_url` is the mock itself. Beside the usual
//! `NAME.out`, `NAME.err` and `NAME.status` (see `src/lib.rs`), the
//! requests the mock received are compared with `NAME.requests` (one
//! `METHOD PATH BODY` line each, in the order received), so a test shows
//! what left the process — or that nothing did; a program containing the
//! line `# (requests arrive in any order)` has them compared sorted. The
//! mock's port is written `PORT` in all of them. `UPDATE_EXPECT=1`
//! rewrites the expectations.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use libtest_mimic::{Arguments, Failed, Trial};
use lumen_tests::{
    collect_programs, describe_mismatch, expected, lumenc_path, run_program_with_env, sibling,
    write_expected, Outcome,
};

/// The mock server of one test, stopped when dropped.
struct Mock {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Mock {
    fn start(script: &Path, dir: &Path) -> Result<Mock, String> {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let log = dir.join("requests.jsonl");
        let mut child = Command::new("python3")
            .arg(repo.join("tools/mock_server/mock_server.py"))
            .arg("--script")
            .arg(script)
            .arg("--log")
            .arg(&log)
            .args(["--max-seconds", "60"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start the mock server (python3): {e}"))?;
        let mut line = String::new();
        let stdout = child.stdout.take().ok_or("the mock has no stdout")?;
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let port = line
            .trim()
            .parse()
            .map_err(|_| format!("the mock printed `{line}`, not its port"))?;
        Ok(Mock { child, port, log })
    }

    /// The requests received, one `METHOD PATH BODY` line each.
    fn requests(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let mut out = String::new();
        for line in text.lines() {
            let Ok(r) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let field = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            let body = field("body");
            let sep = if body.is_empty() { "" } else { " " };
            out.push_str(&format!(
                "{} {}{sep}{body}\n",
                field("method"),
                field("path")
            ));
        }
        out
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn config(port: u16) -> String {
    format!(
        "[providers]\n\
         \"llm.chat\" = \"openai-compatible\"\n\
         \"search.web\" = \"json-http\"\n\
         \n\
         [providers.config.openai-compatible]\n\
         base_url = \"http://127.0.0.1:{port}/v1\"\n\
         default_model = \"mock-model\"\n\
         \n\
         [providers.config.json-http]\n\
         base_url = \"http://127.0.0.1:{port}/tools\"\n\
         \n\
         [http]\n\
         base_url = \"http://127.0.0.1:{port}\"\n"
    )
}

/// Runs one program against its mock: the outcome and the requests, with
/// the port written `PORT`.
fn run(lumenc: &Path, source: &Path, scratch: &Path) -> Result<(Outcome, String), String> {
    let name = source.file_stem().unwrap_or_default().to_string_lossy();
    let dir = scratch.join(name.as_ref());
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let script = sibling(source, "mock.json");
    let script = if script.exists() {
        script
    } else {
        let empty = dir.join("script.json");
        std::fs::write(&empty, "{}").map_err(|e| e.to_string())?;
        empty
    };
    let mock = Mock::start(&script, &dir)?;
    let config_path = dir.join("lumen.toml");
    std::fs::write(&config_path, config(mock.port)).map_err(|e| e.to_string())?;
    let env = vec![(
        "LUMEN_CONFIG".to_string(),
        config_path.to_string_lossy().into_owned(),
    )];
    let outcome = run_program_with_env(lumenc, source, &dir, &env)?;
    let port = mock.port.to_string();
    let hide = |s: &str| s.replace(&port, "PORT");
    let mut requests = hide(&mock.requests());
    drop(mock);
    let text = std::fs::read_to_string(source).unwrap_or_default();
    if text
        .lines()
        .any(|l| l.trim() == "# (requests arrive in any order)")
    {
        let mut lines: Vec<&str> = requests.lines().collect();
        lines.sort();
        requests = lines.iter().map(|l| format!("{l}\n")).collect();
    }
    Ok((
        Outcome {
            stdout: hide(&outcome.stdout),
            stderr: hide(&outcome.stderr),
            status: outcome.status,
        },
        requests,
    ))
}

fn main() {
    let args = Arguments::from_args();
    let suite = lumen_tests::Suite::new("tool_programs", "lumen-tools-e2e");
    let update = suite.update;
    let trials = collect_programs(&suite.root)
        .into_iter()
        .map(|path| {
            let name = suite.name(&path);
            let scratch = suite.scratch.clone();
            Trial::test(name, move || -> Result<(), Failed> {
                let lumenc = lumenc_path()?;
                let (actual, requests) = run(&lumenc, &path, &scratch)?;
                let requests_file = sibling(&path, "requests");
                if update {
                    write_expected(&path, &actual).map_err(|e| e.to_string())?;
                    if requests.is_empty() {
                        let _ = std::fs::remove_file(&requests_file);
                    } else {
                        std::fs::write(&requests_file, &requests).map_err(|e| e.to_string())?;
                    }
                    return Ok(());
                }
                let expected = expected(&path);
                let mut problems = String::new();
                if expected != actual {
                    problems.push_str(&describe_mismatch(&expected, &actual));
                }
                let expected_requests = std::fs::read_to_string(&requests_file).unwrap_or_default();
                if expected_requests != requests {
                    problems.push_str(&format!(
                        "--- requests expected:\n{expected_requests}\n--- requests actual:\n{requests}\n"
                    ));
                }
                if problems.is_empty() {
                    Ok(())
                } else {
                    Err(problems.into())
                }
            })
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    let _ = std::fs::remove_dir_all(&suite.scratch);
    conclusion.exit();
}
