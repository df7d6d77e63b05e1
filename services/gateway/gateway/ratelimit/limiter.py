"""Rate limiting in Redis with GCRA (the generic cell rate algorithm), shared by all gateway replicas.

One key per bucket holds the "theoretical arrival time"; a Lua script reads and moves it
atomically using the Redis server's clock, so replicas with skewed clocks still agree, and the
answer says exactly how long to wait (the Retry-After header).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = structlog.get_logger("ratelimit")

KEY_PREFIX = "hotline:ratelimit:"

_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - interval * burst
if allow_at > now then
  return {0, allow_at - now, 0}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.max(1, new_tat - now))
return {1, 0, math.floor((now - allow_at) / interval)}
"""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_s: int
    remaining: int


class RateLimiter:
    def __init__(self, redis: Redis) -> None:
        self._script = redis.register_script(_GCRA)

    async def hit(self, bucket: str, *, per_minute: int) -> Decision:
        """Take one request from `bucket` (N per minute, bursts of up to N)."""
        interval_ms = max(1, 60_000 // per_minute)
        try:
            allowed, wait_ms, remaining = await self._script(keys=[KEY_PREFIX + bucket], args=[interval_ms, per_minute])
        except RedisError as exc:
            # Fail open: a Redis outage must not take the whole hotline down with it.
            log.warning("ratelimit_unavailable", bucket=bucket.split(":", 1)[0], error=type(exc).__name__)
            return Decision(True, 0, per_minute)
        return Decision(bool(allowed), max(1, math.ceil(int(wait_ms) / 1000)) if not allowed else 0, int(remaining))
