"""Throttle lookup-code guessing: failed lookups are counted per client IP, and per case and IP.

A six-character code from a 32-letter alphabet has about a billion values; a few failures per
window make guessing hopeless while a citizen who mistypes can still try again. Both counters are
checked before the code is, so a blocked caller learns nothing about whether a code is right.

The per-case counter belongs to the client that failed: case numbers are sequential and listed
on the board, so a counter shared by everyone would let a stranger lock a citizen out of their
own case with ten wrong codes. The numbers (guesses per year for an attacker with many
addresses) are in docs/runbook.md, "Lookup codes".
"""

from __future__ import annotations

import structlog
from hotline_shared.errors import ServiceUnavailable, TooManyRequests
from redis.asyncio import Redis
from redis.exceptions import RedisError

from ..config import FeedbackSettings

log = structlog.get_logger("lookup_throttle")

PREFIX = "feedback:lookup-fail"
UNAVAILABLE_RETRY_S = 10


class LookupThrottle:
    def __init__(self, redis: Redis, settings: FeedbackSettings) -> None:
        self.redis = redis
        self.limits = (
            ("ip", settings.lookup_ip_max_failures, settings.lookup_ip_window_s),
            ("case", settings.lookup_case_max_failures, settings.lookup_case_window_s),
        )

    def _keys(self, ip: str | None, case_no: str) -> list[tuple[str, int, int]]:
        subjects = {"ip": ip or "unknown", "case": f"{case_no}:{ip or 'unknown'}"}
        return [(f"{PREFIX}:{kind}:{subjects[kind]}", limit, window) for kind, limit, window in self.limits]

    async def check(self, *, ip: str | None, case_no: str) -> None:
        try:
            for key, limit, _window in self._keys(ip, case_no):
                count = await self.redis.get(key)
                if count is not None and int(count) >= limit:
                    ttl = await self.redis.ttl(key)
                    retry = max(int(ttl), 1)
                    raise TooManyRequests(
                        f"查询失败次数过多，请 {retry} 秒后再试。"
                        f" Too many failed lookups; try again in {retry} seconds.",
                        headers={"Retry-After": str(retry)},
                        extra={"retry_after": retry},
                    )
        except RedisError as exc:
            # Fail closed: without the counters nothing stops a guesser, and the public lookup is
            # the one thing guessing attacks. A citizen is asked to retry in a moment (the client
            # already retried on a fresh connection, so Redis is really down).
            log.warning("lookup_throttle_unavailable", error=type(exc).__name__)
            raise ServiceUnavailable(
                f"查询服务暂时不可用，请 {UNAVAILABLE_RETRY_S} 秒后再试。"
                f" Lookups are briefly unavailable; try again in {UNAVAILABLE_RETRY_S} seconds.",
                headers={"Retry-After": str(UNAVAILABLE_RETRY_S)},
                extra={"retry_after": UNAVAILABLE_RETRY_S},
            ) from exc

    async def failed(self, *, ip: str | None, case_no: str) -> None:
        try:
            pipe = self.redis.pipeline(transaction=True)
            for key, _limit, window in self._keys(ip, case_no):
                pipe.incr(key)
                pipe.expire(key, window, nx=True)
            await pipe.execute()
        except RedisError as exc:
            log.warning("lookup_throttle_unavailable", error=type(exc).__name__)
