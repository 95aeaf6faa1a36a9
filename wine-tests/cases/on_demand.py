"""The on-demand worker (threadpool mode; docs/modes.md, "The on-demand
worker"): a module's worker starts only when an inspector signals the
module's trigger, stops serving after idle_stop_ms with no client, and starts
again on the next request. The trigger is a named event only the target's
user (and SYSTEM) may signal; a hostile signal can at most start the worker,
which serves the authenticated pipe, and a storm of them starts no more than
one worker at a time and leaks nothing.
"""

import re
import time

from .common import A, COMPARE, check_no_leak, host, module_entry, read_pid

IDLE_MS = 400
PRIVATE_BOUND = 8 * 1024 * 1024
EVENT_ALL_ACCESS = 0x1F0003
SYSTEM_SID = "S-1-5-18"
NO_WRITE_UP_NO_READ_UP = 0x3


def _module(ctx, pid, name=A):
    """A's entry in a memory dump (which never wakes the worker)."""
    dump = ctx.inspect_json("dump", pid, "--via", "memory")
    m = module_entry(dump, name)
    ctx.require(m is not None, f"{name} missing from the dump")
    return m


def _wait_worker(ctx, pid, state, what, seconds=30):
    """Reads the region until the worker says `state`. Each read is a whole
    inspector run, so the bound counts reads of work, not a machine's speed:
    the worker stops after IDLE_MS, and the bound is many times that."""
    deadline = time.monotonic() + seconds
    while True:
        m = _module(ctx, pid)
        if m["worker"] == state:
            return m
        ctx.require(time.monotonic() < deadline,
                    f"{what}: the worker stayed {m['worker']} for {seconds} s, never {state}")
        time.sleep(0.1)


def never_hit_control(ctx):
    """reset and stats on a module that was loaded and never hit: its worker
    was never started, and the request starts it."""
    p = host(ctx, "pid", "load", A, "ready")
    pid = read_pid(p)
    p.expect("^ready$")
    m = _module(ctx, pid)
    ctx.check(m["worker"] == "idle" and m["worker_starts"] == 0 and m["trigger"] == "armed",
              f"before any request: worker {m['worker']}, starts {m['worker_starts']}, "
              f"trigger {m['trigger']}")
    ctx.check(m["pipe"] == "", f"an idle worker publishes a pipe: {m['pipe']!r}")
    stats = ctx.inspect_json("stats", pid, "--module", A)
    ctx.check(len(stats.get("modules", [])) == 1, f"stats on a never-hit module: {stats}")
    r = ctx.inspect("reset", pid, "--module", A)
    ctx.check(r.rc == 0, f"reset on a never-hit module: {r}")
    m = _module(ctx, pid)
    ctx.check(m["worker_starts"] == 1, f"two requests started the worker {m['worker_starts']} times")
    ctx.note("worker_after_requests", m["worker"])
    p.send()
    ctx.check(p.wait() == 0, "host failed")


def idle_restart(ctx):
    """The worker stops serving IDLE_MS after its last client, returns its pool
    thread (the thread count settles back to the baseline taken before any
    request), and the next request starts it again."""
    p = host(ctx, "pid", "load", A, "hit", A, "10", "1", "baseline", "ready", *COMPARE,
             env={"WINSTRUMENT_IDLE_MS": str(IDLE_MS)})
    pid = read_pid(p)
    p.expect("^ready$")
    m = _module(ctx, pid)
    ctx.check(m["idle_stop_ms"] == IDLE_MS, f"idle_stop_ms {m['idle_stop_ms']}, set {IDLE_MS}")
    for start in (1, 2):
        r = ctx.inspect("stats", pid, "--module", A)
        ctx.check(r.rc == 0, f"stats #{start}: {r}")
        m = _wait_worker(ctx, pid, "idle", f"after stats #{start}")
        ctx.check(m["worker_starts"] == start,
                  f"after request {start}: the worker started {m['worker_starts']} times")
        ctx.check(m["pipe"] == "", f"an idle worker still names its pipe {m['pipe']!r}")
    p.send()
    check_no_leak(ctx, p, PRIVATE_BOUND, "two idle stops")
    ctx.check(p.wait() == 0, "host failed")


def unload_races_trigger(ctx, rounds):
    """An unload while another thread signals the module's trigger without
    pause, `rounds` times: the unload returns, nothing runs in the unloaded
    module, nothing leaks (exit:unload-pending-work covers the same race
    under the loader lock)."""
    p = host(ctx, "load", A, "hit", A, "1", "1", "free", A, "baseline",
             "race-free", A, str(rounds), *COMPARE, env={"WINSTRUMENT_IDLE_MS": str(IDLE_MS)})
    signals = 0
    for done in range(20, rounds + 1, 20):
        m = p.expect(r"^raced \S+ (\d+) signals=(\d+)$")
        signals = int(m.group(2))
    ctx.note("signals", signals)
    check_no_leak(ctx, p, PRIVATE_BOUND, "unloads racing a signal")
    ctx.check(p.wait() == 0, "host failed")


def signal_storm(ctx):
    """Another process signals the trigger as fast as it can: the worker never
    runs twice at once (the host's thread count rises by at most its one pool
    thread), it starts at most once per idle period, and once the storm ends
    it stops and leaves nothing behind."""
    storm_ms = 3000
    p = host(ctx, "pid", "load", A, "hit", A, "10", "1", "trigger-name", A, "baseline", "ready",
             "sample-threads", str(storm_ms), "ready", *COMPARE,
             env={"WINSTRUMENT_IDLE_MS": str(IDLE_MS)})
    pid = read_pid(p)
    name = p.expect(r"^trigger-name \S+ (\S+)$").group(1)
    base = int(p.expect(r"^baseline threads=(\d+) ").group(1))
    p.expect("^ready$")
    storm = ctx.spawn(ctx.bin("wst_tool.exe"), "storm", name, str(storm_ms))
    p.send()
    stormed = storm.expect(r"^stormed (\d+) ms=(\d+)$")
    ctx.check(storm.wait() == 0, "the storm failed")
    most = int(p.expect(r"^max-threads (\d+)$").group(1))
    signals, ms = int(stormed.group(1)), int(stormed.group(2))
    ctx.note("signals", signals)
    ctx.note("storm_threads", f"{base} max {most}")
    ctx.check(most <= base + 1, f"a storm of {signals} signals: {most} threads, baseline {base}")
    m = _wait_worker(ctx, pid, "idle", "after the storm")
    # Each start serves at least IDLE_MS before it stops, and the signals
    # that came meanwhile are dropped: starts are bounded by time, not by
    # the number of signals.
    bound = ms // IDLE_MS + 2
    ctx.note("starts", m["worker_starts"])
    ctx.check(1 <= m["worker_starts"] <= bound,
              f"{signals} signals in {ms} ms started the worker {m['worker_starts']} times "
              f"(bound {bound})")
    p.expect("^ready$")
    p.send()
    check_no_leak(ctx, p, PRIVATE_BOUND, "a signal storm")
    ctx.check(p.wait() == 0, "host failed")


def trigger_security(ctx):
    """Who may signal the trigger: its DACL admits exactly the target's user
    and SYSTEM, and its label is the target's own integrity level with
    no-write-up, as the pipe's (pipe_security.h). A squatter cannot make the
    runtime use its event (tests/test_mode_threadpool.c, the fallback), and
    what a hostile signal causes is signal_storm's business."""
    p = host(ctx, "pid", "load", A, "trigger-name", A, "ready")
    pid = read_pid(p)
    name = p.expect(r"^trigger-name \S+ (\S+)$").group(1)
    p.expect("^ready$")
    ctx.check(re.fullmatch(r"Global\\winstrument-trigger-%s-[0-9a-f]{16}" % pid, name) is not None,
              f"trigger name {name!r} is not of the documented form")
    r = ctx.run(ctx.bin("wst_tool.exe"), "acl", name)
    ctx.require(r.rc == 0, f"reading the trigger's descriptor: {r}")
    aces = re.findall(r"^ace (\S+) (\S+) (\d+)$", r.out, re.M)
    user = re.search(r"^user (\S+) ", r.out, re.M)
    labels = re.findall(r"^label (\d+) (\d+)$", r.out, re.M)
    ctx.require(user is not None, f"no user line: {r.out!r}")
    want = {("allow", user.group(1), str(EVENT_ALL_ACCESS)),
            ("allow", SYSTEM_SID, str(EVENT_ALL_ACCESS))}
    ctx.check(set(aces) == want and len(aces) == 2,
              f"the trigger's DACL is {aces}, expected exactly {sorted(want)}")
    ctx.check(len(labels) == 1 and int(labels[0][1]) == NO_WRITE_UP_NO_READ_UP,
              f"the trigger's label is {labels}, expected one no-write-up/no-read-up")
    ctx.note("dacl", " ".join(f"{sid}:{mask}" for _, sid, mask in aces))
    p.send()
    ctx.check(p.wait() == 0, "host failed")
