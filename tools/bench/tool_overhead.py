#!/usr/bin/env python3
"""Per-call overhead of a tool call over the raw HTTP exchange (issue 11's
target: under 1 ms).

    python3 tools/bench/tool_overhead.py [--calls 500] [--archive target/release/liblumen_rt.a]

Starts the mock server (tools/mock_server) answering every chat completion
at once, then times

* raw: the same number of POSTs to /v1/chat/completions from Python's
  http.client over one kept-alive connection, and
* lumen: runtime/tests/c/tool_call.c linked against the runtime archive,
  making the calls one after the other through lm_tool_call (REPEAT=N);

and prints both and the difference per call. The lumen time includes
starting the process (about a millisecond, spread over the calls). Build
the archive first (`cargo build --release -p lumen_rt` for a release
figure; the debug archive works too and is slower).
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--calls", type=int, default=500)
    p.add_argument("--archive", default=str(ROOT / "target/release/liblumen_rt.a"))
    a = p.parse_args()
    archive = Path(a.archive)
    if not archive.exists():
        sys.exit(f"{archive} is missing: cargo build --release -p lumen_rt (or pass --archive)")
    work = Path(tempfile.mkdtemp(prefix="lumen_tool_bench_"))
    script = work / "script.json"
    script.write_text(json.dumps({"default": {"content": "ok"}}))
    mock = subprocess.Popen(
        [sys.executable, str(ROOT / "tools/mock_server/mock_server.py"), "--script", str(script),
         "--log", str(work / "log.jsonl"), "--max-seconds", "600"],
        stdout=subprocess.PIPE, text=True)
    try:
        port = int(mock.stdout.readline())
        exe = work / "tool_call"
        c = ROOT / "runtime/tests/c"
        subprocess.run(["cc", "-O2", "-I", str(c), str(c / "tool_call.c"), str(archive),
                        "-lgcc_s", "-lutil", "-lrt", "-lpthread", "-lm", "-ldl", "-lc",
                        "-Wl,--gc-sections", "-o", str(exe)], check=True)
        (work / "lumen.toml").write_text(
            '[providers]\n"llm.chat" = "openai-compatible"\n'
            f'[providers.config.openai-compatible]\nbase_url = "http://127.0.0.1:{port}/v1"\n'
            'default_model = "m"\n')
        body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "q"}]})
        conn = http.client.HTTPConnection("127.0.0.1", port)
        start = time.perf_counter()
        for _ in range(a.calls):
            conn.request("POST", "/v1/chat/completions", body,
                         {"Content-Type": "application/json"})
            conn.getresponse().read()
        raw = time.perf_counter() - start
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(work),
               "LUMEN_CONFIG": str(work / "lumen.toml"),
               "TOOL_SITE": json.dumps({"tool": "llm.chat", "alias": "Chat", "grants": {}}),
               "ARG_prompt": "q", "REPEAT": str(a.calls)}
        start = time.perf_counter()
        out = subprocess.run([str(exe)], env=env, capture_output=True, text=True, cwd=work)
        lumen = time.perf_counter() - start
        if out.returncode != 0 or out.stdout != "ok\n":
            sys.exit(f"the driver failed: {out.stderr}")
        print(f"{a.calls} sequential chat calls against the mock")
        print(f"- raw http.client: {raw * 1000 / a.calls:.3f} ms per call")
        print(f"- lm_tool_call:    {lumen * 1000 / a.calls:.3f} ms per call")
        print(f"- overhead:        {(lumen - raw) * 1000 / a.calls:.3f} ms per call (target < 1 ms)")
    finally:
        mock.kill()


if __name__ == "__main__":
    main()
