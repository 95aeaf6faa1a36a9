"""dist_zip: a release zip is all a user needs.

Unpacks the x86_64 release zip (built by `make dist`; `make check` builds it
before the scenarios run, so a missing zip is a failure, not a skip) into a
temporary directory, checks its SHA256SUMS, builds an instrumented DLL and an
instrumented host EXE with nothing but the zip's wst-cc, include/ and lib/,
runs the host, and reads both modules with the zip's own inspector.

On native Windows it skips: wst-cc is a bash script that drives the Linux
mingw-w64 cross compiler.
"""

import hashlib
import json
import os
import re
import subprocess
import time
import zipfile
from pathlib import Path

from .common import check_counters_work, parse_dump_bits, quit_counters_host, \
    read_ready_pid

ARCH = "x86_64"
N = 7  # counters_work(N): dll.calls == N, dll.bytes == 3N, host.work == N
SOURCES = ("counters_dll.c", "counters_host.c")
REQUIRED = ("include/winstrument.h", "lib/libwinstrument.a", "bin/wst-inspect.exe",
            "bin/wsthelper.dll", "wst-cc",
            "wst-c++", "README.md", "LICENSE", "CHANGELOG.md", "SHA256SUMS",
            "docs/inspector.md")


def version(root):
    text = (Path(root) / "include/winstrument/version.h").read_text()
    return re.search(r'^#define WST_VERSION_STRING "([^"]+)"', text, re.M).group(1)


def dist_zip(ctx, arch):
    """The zip of this commit: $WST_DIST_DIR (set by `make wine-check`) or dist/."""
    dist = Path(os.environ.get("WST_DIST_DIR") or Path(ctx.root) / "dist")
    return dist / f"winstrument-{version(ctx.root)}-{arch}.zip"


def unpack(ctx, path):
    """Extracts the zip; returns (dir, problems with its contents)."""
    dest = Path(ctx.tmpdir()) / "zip"
    with zipfile.ZipFile(path) as zf:
        zf.extractall(dest)
    problems = [f"no {name}" for name in REQUIRED if not (dest / name).is_file()]
    sums = dest / "SHA256SUMS"
    listed = set()
    if sums.is_file():
        for line in sums.read_text().splitlines():
            digest, _, name = line.partition("  ")
            listed.add(name)
            f = dest / name
            if not f.is_file() or hashlib.sha256(f.read_bytes()).hexdigest() != digest:
                problems.append(f"SHA256SUMS: {name} does not match")
    present = {p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()}
    unlisted = present - listed - {"SHA256SUMS"}
    if unlisted:
        problems.append(f"SHA256SUMS misses {sorted(unlisted)}")
    return dest, problems


def wst_cc(ctx, zipdir, work, *args, driver="wst-cc"):
    """Runs the zip's wst-cc (or wst-c++) in work/; returns (ok, output)."""
    p = subprocess.run(["bash", str(zipdir / driver), *args], cwd=work,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    return p.returncode == 0, p.stdout


def run(ctx):
    if ctx.native:
        ctx.skip("wst-cc is a bash script for the Linux cross toolchain")
    path = dist_zip(ctx, ARCH)
    if not path.is_file():
        ctx.check(False, f"{path} is missing: run `make dist` (make check builds it first)")
        return
    ctx.note("zip_bytes", path.stat().st_size)
    ctx.note("zip_sha256", hashlib.sha256(path.read_bytes()).hexdigest())

    zipdir, problems = unpack(ctx, path)
    for p in problems:
        ctx.check(False, f"{path.name}: {p}")
    if problems:
        return

    # Only the sources come from the tree; headers, runtime and driver from the zip.
    work = Path(ctx.tmpdir()) / "work"
    work.mkdir(parents=True, exist_ok=True)
    for name in SOURCES:
        (work / name).write_bytes((Path(ctx.root) / "wine-tests/hosts" / name).read_bytes())
    ok, out = wst_cc(ctx, zipdir, work, "-O2", "-shared", "-o", "counters_dll.dll", "counters_dll.c")
    ctx.check(ok, f"zip's wst-cc failed to build counters_dll.dll:\n{out}")
    if ok:
        ok, out = wst_cc(ctx, zipdir, work, "-O2", "-o", "counters_host.exe", "counters_host.c")
        ctx.check(ok, f"zip's wst-cc failed to build counters_host.exe:\n{out}")
    if not ok:
        return
    # The C++ driver of the zip builds the C++ scenario DLL (templates,
    # header inline functions, exceptions through a time scope).
    for name in ("wst_cxx.cpp", "wst_cxx.h"):
        (work / name).write_bytes((Path(ctx.root) / "wine-tests/hosts" / name).read_bytes())
    ok, out = wst_cc(ctx, zipdir, work, "-std=c++17", "-O2", "-shared", "-o", "wst_cxx.dll",
                     "wst_cxx.cpp", driver="wst-c++")
    ctx.check(ok, f"zip's wst-c++ failed to build wst_cxx.dll:\n{out}")

    proc = ctx.spawn(work / "counters_host.exe", str(N), cwd=work)
    try:
        pid = read_ready_pid(proc)
        res = ctx.run(zipdir / "bin/wst-inspect.exe", "dump", pid, "--json", timeout=60)
        ctx.check(res.rc == 0, f"zip's wst-inspect dump exited {res.rc}: {res.err.strip()}")
        if res.rc == 0:
            check_counters_work(ctx, parse_dump_bits(res.out), N, 64, "zip inspector")
        quit_counters_host(ctx, proc, "counters_host.exe")
    finally:
        proc.kill()
    helper_mode(ctx, zipdir, work)


def helper_mode(ctx, zipdir, work):
    """The zip's wsthelper.dll, copied next to the programs as a user
    would, serves both modules in helper mode: the zip's inspector reads them
    through the pipe."""
    (work / "wsthelper.dll").write_bytes((zipdir / "bin/wsthelper.dll").read_bytes())
    proc = ctx.spawn(work / "counters_host.exe", str(N), cwd=work,
                     env={"WINSTRUMENT_MODE": "helper"})
    try:
        pid = read_ready_pid(proc)
        # The helpers start after the first hits, on their own threads: wait
        # (bounded, 30 s) until both modules say serving.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            res = ctx.run(zipdir / "bin/wst-inspect.exe", "dump", pid, "--json", timeout=60)
            workers = {m.get("worker") for m in json.loads(res.out or "{}").get("modules", [])}
            if res.rc == 0 and workers == {"serving"}:
                break
            time.sleep(0.05)
        res = ctx.run(zipdir / "bin/wst-inspect.exe", "dump", pid, "--json", "--via", "pipe",
                      timeout=60)
        ctx.check(res.rc == 0, f"helper mode: zip's wst-inspect dump --via pipe exited {res.rc}: "
                  f"{res.err.strip()}")
        if res.rc == 0:
            check_counters_work(ctx, parse_dump_bits(res.out), N, 64, "zip helper")
            helpers = {m["name"]: m.get("helper") for m in json.loads(res.out)["modules"]}
            ctx.check(set(helpers.values()) == {"loaded"}, f"helper mode: {helpers}")
        quit_counters_host(ctx, proc, "counters_host.exe (helper mode)")
    finally:
        proc.kill()
