"""Function instrumentation (wst-cc --wst-functions) read by `wst-inspect
functions`: wine-tests/hosts/wst_fn.c (also as wst_fn_b.dll and stripped as
wst_fn_stripped.dll), wst_fn_cxx.cpp, wst_fn_many.c, wst_fn_inline.c,
driven by wst_fn_host.exe (itself built calls-only).

No verdict depends on the machine's speed: counts are exact; the one timing
identity checked is exact by construction (a caller's inclusive time is its
self time plus its instrumented callees' inclusive times, all from the same
clock ticks), and the only bound is a lower one (a busy-wait of N us lasts at
least N us)."""

import json
import re

from wstdriver.context import Failure, ProgramError
from wstdriver.platform import WinePlatform

from . import i686
from .common import host_lines, module_entry, read_pid

HOST = "wst_fn_host.exe"
DLL = "wst_fn.dll"
CAPACITY = 4096
MAX_FUNCTIONS = CAPACITY - CAPACITY // 8  # WST_FN_MAX_FUNCTIONS


def read_lines(proc, until="ready"):
    """{name: int} from the host's `expect NAME N` lines, {module: int} from
    `unwound MODULE N`, and `spin_us N` and `inlined N`, up to `until`."""
    got = {"expect": {}, "unwound": {}}
    for line in host_lines(proc, until):
        parts = line.split()
        if len(parts) == 3 and parts[0] in got:
            got[parts[0]][parts[1]] = int(parts[2])
        elif len(parts) == 2 and parts[0] in ("spin_us", "inlined"):
            got[parts[0]] = int(parts[1])
    return got


def start_host(ctx, *args, arch=None):
    """wst_fn_host.exe (of `arch`, else the run's) running the script `args`,
    once it is ready: (proc, pid, its lines as read_lines() gives them)."""
    p = ctx.spawn(ctx.bin(HOST, arch=arch), *args)
    pid = read_pid(p)
    return p, pid, read_lines(p)


def functions(ctx, pid, *args):
    return ctx.inspect_json("functions", pid, *args)


def module(ctx, result, name):
    m = module_entry(result, name)
    if m is None:
        raise Failure(f"{name} missing from `functions`: {[x['name'] for x in result['modules']]}")
    if "error" in m:
        raise Failure(f"{name}: {m['error']}")
    return m


def by_name(m):
    return {f["name"]: f for f in m["functions"]}


def check_schema(ctx, result):
    """The documented keys and types, for every module and function."""
    ctx.check(set(result) >= {"pid", "modules"} and isinstance(result["pid"], int),
              f"top level: {list(result)}")
    for m in result["modules"]:
        ctx.check(isinstance(m.get("name"), str) and isinstance(m.get("functions"), list),
                  f"module keys: {list(m)}")
        for f in m.get("functions", []):
            ok = isinstance(f.get("name"), str) and re.fullmatch(r"0x[0-9a-f]+", f.get("offset", ""))
            ok = ok and all(isinstance(f.get(k), int) and f[k] >= 0
                            for k in ("calls", "time_ns", "self_ns"))
            if not ctx.check(ok, f"{m['name']}: function entry {f}"):
                return


def check_calls(ctx, label, funcs, expect, names):
    for name in names:
        f = funcs.get(name)
        ctx.check(f is not None and f["calls"] == expect[name],
                  f"{label}: {name} = {f}, expected {expect[name]} calls")


def check_times(ctx, label, m, spin_us):
    """self <= inclusive everywhere; fn_outer's inclusive time is exactly its
    self time plus fn_spin's (fn_spin is called by fn_outer only); each
    fn_spin lasted at least spin_us."""
    funcs = by_name(m)
    for f in m["functions"]:
        ctx.check(f["self_ns"] <= f["time_ns"], f"{label}: self > inclusive: {f}")
    outer, spin = funcs.get("fn_outer"), funcs.get("fn_spin")
    if ctx.check(outer and spin, f"{label}: fn_outer or fn_spin missing"):
        ctx.check(outer["time_ns"] == outer["self_ns"] + spin["time_ns"],
                  f"{label}: fn_outer {outer['time_ns']} ns != self {outer['self_ns']} + "
                  f"fn_spin {spin['time_ns']}")
        ctx.check(spin["time_ns"] >= spin["calls"] * spin_us * 1000,
                  f"{label}: {spin['calls']} busy-waits of {spin_us} us took {spin['time_ns']} ns")
        ctx.note(f"{label}_spin_ns", spin["time_ns"])


def finish(ctx, p):
    p.send()
    rc = p.wait()
    ctx.check(rc == 0, f"host exit {rc}: {p.err[-300:]}")


def sibling_calls(ctx, rounds):
    """wst_fn_sib.dll: wst_fn.c built with the user's own
    -foptimize-sibling-calls after wst-cc's flags, so that GCC reaches the
    exit hooks of void functions by a jump after their epilogue. The hooks
    tell it from the return address and still match every exit: exact counts,
    the timing identity, and no repair counted."""
    dll = "wst_fn_sib.dll"
    p, pid, got = start_host(ctx, "counts", "3", str(rounds), dll)
    m = module(ctx, functions(ctx, pid, "--module", dll), dll)
    check_calls(ctx, dll, by_name(m), got["expect"], ("fn_leaf", "fn_hidden", "fn_outer", "fn_spin"))
    check_times(ctx, dll, m, got["spin_us"])
    ctx.check(m["unwound_frames"] == 0 and m["unmatched_exits"] == 0,
              f"{dll}: repairs in a run that needs none: {m}")
    finish(ctx, p)


def counts(ctx, rounds):
    """10 threads (more than the 7 owned stripes, so some add to the shared
    one) call an exported function and, through it, a static one: both
    counts exact, in the DLL's timed table and in the host EXE's calls-only
    one. The JSON schema, --module, --sort, --top, the text form, and the
    region's dump (memory and, with a worker, the pipe) of the same process."""
    threads = 10
    p, pid, got = start_host(ctx, "counts", str(threads), str(rounds))
    exp = got["expect"]
    result = functions(ctx, pid)
    check_schema(ctx, result)
    ctx.check(result["pid"] == pid, f"pid {result['pid']}, expected {pid}")
    dll = module(ctx, result, DLL)
    ctx.check(dll["timed"] is True and dll["symbols"] == "coff", f"{DLL}: {dll}")
    check_calls(ctx, DLL, by_name(dll), exp, ("fn_leaf", "fn_hidden", "fn_outer", "fn_spin"))
    check_times(ctx, DLL, dll, got["spin_us"])
    host = module(ctx, result, HOST)
    ctx.check(host["timed"] is False, f"{HOST} is calls-only: {host['timed']}")
    check_calls(ctx, HOST, by_name(host), exp, ("host_tick",))
    ctx.check(all(f["time_ns"] == 0 and f["self_ns"] == 0 for f in host["functions"]),
              f"{HOST}: a calls-only module recorded time")
    # 10 workers and the main thread got shadow stacks; the workers' were
    # freed at their thread detach.
    ctx.check(dll["threads"] == threads + 1 and dll["threads_live"] == 1,
              f"{DLL}: threads {dll['threads']}, live {dll['threads_live']}")
    ctx.check(dll["overflow_calls"] == 0 and dll["unwound_frames"] == 0 and
              dll["unmatched_exits"] == 0 and dll["untimed_calls"] == 0,
              f"{DLL}: repairs in a run that needs none: {dll}")

    # --all: the image's other functions too, never called, named, with 0.
    every = by_name(module(ctx, functions(ctx, pid, "--module", DLL, "--all"), DLL))
    rec = every.get("fn_recurse", {})
    ctx.check(rec.get("calls") == 0 and rec.get("named") and rec.get("size", 0) > 0,
              f"--all: fn_recurse {rec}")
    ctx.check(every.get("fn_leaf", {}).get("calls") == exp["fn_leaf"], f"--all: {every.get('fn_leaf')}")
    ctx.check("fn_recurse" not in by_name(dll), "fn_recurse listed without --all")

    one = functions(ctx, pid, "--module", DLL)
    ctx.check([m["name"] for m in one["modules"]] == [DLL], f"--module: {one['modules']}")
    for key, field in (("time", "time_ns"), ("self", "self_ns"), ("calls", "calls")):
        m = module(ctx, functions(ctx, pid, "--module", DLL, "--sort", key), DLL)
        values = [f[field] for f in m["functions"]]
        ctx.check(values == sorted(values, reverse=True), f"--sort {key}: {values}")
    top = module(ctx, functions(ctx, pid, "--top", "2"), DLL)
    ctx.check(len(top["functions"]) == 2 and top["functions"][0]["name"] in ("fn_leaf", "fn_hidden"),
              f"--top 2: {top['functions']}")
    text = ctx.inspect("functions", pid, "--module", DLL)
    line = next((x for x in text.out.splitlines() if x.rstrip().endswith(" fn_leaf")), "")
    ctx.check(text.rc == 0 and str(exp["fn_leaf"]) in line.split(), f"text: {text.out[:400]!r}")

    # The counters' verbs still read the same modules, by every path.
    vias = ["memory"] + (["pipe"] if ctx.mode == "threadpool" else [])
    for via in vias:
        dump = ctx.inspect_json("dump", pid, "--via", via)
        ctx.check(module_entry(dump, DLL) is not None, f"dump --via {via}: no {DLL}")

    for args, code, what in ((["--module", "nosuch.dll"], 6, "no-module"),
                             (["--sort", "bogus"], 2, "usage"),
                             (["--top", "0"], 2, "usage"),
                             (["--symbols", "x.dll"], 2, "usage")):
        r = ctx.inspect("functions", pid, *args)
        ctx.check(r.rc == code and what in r.err, f"functions {args}: rc {r.rc}, {r.err.strip()}")
    r = ctx.inspect("dump", pid, "--top", "3")
    ctx.check(r.rc == 2, f"dump --top: rc {r.rc}")
    finish(ctx, p)


def unwind(ctx, rounds):
    """Recursion 20 deep, longjmp out of 21 frames, an SEH exception that
    abandons 21 frames, a C++ throw through 21 frames, and longjmp out of 20
    recursive frames of one function, each `rounds` times; and a loop that
    longjmps `rounds` times without returning: exact counts; the frames left without exit hooks are exactly the
    longjmp's and the exception's, dropped when their caller exits; the C++
    unwinding ran every exit hook (no repair); and timing still adds up
    after the repairs."""
    depth = 20
    p, pid, got = start_host(ctx, "unwind", str(rounds), str(depth))
    exp = got["expect"]
    result = functions(ctx, pid)
    check_schema(ctx, result)
    dll = module(ctx, result, DLL)
    funcs = by_name(dll)
    check_calls(ctx, DLL, funcs, exp, ("fn_recurse", "fn_jump", "fn_deep", "fn_seh", "fn_raise",
                                       "fn_outer", "fn_spin", "fn_rjump", "fn_loop_jump",
                                       "fn_deep_loop"))
    check_times(ctx, DLL, dll, got["spin_us"])
    ctx.check(dll["unwound_frames"] == got["unwound"][DLL],
              f"{DLL}: {dll['unwound_frames']} frames dropped, expected {got['unwound'][DLL]}")
    ctx.check(dll["unmatched_exits"] == 0 and dll["untimed_calls"] == 0, f"{DLL}: {dll}")
    rec = funcs.get("fn_recurse", {})
    ctx.check(0 < rec.get("self_ns", 0) <= rec.get("time_ns", 0),
              f"fn_recurse: self and inclusive time {rec}")
    cxx = module(ctx, result, "wst_fn_cxx.dll")
    cfuncs = by_name(cxx)
    ctx.check(cfuncs.get("cxx_catch", {}).get("calls") == exp["cxx_catch"],
              f"cxx_catch: {cfuncs.get('cxx_catch')}")
    # A static C++ function: its COFF name is mangled; JSON adds the
    # demangled one, and text shows it.
    thrower = [f for f in cxx["functions"] if f.get("demangled") == "cxx_thrower(int)"]
    ctx.check(len(thrower) == 1 and thrower[0]["calls"] == exp["cxx_thrower"] and
              thrower[0]["name"].startswith("_Z"),
              f"cxx_thrower: {thrower}, expected {exp['cxx_thrower']} calls")
    text = ctx.inspect("functions", pid, "--module", "wst_fn_cxx.dll")
    ctx.check(text.rc == 0 and "cxx_thrower(int)" in text.out, f"text: {text.out[:300]!r}")
    ctx.check(cxx["unwound_frames"] == 0 and cxx["unmatched_exits"] == 0,
              f"wst_fn_cxx.dll: the C++ unwinding needed repairs: {cxx}")
    finish(ctx, p)


def check_sum(ctx, label, funcs, total, parts):
    """funcs[total]'s inclusive time is exactly its self time plus the
    inclusive times of `parts` (its instrumented callees, each called from
    it only), or, for a recursion, the self times of every frame under it:
    both sides are the same clock ticks, converted once per frame."""
    want = funcs[total]["self_ns"] + sum(funcs[n][k] for n, k in parts)
    ctx.check(funcs[total]["time_ns"] == want,
              f"{label}: {total} {funcs[total]['time_ns']} ns != self {funcs[total]['self_ns']}"
              f" + {' + '.join(f'{n}.{k} {funcs[n][k]}' for n, k in parts)}")


def inline(ctx, rounds, depth=5, arch=None):
    """wst_fn_inline.dll: instrumented functions that GCC inlined into
    instrumented callers (the host checks that they were). An inlined copy's
    hooks run at its caller's stack pointer; its entry must be a frame on top
    of its caller's, not a sign that the caller was abandoned. The minimal
    case (in_outer calls an inline in_mid twice, each calling in_leaf),
    inlines nested two deep, a recursion through an inline function, and an
    inline function that longjmps, the jumps run first: exact counts, exactly
    the abandoned frames dropped, no unmatched exit, and the timing
    identities of every caller, after the repairs.

    in_jtop's loop enters in_jmid again from the same call instruction at
    the same stack pointer as the frame the last jump abandoned: only the
    hook rule (the same enter-hook call open there) drops it. Hooks that
    matched (stack address, call_site) alone left two frames a round there,
    filled the shadow stack and counted 17,892 untimed calls in a run of
    2,000 rounds (tried by hand, not a mutant): untimed_calls must be 0."""
    dll = "wst_fn_inline.dll"
    p, pid, got = start_host(ctx, "inline", str(rounds), str(depth), arch=arch)
    if got.get("inlined") != 1:
        raise ProgramError(f"{dll}: GCC did not inline its static inline functions "
                           f"(inlined {got.get('inlined')}): the scenario would test nothing")
    exp = got["expect"]
    m = module(ctx, functions(ctx, pid, "--module", dll), dll)
    funcs = by_name(m)
    check_calls(ctx, dll, funcs, exp, sorted(exp))
    ctx.check(m["unwound_frames"] == got["unwound"][dll],
              f"{dll}: {m['unwound_frames']} frames dropped, expected {got['unwound'][dll]}")
    repairs = {k: m[k] for k in ("unmatched_exits", "untimed_calls", "overflow_calls")}
    ctx.check(not any(repairs.values()), f"{dll}: {repairs} in a run that needs none")
    for f in m["functions"]:
        ctx.check(f["self_ns"] <= f["time_ns"], f"{dll}: self > inclusive: {f}")
    if not ctx.check(all(n in funcs for n in exp), f"{dll}: missing {set(exp) - set(funcs)}"):
        finish(ctx, p)
        return
    spin_ns = got["spin_us"] * 1000
    for leaf in ("in_leaf", "in_leaf2", "in_leaf3"):
        ctx.check(funcs[leaf]["time_ns"] >= funcs[leaf]["calls"] * spin_ns,
                  f"{dll}: {funcs[leaf]['calls']} busy-waits of {got['spin_us']} us took "
                  f"{funcs[leaf]['time_ns']} ns")
    # The minimal case: in_outer holds both inlined in_mid copies, each its
    # in_leaf call.
    check_sum(ctx, dll, funcs, "in_outer", [("in_mid", "time_ns")])
    check_sum(ctx, dll, funcs, "in_mid", [("in_leaf", "time_ns")])
    ctx.check(funcs["in_outer"]["time_ns"] >= funcs["in_leaf"]["time_ns"] > 0,
              f"{dll}: in_outer {funcs['in_outer']} below its leaves' {funcs['in_leaf']}")
    # Nested: in_nest > in_a > in_b (both inlined) > in_leaf2.
    check_sum(ctx, dll, funcs, "in_nest", [("in_a", "time_ns")])
    check_sum(ctx, dll, funcs, "in_a", [("in_b", "time_ns")])
    check_sum(ctx, dll, funcs, "in_b", [("in_leaf2", "time_ns")])
    # Recursion through the inline in_step: in_rec_top's inclusive time is
    # the self time of every frame under it.
    check_sum(ctx, dll, funcs, "in_rec_top",
              [("in_rec", "self_ns"), ("in_step", "self_ns"), ("in_leaf3", "time_ns")])
    ctx.check(funcs["in_rec"]["time_ns"] >= funcs["in_leaf3"]["time_ns"] and
              funcs["in_step"]["time_ns"] >= funcs["in_leaf3"]["time_ns"],
              f"{dll}: in_rec {funcs['in_rec']} or in_step {funcs['in_step']} below in_leaf3")
    for name in ("in_outer", "in_mid", "in_nest", "in_a", "in_b", "in_leaf"):
        ctx.note(f"{name}_ns", funcs[name]["time_ns"])
    finish(ctx, p)


def inline_i686(ctx, rounds):
    """functions-inline with the i686 build of the host and the DLL (GCC's
    i686 code passes arguments by stores at -O2, so an inlined copy's hooks
    run at its caller's stack pointer there too), read by the run's
    inspector. Without 32-bit Wine it is SKIPPED with what failed."""
    host = ctx.bin(HOST, arch="i686")
    if not host.is_file() or not (host.parent / "wst_fn_inline.dll").is_file():
        ctx.check(False, f"{host.parent}: no i686 {HOST} or wst_fn_inline.dll (make cross)")
        return
    failed = i686.probe(ctx, host)
    if failed:
        if ctx.native:
            ctx.check(False, f"a 32-bit program does not run on this Windows: {failed}")
            return
        ctx.skip(f"no 32-bit Wine: {failed} (Debian: dpkg --add-architecture i386, "
                 "then apt-get install wine32:i386)")
    inline(ctx, rounds, arch="i686")


def hostile_mangled(levels):
    """Issue 23's name: f(A<A<...A<A, A>..., S1_>, S2_>), each level a
    template whose second argument is a back reference to its first, so the
    demangled output doubles at each level (40 levels: 288 bytes of name, some
    10^13 bytes of output)."""
    def sub(i):
        digits, s, n = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "", i - 1
        if i == 0:
            return "S_"
        while True:
            s, n = digits[n % 36] + s, n // 36
            if n == 0:
                return "S" + s + "_"
    x = "S_"
    for j in range(1, levels):
        x = "S_I" + x + sub(j - 1 if j > 1 else 0) + "E"
    return "_Z1f1AI" + x + sub(levels - 1) + "E"


# src/inspector/demangle.h's WST_DEMANGLE_MARK_OUT (docs/functions.md).
MARK_OUT = " [not demangled: output over 65536 bytes]"


def hostile_name(ctx, rounds):
    """wst_fn_cxx.dll holds a function whose symbol is issue 23's 40-level
    mangled name. `functions` (JSON and text) must answer promptly, show that
    name as itself with the mark, and still demangle the module's ordinary C++
    name. Before the demangler was bounded, the inspector never finished (it
    grew past 3 GB in 45 s); the driver's timeout makes that a failure."""
    hostile = hostile_mangled(40)
    p, pid, got = start_host(ctx, "unwind", str(rounds), "3")
    exp = got["expect"]
    r = ctx.inspect("functions", pid, "--module", "wst_fn_cxx.dll", "--json", timeout=30)
    ctx.require(r.rc == 0, f"functions --json: exit {r.rc}, {r.err[-300:]!r}")
    ctx.note("json_seconds", round(r.seconds, 2))
    try:
        result = json.loads(r.out)
    except ValueError as e:
        raise Failure(f"functions --json printed invalid JSON ({e}): {r.out[:300]!r}")
    cxx = module(ctx, result, "wst_fn_cxx.dll")
    entry = by_name(cxx).get(hostile)
    ctx.require(entry is not None,
                f"the hostile name is not listed: {[f['name'][:40] for f in cxx['functions']]}")
    ctx.check(entry.get("demangled") == hostile + MARK_OUT,
              f"hostile name: demangled {entry.get('demangled', '')[:400]!r}, expected the name "
              f"and {MARK_OUT!r}")
    ctx.check(entry["calls"] == exp["cxx_catch"],
              f"hostile name: {entry['calls']} calls, expected {exp['cxx_catch']}")
    thrower = [f for f in cxx["functions"] if f.get("demangled") == "cxx_thrower(int)"]
    ctx.check(len(thrower) == 1, f"cxx_thrower is no longer demangled: {cxx['functions']}")
    text = ctx.inspect("functions", pid, "--module", "wst_fn_cxx.dll", timeout=30)
    ctx.note("text_seconds", round(text.seconds, 2))
    ctx.check(text.rc == 0 and hostile + MARK_OUT in text.out and "cxx_thrower(int)" in text.out,
              f"text: {text.out[:600]!r}")
    finish(ctx, p)


def overflow(ctx, rounds):
    """4,001 functions in a table that takes 3,584: the table fills up to its
    limit, the calls of the rest are counted as overflow, and every listed
    function's count stays exact."""
    p, pid, got = start_host(ctx, "overflow", str(rounds))
    exp = got["expect"]
    m = module(ctx, functions(ctx, pid, "--module", "wst_fn_many.dll"), "wst_fn_many.dll")
    ctx.check(m["capacity"] == CAPACITY and m["used"] == MAX_FUNCTIONS and
              len(m["functions"]) == MAX_FUNCTIONS,
              f"capacity {m['capacity']}, used {m['used']}, listed {len(m['functions'])}")
    listed = sum(f["calls"] for f in m["functions"])
    ctx.check(listed + m["overflow_calls"] == exp["many_total"],
              f"{listed} listed + {m['overflow_calls']} overflow != {exp['many_total']} calls")
    ctx.check(m["overflow_calls"] == (exp["many_functions"] - MAX_FUNCTIONS) * rounds,
              f"overflow {m['overflow_calls']}")
    wrong = [f for f in m["functions"] if f["calls"] != rounds]
    ctx.check(not wrong, f"{len(wrong)} functions with a wrong count, e.g. {wrong[:2]}")
    text = ctx.inspect("functions", pid, "--module", "wst_fn_many.dll", "--top", "1")
    ctx.check(text.rc == 0 and "OVERFLOW" in text.out, f"text: {text.out[:300]!r}")
    finish(ctx, p)


def unload(ctx, rounds):
    """wst_fn.dll used by a thread (which gets a shadow stack there), then
    unloaded while wst_fn_b.dll keeps running on another thread, then loaded
    again and used by the same thread: the reloaded module counts from zero,
    the other one never stopped, and nothing crashes."""
    p = ctx.spawn(ctx.bin(HOST), "unload", str(rounds))
    pid = read_pid(p)
    p.expect("^used$")
    res = functions(ctx, pid)
    a = by_name(module(ctx, res, DLL))
    ctx.check(a.get("fn_leaf", {}).get("calls") == rounds, f"before: fn_leaf {a.get('fn_leaf')}")
    b_before = by_name(module(ctx, res, "wst_fn_b.dll")).get("fn_leaf", {}).get("calls", 0)
    p.send()
    p.expect("^unloaded$")
    res = functions(ctx, pid)
    ctx.check(module_entry(res, DLL) is None, f"{DLL} still listed after its unload")
    b_after = by_name(module(ctx, res, "wst_fn_b.dll")).get("fn_leaf", {}).get("calls", 0)
    ctx.check(b_after > b_before, f"wst_fn_b.dll stopped: {b_before} then {b_after}")
    p.send()
    got = read_lines(p)
    exp = got["expect"]
    res = functions(ctx, pid)
    a = module(ctx, res, DLL)
    check_calls(ctx, f"{DLL} reloaded", by_name(a), exp, ("fn_leaf", "fn_recurse"))
    ctx.check(a["threads"] == 1 and a["threads_live"] == 0 and a["unwound_frames"] == 0 and
              a["unmatched_exits"] == 0,
              f"{DLL} reloaded: {a}")
    b = by_name(module(ctx, res, "wst_fn_b.dll"))
    ctx.check(b.get("fn_leaf", {}).get("calls") == exp["b_calls"],
              f"wst_fn_b.dll: {b.get('fn_leaf')}, expected {exp['b_calls']}")
    finish(ctx, p)


def windows_path(ctx, path):
    if isinstance(ctx.platform, WinePlatform):
        return "Z:" + str(path.resolve()).replace("/", "\\")
    return str(path)


def symbols(ctx, rounds):
    """A stripped image: exports still name fn_leaf, the static fn_hidden is
    module+offset; --symbols with the unstripped copy names it; --symbols
    with another image is refused (bad-image); a module with counters but no
    function table is left out, and named alone is not-instrumented."""
    stripped = "wst_fn_stripped.dll"
    p, pid, got = start_host(ctx, "stripped", str(rounds))
    exp = got["expect"]
    m = module(ctx, functions(ctx, pid, "--module", stripped), stripped)
    funcs = by_name(m)
    ctx.check(m["symbols"] == "exports", f"stripped image: symbols {m['symbols']}")
    ctx.check(funcs.get("fn_leaf", {}).get("calls") == exp["fn_leaf"] and funcs["fn_leaf"]["named"],
              f"stripped: fn_leaf {funcs.get('fn_leaf')}")
    unnamed = [f for f in m["functions"] if not f["named"]]
    ctx.check(any(f["name"] == f"{stripped}+{f['offset']}" and f["calls"] == exp["fn_hidden"]
                  for f in unnamed), f"stripped: no module+offset entry for fn_hidden: {unnamed}")
    ctx.check("fn_hidden" not in funcs, "a stripped image named a static function")

    full = windows_path(ctx, ctx.bin("wst_fn_repro.dll"))
    m = module(ctx, functions(ctx, pid, "--module", stripped, "--symbols", full), stripped)
    funcs = by_name(m)
    ctx.check(m["symbols"] == "coff", f"--symbols: {m['symbols']}")
    ctx.check(funcs.get("fn_hidden", {}).get("calls") == exp["fn_hidden"],
              f"--symbols: fn_hidden {funcs.get('fn_hidden')}")
    other = windows_path(ctx, ctx.bin("wst_fn_many.dll"))
    r = ctx.inspect("functions", pid, "--module", stripped, "--symbols", other)
    ctx.check(r.rc == 9 and "bad-image" in r.err, f"--symbols of another image: rc {r.rc} {r.err}")
    # Another build of the same source whose headers are the same (no
    # timestamp, same code): only the build id tells, and the error shows both.
    rebuilt = windows_path(ctx, ctx.bin("wst_fn_rebuilt.dll"))
    r = ctx.inspect("functions", pid, "--module", stripped, "--symbols", rebuilt)
    ctx.check(r.rc == 9 and "bad-image" in r.err and r.err.count("build id") == 1 and
              re.search(r"build id [0-9a-f]{32}-\d+, the module's [0-9a-f]{32}-\d+", r.err),
              f"--symbols of a rebuild: rc {r.rc} {r.err}")
    # An instrumented module without a function table: not listed, and
    # named alone it is not-instrumented.
    names = [m["name"] for m in functions(ctx, pid)["modules"]]
    ctx.check("wst_target_a.dll" not in names and stripped in names, f"modules: {names}")
    r = ctx.inspect("functions", pid, "--module", "wst_target_a.dll")
    ctx.check(r.rc == 5 and "not-instrumented" in r.err and "--wst-functions" in r.err,
              f"functions --module wst_target_a.dll: rc {r.rc} {r.err}")
    finish(ctx, p)


def reset(ctx, rounds):
    """`wst-inspect reset` clears the function tables with the counters, so
    that one phase of a run can be profiled: after it, every function of the
    timed DLL and of the calls-only host reads 0 calls and 0 ns (none is
    open: the host waits between its phases outside every instrumented
    function of the DLL, and the calls-only host keeps no frames), and so do
    the repair counts; the functions stay listed, under their names."""
    p, pid, got = start_host(ctx, "counts", "3", str(rounds))
    exp = got["expect"]
    before = functions(ctx, pid)
    check_calls(ctx, DLL, by_name(module(ctx, before, DLL)), exp, ("fn_leaf", "fn_outer"))
    r = ctx.inspect("reset", pid)
    ctx.require(r.rc == 0, f"reset: rc {r.rc}, {r.err[-300:]}")
    after = functions(ctx, pid)
    for name in (DLL, HOST):
        m = module(ctx, after, name)
        listed = by_name(m)
        ctx.check("fn_leaf" in listed if name == DLL else "host_tick" in listed,
                  f"{name}: functions no longer listed after the reset: {sorted(listed)}")
        left = [f for f in m["functions"] if f["calls"] or f["time_ns"] or f["self_ns"]]
        ctx.check(not left, f"{name}: not cleared by the reset: {left[:3]}")
        ctx.check(m["overflow_calls"] == 0 and m["unwound_frames"] == 0 and
                  m["untimed_calls"] == 0 and m["unmatched_exits"] == 0,
                  f"{name}: repair counts after the reset: {m}")
    finish(ctx, p)


def surfaces(ctx, rounds):
    """The counters' verbs know the function tables: `list` (text and JSON)
    marks each module's table, timed or calls-only, and a module without one;
    `dump` and `watch` text say, under a module with a table and no counters,
    that it has a table only and which verb reads it (and nothing under a
    module with counters)."""
    stripped, counters_only = "wst_fn_stripped.dll", "wst_target_a.dll"
    p, pid, _ = start_host(ctx, "stripped", str(rounds))
    want = {stripped: "timed", HOST: "calls", counters_only: "none"}
    listing = ctx.inspect_json("list")
    proc = next((x for x in listing["processes"] if x["pid"] == pid), None)
    ctx.require(proc is not None, f"list: pid {pid} missing")
    got = {m["name"]: m.get("functions") for m in proc["modules"]}
    ctx.check(all(got.get(k) == v for k, v in want.items()), f"list --json functions: {got}")
    for verb in (("list",), ("dump", pid), ("watch", pid, "--count", "1", "--interval", "0.1")):
        r = ctx.inspect(*verb)
        ctx.require(r.rc == 0, f"{verb[0]}: rc {r.rc} {r.err[-300:]}")
        lines = r.out.splitlines()
        if verb[0] != "watch":
            heads = {name: next((x for x in lines if x.strip().startswith(name + "  ")), "")
                     for name in want}
            ctx.check("functions timed" in heads[stripped] and
                      "functions calls" in heads[HOST] and
                      "functions" not in heads[counters_only], f"{verb[0]} heads: {heads}")
        if verb[0] == "list":
            continue
        for name in (stripped, HOST):
            hint = f"no counters: a function table only; wst-inspect functions {pid} --module {name}"
            ctx.check(any(x.strip() == hint for x in lines), f"{verb[0]}: no hint for {name}: "
                      f"{r.out[:600]!r}")
        ctx.check(sum("no counters:" in x for x in lines) == 2,
                  f"{verb[0]}: hints for modules with counters: {r.out[:600]!r}")
    finish(ctx, p)


def sort_untimed(ctx, rounds):
    """A calls-only table has no time to sort by: `--sort time|self` on it
    alone is refused with not-timed (exit 16), never sorted by offset over
    zero columns; over a timed and a calls-only module, the timed one is
    sorted and the other fails in its place (partial, 15); `--sort calls`
    still reads it."""
    stripped = "wst_fn_stripped.dll"
    p, pid, _ = start_host(ctx, "stripped", str(rounds))
    for key in ("time", "self"):
        r = ctx.inspect("functions", pid, "--module", HOST, "--sort", key)
        ctx.check(r.rc == 16 and "not-timed" in r.err and "--wst-functions=calls" in r.err and
                  not r.out.strip(), f"--module {HOST} --sort {key}: rc {r.rc} {r.err.strip()}")
        r = ctx.inspect("functions", pid, "--sort", key, "--json")
        ctx.check(r.rc == 15, f"--sort {key} over both: rc {r.rc} {r.err.strip()}")
        if r.rc == 15:
            res = json.loads(r.out.splitlines()[0])  # then the error object (partial)
            host = module_entry(res, HOST)
            ctx.check(host is not None and host.get("error", {}).get("status") == "not-timed",
                      f"--sort {key}: {HOST} {host}")
            dll = module(ctx, res, stripped)
            values = [f[key + "_ns" if key == "self" else "time_ns"] for f in dll["functions"]]
            ctx.check(values == sorted(values, reverse=True), f"--sort {key}: {values}")
    r = ctx.inspect("functions", pid, "--module", HOST, "--sort", "calls")
    ctx.check(r.rc == 0 and "calls only" in r.out, f"--sort calls: rc {r.rc} {r.err.strip()}")
    finish(ctx, p)


def closed_pipe(ctx, rounds):
    """`wst-inspect VERB ... | head -1`: the reader closes the pipe after one
    line, and the verb's later writes fail; every verb that writes to stdout
    then ends quietly with exit 0 (watch, which never ends by itself, at
    its next interval; watch --format csv of modules without counters writes
    no row, so it notices only at a write, and is not run here). wst_fn_many.dll's 3,584 functions make `functions`
    and `coverage` write far more than a pipe holds."""
    many = "wst_fn_many.dll"
    p, pid, _ = start_host(ctx, "overflow", str(rounds))
    for args in (("functions", pid), ("functions", pid, "--all"),
                 ("coverage", pid, "--format", "lcov", "--module", many),
                 ("dump", pid), ("dump", pid, "--format", "csv"), ("list",), ("ps",),
                 ("watch", pid, "--interval", "0.1"),
                 ("watch", pid, "--interval", "0.1", "--format", "json"),
                 ("watch", pid, "--functions", "--interval", "0.1")):
        r = ctx.inspect_head(*args)
        ctx.check(r.rc == 0 and r.out and not r.err.strip(),
                  f"{' '.join(map(str, args))} | head -1: rc {r.rc}, first line {r.out[:80]!r}, "
                  f"stderr {r.err.strip()[-300:]!r}")
    finish(ctx, p)


def text_columns(ctx, rounds):
    """`functions` text: a timed module names its clock (wall-clock) and
    adds each function's share of the module's self time and its mean
    inclusive time per call, both from the same numbers as JSON; a
    calls-only module shows calls and their share, and no time columns."""
    p, pid, _ = start_host(ctx, "counts", "3", str(rounds))
    res = functions(ctx, pid)  # the host waits, idle: the numbers stay put
    text = ctx.inspect("functions", pid)
    ctx.require(text.rc == 0, f"functions: rc {text.rc} {text.err[-300:]}")
    lines = text.out.splitlines()
    for name, share_key in ((DLL, "self_ns"), (HOST, "calls")):
        m = module(ctx, res, name)
        at = next((i for i, x in enumerate(lines) if x.startswith(f"  {name}  ")), None)
        ctx.require(at is not None, f"text: no {name} section: {text.out[:400]!r}")
        end = next((i for i in range(at + 1, len(lines)) if lines[i].startswith("  ") and
                    not lines[i].startswith("    ")), len(lines))
        section = lines[at:end]
        head = next((x.split() for x in section if x.split()[:1] == ["calls"]), [])
        want = (["calls", "time_ns", "self_ns", "self%", "ns/call", "offset", "function"]
                if name == DLL else ["calls", "calls%", "offset", "function"])
        ctx.require(head == want, f"{name}: columns {head}, expected {want}")
        clock = [x for x in section if x.strip().startswith("time: wall-clock ns")]
        ctx.check(bool(clock) == (name == DLL), f"{name}: clock line {clock}")
        total = sum(f[share_key] for f in m["functions"])
        by = by_name(m)
        rows = [x.split() for x in section if x.split() and x.split()[-1] in by]
        ctx.check(len(rows) == len(m["functions"]), f"{name}: {len(rows)} rows")
        shares = 0.0
        for row in rows:
            f = by[row[-1]]
            share = float((row[3] if name == DLL else row[1]).rstrip("%"))
            want_share = 100.0 * f[share_key] / total
            ctx.check(abs(share - want_share) <= 0.051, f"{name} {row}: share {share}, "
                      f"expected {want_share:.2f}")
            shares += share
            if name == DLL:
                mean = f["time_ns"] // f["calls"] if f["calls"] else "-"
                ctx.check(row[4] == str(mean), f"{DLL} {row}: ns/call {row[4]}, expected {mean}")
        ctx.check(abs(shares - 100.0) <= 0.05 * len(rows) + 0.01, f"{name}: shares sum {shares}")
    finish(ctx, p)


def serve_functions(ctx, rounds):
    """`serve` shows function tables: winstrument_function_calls_total for
    every table, winstrument_function_seconds_total and
    winstrument_function_self_seconds_total for timed ones only, labelled by
    function, exact (the seconds are the table's ns; fn_outer's inclusive
    time is its self time plus fn_spin's), both bodies clean under promtool
    (but for the OpenMetrics counters' "no help text", as for the counters'
    family); --functions-top bounds each module's functions (by self time,
    or by calls in a calls-only table), and 0 shows none."""
    from . import serve
    serve.prometheus_tool(ctx, "promtool")
    p, pid, got = start_host(ctx, "counts", "3", str(rounds))
    exp = got["expect"]
    table = functions(ctx, pid)
    fam = re.compile(r'^(winstrument_function_\w+)_total\{(.*)\} (\S+)$')

    def series(body):
        out = {}
        for line in body.splitlines():
            m = fam.match(line)
            if m:
                labels = dict(serve.LABEL.findall(m.group(2)))
                if int(labels["pid"]) == pid:
                    out[(m.group(1), labels["module"], labels["function"])] = m.group(3)
        return out

    def ns(value):
        whole, _, frac = value.partition(".")
        return int(whole) * 10**9 + int(frac.ljust(9, "0"))

    srv, url = serve.start_serve(ctx)
    status, _, body = serve.fetch(url + "/metrics", serve.PROMETHEUS_ACCEPT)
    _, _, text_body = serve.fetch(url + "/metrics", "text/plain;version=0.0.4")
    ctx.require(status == 200, f"scrape: {status}")
    got_s = series(body)
    dll = by_name(module(ctx, table, DLL))
    for name in ("fn_leaf", "fn_outer", "fn_spin"):
        ctx.check(got_s.get(("winstrument_function_calls", DLL, name)) == str(exp[name]),
                  f"{DLL} {name} calls: {got_s.get(('winstrument_function_calls', DLL, name))}, "
                  f"expected {exp[name]}")
        for fam_name, key in (("winstrument_function_seconds", "time_ns"),
                              ("winstrument_function_self_seconds", "self_ns")):
            v = got_s.get((fam_name, DLL, name))
            ctx.check(v is not None and ns(v) == dll[name][key],
                      f"{DLL} {name} {fam_name}: {v}, table {dll[name][key]} ns")
    outer = ns(got_s.get(("winstrument_function_seconds", DLL, "fn_outer"), "0"))
    ctx.check(outer == ns(got_s.get(("winstrument_function_self_seconds", DLL, "fn_outer"), "0")) +
              ns(got_s.get(("winstrument_function_seconds", DLL, "fn_spin"), "0")),
              "fn_outer's seconds are not its self seconds plus fn_spin's")
    ctx.check(got_s.get(("winstrument_function_calls", HOST, "host_tick")) == str(exp["host_tick"]),
              f"{HOST} host_tick: {got_s.get(('winstrument_function_calls', HOST, 'host_tick'))}")
    ctx.check(not any(k[1] == HOST and k[0] != "winstrument_function_calls" for k in got_s),
              f"{HOST} (calls-only) has seconds series")
    ctx.check(series(text_body) == got_s, "the 0.0.4 body's function series differ")
    exceptions = serve.OPENMETRICS_LINT_EXCEPTIONS + tuple(
        f"{f}_total no help text" for f in ("winstrument_function_calls",
                                            "winstrument_function_seconds",
                                            "winstrument_function_self_seconds"))
    serve.promtool(ctx, body, exceptions, "openmetrics")
    serve.promtool(ctx, text_body, (), "prometheus")
    srv.kill()

    srv, url = serve.start_serve(ctx, "--functions-top", "2")
    _, _, body = serve.fetch(url + "/metrics")
    srv.kill()
    two = series(body)
    for mod, key in ((DLL, "self_ns"), (HOST, "calls")):
        mt = module(ctx, table, mod)["functions"]
        top = sorted(mt, key=lambda f: (-f[key], int(f["offset"], 16)))[:2]
        shown = sorted(k[2] for k in two if k[0] == "winstrument_function_calls" and k[1] == mod)
        ctx.check(shown == sorted(f["name"] for f in top),
                  f"--functions-top 2, {mod}: {shown}, expected {[f['name'] for f in top]}")
    srv, url = serve.start_serve(ctx, "--functions-top", "0")
    _, _, body = serve.fetch(url + "/metrics")
    srv.kill()
    ctx.check("winstrument_function" not in body, "--functions-top 0 still shows functions")
    finish(ctx, p)



def watch_functions(ctx, rounds):
    """`watch --functions`: a live top of functions by calls per second.
    wst_fn_host.exe's `unload` script keeps a thread calling wst_fn_b.dll's
    fn_leaf; over each interval the rates agree with the calls counted (the
    rate times the measured interval is the change in calls), the rows come
    fastest first, --top bounds them, and text names its columns. --top
    without --functions and --format csv with it are usage errors."""
    b = "wst_fn_b.dll"
    p = ctx.spawn(ctx.bin(HOST), "unload", str(rounds))
    pid = read_pid(p)
    p.expect("^used$")
    r = ctx.inspect("watch", pid, "--functions", "--module", b, "--interval", "0.3", "--count",
                    "3", "--json")
    ctx.require(r.rc == 0, f"watch --functions --json: rc {r.rc} {r.err[-300:]}")
    docs = [json.loads(x) for x in r.out.splitlines()]
    ctx.check(len(docs) == 3, f"{len(docs)} JSON lines for --count 3")
    prev = None
    for doc in docs:
        m = module_entry(doc, b)
        ctx.require(m is not None and m.get("timed") is True, f"watch --functions: {doc}")
        fs = {f["name"]: f for f in m["functions"]}
        rates = [f["calls_per_s"] for f in m["functions"]]
        ctx.check(rates == sorted(rates, reverse=True), f"not fastest first: {rates}")
        ctx.check(fs.get("fn_leaf", {}).get("calls_per_s", 0) > 0 and
                  fs["fn_leaf"].get("self_ns_per_s", 0) > 0, f"fn_leaf idle: {fs.get('fn_leaf')}")
        if prev is not None and "fn_leaf" in prev and "fn_leaf" in fs:
            delta = fs["fn_leaf"]["calls"] - prev["fn_leaf"]["calls"]
            ctx.check(abs(fs["fn_leaf"]["calls_per_s"] * doc["interval_s"] - delta) <=
                      max(2.0, 0.01 * delta),
                      f"rate {fs['fn_leaf']['calls_per_s']} x {doc['interval_s']} s != {delta}")
        prev = fs
    one = ctx.inspect("watch", pid, "--functions", "--top", "1", "--interval", "0.2", "--count",
                      "1", "--json")
    ctx.require(one.rc == 0, f"--top 1: rc {one.rc} {one.err[-300:]}")
    doc = json.loads(one.out.splitlines()[0])
    ctx.check(all(len(m["functions"]) <= 1 for m in doc["modules"]) and
              module_entry(doc, b)["functions"][0]["name"] in ("fn_leaf", "fn_hidden"),
              f"--top 1: {doc}")
    text = ctx.inspect("watch", pid, "--functions", "--module", b, "--interval", "0.2",
                       "--count", "1")
    ctx.check(text.rc == 0 and "functions by calls/s" in text.out and
              any(x.split()[:3] == ["calls/s", "self", "ms/s"] for x in text.out.splitlines()),
              f"text: rc {text.rc} {text.out[:300]!r}")
    for args in (("--top", "3"), ("--functions", "--format", "csv")):
        bad = ctx.inspect("watch", pid, *args, "--count", "1")
        ctx.check(bad.rc == 2 and "usage" in bad.err, f"watch {args}: rc {bad.rc} {bad.err}")
    p.kill()
