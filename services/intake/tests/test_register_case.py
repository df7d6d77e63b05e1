from __future__ import annotations

import httpx
from fastapi import FastAPI

from .helpers import CASES, assert_one_event_per_case, case_body, intake_events, operator, station


async def test_register_case_gives_number_and_code_and_writes_event(client: httpx.AsyncClient, app: FastAPI) -> None:
    response = await client.post(CASES, json=case_body(), headers=operator())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["case_no"] == "20261123-000001"
    assert len(body["lookup_code"]) == 6
    assert body["status"] == "received"
    assert body["duplicate_of"] is None
    assert body["received_at"].startswith("2026-11-23T09:30:00+08:00")

    [envelope] = await intake_events(app, "case.received")
    assert envelope.case_no == body["case_no"]
    view = envelope.payload
    assert view["topic_name"] == "城市管理 › 市容环境 › 占道经营"
    assert view["location"]["community_name"] == "多福巷社区"
    assert view["caller"] == {"name": "张三", "phone": "13812345678", "confidential": False}
    assert view["caller_masked"] == {"name": "张*", "phone": "138****5678"}
    assert view["registered_by"] == {"subject": "test-operator", "role": "operator", "station_id": None}
    assert view["demand_count"] == 1
    assert view["info_only"] is False
    assert view["lookup_code"] == body["lookup_code"]


async def test_case_view_carries_every_documented_field(client: httpx.AsyncClient, app: FastAPI) -> None:
    await client.post(CASES, json=case_body(), headers=operator())
    [envelope] = await intake_events(app, "case.received")
    documented = {
        "case_no", "lookup_code", "channel", "category", "topic_code", "topic_name", "urgency", "title",
        "description", "location", "caller", "caller_masked", "confidential", "received_at", "registered_by",
        "demand_count",
    }  # fmt: skip
    assert documented <= set(envelope.payload)
    assert {
        "district_code", "street_code", "community_code", "grid_code", "address", "lat", "lon",
        "district_name", "street_name", "community_name",
    } <= set(envelope.payload["location"])  # fmt: skip


async def test_station_registration_records_the_station(client: httpx.AsyncClient, app: FastAPI) -> None:
    response = await client.post(CASES, json=case_body(channel="station"), headers=station("ST-07"))
    assert response.status_code == 201, response.text
    [envelope] = await intake_events(app, "case.received")
    assert envelope.payload["registered_by"] == {"subject": "station-ST-07", "role": "station", "station_id": "ST-07"}


async def test_request_without_gateway_identity_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(CASES, json=case_body())
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_roles_that_may_not_register_are_refused(client: httpx.AsyncClient, app: FastAPI) -> None:
    from hotline_shared.testing import signed_headers

    for role in ("unit", "supervisor", "public"):
        response = await client.post(CASES, json=case_body(), headers=signed_headers(role))
        assert response.status_code == 403, role
    await assert_one_event_per_case(app)


async def test_praise_is_recorded_for_information_without_deadline(client: httpx.AsyncClient, app: FastAPI) -> None:
    body = case_body(
        category="praise",
        topic_code="ZW-GZZF-BYGZRY",
        description="表扬景山街道办事处窗口工作人员热情周到",
        location={"district_code": "D01", "street_code": "D01-S02"},
    )
    response = await client.post(CASES, json=body, headers=operator())
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "received"
    [envelope] = await intake_events(app, "case.received")
    assert envelope.payload["category"] == "praise"
    assert envelope.payload["info_only"] is True


async def test_praise_with_urgency_is_refused(client: httpx.AsyncClient) -> None:
    body = case_body(category="praise", topic_code="ZW-GZZF-BYGZRY", description="表扬窗口工作人员", urgency="urgent")
    response = await client.post(CASES, json=body, headers=operator())
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.urgency"]


async def test_confidential_flag_is_in_every_kind_of_case_event(client: httpx.AsyncClient, app: FastAPI) -> None:
    secret = {"name": "王五", "phone": "13700002222", "confidential": True}
    received = await client.post(CASES, json=case_body(caller=secret), headers=operator())
    duplicate = await client.post(CASES, json=case_body(caller=secret), headers=operator())
    consult = case_body(
        category="consult",
        topic_code="LD-SHBX-YLBX",
        caller=secret,
        description="咨询养老保险缴费年限怎么查询",
        direct_answer="可在社保APP的个人权益记录中查询",
    )
    closed = await client.post(CASES, json=consult, headers=operator())
    assert [r.json()["status"] for r in (received, duplicate, closed)] == ["received", "duplicate", "closed"]
    case_events = await intake_events(app, "case.received", "case.duplicated", "case.closed_at_intake")
    assert {e.type for e in case_events} == {"case.received", "case.duplicated", "case.closed_at_intake"}
    for envelope in case_events:
        assert envelope.payload["confidential"] is True
        assert envelope.payload["caller"]["confidential"] is True
    await assert_one_event_per_case(app)
