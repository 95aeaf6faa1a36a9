#!/usr/bin/env bash
# The resource compiler zlib's CMakeLists.txt runs on MinGW for
# win32/zlib1.rc (the DLL's version information). Debian's zlib source is
# repacked without win32/, so when that file is missing this compiles a
# minimal version resource in its place; with the file present it runs
# windres unchanged. The resource only labels the DLL: no code depends on it.
#
#   WINDRES=x86_64-w64-mingw32-windres windres.sh [windres arguments] -o OUT -i FILE.rc
set -euo pipefail
windres=${WINDRES:-x86_64-w64-mingw32-windres}
args=("$@")
input=
for ((i = 0; i < ${#args[@]}; i++)); do
    if [ "${args[i]}" = -i ] && [ $((i + 1)) -lt ${#args[@]} ]; then
        input=${args[i + 1]}
    fi
done
if [ -z "$input" ] || [ -f "$input" ]; then
    exec "$windres" "$@"
fi
tmp=$(mktemp --suffix=.rc)
trap 'rm -f "$tmp"' EXIT
printf '1 VERSIONINFO\nFILEVERSION 1,0,0,0\nBEGIN\nEND\n' >"$tmp"
for ((i = 0; i < ${#args[@]}; i++)); do
    [ "${args[i]}" = -i ] && args[i + 1]=$tmp
done
"$windres" "${args[@]}"
