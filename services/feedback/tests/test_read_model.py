"""The case read model is built only from events, idempotently and whatever their order."""

from __future__ import annotations

import random
from datetime import timedelta

import httpx
from fastapi import FastAPI
from feedback.cases import repository
from feedback.cases.models import CaseRecord
from hotline_shared.events import EventEnvelope
from hotline_shared.testing import signed_headers

from .factories import MONDAY, Story
from .helpers import Bus

H = timedelta(hours=1)
D = timedelta(days=1)
IGNORED = {"case_no", "updated_at", "lookup_code", "order_id"}


async def record(app: FastAPI, case_no: str) -> CaseRecord:
    async with app.state.db.transaction() as session:
        found = await repository.get(session, case_no)
    assert found is not None, case_no
    return found


def columns(r: CaseRecord) -> dict[str, object]:
    return {c.name: getattr(r, c.name) for c in CaseRecord.__table__.columns if c.name not in IGNORED}


def life(story: Story) -> list[EventEnvelope]:
    t = MONDAY
    return [
        story.received(t),
        story.dispatched(t + H),
        story.signed(t + 2 * H),
        story.contacted(t + 3 * H),
        story.light(t + 4 * H, "yellow"),
        story.extension_granted(t + 5 * H, MONDAY + 20 * D),
        story.replied(t + D),
    ]


async def test_events_twice_and_in_any_order_end_in_the_same_state(app: FastAPI, bus: Bus) -> None:
    reference = Story("20261123-000001")
    await bus.deliver(*life(reference))
    expected = columns(await record(app, reference.case_no))
    assert expected["status"] == "replied"
    assert expected["reply_seq"] == 1

    for seed in range(4):
        story = Story(f"20261123-00010{seed}")
        events = life(story)
        shuffled = list(reversed(events)) if seed == 0 else random.Random(seed).sample(events, len(events))
        # Each event delivered twice: once early, once again at the very end.
        await bus.deliver(*shuffled)
        await bus.deliver(*shuffled[::2])
        assert columns(await record(app, story.case_no)) == expected, f"order {[e.type for e in shuffled]}"


async def test_reply_before_sign_still_ends_replied(app: FastAPI, bus: Bus) -> None:
    story = Story("20261123-000002")
    t = MONDAY
    await bus.deliver(story.received(t), story.dispatched(t + H), story.replied(t + 3 * H))
    await bus.deliver(story.signed(t + 2 * H))
    r = await record(app, story.case_no)
    assert r.status == "replied"
    assert r.replied_at == t + 3 * H
    assert r.callback_due_at is not None


async def test_order_events_before_the_case_itself(app: FastAPI, bus: Bus) -> None:
    story = Story("20261123-000003")
    await bus.deliver(story.dispatched(MONDAY + H), story.signed(MONDAY + 2 * H))
    r = await record(app, story.case_no)
    assert not r.known
    assert r.status == "signed"
    await bus.deliver(story.received(MONDAY))
    r = await record(app, story.case_no)
    assert r.known
    assert r.status == "signed"
    assert r.caller_name == "张三"
    assert r.unit_name == story.unit_name


async def test_redelivered_event_adds_nothing_to_the_timeline(
    app: FastAPI, bus: Bus, client: httpx.AsyncClient
) -> None:
    story = Story("20261123-000004")
    received = story.received()
    await bus.deliver(received)
    await bus.deliver(received)
    response = await client.get(f"/api/v1/cases/{story.case_no}/timeline", headers=signed_headers("operator"))
    assert response.status_code == 200
    assert [e["type"] for e in response.json()["timeline"]] == ["case.received"]


async def test_co_handler_events_do_not_move_the_lead_order(app: FastAPI, bus: Bus) -> None:
    story = Story("20261123-000005")
    await bus.deliver(
        story.received(),
        story.dispatched(MONDAY + H),
        story.dispatched(MONDAY + H, order_id="O-co", unit_id="U-CG", unit_name="城管执法队", role="co"),
        story._order("order.replied", MONDAY + 2 * H, order_id="O-co", unit_id="U-CG", role="co", result="协办意见",
                     solved=True, on_time=True),
    )  # fmt: skip
    r = await record(app, story.case_no)
    assert r.status == "dispatched"
    assert r.unit_id == "U-HP"
    assert set(r.units_involved.split(",")) == {"U-HP", "U-CG"}


async def test_direct_resolution_closes_at_intake(app: FastAPI, bus: Bus) -> None:
    story = Story("20261123-000006", category="consult")
    await bus.deliver(story.closed_at_intake())
    r = await record(app, story.case_no)
    assert r.status == "closed"
    assert r.direct_resolution
    assert r.outcome == "direct"
    assert r.reply_result
    assert "社保卡" in r.reply_result


async def test_staff_timeline_is_unmasked_but_only_for_involved_units(bus: Bus, client: httpx.AsyncClient) -> None:
    story = Story("20261123-000007")
    await bus.deliver(story.received(), story.dispatched(MONDAY + H))
    url = f"/api/v1/cases/{story.case_no}/timeline"
    mine = await client.get(url, headers=signed_headers("unit", unit_id="U-HP"))
    assert mine.status_code == 200
    assert mine.json()["caller_phone"] == "13812345678"
    # Another unit's or station's view is the same 404 as for a case that does not exist.
    unknown = await client.get("/api/v1/cases/20261123-999999/timeline", headers=signed_headers("operator"))
    assert unknown.status_code == 404
    for outsider in (
        signed_headers("unit", unit_id="U-OTHER"),
        signed_headers("station", station_id="S-ELSEWHERE"),
    ):
        other = await client.get(url, headers=outsider)
        assert other.status_code == 404
        assert other.json()["detail"] == unknown.json()["detail"].replace("20261123-999999", story.case_no)
    public = await client.get(url, headers=signed_headers("public"))
    assert public.status_code == 403
    assert (await client.get(url)).status_code == 401
