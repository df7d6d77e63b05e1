"""Schemathesis fuzzes every intake operation on the real app and a seeded database: no 5xx, ever.

The database holds the demo catalogue and the demo cases (an original and its duplicate, a
consult closed on the call, a confidential report, a station's batch), and some generated ids
are swapped for real ones, so registration, duplicate linking and the record views are reached,
not only "unknown topic" and 404.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from hotline_shared.pagination import encode_cursor
from hotline_shared.testing import DatabaseFactory, ValkeyProcess, signed_headers
from hotline_shared.testing.apps import served
from hotline_shared.testing.fuzz import Grounding, fuzz_checks, fuzz_settings, ground
from hotline_shared.testing.identity import TEST_SECRET
from hypothesis import given
from hypothesis import strategies as st
from intake.config import MIGRATIONS_DIR, IntakeSettings
from intake.main import create_app
from intake.seed import DEMO_STATION, seed
from schemathesis.schemas import APIOperation

from .helpers import BATCH, CASES, case_body, operator, station

# The operations are listed from the app's own OpenAPI (no database needed), each its own test.
SCHEMA = schemathesis.openapi.from_dict(create_app(IntakeSettings(identity_secret=TEST_SECRET)).openapi())
OPERATIONS = [op.ok() for op in SCHEMA.get_all_operations()]

# Who calls what, as the routers allow it; a route missing here fails its test by name.
ROLES: dict[str, tuple[str, ...]] = {
    "GET /healthz": ("public",),
    "GET /readyz": ("public",),
    "POST /api/v1/cases/batch": ("station", "operator"),
    "POST /api/v1/cases": ("operator", "station"),
    "GET /api/v1/cases": ("operator", "station", "supervisor"),
    "GET /api/v1/cases/{case_no}": ("operator", "station", "supervisor"),
    "GET /api/v1/catalog/topics": ("operator", "public"),
    "GET /api/v1/catalog/areas": ("operator", "public"),
    "POST /api/v1/catalog/reload": ("admin",),
    "GET /api/v1/cases/{case_no}/photos": ("operator", "station", "supervisor"),
    "PUT /api/v1/cases/{case_no}/photos/{photo_id}/publication": ("operator", "supervisor"),
    "POST /api/v1/public/verification-codes": ("public",),
    "POST /api/v1/public/cases": ("public",),
    "GET /submit": ("public",),
    "POST /submit/code": ("public",),
    "POST /submit": ("public",),
}


def headers_for(role: str) -> dict[str, str]:
    if role == "operator":
        return operator()
    if role == "station":
        # The demo station posted the demo batch, so its searches and records find something.
        return station(DEMO_STATION.station_id or "ST-D01-S03", subject=DEMO_STATION.subject)
    return signed_headers(role)


# Bodies intake accepts: a complaint, a consult closed on the call, a confidential report, a
# duplicate forced through; the fuzzer puts one odd value into one of them.
CASE_BODIES = [
    case_body(),
    case_body(
        category="consult",
        topic_code="LD-SHBX-YLBX",
        description="咨询灵活就业人员如何缴纳养老保险",
        location={},
        direct_answer="可登录社保网上服务平台，选择灵活就业参保缴费。",
    ),
    case_body(category="report", caller={"name": "王五", "phone": "13700002222", "confidential": True}),
    case_body(force_new={"reason": "同一地点但是不同的摊位，不是重复件"}, title="占道经营"),
]
PUBLIC_CASE = {
    **{k: v for k, v in case_body().items() if k not in ("caller",)},
    "channel": "web",
    "caller": {"name": "张三", "phone": "13812345678"},
    "verification_code": "123456",
}
BODIES = {
    f"POST {CASES}": CASE_BODIES,
    "POST /api/v1/public/cases": [PUBLIC_CASE, {**PUBLIC_CASE, "channel": "app", "photos": ["/9j/4AAQSkZJRg=="]}],
    "POST /api/v1/public/verification-codes": [{"phone": "13812345678"}],
    f"POST {BATCH}": [
        {"items": [{**body, "client_ref": f"FUZZ-{n}"} for n, body in enumerate(CASE_BODIES[:2])]},
        {"items": [{**CASE_BODIES[2], "client_ref": "FUZZ-REPORT"}, {"not": "a case"}]},
    ],
}


@dataclass
class LiveIntake:
    url: str
    grounding: Grounding


# Values that once broke intake (each has its named test): the fuzzer keeps trying them. A batch
# item's client_ref holding a lone surrogate broke it too, but schemathesis re-validates every case
# it sends and cannot send one; test_batch.py does.
EDGE_TIMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00"]
EDGE_CURSORS = [encode_cursor({"case_no": "\u0000"}), encode_cursor({"case_no": "\ud800"})]


def _known_values(url: str) -> dict[str, list[Any]]:
    """Real ids and codes read back from the seeded service, by the names the API uses for them."""
    with httpx.Client(base_url=url, headers=operator(), timeout=10) as client:
        cases = client.get("/api/v1/cases", params={"limit": 200}).json()["items"]
        cursor = client.get("/api/v1/cases", params={"limit": 2}).json()["next_cursor"]
        topics = client.get("/api/v1/catalog/topics", params={"include_inactive": True}).json()["topics"]
        areas = {a["code"]: a for a in client.get("/api/v1/catalog/areas").json()["areas"]}
    chains = []
    for area in areas.values():
        if area["level"] == "community":
            street = areas[area["parent_code"]]
            chains.append(
                {"district_code": street["parent_code"], "street_code": street["code"], "community_code": area["code"]}
            )
    assert cases, "the demo seed registered no case"
    assert cursor, "the demo seed registered too few cases to page"
    assert chains, "the demo catalogue has no community"
    received = sorted(c["received_at"] for c in cases)
    return {
        "case_no": [c["case_no"] for c in cases],
        "cursor": [cursor, *EDGE_CURSORS],
        "from": [received[0], *EDGE_TIMES],
        "to": [received[-1], *EDGE_TIMES],
        # Mostly selectable leaves; a parent code keeps "choose a more specific topic" in play.
        "topic_code": [*[t["code"] for t in topics if t["selectable"]][:20], topics[0]["code"]],
        "district_code": sorted({c["district_code"] for c in chains}),
        "location": [*chains[:12], {"community_code": chains[0]["community_code"]}],
        "description": ["小区门口长期占道经营，晚上噪音很大", "咨询灵活就业人员如何缴纳养老保险"],
        "phone": ["13812345678", "+86 138 1234 5678", "010-65123456", "12345"],
        "client_ref": ["FUZZ-0", "FUZZ-REPORT"],
    }


@pytest.fixture(scope="module")
def live_intake(database_factory: DatabaseFactory, valkey: ValkeyProcess) -> Iterator[LiveIntake]:
    config = IntakeSettings(
        env="test",
        database_url=database_factory.new("intake", MIGRATIONS_DIR),
        redis_url=valkey.url,
        identity_secret=TEST_SECRET,
    )
    asyncio.run(seed(config, demo=True))
    with served(create_app(config), name="intake") as url:
        yield LiveIntake(url=url, grounding=Grounding(values=_known_values(url), bodies=BODIES))


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_no_intake_operation_answers_with_a_server_error(operation: APIOperation, live_intake: LiveIntake) -> None:
    roles = ROLES[operation.label]
    cases = st.one_of(operation.as_strategy(), operation.as_strategy(schemathesis.GenerationMode.NEGATIVE))

    @given(case=cases, role=st.sampled_from(roles), data=st.data())
    @fuzz_settings("INTAKE_FUZZ_EXAMPLES", 40)
    def check(case: schemathesis.Case, role: str, data: st.DataObject) -> None:
        ground(case, operation.label, live_intake.grounding, data)
        response = case.call(base_url=live_intake.url, headers=headers_for(role), allow_redirects=False)
        case.validate_response(response, checks=fuzz_checks())

    check()
