"""考评: rules, the points ledger, a unit's month, the red/black record, the 约谈 list, exports."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import HTMLResponse
from hotline_shared.app import SessionDep
from hotline_shared.client_times import client_time
from hotline_shared.errors import Forbidden, NotFound
from hotline_shared.identity import Identity, Role, require_roles

from ..actors import Actor
from ..roles import Anyone
from ..runtime import RuntimeDep
from ..supervision.exports import ExportFormat, render
from ..supervision.router import FILE_RESPONSES, FormatQuery, MonthQuery, _file
from ..supervision.schemas import MONTH_PATTERN
from ..validation import UnitIdPath
from . import bulletin, exports, ledger, repository, service
from .schemas import (
    BulletinOut,
    CrossingList,
    CrossingOut,
    DoneIn,
    EntryEdit,
    EntryIn,
    ManualIn,
    PointOut,
    PublicSummary,
    QuarterOut,
    RecomputeOut,
    ReverseIn,
    RuleIn,
    RuleList,
    RuleOut,
    UnitEvaluation,
)

router = APIRouter(prefix="/api/v1/evaluation", tags=["evaluation"])
public_router = APIRouter(prefix="/api/v1/public/evaluation", tags=["evaluation"])

Supervisor = Annotated[Identity, require_roles(Role.supervisor, Role.admin)]
Admin = Annotated[Identity, require_roles(Role.admin)]
SupervisorOrUnit = Annotated[Identity, require_roles(Role.supervisor, Role.admin, Role.unit)]

MonthPath = Annotated[str, Path(pattern=MONTH_PATTERN, description="YYYY-MM (Asia/Shanghai)")]
RuleCode = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{1,39}$", description="rule code, e.g. listed_urge")]
IdPath = Annotated[int, Path(ge=1, le=2**62)]
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "the month is published (frozen), or the request clashes with the current state"}
}


@router.get("/rules", response_model=RuleList, summary="The rule table, every version (考评规则)")
async def list_rules(session: SessionDep, identity: Supervisor) -> RuleList:
    return RuleList.model_validate({"items": [service.rule_view(r) for r in await repository.all_rules(session)]})


@router.put("/rules/{code}", response_model=RuleOut, responses=CONFLICT, summary="Add a rule version (admin)")
async def put_rule(code: RuleCode, body: RuleIn, session: SessionDep, rt: RuntimeDep, identity: Admin) -> RuleOut:
    start = client_time(body.effective_from, loc=["body", "effective_from"]) if body.effective_from else None
    rule = await service.put_rule(session, rt, code=code, data=body, effective_from=start, actor=Actor.of(identity))
    return RuleOut.model_validate(service.rule_view(rule))


async def _point_out(session: SessionDep, point: Any) -> PointOut:
    names = {r.code: r.name for r in await repository.all_rules(session)}
    return PointOut.model_validate(ledger.point_view(point, names))


@router.post(
    "/points", response_model=PointOut, status_code=201, responses=CONFLICT, summary="Manual points (人工记分)"
)
async def add_points(body: ManualIn, session: SessionDep, rt: RuntimeDep, identity: Supervisor) -> PointOut:
    point = await ledger.add_manual(
        session,
        rt,
        unit_id=body.unit_id,
        month=body.month,
        points=body.points,
        reason=body.reason,
        actor=Actor.of(identity),
    )
    return await _point_out(session, point)


@router.post(
    "/points/{point_id}/reverse",
    response_model=PointOut,
    status_code=201,
    responses=CONFLICT,
    summary="Correct a ledger row by a reversing row (冲正)",
)
async def reverse_points(
    point_id: IdPath, body: ReverseIn, session: SessionDep, rt: RuntimeDep, identity: Supervisor
) -> PointOut:
    point = await ledger.reverse(session, rt, point_id=point_id, reason=body.reason, actor=Actor.of(identity))
    return await _point_out(session, point)


@router.get("/units/{unit_id}", response_model=UnitEvaluation, summary="A unit's month: score, lines, ledger")
async def unit_evaluation(
    unit_id: UnitIdPath, month: MonthQuery, session: SessionDep, rt: RuntimeDep, identity: SupervisorOrUnit
) -> UnitEvaluation:
    if identity.role is Role.unit and identity.unit_id != unit_id:
        raise Forbidden("承办单位只能查看本单位的考评。")
    return UnitEvaluation.model_validate(await service.unit_evaluation(session, rt, unit_id=unit_id, month=month))


@router.get("/months/{month}", response_model=BulletinOut, summary="The month's scores, tiers and red/black record")
async def month_view(month: MonthPath, session: SessionDep, rt: RuntimeDep, identity: Supervisor) -> BulletinOut:
    return BulletinOut.model_validate(await bulletin.view(session, rt, month=month))


@router.post(
    "/months/{month}/compile", response_model=BulletinOut, responses=CONFLICT, summary="Compile the draft record"
)
async def compile_month(month: MonthPath, session: SessionDep, rt: RuntimeDep, identity: Supervisor) -> BulletinOut:
    return BulletinOut.model_validate(await bulletin.compile_draft(session, rt, month=month, actor=Actor.of(identity)))


@router.post(
    "/months/{month}/entries", response_model=BulletinOut, status_code=201, responses=CONFLICT, summary="Add an entry"
)
async def add_entry(
    month: MonthPath, body: EntryIn, session: SessionDep, rt: RuntimeDep, identity: Supervisor
) -> BulletinOut:
    state = await bulletin.add_entry(
        session,
        rt,
        month=month,
        unit_id=body.unit_id,
        board=body.board.value,
        reason=body.reason,
        actor=Actor.of(identity),
    )
    return BulletinOut.model_validate(state)


@router.patch(
    "/months/{month}/entries/{entry_id}",
    response_model=BulletinOut,
    responses=CONFLICT,
    summary="Edit or drop an entry",
)
async def edit_entry(
    month: MonthPath, entry_id: IdPath, body: EntryEdit, session: SessionDep, rt: RuntimeDep, identity: Supervisor
) -> BulletinOut:
    state = await bulletin.edit_entry(
        session, rt, month=month, entry_id=entry_id, reason=body.reason, remove=body.remove, actor=Actor.of(identity)
    )
    return BulletinOut.model_validate(state)


@router.post(
    "/months/{month}/approve",
    response_model=BulletinOut,
    responses=CONFLICT,
    summary="Approve, freeze, publish (admin)",
)
async def approve_month(month: MonthPath, session: SessionDep, rt: RuntimeDep, identity: Admin) -> BulletinOut:
    return BulletinOut.model_validate(await bulletin.approve(session, rt, month=month, actor=Actor.of(identity)))


@router.post(
    "/months/{month}/recompute", response_model=RecomputeOut, responses=CONFLICT, summary="Re-score the month (admin)"
)
async def recompute_month(month: MonthPath, session: SessionDep, rt: RuntimeDep, identity: Admin) -> RecomputeOut:
    result = await ledger.recompute(session, rt, month=month)
    return RecomputeOut(month=month, checked=result.checked, added=result.added, reversed=result.reversed)


@router.get(
    "/months/{month}/export", response_class=Response, responses=FILE_RESPONSES, summary="The record as Excel or CSV"
)
async def export_month(
    month: MonthPath, session: SessionDep, rt: RuntimeDep, identity: Supervisor, format: FormatQuery = ExportFormat.xlsx
) -> Response:
    state = await bulletin.view(session, rt, month=month)
    return _file(render(exports.table(state), format), f"evaluation-{month}", format)


@router.get(
    "/months/{month}/page",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}, "description": "printable page"}},
    summary="The bulletin as a printable page with charts",
)
async def month_page(month: MonthPath, session: SessionDep, rt: RuntimeDep, identity: Supervisor) -> HTMLResponse:
    return HTMLResponse(exports.page(await bulletin.view(session, rt, month=month)))


@router.get("/quarters/{quarter}", response_model=QuarterOut, summary="The quarter's scores and tiers (季度公布)")
async def quarter_view(
    quarter: Annotated[str, Path(pattern=r"^(19|20|21)\d{2}-Q[1-4]$", description="YYYY-Qn, e.g. 2026-Q4")],
    session: SessionDep,
    rt: RuntimeDep,
    identity: Supervisor,
) -> QuarterOut:
    return QuarterOut.model_validate(await bulletin.quarter(session, rt, quarter=quarter))


@router.get("/actions", response_model=CrossingList, summary="Supervisors' list: units to interview (约谈)")
async def list_actions(
    session: SessionDep,
    rt: RuntimeDep,
    identity: Supervisor,
    status: Literal["open", "done"] | None = "open",
    month: Annotated[str | None, Query(pattern=MONTH_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> CrossingList:
    items = await service.actions(session, rt, status=status, month=month, limit=limit)
    return CrossingList.model_validate({"items": items})


@router.post(
    "/actions/{crossing_id}/done", response_model=CrossingOut, responses=CONFLICT, summary="Record the interview held"
)
async def action_done(
    crossing_id: IdPath, body: DoneIn, session: SessionDep, rt: RuntimeDep, identity: Supervisor
) -> CrossingOut:
    view = await service.action_done(session, rt, crossing_id=crossing_id, note=body.note, actor=Actor.of(identity))
    return CrossingOut.model_validate(view)


@public_router.get(
    "/{month}",
    response_model=PublicSummary,
    responses={404: {"description": "no published record for that month"}},
    summary="Published month: scores, tiers, red/black (no personal data)",
)
async def public_month(month: MonthPath, session: SessionDep, rt: RuntimeDep, identity: Anyone) -> PublicSummary:
    state = await bulletin.view(session, rt, month=month)
    if state["status"] != "published":
        raise NotFound(f"{month} 的考评尚未发布。")
    return PublicSummary.model_validate(bulletin.public_summary(state))
