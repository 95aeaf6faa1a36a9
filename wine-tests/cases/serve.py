"""`wst-inspect serve` scraped from Linux over real TCP: its body checked by
promtool and ingested by a real Prometheus; its bounds (malformed and huge
requests, 50 concurrent scrapes, clients that never send or never read);
processes that come and go between scrapes; gauges and distributions in both
formats.

The parts outside Wine are real: Python's urllib and sockets, and Debian's
prometheus package (scripts/install-deps.sh) for promtool and the server.
On a Windows runner (run.py --native) the scenarios that need promtool or
the server (serve-metrics, serve-kinds, prometheus-scrape) are SKIPPED with
that reason unless they are on PATH.
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

from .common import A, B, HOST, end_host, host, read_expectations, read_pid, two_hosts

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


def prometheus_tool(ctx, name):
    """promtool or prometheus, from PATH. Under Wine scripts/install-deps.sh
    installs Debian's prometheus package, so a missing one is a failure. A
    Windows runner has neither unless its workflow put them on PATH: there
    the scenario is SKIPPED, before it starts anything."""
    tool = shutil.which(name)
    if tool is None and ctx.native:
        ctx.skip(f"no {name} on this Windows runner (not on PATH; Debian's prometheus "
                 "package provides it under Wine)")
    ctx.require(tool is not None, f"{name} is missing: run scripts/install-deps.sh")
    return tool


def promtool(ctx, body, exceptions, label):
    tool = prometheus_tool(ctx, "promtool")
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


# ---------------------------------------------------------------- serve


def serve_metrics(ctx):
    """Both formats by Accept, exact values for two live processes, promtool
    on both bodies; a process that exits between scrapes disappears and the
    scrape still succeeds; HEAD, 404 and 405."""
    prometheus_tool(ctx, "promtool")
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
    bounds_bad_requests(ctx, url)
    bounds_concurrent_scrapes(ctx, url, pid, expected)
    bounds_slow_clients(ctx, url)
    ctx.check(server.popen.poll() is None, "serve died")
    bounds_listen_refused(ctx, urllib.parse.urlsplit(url).port)
    end_host(ctx, p, "host")


def bounds_bad_requests(ctx, url):
    """Each malformed or huge request gets its 400 or 413, and the next
    scrape still succeeds."""
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


def bounds_concurrent_scrapes(ctx, url, pid, expected):
    """50 scrapes at once all get the whole body with the host's count."""
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


def bounds_slow_clients(ctx, url):
    """Clients that never send, or never read, hold slots but neither stall
    a scrape nor keep their slot past their deadline."""
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


def serve_silent_flood(ctx):
    """Every slot held by a client that connects and never sends
    (--max-connections 4), the flood reopened as the server cuts it, as an
    attacker would: honest scrapes still get their answer at once, because a
    newcomer takes the slot of the client that has waited longest without a
    request. Before, they waited in the kernel's backlog for a silent
    client's 5 s deadline; so each must finish within 4 s (a scrape of one
    host takes a fraction of a second even on a slow machine)."""
    p = host(ctx, "pid", "load", A, "hit", A, "40", "1", "pipe", A, "expect", "ready")
    pid = read_pid(p)
    expected = read_expectations(p)
    server, url = start_serve(ctx, "--max-connections", "4")
    port = urllib.parse.urlsplit(url).port
    silent = [socket.create_connection(("127.0.0.1", port)) for _ in range(4)]
    stop = threading.Event()
    reopened = [0]

    def flood():
        """Reopens each silent connection the server has closed."""
        while not stop.is_set():
            for i, s in enumerate(silent):
                s.setblocking(False)
                try:
                    closed = s.recv(1) == b""
                except BlockingIOError:
                    closed = False
                except OSError:
                    closed = True
                if closed:
                    s.close()
                    try:
                        silent[i] = socket.create_connection(("127.0.0.1", port), timeout=5)
                        reopened[0] += 1
                    except OSError:
                        pass
            stop.wait(0.05)

    time.sleep(0.5)  # the server has taken them all
    flooder = threading.Thread(target=flood)
    flooder.start()
    try:
        for k in range(3):
            start = time.monotonic()
            try:
                status, _, body = fetch(url + "/metrics", timeout=4)
            except OSError as e:
                status, body = f"{type(e).__name__}: {e}", ""
            took = time.monotonic() - start
            ctx.note(f"scrape_{k}_in_flood_s", f"{took:.2f}")
            got = samples(body).get((pid, A, "target.calls")) if status == 200 else None
            ctx.check(status == 200 and got == expected[A]["target.calls"],
                      f"scrape {k} beside {len(silent)} silent clients: {status}, "
                      f"target.calls {got} after {took:.2f} s")
    finally:
        stop.set()
        flooder.join(timeout=ctx.bounded(30))
        for s in silent:
            s.close()
    ctx.note("silent_reopened", reopened[0])
    ctx.check(server.popen.poll() is None, "serve died")
    end_host(ctx, p, "host")


def bounds_listen_refused(ctx, port):
    """A non-loopback address without --allow-remote, a port out of range
    and a port already taken are refused with their own exit codes."""
    remote = ctx.inspect("serve", "--listen", "0.0.0.0:0")
    ctx.check(remote.rc == EXIT["usage"] and "--allow-remote" in remote.err,
              f"serve on 0.0.0.0 without --allow-remote: rc {remote.rc} {remote.err!r}")
    bad_port = ctx.inspect("serve", "--listen", "127.0.0.1:99999")
    ctx.check(bad_port.rc == EXIT["usage"], f"port 99999: rc {bad_port.rc} {bad_port.err!r}")
    taken = ctx.inspect("serve", "--listen", f"127.0.0.1:{port}")
    ctx.check(taken.rc == EXIT["access-denied"] and "cannot listen" in taken.err,
              f"a second serve on the same port: rc {taken.rc} {taken.err!r}")


def prometheus_scrape(ctx):
    """A real Prometheus server scrapes serve every second; its query API
    returns the counters the hosts counted. Waits are bounded by a number of
    polls, not a fixed sleep."""
    prom = prometheus_tool(ctx, "prometheus")
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


def serve_kinds(ctx):
    """serve with gauges and a histogram in the body: promtool accepts both
    formats, the gauges carry the values the host set, and the histogram's
    buckets are cumulative, sorted by `le`, and end at +Inf with `_count`."""
    prometheus_tool(ctx, "promtool")
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
