#!/usr/bin/env python3
"""Fails when docs/architecture.md leaves a source file out.

The page names each file's one job, so a newcomer finds a verb's or a mode's
file from its name. Every tracked .c under src/ must be named there, and
every .h that has no .c of the same name (its job is its own).

    scripts/check-architecture.py [ROOT]     exit 0: all named; 1: missing printed
"""

import subprocess
import sys
from pathlib import Path


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
    for f in missing:
        print(f"check-architecture: docs/architecture.md does not name {f}")
    print(f"check-architecture: {len(sources)} files, {len(missing)} not named")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
