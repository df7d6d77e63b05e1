"""Notices fired from events: SMS for the citizen, webhooks for units; the table is the record."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
from fastapi import FastAPI
from feedback.config import FeedbackSettings
from feedback.notifications.notifier import HttpNotifier, LogNotifier
from feedback.notifications.service import deliver_pending
from hotline_shared.clock import ManualClock

from .factories import MONDAY, Story
from .helpers import Bus

H = timedelta(hours=1)


async def test_citizen_and_unit_notices_follow_the_case(app: FastAPI, bus: Bus, clock: ManualClock) -> None:
    story = Story("20261123-000600", phone="13512345678")
    received = story.received()
    await bus.deliver(
        received,
        story.dispatched(MONDAY + H),
        story.extension_granted(MONDAY + 2 * H, MONDAY + timedelta(days=20)),
        story.replied(MONDAY + 3 * H),
        story.reopened(MONDAY + 4 * H),
    )
    await bus.deliver(received)  # redelivery owes nothing new
    pending = await bus.notifications()
    assert [(n.kind, n.channel, n.unit_id) for n in pending] == [
        ("case_registered", "sms", None),
        ("order_assigned", "webhook", "U-HP"),
        ("extension_granted", "sms", None),
        ("extension_granted", "webhook", "U-HP"),
        ("reply_ready", "sms", None),
        ("order_reopened", "webhook", "U-HP"),
    ]
    assert all(n.status == "pending" for n in pending)

    sent = await deliver_pending(app.state.db, notifier=LogNotifier(), settings=app.state.settings, clock=clock)
    assert sent == 6
    notes = await bus.notifications()
    assert all(n.status == "sent" for n in notes)
    sms = [n for n in notes if n.channel == "sms"]
    assert sms[0].recipient == "135****5678"  # the table keeps only the masked number
    assert story.case_no in (sms[0].message or "")
    assert story.lookup_code in (sms[0].message or "")
    assert "2026年12月13日" in (sms[1].message or "")
    assert "已答复" in (sms[2].message or "")
    assert await deliver_pending(app.state.db, notifier=LogNotifier(), settings=app.state.settings, clock=clock) == 0


async def test_sms_waits_for_the_case_and_skips_callers_without_phone(
    app: FastAPI, bus: Bus, clock: ManualClock
) -> None:
    early = Story("20261123-000601")
    await bus.deliver(early.dispatched(MONDAY), early.replied(MONDAY + H))
    await deliver_pending(app.state.db, notifier=LogNotifier(), settings=app.state.settings, clock=clock)
    reply_sms = next(n for n in await bus.notifications() if n.kind == "reply_ready")
    assert reply_sms.status == "pending"  # the number comes with intake's event
    await bus.deliver(early.received())
    clock.advance(timedelta(minutes=1))
    await deliver_pending(app.state.db, notifier=LogNotifier(), settings=app.state.settings, clock=clock)
    reply_sms = next(n for n in await bus.notifications() if n.kind == "reply_ready")
    assert reply_sms.status == "sent"

    silent = Story("20261123-000602", phone=None)
    await bus.deliver(silent.received())
    await deliver_pending(app.state.db, notifier=LogNotifier(), settings=app.state.settings, clock=clock)
    note = next(n for n in await bus.notifications() if n.case_no == silent.case_no)
    assert note.status == "skipped"


async def test_http_notifier_posts_and_retries_failures(app: FastAPI, bus: Bus, clock: ManualClock) -> None:
    calls: list[tuple[str, dict]] = []
    failing = {"on": True}

    def gateway(request: httpx.Request) -> httpx.Response:
        calls.append((str(request.url), json.loads(request.content)))
        return httpx.Response(503 if failing["on"] else 200)

    settings = FeedbackSettings(
        **app.state.settings.model_dump(exclude={"notifier", "sms_gateway_url", "unit_webhooks"}),
        notifier="http",
        sms_gateway_url="http://sms.test/send",
        unit_webhooks={"U-HP": "http://unit.test/hook"},
    )
    notifier = HttpNotifier(settings, client=httpx.AsyncClient(transport=httpx.MockTransport(gateway)))
    story = Story("20261123-000603", phone="13512345679")
    await bus.deliver(story.received(), story.dispatched(MONDAY + H))
    await bus.deliver(Story("20261123-000604", unit_id="U-NOHOOK").dispatched(MONDAY))

    assert await deliver_pending(app.state.db, notifier=notifier, settings=settings, clock=clock) == 0
    notes = {(n.case_no, n.channel): n for n in await bus.notifications()}
    assert notes[(story.case_no, "sms")].attempts == 1
    assert notes[(story.case_no, "sms")].status == "pending"
    assert notes[("20261123-000604", "webhook")].status == "skipped"

    failing["on"] = False
    clock.advance(timedelta(minutes=5))
    assert await deliver_pending(app.state.db, notifier=notifier, settings=settings, clock=clock) == 2
    assert calls[-2][0] == "http://sms.test/send"
    assert calls[-2][1]["phone"] == "13512345679"
    assert calls[-1][0] == "http://unit.test/hook"
    assert calls[-1][1]["type"] == "order_assigned"
    await notifier.aclose()
