# shellcheck shell=sh
# Sourced, never run, from bash or from make's /bin/sh: `. scripts/wine-env.sh`. Gives the caller a private,
# quiet Wine prefix under the build directory, so builds and tests never touch
# ~/.wine and two build directories never share a wineserver.
#
#   BUILD       build directory (default: build), relative to the repo root
#   exports     WINEPREFIX=$BUILD/wineprefix  WINEDEBUG=-all
#               WINEDLLOVERRIDES="mscoree,mshtml="  (no Mono/Gecko prompts)
#               WINE (the command to run programs with: scripts/wine-run.sh)
#
# It creates the prefix once, with `wineboot -i`, when it is missing; later
# sourcings do nothing else. It must never kill a wineserver or change any
# shell option of the caller (no `set -e` here).

# bash says where this file is; a POSIX sh cannot, so there it must be sourced
# from the repo root (as make's recipes are).
if [ -n "${BASH_VERSION:-}" ]; then
    eval 'wst_repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)'
else
    wst_repo_root=$(pwd)
fi
case "${BUILD:-build}" in
    /*) wst_build_dir=${BUILD} ;;
    *) wst_build_dir=$wst_repo_root/${BUILD:-build} ;;
esac

export WINEPREFIX="$wst_build_dir/wineprefix"
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="
# Debian's `wine` wrapper picks wine64 when no 32-bit Wine is installed;
# wine-run.sh starts it with address-space randomization off (it says why).
export WINE="${WINE:-$wst_repo_root/scripts/wine-run.sh}"

# system.reg is the last thing wineboot writes; without it the prefix is half made.
if [ ! -f "$WINEPREFIX/system.reg" ]; then
    mkdir -p "$WINEPREFIX"
    echo "wine-env: creating the Wine prefix $WINEPREFIX (once)" >&2
    "$WINE" wineboot -i >/dev/null 2>&1 || echo "wine-env: wineboot -i failed" >&2
    # wineboot returns before the registry is flushed; wait for this prefix's server only.
    # Bounded: beside a persistent wineserver (the scenario driver's), -w
    # would wait for ever.
    timeout 120 wineserver -w >/dev/null 2>&1 || true
fi
unset wst_repo_root wst_build_dir
