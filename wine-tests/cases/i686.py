"""i686: the 64-bit inspector reads a 32-bit target.

Runs the i686 build of counters_host.exe (which loads the i686
counters_dll.dll; both built by scripts/module.mk into build/i686/scenarios)
and reads both modules with the x86_64 inspector: once from memory (the
region's fixed-width layout read across the WOW64 boundary) and once by the
default path (the 32-bit worker's pipe answering a 64-bit client).

Under Wine this needs 32-bit Wine (Debian: `dpkg --add-architecture i386`,
then wine32:i386). Without it the case is SKIPPED with what failed, never
passed, unless WST_REQUIRE_WINE32=1 (make platform-check sets it: its root
has wine32), where it fails. On native Windows 32-bit programs always run, so
a failing probe is a failure there.

The run's --arch picks the inspector: the x86_64 run reads the 32-bit target
with the 64-bit inspector (across WOW64), the i686 run with the 32-bit one.
"""

import json
import os
import time

from .common import check_counters_work, parse_dump_bits, quit_counters_host, \
    read_ready_pid

ARCH = "i686"
N = 7


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


def check_dump(ctx, pid, via):
    args = ["dump", pid, "--json"] + (["--via", via] if via else [])
    res = ctx.run(ctx.inspector, *args, timeout=60)
    label = f"dump --via {via or 'auto'}"
    ctx.check(res.rc == 0, f"{label} of the 32-bit target exited {res.rc}: {res.err.strip()}")
    if res.rc != 0:
        return
    check_counters_work(ctx, parse_dump_bits(res.out), N, 32, label)


def run(ctx):
    host = ctx.bin("counters_host.exe", arch=ARCH)
    scen = host.parent
    if not host.is_file() or not (scen / "counters_dll.dll").is_file():
        ctx.check(False, f"{scen}/counters_host.exe or counters_dll.dll is missing (make cross)")
        return
    failed = probe(ctx, host)
    if failed:
        if ctx.native:
            ctx.check(False, f"a 32-bit program does not run on this Windows: {failed}")
            return
        if os.environ.get("WST_REQUIRE_WINE32") == "1":
            ctx.check(False, f"WST_REQUIRE_WINE32=1 and a 32-bit program does not run: {failed}")
            return
        ctx.skip(f"no 32-bit Wine: {failed} (Debian: dpkg --add-architecture i386, "
                 "then apt-get install wine32:i386)")

    proc = ctx.spawn(host, str(N), cwd=scen)
    try:
        pid = read_ready_pid(proc)
        check_dump(ctx, pid, "memory")
        check_dump(ctx, pid, None)
        quit_counters_host(ctx, proc, "32-bit counters_host.exe")
    finally:
        proc.kill()
    helper_mode(ctx, host, scen)


def helper_mode(ctx, host, scen):
    """The 32-bit wsthelper.dll beside the programs serves both modules in
    helper mode (its stdcall exports undecorated), read through the pipe."""
    proc = ctx.spawn(host, str(N), cwd=scen, env={"WINSTRUMENT_MODE": "helper"})
    try:
        pid = read_ready_pid(proc)
        # Bounded (30 s) wait until both helpers serve.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            res = ctx.run(ctx.inspector, "dump", pid, "--json", timeout=60)
            doc = json.loads(res.out or "{}") if res.rc == 0 else {}
            if {m.get("worker") for m in doc.get("modules", [])} == {"serving"}:
                break
            time.sleep(0.05)
        seen = [(m.get("name"), m.get("helper"), m.get("worker")) for m in doc.get("modules", [])]
        ctx.check({h for _, h, _ in seen} == {"loaded"}, f"32-bit helper mode: {seen}")
        check_dump(ctx, pid, "pipe")
        quit_counters_host(ctx, proc, "32-bit counters_host.exe (helper mode)")
    finally:
        proc.kill()
