"""The whole feedback loop at the event level: intake → dispatch → sign → reply → callback
unsatisfied → reopen → reply → satisfied → closed, with what the citizen and operators see."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from fastapi import FastAPI
from feedback.models_base import events
from hotline_shared.clock import SHANGHAI, ManualClock
from hotline_shared.events import EventEnvelope, stream_for
from hotline_shared.testing import signed_headers
from hotline_shared.worker import standard_relay

from .factories import MONDAY, Story
from .helpers import Bus

H = timedelta(hours=1)
OPERATOR = signed_headers("operator", subject="op-7")
PUBLIC = signed_headers("public")


async def lookup(client: httpx.AsyncClient, story: Story) -> dict:
    r = await client.get(f"/api/v1/public/cases/{story.case_no}", params={"code": story.lookup_code}, headers=PUBLIC)
    assert r.status_code == 200, r.text
    return r.json()


async def test_full_loop_with_one_rehandling(
    app: FastAPI, bus: Bus, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    story = Story("20261123-000100")
    t = MONDAY
    await bus.deliver(story.received(t))
    assert (await lookup(client, story))["status_text"] == "已受理，正在派单"

    await bus.deliver(story.dispatched(t + H), story.signed(t + 2 * H), story.contacted(t + 3 * H))
    view = await lookup(client, story)
    assert view["status"] == "in_progress"
    assert view["unit_name"] == "和平街道办事处"
    assert view["deadline"] is not None
    assert [e["text"] for e in view["timeline"]][:2] == ["您的诉求已受理", "已派发至和平街道办事处办理"]

    # Reply on Wednesday 10:00: the callback is due at close of office two working days later.
    replied_at = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
    clock.set(replied_at + H)
    await bus.deliver(story.replied(replied_at, result="已清理占道摊点。", solved=False))
    work = (await client.get("/api/v1/callbacks", headers=OPERATOR)).json()["items"]
    assert [w["case_no"] for w in work] == [story.case_no]
    assert datetime.fromisoformat(work[0]["due_at"]) == datetime(2026, 11, 27, 17, 30, tzinfo=SHANGHAI)
    assert work[0]["caller_phone"] == "13812345678"  # operators call the citizen back

    # Callback: unsatisfied, the unit's fault → case.rated for dispatch, no closure.
    r = await client.post(
        f"/api/v1/callbacks/{story.case_no}",
        json={"outcome": "rated", "satisfaction": "unsatisfied", "solved": False, "comment": "摊贩又回来了"},
        headers=OPERATOR,
    )
    assert r.status_code == 201, r.text
    assert r.json()["closed"] is False
    rated = await bus.emitted("case.rated")
    assert len(rated) == 1
    assert rated[0].payload | {"comment": None} == {
        "case_no": story.case_no,
        "order_id": story.order_id,
        "reply_seq": 1,
        "satisfaction": "unsatisfied",
        "solved": False,
        "comment": None,
        "source": "callback",
        "unit_at_fault": True,
    }
    assert await bus.emitted("case.closed") == []
    assert (await lookup(client, story))["status"] == "awaiting_rehandle"
    assert (await client.get("/api/v1/callbacks", headers=OPERATOR)).json()["items"] == []

    # Dispatch reopens the order (重办) and the unit replies again.
    clock.advance(H)
    await bus.deliver(story.reopened(clock.now()))
    view = await lookup(client, story)
    assert view["status"] == "rehandling"
    assert view["rehandle_count"] == 1
    clock.advance(24 * H)
    await bus.deliver(story.replied(clock.now(), result="已设置隔离栏并每日巡查。", solved=True))
    view = await lookup(client, story)
    assert view["status"] == "replied"
    assert view["can_rate"] is True
    assert view["reply"]["result"] == "已设置隔离栏并每日巡查。"

    # The citizen rates the second reply through the public lookup: satisfied → closed.
    r = await client.post(
        f"/api/v1/public/cases/{story.case_no}/rating",
        params={"code": story.lookup_code},
        json={"satisfaction": "satisfied", "solved": True},
        headers=PUBLIC,
    )
    assert r.status_code == 201, r.text
    assert r.json()["reply_seq"] == 2
    assert r.json()["status"] == "closed"
    assert [e.payload["reply_seq"] for e in await bus.emitted("case.rated")] == [1, 2]
    closed = await bus.emitted("case.closed")
    assert [e.payload["outcome"] for e in closed] == ["satisfied"]
    view = await lookup(client, story)
    assert view["status"] == "closed"
    assert view["rating"]["satisfaction_text"] == "满意"
    assert view["timeline"][-1]["text"] == "已办结（群众满意）"

    # Once per reply.
    again = await client.post(
        f"/api/v1/public/cases/{story.case_no}/rating",
        params={"code": story.lookup_code},
        json={"satisfaction": "unsatisfied"},
        headers=PUBLIC,
    )
    assert again.status_code == 409
    board = (await client.get("/api/v1/public/board", headers=PUBLIC)).json()["items"]
    assert [b["case_no"] for b in board] == [story.case_no]

    # The relay publishes what dispatch consumes, in order.
    relay = standard_relay(
        settings=app.state.settings, db=app.state.db, redis=app.state.redis, clock=clock, tables=events,
        producer="feedback",
    )  # fmt: skip
    await relay.drain()
    published = await app.state.redis.xrange(stream_for("feedback"))
    types = [EventEnvelope.from_json(fields[b"body"]).type for _id, fields in published]
    assert types == ["case.rated", "case.rated", "case.closed"]


async def test_three_unanswered_callbacks_close_as_unreachable(
    bus: Bus, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    story = Story("20261123-000101")
    await bus.deliver(story.received(), story.dispatched(MONDAY + H), story.replied(MONDAY + 2 * H))
    url = f"/api/v1/callbacks/{story.case_no}"
    for attempt in (1, 2):
        r = await client.post(url, json={"outcome": "unreachable"}, headers=OPERATOR)
        assert r.status_code == 201
        assert r.json()["attempts"] == attempt
        assert r.json()["closed"] is False
    r = await client.post(url, json={"outcome": "unreachable", "comment": "无人接听"}, headers=OPERATOR)
    assert r.json()["reply_seq"] == 1
    assert r.json()["closed"] is True
    assert r.json()["close_outcome"] == "unreachable"
    assert [e.payload["outcome"] for e in await bus.emitted("case.closed")] == ["unreachable"]
    assert await bus.emitted("case.rated") == []
    assert (await client.post(url, json={"outcome": "unreachable"}, headers=OPERATOR)).status_code == 409


async def test_unsatisfied_without_unit_fault_closes_without_rehandling(bus: Bus, client: httpx.AsyncClient) -> None:
    story = Story("20261123-000102")
    await bus.deliver(story.received(), story.dispatched(MONDAY + H), story.replied(MONDAY + 2 * H))
    r = await client.post(
        f"/api/v1/callbacks/{story.case_no}",
        json={"outcome": "rated", "satisfaction": "unsatisfied", "unit_at_fault": False},
        headers=OPERATOR,
    )
    assert r.status_code == 201
    assert r.json()["close_outcome"] == "unsatisfied"
    assert (await bus.emitted("case.rated"))[0].payload["unit_at_fault"] is False


async def test_callback_retry_with_idempotency_key_counts_once(bus: Bus, client: httpx.AsyncClient) -> None:
    story = Story("20261123-000103")
    await bus.deliver(story.received(), story.dispatched(MONDAY + H), story.replied(MONDAY + 2 * H))
    url = f"/api/v1/callbacks/{story.case_no}"
    headers = OPERATOR | {"Idempotency-Key": "cb-1"}
    first = await client.post(url, json={"outcome": "unreachable"}, headers=headers)
    retry = await client.post(url, json={"outcome": "unreachable"}, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert first.json() == retry.json()
    assert retry.json()["attempts"] == 1
    clash = await client.post(url, json={"outcome": "rated", "satisfaction": "satisfied"}, headers=headers)
    assert clash.status_code == 409


async def test_callback_before_any_reply_is_refused(bus: Bus, client: httpx.AsyncClient) -> None:
    story = Story("20261123-000104")
    await bus.deliver(story.received(), story.dispatched(MONDAY + H))
    r = await client.post(f"/api/v1/callbacks/{story.case_no}", json={"outcome": "unreachable"}, headers=OPERATOR)
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    missing = await client.post("/api/v1/callbacks/20991231-000001", json={"outcome": "unreachable"}, headers=OPERATOR)
    assert missing.status_code == 404
    bad = await client.post(f"/api/v1/callbacks/{story.case_no}", json={"outcome": "rated"}, headers=OPERATOR)
    assert bad.status_code == 422
    assert (await client.get("/api/v1/callbacks", headers=signed_headers("public"))).status_code == 403


async def test_overdue_filter_and_pagination(bus: Bus, client: httpx.AsyncClient, clock: ManualClock) -> None:
    for i in range(3):
        story = Story(f"20261123-00020{i}")
        await bus.deliver(story.received(), story.dispatched(MONDAY + H), story.replied(MONDAY + (2 + i) * H))
    page1 = (await client.get("/api/v1/callbacks", params={"limit": 2}, headers=OPERATOR)).json()
    assert len(page1["items"]) == 2
    assert page1["next_cursor"]
    page2 = (
        await client.get("/api/v1/callbacks", params={"limit": 2, "cursor": page1["next_cursor"]}, headers=OPERATOR)
    ).json()
    assert [i["case_no"] for i in page1["items"] + page2["items"]] == [f"20261123-00020{i}" for i in range(3)]
    assert (await client.get("/api/v1/callbacks", params={"overdue": True}, headers=OPERATOR)).json()["items"] == []
    clock.advance(timedelta(days=5))
    overdue = (await client.get("/api/v1/callbacks", params={"overdue": True}, headers=OPERATOR)).json()["items"]
    assert len(overdue) == 3
    assert all(i["overdue"] for i in overdue)
    bad = await client.get("/api/v1/callbacks", params={"cursor": "nope"}, headers=OPERATOR)
    assert bad.status_code == 422
