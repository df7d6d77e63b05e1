"""The Stack's orchestration, with fake services standing in for the real ones (a real Valkey)."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import httpx
import pytest
import redis
from hotline_stack.config import SERVICES, Ports, StackConfig
from hotline_stack.procinfo import pid_gone, wait_gone
from hotline_stack.stack import PROCESS_NAMES, Stack, StackError, wipe_data_dir
from hotline_stack.supervise import LogSummary, Supervisor


def readyz(stack: Stack, service: str) -> dict:
    r = httpx.get(f"{stack.urls[service]}/readyz", timeout=5)
    assert r.status_code == 200
    return r.json()


@pytest.fixture
def running(fake_config: StackConfig):
    stack = Stack(fake_config)
    stack.start(ready_timeout=30)
    yield stack
    stack.stop()


def all_pids(stack: Stack) -> list[int]:
    pids = [p.pid for p in stack.processes.values() if p.pid]
    if stack.redis is not None and stack.redis.process.pid:
        pids.append(stack.redis.process.pid)
    return pids


def test_start_migrates_seeds_and_runs_every_api_and_worker(running: Stack, markers: Path) -> None:
    for svc in SERVICES:
        url = running.config.database_url(svc)
        assert (markers / f"{svc}.migrate").read_text() == url
        assert (markers / f"{svc}.seed.demo").read_text() == url
    assert set(running.processes) == set(PROCESS_NAMES)
    assert all(p.alive() for p in running.processes.values())
    assert redis.Redis.from_url(running.redis_url).ping()
    secrets = set()
    for svc in SERVICES:
        env = readyz(running, svc)["env"]
        assert env[f"{svc.upper()}_REDIS_URL"] == running.redis_url
        assert env[f"{svc.upper()}_DATABASE_URL"] == running.config.database_url(svc)
        secrets.add(env[f"{svc.upper()}_IDENTITY_SECRET"])
    assert secrets == {running.identity_secret}
    state = json.loads(running.config.state_file.read_text())
    assert state["gateway_url"] == running.gateway_url
    assert state["processes"]["intake-worker"] == running.processes["intake-worker"].pid
    assert state["processes"]["redis"] == running.redis.process.pid  # type: ignore[union-attr]
    assert running.api_key("operator").startswith("hk_demo_operator_")
    assert running.auth("unit") == {"Authorization": f"Bearer {running.api_key('unit')}"}


def test_stop_leaves_nothing_running_and_frees_the_data_folder(fake_config: StackConfig) -> None:
    stack = Stack(fake_config)
    stack.start(ready_timeout=30)
    pids = all_pids(stack)
    assert len(pids) == len(PROCESS_NAMES) + 1 == 9  # four APIs, three workers, the console and Redis
    stack.stop()
    assert wait_gone(pids, timeout=5) == []
    assert not fake_config.state_file.exists()
    again = Stack(fake_config)  # the lock is released: a new stack may take the folder
    again.prepare()
    again.stop()


def test_kill_then_ensure_running_revives_a_crashed_worker(running: Stack) -> None:
    worker = running.processes["intake-worker"]
    old = worker.pid
    running.kill("intake-worker")
    assert [p.name for p in running.dead()] == ["intake-worker"]
    running.ensure_running()
    assert worker.alive()
    assert worker.pid != old
    assert running.dead() == []


def test_kill_by_service_name_takes_down_its_api_and_worker(running: Stack) -> None:
    running.kill("feedback")
    assert sorted(p.name for p in running.dead()) == ["feedback-api", "feedback-worker"]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{running.urls['feedback']}/readyz", timeout=2)
    running.restart("feedback")
    assert readyz(running, "feedback")["service"] == "feedback"
    with pytest.raises(KeyError, match="unknown process"):
        running.kill("billing")


def test_restart_gives_a_new_process_that_is_ready(running: Stack) -> None:
    old = readyz(running, "dispatch")["pid"]
    running.restart("dispatch-api")
    assert readyz(running, "dispatch")["pid"] != old
    assert pid_gone(old)


def test_clock_offset_reaches_every_service_after_time_travel(running: Stack) -> None:
    running.set_clock_offset(3 * 86400)
    for svc in SERVICES:
        assert float(readyz(running, svc)["env"][f"{svc.upper()}_CLOCK_OFFSET_SECONDS"]) == 3 * 86400
    assert running.dead() == []


def test_redis_restart_keeps_data_and_port(running: Stack) -> None:
    client = redis.Redis.from_url(running.redis_url)
    client.xadd("hotline:events:intake", {"type": "case.received"})
    running.redis_restart()
    assert client.xlen("hotline:events:intake") == 1
    client.close()


def test_a_failing_migration_is_reported_and_nothing_is_left_running(fake_config: StackConfig) -> None:
    cfg = StackConfig(
        data_dir=fake_config.data_dir,
        ports=fake_config.ports,
        python=fake_config.python,
        extra_env={**fake_config.extra_env, "FAKE_FAIL": "dispatch:migrate"},
    )
    stack = Stack(cfg)
    with pytest.raises(StackError, match=r"dispatch: `migrate` failed \(exit 3\)") as err:
        stack.start(ready_timeout=10)
    assert "failed on purpose" in str(err.value)
    assert stack.redis is not None
    assert not stack.redis.process.alive()
    assert stack.processes == {}


def test_an_api_that_never_gets_ready_times_out_with_its_log(fake_config: StackConfig) -> None:
    cfg = StackConfig(
        data_dir=fake_config.data_dir,
        ports=fake_config.ports,
        python=fake_config.python,
        extra_env={**fake_config.extra_env, "FAKE_READY_AFTER": "1000"},
    )
    stack = Stack(cfg)
    with pytest.raises(StackError, match="not ready after 2s") as err:
        stack.start(ready_timeout=2)
    assert "fake api listening" in str(err.value)
    pids = all_pids(stack)
    assert wait_gone(pids, timeout=5) == []


def test_busy_port_is_named_before_anything_starts(fake_config: StackConfig) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", fake_config.ports.dispatch))
        s.listen()
        stack = Stack(fake_config)
        with pytest.raises(StackError, match=f"{fake_config.ports.dispatch} \\(dispatch-api\\).*--port-base"):
            stack.start()
    assert stack.redis is None


def test_two_stacks_cannot_share_a_data_folder(running: Stack) -> None:
    other = Stack(StackConfig(data_dir=running.config.data_dir, ports=Ports.free(), python=running.config.python))
    with pytest.raises(StackError, match=f"another hotline stack \\(pid {os.getpid()}\\)"):
        other.start()
    # and the refused one did not delete the running stack's state
    assert running.config.state_file.exists()


def test_reset_wipes_only_a_folder_the_stack_owns(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "logs").mkdir(parents=True)
    (data / "intake.sqlite3").write_text("x")
    (data / "identity_secret").write_text("s" * 40)
    wipe_data_dir(data)
    assert list(data.iterdir()) == []
    (tmp_path / "thesis.docx").write_text("years of work")
    with pytest.raises(StackError, match=r"thesis\.docx"):
        wipe_data_dir(tmp_path)
    assert (tmp_path / "thesis.docx").exists()


def test_supervisor_restarts_a_crashed_process_with_backoff(running: Stack) -> None:
    messages: list[str] = []
    sup = Supervisor(running, messages.append)
    worker = running.processes["dispatch-worker"]
    old = worker.pid
    worker.kill()
    sup.tick(now=1000.0)
    assert "dispatch-worker exited with code -9; restarting in 1s" in messages[0]
    sup.tick(now=1000.5)
    assert not worker.alive()
    sup.tick(now=1001.1)
    assert worker.alive()
    assert worker.pid != old
    assert "dispatch-worker restarted" in messages[-1]
    # a second crash soon after waits longer
    worker.kill()
    sup.tick(now=1002.0)
    assert "restarting in 2s" in messages[-1]
    sup.tick(now=1004.1)
    assert worker.alive()
    # after a minute of running without a crash, the next crash starts from 1 s again
    worker.kill()
    sup.tick(now=1004.1 + 61)
    assert "restarting in 1s" in messages[-1]


def test_log_summary_shows_warnings_and_tracebacks_not_chatter(tmp_path: Path) -> None:
    log = tmp_path / "intake-api.log"
    log.write_text("old ERROR from a previous run\n")
    shown: list[tuple[str, str]] = []
    summary = LogSummary(lambda: [("intake-api", log)], lambda n, line: shown.append((n, line)))
    summary.start()
    with log.open("a") as f:
        f.write("2026-11-22T10:00:00 [info     ] request handled path=/readyz\n")
        f.write("2026-11-22T10:00:01 [warning  ] relay lagging behind\n")
        f.write('{"level": "error", "event": "consumer failed"}\n')
        f.write("Traceback (most recent call last):\n")
        f.write('  File "x.py", line 1, in <module>\n')
        f.write("ZeroDivisionError: division by zero\n")
        f.write("INFO: 127.0.0.1 GET /api/v1/cases 200\n")
        f.write("partial line without newline")
    summary.stop()
    lines = [line for _, line in shown]
    assert lines == [
        "2026-11-22T10:00:01 [warning  ] relay lagging behind",
        '{"level": "error", "event": "consumer failed"}',
        "Traceback (most recent call last):",
        '  File "x.py", line 1, in <module>',
        "ZeroDivisionError: division by zero",
    ]
    assert summary.lines_seen["intake-api"] == 7
