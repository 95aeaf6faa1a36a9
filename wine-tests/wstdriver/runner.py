"""Runs scenarios, keeps their outcomes, prints the summary and the JSON report.

A scenario runs once per mode. Its outcome is PASS, FAIL (with the reasons)
or SKIPPED (with the reason; never counted as passed). Scenarios marked
`teeth` run a second time against the deliberately wrong runtime, which stops
its worker with TerminateThread: there a failure is the expected result
(XFAIL), and if the wrong runtime passes every one of them the run fails,
because a suite that cannot catch it proves nothing.
"""

import json
import time
import traceback

from .context import Context, Failure, Hang, Skip


class Outcome:
    def __init__(self, scenario, mode, runtime):
        self.scenario, self.mode, self.runtime = scenario, mode, runtime
        self.status = None
        self.detail = []
        self.seconds = 0.0
        self.iterations = scenario.iterations
        self.hangs = 0
        self.leaks = 0
        self.notes = {}

    @property
    def label(self):
        mode = self.mode or "-"
        wrong = " (wrong runtime)" if self.runtime != "scenarios" else ""
        return f"{self.scenario.name} [{mode}]{wrong}"

    def as_json(self):
        return {"scenario": self.scenario.name, "mode": self.mode, "runtime": self.runtime,
                "status": self.status, "seconds": round(self.seconds, 3),
                "iterations": self.iterations, "hangs": self.hangs, "leaks": self.leaks,
                "detail": self.detail, "notes": self.notes}


class Runner:
    def __init__(self, platform, root, build, arch, out=print):
        self.platform, self.root, self.build, self.arch = platform, root, build, arch
        self.out = out
        self.outcomes = []

    def run_one(self, scenario, mode, runtime="scenarios"):
        outcome = Outcome(scenario, mode, runtime)
        timeout = scenario.timeout if runtime == "scenarios" else scenario.wrong_timeout
        start = time.monotonic()
        ctx = Context(self.platform, self.root, self.build, self.arch, scenario, mode,
                      deadline=start + timeout, runtime=runtime)
        try:
            scenario.case(ctx, **scenario.params)
            outcome.status = "FAIL" if ctx.failures else "PASS"
        except Skip as e:
            outcome.status = "SKIPPED"
            outcome.detail.append(str(e))
        except Hang as e:
            outcome.status = "FAIL"
            ctx.failures.append(str(e))
        except Failure as e:
            outcome.status = "FAIL"
            ctx.failures.append(str(e))
        except Exception:  # a bug in the case itself is a failure, never a pass
            outcome.status = "FAIL"
            ctx.failures.append("driver error:\n" + traceback.format_exc())
        finally:
            ctx.close()
        outcome.seconds = time.monotonic() - start
        outcome.detail.extend(ctx.failures)
        outcome.iterations, outcome.hangs, outcome.leaks = ctx.iterations, ctx.hangs, ctx.leaks
        outcome.notes = ctx.notes
        if runtime != "scenarios" and outcome.status != "SKIPPED":
            outcome.status = "XFAIL" if outcome.status == "FAIL" else "XPASS"
        self.outcomes.append(outcome)
        self._print(outcome)
        return outcome

    def _print(self, o):
        figures = " ".join(f"{k}={v}" for k, v in o.notes.items())
        self.out(f"{o.status:7} {o.label}  iterations={o.iterations}  {o.seconds:.1f}s"
                 + (f"  {figures}" if figures else ""))
        limit = 3 if o.status in ("XFAIL", "XPASS") else 20
        for line in o.detail[:limit]:
            for part in str(line).splitlines()[:30]:
                self.out(f"          {part}")

    def teeth_verdict(self):
        """None when no wrong-runtime run happened, else (caught, ran)."""
        wrong = [o for o in self.outcomes if o.runtime != "scenarios" and o.status != "SKIPPED"]
        if not wrong:
            return None
        return sum(o.status == "XFAIL" for o in wrong), len(wrong)

    def counts(self):
        right = [o for o in self.outcomes if o.runtime == "scenarios"]
        passed = sum(o.status == "PASS" for o in right)
        failed = sum(o.status == "FAIL" for o in right)
        skipped = sum(o.status == "SKIPPED" for o in right)
        verdict = self.teeth_verdict()
        if verdict is not None:
            caught, _ = verdict
            if caught > 0:
                passed += 1
            else:
                failed += 1
        return passed, failed, skipped

    def summary(self, report_path):
        self.out("")
        self.out(f"{'scenario':34} {'modes':22} {'iterations':>10} {'hangs':>6} {'leaks':>6}  result")
        by_name = {}
        for o in self.outcomes:
            key = o.scenario.name + (" (wrong runtime)" if o.runtime != "scenarios" else "")
            by_name.setdefault(key, []).append(o)
        for name, outs in by_name.items():
            modes = ",".join(o.mode or "-" for o in outs)
            statuses = sorted({o.status for o in outs})
            self.out(f"{name:34} {modes[:22]:22} {sum(o.iterations for o in outs):>10} "
                     f"{sum(o.hangs for o in outs):>6} {sum(o.leaks for o in outs):>6}  "
                     f"{'/'.join(statuses)}")
        verdict = self.teeth_verdict()
        if verdict is not None:
            caught, ran = verdict
            self.out("")
            if caught:
                self.out(f"wrong runtime (TerminateThread): caught by {caught} of {ran} scenarios "
                         "(expected failures)")
            else:
                self.out(f"wrong runtime (TerminateThread): passed all {ran} scenarios: "
                         "the suite has lost its teeth")
        passed, failed, skipped = self.counts()
        report = {"platform": self.platform.name, "arch": self.arch,
                  "passed": passed, "failed": failed, "skipped": skipped,
                  "wrong_runtime": None if verdict is None else
                  {"caught": verdict[0], "ran": verdict[1]},
                  "outcomes": [o.as_json() for o in self.outcomes]}
        report_path.parent.mkdir(parents=True, exist_ok=True)
        report_path.write_text(json.dumps(report, indent=2) + "\n")
        self.out(f"report: {report_path}")
        self.out(f"{passed} passed, {failed} failed, {skipped} skipped")
        return failed == 0
