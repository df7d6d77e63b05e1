from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from hotline_shared.app import ClockDep, SessionDep

from ..paging import CursorQuery, LimitQuery, Page, after, next_cursor
from ..roles import Admin, Staff
from ..validation import CODE_PATTERN, ID_PATTERN, IntIdPath
from . import repository, service
from .schemas import RouteMatch, RuleIn, RuleOut

router = APIRouter(prefix="/api/v1/routing-rules", tags=["routing-rules"])

CodeQuery = Annotated[str | None, Query(pattern=CODE_PATTERN)]


@router.get("", response_model=Page[RuleOut], summary="List routing rules")
async def list_rules(
    session: SessionDep,
    identity: Staff,
    topic_code: CodeQuery = None,
    area_code: CodeQuery = None,
    unit_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[RuleOut]:
    start = after(cursor, {"id": int})
    rows = await repository.page(
        session,
        after=start["id"] if start else None,
        limit=limit,
        topic_key=topic_code,
        area_key=area_code,
        unit_id=unit_id,
    )
    return Page[RuleOut](
        items=[service.to_out(r) for r in rows[:limit]], next_cursor=next_cursor(rows, limit, lambda r: {"id": r.id})
    )


@router.get("/match", response_model=RouteMatch, summary="Which rule would route a case here")
async def match_rule(
    session: SessionDep,
    identity: Staff,
    topic_code: Annotated[str, Query(pattern=CODE_PATTERN)],
    district_code: CodeQuery = None,
    street_code: CodeQuery = None,
    community_code: CodeQuery = None,
) -> RouteMatch:
    where = service.CaseArea(topic_code, district_code, street_code, community_code)
    rule = await service.match(session, where=where)
    if rule is None:
        return RouteMatch(matched=False)
    return RouteMatch(
        matched=True, rule=service.to_out(rule), lead_unit_id=rule.lead_unit_id, co_unit_ids=list(rule.co_unit_ids)
    )


@router.post("", status_code=201, response_model=RuleOut, summary="Add a routing rule")
async def create_rule(body: RuleIn, session: SessionDep, clock: ClockDep, identity: Admin) -> RuleOut:
    return service.to_out(await service.create(session, data=body, clock=clock, by=identity.subject))


@router.get("/{rule_id}", response_model=RuleOut, summary="One routing rule")
async def get_rule(rule_id: IntIdPath, session: SessionDep, identity: Staff) -> RuleOut:
    return service.to_out(await service.require(session, rule_id))


@router.put("/{rule_id}", response_model=RuleOut, summary="Replace a routing rule")
async def replace_rule(
    rule_id: IntIdPath, body: RuleIn, session: SessionDep, clock: ClockDep, identity: Admin
) -> RuleOut:
    return service.to_out(await service.replace(session, rule_id=rule_id, data=body, clock=clock, by=identity.subject))


@router.delete("/{rule_id}", status_code=204, response_class=Response, summary="Delete a routing rule")
async def delete_rule(rule_id: IntIdPath, session: SessionDep, identity: Admin) -> Response:
    await service.remove(session, rule_id=rule_id)
    return Response(status_code=204)
