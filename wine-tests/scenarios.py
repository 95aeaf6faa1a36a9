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

from cases import coverage, dist, dist_zip, functions, helper, hostile, i686, leaks, \
    on_demand, pipe, reading, save, serve, shutdown, small_things, sqlite, toolchain, watch
from cases.common import WORKER_MODES  # the modes whose worker serves a pipe

MODES = ("threadpool", "threadless", "helper")


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
    mode: str = "threadpool"  # the WINSTRUMENT_MODE its scenarios run in


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
    Scenario("corrupt-line-via-pipe", reading.corrupt_line_via_pipe, modes=WORKER_MODES),
    Scenario("corrupt-region", reading.corrupt_region, modes=("threadless",),
             iterations=len(reading.CORRUPTIONS), per_iteration=10),
    # The worker, its pipe, and its neighbours.
    Scenario("three-modules", pipe.three_modules, modes=WORKER_MODES),
    Scenario("malformed-messages", pipe.malformed, modes=WORKER_MODES),
    Scenario("pipe-fuzz", pipe.fuzz, modes=WORKER_MODES, iterations=300,
             per_iteration=1),
    Scenario("pipe-squatted", pipe.squatted, modes=WORKER_MODES),
    # No output from the worker or under the loader lock.
    Scenario("stderr-full-squatted", shutdown.stderr_full_squatted, modes=WORKER_MODES),
    Scenario("reset", pipe.reset_counters, modes=WORKER_MODES),
    Scenario("stripe-stats", pipe.stripe_stats, modes=WORKER_MODES),
    # More names than one pipe snapshot carries.
    Scenario("pipe-many-counters", pipe.many_counters, modes=WORKER_MODES),
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
    # WINSTRUMENT_SAVE: the file each module writes when it ends, read offline.
    Scenario("save-each-ending", save.end_each_way, timeout=240),
    Scenario("save-merge", save.merge_two_runs, timeout=180),
    Scenario("save-builds-refused", save.builds_refused, modes=("threadpool",)),
    Scenario("save-refused-targets", save.refused_targets, timeout=180),
    Scenario("save-functions", save.functions_merged, modes=("threadpool",)),
    Scenario("save-distributions", save.distributions_merged, modes=("threadpool",)),
    Scenario("leak-10000-cycles", leaks.leak_cycles, iterations=10000,
             per_iteration=0.05),
    # The release zip, and a 32-bit target.
    Scenario("dist-zip", dist_zip.run, modes=(None,), timeout=300),
    Scenario("i686-target", i686.run, modes=(None,), timeout=120),
    # Time scopes, distributions and gauges.
    Scenario("dist-timing", dist.timing, iterations=200, per_iteration=0.5),
    Scenario("dist-timing-qpc", dist.timing, iterations=200, per_iteration=0.5,
             params={"clock": "qpc"}),
    Scenario("dist-gauges", dist.gauges, iterations=2000, per_iteration=0.01),
    Scenario("dist-scope-at-unload", dist.scope_at_unload),
    Scenario("dist-cxx", dist.cxx, iterations=200, per_iteration=0.2),
    # wst-c++: probes in templates, inline and static functions of two units.
    Scenario("cxx-template-probe", toolchain.template_probe, modes=(None,), timeout=300),
    Scenario("cxx-two-units", toolchain.two_units, modes=(None,), timeout=300),
    Scenario("cxx-lost-probe", toolchain.lost_probe, modes=(None,), timeout=300),
    # Names hostile to a terminal, in text and JSON.
    Scenario("hostile-names", hostile.run),
    # watch, and the metrics endpoint with real HTTP clients and Prometheus.
    Scenario("serve-metrics", serve.serve_metrics),
    Scenario("serve-bounds", serve.serve_bounds, modes=("threadless",)),
    Scenario("serve-silent-flood", serve.serve_silent_flood, modes=("threadless",)),
    Scenario("prometheus-scrape", serve.prometheus_scrape, modes=("threadpool",), timeout=180),
    Scenario("watch-rates", watch.watch_rates),
    Scenario("watch-reset", watch.watch_reset, modes=WORKER_MODES),
    Scenario("watch-distributions", watch.watch_distributions),
    Scenario("serve-kinds", serve.serve_kinds),
    Scenario("inspector-small-things", small_things.small_things, modes=WORKER_MODES),
    # Helper mode's own: finding wsthelper.dll, its fallback, a first hit
    # under the loader lock, and a reload while the old helper thread leaves.
    Scenario("helper-missing", helper.missing, modes=("helper",)),
    Scenario("helper-wrong-version", helper.wrong_version, modes=("helper",)),
    Scenario("helper-first-hit-in-dllmain", helper.first_hit_in_dllmain, modes=("helper",),
             iterations=10, per_iteration=10),
    Scenario("helper-unload-serving-reload", helper.unload_serving_reload, modes=("helper",),
             iterations=20, per_iteration=5),
    # Function instrumentation (wst-cc --wst-functions) and `functions`.
    Scenario("functions-counts", functions.counts, iterations=20000, per_iteration=0.001),
    Scenario("functions-sibling-calls", functions.sibling_calls, iterations=1000,
             per_iteration=0.001),
    Scenario("functions-unwind", functions.unwind, iterations=100, per_iteration=0.05),
    # A symbol whose demangling explodes (issue 23 F1): bounded, marked.
    Scenario("functions-hostile-name", functions.hostile_name, iterations=10),
    Scenario("functions-overflow", functions.overflow, iterations=3, per_iteration=2),
    Scenario("functions-unload", functions.unload, iterations=1000, per_iteration=0.01),
    Scenario("functions-symbols", functions.symbols, iterations=10),
    Scenario("functions-inline", functions.inline, iterations=2000, per_iteration=0.01),
    Scenario("functions-reset", functions.reset, modes=WORKER_MODES, iterations=1000,
             per_iteration=0.001),
    Scenario("functions-surfaces", functions.surfaces, iterations=10),
    Scenario("functions-sort-untimed", functions.sort_untimed, iterations=10),
    Scenario("functions-closed-pipe", functions.closed_pipe, modes=(None,), iterations=1),
    Scenario("functions-text", functions.text_columns, iterations=100),
    Scenario("functions-serve", functions.serve_functions, modes=("threadpool",), iterations=100),
    Scenario("functions-watch", functions.watch_functions, modes=("threadpool",),
             iterations=1000),
    Scenario("functions-inline-i686", functions.inline_i686, modes=(None,), iterations=2000,
             per_iteration=0.01),
    # Coverage export read by the real genhtml and a strict drcov reader; a
    # real library (zlib) built unmodified and read live.
    Scenario("coverage-lcov", coverage.coverage_lcov),
    Scenario("coverage-drcov", coverage.coverage_drcov),
    Scenario("zlib-live", coverage.zlib_live, modes=(None,), timeout=180),
    Scenario("zlib-builtin-hint", coverage.zlib_builtin_hint, modes=(None,)),
    # A second real library: SQLite built unmodified by its own configure and
    # make; wst_sqlite_host.exe inserts `iterations` rows through its API.
    Scenario("sqlite-live", sqlite.sqlite_live, modes=(None,), iterations=20000),
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
    Mutant("fn-no-repair", "scenarios-fn-no-repair",
           "the function hooks never drop frames by their stack address (longjmp, SEH)",
           ("functions-unwind",)),
    Mutant("fn-key-only", "scenarios-fn-key-only",
           "the function hooks tell frames apart by stack address alone, so an inlined "
           "copy's entry drops its caller's frame",
           ("functions-inline", "sqlite-live")),
    # Helper mode's: the test DLLs and runtime are the real ones, the
    # wsthelper.dll beside them is not (wine-tests/module.mk).
    Mutant("helper-exit-thread", "scenarios-helper-exit-thread",
           "the helper thread leaves through ExitThread, so wsthelper.dll never unloads",
           ("exit:free-library", "leak-10000-cycles"), mode="helper"),
    Mutant("helper-late-touch", "scenarios-helper-late-touch",
           "the helper thread writes to the module's region after the unload returned",
           ("helper-unload-serving-reload",), mode="helper"),
]
