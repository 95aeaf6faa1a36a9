"""The inspector for fleets. `serve` scraped from Linux over real
TCP, its body checked by promtool and ingested by a real Prometheus; its
bounds (malformed and huge requests, 50 concurrent scrapes, clients that
never send or never read); processes that come and go between scrapes; and
`watch`'s rates in CSV and JSON Lines, across a reset.

The parts outside Wine are real: Python's urllib and sockets, and Debian's
prometheus package (scripts/install-deps.sh) for promtool and the server.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from wstdriver.abi import EXIT
from wstdriver.context import Failure

from .common import A, B, HOST, host, read_expectations, read_pid

OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"
# What Prometheus 2.x sends by default: OpenMetrics first.
PROMETHEUS_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                     "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
SAMPLE = re.compile(r'^winstrument_total\{(.*)\} (\d+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
# promtool 2.42 reads a body as the 0.0.4 format; there an OpenMetrics
# counter's HELP (named after the family, `winstrument`) does not name its
# samples (`winstrument_total`), so the lint says "no help text". The only
# finding allowed on the OpenMetrics body; the 0.0.4 body must be clean.
OPENMETRICS_LINT_EXCEPTIONS = ("winstrument_total no help text",)


# ---------------------------------------------------------------- helpers

def start_serve(ctx, *extra):
    """`wst-inspect serve` on a free loopback port; returns (proc, base URL)."""
    proc = ctx.spawn(ctx.inspector, "serve", "--listen", "127.0.0.1:0", *extra)
    port = proc.expect(r"^serving http://127\.0\.0\.1:(\d+)/metrics$", timeout=60).group(1)
    return proc, f"http://127.0.0.1:{port}"


def fetch(url, accept=None, timeout=30):
    """(status, content type, body) of a GET."""
    req = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode("utf-8", "replace")


def samples(body):
    """{(pid, module, name): value} and the label sets of a body."""
    out = {}
    for line in body.splitlines():
        m = SAMPLE.match(line)
        if m:
            labels = dict(LABEL.findall(m.group(1)))
            out[(int(labels["pid"]), labels["module"], labels["name"])] = int(m.group(2))
    return out


def check_counters(ctx, body, pid, expected, label):
    got = samples(body)
    for module, counters in expected.items():
        for name, value in counters.items():
            ctx.check(got.get((pid, module, name)) == value,
                      f"{label}: pid {pid} {module} {name} = {got.get((pid, module, name))}, "
                      f"host counted {value}")


def promtool(ctx, body, exceptions, label):
    tool = shutil.which("promtool")
    ctx.require(tool is not None, "promtool is missing: run scripts/install-deps.sh")
    r = subprocess.run([tool, "check", "metrics"], input=body, capture_output=True, text=True,
                       timeout=60)
    findings = [line for line in (r.stdout + r.stderr).splitlines() if line.strip()]
    unexpected = [f for f in findings if f.strip() not in exceptions]
    ctx.note(f"promtool_{label}", f"rc={r.returncode} findings={len(findings)}")
    ctx.check(r.returncode in (0, 3) and not unexpected,
              f"promtool check metrics ({label}) exited {r.returncode}: {findings}")
    if not exceptions:
        ctx.check(r.returncode == 0, f"promtool ({label}) must be clean: {findings}")


def raw_request(url, data, read=True, timeout=15):
    """Sends raw bytes; returns the status line (or '' when the server closed)."""
    u = urllib.parse.urlsplit(url)
    with socket.create_connection((u.hostname, u.port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before all of it arrived
        if not read:
            return ""
        got = b""
        try:
            while b"\r\n" not in got:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
        except ConnectionResetError:
            pass
        return got.split(b"\r\n", 1)[0].decode("latin-1")


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


# ---------------------------------------------------------------- serve

def serve_metrics(ctx):
    """Both formats by Accept, exact values for two live processes, promtool
    on both bodies; a process that exits between scrapes disappears and the
    scrape still succeeds; HEAD, 404 and 405."""
    (p, pid_p, exp_p), (q, pid_q, exp_q) = two_hosts(ctx)
    server, url = start_serve(ctx)
    status, ctype, om = fetch(url + "/metrics")
    ctx.check(status == 200 and ctype == OPENMETRICS, f"default: {status} {ctype!r}")
    ctx.check(om.endswith("# EOF\n"), f"OpenMetrics body does not end with # EOF: {om[-60:]!r}")
    ctx.check("\n\n" not in om, "OpenMetrics body has a blank line")
    check_counters(ctx, om, pid_p, exp_p, "OpenMetrics")
    check_counters(ctx, om, pid_q, exp_q, "OpenMetrics")
    for line in om.splitlines():
        if line.startswith("winstrument_total"):
            labels = dict(LABEL.findall(line))
            ctx.check(set(labels) == {"pid", "exe", "module", "mode", "name"},
                      f"labels of {line!r}")
            ctx.check(labels.get("mode") == ctx.mode and labels.get("exe") == HOST,
                      f"mode/exe of {line!r}")
    promtool(ctx, om, OPENMETRICS_LINT_EXCEPTIONS, "openmetrics")

    status, ctype, text = fetch(url + "/metrics", accept="text/plain;version=0.0.4")
    ctx.check(status == 200 and ctype == PROMETHEUS_TEXT, f"0.0.4: {status} {ctype!r}")
    ctx.check("# EOF" not in text and "# TYPE winstrument_total counter" in text,
              f"0.0.4 body: {text[:200]!r}")
    check_counters(ctx, text, pid_p, exp_p, "0.0.4")
    promtool(ctx, text, (), "prometheus_text")
    status, ctype, _ = fetch(url + "/metrics", accept=PROMETHEUS_ACCEPT)
    ctx.check(ctype == OPENMETRICS, f"Prometheus' own Accept got {ctype!r}")

    ctx.check(raw_request(url, b"HEAD /metrics HTTP/1.0\r\n\r\n") == "HTTP/1.1 200 OK", "HEAD")
    ctx.check(fetch(url + "/nothing")[0] == 404, "an unknown path is not 404")
    ctx.check(raw_request(url, b"POST /metrics HTTP/1.0\r\n\r\n").startswith("HTTP/1.1 405"),
              "POST is not 405")

    # A process that exits between two scrapes is gone from the next one.
    end_host(ctx, q, "second host")
    status, _, after = fetch(url + "/metrics")
    ctx.check(status == 200 and after.endswith("# EOF\n"), f"scrape after an exit: {status}")
    ctx.check(not any(k[0] == pid_q for k in samples(after)), f"exited pid {pid_q} still served")
    check_counters(ctx, after, pid_p, exp_p, "after the other exited")
    ctx.note("samples", len(samples(om)))
    end_host(ctx, p, "first host")
    ctx.check(server.popen.poll() is None, "serve ended by itself")


def serve_bounds(ctx):
    """Malformed and huge requests get 400 and 413; 50 concurrent scrapes all
    succeed; clients that connect and never send, or send and never read, do
    not stall the next scrape; the server keeps serving throughout; a
    non-loopback address is refused without --allow-remote."""
    p = host(ctx, "pid", "load", A, "hit", A, "40", "1", "pipe", A, "expect", "ready")
    pid = read_pid(p)
    expected = read_expectations(p)
    server, url = start_serve(ctx)

    bad = {
        "garbage": (b"\x16\x03\x01\x00\xa5\x01\x00\x00", "400"),
        "no version": (b"GET /metrics\r\n\r\n", "400"),
        "folded header": (b"GET /metrics HTTP/1.1\r\nHost: h\r\n x\r\n\r\n", "400"),
        "no host": (b"GET /metrics HTTP/1.1\r\n\r\n", "400"),
        "huge header": (b"GET /metrics HTTP/1.1\r\nHost: h\r\nX: " + b"a" * 20000 + b"\r\n\r\n",
                        "413"),
        "huge line": (b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\n\r\n", "413"),
        "body": (b"POST /metrics HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc", "413"),
    }
    for what, (data, code) in bad.items():
        line = raw_request(url, data)
        ctx.check(line.startswith(f"HTTP/1.1 {code} "), f"{what}: got {line!r}, not {code}")
        status, _, body = fetch(url + "/metrics")
        ctx.check(status == 200 and body.endswith("# EOF\n"), f"after {what}: {status}")

    results = []

    def scrape():
        try:
            status, ctype, body = fetch(url + "/metrics", timeout=60)
            results.append(status == 200 and ctype == OPENMETRICS and body.endswith("# EOF\n")
                           and samples(body).get((pid, A, "target.calls")) ==
                           expected[A]["target.calls"])
        except OSError as e:
            results.append(f"{type(e).__name__}: {e}")

    threads = [threading.Thread(target=scrape) for _ in range(50)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=ctx.bounded(120))
    ctx.note("concurrent_50_s", f"{time.monotonic() - start:.2f}")
    ok = sum(1 for r in results if r is True)
    ctx.check(ok == 50, f"{ok} of 50 concurrent scrapes succeeded: "
              f"{[r for r in results if r is not True][:3]}")

    # Silent and never-reading clients: 20 of each hold slots (the default is
    # 64) while a normal scrape must finish well before their deadlines
    # (5 s to send a request, 10 s to take a response). Two wst_thousand.exe
    # (1,000 counters each) make the body larger than the server's socket
    # buffer (64 KiB) and the readers' tiny windows: the server really has
    # bytes it cannot send to them.
    many = [ctx.spawn(ctx.bin("wst_thousand.exe")) for _ in range(2)]
    for m in many:
        m.expect(r"^ready \d+$", timeout=60)
    full = len(fetch(url + "/metrics")[2].encode())
    port = urllib.parse.urlsplit(url).port
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
    stuck = []
    for _ in range(20):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: h\r\n\r\n")
        stuck.append(s)
    time.sleep(0.5)  # let the server take them all before the real scrape
    start = time.monotonic()
    status, _, body = fetch(url + "/metrics", timeout=4)
    took = time.monotonic() - start
    ctx.note("scrape_beside_idle_clients_s", f"{took:.2f}")
    ctx.note("body_bytes", full)
    ctx.check(status == 200 and body.endswith("# EOF\n") and len(body.encode()) == full,
              f"scrape beside idle clients: {status}, {len(body)} of {full} bytes")
    # The server cuts a client that has not taken its response in 10 s; the
    # wait is that documented deadline, since reading earlier would make the
    # client a reader.
    time.sleep(11)
    got = 0
    s = stuck[0]
    s.settimeout(10)
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += len(chunk)
    except (ConnectionResetError, socket.timeout):
        pass
    ctx.note("never_reader_got", got)
    ctx.check(got < full, f"a client that never read got {got} of {full} bytes: not cut")
    for s in idle + stuck:
        s.close()
    status, _, body = fetch(url + "/metrics", timeout=10)
    ctx.check(status == 200 and len(body.encode()) == full, f"scrape after the cut: {status}")
    for m in many:
        m.send()
        ctx.check(m.wait() == 0, "wst_thousand failed")
    ctx.check(server.popen.poll() is None, "serve died")

    remote = ctx.inspect("serve", "--listen", "0.0.0.0:0")
    ctx.check(remote.rc == EXIT["usage"] and "--allow-remote" in remote.err,
              f"serve on 0.0.0.0 without --allow-remote: rc {remote.rc} {remote.err!r}")
    bad_port = ctx.inspect("serve", "--listen", "127.0.0.1:99999")
    ctx.check(bad_port.rc == EXIT["usage"], f"port 99999: rc {bad_port.rc} {bad_port.err!r}")
    taken = ctx.inspect("serve", "--listen", f"127.0.0.1:{port}")
    ctx.check(taken.rc == EXIT["access-denied"] and "cannot listen" in taken.err,
              f"a second serve on the same port: rc {taken.rc} {taken.err!r}")
    end_host(ctx, p, "host")


def prometheus_scrape(ctx):
    """A real Prometheus server scrapes serve every second; its query API
    returns the counters the hosts counted. Waits are bounded by a number of
    polls, not a fixed sleep."""
    prom = shutil.which("prometheus")
    ctx.require(prom is not None, "prometheus is missing: run scripts/install-deps.sh")
    (p, pid_p, exp_p), (q, pid_q, exp_q) = two_hosts(ctx)
    server, url = start_serve(ctx)
    tmp = ctx.tmpdir()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        prom_port = s.getsockname()[1]
    target = urllib.parse.urlsplit(url).netloc
    (tmp / "prometheus.yml").write_text(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
        "scrape_configs:\n  - job_name: winstrument\n"
        f"    static_configs:\n      - targets: ['{target}']\n")
    log = open(tmp / "prometheus.log", "w")
    proc = subprocess.Popen([prom, f"--config.file={tmp / 'prometheus.yml'}",
                             f"--storage.tsdb.path={tmp / 'data'}",
                             f"--web.listen-address=127.0.0.1:{prom_port}"],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        want = {(pid_p, A, "target.calls"): exp_p[A]["target.calls"],
                (pid_p, HOST, "host.hits"): exp_p[HOST]["host.hits"],
                (pid_q, B, "target.calls"): exp_q[B]["target.calls"]}
        got, polls = {}, 0
        api = f"http://127.0.0.1:{prom_port}/api/v1/query?query=" + \
            urllib.parse.quote('winstrument_total{job="winstrument"}')
        while polls < 120 and got != want:
            polls += 1
            time.sleep(0.5)
            try:
                status, _, body = fetch(api, timeout=5)
            except OSError:
                continue  # Prometheus still starting
            if status != 200:
                continue
            got = {}
            for r in json.loads(body)["data"]["result"]:
                m = r["metric"]
                key = (int(m["pid"]), m["module"], m["name"])
                if key in want:
                    got[key] = int(float(r["value"][1]))
        ctx.note("prometheus_polls", polls)
        ctx.check(got == want, f"Prometheus has {got}, expected {want} after {polls} polls")
        status, _, body = fetch(f"http://127.0.0.1:{prom_port}/api/v1/targets", timeout=5)
        health = [t["health"] for t in json.loads(body)["data"]["activeTargets"]]
        ctx.check(health == ["up"], f"Prometheus target health: {health}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    end_host(ctx, p, "first host")
    end_host(ctx, q, "second host")


# ---------------------------------------------------------------- watch

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


# ------------------------------------------------ gauges and distributions

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


def serve_kinds(ctx):
    """serve with gauges and a histogram in the body: promtool accepts both
    formats, the gauges carry the values the host set, and the histogram's
    buckets are cumulative, sorted by `le`, and end at +Inf with `_count`."""
    g = ctx.spawn(ctx.bin("wst_dist_host.exe"), "gauges", "50", "4")
    gpid = read_pid(g)
    expected = {}
    while True:
        line = g.readline()
        ctx.require(line is not None, f"wst_dist_host gauges ended: {g.transcript[-5:]}")
        if line == "ready":
            break
        m = re.match(r"^expect (\S+) (-?\d+)$", line)
        if m:
            expected[m.group(1)] = int(m.group(2))
    d = ctx.spawn(ctx.bin("wst_dist_host.exe"), "records")
    dpid = read_pid(d)
    d.expect("^ready$")
    for value, n in ((1000, 7), (1000000, 3)):
        d.send(f"{value} {n}")
        d.expect("^recorded$")
    serve, url = start_serve(ctx)
    status, _, body = fetch(url + "/metrics")
    ctx.require(status == 200, f"GET /metrics: {status}")
    promtool(ctx, body, OPENMETRICS_LINT_EXCEPTIONS, "openmetrics_kinds")
    status, _, text_body = fetch(url + "/metrics", accept="text/plain")
    ctx.require(status == 200, f"GET /metrics (0.0.4): {status}")
    promtool(ctx, text_body, (), "prometheus_text_kinds")
    gauges, buckets, count = {}, [], None
    for line in body.splitlines():
        m = re.match(r'^(winstrument_level|winstrument_distribution_bucket|'
                     r'winstrument_distribution_count)\{(.*)\} (-?\d+)$', line)
        if not m:
            continue
        labels = dict(LABEL.findall(m.group(2)))
        if m.group(1) == "winstrument_level" and int(labels["pid"]) == gpid:
            gauges[labels["name"]] = int(m.group(3))
        elif int(labels["pid"]) == dpid and labels["name"] == "dist_sizes":
            if m.group(1).endswith("_bucket"):
                buckets.append((labels["le"], int(m.group(3))))
            else:
                count = int(m.group(3))
    for name, value in expected.items():
        ctx.check(gauges.get(name) == value, f"gauge {name} = {gauges.get(name)}, host: {value}")
    bounds = [float(le) for le, _ in buckets]
    counts = [c for _, c in buckets]
    ctx.check(bool(buckets) and buckets[-1][0] == "+Inf" and counts[-1] == count == 10,
              f"dist_sizes: buckets {buckets}, _count {count}")
    ctx.check(bounds == sorted(bounds) and counts == sorted(counts),
              f"dist_sizes: buckets not cumulative and sorted: {buckets}")
    ctx.note("gauges", len(gauges))
    ctx.note("buckets", len(buckets))
    serve.kill()
    g.send()
    d.send("quit")
    ctx.check(g.wait() == 0 and d.wait() == 0, "wst_dist_host failed")
