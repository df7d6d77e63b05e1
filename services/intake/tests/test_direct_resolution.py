"""直接办结: a consult answered on the call is closed at intake, counted and shown."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from .helpers import CASES, assert_one_event_per_case, case_body, intake_events, operator, station

CONSULT: dict[str, Any] = case_body(
    category="consult",
    topic_code="LD-SHBX-YLBX",
    description="咨询灵活就业人员怎样在网上缴纳养老保险",
    location={},
    direct_answer="登录社保网上服务平台，选择“灵活就业参保缴费”，按提示办理即可。",
)


async def test_consult_answered_on_the_call_is_closed(client: httpx.AsyncClient, app: FastAPI) -> None:
    response = await client.post(CASES, json=CONSULT, headers=operator(subject="seat-12"))
    assert response.status_code == 201, response.text
    accepted = response.json()
    assert accepted["status"] == "closed"

    [event] = await intake_events(app, "case.closed_at_intake")
    assert event.case_no == accepted["case_no"]
    assert event.payload["answer"] == CONSULT["direct_answer"]
    assert event.payload["closed_by"] == "seat-12"
    assert event.payload["closed_at"] == accepted["received_at"]
    assert event.payload["category"] == "consult"
    assert event.payload["lookup_code"] == accepted["lookup_code"]
    assert await intake_events(app, "case.received", "case.duplicated") == []

    record = (await client.get(f"{CASES}/{accepted['case_no']}", headers=operator())).json()
    assert record["status"] == "closed"
    assert record["direct_answer"] == CONSULT["direct_answer"]
    assert record["closed_by"] == "seat-12"
    assert [e["kind"] for e in record["timeline"]] == ["registered", "closed_at_intake"]
    await assert_one_event_per_case(app)


async def test_a_repeated_consult_is_answered_again_not_linked(client: httpx.AsyncClient, app: FastAPI) -> None:
    open_consult = {**CONSULT, "direct_answer": None, "location": {"community_code": "D01-S01-C01"}}
    await client.post(CASES, json=open_consult, headers=operator())
    again = {**CONSULT, "location": {"community_code": "D01-S01-C01"}}
    assert (await client.post(CASES, json=again, headers=operator())).json()["status"] == "closed"


async def test_only_an_operator_closes_at_intake(client: httpx.AsyncClient, app: FastAPI) -> None:
    response = await client.post(CASES, json=CONSULT, headers=station())
    assert response.status_code == 403
    assert await intake_events(app, "case.closed_at_intake") == []


async def test_an_empty_answer_does_not_close(client: httpx.AsyncClient) -> None:
    response = await client.post(CASES, json={**CONSULT, "direct_answer": "  "}, headers=operator())
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.direct_answer"
