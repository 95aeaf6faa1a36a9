#!/usr/bin/env python3
"""Adds one benchmark's JSON to another's as a named section.

    merge_json.py BASE PART KEY

Reads BASE (build/bench.json, written by bench_counters) and PART (for
instance build/bench-lifecycle.json), sets BASE[KEY] = PART and rewrites
BASE in place. Every key BASE already had is kept as it was, so readers of
the counter benchmark's JSON see no change. Run by `make bench` after both
programs have written their files; it fails loudly if either is missing or
is not a JSON object, rather than leaving a half-merged file.
"""
import json
import os
import sys


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    base_path, part_path, key = argv[1:]
    with open(base_path, encoding="utf-8") as f:
        base = json.load(f)
    with open(part_path, encoding="utf-8") as f:
        part = json.load(f)
    if not isinstance(base, dict) or not isinstance(part, dict):
        print(f"merge_json: {base_path} and {part_path} must hold JSON objects", file=sys.stderr)
        return 1
    base[key] = part
    # Write beside the target and rename, so an interrupted merge leaves the
    # old file whole.
    tmp = base_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(base, f, indent=2)
        f.write("\n")
    os.replace(tmp, base_path)
    print(f"merged {part_path} into {base_path} as \"{key}\"")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
