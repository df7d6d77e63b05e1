"""Request dependencies shared by the feedback routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from hotline_shared.events import Outbox

from .outbox import get_outbox
from .policy import FeedbackPolicy
from .public.throttle import LookupThrottle


def get_policy(request: Request) -> FeedbackPolicy:
    policy: FeedbackPolicy = request.app.state.policy
    return policy


def get_throttle(request: Request) -> LookupThrottle:
    throttle: LookupThrottle = request.app.state.throttle
    return throttle


OutboxDep = Annotated[Outbox, Depends(get_outbox)]
PolicyDep = Annotated[FeedbackPolicy, Depends(get_policy)]
ThrottleDep = Annotated[LookupThrottle, Depends(get_throttle)]
IdempotencyKeyDep = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Send the same key when retrying: the write is applied once and answered the same.",
    ),
]
