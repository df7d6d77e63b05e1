"""A month of real cases (November 2026) through the whole workflow, against figures worked out by hand.

Every step goes through the service as in production: `case.received` from intake (auto-routed by
the demo rules), the units' sign / contact / reply / return / extension / pause calls, a
supervisor's decisions, the operator's re-dispatch, `case.rated` and `case.closed` from feedback,
and the timer sweep after each step, as the worker runs it. The expected figures below were
counted by hand from the rules in docs/metrics.md; the comments show the counting.

November 2026 has no holiday: working days are Monday to Friday, office closes at 17:30.
Units: 人社局 U-RS-001 (topic LD-…), 生态环境局 U-HB-001 with co-unit (协办) 住建委 U-ZJ-001
(topic HB-ZSWR-SGZS), 城管执法局 U-CG-001 (topic CG-SZSS-DLPS in 朝阳区).
"""

from __future__ import annotations

from typing import Any

import pytest
from dispatch.config import DispatchSettings
from dispatch.supervision import cli
from dispatch.supervision.config import SupervisionSettings

from ..kit import FEEDBACK_STREAM, OPERATOR, SUPERVISOR, Kit, at, unit, when
from .helpers import approve_pause, figures_match_ledger, rate, resume, sweep, view

RS, HB, ZJ, CG = "U-RS-001", "U-HB-001", "U-ZJ-001", "U-CG-001"
WAGES = {"topic_code": "LD-LDBZ-TQGZ", "title": "拖欠工资"}
NOISE = {"topic_code": "HB-ZSWR-SGZS", "title": "夜间施工噪声"}
ROAD = {"topic_code": "CG-SZSS-DLPS", "title": "道路破损"}


@pytest.fixture
def settings(settings: DispatchSettings) -> DispatchSettings:
    # Three ranked units: a list of two on each board shows both boards without overlap.
    return settings.model_copy(update={"supervision": SupervisionSettings(ranking_min_volume=1, ranking_size=2)})


async def step(kit: Kit, moment: str) -> None:
    """Move the clock and let the timer sweep run, as the worker does every few seconds."""
    kit.clock.set(at(moment))
    await sweep(kit)


async def lead(kit: Kit, case_no: str) -> dict[str, Any]:
    return await kit.lead(case_no)


async def co(kit: Kit, case_no: str) -> dict[str, Any]:
    (order,) = [o for o in await kit.orders_of(case_no) if o["role"] == "co"]
    return await kit.order(order["order_id"])


async def close(kit: Kit, case_no: str, outcome: str) -> None:
    await kit.deliver(
        FEEDBACK_STREAM,
        "case.closed",
        {"case_no": case_no, "outcome": outcome, "closed_at": kit.clock.now().isoformat()},
        case_no=case_no,
    )


async def rated(kit: Kit, order: dict[str, Any], satisfaction: str, *, solved: bool, **kw: Any) -> None:
    """A rating of the order's latest reply, closing the case as feedback does unless it reopens it."""
    fresh = await kit.order(order["order_id"])
    await rate(kit, fresh, satisfaction=satisfaction, solved=solved, **kw)
    if satisfaction != "unsatisfied" or not kw.get("at_fault"):
        await close(kit, fresh["case_no"], satisfaction)


async def metrics(kit: Kit, unit_id: str, month: str) -> dict[str, Any]:
    path = f"/api/v1/supervision/units/{unit_id}/metrics"
    r = await kit.client.get(path, params={"month": month}, headers=SUPERVISOR)
    assert r.status_code == 200, r.text
    return dict(r.json())


def counts(body: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """metric → (total, hits), as the response states the numbers behind every rate."""
    return {m: (c["total"], c["hits"]) for m, c in body["counts"].items()}


async def run_the_month(kit: Kit) -> dict[str, str]:
    """Drive the month; returns the case numbers by name."""
    cases: dict[str, str] = {}

    # Fri 10-30: R1 reaches 人社局 in October (October volume); its deadlines fall in November.
    kit.clock.set(at("2026-10-30 10:00"))
    cases["R1"] = await kit.receive(category="complaint", **WAGES)

    # Mon 11-02
    await step(kit, "2026-11-02 09:00")
    r1 = await lead(kit, cases["R1"])
    assert (when(r1["sign_due_at"]), when(r1["reply_due_at"])) == (at("2026-11-02 17:30"), at("2026-11-20 17:30"))
    await kit.ok(r1, "sign")
    await kit.ok(r1, "contact", {"note": "已电话联系，说明处理安排"})
    cases["R2"] = await kit.receive(category="help", **WAGES)  # help: 5 working days → 11-09 17:30
    await step(kit, "2026-11-02 09:30")
    cases["R3"] = await kit.receive(category="complaint", **WAGES)  # 15 working days → 11-23 17:30
    await step(kit, "2026-11-02 10:00")
    r2, r3 = await lead(kit, cases["R2"]), await lead(kit, cases["R3"])
    assert when(r2["reply_due_at"]) == at("2026-11-09 17:30")
    assert when(r3["reply_due_at"]) == at("2026-11-23 17:30")
    await kit.ok(r2, "sign")
    await kit.ok(r3, "sign")
    await step(kit, "2026-11-02 10:30")
    await kit.ok(r2, "contact", {"note": "已联系"})
    await kit.ok(r3, "contact", {"note": "已联系"})

    # Tue 11-03: R4, a consult (3 working days → 11-06 17:30); R2 paused (the employer must act first).
    await step(kit, "2026-11-03 09:00")
    cases["R4"] = await kit.receive(category="consult", **WAGES)
    await approve_pause(kit, r2)

    # Wed 11-04: R5 reaches 人社局, which returns it; the operator sends it to 生态环境局 (order H5).
    await step(kit, "2026-11-04 09:00")
    cases["R5"] = await kit.receive(category="complaint", **WAGES)
    await step(kit, "2026-11-04 11:00")
    r5 = await lead(kit, cases["R5"])
    assert r5["unit_id"] == RS
    await kit.ok(r5, "return", {"reason": "属于环保部门职责，建议转生态环境局"})
    r = await kit.client.post(f"/api/v1/cases/{cases['R5']}/dispatch", json={"unit_id": HB}, headers=OPERATOR)
    assert r.status_code == 200, r.text
    h5 = await lead(kit, cases["R5"])
    assert (h5["unit_id"], when(h5["reply_due_at"])) == (HB, at("2026-11-25 17:30"))

    # Wed 11-04 18:00: the sweep sees R4's sign-for and first-contact deadlines (17:30) pass.
    await step(kit, "2026-11-04 18:00")
    r4 = await lead(kit, cases["R4"])
    assert (await view(kit, r4["order_id"]))["light"] == "red"

    # Thu 11-05: R4 signed and contacted late; R2 resumes: 15 paused working hours move it to 11-11 17:30.
    await step(kit, "2026-11-05 09:00")
    await kit.ok(r4, "sign")
    await kit.ok(h5, "sign")
    resumed = await resume(kit, r2)
    assert when(resumed["reply_due_at"]) == at("2026-11-11 17:30")
    await step(kit, "2026-11-05 09:05")
    await kit.ok(r4, "contact", {"note": "已联系"})
    await step(kit, "2026-11-05 09:30")
    await kit.ok(h5, "contact", {"note": "已联系"})

    # Mon 11-09: H1 to 生态环境局 with co-unit 住建委; R4 replied late (due 11-06 17:30).
    await step(kit, "2026-11-09 09:00")
    cases["H1"] = await kit.receive(category="complaint", **NOISE)
    await step(kit, "2026-11-09 10:00")
    h1 = await lead(kit, cases["H1"])
    assert (when(h1["sign_due_at"]), when(h1["reply_due_at"])) == (at("2026-11-10 17:30"), at("2026-11-30 17:30"))
    await kit.ok(h1, "sign")
    await kit.ok(r4, "reply", {"result": "已答复政策口径", "solved": False})
    await step(kit, "2026-11-09 10:30")
    await kit.ok(h1, "contact", {"note": "已联系"})
    await step(kit, "2026-11-09 14:00")
    cases["H2"] = await kit.receive(category="complaint", **NOISE)  # reply due 11-30 17:30 as well
    await step(kit, "2026-11-09 15:00")
    h2, h2co = await lead(kit, cases["H2"]), await co(kit, cases["H2"])
    assert when(h2["reply_due_at"]) == at("2026-11-30 17:30")
    await kit.ok(h2co, "sign")

    # Tue 11-10: H2 signed by the lead in time; R1 replied in time; R4's reply rated unsatisfied,
    # the unit's fault: 重办 from 10:00 with contact due 11-11 17:30 and reply due 11-13 17:30.
    await step(kit, "2026-11-10 09:00")
    await kit.ok(h2, "sign")
    await step(kit, "2026-11-10 09:30")
    await kit.ok(r1, "reply", {"result": "已督促企业补发工资", "solved": True})
    await step(kit, "2026-11-10 10:00")
    await rated(kit, r4, "unsatisfied", solved=False, at_fault=True)
    r4 = await kit.order(r4["order_id"])
    assert (r4["status"], when(r4["reply_due_at"])) == ("reopened", at("2026-11-13 17:30"))

    # Wed 11-11: 住建委 signs H1 late (due 11-10 17:30); H2's lead contacts late; R4 round 2 contact;
    # R2 replied after its original deadline (11-09) but before the paused-for one (11-11 17:30).
    await step(kit, "2026-11-11 09:00")
    await kit.ok(await co(kit, cases["H1"]), "sign")
    await kit.ok(h2, "contact", {"note": "已联系"})
    await kit.ok(r4, "contact", {"note": "再次联系"})
    await step(kit, "2026-11-11 10:00")
    await kit.ok(r2, "reply", {"result": "企业已承诺月底前支付", "solved": True})

    # Thu 11-12: the co-unit replies on H2; R4's second reply; R1 rated satisfied and solved.
    await step(kit, "2026-11-12 10:00")
    await kit.ok(h2co, "reply", {"result": "已责令施工单位整改", "solved": True})
    await kit.ok(r4, "reply", {"result": "已协调办理", "solved": True})
    await rated(kit, r1, "satisfied", solved=True)

    # Fri 11-13: R2's citizen cannot be reached after three callbacks.
    await step(kit, "2026-11-13 15:00")
    await close(kit, cases["R2"], "unreachable")

    # Sat 11-14 22:00: C1, urgent (plain clock: sign 22:15, contact 23:00, reply 11-15 22:00).
    await step(kit, "2026-11-14 22:00")
    cases["C1"] = await kit.receive(category="help", urgency="urgent", **ROAD)
    c1 = await lead(kit, cases["C1"])
    assert (c1["unit_id"], when(c1["contact_due_at"])) == (CG, at("2026-11-14 23:00"))
    await step(kit, "2026-11-14 22:10")
    await kit.ok(c1, "sign")
    await step(kit, "2026-11-14 23:30")
    await kit.ok(c1, "contact", {"note": "已到场"})
    await step(kit, "2026-11-15 20:00")
    await kit.ok(c1, "reply", {"result": "已设置围挡并修复", "solved": True})

    # Mon 11-16: the citizen rates C1 through the public lookup; R4's second reply rated satisfied;
    # R3 asks for 5 more working days, approved (reply due 11-23 → 11-30 17:30).
    await step(kit, "2026-11-16 09:00")
    await rated(kit, c1, "basically_satisfied", solved=False, source="citizen")
    await rated(kit, r4, "satisfied", solved=True)
    await step(kit, "2026-11-16 10:00")
    r = await kit.act(r3, "extensions", {"working_days": 5, "reason": "需要协调劳动监察大队联合处置"})
    assert r.status_code in (200, 201), r.text
    await step(kit, "2026-11-16 11:00")
    r = await kit.client.post(
        f"/api/v1/extensions/{r.json()['extension_id']}/decision", json={"approve": True}, headers=SUPERVISOR
    )
    assert r.status_code == 200, r.text
    assert when((await kit.order(r3["order_id"]))["reply_due_at"]) == at("2026-11-30 17:30")

    # Fri 11-20: 生态环境局 replies on H1, which relieves 住建委 of its part before its deadline.
    await step(kit, "2026-11-20 10:00")
    await kit.ok(h1, "reply", {"result": "已责令夜间停工", "solved": True})
    assert (await kit.order((await co(kit, cases["H1"]))["order_id"]))["status"] == "withdrawn"
    await step(kit, "2026-11-23 15:00")
    await close(kit, cases["H1"], "unreachable")

    # H5 replied (due 11-25) and rated; R3 replied after its original deadline, within the extension.
    await step(kit, "2026-11-24 10:00")
    await kit.ok(h5, "reply", {"result": "已处理", "solved": True})
    await step(kit, "2026-11-25 10:00")
    await rated(kit, h5, "satisfied", solved=True)
    await step(kit, "2026-11-26 10:00")
    await kit.ok(r3, "reply", {"result": "工资已全部结清", "solved": False})
    await step(kit, "2026-11-27 10:00")
    await rated(kit, r3, "basically_satisfied", solved=False)

    # Mon 11-30: C2 reaches 城管 on the last day of the month; it is signed and contacted in December.
    await step(kit, "2026-11-30 09:00")
    cases["C2"] = await kit.receive(category="complaint", **ROAD)
    await step(kit, "2026-12-01 09:00")
    c2 = await lead(kit, cases["C2"])
    await kit.ok(c2, "sign")
    await kit.ok(c2, "contact", {"note": "已联系"})
    # Tue 12-01 10:00: H2's lead never replied; its deadline (11-30 17:30) has passed.
    await step(kit, "2026-12-01 10:00")
    return cases


# Worked out by hand, metric → (outcomes, hits). November unless stated.
#
# 人社局 U-RS-001
#   volume       R2 R3 R4 R5 (R1 was dispatched in October)                          4
#   returned     R2 R3 R4 R5, R5 returned                                             4, 1
#   sign         R1 ✓ (11-02) R2 ✓ R3 ✓ R4 ✗ (late) — R5 left before its deadline   4, 3
#   contact      R1 ✓ R2 ✓ R3 ✓ R4 round 0 ✗, round 1 ✓                               5, 4
#   reply        R1 ✓ R2 ✓ (pause) R3 ✓ (extension) R4 round 0 ✗, round 1 ✓           5, 4
#   solved       rated replies: R1 ✓ R3 ✗ R4#1 ✗ R4#2 ✓ (R2 unreachable: none)       4, 2
#   satisfaction R1 satisfied, R3 basically, R4#1 unsatisfied, R4#2 satisfied        4, 3
#   rehandle     replies R1 R2 R3 R4#1 (sent back) R4#2                               5, 1
# 生态环境局 U-HB-001
#   volume H1 H2 H5: 3; returned 3, 0; sign 3, 3; contact H1 ✓ H2 ✗ H5 ✓: 3, 2;
#   reply H1 ✓ H5 ✓ H2 ✗ (never replied, deadline 11-30 passed): 3, 2;
#   solved / satisfaction: H5 only (H1 unreachable): 1, 1 each; rehandle H1 H5: 2, 0
# 住建委 U-ZJ-001 (co-unit only)
#   co_volume 2; returned 2, 0; sign H1 ✗ (late) H2 ✓: 2, 1;
#   reply H2 ✓; H1's part ended by the lead's reply before its deadline: not counted → 1, 1
# 城管执法局 U-CG-001
#   volume C1 C2: 2; returned 2, 0; sign C1 ✓ (C2 signed in December): 1, 1;
#   contact C1 ✗ (23:30 > 23:00): 1, 0; reply C1 ✓: 1, 1; C1 rated basically satisfied, not solved:
#   solved 1, 0; satisfaction 1, 1; rehandle 1, 0
EXPECTED = {
    RS: {
        "volume": (4, 4),
        "returned": (4, 1),
        "sign": (4, 3),
        "contact": (5, 4),
        "reply": (5, 4),
        "solved": (4, 2),
        "satisfaction": (4, 3),
        "rehandle": (5, 1),
    },
    HB: {
        "volume": (3, 3),
        "returned": (3, 0),
        "sign": (3, 3),
        "contact": (3, 2),
        "reply": (3, 2),
        "solved": (1, 1),
        "satisfaction": (1, 1),
        "rehandle": (2, 0),
    },
    ZJ: {"co_volume": (2, 2), "returned": (2, 0), "sign": (2, 1), "reply": (1, 1)},
    CG: {
        "volume": (2, 2),
        "returned": (2, 0),
        "sign": (1, 1),
        "contact": (1, 0),
        "reply": (1, 1),
        "solved": (1, 0),
        "satisfaction": (1, 1),
        "rehandle": (1, 0),
    },
}
# Default weights: sign 10, contact 10, reply 25, solved 20, satisfaction 25, return 5 and
# re-handling 5 (as 1 − rate); rates without outcomes are left out and the weights renormalised.
#   RS: 10·.75 + 10·.8 + 25·.8 + 20·.5 + 25·.75 + 5·.75 + 5·.8 = 72.0 (of 100)
#   HB: 10 + 10·⅔ + 25·⅔ + 20 + 25 + 5 + 5 = 88.33
#   CG: 10 + 0 + 25 + 0 + 25 + 5 + 5 = 70.0
#   ZJ: (10·.5 + 25 + 5) / 40 = 87.5, but no lead orders: listed, not ranked
SCORES = {RS: 72.0, HB: 88.33, CG: 70.0, ZJ: 87.5}


async def test_a_hand_counted_month_matches_the_api_and_the_recomputation(kit: Kit) -> None:
    cases = await run_the_month(kit)

    rs = await metrics(kit, RS, "2026-11")
    assert counts(rs) == EXPECTED[RS]
    assert (rs["volume"], rs["co_volume"]) == (4, 0)
    assert rs["sign_on_time_rate"] == 0.75
    assert rs["contact_on_time_rate"] == rs["reply_on_time_rate"] == 0.8
    assert (rs["solved_rate"], rs["satisfaction_rate"]) == (0.5, 0.75)
    assert (rs["return_rate"], rs["rehandle_rate"]) == (0.25, 0.2)
    assert rs["score"] == SCORES[RS]

    hb = await metrics(kit, HB, "2026-11")
    assert counts(hb) == EXPECTED[HB]
    assert hb["contact_on_time_rate"] == pytest.approx(2 / 3)
    assert hb["score"] == SCORES[HB]

    zj = await metrics(kit, ZJ, "2026-11")
    assert counts(zj) == EXPECTED[ZJ]
    assert (zj["volume"], zj["co_volume"], zj["contact_on_time_rate"], zj["satisfaction_rate"]) == (0, 2, None, None)
    assert zj["score"] == SCORES[ZJ]

    cg = await metrics(kit, CG, "2026-11")
    assert counts(cg) == EXPECTED[CG]
    assert cg["score"] == SCORES[CG]

    # Across the month boundaries: R1 counts in October's volume only; C2's sign-for and first
    # contact (done 12-01) count in December, its volume in November.
    assert counts(await metrics(kit, RS, "2026-10")) == {"volume": (1, 1), "returned": (1, 0)}
    assert counts(await metrics(kit, CG, "2026-12")) == {"sign": (1, 1), "contact": (1, 1)}
    idle = await metrics(kit, "U-JT-001", "2026-11")
    assert (idle["volume"], idle["score"], idle["counts"]) == (0, None, {})

    r = await kit.client.get("/api/v1/supervision/rankings", params={"month": "2026-11"}, headers=SUPERVISOR)
    assert r.status_code == 200, r.text
    ranking = r.json()
    assert [(u["unit_id"], u["rank"], u["score"]) for u in ranking["units"]] == [
        (HB, 1, SCORES[HB]),
        (RS, 2, SCORES[RS]),
        (CG, 3, SCORES[CG]),
        (ZJ, None, SCORES[ZJ]),
    ]
    assert [u["unit_id"] for u in ranking["top"]] == [HB, RS]
    assert [u["unit_id"] for u in ranking["bottom"]] == [CG]
    assert {u["unit_id"]: counts(u) for u in ranking["units"]} == EXPECTED

    # H2, never replied, is on the overdue list as of December 1st.
    overdue = await kit.client.get("/api/v1/supervision/overdue", headers=SUPERVISOR)
    assert [(o["case_no"], o["unit_id"], o["deadline_kind"]) for o in overdue.json()["items"]] == [
        (cases["H2"], HB, "reply")
    ]

    # The incremental figures equal a recomputation from the ledger, and re-deriving every open
    # order from the work orders (resync) changes nothing either.
    settings: DispatchSettings = kit.app.state.settings
    assert await figures_match_ledger(kit) == []
    assert await cli._verify(settings, None) == []
    assert await cli._recompute(settings, None) > 0
    await cli.resync_all(kit.db, settings)
    assert await cli._verify(settings, None) == []
    for unit_id, expected in EXPECTED.items():
        assert counts(await metrics(kit, unit_id, "2026-11")) == expected
    after = await kit.client.get("/api/v1/supervision/rankings", params={"month": "2026-11"}, headers=SUPERVISOR)
    assert after.json() == ranking


async def test_a_unit_reads_its_own_figures_only(kit: Kit) -> None:
    own = await kit.client.get(f"/api/v1/supervision/units/{RS}/metrics", params={"month": "2026-11"}, headers=unit(RS))
    assert own.status_code == 200
    other = await kit.client.get(
        f"/api/v1/supervision/units/{HB}/metrics", params={"month": "2026-11"}, headers=unit(RS)
    )
    assert other.status_code == 403
    assert other.headers["content-type"].startswith("application/problem+json")
    ranking = await kit.client.get("/api/v1/supervision/rankings", params={"month": "2026-11"}, headers=unit(RS))
    assert ranking.status_code == 403
