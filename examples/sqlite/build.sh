#!/usr/bin/env bash
# Builds SQLite, unmodified, from Debian's source package (sqlite3) with
# SQLite's own autoconf build (configure + make), cross for
# x86_64-w64-mingw32, with CC="toolchain/wst-cc --wst-functions" at SQLite's
# default -O2: the library as the DLL that its libtool rule makes
# (libsqlite3.la -> libsqlite3-0.dll, the amalgamation sqlite3.c compiled
# once).
#
#   examples/sqlite/build.sh BUILD [VARIANT]
#
#   VARIANT   functions  CC="toolchain/wst-cc --wst-functions" (the default:
#                        the scenario's)
#             calls      CC="toolchain/wst-cc --wst-functions=calls"
#             plain      CC="toolchain/wst-cc"
#             gprof      CC="toolchain/wst-cc -pg"
#             gcov       CC="toolchain/wst-cc --coverage"
#                        (the other four: `make bench`'s side-by-side builds)
#
# The source is fetched once into BUILD/sqlite/src by
# scripts/fetch-debian-source.sh (Debian's source package as `apt-get source`
# unpacks it, falling back to an older version or another suite when the
# mirror lacks the newest one's files; the deb-src entry comes from
# scripts/install-deps.sh). WST_SQLITE_SOURCE=sqlite3=VERSION asks for that
# one version only (a way to try the failure path). When no version can be
# fetched, the real cause goes to BUILD/sqlite/SKIPPED, everything that was
# tried to BUILD/sqlite/fetch.log, and the script succeeds without building:
# the scenario sqlite-live then reports SKIPPED with that cause, or FAIL in CI
# (CI=true). Output: BUILD/sqlite/VARIANT/libsqlite3-0.dll (and sqlite3.h
# beside it); the build tree is BUILD/sqlite/obj (obj-VARIANT for the
# others), its logs configure.log and make.log there.
#
# What a cross build of this tree needs, none of it an edit of SQLite (each
# checked by leaving it out, SQLite 3.40.1, Debian 12):
# - config_TARGET_EXEEXT=.exe: configure decides SQLITE_OS_WIN from the
#   target's executable suffix, which it does not find out when it cross
#   compiles; without it the library is built for Unix (SQLITE_OS_UNIX=1)
#   and the compile stops at <sys/ioctl.h>.
# - CROSS_BUILDING=yes: Debian's 30-cross.patch otherwise builds the parser
#   generator lemon with the target's compiler, and the build then runs that
#   Windows program on Linux to generate parse.c.
# - BEXE=: autoconf gives the build machine's tools (lemon, mksourceid,
#   mkkeywordhash, compiled with the host's cc) the target's .exe suffix,
#   and tool/mksqlite3h.tcl runs `mksourceid` without it (sqlite3.h fails:
#   no such file). Empty, the tools are plain Linux programs.
# - lt_cv_deplibs_check_method=pass_all: libtool's check of the import
#   library libpthread.dll.a (configure adds -lpthread, which SQLite's
#   Windows code never calls) fails in a cross build, and libtool then
#   builds no DLL, only a static library ("libtool will only create a static
#   version of it").
# - --disable-static: libtool would compile the 8 MB amalgamation twice.
# - --disable-tcl --disable-readline: no Tcl extension, no shell.
# tclsh (package tcl) generates sqlite3.h and the amalgamation.
set -euo pipefail

build=${1:?usage: build.sh BUILD [functions|calls|plain|gprof|gcov]}
variant=${2:-functions}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
mkdir -p "$build/sqlite"
build=$(cd "$build" && pwd)
sdir=$build/sqlite
case "$variant" in
    functions) cc="$root/toolchain/wst-cc --wst-functions" ;;
    calls) cc="$root/toolchain/wst-cc --wst-functions=calls" ;;
    plain) cc="$root/toolchain/wst-cc" ;;
    gprof) cc="$root/toolchain/wst-cc -pg" ;;
    gcov) cc="$root/toolchain/wst-cc --coverage" ;;
    *) echo "build.sh: unknown variant '$variant'" >&2; exit 2 ;;
esac

fetch() {
    [ -f "$sdir/src/configure" ] && [ -f "$sdir/src/src/sqlite.h.in" ] && return 0
    local log=$sdir/fetch.log
    if ! "$root/scripts/fetch-debian-source.sh" "${WST_SQLITE_SOURCE:-sqlite3}" "$sdir/src" \
            2>"$log"; then
        local cause
        cause=$(sed -n 's/^fetch-debian-source: FAILED: //p' "$log")
        { echo "${cause:-$(tail -n 1 "$log")}"
          sed -n 's/^fetch-debian-source:   then /then /p' "$log"
          echo "(every try: $log)"; } >"$sdir/SKIPPED"
        return 1
    fi
    [ -f "$sdir/src/configure" ] || {
        echo "sqlite3's source package has no configure ($sdir/src)" >"$sdir/SKIPPED"
        return 1
    }
    grep -m 1 ': downloaded$' "$log" | sed 's/^/build.sh: /' >&2
    echo "build.sh: sqlite source -> $sdir/src" >&2
}

if ! fetch; then
    echo "build.sh: SKIPPED: $(head -n 1 "$sdir/SKIPPED")" >&2
    exit 0
fi
rm -f "$sdir/SKIPPED"
# Without tclsh nothing can be generated: recorded like a failed fetch, so
# that the scenario says SKIPPED with this cause (FAIL under CI=true) and the
# rest of the build goes on. make platform-check's Debian 13 root has no tcl.
if ! command -v tclsh >/dev/null; then
    echo "tclsh is missing (scripts/install-deps.sh installs tcl)" >"$sdir/SKIPPED"
    echo "build.sh: SKIPPED: $(head -n 1 "$sdir/SKIPPED")" >&2
    exit 0
fi

# The configure and make tree (about 60 MB) apart from the output directory,
# which CI uploads for the Windows job: only the DLL and sqlite3.h go there.
obj=$sdir/obj
[ "$variant" = functions ] || obj=$sdir/obj-$variant
out=$sdir/$variant
rm -rf "$obj" "$out"
mkdir -p "$obj" "$out"
(cd "$obj" && CC="$cc" "$sdir/src/configure" \
    --build="$(gcc -dumpmachine)" --host=x86_64-w64-mingw32 \
    config_TARGET_EXEEXT=.exe lt_cv_deplibs_check_method=pass_all \
    --disable-static --disable-tcl --disable-readline --disable-editline \
    LDFLAGS="-L$build/x86_64/lib") >"$obj/configure.log" 2>&1 ||
    { tail -n 20 "$obj/configure.log" >&2; exit 1; }
make -C "$obj" BEXE= CROSS_BUILDING=yes libsqlite3.la >"$obj/make.log" 2>&1 ||
    { tail -n 20 "$obj/make.log" >&2; exit 1; }
cp "$obj/.libs/libsqlite3-0.dll" "$obj/sqlite3.h" "$out/"
echo "build.sh: sqlite ($variant) -> $out/libsqlite3-0.dll" >&2
