"""Schemathesis fuzzes every dispatch operation on the real app and a seeded database: no 5xx, ever.

The database holds the default policies, the demo units and routing rules, the catalogue, and
cases in most states a unit meets (dispatched, signed, contacted, awaiting callback, reopened,
paused, a pending extension, one in the manual queue), with the clock past the National Day week
so some are overdue. Some generated ids are swapped for real ones and the unit role acts as the
unit that holds the order, so the workflow, the deadlines and supervision are reached, not only 404.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from dispatch.config import MIGRATIONS_DIR, DispatchSettings
from dispatch.main import create_app
from dispatch.supervision import timers
from fastapi import FastAPI
from hotline_shared.clock import ManualClock
from hotline_shared.pagination import encode_cursor
from hotline_shared.testing import DatabaseFactory, ValkeyProcess
from hotline_shared.testing.apps import running, served
from hotline_shared.testing.fuzz import Grounding, fuzz_checks, fuzz_settings, ground
from hotline_shared.testing.identity import TEST_SECRET
from hypothesis import given
from hypothesis import strategies as st
from redis import Redis
from schemathesis.schemas import APIOperation

from .evaluation.helpers import pump
from .kit import ADMIN, AREAS, OPERATOR, START, SUPERVISOR, TOPICS, Kit, at, headers, unit

# The operations are listed from the app's own OpenAPI (no database needed), each its own test.
SCHEMA = schemathesis.openapi.from_dict(create_app(DispatchSettings(identity_secret=TEST_SECRET)).openapi())
OPERATIONS = [op.ok() for op in SCHEMA.get_all_operations()]

# Who calls what, as dispatch/roles.py and the routers allow it; a route missing here fails by name.
ANYONE = ("public", "unit")
READERS = ("unit", "supervisor", "operator")
ROLES: dict[str, tuple[str, ...]] = {
    "GET /healthz": ("public",),
    "GET /readyz": ("public",),
    "GET /api/v1/calendar/deadline": ANYONE,
    "GET /api/v1/calendar/overrides": ANYONE,
    "PUT /api/v1/calendar/overrides/{day}": ("admin",),
    "DELETE /api/v1/calendar/overrides/{day}": ("admin",),
    "GET /api/v1/calendar/recomputes/{job_id}": ("admin",),
    "GET /api/v1/calendar/{year}": ANYONE,
    "PUT /api/v1/calendar/{year}": ("admin",),
    "DELETE /api/v1/calendar/{year}": ("admin",),
    "GET /api/v1/orders": READERS,
    "GET /api/v1/orders/{order_id}": READERS,
    "POST /api/v1/orders/{order_id}/sign": ("unit",),
    "POST /api/v1/orders/{order_id}/return": ("unit",),
    "POST /api/v1/orders/{order_id}/contact": ("unit",),
    "POST /api/v1/orders/{order_id}/reply": ("unit",),
    "POST /api/v1/orders/{order_id}/extensions": ("unit",),
    "POST /api/v1/extensions/{extension_id}/decision": ("supervisor",),
    "GET /api/v1/extensions": READERS,
    "GET /api/v1/extensions/{extension_id}": READERS,
    "POST /api/v1/orders/{order_id}/pauses": ("unit",),
    "POST /api/v1/pauses/{pause_id}/decision": ("supervisor",),
    "POST /api/v1/orders/{order_id}/resume": ("unit", "supervisor"),
    "GET /api/v1/pauses": READERS,
    "GET /api/v1/pauses/{pause_id}": READERS,
    "POST /api/v1/cases/{case_no}/dispatch": ("operator", "supervisor"),
    "GET /api/v1/dispatch-queue": ("operator", "supervisor"),
    "GET /api/v1/units": ("operator", "unit"),
    "POST /api/v1/units": ("admin",),
    "GET /api/v1/units/{unit_id}": ("operator", "unit"),
    "PATCH /api/v1/units/{unit_id}": ("admin",),
    "DELETE /api/v1/units/{unit_id}": ("admin",),
    "GET /api/v1/routing-rules": ("operator", "admin"),
    "POST /api/v1/routing-rules": ("admin",),
    "GET /api/v1/routing-rules/match": ("operator", "supervisor"),
    "GET /api/v1/routing-rules/{rule_id}": ("operator", "admin"),
    "PUT /api/v1/routing-rules/{rule_id}": ("admin",),
    "DELETE /api/v1/routing-rules/{rule_id}": ("admin",),
    "GET /api/v1/policies": ("operator", "admin"),
    "POST /api/v1/policies": ("admin",),
    "GET /api/v1/policies/resolve": ("operator", "unit"),
    "GET /api/v1/policies/{policy_id}": ("operator", "admin"),
    "PUT /api/v1/policies/{policy_id}": ("admin",),
    "DELETE /api/v1/policies/{policy_id}": ("admin",),
    "GET /api/v1/supervision/overdue": ("supervisor", "unit"),
    "GET /api/v1/supervision/near-due": ("supervisor", "unit"),
    "GET /api/v1/supervision/overdue/export": ("supervisor",),
    "POST /api/v1/supervision/urges": ("supervisor",),
    "GET /api/v1/supervision/orders/{order_id}": ("supervisor", "unit"),
    "GET /api/v1/supervision/units/{unit_id}/metrics": ("supervisor", "unit"),
    "GET /api/v1/supervision/rankings": ("supervisor",),
    "GET /api/v1/supervision/rankings/export": ("supervisor",),
    "GET /api/v1/evaluation/rules": ("supervisor", "admin"),
    "PUT /api/v1/evaluation/rules/{code}": ("admin",),
    "POST /api/v1/evaluation/points": ("supervisor",),
    "POST /api/v1/evaluation/points/{point_id}/reverse": ("supervisor",),
    "GET /api/v1/evaluation/units/{unit_id}": ("supervisor", "unit"),
    "GET /api/v1/evaluation/months/{month}": ("supervisor",),
    "POST /api/v1/evaluation/months/{month}/compile": ("supervisor",),
    "POST /api/v1/evaluation/months/{month}/entries": ("supervisor",),
    "PATCH /api/v1/evaluation/months/{month}/entries/{entry_id}": ("supervisor",),
    "POST /api/v1/evaluation/months/{month}/approve": ("admin",),
    "POST /api/v1/evaluation/months/{month}/recompute": ("admin",),
    "GET /api/v1/evaluation/months/{month}/export": ("supervisor",),
    "GET /api/v1/evaluation/months/{month}/page": ("supervisor",),
    "GET /api/v1/evaluation/quarters/{quarter}": ("supervisor",),
    "GET /api/v1/evaluation/actions": ("supervisor",),
    "POST /api/v1/evaluation/actions/{crossing_id}/done": ("supervisor",),
    "GET /api/v1/public/evaluation/{month}": ANYONE,
}

# After the National Day week: the seeded orders' sign and contact deadlines have passed.
NOW = at("2026-10-12 10:30")
DONGHUAMEN = {"district_code": "D01", "street_code": "D01-S01", "community_code": "D01-S01-C01"}
RULE = {"topic_code": "JY", "area_code": None, "lead_unit_id": "U-ZW-001", "co_unit_ids": []}
LIMIT = {"amount": 2, "unit": "working_days"}

# Bodies dispatch accepts, per operation; the fuzzer puts one odd value into one of them.
BODIES: dict[str, list[dict[str, Any]]] = {
    "PUT /api/v1/calendar/overrides/{day}": [{"working": False, "reason": "台风红色预警，全市停工"}],
    "PUT /api/v1/calendar/{year}": [
        {"holidays": ["2027-01-01", "2027-02-06"], "workdays": ["2027-02-14"], "note": "国办发明电〔2026〕1号"}
    ],
    "POST /api/v1/orders/{order_id}/return": [
        {"reason": "不属于本单位职责", "suggested_unit_id": "U-CG-001"},
        {"reason": "不属于本单位职责"},
    ],
    "POST /api/v1/orders/{order_id}/contact": [{"note": "已电话联系，说明了处理安排"}],
    "POST /api/v1/orders/{order_id}/reply": [
        {"result": "已现场处置，摊贩已清理", "solved": True, "attachments": ["photo-1.jpg"]}
    ],
    "POST /api/v1/orders/{order_id}/extensions": [{"working_days": 3, "reason": "需要协调多个部门联合处置"}],
    "POST /api/v1/extensions/{extension_id}/decision": [{"approve": True}, {"approve": False, "note": "理由不充分"}],
    "POST /api/v1/orders/{order_id}/pauses": [{"reason": "群众外出，暂时无法联系", "kind": "citizen_unreachable"}],
    "POST /api/v1/pauses/{pause_id}/decision": [{"approve": True, "note": "同意"}, {"approve": False}],
    "POST /api/v1/cases/{case_no}/dispatch": [
        {"unit_id": "U-ZW-001", "co_unit_ids": ["U-CG-001"], "designate": False},
        {"unit_id": "U-JD-D01S01", "designate": True},
    ],
    "POST /api/v1/units": [
        {"unit_id": "U-FUZZ-001", "name": "教育委员会", "kind": "department", "phone": "010-12345678"},
        {"unit_id": "U-JD-FUZZ", "name": "某街道办事处", "kind": "street", "district_code": "D03"},
    ],
    "PATCH /api/v1/units/{unit_id}": [{"name": "城管执法局（新）"}, {"active": False}, {"district_code": "D01"}],
    "POST /api/v1/routing-rules": [
        RULE,
        {
            **RULE,
            "topic_code": "CG-SZSS",
            "area_code": "D03-S01",
            "area_level": "street",
            "lead_unit_id": "U-JD-D03S01",
        },
    ],
    "PUT /api/v1/routing-rules/{rule_id}": [RULE, {**RULE, "co_unit_ids": ["U-CG-001", "U-HB-001"]}],
    "POST /api/v1/policies": [
        {"category": "help", "topic_code": "SY", "sign": LIMIT, "contact": LIMIT, "reply": {**LIMIT, "amount": 5}},
        {
            "urgency": "urgent",
            "topic_code": "CG",
            "sign": {"amount": 0.5, "unit": "calendar_hours"},
            "contact": {"amount": 2, "unit": "working_hours"},
            "reply": {"amount": 24, "unit": "calendar_hours"},
        },
    ],
    "PUT /api/v1/policies/{policy_id}": [
        {"category": "consult", "sign": LIMIT, "contact": LIMIT, "reply": {**LIMIT, "amount": 3}, "note": "咨询"},
    ],
    "PUT /api/v1/evaluation/rules/{code}": [
        {
            "name": "挂牌督办",
            "event_type": "order.urged",
            "match": {"level": "listed"},
            "points": -3,
            "cap_per_period": 9,
        },
        {"name": "退单", "event_type": "order.returned", "points": -1, "cap_per_period": 3, "active": False},
    ],
    "POST /api/v1/evaluation/points": [{"unit_id": "U-CG-001", "points": 2, "reason": "群众来信表扬"}],
    "POST /api/v1/evaluation/points/{point_id}/reverse": [{"reason": "重复记分"}],
    "POST /api/v1/evaluation/months/{month}/entries": [
        {"unit_id": "U-HB-001", "board": "red", "reason": "联席会议推荐"}
    ],
    "PATCH /api/v1/evaluation/months/{month}/entries/{entry_id}": [{"reason": "改写事由"}, {"remove": True}],
    "POST /api/v1/evaluation/actions/{crossing_id}/done": [{"note": "已约谈"}],
}


# Values that once broke dispatch (each has its named test): the fuzzer keeps trying them.
EDGE_TIMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00"]
EDGE_CURSORS = [
    encode_cursor({"at": EDGE_TIMES[0], "id": "20260930-000001-01"}),
    encode_cursor({"at": EDGE_TIMES[1], "id": "20260930-000001-01"}),
    encode_cursor({"at": "2026-09-30T10:00:00+08:00", "id": "\ud800"}),
]


@dataclass
class LiveDispatch:
    url: str
    grounding: Grounding
    unit_of: dict[str, dict[Any, str]]  # parameter name -> id -> the unit it belongs to
    units: list[str]


async def _seed(app: FastAPI, clock: ManualClock) -> None:
    """Cases in the states a unit meets, through the real consumer and the real endpoints."""
    async with running(app) as client:
        kit = Kit(app, client, clock)
        await kit.seed()
        await kit.receive()  # dispatched, not signed yet
        signed = await kit.lead(await kit.receive(description="夜市摊贩占道，油烟扰民"))
        await kit.ok(signed, "sign")
        contacted = await kit.lead(await kit.receive(location=DONGHUAMEN))  # a lead with a co-unit
        await kit.ok(contacted, "sign")
        await kit.ok(contacted, "contact", {"note": "已电话联系"})
        await kit.ok(contacted, "extensions", {"working_days": 2, "reason": "需要协调多个部门"})
        replied = await kit.lead(await kit.receive(topic_code="SY-GS-TS", urgency="utilities"))
        await kit.handle_to_reply(replied)
        reopened = await kit.lead(await kit.receive(topic_code="HB-ZSWR-SGZS", category="complaint"))
        await kit.handle_to_reply(reopened, solved=False)
        await kit.rate(await kit.order(reopened["order_id"]))
        paused = await kit.lead(await kit.receive(topic_code="LD-LDBZ-TQGZ"))
        await kit.ok(paused, "sign")
        await kit.ok(paused, "pauses", {"reason": "群众外出，暂时无法联系", "kind": "citizen_unreachable"})
        await kit.receive(topic_code="JY-JCJY-RXZS", category="consult")  # no rule: the manual queue
        r = await client.put(
            "/api/v1/calendar/overrides/2026-10-16", json={"working": False, "reason": "台风停工"}, headers=ADMIN
        )
        assert r.status_code == 200, r.text
        await kit.recompute()
        clock.set(NOW)
        await timers.sweep(kit.db, kit.rt, now=NOW)
        # Evaluation: points from those events, a manual one past the interview line, two drafts.
        await pump(kit)
        r = await client.post(
            "/api/v1/evaluation/points",
            json={"unit_id": "U-RS-001", "points": -7, "reason": "约谈线"},
            headers=SUPERVISOR,
        )
        assert r.status_code == 201, r.text
        for month in ("2026-09", "2026-10"):
            r = await client.post(f"/api/v1/evaluation/months/{month}/compile", headers=SUPERVISOR)
            assert r.status_code == 200, r.text


def _read(url: str) -> tuple[dict[str, list[Any]], dict[str, dict[Any, str]], list[str]]:
    """Real ids read back from the seeded service, by the names the API uses for them."""
    with httpx.Client(base_url=url, timeout=10) as client:

        def items(path: str, who: dict[str, str] = SUPERVISOR, **params: Any) -> list[dict[str, Any]]:
            r = client.get(path, params={"limit": 200, **params}, headers=who)
            assert r.status_code == 200, r.text
            return list(r.json()["items"])

        orders = items("/api/v1/orders")
        cursor = client.get("/api/v1/orders", params={"limit": 2}, headers=SUPERVISOR).json()["next_cursor"]
        extensions = items("/api/v1/extensions")
        pauses = items("/api/v1/pauses")
        units = [u["unit_id"] for u in items("/api/v1/units", OPERATOR)]
        rules = [r["id"] for r in items("/api/v1/routing-rules", OPERATOR)]
        policies = [p["id"] for p in items("/api/v1/policies", OPERATOR)]
        queue = [q["case_no"] for q in items("/api/v1/dispatch-queue", OPERATOR)]
    for name, found in (("orders", orders), ("extensions", extensions), ("pauses", pauses), ("queue", queue)):
        assert found, f"the seed made no {name}"
    assert cursor, "the seed made too few orders to page"
    unit_of = {
        "order_id": {o["order_id"]: o["unit_id"] for o in orders},
        "extension_id": {e["extension_id"]: e["unit_id"] for e in extensions},
        "pause_id": {p["pause_id"]: p["unit_id"] for p in pauses},
        "unit_id": {u: u for u in units},
    }
    values: dict[str, list[Any]] = {
        **{name: list(ids) for name, ids in unit_of.items()},
        "case_no": [o["case_no"] for o in orders] + queue,
        "job_id": [1, 2],
        "rule_id": rules,
        "policy_id": policies,
        "suggested_unit_id": units,
        "lead_unit_id": units,
        "co_unit_ids": units,
        "topic_code": [code for code, *_ in TOPICS],
        "area_code": [code for code, *_ in AREAS],
        "district_code": [code for code, _, level, _ in AREAS if level == "district"],
        "street_code": [code for code, _, level, _ in AREAS if level == "street"],
        "community_code": [code for code, _, level, _ in AREAS if level == "community"],
        "year": [2025, 2026, 2027],
        "day": ["2026-10-16", "2026-10-10", "2027-01-04"],
        "month": ["2026-09", "2026-10"],
        "quarter": ["2026-Q3", "2026-Q4"],
        "code": ["listed_urge", "reply_overdue", "new_rule"],
        "point_id": [1, 2, 3],
        "entry_id": [1, 2],
        "crossing_id": [1, 2],
        "start": ["2026-09-30T16:00:00+08:00", "2026-10-09T08:00:00+08:00", *EDGE_TIMES],
        "as_of": ["2026-10-12T10:30:00+08:00", "2026-10-20T09:00:00+08:00", *EDGE_TIMES],
        "due_before": ["2026-10-31T00:00:00+08:00", *EDGE_TIMES],
        "cursor": [cursor, *EDGE_CURSORS],
    }
    return values, unit_of, units


@pytest.fixture(scope="module")
def live_dispatch(database_factory: DatabaseFactory, valkey: ValkeyProcess) -> Iterator[LiveDispatch]:
    if valkey.proc is None or valkey.proc.poll() is not None:
        valkey.start()
    # The seed reads the intake stream from the start: nothing an earlier test left may leak in.
    with Redis.from_url(valkey.url) as redis:
        redis.flushall()
    config = DispatchSettings(
        env="test",
        database_url=database_factory.new("dispatch", MIGRATIONS_DIR),
        redis_url=valkey.url,
        identity_secret=TEST_SECRET,
    )
    clock = ManualClock(START)
    asyncio.run(_seed(create_app(config, clock=clock), clock))
    with served(create_app(config, clock=clock), name="dispatch") as url:
        values, unit_of, units = _read(url)
        urges = [
            {"order_id": order_id, "level": level, "note": "请尽快办理"}
            for order_id in values["order_id"][:3]
            for level in ("remind", "listed")
        ]
        bodies = {**BODIES, "POST /api/v1/supervision/urges": urges}
        yield LiveDispatch(url=url, grounding=Grounding(values=values, bodies=bodies), unit_of=unit_of, units=units)


def headers_for(role: str, case: schemathesis.Case, live: LiveDispatch, data: st.DataObject) -> dict[str, str]:
    """A unit acts as the unit holding the order (extension, pause) it names, else as a seeded one."""
    if role != "unit":
        return headers(role)
    named = {**(case.query or {}), **(case.path_parameters or {})}
    for name, owners in live.unit_of.items():
        value = named.get(name)
        if type(value) in (str, int) and value in owners:
            return unit(owners[value])
    return unit(data.draw(st.sampled_from(live.units), label="unit"))


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_no_dispatch_operation_answers_with_a_server_error(
    operation: APIOperation, live_dispatch: LiveDispatch
) -> None:
    roles = ROLES[operation.label]
    cases = st.one_of(operation.as_strategy(), operation.as_strategy(schemathesis.GenerationMode.NEGATIVE))

    @given(case=cases, role=st.sampled_from(roles), data=st.data())
    @fuzz_settings("DISPATCH_FUZZ_EXAMPLES", 25)
    def check(case: schemathesis.Case, role: str, data: st.DataObject) -> None:
        ground(case, operation.label, live_dispatch.grounding, data)
        who = headers_for(role, case, live_dispatch, data)
        response = case.call(base_url=live_dispatch.url, headers=who, allow_redirects=False)
        case.validate_response(response, checks=fuzz_checks())

    check()
