"""Every validation rule of POST /cases: named field, an actionable message, nothing written."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from hotline_shared.clock import SHANGHAI, ManualClock
from hotline_shared.testing import DatabaseFactory, ValkeyProcess
from hotline_shared.testing.apps import running
from hotline_shared.testing.identity import TEST_SECRET
from intake.config import MIGRATIONS_DIR, IntakeSettings
from intake.main import create_app

from .helpers import CASES, assert_one_event_per_case, case_body, case_count, operator, seed_catalog

# One app and database for the whole module: these tests mostly post refused cases, which must
# leave nothing behind anyway, and a fresh database per test would dominate the runtime.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared(
    database_factory: DatabaseFactory, valkey: ValkeyProcess
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = IntakeSettings(
        env="test",
        database_url=database_factory.new("intake", MIGRATIONS_DIR),
        redis_url=valkey.url,
        identity_secret=TEST_SECRET,
    )
    app = create_app(settings, clock=ManualClock(datetime(2026, 11, 23, 9, 30, tzinfo=SHANGHAI)))
    async with running(app) as c:
        await seed_catalog(app)
        yield app, c


@pytest.fixture
def app(shared: tuple[FastAPI, httpx.AsyncClient]) -> FastAPI:
    return shared[0]


@pytest.fixture
def client(shared: tuple[FastAPI, httpx.AsyncClient]) -> httpx.AsyncClient:
    return shared[1]


async def problem_fields(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, dict[str, str]]:
    response = await client.post(CASES, json=body, headers=operator())
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 422
    assert problem["type"].endswith("/validation")
    return {e["field"]: e for e in problem["errors"]}


async def registered(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(CASES, json=body, headers=operator())
    assert response.status_code == 201, response.text
    record = await client.get(f"{CASES}/{response.json()['case_no']}", headers=operator())
    assert record.status_code == 200
    result: dict[str, Any] = record.json()
    return result


@pytest_asyncio.fixture(autouse=True, loop_scope="module")
async def nothing_half_written(app: FastAPI) -> AsyncIterator[None]:
    before = await case_count(app)
    yield
    await assert_one_event_per_case(app)
    assert await case_count(app) - before <= 1


# -- schema level ----------------------------------------------------------------------------


async def test_missing_and_unknown_fields_are_named(client: httpx.AsyncClient) -> None:
    fields = await problem_fields(client, {"channel": "fax", "category": "complaint", "colour": "red"})
    assert {"body.channel", "body.description", "body.topic_code", "body.colour"} <= set(fields)


@pytest.mark.parametrize(
    ("field", "value"),
    [("category", "gossip"), ("urgency", "asap"), ("channel", "pigeon")],
)
async def test_enums_are_enforced(client: httpx.AsyncClient, field: str, value: str) -> None:
    fields = await problem_fields(client, case_body(**{field: value}))
    assert f"body.{field}" in fields
    assert "Input should be" in fields[f"body.{field}"]["message"]


async def test_description_longer_than_2000_characters_is_refused(client: httpx.AsyncClient) -> None:
    fields = await problem_fields(client, case_body(description="路" * 2001))
    assert "body.description" in fields


async def test_title_longer_than_100_characters_is_refused(client: httpx.AsyncClient) -> None:
    fields = await problem_fields(client, case_body(title="标" * 101))
    assert "body.title" in fields


async def test_latitude_outside_the_globe_is_refused(client: httpx.AsyncClient) -> None:
    body = case_body(location={"district_code": "D01", "lat": 91, "lon": 116.4})
    assert "body.location.lat" in await problem_fields(client, body)


# -- text ------------------------------------------------------------------------------------


@pytest.mark.parametrize("description", ["", "   ", "。。。。。。", "好", "??!!..", "\n\n\t"])
async def test_description_needs_real_content(client: httpx.AsyncClient, description: str) -> None:
    fields = await problem_fields(client, case_body(description=description))
    assert fields["body.description"]["code"] == "too_short"
    assert "至少需要5个有效字符" in fields["body.description"]["message"]


async def test_chinese_description_of_five_characters_is_enough(client: httpx.AsyncClient) -> None:
    record = await registered(client, case_body(description="  路灯不亮了  "))
    assert record["description"] == "路灯不亮了"


async def test_control_characters_are_refused_not_stored(client: httpx.AsyncClient) -> None:
    fields = await problem_fields(client, case_body(description="门口占道经营\x00严重影响通行"))
    assert fields["body.description"]["code"] == "invalid_characters"
    fields = await problem_fields(client, case_body(title="标题\x1b[31m"))
    assert fields["body.title"]["code"] == "invalid_characters"


async def test_multiline_description_is_kept_and_title_is_one_line(client: httpx.AsyncClient) -> None:
    record = await registered(client, case_body(description="第一行情况说明\r\n第二行补充", title="早市\n占道"))
    assert record["description"] == "第一行情况说明\n第二行补充"
    assert record["title"] == "早市 占道"


async def test_caller_name_with_digits_is_refused(client: httpx.AsyncClient) -> None:
    fields = await problem_fields(client, case_body(caller={"name": "张三13812345678", "phone": "13812345678"}))
    assert fields["body.caller.name"]["code"] == "invalid_name"
    assert "13812345678" not in fields["body.caller.name"]["message"]


# -- phone -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("0086-138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("010-65123456", "010-65123456"),
        ("(0571) 8765 4321", "0571-87654321"),
        ("+86 10 6512 3456", "010-65123456"),
    ],
)
async def test_phone_numbers_are_normalised(client: httpx.AsyncClient, raw: str, stored: str) -> None:
    record = await registered(client, case_body(caller={"name": "张三", "phone": raw}))
    assert record["caller"]["phone"] == stored


@pytest.mark.parametrize(
    "raw", ["12345678901", "138123", "+1 415 555 0100", "65123456", "abc", "138-1234-567x", "12345", "110"]
)
async def test_invalid_phone_numbers_are_refused_with_a_reason(client: httpx.AsyncClient, raw: str) -> None:
    fields = await problem_fields(client, case_body(caller={"name": "张三", "phone": raw}))
    error = fields["body.caller.phone"]
    assert error["code"] == "invalid_phone"
    assert error["message"].startswith("无效的电话号码")
    assert raw not in error["message"]


async def test_phone_may_be_left_out(client: httpx.AsyncClient) -> None:
    record = await registered(client, case_body(caller={"name": "匿名"}))
    assert record["caller"]["phone"] is None


# -- topic -----------------------------------------------------------------------------------


async def test_unknown_topic_is_refused(client: httpx.AsyncClient) -> None:
    fields = await problem_fields(client, case_body(topic_code="CG-XX-YY"))
    assert fields["body.topic_code"]["code"] == "unknown_topic"
    assert "/api/v1/catalog/topics" in fields["body.topic_code"]["message"]


async def test_topic_that_is_not_a_leaf_is_refused_with_its_children(client: httpx.AsyncClient) -> None:
    fields = await problem_fields(client, case_body(topic_code="CG-SRHJ"))
    assert fields["body.topic_code"]["code"] == "topic_not_leaf"
    assert "CG-SRHJ-ZDJY 占道经营" in fields["body.topic_code"]["message"]


async def test_two_level_leaf_topic_is_accepted(client: httpx.AsyncClient) -> None:
    record = await registered(client, case_body(topic_code="QT-QTSX", category="other"))
    assert record["topic_name"] == "其他 › 其他事项"


# -- location --------------------------------------------------------------------------------


async def test_unknown_area_codes_are_refused(client: httpx.AsyncClient) -> None:
    body = case_body(location={"district_code": "D99", "street_code": "D01-S77"})
    fields = await problem_fields(client, body)
    assert fields["body.location.district_code"]["code"] == "unknown_area"
    assert fields["body.location.street_code"]["code"] == "unknown_area"


async def test_street_must_belong_to_the_district(client: httpx.AsyncClient) -> None:
    body = case_body(location={"district_code": "D02", "street_code": "D01-S01"})
    error = (await problem_fields(client, body))["body.location.street_code"]
    assert error["code"] == "area_mismatch"
    assert "东华门街道（D01-S01）属于 东城区（D01），不属于 D02" in error["message"]


async def test_community_must_belong_to_the_street(client: httpx.AsyncClient) -> None:
    body = case_body(location={"district_code": "D01", "street_code": "D01-S02", "community_code": "D01-S01-C01"})
    assert (await problem_fields(client, body))["body.location.community_code"]["code"] == "area_mismatch"


async def test_code_in_the_wrong_field_is_named(client: httpx.AsyncClient) -> None:
    body = case_body(location={"district_code": "D01-S01"})
    assert (await problem_fields(client, body))["body.location.district_code"]["code"] == "wrong_area_level"


async def test_parents_are_filled_in_from_the_community(client: httpx.AsyncClient) -> None:
    record = await registered(client, case_body(location={"community_code": "D03-S02-C01"}))
    location = record["location"]
    assert (location["district_code"], location["street_code"]) == ("D03", "D03-S02")
    assert (location["district_name"], location["street_name"], location["community_name"]) == (
        "朝阳区",
        "朝外街道",
        "吉祥里社区",
    )


@pytest.mark.parametrize("category", ["help", "complaint", "report"])
async def test_cases_that_send_someone_need_a_district(client: httpx.AsyncClient, category: str) -> None:
    fields = await problem_fields(client, case_body(category=category, location={}))
    assert fields["body.location.district_code"]["code"] == "required"


async def test_a_suggestion_needs_no_location(client: httpx.AsyncClient) -> None:
    await registered(client, case_body(category="suggestion", location={}))


async def test_grid_needs_its_community(client: httpx.AsyncClient) -> None:
    body = case_body(location={"district_code": "D01", "grid_code": "G-001"})
    assert (await problem_fields(client, body))["body.location.grid_code"]["code"] == "grid_without_community"


@pytest.mark.parametrize(
    ("coords", "field", "code"),
    [
        ({"lat": 39.9}, "body.location.lon", "incomplete_coordinates"),
        ({"lon": 116.4}, "body.location.lat", "incomplete_coordinates"),
        ({"lat": 48.85, "lon": 2.35}, "body.location.lat", "coordinates_out_of_range"),
        ({"lat": 116.4, "lon": 39.9}, "body.location.lat", "less_than_equal"),
        ({"lat": -33.9, "lon": 151.2}, "body.location.lat", "coordinates_out_of_range"),
    ],
)
async def test_coordinates_must_come_in_pairs_and_in_range(
    client: httpx.AsyncClient, coords: dict[str, float], field: str, code: str
) -> None:
    body = case_body(location={"district_code": "D01", **coords})
    assert (await problem_fields(client, body))[field]["code"] == code


async def test_coordinates_inside_china_are_kept(client: httpx.AsyncClient) -> None:
    record = await registered(
        client, case_body(location={"community_code": "D01-S01-C02", "lat": 39.91, "lon": 116.40})
    )
    assert (record["location"]["lat"], record["location"]["lon"]) == (39.91, 116.40)


async def test_not_a_number_coordinates_are_refused(client: httpx.AsyncClient) -> None:
    raw = (
        '{"channel":"phone","category":"suggestion","topic_code":"QT-QTSX",'
        '"description":"建议增加公交线路","location":{"lat":NaN,"lon":116.4}}'
    )
    response = await client.post(CASES, content=raw, headers={**operator(), "content-type": "application/json"})
    assert response.status_code == 422


# -- direct answer / force_new ---------------------------------------------------------------


async def test_direct_answer_only_closes_a_consult(client: httpx.AsyncClient) -> None:
    fields = await problem_fields(client, case_body(direct_answer="已告知处理方式"))
    assert fields["body.direct_answer"]["code"] == "direct_answer_not_consult"


async def test_all_problems_are_reported_together(client: httpx.AsyncClient, app: FastAPI) -> None:
    before = await case_count(app)
    body = case_body(
        topic_code="NOPE",
        description="短",
        caller={"name": "张三", "phone": "123"},
        location={"district_code": "D02", "street_code": "D01-S01"},
    )
    fields = await problem_fields(client, body)
    assert {"body.topic_code", "body.description", "body.caller.phone", "body.location.street_code"} <= set(fields)
    assert await case_count(app) == before
