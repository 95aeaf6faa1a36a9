#!/usr/bin/env bash
# Builds zlib, unmodified, from Debian's source package with zlib's own
# CMakeLists.txt, cross for x86_64-w64-mingw32, with CC set to winstrument's
# compiler driver: the library (zlib1.dll) and its own test programs
# (example.exe, minigzip.exe).
#
#   examples/zlib/build.sh BUILD VARIANT
#
#   VARIANT   functions  CC="toolchain/wst-cc --wst-functions" (calls and time)
#             calls      CC="toolchain/wst-cc --wst-functions=calls"
#             plain      CC="toolchain/wst-cc": the same build without the hooks
#                        (the benchmark's baseline)
#             gprof      CC="toolchain/wst-cc -pg"          (the benchmark's peers:
#             gcov       CC="toolchain/wst-cc --coverage"    what users compare with)
#
# The source is fetched once into BUILD/zlib/src by
# scripts/fetch-debian-source.sh (Debian's source package as `apt-get source`
# unpacks it, falling back to an older version or another suite when the
# mirror lacks the newest one's files; the deb-src entry comes from
# scripts/install-deps.sh; no root needed). WST_ZLIB_SOURCE=zlib=VERSION
# asks for that one version only (a way to try the failure path). When no
# version can be fetched, the real cause (apt's 404 line or error) goes to
# BUILD/zlib/SKIPPED, everything that was tried to BUILD/zlib/fetch.log, and
# the script succeeds without building anything: the zlib scenarios then
# report SKIPPED with that cause, or FAIL in CI (CI=true), and nothing else
# depends on zlib. Outputs: BUILD/zlib/VARIANT/.
#
# Debian repacks zlib without upstream's win32/ directory. The CMake build
# still works: two build settings (not edits of zlib) stand in for it, see
# windres.sh and dll-name.cmake next to this script.
set -euo pipefail

build=${1:?usage: build.sh BUILD functions|calls|plain|gprof|gcov}
variant=${2:?usage: build.sh BUILD functions|calls|plain|gprof|gcov}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
mkdir -p "$build/zlib"
build=$(cd "$build" && pwd)
zdir=$build/zlib
case "$variant" in
    functions) cc="$root/toolchain/wst-cc --wst-functions" ;;
    calls) cc="$root/toolchain/wst-cc --wst-functions=calls" ;;
    plain) cc="$root/toolchain/wst-cc" ;;
    gprof) cc="$root/toolchain/wst-cc -pg" ;;
    gcov) cc="$root/toolchain/wst-cc --coverage" ;;
    *) echo "build.sh: unknown variant '$variant'" >&2; exit 2 ;;
esac

fetch() {
    [ -f "$zdir/src/CMakeLists.txt" ] && return 0
    local log=$zdir/fetch.log
    if ! "$root/scripts/fetch-debian-source.sh" "${WST_ZLIB_SOURCE:-zlib}" "$zdir/src" 2>"$log"; then
        # The FAILED line names the first try's cause (the 404 line); the
        # other tries' causes follow.
        local cause
        cause=$(sed -n 's/^fetch-debian-source: FAILED: //p' "$log")
        { echo "${cause:-$(tail -n 1 "$log")}"
          sed -n 's/^fetch-debian-source:   then /then /p' "$log"
          echo "(every try: $log)"; } >"$zdir/SKIPPED"
        return 1
    fi
    [ -f "$zdir/src/CMakeLists.txt" ] || {
        echo "zlib's source package has no CMakeLists.txt ($zdir/src)" >"$zdir/SKIPPED"
        return 1
    }
    grep -m 1 ': downloaded$' "$log" | sed 's/^/build.sh: /' >&2
    echo "build.sh: zlib source -> $zdir/src" >&2
}

if ! fetch; then
    echo "build.sh: SKIPPED: $(head -n 1 "$zdir/SKIPPED")" >&2
    exit 0
fi
rm -f "$zdir/SKIPPED"

out=$zdir/$variant
rm -rf "$out/cmake"
mkdir -p "$out/cmake"
# RelWithDebInfo: -O2 -g, so that the coverage export finds DWARF lines.
CC="$cc" cmake -S "$zdir/src" -B "$out/cmake" \
    -DCMAKE_SYSTEM_NAME=Windows -DCMAKE_SYSTEM_PROCESSOR=x86_64 \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_SHARED_LIBS=ON \
    -DCMAKE_RC_COMPILER="$here/windres.sh" \
    -DCMAKE_PROJECT_INCLUDE="$here/dll-name.cmake" \
    -DCMAKE_EXE_LINKER_FLAGS="-L$build/x86_64/lib" \
    -DCMAKE_SHARED_LINKER_FLAGS="-L$build/x86_64/lib" >"$out/cmake.log" 2>&1 ||
    { tail -n 20 "$out/cmake.log" >&2; exit 1; }
make -C "$out/cmake" zlib example minigzip >"$out/make.log" 2>&1 ||
    { tail -n 20 "$out/make.log" >&2; exit 1; }
cp "$out/cmake/zlib1.dll" "$out/cmake/example.exe" "$out/cmake/minigzip.exe" "$out/"
echo "build.sh: zlib ($variant) -> $out" >&2
