"""Fixed-window counters in Redis for anti-abuse limits (per phone, per client address).

Shared by every replica through Redis. Without Redis the limits are not enforced (logged), so a
Redis outage never stops a citizen from filing a case: the other checks still hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = structlog.get_logger("throttle")


@dataclass(frozen=True)
class Limit:
    name: str
    limit: int
    window_s: int


class WindowThrottle:
    def __init__(self, redis: Redis, *, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    def _key(self, limit: Limit, subject: str) -> str:
        return f"{self.prefix}:{limit.name}:{subject}"

    async def blocked_for(self, checks: Sequence[tuple[Limit, str]]) -> int:
        """Seconds until every limit has room again (0: go ahead); counts nothing."""
        try:
            wait = 0
            for limit, subject in checks:
                key = self._key(limit, subject)
                count = await self.redis.get(key)
                if count is not None and int(count) >= limit.limit:
                    wait = max(wait, max(int(await self.redis.ttl(key)), 1))
            return wait
        except RedisError as exc:
            log.warning("throttle_unavailable", prefix=self.prefix, error=type(exc).__name__)
            return 0

    async def count(self, checks: Sequence[tuple[Limit, str]]) -> None:
        try:
            pipe = self.redis.pipeline(transaction=True)
            for limit, subject in checks:
                key = self._key(limit, subject)
                pipe.incr(key)
                pipe.expire(key, limit.window_s, nx=True)
            await pipe.execute()
        except RedisError as exc:
            log.warning("throttle_unavailable", prefix=self.prefix, error=type(exc).__name__)
