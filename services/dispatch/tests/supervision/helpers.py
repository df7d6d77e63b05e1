"""Supervision test helpers on top of the dispatch test kit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dispatch.supervision import jobs, ledger, timers
from hotline_shared.events import EventConsumer
from hotline_shared.testing import signed_headers

from ..kit import FEEDBACK_STREAM, SUPERVISOR, Kit, at, unit

LIGHT = "order.light_changed"
URGED = "order.urged"


async def sweep(kit: Kit, now: datetime | None = None) -> timers.SweepResult:
    return await timers.sweep(kit.db, kit.rt, now=now)


async def at_and_sweep(kit: Kit, when: datetime) -> timers.SweepResult:
    kit.clock.set(when)
    return await sweep(kit)


async def view(kit: Kit, order_id: str) -> dict[str, Any]:
    r = await kit.client.get(f"/api/v1/supervision/orders/{order_id}", headers=SUPERVISOR)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def supervision_events(kit: Kit, order_id: str) -> list[tuple[str, dict[str, Any]]]:
    """(type, payload) of this order's light changes and urge notices, in outbox order."""
    found = []
    for e in await kit.events():
        if e.type in (LIGHT, URGED) and e.payload.get("order_id") == order_id:
            found.append((e.type, e.payload))
    return found


def summary(events: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, str]]:
    return [(t, p["light"] if t == LIGHT else p["level"]) for t, p in events]


async def handled(kit: Kit, order: dict[str, Any]) -> dict[str, Any]:
    """Signed and contacted now: only the reply deadline is left."""
    await kit.ok(order, "sign")
    await kit.ok(order, "contact", {"note": "已电话联系"})
    return await kit.order(order["order_id"])


async def approve_pause(kit: Kit, order: dict[str, Any]) -> int:
    r = await kit.act(order, "pauses", {"reason": "群众外出，暂时无法联系", "kind": "citizen_unreachable"})
    assert r.status_code in (200, 201), r.text
    pause_id = int(r.json()["pause_id"])
    r = await kit.client.post(f"/api/v1/pauses/{pause_id}/decision", json={"approve": True}, headers=SUPERVISOR)
    assert r.status_code == 200, r.text
    return pause_id


async def resume(kit: Kit, order: dict[str, Any]) -> dict[str, Any]:
    r = await kit.client.post(f"/api/v1/orders/{order['order_id']}/resume", headers=unit(order["unit_id"]))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def extend(kit: Kit, order: dict[str, Any], days: int, *, approve_at: datetime | None = None) -> dict[str, Any]:
    r = await kit.act(order, "extensions", {"working_days": days, "reason": "需要协调多个部门联合处置"})
    assert r.status_code in (200, 201), r.text
    if approve_at is not None:
        kit.clock.set(approve_at)
    r = await kit.client.post(
        f"/api/v1/extensions/{r.json()['extension_id']}/decision", json={"approve": True}, headers=SUPERVISOR
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def ratings_consumer(kit: Kit) -> EventConsumer:
    return jobs.ratings_consumer(kit.db, kit.app.state.redis, kit.rt)


async def rate(
    kit: Kit,
    order: dict[str, Any],
    *,
    satisfaction: str,
    solved: bool,
    at_fault: bool = False,
    source: str = "callback",
) -> None:
    """A `case.rated` from feedback, handled by dispatch's group and by supervision's own group."""
    consumer = ratings_consumer(kit)
    await consumer.ensure_groups()
    await kit.deliver(
        FEEDBACK_STREAM,
        "case.rated",
        {
            "case_no": order["case_no"],
            "order_id": order["order_id"],
            "reply_seq": order["reply_seq"],
            "satisfaction": satisfaction,
            "solved": solved,
            "comment": "",
            "source": source,
            "unit_at_fault": at_fault,
        },
        case_no=order["case_no"],
    )
    while await consumer.process_once(block_ms=None):
        pass


async def figures_match_ledger(kit: Kit) -> list[Any]:
    async with kit.db.transaction() as session:
        return await ledger.differences(session)


def area_supervisor(area_code: str) -> dict[str, str]:
    return signed_headers("supervisor", subject=f"supervisor-{area_code}", area_code=area_code)


async def open_orders(kit: Kit) -> dict[str, dict[str, Any]]:
    """The open orders test_queries.py describes, received on Monday 2026-11-02 09:00."""
    kit.clock.set(at("2026-11-02 09:00"))
    where = {
        "D01-S02": {"district_code": "D01", "street_code": "D01-S02", "community_code": None},
        "D01-S01-C01": {"district_code": "D01", "street_code": "D01-S01", "community_code": "D01-S01-C01"},
        "D03-S01-C01": {"district_code": "D03", "street_code": "D03-S01", "community_code": "D03-S01-C01"},
        "D03-S02": {"district_code": "D03", "street_code": "D03-S02", "community_code": None},
    }
    orders = {
        "cg_a": await kit.lead(await kit.receive()),
        "cg_e": await kit.lead(
            await kit.receive(category="help", urgency="urgent", topic_code="CG-SRHJ-LJDF", location=where["D03-S02"])
        ),
        "rs_b": await kit.lead(
            await kit.receive(category="consult", topic_code="LD-SHBX-YLBX", location=where["D01-S02"])
        ),
    }
    hb = await kit.receive(category="help", topic_code="HB-ZSWR-SGZS", location=where["D03-S01-C01"])
    lead_order, co_order = sorted(await kit.orders_of(hb), key=lambda o: o["role"] != "lead")
    orders["hb_c"], orders["zj_c"] = lead_order, co_order
    orders["sw_d"] = await kit.lead(
        await kit.receive(category="help", urgency="utilities", topic_code="SY-GS-TS", location=where["D01-S01-C01"])
    )
    orders["paused"] = await handled(kit, await kit.lead(await kit.receive(topic_code="LD-LDBZ-TQGZ")))
    await approve_pause(kit, orders["paused"])
    orders["done"] = await kit.lead(await kit.receive())
    await kit.handle_to_reply(orders["done"])
    orders["cg_e"] = await handled(kit, orders["cg_e"])
    assert (orders["cg_a"]["unit_id"], orders["rs_b"]["unit_id"], orders["sw_d"]["unit_id"]) == (
        "U-CG-001",
        "U-RS-001",
        "U-SW-001",
    )
    assert (orders["hb_c"]["unit_id"], orders["zj_c"]["unit_id"]) == ("U-HB-001", "U-ZJ-001")
    assert orders["sw_d"]["sign_due_at"] == at("2026-11-02 09:30").isoformat()
    assert orders["cg_e"]["reply_due_at"] == at("2026-11-03 09:00").isoformat()
    return orders
