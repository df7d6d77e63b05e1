"""The embedded Valkey: a real server, durable across a crash, never orphaned."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import redis
from hotline_shared.ports import free_ports
from hotline_stack.processes import Spawner
from hotline_stack.procinfo import pid_gone, wait_gone
from hotline_stack.redis_server import ValkeyServer, wait_for_redis


@pytest.fixture
def server(tmp_path: Path):
    spawner = Spawner()
    (port,) = free_ports(1)
    srv = ValkeyServer(
        data_dir=tmp_path / "redis", port=port, log_path=tmp_path / "logs" / "redis.log", spawner=spawner
    )
    srv.start()
    yield srv
    srv.stop()
    spawner.close()


def test_valkey_runs_with_append_only_fsync_always_and_no_snapshots(server: ValkeyServer) -> None:
    client = redis.Redis.from_url(server.url, decode_responses=True)
    assert client.ping()
    assert client.config_get("appendonly") == {"appendonly": "yes"}
    assert client.config_get("appendfsync") == {"appendfsync": "always"}
    assert client.config_get("save") == {"save": ""}
    assert client.config_get("bind")["bind"] == "127.0.0.1"
    assert Path(client.config_get("dir")["dir"]) == server.data_dir.resolve()
    client.close()


def test_stream_entries_survive_a_valkey_crash(server: ValkeyServer) -> None:
    client = redis.Redis.from_url(server.url, decode_responses=True)
    ids = [client.xadd("hotline:events:test", {"n": str(i)}) for i in range(50)]
    client.xgroup_create("hotline:events:test", "dispatch", id="0")
    client.close()

    pid = server.process.pid
    server.restart(kill=True)  # SIGKILL: no chance to save anything on the way out
    assert server.process.pid != pid
    client = redis.Redis.from_url(server.url, decode_responses=True)
    entries = client.xrange("hotline:events:test")
    assert [e[0] for e in entries] == ids
    assert [g["name"] for g in client.xinfo_groups("hotline:events:test")] == ["dispatch"]
    client.close()


def test_a_second_server_on_a_taken_port_fails_with_a_pointer_to_its_log(server: ValkeyServer, tmp_path: Path) -> None:
    spawner = Spawner()
    other = ValkeyServer(data_dir=tmp_path / "r2", port=server.port, log_path=tmp_path / "r2.log", spawner=spawner)
    try:
        with pytest.raises(RuntimeError, match=r"valkey exited .*r2\.log"):
            other.start(timeout=10)
    finally:
        other.stop()
        spawner.close()


def test_wait_for_redis_gives_up_with_a_clear_message() -> None:
    (port,) = free_ports(1)
    with pytest.raises(RuntimeError, match=f"redis://127.0.0.1:{port}/0 did not answer PING"):
        wait_for_redis(f"redis://127.0.0.1:{port}/0", timeout=0.3)


HOLDER = """
import sys, time
from pathlib import Path
from hotline_stack.processes import Spawner
from hotline_stack.redis_server import ValkeyServer
srv = ValkeyServer(data_dir=Path(sys.argv[1]), port=int(sys.argv[2]), log_path=Path(sys.argv[1]) / "v.log",
                   spawner=Spawner())
srv.start()
print(srv.process.pid, flush=True)
time.sleep(300)
"""


def test_valkey_dies_with_its_sigkilled_parent(tmp_path: Path) -> None:
    (port,) = free_ports(1)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path), str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        valkey_pid = int(holder.stdout.readline())
        assert not pid_gone(valkey_pid)
        holder.kill()
        holder.wait()
        assert wait_gone([valkey_pid], timeout=10) == []
    finally:
        if holder.poll() is None:
            holder.kill()
