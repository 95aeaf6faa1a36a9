#!/usr/bin/env bash
# Fetches a Debian source package and unpacks it into DEST. Every real library
# that the build takes from Debian (CMocka, zlib, SQLite) comes through here.
#
#   scripts/fetch-debian-source.sh [--orig] PACKAGE DEST
#   scripts/fetch-debian-source.sh [--orig] PACKAGE=VERSION DEST   (that version only)
#
# Default: DEST is the source tree as `apt-get source` unpacks it (Debian's
# patches applied, dpkg-source -x). --orig: DEST is the upstream tarball
# only, unpacked, without Debian's changes.
#
# Why not just `apt-get source PACKAGE`: apt picks the newest version that any
# deb-src entry lists, and a mirror may list a version whose files it does not
# have. On a Debian 12 machine whose mirror lacks debian-security's pool,
# `apt-get source zlib` picks 1:1.2.13.dfsg-1+deb12u1 and every file 404s,
# while zlib/bookworm (1:1.2.13.dfsg-1) downloads. Debian 13's cmocka 1.1.7-3
# did the same. So this tries, in order, until one downloads:
#   1. each version that `apt-cache showsrc PACKAGE` lists, newest first
#      (PACKAGE=VERSION);
#   2. each suite of the machine's deb-src entries (PACKAGE/SUITE), for a
#      version that two suites list and apt fetches from the broken one.
# apt verifies what it downloads against the signed Release files, whichever
# form it was asked with.
#
# Stderr says what was tried and what each try answered. On total failure the
# last lines are the real causes (apt's "E:" line of each try, the 404 line
# when there was one), the first of them on a line that starts with
# "fetch-debian-source: FAILED:", and the exit status is 1 (2: bad usage).
# Needs no root: only a deb-src entry (scripts/install-deps.sh adds one).
set -euo pipefail

me=fetch-debian-source
usage="usage: $me [--orig] PACKAGE[=VERSION] DEST"
orig=0
if [ "${1:-}" = --orig ]; then
    orig=1
    shift
fi
spec=${1:?$usage}
dest=${2:?$usage}
[ $# -eq 2 ] || { echo "$usage" >&2; exit 2; }
pkg=${spec%%=*}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The versions of source package $pkg that apt knows, newest first, once each.
versions() {
    local sorted=() v i j t
    while read -r v; do
        for t in ${sorted[@]+"${sorted[@]}"}; do [ "$t" = "$v" ] && continue 2; done
        sorted+=("$v")
    done < <(apt-cache showsrc "$pkg" 2>/dev/null |
        awk -v p="$pkg" '/^Package: /{cur=$2} /^Version: /{if (cur == p) print $2}')
    # Insertion sort by Debian's own ordering (epochs, ~, revisions).
    for ((i = 1; i < ${#sorted[@]}; i++)); do
        for ((j = i; j > 0; j--)); do
            dpkg --compare-versions "${sorted[j]}" gt "${sorted[j - 1]}" || break
            t=${sorted[j]}; sorted[j]=${sorted[j - 1]}; sorted[j - 1]=$t
        done
    done
    [ ${#sorted[@]} -eq 0 ] || printf '%s\n' "${sorted[@]}"
}

# The codenames of the machine's deb-src entries, in apt's order, once each.
suites() {
    apt-get indextargets --format '$(CODENAME)' 'Identifier: Sources' 2>/dev/null |
        awk 'NF && !seen[$0]++'
}

tries=()
if [ "$spec" != "$pkg" ]; then
    tries=("$spec")
else
    while read -r v; do tries+=("$pkg=$v"); done < <(versions)
    if [ ${#tries[@]} -gt 0 ]; then
        while read -r s; do tries+=("$pkg/$s"); done < <(suites)
    else
        # No version listed (no deb-src entry, unknown package): apt's own
        # answer to the plain name is the real cause.
        tries=("$pkg")
    fi
fi

causes=()
got=
n=0
for t in "${tries[@]}"; do
    n=$((n + 1))
    dir=$work/try$n
    mkdir -p "$dir"
    echo "$me: apt-get source --download-only $t" >&2
    if (cd "$dir" && apt-get source --download-only "$t") >"$dir.log" 2>&1; then
        got=$dir
        echo "$me: $t: downloaded" >&2
        break
    fi
    # The 404 line names the file and the mirror; without one, apt's first
    # error ("Unable to find a source package", "You must put some 'deb-src'
    # URIs in your sources.list", a DNS failure) is the cause.
    cause=$(grep -m 1 '^E: Failed to fetch' "$dir.log" ||
        grep -m 1 '^E: ' "$dir.log" || tail -n 1 "$dir.log")
    echo "$me: $t: $cause" >&2
    causes+=("$t: $cause")
done

if [ -z "$got" ]; then
    echo "$me: FAILED: no source of $spec could be downloaded; tried ${#tries[@]}, first ${causes[0]}" >&2
    for c in "${causes[@]:1}"; do echo "$me:   then $c" >&2; done
    exit 1
fi

mkdir -p "$(dirname "$dest")"
dest=$(cd "$(dirname "$dest")" && pwd)/$(basename "$dest")
rm -rf "$dest"
if [ "$orig" = 1 ]; then
    tarball=$(find "$got" -maxdepth 1 -name "${pkg}_*.orig.tar.*" ! -name '*.asc' | head -n 1)
    [ -n "$tarball" ] || { echo "$me: FAILED: $pkg has no .orig tarball" >&2; exit 1; }
    mkdir -p "$work/unpacked"
    tar -xf "$tarball" -C "$work/unpacked"
    from=$(basename "$tarball")
    top=("$work"/unpacked/*)
    if [ ${#top[@]} -ne 1 ] || [ ! -d "${top[0]}" ]; then
        echo "$me: FAILED: $from does not unpack into one directory" >&2
        exit 1
    fi
    tree=${top[0]}
else
    dsc=$(find "$got" -maxdepth 1 -name "${pkg}_*.dsc" | head -n 1)
    [ -n "$dsc" ] || { echo "$me: FAILED: $pkg has no .dsc" >&2; exit 1; }
    from=$(basename "$dsc")
    tree=$work/tree
    # --no-check: apt has checked every file against the signed Release.
    dpkg-source --no-check -x "$dsc" "$tree" >"$work/dpkg-source.log" 2>&1 ||
        { cat "$work/dpkg-source.log" >&2; echo "$me: FAILED: dpkg-source -x $from" >&2; exit 1; }
fi
mv "$tree" "$dest"
echo "$me: $from -> $dest" >&2
