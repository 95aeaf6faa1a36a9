"""How to run a Windows program: under Wine on Linux, or natively on Windows.

This is the driver's only Wine-specific code. Everything else asks a Platform
for an argv, an environment and a way to kill a process tree, so the same
scenarios run on a Windows runner with `run.py --native`.
"""

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path


class Platform:
    name = "abstract"

    def setup(self):
        """Prepares the platform once per run; returns a reason to skip all, or None."""
        return None

    def teardown(self):
        pass

    def argv(self, exe, args):
        raise NotImplementedError

    def env(self, extra=None):
        env = dict(os.environ)
        env.pop("WINSTRUMENT_MODE", None)
        env.update(extra or {})
        return env

    def popen_kwargs(self):
        return {}

    def kill_tree(self, proc):
        raise NotImplementedError

    def terminated_rc_ok(self, rc, code):
        """Whether a process that TerminateProcess(code) ended shows exit code rc."""
        return rc == code


class WinePlatform(Platform):
    """Wine with a project-local prefix and a persistent wineserver.

    The wineserver is started with -p and wineboot run once with no pipes
    attached: otherwise the services Wine starts on demand inherit the first
    program's stdout, and every later program seems to run ~2 s longer while
    the driver waits for an end of file that those services hold back.
    """

    name = "wine"

    def __init__(self, build):
        self.prefix = Path(build).resolve() / "wineprefix"
        self.wine = shutil.which("wine") or "/usr/lib/wine/wine64"
        self.server = None
        self.launcher = [self.wine]

    def env(self, extra=None):
        env = super().env(extra)
        env.update({"WINEPREFIX": str(self.prefix), "WINEDEBUG": "-all",
                    "WINEDLLOVERRIDES": "mscoree,mshtml="})
        return env

    def setup(self):
        if not shutil.which("wineserver") or not os.path.exists(self.wine):
            return "Wine is not installed (run scripts/install-deps.sh)"
        # Debian's Wine 8 has no preloader: about one start in a thousand, the
        # randomized placement of its own libraries collides with the ranges
        # Wine needs, and it exits 1 before the program runs. Randomization
        # off makes the layout the same every time (scripts/wine-run.sh).
        machine = os.uname().machine
        if subprocess.run(["setarch", machine, "-R", "true"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0:
            self.launcher = ["setarch", machine, "-R", self.wine]
        env = self.env()
        quiet = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL,
                 "stderr": subprocess.DEVNULL, "env": env}
        self.prefix.mkdir(parents=True, exist_ok=True)
        if not (self.prefix / "system.reg").exists():
            subprocess.run([*self.launcher, "wineboot", "-i"], timeout=300, **quiet)
            try:  # -w never returns beside someone else's persistent server
                subprocess.run(["wineserver", "-w"], timeout=120, **quiet)
            except subprocess.TimeoutExpired:
                pass
        self.server = subprocess.Popen(["wineserver", "-p", "-f"], start_new_session=True,
                                       **quiet)
        subprocess.run([*self.launcher, "wineboot"], timeout=300, **quiet)
        return None

    def teardown(self):
        # Only this run's own prefix: never another wineserver on the machine.
        subprocess.run(["wineserver", "-k"], env=self.env(), timeout=60,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if self.server is not None:
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()

    def argv(self, exe, args):
        return [*self.launcher, str(exe), *map(str, args)]

    def terminated_rc_ok(self, rc, code):
        # When another process terminates it, the Wine loader's Linux exit
        # status is not the Windows exit code (seen: 0). wst_tool checks the
        # code that matters, through GetExitCodeProcess inside Wine.
        return True

    def popen_kwargs(self):
        # A session of its own: the process group holds the program and any
        # child it starts, so a timeout kills the whole tree and nothing else.
        return {"start_new_session": True}

    def kill_tree(self, proc):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class NativePlatform(Platform):
    """Windows itself: programs run directly; taskkill ends a process tree."""

    name = "native"

    def setup(self):
        if sys.platform != "win32":
            return "--native needs Windows"
        return None

    def argv(self, exe, args):
        return [str(exe), *map(str, args)]

    def popen_kwargs(self):
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}

    def kill_tree(self, proc):
        subprocess.run(["taskkill", "/T", "/F", "/PID", str(proc.pid)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
