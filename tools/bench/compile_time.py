#!/usr/bin/env python3
"""Compile-time benchmarks of lumenc (issue 13): wall time and peak memory of
`lumenc FILE -o EXE` on generated programs, at -O (the default) and -O0.

* `cells N`: N lines of ordinary code — records, cells with loops, lists,
  strings and matches, and a main calling them (1k–20k lines).
* `long N`: one function of N statements, each appending a record to a
  list (the shape that used to be quadratic).
* `literal N`: one list literal of N elements.

Writes the programs to tools/bench/out/compile/ and prints a markdown table.
Measure on a quiet machine: the figures are wall-clock.

Usage: python3 tools/bench/compile_time.py [--lumenc PATH] [--quick]
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tools" / "bench" / "out" / "compile"


def cells_program(lines: int) -> str:
    """About `lines` lines of ordinary code: blocks of ~20 lines each."""
    out = ["record Item\n  name: String\n  count: Int\nend\n\n"]
    calls = []
    n = 0
    block = 0
    while n < lines:
        out.append(
            f"""cell work{block}(xs: list[Int], tag: String) -> Int
  let mut total = 0
  for x in xs
    if x % 3 == 0
      total = total + x * {block % 7 + 1}
    else
      total = total - 1
    end
  end
  let item = Item(name: "{{tag}}-{block}", count: total)
  let label = match item.count % 4
    0 -> "zero"
    1 -> "one"
    _ -> "many"
  end
  return total + len(label) + len(item.name)
end

"""
        )
        calls.append(f"  sum = sum + work{block}(xs, \"t\")\n")
        n += 20
        block += 1
    out.append("cell main()\n  let xs = [1, 2, 3, 4, 5, 6]\n  let mut sum = 0\n")
    out.extend(calls)
    out.append("  print(sum)\nend\n")
    return "".join(out)


def long_program(statements: int) -> str:
    out = ["record Row\n  a: Int\n  b: String\nend\n\ncell main()\n  let mut rows: list[Row] = []\n"]
    for i in range(statements):
        out.append(f'  rows = append(rows, Row(a: {i}, b: "r{i}"))\n')
    out.append("  print(len(rows))\nend\n")
    return "".join(out)


def literal_program(elements: int) -> str:
    items = ", ".join(str(i) for i in range(elements))
    return f"cell main()\n  let xs = [{items}]\n  print(len(xs))\nend\n"


def measure(lumenc: str, source: Path, opt: str) -> tuple[float, float, bool]:
    """Seconds, peak MiB of the compiler process, and whether it succeeded."""
    exe = source.with_suffix("")
    start = time.perf_counter()
    proc = subprocess.Popen(
        [lumenc, str(source), opt, "-o", str(exe)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # wait4 gives this child's own peak RSS (KiB on Linux).
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, proc.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lumenc", default=str(ROOT / "target" / "release" / "lumenc"))
    parser.add_argument("--quick", action="store_true", help="smaller sizes only")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    cases = [("cells", n, cells_program) for n in (1000, 5000, 10000, 20000)]
    cases += [("long", n, long_program) for n in (1000, 2000, 4000, 8000)]
    cases += [("literal", n, literal_program) for n in (10000, 50000)]
    if args.quick:
        cases = [c for c in cases if c[1] <= 5000]
    print("| program | size | lines | -O s | -O MiB | -O0 s | -O0 MiB |")
    print("|---|---|---|---|---|---|---|")
    for kind, size, make in cases:
        text = make(size)
        source = OUT / f"{kind}_{size}.lm"
        source.write_text(text)
        lines = text.count("\n")
        row = [kind, str(size), str(lines)]
        for opt in ("-O", "-O0"):
            s, mib, ok = measure(args.lumenc, source, opt)
            row += [f"{s:.2f}" if ok else "failed", f"{mib:.0f}"]
        print("| " + " | ".join(row) + " |", flush=True)
    print(f"\nlumenc: {args.lumenc}; machine: {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
