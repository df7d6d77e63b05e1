"""Keep `hotline up` alive: restart a crashed child with backoff, and surface what the logs say."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from .processes import ManagedProcess
from .stack import Stack

Printer = Callable[[str, str], None]  # (process name, line)

MAX_BACKOFF_S = 30.0


class Supervisor:
    """Restarts crashed children: 1 s after the first crash, doubling while it keeps crashing."""

    def __init__(self, stack: Stack, report: Callable[[str], None], *, stable_after_s: float = 60.0) -> None:
        self.stack = stack
        self.report = report
        self.stable_after_s = stable_after_s
        self._due: dict[str, float] = {}
        self._streak: dict[str, int] = {}
        # On the same time base as `tick(now)`: a process's own start time is wall-monotonic, which
        # a caller passing its own `now` (the tests) would compare against a different clock.
        self._revived_at: dict[str, float] = {}

    def tick(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        for proc in self.stack.dead():
            name = proc.name
            if name not in self._due:
                revived = self._revived_at.get(name)
                if revived is not None and now - revived > self.stable_after_s:
                    self._streak[name] = 0
                streak = self._streak.get(name, 0)
                delay = min(2.0**streak, MAX_BACKOFF_S)
                self._streak[name] = streak + 1
                self._due[name] = now + delay
                self.report(
                    f"{name} exited with code {proc.exit_code()}; restarting in {delay:.0f}s "
                    f"(log: {proc.log_path})\n{proc.tail(8)}"
                )
            elif now >= self._due[name]:
                del self._due[name]
                self._revived_at[name] = now
                self._revive(proc)

    def _revive(self, proc: ManagedProcess) -> None:
        proc.restarts += 1
        try:
            if self.stack.redis is not None and proc is self.stack.redis.process:
                self.stack.redis.start()
            else:
                proc.start()
        except Exception as exc:
            self.report(f"{proc.name} could not be restarted: {exc}")
            return
        self.report(f"{proc.name} restarted (pid {proc.pid}, restart #{proc.restarts})")
        self.stack.write_state()


_NOTABLE = re.compile(
    r"\b(warn|warning|error|critical|fatal|exception|traceback)\b|\"level\":\s*\"(warning|error|critical)\"",
    re.IGNORECASE,
)


# Known, harmless start-up warnings that would only teach people to ignore the console.
_BORING = re.compile(r"Memory overcommit must be enabled|WARNING: This is a development server")


class LogSummary:
    """Follows the children's log files and prints what a person should see: warnings, errors,
    tracebacks (whole), and everything when `verbose`."""

    def __init__(
        self, files: Callable[[], Iterable[tuple[str, Path]]], printer: Printer, *, verbose: bool = False
    ) -> None:
        self._files = files
        self._printer = printer
        self.verbose = verbose
        self._offsets: dict[Path, int] = {}
        self._partial: dict[Path, str] = {}
        self._in_traceback: dict[Path, bool] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lines_seen: dict[str, int] = {}
        self.notable_seen: dict[str, int] = {}

    def start(self) -> None:
        for _name, path in self._files():
            # Older runs' lines are history, not news.
            self._offsets[path] = path.stat().st_size if path.exists() else 0
        self._thread = threading.Thread(target=self._run, name="hotline-logs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self.poll()

    def _run(self) -> None:
        while not self._stop.wait(0.3):
            self.poll()

    def poll(self) -> None:
        for name, path in self._files():
            try:
                size = path.stat().st_size
            except OSError:
                continue
            offset = self._offsets.get(path, 0)
            if size < offset:  # rotated or truncated
                offset = 0
            if size == offset:
                continue
            with path.open("rb") as f:
                f.seek(offset)
                chunk = f.read(size - offset)
            self._offsets[path] = size
            text = self._partial.pop(path, "") + chunk.decode(errors="replace")
            lines = text.split("\n")
            if lines and lines[-1]:
                self._partial[path] = lines[-1]
            for line in lines[:-1]:
                self._line(name, path, line.rstrip("\r"))

    def _line(self, name: str, path: Path, line: str) -> None:
        if not line.strip():
            self._in_traceback[path] = False
            return
        self.lines_seen[name] = self.lines_seen.get(name, 0) + 1
        notable = False
        if self._in_traceback.get(path):
            notable = True
            if not line[:1].isspace():
                self._in_traceback[path] = False  # the final "SomeError: message" line
        elif line.startswith("Traceback (most recent call last)"):
            self._in_traceback[path] = True
            notable = True
        elif _NOTABLE.search(line) and not _BORING.search(line):
            notable = True
        if notable:
            self.notable_seen[name] = self.notable_seen.get(name, 0) + 1
        if notable or self.verbose:
            self._printer(name, line)
