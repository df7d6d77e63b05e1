from __future__ import annotations

from .kit import Kit


async def test_case_received_is_routed_to_the_rule_unit(kit: Kit) -> None:
    case_no = await kit.receive(topic_code="CG-SRHJ-ZDJY")
    orders = await kit.orders_of(case_no)
    assert [o["unit_id"] for o in orders] == ["U-CG-001"]
    order = await kit.order(orders[0]["order_id"])
    assert order["status"] == "dispatched"
    assert order["allowed_actions"] == ["sign", "return"]
