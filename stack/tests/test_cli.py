"""The `hotline` command as a user runs it (fake services behind it; tests/test_stack_up.py uses the real ones)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from hotline_shared.ports import free_port_block
from hotline_stack.cli import app, parse_duration
from hotline_stack.keys import default_keys_file, load_keys
from hotline_stack.procinfo import descendants_of, wait_gone
from typer.testing import CliRunner

HOTLINE = Path(sys.executable).with_name("hotline")


def test_parse_duration() -> None:
    assert parse_duration("3600") == 3600
    assert parse_duration("90m") == 5400
    assert parse_duration("36h") == 36 * 3600
    assert parse_duration("-2d") == -2 * 86400
    with pytest.raises(Exception, match="not a duration"):
        parse_duration("tomorrow")


def test_status_without_a_stack_says_how_to_start_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["status", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "not running" in result.output
    assert "hotline up" in result.output


def test_keys_prints_every_demo_key() -> None:
    result = CliRunner().invoke(app, ["keys"])
    assert result.exit_code == 0
    for key in load_keys(default_keys_file()):
        assert key.key in result.output


def start_up(
    tmp_path: Path, fake_python: Path, markers: Path, *extra: str
) -> tuple[subprocess.Popen[str], int, list[str]]:
    base = free_port_block()
    env = {**os.environ, "HOTLINE_PYTHON": str(fake_python), "FAKE_MARKERS": str(markers), "COLUMNS": "200"}
    proc = subprocess.Popen(
        [str(HOTLINE), "up", "--data-dir", str(tmp_path / "data"), "--port-base", str(base), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if "Press Ctrl-C" in line:
            return proc, base, seen
    proc.kill()
    raise AssertionError("hotline up never said it was up:\n" + "".join(seen))


def test_up_prints_urls_and_keys_and_ctrl_c_stops_everything(tmp_path: Path, fake_python: Path, markers: Path) -> None:
    proc, base, seen = start_up(tmp_path, fake_python, markers)
    try:
        out = "".join(seen)
        assert f"Gateway:   http://127.0.0.1:{base}" in out
        assert f"http://127.0.0.1:{base}/docs" in out
        for key in load_keys(default_keys_file()):
            assert key.key in out
        children = descendants_of(proc.pid)
        assert len(children) >= 8  # valkey, 4 APIs, 3 workers
        assert httpx.get(f"http://127.0.0.1:{base + 2}/readyz").status_code == 200

        status = subprocess.run(
            [str(HOTLINE), "status", "--data-dir", str(tmp_path / "data")], capture_output=True, text=True
        )
        assert status.returncode == 0, status.stdout + status.stderr
        assert status.stdout.count("ready") >= 5

        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, rest
        assert "stopped" in rest
        assert wait_gone(children, timeout=5) == []
    finally:
        if proc.poll() is None:
            proc.kill()
    status = subprocess.run(
        [str(HOTLINE), "status", "--data-dir", str(tmp_path / "data")], capture_output=True, text=True
    )
    assert status.returncode == 1


def test_up_restarts_a_crashed_worker_and_says_so(tmp_path: Path, fake_python: Path, markers: Path) -> None:
    proc, _base, _seen = start_up(tmp_path, fake_python, markers)
    try:
        state = json.loads((tmp_path / "data" / "stack.json").read_text())
        os.kill(state["processes"]["feedback-worker"], signal.SIGKILL)
        assert proc.stdout is not None
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "feedback-worker restarted" in line:
                break
        else:
            raise AssertionError("".join(lines))
        assert any("feedback-worker exited with code -9" in line for line in lines)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    assert proc.returncode == 0


def test_sigkilled_up_leaves_no_orphans(tmp_path: Path, fake_python: Path, markers: Path) -> None:
    proc, _base, _seen = start_up(tmp_path, fake_python, markers)
    children = descendants_of(proc.pid)
    assert len(children) >= 8
    proc.kill()
    proc.wait()
    assert wait_gone(children, timeout=15) == []


def test_up_on_a_busy_port_explains_what_to_do(tmp_path: Path, fake_python: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        base = s.getsockname()[1]
        result = subprocess.run(
            [str(HOTLINE), "up", "--data-dir", str(tmp_path / "d"), "--port-base", str(base)],
            capture_output=True,
            text=True,
            env={**os.environ, "HOTLINE_PYTHON": str(fake_python)},
            timeout=60,
        )
    assert result.returncode == 1
    assert f"{base} (gateway-api)" in result.stdout
    assert "--port-base" in result.stdout
