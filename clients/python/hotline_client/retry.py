"""The retry policy of every request: which failures are worth another try, and how long to wait.

Timeouts, dropped connections, 429, 503 and the gateway's 502/504 ("the service did not answer;
the request may or may not have been applied, retry with the same Idempotency-Key") are
transient; a write is safe to resend because it carries the same Idempotency-Key each time.
Everything else (a 4xx that says what to fix, a 500) is raised at once. The wait is the
server's Retry-After when it gave one, else exponential backoff with jitter.
"""

from __future__ import annotations

import httpx
from tenacity import RetryCallState, retry_if_exception, stop_after_attempt, wait_exponential_jitter
from tenacity.wait import wait_base

from .errors import ProblemError

RETRY_STATUSES = frozenset({429, 502, 503, 504})


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, httpx.TransportError):
        return True
    return isinstance(exc, ProblemError) and exc.status in RETRY_STATUSES


class WaitRetryAfter(wait_base):
    """Honour Retry-After (capped at `maximum`), fall back to exponential backoff with jitter."""

    def __init__(self, *, maximum: float) -> None:
        self.maximum = maximum
        self.fallback = wait_exponential_jitter(multiplier=0.5, max=maximum)

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None else None
        if isinstance(exc, ProblemError) and exc.retry_after is not None:
            return min(exc.retry_after, self.maximum)
        return float(self.fallback(retry_state))


def policy(*, retries: int, backoff_max: float) -> dict[str, object]:
    """Keyword arguments for tenacity.Retrying / AsyncRetrying."""
    return {
        "retry": retry_if_exception(is_transient),
        "stop": stop_after_attempt(retries + 1),
        "wait": WaitRetryAfter(maximum=backoff_max),
        "reraise": True,
    }
