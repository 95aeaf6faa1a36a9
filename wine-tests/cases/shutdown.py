"""The exit paths: every way a module or its process can end, with a live
worker where the mode has one. scenarios.py crosses them with the modes."""

import statistics

from .common import A, B, COMPARE, HOST, check_no_leak, has_worker, host, kill_and_check_gone, \
    module_entry, read_pid, squat_before_first_hit

# Unload must not wait for a stalled client: the server drops a stalled
# client after 2 s, so an unload that waited for it would take at least that.
# The bound is generous for a loaded machine yet below what waiting costs.
UNLOAD_BOUND_US = 1_500_000
PRIVATE_BOUND = 8 * 1024 * 1024
# exit:unload-pending-work's bound, per round (issue 23 F7). In threadpool
# mode every round makes Wine 8 start a pool thread, under the loader lock,
# for a callback that the unload then cancels, and Wine keeps about 64 KiB
# for each such thread: 55-66 KiB per round, linear over 600 rounds (no
# plateau), and the same without winstrument (a DLL that arms, signals and
# cancels a pool wait in its DllMain while the pool is busy: 61-65 KiB per
# round; without the signal, or with the pool idle, nothing). So the bound
# grows with the rounds: what a round can cost is counted per round, never
# left to the machine's speed. 96 KiB is that 64 KiB and half again; a leak
# of ours in this path would add to it every round. The other modes start no
# such thread and keep the fixed allowance for Wine's heaps warming up
# (0.5-0.6 MB, flat from 100 to 600 rounds).
PENDING_WORK_BASE = 2 * 1024 * 1024
PENDING_WORK_PER_ROUND = {"threadpool": 96 * 1024}


def _freed_us(proc):
    return int(proc.expect(r"^freed \S+ us=(\d+)$").group(1))


def _note_latency(ctx, latencies, label="unload_us"):
    if latencies:
        ctx.note(f"{label}_median", int(statistics.median(latencies)))
        ctx.note(f"{label}_max", max(latencies))


def _warm_up():
    # The first load of a DLL pays for mapping it; measure from the second.
    return ["load", A, "hit", A, "10", "1", "free", A]


def free_library(ctx, rounds):
    """FreeLibrary with a serving worker, repeatedly, in one process."""
    script = _warm_up() + ["baseline"]
    script += ["load", A, "hit", A, "10", "1", "pipe", A, "timed-free", A] * rounds
    p = host(ctx, *script, *COMPARE)
    latencies = [_freed_us(p) for _ in range(rounds)]
    check_no_leak(ctx, p, PRIVATE_BOUND, "free-library")
    _note_latency(ctx, latencies)
    ctx.check(max(latencies) < UNLOAD_BOUND_US, f"slowest unload {max(latencies)} us")
    ctx.check(p.wait() == 0, "host failed")


def process_exit(ctx, rounds, how, code, serving=True):
    """The process ends (how) while its modules' workers serve (or, with
    serving False, while nobody ever asked for them: they are idle); it must
    exit promptly with its own exit code, every time."""
    ask = ["pipe", A, "pipe", B] if serving else []
    for _ in range(rounds):
        # Started by wst_tool, which reports the Windows exit code itself.
        p = ctx.spawn(ctx.bin("wst_tool.exe"), "run", HOST, "selfhit", "10", "load", A,
                      "load", B, "hit", A, "100", "2", "hit", B, "10", "1", *ask, *how)
        rc = int(p.expect(r"^child-exit (\d+)$", timeout=30).group(1))
        p.wait(timeout=30)
        ctx.require(rc == code, f"{' '.join(how)}: exit code {rc}, expected {code} "
                                f"(output {p.transcript[-3:]}, stderr {p.err[-200:]!r})")


def terminate_process(ctx, rounds):
    """TerminateProcess from outside while the worker serves; the inspector
    then reports the process as gone."""
    for i in range(rounds):
        p = host(ctx, "pid", "load", A, "hit", A, "100", "2", "pipe", A, "ready")
        pid = read_pid(p)
        p.expect("^ready$")
        if i < rounds - 1:
            kill = ctx.run(ctx.bin("wst_tool.exe"), "kill", pid, 77)
            ctx.require(kill.rc == 0 and "code=77" in kill.out, f"kill failed: {kill.out}")
            rc = p.wait()
            ctx.require(ctx.platform.terminated_rc_ok(rc, 77), f"killed target ended with {rc}")
        else:  # the last one is also asked about once it is gone
            kill_and_check_gone(ctx, p, pid, 77, "after TerminateProcess")


def unload_during_request(ctx, rounds, client):
    """FreeLibrary while a client of the worker is mid-request (sent a request,
    never reads the reply) or stalled half-way through a header."""
    script = _warm_up() + ["baseline"]
    script += ["load", A, "hit", A, "10", "1", "pipe", A, "ready", "timed-free", A] * rounds
    p = host(ctx, *script, *COMPARE)
    latencies = []
    attacked = 0
    for _ in range(rounds):
        pipe = p.expect(r"^pipe \S+ (\S+)$").group(1)
        c = None
        if pipe != "-":
            c = ctx.spawn(ctx.bin("wst_pipe_client.exe"), pipe, client)
            c.expect("^(sent|stalled)$")
            attacked += 1
        p.expect("^ready$")
        p.send()
        latencies.append(_freed_us(p))
        if c is not None:
            c.send()
            c.close_stdin()
            c.wait()
    check_no_leak(ctx, p, PRIVATE_BOUND, f"unload with a {client} client")
    _note_latency(ctx, latencies)
    ctx.note("clients", attacked)
    ctx.check(max(latencies) < UNLOAD_BOUND_US,
              f"unload took {max(latencies)} us with a {client} client: it waited for it")
    ctx.check(p.wait() == 0, "host failed")


def reload_loop(ctx, rounds):
    """Unload and load again at once, in a loop: each instance starts its own
    worker (the pipe name changes) and stops it."""
    names = []
    p = host(ctx, *_warm_up(), "baseline",
             *(["load", A, "hit", A, "10", "1", "pipe", A, "free", A] * 3),
             "cycle", A, str(rounds), "0", *COMPARE)
    for _ in range(3):
        names.append(p.expect(r"^pipe \S+ (\S+)$").group(1))
    if has_worker(ctx.mode):
        ctx.check(len(set(names)) == 3, f"reloaded instances share a pipe name: {names}")
    check_no_leak(ctx, p, PRIVATE_BOUND, "reload loop")
    ctx.check(p.wait() == 0, "host failed")


def unload_pending(ctx, rounds):
    """An inspector's signal queues the worker's callback and the DLL unloads
    before the callback's pool thread can start: all inside another DLL's
    DllMain, under the loader lock (wst_locker.dll). Waiting for the pending
    callback there would deadlock; it must be cancelled."""
    p = host(ctx, *_warm_up(), "baseline", *(["nested", A] * rounds), *COMPARE)
    for _ in range(rounds):
        p.expect(r"^nested \S+ done$")
    bound = PENDING_WORK_BASE + rounds * PENDING_WORK_PER_ROUND.get(ctx.mode, 0)
    ctx.note("private_bound_kib", bound // 1024)
    check_no_leak(ctx, p, bound, "unload with a pending work item")
    ctx.check(p.wait() == 0, "host failed")


def unload_contended(ctx, rounds):
    """FreeLibrary while another thread is inside LoadLibrary of an unrelated
    DLL whose DllMain holds the loader lock for 100 ms."""
    script = _warm_up() + ["baseline"]
    script += ["load", A, "hit", A, "10", "1", "pipe", A, "contend", A, "wst_slow.dll"] * rounds
    p = host(ctx, *script, *COMPARE)
    latencies = [_freed_us(p) for _ in range(rounds)]
    check_no_leak(ctx, p, PRIVATE_BOUND, "unload under a contended loader lock")
    _note_latency(ctx, latencies)
    ctx.check(p.wait() == 0, "host failed")


def stderr_full_squatted(ctx):
    """stderr is a pipe that is full and never drained, and another process
    owns the module's pipe name: the worker fails to serve. It must record the
    failure in the region instead of writing it to stderr (a write there
    blocks for ever), so that FreeLibrary, which waits for the worker under
    the loader lock, returns promptly."""
    p = host(ctx, "pid", "load", A, "planned-pipe", A, "stderr-full", "ready", "hit", A, "10",
             "1", "state", A, "ready", "timed-free", A)
    pid = read_pid(p)
    name = p.expect(r"^planned-pipe \S+ (\S+)$").group(1)
    p.expect(r"^stderr-full after \d+ bytes$")
    squatter = squat_before_first_hit(ctx, p, name)
    p.expect("^ready$")
    dump = ctx.inspect_json("dump", pid, "--module", A, "--via", "memory")
    m = module_entry(dump, A) or {}
    ctx.check(m.get("worker_error", 0) != 0, f"the failure is not in the region: {m}")
    text = ctx.inspect("dump", pid, "--module", A, "--via", "memory")
    ctx.check(any("warning" in line and A in line for line in text.out.splitlines()),
              f"no warning line naming the module: {text.out!r}")
    p.send()
    us = _freed_us(p)
    ctx.note("unload_us", us)
    ctx.check(us < UNLOAD_BOUND_US, f"unload took {us} us")
    ctx.check(p.wait() == 0, "host failed")
    squatter.send()
    squatter.wait()


# Each exit path repeats 100 times: the races need many tries. Process-exit
# paths start a process each time; the contended-loader case costs ~0.15 s a
# round, and 100 rounds still fit its deadline many times over.
ITERATIONS = 100


def exit_paths():
    """The exit-path table: name -> (case, params, iterations). scenarios.py
    crosses it with the modes."""
    return {
        "free-library": (free_library, {}, ITERATIONS),
        "exit-process-main": (process_exit, {"how": ["exit-main", "3"], "code": 3}, ITERATIONS),
        "exit-process-thread": (process_exit, {"how": ["exit-thread", "4"], "code": 4},
                                ITERATIONS),
        "return-from-main": (process_exit, {"how": ["return", "5"], "code": 5}, ITERATIONS),
        "exit-in-dll-call": (process_exit, {"how": ["dll-exit", A, "6"], "code": 6}, ITERATIONS),
        # The main thread, the host's last, ends with ExitThread while the
        # workers of three modules (the EXE, A, B) serve: the process must end
        # by itself, with the main thread's exit code. Each round waits for the
        # workers to notice that no thread of the host is left (they look every
        # 500 ms), so it costs ~1 s more than the other paths: 10 rounds.
        "exit-thread-main": (process_exit, {"how": ["exit-thread-main", "7"], "code": 7}, 10),
        # The same with every worker idle (never asked for): no worker looks,
        # and under Wine the thread that serves the triggers' thread-pool
        # waits would keep the process alive; each module's host watch, armed
        # when the main thread ends, must end it.
        # In helper mode the helper's thread serves anyway (it has no idle
        # state) and often starts only after the main thread has ended: it
        # must still end the process with that thread's exit code.
        "exit-thread-main-idle": (process_exit, {"how": ["exit-thread-main", "8"], "code": 8,
                                                 "serving": False}, 10),
        "terminate-process": (terminate_process, {}, ITERATIONS),
        "unload-during-request": (unload_during_request, {"client": "mid-request"}, ITERATIONS),
        "unload-stalled-client": (unload_during_request, {"client": "stall"}, ITERATIONS),
        "unload-and-reload": (reload_loop, {}, ITERATIONS),
        "unload-pending-work": (unload_pending, {}, ITERATIONS),
        "unload-contended-loader": (unload_contended, {}, ITERATIONS),
    }
