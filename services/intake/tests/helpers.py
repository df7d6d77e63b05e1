"""Helpers shared by the intake tests (imported relatively: `from .helpers import ...`)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from hotline_shared.events import EventEnvelope
from hotline_shared.testing import signed_headers
from intake.cases.models import Case
from intake.catalog.service import reload_catalog
from intake.models_base import events
from sqlalchemy import func, select

CASES = "/api/v1/cases"
BATCH = "/api/v1/cases/batch"


async def seed_catalog(app: FastAPI) -> None:
    async with app.state.db.transaction() as session:
        await reload_catalog(
            session,
            directory=app.state.settings.catalog_dir,
            outbox=app.state.outbox,
            clock=app.state.clock,
            actor="test",
        )


def case_body(**overrides: Any) -> dict[str, Any]:
    """A valid complaint; keyword arguments replace top-level fields."""
    body: dict[str, Any] = {
        "channel": "phone",
        "category": "complaint",
        "topic_code": "CG-SRHJ-ZDJY",
        "description": "小区门口长期占道经营，晚上噪音很大",
        "caller": {"name": "张三", "phone": "13812345678"},
        "location": {"district_code": "D01", "street_code": "D01-S01", "community_code": "D01-S01-C01"},
    }
    body.update(overrides)
    return body


def operator(**kwargs: Any) -> dict[str, str]:
    return signed_headers("operator", **kwargs)


def station(station_id: str = "ST-01", **kwargs: Any) -> dict[str, str]:
    subject = kwargs.pop("subject", f"station-{station_id}")
    return signed_headers("station", subject=subject, station_id=station_id, **kwargs)


async def intake_events(app: FastAPI, *types: str) -> list[EventEnvelope]:
    async with app.state.db.transaction() as session:
        rows = (await session.execute(select(events.outbox.c.body).order_by(events.outbox.c.id))).scalars().all()
    envelopes = [EventEnvelope.from_json(r) for r in rows]
    return [e for e in envelopes if not types or e.type in types]


async def case_count(app: FastAPI) -> int:
    async with app.state.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Case)) or 0)


async def assert_one_event_per_case(app: FastAPI) -> None:
    """Every case has exactly one intake case event, and every case event has its case."""
    async with app.state.db.transaction() as session:
        case_nos = set((await session.scalars(select(Case.case_no))).all())
    case_events = await intake_events(app, "case.received", "case.duplicated", "case.closed_at_intake")
    assert sorted(e.case_no or "" for e in case_events) == sorted(case_nos)
