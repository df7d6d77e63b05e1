"""Every handling event says who took the step (全程留痕: who, what, when).

Feedback builds the staff timeline from these events alone; without `by` the centre could read
that an extension was approved but not by whom. Found by the stack loop test (tests/test_stack_loop.py).
"""

from __future__ import annotations

from .kit import SUPERVISOR, Kit


async def test_handling_events_name_the_unit_user_the_supervisor_or_the_system(kit: Kit) -> None:
    case_no = await kit.receive()
    order = await kit.lead(case_no)
    await kit.ok(order, "sign")
    await kit.ok(order, "contact", {"note": "已电话联系"})
    ext = await kit.ok(order, "extensions", {"working_days": 2, "reason": "需要协调物业"})
    decided = await kit.client.post(
        f"/api/v1/extensions/{ext['extension_id']}/decision", json={"approve": True}, headers=SUPERVISOR
    )
    assert decided.status_code == 200, decided.text
    await kit.ok(order, "reply", {"result": "已清理占道摊贩", "solved": True})
    await kit.rate(await kit.order(order["order_id"]))  # unsatisfied, the unit's fault: dispatch reopens

    # The kit signs a unit's calls as subject "unit-<unit_id>" and the supervisor's as "supervisor-x".
    by = [(e.type, e.payload.get("by")) for e in await kit.events(case_no=case_no)]
    assert by == [
        ("order.dispatched", "system"),
        ("order.signed", f"unit-{order['unit_id']}"),
        ("order.contacted", f"unit-{order['unit_id']}"),
        ("order.extension_requested", f"unit-{order['unit_id']}"),
        ("order.extension_decided", "supervisor-x"),
        ("order.replied", f"unit-{order['unit_id']}"),
        ("order.reopened", "system"),
    ]
