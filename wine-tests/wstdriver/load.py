"""A background load that keeps every CPU busy while the scenarios run.

`run.py --stress` starts it before the first scenario and stops it after the
last. It shows that no verdict depends on the machine's speed: waits are
bounded by work done, and only a real hang reaches a deadline. The load is
plain busy loops in child processes of a session of their own, so stopping
it kills exactly what it started.
"""

import os
import signal
import subprocess
import sys

BUSY_LOOP = "while True:\n    pass\n"


class BackgroundLoad:
    def __init__(self, workers=None):
        self.workers = workers or os.cpu_count() or 2
        self.procs = []

    def __str__(self):
        return f"a background load of {self.workers} busy processes"

    def start(self):
        for _ in range(self.workers):
            self.procs.append(subprocess.Popen(
                [sys.executable, "-c", BUSY_LOOP], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))

    def stop(self):
        for proc in self.procs:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            proc.wait()
        self.procs = []
