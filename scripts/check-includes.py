#!/usr/bin/env python3
"""Fails when the project's own #include lines form a cycle.

Each source or header is a node named by its stem (src/runtime/stripes.c and
src/runtime/stripes.h are one node, "src/runtime/stripes"), so a cycle
between two files' interfaces shows even when no header includes itself.
An edge is a quoted #include resolved the way the Makefile's -I flags do:
the including file's directory, then include/, then src/common/. System
headers (<...>) are not the project's and are ignored.

    scripts/check-includes.py [ROOT]     exit 0: no cycle; 1: cycles printed
"""

import re
import sys
from pathlib import Path

from graph_cycles import cycles

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
SEARCH = ("include", "src/common")
TREES = ("include", "src", "tests", "bench", "fuzz", "examples", "wine-tests")


def stem(path, root):
    return str(path.relative_to(root).with_suffix(""))


def resolve(name, including, root):
    for base in (including.parent, *(root / d for d in SEARCH)):
        candidate = base / name
        if candidate.is_file():
            return candidate.resolve()
    return None


def graph(root):
    edges = {}
    for tree in TREES:
        for path in sorted((root / tree).rglob("*.[ch]")):
            node = stem(path, root)
            edges.setdefault(node, set())
            for name in INCLUDE.findall(path.read_text(errors="replace")):
                target = resolve(name, path, root)
                if target is not None and root in target.parents:
                    other = stem(target, root)
                    if other != node:
                        edges[node].add(other)
    return edges


def main():
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent.parent).resolve()
    edges = graph(root)
    found = cycles(edges)
    for component in found:
        links = [f"{a} -> {b}" for a in component for b in sorted(edges[a]) if b in component]
        print("include cycle: " + ", ".join(links))
    if found:
        return 1
    print(f"check-includes: {len(edges)} files, no include cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
