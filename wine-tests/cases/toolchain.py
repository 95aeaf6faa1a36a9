"""The compiler drivers' own guarantees (toolchain/wst-cc, wst-c++).

In C++ a probe's site in an inline function or a template is COMDAT data,
which the linker keeps once per section name; wst-c++ compiles each site
into ".data$<its mangled name>" and renames that to ".wst$m<the name>"
(docs/region.md, "C++"). Each program here is built while the scenario
runs, with the source tree's wst-c++ and runtime, for the run's
architecture, and read with the inspector (`dump --json`); on native
Windows (no cross compiler) they skip, and so does an i686 run without
32-bit Wine (as i686-target does; WST_REQUIRE_WINE32=1 makes it a failure).

cxx-template-probe: probes written directly in a function template's body
(wine-tests/hosts/wst_cxx_template.cpp). g++ 12 dropped their section and
g++ 14 put both instantiations' sites in one section; on every g++ the
counter and the time scope must count both instantiations, 2N, built in one
step and as -c and a link.

cxx-two-units: two translation units (wst_cxx_unit_a.cpp, wst_cxx_unit_b.cpp)
share a header's inline function and template (instantiated with different
types in each unit), and each has an inline function of its own and a
static function of the same name. Built with -c and a link, and in one
compile-and-link step; every name counts exactly (one site per inline
function and per instantiation, one per unit for the static functions).
Under the old ".wst$m<__COUNTER__>" sections the link failed (the units'
first sites shared a section name) or lost sites.

cxx-lost-probe: wst-c++'s safety net. An object compiled without wst-c++'s
renaming (the plain g++ with the header's WST_CXX_SITES_RENAMED_, so its
sites stay in .data) must make wst-c++'s link fail naming tpl_twice<int>
and tpl_twice<double> and leave no output; let through
(WST_ALLOW_DROPPED_PROBES=1), its dump really lacks the probe. And the plain
g++ without wst-c++ gets the header's warning.
"""

import os
import re
import subprocess

from . import i686

N = 9  # calls of each instantiation, rounds of cxx-two-units
TEMPLATE = "wine-tests/hosts/wst_cxx_template.cpp"
UNITS = ("wine-tests/hosts/wst_cxx_unit_a.cpp", "wine-tests/hosts/wst_cxx_unit_b.cpp")
FUNCTIONS = ("tpl_twice<int>(int)", "tpl_twice<double>(double)")
# cxx-two-units: name -> (kind, count per round); see wst_cxx_unit_b.cpp.
UNIT_COUNTS = {
    "cxx_units_a_inline": ("value", 1),
    "cxx_units_b_inline": ("value", 1),
    "cxx_units_inline": ("value", 5),
    "cxx_units_tpl": ("value", 15),
    "cxx_units_tpl_time": ("count", 15),
    "cxx_units_static": ("value", 8),
}
CXXFLAGS = ("-std=c++17", "-O2", "-Wall", "-Wextra", "-Werror")


def gxx_version(ctx):
    gxx = f"{ctx.arch}-w64-mingw32-g++"
    try:
        out = subprocess.run([gxx, "-dumpversion"], capture_output=True, text=True,
                             timeout=60).stdout.strip()
    except OSError as e:
        ctx.require(False, f"{gxx}: {e}")
    ctx.require(re.match(r"\d+", out), f"{gxx} -dumpversion said {out!r}")
    return out


def start(ctx):
    """The checks before a build: a cross compiler (not on native Windows),
    and for an i686 run 32-bit Wine (SKIPPED without it, as i686-target is,
    unless WST_REQUIRE_WINE32=1). Returns the g++ version."""
    if ctx.native:
        ctx.skip("wst-c++ is a bash script for the Linux cross toolchain")
    if ctx.arch == "i686":
        failed = i686.probe(ctx, ctx.bin("counters_host.exe", arch="i686"))
        if failed and os.environ.get("WST_REQUIRE_WINE32") == "1":
            ctx.require(False, f"WST_REQUIRE_WINE32=1 and a 32-bit program does not run: {failed}")
        if failed:
            ctx.skip(f"no 32-bit Wine: {failed}")
    version = gxx_version(ctx)
    ctx.note("g++", version)
    return version


def compile_run(ctx, work, argv, env=None):
    """Runs argv (a compiler) in work/: (rc, stderr)."""
    p = subprocess.run(argv, cwd=str(work), capture_output=True, text=True,
                       timeout=ctx.bounded(300), env=ctx.platform.env(env or {}))
    return p.returncode, p.stderr


def wst_cxx(ctx, work, *args, env=None):
    """Runs the source tree's wst-c++ in work/: (rc, stderr)."""
    lib = ctx.build / ctx.arch / "lib"
    argv = ["bash", str(ctx.root / "toolchain" / "wst-c++"), f"--wst-arch={ctx.arch}",
            *CXXFLAGS, *args, f"-L{lib}"]
    return compile_run(ctx, work, argv, env)


def src(ctx, path):
    return str(ctx.root / path)


def counted(ctx, exe, n=N):
    """Runs exe n, and returns its module's {name: counter} from `dump --json`."""
    proc = ctx.spawn(exe, str(n), cwd=exe.parent)
    pid = proc.expect(r"^ready (\d+)").group(1)
    dump = ctx.inspect_json("dump", pid)
    proc.send("quit")
    rc = proc.wait(timeout=30)
    ctx.check(rc == 0, f"{exe.name} exited {rc}")
    mods = [m for m in dump["modules"] if m["name"].lower() == exe.name.lower()]
    ctx.require(len(mods) == 1, f"dump lists {exe.name} {len(mods)} times: "
                f"{[m['name'] for m in dump['modules']]}")
    return {c["name"]: c for c in mods[0].get("counters", [])}


def template_counts(ctx, what, got, version):
    ctx.check(got.get("cxx_tpl_calls", {}).get("value") == 2 * N,
              f"g++ {version}, {what}: cxx_tpl_calls = {got.get('cxx_tpl_calls')}, want {2 * N}")
    ctx.check(got.get("cxx_tpl_time", {}).get("count") == 2 * N,
              f"g++ {version}, {what}: cxx_tpl_time = {got.get('cxx_tpl_time')}, "
              f"want {2 * N} records")


def template_probe(ctx):
    version = start(ctx)
    work = ctx.tmpdir()
    rc, err = wst_cxx(ctx, work, "-o", "tpl.exe", src(ctx, TEMPLATE))
    ctx.require(rc == 0, f"g++ {version}: wst-c++ refused a template probe: {err.strip()[-600:]}")
    template_counts(ctx, "one step", counted(ctx, work / "tpl.exe"), version)
    rc, err = wst_cxx(ctx, work, "-c", "-o", "tpl.o", src(ctx, TEMPLATE))
    ctx.require(rc == 0, f"g++ {version}: wst-c++ -c: {err.strip()[-600:]}")
    rc, err = wst_cxx(ctx, work, "-o", "tpl2.exe", "tpl.o")
    ctx.require(rc == 0, f"g++ {version}: wst-c++'s link of tpl.o: {err.strip()[-600:]}")
    template_counts(ctx, "-c and link", counted(ctx, work / "tpl2.exe"), version)


def unit_counts(ctx, what, got, version):
    for name, (field, per_round) in UNIT_COUNTS.items():
        value = got.get(name, {}).get(field)
        ctx.check(value == per_round * N,
                  f"g++ {version}, {what}: {name} {field} = {value}, want {per_round * N}")


def two_units(ctx):
    version = start(ctx)
    work = ctx.tmpdir()
    units = [src(ctx, u) for u in UNITS]
    # -c, then a link of the objects.
    for unit, obj in zip(units, ("a.o", "b.o")):
        rc, err = wst_cxx(ctx, work, "-c", unit, "-o", obj)
        ctx.require(rc == 0, f"g++ {version}: wst-c++ -c {unit}: {err.strip()[-600:]}")
    rc, err = wst_cxx(ctx, work, "-o", "units.exe", "a.o", "b.o")
    ctx.require(rc == 0, f"g++ {version}: wst-c++'s link of a.o b.o: {err.strip()[-800:]}")
    unit_counts(ctx, "-c and link", counted(ctx, work / "units.exe"), version)
    # One step: both sources compiled and linked by one wst-c++.
    rc, err = wst_cxx(ctx, work, *units, "-o", "units1.exe")
    ctx.require(rc == 0, f"g++ {version}: wst-c++'s one-step build: {err.strip()[-800:]}")
    objects = sorted(p.name for p in work.glob("*.o"))
    ctx.check(objects == ["a.o", "b.o"], f"the one-step build left objects: {objects}")
    unit_counts(ctx, "one step", counted(ctx, work / "units1.exe"), version)


def lost_probe(ctx):
    version = start(ctx)
    work = ctx.tmpdir()
    gxx = f"{ctx.arch}-w64-mingw32-g++"
    include = f"-I{ctx.root / 'include'}"
    # The plain g++ without wst-c++: the header says what it risks.
    rc, err = compile_run(ctx, work, [gxx, *CXXFLAGS, "-Wno-error=cpp", include, "-c",
                                      src(ctx, TEMPLATE), "-o", "warned.o"])
    ctx.require(rc == 0, f"plain g++: {err.strip()[-400:]}")
    ctx.check("C++ without toolchain/wst-c++" in err and "WST_CXX_COUNTER_SECTIONS" in err,
              f"plain g++: no warning from winstrument.h: {err.strip()[-400:]}")
    # An object whose sites were never renamed: wst-c++'s link must refuse it.
    rc, err = compile_run(ctx, work, [gxx, *CXXFLAGS, include, "-DWST_CXX_SITES_RENAMED_=1",
                                      "-fdata-sections", "-c", src(ctx, TEMPLATE),
                                      "-o", "unrenamed.o"])
    ctx.require(rc == 0, f"plain g++ -DWST_CXX_SITES_RENAMED_=1: {err.strip()[-400:]}")
    rc, err = wst_cxx(ctx, work, "-o", "lost.exe", "unrenamed.o")
    lines = err.strip().splitlines()
    ctx.note("wst-c++ link", lines[:1] + [f"... {len(lines)} lines"])
    ctx.check(rc != 0, f"wst-c++ linked an object whose sites are outside .wst: {err[-400:]}")
    for fn in FUNCTIONS:
        for probe in ("WST_COUNT[^)]*", "WST_TIME_SCOPE"):
            ctx.check(re.search(r"error: .*a probe \(%s\) in %s is lost" % (probe, re.escape(fn)),
                                err),
                      f"wst-c++'s link did not name {probe} in {fn}: {err.strip()[-600:]}")
    ctx.check("fix: compile every C++ source" in err, "wst-c++ did not say the fix")
    ctx.check(not (work / "lost.exe").exists(), "wst-c++'s failed link left lost.exe behind")
    # The loss is real: let through, the dump lacks the template's probes.
    rc, err = wst_cxx(ctx, work, "-o", "allowed.exe", "unrenamed.o",
                      env={"WST_ALLOW_DROPPED_PROBES": "1"})
    ctx.require(rc == 0, f"WST_ALLOW_DROPPED_PROBES=1: the link failed: {err.strip()[-400:]}")
    ctx.check("warning: " in err, f"WST_ALLOW_DROPPED_PROBES=1: no warning: {err[-400:]}")
    got = counted(ctx, work / "allowed.exe")
    ctx.check("cxx_tpl_calls" not in got and "cxx_tpl_time" not in got,
              f"the unrenamed object's probes counted ({got}): wst-c++ refused a good link")
