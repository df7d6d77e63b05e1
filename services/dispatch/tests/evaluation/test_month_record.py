"""The monthly red/black record (红黑档案): compiled as a draft, edited by supervisors, approved by
an admin once the month is over, then frozen: a published month never changes, and what arrives
late for it is booked in the current month."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from ..kit import ADMIN, PUBLIC, SUPERVISOR, Kit, at
from ..supervision.helpers import at_and_sweep, handled
from .helpers import NOV, UNIT_CG, UNIT_RS, month, november, pump, unit_month

URL = f"/api/v1/evaluation/months/{NOV}"


async def _consult_left_unreplied(kit: Kit, when: str) -> dict[str, Any]:
    """A 人社局 consult (3 working days), signed and contacted at once, never replied."""
    kit.clock.set(at(when))
    order = await kit.lead(await kit.receive(category="consult", topic_code="LD-SHBX-YLBX"))
    assert order["unit_id"] == UNIT_RS
    return await handled(kit, order)


async def test_draft_edit_approve_then_frozen(kit: Kit) -> None:
    await november(kit)
    first = await _consult_left_unreplied(kit, "2026-11-02 09:30")
    # Time travel: the reply deadline (Thu 11-05 17:30) passes; the sweep turns the light red.
    await at_and_sweep(kit, at("2026-11-06 09:00"))
    await pump(kit)
    rs = await unit_month(kit, UNIT_RS, NOV)
    assert [p["rule_code"] for p in rs["points"]][-1] == "reply_overdue"
    assert rs["points"][-1]["order_id"] == first["order_id"]
    assert (rs["raw"], rs["score"]) == (-9, -7)  # listed urges capped at −6, plus −1

    # Another one whose deadline falls on the month's last day: nobody sweeps before December.
    late = await _consult_left_unreplied(kit, "2026-11-25 09:00")

    kit.clock.set(at("2026-11-27 10:00"))
    r = await kit.client.post(f"{URL}/compile", headers=SUPERVISOR)
    assert r.status_code == 200, r.text
    draft = r.json()
    assert draft["status"] == "draft"
    assert [(e["unit_id"], e["origin"]) for e in draft["red"]] == [(UNIT_CG, "auto")]
    assert [(e["unit_id"], e["origin"]) for e in draft["black"]] == [(UNIT_RS, "auto")]
    assert draft["black"][0]["reason"].startswith("月度得分 -7")

    # The joint meeting's edits: a reworded entry and one added by hand.
    cg_entry = draft["red"][0]["entry_id"]
    r = await kit.client.patch(
        f"{URL}/entries/{cg_entry}", json={"reason": "群众满意度高，按期办结"}, headers=SUPERVISOR
    )
    assert r.status_code == 200, r.text
    r = await kit.client.post(
        f"{URL}/entries", json={"unit_id": "U-HB-001", "board": "red", "reason": "联席会议推荐"}, headers=SUPERVISOR
    )
    assert r.status_code == 201, r.text

    # Not before the month is over, and only by an admin.
    r = await kit.client.post(f"{URL}/approve", headers=ADMIN)
    assert r.status_code == 409
    assert "还没有结束" in r.json()["detail"]
    kit.clock.set(at("2026-12-01 10:00"))
    assert (await kit.client.post(f"{URL}/approve", headers=SUPERVISOR)).status_code == 403

    # Re-compiling after the month adds the month rule (当月零超期) and keeps the meeting's edits.
    r = await kit.client.post(f"{URL}/compile", headers=SUPERVISOR)
    assert r.status_code == 200, r.text
    draft = r.json()
    assert [(e["unit_id"], e["reason"], e["origin"]) for e in draft["red"]] == [
        (UNIT_CG, "群众满意度高，按期办结", "manual"),
        ("U-HB-001", "联席会议推荐", "manual"),
    ]
    cg = await unit_month(kit, UNIT_CG, NOV)
    assert cg["score"] == 3
    assert "no_overdue_month" in [p["rule_code"] for p in cg["points"]]

    r = await kit.client.post(f"{URL}/approve", headers=ADMIN)
    assert r.status_code == 200, r.text
    published = r.json()
    assert (published["status"], published["approved_by"]) == ("published", "admin-x")
    assert published["approved_at"].startswith("2026-12-01T10:00")
    scores = {u["unit_id"]: (u["score"], u["tier"]) for u in published["units"]}
    assert scores[UNIT_CG] == (3, 1)
    assert scores[UNIT_RS] == (-7, 3)

    # Frozen: every change to November is refused.
    some_point = cg["points"][0]["point_id"]
    refused = [
        await kit.client.post(f"{URL}/compile", headers=SUPERVISOR),
        await kit.client.post(
            f"{URL}/entries", json={"unit_id": UNIT_RS, "board": "red", "reason": "补充"}, headers=SUPERVISOR
        ),
        await kit.client.patch(f"{URL}/entries/{cg_entry}", json={"remove": True}, headers=SUPERVISOR),
        await kit.client.post(f"{URL}/approve", headers=ADMIN),
        await kit.client.post(f"{URL}/recompute", headers=ADMIN),
        await kit.client.post(
            "/api/v1/evaluation/points",
            json={"unit_id": UNIT_CG, "month": NOV, "points": 1, "reason": "补记十一月表扬"},
            headers=SUPERVISOR,
        ),
        await kit.client.post(
            f"/api/v1/evaluation/points/{some_point}/reverse", json={"reason": "更正"}, headers=SUPERVISOR
        ),
    ]
    assert [r.status_code for r in refused] == [409] * len(refused), [r.text for r in refused]
    assert all(r.headers["content-type"].startswith("application/problem+json") for r in refused)

    # A late failure of November (the deadline of 11-30 seen by the sweep in December) is booked
    # in December; the published month reads exactly as approved.
    before = await month(kit, NOV)
    await at_and_sweep(kit, at("2026-12-01 10:05"))
    await pump(kit)
    december = await unit_month(kit, UNIT_RS, "2026-12")
    overdue = [p for p in december["points"] if p["order_id"] == late["order_id"] and p["rule_code"] == "reply_overdue"]
    assert len(overdue) == 1
    assert overdue[0]["occurred_at"].startswith("2026-11-30T17:30")
    assert await month(kit, NOV) == before == published

    # The quarter (季度公布) adds up its months, November read from the published record.
    r = await kit.client.get("/api/v1/evaluation/quarters/2026-Q4", headers=SUPERVISOR)
    assert r.status_code == 200, r.text
    q4 = r.json()
    assert q4["published"] is False
    assert [(m["month"], m["status"]) for m in q4["months"]] == [
        ("2026-10", "open"),
        ("2026-11", "published"),
        ("2026-12", "open"),
    ]
    cg_q4 = next(u for u in q4["units"] if u["unit_id"] == UNIT_CG)
    assert ([m["score"] for m in cg_q4["months"]], cg_q4["score"], cg_q4["tier"]) == ([0, 3, 0], 3, 1)
    assert (await kit.client.get("/api/v1/evaluation/quarters/2026-Q5", headers=SUPERVISOR)).status_code == 422


async def test_published_month_exports_and_public_summary(kit: Kit) -> None:
    await november(kit)
    kit.clock.set(at("2026-12-01 09:00"))
    assert (await kit.client.post(f"{URL}/compile", headers=SUPERVISOR)).status_code == 200

    # Before approval the public sees nothing, and the draft says it is one.
    assert (await kit.client.get(f"/api/v1/public/evaluation/{NOV}", headers=PUBLIC)).status_code == 404
    r = await kit.client.get(f"{URL}/page", headers=SUPERVISOR)
    assert r.status_code == 200
    assert "草稿（未审定）" in r.text

    assert (await kit.client.post(f"{URL}/approve", headers=ADMIN)).status_code == 200

    r = await kit.client.get(f"/api/v1/public/evaluation/{NOV}", headers=PUBLIC)
    assert r.status_code == 200, r.text
    summary = r.json()
    boards = {u["unit_id"]: (u["score"], u["tier"], u["board"]) for u in summary["units"]}
    assert boards[UNIT_CG] == (3, 1, "red")
    assert boards[UNIT_RS] == (-6, 3, "black")
    assert {x["code"]: x["count"] for x in summary["lines"]}["interview"] == 1
    # Units only: no case numbers, reasons, authors or anything the citizen typed.
    assert not any(word in r.text for word in ("case_no", "order_id", "reason", "supervisor", "13812345678", "张三"))

    r = await kit.client.get(f"{URL}/export", params={"format": "xlsx"}, headers=SUPERVISOR)
    assert r.status_code == 200
    assert 'filename="evaluation-2026-11.xlsx"' in r.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == (
        "名次(position)",
        "单位编号(unit_id)",
        "承办单位(unit_name)",
        "得分(score)",
        "等次(tier)",
        "红黑档(board)",
    )
    by_unit = {row[1]: row for row in rows[1:]}
    assert by_unit[UNIT_CG][3:6] == (3, "一类", "红档")
    assert by_unit[UNIT_RS][3:7] == (-6, "三类", "黑档", "预警、召回、约谈")

    r = await kit.client.get(f"{URL}/page", headers=SUPERVISOR)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "已审定发布" in page
    assert page.count("<svg") == 2
    assert "城管执法局" in page
    assert "<script" not in page
    assert "src=" not in page
    assert "<link" not in page
