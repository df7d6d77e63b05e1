"""Process supervision with dummy children: logs, graceful stop, forced kill, no orphans."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from hotline_stack.processes import ManagedProcess, Spawner, rotate_log, run_once, stop_all
from hotline_stack.procinfo import pid_gone, wait_gone


@pytest.fixture
def spawner():
    s = Spawner()
    yield s
    s.close()


def py(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def wait_for_file(path: Path, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        time.sleep(0.02)
    raise AssertionError(f"{path} never appeared")


def test_child_output_goes_to_its_log_file_and_sigterm_stops_it(tmp_path: Path, spawner: Spawner) -> None:
    log = tmp_path / "logs" / "echo.log"
    proc = ManagedProcess(
        "echo",
        py("""
            import os, signal, sys, time
            print("hello from", os.environ["GREETING"], flush=True)
            signal.signal(signal.SIGTERM, lambda *_: (print("bye", flush=True), sys.exit(0)))
            time.sleep(60)
        """),
        env={**os.environ, "GREETING": "the child"},
        log_path=log,
        spawner=spawner,
    )
    proc.start()
    deadline = time.monotonic() + 10
    while "hello from the child" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.alive()
    assert os.getpgid(proc.pid) == proc.pid, "each child leads its own process group"
    assert proc.stop(timeout=5) == 0
    text = log.read_text()
    assert "hello from the child" in text
    assert "bye" in text, "the child got SIGTERM and shut down on its own"
    assert not proc.alive()


def test_child_that_ignores_sigterm_is_killed_after_the_grace_period(tmp_path: Path, spawner: Spawner) -> None:
    proc = ManagedProcess(
        "stubborn",
        py("""
            import signal, time
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            print("sigterm" + " ignored", flush=True)
            time.sleep(60)
        """),
        env=os.environ,
        log_path=tmp_path / "stubborn.log",
        spawner=spawner,
    )
    proc.start()
    # (the log's header line repeats the argv, so wait for text the argv does not contain)
    while "sigterm ignored" not in (tmp_path / "stubborn.log").read_text():
        time.sleep(0.02)
    started = time.monotonic()
    code = proc.stop(timeout=1.0)
    assert code == -signal.SIGKILL
    assert time.monotonic() - started < 5


def test_stopping_a_child_also_stops_what_it_spawned(tmp_path: Path, spawner: Spawner) -> None:
    marker = tmp_path / "grandchild.pid"
    proc = ManagedProcess(
        "parent",
        py(f"""
            import subprocess, time
            child = subprocess.Popen(["sleep", "120"])
            open({str(marker)!r}, "w").write(str(child.pid))
            time.sleep(120)
        """),
        env=os.environ,
        log_path=tmp_path / "parent.log",
        spawner=spawner,
    )
    proc.start()
    grandchild = int(wait_for_file(marker))
    assert not pid_gone(grandchild)
    proc.stop(timeout=5)
    assert wait_gone([grandchild], timeout=5) == []


def test_kill_is_a_crash_and_restart_brings_it_back(tmp_path: Path, spawner: Spawner) -> None:
    proc = ManagedProcess("sleeper", ["sleep", "60"], env=os.environ, log_path=tmp_path / "s.log", spawner=spawner)
    proc.start()
    first = proc.pid
    proc.kill()
    assert proc.exit_code() == -signal.SIGKILL
    proc.restart()
    assert proc.alive()
    assert proc.pid != first
    assert proc.restarts == 1
    assert stop_all([proc], timeout=5) == {"sleeper": -signal.SIGTERM}
    assert (tmp_path / "s.log").read_text().count("hotline: starting sleeper") == 2


def test_child_started_from_a_short_lived_thread_survives_that_thread(tmp_path: Path, spawner: Spawner) -> None:
    # PR_SET_PDEATHSIG is tied to the forking *thread*; the spawner thread keeps children safe.
    proc = ManagedProcess("t", ["sleep", "60"], env=os.environ, log_path=tmp_path / "t.log", spawner=spawner)
    t = threading.Thread(target=proc.start)
    t.start()
    t.join()
    time.sleep(0.5)
    assert proc.alive()
    proc.stop(timeout=5)


SUPERVISOR = """
import os, sys, time
from pathlib import Path
from hotline_stack.processes import ManagedProcess, Spawner
spawner = Spawner()
procs = []
for i in range(3):
    p = ManagedProcess(f"c{i}", ["sleep", "300"], env=dict(os.environ), log_path=Path(sys.argv[1]) / f"c{i}.log",
                       spawner=spawner)
    p.start()
    procs.append(p)
print(" ".join(str(p.pid) for p in procs), flush=True)
time.sleep(300)
"""


def test_children_die_when_the_supervisor_is_sigkilled(tmp_path: Path) -> None:
    sup = subprocess.Popen([sys.executable, "-c", SUPERVISOR, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert sup.stdout is not None
        pids = [int(p) for p in sup.stdout.readline().split()]
        assert len(pids) == 3
        assert not any(pid_gone(p) for p in pids)
        sup.kill()
        sup.wait()
        assert wait_gone(pids, timeout=10) == [], "children outlived a SIGKILLed supervisor"
    finally:
        if sup.poll() is None:
            sup.kill()


def test_run_once_reports_exit_code_and_output_and_logs_it(tmp_path: Path, spawner: Spawner) -> None:
    log = tmp_path / "setup.log"
    code, out = run_once(py("print('migrated'); raise SystemExit(4)"), env=os.environ, log_path=log, spawner=spawner)
    assert code == 4
    assert "migrated" in out
    assert "(exit 4)" in log.read_text()
    assert "migrated" in log.read_text()


def test_run_once_kills_a_command_that_hangs(tmp_path: Path, spawner: Spawner) -> None:
    code, out = run_once(["sleep", "60"], env=os.environ, log_path=tmp_path / "x.log", spawner=spawner, timeout=0.5)
    assert code == -signal.SIGKILL
    assert "timed out" in out


def test_rotate_log_keeps_previous_runs(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    for run in range(5):
        rotate_log(log, keep=3)
        log.write_text(f"run {run}")
    assert log.read_text() == "run 4"
    assert (tmp_path / "a.log.1").read_text() == "run 3"
    assert (tmp_path / "a.log.3").read_text() == "run 1"
    assert not (tmp_path / "a.log.4").exists()
