"""What the cross-service tests do over and over through the gateway (imported as `from .helpers import ...`)."""

from __future__ import annotations

import random
import uuid
from typing import Any

import httpx
from hotline_shared.testing.waiting import wait_for
from hotline_stack import Stack


def fresh_phone() -> str:
    # A new caller each time, so the duplicate rule (same phone + topic + community) only links on purpose.
    return "139" + "".join(random.choices("0123456789", k=8))


def case_body() -> dict[str, Any]:
    return {
        "channel": "phone",
        "category": "complaint",
        "topic_code": "CG-SRHJ-ZDJY",
        "description": "小区门口长期占道经营，晚上噪音很大",
        "caller": {"name": "张三", "phone": fresh_phone()},
        "location": {"district_code": "D01", "street_code": "D01-S01", "community_code": "D01-S01-C01"},
    }


def register(gateway: httpx.Client, stack: Stack, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """An operator registers a case (a fresh one unless `body` is given); the answer plus the phone sent."""
    headers = {**stack.auth("operator"), "Idempotency-Key": str(uuid.uuid4())}
    sent = body or case_body()
    response = gateway.post("/api/v1/cases", json=sent, headers=headers)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    assert answer["status"] == "received"
    return {**answer, "phone": sent["caller"]["phone"]}


def orders_for(gateway: httpx.Client, stack: Stack, case_no: str) -> list[dict[str, Any]]:
    response = gateway.get("/api/v1/orders", params={"case_no": case_no}, headers=stack.auth("supervisor"))
    if response.status_code != 200:
        return []
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def staff_timeline(gateway: httpx.Client, stack: Stack, case_no: str) -> dict[str, Any] | None:
    """Feedback's view of a case as the centre sees it, or None while feedback has not heard of it."""
    response = gateway.get(f"/api/v1/cases/{case_no}/timeline", headers=stack.auth("operator"))
    if response.status_code != 200:
        return None
    body: dict[str, Any] = response.json()
    return body


def public_case(gateway: httpx.Client, stack: Stack, case_no: str, code: str) -> dict[str, Any]:
    """What the citizen sees with the lookup code.

    Waits on the staff timeline first: every 404 of the public lookup counts as a failed guess
    against the client IP (and the gateway limits public calls per minute), so polling the public
    endpoint itself would get a test's own lookups throttled.
    """
    wait_for(f"feedback to know {case_no}", lambda: staff_timeline(gateway, stack, case_no))
    response = gateway.get(f"/api/v1/public/cases/{case_no}", params={"code": code})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def key_for(stack: Stack, *, unit_id: str | None = None, station_id: str | None = None) -> dict[str, str]:
    """Headers for the demo key of one unit or one station (`stack.auth(role)` gives the first of a role)."""
    for k in stack.api_keys:
        if (unit_id and k.unit_id == unit_id) or (station_id and k.station_id == station_id):
            return {"Authorization": f"Bearer {k.key}"}
    raise KeyError(f"no demo key for unit {unit_id!r} / station {station_id!r}")
