"""The deadline engine: each timer fires once, at its working-calendar moment, never while paused,
moved by extensions; concurrent engines and a restarted worker fire each timer exactly once.

The kit starts on Wednesday 2026-09-30 10:00, the eve of the National Day week (10-01..10-07 off,
Saturday 10-10 a makeup working day). A complaint received then is due:
sign-for and first contact 10-08 17:30, reply (15 working days) 10-27 17:30,
yellow at 75 % of the reply window 10-22 08:52:30, 挂牌督办 five working days later: 11-03 17:30.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from dispatch.config import DispatchSettings
from dispatch.runtime import make_runtime
from dispatch.supervision import timers
from dispatch.supervision.hooks import order_changed
from dispatch.worker import build
from hotline_shared.db import Database
from sqlalchemy import func, select

from ..kit import SUPERVISOR, Kit, at
from .helpers import (
    LIGHT,
    URGED,
    approve_pause,
    at_and_sweep,
    extend,
    handled,
    resume,
    summary,
    supervision_events,
    sweep,
    view,
)

SECOND = timedelta(seconds=1)
SIGN_DUE = at("2026-10-08 17:30")
WARN = at("2026-10-22 08:52:30")
REPLY_DUE = at("2026-10-27 17:30")
LISTED = at("2026-11-03 17:30")


async def test_reply_window_fires_yellow_red_and_listed_once_each_at_their_moments(kit: Kit) -> None:
    order = await handled(kit, await kit.lead(await kit.receive()))
    oid = order["order_id"]
    v = await view(kit, oid)
    assert (v["warn_at"], v["reply_due_at"], v["listed_at"]) == (
        WARN.isoformat(),
        REPLY_DUE.isoformat(),
        LISTED.isoformat(),
    )

    await at_and_sweep(kit, WARN)  # not yet: a timer fires strictly after its instant
    assert await supervision_events(kit, oid) == []
    await at_and_sweep(kit, WARN + SECOND)
    assert summary(await supervision_events(kit, oid)) == [(LIGHT, "yellow"), (URGED, "remind")]

    await at_and_sweep(kit, REPLY_DUE)
    assert len(await supervision_events(kit, oid)) == 2
    await at_and_sweep(kit, REPLY_DUE + SECOND)
    # 17:30:01 is after office hours: the light turns red now, the unit's 督办 notice waits.
    assert summary(await supervision_events(kit, oid)) == [(LIGHT, "yellow"), (URGED, "remind"), (LIGHT, "red")]
    v = await view(kit, oid)
    assert (v["light"], v["urge_level"]) == ("red", "supervise")
    assert v["urges"][-1]["queued"] is True
    assert v["urges"][-1]["notify_at"] == at("2026-10-28 08:30").isoformat()

    await at_and_sweep(kit, at("2026-10-28 08:29"))
    assert len(await supervision_events(kit, oid)) == 3
    await at_and_sweep(kit, at("2026-10-28 08:30"))
    events = await supervision_events(kit, oid)
    assert summary(events)[-1] == (URGED, "supervise")
    assert events[-1][1]["issued_at"] == (REPLY_DUE + SECOND).isoformat()

    await at_and_sweep(kit, LISTED + SECOND)
    await at_and_sweep(kit, at("2026-11-04 08:30"))
    events = await supervision_events(kit, oid)
    assert summary(events) == [
        (LIGHT, "yellow"),
        (URGED, "remind"),
        (LIGHT, "red"),
        (URGED, "supervise"),
        (URGED, "listed"),
    ]
    # The light change carries the moment it happened, not the moment the sweep noticed.
    assert events[0][1]["at"] == WARN.isoformat()
    assert events[2][1]["at"] == REPLY_DUE.isoformat()
    assert events[2][1]["deadline_kind"] == "reply"

    for _ in range(2):
        await at_and_sweep(kit, at("2026-11-20 10:00"))
    assert len(await supervision_events(kit, oid)) == 5
    v = await view(kit, oid)
    assert (v["urge_level"], v["next_timer_at"]) == ("listed", None)


async def test_missed_sign_for_and_contact_turn_red_then_meeting_them_turns_green(kit: Kit) -> None:
    order = await kit.lead(await kit.receive())
    oid = order["order_id"]
    await at_and_sweep(kit, SIGN_DUE + SECOND)
    events = await supervision_events(kit, oid)
    assert summary(events) == [(LIGHT, "red")]  # one light change for two deadlines due together
    assert events[0][1]["deadline_kind"] == "sign"
    assert (await view(kit, oid))["urges"][0]["deadline_kind"] == "sign"

    await at_and_sweep(kit, at("2026-10-09 08:30"))  # office opens: the queued 督办 notice goes out
    assert summary(await supervision_events(kit, oid)) == [(LIGHT, "red"), (URGED, "supervise")]
    kit.clock.set(at("2026-10-09 09:00"))
    await kit.ok(order, "sign")  # late; first contact is still overdue, so the light stays red
    assert len(await supervision_events(kit, oid)) == 2
    v = await view(kit, oid)
    assert (v["light"], v["light_kind"], v["due_kind"]) == ("red", "contact", "contact")

    await kit.ok(order, "contact", {"note": "已联系"})
    events = await supervision_events(kit, oid)
    assert [(t, p.get("light"), p.get("level")) for t, p in events] == [
        (LIGHT, "red", None),
        (URGED, None, "supervise"),
        (LIGHT, "green", None),
    ]


async def test_urgent_orders_notify_the_unit_at_night(kit: Kit) -> None:
    kit.clock.set(at("2026-10-09 22:00"))  # a Friday night
    order = await kit.lead(await kit.receive(urgency="urgent"))
    assert order["sign_due_at"] == at("2026-10-09 22:15").isoformat()
    await at_and_sweep(kit, at("2026-10-09 22:15:01"))
    events = await supervision_events(kit, order["order_id"])
    assert summary(events) == [(LIGHT, "red"), (URGED, "supervise")]
    assert events[1][1]["notified_at"] == "2026-10-09T22:15:01+08:00"


async def test_paused_orders_fire_nothing_and_resume_moves_every_timer(kit: Kit) -> None:
    order = await handled(kit, await kit.lead(await kit.receive()))
    oid = order["order_id"]
    kit.clock.set(at("2026-10-09 10:00"))
    await approve_pause(kit, order)
    v = await view(kit, oid)
    assert (v["paused"], v["due_at"], v["next_timer_at"]) == (True, None, None)

    await at_and_sweep(kit, at("2026-11-10 10:00"))  # far past every original moment
    assert await supervision_events(kit, oid) == []
    r = await kit.client.get("/api/v1/supervision/overdue", headers=SUPERVISOR)
    assert oid not in [row["order_id"] for row in r.json()["items"]]

    kit.clock.set(at("2026-11-10 10:00"))
    resumed = await resume(kit, order)
    v = await view(kit, oid)
    # The paused working time is added back: every moment moves later by the same working time.
    new_due = resumed["reply_due_at"]
    assert new_due > REPLY_DUE.isoformat()
    assert v["reply_due_at"] == new_due
    assert v["warn_at"] > WARN.isoformat()
    assert v["next_timer_at"] == v["warn_at"]
    await sweep(kit)
    assert await supervision_events(kit, oid) == []


async def test_an_extension_moves_the_timers(kit: Kit) -> None:
    order = await handled(kit, await kit.lead(await kit.receive()))
    oid = order["order_id"]
    kit.clock.set(at("2026-10-20 10:00"))
    await extend(kit, order, 5)
    v = await view(kit, oid)
    assert v["reply_due_at"] == at("2026-11-03 17:30").isoformat()
    assert v["listed_at"] == at("2026-11-10 17:30").isoformat()
    assert v["warn_at"] > WARN.isoformat()

    await at_and_sweep(kit, REPLY_DUE + SECOND)
    assert (await view(kit, oid))["light"] == "yellow"  # the old deadline passed; the new one has not
    await at_and_sweep(kit, at("2026-10-28 08:30"))  # the evening's 催办 notice goes out at opening
    await at_and_sweep(kit, at("2026-11-03 17:30:01"))
    assert summary(await supervision_events(kit, oid)) == [(LIGHT, "yellow"), (URGED, "remind"), (LIGHT, "red")]


async def test_an_extension_approved_after_the_deadline_lifts_the_red_light(kit: Kit) -> None:
    order = await handled(kit, await kit.lead(await kit.receive()))
    oid = order["order_id"]
    kit.clock.set(at("2026-10-27 10:00"))  # asked in time (at least a working hour before)
    r = await kit.act(order, "extensions", {"working_days": 3, "reason": "需要协调多个部门联合处置"})
    assert r.status_code in (200, 201), r.text
    await at_and_sweep(kit, REPLY_DUE + SECOND)
    assert (await view(kit, oid))["light"] == "red"

    kit.clock.set(at("2026-10-28 09:00"))
    r = await kit.client.post(
        f"/api/v1/extensions/{r.json()['extension_id']}/decision", json={"approve": True}, headers=SUPERVISOR
    )
    assert r.status_code == 200, r.text
    events = await supervision_events(kit, oid)
    assert summary(events)[-1] == (LIGHT, "yellow")
    assert events[-1][1]["previous"] == "red"
    v = await view(kit, oid)
    assert (v["light"], v["reply_due_at"]) == ("yellow", at("2026-10-30 17:30").isoformat())
    await at_and_sweep(kit, at("2026-10-30 17:30:01"))
    lights = [p["light"] for t, p in await supervision_events(kit, oid) if t == LIGHT]
    assert lights == ["yellow", "red", "yellow", "red"]


async def test_two_engines_sweeping_at_once_fire_each_timer_once(kit: Kit) -> None:
    orders = [await kit.lead(await kit.receive()) for _ in range(12)]
    kit.clock.set(SIGN_DUE + SECOND)
    settings: DispatchSettings = kit.app.state.settings
    engines = []
    for _ in range(2):
        db = Database(settings.database_url)
        engines.append((db, make_runtime(settings, kit.clock, observers=[order_changed])))
    try:
        results = await asyncio.gather(*(timers.sweep(db, rt, batch=5) for db, rt in engines))
    finally:
        for db, _ in engines:
            await db.dispose()
    assert sum(r.timers for r in results) == 2 * len(orders)  # sign and contact of each order
    for order in orders:
        assert summary(await supervision_events(kit, order["order_id"])) == [(LIGHT, "red")]
        assert len((await view(kit, order["order_id"]))["urges"]) == 1


async def test_a_restarted_worker_fires_what_it_missed_exactly_once(kit: Kit) -> None:
    orders = [await handled(kit, await kit.lead(await kit.receive())) for _ in range(3)]
    # The worker was down from the start until 2026-11-10 10:00 (a Tuesday morning): every
    # order's yellow, red and listed moments passed meanwhile.
    kit.clock.set(at("2026-11-10 10:00"))
    settings: DispatchSettings = kit.app.state.settings
    db = Database(settings.database_url)
    try:
        _, _, periodic = build(settings)(db, kit.app.state.redis, kit.clock)
        (job,) = [j for name, _, j in periodic if name == "supervision-sweep"]
        await job()
        await job()
    finally:
        await db.dispose()
    for order in orders:
        events = await supervision_events(kit, order["order_id"])
        assert summary(events) == [
            (LIGHT, "yellow"),
            (URGED, "remind"),
            (LIGHT, "red"),
            (URGED, "supervise"),
            (URGED, "listed"),
        ]
        assert [p["at"] for t, p in events if t == LIGHT] == [WARN.isoformat(), REPLY_DUE.isoformat()]
    async with kit.db.transaction() as session:
        pending = await session.scalar(
            select(func.count())
            .select_from(timers.SupervisedOrder)
            .where(timers.SupervisedOrder.next_timer_at.isnot(None))
        )
    assert pending == 0
