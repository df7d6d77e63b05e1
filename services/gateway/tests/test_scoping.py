"""Record-level scoping through the gateway: a unit acts only on its own orders, a station reads only
the cases it posted. The gateway carries the key's unit/station in the signed identity; the
services decide from it. Real services, real events (intake's outbox → Valkey → dispatch)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from dispatch.demo.seed import seed as seed_dispatch
from dispatch.worker import build as build_dispatch_worker
from fastapi import FastAPI
from gateway.apikeys import service as keys
from gateway.apikeys.schemas import ApiKeyCreate
from hotline_shared.clock import ManualClock
from intake.worker import build as build_intake_worker

from .conftest import Stack

CASE = {
    "channel": "station",
    "category": "complaint",
    "topic_code": "CG-SRHJ-ZDJY",
    "description": "小区门口长期占道经营，晚上噪音很大，希望城管处理",
    "caller": {"name": "张三", "phone": "13812345678"},
    "location": {"district_code": "D01", "street_code": "D01-S01", "community_code": "D01-S01-C01"},
}


async def _key(stack: Stack, clock: ManualClock, name: str, role: str, **scope: str) -> dict[str, str]:
    async with stack.gateway.state.db.transaction() as session:
        issued = await keys.create_key(
            session, data=ApiKeyCreate(name=name, role=role, **scope), actor="t", clock=clock
        )
    return {"Authorization": f"Bearer {issued.key}"}


async def _deliver_events(intake: FastAPI, dispatch: FastAPI, clock: ManualClock) -> None:
    """Run one round of the real workers: intake's relay publishes, dispatch's consumer handles."""
    relay, _, _ = build_intake_worker(intake.state.settings)(intake.state.db, intake.state.redis, clock)
    assert relay is not None
    await relay.drain()
    _, consumers, _ = build_dispatch_worker(dispatch.state.settings)(dispatch.state.db, dispatch.state.redis, clock)
    for consumer in consumers:
        await consumer.ensure_groups()
        while await consumer.process_once(block_ms=10):
            pass


@pytest.fixture
async def gateway(stack: Stack) -> Any:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.gateway), base_url="http://gw") as client:
        yield client


async def test_a_station_reads_only_the_cases_it_posted(
    stack: Stack, gateway: httpx.AsyncClient, clock: ManualClock
) -> None:
    assert (await gateway.post("/api/v1/catalog/reload", headers=stack.headers["admin"])).status_code == 200
    mine = await _key(stack, clock, "station-jd-01", "station", station_id="S-JD-01")
    theirs = await _key(stack, clock, "station-jd-02", "station", station_id="S-JD-02")
    posted = await gateway.post("/api/v1/cases", json=CASE, headers=mine)
    assert posted.status_code == 201, posted.text
    case_no = posted.json()["case_no"]

    assert (await gateway.get(f"/api/v1/cases/{case_no}", headers=mine)).status_code == 200
    other = await gateway.get(f"/api/v1/cases/{case_no}", headers=theirs)
    assert other.status_code == 404
    assert "13812345678" not in other.text
    listed = (await gateway.get("/api/v1/cases", headers=theirs)).json()
    assert case_no not in str(listed)
    assert case_no in str((await gateway.get("/api/v1/cases", headers=mine)).json())


async def test_a_unit_acts_only_on_its_own_orders(stack: Stack, gateway: httpx.AsyncClient, clock: ManualClock) -> None:
    intake, dispatch = stack.services["intake"], stack.services["dispatch"]
    assert (await gateway.post("/api/v1/catalog/reload", headers=stack.headers["admin"])).status_code == 200
    await seed_dispatch(dispatch.state.settings, True)
    posted = await gateway.post("/api/v1/cases", json=CASE, headers=stack.headers["operator"])
    assert posted.status_code == 201, posted.text
    await _deliver_events(intake, dispatch, clock)

    cg = await _key(stack, clock, "unit-cg", "unit", unit_id="U-CG-001")
    rs = await _key(stack, clock, "unit-rs", "unit", unit_id="U-RS-001")
    orders = (await gateway.get("/api/v1/orders", headers=cg)).json()["items"]
    assert orders, "the case should have produced an order for U-CG-001"
    order_id = orders[0]["order_id"]
    assert orders[0]["unit_id"] == "U-CG-001"

    assert (await gateway.get("/api/v1/orders", headers=rs)).json()["items"] == []
    assert (await gateway.get(f"/api/v1/orders/{order_id}", headers=rs)).status_code == 404
    for action, body in (
        ("sign", {}),
        ("contact", {"note": "已电话联系"}),
        ("reply", {"result": "已处理", "solved": True}),
    ):
        r = await gateway.post(f"/api/v1/orders/{order_id}/{action}", json=body, headers=rs)
        assert r.status_code == 404, (action, r.text)

    clock.advance(timedelta(minutes=5))
    signed = await gateway.post(f"/api/v1/orders/{order_id}/sign", json={}, headers=cg)
    assert signed.status_code == 200, signed.text
