"""Open311 GeoReport v2 through the real gateway to the real intake and feedback (in-process).

Every answer, in JSON and XML, is checked against the specification's field list
(hotline_shared.testing.open311); every refusal is the spec's error list with the right status.
Reading requests back after the workers have run is tested on the whole stack (tests/test_open311_stack.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from gateway.apikeys import service as keys
from gateway.apikeys.schemas import ApiKeyCreate
from gateway.config import GatewaySettings
from gateway.main import create_app
from hotline_shared.clock import ManualClock
from hotline_shared.testing import open311 as spec
from hotline_shared.testing.apps import running
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import Stack

FORMATS = ("json", "xml")
TOPIC = "CG-SRHJ-ZDJY"  # 城市管理 › 市容环境 › 占道经营


@pytest.fixture
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=stack.gateway)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        # The demo catalogue (topics and areas), loaded the way an admin does.
        reload = await c.post("/api/v1/catalog/reload", headers=stack.headers["admin"])
        assert reload.status_code == 200, reload.text
        yield c


@pytest.fixture
async def open311_key(stack: Stack) -> str:
    async with stack.gateway.state.db.transaction() as session:
        issued = await keys.create_key(
            session, data=ApiKeyCreate(name="随手拍 app", role="open311"), actor="test", clock=stack.gateway.state.clock
        )
    return issued.key


def form(key: str | None, **fields: str) -> dict[str, str]:
    base = {
        "service_code": TOPIC,
        "description": "小区门口长期占道经营，晚上噪音很大",
        "address_id": "D01-S01-C01",
        "first_name": "三",
        "last_name": "张",
        "phone": "13912345678",
    }
    if key is not None:
        base["api_key"] = key
    return {**base, **fields}


@pytest.mark.parametrize("fmt", FORMATS)
async def test_discovery_services_and_a_service_definition_follow_the_field_lists(
    client: httpx.AsyncClient, fmt: str
) -> None:
    r = await client.get(f"/open311/v2/discovery.{fmt}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json" if fmt == "json" else "text/xml")
    answer = spec.parse(r.content, fmt)
    discovery = answer if fmt == "json" else answer[1]
    spec.check(discovery, spec.DISCOVERY, fmt, what="discovery")
    [endpoint] = discovery["endpoints"]
    spec.check(endpoint, spec.ENDPOINT, fmt, what="endpoint")
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}

    r = await client.get(f"/open311/v2/services.{fmt}")
    assert r.status_code == 200
    services = spec.items(spec.parse(r.content, fmt), fmt, "services")
    for service in services:
        spec.check(service, spec.SERVICE, fmt, what="service")
    by_code = {s["service_code"]: s for s in services}
    # Leaves of the catalogue only, grouped by their level-1 topic.
    assert by_code[TOPIC]["service_name"] == "占道经营"
    assert by_code[TOPIC]["group"] == "城市管理"
    assert "CG" not in by_code
    assert "CG-SRHJ" not in by_code
    assert len({s["group"] for s in services}) > 3

    r = await client.get(f"/open311/v2/services/{TOPIC}.{fmt}")
    assert r.status_code == 200
    definition = spec.check_service_definition(spec.parse(r.content, fmt), fmt)
    assert definition["service_code"] == TOPIC
    category = next(a for a in definition["attributes"] if a["code"] == "category")
    assert {v["key"] for v in category["values"]} >= {"help", "complaint", "consult"}


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_posted_request_is_a_case_on_channel_open311_with_a_token(
    client: httpx.AsyncClient, stack: Stack, open311_key: str, fmt: str
) -> None:
    r = await client.post(f"/open311/v2/requests.{fmt}", data=form(open311_key, **{"attribute[category]": "complaint"}))
    assert r.status_code == 201, r.text
    [posted] = spec.items(spec.parse(r.content, fmt), fmt, "service_requests")
    spec.check(posted, spec.POSTED, fmt, what="posted request")
    case_no = posted["service_request_id"]
    assert "查询码" in posted["service_notice"]

    case = await client.get(f"/api/v1/cases/{case_no}", headers=stack.headers["operator"])
    assert case.status_code == 200
    record = case.json()
    assert record["channel"] == "open311"
    assert record["category"] == "complaint"
    assert record["topic_code"] == TOPIC
    assert record["location"]["community_code"] == "D01-S01-C01"
    assert record["location"]["district_code"] == "D01"
    assert record["caller"]["name"] == "张三"
    assert record["registered_by"]["role"] == "open311"

    r = await client.get(f"/open311/v2/tokens/{posted['token']}.{fmt}")
    assert r.status_code == 200
    [found] = spec.items(spec.parse(r.content, fmt), fmt, "service_requests")
    spec.check(found, spec.TOKEN, fmt, what="token")
    assert found["service_request_id"] == case_no
    r = await client.get(f"/open311/v2/tokens/{posted['token'][:-2]}xx.{fmt}")
    assert r.status_code == 404
    spec.check_errors(r.content, fmt, 404)


async def test_a_free_address_naming_a_community_is_routed_there(
    client: httpx.AsyncClient, stack: Stack, open311_key: str
) -> None:
    areas = (await client.get("/api/v1/catalog/areas")).json()["areas"]
    community = next(a for a in areas if a["code"] == "D01-S01-C01")
    fields = form(open311_key, address_string=f"{community['name']}5号楼门口")
    del fields["address_id"]
    r = await client.post("/open311/v2/requests.json", data=fields)
    assert r.status_code == 201, r.text
    case_no = r.json()[0]["service_request_id"]
    record = (await client.get(f"/api/v1/cases/{case_no}", headers=stack.headers["operator"])).json()
    assert record["location"]["community_code"] == "D01-S01-C01"


async def test_a_retry_with_the_same_idempotency_key_registers_nothing_new(
    client: httpx.AsyncClient, open311_key: str
) -> None:
    headers = {"Idempotency-Key": "app-retry-0001"}
    first = await client.post("/open311/v2/requests.json", data=form(open311_key), headers=headers)
    again = await client.post("/open311/v2/requests.json", data=form(open311_key), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("method", "path", "fields", "status", "says"),
    [
        ("GET", "/open311/v2/services/NO-SUCH-TOPIC", None, 404, "service_code"),
        ("GET", "/open311/v2/services/CG", None, 404, "service_code"),  # a group, not a leaf
        ("POST", "/open311/v2/requests", {"service_code": "NO-SUCH-TOPIC"}, 400, "service_code"),
        ("POST", "/open311/v2/requests", {"service_code": ""}, 400, "service_code"),
        ("POST", "/open311/v2/requests", {"address_id": ""}, 400, "位置"),
        ("POST", "/open311/v2/requests", {"address_id": "X99"}, 400, "address_id"),
        ("POST", "/open311/v2/requests", {"address_id": "", "lat": "39.9"}, 400, "long"),
        ("POST", "/open311/v2/requests", {"attribute[category]": "mayor"}, 400, "attribute[category]"),
        ("POST", "/open311/v2/requests", {"description": "短"}, 400, "description"),
        ("POST", "/open311/v2/requests", {"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ("GET", "/open311/v2/requests?start_date=yesterday", None, 400, "start_date"),
        ("GET", "/open311/v2/requests?end_date=2026-11-23T09:30:00", None, 400, "end_date"),
        ("GET", "/open311/v2/requests?start_date=9999-01-01T00:00:00Z", None, 400, "start_date"),
        (
            "GET",
            "/open311/v2/requests?start_date=2026-11-20T00:00:00%2B08:00&end_date=2026-11-01T00:00:00%2B08:00",
            None,
            400,
            "end_date",
        ),
        ("GET", "/open311/v2/requests?start_date=2026-01-01T00:00:00Z&end_date=2026-11-01T00:00:00Z", None, 400, "90"),
        ("GET", "/open311/v2/requests?status=pending", None, 400, "status"),
        ("GET", "/open311/v2/requests/20261123-999999", None, 404, "service_request_id"),
        ("GET", "/open311/v2/nothing-here", None, 404, "/open311/v2/nothing-here"),
    ],
)
async def test_bad_requests_are_the_specifications_error_list(
    client: httpx.AsyncClient,
    open311_key: str,
    fmt: str,
    method: str,
    path: str,
    fields: dict[str, str] | None,
    status: int,
    says: str,
) -> None:
    path, _, query = path.partition("?")
    url = f"{path}.{fmt}" + (f"?{query}" if query else "") if path != "/open311/v2/nothing-here" else path
    if method == "POST":
        r = await client.post(url, data=form(open311_key, **(fields or {})))
    else:
        r = await client.get(url)
    assert r.status_code == status, r.text
    if path != "/open311/v2/nothing-here":
        assert r.headers["content-type"].startswith("application/json" if fmt == "json" else "text/xml")
    text = spec.check_errors(r.content, fmt if path != "/open311/v2/nothing-here" else "json", status)
    assert says in text


@pytest.mark.parametrize("fmt", FORMATS)
async def test_posting_needs_a_valid_open311_api_key(
    client: httpx.AsyncClient, stack: Stack, open311_key: str, fmt: str
) -> None:
    before = await client.get("/api/v1/cases", headers=stack.headers["operator"])
    operator_key = stack.headers["operator"]["Authorization"].removeprefix("Bearer ")
    revoked_key = stack.headers["revoked"]["Authorization"].removeprefix("Bearer ")
    for key, says in (
        (None, "api_key"),
        ("hk_not_a_real_key_0000000000000", "api_key"),
        (revoked_key, "api_key"),
        (operator_key, "Open311"),  # a staff key is not an Open311 client's
    ):
        r = await client.post(f"/open311/v2/requests.{fmt}", data=form(key))
        assert r.status_code == 403, (key, r.text)
        assert says in spec.check_errors(r.content, fmt, 403)
    # A bad key on a read is refused too, rather than silently served as the public.
    r = await client.get(f"/open311/v2/services.{fmt}?api_key=hk_not_a_real_key_0000000000000")
    assert r.status_code == 403
    spec.check_errors(r.content, fmt, 403)
    after = await client.get("/api/v1/cases", headers=stack.headers["operator"])
    assert len(after.json()["items"]) == len(before.json()["items"]), "nothing was registered"


async def test_an_open311_key_opens_only_the_open311_endpoints(
    client: httpx.AsyncClient, open311_key: str
) -> None:
    bearer = {"Authorization": f"Bearer {open311_key}"}
    body: dict[str, Any] = {
        "channel": "open311", "category": "help", "topic_code": TOPIC, "description": "小区门口长期占道经营",
        "location": {"district_code": "D01"},
    }  # fmt: skip
    r = await client.post("/api/v1/cases", json=body, headers=bearer)
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "/open311/v2/" in r.json()["detail"]
    assert (await client.get("/api/v1/catalog/topics", headers=bearer)).status_code == 403
    ok = await client.get(f"/open311/v2/services.json?api_key={open311_key}")
    assert ok.status_code == 200


async def test_open311_keys_have_their_own_rate_limit_told_in_the_specifications_shape(
    make_settings: Callable[..., GatewaySettings], clock: ManualClock
) -> None:
    app = create_app(make_settings(rate_limit_open311_per_minute=3, rate_limit_public_per_minute=50), clock=clock)
    async with running(app) as c:
        async with app.state.db.transaction() as session:
            issued = await keys.create_key(
                session, data=ApiKeyCreate(name="busy app", role="open311"), actor="t", clock=clock
            )
        statuses = [(await c.get(f"/open311/v2/discovery.xml?api_key={issued.key}")).status_code for _ in range(5)]
        assert statuses == [200, 200, 200, 429, 429]
        limited = await c.get(f"/open311/v2/discovery.xml?api_key={issued.key}")
        assert int(limited.headers["Retry-After"]) >= 1
        assert "retry" in spec.check_errors(limited.content, "xml", 429)
        # The key's budget is its own: the same address without the key is still served.
        assert (await c.get("/open311/v2/discovery.xml")).status_code == 200


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(["requests", "services", "discovery", "requests/20261123-000001", "tokens/abc", "services/X"]),
    fmt=st.sampled_from(["json", "xml", "html", ""]),
    fields=st.dictionaries(
        st.sampled_from(
            ["service_code", "lat", "long", "address_string", "address_id", "description", "media_url", "phone",
             "first_name", "start_date", "end_date", "status", "service_request_id", "attribute[category]"]
        ),
        st.text(max_size=40),
        max_size=6,
    ),
    post=st.booleans(),
)
async def test_whatever_a_client_sends_is_answered_without_a_server_error(
    client: httpx.AsyncClient, open311_key: str, path: str, fmt: str, fields: dict[str, str], post: bool
) -> None:
    url = f"/open311/v2/{path}" + (f".{fmt}" if fmt else "")
    if post:
        r = await client.post(url, data={"api_key": open311_key, **fields})
    else:
        r = await client.get(url, params=fields)
    assert r.status_code < 500, (url, fields, r.text)
    if r.status_code >= 400:
        spec.check_errors(r.content, "xml" if url.endswith(".xml") else "json", r.status_code)
