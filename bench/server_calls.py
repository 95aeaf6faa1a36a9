#!/usr/bin/env python3
"""Counts Wine server calls per phase in a WINEDEBUG=+server trace of
bench/server_calls.c (docs/design/modes.md, "Costs").

    WINEDEBUG=+server wine server_calls.exe DLL [serve [trigger]] 2> trace
    server_calls.py trace [CYCLE]

Takes the CYCLE-th cycle (default 3, the last: the first ones warm the
process up), cuts it at the marker calls (close_handle of 0x1001..0x1006)
and prints, per phase, each request by thread: M is the main thread, other
threads are numbered in order of appearance. Only threads of the traced
process count: the main thread and those that it or its threads created
(new_thread replies), so other processes' lines in the same trace are left
out. Waits for a free wineserver first (`wineserver -w`): a running server
does not trace.
"""
import re
import sys

REQ = re.compile(r"^([0-9a-f]{4}): (\w+)\( ")
NEW = re.compile(r"^([0-9a-f]{4}): new_thread\(\) = 0 \{ tid=([0-9a-f]+),")
MARK = re.compile(r"^([0-9a-f]{4}): close_handle\( handle=100([1-6]) \)")
PHASES = {1: "load", 2: "call", 3: "wake until serving", 4: "free",
          5: "after the free (300 ms)"}


def main(argv):
    path = argv[1]
    want = int(argv[2]) if len(argv) > 2 else 3
    lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    main_tid = None
    for line in lines:
        m = MARK.match(line)
        if m:
            main_tid = m.group(1)
            break
    if main_tid is None:
        print("no markers in the trace", file=sys.stderr)
        return 1
    ours = {main_tid}
    cycle = 0
    phase = None
    counts = {}
    names = {main_tid: "M"}
    for line in lines:
        m = NEW.match(line)
        if m and m.group(1) in ours:
            ours.add(m.group(2).rjust(4, "0")[-4:])
            continue
        m = MARK.match(line)
        if m and m.group(1) == main_tid:
            k = int(m.group(2))
            if k == 1:
                cycle += 1
            phase = k if cycle == want and k in PHASES else None
            continue
        m = REQ.match(line)
        if not m or phase is None or m.group(1) not in ours:
            continue
        tid = m.group(1)
        if tid not in names:
            names[tid] = "T%d" % len(names)
        counts.setdefault(phase, []).append("%s %s" % (names[tid], m.group(2)))
    total = 0
    for k in sorted(PHASES):
        calls = counts.get(k, [])
        total += len(calls)
        tally = {}
        for c in calls:
            tally[c] = tally.get(c, 0) + 1
        desc = ", ".join("%s x%d" % (c, n) if n > 1 else c for c, n in tally.items())
        print("%-24s %3d  %s" % (PHASES[k], len(calls), desc))
    print("%-24s %3d" % ("total", total))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
