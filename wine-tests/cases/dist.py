"""Time scopes, distributions and gauges (wine-tests/hosts/wst_dist.c, driven
by wst_dist_host.exe): counts exact, percentiles within the documented error
of the durations the host measured itself, gauges exact from many threads,
and a scope open while its DLL unloads.

No verdict depends on the machine's speed. The host measures every duration
twice, just inside the scope and just outside it; whatever preempts the
thread, the scope's own value lies between the two, so every exact
percentile of the scope's values lies between the same percentile of the
inner and of the outer values. The inspector's may differ from the exact one
by the bucket error, 1/32 (docs/region.md); the check allows the contract's
1/16 (6.25%).

The host measures with QueryPerformanceCounter, the scopes with the TSC once
their module has calibrated it (docs/region.md, "Clock"). Then a duration of
n host ticks lasted between n - 1 and n + 1 ticks, and the scope's reads are
not ordered with the code around them, so the exact checks (min, max, sum)
allow each duration two host ticks and the calibration's error bound,
1/10,000; the percentiles' 6.25% covers both."""

import math

from wstdriver.context import Failure

from .common import has_worker, host_lines, module_entry, read_pid

DLL = "wst_dist.dll"
HOST = "wst_dist_host.exe"
UINT64_MAX = 2**64 - 1
ERROR_NUM, ERROR_DEN = 1, 16  # the contract: 6.25%


def nearest_rank(sorted_values, permille):
    n = len(sorted_values)
    return sorted_values[max(1, math.ceil(n * permille / 1000)) - 1]


def entries(ctx, dump):
    m = module_entry(dump, DLL)
    if m is None:
        raise Failure(f"{DLL} missing from the dump: {[x['name'] for x in dump['modules']]}")
    return {c["name"]: c for c in m["counters"]}


def read_lines(proc, until="ready"):
    """{(tag, name): [ints]} from `tag name v v ...` lines, and `expect` lines."""
    got = {}
    for line in host_lines(proc, until):
        parts = line.split()
        if len(parts) >= 2:
            got[(parts[0], parts[1])] = [int(v) for v in parts[2:]]
    return got


def check_buckets(ctx, label, e):
    b = e["buckets"]
    ctx.check(all(n > 0 for _, n in b), f"{label}: an empty bucket is listed: {b}")
    ctx.check([u for u, _ in b] == sorted({u for u, _ in b}), f"{label}: buckets out of order")
    ctx.check(sum(n for _, n in b) == e["count"],
              f"{label}: buckets hold {sum(n for _, n in b)}, count is {e['count']}")


CLOCK_ERROR_DEN = 10000  # the calibration's largest accepted error (src/runtime/clock.c)


def slack(values, tick_ns):
    """What a scope on another clock may differ by from the host's `values`
    (module docstring): two host ticks each, and 1/10,000 of their total;
    nothing when tick_ns is 0 (the same clock)."""
    if tick_ns == 0:
        return 0
    return 2 * tick_ns * len(values) + sum(values) // CLOCK_ERROR_DEN + 1


def check_timed(ctx, label, e, inner, outer, qpc_hz, same_clock=False):
    """same_clock: the scopes read QPC too, so min, max and sum must lie
    exactly between the host's readings (no slack)."""
    ctx.check(e["kind"] == "distribution" and e["unit"] == "ns", f"{label}: {e}")
    ctx.check(e["count"] == len(outer), f"{label}: count {e['count']}, host timed {len(outer)}")
    inner, outer = sorted(inner), sorted(outer)
    tick = 0 if same_clock else -(-10**9 // qpc_hz)
    lo, hi = inner[0] - slack(inner[:1], tick), outer[0] + slack(outer[:1], tick)
    ctx.check(lo <= e["min"] <= hi, f"{label}: min {e['min']} outside the host's [{lo}, {hi}]")
    lo, hi = inner[-1] - slack(inner[-1:], tick), outer[-1] + slack(outer[-1:], tick)
    ctx.check(lo <= e["max"] <= hi, f"{label}: max {e['max']} outside the host's [{lo}, {hi}]")
    lo, hi = sum(inner) - slack(inner, tick), sum(outer) + slack(outer, tick)
    ctx.check(lo <= e["sum"] <= hi, f"{label}: sum {e['sum']} outside the host's [{lo}, {hi}]")
    for key, q in (("p50", 500), ("p90", 900), ("p99", 990)):
        lo, hi = nearest_rank(inner, q), nearest_rank(outer, q)
        got = e[key]
        ok = got * ERROR_DEN >= lo * (ERROR_DEN - ERROR_NUM) and \
            got * ERROR_DEN <= hi * (ERROR_DEN + ERROR_NUM)
        ctx.check(ok, f"{label}: {key} {got} ns outside 6.25% of the host's [{lo}, {hi}]")
        ctx.note(f"{label}_{key}", f"{got} (host {lo}..{hi})")
    check_buckets(ctx, label, e)


def check_clock(ctx, clock, forced):
    """The module publishes the clock its scopes read (region header 184..199):
    after this many scopes it is decided, or still calibrating on a machine so
    busy that every bracket was preempted; the TSC only with its rate; QPC
    for good when WINSTRUMENT_CLOCK=qpc said so."""
    if not ctx.check(isinstance(clock, dict), f"no clock in the dump: {clock}"):
        return
    allowed = ("qpc",) if forced else ("tsc", "qpc", "qpc-calibrating")
    ctx.check(clock["source"] in allowed, f"clock: {clock}, expected one of {allowed}")
    if clock["source"] == "tsc":
        ctx.check(clock["tsc_hz"] > 0 and clock["error_ppb"] <= 10**9 // CLOCK_ERROR_DEN,
                  f"clock: {clock}")
    ctx.note("clock", f"{clock['source']} {clock['tsc_hz']} Hz")


def timing(ctx, rounds, clock=None):
    """4 threads time busy-waits of 50 us (and every tenth round 2 ms) in
    nested scopes; the inspector's counts are exact and its percentiles match
    the host's own measurements. Also: scopes left by return, break and goto,
    recursive scopes, and WST_RECORD of 0, 1 and UINT64_MAX. With clock="qpc"
    the host runs with WINSTRUMENT_CLOCK=qpc: the fallback clock, end to end,
    where the host's readings bound the scopes' exactly."""
    forced = clock == "qpc"
    p = ctx.spawn(ctx.bin(HOST), "timing", str(rounds), "4",
                  env={"WINSTRUMENT_CLOCK": clock} if clock else None)
    pid = read_pid(p)
    got = read_lines(p)
    vias = ["memory", "auto"] + (["pipe"] if has_worker(ctx.mode) else [])
    for via in vias:
        dump = ctx.inspect_json("dump", pid, "--via", via)
        e = entries(ctx, dump)
        check_clock(ctx, module_entry(dump, DLL).get("clock"), forced)
        for name in ("dist_spin_short", "dist_spin_long", "dist_spin_all"):
            if ctx.check(name in e, f"--via {via}: {name} missing"):
                check_timed(ctx, f"{via} {name}", e[name], got[("inner", name)],
                            got[("outer", name)], got[("clock", "qpc_hz")][0], forced)
        ctx.check(e.get("dist_exits", {}).get("count") == got[("expect", "dist_exits")][0],
                  f"--via {via}: scopes left by return/break/goto: {e.get('dist_exits')}")
        ctx.check(e.get("dist_recurse", {}).get("count") == got[("expect", "dist_recurse")][0],
                  f"--via {via}: recursive scopes: {e.get('dist_recurse')}")
        sizes = sorted(got[("sizes", "dist_sizes")])
        s = e.get("dist_sizes")
        if ctx.check(s is not None, f"--via {via}: dist_sizes missing"):
            ctx.check(s["kind"] == "distribution" and s["unit"] == "", f"dist_sizes: {s}")
            ctx.check((s["count"], s["sum"], s["min"], s["max"]) ==
                      (len(sizes), sum(sizes) % 2**64, 0, UINT64_MAX),
                      f"--via {via}: dist_sizes count/sum/min/max {s}")
            ctx.check([0, 1] == [u for u, _ in s["buckets"][:2]] and
                      s["buckets"][-1] == [UINT64_MAX, 1],
                      f"--via {via}: dist_sizes buckets {s['buckets']}")
            want = nearest_rank(sizes, 500)
            ctx.check(abs(s["p50"] - want) * 32 <= want, f"dist_sizes p50 {s['p50']}, exact {want}")
            check_buckets(ctx, f"{via} dist_sizes", s)
    text = ctx.inspect("dump", pid, "--via", "memory")
    line = next((x for x in text.out.splitlines() if "dist_spin_short" in x), "")
    for word in ("count", "mean", "p50", "p90", "p99", "max", "ns"):
        ctx.check(word in line, f"text dump lacks {word!r}: {line!r}")
    p.send()
    ctx.check(p.wait() == 0, f"host failed: {p.err[-300:]}")


def gauges(ctx, rounds):
    """Gauges added to and set from 4 threads: final values exact."""
    p = ctx.spawn(ctx.bin(HOST), "gauges", str(rounds), "4")
    pid = read_pid(p)
    got = read_lines(p)
    vias = ["memory", "auto"] + (["pipe"] if has_worker(ctx.mode) else [])
    for via in vias:
        e = entries(ctx, ctx.inspect_json("dump", pid, "--via", via))
        for (tag, name), values in got.items():
            if tag != "expect":
                continue
            g = e.get(name, {})
            ctx.check(g.get("kind") == "gauge" and g.get("value") == values[0],
                      f"--via {via}: {name} = {g}, expected gauge {values[0]}")
    if has_worker(ctx.mode):
        # A reset leaves gauges alone: they are levels (docs/region.md).
        r = ctx.inspect("reset", pid, "--module", DLL)
        ctx.check(r.rc == 0, f"reset failed: {r.err}")
        e = entries(ctx, ctx.inspect_json("dump", pid, "--via", "memory"))
        ctx.check(e.get("gauge_up", {}).get("value") == got[("expect", "gauge_up")][0],
                  f"a reset changed a gauge: {e.get('gauge_up')}")
    p.send()
    ctx.check(p.wait() == 0, f"host failed: {p.err[-300:]}")


def scope_at_unload(ctx):
    """A time scope open in a thread while the host frees its DLL. The thread
    runs the module's code, so it holds its own reference (the host's
    FreeLibrary then leaves the module loaded until the scope has recorded);
    and a thread that leaves through ExitThread inside a scope never runs its
    record, so the DLL unloads with nothing left to touch it. The host exits
    cleanly in both cases."""
    p = ctx.spawn(ctx.bin(HOST), "unload")
    pid = read_pid(p)
    p.expect("^held$")
    e = entries(ctx, ctx.inspect_json("dump", pid, "--via", "memory"))
    ctx.check(e.get("dist_held", {}).get("count") == 0,
              f"the open scope already recorded: {e.get('dist_held')}")
    p.send()
    p.expect("^unloaded$")
    p.expect("^abandoned-unloaded$")
    rc = p.wait()
    ctx.check(rc == 0, f"host exit {rc}: {p.err[-300:]}")


def cxx(ctx, rounds):
    """A C++ DLL built with wst-c++: sites in two template instantiations and
    in a header's inline function count exactly, and an exception thrown
    through a time scope records its duration (the destructor runs during
    unwinding), within the error of what the host measured around it."""
    p = ctx.spawn(ctx.bin(HOST), "cxx", str(rounds))
    pid = read_pid(p)
    got = read_lines(p)
    vias = ["memory", "auto"] + (["pipe"] if has_worker(ctx.mode) else [])
    m = None
    for via in vias:
        dump = ctx.inspect_json("dump", pid, "--via", via)
        m = next((x for x in dump["modules"] if x["name"] == "wst_cxx.dll"), None)
        if not ctx.check(m is not None, f"--via {via}: wst_cxx.dll not dumped"):
            continue
        e = {c["name"]: c for c in m["counters"]}
        for (tag, name), values in got.items():
            if tag != "expect":
                continue
            c = e.get(name, {})
            n = c.get("count") if c.get("kind") == "distribution" else c.get("value")
            ctx.check(n == values[0], f"--via {via}: {name} = {c}, expected {values[0]}")
        if ctx.check("cxx_throw" in e, f"--via {via}: cxx_throw missing"):
            check_timed(ctx, f"{via} cxx_throw", e["cxx_throw"], got[("inner", "cxx_throw")],
                        got[("outer", "cxx_throw")], got[("clock", "qpc_hz")][0])
    p.send()
    ctx.check(p.wait() == 0, f"host failed: {p.err[-300:]}")
