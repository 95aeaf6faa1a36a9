#!/usr/bin/env python3
"""Fails when an instrumented module imports a DLL that the same module built
without winstrument does not import (issue 20), or when any output of the
build imports a mingw runtime DLL that no Windows has.

A host pays for every DLL that an instrumented module imports and it has not
loaded itself: the loader maps it at each LoadLibrary of the module and unmaps
it at each FreeLibrary. ntdll.dll is the one extra allowed, because it is
mapped into every process before its first instruction, so binding to it
loads nothing. libgcc_s_*, libstdc++* and libwinpthread* ship with mingw-w64,
not with Windows: a module that imports one fails to load with error 126.

What it compares, for x86_64 and i686, with <arch>-w64-mingw32-objdump -p:
  - scripts/imports/sample.c built as a DLL and as an EXE through wst-cc, and
    as a DLL through wst-cc --wst-functions and --wst-functions=calls,
    against the same source built with the plain compiler;
  - scripts/imports/sample.cpp through wst-c++ against the plain g++ (which
    links libstdc++ and libgcc statically, as a C++ DLL meant for another
    machine must, and as wst-c++ does);
  - wsthelper.dll and the examples' DLLs (build/<arch>/examples/*.dll),
    which have no bare twin, against the bare C DLL's imports;
  - every .dll and .exe under the build directory for the banned runtimes.

    scripts/check-imports.py [--build DIR]     exit 0: clean; 1: each extra
                                               import named; 2: a build failed
"""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHS = ("x86_64", "i686")
# Mapped in every process before any code of it runs (the loader itself).
ALWAYS_MAPPED = {"ntdll.dll"}
BANNED = re.compile(r"^(libgcc_s_.*|libstdc\+\+.*|libwinpthread.*)\.dll$", re.I)
DLL_NAME = re.compile(r"^\s*DLL Name:\s*(\S+)\s*$", re.M)

# (what, wst-cc options, plain options, source, output suffix). The plain
# C++ build links its runtimes statically: otherwise it imports libstdc++-6.dll
# itself and would hide an instrumented build that did the same.
SAMPLES = (
    ("C DLL, wst-cc", [], [], "sample.c", "dll"),
    ("C EXE, wst-cc", ["-DWST_SAMPLE_EXE"], ["-DWST_SAMPLE_EXE"], "sample.c", "exe"),
    ("C DLL, wst-cc --wst-functions", ["--wst-functions"], [], "sample.c", "dll"),
    ("C DLL, wst-cc --wst-functions=calls", ["--wst-functions=calls"], [], "sample.c", "dll"),
    ("C++ DLL, wst-c++", [], ["-static-libgcc", "-static-libstdc++"], "sample.cpp", "dll"),
)


class BuildFailed(Exception):
    pass


def imports(arch, path):
    """The lower-cased names of the DLLs that the PE file `path` imports."""
    out = subprocess.run([f"{arch}-w64-mingw32-objdump", "-p", str(path)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise BuildFailed(f"objdump -p {path} failed: {out.stderr.strip()}")
    return {name.lower() for name in DLL_NAME.findall(out.stdout)}


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise BuildFailed(" ".join(cmd) + "\n" + out.stderr)


def build_pair(arch, build, index, sample):
    """Builds one sample both ways; returns (instrumented path, bare path)."""
    what, wst_opts, plain_opts, source, suffix = sample
    src = ROOT / "scripts" / "imports" / source
    out = build / "imports" / arch
    out.mkdir(parents=True, exist_ok=True)
    kind = ["-shared"] if suffix == "dll" else []
    lib = build.resolve() / arch / "lib"
    wst = out / f"wst_{index}.{suffix}"
    bare = out / f"bare_{index}.{suffix}"
    cxx = source.endswith(".cpp")
    compiler, driver = ("g++", "wst-c++") if cxx else ("gcc", "wst-cc")
    # -L first: a private BUILD directory's runtime is linked, not build/'s.
    run(["bash", str(ROOT / "toolchain" / driver), f"--wst-arch={arch}", *wst_opts,
         "-O2", *kind, "-o", str(wst), str(src), f"-L{lib}"])
    run([f"{arch}-w64-mingw32-{compiler}", "-DWST_SAMPLE_BARE", *plain_opts, "-O2", *kind,
         "-o", str(bare), str(src)])
    return wst, bare


def names(dlls):
    return " ".join(sorted(dlls)) or "(none)"


def compare(label, got, allowed, reason, failures):
    extra = got - allowed - ALWAYS_MAPPED
    verdict = "ok" if not extra else "EXTRA " + names(extra)
    print(f"  {label}\n      imports  {names(got)}\n      allowed  {names(allowed)} "
          f"+ ntdll.dll ({reason}): {verdict}")
    for dll in sorted(extra):
        failures.append(f"{label} imports {dll}, which {reason} does not import")


def check_arch(arch, build, failures):
    print(f"import-check [{arch}]")
    bare_c_dll = None
    for index, sample in enumerate(SAMPLES):
        wst, bare = build_pair(arch, build, index, sample)
        bare_imports = imports(arch, bare)
        if sample[0] == "C DLL, wst-cc":
            bare_c_dll = bare_imports
        compare(f"{sample[0]} ({wst.relative_to(build)})", imports(arch, wst), bare_imports,
                "the same source built without winstrument", failures)
    fixed = [build / arch / "bin" / "wsthelper.dll",
             *sorted((build / arch / "examples").glob("*.dll"))]
    for path in fixed:
        if not path.is_file():
            failures.append(f"{path} is missing (run make cross)")
            continue
        compare(str(path.relative_to(build)), imports(arch, path), bare_c_dll,
                "a bare C DLL of this toolchain", failures)


def outputs(build):
    """The .dll and .exe files under build, but not in objects, Wine prefixes or
    make platform-check's Debian root (build/platform/trixie: an OS's files,
    mingw-w64's own DLLs among them, not the build's)."""
    for top, dirs, files in os.walk(build):
        rel = Path(top).relative_to(build).parts
        dirs[:] = [d for d in dirs if d not in ("obj", "wineprefix") and
                   not (rel == ("platform",) and d == "trixie")]
        for name in files:
            path = Path(top) / name
            if path.suffix.lower() in (".dll", ".exe") and path.is_file():
                yield path


def check_banned(build, failures):
    """Every PE output of the build, against the runtimes no Windows has."""
    count = 0
    for path in sorted(outputs(build)):
        arch = "i686" if "i686" in path.relative_to(build).parts else "x86_64"
        count += 1
        for dll in sorted(imports(arch, path)):
            if BANNED.match(dll):
                failures.append(f"{path.relative_to(build)} imports {dll}, which no Windows has "
                                "(link libgcc/libstdc++ statically)")
    print(f"import-check: {count} .dll/.exe files under {build} checked for "
          "libgcc_s_*, libstdc++*, libwinpthread* imports")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default="build", help="build directory (default: build)")
    args = parser.parse_args()
    build = Path(args.build)
    if not build.is_absolute():
        build = ROOT / build
    failures = []
    try:
        for arch in ARCHS:
            check_arch(arch, build, failures)
        check_banned(build, failures)
    except BuildFailed as e:
        print(f"import-check: build failed: {e}", file=sys.stderr)
        return 2
    if failures:
        for f in failures:
            print(f"import-check: FAIL: {f}")
        print(f"import-check: {len(failures)} extra import(s)")
        return 1
    print("import-check: no instrumented module imports more than its bare build, "
          "apart from ntdll.dll")
    return 0


if __name__ == "__main__":
    sys.exit(main())
