"""The one way every process connects to Redis: a plain URL, or a Sentinel-watched master.

With Sentinel, redis-py asks the sentinels for the current master on every new connection and
drops connections to a master that was demoted, so a failover costs the commands in flight (the
outbox relay and the consumers retry them), not a restart of the service.
"""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.sentinel import Sentinel
from redis.connection import parse_url

from .settings import ServiceSettings


def sentinel_addresses(entries: list[str]) -> list[tuple[str, int]]:
    addresses = []
    for entry in entries:
        host, _, port = entry.rpartition(":")
        addresses.append((host.strip("[]"), int(port)))
    return addresses


def connect_redis(settings: ServiceSettings, *, socket_timeout: float, socket_connect_timeout: float = 5) -> Redis:
    if not settings.redis_sentinels:
        return Redis.from_url(
            settings.redis_url, socket_timeout=socket_timeout, socket_connect_timeout=socket_connect_timeout
        )
    # The URL still carries the database number and the master's credentials.
    options = parse_url(settings.redis_url)
    sentinel = Sentinel(
        sentinel_addresses(settings.redis_sentinels),
        socket_timeout=socket_timeout,
        socket_connect_timeout=socket_connect_timeout,
        sentinel_kwargs={
            "password": settings.redis_sentinel_password,
            "socket_timeout": socket_connect_timeout,
            "socket_connect_timeout": socket_connect_timeout,
        },
    )
    master: Redis = sentinel.master_for(
        settings.redis_sentinel_master,
        db=options.get("db", 0),
        username=options.get("username"),
        password=options.get("password"),
    )
    return master
