#!/usr/bin/env python3
"""Checks the code blocks of README.md and docs/ that are meant to run.

What a reader pastes must at least parse, and name things that exist:
  ```sh        every block: `bash -n` accepts it; each `make TARGET` names a
               target of the Makefile; each "$WST/PATH" is a file of the tree
               (paths under build/ are outputs, and are not checked);
  ```sh run    also runs, with WST set to the tree's root, in a scratch
               directory, and must exit 0 within 60 s (only commands that
               work on Linux without a build: mark no other block so);
  ```c compile compiles with `cc -fsyntax-only -Iinclude` (a whole unit).
Other blocks (text, JSON with placeholders, Windows commands) are examples
to read, not to run, and are not checked.

    scripts/check-doc-blocks.py [ROOT]      exit 0: all good; 1: problems printed
"""

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FENCE = re.compile(r"^```(\S*)[ \t]*(\S*)[ \t]*$")
MAKE = re.compile(r"(?:^|[;&|(]\s*|\s)make\s+(?:-\S+\s+)*([a-z][\w-]*)(?=\s|$)")
WST_PATH = re.compile(r"\$\{?WST\}?/([\w./+-]+)")


def blocks(path):
    """(first line number, language, tag, text) of each fenced block."""
    found, lang, tag, start, body = [], None, "", 0, []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        m = FENCE.match(line)
        if lang is None and m:
            lang, tag, start, body = m.group(1), m.group(2), n + 1, []
        elif lang is not None and line.startswith("```"):
            found.append((start, lang, tag, "\n".join(body) + "\n"))
            lang = None
        elif lang is not None:
            body.append(line)
    return found


def make_targets(root):
    out = subprocess.run(["make", "-C", str(root), "-qp"], capture_output=True, text=True)
    return set(re.findall(r"^([A-Za-z0-9_.-]+):", out.stdout, re.M))


def check_sh(root, where, text, targets, problems):
    syntax = subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True)
    if syntax.returncode != 0:
        problems.append(f"{where}: bash -n: {syntax.stderr.strip()}")
    for line in text.splitlines():
        code = line.split("#", 1)[0]
        for target in MAKE.findall(code):
            if target not in targets:
                problems.append(f"{where}: make {target}: no such target")
        for rel in WST_PATH.findall(code):
            if not rel.startswith("build/") and not (root / rel).exists():
                problems.append(f"{where}: $WST/{rel}: no such file")


def run_sh(root, where, text, problems):
    with tempfile.TemporaryDirectory() as tmp:
        try:
            done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", text], cwd=tmp,
                                  env={"WST": str(root), "PATH": "/usr/bin:/bin"},
                                  capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            problems.append(f"{where}: did not end within 60 s")
            return
    if done.returncode != 0:
        problems.append(f"{where}: exit {done.returncode}: {done.stderr.strip()[-300:]}")


def compile_c(root, where, text, problems):
    cc = shutil.which("cc") or shutil.which("gcc")
    done = subprocess.run([cc, "-fsyntax-only", "-std=c11", "-Wall", "-I", str(root / "include"),
                           "-x", "c", "-"], input=text, capture_output=True, text=True)
    if done.returncode != 0:
        problems.append(f"{where}: {cc}: {done.stderr.strip()[-300:]}")


def main():
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    docs = [root / "README.md", *sorted((root / "docs").rglob("*.md"))]
    targets = make_targets(root)
    problems, counts = [], {"sh": 0, "run": 0, "c": 0}
    for doc in docs:
        for line, lang, tag, text in blocks(doc):
            where = f"{doc.relative_to(root)}:{line}"
            if lang == "sh":
                counts["sh"] += 1
                check_sh(root, where, text, targets, problems)
                if tag == "run":
                    counts["run"] += 1
                    run_sh(root, where, text, problems)
            elif lang == "c" and tag == "compile":
                counts["c"] += 1
                compile_c(root, where, text, problems)
    for p in problems:
        print(f"check-doc-blocks: {p}")
    print(f"check-doc-blocks: {counts['sh']} sh blocks ({counts['run']} run), "
          f"{counts['c']} C blocks compiled, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
