"""The inspector's small things: `stats` text opens like `dump`'s; with
--json an error is a JSON object on stdout and the exit code is unchanged;
`ps` lists a non-instrumented process with its pid, bits and `no`.
"""

import json

from wstdriver.abi import EXIT

from .common import A, HOST, host, read_pid


def small_things(ctx):
    """Small things: `stats` text starts with `pid N` as `dump`
    does; with --json an error is a JSON object on stdout and the exit code
    is unchanged; `ps` lists a non-instrumented process with its pid, bits
    and `no`, and the host as instrumented."""
    p = host(ctx, "pid", "load", A, "hit", A, "5", "1", "pipe", A, "ready")
    pid = read_pid(p)
    p.expect("^ready$")
    stats = ctx.inspect("stats", pid, "--module", A)
    ctx.check(stats.rc == 0 and stats.out.splitlines()[:1] == [f"pid {pid}"],
              f"stats text does not start with 'pid {pid}': {stats}")
    dump = ctx.inspect("dump", pid)
    ctx.check(dump.out.splitlines()[:1] == [f"pid {pid}"], f"dump text: {dump.out[:80]!r}")
    gone = ctx.inspect("dump", "4294967292", "--json")
    try:
        err = json.loads(gone.out)["error"]
    except (ValueError, KeyError, TypeError):
        err = None
    ctx.check(gone.rc == EXIT["no-process"], f"--json error changed the exit code: {gone.rc}")
    ctx.check(err is not None and err.get("status") == "no-process" and
              err.get("exit_code") == EXIT["no-process"],
              f"--json error on stdout: {gone.out!r}")
    usage = ctx.inspect("dump", "--format", "yaml", "--json")
    ctx.check(usage.rc == EXIT["usage"] and '"status": "usage"' in usage.out,
              f"--json usage error: {usage.rc} {usage.out!r}")
    ps = ctx.inspect("ps", "--format", "json")
    ctx.require(ps.rc == 0, f"ps: {ps}")
    rows = {r["pid"]: r for r in json.loads(ps.out)["processes"]}
    me = rows.get(pid)
    bits = 32 if ctx.arch == "i686" else 64  # the host's own (run.py --arch)
    ctx.check(me is not None and me["instrumented"] is True and me["bits"] == bits and
              me["executable"].lower() == HOST, f"ps row of the host: {me}")
    plain = [r for r in rows.values() if r["instrumented"] is False]
    ctx.check(len(plain) > 0 and all(r["bits"] in (32, 64) for r in plain),
              f"ps shows no non-instrumented process with its bits: {list(rows.values())[:3]}")
    csv = ctx.inspect("ps", "--format", "csv")
    ctx.check(csv.out.splitlines()[0] == "pid,executable,bits,instrumented" and
              f"{pid},{HOST},{bits},yes" in csv.out.splitlines(), f"ps csv: {csv.out[:200]!r}")
    p.send()
    ctx.check(p.wait() == 0, "host failed")
