"""Station batches: per-item results in order; one bad item does not sink the others; resend-safe."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi import FastAPI
from hotline_shared.clock import ManualClock
from hotline_shared.testing import signed_headers
from hotline_shared.testing.apps import running
from intake.config import IntakeSettings
from intake.main import create_app

from .helpers import (
    BATCH,
    CASES,
    assert_one_event_per_case,
    case_body,
    case_count,
    intake_events,
    seed_catalog,
    station,
)


def item(ref: str, i: int, **overrides: Any) -> dict[str, Any]:
    body = case_body(
        channel="station",
        caller={"name": "居民", "phone": f"135{i:08d}"},
        description=f"网格员走访记录第{i}条：楼道堆放杂物",
        location={"community_code": "D01-S03-C01", "grid_code": "D01-S03-C01-G01"},
    )
    return {**body, "client_ref": ref, **overrides}


MIXED = [
    item("R-1", 1),
    item("R-2", 2, topic_code="NOPE"),  # unknown topic
    item("R-3", 3),
    item("R-4", 4, category="gossip"),  # not even the schema
    item("R-5", 5, caller={"name": "居民", "phone": "123-abc"}),
    {"client_ref": "R-6"},  # nearly empty
    item("R-7", 7, location={"district_code": "D02", "street_code": "D01-S03"}),
    item("R-8", 8),
]


async def test_mixed_batch_reports_each_item_in_order(client: httpx.AsyncClient, app: FastAPI) -> None:
    response = await client.post(BATCH, json={"items": MIXED}, headers=station("ST-JDK"))
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["accepted"], result["failed"]) == (3, 5)
    results = result["results"]
    assert [r["index"] for r in results] == list(range(8))
    assert [r["client_ref"] for r in results] == [f"R-{i}" for i in range(1, 9)]
    assert [r["ok"] for r in results] == [True, False, True, False, False, False, False, True]

    problems = {r["client_ref"]: r["problem"] for r in results if not r["ok"]}
    assert {e["field"] for e in problems["R-2"]["errors"]} == {"body.items.1.topic_code"}
    assert {e["field"] for e in problems["R-4"]["errors"]} == {"body.items.3.category"}
    assert {e["field"] for e in problems["R-5"]["errors"]} == {"body.items.4.caller.phone"}
    assert {"body.items.5.channel", "body.items.5.description"} <= {e["field"] for e in problems["R-6"]["errors"]}
    assert problems["R-7"]["errors"][0]["code"] == "area_mismatch"
    for p in problems.values():
        assert p["status"] == 422

    numbers = [r["case"]["case_no"] for r in results if r["ok"]]
    assert numbers == sorted(numbers)
    assert await case_count(app) == 3
    await assert_one_event_per_case(app)


async def test_an_item_whose_client_ref_is_a_lone_surrogate_fails_alone(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # Found fuzzing the OpenAPI: echoing the ref back could not be written as UTF-8 and the whole
    # batch, the good item's receipt included, became a 500.
    raw = json.dumps({"items": [{"client_ref": "R-\ud800"}, item("R-2", 2)]})  # "\ud800" stays escaped
    response = await client.post(BATCH, content=raw, headers={**station("ST-JDK"), "content-type": "application/json"})
    assert response.status_code == 200, response.text
    bad, good = response.json()["results"]
    assert (bad["ok"], bad["client_ref"], good["ok"], good["client_ref"]) == (False, None, True, "R-2")
    assert "body.items.0.client_ref" in {e["field"] for e in bad["problem"]["errors"]}
    assert await case_count(app) == 1
    await assert_one_event_per_case(app)


async def test_an_item_whose_phone_is_a_lone_zero_fails_alone(client: httpx.AsyncClient, app: FastAPI) -> None:
    # Found fuzzing the OpenAPI: phone "0" went down the landline path and raised IndexError, a 500
    # for the whole batch. It is a refusal of that one item, naming the phone.
    items = [item("Z-1", 1, caller={"name": "居民", "phone": "0"}), item("Z-2", 2)]
    response = await client.post(BATCH, json={"items": items}, headers=station("ST-JDK"))
    assert response.status_code == 200, response.text
    bad, good = response.json()["results"]
    assert (bad["ok"], good["ok"]) == (False, True)
    assert {e["field"] for e in bad["problem"]["errors"]} == {"body.items.0.caller.phone"}
    assert await case_count(app) == 1


async def test_resending_the_same_batch_creates_nothing_new(client: httpx.AsyncClient, app: FastAPI) -> None:
    first = (await client.post(BATCH, json={"items": MIXED}, headers=station("ST-JDK"))).json()
    again = (await client.post(BATCH, json={"items": MIXED}, headers=station("ST-JDK"))).json()
    assert [r["case"] for r in again["results"]] == [r["case"] for r in first["results"]]
    assert [r["replayed"] for r in again["results"] if r["ok"]] == [True, True, True]
    assert await case_count(app) == 3
    assert len(await intake_events(app, "case.received")) == 3


async def test_a_batch_cut_short_is_completed_by_resending_it(client: httpx.AsyncClient, app: FastAPI) -> None:
    items = [item(f"B-{i}", i) for i in range(6)]
    await client.post(BATCH, json={"items": items[:2]}, headers=station("ST-JDK"))  # the network dropped here
    full = (await client.post(BATCH, json={"items": items}, headers=station("ST-JDK"))).json()
    assert [r["replayed"] for r in full["results"]] == [True, True, False, False, False, False]
    assert await case_count(app) == 6


async def test_reused_client_ref_with_other_content_is_refused_for_that_item(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    items = [item("C-1", 1), item("C-1", 2)]
    results = (await client.post(BATCH, json={"items": items}, headers=station("ST-JDK"))).json()["results"]
    assert results[0]["ok"] is True
    assert results[1]["ok"] is False
    assert results[1]["problem"]["status"] == 409


async def test_client_refs_are_scoped_to_the_station(client: httpx.AsyncClient, app: FastAPI) -> None:
    a = (await client.post(BATCH, json={"items": [item("S-1", 1)]}, headers=station("ST-A"))).json()
    b = (await client.post(BATCH, json={"items": [item("S-1", 2)]}, headers=station("ST-B"))).json()
    assert a["results"][0]["case"]["case_no"] != b["results"][0]["case"]["case_no"]


async def test_duplicates_inside_a_batch_are_linked(client: httpx.AsyncClient, app: FastAPI) -> None:
    twice = [item("D-1", 1), item("D-2", 1, description="同一位居民再次反映楼道堆放杂物")]
    results = (await client.post(BATCH, json={"items": twice}, headers=station("ST-JDK"))).json()["results"]
    assert results[0]["case"]["status"] == "received"
    assert results[1]["case"]["status"] == "duplicate"
    assert results[1]["case"]["duplicate_of"] == results[0]["case"]["case_no"]


async def test_batch_limits(client: httpx.AsyncClient) -> None:
    empty = await client.post(BATCH, json={"items": []}, headers=station())
    assert empty.status_code == 422
    too_many = await client.post(BATCH, json={"items": [item(f"X-{i}", i) for i in range(501)]}, headers=station())
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "body.items"
    not_objects = await client.post(BATCH, json={"items": ["a", 1]}, headers=station())
    assert not_objects.status_code == 422


async def test_configured_batch_limit_is_applied(settings: IntakeSettings, clock: ManualClock) -> None:
    # The full 500-item batch is measured in bench/intake_batch.py; here the limit is made small.
    app = create_app(settings.model_copy(update={"batch_max_items": 4}), clock=clock)
    async with running(app) as client:
        await seed_catalog(app)
        full = await client.post(BATCH, json={"items": [item(f"F-{i}", i) for i in range(4)]}, headers=station())
        assert full.status_code == 200
        assert full.json()["accepted"] == 4
        over = await client.post(BATCH, json={"items": [item(f"G-{i}", i) for i in range(5)]}, headers=station())
        assert over.status_code == 422
        assert "at most 4 items" in over.json()["detail"]
        assert await case_count(app) == 4


async def test_who_may_post_batches(client: httpx.AsyncClient) -> None:
    body = {"items": [item("W-1", 1)]}
    for role, status in (("station", 200), ("operator", 200), ("unit", 403), ("supervisor", 403), ("public", 403)):
        response = await client.post(BATCH, json=body, headers=signed_headers(role, subject=f"{role}-x"))
        assert response.status_code == status, role


async def test_operator_only_fields_are_refused_per_item_for_a_station(client: httpx.AsyncClient) -> None:
    items = [item("P-1", 1, force_new={"reason": "不是重复"}), item("P-2", 2)]
    results = (await client.post(BATCH, json={"items": items}, headers=station())).json()["results"]
    assert results[0]["problem"]["status"] == 403
    assert results[1]["ok"] is True


async def test_single_post_and_batch_share_one_register(client: httpx.AsyncClient) -> None:
    single = await client.post(CASES, json=case_body(), headers=station("ST-1"))
    batch = await client.post(BATCH, json={"items": [item("Z-1", 1)]}, headers=station("ST-1"))
    assert single.json()["case_no"] < batch.json()["results"][0]["case"]["case_no"]
