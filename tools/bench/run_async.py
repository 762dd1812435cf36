#!/usr/bin/env python3
"""run_async.py: the async benchmark runner (Python 3.11, stdlib only): Lumen vs Go vs Tokio.

For every tools/bench/async/NAME/ holding NAME.lm and NAME.go, with its Tokio twin in
tools/bench/tokio/src/bin/NAME.rs, it builds the three versions into tools/bench/out/,
checks they print the same stdout, runs each --runs times and prints a markdown table:
median wall seconds, the ratios Lumen/Go and Lumen/Tokio, the peak RSS of each
(the program's ru_maxrss, read through GNU time), the peak size of its page tables
(VmPTE, sampled) and the issue-10 targets. --sleepers N adds a sleepers row with N tasks.

    cargo build --release -p lumenc -p lumen_rt && python3 tools/bench/run_async.py [--runs 5]

Exit status: 0 when every program that was built printed the same output as its
twins (a lumenc build or run failure is reported in the table, not as an error), 1 when
any outputs disagree or a Go/Tokio twin fails to build or run, 2 for bad options.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

# The helpers both runners share (same directory).
from run import Failure, cell, first_line, fmt_ratio, fmt_s, show_diff, tool_version

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent.parent
ASYNC_DIR = BENCH_DIR / "async"
TOKIO_DIR = BENCH_DIR / "tokio"
OUT_DIR = BENCH_DIR / "out"
TOKIO_TARGET_DIR = OUT_DIR / "tokio-target"
DEFAULT_LUMENC = REPO_ROOT / "target" / "release" / "lumenc"

BUILD_TIMEOUT = 900  # seconds per compiler invocation (the first Tokio build fetches crates)
RUN_TIMEOUT = 300  # seconds per program run
# GNU time, to read a program's own peak RSS (see run_once).
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None

LANGS = ("lumen", "go", "tokio")
LANG_TITLE = {"lumen": "Lumen", "go": "Go", "tokio": "Tokio"}

# Targets of issue 10 (tools/bench/README.md, "Async benchmarks").
# Time ratio targets: benchmark -> (baseline, maximum ratio lumen/baseline).
RATIO_TARGETS: dict[str, tuple[str, float]] = {
    "spawn_yield": ("go", 1.0),
    "pingpong": ("go", 1.0),
}
# Absolute targets: benchmark -> (max wall seconds, max peak RSS bytes) for Lumen.
ABSOLUTE_TARGETS: dict[str, tuple[float, int]] = {
    "sleepers": (0.4, 1 << 30),  # 100k x sleep(200): within 2x the sleep, under 1 GiB
}

# The size line of sleepers.lm that --sleepers N rewrites; its twins take N as argv[1].
SLEEPERS_SIZE_RE = re.compile(r"^(\s*let n = )100_000\b", re.MULTILINE)


@dataclass
class Bench:
    """One row: a program (possibly at a size other than its default)."""

    name: str  # row label
    program: str  # directory under async/ and Tokio binary name
    args: list[str] = field(default_factory=list)  # extra argv for the Go/Tokio twins
    lumen_src: Path | None = None  # Lumen source (a rewritten copy for --sleepers)
    stem: str = ""  # executable name under out/ (default: program)


@dataclass
class Result:
    name: str
    times: dict[str, float] = field(default_factory=dict)  # lang -> median seconds
    rss: dict[str, int] = field(default_factory=dict)  # lang -> max peak RSS (bytes)
    page_tables: dict[str, int] = field(default_factory=dict)  # lang -> max VmPTE (bytes)
    errors: dict[str, str] = field(default_factory=dict)  # lang -> one-line reason


def build(cmd: list[str], what: str, cwd: Path | None = None) -> None:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=BUILD_TIMEOUT,
                              errors="replace", cwd=cwd)  # fmt: skip
    except FileNotFoundError as e:
        raise Failure(f"{cmd[0]} not found: {e}") from e
    except subprocess.TimeoutExpired as e:
        raise Failure(f"{what} timed out after {BUILD_TIMEOUT} s") from e
    if proc.returncode != 0:
        reason = proc.stderr if proc.stderr.strip() else proc.stdout
        if not reason.strip():
            reason = f"exit status {proc.returncode}, no output"
        # cargo and go print progress first; the first error line says more.
        errors = [l for l in reason.splitlines() if l.lstrip().startswith("error")]
        raise Failure(f"{what} failed: {errors[0].strip() if errors else first_line(reason)}")


class PageTableSampler(threading.Thread):
    """Polls the page-table size (VmPTE) of a running program every 10 ms; `peak` is
    the largest seen, in bytes. ru_maxrss does not count page tables, and a runtime
    that spreads task stacks over a large address space pays for them: one 4 KiB
    page-table page per 2 MiB of address space touched."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid  # GNU time's pid when it wraps the program
        self.peak = 0
        self.done = threading.Event()

    def program_pid(self) -> int:
        if not GNU_TIME:
            return self.pid
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        return int(children[0]) if children else self.pid

    def run(self) -> None:
        while not self.done.wait(0.01):
            try:
                status = Path(f"/proc/{self.program_pid()}/status").read_text()
            except (OSError, ValueError):
                continue
            for line in status.splitlines():
                if line.startswith("VmPTE:"):
                    self.peak = max(self.peak, int(line.split()[1]) * 1024)


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[str, float, int, int]:
    """Runs cmd; returns (stdout, wall seconds, peak RSS, peak page tables), in bytes.

    The peak RSS is the child's ru_maxrss. Linux carries ru_maxrss across exec, and
    Python starts children with vfork, so a child reaped by os.wait4 here would report
    at least the runner's own RSS (~17 MiB). GNU time forks from a small process and
    writes the program's ru_maxrss (`%M`, KiB) to a file; without it, os.wait4's figure
    is used (an upper bound for small programs).
    """
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out_path, err_path = OUT_DIR / "run.stdout", OUT_DIR / "run.stderr"
    rss_path = OUT_DIR / "run.maxrss"
    rss_path.unlink(missing_ok=True)
    wrapped = [GNU_TIME, "-f", "%M", "-o", str(rss_path), *cmd] if GNU_TIME else cmd
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        try:
            # A session of its own, so a timeout kills the program under GNU time too.
            proc = subprocess.Popen(wrapped, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                    env=env, start_new_session=True)  # fmt: skip
        except OSError as e:
            raise Failure(f"cannot run {cmd[0]}: {e}") from e
        timer = threading.Timer(RUN_TIMEOUT, os.killpg, (proc.pid, signal.SIGKILL))
        timer.start()
        sampler = PageTableSampler(proc.pid)
        sampler.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
            sampler.done.set()
        elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code  # reaped above; keep Popen from waiting again
    stdout = out_path.read_text(errors="replace")
    stderr = err_path.read_text(errors="replace")
    name = Path(cmd[0]).name
    if elapsed >= RUN_TIMEOUT:
        raise Failure(f"{name} timed out after {RUN_TIMEOUT} s")
    # GNU time's file: "Command exited with non-zero status N" or "Command terminated
    # by signal N" when the program failed, then its peak RSS in KiB.
    timed = rss_path.read_text(errors="replace").splitlines() if GNU_TIME else []
    if code != 0:
        how = next((l for l in timed if l.startswith("Command ")), None)
        if how is None:
            how = f"killed by signal {-code}" if code < 0 else f"exited with {code}"
        raise Failure(f"{name}: {how.lower()}: {first_line(stderr)}")
    maxrss_kib = usage.ru_maxrss
    if timed and timed[-1].strip().isdigit():
        maxrss_kib = int(timed[-1])
    sampler.join()
    return stdout, elapsed, maxrss_kib * 1024, sampler.peak


def fmt_mib(b: int | None) -> str:
    return "—" if b is None else f"{b / (1 << 20):.0f}"


def build_tokio() -> str | None:
    """Builds every Tokio twin (one cargo project); returns an error or None."""
    cmd = ["cargo", "build", "--release", "--quiet",
           "--manifest-path", str(TOKIO_DIR / "Cargo.toml"),
           "--target-dir", str(TOKIO_TARGET_DIR)]  # fmt: skip
    print(f"[tokio] building: {' '.join(cmd)}", file=sys.stderr)
    try:
        build(cmd, "cargo build (tokio)")
    except Failure as e:
        return str(e)
    return None


def bench_program(b: Bench, lumenc: Path, runs: int, env: dict[str, str],
                  tokio_error: str | None) -> tuple[Result, bool]:  # fmt: skip
    """Build, verify and time one benchmark. Returns (result, outputs_agree)."""
    src = ASYNC_DIR / b.program
    res = Result(b.name)
    lumen_exe = OUT_DIR / f"async_{b.stem or b.program}_lm"
    go_exe = OUT_DIR / f"async_{b.program}_go"
    cmds = {
        "lumen": [str(lumen_exe)],
        "go": [str(go_exe), *b.args],
        "tokio": [str(TOKIO_TARGET_DIR / "release" / b.program), *b.args],
    }
    lumen_src = b.lumen_src or src / f"{b.program}.lm"
    builds = {
        "lumen": ([str(lumenc), str(lumen_src), "-O", "-o", str(lumen_exe)], "lumenc"),
        "go": (["go", "build", "-o", str(go_exe), f"{b.program}.go"], "go build"),
    }
    outputs: dict[str, str] = {}
    for lang in LANGS:
        try:
            if lang == "tokio":
                if tokio_error:
                    raise Failure(tokio_error)
            elif lang == "lumen" and not lumenc.is_file():
                raise Failure(f"lumenc failed: {lumenc} not found "
                              "(cargo build --release -p lumenc -p lumen_rt)")  # fmt: skip
            else:
                cmd, tool = builds[lang]
                Path(cmd[cmd.index("-o") + 1]).unlink(missing_ok=True)
                print(f"[{b.name}] building {lang}: {' '.join(cmd)}", file=sys.stderr)
                build(cmd, tool, cwd=src)
            print(f"[{b.name}] verification run of {lang}", file=sys.stderr)
            outputs[lang], _, _, _ = run_once(cmds[lang], env)  # doubles as warm-up
        except Failure as e:
            res.errors[lang] = str(e)

    agree = True
    for lang in ("go", "tokio"):
        if lang in res.errors:
            agree = False  # twins must always build and run
            print(f"[{b.name}] ERROR: {lang} twin: {res.errors[lang]}", file=sys.stderr)
    # Reference output: Go, else Tokio. Every other output must equal it.
    ref = "go" if "go" in outputs else ("tokio" if "tokio" in outputs else None)
    if ref is not None and any(out != outputs[ref] for out in outputs.values()):
        agree = False
        show_diff(b.name, outputs)
        for lang, out in outputs.items():
            if out != outputs[ref]:
                res.errors[lang] = f"OUTPUT MISMATCH: differs from {ref} (see stderr)"

    for lang, expected in outputs.items():
        if lang in res.errors:
            continue
        print(f"[{b.name}] timing {lang} ({runs} runs)", file=sys.stderr)
        times, peaks, tables = [], [], []
        try:
            for _ in range(runs):
                out, elapsed, rss, pt = run_once(cmds[lang], env)
                if out != expected:
                    raise Failure(f"{lang} printed different output on a later run")
                times.append(elapsed)
                peaks.append(rss)
                tables.append(pt)
        except Failure as e:
            res.errors[lang] = str(e)
            agree &= lang == "lumen"  # a Lumen failure is reported, not an error
            continue
        res.times[lang] = statistics.median(times)
        res.rss[lang] = max(peaks)
        res.page_tables[lang] = max(tables)
    return res, agree


def target_cell(res: Result, ratios: dict[str, float | None]) -> str:
    if res.name in RATIO_TARGETS:
        base, limit = RATIO_TARGETS[res.name]
        label = f"≤{limit}× {LANG_TITLE[base]}"
        r = ratios[base]
        return label if r is None else f"{label} {'✓' if r <= limit else '✗'}"
    if res.name in ABSOLUTE_TARGETS:
        max_s, max_rss = ABSOLUTE_TARGETS[res.name]
        label = f"< {max_s} s, < {max_rss >> 30} GiB"
        t, rss = res.times.get("lumen"), res.rss.get("lumen")
        if t is None or rss is None:
            return label
        marks = f"{'✓' if t < max_s else '✗'}{'✓' if rss < max_rss else '✗'}"
        return f"{label} {marks}"
    return ""


def print_table(results: list[Result]) -> None:
    print("| benchmark | Lumen (s) | Go (s) | Tokio (s) | Lumen/Go | Lumen/Tokio "
          "| Lumen RSS (MiB) | Go RSS (MiB) | Tokio RSS (MiB) | page tables L/G/T (MiB) "
          "| target |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for res in results:
        t = res.times
        ratios: dict[str, float | None] = {
            base: t["lumen"] / t[base] if "lumen" in t and base in t else None
            for base in ("go", "tokio")
        }
        time_cells = [fmt_s(t[l]) if l in t else cell(res.errors.get(l, "—")) for l in LANGS]
        rss_cells = [fmt_mib(res.rss.get(l)) for l in LANGS]
        pt_cell = " / ".join(fmt_mib(res.page_tables.get(l)) for l in LANGS)
        print(f"| {res.name} | {' | '.join(time_cells)} | {fmt_ratio(ratios['go'])} | "
              f"{fmt_ratio(ratios['tokio'])} | {' | '.join(rss_cells)} | {pt_cell} | "
              f"{target_cell(res, ratios)} |")  # fmt: skip


def tokio_version() -> str:
    """The tokio version pinned in the twin project's Cargo.lock."""
    lock = TOKIO_DIR / "Cargo.lock"
    if lock.is_file():
        m = re.search(r'name = "tokio"\nversion = "([^"]+)"', lock.read_text())
        if m:
            return m.group(1)
    return "unknown (no Cargo.lock yet)"


def discover() -> list[str]:
    names = []
    for d in sorted(ASYNC_DIR.iterdir()):
        twins = (d / f"{d.name}.lm", d / f"{d.name}.go", TOKIO_DIR / "src" / "bin" / f"{d.name}.rs")
        if d.is_dir() and all(p.is_file() for p in twins):
            names.append(d.name)
    return names


def sleepers_at(n: int) -> Bench:
    """The sleepers benchmark with n tasks: a rewritten copy of sleepers.lm."""
    text = (ASYNC_DIR / "sleepers" / "sleepers.lm").read_text()
    new, count = SLEEPERS_SIZE_RE.subn(lambda m: f"{m.group(1)}{n}", text)
    if count != 1:
        raise SystemExit("error: sleepers.lm has no `let n = 100_000` line to rewrite")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"sleepers_{n}.lm"
    path.write_text(new)
    return Bench(f"sleepers ({n:,})", "sleepers", [str(n)], path, f"sleepers_{n}")


def main() -> int:
    ap = argparse.ArgumentParser(description="Run the async benchmarks: Lumen vs Go vs Tokio.")
    ap.add_argument("--lumenc", type=Path, default=DEFAULT_LUMENC,
                    help=f"path of the lumenc binary (default: {DEFAULT_LUMENC})")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per executable (default 5)")
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="run only this benchmark (repeatable)")
    ap.add_argument("--sleepers", type=int, action="append", metavar="N", default=[],
                    help="add a row for sleepers with N tasks, e.g. 1000000 (repeatable)")
    ap.add_argument("--threads", type=int, metavar="K",
                    help="run Go and Tokio on K threads (GOMAXPROCS, TOKIO_WORKER_THREADS); "
                         "default: all CPUs. Lumen always runs on one")
    args = ap.parse_args()  # fmt: skip
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    if args.threads is not None and args.threads < 1:
        ap.error("--threads must be at least 1")
    if any(n < 1 for n in args.sleepers):
        ap.error("--sleepers N needs N >= 1")
    lumenc: Path = args.lumenc.resolve() if args.lumenc.exists() else args.lumenc

    names = discover()
    if args.only:
        unknown = [n for n in args.only if n not in names]
        if unknown:
            ap.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(names)}")
        names = [n for n in names if n in args.only]
    for tool in ("go", "cargo"):
        if shutil.which(tool) is None:
            hint = " (apt-get install golang-go)" if tool == "go" else ""
            print(f"error: {tool} not found on PATH{hint}", file=sys.stderr)
            return 1
    OUT_DIR.mkdir(parents=True, exist_ok=True)

    env = dict(os.environ)
    for var in ("GOMAXPROCS", "TOKIO_WORKER_THREADS"):
        env.pop(var, None)
    if args.threads is not None:
        env["GOMAXPROCS"] = env["TOKIO_WORKER_THREADS"] = str(args.threads)

    benches = [Bench(n, n) for n in names]
    benches += [sleepers_at(n) for n in args.sleepers]
    tokio_error = build_tokio()
    results = []
    all_agree = True
    for b in benches:
        res, agree = bench_program(b, lumenc, args.runs, env, tokio_error)
        results.append(res)
        all_agree &= agree

    print()
    print(f"Median wall-clock seconds of {args.runs} runs (lower is better); peak RSS is the "
          "largest ru_maxrss over those runs; page tables (not part of RSS) the largest "
          "VmPTE seen, sampled every 10 ms.")  # fmt: skip
    print()
    print_table(results)
    print()
    threads = f"{args.threads}" if args.threads is not None else f"default (all {os.cpu_count()} CPUs)"
    lumenc_version = tool_version([str(lumenc), "--version"]) if lumenc.is_file() else "missing"
    print(f"- machine: {platform.machine()} {platform.system()} {platform.release()}, "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    print(f"- lumenc: {lumenc} ({lumenc_version}); Lumen runs every task on one thread")
    print(f"- go: {tool_version(['go', 'version'])}; GOMAXPROCS {threads}")
    print(f"- tokio {tokio_version()} (multi-thread runtime), "
          f"{tool_version(['rustc', '--version'])}; worker threads {threads}")  # fmt: skip
    if not all_agree:
        print("\nERROR: some outputs disagree or a twin failed; see stderr.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
