"""A target whose module and counter names are hostile to a terminal
(issue 9, defect 6): wst-inspect's text output must hold no byte that a
terminal acts on, and its JSON must be valid UTF-8 that tells bytes which are
not UTF-8 from characters of the same value.

wst_hostile_host.exe loads wst_hostile.dll under a file name holding U+009B
and U+202E, then writes ESC and BEL into that module's loader entry (its own
PEB); the DLL's counter name holds ESC sequences, the raw byte 0x9b, U+009B,
U+202E and the invalid bytes 0xff 0xfe (wine-tests/hosts/wst_hostile*.c).
"""

import json
import subprocess

from .common import has_worker, read_pid
from wstdriver.context import Failure

HOSTILE_COUNTER = (b"evil.\x1b[2J\x1b]0;pwned\x07.\x9b31m.\xc2\x9b31m.\xe2\x80\xae.\xff\xfe")
HOSTILE_MODULE = "wst_hostile_\x1b\u009b\x07\u202e\x1b.dll"
# Characters a terminal acts on, or that reorder what follows.
CONTROLS = {*range(0x00, 0x20), *range(0x7f, 0xa0), 0x061c, 0x200e, 0x200f,
            *range(0x2028, 0x202f), *range(0x2066, 0x206a)}


def _inspect_bytes(ctx, *args):
    """wst-inspect's stdout as bytes: the driver's own runner decodes text and
    would replace the very bytes this scenario looks for."""
    argv = ctx.platform.argv(ctx.inspector, args)
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                           env=ctx.platform.env({"WINSTRUMENT_MODE": ctx.mode} if ctx.mode else {}),
                           cwd=str(ctx.inspector.parent), timeout=ctx.bounded(60))
    except subprocess.TimeoutExpired:
        ctx.hung(f"wst-inspect {' '.join(map(str, args))} ran past 60 s")
    return r


def _first_control(raw):
    """Where the text holds a raw control, or None. Line ends are the
    inspector's own (CR LF under Windows' text mode)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return f"byte 0x{raw[e.start]:02x} at {e.start} is not UTF-8 ({raw[max(0, e.start - 20):e.start + 10]!r})"
    for i, ch in enumerate(text):
        if ord(ch) in CONTROLS and ch not in "\r\n":
            return f"U+{ord(ch):04X} at {i} ({text[max(0, i - 20):i + 10]!r})"
    return None


def run(ctx):
    p = ctx.spawn(ctx.bin("wst_hostile_host.exe"))
    pid = read_pid(p)
    p.expect("^ready$")
    verbs = [("dump", pid), ("dump", pid, "--via", "memory"), ("list",)]
    if has_worker(ctx.mode):
        verbs += [("dump", pid, "--via", "pipe"), ("stats", pid)]
    for verb in verbs:
        r = _inspect_bytes(ctx, *verb)
        label = "wst-inspect " + " ".join(map(str, verb))
        ctx.check(r.returncode == 0, f"{label}: exit {r.returncode}, {r.stderr[-300:]!r}")
        bad = _first_control(r.stdout)
        ctx.check(bad is None, f"{label} (text) passes a control to the terminal: {bad}")
        if verb[0] in ("dump", "list"):
            ctx.check(b"wst_hostile_\\x1b\\u{9b}\\x07\\u{202e}\\x1b.dll" in r.stdout,
                      f"{label}: the module name is not shown escaped: {r.stdout[:400]!r}")
        if verb[0] == "dump":
            ctx.check(b"evil.\\x1b[2J\\x1b]0;pwned\\x07.\\x9b31m.\\u{9b}31m.\\u{202e}.\\xff\\xfe 3"
                      in r.stdout, f"{label}: the counter is not shown escaped: {r.stdout!r}")
    # JSON: valid UTF-8 and JSON, names exact, invalid bytes kept apart.
    for via in ["auto", "memory"] + (["pipe"] if has_worker(ctx.mode) else []):
        r = _inspect_bytes(ctx, "dump", pid, "--via", via, "--json")
        label = f"dump --via {via} --json"
        ctx.check(r.returncode == 0, f"{label}: exit {r.returncode}")
        bad = _first_control(r.stdout)
        ctx.check(bad is None, f"{label} holds a raw control: {bad}")
        try:
            dump = json.loads(r.stdout.decode("utf-8"))
        except ValueError as e:
            raise Failure(f"{label}: not UTF-8 JSON ({e}): {r.stdout[:300]!r}")
        mods = [m for m in dump["modules"] if m["name"] == HOSTILE_MODULE]
        ctx.require(len(mods) == 1, f"{label}: module {HOSTILE_MODULE!r} not found exactly in "
                                    f"{[m['name'] for m in dump['modules']]}")
        m = mods[0]
        ctx.check("name_hex" not in m, f"{label}: a valid UTF-8 module name got name_hex")
        by_hex = [c for c in m["counters"] if c.get("name_hex") == HOSTILE_COUNTER.hex()]
        ctx.check(len(by_hex) == 1 and by_hex[0]["value"] == 3,
                  f"{label}: the hostile counter is not exact: {m['counters']}")
        if by_hex:
            shown = HOSTILE_COUNTER.decode("utf-8", errors="replace")
            ctx.check(by_hex[0]["name"] == shown,
                      f"{label}: name {by_hex[0]['name']!r}, expected {shown!r}")
        plain = [c for c in m["counters"] if c["name"] == "plain.hits"]
        ctx.check(len(plain) == 1 and plain[0]["value"] == 3 and "name_hex" not in plain[0],
                  f"{label}: plain.hits wrong: {plain}")
        ctx.note(f"via_{via}", m["via"])
    _watch_and_csv(ctx, pid)
    p.send()
    ctx.check(p.wait() == 0, f"host failed: {p.err[-300:]!r}")


ESCAPED_COUNTER = b"evil.\\x1b[2J\\x1b]0;pwned\\x07.\\x9b31m.\\u{9b}31m.\\u{202e}.\\xff\\xfe"


def _watch_and_csv(ctx, pid):
    """Issue 23 F2: watch (text, JSON Lines, CSV) and dump's CSV go through
    the same escaper: watch's text had its own filter, which passed 0x9b,
    U+0085, U+2028 and U+2066; CSV wrote ESC raw; watch's JSON had no
    name_hex."""
    watch = ("watch", pid, "--count", "1", "--interval", "0.1", "--via", "memory")
    for args in (watch, watch + ("--format", "csv"), ("dump", pid, "--format", "csv")):
        r = _inspect_bytes(ctx, *args)
        label = "wst-inspect " + " ".join(map(str, args))
        ctx.check(r.returncode == 0, f"{label}: exit {r.returncode}, {r.stderr[-300:]!r}")
        bad = _first_control(r.stdout)
        ctx.check(bad is None, f"{label} passes a control to the terminal: {bad}")
        ctx.check(ESCAPED_COUNTER in r.stdout,
                  f"{label}: the counter is not shown escaped: {r.stdout[:600]!r}")
    r = _inspect_bytes(ctx, *watch, "--format", "json")
    label = "watch --format json"
    ctx.check(r.returncode == 0, f"{label}: exit {r.returncode}")
    bad = _first_control(r.stdout)
    ctx.check(bad is None, f"{label} holds a raw control: {bad}")
    try:
        line = json.loads(r.stdout.decode("utf-8").splitlines()[0])
    except (ValueError, IndexError) as e:
        raise Failure(f"{label}: not UTF-8 JSON ({e}): {r.stdout[:300]!r}")
    entries = [e for m in line["modules"] if m["name"] == HOSTILE_MODULE for e in m["entries"]]
    by_hex = [e for e in entries if e.get("name_hex") == HOSTILE_COUNTER.hex()]
    ctx.check(len(by_hex) == 1, f"{label}: no entry with the counter's exact bytes: {entries}")
