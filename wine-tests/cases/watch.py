"""`wst-inspect watch`: rates in CSV and JSON Lines against a host whose
counters change, across a reset, and the distributions' rates and
percentiles over each interval; Ctrl+C ends it with exit code 0.
"""

import json
import signal

from .common import A, HOST, host, read_pid


def _csv_rows(text):
    lines = text.splitlines()
    return lines[0], [line.split(",") for line in lines[1:]]


def watch_rates(ctx):
    """watch --format csv and json against a host whose counter changes:
    one header, rows of the documented columns, values that never go down,
    rates that are never negative and agree with the values; a static
    counter has rate 0; Ctrl+C ends watch with 0."""
    p = host(ctx, "pid", "load", A, "hit", A, "25", "1", "pipe", A, "ready", "tick", "100000",
             "5")
    pid = read_pid(p)
    p.expect("^ready$")
    p.send()
    r = ctx.inspect("watch", pid, "--interval", "0.2", "--count", "3", "--format", "csv")
    ctx.require(r.rc == 0, f"watch csv: {r}")
    header, rows = _csv_rows(r.out)
    ctx.check(header == "time,pid,module,name,kind,value,rate", f"CSV header {header!r}")
    hits = [row for row in rows if row[2] == HOST and row[3] == "host.hits"]
    calls = [row for row in rows if row[2] == A and row[3] == "target.calls"]
    ctx.check(len(hits) == 3 and len(calls) == 3, f"rows per interval: {len(hits)} {len(calls)}")
    ctx.check(all(len(row) == 7 and row[1] == str(pid) and row[4] == "counter" for row in rows),
              f"CSV rows: {rows[:3]}")
    values = [int(row[5]) for row in hits]
    rates = [float(row[6]) for row in hits]
    ctx.check(values == sorted(values) and values[-1] > values[0],
              f"host.hits values over the intervals: {values}")
    ctx.check(all(x >= 0 for x in rates) and rates[-1] > 0, f"host.hits rates: {rates}")
    ctx.check(all(int(row[5]) == 25 and float(row[6]) == 0 for row in calls),
              f"target.calls (static, 25) rows: {calls}")
    ctx.note("csv_rates", " ".join(f"{x:.0f}" for x in rates))

    r = ctx.inspect("watch", pid, "--interval", "0.2", "--count", "3", "--format", "json")
    ctx.require(r.rc == 0, f"watch json: {r}")
    docs = [json.loads(line) for line in r.out.splitlines()]
    ctx.check(len(docs) == 3, f"{len(docs)} JSON lines for --count 3")
    prev = None
    for doc in docs:
        mod = next(m for m in doc["modules"] if m["name"] == HOST)
        e = next(e for e in mod["entries"] if e["name"] == "host.hits")
        ctx.check(e["kind"] == "counter" and e["rate"] is not None and e["rate"] >= 0,
                  f"JSON entry {e}")
        if prev is not None:
            # The rate is the change over the measured interval (3 decimals).
            delta = e["value"] - prev
            ctx.check(abs(e["rate"] * doc["interval_s"] - delta) <= max(1.0, 0.01 * delta),
                      f"rate {e['rate']} x {doc['interval_s']} s != change {delta}")
        prev = e["value"]

    if not ctx.native:
        w = ctx.spawn(ctx.inspector, "watch", pid, "--interval", "0.2")
        w.expect(r"host\.hits", timeout=30)
        # Wine 8 and Wine 10 alike turn a SIGINT into CTRL_C_EVENT for the
        # process that receives it. That process must be watch itself: with
        # wine32 installed, Debian's `wine` script would start this 64-bit
        # program through a 32-bit start.exe /exec, which gets the signal and
        # never passes it on (watch then runs for ever: Debian 13's hang).
        # The driver starts every program with its own architecture's loader
        # (wstdriver/platform.py, WinePlatform.loader; docs/platforms.md).
        w.popen.send_signal(signal.SIGINT)
        rc = w.wait(timeout=30)
        ctx.check(rc == 0, f"watch after Ctrl+C exited {rc}")
    p.kill()


def watch_reset(ctx):
    """A reset between two intervals gives no negative rate: the generation
    changes, the value drops, and the rate is what was counted since."""
    p = host(ctx, "pid", "load", A, "hit", A, "25", "1", "pipe", A, "ready", "tick", "100000",
             "5")
    pid = read_pid(p)
    p.expect("^ready$")
    p.send()
    w = ctx.spawn(ctx.inspector, "watch", pid, "--interval", "0.4", "--count", "8", "--format",
                  "json")
    docs = [json.loads(w.readline(timeout=30)) for _ in range(2)]
    r = ctx.inspect("reset", pid)
    ctx.require(r.rc == 0, f"reset: {r}")
    while True:
        line = w.readline(timeout=30)
        if line is None:
            break
        docs.append(json.loads(line))
    ctx.check(w.wait() == 0, "watch failed")
    ctx.check(len(docs) == 8, f"{len(docs)} intervals, expected 8")
    series = []
    for doc in docs:
        for m in doc["modules"]:
            for e in m["entries"]:
                ctx.check(e["rate"] is None or e["rate"] >= 0,
                          f"negative rate {m['name']} {e['name']}: {e}")
                if m["name"] == HOST and e["name"] == "host.hits":
                    series.append((m["generation"], e["value"], e["rate"]))
    gens = [g for g, _, _ in series]
    # A reset adds 2 to the generation (odd while it runs: docs/region.md).
    ctx.check(gens[0] == 0 and gens[-1] == 2, f"generations over the watch: {gens}")
    drops = [i for i in range(1, len(series)) if series[i][1] < series[i - 1][1]]
    ctx.check(len(drops) == 1 and series[drops[0]][0] == 2 if drops else False,
              f"the reset shows as one drop with a new generation: {series}")
    ctx.note("series", " ".join(f"g{g}:{v}@{r:.0f}" for g, v, r in series))
    p.kill()



def _dist_entry(doc, name):
    for m in doc["modules"]:
        for e in m["entries"]:
            if e["name"] == name:
                return e
    return None


def _near(got, want):
    """Within the buckets' bound (docs/region.md: 3.125%), with the
    contract's 6.25% as the margin."""
    return got is not None and abs(got - want) <= want * 0.0625


def watch_distributions(ctx):
    """`watch --format json` shows each distribution's records per second
    and its p50 and p99 over the interval, not over the whole run: 500
    records of 1,000, then 500 of 1,000,000; once the second batch is in, an
    interval shows p50 near 1,000,000 while the whole run's p50 is 1,000."""
    d = ctx.spawn(ctx.bin("wst_dist_host.exe"), "records")
    pid = read_pid(d)
    d.expect("^ready$")
    w = ctx.spawn(ctx.inspector, "watch", pid, "--interval", "0.3", "--count", "100000",
                  "--format", "json")

    def next_doc():
        line = w.readline()
        ctx.require(line is not None, f"watch ended: {w.err[-300:]!r}")
        return json.loads(line)

    next_doc()  # watch has taken its baseline: what follows falls in intervals

    def until_count(total):
        while True:
            e = _dist_entry(next_doc(), "dist_sizes")
            if e is not None and e["count"] >= total:
                return e

    d.send("1000 500")
    d.expect("^recorded$")
    first = until_count(500)
    d.send("1000000 500")
    d.expect("^recorded$")
    e = until_count(1000)
    # The interval that saw the whole count reach 1000 holds the second
    # batch's records (all of them, or their rest): its p50 is 1,000,000's.
    ctx.check(e["interval_count"] > 0 and _near(e["interval_p50"], 1000000) and
              _near(e["interval_p99"], 1000000),
              f"the interval after the second batch: {e}")
    ctx.check(first["interval_count"] > 0 and _near(first["interval_p50"], 1000),
              f"the interval of the first batch: {first}")
    ctx.check(e["rate"] is not None and e["rate"] > 0, f"no records per second: {e}")
    quiet = _dist_entry(next_doc(), "dist_sizes")
    ctx.check(quiet is not None and quiet["interval_count"] == 0 and
              quiet["interval_p50"] is None, f"an interval with no records: {quiet}")
    whole = ctx.inspect_json("dump", pid, "--via", "memory")
    dist = [c for m in whole["modules"] for c in m["counters"] if c["name"] == "dist_sizes"]
    ctx.check(bool(dist) and _near(dist[0]["p50"], 1000),
              f"the whole run's p50 should stay 1,000: {dist}")
    ctx.note("interval_p50", e["interval_p50"])
    w.kill()
    d.send("quit")
    ctx.check(d.wait() == 0, "wst_dist_host failed")
