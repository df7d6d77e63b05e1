from __future__ import annotations

from typing import Any

from hotline_shared.clock import Clock
from hotline_shared.errors import Conflict, NotFound, ValidationFailed, field_error
from sqlalchemy.ext.asyncio import AsyncSession

from ..catalog import service as catalog
from ..enums import Category, Urgency
from . import repository
from .defaults import BUILTIN_FALLBACK
from .models import TimeLimitPolicy
from .schemas import Limit, PolicyIn, PolicyOut

ANY = "*"
KINDS = ("sign", "contact", "reply", "return_window")


def specificity(policy: TimeLimitPolicy) -> int:
    # Urgency outweighs topic and category together: an urgent case always runs on urgent limits.
    return 4 * (policy.urgency_key != ANY) + 2 * (policy.topic_key != ANY) + 1 * (policy.category_key != ANY)


def _limit(policy: TimeLimitPolicy, kind: str) -> Limit:
    return Limit(amount=getattr(policy, f"{kind}_amount"), unit=getattr(policy, f"{kind}_unit"))


def to_out(policy: TimeLimitPolicy) -> PolicyOut:
    return PolicyOut(
        id=policy.id,
        category=None if policy.category_key == ANY else Category(policy.category_key),
        topic_code=None if policy.topic_key == ANY else policy.topic_key,
        urgency=None if policy.urgency_key == ANY else Urgency(policy.urgency_key),
        sign=_limit(policy, "sign"),
        contact=_limit(policy, "contact"),
        reply=_limit(policy, "reply"),
        return_window=_limit(policy, "return_window"),
        max_extensions=policy.max_extensions,
        version=policy.version,
        specificity=specificity(policy),
        note=policy.note,
        created_at=policy.created_at,
        updated_at=policy.updated_at,
        updated_by=policy.updated_by,
    )


def snapshot(policy: TimeLimitPolicy | None) -> dict[str, Any]:
    """What an order records: the limits in force at dispatch, and which policy they came from."""
    if policy is None:
        data = BUILTIN_FALLBACK
        return {
            "policy_id": None,
            "version": 0,
            "match": {"category": None, "topic_code": None, "urgency": None},
            **{kind: getattr(data, kind).model_dump(mode="json") for kind in KINDS},
            "max_extensions": data.max_extensions,
        }
    out = to_out(policy)
    return {
        "policy_id": policy.id,
        "version": policy.version,
        "match": {
            "category": out.category.value if out.category else None,
            "topic_code": out.topic_code,
            "urgency": out.urgency.value if out.urgency else None,
        },
        **{kind: getattr(out, kind).model_dump(mode="json") for kind in KINDS},
        "max_extensions": policy.max_extensions,
    }


async def resolve(session: AsyncSession, *, category: str, topic_code: str, urgency: str) -> TimeLimitPolicy | None:
    topics = [*await catalog.topic_chain(session, topic_code), ANY]
    found = await repository.candidates(session, categories=[category, ANY], topics=topics, urgencies=[urgency, ANY])
    if not found:
        return None
    return max(found, key=lambda p: (specificity(p), -topics.index(p.topic_key)))


async def require(session: AsyncSession, policy_id: int) -> TimeLimitPolicy:
    policy = await repository.get(session, policy_id)
    if policy is None:
        raise NotFound(f"There is no time-limit policy {policy_id}.")
    return policy


def _keys(data: PolicyIn) -> dict[str, str]:
    return {
        "category": data.category.value if data.category else ANY,
        "topic": data.topic_code or ANY,
        "urgency": data.urgency.value if data.urgency else ANY,
    }


async def _validate(session: AsyncSession, data: PolicyIn, *, policy_id: int | None) -> None:
    if (
        data.topic_code is not None
        and await catalog.is_known(session)
        and await catalog.topic(session, data.topic_code) is None
    ):
        raise ValidationFailed(
            f"Topic {data.topic_code} is not in the topic catalogue.",
            errors=[field_error(["body", "topic_code"], "unknown topic code", "unknown_topic")],
        )
    clash = await repository.by_key(session, **_keys(data))
    if clash is not None and clash.id != policy_id:
        raise Conflict(
            f"Policy {clash.id} already covers this category, topic and urgency; edit it instead.",
            extra={"conflicting_policy_id": clash.id},
        )


def apply(policy: TimeLimitPolicy, data: PolicyIn) -> None:
    keys = _keys(data)
    policy.category_key, policy.topic_key, policy.urgency_key = keys["category"], keys["topic"], keys["urgency"]
    for kind in KINDS:
        limit: Limit = getattr(data, kind)
        setattr(policy, f"{kind}_amount", float(limit.amount))
        setattr(policy, f"{kind}_unit", limit.unit.value)
    policy.max_extensions = data.max_extensions
    policy.note = data.note


async def create(session: AsyncSession, *, data: PolicyIn, clock: Clock, by: str) -> TimeLimitPolicy:
    await _validate(session, data, policy_id=None)
    now = clock.now()
    policy = TimeLimitPolicy(version=1, created_at=now, updated_at=now, updated_by=by)
    apply(policy, data)
    session.add(policy)
    await session.flush()
    return policy


async def replace(session: AsyncSession, *, policy_id: int, data: PolicyIn, clock: Clock, by: str) -> TimeLimitPolicy:
    policy = await require(session, policy_id)
    if (policy.category_key, policy.topic_key, policy.urgency_key) == (ANY, ANY, ANY) and any(
        _keys(data)[k] != ANY for k in ("category", "topic", "urgency")
    ):
        raise Conflict(
            "The catch-all policy (any category, topic and urgency) must stay a catch-all; change its limits only."
        )
    await _validate(session, data, policy_id=policy_id)
    apply(policy, data)
    policy.version += 1
    policy.updated_at = clock.now()
    policy.updated_by = by
    await session.flush()
    return policy


async def remove(session: AsyncSession, *, policy_id: int) -> None:
    policy = await require(session, policy_id)
    if (policy.category_key, policy.topic_key, policy.urgency_key) == (ANY, ANY, ANY):
        raise Conflict("The catch-all policy cannot be deleted: every case needs time limits. Edit it instead.")
    await session.delete(policy)
    await session.flush()
