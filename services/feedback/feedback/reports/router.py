from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Response
from hotline_shared.app import ClockDep, SessionDep
from hotline_shared.identity import Identity, Role, require_roles

from . import bulletin, export, service
from .schemas import Bulletin, Summary

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

Readers = Annotated[Identity, require_roles(Role.supervisor, Role.admin)]
FromDate = Annotated[date | None, Query(alias="from", description="First day (default: first of this month)")]
ToDate = Annotated[date | None, Query(alias="to", description="Last day, inclusive (default: today)")]


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


MEDIA = {
    ExportFormat.csv: "text/csv; charset=utf-8",
    ExportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get("/summary", response_model=Summary, summary="Counts and rates for a period (月度/日报数据)")
async def get_summary(
    session: SessionDep, clock: ClockDep, identity: Readers, from_date: FromDate = None, to_date: ToDate = None
) -> Summary:
    start, end = service.period(from_date, to_date, today=clock.now().date())
    return await service.summary(session, start=start, end=end)


@router.get(
    "/summary/export",
    summary="The summary as CSV or Excel",
    response_class=Response,
    responses={200: {"content": {MEDIA[ExportFormat.csv]: {}, MEDIA[ExportFormat.xlsx]: {}}}},
)
async def export_summary(
    session: SessionDep,
    clock: ClockDep,
    identity: Readers,
    from_date: FromDate = None,
    to_date: ToDate = None,
    format: Annotated[ExportFormat, Query()] = ExportFormat.csv,
) -> Response:
    start, end = service.period(from_date, to_date, today=clock.now().date())
    data = await service.summary(session, start=start, end=end)
    content = export.to_csv(data) if format is ExportFormat.csv else export.to_xlsx(data)
    filename = f"hotline-summary-{start.isoformat()}-{end.isoformat()}.{format.value}"
    return Response(
        content,
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/bulletin", response_model=Bulletin, summary="The daily bulletin text (每日通报), in Chinese")
async def get_bulletin(
    session: SessionDep,
    clock: ClockDep,
    identity: Readers,
    day: Annotated[date | None, Query(alias="date", description="The day (default: today)")] = None,
    from_date: FromDate = None,
    to_date: ToDate = None,
) -> Bulletin:
    if from_date is None and to_date is None:
        from_date = to_date = day or clock.now().date()
    start, end = service.period(from_date, to_date, today=clock.now().date())
    data = await service.summary(session, start=start, end=end)
    return Bulletin(from_date=start, to_date=end, title=bulletin.title(data), text=bulletin.text(data), summary=data)
