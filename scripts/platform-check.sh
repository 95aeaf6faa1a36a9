#!/usr/bin/env bash
# make platform-check: the suite on a second platform, Debian 13 (trixie)
# with Wine 10 (64-bit and 32-bit) and mingw-w64 GCC 14, in the root that
# scripts/platform-root.sh builds (and reuses) under build/platform/trixie.
#
#   PLATFORM_ROOT    the root (default: build/platform/trixie)
#   PLATFORM_BUILD   the build directory inside the source tree, as BUILD
#                    (default: build/platform/build; never the host's build/)
#   PLATFORM_SCOPE   full (default): make cross, make unit-check, then every
#                    scenario for x86_64 and again with --arch i686;
#                    ci: the same build and unit tests, and only the i686
#                    scenario and the exit-path matrix on both
#                    architectures, and zlib-live (a real library built by its
#                    own build system with GCC 14) on x86_64
#   PLATFORM_ARGS    more arguments for both scenario runs (-k NAME ...)
#
# Needs root (chroot, mounts). The source tree is bind-mounted at /src in the
# root; everything is built into PLATFORM_BUILD (and the zips into
# build/platform/dist), so the host's build/ and dist/ are never touched. All
# mounts live in a mount namespace of its own, and every process inside in a
# pid namespace of its own (unshare --mount --pid --kill-child): when the
# script ends or is killed, the kernel ends whatever it left running (Wine's
# persistent server included) and the mounts go with them; a trap unmounts
# them as well. Under the platform
# check a 32-bit program that does not run is a failure, not a skip
# (WST_REQUIRE_WINE32=1: the root has wine32:i386).
#
# It prints one line per phase with its time and result, the scenario runs'
# 'N passed, N failed, N skipped' lines, and a last line 'platform-check:
# PASS' or 'platform-check: FAIL (...)'; the exit code is non-zero on failure.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
root=${PLATFORM_ROOT:-build/platform/trixie}
pbuild=${PLATFORM_BUILD:-build/platform/build}
scope=${PLATFORM_SCOPE:-full}
case "$pbuild" in
    /* | *..*) echo "platform-check: PLATFORM_BUILD must be a path inside the source tree" \
        "(it is $pbuild)" >&2; exit 2 ;;
esac
case "$scope" in
    full | ci) ;;
    *) echo "platform-check: PLATFORM_SCOPE is full or ci, not '$scope'" >&2; exit 2 ;;
esac

# ------------------------------------------------------------ inside the root
inside() {
    cd /src
    export BUILD=$pbuild DIST=build/platform/dist WST_REQUIRE_WINE32=1
    local log=$BUILD/platform-logs
    mkdir -p "$log"
    local results=() failed=()
    phase() { # phase NAME COMMAND...: runs it, logs it, times it
        local name=$1 t rc
        shift
        t=$(date +%s)
        echo "platform-check: == $name: $*"
        set +e
        "$@" 2>&1 | tee "$log/$name.log"
        rc=${PIPESTATUS[0]}
        set -e
        t=$(($(date +%s) - t))
        local line="$name: ${t} s, exit $rc"
        if [[ $name == scenarios-* ]]; then
            line+=", $(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' \
                "$log/$name.log" | tail -n1 || echo 'no summary line')"
        fi
        results+=("$line")
        [ "$rc" = 0 ] || failed+=("$name")
        return 0
    }
    local select=() select64=()
    if [ "$scope" = ci ]; then
        select=(-k i686-target -k exit:)
        # zlib is built for x86_64 only (examples/zlib/build.sh).
        select64=(-k zlib-live)
    fi
    echo "platform-check: $(. /etc/os-release && echo "$PRETTY_NAME"), $(wine --version)," \
        "$(x86_64-w64-mingw32-gcc -dumpversion) (x86_64), $(i686-w64-mingw32-gcc -dumpversion) (i686)," \
        "scope $scope"
    phase cross make -j"$(nproc)" --no-print-directory cross
    if [ ${#failed[@]} = 0 ]; then
        phase unit-check make --no-print-directory unit-check
        phase scenarios-x86_64 make --no-print-directory wine-check \
            SCENARIO_ARGS="${select[*]} ${select64[*]} ${PLATFORM_ARGS:-}"
        # The mutants are built for x86_64 only (wine-tests/module.mk): the
        # i686 run would only list each of them as SKIPPED.
        phase scenarios-i686 make --no-print-directory wine-check \
            SCENARIO_ARGS="--arch i686 --no-mutants ${select[*]} ${PLATFORM_ARGS:-}"
    fi
    # Our own prefix's server only (the driver stops it too; unit-check's
    # leaves by itself).
    WINEPREFIX=/src/$BUILD/wineprefix timeout 60 wineserver -k 2>/dev/null || true
    echo "platform-check: ---- summary (Debian 13, Wine 10, scope $scope)"
    local r
    for r in "${results[@]}"; do
        echo "platform-check: $r"
    done
    if [ ${#failed[@]} = 0 ]; then
        echo "platform-check: PASS"
        return 0
    fi
    echo "platform-check: FAIL (${failed[*]})"
    return 1
}

if [ "${1:-}" = --inside ]; then
    inside
    exit $?
fi

# ------------------------------------------------------------ outside
if [ "$(id -u)" != 0 ]; then
    echo "platform-check: needs root (chroot and mounts into $root)" >&2
    exit 1
fi
cd "$here"

# The source packages that the build fetches (CMocka; zlib for examples/zlib),
# fetched with the host's apt before entering the root: the mirror here
# serves trixie's binary packages but not its source packages (the .dsc is
# 404), and Debian 12's source builds the same. Through the one fetcher
# (scripts/fetch-debian-source.sh, with its fallbacks), into the places the
# build inside looks; a failure leaves it to the build inside, which says why
# (and under CI=true, the zlib scenarios fail rather than skip).
fetch_sources() {
    [ -f "$pbuild/src/cmocka/src/cmocka.c" ] ||
        scripts/fetch-debian-source.sh --orig cmocka "$pbuild/src/cmocka" || true
    [ -f "$pbuild/zlib/src/CMakeLists.txt" ] ||
        scripts/fetch-debian-source.sh "${WST_ZLIB_SOURCE:-zlib}" "$pbuild/zlib/src" || true
}

if [ -z "${WST_PLATFORM_NS:-}" ]; then
    t=$(date +%s)
    scripts/platform-root.sh
    echo "platform-check: root: $(($(date +%s) - t)) s (scripts/platform-root.sh)"
    fetch_sources
    export WST_PLATFORM_NS=1
    exec unshare --mount --pid --fork --kill-child --propagation private "$0" "$@"
fi

. scripts/platform-mounts.sh

mkdir -p "$root/src" "$pbuild"
platform_mount_system "$root"
# A /tmp of its own: Wine's server directories and the scenarios' files.
platform_mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
platform_mount --bind "$here" "$root/src"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

set +e
chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
    HOME=/root LC_ALL=C.UTF-8 TERM=dumb CI="${CI:-}" PLATFORM_BUILD="$pbuild" PLATFORM_SCOPE="$scope" \
    PLATFORM_ARGS="${PLATFORM_ARGS:-}" /src/scripts/platform-check.sh --inside
rc=$?
exit $rc
