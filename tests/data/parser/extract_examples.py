#!/usr/bin/env python3
"""Copies every ```lumen block of the spec and the seed note into ok/ as its
own test file (spec_<chapter>_<nn>.lm, seed_<nn>.lm). Run from anywhere:
    python3 tests/data/parser/extract_examples.py /work/shared
then `UPDATE_EXPECT=1 cargo test -p lumen_syntax` to create the snapshots."""
import pathlib, re, sys

shared = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared")
out = pathlib.Path(__file__).resolve().parent / "ok"
fence = re.compile(r"^```lumen[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)

def extract(path, prefix):
    text = path.read_text()
    for i, m in enumerate(fence.finditer(text), 1):
        (out / f"{prefix}_{i:02}.lm").write_text(m.group(1))

for md in sorted((shared / "spec").glob("*.md")):
    extract(md, "spec_" + md.stem.lower())
for seed in sorted((shared / "seeds").glob("*.txt")):
    extract(seed, "seed")
