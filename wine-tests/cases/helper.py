"""Helper mode's own cases (docs/modes.md, "Helper mode"): the search for
wsthelper.dll and its fallback, a first hit under the loader lock, and an
unload while the helper serves followed at once by a reload. The scenario
matrix runs every other scenario in helper mode too (scenarios.MODES)."""

import shutil
from pathlib import Path

from wstdriver.abi import EXIT, WORKER_STATE

from .common import A, HOST, SETTLE_MS, SILENCE, host, module_entry, read_pid

SETTLE_SILENCE = SETTLE_MS / 1000 + SILENCE


def _private_host_dir(ctx, helper=None):
    """A directory of its own holding wst_host.exe and wst_target_a.dll, and
    `helper` (a wsthelper.dll path) beside them if given: the two places the
    runtime looks in are then both this directory."""
    d = Path(ctx.tmpdir())
    for name in (HOST, A):
        shutil.copy2(ctx.bin(name), d / name)
    if helper is not None:
        shutil.copy2(helper, d / "wsthelper.dll")
    return d


def _fallback(ctx, helper, expected_state, expected_version):
    """A host in helper mode whose helper cannot serve: the region says why,
    no worker runs, memory reads work, and a verb that needs the worker
    fails with no-worker and says why."""
    d = _private_host_dir(ctx, helper)
    p = ctx.spawn(d / HOST, "pid", "load", A, "hit", A, "10", "1", "state", A, "ready")
    pid = read_pid(p)
    state = int(p.expect(r"^state \S+ (\d+)$").group(1))
    ctx.check(state == WORKER_STATE["none"], f"worker state {state}, expected none (fallback)")
    p.expect("^ready$")
    dump = ctx.inspect_json("dump", pid, "--module", A)
    m = module_entry(dump, A) or {}
    ctx.check(m.get("mode") == "helper" and m.get("helper") == expected_state and
              m.get("worker") == "none" and m.get("via") == "memory",
              f"module entry {m}: expected helper mode, helper {expected_state}, no worker")
    ctx.check(m.get("helper_version") == expected_version,
              f"helper_version {m.get('helper_version')}, expected {expected_version}")
    counters = {c["name"]: c["value"] for c in m.get("counters", [])}
    ctx.check(counters.get("target.calls") == 10, f"counters through memory: {counters}")
    text = ctx.inspect("dump", pid, "--module", A)
    ctx.check(any("warning" in line and f"helper {expected_state}" in line
                  for line in text.out.splitlines()),
              f"no warning naming helper {expected_state}: {text.out!r}")
    r = ctx.inspect("stats", pid, "--module", A)
    ctx.check(r.rc == EXIT["no-worker"] and "helper" in r.err,
              f"stats without a helper gave {r.rc}: {r.err.strip()!r}")
    p.send()
    ctx.check(p.wait() == 0, "host failed")


def missing(ctx):
    """No wsthelper.dll next to the module nor next to the EXE."""
    _fallback(ctx, None, "missing", 0)


def wrong_version(ctx):
    """A wsthelper.dll that offers another interface version (999)."""
    helper = ctx.build / ctx.arch / "helper-wrong-version" / "wsthelper.dll"
    ctx.require(helper.is_file(), f"{helper} was not built")
    _fallback(ctx, helper, "wrong-version", 999)


def first_hit_in_dllmain(ctx, rounds):
    """The module's first hit runs inside another DLL's DllMain, with the
    loader lock held: the helper's LoadLibrary must wait until the lock is
    free, then serve. Each round is a new process (the module stays loaded)."""
    for i in range(rounds):
        p = host(ctx, "pid", "nested-keep", A, "load", A, "pipe", A, "ready")
        pid = read_pid(p)
        p.expect(rf"^nested {A} done$")
        p.expect(r"^pipe \S+ \S+$")
        p.expect("^ready$")
        dump = ctx.inspect_json("dump", pid, "--module", A, "--via", "pipe")
        m = module_entry(dump, A) or {}
        ctx.check(m.get("helper") == "loaded" and m.get("worker") == "serving",
                  f"round {i}: {m}")
        p.send()
        rc = p.wait()
        if not ctx.check(rc == 0, f"round {i}: host exited {rc}"):
            return


def unload_serving_reload(ctx, rounds):
    """FreeLibrary while the helper serves (after a pipe read), then at once
    LoadLibrary of the same DLL and its first hit, while the old helper
    thread may still be on its way out. Once the old thread has left (the
    thread count is back), the new load's worker must still be serving under
    a pipe name of its own, with its own counters: nothing of the old helper
    may touch the new load (or the unloaded memory) after the unload."""
    p = host(ctx, "pid", "load", A, "hit", A, "10", "1", "pipe", A, "baseline",
             *(["ready", "free", A, "load", A, "hit", A, "3", "1", "pipe", A, "settle",
                str(SETTLE_MS), "state", A] * rounds), "ready", "free", A)
    pid = read_pid(p)
    old = p.expect(r"^pipe \S+ (\S+)$").group(1)
    for i in range(rounds):
        p.expect("^ready$")
        r = ctx.inspect("stats", pid, "--module", A)
        ctx.check(r.rc == 0, f"round {i}: stats before the unload gave {r.rc}: {r.err.strip()!r}")
        p.send()
        new = p.expect(r"^pipe \S+ (\S+)$").group(1)
        ctx.check(new != old, f"round {i}: the reload serves under the old pipe name {old}")
        p.expect(r"^settled threads=", timeout=SETTLE_SILENCE)
        state = int(p.expect(r"^state \S+ (\d+)$").group(1))
        if not ctx.check(state == WORKER_STATE["serving"],
                         f"round {i}: the reloaded module's worker is {state}, not serving"):
            break
        dump = ctx.inspect_json("dump", pid, "--module", A, "--via", "pipe")
        m = module_entry(dump, A) or {}
        counters = {c["name"]: c["value"] for c in m.get("counters", [])}
        ctx.check(m.get("pipe") == new and counters.get("target.calls") == 3,
                  f"round {i}: reloaded module {m.get('pipe')} {counters}")
        old = new
    p.expect("^ready$")
    p.send()
    ctx.check(p.wait(timeout=120) == 0, f"host failed: {p.transcript[-3:]} {p.err[-300:]!r}")
