#!/bin/sh
# Runs a Windows program under Wine with address-space randomization off,
# with the Wine loader of the program's own architecture.
#
# Debian's Wine 8 has no preloader, so Wine reserves its fixed ranges (the
# shared user data at 0x7ffe0000 among them) only after the kernel has placed
# the loader's own libraries at random addresses. About one start in a
# thousand they collide, and Wine exits 1 before the program runs ("failed to
# map the shared user data: c0000018"; invisible under WINEDEBUG=-all). With
# randomization off the layout is the same every time. Measured here: 1
# failure in 1200 starts without, 0 in 2400 with.
#
# Debian's `wine` script runs the 32-bit loader whenever wine32 is installed,
# and that loader runs a 64-bit program as a second process through
# `start.exe /exec` (and the 64-bit loader a 32-bit one): the pid we started
# is not the program's, and a signal sent to it never arrives
# (docs/platforms.md). So a PE file is started with /usr/lib/wine/wine64 or
# /usr/lib/wine/wine by its COFF Machine field, when that loader is there;
# anything else (wineboot) goes through `wine`.
#
# Where personality(2) is not allowed (Docker's default seccomp profile
# refuses ADDR_NO_RANDOMIZE; CI's container runs with seccomp=unconfined for
# this), it says so on stderr and runs Wine as it is; in CI (CI=true) it
# fails instead, unless WST_ALLOW_ASLR=1.
loader=${WINE_LOADER:-}
if [ -z "$loader" ] && [ -f "${1:-}" ]; then
    # e_lfanew at 0x3c; the Machine field 4 bytes after the "PE\0\0" there.
    pe=$(od -An -tu4 -j60 -N4 "$1" 2>/dev/null | tr -d ' ')
    case "$pe" in
        '' | *[!0-9]*) machine= ;;
        *) machine=$(od -An -tx2 -j$((pe + 4)) -N2 "$1" 2>/dev/null | tr -d ' ') ;;
    esac
    case "$machine" in
        8664) [ -x /usr/lib/wine/wine64 ] && loader=/usr/lib/wine/wine64 ;;
        014c) [ -x /usr/lib/wine/wine ] && loader=/usr/lib/wine/wine ;;
    esac
    # What Debian's script exports when only wine64 is installed.
    if [ "$loader" = /usr/lib/wine/wine64 ] && [ ! -x /usr/lib/wine/wine ]; then
        export WINELOADER="${WINELOADER:-$loader}"
    fi
fi
loader=${loader:-wine}
if err=$(setarch "$(uname -m)" -R true 2>&1); then
    exec setarch "$(uname -m)" -R "$loader" "$@"
fi
why="setarch -R refused (${err:-no message}): Wine runs with address-space randomization on, and about one start in a thousand fails before the program runs"
if [ "${CI:-}" = true ] && [ "${WST_ALLOW_ASLR:-}" != 1 ]; then
    echo "wine-run.sh: error: $why; in CI that is an error (a container needs --security-opt seccomp=unconfined; WST_ALLOW_ASLR=1 accepts it)" >&2
    exit 125
fi
echo "wine-run.sh: warning: $why" >&2
exec "$loader" "$@"
