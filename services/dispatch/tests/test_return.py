"""Return (退单): within its window, to the suggested unit or back to the queue; after three
dispatches the centre designates (指定) and the unit can no longer return."""

from __future__ import annotations

from datetime import timedelta

from .kit import OPERATOR, Kit, at, unit, when

REASON = {"reason": "该事项属于其他部门职责"}


async def test_return_window_is_one_working_day_after_dispatch(kit: Kit) -> None:
    # Dispatched Wednesday 2026-09-30 10:00; the next working day is Thursday 10-08 (National Day).
    order = await kit.lead(await kit.receive())
    assert when(order["return_due_at"]) == at("2026-10-08 17:30")
    kit.clock.set(at("2026-10-08 17:31"))
    r = await kit.act(order, "return", REASON)
    assert r.status_code == 409
    assert "return window" in r.json()["detail"]
    assert r.json()["allowed_actions"] == ["sign"]


async def test_return_without_suggestion_goes_back_to_the_queue(kit: Kit) -> None:
    case_no = await kit.receive()
    order = await kit.lead(case_no)
    kit.clock.advance(timedelta(hours=3))
    returned = await kit.ok(order, "return", REASON)
    assert returned["status"] == "returned"
    assert returned["return_reason"] == REASON["reason"]
    queue = (await kit.client.get("/api/v1/dispatch-queue", headers=OPERATOR)).json()["items"]
    assert [(q["case_no"], q["reason"], q["previous_order_id"]) for q in queue] == [
        (case_no, "returned", order["order_id"])
    ]
    (needs,) = await kit.events("order.needs_manual_dispatch", case_no)
    assert needs.payload["order_id"] == order["order_id"]
    assert needs.payload["reason"] == "returned"


async def test_return_with_a_suggested_unit_redispatches_to_it(kit: Kit) -> None:
    case_no = await kit.receive()
    order = await kit.lead(case_no)
    await kit.ok(order, "return", {**REASON, "suggested_unit_id": "U-SC-001"})
    lead = await kit.lead(case_no)
    assert lead["unit_id"] == "U-SC-001"
    assert lead["dispatch_no"] == 2
    assert lead["status"] == "dispatched"
    assert lead["designated"] is False
    dispatched = await kit.events("order.dispatched", case_no)
    assert [e.payload["via"] for e in dispatched] == ["rule", "suggested"]


async def test_suggesting_an_unknown_or_own_unit_is_refused(kit: Kit) -> None:
    order = await kit.lead(await kit.receive())
    r = await kit.act(order, "return", {**REASON, "suggested_unit_id": "U-NOPE"})
    assert r.status_code == 422
    r = await kit.act(order, "return", {**REASON, "suggested_unit_id": order["unit_id"]})
    assert r.status_code == 422
    assert (await kit.order(order["order_id"]))["status"] == "dispatched"


async def test_after_three_dispatches_the_centre_designates_and_return_is_refused(kit: Kit) -> None:
    case_no = await kit.receive()
    chain = ["U-SC-001", "U-HB-001"]
    for suggested in chain:
        await kit.ok(await kit.lead(case_no), "return", {**REASON, "suggested_unit_id": suggested})
    third = await kit.lead(case_no)
    assert (third["unit_id"], third["dispatch_no"]) == ("U-HB-001", 3)
    # The third return cannot go straight to a suggested unit: the centre has to designate.
    await kit.ok(third, "return", {**REASON, "suggested_unit_id": "U-ZJ-001"})
    queue = (await kit.client.get("/api/v1/dispatch-queue", headers=OPERATOR)).json()["items"]
    assert [(q["case_no"], q["designation_required"], q["suggested_unit_id"]) for q in queue] == [
        (case_no, True, "U-ZJ-001")
    ]
    # Even without asking for it, the fourth dispatch is a designation.
    r = await kit.client.post(f"/api/v1/cases/{case_no}/dispatch", json={"unit_id": "U-ZJ-001"}, headers=OPERATOR)
    assert r.json()["designated"] is True
    designated = await kit.lead(case_no)
    assert designated["return_due_at"] is None
    assert designated["allowed_actions"] == ["sign"]
    r = await kit.act(designated, "return", REASON)
    assert r.status_code == 409
    assert "designated" in r.json()["detail"]


async def test_an_operator_may_designate_on_the_first_dispatch(kit: Kit) -> None:
    case_no = await kit.receive(topic_code="JY-JCJY-RXZS")
    r = await kit.client.post(
        f"/api/v1/cases/{case_no}/dispatch", json={"unit_id": "U-ZW-001", "designate": True}, headers=OPERATOR
    )
    assert r.json()["designated"] is True
    order = await kit.lead(case_no)
    r = await kit.client.post(f"/api/v1/orders/{order['order_id']}/return", json=REASON, headers=unit("U-ZW-001"))
    assert r.status_code == 409


async def test_a_co_unit_returning_its_part_leaves_the_lead_working(kit: Kit) -> None:
    case_no = await kit.receive(location={"district_code": "D01", "street_code": "D01-S01", "community_code": None})
    lead, co = await kit.orders_of(case_no)
    assert (lead["role"], co["role"]) == ("lead", "co")
    await kit.ok(co, "return", REASON)
    assert (await kit.order(lead["order_id"]))["status"] == "dispatched"
    assert (await kit.order(co["order_id"]))["status"] == "returned"
    assert (await kit.client.get("/api/v1/dispatch-queue", headers=OPERATOR)).json()["items"] == []
