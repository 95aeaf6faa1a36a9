"""Runs scenarios, keeps their outcomes, prints the summary and the JSON report.

A scenario runs once per mode. Its outcome is PASS, FAIL (with the reasons)
or SKIPPED (with the reason; never counted as passed). Then each mutant (a
deliberately wrong build of the scenario programs, scenarios.MUTANTS) runs
the scenarios meant to catch it: there a failure is the expected result
(XFAIL). A mutant that passes all of them is a failure of the suite, and so
counts as one failed test; a mutant caught counts as one passed test.
"""

import json
import statistics
import time
import traceback

from .context import Context, Failure, ProgramError, Skip


class Outcome:
    def __init__(self, scenario, mode, mutant, repetition):
        self.scenario, self.mode, self.mutant = scenario, mode, mutant
        self.repetition = repetition
        self.status = None
        self.detail = []
        self.seconds = 0.0
        self.iterations = scenario.iterations
        self.hangs = 0
        self.leaks = 0
        self.notes = {}

    @property
    def key(self):
        return self.scenario.name + (f" (mutant {self.mutant.name})" if self.mutant else "")

    @property
    def label(self):
        return f"{self.scenario.name} [{self.mode or '-'}]" + (
            f" (mutant {self.mutant.name})" if self.mutant else "")

    def as_json(self):
        return {"scenario": self.scenario.name, "mode": self.mode,
                "mutant": self.mutant.name if self.mutant else None,
                "repetition": self.repetition,
                "status": self.status, "seconds": round(self.seconds, 3),
                "iterations": self.iterations, "hangs": self.hangs, "leaks": self.leaks,
                "detail": self.detail, "notes": self.notes}


class Runner:
    def __init__(self, platform, root, build, arch, out=print):
        self.platform, self.root, self.build, self.arch = platform, root, build, arch
        self.out = out
        self.outcomes = []
        self.repetition = 0  # which pass of `run.py --repeat` runs now

    def run_one(self, scenario, mode, mutant=None):
        outcome = Outcome(scenario, mode, mutant, self.repetition)
        start = time.monotonic()
        ctx = Context(self.platform, self.root, self.build, self.arch, scenario, mode,
                      deadline=start + scenario.deadline,
                      runtime=mutant.directory if mutant else "scenarios")
        driver_error = False
        try:
            if mutant and not (self.build / self.arch / mutant.directory).is_dir():
                ctx.skip(f"mutant {mutant.name}: {mutant.directory} was not built")
            scenario.case(ctx, **scenario.arguments())
            outcome.status = "FAIL" if ctx.failures else "PASS"
        except Skip as e:
            outcome.status = "SKIPPED"
            outcome.detail.append(str(e))
        except ProgramError as e:
            outcome.status = "FAIL"
            driver_error = True  # for a mutant: not a catch
            ctx.failures.append(str(e))
        except Failure as e:  # Hang included: ctx counted it already
            outcome.status = "FAIL"
            ctx.failures.append(str(e))
        except Exception:  # a bug in the case itself is a failure, never a pass
            outcome.status = "FAIL"
            driver_error = True
            ctx.failures.append("driver error:\n" + traceback.format_exc())
        finally:
            ctx.close()
        outcome.seconds = time.monotonic() - start
        outcome.detail.extend(ctx.failures)
        outcome.iterations, outcome.hangs, outcome.leaks = ctx.iterations, ctx.hangs, ctx.leaks
        outcome.notes = ctx.notes
        if mutant and outcome.status != "SKIPPED":
            # A mutant is caught by a check or a deadline, never by a driver
            # error (a missing program, a bug in the case) nor by a program's
            # own "error" line (a DLL that would not load): those prove nothing.
            caught = outcome.status == "FAIL" and not driver_error
            outcome.status = "XFAIL" if caught else "XPASS"
        self.outcomes.append(outcome)
        self._print(outcome)
        return outcome

    def _print(self, o):
        figures = " ".join(f"{k}={v}" for k, v in o.notes.items())
        self.out(f"{o.status:7} {o.label}  iterations={o.iterations}  {o.seconds:.1f}s"
                 + (f"  {figures}" if figures else ""))
        limit = 2 if o.mutant else 20
        for line in o.detail[:limit]:
            for part in str(line).splitlines()[:30]:
                self.out(f"          {part[:400]}")

    def mutant_verdicts(self):
        """{(mutant name, repetition): (mutant, caught, ran)} for every mutant
        that ran: one verdict per pass, so a repeated run must catch each
        mutant in every pass."""
        verdicts = {}
        for o in self.outcomes:
            if o.mutant is None or o.status == "SKIPPED":
                continue
            key = (o.mutant.name, o.repetition)
            m, caught, ran = verdicts.get(key, (o.mutant, 0, 0))
            verdicts[key] = (m, caught + (o.status == "XFAIL"), ran + 1)
        return verdicts

    def counts(self):
        plain = [o for o in self.outcomes if o.mutant is None]
        passed = sum(o.status == "PASS" for o in plain)
        failed = sum(o.status == "FAIL" for o in plain)
        skipped = sum(o.status == "SKIPPED" for o in plain)
        for _, caught, _ in self.mutant_verdicts().values():
            passed, failed = (passed + 1, failed) if caught else (passed, failed + 1)
        return passed, failed, skipped

    def summary(self, report_path):
        self.out("")
        self.out(f"{'scenario':44} {'modes':22} {'runs':>4} {'iterations':>10} {'hangs':>5} "
                 f"{'leaks':>5} {'s median':>8} {'s max':>7}  result")
        rows = {}
        for o in self.outcomes:
            rows.setdefault(o.key, []).append(o)
        for key, outs in rows.items():
            modes = ",".join(dict.fromkeys(o.mode or "-" for o in outs))
            statuses = "/".join(sorted({o.status for o in outs}))
            seconds = sorted(o.seconds for o in outs)
            self.out(f"{key[:44]:44} {modes[:22]:22} {len(outs):>4} "
                     f"{sum(o.iterations for o in outs):>10} {sum(o.hangs for o in outs):>5} "
                     f"{sum(o.leaks for o in outs):>5} {statistics.median(seconds):>8.1f} "
                     f"{seconds[-1]:>7.1f}  {statuses}")
        verdicts = self.mutant_verdicts()
        if verdicts:
            self.out("")
        for (name, repetition), (mutant, caught, ran) in verdicts.items():
            if self.repetition > 0:
                name = f"{name} (pass {repetition + 1})"
            if caught:
                self.out(f"mutant {name} ({mutant.what}): caught by {caught} of {ran} "
                         "scenarios (expected failures)")
            else:
                self.out(f"mutant {name} ({mutant.what}): passed all {ran} scenarios: "
                         "the suite has lost its teeth")
        passed, failed, skipped = self.counts()
        report = {"platform": self.platform.name, "arch": self.arch,
                  "passed": passed, "failed": failed, "skipped": skipped,
                  "hangs": sum(o.hangs for o in self.outcomes if o.mutant is None),
                  "leaks": sum(o.leaks for o in self.outcomes if o.mutant is None),
                  "mutants": [{"name": name, "pass": repetition + 1, "what": m.what,
                               "caught": caught, "ran": ran}
                              for (name, repetition), (m, caught, ran) in verdicts.items()],
                  "outcomes": [o.as_json() for o in self.outcomes]}
        report_path.parent.mkdir(parents=True, exist_ok=True)
        report_path.write_text(json.dumps(report, indent=2) + "\n")
        self.out(f"report: {report_path}")
        self.out(f"{passed} passed, {failed} failed, {skipped} skipped")
        return failed == 0
