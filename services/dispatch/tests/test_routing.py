"""Routing: the most specific rule wins; no rule sends the case to the operator's queue."""

from __future__ import annotations

from typing import Any

from .kit import ADMIN, OPERATOR, SUPERVISOR, Kit, unit

LOC_D01_S01 = {"district_code": "D01", "street_code": "D01-S01", "community_code": "D01-S01-C01"}
LOC_D03_S01_C01 = {"district_code": "D03", "street_code": "D03-S01", "community_code": "D03-S01-C01"}
LOC_D03_S01_C02 = {"district_code": "D03", "street_code": "D03-S01", "community_code": "D03-S01-C02"}


async def units_for(kit: Kit, **case: Any) -> list[tuple[str, str]]:
    case_no = await kit.receive(**case)
    return [(o["role"], o["unit_id"]) for o in await kit.orders_of(case_no)]


async def add_rule(kit: Kit, **rule: Any) -> dict[str, Any]:
    r = await kit.client.post("/api/v1/routing-rules", json=rule, headers=ADMIN)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_most_specific_area_wins_community_street_district_any(kit: Kit) -> None:
    topic = "CG-SRHJ-LJDF"
    # Demo data: a community rule (D03-S01-C01) and the city-wide CG rule.
    assert await units_for(kit, topic_code=topic, location=LOC_D03_S01_C01) == [("lead", "U-JD-D03S01")]
    assert await units_for(kit, topic_code=topic, location=LOC_D03_S01_C02) == [("lead", "U-CG-001")]
    await add_rule(kit, topic_code=topic, area_code="D03", lead_unit_id="U-HB-001")
    assert await units_for(kit, topic_code=topic, location=LOC_D03_S01_C02) == [("lead", "U-HB-001")]
    await add_rule(kit, topic_code=topic, area_code="D03-S01", lead_unit_id="U-ZJ-001")
    assert await units_for(kit, topic_code=topic, location=LOC_D03_S01_C02) == [("lead", "U-ZJ-001")]
    # The community rule still beats the new street rule.
    assert await units_for(kit, topic_code=topic, location=LOC_D03_S01_C01) == [("lead", "U-JD-D03S01")]


async def test_area_outranks_topic_and_nearer_topic_wins_at_equal_area(kit: Kit) -> None:
    # CG-SZSS @ district D01 (demo) beats the city-wide CG rule for a subtopic in D01 only.
    assert await units_for(kit, topic_code="CG-SZSS-DLPS", location=LOC_D01_S01) == [("lead", "U-D01-CGW")]
    assert await units_for(kit, topic_code="CG-SZSS-DLPS", location=LOC_D03_S01_C01) == [("lead", "U-CG-001")]
    await add_rule(kit, topic_code="CG-SZSS-DLPS", lead_unit_id="U-ZJ-001")  # exact topic, any area
    assert await units_for(kit, topic_code="CG-SZSS-DLPS", location=LOC_D03_S01_C01) == [("lead", "U-ZJ-001")]
    # ...but an area rule on the parent topic is more specific than any-area on the exact topic.
    assert await units_for(kit, topic_code="CG-SZSS-DLPS", location=LOC_D01_S01) == [("lead", "U-D01-CGW")]


async def test_street_rule_with_co_unit_creates_lead_and_co_orders(kit: Kit) -> None:
    assert await units_for(kit, topic_code="CG-SRHJ-ZDJY", location=LOC_D01_S01) == [
        ("lead", "U-JD-D01S01"),
        ("co", "U-CG-001"),
    ]


async def test_area_is_completed_from_the_area_tree(kit: Kit) -> None:
    # Only the community is given: its street (D03-S01) and district come from the tree.
    case_no = await kit.receive(
        topic_code="CG-SRHJ-LJDF",
        location={"district_code": None, "street_code": None, "community_code": "D03-S01-C01"},
    )
    lead = await kit.lead(case_no)
    assert lead["unit_id"] == "U-JD-D03S01"
    assert lead["case"]["location"]["district_code"] == "D03"
    assert lead["case"]["location"]["street_code"] == "D03-S01"


async def test_no_rule_goes_to_the_manual_queue_with_an_event(kit: Kit) -> None:
    case_no = await kit.receive(topic_code="JY-JCJY-RXZS", category="consult")
    assert await kit.orders_of(case_no) == []
    queue = (await kit.client.get("/api/v1/dispatch-queue", headers=OPERATOR)).json()["items"]
    assert [(q["case_no"], q["reason"], q["designation_required"]) for q in queue] == [(case_no, "no_rule", False)]
    (event,) = await kit.events("order.needs_manual_dispatch", case_no)
    assert event.payload["reason"] == "no_rule"
    assert event.payload["order_id"] is None
    # The operator dispatches by hand; the case leaves the queue.
    r = await kit.client.post(
        f"/api/v1/cases/{case_no}/dispatch", json={"unit_id": "U-ZW-001", "co_unit_ids": ["U-RS-001"]}, headers=OPERATOR
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["created"] is True
    assert [(o["role"], o["unit_id"]) for o in body["orders"]] == [("lead", "U-ZW-001"), ("co", "U-RS-001")]
    assert (await kit.client.get("/api/v1/dispatch-queue", headers=OPERATOR)).json()["items"] == []
    # A retried identical request changes nothing.
    again = await kit.client.post(
        f"/api/v1/cases/{case_no}/dispatch", json={"unit_id": "U-ZW-001", "co_unit_ids": ["U-RS-001"]}, headers=OPERATOR
    )
    assert again.json()["created"] is False
    assert [o["order_id"] for o in again.json()["orders"]] == [o["order_id"] for o in body["orders"]]
    assert len(await kit.events("order.dispatched", case_no)) == 2


async def test_manual_redispatch_withdraws_the_running_orders(kit: Kit) -> None:
    case_no = await kit.receive()
    first = await kit.lead(case_no)
    await kit.ok(first, "sign")
    r = await kit.client.post(f"/api/v1/cases/{case_no}/dispatch", json={"unit_id": "U-SC-001"}, headers=OPERATOR)
    assert r.status_code == 200
    assert (await kit.order(first["order_id"]))["status"] == "withdrawn"
    assert (await kit.lead(case_no))["unit_id"] == "U-SC-001"
    (withdrawn,) = await kit.events("order.withdrawn", case_no)
    assert withdrawn.payload["reason"] == "redispatched"


async def test_manual_dispatch_validates_units_roles_and_case(kit: Kit) -> None:
    case_no = await kit.receive(topic_code="JY-JCJY-RXZS")
    r = await kit.client.post(f"/api/v1/cases/{case_no}/dispatch", json={"unit_id": "U-NOPE"}, headers=OPERATOR)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body.unit_id"
    r = await kit.client.post(
        f"/api/v1/cases/{case_no}/dispatch", json={"unit_id": "U-ZW-001", "co_unit_ids": ["U-ZW-001"]}, headers=OPERATOR
    )
    assert r.status_code == 422
    r = await kit.client.post(
        f"/api/v1/cases/{case_no}/dispatch", json={"unit_id": "U-ZW-001"}, headers=unit("U-ZW-001")
    )
    assert r.status_code == 403
    r = await kit.client.post("/api/v1/cases/20990101-000001/dispatch", json={"unit_id": "U-ZW-001"}, headers=OPERATOR)
    assert r.status_code == 404


async def test_rule_admin_validates_units_overlap_and_catalogue(kit: Kit) -> None:
    r = await kit.client.post(
        "/api/v1/routing-rules", json={"topic_code": "JY", "lead_unit_id": "U-NOPE"}, headers=ADMIN
    )
    assert r.status_code == 422
    assert "U-NOPE" in r.json()["detail"]
    r = await kit.client.post(
        "/api/v1/routing-rules",
        json={"topic_code": "JY", "lead_unit_id": "U-ZW-001", "co_unit_ids": ["U-MISSING"]},
        headers=ADMIN,
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body.co_unit_ids.0"
    r = await kit.client.post(
        "/api/v1/routing-rules", json={"topic_code": "CG", "lead_unit_id": "U-ZW-001"}, headers=ADMIN
    )
    assert r.status_code == 409  # the demo already has CG @ any area
    assert "conflicting_rule_id" in r.json()
    r = await kit.client.post(
        "/api/v1/routing-rules", json={"topic_code": "XX-NOPE", "lead_unit_id": "U-ZW-001"}, headers=ADMIN
    )
    assert r.status_code == 422
    r = await kit.client.post(
        "/api/v1/routing-rules",
        json={"topic_code": "JY", "area_code": "D01", "area_level": "street", "lead_unit_id": "U-ZW-001"},
        headers=ADMIN,
    )
    assert r.status_code == 422  # D01 is a district
    rule = await add_rule(kit, topic_code="JY", area_code="D01-S01", lead_unit_id="U-ZW-001")
    assert rule["area_level"] == "street"
    r = await kit.client.post(
        "/api/v1/routing-rules", json={"topic_code": "JY", "lead_unit_id": "U-ZW-001"}, headers=unit("U-ZW-001")
    )
    assert r.status_code == 403
    # Same topic, same area, edited in place is fine; a PUT onto another rule's key is not.
    r = await kit.client.put(
        f"/api/v1/routing-rules/{rule['id']}",
        json={"topic_code": "JY", "area_code": "D01-S01", "lead_unit_id": "U-RS-001"},
        headers=ADMIN,
    )
    assert r.status_code == 200
    assert r.json()["lead_unit_id"] == "U-RS-001"
    r = await kit.client.put(
        f"/api/v1/routing-rules/{rule['id']}", json={"topic_code": "CG", "lead_unit_id": "U-RS-001"}, headers=ADMIN
    )
    assert r.status_code == 409
    match = await kit.client.get(
        "/api/v1/routing-rules/match",
        params={"topic_code": "JY-JCJY-RXZS", "district_code": "D01", "street_code": "D01-S01"},
        headers=OPERATOR,
    )
    assert match.json()["matched"] is True
    assert match.json()["lead_unit_id"] == "U-RS-001"
    assert (await kit.client.delete(f"/api/v1/routing-rules/{rule['id']}", headers=ADMIN)).status_code == 204
    assert (await kit.client.get(f"/api/v1/routing-rules/{rule['id']}", headers=SUPERVISOR)).status_code == 404


async def test_units_in_use_cannot_be_deleted_or_deactivated(kit: Kit) -> None:
    r = await kit.client.delete("/api/v1/units/U-CG-001", headers=ADMIN)
    assert r.status_code == 409
    assert r.json()["routing_rule_ids"]
    r = await kit.client.patch("/api/v1/units/U-CG-001", json={"active": False}, headers=ADMIN)
    assert r.status_code == 409
    r = await kit.client.post("/api/v1/units", json={"unit_id": "U-TEST-1", "name": "测试单位"}, headers=ADMIN)
    assert r.status_code == 201
    r = await kit.client.post("/api/v1/units", json={"unit_id": "U-TEST-1", "name": "测试单位"}, headers=ADMIN)
    assert r.status_code == 409
    r = await kit.client.patch("/api/v1/units/U-TEST-1", json={"active": False}, headers=ADMIN)
    assert r.json()["active"] is False
    case_no = await kit.receive(topic_code="JY-JCJY-RXZS")
    r = await kit.client.post(f"/api/v1/cases/{case_no}/dispatch", json={"unit_id": "U-TEST-1"}, headers=OPERATOR)
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "inactive_unit"
    assert (await kit.client.delete("/api/v1/units/U-TEST-1", headers=ADMIN)).status_code == 204
    listed = await kit.client.get("/api/v1/units", params={"limit": 200}, headers=unit("U-CG-001"))
    assert "U-TEST-1" not in [u["unit_id"] for u in listed.json()["items"]]
    assert "U-CG-001" in [u["unit_id"] for u in listed.json()["items"]]


async def test_a_unit_name_with_control_characters_is_refused_and_nothing_changes(kit: Kit) -> None:
    # Found fuzzing the OpenAPI: such a name was stored, and the month's Excel ranking then failed
    # with a 500 (a worksheet cannot hold it).
    for name in ("城管\x08执法局", "城管执法局\x1b[0m", "城管\n执法局"):
        r = await kit.client.post("/api/v1/units", json={"unit_id": "U-TEST-2", "name": name}, headers=ADMIN)
        assert r.status_code == 422, r.text
        assert [e["field"] for e in r.json()["errors"]] == ["body.name"]
        r = await kit.client.patch("/api/v1/units/U-CG-001", json={"name": name}, headers=ADMIN)
        assert r.status_code == 422, r.text
    assert (await kit.client.get("/api/v1/units/U-TEST-2", headers=ADMIN)).status_code == 404
    assert (await kit.client.get("/api/v1/units/U-CG-001", headers=ADMIN)).json()["name"] == "城管执法局"


async def test_a_units_district_must_be_a_district_of_the_area_tree(kit: Kit) -> None:
    for code, why in (("D99", "not in the area tree"), ("D01-S01", "is a street, not a district")):
        r = await kit.client.post(
            "/api/v1/units", json={"unit_id": "U-TEST-3", "name": "测试单位", "district_code": code}, headers=ADMIN
        )
        assert r.status_code == 422, r.text
        assert [e["field"] for e in r.json()["errors"]] == ["body.district_code"]
        assert why in r.json()["detail"]
        r = await kit.client.patch("/api/v1/units/U-CG-001", json={"district_code": code}, headers=ADMIN)
        assert r.status_code == 422, r.text
    assert (await kit.client.get("/api/v1/units/U-TEST-3", headers=ADMIN)).status_code == 404
    r = await kit.client.post(
        "/api/v1/units", json={"unit_id": "U-TEST-3", "name": "测试单位", "district_code": "D03"}, headers=ADMIN
    )
    assert r.status_code == 201, r.text
    assert r.json()["district_code"] == "D03"
