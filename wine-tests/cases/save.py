"""WINSTRUMENT_SAVE=DIR: each instrumented module writes its file when it
ends (docs/design/saved-file.md), and `wst-inspect dump --from` reads the
files without the process. Every way a module ends that runs its detach:
FreeLibrary, ExitProcess, return from main, the last thread's ExitThread.
A DIR that is no directory, a device or a pipe: nothing hangs, the failure
is recorded, the unload stays prompt. Two runs merge exactly; two builds of
one module are refused."""

import json
import shutil

from wstdriver.abi import EXIT

from .common import A, B, HOST

# What wst_host's script below counts (target_dll.c: wst_target_hit(n)
# counts target.calls n times and target.bytes 3n, on each thread).
HITS_A, THREADS_A, HITS_B, SELF = 100, 2, 10, 7
EXPECTED = {
    A: {"target.calls": HITS_A * THREADS_A, "target.bytes": 3 * HITS_A * THREADS_A},
    B: {"target.calls": HITS_B, "target.bytes": 3 * HITS_B},
}
# The EXE's own file: Windows calls an EXE's TLS callbacks at process detach,
# Wine 8 does not (its process_detach walks the initialization-order list,
# which holds DLLs only), so under Wine the host saves nothing of its own.
# Counted and noted, not required (docs/design/saved-file.md, "Limits").
EXE_EXPECTED = {"host.hits": SELF}
# The end of the process, as wst_host's command: exit code -> words.
ENDINGS = {
    "free-library": (["free", A, "free", B, "return", "0"], 0),
    "exit-process": (["exit-main", "3"], 3),
    "return-from-main": (["return", "5"], 5),
    "last-exit-thread": (["exit-thread-main", "7"], 7),
}
UNLOAD_BOUND_US = 1_500_000
SAVE_FAILED = 3   # enum wst_save_state, region.h
SAVE_SAVED = 2


def windows_path(ctx, path):
    """The directory as the program under test names it."""
    if ctx.platform.name == "wine":
        return "Z:" + str(path).replace("/", "\\")
    return str(path)


def run_host(ctx, directory, ending, extra=()):
    """wst_host under wst_tool (which reports the Windows exit code), saving
    into `directory`; returns the exit code."""
    words, code = ENDINGS[ending]
    env = {"WINSTRUMENT_SAVE": windows_path(ctx, directory)}
    p = ctx.spawn(ctx.bin("wst_tool.exe"), "run", HOST, "selfhit", str(SELF), *extra,
                  "load", A, "load", B, "hit", A, str(HITS_A), str(THREADS_A),
                  "hit", B, str(HITS_B), "1", *words, env=env)
    rc = int(p.expect(r"^child-exit (\d+)$", timeout=30).group(1))
    p.wait(timeout=30)
    ctx.require(rc == code, f"{ending}: exit code {rc}, expected {code} ({p.err[-200:]!r})")
    return rc


def saved(directory):
    return sorted(p.name for p in directory.iterdir())


def dump_from(ctx, directory, names, *more):
    r = ctx.run(ctx.inspector, "dump", "--from", *names, *more, "--json", cwd=directory)
    return r


def counters(dump):
    return {m["name"]: {c["name"]: c.get("value") for c in m["counters"]}
            for m in dump["modules"]}


def end_each_way(ctx):
    """Each ending leaves one file per module, and dump --from reads exactly
    what the host counted."""
    for ending in ENDINGS:
        tmp = ctx.tmpdir()
        run_host(ctx, tmp, ending)
        names = saved(tmp)
        dll_files = [n for n in names if not n.startswith(HOST)]
        ctx.check(len(dll_files) == 2, f"{ending}: saved {names}, want one file per DLL")
        if not names:
            continue
        r = dump_from(ctx, tmp, names)
        if not ctx.check(r.rc == 0, f"{ending}: dump --from exited {r.rc}: {r.err.strip()}"):
            continue
        dump = json.loads(r.out)
        got = counters(dump)
        for module, want in EXPECTED.items():
            for name, value in want.items():
                ctx.check(got.get(module, {}).get(name) == value,
                          f"{ending}: {module} {name} = {got.get(module, {}).get(name)}, "
                          f"want {value}")
        if HOST in got:
            ctx.check(got[HOST] == EXE_EXPECTED, f"{ending}: the EXE's file holds {got[HOST]}")
        ctx.note(f"exe_saved_{ending}", int(HOST in got))
        ends = {f["module"]: f["end"] for f in dump["files"]}
        want = {"unload"} if ending == "free-library" else {"process-exit"}
        if ending == "free-library" and ctx.mode == "helper":
            # Helper mode pins the module while a pool callback loads
            # wsthelper.dll (src/runtime/mode_helper.c): a FreeLibrary in that
            # window leaves the last reference to the callback, and a process
            # that exits first detaches the module at its exit.
            want = {"unload", "process-exit"}
        ctx.check(ends.get(A) in want and ends.get(B) in want,
                  f"{ending}: the files say they ended by {ends}")


def merge_two_runs(ctx):
    """Two runs' files of each module add exactly; one file given twice is
    refused."""
    tmp = ctx.tmpdir()
    run_host(ctx, tmp, "exit-process")
    run_host(ctx, tmp, "free-library")
    names = [n for n in saved(tmp) if not n.startswith(HOST)]
    ctx.require(len(names) == 4, f"two runs saved {saved(tmp)}")
    r = dump_from(ctx, tmp, names)
    ctx.require(r.rc == 0, f"dump --from of two runs exited {r.rc}: {r.err.strip()}")
    got = counters(json.loads(r.out))
    for module, want in EXPECTED.items():
        for name, value in want.items():
            ctx.check(got.get(module, {}).get(name) == 2 * value,
                      f"merged {module} {name} = {got.get(module, {}).get(name)}, "
                      f"want {2 * value}")
    a_files = [n for n in names if n.startswith(A)]
    r = dump_from(ctx, tmp, a_files[:1] * 2)
    ctx.check(r.rc == EXIT["usage"], f"one file twice: exit {r.rc}, want usage: {r.err}")


def builds_refused(ctx):
    """Two builds of one module name (wst_fn.dll and its rebuild, whose
    build ids differ) are refused with their own exit code, and nothing is
    printed; each alone reads, with its function table saved."""
    tmp = ctx.tmpdir()
    env = {"WINSTRUMENT_SAVE": windows_path(ctx, tmp)}
    for build in ("wst_fn.dll", "wst_fn_rebuilt.dll"):
        where = ctx.tmpdir()
        shutil.copy(ctx.bin(build), where / "wst_fn.dll")
        p = ctx.spawn(ctx.bin("wst_tool.exe"), "run", HOST, "load",
                      windows_path(ctx, where / "wst_fn.dll"), "exit-main", "3", env=env)
        rc = int(p.expect(r"^child-exit (\d+)$", timeout=30).group(1))
        p.wait(timeout=30)
        ctx.require(rc == 3, f"the host of {build} exited {rc}")
    files = [n for n in saved(tmp) if n.startswith("wst_fn.dll.")]
    ctx.require(len(files) == 2, f"saved {saved(tmp)}")
    for name in files:
        r = dump_from(ctx, tmp, [name])
        ctx.require(r.rc == 0, f"{name} alone: exit {r.rc} ({r.err.strip()})")
        f = json.loads(r.out)["files"][0]
        ctx.check(f["build_id"] != "none" and f["function_table"] > 0,
                  f"{name}: build id {f['build_id']}, function table {f['function_table']} bytes")
    r = dump_from(ctx, tmp, files)
    ctx.check(r.rc == EXIT["build-mismatch"],
              f"two builds: exit {r.rc}, want build-mismatch ({r.err.strip()})")
    # --json puts the error on stdout too, as an {"error": ...} object.
    ctx.check("different builds" in r.err and "modules" not in r.out,
              f"two builds: said {r.err.strip()!r}, printed {r.out[:100]!r}")


def refused_targets(ctx):
    """DIR is a file, a device or a pipe: the save fails, says why in the
    region, and the unload and the exit stay prompt."""
    plain = ctx.tmpdir() / "not-a-directory"
    plain.write_text("x")
    for label, directory in (("a file", windows_path(ctx, plain)), ("NUL", r"\\.\NUL"),
                             ("a pipe", r"\\.\pipe\wst-save-nobody"),
                             ("CON", r"\\.\CON")):
        env = {"WINSTRUMENT_SAVE": directory}
        p = ctx.spawn(ctx.bin("wst_tool.exe"), "run", HOST, "load", A, "hit", A, "10", "1",
                      "save-now", A, "load", B, "timed-free", B, "exit-main", "4", env=env)
        m = p.expect(r"^save \S+ state=(\d+) error=(\d+) us=(\d+)$", timeout=30)
        state, error, us = map(int, m.groups())
        freed = int(p.expect(r"^freed \S+ us=(\d+)$", timeout=30).group(1))
        rc = int(p.expect(r"^child-exit (\d+)$", timeout=30).group(1))
        p.wait(timeout=30)
        ctx.check(state == SAVE_FAILED and error != 0,
                  f"{label}: save state {state} error {error}, want failed with an error")
        ctx.check(us < UNLOAD_BOUND_US and freed < UNLOAD_BOUND_US,
                  f"{label}: the save took {us} us, the unload {freed} us")
        ctx.check(rc == 4, f"{label}: exit code {rc}, want 4")
        ctx.note(f"error_{label.replace(' ', '_')}", error)
    ctx.check(plain.read_text() == "x", "the file named as DIR was changed")
    armed_in_dump(ctx)
    squatted_pipe(ctx)


def squatted_pipe(ctx):
    """DIR is \\.\pipe and a server that never reads holds the exact name:
    a save that wrote into it would block the unload for good."""
    env = {"WINSTRUMENT_SAVE": r"\\.\pipe"}
    p = ctx.spawn(ctx.bin("wst_tool.exe"), "run", HOST, "load", A, "hit", A, "10", "1",
                  "squat-save", A, "save-now", A, "load", B, "squat-save", B, "timed-free", B,
                  "exit-main", "4", env=env)
    p.expect(r"^squatting ", timeout=30)
    m = p.expect(r"^save \S+ state=(\d+) error=(\d+) us=(\d+)$", timeout=30)
    state, error, us = map(int, m.groups())
    p.expect(r"^squatting ", timeout=30)
    freed = int(p.expect(r"^freed \S+ us=(\d+)$", timeout=30).group(1))
    rc = int(p.expect(r"^child-exit (\d+)$", timeout=30).group(1))
    p.wait(timeout=30)
    ctx.check(state == SAVE_FAILED and error != 0,
              f"a squatted pipe: save state {state} error {error}, want failed")
    ctx.check(us < UNLOAD_BOUND_US and freed < UNLOAD_BOUND_US,
              f"a squatted pipe: the save took {us} us, the unload {freed} us")
    ctx.check(rc == 4, f"a squatted pipe: exit code {rc}, want 4")
    ctx.note("error_squatted_pipe", error)


def functions_merged(ctx):
    """Two runs of wst_fn_host save wst_fn.dll's function table; `functions
    --from` adds them by RVA, named from the saved build's image: each
    function's calls exactly twice one run's."""
    tmp = ctx.tmpdir()
    env = {"WINSTRUMENT_SAVE": windows_path(ctx, tmp)}
    expect = {}
    for _ in range(2):
        p = ctx.spawn(ctx.bin("wst_fn_host.exe"), "counts", "3", "40", env=env)
        while True:
            line = p.readline()
            ctx.require(line is not None, f"wst_fn_host ended early: {p.err[-300:]}")
            if line.startswith("expect "):
                _, name, calls = line.split()
                expect[name] = int(calls)
            if line == "ready":
                break
        p.send()
        p.close_stdin()
        ctx.require(p.wait(timeout=30) == 0, "wst_fn_host failed")
    files = [n for n in saved(tmp) if n.startswith("wst_fn.dll.")]
    ctx.require(len(files) == 2, f"saved {saved(tmp)}")
    r = ctx.run(ctx.inspector, "functions", "--from", *files, "--json", cwd=tmp)
    ctx.require(r.rc == 0, f"functions --from exited {r.rc}: {r.err.strip()}")
    mods = {m["name"]: m for m in json.loads(r.out)["modules"]}
    dll = mods.get("wst_fn.dll")
    ctx.require(dll is not None, f"no wst_fn.dll in {list(mods)}")
    calls = {f["name"]: f["calls"] for f in dll["functions"]}
    for name in ("fn_leaf", "fn_hidden", "fn_outer", "fn_spin"):
        ctx.check(calls.get(name) == 2 * expect[name],
                  f"merged {name}: {calls.get(name)} calls, want {2 * expect[name]}")
    ctx.check(dll["symbols"] == "coff" and dll["timed"] is True, f"wst_fn.dll: {dll['symbols']}")
    # coverage --from: the same merged calls as lcov's FNDA records.
    r = ctx.run(ctx.inspector, "coverage", "--from", *files, "--format", "lcov",
                "--module", "wst_fn.dll", cwd=tmp)
    ctx.require(r.rc == 0, f"coverage --from exited {r.rc}: {r.err.strip()}")
    fnda = {}
    for line in r.out.splitlines():
        if line.startswith("FNDA:"):
            count, name = line[5:].split(",", 1)
            fnda[name] = int(count)
    for name in ("fn_leaf", "fn_outer"):
        ctx.check(fnda.get(name) == 2 * expect[name],
                  f"coverage --from FNDA {name}: {fnda.get(name)}, want {2 * expect[name]}")


def distributions_merged(ctx):
    """Two runs of wst_dist_host (timing, then gauges) saved and merged:
    each distribution's count, sum, min, max and every bucket is exactly the
    two runs' live dumps combined; each gauge is reported per file with its
    own run's value, never added."""
    from . import dist
    tmp = ctx.tmpdir()
    env = {"WINSTRUMENT_SAVE": windows_path(ctx, tmp)}
    live = []
    for command in (["timing", "20", "2"], ["gauges", "200", "2"]) * 2:
        p = ctx.spawn(ctx.bin(dist.HOST), *command, env=env)
        pid = int(p.expect(r"^pid (\d+)$").group(1))
        dist.read_lines(p)
        dump = ctx.inspect_json("dump", pid, "--via", "memory")
        live.append(dist.entries(ctx, dump))
        p.send()
        ctx.require(p.wait(timeout=30) == 0, f"{dist.HOST} {command[0]} failed")
    files = [n for n in saved(tmp) if n.startswith(dist.DLL + ".")]
    ctx.require(len(files) == 4, f"saved {saved(tmp)}")
    r = ctx.run(ctx.inspector, "dump", "--from", *files, "--json", cwd=tmp)
    ctx.require(r.rc == 0, f"dump --from exited {r.rc}: {r.err.strip()}")
    out = json.loads(r.out)
    merged = {c["name"]: c for c in out["modules"][0]["counters"]}
    names = {n for run in live for n, e in run.items() if e["kind"] == "distribution"}
    ctx.require(names, "no distribution in the live dumps")
    for name in sorted(names):
        runs = [run[name] for run in live if name in run and run[name]["count"] > 0]
        m = merged.get(name)
        if not ctx.check(m is not None, f"{name} missing from the merge"):
            continue
        if not runs:
            ctx.check(m["count"] == 0, f"{name}: never recorded, merged count {m['count']}")
            continue
        buckets = {}
        for e in runs:
            for upper, n in e["buckets"]:
                buckets[upper] = buckets.get(upper, 0) + n
        want = (sum(e["count"] for e in runs), sum(e["sum"] for e in runs) % 2**64,
                min(e["min"] for e in runs), max(e["max"] for e in runs), sorted(buckets.items()))
        got = (m["count"], m["sum"], m["min"], m["max"], sorted(map(tuple, m["buckets"])))
        ctx.check(got[:4] == want[:4], f"{name}: merged count/sum/min/max {got[:4]}, want {want[:4]}")
        ctx.check(got[4] == want[4], f"{name}: merged buckets differ from the runs' sum")
    # Gauges: one entry per file, each its own run's value.
    files_order = {f["file"]: i for i, f in enumerate(out["files"])}
    by_pid = {f["pid"]: i for i, f in enumerate(out["files"])}
    gauges = out["modules"][0]["gauges"]
    ctx.check(len(files_order) == 4, f"files {out['files']}")
    gauge_names = {n for run in live for n, e in run.items() if e["kind"] == "gauge"}
    ctx.require(gauge_names, "no gauge in the live dumps")
    for name in sorted(gauge_names):
        values = sorted(run[name]["value"] for run in live if name in run)
        reported = sorted(g["value"] for g in gauges if g["name"] == name)
        ctx.check(reported == values, f"gauge {name}: per file {reported}, runs had {values}")
    ctx.check(not any(c["kind"] == "gauge" for c in out["modules"][0]["counters"]),
              "a gauge was merged into the counters")
    ctx.note("files", len(by_pid))


def armed_in_dump(ctx):
    """A live dump says whether each module will save: `armed` with
    WINSTRUMENT_SAVE set, `off` without."""
    tmp = ctx.tmpdir()
    for env, want in (({"WINSTRUMENT_SAVE": windows_path(ctx, tmp)}, "armed"), (None, "off")):
        p = ctx.spawn(ctx.bin(HOST), "pid", "load", A, "hit", A, "1", "1", "ready", env=env)
        pid = int(p.expect(r"^pid (\d+)$").group(1))
        p.expect("^ready$")
        dump = ctx.inspect_json("dump", pid, "--module", A, "--via", "memory")
        p.send()
        p.wait(timeout=30)
        got = [(m.get("save"), m.get("save_error")) for m in dump["modules"]]
        ctx.check(got == [(want, 0)], f"dump says save {got}, want {want}")
