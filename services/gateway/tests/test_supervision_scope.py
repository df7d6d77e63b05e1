"""A supervisor key limited to an area (`area_code`) sees and urges only that area's orders, end to
end: key → gateway → signed identity → dispatch's supervision lists. Real services, real events."""

from __future__ import annotations

from datetime import timedelta

import httpx
from dispatch.demo.seed import seed as seed_dispatch
from hotline_shared.clock import ManualClock

from .conftest import Stack
from .test_scoping import CASE, _deliver_events, _key

OVERDUE = "/api/v1/supervision/overdue"


async def test_an_area_supervisor_sees_and_urges_only_their_area(stack: Stack, clock: ManualClock) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.gateway), base_url="http://gw") as gateway:
        await _scenario(stack, gateway, clock)


async def _scenario(stack: Stack, gateway: httpx.AsyncClient, clock: ManualClock) -> None:
    intake, dispatch = stack.services["intake"], stack.services["dispatch"]
    assert (await gateway.post("/api/v1/catalog/reload", headers=stack.headers["admin"])).status_code == 200
    await seed_dispatch(dispatch.state.settings, True)
    posted = await gateway.post("/api/v1/cases", json=CASE, headers=stack.headers["operator"])  # in D01-S01
    assert posted.status_code == 201, posted.text
    await _deliver_events(intake, dispatch, clock)

    dongcheng = await _key(stack, clock, "督办-东城", "supervisor", area_code="D01")
    street = await _key(stack, clock, "督办-东华门", "supervisor", area_code="D01-S01")
    chaoyang = await _key(stack, clock, "督办-朝阳", "supervisor", area_code="D03")
    # Ten days on, nothing has been signed: the lead (街道) and the co-unit (城管) are both late.
    as_of = (clock.now() + timedelta(days=10)).isoformat()

    async def late(headers: dict[str, str]) -> list[str]:
        r = await gateway.get(OVERDUE, params={"as_of": as_of}, headers=headers)
        assert r.status_code == 200, r.text
        return sorted(row["unit_id"] for row in r.json()["items"])

    assert await late(stack.headers["supervisor"]) == ["U-CG-001", "U-JD-D01S01"]
    assert await late(dongcheng) == ["U-CG-001", "U-JD-D01S01"]
    assert await late(street) == ["U-CG-001", "U-JD-D01S01"]
    assert await late(chaoyang) == []
    refused = await gateway.get(OVERDUE, params={"district_code": "D01"}, headers=chaoyang)
    assert refused.status_code == 403

    r = await gateway.get(OVERDUE, params={"as_of": as_of}, headers=dongcheng)
    order_id = r.json()["items"][0]["order_id"]
    body = {"order_id": order_id, "level": "remind", "note": "请尽快签收"}
    assert (await gateway.post("/api/v1/supervision/urges", json=body, headers=chaoyang)).status_code == 403
    assert (await gateway.post("/api/v1/supervision/urges", json=body, headers=dongcheng)).status_code == 201
