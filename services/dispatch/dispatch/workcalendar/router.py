from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from hotline_shared.app import SessionDep
from hotline_shared.calendar import DeadlineUnit
from hotline_shared.errors import ValidationFailed, field_error

from ..roles import Admin, Anyone
from ..runtime import RuntimeDep
from ..validation import IntIdPath
from . import service
from .schemas import (
    MAX_YEAR,
    MIN_YEAR,
    DeadlineOut,
    OverrideIn,
    OverrideOut,
    OverrideSaved,
    RecomputeOut,
    YearLoaded,
    YearNoticeIn,
    YearOut,
)

router = APIRouter(prefix="/api/v1/calendar", tags=["calendar"])

YearPath = Annotated[int, Path(ge=MIN_YEAR, le=MAX_YEAR, description="calendar year")]
DayPath = Annotated[date, Path(description="the day, e.g. 2026-09-15")]
EARLIEST = date(MIN_YEAR, 1, 1)
LATEST = date(MAX_YEAR - 1, 12, 31)  # leaves room for a long deadline to run on without overflow


def _in_range(day: date, field: list[str | int]) -> None:
    if not EARLIEST <= day <= LATEST:
        raise ValidationFailed(
            f"Dates must be between {EARLIEST} and {LATEST}.",
            errors=[field_error(field, "date out of the supported range", "out_of_range")],
        )


@router.get("/deadline", response_model=DeadlineOut, summary="Compute a deadline on the working calendar")
async def compute_deadline(
    session: SessionDep,
    rt: RuntimeDep,
    identity: Anyone,
    start: Annotated[datetime | None, Query(description="ISO 8601 with offset; default now")] = None,
    working_days: Annotated[int | None, Query(gt=0, le=250, description="a time limit is always positive")] = None,
    working_hours: Annotated[float | None, Query(gt=0, le=2000)] = None,
    hours: Annotated[float | None, Query(gt=0, le=24 * 366, description="calendar hours, day and night")] = None,
) -> DeadlineOut:
    given = {
        k: v
        for k, v in (("working_days", working_days), ("working_hours", working_hours), ("hours", hours))
        if v is not None
    }
    if len(given) != 1:
        raise ValidationFailed(
            "Give exactly one of working_days, working_hours or hours.",
            errors=[
                field_error(["query", k], "give exactly one of these", "one_of")
                for k in ("working_days", "working_hours", "hours")
            ],
        )
    if start is None:
        start = rt.clock.now()
    elif start.tzinfo is None:
        raise ValidationFailed(
            "start needs a UTC offset, e.g. 2026-09-30T10:00:00+08:00.",
            errors=[field_error(["query", "start"], "time without offset", "naive_datetime")],
        )
    _in_range(start.date(), ["query", "start"])
    ((name, amount),) = given.items()
    unit = {
        "working_days": DeadlineUnit.WORKING_DAYS,
        "working_hours": DeadlineUnit.WORKING_HOURS,
        "hours": DeadlineUnit.CALENDAR_HOURS,
    }[name]
    result = await service.deadline(session, rt, start=start, amount=amount, unit=unit)
    return DeadlineOut(
        start=start,
        due_at=result.due_at,
        provisional=result.provisional,
        amount=amount,
        unit=unit,
        office_hours=str(rt.calendars.office_hours),
    )


@router.get("/overrides", response_model=list[OverrideOut], summary="Local one-off days (typhoon days, extra workdays)")
async def list_overrides(
    session: SessionDep,
    identity: Anyone,
    year: Annotated[int, Query(ge=MIN_YEAR, le=MAX_YEAR)],
) -> list[OverrideOut]:
    rows = await service.overrides_of(session, first=date(year, 1, 1), last=date(year, 12, 31))
    return [OverrideOut.model_validate(o) for o in rows]


@router.put("/overrides/{day}", response_model=OverrideSaved, summary="Make one day a day off or a working day")
async def put_override(
    day: DayPath, body: OverrideIn, session: SessionDep, rt: RuntimeDep, identity: Admin
) -> OverrideSaved:
    _in_range(day, ["path", "day"])
    row, job = await service.set_override(session, rt, day=day, data=body, by=identity.subject)
    return OverrideSaved(**OverrideOut.model_validate(row).model_dump(), recompute=RecomputeOut.model_validate(job))


@router.delete("/overrides/{day}", response_model=RecomputeOut, summary="Remove a local override")
async def delete_override(day: DayPath, session: SessionDep, rt: RuntimeDep, identity: Admin) -> RecomputeOut:
    _in_range(day, ["path", "day"])
    return RecomputeOut.model_validate(await service.remove_override(session, rt, day=day, by=identity.subject))


@router.get("/recomputes/{job_id}", response_model=RecomputeOut, summary="Progress of a deadline recompute")
async def get_recompute(job_id: IntIdPath, session: SessionDep, identity: Admin) -> RecomputeOut:
    return RecomputeOut.model_validate(await service.recompute_job(session, job_id))


@router.get("/{year}", response_model=YearOut, summary="The year's days off and makeup workdays")
async def get_year(year: YearPath, session: SessionDep, rt: RuntimeDep, identity: Anyone) -> YearOut:
    return await service.year_view(session, rt, year=year)


@router.put("/{year}", response_model=YearLoaded, summary="Load the State Council notice for a year")
async def put_year(
    year: YearPath, body: YearNoticeIn, session: SessionDep, rt: RuntimeDep, identity: Admin
) -> YearLoaded:
    view, warnings, job = await service.load_year(session, rt, year=year, data=body, by=identity.subject)
    return YearLoaded(**view.model_dump(), warnings=warnings, recompute=RecomputeOut.model_validate(job))


@router.delete("/{year}", status_code=200, response_model=RecomputeOut, summary="Unload a year's notice")
async def delete_year(year: YearPath, session: SessionDep, rt: RuntimeDep, identity: Admin) -> RecomputeOut:
    return RecomputeOut.model_validate(await service.unload_year(session, rt, year=year, by=identity.subject))
