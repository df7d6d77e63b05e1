"""重复件: same phone + topic + community with an open case in the last 30 days → linked, not dispatched."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from hotline_shared.clock import ManualClock
from hotline_shared.events import EventEnvelope
from intake.consumers.case_closed import handle_case_closed

from .helpers import CASES, assert_one_event_per_case, case_body, intake_events, operator, station


async def post(
    client: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    response = await client.post(CASES, json=body, headers=headers or operator())
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def record(client: httpx.AsyncClient, case_no: str) -> dict[str, Any]:
    result: dict[str, Any] = (await client.get(f"{CASES}/{case_no}", headers=operator())).json()
    return result


async def test_second_call_is_linked_to_the_open_case(
    client: httpx.AsyncClient, app: FastAPI, clock: ManualClock
) -> None:
    original = await post(client, case_body())
    clock.advance(timedelta(days=3))
    # Written differently, same person: the phone is compared in its normalised form.
    again = await post(
        client,
        case_body(caller={"name": "张先生", "phone": "+86 138-1234-5678"}, description="占道经营还在继续，没人管"),
    )
    assert again["status"] == "duplicate"
    assert again["duplicate_of"] == original["case_no"]
    assert again["case_no"] != original["case_no"]

    [dup_event] = await intake_events(app, "case.duplicated")
    assert dup_event.case_no == again["case_no"]
    assert dup_event.payload["duplicate_of"] == original["case_no"]
    assert dup_event.payload["original_demand_count"] == 2
    assert len(await intake_events(app, "case.received")) == 1  # the duplicate is not dispatched again

    first = await record(client, original["case_no"])
    assert first["demand_count"] == 2
    assert first["duplicates"] == [again["case_no"]]
    assert [e["kind"] for e in first["timeline"]] == ["registered", "demand_added"]
    assert first["timeline"][1]["related_case_no"] == again["case_no"]
    second = await record(client, again["case_no"])
    assert second["status"] == "duplicate"
    assert [e["kind"] for e in second["timeline"]] == ["registered", "duplicate_linked"]


async def test_every_further_call_counts_on_the_original(client: httpx.AsyncClient, app: FastAPI) -> None:
    original = await post(client, case_body())
    for _ in range(3):
        assert (await post(client, case_body()))["duplicate_of"] == original["case_no"]
    assert (await record(client, original["case_no"]))["demand_count"] == 4
    counts = [e.payload["original_demand_count"] for e in await intake_events(app, "case.duplicated")]
    assert counts == [2, 3, 4]
    await assert_one_event_per_case(app)


async def test_a_case_from_a_station_and_one_from_the_hotline_are_linked(client: httpx.AsyncClient) -> None:
    original = await post(client, case_body(channel="station"), station("ST-5"))
    assert (await post(client, case_body()))["duplicate_of"] == original["case_no"]


async def test_not_a_duplicate_when_anything_differs(client: httpx.AsyncClient) -> None:
    await post(client, case_body())
    other_topic = await post(client, case_body(topic_code="CG-SRHJ-LJDF"))
    other_community = await post(client, case_body(location={"community_code": "D01-S01-C02"}))
    other_phone = await post(client, case_body(caller={"name": "张三", "phone": "13812345679"}))
    no_community = await post(client, case_body(location={"district_code": "D01"}))
    no_phone = await post(client, case_body(caller={"name": "张三"}))
    for result in (other_topic, other_community, other_phone, no_community, no_phone):
        assert result["status"] == "received"


async def test_not_a_duplicate_after_thirty_days(client: httpx.AsyncClient, clock: ManualClock) -> None:
    await post(client, case_body())
    clock.advance(timedelta(days=30, seconds=1))
    assert (await post(client, case_body()))["status"] == "received"


async def test_within_thirty_days_is_still_a_duplicate(client: httpx.AsyncClient, clock: ManualClock) -> None:
    await post(client, case_body())
    clock.advance(timedelta(days=29, hours=23))
    assert (await post(client, case_body()))["status"] == "duplicate"


async def test_a_closed_case_is_not_a_duplicate_target(client: httpx.AsyncClient, app: FastAPI) -> None:
    original = await post(client, case_body())
    closed = EventEnvelope(
        type="case.closed",
        occurred_at=app.state.clock.now(),
        producer="feedback",
        case_no=original["case_no"],
        payload={
            "case_no": original["case_no"],
            "outcome": "satisfied",
            "closed_at": app.state.clock.now().isoformat(),
        },
    )
    async with app.state.db.transaction() as session:
        await handle_case_closed(session, closed)
    assert (await record(client, original["case_no"]))["status"] == "closed"
    assert (await post(client, case_body()))["status"] == "received"


async def test_operator_may_force_a_new_case_with_a_reason(client: httpx.AsyncClient, app: FastAPI) -> None:
    original = await post(client, case_body())
    forced = await post(client, case_body(force_new={"reason": "同一地点出现了新的摊位，与上次不是同一问题"}))
    assert forced["status"] == "received"
    assert forced["duplicate_of"] is None
    details = await record(client, forced["case_no"])
    assert details["force_new"] == {
        "reason": "同一地点出现了新的摊位，与上次不是同一问题",
        "override_of": original["case_no"],
    }
    force_entry = [e for e in details["timeline"] if e["kind"] == "force_new"]
    assert force_entry[0]["note"] == "同一地点出现了新的摊位，与上次不是同一问题"
    assert force_entry[0]["actor"] == "test-operator"
    assert force_entry[0]["related_case_no"] == original["case_no"]
    received = await intake_events(app, "case.received")
    assert [e.case_no for e in received] == [original["case_no"], forced["case_no"]]
    assert received[1].payload["force_new"]["override_of"] == original["case_no"]
    assert (await record(client, original["case_no"]))["demand_count"] == 1


async def test_force_new_needs_a_real_reason(client: httpx.AsyncClient) -> None:
    response = await client.post(CASES, json=case_body(force_new={"reason": " 。 "}), headers=operator())
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.force_new.reason"


async def test_a_station_may_not_force_a_new_case(client: httpx.AsyncClient) -> None:
    response = await client.post(CASES, json=case_body(force_new={"reason": "不是同一件事"}), headers=station())
    assert response.status_code == 403
    assert "force_new" in response.json()["detail"]


async def test_later_calls_link_to_the_most_recent_open_case(client: httpx.AsyncClient) -> None:
    await post(client, case_body())
    forced = await post(client, case_body(force_new={"reason": "新的问题"}))
    assert (await post(client, case_body()))["duplicate_of"] == forced["case_no"]


async def test_praise_is_never_a_duplicate(client: httpx.AsyncClient) -> None:
    praise = case_body(category="praise", topic_code="ZW-GZZF-BYGZRY", description="表扬社区工作人员认真负责")
    assert (await post(client, praise))["status"] == "received"
    assert (await post(client, praise))["status"] == "received"
