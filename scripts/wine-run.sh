#!/bin/sh
# Runs a Windows program under Wine with address-space randomization off.
#
# Debian's Wine 8 has no preloader, so Wine reserves its fixed ranges (the
# shared user data at 0x7ffe0000 among them) only after the kernel has placed
# the loader's own libraries at random addresses. About one start in a
# thousand they collide, and Wine exits 1 before the program runs ("failed to
# map the shared user data: c0000018"; invisible under WINEDEBUG=-all). With
# randomization off the layout is the same every time. Measured here: 1
# failure in 1200 starts without, 0 in 2400 with.
#
# Where personality(2) is not allowed (Docker's default seccomp profile
# refuses ADDR_NO_RANDOMIZE; CI's container runs with seccomp=unconfined for
# this), it says so on stderr and runs Wine as it is; in CI (CI=true) it
# fails instead, unless WST_ALLOW_ASLR=1.
loader=${WINE_LOADER:-wine}
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
