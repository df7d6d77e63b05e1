"""Staff search (filters, text, cursor) and the intake record with role-based masking."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from hotline_shared.clock import ManualClock
from hotline_shared.privacy import contains_personal_data
from hotline_shared.testing import signed_headers

from .helpers import CASES, case_body, operator, station


async def post(client: httpx.AsyncClient, headers: dict[str, str] | None = None, **overrides: Any) -> str:
    response = await client.post(CASES, json=case_body(**overrides), headers=headers or operator())
    assert response.status_code == 201, response.text
    case_no: str = response.json()["case_no"]
    return case_no


async def search(client: httpx.AsyncClient, headers: dict[str, str] | None = None, **params: Any) -> list[str]:
    response = await client.get(CASES, params=params, headers=headers or operator())
    assert response.status_code == 200, response.text
    return [i["case_no"] for i in response.json()["items"]]


@pytest.fixture
async def register(client: httpx.AsyncClient, clock: ManualClock) -> dict[str, str]:
    """Five cases over three days, different in every filterable way."""
    cases = {
        "stall": await post(client, description="南池子大街早市占道经营，影响通行", title="早市占道"),
        "noise": await post(
            client,
            category="complaint",
            topic_code="HB-ZSWR-SGZS",
            description="工地夜间施工噪音扰民，凌晨两点还在打桩",
            caller={"name": "李四", "phone": "13900001111"},
            location={"community_code": "D03-S01-C01"},
        ),
    }
    clock.advance(timedelta(days=1))
    cases["lamp"] = await post(
        client,
        station("ST-2"),
        channel="station",
        category="suggestion",
        topic_code="CG-SZSS-LDGZ",
        description="福祥社区胡同路灯太暗，建议加装LED路灯",
        caller={"name": "王五", "phone": "13700002222"},
        location={"community_code": "D01-S03-C02"},
    )
    clock.advance(timedelta(days=1))
    cases["wages"] = await post(
        client,
        category="help",
        topic_code="LD-LDBZ-TQGZ",
        urgency="urgent",
        description="装修公司拖欠工资三个月，工人要回老家过年",
        caller={"name": "赵六", "phone": "13600003333"},
        location={"community_code": "D04-S01-C01"},
    )
    cases["consult"] = await post(
        client,
        category="consult",
        topic_code="LD-SHBX-YLBX",
        description="咨询养老保险Online缴费的方法 100%可行吗",
        caller={"name": "钱七", "phone": "13500004444"},
        location={},
        direct_answer="可在社保APP办理",
    )
    return cases


async def test_newest_first_without_filters(client: httpx.AsyncClient, register: dict[str, str]) -> None:
    assert await search(client) == sorted(register.values(), reverse=True)


async def test_each_filter_narrows(client: httpx.AsyncClient, register: dict[str, str]) -> None:
    assert await search(client, status="closed") == [register["consult"]]
    assert await search(client, category="suggestion") == [register["lamp"]]
    assert await search(client, topic_code="HB-ZSWR-SGZS") == [register["noise"]]
    assert await search(client, district_code="D03") == [register["noise"]]
    assert await search(client, channel="station") == [register["lamp"]]
    assert await search(client, urgency="urgent") == [register["wages"]]
    day_two = {"from": "2026-11-24T00:00:00+08:00", "to": "2026-11-25T00:00:00+08:00"}
    assert await search(client, **day_two) == [register["lamp"]]
    # Without an offset, a time is Beijing time.
    assert await search(client, **{"from": "2026-11-25T00:00:00"}) == [register["consult"], register["wages"]]


async def test_text_search_finds_chinese_substrings(client: httpx.AsyncClient, register: dict[str, str]) -> None:
    assert await search(client, q="占道") == [register["stall"]]
    assert await search(client, q="早市") == [register["stall"]]  # in the title and the description
    assert await search(client, q="噪音 打桩") == [register["noise"]]
    assert await search(client, q="噪音 路灯") == []
    assert await search(client, q="拖欠") == [register["wages"]]


async def test_text_search_ignores_case_and_width(client: httpx.AsyncClient, register: dict[str, str]) -> None:
    assert await search(client, q="led") == [register["lamp"]]
    assert await search(client, q="ＬＥＤ路灯") == [register["lamp"]]
    assert await search(client, q="ONLINE") == [register["consult"]]


async def test_like_wildcards_in_the_query_are_literal(client: httpx.AsyncClient, register: dict[str, str]) -> None:
    assert await search(client, q="%") == [register["consult"]]
    assert await search(client, q="_") == []


async def test_cursor_pagination_walks_every_case_once(client: httpx.AsyncClient, register: dict[str, str]) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(CASES, params=params, headers=operator())).json()
        seen += [i["case_no"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(register.values(), reverse=True)


async def test_bad_query_parameters_are_named(client: httpx.AsyncClient) -> None:
    for params, field in (
        ({"cursor": "garbage"}, "query.cursor"),
        ({"from": "yesterday"}, "query.from"),
        ({"limit": 0}, "query.limit"),
        ({"status": "lost"}, "query.status"),
        ({"from": "2026-11-25T00:00:00+08:00", "to": "2026-11-24T00:00:00+08:00"}, "query.from"),
        ({"q": "bad\x00byte"}, "query.q"),
    ):
        response = await client.get(CASES, params=params, headers=operator())
        assert response.status_code == 422, params
        assert field in {e["field"] for e in response.json()["errors"]}


def forged_cursor(case_no: str) -> str:
    # json.dumps escapes NUL and lone surrogates, exactly as a client rewriting a cursor would.
    return base64.urlsafe_b64encode(json.dumps({"case_no": case_no}).encode()).rstrip(b"=").decode()


async def test_a_forged_cursor_holding_a_nul_or_a_lone_surrogate_is_a_422(
    client: httpx.AsyncClient, register: dict[str, str]
) -> None:
    # Found fuzzing the OpenAPI: the cursor decoded fine and the database driver failed with a 500
    # (PostgreSQL refuses NUL; no driver can encode a lone surrogate).
    for case_no in ("\u0000", "20261124-000001\u0000", "\ud800"):
        response = await client.get(CASES, params={"cursor": forged_cursor(case_no)}, headers=operator())
        assert response.status_code == 422, (case_no, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert {e["field"] for e in response.json()["errors"]} == {"query.cursor"}
        assert "next_cursor" in response.json()["detail"]


async def test_search_times_outside_2000_to_2099_are_a_422_naming_the_field(
    client: httpx.AsyncClient, register: dict[str, str]
) -> None:
    # Found fuzzing the OpenAPI: these parse, but converting them to UTC overflowed into a 500.
    for name, value in (
        ("from", "0001-01-01T00:00:00+14:00"),
        ("to", "9999-12-31T23:59:59-12:00"),
        ("from", "0001-01-01T00:00:00"),
        ("to", "1999-12-31T23:59:59+08:00"),
    ):
        response = await client.get(CASES, params={name: value}, headers=operator())
        assert response.status_code == 422, (name, value, response.text)
        problem = response.json()
        assert [e["field"] for e in problem["errors"]] == [f"query.{name}"]
        assert "2000" in problem["detail"]
    edges = {"from": "2000-01-01T00:00:00", "to": "2099-12-31T23:59:59+08:00"}
    assert await search(client, **edges) == sorted(register.values(), reverse=True)


async def test_list_items_carry_no_personal_data(client: httpx.AsyncClient, register: dict[str, str]) -> None:
    response = await client.get(CASES, headers=operator())
    assert not contains_personal_data(response.text, names=["张三", "李四"], phones=["13812345678", "13900001111"])


async def test_a_station_sees_only_what_it_posted(client: httpx.AsyncClient, register: dict[str, str]) -> None:
    assert await search(client, station("ST-2")) == [register["lamp"]]
    assert await search(client, station("ST-3")) == []
    own = await client.get(f"{CASES}/{register['lamp']}", headers=station("ST-2"))
    assert own.status_code == 200
    other = await client.get(f"{CASES}/{register['stall']}", headers=station("ST-2"))
    missing = await client.get(f"{CASES}/20991231-000001", headers=station("ST-2"))
    assert other.status_code == missing.status_code == 404


@pytest.mark.parametrize("role", ["unit", "public"])
async def test_units_and_the_public_may_not_search(client: httpx.AsyncClient, role: str) -> None:
    assert (await client.get(CASES, headers=signed_headers(role))).status_code == 403
    assert (await client.get(f"{CASES}/20261123-000001", headers=signed_headers(role))).status_code == 403


@pytest.mark.parametrize("role", ["operator", "supervisor", "admin"])
async def test_record_is_unmasked_for_operators_supervisors_admins(
    client: httpx.AsyncClient, register: dict[str, str], role: str
) -> None:
    record = (await client.get(f"{CASES}/{register['noise']}", headers=signed_headers(role))).json()
    assert record["personal_data_masked"] is False
    assert record["caller"] == {"name": "李四", "phone": "13900001111", "confidential": False}


async def test_record_is_masked_for_the_station(client: httpx.AsyncClient, clock: ManualClock) -> None:
    case_no = await post(
        client,
        station("ST-8"),
        channel="station",
        caller={"name": "欧阳娜娜", "phone": "13812345678"},
        location={"community_code": "D01-S01-C02", "address": "南池子大街12号院3门", "lat": 39.91, "lon": 116.40},
    )
    response = await client.get(f"{CASES}/{case_no}", headers=station("ST-8"))
    record = response.json()
    assert record["personal_data_masked"] is True
    assert record["caller"] == {"name": "欧阳**", "phone": "138****5678", "confidential": False}
    assert record["location"]["address"] == "南池子社区"
    assert record["location"]["lat"] is None
    assert "12号院" not in response.text
    assert not contains_personal_data(response.text, names=["欧阳娜娜"], phones=["13812345678"])


async def test_unknown_or_malformed_case_numbers_are_404(client: httpx.AsyncClient) -> None:
    for case_no in ("20261123-999999", "not-a-case", "2026"):
        response = await client.get(f"{CASES}/{case_no}", headers=operator())
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_record_has_full_location_and_registration(
    client: httpx.AsyncClient, register: dict[str, str], app: FastAPI
) -> None:
    record = (await client.get(f"{CASES}/{register['lamp']}", headers=operator())).json()
    assert record["location"]["community_name"] == "福祥社区"
    assert record["location"]["street_name"] == "交道口街道"
    assert record["registered_by"] == {"subject": "station-ST-2", "role": "station", "station_id": "ST-2"}
    assert record["topic_name"] == "城市管理 › 市政设施 › 路灯故障"
