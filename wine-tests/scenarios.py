"""Every scenario, as data. The driver (run.py) runs each once per mode.

Adding a scenario means adding a row here. The exit-path matrix is generated:
every exit path of cases/shutdown.py crossed with every mode that exists.
`iterations` is what a case repeats in one run (printed with its result); a
case that repeats takes a `rounds` argument, and the runner passes it the
scenario's iterations, so the number is written once. Race scenarios repeat
at least 100 times.

MUTANTS lists deliberately wrong builds of the scenario programs and the
scenarios that must catch each: every mutant has to fail at least one of
them (expected failure), or the run fails, because a suite that passes a
wrong build proves nothing.
"""

import inspect
from dataclasses import dataclass, field
from typing import Callable

from cases import dist, dist_zip, fleet, hostile, i686, leaks, on_demand, pipe, reading, shutdown

MODES = ("threadpool", "threadless")


@dataclass
class Scenario:
    name: str
    case: Callable
    modes: tuple = MODES
    iterations: int = 1
    # The hard deadline, whose end kills the process trees, grows with the
    # work: `timeout` seconds plus `per_iteration` for each iteration. Both
    # are many times what a slow, busy machine needs; a hang is caught sooner
    # by a program's silence (wstdriver.context.SILENCE), against the correct
    # runtime and the mutants alike.
    timeout: int = 120
    params: dict = field(default_factory=dict)
    per_iteration: float = 0.0

    @property
    def deadline(self):
        return self.timeout + self.per_iteration * self.iterations

    def arguments(self):
        """The case's keyword arguments: params, and rounds=iterations for a
        case that repeats."""
        takes_rounds = "rounds" in inspect.signature(self.case).parameters
        return dict(self.params, **({"rounds": self.iterations} if takes_rounds else {}))


@dataclass
class Mutant:
    name: str
    directory: str   # under build/<arch>/, built by wine-tests/module.mk
    what: str
    scenarios: tuple  # names; at least one must fail against this mutant


def _exit_path_matrix():
    return [Scenario(name=f"exit:{path}", case=case, iterations=iterations, per_iteration=3,
                     params=params)
            for path, (case, params, iterations) in shutdown.exit_paths().items()]


SCENARIOS = [
    # The inspector reads what the targets counted, and refuses what it must.
    Scenario("two-dlls-exact", reading.two_dlls_exact),
    Scenario("many-threads-exact", reading.many_threads_exact, iterations=5,
             per_iteration=10),
    Scenario("unload-unlisted", reading.unload_unlisted),
    Scenario("killed-mid-read", reading.killed_mid_read, iterations=10,
             per_iteration=10),
    Scenario("not-instrumented", reading.not_instrumented, modes=(None,)),
    Scenario("unknown-mode", reading.unknown_mode, modes=(None,)),
    Scenario("no-worker-advice", reading.no_worker_advice, modes=("threadless",)),
    Scenario("corrupt-line-via-pipe", reading.corrupt_line_via_pipe, modes=("threadpool",)),
    Scenario("corrupt-region", reading.corrupt_region, modes=("threadless",),
             iterations=len(reading.CORRUPTIONS), per_iteration=10),
    # The worker, its pipe, and its neighbours.
    Scenario("three-modules", pipe.three_modules, modes=("threadpool",)),
    Scenario("malformed-messages", pipe.malformed, modes=("threadpool",)),
    Scenario("pipe-fuzz", pipe.fuzz, modes=("threadpool",), iterations=300,
             per_iteration=1),
    Scenario("pipe-squatted", pipe.squatted, modes=("threadpool",)),
    # No output from the worker or under the loader lock.
    Scenario("stderr-full-squatted", shutdown.stderr_full_squatted, modes=("threadpool",)),
    Scenario("reset", pipe.reset_counters, modes=("threadpool",)),
    Scenario("stripe-stats", pipe.stripe_stats, modes=("threadpool",)),
    # More names than one pipe snapshot carries.
    Scenario("pipe-many-counters", pipe.many_counters, modes=("threadpool",)),
    # The on-demand worker: started by a request, stopped when idle, and its
    # trigger's security (a storm, an unload racing a signal).
    Scenario("on-demand-never-hit", on_demand.never_hit_control, modes=("threadpool",)),
    Scenario("on-demand-idle-restart", on_demand.idle_restart, modes=("threadpool",),
             timeout=180),
    Scenario("on-demand-unload-races-trigger", on_demand.unload_races_trigger,
             modes=("threadpool",), iterations=200, per_iteration=0.5),
    Scenario("on-demand-signal-storm", on_demand.signal_storm, modes=("threadpool",),
             timeout=180),
    Scenario("on-demand-trigger-security", on_demand.trigger_security, modes=("threadpool",)),
    Scenario("cycles-with-inspector", leaks.cycles_with_inspector, iterations=500,
             params={"query_every": 10}, per_iteration=0.5),
    # Every exit path in every mode, then leak accounting.
    *_exit_path_matrix(),
    Scenario("leak-10000-cycles", leaks.leak_cycles, iterations=10000,
             per_iteration=0.05),
    # The release zip, and a 32-bit target.
    Scenario("dist-zip", dist_zip.run, modes=(None,), timeout=300),
    Scenario("i686-target", i686.run, modes=(None,), timeout=120),
    # Time scopes, distributions and gauges.
    Scenario("dist-timing", dist.timing, iterations=200, per_iteration=0.5),
    Scenario("dist-gauges", dist.gauges, iterations=2000, per_iteration=0.01),
    Scenario("dist-scope-at-unload", dist.scope_at_unload),
    Scenario("dist-cxx", dist.cxx, iterations=200, per_iteration=0.2),
    # Names hostile to a terminal, in text and JSON.
    Scenario("hostile-names", hostile.run),
    # watch, and the metrics endpoint with real HTTP clients and Prometheus.
    Scenario("serve-metrics", fleet.serve_metrics),
    Scenario("serve-bounds", fleet.serve_bounds, modes=("threadless",)),
    Scenario("prometheus-scrape", fleet.prometheus_scrape, modes=("threadpool",), timeout=180),
    Scenario("watch-rates", fleet.watch_rates),
    Scenario("watch-reset", fleet.watch_reset, modes=("threadpool",)),
    Scenario("watch-distributions", fleet.watch_distributions),
    Scenario("serve-kinds", fleet.serve_kinds),
    Scenario("inspector-small-things", fleet.small_things, modes=("threadpool",)),
]

MUTANTS = [
    Mutant("terminate-thread", "scenarios-terminate-thread",
           "the worker is a plain thread, stopped with TerminateThread on unload",
           # Not the process-exit paths: at exit no runtime calls TerminateThread,
           # so this mutant passes them (before deadlines grew with the work, a
           # slow run of exit-process-thread passed for a catch).
           ("exit:free-library", "exit:unload-pending-work", "exit:unload-during-request",
            "exit:unload-and-reload", "cycles-with-inspector")),
    Mutant("no-cancel", "scenarios-no-cancel",
           "unload waits for the worker's wait without cancelling a pending callback",
           ("exit:unload-pending-work",)),
    Mutant("loader-lock", "scenarios-loader-lock",
           "the worker takes the loader lock (LoadLibrary) each time it wakes",
           ("exit:free-library",)),
    Mutant("exit-wait", "scenarios-exit-wait",
           "process exit is handled like an unload: it signals and waits for the worker",
           ("exit:exit-process-main", "exit:exit-process-thread", "exit:return-from-main")),
]
