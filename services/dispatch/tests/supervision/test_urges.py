"""Manual urges (POST /api/v1/supervision/urges): on the order's timeline at once, `order.urged` to
the unit at once in office hours (or for urgent cases), otherwise at the next office opening."""

from __future__ import annotations

from typing import Any

from hotline_shared.testing import signed_headers

from ..kit import OPERATOR, SUPERVISOR, Kit, at, unit
from .helpers import URGED, at_and_sweep, view

URGES = "/api/v1/supervision/urges"
CHIEF = signed_headers("supervisor", subject="督办科-王")


async def urge(kit: Kit, body: dict[str, Any], headers: dict[str, str] = CHIEF, key: str | None = None) -> Any:
    extra = {"Idempotency-Key": key} if key else {}
    return await kit.client.post(URGES, json=body, headers={**headers, **extra})


async def urged_events(kit: Kit, order_id: str) -> list[dict[str, Any]]:
    return [e.payload for e in await kit.events(URGED) if e.payload["order_id"] == order_id]


async def test_an_urge_in_office_hours_reaches_the_unit_and_the_timeline_at_once(kit: Kit) -> None:
    kit.clock.set(at("2026-11-02 09:00"))
    order = await kit.lead(await kit.receive())
    kit.clock.set(at("2026-11-02 10:00"))
    r = await urge(kit, {"order_id": order["order_id"], "level": "supervise", "note": "群众多次来电，请今日内签收"})
    assert r.status_code == 201, r.text
    made = r.json()
    assert made == {
        **made,
        "order_id": order["order_id"],
        "unit_id": "U-CG-001",
        "level": "supervise",
        "by": "督办科-王",
        "auto": False,
        "queued": False,
        "deadline_kind": "sign",
        "due_at": "2026-11-03T17:30:00+08:00",
        "issued_at": "2026-11-02T10:00:00+08:00",
    }

    (event,) = await urged_events(kit, order["order_id"])
    assert (event["level"], event["by"], event["note"], event["unit_id"]) == (
        "supervise",
        "督办科-王",
        "群众多次来电，请今日内签收",
        "U-CG-001",
    )
    history = (await kit.order(order["order_id"]))["history"]
    (entry,) = [h for h in history if h["type"] == URGED]
    assert entry["actor"] == {"subject": "督办科-王", "role": "supervisor"}
    assert entry["detail"]["level"] == "supervise"
    v = await view(kit, order["order_id"])
    assert (v["urge_level"], [u["urge_id"] for u in v["urges"]]) == ("supervise", [made["urge_id"]])
    # The unit sees the urge on its own order too.
    mine = await kit.client.get(f"/api/v1/orders/{order['order_id']}", headers=unit("U-CG-001"))
    assert URGED in [h["type"] for h in mine.json()["history"]]


async def test_an_evening_urge_waits_for_office_hours_unless_the_case_is_urgent(kit: Kit) -> None:
    kit.clock.set(at("2026-11-02 09:00"))
    normal = await kit.lead(await kit.receive())
    kit.clock.set(at("2026-11-02 19:00"))
    urgent = await kit.lead(await kit.receive(urgency="urgent"))

    r = await urge(kit, {"order_id": normal["order_id"], "level": "remind"})
    assert r.status_code == 201, r.text
    assert (r.json()["queued"], r.json()["notify_at"]) == (True, "2026-11-03T08:30:00+08:00")
    assert await urged_events(kit, normal["order_id"]) == []
    assert URGED in [h["type"] for h in (await kit.order(normal["order_id"]))["history"]]

    r = await urge(kit, {"order_id": urgent["order_id"], "level": "listed", "note": "挂牌督办"})
    assert (r.status_code, r.json()["queued"]) == (201, False)
    assert [e["level"] for e in await urged_events(kit, urgent["order_id"])] == ["listed"]

    await at_and_sweep(kit, at("2026-11-03 08:29"))
    assert await urged_events(kit, normal["order_id"]) == []
    await at_and_sweep(kit, at("2026-11-03 08:30"))
    (event,) = await urged_events(kit, normal["order_id"])
    assert (event["level"], event["issued_at"], event["notified_at"]) == (
        "remind",
        "2026-11-02T19:00:00+08:00",
        "2026-11-03T08:30:00+08:00",
    )
    await at_and_sweep(kit, at("2026-11-03 09:00"))
    assert len(await urged_events(kit, normal["order_id"])) == 1


async def test_a_retried_urge_is_one_urge(kit: Kit) -> None:
    kit.clock.set(at("2026-11-02 10:00"))
    order = await kit.lead(await kit.receive())
    body = {"order_id": order["order_id"], "level": "remind", "note": "请加快办理"}
    first = await urge(kit, body, key="urge-7f3a")
    again = await urge(kit, body, key="urge-7f3a")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["urge_id"] == first.json()["urge_id"]
    assert len(await urged_events(kit, order["order_id"])) == 1
    clash = await urge(kit, {**body, "level": "listed"}, key="urge-7f3a")
    assert clash.status_code == 409
    assert clash.headers["content-type"].startswith("application/problem+json")


async def test_urges_that_cannot_be_made_are_refused_clearly(kit: Kit) -> None:
    kit.clock.set(at("2026-11-02 10:00"))
    order = await kit.lead(await kit.receive())
    done = await kit.lead(await kit.receive())
    await kit.handle_to_reply(done)

    assert (await urge(kit, {"order_id": order["order_id"], "level": "remind"}, unit("U-CG-001"))).status_code == 403
    assert (await urge(kit, {"order_id": order["order_id"], "level": "remind"}, OPERATOR)).status_code == 403
    assert (await urge(kit, {"order_id": "20261102-999999-01", "level": "remind"})).status_code == 404
    finished = await urge(kit, {"order_id": done["order_id"], "level": "supervise"})
    assert finished.status_code == 409
    assert "nothing to urge" in finished.json()["detail"]
    bad = await urge(kit, {"order_id": order["order_id"], "level": "shout"})
    assert bad.status_code == 422
    assert bad.json()["errors"]
    # A supervisor limited to another district may not urge this order (朝阳区 D03).
    elsewhere = signed_headers("supervisor", subject="东城督办", area_code="D01")
    r = await urge(kit, {"order_id": order["order_id"], "level": "remind"}, elsewhere)
    assert r.status_code == 403
    assert await urged_events(kit, order["order_id"]) == []
    assert (await urge(kit, {"order_id": order["order_id"], "level": "remind"}, SUPERVISOR)).status_code == 201
