#!/usr/bin/env python3
"""Checks that CI's artifact of scenario binaries holds every build/ path
that a scenario reads, so the Windows job (run.py --native on the artifact)
can pass.

The paths a scenario reads under build/ come from three places:
- ctx.bin(name[, arch]): build/ARCH/RUNTIME/, RUNTIME being "scenarios" or
  a mutant's directory (scenarios.MUTANTS);
- ctx.inspector: build/ARCH/bin/;
- any other `ctx.build` expression in wine-tests/cases: each one must be in
  READS below, with the directories it needs natively. A new read that is
  not listed fails this check until it is added here and, if a native run
  needs it, to the artifact.

The artifact's paths are the `path:` block of the step "Upload the scenario
binaries" in .github/workflows/ci.yml. Exit 0 when every needed path is
covered by one of them, 1 otherwise (each missing path named).
"""

import fnmatch
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
CASES = ROOT / "wine-tests" / "cases"
NATIVE_ARCH = "x86_64"  # run.py --native's default architecture

# Each `ctx.build` line of the cases (file, a fragment of the line) and the
# directories below build/ that it needs on a native run ([] when the case
# skips natively, with the reason).
READS = [
    ("coverage.py", 'ctx.build / "zlib"', ["zlib/functions/"]),
    ("sqlite.py", 'ctx.build / "sqlite"', ["sqlite/functions/"]),
    ("helper.py", 'ctx.build / ctx.arch / "helper-wrong-version"',
     [f"{NATIVE_ARCH}/helper-wrong-version/"]),
    ("toolchain.py", 'ctx.build / ctx.arch / "lib"', []),  # wst-c++ builds: skipped natively
]


def artifact_paths(text):
    """The `path: |` lines of the upload step named "Upload the scenario binaries"."""
    m = re.search(r"- name: Upload the scenario binaries\n(.*?)(?=\n\s*- name:|\n\S|\Z)",
                  text, re.S)
    if not m:
        sys.exit("check-workflow: no step 'Upload the scenario binaries' in ci.yml")
    block = re.search(r"path: \|\n((?:\s+\S.*\n?)+)", m.group(1))
    if not block:
        sys.exit("check-workflow: that step has no `path: |` block")
    paths = []
    for line in block.group(1).splitlines():
        line = line.strip()
        if not line or ":" in line:  # the next key (if-no-files-found: ...)
            break
        paths.append(line)
    return paths


def mutant_dirs():
    sys.path.insert(0, str(ROOT / "wine-tests"))
    from scenarios import MUTANTS  # noqa: E402
    return sorted({m.directory for m in MUTANTS})


def needed_paths(problems):
    arches = {NATIVE_ARCH}
    for path in sorted(CASES.glob("*.py")):
        text = path.read_text()
        for m in re.finditer(r'ctx\.bin\([^)]*arch=([A-Z_]+)', text):
            value = re.search(r'^%s = "([^"]+)"' % m.group(1), text, re.M)
            if value:
                arches.add(value.group(1))
            else:
                problems.append(f"{path.name}: ctx.bin(arch={m.group(1)}) of unknown value")
        for n, line in enumerate(text.splitlines(), 1):
            if "ctx.build" not in line:
                continue
            if not any(path.name == f and frag in line for f, frag, _ in READS):
                problems.append(f"{path.name}:{n}: a read of build/ that READS in "
                                f"scripts/check-workflow.py does not list: {line.strip()}")
    need = []
    for arch in sorted(arches):
        need += [f"{arch}/scenarios/", f"{arch}/bin/"]
    need += [f"{NATIVE_ARCH}/{d}/" for d in mutant_dirs()]
    for _, _, dirs in READS:
        need += dirs
    return need


def covered(path, patterns):
    """Whether build/PATH lies under one of the artifact's patterns."""
    full = "build/" + path
    for p in patterns:
        p = p.rstrip("/") + "/"
        if full.startswith(p) or fnmatch.fnmatch(full, p + "*") or fnmatch.fnmatch(full, p):
            return True
    return False


def main():
    problems = []
    patterns = artifact_paths(WORKFLOW.read_text())
    need = needed_paths(problems)
    for path in need:
        if not covered(path, patterns):
            problems.append(f"the artifact misses build/{path} (add it to the step "
                            "'Upload the scenario binaries')")
    for p in problems:
        print(f"check-workflow: {p}", file=sys.stderr)
    if problems:
        return 1
    print(f"check-workflow: the artifact ({len(patterns)} paths) covers the {len(need)} "
          "build/ directories that the scenarios read")
    return 0


if __name__ == "__main__":
    sys.exit(main())
