"""The compiler drivers' own guarantees (toolchain/wst-cc, wst-c++).

cxx-template-probe: a probe written directly in a function template's body
(wine-tests/hosts/wst_cxx_template.cpp). g++ before 14 ignores the section
of a static in a template's instantiation, so such a probe would count
nothing, silently (docs/region.md, "C++"); wst-c++ must then refuse the
build and name each function and the fix. g++ 14 and later keep the
section, and the probe must count. The compiler's major version decides
which of the two is asserted; exactly one is, on every compiler:

- before 14: the compile (-c) and the link both fail naming tpl_twice<int>
  and tpl_twice<double> and the fix, and leave no output. Two controls make
  the failure mean something: with WST_ALLOW_DROPPED_PROBES=1 the program
  builds and its dump really lacks the probe, and the fixed source
  (-DWST_TPL_FIXED, the probe in a non-template inline function) builds and
  counts exactly;
- 14 and later: the build succeeds and the dump counts every call, the time
  scope included.

The program is built while the scenario runs, with the source tree's
wst-c++ and runtime: on native Windows (no cross compiler) it skips.
"""

import re
import subprocess

ARCH = "x86_64"
N = 9  # calls of each instantiation: the counter is 2N
SOURCE = "wine-tests/hosts/wst_cxx_template.cpp"
FUNCTIONS = ("tpl_twice<int>(int)", "tpl_twice<double>(double)")
FIX = "fix: move the probe into a non-template (inline) function"


def gxx_major(ctx):
    gxx = f"{ARCH}-w64-mingw32-g++"
    try:
        out = subprocess.run([gxx, "-dumpversion"], capture_output=True, text=True,
                             timeout=60).stdout.strip()
    except OSError as e:
        ctx.require(False, f"{gxx}: {e}")
    m = re.match(r"(\d+)", out)
    ctx.require(m, f"{gxx} -dumpversion said {out!r}")
    return int(m.group(1)), out


def wst_cxx(ctx, work, *args, env=None):
    """Runs the source tree's wst-c++ in work/: (rc, stderr)."""
    lib = ctx.build / ARCH / "lib"
    argv = ["bash", str(ctx.root / "toolchain" / "wst-c++"), f"--wst-arch={ARCH}",
            "-std=c++17", "-O2", "-Wall", "-Wextra", "-Werror", *args,
            str(ctx.root / SOURCE), f"-L{lib}"]
    p = subprocess.run(argv, cwd=str(work), capture_output=True, text=True,
                       timeout=ctx.bounded(300), env=ctx.platform.env(env or {}))
    return p.returncode, p.stderr


def counted(ctx, exe):
    """Runs exe N, and returns its module's {name: counter} from `dump --json`."""
    proc = ctx.spawn(exe, str(N), cwd=exe.parent)
    pid = proc.expect(r"^ready (\d+)").group(1)
    dump = ctx.inspect_json("dump", pid)
    proc.send("quit")
    rc = proc.wait(timeout=30)
    ctx.check(rc == 0, f"{exe.name} exited {rc}")
    mods = [m for m in dump["modules"] if m["name"].lower() == exe.name.lower()]
    ctx.require(len(mods) == 1, f"dump lists {exe.name} {len(mods)} times: "
                f"{[m['name'] for m in dump['modules']]}")
    return {c["name"]: c for c in mods[0].get("counters", [])}


def refused(ctx, work, major, version):
    """g++ before 14: wst-c++ refuses the template probe; the controls."""
    for what, args, out in (("compile (-c)", ("-c", "-o", "tpl.o"), "tpl.o"),
                            ("link", ("-o", "tpl.exe"), "tpl.exe")):
        rc, err = wst_cxx(ctx, work, *args)
        lines = err.strip().splitlines()
        ctx.note(f"wst-c++ {what}", lines[:1] + [f"... {len(lines)} lines"])
        ctx.check(rc != 0, f"g++ {version}: wst-c++'s {what} of a template probe succeeded "
                  f"(the probe counts nothing): {err.strip()[-400:]}")
        for fn in FUNCTIONS:
            ctx.check(re.search(r"error: .*a probe \(WST_COUNT[^)]*\) in %s was dropped"
                                % re.escape(fn), err),
                      f"g++ {version}: wst-c++'s {what} did not name {fn}: {err.strip()[-400:]}")
        ctx.check(FIX in err, f"g++ {version}: wst-c++'s {what} did not say the fix")
        ctx.check(not (work / out).exists(), f"wst-c++'s failed {what} left {out} behind")
    # Control 1: the drop is real. Allowed through, the probe is not in the dump.
    rc, err = wst_cxx(ctx, work, "-o", "allowed.exe", env={"WST_ALLOW_DROPPED_PROBES": "1"})
    ctx.require(rc == 0, f"WST_ALLOW_DROPPED_PROBES=1: the build failed: {err.strip()[-400:]}")
    ctx.check("warning: " in err and FIX in err,
              f"WST_ALLOW_DROPPED_PROBES=1: no warning: {err.strip()[-400:]}")
    got = counted(ctx, work / "allowed.exe")
    ctx.check("cxx_tpl_calls" not in got,
              f"g++ {version} kept the template's probe ({got.get('cxx_tpl_calls')}): "
              "wst-c++ refused a build that would have counted")
    # Control 2: the fix that wst-c++ prints builds and counts.
    rc, err = wst_cxx(ctx, work, "-DWST_TPL_FIXED", "-o", "fixed.exe")
    ctx.require(rc == 0, f"the fixed source did not build: {err.strip()[-400:]}")
    got = counted(ctx, work / "fixed.exe")
    ctx.check(got.get("cxx_tpl_calls", {}).get("value") == 2 * N,
              f"fixed: cxx_tpl_calls = {got.get('cxx_tpl_calls')}, want {2 * N}")


def counts(ctx, work, version):
    """g++ 14 and later: the template's probes count."""
    rc, err = wst_cxx(ctx, work, "-o", "tpl.exe")
    ctx.require(rc == 0, f"g++ {version}: wst-c++ refused a template probe: {err.strip()[-600:]}")
    got = counted(ctx, work / "tpl.exe")
    ctx.check(got.get("cxx_tpl_calls", {}).get("value") == 2 * N,
              f"g++ {version}: cxx_tpl_calls = {got.get('cxx_tpl_calls')}, want {2 * N}")
    ctx.check(got.get("cxx_tpl_time", {}).get("count") == 2 * N,
              f"g++ {version}: cxx_tpl_time = {got.get('cxx_tpl_time')}, want {2 * N} records")


def template_probe(ctx):
    if ctx.native:
        ctx.skip("wst-c++ is a bash script for the Linux cross toolchain")
    major, version = gxx_major(ctx)
    ctx.note("g++", version)
    work = ctx.tmpdir()
    if major < 14:
        refused(ctx, work, major, version)
    else:
        counts(ctx, work, version)
