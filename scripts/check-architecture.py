#!/usr/bin/env python3
"""Fails when docs/architecture.md leaves a source file out, or a source
file outgrows one job.

The page names each file's one job, so a newcomer finds a verb's or a mode's
file from its name. Every tracked .c under src/ must be named there, and
every .h that has no .c of the same name (its job is its own). No file under
src/ may pass MAX_LINES: past that, it holds two jobs and is split.

    scripts/check-architecture.py [ROOT]     exit 0: all named and short; 1: what is not
"""

import subprocess
import sys
from pathlib import Path

MAX_LINES = 450


def main():
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    page = (root / "docs/architecture.md").read_text()
    files = subprocess.run(["git", "-C", str(root), "ls-files", "src"], capture_output=True,
                           text=True, check=True).stdout.split()
    sources = {f for f in files if f.endswith((".c", ".h"))}
    missing = []
    for f in sorted(sources):
        if f.endswith(".h") and f[:-2] + ".c" in sources:
            continue
        if f"`{Path(f).name}`" not in page:
            missing.append(f)
    long = [(f, n) for f in sorted(sources)
            if (n := len((root / f).read_text(errors="replace").splitlines())) > MAX_LINES]
    for f in missing:
        print(f"check-architecture: docs/architecture.md does not name {f}")
    for f, n in long:
        print(f"check-architecture: {f} has {n} lines, more than {MAX_LINES}: split it")
    print(f"check-architecture: {len(sources)} files, {len(missing)} not named, "
          f"{len(long)} over {MAX_LINES} lines")
    return 1 if missing or long else 0


if __name__ == "__main__":
    sys.exit(main())
