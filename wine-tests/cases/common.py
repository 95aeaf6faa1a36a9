"""What many cases share: driving wst_host.exe and comparing counters."""

import json
import re

from wstdriver.abi import EXIT, WORKER_STATE
from wstdriver.context import SILENCE, Failure, ProgramError

A, B, HOST = "wst_target_a.dll", "wst_target_b.dll", "wst_host.exe"
# The host's `compare SETTLE_MS` waits up to SETTLE_MS for idle pool threads
# to retire before it counts them (DESIGN: bound that wait). It is silent
# meanwhile, so its line is awaited for that long plus the usual silence.
SETTLE_MS = 30000
COMPARE = ("compare", str(SETTLE_MS))
COMPARE_SILENCE = SETTLE_MS / 1000 + SILENCE


# The modes with a worker that serves a pipe: threadpool's pool callback, or
# helper mode's thread in wsthelper.dll (docs/modes.md).
WORKER_MODES = ("threadpool", "helper")


def has_worker(mode):
    """Whether a module in `mode` serves a pipe (pipe reads, reset, stats)."""
    return mode in WORKER_MODES


def host(ctx, *script, env=None):
    """Starts wst_host.exe with a script (see wine-tests/hosts/wst_host.c)."""
    return ctx.spawn(ctx.bin(HOST), *script, env=env)


def read_pid(proc):
    return int(proc.expect(r"^pid (\d+)$").group(1))


def host_lines(proc, until="ready"):
    """Yields each line a scenario host prints before the line `until`.

    An `error ...` line is the host saying it could not do what the script
    asked (a DLL that would not load): ProgramError, as proc.expect() raises
    it, so that it never counts as catching a mutant. The host ending before
    `until` is a Failure."""
    while True:
        line = proc.readline()
        if line is None:
            raise Failure(f"{proc.label} ended before `{until}`: {proc.err[-300:]}")
        if line == until:
            return
        if line.startswith("error "):
            raise ProgramError(f"{proc.label}: {line}")
        yield line


def read_expectations(proc):
    """{module: {counter: value}} from the host's `expect` lines, up to `ready`."""
    expected = {}
    while True:
        line = proc.readline()
        if line is None:
            raise Failure("host ended before `ready`")
        if line == "ready":
            return expected
        m = re.match(r"^expect (\S+) (\S+) (\d+)$", line)
        if m:
            expected.setdefault(m.group(1), {})[m.group(2)] = int(m.group(3))


def counters_of(dump):
    """{module name: {counter: value}} from `dump --json`."""
    return {m["name"]: {c["name"]: c.get("value") for c in m.get("counters", [])}
            for m in dump.get("modules", [])}


def compare_counters(ctx, dump, expected, label):
    got = counters_of(dump)
    for module, counters in expected.items():
        if not ctx.check(module in got, f"{label}: {module} missing from dump ({sorted(got)})"):
            continue
        for name, value in counters.items():
            ctx.check(got[module].get(name) == value,
                      f"{label}: {module} {name} = {got[module].get(name)}, host counted {value}")


def module_entry(dump, name):
    for m in dump.get("modules", []):
        if m["name"] == name:
            return m
    return None


def parse_compare(line):
    """(before, after) dicts from the host's `compare` line."""
    m = re.match(r"^compare threads=(\d+)->(\d+) handles=(\d+)->(\d+) private=(\d+)->(\d+)"
                 r" helper=(\d+)->(\d+)$", line)
    if not m:
        raise Failure(f"bad compare line {line!r}")
    v = list(map(int, m.groups()))
    return ({"threads": v[0], "handles": v[2], "private": v[4], "helper": v[6]},
            {"threads": v[1], "handles": v[3], "private": v[5], "helper": v[7]})


def check_no_leak(ctx, proc, private_bound, label):
    """Reads the host's compare line; threads and handles must be back exactly,
    private bytes may grow by at most private_bound (Wine's own heaps grow)."""
    check_compare_line(ctx, proc.expect(r"^compare ", timeout=COMPARE_SILENCE).string,
                       private_bound, label)


def check_compare_line(ctx, line, private_bound, label):
    before, after = parse_compare(line)
    ctx.note("threads", f"{before['threads']}->{after['threads']}")
    ctx.note("handles", f"{before['handles']}->{after['handles']}")
    ctx.note("private_kib", f"{before['private'] // 1024}->{after['private'] // 1024}")
    ctx.leak(after["threads"] <= before["threads"],
             f"{label}: threads {before['threads']} -> {after['threads']}")
    ctx.leak(after["handles"] <= before["handles"],
             f"{label}: handles {before['handles']} -> {after['handles']}")
    # Every module that a compare follows has been unloaded: a helper left
    # loaded is a helper thread that did not leave through
    # FreeLibraryAndExitThread (whatever the baseline saw on its way out).
    ctx.leak(after["helper"] == 0, f"{label}: wsthelper.dll still loaded after every unload")
    ctx.leak(after["private"] - before["private"] <= private_bound,
             f"{label}: private bytes grew by {after['private'] - before['private']} "
             f"(bound {private_bound})")


def counters_work_expected(n):
    """{module file name: {counter: value}} after counters_work(n) in
    counters_host.exe and counters_dll.dll (wine-tests/hosts/counters_*.c)."""
    return {"counters_dll.dll": {"dll.calls": n, "dll.bytes": 3 * n},
            "counters_host.exe": {"host.work": n}}


def parse_dump_bits(text):
    """{module file name: (bits, {counter: value})} from `dump --json`."""
    doc = json.loads(text)
    return {m["name"]: (m.get("bits"), {c["name"]: c["value"] for c in m.get("counters", [])})
            for m in doc.get("modules", [])}


def check_counters_work(ctx, modules, n, bits, label):
    """Checks parse_dump_bits() output against counters_work(n) on a bits-bit target."""
    for name, counters in counters_work_expected(n).items():
        if name not in modules:
            ctx.check(False, f"{label}: module {name} not reported (got {sorted(modules)})")
            continue
        got_bits, got = modules[name]
        ctx.check(got_bits == bits, f"{label}: {name} reported as {got_bits}-bit, not {bits}")
        for counter, value in counters.items():
            ctx.check(got.get(counter) == value,
                      f"{label}: {name} {counter} = {got.get(counter)}, expected {value}")


def read_ready_pid(proc):
    """Waits for counters_host.exe's "ready <pid>" line and returns the pid (a string)."""
    m = proc.expect(r"ready (\d+)", timeout=60)
    text = m.group(0) if hasattr(m, "group") else str(m)
    return re.search(r"ready (\d+)", text).group(1)


def quit_counters_host(ctx, proc, what):
    """Asks counters_host.exe to quit; it must answer `done` and exit 0."""
    proc.send("quit")
    proc.expect(r"done", timeout=60)
    rc = proc.wait(timeout=60)
    ctx.check(rc == 0, f"{what} exited {rc}")


def kill_and_check_gone(ctx, proc, pid, code, label):
    """Terminates the host `proc` (Windows pid `pid`) from outside with `code`,
    then checks that the inspector reports the pid as gone (no-process).

    The killer keeps its handle to the dead process during the check: while a
    handle is open the pid cannot be given to another process. Without it,
    Wine hands the pid out again at once, even to the inspector itself, and
    the check would ask about whatever process now has it."""
    killer = ctx.spawn(ctx.bin("wst_tool.exe"), "kill", pid, code, "hold")
    killed = killer.expect(r"^killed code=(\d+)$")
    ctx.check(killed.group(1) == str(code), f"{label}: killed with code {killed.group(1)}")
    killer.expect("^holding$")
    rc = proc.wait()
    ctx.check(ctx.platform.terminated_rc_ok(rc, code), f"{label}: killed target ended with {rc}")
    after = ctx.inspect("dump", pid)
    ctx.check(after.rc == EXIT["no-process"] and "no-process" in after.err,
              f"{label}: dump of the dead pid {pid} gave {after.rc}: {after.err.strip()!r}")
    killer.send()
    ctx.check(killer.wait() == 0, f"{label}: wst_tool kill failed")


def squat_before_first_hit(ctx, proc, name):
    """The host waits at `ready` before its first hit: another process takes
    the module's pipe name `name` first, then the host hits and reports the
    worker's state, which must be pipe-failed. Returns the squatter (send it
    a line to let go)."""
    proc.expect("^ready$")
    squatter = ctx.spawn(ctx.bin("wst_squatter.exe"), name)
    squatter.expect("^squatting$")
    proc.send()
    state = int(proc.expect(r"^state \S+ (\d+)$").group(1))
    ctx.check(state == WORKER_STATE["pipe-failed"], f"worker state {state}, expected pipe-failed")
    return squatter


def two_hosts(ctx):
    """Two instrumented hosts with different counts; each waits for `go`."""
    p = host(ctx, "pid", "selfhit", "7", "load", A, "hit", A, "300", "2", "pipe", A, "expect",
             "ready")
    q = host(ctx, "pid", "selfhit", "11", "load", B, "hit", B, "50", "1", "pipe", B, "expect",
             "ready")
    pid_p, pid_q = read_pid(p), read_pid(q)
    return (p, pid_p, read_expectations(p)), (q, pid_q, read_expectations(q))


def end_host(ctx, proc, label):
    proc.send()
    ctx.check(proc.wait() == 0, f"{label} failed")
