"""The worker's pipe under attack and among neighbours (threadpool mode)."""

from wstdriver.abi import EXIT

from .common import A, B, HOST, compare_counters, host, module_entry, read_expectations, \
    read_pid, squat_before_first_hit
from .shutdown import UNLOAD_BOUND_US


def _serving_host(ctx, *after_ready):
    p = host(ctx, "pid", "load", A, "hit", A, "100", "2", "pipe", A, "expect", "ready",
             *after_ready)
    pid = read_pid(p)
    pipe = p.expect(r"^pipe \S+ (\S+)$").group(1)
    ctx.require(pipe != "-", "the worker never served")
    return p, pid, pipe, read_expectations(p)


def malformed(ctx):
    """Malformed frames each get an error reply or a closed connection; then a
    good client is served, and the inspector still reads through the pipe."""
    p, pid, pipe, expected = _serving_host(ctx)
    c = ctx.run(ctx.bin("wst_pipe_client.exe"), pipe, "malformed")
    ctx.check(c.rc == 0, f"malformed-frame client: {c.out}")
    ctx.check("NO-ANSWER" not in c.out, f"a bad frame was left unanswered: {c.out}")
    compare_counters(ctx, ctx.inspect_json("dump", pid, "--module", A, "--via", "pipe"),
                     {A: expected[A]}, "after")
    stats = ctx.inspect_json("stats", pid, "--module", A)
    errors = stats["modules"][0]["errors"]
    ctx.check(errors >= 7, f"the worker counted {errors} errors for 7 bad frames")
    ctx.note("errors_counted", errors)
    p.send()
    ctx.check(p.wait() == 0, "host failed")


def fuzz(ctx, rounds):
    """Random frames, truncated frames and floods of connections; the worker
    keeps serving a good client and still unloads promptly."""
    p, pid, pipe, expected = _serving_host(ctx, "timed-free", A)
    # Bounded by the scenario's deadline, which grows with the rounds.
    c = ctx.run(ctx.bin("wst_pipe_client.exe"), pipe, "fuzz", rounds, 12345,
                timeout=ctx.remaining())
    ctx.check(c.rc == 0, f"fuzz client: {c.out[-500:]}")
    summary = [line for line in c.out.splitlines() if line.startswith("fuzz ")]
    ctx.check(bool(summary), f"fuzz client printed no summary: {c.out[-300:]!r}")
    for field in summary[0].split()[1:] if summary else []:
        key, _, value = field.partition("=")
        ctx.note(key, value)
    compare_counters(ctx, ctx.inspect_json("dump", pid, "--module", A, "--via", "pipe"),
                     {A: expected[A]}, "after")
    p.send()
    # Shutdown stays prompt after the storm (the bound is shutdown.py's).
    us = int(p.expect(r"^freed \S+ us=(\d+)$").group(1))
    ctx.note("unload_us", us)
    ctx.check(us < UNLOAD_BOUND_US, f"unload after the fuzz took {us} us")
    ctx.check(p.wait() == 0, "host failed")


def squatted(ctx):
    """Another process owns the pipe name first: the module records the
    failure in its region (never on stderr), serves nothing, and stays
    readable through memory; the inspector reports the failure."""
    p = host(ctx, "pid", "load", A, "planned-pipe", A, "ready", "hit", A, "100", "2",
             "state", A, "expect", "ready")
    pid = read_pid(p)
    name = p.expect(r"^planned-pipe \S+ (\S+)$").group(1)
    squatter = squat_before_first_hit(ctx, p, name)
    expected = read_expectations(p)
    dump = ctx.inspect_json("dump", pid, "--module", A)
    compare_counters(ctx, dump, {A: expected[A]}, "squatted, --via auto")
    m = module_entry(dump, A)
    ctx.check(m is not None and m["via"] == "memory" and m["worker"] == "pipe-failed",
              f"squatted module reported as {m}")
    ctx.check(m is not None and m.get("worker_error", 0) != 0, f"no worker_error: {m}")
    text = ctx.inspect("dump", pid, "--module", A)
    ctx.check(any("warning" in line and A in line for line in text.out.splitlines()),
              f"no warning line naming the module: {text.out!r}")
    r = ctx.inspect("dump", pid, "--module", A, "--via", "pipe")
    ctx.check(r.rc == EXIT["no-worker"], f"--via pipe on a squatted module gave {r.rc}")
    p.send()
    ctx.check(p.wait() == 0, "host failed")
    ctx.check("winstrument" not in p.err, f"the runtime wrote to stderr: {p.err!r}")
    squatter.send()
    squatter.wait()


def three_modules(ctx):
    """Two instrumented DLLs and an instrumented EXE in threadpool mode: each
    has its own worker and pipe, and each stops on its own."""
    p = host(ctx, "pid", "selfhit", "50", "load", A, "load", B, "hit", A, "100", "2",
             "hit", B, "30", "3", "pipe", A, "pipe", B, "expect", "ready", "free", A,
             "expect", "ready", "free", B, "expect", "ready")
    pid = read_pid(p)
    remaining = [HOST, A, B]
    for unloaded in (None, A, B):
        expected = read_expectations(p)
        if unloaded:
            remaining.remove(unloaded)
            expected = {k: v for k, v in expected.items() if k in remaining}
        dump = ctx.inspect_json("dump", pid, "--via", "pipe")
        ctx.check(sorted(m["name"] for m in dump["modules"]) == sorted(remaining),
                  f"modules {[m['name'] for m in dump['modules']]}, expected {remaining}")
        pipes = {m["pipe"] for m in dump["modules"]}
        ctx.check(len(pipes) == len(remaining), f"modules share pipes: {pipes}")
        compare_counters(ctx, dump, expected, f"after unloading {unloaded}")
        p.send()
    ctx.check(p.wait() == 0, "host failed")


def reset_counters(ctx):
    """reset zeroes a module's counters through its worker; a threadless
    module refuses it with the documented error."""
    p, pid, pipe, expected = _serving_host(ctx)
    r = ctx.inspect_json("reset", pid, "--module", A)
    # Issue 9 defect 4: odd while a reset runs, so one reset adds 2.
    ctx.check(r["modules"][0]["generation"] == 2, f"generation after reset: {r}")
    dump = ctx.inspect_json("dump", pid, "--module", A, "--via", "memory")
    values = {c["name"]: c["value"] for c in dump["modules"][0]["counters"]}
    ctx.check(all(v == 0 for v in values.values()), f"counters after reset: {values}")
    p.send()
    ctx.check(p.wait() == 0, "host failed")
    q = host(ctx, "pid", "load", A, "hit", A, "5", "1", "ready", env={"WINSTRUMENT_MODE":
                                                                     "threadless"})
    qpid = read_pid(q)
    q.expect("^ready$")
    r = ctx.inspect("reset", qpid, "--module", A)
    ctx.check(r.rc == EXIT["no-worker"] and "no-worker" in r.err,
              f"reset of a threadless module gave {r.rc}: {r.err!r}")
    q.send()
    ctx.check(q.wait() == 0, "threadless host failed")


def stripe_stats(ctx):
    """`stats` reports stripe use from the region header. x86_64: two threads
    that hit and exited claimed a stripe each and gave it back. i686 (run.py
    --arch i686): hits pick a stripe by thread id (docs/region.md, flag 0x8),
    so nothing is claimed or owned."""
    p, pid, pipe, expected = _serving_host(ctx)
    stats = ctx.inspect_json("stats", pid, "--module", A)
    stripes = stats["modules"][0].get("stripes")
    ctx.require(stripes is not None, f"stats has no stripes object: {stats}")
    for key, value in stripes.items():
        ctx.note(f"stripes_{key}", value)
    scheme, claims = ("by-thread-id", 0) if ctx.arch == "i686" else ("owned", 2)
    ctx.check(stripes["scheme"] == scheme, f"stripe scheme {stripes['scheme']!r}, not {scheme}")
    ctx.check(stripes["ownable"] == 7, f"ownable {stripes['ownable']}")
    if claims:
        ctx.check(stripes["claims"] >= claims,
                  f"2 hitting threads, {stripes['claims']} claims")
    else:
        ctx.check(stripes["claims"] == 0, f"{stripes['claims']} claims by thread id")
    ctx.check(stripes["owned"] == 0, f"{stripes['owned']} stripes still owned after the "
              "hitting threads exited")
    ctx.check(stripes["reclaims"] == 0 and stripes["shared"] == 0,
              f"reclaims or shared threads without cause: {stripes}")
    text = ctx.inspect("stats", pid, "--module", A)
    ctx.check(f"stripes {scheme}: 0 of 7 owned" in text.out, f"stats text: {text.out!r}")


MANY = "wst_many_names.dll"
MANY_NAMES = 4200  # wine-tests/hosts/wst_many_names.c
PIPE_SNAPSHOT_MAX = 4095  # docs/protocol.md: the most names one snapshot reply carries


def many_counters(ctx):
    """A module with more counter names than a pipe snapshot carries. `dump` (auto) must show every name, and a pipe reply
    that cannot hold them all must say so ("complete": false), never drop
    names silently."""
    p = host(ctx, "pid", "load", MANY, "hit", MANY, "10", "1", "pipe", MANY, "expect", "ready")
    pid = read_pid(p)
    pipe = p.expect(r"^pipe \S+ (\S+)$").group(1)
    ctx.require(pipe != "-", "the worker never served")
    expected = read_expectations(p)
    want = {f"many.{i:04d}" for i in range(MANY_NAMES)}
    for via in ("auto", "memory", "pipe"):
        dump = ctx.inspect_json("dump", pid, "--module", MANY, "--via", via)
        m = module_entry(dump, MANY)
        if not ctx.check(m is not None, f"--via {via}: {MANY} missing"):
            continue
        names = {c["name"] for c in m.get("counters", [])}
        ctx.note(f"names_{via}", len(names))
        ctx.note(f"complete_{via}", m.get("complete"))
        if via == "pipe":
            # The pipe alone cannot carry them all: what it gives is marked.
            ctx.check(m.get("complete") is False and len(names) == PIPE_SNAPSHOT_MAX,
                      f"--via pipe: {len(names)} names, complete={m.get('complete')}")
            continue
        ctx.check(want <= names, f"--via {via}: {len(want - names)} names missing "
                  f"(got {len(names)}, via {m.get('via')})")
        ctx.check(m.get("complete") is True, f"--via {via}: complete={m.get('complete')}")
        compare_counters(ctx, dump, {MANY: expected[MANY]}, f"--via {via}")
    p.send()
    ctx.check(p.wait() == 0, "host failed")
