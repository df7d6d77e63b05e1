"""跟踪监督: overdue and near-due lists, urges, monthly figures and the 红黑榜, with exports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Header, Query, Response
from hotline_shared.app import ReadSessionDep, SessionDep
from hotline_shared.client_times import client_time
from hotline_shared.errors import Forbidden, ValidationFailed, field_error
from hotline_shared.identity import Identity, Role, require_roles
from sqlalchemy.ext.asyncio import AsyncSession

from ..actors import Actor
from ..enums import Category, Urgency
from ..paging import CursorQuery, LimitQuery, after, next_cursor
from ..runtime import RuntimeDep
from ..validation import CODE_PATTERN, ID_PATTERN, OrderIdPath, UnitIdPath
from . import service
from .exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, ExportFormat, filename, render
from .repository import Filters, Position
from .schemas import MONTH_PATTERN, NearDuePage, OverduePage, Rankings, SupervisionView, UnitMetrics, UrgeIn, UrgeOut
from .scope import scope_of

router = APIRouter(prefix="/api/v1/supervision", tags=["supervision"])

SupervisorOnly = Annotated[Identity, require_roles(Role.supervisor, Role.admin)]
SupervisorOrUnit = Annotated[Identity, require_roles(Role.supervisor, Role.admin, Role.unit)]

UnitQuery = Annotated[str | None, Query(pattern=ID_PATTERN, description="handling unit")]
DistrictQuery = Annotated[str | None, Query(pattern=CODE_PATTERN, description="district code")]
StreetQuery = Annotated[str | None, Query(pattern=CODE_PATTERN, description="street (街道) code")]
CommunityQuery = Annotated[str | None, Query(pattern=CODE_PATTERN, description="community (社区) code")]
TopicQuery = Annotated[
    str | None, Query(pattern=CODE_PATTERN, description="topic code; a parent topic includes its sub-topics")
]
AsOfQuery = Annotated[
    datetime | None,
    Query(description="answer as of this time (default now); a future time looks ahead. ISO 8601 with offset."),
]
MinLateQuery = Annotated[float, Query(ge=0, le=24 * 3650, description="only orders at least this many hours late")]
WithinQuery = Annotated[
    float | None,
    Query(gt=0, le=24 * 365, description="orders due within this many hours (default: the yellow ones)"),
]
MonthQuery = Annotated[str, Query(pattern=MONTH_PATTERN, description="YYYY-MM (Asia/Shanghai)")]
FormatQuery = Annotated[ExportFormat, Query(description="csv or xlsx")]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=100, pattern=r"^[\x21-\x7e]+$", description="retry-safe key"),
]

FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            CSV_MEDIA_TYPE: {"schema": {"type": "string"}},
            XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
        "description": "the file, as an attachment",
    }
}


def _as_of(value: datetime | None, fallback: datetime) -> datetime:
    if value is None:
        return fallback
    return client_time(value, loc=["query", "as_of"])


def asked_filters(
    unit_id: UnitQuery = None,
    district_code: DistrictQuery = None,
    street_code: StreetQuery = None,
    community_code: CommunityQuery = None,
    topic_code: TopicQuery = None,
    category: Category | None = None,
    urgency: Urgency | None = None,
) -> Filters:
    return Filters(
        unit_id=unit_id,
        district_code=district_code,
        street_code=street_code,
        community_code=community_code,
        topic_code=topic_code,
        category=category.value if category else None,
        urgency=urgency.value if urgency else None,
    )


FiltersQuery = Annotated[Filters, Depends(asked_filters)]


async def _scoped(session: AsyncSession, identity: Identity, asked: Filters) -> Filters:
    return (await scope_of(session, identity)).narrow(asked)


def _start(cursor: str | None, as_of: datetime | None, now: datetime) -> tuple[datetime, Position | None]:
    """A cursor pins the page's as_of, so paging through a list never skips or repeats rows."""
    start = after(cursor, {"due": datetime, "id": str, "as_of": datetime})
    if start is None:
        return _as_of(as_of, now), None
    pinned = _as_of(start["as_of"], now)
    if as_of is not None and _as_of(as_of, now) != pinned:
        raise ValidationFailed(
            "This cursor belongs to a list with a different as_of; drop the cursor or the as_of.",
            errors=[field_error(["query", "cursor"], "as_of differs from the cursor's")],
        )
    return pinned, (start["due"], start["id"])


def _cursor_values(as_of: datetime) -> Any:
    return lambda row: {"due": row.due_at.isoformat(), "id": row.order_id, "as_of": as_of.isoformat()}


@router.get("/overdue", response_model=OverduePage, summary="Overdue orders, the latest first (超期)")
async def overdue(
    session: ReadSessionDep,
    rt: RuntimeDep,
    identity: SupervisorOrUnit,
    asked: FiltersQuery,
    min_hours_late: MinLateQuery = 0,
    as_of: AsOfQuery = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> OverduePage:
    filters = await _scoped(session, identity, asked)
    moment, position = _start(cursor, as_of, rt.clock.now())
    rows = await service.overdue_rows(
        session, as_of=moment, filters=filters, min_hours_late=min_hours_late, limit=limit + 1, after=position
    )
    return service.overdue_page(moment, rows[:limit], next_cursor(rows, limit, _cursor_values(moment)))


@router.get("/near-due", response_model=NearDuePage, summary="Orders close to a deadline (临期, yellow)")
async def near_due(
    session: ReadSessionDep,
    rt: RuntimeDep,
    identity: SupervisorOrUnit,
    asked: FiltersQuery,
    within_hours: WithinQuery = None,
    as_of: AsOfQuery = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> NearDuePage:
    filters = await _scoped(session, identity, asked)
    moment, position = _start(cursor, as_of, rt.clock.now())
    rows = await service.near_due_rows(
        session, as_of=moment, within_hours=within_hours, filters=filters, limit=limit + 1, after=position
    )
    return service.near_due_page(moment, within_hours, rows[:limit], next_cursor(rows, limit, _cursor_values(moment)))


@router.get(
    "/overdue/export", response_class=Response, responses=FILE_RESPONSES, summary="Overdue list as CSV or Excel"
)
async def overdue_export(
    session: ReadSessionDep,
    rt: RuntimeDep,
    identity: SupervisorOnly,
    asked: FiltersQuery,
    format: FormatQuery = ExportFormat.xlsx,
    min_hours_late: MinLateQuery = 0,
    as_of: AsOfQuery = None,
) -> Response:
    moment = _as_of(as_of, rt.clock.now())
    table = await service.overdue_export(
        session,
        as_of=moment,
        filters=await _scoped(session, identity, asked),
        min_hours_late=min_hours_late,
        max_rows=service.settings_of(rt).export_max_rows,
    )
    return _file(render(table, format), f"overdue-{moment:%Y%m%d-%H%M}", format)


@router.post("/urges", response_model=UrgeOut, status_code=201, summary="Urge a unit by hand (催办/督办/挂牌督办)")
async def create_urge(
    body: UrgeIn,
    response: Response,
    session: SessionDep,
    rt: RuntimeDep,
    identity: SupervisorOnly,
    idempotency_key: IdempotencyKey = None,
) -> UrgeOut:
    urge, created = await service.manual_urge(
        session,
        rt,
        data=body,
        actor=Actor.of(identity),
        scope=await scope_of(session, identity),
        idempotency_key=idempotency_key,
    )
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return urge


@router.get("/orders/{order_id}", response_model=SupervisionView, summary="An order's timers, light and urges")
async def supervision_of_order(
    order_id: OrderIdPath, session: SessionDep, identity: SupervisorOrUnit
) -> SupervisionView:
    return await service.order_view(session, order_id=order_id, scope=await scope_of(session, identity))


@router.get("/units/{unit_id}/metrics", response_model=UnitMetrics, summary="A unit's monthly figures")
async def unit_metrics(
    unit_id: UnitIdPath, month: MonthQuery, session: SessionDep, rt: RuntimeDep, identity: SupervisorOrUnit
) -> UnitMetrics:
    if identity.role is Role.unit and identity.unit_id != unit_id:
        raise Forbidden("A unit can only read its own figures.")
    return await service.unit_metrics(session, unit_id=unit_id, month=month, settings=service.settings_of(rt))


@router.get("/rankings", response_model=Rankings, summary="Monthly ranking with top and bottom five (红黑榜)")
async def rankings(month: MonthQuery, session: SessionDep, rt: RuntimeDep, identity: SupervisorOnly) -> Rankings:
    return await service.rankings(session, month=month, settings=service.settings_of(rt))


@router.get(
    "/rankings/export", response_class=Response, responses=FILE_RESPONSES, summary="Monthly ranking as CSV or Excel"
)
async def rankings_export(
    month: MonthQuery,
    session: SessionDep,
    rt: RuntimeDep,
    identity: SupervisorOnly,
    format: FormatQuery = ExportFormat.xlsx,
) -> Response:
    table = await service.ranking_export(session, month=month, settings=service.settings_of(rt))
    return _file(render(table, format), f"ranking-{month}", format)


def _file(data: bytes, stem: str, fmt: ExportFormat) -> Response:
    name = filename(stem, fmt)
    return Response(
        content=data,
        media_type=fmt.media_type,
        headers={"Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"},
    )
