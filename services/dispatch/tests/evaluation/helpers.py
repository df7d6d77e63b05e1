"""Evaluation test helpers: events go out through dispatch's real relay onto Valkey and come back
through the evaluation consumer group, as they do in the running stack."""

from __future__ import annotations

from typing import Any

from dispatch.evaluation import consumers
from dispatch.evaluation.models import Point
from dispatch.models_base import events
from dispatch.outbox import PRODUCER
from hotline_shared.testing import signed_headers
from hotline_shared.worker import standard_relay
from sqlalchemy import select

from ..kit import ADMIN, SUPERVISOR, Kit

UNIT_CG, UNIT_RS = "U-CG-001", "U-RS-001"
LINE_CROSSED = "unit.evaluation_line_crossed"


async def pump(kit: Kit) -> None:
    """Publish dispatch's outbox and let the evaluation group score everything waiting."""
    relay = standard_relay(
        settings=kit.rt.settings, db=kit.db, redis=kit.app.state.redis, clock=kit.clock, tables=events, producer=PRODUCER
    )
    await relay.drain()
    consumer = consumers.consumer(kit.db, kit.app.state.redis, kit.rt)
    await consumer.ensure_groups()
    while await consumer.process_once(block_ms=None):
        pass


async def ledger_rows(kit: Kit) -> list[tuple[Any, ...]]:
    async with kit.db.transaction() as session:
        rows = await session.scalars(select(Point).order_by(Point.id))
        return [
            (p.id, p.unit_id, p.month, p.points, p.kind, p.rule_code, p.rule_version, p.source_key, p.revision)
            for p in rows
        ]


async def unit_month(kit: Kit, unit_id: str, month: str, headers: dict[str, str] = SUPERVISOR) -> dict[str, Any]:
    r = await kit.client.get(f"/api/v1/evaluation/units/{unit_id}", params={"month": month}, headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def listed_urge(kit: Kit, order: dict[str, Any]) -> None:
    r = await kit.client.post(
        "/api/v1/supervision/urges",
        json={"order_id": order["order_id"], "level": "listed", "note": "挂牌督办，限期办结"},
        headers=SUPERVISOR,
    )
    assert r.status_code == 201, r.text


async def month(kit: Kit, value: str) -> dict[str, Any]:
    r = await kit.client.get(f"/api/v1/evaluation/months/{value}", headers=SUPERVISOR)
    assert r.status_code == 200, r.text
    return dict(r.json())


def admin() -> dict[str, str]:
    return ADMIN


def unit_key(unit_id: str) -> dict[str, str]:
    return signed_headers("unit", unit_id=unit_id, subject=f"unit-{unit_id}")
