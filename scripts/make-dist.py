#!/usr/bin/env python3
"""Packs one release zip: dist/winstrument-<version>-<arch>.zip.

    make-dist.py --arch x86_64 --build build --out dist/winstrument-0.1.0-x86_64.zip
    make-dist.py --notes      # this version's CHANGELOG section, for the release page

The zip is flat (everything at its root, so `wst-cc` finds `include/` and
`lib/` beside itself) and holds:

    README.md           how to use the zip
    LICENSE
    CHANGELOG.md        the changelog from this version's section down
    SHA256SUMS          sha256 of every other file, `sha256sum -c` format
    wst-cc              the compiler driver (mode 0755)
    wst-c++             its C++ twin (mode 0755; runs wst-cc --wst-lang=c++)
    include/...         the public headers
    lib/libwinstrument.a
    lib/libwinstrument-functions.a, lib/libwinstrument-calls.a   the function hooks
    lib/ARCH            the zip's architecture, read by wst-cc
    bin/wst-inspect.exe
    bin/wsthelper.dll   helper mode's worker (WINSTRUMENT_MODE=helper)
    examples/...        the examples' sources (their module.mk stays behind)
    docs/*.md           the reference documents (not docs/design/)

Reproducible: two runs on the same commit give byte-identical zips. Every
entry gets the same timestamp (SOURCE_DATE_EPOCH, else the commit time of
HEAD), fixed permissions and a Unix "made by"; entries are sorted by name,
carry no extra fields and no directory entries; the compression level is
fixed. Source files are taken from `git ls-files`, so stray files in the work
tree never leak into a release. This script never runs a compiler: the build
outputs must be reproducible themselves (docs/release.md says how they are).
"""

import argparse
import hashlib
import io
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ZIP_EPOCH_MIN = 315532800  # 1980-01-01: the earliest time a zip entry can hold
ARCHS = ("x86_64", "i686")


def fail(msg):
    print(f"make-dist: {msg}", file=sys.stderr)
    sys.exit(1)


def read_version():
    text = (ROOT / "include/winstrument/version.h").read_text()
    m = re.search(r'^#define WST_VERSION_STRING "([^"]+)"', text, re.M)
    if not m:
        fail("no WST_VERSION_STRING in include/winstrument/version.h")
    return m.group(1)


def git(*args):
    try:
        out = subprocess.run(["git", "-C", str(ROOT), *args], check=True,
                             capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return out


def source_epoch():
    """SOURCE_DATE_EPOCH, else HEAD's commit time, else 1980-01-01."""
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env:
        if not env.isdigit():
            fail(f"SOURCE_DATE_EPOCH is not a number: {env!r}")
        return max(int(env), ZIP_EPOCH_MIN)
    out = git("log", "-1", "--format=%ct")
    if out and out.strip().isdigit():
        return max(int(out.strip()), ZIP_EPOCH_MIN)
    return ZIP_EPOCH_MIN


def tree_files(subdir):
    """Files under subdir that git tracks (all files when this is no checkout)."""
    out = git("ls-files", "-z", "--", subdir)
    if out is not None:
        names = [n for n in out.split("\0") if n]
        return sorted(n for n in names if (ROOT / n).is_file())
    base = ROOT / subdir
    if not base.is_dir():
        return []
    return sorted(p.relative_to(ROOT).as_posix() for p in base.rglob("*") if p.is_file())


def changelog_from(version):
    """CHANGELOG.md from this version's section down, with the preamble kept."""
    path = ROOT / "CHANGELOG.md"
    if not path.is_file():
        fail("CHANGELOG.md is missing")
    lines = path.read_text().splitlines(keepends=True)
    head = re.compile(r"^## \[?" + re.escape(version) + r"\]?(\s|$)")
    start = next((i for i, l in enumerate(lines) if head.match(l)), None)
    if start is None:
        fail(f"CHANGELOG.md has no section for {version} ('## [{version}] - date')")
    first = next((i for i, l in enumerate(lines) if l.startswith("## ")), start)
    return "".join(lines[:first] + lines[start:]).encode()


def release_notes(version):
    """This version's changelog section without its heading: the release's text."""
    text = changelog_from(version).decode()
    head = re.compile(r"^## \[?" + re.escape(version) + r"\]?(\s|$)", re.M)
    body = text[head.search(text).end():].partition("\n")[2]
    nxt = re.search(r"^## ", body, re.M)
    return (body[:nxt.start()] if nxt else body).strip() + "\n"


def readme(version, arch):
    text = f"""# winstrument {version} ({arch})

A Windows instrumentation runtime: link `lib/libwinstrument.a` into a DLL or
an EXE, count events with `WST_COUNT("name")`, and read the counters from
outside with `bin/wst-inspect.exe`. Everything in this zip is for {arch}.

## Contents

| path | what |
|---|---|
| `include/` | `winstrument.h` (the API for instrumented code) and the ABI headers |
| `lib/libwinstrument.a` | the static runtime ({arch}) |
| `lib/libwinstrument-functions.a`, `lib/libwinstrument-calls.a` | the function hooks `wst-cc --wst-functions` links |
| `bin/wst-inspect.exe` | the inspector |
| `bin/wsthelper.dll` | helper mode's worker (`WINSTRUMENT_MODE=helper`): copy it next to the instrumented DLL or EXE |
| `wst-cc` | compiler driver for the mingw-w64 cross compiler (bash, Linux) |
| `wst-c++` | the same for C++ (mingw-w64 g++; links libstdc++ statically) |
| `examples/` | example sources |
| `docs/` | the reference documents that `wst-inspect --help` points to |
| `SHA256SUMS` | checksums of every other file: `sha256sum -c SHA256SUMS` |

## Quick start (Linux, mingw-w64)

    ./wst-cc -shared -o mylib.dll mylib.c      # mylib.c uses WST_COUNT("calls")
    ./wst-cc -o host.exe host.c
    wine host.exe &                             # or run it on Windows
    wine bin/wst-inspect.exe --help

`wst-cc` runs `{arch}-w64-mingw32-gcc` with this zip's `include/` and adds
`-L lib -lwinstrument -lntdll -static-libgcc` when it links. With another
compiler, do the same by hand.
"""
    # Not the project's README: its commands (make cross, toolchain/wst-cc,
    # scripts/wine-env.sh) are not in the zip. The reference docs are.
    return text.encode()


def collect(version, arch, build):
    """{zip name: (bytes, mode)} of everything but SHA256SUMS."""
    files = {}

    def add_file(name, path, mode=0o644):
        if not path.is_file():
            fail(f"missing {path} (build it first: make cross)")
        files[name] = (path.read_bytes(), mode)

    for name in tree_files("include"):
        add_file(name, ROOT / name)
    for name in tree_files("examples"):
        if Path(name).name != "module.mk":
            add_file(name, ROOT / name)
    # The reference documents; the design records (docs/design/) stay behind.
    for name in tree_files("docs"):
        if name.endswith(".md") and not name.startswith("docs/design/"):
            add_file(name, ROOT / name)
    add_file("wst-cc", ROOT / "toolchain/wst-cc", 0o755)
    add_file("wst-c++", ROOT / "toolchain/wst-c++", 0o755)
    add_file("LICENSE", ROOT / "LICENSE")
    files["README.md"] = (readme(version, arch), 0o644)
    files["CHANGELOG.md"] = (changelog_from(version), 0o644)

    out = build / arch
    add_file("lib/libwinstrument.a", out / "lib/libwinstrument.a")
    # The function hooks that wst-cc --wst-functions[=calls] links.
    for hooks in ("functions", "calls"):
        add_file(f"lib/libwinstrument-{hooks}.a", out / f"lib/libwinstrument-{hooks}.a")
    files["lib/ARCH"] = (arch.encode() + b"\n", 0o644)
    add_file("bin/wst-inspect.exe", out / "bin/wst-inspect.exe")
    add_file("bin/wsthelper.dll", out / "bin/wsthelper.dll")
    return files


def sha256sums(files):
    lines = [f"{hashlib.sha256(data).hexdigest()}  {name}\n"
             for name, (data, _) in sorted(files.items())]
    return "".join(lines).encode()


def write_zip(path, files, epoch):
    date_time = time.gmtime(epoch)[:6]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in sorted(files):
            data, mode = files[name]
            info = zipfile.ZipInfo(name, date_time)
            info.create_system = 3  # Unix, so the mode below means something
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data, compresslevel=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", choices=ARCHS)
    ap.add_argument("--notes", action="store_true",
                    help="print this version's CHANGELOG section (release notes) and exit")
    ap.add_argument("--build", default="build", help="build directory (default: build)")
    ap.add_argument("--out", help="zip path (default: dist/winstrument-<version>-<arch>.zip)")
    ap.add_argument("--version", help="check that version.h says this version")
    args = ap.parse_args()

    version = read_version()
    if args.version and args.version != version:
        fail(f"version.h says {version}, not {args.version}")
    if args.notes:
        sys.stdout.write(release_notes(version))
        return
    if not args.arch:
        ap.error("--arch is required")
    build = Path(args.build)
    if not build.is_absolute():
        build = ROOT / build
    out = Path(args.out or f"dist/winstrument-{version}-{args.arch}.zip")

    files = collect(version, args.arch, build)
    files["SHA256SUMS"] = (sha256sums(files), 0o644)
    write_zip(out, files, source_epoch())
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    print(f"  DIST {out} ({len(files)} files, sha256 {digest[:16]}...)")


if __name__ == "__main__":
    main()
