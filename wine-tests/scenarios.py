"""Every scenario, as data. The driver (run.py) runs each once per mode.

Adding a scenario means adding a row here. The exit-path matrix is generated:
every exit path of cases/shutdown.py crossed with every mode that exists.
`iterations` is what a case repeats in one run (printed with its result);
race scenarios repeat at least 100 times.

MUTANTS lists deliberately wrong builds of the scenario programs and the
scenarios that must catch each: every mutant has to fail at least one of
them (expected failure), or the run fails, because a suite that passes a
wrong runtime proves nothing.
"""

from dataclasses import dataclass, field
from typing import Callable

from cases import dist_zip, foundation, i686, leaks, pipe, shutdown

MODES = ("threadpool", "threadless")


@dataclass
class Scenario:
    name: str
    case: Callable
    modes: tuple = MODES
    iterations: int = 1
    timeout: int = 120          # hard deadline, seconds; its end kills the process trees
    params: dict = field(default_factory=dict)
    mutant_timeout: int = 30    # deadline against a mutant: a hang there is the expected end


@dataclass
class Mutant:
    name: str
    directory: str   # under build/<arch>/, built by wine-tests/module.mk
    what: str
    scenarios: tuple  # names; at least one must fail against this mutant


# Iterations per exit path: races repeat 100 times; the contended-loader case
# costs ~0.15 s a round, so it repeats 100 times too, within its timeout.
EXIT_PATH_ITERATIONS = {
    "free-library": 100,
    "exit-process-main": 100,
    "exit-process-thread": 100,
    "return-from-main": 100,
    "exit-in-dll-call": 100,
    "terminate-process": 100,
    "unload-during-request": 100,
    "unload-stalled-client": 100,
    "unload-and-reload": 100,
    "unload-pending-work": 100,
    "unload-contended-loader": 100,
}



def _exit_path_matrix():
    rows = []
    for path, (case, params) in shutdown.exit_paths().items():
        iterations = EXIT_PATH_ITERATIONS[path]
        rows.append(Scenario(name=f"exit:{path}", case=case, iterations=iterations,
                             timeout=300, params=dict(params, rounds=iterations)))
    return rows


SCENARIOS = [
    # Issue 2: the first end-to-end path.
    Scenario("two-dlls-exact", foundation.two_dlls_exact),
    Scenario("many-threads-exact", foundation.many_threads_exact, iterations=5,
             params={"rounds": 5}),
    Scenario("unload-unlisted", foundation.unload_unlisted),
    Scenario("killed-mid-read", foundation.killed_mid_read, iterations=10,
             params={"rounds": 10}),
    Scenario("not-instrumented", foundation.not_instrumented, modes=(None,)),
    Scenario("unknown-mode", foundation.unknown_mode, modes=(None,)),
    Scenario("corrupt-region", foundation.corrupt_region, modes=("threadless",),
             iterations=len(foundation.CORRUPTIONS)),
    # Issue 3: the worker, its pipe, and its neighbours.
    Scenario("three-modules", pipe.three_modules, modes=("threadpool",)),
    Scenario("malformed-messages", pipe.malformed, modes=("threadpool",)),
    Scenario("pipe-fuzz", pipe.fuzz, modes=("threadpool",), iterations=300,
             params={"rounds": 300}, timeout=300),
    Scenario("pipe-squatted", pipe.squatted, modes=("threadpool",)),
    Scenario("reset", pipe.reset_counters, modes=("threadpool",)),
    # Issue 9 defect 5: more names than one pipe snapshot carries.
    Scenario("pipe-many-counters", pipe.many_counters, modes=("threadpool",)),
    Scenario("cycles-with-inspector", leaks.cycles_with_inspector, iterations=500,
             params={"cycles": 500, "query_every": 10}, timeout=300),
    # Issue 4: every exit path in every mode, then leak accounting.
    *_exit_path_matrix(),
    Scenario("leak-10000-cycles", leaks.leak_cycles, iterations=10000,
             params={"cycles": 10000}, timeout=600),
    # Issue 5: the release zip, and a 32-bit target.
    Scenario("dist-zip", dist_zip.run, modes=(None,), timeout=300),
    Scenario("i686-target", i686.run, modes=(None,), timeout=120),
]

MUTANTS = [
    Mutant("terminate-thread", "scenarios-wrong",
           "the worker is a plain thread, stopped with TerminateThread on unload",
           ("exit:free-library", "exit:exit-process-thread", "exit:unload-pending-work",
            "exit:unload-during-request", "exit:unload-and-reload", "cycles-with-inspector")),
    Mutant("no-cancel", "scenarios-nocancel",
           "unload waits for the work item without cancelling a pending callback",
           ("exit:unload-pending-work",)),
    Mutant("loader-lock", "scenarios-loaderlock",
           "the worker takes the loader lock (LoadLibrary) each time it wakes",
           ("exit:free-library",)),
    Mutant("exit-wait", "scenarios-exitwait",
           "process exit is handled like an unload: it signals and waits for the worker",
           ("exit:exit-process-main", "exit:exit-process-thread", "exit:return-from-main")),
]
