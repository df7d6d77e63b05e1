"""The DB-backed working calendar: the 2026 schedule, years not yet announced, admin notices and
local overrides, and open deadlines recomputed when the calendar changes."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from dispatch.config import DispatchSettings
from dispatch.main import create_app
from fastapi import FastAPI
from hotline_shared.clock import ManualClock
from hotline_shared.testing.apps import running

from .kit import ADMIN, OPERATOR, PUBLIC, Kit, at, when

# A 2027 notice as an admin would type it (New Year, Spring Festival with its makeup Saturdays, ...).
NOTICE_2027 = {
    "holidays": ["2027-01-01", "2027-01-04", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11"],
    "workdays": ["2027-01-30", "2027-02-20"],
    "note": "国务院办公厅关于2027年部分节假日安排的通知（测试）",
}


async def deadline(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    r = await client.get("/api/v1/calendar/deadline", params=params, headers=PUBLIC)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_consult_received_on_the_eve_of_national_day_is_due_on_the_makeup_saturday(kit: Kit) -> None:
    # 10-01..10-07 are off; 10-08, 10-09 and the makeup workday Saturday 10-10 count.
    d = await deadline(kit.client, start="2026-09-30T10:00:00+08:00", working_days=3)
    assert (when(d["due_at"]), d["provisional"]) == (at("2026-10-10 17:30"), False)
    order = await kit.lead(await kit.receive(category="consult"))
    assert when(order["reply_due_at"]) == at("2026-10-10 17:30")
    assert when(order["sign_due_at"]) == at("2026-10-08 17:30")
    assert order["policy"]["reply"] == {"amount": 3.0, "unit": "working_days"}
    assert order["provisional"] is False


async def test_working_and_calendar_hours(kit: Kit) -> None:
    d = await deadline(kit.client, start="2026-09-30T16:00:00+08:00", working_hours=4)
    assert when(d["due_at"]) == at("2026-10-08 11:00")  # 1.5h on 09-30, then after the holiday
    d = await deadline(kit.client, start="2026-09-30T16:00:00+08:00", hours=24)
    assert when(d["due_at"]) == at("2026-10-01 16:00")
    d = await deadline(kit.client, start="2026-10-03T02:00:00Z", working_days=1)  # a UTC start is fine
    assert when(d["due_at"]) == at("2026-10-08 17:30")


async def test_year_view_of_2026_lists_days_off_and_makeup_days(kit: Kit) -> None:
    r = await kit.client.get("/api/v1/calendar/2026", headers=PUBLIC)
    year = r.json()
    assert (year["source"], year["provisional"]) == ("chinese_calendar", False)
    national_day = {d for d in year["holidays"] if d.startswith("2026-10")}
    assert national_day == {"2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"}
    assert "2026-10-10" in year["workdays"]
    assert year["office_hours"] == "08:30-12:00,13:30-17:30"


async def test_deadline_into_an_unannounced_year_is_provisional_until_the_notice_is_loaded(kit: Kit) -> None:
    d = await deadline(kit.client, start="2026-12-28T10:00:00+08:00", working_days=5)
    # 12-29, 12-30, 12-31, then 2027 by rule: New Year's Day off, 01-04 and 01-05.
    assert (when(d["due_at"]), d["provisional"]) == (at("2027-01-05 17:30"), True)
    r = await kit.client.get("/api/v1/calendar/2027", headers=PUBLIC)
    assert (r.json()["source"], r.json()["provisional"]) == ("fallback", True)

    kit.clock.set(at("2026-12-28 10:00"))
    case_no = await kit.receive(category="help")  # 5 working days
    order = await kit.lead(case_no)
    assert (when(order["reply_due_at"]), order["provisional"]) == (at("2027-01-05 17:30"), True)

    # The admin loads the 2027 notice, which also gives Monday 01-04 off.
    r = await kit.client.put("/api/v1/calendar/2027", json=NOTICE_2027, headers=ADMIN)
    assert r.status_code == 200, r.text
    loaded = r.json()
    assert (loaded["source"], loaded["provisional"]) == ("notice", False)
    assert loaded["recompute"]["done_at"] is None
    # New computations use the notice at once; open orders follow when the worker's batch runs.
    d = await deadline(kit.client, start="2026-12-28T10:00:00+08:00", working_days=5)
    assert (when(d["due_at"]), d["provisional"]) == (at("2027-01-06 17:30"), False)
    await kit.recompute()
    order = await kit.order(order["order_id"])
    assert (when(order["reply_due_at"]), order["provisional"]) == (at("2027-01-06 17:30"), False)
    (changed,) = await kit.events("order.deadlines_changed", case_no)
    assert changed.payload["provisional"] is False
    assert when(changed.payload["reply_due_at"]) == at("2027-01-06 17:30")
    job = await kit.client.get(f"/api/v1/calendar/recomputes/{loaded['recompute']['id']}", headers=ADMIN)
    assert job.json()["orders_changed"] == 1
    assert job.json()["done_at"] is not None
    assert order["history"][-1]["type"] == "order.deadlines_changed"


async def test_a_typhoon_day_off_moves_open_deadlines_and_removing_it_moves_them_back(kit: Kit) -> None:
    case_no = await kit.receive(category="consult")
    order = await kit.lead(case_no)
    assert when(order["reply_due_at"]) == at("2026-10-10 17:30")
    r = await kit.client.put(
        "/api/v1/calendar/overrides/2026-10-09", json={"working": False, "reason": "台风停工停课"}, headers=ADMIN
    )
    assert r.status_code == 200, r.text
    await kit.recompute()
    assert when((await kit.order(order["order_id"]))["reply_due_at"]) == at("2026-10-12 17:30")
    listed = await kit.client.get("/api/v1/calendar/overrides", params={"year": 2026}, headers=PUBLIC)
    assert [(o["day"], o["working"]) for o in listed.json()] == [("2026-10-09", False)]
    year = (await kit.client.get("/api/v1/calendar/2026", headers=PUBLIC)).json()
    assert [o["day"] for o in year["overrides"]] == ["2026-10-09"]
    assert (await kit.client.delete("/api/v1/calendar/overrides/2026-10-09", headers=ADMIN)).status_code == 200
    await kit.recompute()
    assert when((await kit.order(order["order_id"]))["reply_due_at"]) == at("2026-10-10 17:30")
    assert (await kit.client.delete("/api/v1/calendar/overrides/2026-10-09", headers=ADMIN)).status_code == 404


async def test_met_deadlines_are_history_and_do_not_move(kit: Kit) -> None:
    order = await kit.lead(await kit.receive(category="consult"))
    await kit.ok(order, "sign")
    signed = await kit.order(order["order_id"])
    await kit.client.put(
        "/api/v1/calendar/overrides/2026-10-08", json={"working": False, "reason": "台风"}, headers=ADMIN
    )
    await kit.recompute()
    after = await kit.order(order["order_id"])
    assert after["sign_due_at"] == signed["sign_due_at"]
    assert when(after["contact_due_at"]) == at("2026-10-09 17:30")


async def test_notice_validation_cross_check_and_permissions(kit: Kit) -> None:
    r = await kit.client.put("/api/v1/calendar/2027", json={"holidays": ["2026-10-01"]}, headers=ADMIN)
    assert r.status_code == 422
    assert "another year" in r.json()["detail"]
    r = await kit.client.put("/api/v1/calendar/2027", json={"holidays": [], "workdays": ["2027-01-05"]}, headers=ADMIN)
    assert r.status_code == 422
    assert "Saturday or Sunday" in r.json()["detail"]
    r = await kit.client.put("/api/v1/calendar/2027", json=NOTICE_2027, headers=OPERATOR)
    assert r.status_code == 403
    r = await kit.client.put("/api/v1/calendar/1999", json=NOTICE_2027, headers=ADMIN)
    assert r.status_code == 422
    # A 2026 "notice" that forgets National Day: accepted (the notice is the authority) but flagged.
    r = await kit.client.put("/api/v1/calendar/2026", json={"holidays": ["2026-01-01"], "workdays": []}, headers=ADMIN)
    assert r.status_code == 200
    warnings = " ".join(r.json()["warnings"])
    assert "2026-10-01" in warnings
    assert "National Day" in warnings or "国庆" in warnings
    assert (await kit.client.delete("/api/v1/calendar/2026", headers=ADMIN)).status_code == 200
    year = (await kit.client.get("/api/v1/calendar/2026", headers=PUBLIC)).json()
    assert year["source"] == "chinese_calendar"


async def test_deadline_query_needs_exactly_one_amount_and_an_offset(kit: Kit) -> None:
    r = await kit.client.get("/api/v1/calendar/deadline", params={"working_days": 1, "hours": 2}, headers=PUBLIC)
    assert r.status_code == 422
    r = await kit.client.get("/api/v1/calendar/deadline", params={"start": "2026-09-30T10:00:00"}, headers=PUBLIC)
    assert r.status_code == 422
    r = await kit.client.get(
        "/api/v1/calendar/deadline", params={"start": "2026-09-30T10:00:00", "working_days": 1}, headers=PUBLIC
    )
    assert r.status_code == 422
    assert "offset" in r.json()["detail"]
    r = await kit.client.get("/api/v1/calendar/deadline", params={"working_days": 1})
    assert r.status_code == 401


@pytest.mark.parametrize("amount", ["working_days", "working_hours", "hours"])
async def test_a_zero_time_limit_is_refused_naming_the_field(kit: Kit, amount: str) -> None:
    # domain.md: a time limit is always positive; no rule defines a deadline "0 days" after receipt.
    r = await kit.client.get(
        "/api/v1/calendar/deadline", params={"start": "2026-09-30T10:00:00+08:00", amount: 0}, headers=PUBLIC
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in r.json()["errors"]] == [f"query.{amount}"]


async def test_a_policy_with_a_zero_limit_is_refused_and_not_saved(kit: Kit) -> None:
    before = (await kit.client.get("/api/v1/policies", headers=ADMIN)).json()
    limit = {"amount": 1, "unit": "working_days"}
    body = {"category": "help", "sign": limit, "contact": limit, "reply": {"amount": 0, "unit": "working_days"}}
    r = await kit.client.post("/api/v1/policies", json=body, headers=ADMIN)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["body.reply.amount"]
    assert (await kit.client.get("/api/v1/policies", headers=ADMIN)).json() == before


async def test_office_hours_are_configurable(settings: DispatchSettings, clock: ManualClock) -> None:
    custom = settings.model_copy(update={"office_hours": "09:00-12:00,14:00-18:00"})
    app: FastAPI = create_app(custom, clock=clock)
    async with running(app) as client:
        d = await deadline(client, start="2026-09-30T10:00:00+08:00", working_days=3)
        assert when(d["due_at"]) == at("2026-10-10 18:00")
        d = await deadline(client, start="2026-09-30T17:00:00+08:00", working_hours=2)
        assert when(d["due_at"]) == at("2026-10-08 10:00")
        year = (await client.get(f"/api/v1/calendar/{date(2026, 1, 1).year}", headers=PUBLIC)).json()
        assert year["office_hours"] == "09:00-12:00,14:00-18:00"
