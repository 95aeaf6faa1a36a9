"""sqlite-live: SQLite, a second real library, read live.

SQLite is built unmodified from Debian's source package (sqlite3) by its own
configure and Makefile, with CC="wst-cc --wst-functions" at its default -O2
(examples/sqlite/build.sh): the amalgamation as libsqlite3-0.dll. The
scenario copies that DLL and wst_sqlite_host.exe (an ordinary program, not
instrumented) into a temporary directory and runs the host there under Wine:
it inserts `rounds` rows (the scenario's iterations) through one prepared
statement into a file database and reads them back, prints how often it
called each API function, and waits. `wst-inspect functions PID --module
libsqlite3-0.dll --json` then reads the DLL's table live, and the scenario
checks facts that hold for SQLite:

- the API functions that SQLite itself never calls (sqlite3_bind_int,
  sqlite3_reset, sqlite3_column_int64, sqlite3_open) ran exactly as often as
  the host called them; sqlite3_step, sqlite3_prepare_v2 and
  sqlite3_finalize, which SQLite's own sqlite3_exec also calls (it reads the
  schema with one), ran the host's count plus sqlite3_exec's, and never less
  than the host's;
- the table's repairs are zero: unwound_frames and unmatched_exits (GCC
  inlines much of SQLite at -O2, and inlined copies once broke the frame
  matching, fixed by matching activations by (key, call site)), and
  untimed_calls and overflow_calls too;
- every function that ran 10 times or more has an inclusive time above 0,
  at most 1% of those that ran have 0 (each is named in the notes), and
  none has a self time above its inclusive time. Not "every function that
  ran has a time above 0": a frame's time is the difference of its two clock
  readings in ns, truncated, and a function that does next to nothing and
  ran once can read 0. On the TSC (calibrated by the host's warm-up: three
  sqlite3_libversion calls 20 ms apart; the scenario checks that `stats`
  says `tsc`, or `qpc` where the TSC is not usable, and then notes that it
  leaves the time-0 check out), back-to-back rdtsc readings on the
  project's machine (an AMD EPYC KVM guest) differ by 26 ticks (10 ns) or
  by 1 tick (0.4 ns, which truncates to 0), the latter in 0.003% to 0.8% of
  2 million pairs, and in 3 runs of 32 one function read 0 (sqlite3MemInit,
  sqlite3WhereOkOnePass, heightOfExpr: each called once). Without the warm-up
  (`wst_sqlite_host N cold`) the frames of the module's first 10 ms of QPC
  time (sqlite3_open's and the first statements'), before the calibration,
  are timed in QPC's 100 ns steps under Wine, and 0 to 3 functions called
  once there read 0 in each of 5 runs (sqlite3PcacheSize,
  sqlite3JournalSize, sqlite3MemInit, sqlite3TriggerColmask,
  sqlite3PagerIsreadonly, sqlite3AuthContextPop).

Not checked: that a caller's inclusive time is at least the sum of its
callees'. The table keeps no caller -> callee edges (docs/functions.md), so
the scenario cannot name a function's callees; the identity is checked, on
functions whose callees are known, by the functions-* scenarios.

The mutant fn-key-only (frames told apart by stack address alone, before
activations were (key, call site)) runs this scenario too, on SQLite's
object linked with its hooks: 984,282 frames unwound and as many unmatched
exits, 244 of 868 functions at 0 ns, sqlite3_step among them.

SKIPPED with the real cause (build/sqlite/SKIPPED: apt's 404 line or error,
from scripts/fetch-debian-source.sh) when Debian's source package could not be
fetched, and FAIL instead in CI (CI=true in the environment).
"""

import json
import os
import shutil
import time

from .common import host_lines, module_entry, read_pid

DLL = "libsqlite3-0.dll"
HOST = "wst_sqlite_host.exe"
# Called by the host only: SQLite's own code (the amalgamation as built here:
# no Tcl interface, no dbstat) calls none of them.
EXACT = ("sqlite3_open", "sqlite3_bind_int", "sqlite3_reset", "sqlite3_column_int64")
# Called by the host and by SQLite's sqlite3_exec (legacy.c), which SQLite
# itself runs to read the schema (prepare.c, sqlite3InitOne).
AT_LEAST = ("sqlite3_step", "sqlite3_prepare_v2", "sqlite3_finalize")
# Time 0 (see the check): allowed only below this many calls, and for at most
# this share of the functions that ran.
ZERO_MAX_CALLS = 10
ZERO_MAX_SHARE = 0.01


def sqlite_dll(ctx):
    """The built DLL, or SKIPPED (FAIL in CI) with the fetch's real cause."""
    if ctx.arch != "x86_64":
        # Its inspector would be this run's 32-bit one, which cannot read a
        # 64-bit process: it waited for a ready module until its bound.
        ctx.skip("SQLite is built for x86_64 only (examples/sqlite/build.sh)")
    sdir = ctx.build / "sqlite"
    skipped = sdir / "SKIPPED"
    if skipped.is_file():
        cause = "sqlite3's source could not be fetched: " + \
            skipped.read_text().strip().splitlines()[0][:400]
        # In CI a real library that cannot be fetched is a broken build, not
        # a scenario that may be left out.
        ctx.require(os.environ.get("CI") != "true",
                    f"{cause} (CI=true: a real library's scenario may not be skipped)")
        ctx.skip(cause)
    dll = sdir / "functions" / DLL
    ctx.require(dll.is_file(), f"{dll} is missing (make cross builds it, "
                "examples/sqlite/build.sh)")
    if ctx.runtime != "scenarios":
        # A mutant's run (fn-key-only): the same object linked with the
        # mutant's hooks, in the mutant's directory (wine-tests/module.mk).
        # Missing, the run proves nothing: a skip, never a catch.
        dll = ctx.bin(DLL)
        if not dll.is_file():
            ctx.skip(f"{dll} was not built")
    return dll


def sqlite_live(ctx, rounds):
    dll = sqlite_dll(ctx)
    host = ctx.bin(HOST)
    ctx.require(host.is_file(), f"{host} is missing (make cross)")
    # The DLL beside the host, which loads it from its own directory; the
    # database file goes there too.
    tmp = ctx.tmpdir()
    shutil.copy2(host, tmp / HOST)
    shutil.copy2(dll, tmp / DLL)
    start = time.monotonic()
    proc = ctx.spawn(tmp / HOST, str(rounds), cwd=tmp)
    pid = read_pid(proc)
    made = {}
    for line in host_lines(proc):
        parts = line.split()
        if len(parts) == 3 and parts[0] == "calls":
            made[parts[1]] = int(parts[2])
    workload_s = time.monotonic() - start
    read = ctx.inspect("functions", pid, "--module", DLL, "--json")
    stats = ctx.inspect("stats", pid, "--json")
    proc.send()
    rc = proc.wait()
    ctx.check(rc == 0, f"{HOST} exited {rc}: {proc.err[-300:]}")
    ctx.require(read.rc == 0, f"functions {pid} --module {DLL} exited {read.rc}: "
                f"{read.err.strip()}")
    m = module_entry(json.loads(read.out), DLL)
    ctx.require(m is not None and "error" not in m, f"functions --module {DLL}: {m}")
    funcs = {f["name"]: f for f in m["functions"]}
    ctx.require(made.get("sqlite3_bind_int") == 2 * rounds,
                f"the host reports {made.get('sqlite3_bind_int')} sqlite3_bind_int calls "
                f"for {rounds} rows: {made}")

    def calls(name):
        return funcs.get(name, {}).get("calls", 0)

    for name in EXACT:
        ctx.check(calls(name) == made.get(name),
                  f"{name} ran {calls(name)} times, the host called it {made.get(name)}")
    exec_calls = calls("sqlite3_exec")
    for name in AT_LEAST:
        ctx.check(calls(name) >= made.get(name, 0),
                  f"{name} ran {calls(name)} times, fewer than the host's {made.get(name)}")
    # Each sqlite3_exec prepares and finalizes each of its statements once.
    ctx.check(exec_calls >= 1, "sqlite3_exec never ran: SQLite reads the schema with it")
    for name in ("sqlite3_prepare_v2", "sqlite3_finalize"):
        extra = calls(name) - made.get(name, 0)
        ctx.check(extra >= exec_calls,
                  f"{name}: {extra} calls beyond the host's for {exec_calls} sqlite3_exec")

    for key in ("unwound_frames", "unmatched_exits", "untimed_calls", "overflow_calls"):
        ctx.check(m.get(key) == 0, f"{DLL}: {key} {m.get(key)}, want 0 (header: "
                  f"{ {k: v for k, v in m.items() if k != 'functions'} })")
    # Time 0: a function that does next to nothing and ran once can read 0
    # (the docstring says why and how often); one that ran ZERO_MAX_CALLS
    # times with every frame below one clock step is not credible.
    clock = None
    if stats.rc == 0:
        sm = module_entry(json.loads(stats.out), DLL)
        clock = (sm or {}).get("clock")
    source = (clock or {}).get("source")
    ctx.check(source in ("tsc", "qpc"),
              f"{DLL}'s clock after the warm-up: {clock} (stats exited {stats.rc}), want tsc "
              "(or qpc, where the TSC is not usable)")
    ran = [f for f in m["functions"] if f["calls"] > 0]
    zero = sorted((f["name"], f["calls"]) for f in ran if f["time_ns"] == 0)
    ctx.note("time_0", zero if len(zero) <= 10 else zero[:10] + [f"... {len(zero)} in all"])
    if source == "qpc":
        # No usable TSC here: every frame is timed in QPC's steps, and a
        # short function can read 0 however often it ran.
        ctx.note("time_0_check", "not made: the module's clock is QPC for good")
    else:
        ctx.check(all(c < ZERO_MAX_CALLS for _, c in zero),
                  f"functions that ran {ZERO_MAX_CALLS} times or more with inclusive time 0: "
                  f"{[z for z in zero if z[1] >= ZERO_MAX_CALLS][:20]}")
        ctx.check(len(zero) <= ZERO_MAX_SHARE * len(ran),
                  f"{len(zero)} of {len(ran)} functions that ran have inclusive time 0: "
                  f"{zero[:20]}")
    over = [f["name"] for f in ran if f["self_ns"] > f["time_ns"]]
    ctx.check(not over, f"self time above inclusive time: {over[:20]}")

    ctx.note("host_calls", made)
    ctx.note("dll_calls", {n: calls(n) for n in EXACT + AT_LEAST + ("sqlite3_exec",)})
    ctx.note("functions_ran", len(ran))
    ctx.note("calls_total", sum(f["calls"] for f in ran))
    ctx.note("header", {k: m.get(k) for k in ("used", "capacity", "threads", "unwound_frames",
                                              "unmatched_exits", "untimed_calls",
                                              "overflow_calls")})
    ctx.note("api_ms", {n: round(funcs[n]["time_ns"] / 1e6, 1)
                        for n in ("sqlite3_step", "sqlite3_open", "sqlite3_prepare_v2")
                        if n in funcs})
    ctx.note("top_self_ms", [(f["name"], round(f["self_ns"] / 1e6, 1))
                             for f in sorted(ran, key=lambda f: -f["self_ns"])[:5]])
    ctx.note("workload_s", round(workload_s, 1))
    ctx.note("read_s", round(read.seconds, 2))
    ctx.note("clock", clock)
    ctx.note("callee_graph", "none: inclusive >= sum of callees not checked (no edges)")
