#!/usr/bin/env bash
# scripts/demo.sh (`make demo`): winstrument end to end on this machine.
# Installs what is missing (scripts/install-deps.sh), builds (`make cross`),
# sets up the Wine prefix, starts the example host (b64host.exe, which loads
# the instrumented b64.dll) under Wine, and reads the live process with
# `wst-inspect list`, `dump PID` and `dump PID --json`. It checks the dump
# against the counts the host printed, then tells the host to exit through its
# stdin and waits for it.
#
#   scripts/demo.sh [--no-build]      (BUILD=dir, default build)
#   WINSTRUMENT_MODE=threadless scripts/demo.sh
#
# WINSTRUMENT_MODE is passed through to the host (unset: the default mode).
# It only ever stops the process it started, by its pid, and never kills a
# wineserver. Exits 0 when every step worked and the counters matched.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export BUILD=${BUILD:-build}

build=1
for arg in "$@"; do
    case "$arg" in
        --no-build) build=0 ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "demo: unknown argument '$arg'" >&2; exit 2 ;;
    esac
done

say() { printf '\n== %s\n' "$*"; }

if [ "$build" = 1 ]; then
    say "installing what is missing, then building (make cross)"
    scripts/install-deps.sh
    make --no-print-directory BUILD="$BUILD" cross
fi

. scripts/wine-env.sh

examples=$BUILD/x86_64/examples
inspect=$BUILD/x86_64/bin/wst-inspect.exe
for f in "$examples/b64host.exe" "$examples/b64.dll" "$inspect"; do
    if [ ! -f "$f" ]; then
        echo "demo: $f is missing (make cross)" >&2
        exit 1
    fi
done

# --------------------------------------------------------------------------
# Start the host: stdin is a fifo we hold open, so one line on it ends the host.
# --------------------------------------------------------------------------
work=$(mktemp -d "$BUILD/demo.XXXXXX")
host=
stop_host() {
    # Closing our end of the fifo gives the host end-of-file: it exits by itself.
    { echo quit >&3; } 2>/dev/null || true
    exec 3>&- || true
    [ -n "$host" ] || return 0
    for _ in $(seq 1 100); do
        kill -0 "$host" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$host" 2>/dev/null; then
        echo "demo: b64host (pid $host) did not exit when told to; stopping it" >&2
        kill "$host" 2>/dev/null || true
    fi
    host_rc=0
    wait "$host" || host_rc=$?
    host=
    return "$host_rc"
}
cleanup() {
    stop_host >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

say "starting b64host.exe under Wine (WINSTRUMENT_MODE=${WINSTRUMENT_MODE:-<unset>, the default>})"
mkfifo "$work/stdin"
"$WINE" "$examples/b64host.exe" --threads 4 --rounds 20000 --wait-ms 120000 \
    <"$work/stdin" >"$work/stdout" 2>&1 &
host=$!
exec 3>"$work/stdin"

# Its last line before waiting is "ready"; the first Wine start can be slow.
pid=
for _ in $(seq 1 300); do
    if grep -q '^ready' "$work/stdout" 2>/dev/null; then
        pid=$(tr -d '\r' <"$work/stdout" | sed -n 's/^pid \([0-9][0-9]*\)$/\1/p')
        break
    fi
    kill -0 "$host" 2>/dev/null || break
    sleep 0.2
done
tr -d '\r' <"$work/stdout"
if [ -z "$pid" ]; then
    echo "demo: b64host did not report its pid" >&2
    exit 1
fi

# --------------------------------------------------------------------------
# Read it with the inspector.
# --------------------------------------------------------------------------
failed=0
run_inspector() {
    local rc=0
    timeout 60 "$WINE" "$inspect" "$@" | tr -d '\r' || rc=$?
    if [ "$rc" != 0 ]; then
        echo "demo: wst-inspect $* failed (exit $rc)" >&2
        failed=1
    fi
}

say "wst-inspect list"
run_inspector list
say "wst-inspect dump $pid"
run_inspector dump "$pid"
say "wst-inspect dump $pid --json"
# Into a file, not through a pipe: run_inspector must run in this shell to
# record a failure.
run_inspector dump "$pid" --json >"$work/dump.json"
cat "$work/dump.json"
if [ "${WINSTRUMENT_MODE:-}" != threadless ]; then
    # A worker serves the pipe; the same data is also readable without it.
    say "wst-inspect dump $pid --via memory"
    run_inspector dump "$pid" --via memory
fi

say "comparing the dump with what b64host counted"
if ! python3 - "$work/stdout" "$work/dump.json" <<'EOF'; then
import json, sys
expected = {}
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    parts = line.strip().split()
    if len(parts) == 3 and parts[0] == "expect":
        expected[parts[1]] = int(parts[2])
try:
    dump = json.load(open(sys.argv[2], encoding="utf-8"))
except ValueError as e:
    sys.exit(f"demo: the JSON dump does not parse: {e}")
got = {}
for module in dump.get("modules", []):
    if module.get("name", "").lower() == "b64.dll":
        print(f"module {module['name']}, mode {module.get('mode')}")
        for c in module.get("counters", []):
            # A distribution (the time scope, the size) shows its count.
            n = c["count"] if c.get("kind") == "distribution" else c["value"]
            got[c["name"]] = got.get(c["name"], 0) + n
            if c.get("kind") == "distribution":
                print(f"  {c['name']}: count {c['count']}  p50 {c['p50']}{c['unit']}"
                      f"  p99 {c['p99']}{c['unit']}  max {c['max']}{c['unit']}")
bad = 0
for name, value in sorted(expected.items()):
    ok = got.get(name) == value
    bad += not ok
    print(f"  {'ok ' if ok else 'BAD'} {name:28} host {value:>10}  inspector {got.get(name)}")
sys.exit(1 if bad or not expected else 0)
EOF
    failed=1
fi

say "telling b64host to exit"
host_rc=0
stop_host || host_rc=$?
if [ "$host_rc" != 0 ]; then
    echo "demo: b64host exited with $host_rc" >&2
    failed=1
fi
tr -d '\r' <"$work/stdout" | tail -n 1

if [ "$failed" != 0 ]; then
    echo "demo: FAILED" >&2
    exit 1
fi
say "demo: done"
