"""Child processes that cannot outlive the stack: own process group, parent-death signal, log file.

Every child is started with `prctl(PR_SET_PDEATHSIG, SIGTERM)` so the kernel terminates it if the
supervisor dies, even by SIGKILL, and in its own process group so that stopping it also stops
anything it spawned. PR_SET_PDEATHSIG fires when the *thread* that forked the child exits, not the
process, so all children are spawned from one long-lived thread (`Spawner`), never from whatever
short-lived thread happens to call `start()`.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

PR_SET_PDEATHSIG = 1

# Loaded before any fork: resolving a shared library inside preexec_fn could deadlock on the
# dynamic loader's lock held by another thread at fork time.
_LIBC: Any = None
with contextlib.suppress(OSError):
    _LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def pdeathsig_supported() -> bool:
    return _LIBC is not None and hasattr(_LIBC, "prctl")


def make_preexec(parent_pid: int) -> Callable[[], None]:
    """preexec_fn: ask for SIGTERM when the parent dies; bail out if it already has."""

    def preexec() -> None:
        if _LIBC is not None:
            _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        # The parent may have died between fork and prctl; then nobody would ever signal us.
        if os.getppid() != parent_pid:
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


class Spawner:
    """Runs every Popen on one dedicated thread that lives as long as the owner (see module doc)."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hotline-spawner")

    def popen(self, argv: Sequence[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        parent = os.getpid()

        def spawn() -> subprocess.Popen[bytes]:
            return subprocess.Popen(list(argv), preexec_fn=make_preexec(parent), start_new_session=True, **kwargs)

        return self._pool.submit(spawn).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def rotate_log(path: Path, keep: int = 3) -> None:
    """Keep the last `keep` runs' logs: name.log -> name.log.1 -> name.log.2 ..."""
    if not path.exists():
        return
    for i in range(keep - 1, 0, -1):
        older = path.with_name(f"{path.name}.{i}")
        if older.exists():
            older.replace(path.with_name(f"{path.name}.{i + 1}"))
    path.replace(path.with_name(f"{path.name}.1"))


class ManagedProcess:
    """One long-running child (an API, a worker, the Redis server) with its log file."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        log_path: Path,
        spawner: Spawner,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.log_path = log_path
        self.cwd = cwd
        self._spawner = spawner
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at: float | None = None
        self.restarts = 0
        self._log: IO[bytes] | None = None
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def exit_code(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def start(self) -> None:
        with self._lock:
            if self.alive():
                return
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._close_log()
            self._log = self.log_path.open("ab")
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            self._log.write(f"--- {stamp} hotline: starting {self.name}: {' '.join(self.argv)}\n".encode())
            self._log.flush()
            self.proc = self._spawner.popen(
                self.argv,
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
            )
            self.started_at = time.monotonic()

    def signal(self, sig: int) -> None:
        """Send `sig` to the child's whole process group."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM the group, wait up to `timeout`, then SIGKILL. Returns the exit code."""
        return stop_all([self], timeout=timeout).get(self.name)

    def kill(self) -> None:
        """SIGKILL the group, as a crash would, and reap it."""
        if self.proc is None:
            return
        self.signal(signal.SIGKILL)
        self.proc.wait()
        self._reap_group(self.proc.pid, 2.0)

    def restart(self, timeout: float = 10.0) -> None:
        self.stop(timeout=timeout)
        self.restarts += 1
        self.start()

    def tail(self, lines: int = 20) -> str:
        try:
            data = self.log_path.read_bytes()[-16_384:]
        except OSError:
            return ""
        return "\n".join(data.decode(errors="replace").splitlines()[-lines:])

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    @staticmethod
    def _reap_group(pgid: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while _group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if _group_alive(pgid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)


def stop_all(procs: Sequence[ManagedProcess], timeout: float = 10.0) -> dict[str, int | None]:
    """Stop several children concurrently: SIGTERM all, wait, SIGKILL the stragglers."""
    running = [p for p in procs if p.proc is not None]
    for p in running:
        if p.alive():
            p.signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for p in running:
        assert p.proc is not None
        try:
            p.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.signal(signal.SIGKILL)
            p.proc.wait()
    codes: dict[str, int | None] = {}
    for p in running:
        assert p.proc is not None
        # Grandchildren left in the group (a child that forked and exited) get the same treatment.
        if _group_alive(p.proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.proc.pid, signal.SIGTERM)
            ManagedProcess._reap_group(p.proc.pid, 2.0)
        codes[p.name] = p.proc.returncode
        p._close_log()
    return codes


def run_once(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    log_path: Path,
    spawner: Spawner,
    timeout: float = 300.0,
    cwd: Path | None = None,
) -> tuple[int, str]:
    """Run a one-shot command (migrate, seed) to completion; its output is appended to `log_path`.

    Returns the exit code and the command's own output.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    proc = spawner.popen(
        argv, env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        out += f"\nhotline: timed out after {timeout:.0f}s\n".encode()
    text = out.decode(errors="replace")
    with log_path.open("a", encoding="utf-8") as log:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        log.write(f"--- {stamp} hotline: {' '.join(argv)} (exit {proc.returncode})\n{text}")
    return proc.returncode if proc.returncode is not None else -1, text
