"""One way to open the Redis client every service process uses, so they all survive a Redis restart.

`Redis.from_url` alone gives connections that never retry: after Redis restarts, the first
command on every pooled socket fails with ConnectionError. Readiness then answered 503 and the
limiters treated Redis as down long after it was back. A retry on a fresh connection (with a short
back-off, so a Redis that is really down still fails fast) and a PING before reusing a socket that
sat idle make the restart invisible to callers.
"""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# Three retries within about a second: long enough for a reconnect, short enough that a request
# to a Redis that is really down is answered (503, or the limiter's documented fallback) quickly.
RETRIES = 3
BACKOFF_BASE_S = 0.05
BACKOFF_CAP_S = 0.5
HEALTH_CHECK_INTERVAL_S = 5


def connect_redis(url: str, *, socket_timeout: float = 5, socket_connect_timeout: float = 5) -> Redis:
    return Redis.from_url(
        url,
        socket_timeout=socket_timeout,
        socket_connect_timeout=socket_connect_timeout,
        retry=Retry(ExponentialWithJitterBackoff(base=BACKOFF_BASE_S, cap=BACKOFF_CAP_S), RETRIES),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        health_check_interval=HEALTH_CHECK_INTERVAL_S,
    )
