"""The one way every process connects to Redis: a plain URL, or a Sentinel-watched master, and
either way connections that survive a Redis restart.

`Redis.from_url` alone gives connections that never retry: after Redis restarts, the first
command on every pooled socket fails with ConnectionError. Readiness then answered 503 and the
limiters treated Redis as down long after it was back. A retry on a fresh connection (with a short
back-off, so a Redis that is really down still fails fast) and a PING before reusing a socket that
sat idle make the restart invisible to callers.

With Sentinel, redis-py asks the sentinels for the current master on every new connection and
drops connections to a master that was demoted, so a failover costs the commands in flight (the
outbox relay and the consumers retry them), not a restart of the service.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import ExponentialWithJitterBackoff
from redis.connection import parse_url
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .settings import ServiceSettings

# Three retries within about a second: long enough for a reconnect, short enough that a request
# to a Redis that is really down is answered (503, or the limiter's documented fallback) quickly.
RETRIES = 3
BACKOFF_BASE_S = 0.05
BACKOFF_CAP_S = 0.5
HEALTH_CHECK_INTERVAL_S = 5


def sentinel_addresses(entries: list[str]) -> list[tuple[str, int]]:
    addresses = []
    for entry in entries:
        host, _, port = entry.rpartition(":")
        addresses.append((host.strip("[]"), int(port)))
    return addresses


def _resilience() -> dict[str, Any]:
    return {
        "retry": Retry(ExponentialWithJitterBackoff(base=BACKOFF_BASE_S, cap=BACKOFF_CAP_S), RETRIES),
        "retry_on_error": [RedisConnectionError, RedisTimeoutError],
        "health_check_interval": HEALTH_CHECK_INTERVAL_S,
    }


def connect_redis(settings: ServiceSettings, *, socket_timeout: float, socket_connect_timeout: float = 5) -> Redis:
    if not settings.redis_sentinels:
        return Redis.from_url(
            settings.redis_url,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_connect_timeout,
            **_resilience(),
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
        **_resilience(),
    )
    return master
