"""What dispatch does with intake's events: route received cases within a second, forward praise
for information, ignore what is not to be dispatched, and never apply an event twice."""

from __future__ import annotations

import asyncio
import time

from hotline_shared.events import EventEnvelope

from .kit import ADMIN, INTAKE_STREAM, OPERATOR, SUPERVISOR, Kit, catalog_payload, unit


async def test_praise_is_forwarded_for_information_without_deadlines(kit: Kit) -> None:
    case_no = await kit.receive(category="praise", topic_code="CG-SRHJ-ZDJY", title="表扬城管队员")
    order = await kit.lead(case_no)
    assert order["info_only"] is True
    assert (order["sign_due_at"], order["contact_due_at"], order["reply_due_at"]) == (None, None, None)
    assert order["policy"] == {}
    assert order["allowed_actions"] == ["sign"]
    read = await kit.ok(order, "sign")
    assert (read["status"], read["close_reason"]) == ("closed", "read")
    (event,) = await kit.events("order.dispatched", case_no)
    assert event.payload["info_only"] is True
    assert event.payload["reply_due_at"] is None


async def test_duplicates_and_cases_closed_at_intake_are_not_dispatched(kit: Kit) -> None:
    for type in ("case.duplicated", "case.closed_at_intake"):
        view = kit.case_view()
        await kit.deliver(INTAKE_STREAM, type, {**view, "duplicate_of": "20260901-000001"}, case_no=view["case_no"])
        assert await kit.orders_of(view["case_no"]) == []
    assert (await kit.client.get("/api/v1/dispatch-queue", headers=OPERATOR)).json()["items"] == []


async def test_a_redelivered_or_reannounced_case_is_dispatched_once(kit: Kit) -> None:
    view = kit.case_view()
    envelope = await kit.deliver(INTAKE_STREAM, "case.received", view, case_no=view["case_no"])
    # The very same event again (a relay replay), then the same case under a new event id.
    await kit.app.state.redis.xadd(
        INTAKE_STREAM, {"event_id": str(envelope.event_id), "type": envelope.type, "body": envelope.to_json()}
    )
    await kit.consumer.process_once(block_ms=None)
    await kit.deliver(INTAKE_STREAM, "case.received", view, case_no=view["case_no"])
    assert len(await kit.orders_of(view["case_no"])) == 1
    assert len(await kit.events("order.dispatched", view["case_no"])) == 1


async def test_an_older_catalogue_never_replaces_a_newer_one(kit: Kit) -> None:
    newer = catalog_payload(version=5)
    newer["topics"].append({"code": "JY-NEW", "name": "新事项", "parent_code": "JY", "level": 2, "active": True})
    await kit.deliver(INTAKE_STREAM, "catalog.updated", newer)
    await kit.deliver(INTAKE_STREAM, "catalog.updated", catalog_payload(version=4))
    r = await kit.client.post(
        "/api/v1/routing-rules", json={"topic_code": "JY-NEW", "lead_unit_id": "U-ZW-001"}, headers=ADMIN
    )
    assert r.status_code == 201


async def test_the_worker_dispatches_within_a_second_of_intake(kit: Kit) -> None:
    stop = asyncio.Event()
    runner = asyncio.create_task(kit.consumer.run(stop))
    try:
        view = kit.case_view()
        envelope_started = time.monotonic()
        envelope = EventEnvelope(
            type="case.received", occurred_at=kit.clock.now(), producer="intake", case_no=view["case_no"], payload=view
        )
        await kit.app.state.redis.xadd(
            INTAKE_STREAM, {"event_id": str(envelope.event_id), "type": envelope.type, "body": envelope.to_json()}
        )
        orders: list[dict[str, object]] = []
        while not orders and time.monotonic() - envelope_started < 5:
            r = await kit.client.get("/api/v1/orders", params={"case_no": view["case_no"]}, headers=unit("U-CG-001"))
            orders = r.json()["items"]
            if not orders:
                await asyncio.sleep(0.02)
        elapsed = time.monotonic() - envelope_started
    finally:
        stop.set()
        await runner
    assert orders, "the case was not dispatched"
    assert elapsed < 1.0, f"dispatched after {elapsed:.2f}s"


async def test_order_views_carry_caller_contact_for_staff_only(kit: Kit) -> None:
    order = await kit.lead(await kit.receive())
    assert order["case"]["caller"] == {"name": "张三", "phone": "13812345678", "confidential": False}
    events = await kit.events(case_no=order["case_no"])
    assert all("13812345678" not in e.to_json() and "张三" not in e.to_json() for e in events)
    r = await kit.client.get(f"/api/v1/orders/{order['order_id']}", headers=SUPERVISOR)
    assert r.json()["case"]["location"]["address"] == "朝阳区某小区3号楼"
