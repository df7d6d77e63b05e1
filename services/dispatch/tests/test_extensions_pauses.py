"""Extensions (延期) and pauses (挂起): supervisor decisions, and exactly how deadlines move."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from .kit import SUPERVISOR, Kit, at, unit, when


async def signed_order(kit: Kit, **case: Any) -> dict[str, Any]:
    order = await kit.lead(await kit.receive(**case))
    await kit.ok(order, "sign")
    return await kit.order(order["order_id"])


async def decide(kit: Kit, kind: str, item_id: int, approve: bool, who: dict[str, str] = SUPERVISOR) -> Any:
    return await kit.client.post(
        f"/api/v1/{kind}/{item_id}/decision",
        json={"approve": approve, "note": "同意" if approve else "理由不充分"},
        headers=who,
    )


async def test_approved_extension_moves_the_reply_deadline_by_working_days(kit: Kit) -> None:
    # A consult dispatched 2026-09-30 10:00 is due 2026-10-10 17:30 (the makeup Saturday).
    order = await signed_order(kit, category="consult")
    assert when(order["reply_due_at"]) == at("2026-10-10 17:30")
    r = await kit.act(order, "extensions", {"working_days": 2, "reason": "需要现场勘查并协调物业"})
    assert r.status_code == 201, r.text
    ext = r.json()
    assert ext["status"] == "pending"
    # A unit cannot decide its own extension; a supervisor can.
    assert (await decide(kit, "extensions", ext["extension_id"], True, unit(order["unit_id"]))).status_code == 403
    decided = await decide(kit, "extensions", ext["extension_id"], True)
    assert decided.status_code == 200, decided.text
    # Two working days after Saturday 10-10: Monday 10-12 and Tuesday 10-13.
    assert when(decided.json()["reply_due_at_after"]) == at("2026-10-13 17:30")
    after = await kit.order(order["order_id"])
    assert when(after["reply_due_at"]) == at("2026-10-13 17:30")
    assert after["extension_count"] == 1
    (event,) = await kit.events("order.extension_decided", order["case_no"])
    assert event.payload["approved"] is True
    assert when(event.payload["reply_due_at"]) == at("2026-10-13 17:30")
    # Deciding twice is a conflict, and the policy allows one extension per dispatch.
    assert (await decide(kit, "extensions", ext["extension_id"], False)).status_code == 409
    again = await kit.act(order, "extensions", {"working_days": 1, "reason": "还需要一天"})
    assert again.status_code == 409
    assert again.json()["max_extensions"] == 1


async def test_rejected_extension_leaves_the_deadline_and_may_be_asked_again(kit: Kit) -> None:
    order = await signed_order(kit, category="help")
    due = order["reply_due_at"]
    ext = (await kit.act(order, "extensions", {"working_days": 3, "reason": "等待第三方检测结果"})).json()
    second = await kit.act(order, "extensions", {"working_days": 3, "reason": "重复申请"})
    assert second.status_code == 409  # one pending request at a time
    r = await decide(kit, "extensions", ext["extension_id"], False)
    assert r.json()["status"] == "rejected"
    assert (await kit.order(order["order_id"]))["reply_due_at"] == due
    assert (await kit.act(order, "extensions", {"working_days": 1, "reason": "补充材料后再次申请"})).status_code == 201


async def test_extension_must_be_asked_at_least_one_working_hour_before_the_deadline(kit: Kit) -> None:
    order = await signed_order(kit, category="consult")  # due Saturday 2026-10-10 17:30
    kit.clock.set(at("2026-10-10 16:45"))
    r = await kit.act(order, "extensions", {"working_days": 1, "reason": "来不及了"})
    assert r.status_code == 409
    assert "before the reply deadline" in r.json()["detail"]
    kit.clock.set(at("2026-10-10 16:29"))
    assert (await kit.act(order, "extensions", {"working_days": 1, "reason": "提前申请"})).status_code == 201


async def test_pending_requests_are_withdrawn_when_the_order_is_replied(kit: Kit) -> None:
    order = await signed_order(kit)
    await kit.ok(order, "contact", {"note": "已联系"})
    ext = (await kit.act(order, "extensions", {"working_days": 2, "reason": "需要更多时间"})).json()
    pause = (await kit.act(order, "pauses", {"reason": "等待第三方处理"})).json()
    await kit.ok(order, "reply", {"result": "已处理", "solved": True})
    listed = await kit.client.get("/api/v1/extensions", params={"order_id": order["order_id"]}, headers=SUPERVISOR)
    assert [e["status"] for e in listed.json()["items"]] == ["withdrawn"]
    assert (await decide(kit, "extensions", ext["extension_id"], True)).status_code == 409
    assert (await decide(kit, "pauses", pause["pause_id"], True)).status_code == 409


async def test_pause_stops_the_clock_and_resume_shifts_open_deadlines_by_the_paused_working_time(kit: Kit) -> None:
    order = await signed_order(kit, category="consult")
    assert when(order["contact_due_at"]) == at("2026-10-08 17:30")
    assert when(order["reply_due_at"]) == at("2026-10-10 17:30")
    r = await kit.act(order, "pauses", {"reason": "群众出差，暂时无法联系", "kind": "citizen_unreachable"})
    assert r.status_code == 201
    pause = r.json()
    listed = await kit.client.get("/api/v1/pauses", params={"status": "pending"}, headers=SUPERVISOR)
    assert [p["pause_id"] for p in listed.json()["items"]] == [pause["pause_id"]]
    kit.clock.set(at("2026-09-30 11:00"))
    approved = await decide(kit, "pauses", pause["pause_id"], True)
    assert approved.json()["status"] == "active"
    paused = await kit.order(order["order_id"])
    assert paused["status"] == "paused"
    assert paused["allowed_actions"] == ["resume"]
    # Paused from Wednesday 11:00 to Thursday 10-08 10:00: 1h (11-12) + 4h (13:30-17:30) on 09-30,
    # nothing over the holiday, 1.5h (08:30-10:00) on 10-08 — 6.5 working hours.
    kit.clock.set(at("2026-10-08 10:00"))
    resumed = await kit.ok(order, "resume")
    assert resumed["status"] == "signed"
    assert resumed["paused_working_seconds"] == int(6.5 * 3600)
    # Each open deadline moves 6.5 working hours later: 3.5h in the morning, 3h after lunch.
    assert when(resumed["contact_due_at"]) == at("2026-10-09 16:30")
    assert when(resumed["reply_due_at"]) == at("2026-10-12 16:30")
    (event,) = await kit.events("order.resumed", order["case_no"])
    assert event.payload["paused_working_seconds"] == int(6.5 * 3600)
    assert when(event.payload["reply_due_at"]) == at("2026-10-12 16:30")
    types = [h["type"] for h in resumed["history"]]
    assert types[-3:] == ["order.pause_requested", "order.paused", "order.resumed"]


async def test_a_pause_of_an_urgent_order_shifts_its_calendar_hour_limits_by_clock_time(kit: Kit) -> None:
    order = await signed_order(kit, urgency="urgent")
    assert when(order["reply_due_at"]) == at("2026-10-01 10:00")  # 24 calendar hours
    pause = (await kit.act(order, "pauses", {"reason": "需燃气公司先行关阀"})).json()
    await decide(kit, "pauses", pause["pause_id"], True)
    kit.clock.advance(timedelta(hours=3, minutes=30))
    resumed = await kit.ok(order, "resume")
    assert when(resumed["reply_due_at"]) == at("2026-10-01 13:30")


async def test_supervisor_may_resume_and_a_rejected_pause_changes_nothing(kit: Kit) -> None:
    order = await signed_order(kit)
    pause = (await kit.act(order, "pauses", {"reason": "等待鉴定"})).json()
    r = await decide(kit, "pauses", pause["pause_id"], False)
    assert r.json()["status"] == "rejected"
    assert (await kit.order(order["order_id"]))["status"] == "signed"
    pause = (await kit.act(order, "pauses", {"reason": "等待鉴定结果"})).json()
    await decide(kit, "pauses", pause["pause_id"], True)
    r = await kit.client.post(f"/api/v1/orders/{order['order_id']}/resume", headers=SUPERVISOR)
    assert r.status_code == 200
    assert r.json()["status"] == "signed"
    events = [e.type for e in await kit.events(case_no=order["case_no"])]
    assert events.count("order.pause_rejected") == 1
    assert events.count("order.resumed") == 1


async def test_other_units_cannot_see_or_request_on_an_order(kit: Kit) -> None:
    order = await signed_order(kit)
    r = await kit.client.post(
        f"/api/v1/orders/{order['order_id']}/extensions",
        json={"working_days": 1, "reason": "越权申请"},
        headers=unit("U-RS-001"),
    )
    assert r.status_code == 404
    ext = (await kit.act(order, "extensions", {"working_days": 1, "reason": "正常申请"})).json()
    r = await kit.client.get(f"/api/v1/extensions/{ext['extension_id']}", headers=unit("U-RS-001"))
    assert r.status_code == 404
    r = await kit.client.get("/api/v1/extensions", headers=unit("U-RS-001"))
    assert r.json()["items"] == []
