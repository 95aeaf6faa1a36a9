#!/usr/bin/env bash
# <winstrument.h> must compile under every C standard GCC accepts and as C++
# under every standard of mingw-w64's g++ (issue 11), for both target
# architectures. Builds tests/header_standards.c, which uses every macro, once
# per standard and compiler with -pedantic -Wall -Wextra -Werror, and names
# each combination that fails; as C++ twice: as toolchain/wst-c++ compiles
# it (WST_CXX_SITES_RENAMED_, no section attribute) and with the header's
# ".wst$m<n>" sections (WST_CXX_COUNTER_SECTIONS, which also silences its
# warning for C++ without wst-c++). Run by `make check` (target header-check).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
src="$here/tests/header_standards.c"
c_stds=(-ansi -std=c89 -std=gnu89 -std=c99 -std=gnu99 -std=c11 -std=gnu11 -std=c17 -std=gnu17
        -std=c2x -std=gnu2x)
cxx_stds=(-std=c++98 -std=gnu++98 -std=c++11 -std=gnu++11 -std=c++14 -std=c++17 -std=gnu++17
          -std=c++20 -std=gnu++20 -std=c++2b)
flags=(-pedantic -Wall -Wextra -Werror -I"$here/include" -c -o /dev/null)
failed=0
ran=0
for arch in x86_64 i686; do
    for tool in gcc g++; do
        compiler="$arch-w64-mingw32-$tool"
        if ! command -v "$compiler" >/dev/null; then
            echo "header-check: $compiler is missing (scripts/install-deps.sh installs it)" >&2
            exit 2
        fi
        if [ "$tool" = gcc ]; then
            stds=("${c_stds[@]}")
            lang=(-x c)
            variants=("")
        else
            stds=("${cxx_stds[@]}")
            lang=(-x c++)
            variants=(-DWST_CXX_SITES_RENAMED_=1 -DWST_CXX_COUNTER_SECTIONS)
        fi
        for std in "${stds[@]}"; do
            for variant in "${variants[@]}"; do
                ran=$((ran + 1))
                if ! out=$("$compiler" "$std" "${lang[@]}" ${variant:+"$variant"} "${flags[@]}" \
                        "$src" 2>&1); then
                    echo "header-check: FAILED $compiler $std $variant" >&2
                    printf '%s\n' "$out" | head -n 8 >&2
                    failed=$((failed + 1))
                fi
            done
        done
    done
done
if [ "$failed" -ne 0 ]; then
    echo "header-check: $failed of $ran builds of <winstrument.h> failed" >&2
    exit 1
fi
echo "header-check: <winstrument.h> builds in all $ran combinations of language standard," \
    "architecture and C++ section scheme"
