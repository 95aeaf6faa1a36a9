"""i686: the 64-bit inspector reads a 32-bit target.

Runs the i686 build of counters_host.exe (which loads the i686
counters_dll.dll; both built by scripts/module.mk into build/i686/scenarios)
and reads both modules with the x86_64 inspector: once from memory (the
region's fixed-width layout read across the WOW64 boundary) and once by the
default path (the 32-bit worker's pipe answering a 64-bit client).

Under Wine this needs 32-bit Wine (Debian: `dpkg --add-architecture i386`,
then wine32:i386). Without it the case is SKIPPED with what failed, never
passed. On native Windows 32-bit programs always run, so a failing probe is a
failure there.
"""

import json
import re
from pathlib import Path

ARCH = "i686"
N = 7
ARCHS = ("x86_64", "i686")


def arch_dir(ctx, arch):
    """build/<arch> whether ctx.build is the build root or one arch's dir."""
    build = Path(ctx.build)
    if build.name in ARCHS:
        return build.parent / arch
    return build / arch


def probe(ctx, host):
    """None when 32-bit programs run, else what failed."""
    try:
        res = ctx.run(host, "--probe", timeout=60)
    except Exception as e:  # a hang or a loader that cannot start at all
        return f"{host.name} --probe: {type(e).__name__}: {e}"
    if res.rc == 0 and res.out.strip() == "ok":
        return None
    err = [l for l in (res.err or "").splitlines() if l.strip()]
    return (f"{host.name} --probe (i686) exited {res.rc} and printed {res.out.strip()!r}"
            + (f"; stderr: {err[-1].strip()}" if err else ""))


def parse_dump(text):
    doc = json.loads(text)
    return {m["name"]: (m.get("bits"), {c["name"]: c["value"] for c in m.get("counters", [])})
            for m in doc.get("modules", [])}


def check_dump(ctx, pid, via):
    args = ["dump", pid, "--json"] + (["--via", via] if via else [])
    res = ctx.run(ctx.inspector, *args, timeout=60)
    label = f"dump --via {via or 'auto'}"
    ctx.check(res.rc == 0, f"{label} of the 32-bit target exited {res.rc}: {res.err.strip()}")
    if res.rc != 0:
        return
    modules = parse_dump(res.out)
    expect = {"counters_dll.dll": {"dll.calls": N, "dll.bytes": 3 * N},
              "counters_host.exe": {"host.work": N}}
    for name, counters in expect.items():
        if name not in modules:
            ctx.check(False, f"{label}: module {name} not reported (got {sorted(modules)})")
            continue
        bits, got = modules[name]
        ctx.check(bits == 32, f"{label}: {name} reported as {bits}-bit, not 32")
        for counter, value in counters.items():
            ctx.check(got.get(counter) == value,
                      f"{label}: {name} {counter} = {got.get(counter)}, expected {value}")


def run(ctx):
    scen = arch_dir(ctx, ARCH) / "scenarios"
    host = scen / "counters_host.exe"
    if not host.is_file() or not (scen / "counters_dll.dll").is_file():
        ctx.check(False, f"{scen}/counters_host.exe or counters_dll.dll is missing (make cross)")
        return
    failed = probe(ctx, host)
    if failed:
        if ctx.native:
            ctx.check(False, f"a 32-bit program does not run on this Windows: {failed}")
            return
        ctx.skip(f"no 32-bit Wine: {failed} (Debian: dpkg --add-architecture i386, "
                 "then apt-get install wine32:i386)")

    proc = ctx.spawn(host, str(N), cwd=scen)
    try:
        m = proc.expect(r"ready (\d+)", timeout=60)
        text = m.group(0) if hasattr(m, "group") else str(m)
        pid = re.search(r"ready (\d+)", text).group(1)
        check_dump(ctx, pid, "memory")
        check_dump(ctx, pid, None)
        proc.send("quit")
        proc.expect(r"done", timeout=60)
        rc = proc.wait(timeout=60)
        ctx.check(rc == 0, f"32-bit counters_host.exe exited {rc}")
    finally:
        proc.kill()
