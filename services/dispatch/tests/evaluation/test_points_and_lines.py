"""Points from real order and rating events, the lines they cross, replays and recomputes.

November 2026, Monday the 2nd, 09:00: 城管执法局 (U-CG-001) replies on time and solves a case
that the citizen then rates satisfied (+1 +1: it reaches 鼓励 at +2); 人社局 (U-RS-001) gets four
wage complaints listed for supervision (挂牌督办, −2 each, capped at −6 a month), so it passes
预警 (−2), 召回 (−4) and 约谈 (−6), and lands on the supervisors' interview list.
"""

from __future__ import annotations

import pytest
from dispatch.evaluation import ledger
from dispatch.evaluation.models import Point
from hotline_shared.events import EventEnvelope
from sqlalchemy.exc import IntegrityError

from ..kit import ADMIN, SUPERVISOR, Kit, unit
from .helpers import LINE_CROSSED, NOV, UNIT_CG, UNIT_RS, ledger_rows, november, pump, unit_month


async def test_events_score_within_caps_and_cross_lines(kit: Kit) -> None:
    await november(kit)

    cg = await unit_month(kit, UNIT_CG, NOV)
    assert cg["score"] == 2
    assert sorted((p["rule_code"], p["points"], p["kind"]) for p in cg["points"]) == [
        ("rated_satisfied", 1, "event"),
        ("solved_on_time", 1, "event"),
    ]
    assert [c["line"] for c in cg["crossings"]] == ["encourage"]

    rs = await unit_month(kit, UNIT_RS, NOV)
    assert [p["points"] for p in rs["points"]] == [-2, -2, -2, -2]
    assert all(p["event_type"] == "order.urged" and p["order_id"] for p in rs["points"])
    assert rs["raw"] == -8
    assert rs["score"] == -6
    assert [(c["line"], c["score"]) for c in rs["crossings"]] == [("warning", -2), ("recall", -4), ("interview", -6)]

    # Crossing a line is an event: the unit's notice, and the interview for the supervisors.
    crossed = [e.payload for e in await kit.events(LINE_CROSSED)]
    assert sorted((p["unit_id"], p["threshold"], p["line"], p["action"]) for p in crossed) == [
        (UNIT_CG, 2, "encourage", "notice"),
        (UNIT_RS, -6, "interview", "interview"),
        (UNIT_RS, -4, "recall", "notice"),
        (UNIT_RS, -2, "warning", "notice"),
    ]
    r = await kit.client.get("/api/v1/evaluation/actions", headers=SUPERVISOR)
    assert [(a["unit_id"], a["line_name"], a["status"]) for a in r.json()["items"]] == [(UNIT_RS, "约谈", "open")]
    item = r.json()["items"][0]["crossing_id"]
    r = await kit.client.post(
        f"/api/v1/evaluation/actions/{item}/done", json={"note": "已约谈分管负责人"}, headers=SUPERVISOR
    )
    assert r.status_code == 200
    assert r.json()["status"] == "done"
    r = await kit.client.get("/api/v1/evaluation/actions", headers=SUPERVISOR)
    assert r.json()["items"] == []

    # A unit reads its own month, never another's.
    assert (await unit_month(kit, UNIT_RS, NOV, headers=unit(UNIT_RS)))["score"] == -6
    r = await kit.client.get(f"/api/v1/evaluation/units/{UNIT_CG}", params={"month": NOV}, headers=unit(UNIT_RS))
    assert r.status_code == 403


async def test_a_replayed_event_never_adds_points_twice(kit: Kit) -> None:
    await november(kit)
    before = await ledger_rows(kit)
    urged = (await kit.events("order.urged"))[0]

    # The same stream message delivered again (a relay retry after a crash) ...
    await kit.app.state.redis.xadd(
        "hotline:events:dispatch", {"event_id": str(urged.event_id), "type": urged.type, "body": urged.to_json()}
    )
    await pump(kit)
    # ... and the same event handed to the scorer again outside the consumer's inbox.
    async with kit.db.transaction() as session:
        assert await ledger.take_event(session, kit.rt, envelope=EventEnvelope.from_json(urged.to_json())) == 0
    assert await ledger_rows(kit) == before

    # The database itself refuses a second row for the same source.
    first = before[0]
    with pytest.raises(IntegrityError):
        async with kit.db.transaction() as session:
            session.add(
                Point(
                    unit_id=first[1],
                    month=first[2],
                    points=first[3],
                    kind="event",
                    source_key=first[7],
                    revision=0,
                    author_subject="system",
                    author_role="system",
                    occurred_at=kit.clock.now(),
                    booked_at=kit.clock.now(),
                )
            )


async def test_recomputing_a_month_gives_the_same_ledger(kit: Kit) -> None:
    await november(kit)
    before = await ledger_rows(kit)
    assert len(before) == 6
    r = await kit.client.post(f"/api/v1/evaluation/months/{NOV}/recompute", headers=ADMIN)
    assert r.status_code == 200, r.text
    assert r.json() == {"month": NOV, "checked": 6, "added": 0, "reversed": 0}
    assert await ledger_rows(kit) == before
    r = await kit.client.post(f"/api/v1/evaluation/months/{NOV}/recompute", headers=SUPERVISOR)
    assert r.status_code == 403


async def test_manual_points_and_corrections_by_reversing_rows(kit: Kit) -> None:
    await november(kit)
    r = await kit.client.post(
        "/api/v1/evaluation/points",
        json={"unit_id": UNIT_RS, "points": 2, "reason": "群众来信表扬，疑难欠薪案件提前化解"},
        headers=SUPERVISOR,
    )
    assert r.status_code == 201, r.text
    manual = r.json()
    assert (manual["month"], manual["kind"], manual["author"]) == (NOV, "manual", "supervisor-x")
    assert (await unit_month(kit, UNIT_RS, NOV))["score"] == -4

    r = await kit.client.post(
        f"/api/v1/evaluation/points/{manual['point_id']}/reverse", json={"reason": "重复记分"}, headers=SUPERVISOR
    )
    assert r.status_code == 201, r.text
    assert (r.json()["points"], r.json()["reverses_id"], r.json()["kind"]) == (-2, manual["point_id"], "reversal")
    assert (await unit_month(kit, UNIT_RS, NOV))["score"] == -6
    rows = await ledger_rows(kit)
    assert manual["point_id"] in [row[0] for row in rows]  # the original row stays

    again = await kit.client.post(
        f"/api/v1/evaluation/points/{manual['point_id']}/reverse", json={"reason": "再次冲正"}, headers=SUPERVISOR
    )
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")

    bad = await kit.client.post(
        "/api/v1/evaluation/points", json={"unit_id": UNIT_RS, "points": 0, "reason": "零分测试"}, headers=SUPERVISOR
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["body.points"]
    unknown = await kit.client.post(
        "/api/v1/evaluation/points", json={"unit_id": "U-NONE", "points": 1, "reason": "测试单位"}, headers=SUPERVISOR
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.unit_id"
    r = await kit.client.post(
        "/api/v1/evaluation/points", json={"unit_id": UNIT_RS, "points": 1, "reason": "自评加分"}, headers=unit(UNIT_RS)
    )
    assert r.status_code == 403
