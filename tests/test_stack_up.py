"""`hotline up` as a person runs it: the real command, the real services, then Ctrl-C — or a
SIGKILL, after which nothing it started may be left running."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hotline_shared.ports import free_port_block, port_in_use
from hotline_stack.keys import default_keys_file, load_keys
from hotline_stack.postgres import drop_database
from hotline_stack.procinfo import descendants_of, wait_gone

HOTLINE = Path(sys.executable).with_name("hotline")
SERVICES = ("intake", "dispatch", "feedback", "gateway")
START_TIMEOUT = 300.0


class HotlineUp:
    """`hotline up` in a subprocess, its output collected line by line as it comes."""

    def __init__(self, data_dir: Path, *extra: str, env: dict[str, str] | None = None) -> None:
        self.base = free_port_block(10)
        self.data_dir = data_dir
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [str(HOTLINE), "up", "--data-dir", str(data_dir), "--port-base", str(self.base), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            env={**os.environ, **(env or {})},
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if self.proc.poll() is not None:
                self._reader.join(timeout=5)
                raise AssertionError(f"hotline up exited ({self.proc.returncode}) before '{text}':\n{self.output}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no '{text}' after {timeout:.0f}s:\n{self.output}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def postgres_args() -> Iterator[list[str]]:
    """On the PostgreSQL run, `hotline up` gets its own databases on the test server."""
    server = os.environ.get("HOTLINE_TEST_POSTGRES_URL")
    if not server:
        yield []
        return
    prefix = f"e2e_up_{uuid.uuid4().hex[:8]}"
    yield ["--postgres-url", server, "--db-prefix", prefix]
    for svc in SERVICES:
        drop_database(server, f"{prefix}_{svc}")


def assert_everything_answers(up: HotlineUp) -> None:
    gateway = re.search(r"Gateway:\s+(http://127\.0\.0\.1:\d+)", up.output)
    assert gateway, up.output
    assert gateway.group(1) == f"http://127.0.0.1:{up.base}"
    assert f"http://127.0.0.1:{up.base}/docs" in up.output
    for key in load_keys(default_keys_file()):
        assert key.key in up.output, f"the {key.role} key {key.name} is not printed"
    for offset, svc in enumerate(("gateway", "intake", "dispatch", "feedback")):
        response = httpx.get(f"http://127.0.0.1:{up.base + offset}/readyz", timeout=10)
        assert response.status_code == 200, (svc, response.text)
        assert response.json()["checks"] == {"database": "ok", "redis": "ok"}, svc
    docs = httpx.get(f"{gateway.group(1)}/docs", timeout=10)
    assert docs.status_code == 200
    operator = next(k.key for k in load_keys(default_keys_file()) if k.role == "operator")
    cases = httpx.get(f"{gateway.group(1)}/api/v1/cases", headers={"Authorization": f"Bearer {operator}"}, timeout=10)
    assert cases.status_code == 200, cases.text
    assert cases.json()["items"], "the demo data was seeded"


def test_hotline_up_serves_everything_and_ctrl_c_stops_it_all(tmp_path: Path, postgres_args: list[str]) -> None:
    up = HotlineUp(tmp_path / "data", *postgres_args)
    try:
        up.wait_for("Press Ctrl-C")
        assert_everything_answers(up)
        children = descendants_of(up.proc.pid)
        assert len(children) >= 8, "Valkey, 4 APIs and 3 workers"
        secret = (tmp_path / "data" / "identity_secret").read_text().strip()
        assert len(secret) >= 32
        assert secret not in up.output, "the identity secret is never printed"

        up.proc.send_signal(signal.SIGINT)
        assert up.proc.wait(timeout=90) == 0, up.output
        up._reader.join(timeout=5)
        assert "stopped" in up.lines[-1]
        assert wait_gone(children, timeout=10) == [], "children outlived a stopped hotline up"
        assert not any(port_in_use("127.0.0.1", up.base + i) for i in (0, 1, 2, 3, 9))
        # logs stay behind for a post-mortem
        for name in ("gateway-api", "intake-api", "dispatch-worker", "redis"):
            assert (tmp_path / "data" / "logs" / f"{name}.log").stat().st_size > 0, name
    finally:
        up.stop()


def test_sigkilled_hotline_up_leaves_no_orphans_and_can_start_again(tmp_path: Path, postgres_args: list[str]) -> None:
    up = HotlineUp(tmp_path / "data", *postgres_args)
    try:
        up.wait_for("Press Ctrl-C")
        children = descendants_of(up.proc.pid)
        assert len(children) >= 8
        up.proc.kill()
        up.proc.wait()
        assert wait_gone(children, timeout=20) == [], "orphans left behind by a SIGKILLed hotline up"
    finally:
        up.stop()
    # The same folder starts again: its lock died with the process, its data is intact.
    again = HotlineUp(tmp_path / "data", *postgres_args)
    try:
        again.wait_for("Press Ctrl-C")
        assert_everything_answers(again)
        again.proc.send_signal(signal.SIGTERM)
        assert again.proc.wait(timeout=90) == 0
    finally:
        again.stop()
