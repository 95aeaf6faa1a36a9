#!/usr/bin/env python3
"""winstrument's scenario driver: real processes, real loader, real inspector.

    python3 wine-tests/run.py [--build DIR] [--arch ARCH] [--native] [-k PATTERN]...
                              [--list] [--no-mutants] [--repeat N] [--stress]

Under Linux every program runs under Wine with a project-local prefix
(BUILD/wineprefix); with --native (on Windows) programs run directly. Each
scenario in wine-tests/scenarios.py runs once per mode, with a hard deadline
that kills its process trees; a hang is a failure. The last line reads
"N passed, N failed, N skipped"; the exit code is non-zero on any failure.
A JSON report goes to BUILD/scenario-report.json.

--repeat N runs the whole selection N times in one run (every outcome
counts). --stress keeps every CPU busy with a background load that the
driver starts and stops itself: no verdict may depend on the machine's
speed, and this is how that is shown.
"""

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scenarios import MUTANTS, SCENARIOS  # noqa: E402
from wstdriver.load import BackgroundLoad  # noqa: E402
from wstdriver.platform import NativePlatform, PlatformError, WinePlatform  # noqa: E402
from wstdriver.runner import Runner  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build", help="build directory (default: build)")
    ap.add_argument("--arch", default="x86_64", help="scenario programs' architecture")
    ap.add_argument("--native", action="store_true", help="run programs directly (Windows)")
    ap.add_argument("-k", dest="patterns", action="append", metavar="PATTERN",
                    help="only scenarios whose name contains PATTERN (repeat -k for any of several)")
    ap.add_argument("--list", action="store_true", help="list the scenarios and exit")
    ap.add_argument("--no-mutants", action="store_true",
                    help="skip the runs against deliberately wrong runtimes")
    ap.add_argument("--repeat", type=int, default=1, metavar="N",
                    help="run the selection N times (default 1)")
    ap.add_argument("--stress", action="store_true",
                    help="run under a background load that keeps every CPU busy")
    args = ap.parse_args()

    selected = [s for s in SCENARIOS
                if not args.patterns or any(p in s.name for p in args.patterns)]
    if args.list:
        for s in selected:
            modes = ",".join(m or "-" for m in s.modes)
            print(f"{s.name:34} modes={modes:22} iterations={s.iterations:<6} deadline={s.deadline:.0f}s")
        for m in MUTANTS:
            print(f"mutant {m.name}: {m.what}; caught by one of {', '.join(m.scenarios)}")
        return 0

    build = Path(args.build).resolve()
    platform = NativePlatform() if args.native else WinePlatform(build)
    reason = platform.setup()
    runner = Runner(platform, HERE.parent, build, args.arch,
                    out=lambda line: print(line, flush=True))
    load = BackgroundLoad() if args.stress else None
    try:
        if reason is not None:
            print(f"cannot run scenarios: {reason}")
            print("0 passed, 1 failed, 0 skipped")
            return 1
        if load is not None:
            load.start()
        print(f"running {len(selected)} scenarios on {platform.name}, build {build}"
              + (f", {args.repeat} times" if args.repeat > 1 else "")
              + (f", under {load}" if load else ""), flush=True)
        for notice in platform.notices:
            print(notice, flush=True)
        for repetition in range(args.repeat):
            runner.repetition = repetition
            run_selection(runner, platform, selected, with_mutants=not args.no_mutants)
        ok = runner.summary(build / "scenario-report.json")
    except PlatformError as e:
        # Going on would run every scenario at many times its cost, or hang.
        print(f"cannot go on: {e}")
        print(f"{runner.counts()[0]} passed, {runner.counts()[1] + 1} failed, "
              f"{runner.counts()[2]} skipped")
        return 1
    finally:
        if load is not None:
            load.stop()
        platform.teardown()
    return 0 if ok else 1


def run_selection(runner, platform, selected, with_mutants):
    for scenario in selected:
        for mode in scenario.modes:
            platform.check()
            runner.run_one(scenario, mode)
    if not with_mutants:
        return
    by_name = {s.name: s for s in selected}
    for mutant in MUTANTS:
        for name in mutant.scenarios:
            if name in by_name:
                platform.check()
                runner.run_one(by_name[name], mutant.mode, mutant=mutant)

if __name__ == "__main__":
    try:
        rc = main()
        sys.stdout.flush()  # here, so that a closed pipe is caught below
        sys.exit(rc)
    except BrokenPipeError:
        # A reader that stopped early (`run.py --list | head`) is not an
        # error: say nothing more, and keep Python from complaining at exit
        # when it flushes stdout into the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
