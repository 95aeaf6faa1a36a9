"""What a scenario case sees: `ctx`, one per scenario run.

A case runs programs through ctx (run, spawn, inspect), checks what it sees
(check records a failure and goes on; require stops the case), and may skip
(ctx.skip raises). Every program it starts is tracked: the scenario's hard
deadline bounds every wait, and when it passes, every tracked process tree is
killed and the scenario fails as a hang.
"""

import json
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path


# How long a program may stay silent while it is expected to print: the bound
# on one step of work (one cycle, one query, one process start), generous for
# a machine several times slower than this one and busy with other work.
SILENCE = 30


class Failure(Exception):
    """The case cannot go on."""


class Hang(Failure):
    """A program, or the scenario, ran past its deadline."""


class ProgramError(Failure):
    """A program said it could not do what the script asked ("error ..."): a
    DLL that would not load, a missing export. The scenario fails, but this
    never counts as catching a mutant: it proves nothing about the runtime."""


class Skip(Exception):
    """The case cannot run here; the message says why."""


class Result:
    def __init__(self, rc, out, err, seconds):
        self.rc, self.out, self.err, self.seconds = rc, out, err, seconds

    def __repr__(self):
        return f"Result(rc={self.rc}, out={self.out[-300:]!r}, err={self.err[-300:]!r})"


class Proc:
    """A program running in the background, read line by line."""

    def __init__(self, ctx, argv, popen, label):
        self.ctx, self.argv, self.popen, self.label = ctx, argv, popen, label
        self.lines = queue.Queue()
        self.transcript = []
        self.err_lines = []
        self._reader = threading.Thread(target=self._pump, args=(popen.stdout, self.lines),
                                        daemon=True)
        self._err_reader = threading.Thread(target=self._drain_err, daemon=True)
        self._reader.start()
        self._err_reader.start()

    def _pump(self, stream, sink):
        for line in iter(stream.readline, ""):
            sink.put(line.rstrip("\r\n"))
        sink.put(None)

    def _drain_err(self):
        for line in iter(self.popen.stderr.readline, ""):
            self.err_lines.append(line.rstrip("\r\n"))

    @property
    def err(self):
        return "\n".join(self.err_lines)

    def readline(self, timeout=SILENCE):
        """The next line of stdout; None at its end; Hang past the deadline."""
        wait = self.ctx.bounded(timeout)
        try:
            line = self.lines.get(timeout=wait)
        except queue.Empty:
            self.ctx.hung(f"{self.label}: no output for {wait:.0f} s "
                          f"(last lines: {self.transcript[-5:]})")
        if line is not None:
            self.transcript.append(line)
        return line

    def expect(self, pattern, timeout=SILENCE):
        """Reads lines until one matches `pattern`; returns the match.

        `timeout` bounds the silence before each line, not the whole search: a
        program that prints progress is working, however slow the machine, and
        one that stops printing is caught as a hang all the same. The
        scenario's deadline bounds the total."""
        regex = re.compile(pattern)
        while True:
            line = self.readline(timeout)
            if line is None:
                raise Failure(f"{self.label}: ended before printing /{pattern}/ "
                              f"(rc={self.popen.poll()}, last lines: {self.transcript[-5:]}, "
                              f"stderr: {self.err[-300:]!r})")
            match = regex.search(line)
            if match:
                return match
            if line.startswith("error "):
                raise ProgramError(f"{self.label}: {line}")

    def send(self, line="go"):
        """Writes a line to stdin; a program that has already ended misses it."""
        try:
            self.popen.stdin.write(line + "\n")
            self.popen.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def close_stdin(self):
        try:
            self.popen.stdin.close()
        except OSError:
            pass

    def wait(self, timeout=30):
        """The exit code; Hang past the deadline."""
        try:
            rc = self.popen.wait(timeout=self.ctx.bounded(timeout))
        except subprocess.TimeoutExpired:
            self.ctx.hung(f"{self.label}: did not exit within {timeout} s "
                          f"(last lines: {self.transcript[-5:]})")
        self._reader.join(timeout=5)
        self._err_reader.join(timeout=5)
        while True:  # keep the rest of the output for the report
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.transcript.append(line)
        return rc

    def kill(self):
        self.ctx.platform.kill_tree(self.popen)


class Context:
    def __init__(self, platform, root, build, arch, scenario, mode, deadline, runtime="scenarios"):
        self.platform, self.root, self.build, self.arch = platform, Path(root), Path(build), arch
        self.scenario, self.mode = scenario, mode
        self.native = platform.name == "native"
        self.deadline = deadline
        self.budget = deadline - time.monotonic()
        self.runtime = runtime  # the directory of scenario programs: the real runtime or a mutant
        self.failures = []
        self.notes = {}
        self.iterations = scenario.iterations
        self.hangs = 0
        self.leaks = 0
        self._procs = []
        self._tmpdirs = []

    # ---------------------------------------------------------------- paths
    def bin(self, name, arch=None):
        """A scenario program of this run's runtime (correct or mutant), of
        the run's architecture unless `arch` names another."""
        return self.build / (arch or self.arch) / self.runtime / name

    @property
    def inspector(self):
        return self.build / self.arch / "bin" / "wst-inspect.exe"

    def tmpdir(self):
        path = Path(tempfile.mkdtemp(prefix=f"wst-{self.scenario.name}-"))
        self._tmpdirs.append(path)
        return path

    # ---------------------------------------------------------------- time
    def remaining(self):
        return self.deadline - time.monotonic()

    def bounded(self, timeout):
        """A wait of `timeout` seconds, cut to what is left of the scenario."""
        left = self.remaining()
        if left <= 0:
            self.hung(f"scenario deadline of {self.budget:.0f} s passed")
        return max(0.01, min(timeout, left))

    def hung(self, message):
        self.hangs += 1
        self.kill_all()
        raise Hang("hang: " + message)

    # ---------------------------------------------------------------- programs
    def _env(self, env):
        extra = dict(env or {})
        if self.mode is not None and "WINSTRUMENT_MODE" not in extra:
            extra["WINSTRUMENT_MODE"] = self.mode
        return self.platform.env(extra)

    def _cwd(self, exe, cwd):
        return str(cwd) if cwd is not None else str(Path(exe).parent)

    def spawn(self, exe, *args, env=None, cwd=None):
        argv = self.platform.argv(exe, args)
        popen = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, errors="replace",
                                 env=self._env(env), cwd=self._cwd(exe, cwd),
                                 **self.platform.popen_kwargs())
        proc = Proc(self, argv, popen, Path(exe).name)
        self._procs.append(proc)
        return proc

    def run(self, exe, *args, env=None, timeout=60, cwd=None, stdin=""):
        argv = self.platform.argv(exe, args)
        start = time.monotonic()
        popen = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, errors="replace",
                                 env=self._env(env), cwd=self._cwd(exe, cwd),
                                 **self.platform.popen_kwargs())
        try:
            out, err = popen.communicate(stdin, timeout=self.bounded(timeout))
        except subprocess.TimeoutExpired:
            self.platform.kill_tree(popen)
            popen.communicate()
            self.hung(f"{Path(exe).name} {' '.join(map(str, args))[:120]} ran past {timeout} s")
        return Result(popen.returncode, out, err, time.monotonic() - start)

    def inspect(self, *args, timeout=60):
        return self.run(self.inspector, *args, timeout=timeout)

    def inspect_head(self, *args, lines=1, timeout=60):
        """The inspector with its stdout read for `lines` lines and then
        closed, as `wst-inspect ... | head -n LINES` does: Result(rc, the
        lines read, all of stderr)."""
        argv = self.platform.argv(self.inspector, args)
        start = time.monotonic()
        popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, errors="replace",
                                 env=self._env(None), cwd=self._cwd(self.inspector, None),
                                 **self.platform.popen_kwargs())
        err = []
        drain = threading.Thread(target=lambda: err.append(popen.stderr.read()), daemon=True)
        drain.start()
        out = "".join(popen.stdout.readline() for _ in range(lines))
        popen.stdout.close()
        try:
            popen.wait(timeout=self.bounded(timeout))
        except subprocess.TimeoutExpired:
            self.platform.kill_tree(popen)
            popen.wait()
            self.hung(f"wst-inspect {' '.join(map(str, args))[:120]} | head ran past {timeout} s")
        drain.join(timeout=10)
        return Result(popen.returncode, out, "".join(err), time.monotonic() - start)

    def inspect_json(self, *args, timeout=60):
        r = self.inspect(*args, "--json", timeout=timeout)
        self.require(r.rc == 0, f"wst-inspect {' '.join(map(str, args))} failed: {r}")
        try:
            return json.loads(r.out)
        except ValueError as e:
            raise Failure(f"wst-inspect printed invalid JSON ({e}): {r.out[:300]!r}")

    def kill_all(self):
        for proc in self._procs:
            if proc.popen.poll() is None:
                proc.kill()
        for proc in self._procs:
            try:
                proc.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def close(self):
        self.kill_all()
        for path in self._tmpdirs:
            shutil.rmtree(path, ignore_errors=True)

    # ---------------------------------------------------------------- verdicts
    def check(self, condition, message):
        if not condition:
            self.failures.append(message)
        return bool(condition)

    def require(self, condition, message):
        if not condition:
            raise Failure(message)

    def leak(self, condition_ok, message):
        """A resource check: a failure that the summary counts as a leak."""
        if not condition_ok:
            self.leaks += 1
            self.failures.append("leak: " + message)

    def skip(self, reason):
        raise Skip(reason)

    def note(self, key, value):
        self.notes[key] = value
