"""Leak accounting over many load-and-unload cycles, with and without an
inspector querying each instance."""

from .common import A, COMPARE, COMPARE_SILENCE, check_compare_line, check_no_leak, \
    has_worker, host, read_pid


def cycles_with_inspector(ctx, rounds, query_every):
    """Load, hit, let the inspector query (every query_every-th cycle), unload.
    Threads and handles must return to their baseline, measured, not assumed."""
    p = host(ctx, "pid", "load", A, "hit", A, "10", "1", "free", A, "baseline",
             "cycle", A, str(rounds), str(query_every), *COMPARE)
    pid = read_pid(p)
    via = "pipe" if has_worker(ctx.mode) else "memory"
    queries = 0
    while True:
        line = p.readline(timeout=COMPARE_SILENCE)
        ctx.require(line is not None, f"host ended early: {p.transcript[-5:]} {p.err[-300:]!r}")
        if line.startswith("compare "):
            break
        if line.startswith("pipe "):
            dump = ctx.inspect_json("dump", pid, "--module", A, "--via", via)
            counters = {c["name"]: c["value"] for c in dump["modules"][0]["counters"]}
            ctx.check(counters.get("target.calls") == 10, f"query {queries}: {counters}")
            queries += 1
        elif line == "ready":
            p.send()
    check_compare_line(ctx, line, 8 * 1024 * 1024, f"{rounds} cycles")
    ctx.note("queries", queries)
    ctx.check(p.wait() == 0, "host failed")


def leak_cycles(ctx, rounds):
    """Many load-and-unload cycles with a worker each time: zero thread and
    handle growth, bounded private memory growth."""
    p = host(ctx, "load", A, "hit", A, "10", "1", "free", A, "baseline",
             "cycle", A, str(rounds), "0", *COMPARE)
    check_no_leak(ctx, p, 16 * 1024 * 1024, f"{rounds} cycles")
    ctx.check(p.wait(timeout=600) == 0, "host failed")
