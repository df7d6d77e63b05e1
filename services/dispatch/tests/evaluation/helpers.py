"""Evaluation test helpers: events go out through dispatch's real relay onto Valkey and come back
through the evaluation consumer group, as they do in the running stack."""

from __future__ import annotations

from typing import Any

from dispatch.evaluation import consumers
from dispatch.evaluation.models import Point
from dispatch.models_base import events
from dispatch.outbox import PRODUCER
from hotline_shared.worker import standard_relay
from sqlalchemy import select

from ..kit import SUPERVISOR, Kit, at
from ..supervision.helpers import rate

UNIT_CG, UNIT_RS = "U-CG-001", "U-RS-001"
LINE_CROSSED = "unit.evaluation_line_crossed"
NOV = "2026-11"


async def pump(kit: Kit) -> None:
    """Publish dispatch's outbox and let the evaluation group score everything waiting."""
    relay = standard_relay(
        settings=kit.rt.settings,
        db=kit.db,
        redis=kit.app.state.redis,
        clock=kit.clock,
        tables=events,
        producer=PRODUCER,
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


async def november(kit: Kit) -> dict[str, Any]:
    """Monday 2026-11-02 09:00: U-CG-001 replies on time, solved, rated satisfied (+1 +1);
    U-RS-001 has four wage complaints listed for supervision (挂牌督办, −2 each, −6 cap)."""
    kit.clock.set(at("2026-11-02 09:00"))
    cg = await kit.lead(await kit.receive())
    replied = await kit.handle_to_reply(cg, solved=True)
    await rate(kit, {**cg, "reply_seq": replied["reply_seq"]}, satisfaction="satisfied", solved=True)
    wages = [await kit.lead(await kit.receive(topic_code="LD-LDBZ-TQGZ")) for _ in range(4)]
    assert {o["unit_id"] for o in wages} == {UNIT_RS}
    assert cg["unit_id"] == UNIT_CG
    for order in wages:
        await listed_urge(kit, order)
    await pump(kit)
    return {"cg": cg, "wages": wages}
