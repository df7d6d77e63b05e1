"""Open311 on the whole running stack: a city app's request is dispatched like any other case, and
its progress reads back through GeoReport v2 (JSON and XML) with no personal data, until closed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from hotline_shared.testing import open311 as spec
from hotline_stack import Stack

from .helpers import fresh_phone, orders_for, staff_timeline, wait_for

TOPIC = "CG-SRHJ-ZDJY"  # outside 东华门街道 the demo rules route it to 城管执法局 (U-CG-001)


def _request(gateway: httpx.Client, case_no: str, fmt: str) -> dict[str, Any]:
    r = gateway.get(f"/open311/v2/requests/{case_no}.{fmt}")
    assert r.status_code == 200, r.text
    [item] = spec.items(spec.parse(r.content, fmt), fmt, "service_requests")
    return spec.check(item, spec.REQUEST, fmt, what="request")


def test_an_open311_request_is_dispatched_and_reads_back_without_personal_data_until_closed(
    stack: Stack, gateway: httpx.Client
) -> None:
    phone = fresh_phone()
    fields = {
        "api_key": stack.api_key("open311"),
        "service_code": TOPIC,
        "description": f"小区门口长期占道经营，晚上噪音很大，联系电话{phone}",
        "address_id": "D03-S01-C01",
        "address_string": "永安里小区12号院3单元501",
        "lat": "39.9139",
        "long": "116.4053",
        "last_name": "欧阳",
        "first_name": "明",
        "phone": phone,
        "media_url": "https://example.org/photo/1.jpg",
    }
    r = gateway.post("/open311/v2/requests.json", data=fields)
    assert r.status_code == 201, r.text
    case_no = r.json()[0]["service_request_id"]

    orders = wait_for("the automatic dispatch", lambda: orders_for(gateway, stack, case_no), timeout=30)
    lead = next(o for o in orders if o["role"] == "lead")
    assert (lead["unit_id"], lead["status"]) == ("U-CG-001", "dispatched")
    record = gateway.get(f"/api/v1/cases/{case_no}", headers=stack.auth("operator")).json()
    assert (record["channel"], record["registered_by"]["role"]) == ("open311", "open311")
    took = datetime.fromisoformat(lead["dispatched_at"]) - datetime.fromisoformat(record["received_at"])
    assert took < timedelta(seconds=1), f"auto-dispatch took {took}, the promise is within a second"

    wait_for("feedback to hear of the dispatch", lambda: (staff_timeline(gateway, stack, case_no) or {}).get("unit_id"))
    for fmt in ("json", "xml"):
        item = _request(gateway, case_no, fmt)
        assert item["status"] == "open"
        assert item["service_code"] == TOPIC
        assert item["agency_responsible"] == "城管执法局"
        assert item["expected_datetime"], "the reply deadline is what the client may expect"
        assert item["address_id"] == "D03-S01-C01"
        assert not item.get("lat")
        assert not item.get("long")
    for fmt in ("json", "xml"):
        listed = gateway.get(f"/open311/v2/requests.{fmt}", params={"service_code": TOPIC, "status": "open"})
        assert listed.status_code == 200
        items = spec.items(spec.parse(listed.content, fmt), fmt, "service_requests")
        for item in items:
            spec.check(item, spec.REQUEST, fmt, what="request")
        assert case_no in {i["service_request_id"] for i in items}
        text = listed.text + gateway.get(f"/open311/v2/requests/{case_no}.{fmt}").text
        for personal in (phone, "欧阳明", "12号院3单元501", "39.9139", "116.4053", "example.org"):
            assert personal not in text, f"{personal} leaked into a public Open311 answer"

    # The unit handles it; the citizen rates it; the request reads closed, with the reply as its notes.
    unit = stack.auth("城管执法局 (U-CG-001)")
    order_id = lead["order_id"]
    reply = {"result": "已清理占道摊点", "solved": True}
    steps = (("sign", None), ("contact", {"note": "已电话联系"}), ("reply", reply))
    for action, body in steps:
        r = gateway.post(f"/api/v1/orders/{order_id}/{action}", json=body, headers=unit)
        assert r.status_code == 200, (action, r.text)
    wait_for("feedback to see the reply", lambda: (staff_timeline(gateway, stack, case_no) or {}).get("reply_seq"))
    r = gateway.post(
        f"/api/v1/callbacks/{case_no}",
        json={"outcome": "rated", "satisfaction": "satisfied", "solved": True, "comment": "好"},
        headers=stack.auth("operator"),
    )
    assert r.status_code in (200, 201), r.text
    for fmt in ("json", "xml"):
        item = wait_for("closed", lambda f=fmt: (i := _request(gateway, case_no, f))["status"] == "closed" and i)
        assert item["status_notes"] == "已清理占道摊点"
        assert not item.get("expected_datetime")
        closed = gateway.get(f"/open311/v2/requests.{fmt}", params={"service_request_id": case_no, "status": "closed"})
        found = spec.items(spec.parse(closed.content, fmt), fmt, "service_requests")
        assert [i["service_request_id"] for i in found] == [case_no]
    board = gateway.get("/api/v1/public/board", params={"topic_code": TOPIC})
    assert case_no in {i["case_no"] for i in board.json()["items"]}
