#!/usr/bin/env python3
"""Writes what binutils says about an image's functions: for each function
symbol whose name starts with PREFIX, its address (VA) and the line of the
first row that objdump's decoded line table gives at that address, in the
source file named SOURCE. test_dwarf_lines.c compares winstrument's DWARF
reader with this.

    dwarf-expect.py TRIPLET IMAGE SOURCE PREFIX > expected.txt

Output lines: "<hex va> <line> <name>". Fails (exit 1) when a function has
no row, so that a test never runs against an empty expectation.
"""
import re
import subprocess
import sys


def main():
    triplet, image, source, prefix = sys.argv[1:5]
    nm = subprocess.run([triplet + "-nm", image], check=True, capture_output=True,
                        text=True).stdout
    funcs = {}
    for line in nm.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "Tt":
            name = parts[2].lstrip("_") if parts[2].startswith("_lines") else parts[2]
            if name.startswith(prefix):
                funcs[int(parts[0], 16)] = name
    dump = subprocess.run([triplet + "-objdump", "--dwarf=decodedline", image], check=True,
                          capture_output=True, text=True).stdout
    first = {}
    row = re.compile(r"^(\S+)\s+(\d+)\s+(0x[0-9a-f]+)")
    for line in dump.splitlines():
        m = row.match(line)
        if m and m.group(1) == source:
            addr = int(m.group(3), 16)
            first.setdefault(addr, int(m.group(2)))
    if not funcs:
        sys.exit("dwarf-expect: no function named %s* in %s" % (prefix, image))
    for addr in sorted(funcs):
        if addr not in first:
            sys.exit("dwarf-expect: objdump has no row at 0x%x (%s)" % (addr, funcs[addr]))
        print("%x %d %s" % (addr, first[addr], funcs[addr]))


if __name__ == "__main__":
    main()
