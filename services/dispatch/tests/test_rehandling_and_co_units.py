"""Re-handling (重办) on an unsatisfied rating, closure from feedback, and co-units (协办)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from .kit import FEEDBACK_STREAM, OPERATOR, Kit, at, when

ZDJY_D01_S01 = {"topic_code": "CG-SRHJ-ZDJY", "location": {"district_code": "D01", "street_code": "D01-S01"}}


async def test_unsatisfied_rating_at_the_units_fault_reopens_with_fresh_deadlines(kit: Kit) -> None:
    case_no = await kit.receive(category="consult")
    order = await kit.lead(case_no)
    replied = await kit.handle_to_reply(order)
    kit.clock.set(at("2026-10-12 09:00"))
    await kit.rate(replied)
    reopened = await kit.order(order["order_id"])
    assert reopened["status"] == "reopened"
    assert reopened["rehandle_count"] == 1
    assert reopened["allowed_actions"] == ["contact", "request_extension", "request_pause"]
    # Fresh limits from the reopening: 1 working day to contact, 3 to reply.
    assert when(reopened["contact_due_at"]) == at("2026-10-13 17:30")
    assert when(reopened["reply_due_at"]) == at("2026-10-15 17:30")
    (event,) = await kit.events("order.reopened", case_no)
    assert event.payload["rehandle_count"] == 1
    assert when(event.payload["reply_due_at"]) == at("2026-10-15 17:30")
    # The re-handled reply gets the next sequence number.
    await kit.ok(reopened, "contact", {"note": "再次联系"})
    second = await kit.ok(reopened, "reply", {"result": "已彻底清理", "solved": True})
    assert second["reply_seq"] == 2


async def test_satisfied_or_not_at_fault_ratings_and_stale_or_unknown_orders_change_nothing(kit: Kit) -> None:
    order = await kit.lead(await kit.receive())
    replied = await kit.handle_to_reply(order)
    await kit.rate(replied, satisfaction="basically_satisfied")
    await kit.rate(replied, at_fault=False)
    await kit.rate({**replied, "reply_seq": 7})  # a rating of some other reply
    await kit.rate({**replied, "order_id": "20990101-000001-01"})  # unknown: logged, not a crash loop
    assert (await kit.order(order["order_id"]))["status"] == "awaiting_callback"
    pending = await kit.app.state.redis.xpending(FEEDBACK_STREAM, "dispatch")
    assert pending["pending"] == 0


async def test_after_two_rehandlings_the_case_goes_to_a_supervisor(kit: Kit) -> None:
    case_no = await kit.receive()
    order = await kit.lead(case_no)
    await kit.handle_to_reply(order)
    for round_no in (1, 2):
        await kit.rate(await kit.order(order["order_id"]))
        current = await kit.order(order["order_id"])
        assert (current["status"], current["rehandle_count"]) == ("reopened", round_no)
        await kit.ok(current, "contact", {"note": "再次联系"})
        await kit.ok(current, "reply", {"result": "再次处理", "solved": False})
    await kit.rate(await kit.order(order["order_id"]))
    escalated = await kit.order(order["order_id"])
    assert escalated["status"] == "escalated"
    queue = (
        await kit.client.get("/api/v1/dispatch-queue", params={"reason": "rehandle_limit"}, headers=OPERATOR)
    ).json()
    assert [(q["case_no"], q["rehandle_count"]) for q in queue["items"]] == [(case_no, 2)]
    needs = await kit.events("order.needs_manual_dispatch", case_no)
    assert [e.payload["reason"] for e in needs] == ["rehandle_limit"]
    # The supervisor designates a unit; a fresh dispatch starts.
    r = await kit.client.post(
        f"/api/v1/cases/{case_no}/dispatch", json={"unit_id": "U-D01-CGW", "designate": True}, headers=OPERATOR
    )
    assert r.status_code == 200
    assert (await kit.lead(case_no))["unit_id"] == "U-D01-CGW"


async def test_case_closed_by_feedback_closes_its_orders(kit: Kit) -> None:
    case_no = await kit.receive(**ZDJY_D01_S01)
    lead, co = await kit.orders_of(case_no)
    await kit.handle_to_reply(lead)
    await kit.deliver(FEEDBACK_STREAM, "case.closed", {"case_no": case_no, "outcome": "satisfied"}, case_no=case_no)
    assert (await kit.order(lead["order_id"]))["status"] == "closed"
    assert (await kit.order(co["order_id"]))["status"] == "withdrawn"  # relieved by the lead's reply
    closed = await kit.events("order.closed", case_no)
    assert [(e.payload["order_id"], e.payload["outcome"]) for e in closed] == [(lead["order_id"], "satisfied")]
    # Redelivering the same closure is harmless; a closure for an unknown case too.
    await kit.deliver(FEEDBACK_STREAM, "case.closed", {"case_no": case_no, "outcome": "satisfied"}, case_no=case_no)
    await kit.deliver(FEEDBACK_STREAM, "case.closed", {"case_no": "20990101-000009", "outcome": "unreachable"})
    assert len(await kit.events("order.closed", case_no)) == 1


async def test_co_units_have_their_own_orders_and_replies_and_the_lead_reply_closes_handling(kit: Kit) -> None:
    case_no = await kit.receive(**ZDJY_D01_S01)
    lead, co = await kit.orders_of(case_no)
    assert (lead["unit_id"], co["unit_id"]) == ("U-JD-D01S01", "U-CG-001")
    co_detail = await kit.order(co["order_id"])
    assert co_detail["lead_order_id"] == lead["order_id"]
    assert co_detail["contact_due_at"] is None  # first contact is the lead's job
    assert co_detail["reply_due_at"] == lead["reply_due_at"]
    # The co-unit replies straight after signing; its reply shows on the lead's order.
    await kit.ok(co, "sign")
    co_replied = await kit.ok(co, "reply", {"result": "已配合执法，没收经营工具", "solved": True})
    assert co_replied["status"] == "replied"
    lead_view = await kit.order(lead["order_id"])
    assert [(c["unit_id"], c["status"], c["reply"]["result"]) for c in lead_view["co_orders"]] == [
        ("U-CG-001", "replied", "已配合执法，没收经营工具")
    ]
    await kit.handle_to_reply(lead)
    assert (await kit.order(co["order_id"]))["status"] == "replied"  # a finished co-order stays as it is


async def test_open_co_orders_are_withdrawn_when_the_lead_replies(kit: Kit) -> None:
    case_no = await kit.receive(**ZDJY_D01_S01)
    lead, co = await kit.orders_of(case_no)
    await kit.ok(co, "sign")
    await kit.handle_to_reply(lead)
    co_after = await kit.order(co["order_id"])
    assert (co_after["status"], co_after["close_reason"]) == ("withdrawn", "lead_replied")
    r = await kit.act(co, "reply", {"result": "太晚了", "solved": True})
    assert r.status_code == 409


async def test_concurrent_sign_and_return_one_wins_the_other_gets_409(kit: Kit) -> None:
    for _ in range(3):
        order = await kit.lead(await kit.receive())
        kit.clock.advance(timedelta(minutes=1))
        sign, ret = await asyncio.gather(
            kit.act(order, "sign"), kit.act(order, "return", {"reason": "不属于本单位职责"})
        )
        assert sorted([sign.status_code, ret.status_code]) == [200, 409], (sign.text, ret.text)
        final = await kit.order(order["order_id"])
        winner = "signed" if sign.status_code == 200 else "returned"
        assert final["status"] == winner
        loser = ret if sign.status_code == 200 else sign
        assert loser.json()["current_state"] == winner
        types = [h["type"] for h in final["history"]]
        assert ("order.signed" in types) != ("order.returned" in types)
