"""Coverage export (`wst-inspect coverage`), read by the real tools.

coverage-lcov: wst_cov.exe (built with `wst-cc --wst-functions -g`) calls
cov_called N times and cov_twice twice, never cov_never, then waits. The
inspector's lcov export is checked for those counts and source lines, and
Debian's genhtml (package lcov) renders it: it must succeed, and its
function view must list cov_called with N and cov_never with 0.

coverage-drcov: the drcov export of the same target, checked by
check_drcov() below, which follows DynamoRIO's published version 2 layout
strictly (Debian packages no drcov reader: no DynamoRIO, no Lighthouse).

zlib-live: zlib built unmodified with its own CMakeLists.txt and
CC="wst-cc --wst-functions" (examples/zlib/build.sh). Its own test program
minigzip.exe compresses what the scenario feeds it, under Wine with
WINEDLLOVERRIDES=zlib1=n,b for that program only; the scenario reads it live
(`functions`, `coverage`) and checks facts of the library.

zlib-builtin-hint: with Wine's builtin zlib1.dll loaded instead, the
inspector's no-module error must say where that module came from.
Both are SKIPPED with the real cause (build/zlib/SKIPPED: apt's 404 line or
error, from scripts/fetch-debian-source.sh) when Debian's source package could
not be fetched, and FAIL instead in CI (CI=true in the environment).
"""

import gzip
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import time

COV_CALLS = 7


def start_cov(ctx):
    """Starts wst_cov.exe (in its own directory) and waits for its `ready PID`:
    (proc, pid)."""
    host = ctx.bin("wst_cov.exe")
    ctx.require(host.is_file(), f"{host} is missing (make cross)")
    proc = ctx.spawn(host, str(COV_CALLS), cwd=host.parent)
    return proc, proc.expect(r"^ready (\d+)").group(1)


def finish(ctx, proc):
    proc.send("quit")
    rc = proc.wait(timeout=30)
    ctx.check(rc == 0, f"{proc.label} exited {rc}")


def read_functions(ctx, pid, module):
    """{name: (offset, calls)} of one module, from `functions --json`; None
    while the inspector cannot read it (not loaded or published yet)."""
    res = ctx.inspect("functions", pid, "--module", module, "--json")
    if res.rc != 0:
        return None
    data = json.loads(res.out)
    mods = [m for m in data.get("modules", []) if m.get("name", "").lower() == module.lower()]
    ctx.require(len(mods) == 1, f"functions --module {module}: {len(mods)} modules: {data}")
    return {f["name"]: (int(f["offset"], 16), f["calls"]) for f in mods[0]["functions"]}


def functions_of(ctx, pid, module):
    funcs = read_functions(ctx, pid, module)
    ctx.require(funcs is not None, f"functions {pid} --module {module} failed")
    return funcs


def wait_functions(ctx, pid, module, ready=lambda funcs: True):
    """Polls `functions` until the module is readable and `ready(funcs)`:
    bounded by the scenario's deadline, each read by its own timeout."""
    funcs = None
    while ctx.remaining() > 5:
        funcs = read_functions(ctx, pid, module)
        if funcs is not None and ready(funcs):
            return funcs
        time.sleep(0.2)
    ctx.hung(f"functions --module {module} never became ready (last: {funcs})")


# ------------------------------------------------------------------ lcov

def parse_lcov(ctx, text):
    """{source: {"fn": {name: line}, "fnda": {name: count}, "fnf", "fnh"}}, strictly."""
    records, cur = {}, None
    for n, line in enumerate(text.split("\n"), 1):
        if line == "":
            continue
        key, _, value = line.partition(":")
        if line == "end_of_record":
            ctx.require(cur is not None, f"lcov line {n}: end_of_record outside a record")
            ctx.check(len(cur["fn"]) == cur["fnf"], f"lcov {cur['sf']}: FNF {cur['fnf']} "
                      f"but {len(cur['fn'])} FN lines")
            hit = sum(1 for c in cur["fnda"].values() if c > 0)
            ctx.check(hit == cur["fnh"], f"lcov {cur['sf']}: FNH {cur['fnh']} but {hit} hit")
            ctx.check(set(cur["fn"]) == set(cur["fnda"]), f"lcov {cur['sf']}: FN and FNDA differ")
            records[cur["sf"]] = cur
            cur = None
        elif key == "TN":
            ctx.require(cur is None, f"lcov line {n}: TN inside a record")
            cur = {"fn": {}, "fnda": {}, "fnf": -1, "fnh": -1, "sf": None}
        elif key == "SF":
            cur["sf"] = value
        elif key == "FN":
            lineno, name = value.split(",", 1)
            cur["fn"][name] = int(lineno)
        elif key == "FNDA":
            count, name = value.split(",", 1)
            cur["fnda"][name] = int(count)
        elif key in ("FNF", "FNH", "LF", "LH"):
            cur[key.lower()] = int(value)
        elif key == "DA":
            a, b = value.split(",")
            int(a), int(b)
        else:
            ctx.require(False, f"lcov line {n}: unknown record {line!r}")
    ctx.require(cur is None, "lcov: the last record has no end_of_record")
    return records


def source_line(path, name):
    """The line of `name(`'s definition's opening brace, as gcc's first row."""
    lines = path.read_text().splitlines()
    for i, text in enumerate(lines):
        if re.match(r"^__attribute__\(\(noinline\)\) int %s\(" % name, text):
            for j in range(i, len(lines)):
                if lines[j].startswith("{"):
                    return j + 1
    return None


def coverage_lcov(ctx):
    proc, pid = start_cov(ctx)
    tmp = ctx.tmpdir()
    out = tmp / "cov.info"
    # -o with a relative name: the inspector's working directory is tmp.
    res = ctx.run(ctx.inspector, "coverage", pid, "--format", "lcov", "--module",
                  "wst_cov.exe", "-o", out.name, cwd=tmp)
    ctx.require(res.rc == 0, f"coverage --format lcov exited {res.rc}: {res.err.strip()}")
    # The same export on stdout is the same bytes (binary mode: no \r).
    res2 = ctx.inspect("coverage", pid, "--format", "lcov", "--module", "wst_cov.exe")
    # Without --format, lcov.
    res3 = ctx.inspect("coverage", pid, "--module", "wst_cov.exe")
    finish(ctx, proc)
    text = out.read_text()
    ctx.check("\r" not in text, "the tracefile has carriage returns")
    ctx.check(res2.rc == 0 and res2.out == text,
              f"coverage to stdout differs from -o FILE (rc {res2.rc})")
    ctx.check(res3.rc == 0 and res3.out == text,
              f"coverage without --format is not lcov: rc {res3.rc} {res3.err.strip()}")
    records = parse_lcov(ctx, text)
    src = [sf for sf in records if sf.replace("\\", "/").endswith("wine-tests/hosts/wst_cov.c")]
    ctx.require(len(src) == 1, f"no record for wst_cov.c among {list(records)}")
    rec = records[src[0]]
    want = {"cov_called": COV_CALLS, "cov_twice": 2, "cov_never": 0, "main": 1}
    source = ctx.root / "wine-tests" / "hosts" / "wst_cov.c"
    for name, calls in want.items():
        ctx.check(rec["fnda"].get(name) == calls,
                  f"FNDA of {name}: {rec['fnda'].get(name)}, want {calls}")
        line = source_line(source, name)
        if line is not None:
            ctx.check(rec["fn"].get(name) == line,
                      f"FN line of {name}: {rec['fn'].get(name)}, the source says {line}")
    if ctx.native:
        return
    genhtml = shutil.which("genhtml")
    ctx.require(genhtml, "genhtml is missing (scripts/install-deps.sh installs lcov)")
    html = tmp / "html"
    # From the source tree's root, where the DWARF path ./wine-tests/... resolves.
    run = subprocess.run([genhtml, "--function-coverage", "-o", str(html), str(out)],
                         cwd=str(ctx.root), capture_output=True, text=True,
                         timeout=ctx.bounded(120))
    ctx.require(run.returncode == 0, f"genhtml failed ({run.returncode}): "
                f"{(run.stderr or run.stdout).strip()[-500:]}")
    pages = list(html.rglob("wst_cov.c.func*.html"))
    ctx.require(pages, f"genhtml wrote no function page for wst_cov.c: {run.stdout[-300:]}")
    page = pages[0].read_text()
    ctx.note("genhtml", run.stdout.strip().splitlines()[-1] if run.stdout.strip() else "")
    for name, calls in (("cov_called", COV_CALLS), ("cov_never", 0)):
        m = re.search(r">%s</a></td>\s*<td[^>]*>(\d+)</td>" % name, page)
        ctx.check(m is not None and int(m.group(1)) == calls,
                  f"genhtml's function view: {name} -> {m.group(1) if m else 'missing'}, "
                  f"want {calls}")


# ------------------------------------------------------------------ drcov

MODULE_LINE = re.compile(r"^\s*(\d+), 0x([0-9a-f]{16}), 0x([0-9a-f]{16}), 0x([0-9a-f]{16}), "
                         r"0x([0-9a-f]{8}), 0x([0-9a-f]{8}), (.+)$")


def check_drcov(ctx, data):
    """Parses a drcov file strictly (DynamoRIO's version 2 layout, the
    Windows module-table columns) and returns (modules, blocks):
    modules [(id, base, end, path)], blocks [(start, size, module id)]."""
    lines, pos = [], 0
    for _ in range(4):
        nl = data.index(b"\n", pos)
        lines.append(data[pos:nl].decode())
        pos = nl + 1
    ctx.require(lines[0] == "DRCOV VERSION: 2", f"drcov: first line {lines[0]!r}")
    ctx.require(lines[1].startswith("DRCOV FLAVOR: ") and len(lines[1]) > 14,
                f"drcov: second line {lines[1]!r}")
    m = re.fullmatch(r"Module Table: version 2, count (\d+)", lines[2])
    ctx.require(m, f"drcov: module table header {lines[2]!r}")
    count = int(m.group(1))
    ctx.require(lines[3] == "Columns: id, base, end, entry, checksum, timestamp, path",
                f"drcov: columns {lines[3]!r}")
    modules = []
    for i in range(count):
        nl = data.index(b"\n", pos)
        line = data[pos:nl].decode()
        pos = nl + 1
        mm = MODULE_LINE.match(line)
        ctx.require(mm, f"drcov: module line {line!r}")
        mid, base, end, entry = int(mm.group(1)), int(mm.group(2), 16), int(mm.group(3), 16), \
            int(mm.group(4), 16)
        ctx.require(mid == i, f"drcov: module ids out of order at {line!r}")
        ctx.require(base < end, f"drcov: module {mid}: base >= end")
        ctx.check(entry == 0 or base <= entry < end, f"drcov: module {mid}: entry outside it")
        modules.append((mid, base, end, mm.group(7)))
    nl = data.index(b"\n", pos)
    m = re.fullmatch(r"BB Table: (\d+) bbs", data[pos:nl].decode())
    ctx.require(m, f"drcov: BB table header {data[pos:nl]!r}")
    n = int(m.group(1))
    body = data[nl + 1:]
    ctx.require(len(body) == 8 * n, f"drcov: {len(body)} bytes of entries for {n} bbs")
    blocks = [struct.unpack_from("<IHH", body, 8 * i) for i in range(n)]
    for start, size, mid in blocks:
        ctx.require(mid < count, f"drcov: block at 0x{start:x} names module {mid} of {count}")
        base, end = modules[mid][1], modules[mid][2]
        ctx.require(size > 0 and start + size <= end - base,
                    f"drcov: block 0x{start:x}+{size} outside module {mid}")
    return modules, blocks


def coverage_drcov(ctx):
    proc, pid = start_cov(ctx)
    tmp = ctx.tmpdir()
    out = tmp / "cov.drcov"
    res = ctx.run(ctx.inspector, "coverage", pid, "--format", "drcov", "-o", out.name, cwd=tmp)
    funcs = functions_of(ctx, pid, "wst_cov.exe")
    finish(ctx, proc)
    ctx.require(res.rc == 0, f"coverage --format drcov exited {res.rc}: {res.err.strip()}")
    modules, blocks = check_drcov(ctx, out.read_bytes())
    ours = [m for m in modules if m[3].lower().endswith("wst_cov.exe")]
    ctx.require(len(ours) == 1, f"drcov: wst_cov.exe in module table {modules}")
    mid = ours[0][0]
    starts = {start for start, _, m in blocks if m == mid}
    # `functions` lists the functions that ran; the blocks are exactly those.
    called = {off for off, calls in funcs.values() if calls > 0}
    for name in ("cov_called", "cov_twice", "main"):
        ctx.check(name in funcs and funcs[name][0] in starts,
                  f"drcov: no block at {name} ({funcs.get(name)})")
    ctx.check("cov_never" not in funcs, f"functions lists cov_never: {funcs.get('cov_never')}")
    ctx.check(starts == called, f"drcov: blocks at {sorted(map(hex, starts - called))} that "
              f"did not run, none at {sorted(map(hex, called - starts))} that did")
    # Usage errors are named and exit 2.
    bad = ctx.inspect("coverage", pid, "--format", "text")
    ctx.check(bad.rc == 2 and "drcov or lcov" in bad.err, f"coverage --format text: {bad}")


# ------------------------------------------------------------------ zlib

CHUNK = 16384  # minigzip's fread size (test/minigzip.c, BUFLEN)
CHUNKS = 24


def zlib_input():
    """Compressible but not trivial: numbered lines with hashes."""
    text = b"".join(b"line %d of the zlib scenario: %s\n"
                    % (i, hashlib.sha1(b"%d" % (i % 97)).hexdigest().encode())
                    for i in range(40000))
    return text[:CHUNK * CHUNKS]


def zlib_programs(ctx):
    if ctx.arch != "x86_64":
        # Its inspector would be this run's 32-bit one, which cannot read a
        # 64-bit process: it waited for a ready module until its bound.
        ctx.skip("zlib is built for x86_64 only (examples/zlib/build.sh)")
    zdir = ctx.build / "zlib"
    skipped = zdir / "SKIPPED"
    if skipped.is_file():
        # The first line is the real cause (apt's 404 line or error).
        cause = "zlib's source could not be fetched: " + \
            skipped.read_text().strip().splitlines()[0][:400]
        # In CI a real library that cannot be fetched is a broken build, not
        # a scenario that may be left out.
        ctx.require(os.environ.get("CI") != "true",
                    f"{cause} (CI=true: a real library's scenario may not be skipped)")
        ctx.skip(cause)
    prog = zdir / "functions"
    ctx.require((prog / "minigzip.exe").is_file() and (prog / "zlib1.dll").is_file(),
                f"{prog}/minigzip.exe or zlib1.dll is missing (make cross builds them, "
                "examples/zlib/build.sh)")
    return prog


class BinaryProc:
    """minigzip reads and writes bytes, which ctx.spawn's line reader would
    mangle: stdin is a binary pipe, stdout a file. Registered with the
    context, so the scenario's deadline kills it like any program."""

    def __init__(self, ctx, exe, out_path, env):
        self.label = exe.name
        self.ctx = ctx
        self.out = open(out_path, "wb")
        self.popen = subprocess.Popen(ctx.platform.argv(exe, ()), stdin=subprocess.PIPE,
                                      stdout=self.out, stderr=subprocess.DEVNULL,
                                      env=ctx._env(env), cwd=str(exe.parent),
                                      **ctx.platform.popen_kwargs())
        ctx._procs.append(self)

    def kill(self):
        self.ctx.platform.kill_tree(self.popen)

    def finish(self):
        try:
            self.popen.stdin.close()
        except OSError:
            pass
        try:
            rc = self.popen.wait(timeout=self.ctx.bounded(60))
        except subprocess.TimeoutExpired:
            self.ctx.hung(f"{self.label} did not exit after its input ended")
        self.out.close()
        return rc


def windows_pid(ctx, exe_name):
    """The Windows pid of our one running `exe_name` (under Wine the
    launcher's pid is not it), from `wst-inspect ps`; waits until it shows."""
    while ctx.remaining() > 5:
        res = ctx.inspect("ps", "--format", "json")
        rows = [p for p in json.loads(res.out).get("processes", [])
                if str(p.get("executable", "")).lower().endswith(exe_name)]
        ctx.require(len(rows) <= 1, f"ps: more than one {exe_name}: {rows}")
        if rows:
            return str(rows[0]["pid"])
        time.sleep(0.2)
    ctx.hung(f"{exe_name} never showed up in ps")


def zlib_live(ctx):
    prog = zlib_programs(ctx)
    data = zlib_input()
    gz = ctx.tmpdir() / "out.gz"
    proc = BinaryProc(ctx, prog / "minigzip.exe", gz, {"WINEDLLOVERRIDES": "zlib1=n,b"})
    proc.popen.stdin.write(data)
    proc.popen.stdin.flush()
    pid = windows_pid(ctx, "minigzip.exe")
    # fread blocks in the (k+1)th 16 KiB chunk until more input comes:
    # gzwrite has then run once per chunk, and the process is still alive.
    funcs = wait_functions(ctx, pid, "zlib1.dll",
                           lambda f: f.get("gzwrite", (0, 0))[1] >= CHUNKS)
    cov = ctx.inspect("coverage", pid, "--format", "lcov", "--module", "zlib1.dll")
    tmp = ctx.tmpdir()
    drcov_path = tmp / "zlib.drcov"
    drcov = ctx.run(ctx.inspector, "coverage", pid, "--format", "drcov", "--module",
                    "zlib1.dll", "-o", drcov_path.name, cwd=tmp)
    rc = proc.finish()
    ctx.check(rc == 0, f"minigzip exited {rc}")

    calls = {name: c for name, (_, c) in funcs.items()}
    ctx.note("zlib calls", {k: calls.get(k) for k in ("gzwrite", "deflate", "crc32",
                                                        "deflateInit2_", "adler32")})
    ctx.check(calls.get("gzwrite") == CHUNKS, f"gzwrite ran {calls.get('gzwrite')} times, "
              f"want {CHUNKS}: one per {CHUNK}-byte fread")
    ctx.check(calls.get("deflateInit2_") == 1, f"deflateInit2_ ran {calls.get('deflateInit2_')}"
              " times: the gzip stream is set up once")
    ctx.check(calls.get("deflate", 0) >= CHUNKS,
              f"deflate ran {calls.get('deflate')} times for {CHUNKS} writes")
    # gzip's checksum is CRC-32 (adler32 is zlib-wrapped deflate's): each
    # write's bytes enter the window through read_buf, which adds them to the
    # CRC, so crc32 runs at least once per write, and no more often than the
    # input has bytes.
    ctx.check(CHUNKS <= calls.get("crc32", 0) <= len(data),
              f"crc32 ran {calls.get('crc32')} times for {CHUNKS} writes of {CHUNK} bytes")
    ctx.check(calls.get("adler32", 0) == 0, f"adler32 ran {calls.get('adler32')} times in gzip")
    ctx.check(cov.rc == 0, f"coverage --format lcov of zlib1.dll exited {cov.rc}: {cov.err}")
    if cov.rc == 0:
        recs = parse_lcov(ctx, cov.out)
        fnda = {}
        for r in recs.values():
            fnda.update(r["fnda"])
        ctx.check(fnda.get("deflate", 0) >= CHUNKS, f"lcov: FNDA of deflate {fnda.get('deflate')}")
        ctx.check(fnda.get("inflate") == 0, f"lcov: FNDA of inflate {fnda.get('inflate')} "
                  "(minigzip compresses: inflate never runs)")
        ctx.check(any(sf.replace("\\", "/").endswith("/deflate.c") for sf in recs),
                  f"lcov: no record for deflate.c among {list(recs)[:5]}")
    ctx.check(drcov.rc == 0, f"coverage --format drcov of zlib1.dll exited {drcov.rc}: "
              f"{drcov.err}")
    if drcov.rc == 0:
        modules, blocks = check_drcov(ctx, drcov_path.read_bytes())
        ctx.check(len(modules) == 1 and modules[0][3].lower().endswith("zlib1.dll"),
                  f"drcov --module zlib1.dll: modules {modules}")
        ctx.check(len(blocks) >= 5, f"drcov: only {len(blocks)} blocks")
    ctx.check(gzip.decompress(gz.read_bytes()) == data,
              "minigzip's output does not decompress to its input")


def zlib_builtin_hint(ctx):
    """Without zlib1=n,b Wine 8 loads its builtin zlib1.dll in place of the
    instrumented one next to minigzip.exe, and reports the own copy's path
    for it. The inspector's no-module error must say that the module is
    Wine's builtin and what to set."""
    if ctx.native:
        ctx.skip("Wine's builtin zlib1.dll: Wine only")
    prog = zlib_programs(ctx)
    proc = BinaryProc(ctx, prog / "minigzip.exe", ctx.tmpdir() / "out.gz", {})
    pid = windows_pid(ctx, "minigzip.exe")
    # minigzip.exe is instrumented itself: once its table is published (its
    # TLS callback ran, after the imports were loaded), zlib1.dll is there.
    wait_functions(ctx, pid, "minigzip.exe")
    res = ctx.inspect("functions", pid, "--module", "zlib1.dll")
    rc = proc.finish()
    ctx.check(rc == 0, f"minigzip with Wine's builtin zlib1.dll exited {rc}")
    ctx.check(res.rc == 6, f"functions --module zlib1.dll with the builtin loaded exited "
              f"{res.rc}, want 6 (no-module): {res.err.strip()}")
    ctx.check("Wine's builtin" in res.err and "WINEDLLOVERRIDES=zlib1=n,b" in res.err,
              f"no builtin hint in {res.err.strip()!r}")
