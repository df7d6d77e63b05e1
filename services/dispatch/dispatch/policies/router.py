from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from hotline_shared.app import ClockDep, SessionDep

from ..enums import Category, Urgency
from ..paging import CursorQuery, LimitQuery, Page, after, next_cursor
from ..roles import Admin, Staff
from ..validation import CODE_PATTERN, IntIdPath
from . import repository, service
from .schemas import PolicyIn, PolicyOut, PolicyResolution

router = APIRouter(prefix="/api/v1/policies", tags=["policies"])


@router.get("", response_model=Page[PolicyOut], summary="List time-limit policies")
async def list_policies(
    session: SessionDep,
    identity: Staff,
    category: Category | None = None,
    urgency: Urgency | None = None,
    topic_code: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[PolicyOut]:
    start = after(cursor, {"id": int})
    rows = await repository.page(
        session,
        after=start["id"] if start else None,
        limit=limit,
        category=category.value if category else None,
        topic=topic_code,
        urgency=urgency.value if urgency else None,
    )
    return Page[PolicyOut](
        items=[service.to_out(p) for p in rows[:limit]], next_cursor=next_cursor(rows, limit, lambda p: {"id": p.id})
    )


@router.get("/resolve", response_model=PolicyResolution, summary="Which limits a case would get")
async def resolve_policy(
    session: SessionDep,
    identity: Staff,
    category: Category,
    topic_code: Annotated[str, Query(pattern=CODE_PATTERN)],
    urgency: Urgency = Urgency.normal,
) -> PolicyResolution:
    policy = await service.resolve(session, category=category.value, topic_code=topic_code, urgency=urgency.value)
    return PolicyResolution(policy=service.to_out(policy) if policy else None, snapshot=service.snapshot(policy))


@router.post("", status_code=201, response_model=PolicyOut, summary="Add a time-limit policy")
async def create_policy(body: PolicyIn, session: SessionDep, clock: ClockDep, identity: Admin) -> PolicyOut:
    return service.to_out(await service.create(session, data=body, clock=clock, by=identity.subject))


@router.get("/{policy_id}", response_model=PolicyOut, summary="One policy")
async def get_policy(policy_id: IntIdPath, session: SessionDep, identity: Staff) -> PolicyOut:
    return service.to_out(await service.require(session, policy_id))


@router.put("/{policy_id}", response_model=PolicyOut, summary="Replace a policy (new version; open orders keep theirs)")
async def replace_policy(
    policy_id: IntIdPath, body: PolicyIn, session: SessionDep, clock: ClockDep, identity: Admin
) -> PolicyOut:
    policy = await service.replace(session, policy_id=policy_id, data=body, clock=clock, by=identity.subject)
    return service.to_out(policy)


@router.delete("/{policy_id}", status_code=204, response_class=Response, summary="Delete a policy")
async def delete_policy(policy_id: IntIdPath, session: SessionDep, identity: Admin) -> Response:
    await service.remove(session, policy_id=policy_id)
    return Response(status_code=204)
