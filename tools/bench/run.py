#!/usr/bin/env python3
"""run.py: lumenc benchmark runner (Python 3.11, stdlib only).

For every tools/bench/programs/NAME/ holding NAME.lm, NAME.c and NAME.rs it builds
the three versions into tools/bench/out/, checks they print the same stdout, times
each one --runs times and prints a markdown table of medians and ratios. Under the
table it reports how long `lumenc hello.lm -o hello` takes and how big hello is.

    cargo build --release -p lumenc && python3 tools/bench/run.py [--runs 5] [--only fib]

Exit status: 0 when every program that was built printed the same output as its
twins (a lumenc build failure is reported in the table, not as an error), 1 when
any outputs disagree or a C/Rust twin fails to build or run.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent.parent
PROGRAMS_DIR = BENCH_DIR / "programs"
OUT_DIR = BENCH_DIR / "out"
DEFAULT_LUMENC = REPO_ROOT / "target" / "release" / "lumenc"

BUILD_TIMEOUT = 600  # seconds per compiler invocation
RUN_TIMEOUT = 300  # seconds per program run

# Targets from tools/bench/README.md: (baseline, maximum ratio lumen/baseline).
TARGETS: dict[str, tuple[str, float]] = {
    "fib": ("rust", 1.3),
    "loop": ("c", 1.5),
    "mandelbrot": ("c", 1.5),
    "binary_trees": ("c", 2.0),
    "nbody": ("c", 2.0),
    "sort": ("c", 2.0),
    "sieve": ("c", 2.0),
    "matmul": ("c", 2.0),
    "fannkuch": ("c", 2.0),
    "strings": ("c", 2.0),
    "json_parse": ("c", 2.0),
}
# Target for the geometric mean of lumen/C over every benchmark lumenc built.
GEOMEAN_C_TARGET = 1.5
HELLO_COMPILE_TARGET_S = 0.5
HELLO_SIZE_TARGET_BYTES = 1_000_000


class Failure(Exception):
    """A build or run failed; str(self) is a one-line reason for the table."""


@dataclass
class Result:
    name: str
    times: dict[str, float] = field(default_factory=dict)  # lang -> median seconds
    errors: dict[str, str] = field(default_factory=dict)  # lang -> one-line reason


def first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return "(no output)"


def cell(text: str) -> str:
    """Make text safe inside a markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def run_cmd(cmd: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, errors="replace"
        )
    except FileNotFoundError as e:
        raise Failure(f"{cmd[0]} not found: {e}") from e
    except subprocess.TimeoutExpired as e:
        raise Failure(f"timed out after {timeout:.0f} s: {' '.join(cmd)}") from e


def build(cmd: list[str], what: str) -> None:
    proc = run_cmd(cmd, BUILD_TIMEOUT)
    if proc.returncode != 0:
        reason = proc.stderr if proc.stderr.strip() else proc.stdout
        if not reason.strip():
            reason = f"exit status {proc.returncode}, no output"
        raise Failure(f"{what} failed: {first_line(reason)}")


def run_once(exe: Path) -> tuple[str, float]:
    start = time.perf_counter()
    proc = run_cmd([str(exe)], RUN_TIMEOUT)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise Failure(
            f"{exe.name} exited with {proc.returncode}: {first_line(proc.stderr)}"
        )
    return proc.stdout, elapsed


def time_exe(exe: Path, runs: int, expected: str) -> float:
    times = []
    for _ in range(runs):
        out, elapsed = run_once(exe)
        if out != expected:
            raise Failure(f"{exe.name} printed different output on a later run")
        times.append(elapsed)
    return statistics.median(times)


def fmt_s(t: float | None) -> str:
    return "—" if t is None else f"{t:.3f}"


def fmt_ratio(r: float | None) -> str:
    return "—" if r is None else f"{r:.2f}×"


def geomean(values: list[float]) -> float | None:
    values = [v for v in values if v > 0]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


def show_diff(name: str, outputs: dict[str, str]) -> None:
    bar = "!" * 72
    print(bar, file=sys.stderr)
    print(f"OUTPUT MISMATCH in benchmark {name!r}:", file=sys.stderr)
    for lang, out in outputs.items():
        shown = out if len(out) < 2000 else out[:2000] + "…(truncated)\n"
        print(f"--- {lang} stdout ---\n{shown}", end="", file=sys.stderr)
        if not out.endswith("\n"):
            print(file=sys.stderr)
    print(bar, file=sys.stderr)


def bench_program(name: str, lumenc: Path, runs: int) -> tuple[Result, bool]:
    """Build, verify and time one benchmark. Returns (result, outputs_agree)."""
    src = PROGRAMS_DIR / name
    res = Result(name)
    exes = {
        "lumen": OUT_DIR / f"{name}_lm",
        "c": OUT_DIR / f"{name}_c",
        "rust": OUT_DIR / f"{name}_rs",
    }
    builds = {
        "lumen": ([str(lumenc), str(src / f"{name}.lm"), "-O", "-o", str(exes["lumen"])], "lumenc"),
        # -ffp-contract=off: no fused multiply-add, so float results match Lumen/Rust
        # bit for bit on every target (x86_64 -O2 does not fuse anyway). -lm for pow.
        "c": (["gcc", "-O2", "-ffp-contract=off", "-o", str(exes["c"]), str(src / f"{name}.c"), "-lm"], "gcc"),
        "rust": (["rustc", "--edition", "2021", "-C", "opt-level=3", "-o", str(exes["rust"]),
                  str(src / f"{name}.rs")], "rustc"),
    }  # fmt: skip
    outputs: dict[str, str] = {}
    for lang in ("lumen", "c", "rust"):
        exes[lang].unlink(missing_ok=True)
        if lang == "lumen" and not lumenc.is_file():
            res.errors[lang] = f"lumenc failed: {lumenc} not found (cargo build --release -p lumenc)"
            continue
        cmd, tool = builds[lang]
        print(f"[{name}] building {lang}: {' '.join(cmd)}", file=sys.stderr)
        try:
            build(cmd, tool)
            outputs[lang], _ = run_once(exes[lang])  # verification run, doubles as warm-up
        except Failure as e:
            res.errors[lang] = str(e)

    agree = True
    for lang in ("c", "rust"):
        if lang in res.errors:
            agree = False  # twins must always build and run
            print(f"[{name}] ERROR: {lang} twin: {res.errors[lang]}", file=sys.stderr)
    # Reference output: C, else Rust. Every other output must equal it.
    ref_lang = "c" if "c" in outputs else ("rust" if "rust" in outputs else None)
    if ref_lang is not None:
        if any(out != outputs[ref_lang] for out in outputs.values()):
            agree = False
            show_diff(name, outputs)
            for lang, out in outputs.items():
                if out != outputs[ref_lang]:
                    res.errors[lang] = f"OUTPUT MISMATCH: differs from {ref_lang} (see stderr)"
            if "rust" in res.errors and "c" not in res.errors:
                res.errors["c"] = "OUTPUT MISMATCH: differs from rust (see stderr)"

    for lang, out in outputs.items():
        if lang in res.errors:
            continue
        print(f"[{name}] timing {lang} ({runs} runs)", file=sys.stderr)
        try:
            res.times[lang] = time_exe(exes[lang], runs, out)
        except Failure as e:
            res.errors[lang] = str(e)
            agree = False
    return res, agree


def measure_hello(lumenc: Path, runs: int) -> list[str]:
    """Median time of `lumenc hello.lm -o hello` and the size of hello."""
    src = PROGRAMS_DIR / "hello" / "hello.lm"
    exe = OUT_DIR / "hello"
    if not lumenc.is_file():
        return [f"- hello: lumenc failed: {lumenc} not found (cargo build --release -p lumenc)"]
    times = []
    try:
        for _ in range(runs):
            exe.unlink(missing_ok=True)
            start = time.perf_counter()
            build([str(lumenc), str(src), "-o", str(exe)], "lumenc")
            times.append(time.perf_counter() - start)
        out, _ = run_once(exe)
    except Failure as e:
        return [f"- hello: {e}"]
    lines = []
    if out != "Hello, world!\n":
        lines.append(f"- hello: OUTPUT MISMATCH: printed {out!r}, expected 'Hello, world!\\n'")
    t = statistics.median(times)
    size = exe.stat().st_size
    ok_t = "✓" if t < HELLO_COMPILE_TARGET_S else "✗"
    ok_s = "✓" if size < HELLO_SIZE_TARGET_BYTES else "✗"
    lines.append(
        f"- `lumenc hello.lm -o hello`: {t:.3f} s median of {runs} "
        f"(target < {HELLO_COMPILE_TARGET_S} s {ok_t})"
    )
    lines.append(
        f"- hello binary: {size:,} bytes = {size / 1e6:.2f} MB "
        f"(target < {HELLO_SIZE_TARGET_BYTES / 1e6:.0f} MB {ok_s})"
    )
    return lines


def tool_version(cmd: list[str]) -> str:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        if proc.returncode != 0 or not proc.stdout.strip():
            return "version unavailable"
        return first_line(proc.stdout)
    except (OSError, subprocess.TimeoutExpired):
        return "unavailable"


def target_cell(res: Result, ratios: dict[str, float | None]) -> str:
    if res.name not in TARGETS:
        return ""
    base, limit = TARGETS[res.name]
    label = f"≤{limit}× {'C' if base == 'c' else 'Rust'}"
    r = ratios[base]
    if r is None:
        return label
    return f"{label} {'✓' if r <= limit else '✗'}"


def print_table(results: list[Result]) -> None:
    print("| benchmark | lumen (s) | C (s) | Rust (s) | lumen/C | lumen/Rust | target |")
    print("|---|---:|---:|---:|---:|---:|---|")
    cols: dict[str, list[float]] = {"lumen": [], "c": [], "rust": [], "lc": [], "lr": []}
    for res in results:
        t = res.times
        ratios: dict[str, float | None] = {
            "c": t["lumen"] / t["c"] if "lumen" in t and "c" in t else None,
            "rust": t["lumen"] / t["rust"] if "lumen" in t and "rust" in t else None,
        }
        for lang in ("lumen", "c", "rust"):
            if lang in t:
                cols[lang].append(t[lang])
        if ratios["c"] is not None:
            cols["lc"].append(ratios["c"])
        if ratios["rust"] is not None:
            cols["lr"].append(ratios["rust"])
        lumen_cell = fmt_s(t.get("lumen")) if "lumen" in t else cell(res.errors.get("lumen", "—"))
        c_cell = fmt_s(t.get("c")) if "c" in t else cell(res.errors.get("c", "—"))
        rust_cell = fmt_s(t.get("rust")) if "rust" in t else cell(res.errors.get("rust", "—"))
        print(
            f"| {res.name} | {lumen_cell} | {c_cell} | {rust_cell} | "
            f"{fmt_ratio(ratios['c'])} | {fmt_ratio(ratios['rust'])} | {target_cell(res, ratios)} |"
        )
    g_lc = geomean(cols["lc"])
    g_target = f"≤{GEOMEAN_C_TARGET}× C"
    if g_lc is not None:
        g_target += " ✓" if g_lc <= GEOMEAN_C_TARGET else " ✗"
        if len(cols["lc"]) < len(results):
            g_target += f" ({len(cols['lc'])} of {len(results)} benchmarks)"
    # The time columns' geomeans are over each column's own rows; the ratio geomeans
    # over the benchmarks where both times exist.
    print(
        f"| **geomean** | {fmt_s(geomean(cols['lumen']))} | {fmt_s(geomean(cols['c']))} | "
        f"{fmt_s(geomean(cols['rust']))} | {fmt_ratio(g_lc)} | "
        f"{fmt_ratio(geomean(cols['lr']))} | {g_target} |"
    )


def discover() -> list[str]:
    names = []
    for d in sorted(PROGRAMS_DIR.iterdir()):
        if d.is_dir() and all((d / f"{d.name}{ext}").is_file() for ext in (".lm", ".c", ".rs")):
            names.append(d.name)
    return names


def main() -> int:
    ap = argparse.ArgumentParser(description="Run the lumenc benchmark suite.")
    ap.add_argument("--lumenc", type=Path, default=DEFAULT_LUMENC,
                    help=f"path of the lumenc binary (default: {DEFAULT_LUMENC})")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per executable (default 5)")
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="run only this benchmark (repeatable; 'hello' selects the compile-time check)")
    args = ap.parse_args()  # fmt: skip
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    lumenc: Path = args.lumenc.resolve() if args.lumenc.exists() else args.lumenc

    names = discover()
    if args.only:
        unknown = [n for n in args.only if n not in names and n != "hello"]
        if unknown:
            ap.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(names)}, hello")
        names = [n for n in names if n in args.only]
    do_hello = not args.only or "hello" in args.only
    for tool in ("gcc", "rustc"):
        if shutil.which(tool) is None:
            print(f"error: {tool} not found on PATH", file=sys.stderr)
            return 1
    OUT_DIR.mkdir(parents=True, exist_ok=True)

    results = []
    all_agree = True
    for name in names:
        res, agree = bench_program(name, lumenc, args.runs)
        results.append(res)
        all_agree &= agree

    hello_lines = measure_hello(lumenc, args.runs) if do_hello else []
    if any("MISMATCH" in line for line in hello_lines):
        all_agree = False

    print()
    if results:
        print(f"Median wall-clock seconds of {args.runs} runs (lower is better).")
        print()
        print_table(results)
        print()
    if hello_lines:
        print("\n".join(hello_lines))
        print()
    lumenc_version = tool_version([str(lumenc), "--version"]) if lumenc.is_file() else "missing"
    print(f"- machine: {platform.machine()} {platform.system()} {platform.release()}, "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    print(f"- lumenc: {lumenc} ({lumenc_version})")
    print(f"- gcc: {tool_version(['gcc', '--version'])}")
    print(f"- rustc: {tool_version(['rustc', '--version'])}")
    if not all_agree:
        print("\nERROR: some outputs disagree or a twin failed; see stderr.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
