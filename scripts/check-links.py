#!/usr/bin/env python3
"""Fails when the objects' symbol references form a cycle between files.

The include check (check-includes.py) sees only #include lines, so it misses
a cycle whose declarations live in a shared header: file A defines a datum
that file B writes while A calls a function of B. This check reads what each
object defines and what it leaves undefined (nm), draws an edge from the
object that references a symbol to the object that defines it, and reports
every strongly connected component of more than one object.

    scripts/check-links.py [--nm NM] FILE...   object files or archives
    scripts/check-links.py --self-test         two planted cycles must fail

Exit 0: no cycle; 1: cycles printed; 2: usage or nm failure.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from graph_cycles import cycles

# nm -P types that define a symbol other objects can reference (lower case
# is file-local and cannot be the end of an edge).
DEFINED = set("TDBRCVWGS")


def symbols(nm, path):
    """{object: (defined names, undefined names)} for an object or archive."""
    out = subprocess.run([nm, "-A", "-P", str(path)], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"check-links: {nm} {path}: {out.stderr.strip()}")
    objects = {}
    for line in out.stdout.splitlines():
        where, _, rest = line.partition(": ")
        fields = rest.split()
        if len(fields) < 2:
            continue
        name, kind = fields[0], fields[1]
        # "lib.a[member.o]" names the member; a plain object names itself.
        node = where[where.index("[") + 1:-1] if where.endswith("]") else Path(where).name
        defined, undefined = objects.setdefault(node, (set(), set()))
        if kind == "U":
            undefined.add(name)
        elif kind in DEFINED:
            defined.add(name)
    return objects


def graph(objects):
    owner = {}
    for node, (defined, _) in objects.items():
        for name in defined:
            owner.setdefault(name, node)
    edges = {node: {} for node in objects}
    for node, (_, undefined) in objects.items():
        for name in undefined:
            other = owner.get(name)
            if other is not None and other != node:
                edges[node].setdefault(other, []).append(name)
    return edges


def check(nm, files):
    objects = {}
    for path in files:
        objects.update(symbols(nm, path))
    edges = graph(objects)
    found = cycles(edges)
    for component in found:
        print("check-links: a cycle of definitions between " + ", ".join(component))
        members = set(component)
        for node in component:
            for other, names in sorted(edges[node].items()):
                if other in members:
                    print(f"  {node} -> {other}: {', '.join(sorted(names))}")
    if not found:
        print(f"check-links: {len(objects)} objects, no cycle")
    return 1 if found else 0


# The self-test plants the two shapes the runtime once had: a function pair
# that calls each other, and a datum defined in the file that calls the file
# that writes it. A third, one-way pair must pass.
PLANTED = {
    "calls": {"a.c": "int b(void); int a(void) { return b(); }",
              "b.c": "int a(void); int b(void) { return a(); }"},
    "datum": {"owner.c": "int slot; void set(void); void use(void) { set(); }",
              "writer.c": "extern int slot; void set(void) { slot = 1; }"},
    "one-way": {"low.c": "int low(void) { return 1; }",
                "high.c": "int low(void); int high(void) { return low(); }"},
}


def self_test(nm, cc):
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for case, sources in PLANTED.items():
            objects = []
            for name, text in sources.items():
                src = Path(tmp) / f"{case}_{name}"
                src.write_text(text + "\n")
                obj = src.with_suffix(".o")
                subprocess.run([cc, "-c", str(src), "-o", str(obj)], check=True)
                objects.append(obj)
            want = 0 if case == "one-way" else 1
            got = check(nm, objects)
            if got != want:
                print(f"check-links: self-test {case}: exit {got}, expected {want}")
                failures += 1
    print("check-links: self-test " + ("failed" if failures else "passed"))
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nm", default="nm")
    ap.add_argument("--cc", default=shutil.which("cc") or "gcc")
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    if args.self_test:
        return self_test(args.nm, args.cc)
    if not args.files:
        ap.error("no object files")
    return check(args.nm, args.files)


if __name__ == "__main__":
    sys.exit(main())
