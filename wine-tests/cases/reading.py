"""The inspector reading targets: exact counters across threads and modules,
unload, a target killed mid-read, damaged regions, and processes the
inspector must refuse."""

from wstdriver.abi import EXIT

from .common import A, B, HOST, compare_counters, counters_of, has_worker, host, \
    kill_and_check_gone, module_entry, read_expectations, read_pid

# No process can have this pid: Windows and Wine give out multiples of 4 from
# tables far smaller than this, so the answer never depends on what runs.
IMPOSSIBLE_PID = 0xFFFFFFFC


def two_dlls_exact(ctx):
    """An instrumented EXE with two instrumented DLLs, hit from several
    threads; every read path reports exactly what the host counted."""
    p = host(ctx, "pid", "selfhit", "1000", "load", A, "load", B, "hit", A, "20000", "4",
             "hit", B, "7000", "2", "pipe", A, "pipe", B, "expect", "ready")
    pid = read_pid(p)
    expected = read_expectations(p)
    vias = ["auto", "memory"] + (["pipe"] if has_worker(ctx.mode) else [])
    for via in vias:
        dump = ctx.inspect_json("dump", pid, "--via", via)
        compare_counters(ctx, dump, expected, f"--via {via}")
        for name in (HOST, A, B):
            m = module_entry(dump, name)
            if ctx.check(m is not None, f"--via {via}: {name} not listed"):
                ctx.check(m["mode"] == ctx.mode, f"{name}: mode {m['mode']}, expected {ctx.mode}")
                if via == "pipe":
                    ctx.check(m["via"] == "pipe", f"{name}: read via {m['via']}, not the pipe")
    one = ctx.inspect_json("dump", pid, "--module", B, "--via", "memory")
    ctx.check([m["name"] for m in one["modules"]] == [B], f"--module {B}: got {one['modules']}")
    p.send()
    ctx.check(p.wait() == 0, "host failed")


def unload_unlisted(ctx):
    """A DLL that was unloaded is no longer listed, nor dumped."""
    p = host(ctx, "pid", "load", A, "hit", A, "10", "1", "ready", "free", A, "ready")
    pid = read_pid(p)
    p.expect("^ready$")

    def modules_listed():
        listing = ctx.inspect_json("list")
        for proc in listing["processes"]:
            if proc["pid"] == pid:
                return {m["name"] for m in proc["modules"]}
        return set()

    ctx.check(modules_listed() == {HOST, A}, f"before unload: listed {modules_listed()}")
    p.send()
    p.expect("^ready$")
    ctx.check(modules_listed() == {HOST}, f"after unload: listed {modules_listed()}")
    ctx.check(A not in counters_of(ctx.inspect_json("dump", pid)), "unloaded DLL still dumped")
    p.send()
    ctx.check(p.wait() == 0, "host failed")


def killed_mid_read(ctx, rounds):
    """The target is terminated while inspectors read it: each read either
    succeeds or names the failure (no-process, target-gone), never crashes."""
    outcomes = {}
    for i in range(rounds):
        p = host(ctx, "pid", "load", A, "load", B, "hit", A, "100", "2", "ready")
        pid = read_pid(p)
        p.expect("^ready$")
        readers = [ctx.spawn(ctx.inspector, "dump", pid, "--via", "memory", "--json")
                   for _ in range(3)]
        kill_and_check_gone(ctx, p, pid, 77, f"round {i}")
        for r in readers:
            rc = r.wait()
            outcomes[rc] = outcomes.get(rc, 0) + 1
            ctx.check(rc in (0, EXIT["no-process"], EXIT["target-gone"]),
                      f"inspector exit {rc} while the target died: {r.err[-300:]}")
            if rc != 0:
                ctx.check("wst-inspect:" in r.err, f"exit {rc} without a message: {r.err!r}")
    ctx.note("exit_codes", ",".join(f"{k}x{v}" for k, v in sorted(outcomes.items())))


def not_instrumented(ctx):
    """A live process without instrumented modules, and a pid that does not
    exist, each give the documented error."""
    p = ctx.spawn(ctx.bin("wst_tool.exe"), "wait")
    pid = read_pid(p)
    r = ctx.inspect("dump", pid)
    ctx.check(r.rc == EXIT["not-instrumented"], f"dump of a plain process gave {r.rc}: {r.err}")
    ctx.check("not-instrumented" in r.err, f"message does not name the failure: {r.err!r}")
    listing = ctx.inspect_json("list")
    ctx.check(all(proc["pid"] != pid for proc in listing["processes"]),
              "a plain process was listed as instrumented")
    p.send()
    ctx.check(p.wait() == 0, "wst_tool wait failed")
    r = ctx.inspect("dump", IMPOSSIBLE_PID)
    ctx.check(r.rc == EXIT["no-process"] and "no-process" in r.err, f"wrong pid gave {r.rc}: {r.err}")


def unknown_mode(ctx):
    """An unknown WINSTRUMENT_MODE falls back to the default mode. The runtime
    says so in each module's region (it never writes to stderr: it reads the
    variable under the loader lock, where a blocked write would hang the
    loader), and the inspector reports it for every module."""
    p = host(ctx, "pid", "load", A, "load", B, "hit", A, "10", "1", "expect", "ready",
             env={"WINSTRUMENT_MODE": "no-such-mode"})
    pid = read_pid(p)
    expected = read_expectations(p)
    dump = ctx.inspect_json("dump", pid, "--via", "memory")
    compare_counters(ctx, dump, expected, "unknown mode")
    modes = {m["name"]: m["mode"] for m in dump["modules"]}
    ctx.check(set(modes.values()) == {"threadpool"}, f"modes with an unknown value: {modes}")
    fallback = {m["name"]: m.get("mode_fallback") for m in dump["modules"]}
    ctx.check(len(fallback) == 3 and all(v is True for v in fallback.values()),
              f"mode_fallback per module: {fallback}")
    text = ctx.inspect("dump", pid, "--via", "memory")
    for name in (HOST, A, B):
        ctx.check(any("warning" in line and name in line and "WINSTRUMENT_MODE" in line
                      for line in text.out.splitlines()),
                  f"no warning line naming {name}: {text.out!r}")
    p.send()
    ctx.check(p.wait() == 0, "host failed")
    ctx.check(not any("winstrument" in line for line in p.err_lines),
              f"the runtime wrote to stderr: {p.err!r}")


def no_worker_advice(ctx):
    """A verb that needs a worker, on a threadless module: the error says how
    to get one, and names only modes that exist (there is no helper mode;
    following advice to set it would only trigger the unknown-mode fallback)."""
    p = host(ctx, "pid", "load", A, "hit", A, "10", "1", "ready")
    pid = read_pid(p)
    p.expect("^ready$")
    for verb in ("stats", "reset"):
        r = ctx.inspect(verb, pid, "--module", A)
        ctx.check(r.rc == 12, f"{verb} on a threadless module gave {r.rc}: {r.err!r}")
        ctx.check("WINSTRUMENT_MODE=threadpool" in r.err, f"{verb}: no advice: {r.err!r}")
        ctx.check("helper" not in r.err, f"{verb}: advises a mode that does not exist: {r.err!r}")
    p.send()
    ctx.check(p.wait() == 0, "host failed")


# Damage done to a live module's region -> the exit code the inspector must give.
CORRUPTIONS = {"magic": "corrupt-region", "version": "version-mismatch",
               "header-size": "corrupt-region", "counter-size": "corrupt-region",
               "stripes": "corrupt-region", "counter-magic": "corrupt-region",
               "counter-name": "corrupt-region", "trailer": "corrupt-region"}


def corrupt_region(ctx):
    """A live process whose region was damaged: for each kind of damage the
    inspector names the failure in its message and exit code, and the other,
    intact module of the same process stays readable."""
    for kind, status in CORRUPTIONS.items():
        code = EXIT[status]
        p = host(ctx, "pid", "load", A, "load", B, "hit", A, "10", "1", "hit", B, "5", "1",
                 "corrupt", A, kind, "expect", "ready")
        pid = read_pid(p)
        expected = read_expectations(p)
        r = ctx.inspect("dump", pid, "--module", A, "--via", "memory")
        ctx.check(r.rc == code, f"{kind}: exit {r.rc}, expected {code}: {r.err.strip()!r}")
        ctx.check(r.err.startswith("wst-inspect: ") and "wst_target_a.dll" in r.err,
                  f"{kind}: the message does not name the module: {r.err!r}")
        intact = ctx.inspect_json("dump", pid, "--module", B, "--via", "memory")
        compare_counters(ctx, intact, {B: expected[B]}, f"{kind}: the intact module")
        p.send()
        ctx.check(p.wait() == 0, f"{kind}: host failed")
    ctx.iterations = len(CORRUPTIONS)


def corrupt_line_via_pipe(ctx):
    """A damaged counter line in memory fails a memory read, but not a dump
    through the pipe: the inspector then reads only the header from memory
    (for the pipe's name), and the worker answers from its own walk."""
    p = host(ctx, "pid", "load", A, "hit", A, "10", "1", "pipe", A, "corrupt", A, "counter-name",
             "expect", "ready")
    pid = read_pid(p)
    ctx.require(p.expect(r"^pipe \S+ (\S+)$").group(1) != "-", "the worker never served")
    expected = read_expectations(p)
    memory = ctx.inspect("dump", pid, "--module", A, "--via", "memory")
    ctx.check(memory.rc == EXIT["corrupt-region"],
              f"--via memory on a damaged line gave {memory.rc}: {memory.err.strip()!r}")
    dump = ctx.inspect_json("dump", pid, "--module", A, "--via", "pipe")
    got = counters_of(dump).get(A, {})
    # The damaged site (the section's first) is named 55 'x' now, its NUL
    # overwritten; it keeps the value the host counted, and the other counter
    # keeps its name and value.
    want = expected[A]
    damaged = got.get("x" * 55)
    intact = {k: v for k, v in got.items() if k in want}
    ctx.check(damaged is not None and len(intact) == 1 and
              sorted([damaged, *intact.values()]) == sorted(want.values()) and
              all(want[k] == v for k, v in intact.items()),
              f"--via pipe read {got}, host counted {want}")
    p.send()
    ctx.check(p.wait() == 0, "host failed")


def many_threads_exact(ctx, rounds):
    """More threads than a counter has stripes, again and again: the threads
    that own a stripe add without atomics, the rest share stripe 0, exiting
    threads hand their stripes on. Every count must still be exact."""
    script = ["pid"]
    for _ in range(rounds):
        script += ["load", A, "hit", A, "20000", "16", "hit", A, "3000", "3", "expect", "ready",
                   "free", A]
    p = host(ctx, *script)
    pid = read_pid(p)
    for _ in range(rounds):
        expected = read_expectations(p)
        dump = ctx.inspect_json("dump", pid, "--module", A, "--via", "memory")
        compare_counters(ctx, dump, {A: expected[A]}, "16 threads")
        p.send()
    ctx.check(p.wait() == 0, "host failed")
