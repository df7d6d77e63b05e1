"""The rule table is versioned: an admin's change takes effect from a date on, never for the
past; events are scored by the version in force when they happened. Tiers split 20/50/30 and
never separate equal scores."""

from __future__ import annotations

import pytest
from dispatch.evaluation.config import EvaluationSettings
from dispatch.evaluation.scoring import tier_bounds, tiers
from pydantic import ValidationError

from ..kit import ADMIN, SUPERVISOR, Kit, at
from .helpers import NOV, UNIT_RS, listed_urge, pump, unit_month

LISTED_V2 = {
    "name": "挂牌督办",
    "event_type": "order.urged",
    "match": {"level": "listed"},
    "points": -3,
    "cap_per_period": 9,
}


async def test_a_new_rule_version_scores_from_its_date_on(kit: Kit) -> None:
    kit.clock.set(at("2026-11-02 09:00"))
    first = await kit.lead(await kit.receive(topic_code="LD-LDBZ-TQGZ"))
    await listed_urge(kit, first)
    await pump(kit)

    r = await kit.client.put("/api/v1/evaluation/rules/listed_urge", json=LISTED_V2, headers=SUPERVISOR)
    assert r.status_code == 403
    r = await kit.client.put(
        "/api/v1/evaluation/rules/listed_urge",
        json={**LISTED_V2, "effective_from": "2026-11-02T08:00:00+08:00"},
        headers=ADMIN,
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body.effective_from"
    r = await kit.client.put(
        "/api/v1/evaluation/rules/listed_urge", json={**LISTED_V2, "match": {"caller_phone": "x"}}, headers=ADMIN
    )
    assert r.status_code == 422
    assert "match" in r.json()["errors"][0]["field"]
    r = await kit.client.put(
        "/api/v1/evaluation/rules/listed_urge",
        json={**LISTED_V2, "effective_from": "2026-11-03T00:00:00+08:00"},
        headers=ADMIN,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["version"], r.json()["created_by"]) == (2, "admin-x")

    second = await kit.lead(await kit.receive(topic_code="LD-LDBZ-TQGZ"))
    await listed_urge(kit, second)  # still 11-02: version 1
    kit.clock.set(at("2026-11-03 09:00"))
    third = await kit.lead(await kit.receive(topic_code="LD-LDBZ-TQGZ"))
    await listed_urge(kit, third)
    await pump(kit)

    rs = await unit_month(kit, UNIT_RS, NOV)
    assert [(p["order_id"], p["points"], p["rule_version"]) for p in rs["points"]] == [
        (first["order_id"], -2, 1),
        (second["order_id"], -2, 1),
        (third["order_id"], -3, 2),
    ]
    # The cap of the version in force: 9 now, so all −7 count.
    assert rs["score"] == -7

    r = await kit.client.get("/api/v1/evaluation/rules", headers=SUPERVISOR)
    versions = [(x["code"], x["version"], x["points"]) for x in r.json()["items"] if x["code"] == "listed_urge"]
    assert versions == [("listed_urge", 1, -2), ("listed_urge", 2, -3)]
    # Recomputing re-scores each event with the version of its own time: nothing to correct.
    r = await kit.client.post(f"/api/v1/evaluation/months/{NOV}/recompute", headers=ADMIN)
    assert (r.json()["added"], r.json()["reversed"]) == (0, 0)


async def test_a_disabled_rule_stops_scoring(kit: Kit) -> None:
    kit.clock.set(at("2026-11-02 09:00"))
    r = await kit.client.put("/api/v1/evaluation/rules/listed_urge", json={**LISTED_V2, "active": False}, headers=ADMIN)
    assert r.status_code == 200, r.text
    kit.clock.set(at("2026-11-02 10:00"))
    await listed_urge(kit, await kit.lead(await kit.receive(topic_code="LD-LDBZ-TQGZ")))
    await pump(kit)
    assert (await unit_month(kit, UNIT_RS, NOV))["points"] == []


def test_tiers_split_20_50_30_and_ties_stay_together() -> None:
    assert tier_bounds(10, [0.2, 0.5, 0.3]) == [2, 7, 10]
    assert tier_bounds(7, [0.2, 0.5, 0.3]) == [1, 5, 7]
    assert tier_bounds(2, [0.2, 0.5, 0.3]) == [1, 1, 2]
    assert tier_bounds(0, [0.2, 0.5, 0.3]) == [0, 0, 0]
    scores = [("a", 5), ("b", 3), ("c", 3), ("d", 1), ("e", 0), ("f", 0), ("g", 0), ("h", -1), ("i", -2), ("j", -3)]
    got = tiers(scores, [0.2, 0.5, 0.3])
    # b and c tie at the end of the first class: both are in it; the second class still ends at 7.
    assert got == {"a": 1, "b": 1, "c": 1, "d": 2, "e": 2, "f": 2, "g": 2, "h": 3, "i": 3, "j": 3}
    # A tie across the second boundary moves the whole group up.
    got = tiers([*scores[:7], ("h", 0), ("i", -2), ("j", -3)], [0.2, 0.5, 0.3])
    assert [u for u, t in sorted(got.items()) if t == 2] == ["d", "e", "f", "g", "h"]
    # Another split is a setting; shares must add up to 1.
    assert tiers(scores, [0.3, 0.4, 0.3])["d"] == 2
    assert tiers([("x", 1), ("y", 1), ("z", 1)], [0.2, 0.5, 0.3]) == {"x": 1, "y": 1, "z": 1}
    with pytest.raises(ValidationError):
        EvaluationSettings(tier_shares=[0.2, 0.5, 0.2])
