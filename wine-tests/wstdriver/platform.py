"""How to run a Windows program: under Wine on Linux, or natively on Windows.

This is the driver's only Wine-specific code. Everything else asks a Platform
for an argv, an environment and a way to kill a process tree, so the same
scenarios run on a Windows runner with `run.py --native`.
"""

import fcntl
import glob
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path


class PlatformError(Exception):
    """The platform cannot run scenarios as it must; the message says why."""


class Platform:
    name = "abstract"
    # Lines that the run prints after its header: what the platform could
    # not set up as it should, but runs without.
    notices = ()

    def setup(self):
        """Prepares the platform once per run; returns a reason to skip all, or None."""
        return None

    def teardown(self):
        pass

    def check(self):
        """Raises PlatformError when the platform can no longer run scenarios
        as it must; called before every scenario."""

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
    """Wine with a project-local prefix and a persistent wineserver of our own.

    The wineserver is started with -p and wineboot run once with no pipes
    attached: otherwise the services Wine starts on demand inherit the first
    program's stdout, and every later program seems to run ~2 s longer while
    the driver waits for an end of file that those services hold back.

    "Our own" is checked, not assumed. A wineserver that another command left
    for the same prefix (make unit-check's, in its last seconds) keeps the
    prefix's lock: a second `wineserver -p` then exits at once, and the run
    would go on with the old server, which soon leaves, after which every
    program starts a new one with its stdout attached. So setup stops any
    server of the prefix first, and the lock's owner is compared with our
    server's pid after start and before every scenario (check()).
    """

    name = "wine"
    SERVER_WAIT = 60  # seconds for a server to come up or go; a loaded machine is slow
    # Debian's loaders, one per architecture (wine64, and wine from wine32:i386).
    LOADERS = {0x8664: "/usr/lib/wine/wine64", 0x14C: "/usr/lib/wine/wine"}

    def __init__(self, build):
        self.prefix = Path(build).resolve() / "wineprefix"
        self.wine = shutil.which("wine") or "/usr/lib/wine/wine64"
        self.server = None
        self.notices = []
        self.setarch = []

    def loader(self, exe):
        """The Wine loader of exe's own architecture, else Debian's `wine`.

        Debian's `wine` script runs the 32-bit loader whenever wine32 is
        installed. That loader hands a 64-bit program to a 32-bit
        `start.exe /exec`, which starts the program as a second Unix process
        and waits for it (and the 64-bit loader does the same with a 32-bit
        program). The pid we started is then start.exe's: a SIGINT sent to
        it never reaches the program (watch-rates hung so on Debian 13 with
        wine32; docs/platforms.md), and every start costs a second process.
        The loader of the program's own architecture runs it in the process
        we started, as Debian 12 without wine32 always did.
        """
        machine = pe_machine(exe)
        path = self.LOADERS.get(machine)
        return path if path and os.path.exists(path) else self.wine

    def env(self, extra=None):
        env = super().env(extra)
        # A scenario's own overrides (zlib1=n,b for one program) go after
        # the prefix-wide ones, never instead of them.
        own = (extra or {}).get("WINEDLLOVERRIDES")
        env.update({"WINEPREFIX": str(self.prefix), "WINEDEBUG": "-all",
                    "WINEDLLOVERRIDES": "mscoree,mshtml=" + (";" + own if own else "")})
        # As Debian's `wine` script does when only wine64 is installed: the
        # loader that Wine starts other processes with.
        wine64, wine32 = self.LOADERS[0x8664], self.LOADERS[0x14C]
        if os.path.exists(wine64) and not os.path.exists(wine32):
            env.setdefault("WINELOADER", wine64)
        return env

    # ------------------------------------------------------------ the server
    def _server_locks(self):
        """The lock files that a wineserver of our prefix holds while it runs.

        Wine names its server directory after the prefix's device and inode
        (server-DEV-INO, in hex) and keeps a write lock on `lock` inside it;
        `wineserver -k` finds its victim the same way. Upstream puts that
        directory in /tmp/.wine-UID; Debian's Wine in a directory made by
        mkdtemp, /tmp/wine-XXXXXX (Debian bug 903622), so every candidate
        is looked at.
        """
        st = os.stat(self.prefix)
        leaf = f"server-{st.st_dev:x}-{st.st_ino:x}/lock"
        roots = {"/tmp", os.environ.get("TMPDIR") or "/tmp"}
        found = []
        for root in roots:
            found += glob.glob(os.path.join(root, f".wine-{os.getuid()}", leaf))
            found += glob.glob(os.path.join(root, "wine-*", leaf))
        return found

    @staticmethod
    def _lock_owner(path):
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return None
        try:
            query = struct.pack("@hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
            answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
        finally:
            os.close(fd)
        l_type, _, _, _, l_pid = struct.unpack("@hhqqi4x", answer)
        return None if l_type == fcntl.F_UNLCK else l_pid

    def server_pid(self):
        """The pid of the wineserver serving our prefix, or None if none runs."""
        for path in self._server_locks():
            owner = self._lock_owner(path)
            if owner is not None:
                return owner
        return None

    def _wait_for(self, condition, what):
        end = time.monotonic() + self.SERVER_WAIT
        while not condition():
            if time.monotonic() > end:
                raise PlatformError(f"{what} within {self.SERVER_WAIT} s")
            time.sleep(0.05)

    def _stop_lingering_server(self, quiet):
        """Lets a server of our prefix that is still running end, or stops it."""
        old = self.server_pid()
        if old is None:
            return
        # A server whose last client has gone leaves by itself within seconds
        # and saves the registry on the way; -w waits for that. It would wait
        # for ever for a persistent one, so it is bounded, and then -k (with
        # our WINEPREFIX: it finds the server by the same lock) stops it.
        try:
            subprocess.run(["wineserver", "-w"], timeout=15, **quiet)
        except subprocess.TimeoutExpired:
            subprocess.run(["wineserver", "-k"], timeout=self.SERVER_WAIT, **quiet)
        self._wait_for(lambda: self.server_pid() is None,
                       f"the wineserver left running for {self.prefix} (pid {old}) did not stop")

    def _start_own_server(self, quiet):
        self.server = subprocess.Popen(["wineserver", "-p", "-f"], start_new_session=True,
                                       **quiet)

        def ours_or_gone():
            if self.server.poll() is not None:
                raise PlatformError(
                    f"wineserver -p exited with {self.server.returncode} at start: another "
                    f"server (pid {self.server_pid()}) holds {self.prefix}")
            return self.server_pid() == self.server.pid

        self._wait_for(ours_or_gone, "the persistent wineserver did not take the prefix")

    def check(self):
        """Raises PlatformError unless our persistent server still serves the prefix."""
        if self.server is None:
            return
        if self.server.poll() is not None:
            raise PlatformError(f"the persistent wineserver (pid {self.server.pid}) exited "
                                f"with {self.server.returncode}")
        owner = self.server_pid()
        if owner != self.server.pid:
            raise PlatformError(f"the prefix is served by pid {owner}, not by the persistent "
                                f"wineserver (pid {self.server.pid})")

    def setup(self):
        if not shutil.which("wineserver") or not os.path.exists(self.wine):
            return "Wine is not installed (run scripts/install-deps.sh)"
        # Debian's Wine 8 has no preloader: about one start in a thousand, the
        # randomized placement of its own libraries collides with the ranges
        # Wine needs, and it exits 1 before the program runs. Randomization
        # off makes the layout the same every time (scripts/wine-run.sh).
        # Where personality(2) is refused (Docker's default seccomp profile
        # refuses ADDR_NO_RANDOMIZE), Wine runs as it is, and the run says
        # so; in CI (CI=true) that is a set-up error unless WST_ALLOW_ASLR=1.
        machine = os.uname().machine
        try:
            probe = subprocess.run(["setarch", machine, "-R", "true"], capture_output=True,
                                   text=True)
            refused = None if probe.returncode == 0 else \
                (probe.stderr.strip() or f"exit {probe.returncode}")
        except OSError as e:
            refused = str(e)
        if refused is None:
            self.setarch = ["setarch", machine, "-R"]
        else:
            why = (f"setarch -R refused ({refused}): Wine runs with address-space "
                   "randomization on, and about one start in a thousand fails before the "
                   "program runs (scripts/wine-run.sh)")
            if os.environ.get("CI") == "true" and os.environ.get("WST_ALLOW_ASLR") != "1":
                return why + "; in CI that is an error (a container needs --security-opt " \
                    "seccomp=unconfined; WST_ALLOW_ASLR=1 accepts it)"
            self.notices.append("warning: " + why)
        quiet = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL,
                 "stderr": subprocess.DEVNULL, "env": self.env()}
        self.prefix.mkdir(parents=True, exist_ok=True)
        try:
            self._stop_lingering_server(quiet)
            if not (self.prefix / "system.reg").exists():
                subprocess.run([*self.setarch, self.wine, "wineboot", "-i"], timeout=300,
                               **quiet)
                self._stop_lingering_server(quiet)
            self._start_own_server(quiet)
            subprocess.run([*self.setarch, self.wine, "wineboot"], timeout=300, **quiet)
            self.check()
        except (PlatformError, subprocess.TimeoutExpired) as e:
            return f"cannot own the wineserver of {self.prefix}: {e}"
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
                self.server.wait()

    def argv(self, exe, args):
        return [*self.setarch, self.loader(exe), str(exe), *map(str, args)]

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


def pe_machine(path):
    """The COFF Machine field of a PE image (0x8664 x86_64, 0x14C i386), or None
    when path is no readable PE image."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
            if len(head) < 64 or head[:2] != b"MZ":
                return None
            f.seek(struct.unpack_from("<I", head, 0x3C)[0])
            nt = f.read(6)
    except OSError:
        return None
    if len(nt) < 6 or nt[:4] != b"PE\0\0":
        return None
    return struct.unpack_from("<H", nt, 4)[0]


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
