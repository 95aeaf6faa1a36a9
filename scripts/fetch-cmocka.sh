#!/usr/bin/env bash
# Fetches CMocka's Debian source package and unpacks it into DEST (usually
# build/src/cmocka). Nothing of CMocka is committed; the build cross-compiles
# DEST/src/cmocka.c for each architecture.
set -euo pipefail
dest=${1:?usage: fetch-cmocka.sh DEST}
mkdir -p "$dest" && dest=$(cd "$dest" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
if ! apt-get source --download-only cmocka >apt.log 2>&1; then
    cat apt.log >&2
    echo "fetch-cmocka: apt-get source failed; run scripts/install-deps.sh as root first" >&2
    exit 1
fi
tarball=$(ls cmocka_*.orig.tar.* | head -n 1)
mkdir -p unpacked
tar -xf "$tarball" -C unpacked
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv unpacked/cmocka-* "$dest"
echo "fetch-cmocka: $(basename "$tarball") -> $dest" >&2
