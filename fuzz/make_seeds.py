#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/).

The seeds are small, valid or nearly valid inputs from which libFuzzer's
mutations reach deep paths quickly: a region with counters, padding and a
repeated name; PE32 and PE32+ headers with a .wst section; a request stream.
They are committed; rerun this script (make fuzz-seeds) after a change of the
ABI headers and commit the result. It reads the ABI constants from
include/winstrument/*.h so that a seed never silently disagrees with them.

Must never write anywhere but the corpus directory it is given, and never
depend on a build: real PE headers from built DLLs are added by `make fuzz`
at run time, not committed here.
"""
import os
import re
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def define(header, name):
    """The integer value of `#define name value` in include/winstrument/<header>."""
    text = open(os.path.join(ROOT, "include", "winstrument", header)).read()
    m = re.search(r"^#define %s\s+\(?([0-9a-fA-Fx]+)u?" % name, text, re.M)
    if not m:
        sys.exit("make_seeds: %s not found in %s" % (name, header))
    return int(m.group(1), 0)


LINE = define("region.h", "WST_LINE")
STRIPES = define("region.h", "WST_STRIPES")
NAME_MAX = define("region.h", "WST_NAME_MAX")
PIPE_NAME_MAX = define("region.h", "WST_PIPE_NAME_MAX")
REGION_MAGIC = define("region.h", "WST_REGION_MAGIC")
COUNTER_MAGIC = define("region.h", "WST_COUNTER_MAGIC")
TRAILER_MAGIC = define("region.h", "WST_TRAILER_MAGIC")
DIST_MAGIC = define("region.h", "WST_DIST_MAGIC")
FN_MAGIC = define("function_table.h", "WST_FN_TABLE_MAGIC")
KIND_GAUGE = define("region.h", "WST_KIND_GAUGE")
KIND_DISTRIBUTION = define("region.h", "WST_KIND_DISTRIBUTION")
DIST_UNIT_NS = define("region.h", "WST_DIST_UNIT_NS")
DIST_SUB_BITS = define("region.h", "WST_DIST_SUB_BITS")
DIST_BUCKETS = (64 - DIST_SUB_BITS + 1) << DIST_SUB_BITS
LAYOUT_VERSION = define("version.h", "WST_LAYOUT_VERSION")
SHARDS = define("region.h", "WST_DIST_SHARDS")
VERSION_NUMBER = (define("version.h", "WST_VERSION_MAJOR") << 16 |
                  define("version.h", "WST_VERSION_MINOR") << 8 |
                  define("version.h", "WST_VERSION_PATCH"))
MSG_MAGIC = define("protocol.h", "WST_MSG_MAGIC")
PROTOCOL_VERSION = define("version.h", "WST_PROTOCOL_VERSION")

HEADER_SIZE = 256
COUNTER_SIZE = LINE * (1 + STRIPES)

# fuzz_region_parse.c's first byte: how the rest is used.
RAW, WITH_HEADER, WITH_HEADER_AND_TRAILER, SORT_MERGE = range(4)


# ---------------------------------------------------------------- region


def region_header(mode=2, state=3, pipe=b"\\\\.\\pipe\\winstrument-1234-00000000deadbeef",
                  layout=LAYOUT_VERSION):
    h = struct.pack("<IHHIIIII", REGION_MAGIC, layout, HEADER_SIZE, COUNTER_SIZE,
                    LINE, STRIPES, NAME_MAX, VERSION_NUMBER)
    h += struct.pack("<III", mode, state, 1234)
    h += struct.pack("<QQQ", 7, 0xDEADBEEF, 133000000000000000)
    assert len(h) == 64
    h += pipe.ljust(PIPE_NAME_MAX, b"\0")
    return h.ljust(HEADER_SIZE, b"\0")


def counter(name, stripes, kind=0):
    c = struct.pack("<II", COUNTER_MAGIC, kind) + name.ljust(NAME_MAX, b"\0")
    for v in stripes:
        c += struct.pack("<Q", v).ljust(LINE, b"\0")
    assert len(c) == COUNTER_SIZE
    return c


def bucket_of(v):
    sub = 1 << DIST_SUB_BITS
    if v < 2 * sub:
        return v
    e = v.bit_length() - 1
    return (e - DIST_SUB_BITS + 1) * sub + ((v >> (e - DIST_SUB_BITS)) & (sub - 1))


def shard_of_stripe(stripe):
    """region.h's WST_DIST_SHARD_OF_STRIPE: bit 6 of the stripe's offset."""
    return ((LINE * (1 + stripe)) >> 6) & 1


def distribution(name, values, flags=DIST_UNIT_NS, layout=LAYOUT_VERSION, stripes=(0,)):
    """A WST_TIME_SCOPE site that recorded `values`, the i-th from stripe
    stripes[i % len(stripes)]. Layout 2: one bucket array and a count word
    per stripe; layout 3: a bucket shard per stripe parity, no count words."""
    d = struct.pack("<II", DIST_MAGIC, KIND_DISTRIBUTION | flags) + name.ljust(NAME_MAX, b"\0")
    counts, sums = [0] * STRIPES, [0] * STRIPES
    shards = [[0] * DIST_BUCKETS for _ in range(SHARDS if layout >= 3 else 1)]
    for i, v in enumerate(values):
        s = stripes[i % len(stripes)]
        counts[s] += 1
        sums[s] = (sums[s] + v) % 2**64
        shards[shard_of_stripe(s) if layout >= 3 else 0][bucket_of(v)] += 1
    for s in range(STRIPES):
        d += struct.pack("<QQ", counts[s] if layout < 3 else 0, sums[s]).ljust(LINE, b"\0")
    lo = min(values) if values else 2**64 - 1
    d += struct.pack("<QQ", ~lo % 2**64 if values else 0, max(values, default=0)).ljust(LINE, b"\0")
    for shard in shards:
        d += struct.pack("<%dQ" % DIST_BUCKETS, *shard)
    assert len(d) == LINE * (2 + STRIPES) + 8 * DIST_BUCKETS * len(shards)
    return d


def trailer():
    return struct.pack("<II", TRAILER_MAGIC, 0).ljust(LINE, b"\0")


PAD = b"\0" * LINE
PAD_LINE = PAD
HITS = counter(b"b64.encode.calls", range(1, STRIPES + 1))
BYTES = counter(b"b64.encode.bytes", [1 << 40] + [0] * (STRIPES - 1))
HITS_AGAIN = counter(b"b64.encode.calls", [5] + [0] * (STRIPES - 1))
WRAPS = counter(b"wraps", [0xFFFFFFFFFFFFFFFF] * STRIPES)


def region_seeds():
    body = HITS + PAD + BYTES + PAD + PAD + HITS_AGAIN + WRAPS
    full = region_header() + body + trailer()
    yield "raw-counters-padding", bytes([RAW]) + full
    yield "raw-counters-padding-tail", bytes([RAW]) + full + PAD * 3
    yield "raw-empty", bytes([RAW]) + region_header(mode=1, state=0, pipe=b"") + trailer()
    yield "raw-unset", bytes([RAW]) + region_header(mode=0, state=1, pipe=b"") + trailer()
    yield "raw-no-trailer", bytes([RAW]) + region_header() + HITS
    yield "raw-header-only", bytes([RAW]) + region_header()
    yield "with-header-counters", bytes([WITH_HEADER]) + HITS + PAD + BYTES + trailer()
    yield "with-header-garbage-line", bytes([WITH_HEADER]) + HITS + b"\x01" + PAD[1:] + trailer()
    yield "with-trailer-counters", bytes([WITH_HEADER_AND_TRAILER]) + HITS + PAD + HITS_AGAIN
    yield "with-trailer-empty", bytes([WITH_HEADER_AND_TRAILER])
    # The current layout: a gauge and a distribution (0, 1, UINT64_MAX and two modes).
    gauge = counter(b"queue.depth", [2**64 - 3] + [0] * (STRIPES - 1), KIND_GAUGE)
    scope = distribution(b"b64.encode.time", [0, 1, 2**64 - 1, 50000, 50100, 2000000])
    yield "with-trailer-kinds", bytes([WITH_HEADER_AND_TRAILER]) + HITS + gauge + PAD + scope
    yield "raw-kinds", bytes([RAW]) + region_header() + gauge + scope + trailer()
    # Layout 3's two shards: records from stripes 1 and 2 (one shard each)
    # and 0; and layout 2's shorter record with its one bucket array, still read.
    sharded = distribution(b"b64.decode.time", [1000] * 40 + [7, 7, 2**40], stripes=(1, 2, 0))
    yield "raw-shards", bytes([RAW]) + region_header() + sharded + HITS + trailer()
    old = distribution(b"b64.encode.time", [0, 1, 2**64 - 1, 50000], layout=2, stripes=(0, 3))
    yield "raw-layout2-kinds", bytes([RAW]) + region_header(layout=2) + gauge + old + HITS \
        + trailer()
    entry = lambda name, v: name.ljust(NAME_MAX, b"\0") + struct.pack("<Q", v)
    yield "sort-merge", bytes([SORT_MERGE]) + entry(b"b", 1) + entry(b"a", 2) + entry(b"b", 3) \
        + entry(b"", 4) + entry(b"x" * NAME_MAX, 5)


# ---------------------------------------------------------------- PE


def pe_image(bits, sections):
    """DOS header, NT headers and a section table, padded to 1 KiB."""
    lfanew = 0x80
    dos = b"MZ".ljust(0x3C, b"\0") + struct.pack("<I", lfanew)
    dos = dos.ljust(lfanew, b"\0")
    machine, magic, opt_size = (0x8664, 0x20B, 240) if bits == 64 else (0x14C, 0x10B, 224)
    fh = struct.pack("<HHIIIHH", machine, len(sections), 0, 0, 0, opt_size, 0x2022)
    opt = bytearray(opt_size)
    struct.pack_into("<H", opt, 0, magic)
    struct.pack_into("<II", opt, 56, 0x10000, 0x400)  # SizeOfImage, SizeOfHeaders
    struct.pack_into("<I", opt, 108 if bits == 64 else 92, 16)  # NumberOfRvaAndSizes
    table = b""
    for name, rva, vsize, raw_off, raw_size in sections:
        table += name.ljust(8, b"\0") + struct.pack("<IIII", vsize, rva, raw_size, raw_off)
        table += b"\0" * 16
    return (dos + b"PE\0\0" + fh + bytes(opt) + table).ljust(1024, b"\0")


def pe_seeds():
    text = (b".text", 0x1000, 0x2345, 0x400, 0x2400)
    wst = (b".wst", 0x4000, 0x380, 0x2800, 0x400)
    yield "pe32plus-wst", pe_image(64, [text, wst])
    yield "pe32-wst", pe_image(32, [text, wst])
    yield "pe32plus-no-wst", pe_image(64, [text])
    yield "pe32-wst-zero-vsize", pe_image(32, [(b".wst", 0x1000, 0, 0x400, 0x200)])
    yield "pe32plus-wst-past-image", pe_image(64, [(b".wst", 0xFFFFF000, 0x2000, 0x400, 0x200)])
    yield "dos-only", b"MZ".ljust(64, b"\0")


def pe_symbols_seeds():
    """Images with a COFF symbol table (short and long names, an aux record)
    and an export directory, for pe_symbols.c."""
    text = (b".text", 0x1000, 0x2345, 0x400, 0x2400)
    base = bytearray(pe_image(64, [text]).ljust(0x2800, b"\0"))
    nt = 0x80
    symtab = len(base)
    # name[8], value, section, type, class, aux
    syms = struct.pack("<8sIhHBB", b"short", 0x10, 1, 0x20, 2, 0)
    syms += struct.pack("<IIIhHBB", 0, 4, 0x40, 1, 0x20, 3, 1)  # long name at string offset 4
    syms += b"\0" * 18  # its aux record
    strings = b"a_long_static_function_name\0"
    strtab = struct.pack("<I", 4 + len(strings)) + strings
    coff = bytearray(base)
    struct.pack_into("<II", coff, nt + 4 + 8, symtab, 3)
    yield "pe32plus-coff", bytes(coff) + syms + strtab
    # Exports at .text's start (rva 0x1000, file 0x400): one named function.
    exp = bytearray(base)
    d = 0x400
    struct.pack_into("<IIIII", exp, d + 20, 1, 1, 0x1028, 0x102C, 0x1030)
    struct.pack_into("<IIH", exp, d + 0x28, 0x1100, 0x1040, 0)
    exp[d + 0x40:d + 0x49] = b"exported\0"
    struct.pack_into("<II", exp, 0x80 + 4 + 20 + 112, 0x1000, 0x60)  # data directory 0
    yield "pe32plus-exports", bytes(exp)
    yield "pe32-no-symbols", pe_image(32, [text]).ljust(0x2800, b"\0")


def function_table_seeds():
    """Small function tables (16 slots, 2 stripes), valid and not."""
    cap, stripes, hdr = 16, 2, 128
    keys = hdr
    calls = keys + 4 * cap
    time = calls + 8 * cap * stripes
    self_ = time + 8 * cap * stripes
    size = self_ + 8 * cap * stripes

    def table(version=1, magic=FN_MAGIC, offsets=(keys, calls, time, self_)):
        t = bytearray(size)
        struct.pack_into("<IHHIIII", t, 0, magic, version, hdr, cap, stripes, 1, size)
        struct.pack_into("<IIIII", t, 24, *offsets, 1024)
        struct.pack_into("<I", t, 44, 3)
        for slot, rva in ((1, 0x1010), (5, 0x2000), (9, 0x1010)):
            struct.pack_into("<I", t, keys + 4 * slot, rva)
            for s in range(stripes):
                struct.pack_into("<Q", t, calls + 8 * (s * cap + slot), 7 + s)
        return bytes(t)

    yield "table-16x2", table()
    yield "table-version-2", table(version=2)
    yield "table-offsets-outside", table(offsets=(keys, calls, time, size - 8))


# ---------------------------------------------------------------- protocol


def msg(type_, request_id, length=0, magic=MSG_MAGIC, version=PROTOCOL_VERSION):
    return struct.pack("<IHHII", magic, version, type_, request_id, length)


def protocol_seeds():
    yield "requests", msg(1, 1) + msg(2, 2) + msg(3, 3) + msg(4, 4)
    yield "request-then-bad-type", msg(1, 7) + msg(99, 8)
    yield "request-with-payload", msg(2, 9, length=4) + b"\0\0\0\0"
    yield "bad-version", msg(1, 10, version=PROTOCOL_VERSION + 1)
    yield "bad-magic", msg(1, 11, magic=0x12345678)
    yield "huge-length", msg(2, 12, length=0xFFFFFFFF)
    yield "error-reply", msg(0x7FFF, 13, length=8) + struct.pack("<HI", 2, 13)
    yield "hello-reply", msg(0x8001, 14, length=40) + struct.pack("<HI", 1, 14)
    yield "truncated", msg(1, 15)[:11]


def pipe_name_seeds():
    yield "exact", b"\\\\.\\pipe\\winstrument-1234-00000000deadbeef\0"
    yield "exact-padded", b"\\\\.\\pipe\\winstrument-4294967295-ffffffffffffffff" + b"\0" * 47
    yield "no-nul", b"\\\\.\\pipe\\winstrument-1234-00000000deadbeef"
    yield "leading-zero", b"\\\\.\\pipe\\winstrument-01234-00000000deadbeef\0"
    yield "upper-hex", b"\\\\.\\pipe\\winstrument-1234-00000000DEADBEEF\0"
    yield "trailing-path", b"\\\\.\\pipe\\winstrument-1234-00000000deadbeef\\..\\x\0"


def escape_seeds():
    yield "plain", b"foo.dll"
    yield "path", b"C:\\app\\foo.dll"
    yield "esc-csi", b"a\x1b[2Jb\x9b31mc\xc2\x9b31m"
    yield "bidi", b"gpj.\xe2\x80\xaeexe"
    yield "invalid", b"\xc0\x9b\xed\xa0\x80\xf4\x90\x80\x80\xff\xc3"
    yield "utf8", "caf\u00e9 \u65e5\u672c \U0001f600".encode()
    yield "json-specials", b'"quoted" \\ \x7f\t\n'


def csv_field_seeds():
    yield "plain", b"target.calls"
    yield "comma-quote", b'a,b "c"'
    yield "leading-space", b" x"
    yield "line-ends", b"a\nb\r\nc\rd"
    yield "osc52", b"\x1b]52;c;SGVsbG8=\x07"
    yield "csi-8bit", b"\xc2\x9b31m\x9b"


def lcov_seeds():
    # test name, then (name, source) for three functions; the last byte
    # chooses which have a source line and which were called.
    yield "three", b"t\0fa\0a.c\0fb\0a.c\0fc\0b.c\0\x07"
    yield "commas", b"t,1\0f,a\0x,y.c\0g\0x,y.c\0h\0z.c\0\x3f"
    yield "escapes", b"\x1b[2J\0f\nn\0\xe2\x80\xaee.c\0g\0s.c\0h\0s.c\0\xff"


# ---------------------------------------------------------------- demangle


def demangle_sub(i):
    """The substitution naming candidate i: S_, S0_, ..., SZ_, S10_, ..."""
    if i == 0:
        return "S_"
    digits, s, n = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "", i - 1
    while True:
        s, n = digits[n % 36] + s, n // 36
        if n == 0:
            return "S" + s + "_"


def demangle_nested(levels):
    """Issue 23's name: f(A<A<...A<A, A>..., S1_>, S2_>), whose output doubles
    at each level (159 bytes for 22 levels, 288 for 40)."""
    x = "S_"
    for j in range(1, levels):
        x = "S_I" + x + demangle_sub(j - 1 if j > 1 else 0) + "E"
    return ("_Z1f1AI" + x + demangle_sub(levels - 1) + "E").encode()


def demangle_flat(levels):
    """f(A<A, A>, A<A<A, A>, A<A, A>>, ...): one parameter a level, each the
    previous one twice."""
    s = "_Z1f1AIS_S_E"
    for k in range(1, levels):
        s += "S_I" + demangle_sub(k) + demangle_sub(k) + "E"
    return s.encode()


def demangle_seeds():
    yield "plain", b"_Z3fooi"
    yield "static", b"_ZL11cxx_throweri"
    yield "namespace", b"_ZN2ns3barEv"
    yield "template", b"_Z3maxIiET_S0_S0_"
    yield "pack", b"_ZN2ns5inner4funcIJicEEEvDpT_"
    yield "operators", b"_ZN3FooplERKS_\0\x05"
    yield "conversion", b"_ZNK3FoocvbEv"
    yield "new", b"_Znwy"
    yield "ctor-dtor", b"_ZN3FooD0Ev"
    yield "lambda", b"_ZZ4mainENKUlvE_clEv"
    yield "vtable", b"_ZTV3Foo"
    yield "std-vector", b"_ZNSt6vectorIiSaIiEE9push_backERKi"
    yield "std-endl", b"_ZSt4endlIcSt11char_traitsIcEERSt13basic_ostreamIT_T0_ES6_"
    yield "invalid", b"_Zbad"
    yield "not-mangled", b"main"
    # Around the output bound (13 levels print 53 KB, 14 print 106 KB), the
    # issue's sizes, and a flat shape the demangler refuses past 92 levels.
    for levels in (13, 14, 22, 26, 40, 100):
        yield "nested-%d" % levels, demangle_nested(levels)
    yield "nested-26-small-buffer", demangle_nested(26) + b"\0\x20"
    # A pack expansion over the same nesting: the demangler searches it for a
    # pack before printing anything.
    for levels in (4, 6, 40):
        nested = demangle_nested(levels)
        yield "pack-%d" % levels, nested[:7] + b"Dp" + nested[7:]
    yield "flat-30", demangle_flat(30)
    yield "flat-93", demangle_flat(93)
    # Around the name bound: 1024 bytes demangle, 1025 are refused.
    yield "long-1024", b"_Z1018" + b"b" * 1018
    yield "long-1025", b"_Z1019" + b"b" * 1019


# ---------------------------------------------------------------- saved files

SAVED_MAGIC = define("saved.h", "WST_SAVED_MAGIC")
SAVED_VERSION = define("saved.h", "WST_SAVED_VERSION")
SAVED_PATH_MAX = define("saved.h", "WST_SAVED_PATH_MAX")


def saved_record(kind, payload):
    pad = (8 - len(payload) % 8) % 8
    return struct.pack("<IIQ", kind, 0, len(payload)) + payload + b"\0" * pad


def saved_identity(path=b"C:\\dir\\lib.dll", end=1, build=True):
    head = struct.pack("<HHIQQQIIII", 0x8664, 1 if build else 0, 1234, 0xdeadbeef,
                       133000000000000000, 133000000010000000, 0x6b1751f4, 0x58000, end, 0)
    build_id = bytes(range(20)) if build else b"\0" * 20
    return head + build_id + b"\0" * 12 + path.ljust(SAVED_PATH_MAX, b"\0") \
        + b"C:\\dir\\host.exe".ljust(SAVED_PATH_MAX, b"\0")


def saved_file(records, version=SAVED_VERSION):
    body = b"".join(records)
    size = 64 + len(body)
    return struct.pack("<IHHIIQ", SAVED_MAGIC, version, 64, len(records), 0, size) \
        + b"\0" * 40 + body


def saved_seeds():
    region = region_header(mode=1, state=0, pipe=b"") + HITS + PAD + BYTES + trailer()
    ident = saved_record(1, saved_identity())
    yield "valid", saved_file([ident, saved_record(2, region)])
    yield "with-functions", saved_file([ident, saved_record(2, region),
                                        saved_record(3, b"\x01" * 100)])
    yield "unknown-kind", saved_file([saved_record(9, b"newer"), ident, saved_record(2, region)])
    yield "exit-no-build-id", saved_file([saved_record(1, saved_identity(end=2, build=False)),
                                          saved_record(2, region)])
    yield "no-region", saved_file([ident])
    yield "newer-version", saved_file([ident, saved_record(2, region)], version=SAVED_VERSION + 1)
    yield "cut-short", saved_file([ident, saved_record(2, region)])[:-100]


# ---------------------------------------------------------------- http


def http_seeds():
    prom = (b"application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
            b"version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
    yield "prometheus", (b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9464\r\nUser-Agent: "
                         b"Prometheus/2.42.0\r\nAccept: " + prom + b"\r\n\r\n")
    yield "text-0.0.4", b"GET /metrics HTTP/1.1\r\nHost: h\r\nAccept: text/plain\r\n\r\n"
    yield "http-1.0", b"GET /metrics HTTP/1.0\n\n"
    yield "head-query", b"HEAD /metrics?x=1 HTTP/1.1\r\nHost: h\r\n\r\n"
    yield "absolute", b"GET http://h/metrics HTTP/1.1\r\nHost: h\r\n\r\n"
    yield "body", b"POST /metrics HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
    yield "folded", b"GET / HTTP/1.1\r\nHost: h\r\n x\r\n\r\n"
    yield "huge-line", b"GET /" + b"a" * 8300 + b" HTTP/1.1\r\n\r\n"
    yield "tls", bytes.fromhex("16030100a5010000a10303")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "fuzz", "corpus")
    targets = {"fuzz_region_parse": region_seeds, "fuzz_pe_image": pe_seeds,
               "fuzz_protocol_codec": protocol_seeds, "fuzz_pipe_name": pipe_name_seeds,
               "fuzz_escape": escape_seeds, "fuzz_http_request": http_seeds,
               "fuzz_pe_symbols": pe_symbols_seeds, "fuzz_function_table": function_table_seeds,
               "fuzz_demangle": demangle_seeds, "fuzz_saved_parse": saved_seeds,
               "fuzz_csv_field": csv_field_seeds, "fuzz_lcov": lcov_seeds}
    for target, seeds in targets.items():
        d = os.path.join(out, target)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
