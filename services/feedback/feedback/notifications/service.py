"""Which events owe whom a notice, and the delivery of those notices."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import structlog
from hotline_shared.clock import Clock, to_shanghai
from hotline_shared.db import Database
from hotline_shared.events import EventEnvelope
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..cases import repository as cases_repo
from ..cases.models import CaseRecord
from ..config import FeedbackSettings
from ..public.masking import masked_phone
from .models import Notification
from .notifier import NotDeliverable, Notifier

log = structlog.get_logger("notifications")

CITIZEN_SMS = {
    "case.received": "case_registered",
    "case.duplicated": "case_registered",
    "case.closed_at_intake": "case_registered",
    "order.extension_decided": "extension_granted",
    "order.replied": "reply_ready",
}
UNIT_WEBHOOK = {
    "order.dispatched": "order_assigned",
    "order.extension_decided": "extension_granted",
    "order.reopened": "order_reopened",
}
# How long an SMS may wait for its case's intake event (which carries the number) to arrive.
WAIT_FOR_CASE = timedelta(days=1)


def _owed(envelope: EventEnvelope) -> list[tuple[str, str, str | None]]:
    """(kind, channel, unit_id) of every notice this event owes."""
    p = envelope.payload
    if envelope.type == "order.extension_decided" and not p.get("approved"):
        return []
    lead = p.get("role", "lead") == "lead"
    owed: list[tuple[str, str, str | None]] = []
    if envelope.type in CITIZEN_SMS and (lead or envelope.type.startswith("case.")):
        owed.append((CITIZEN_SMS[envelope.type], "sms", None))
    if envelope.type in UNIT_WEBHOOK and p.get("unit_id"):
        owed.append((UNIT_WEBHOOK[envelope.type], "webhook", str(p["unit_id"])))
    return owed


async def enqueue_for_event(session: AsyncSession, *, envelope: EventEnvelope, clock: Clock) -> int:
    case_no = envelope.case_no or envelope.payload.get("case_no")
    if not case_no:
        return 0
    now = clock.now()
    facts = {
        k: envelope.payload.get(k)
        for k in ("order_id", "unit_name", "reply_due_at", "rehandle_count", "solved", "duplicate_of")
        if envelope.payload.get(k) is not None
    }
    count = 0
    for kind, channel, unit_id in _owed(envelope):
        key = f"{envelope.event_id}:{channel}:{unit_id or ''}"
        exists = await session.scalar(select(Notification.id).where(Notification.dedupe_key == key))
        if exists is not None:
            continue
        session.add(
            Notification(
                dedupe_key=key,
                kind=kind,
                channel=channel,
                case_no=str(case_no),
                unit_id=unit_id,
                facts=facts,
                status="pending",
                attempts=0,
                created_at=now,
                next_attempt_at=now,
            )
        )
        count += 1
    await session.flush()
    return count


def _when(value: Any) -> str:
    if not value:
        return ""
    return f"{to_shanghai(datetime.fromisoformat(str(value))):%Y年%m月%d日%H:%M}"


def sms_text(kind: str, case: CaseRecord, facts: dict[str, Any], site: str) -> str:
    track = f"{site.rstrip('/')}/track"
    if kind == "case_registered":
        return (
            f"【12345热线】您反映的诉求已受理，工单号{case.case_no}，查询码{case.lookup_code}。"
            f"可在 {track} 查询办理进度，请妥善保管查询码。"
        )
    if kind == "extension_granted":
        return f"【12345热线】您的工单{case.case_no}经批准延期办理，新的办理期限为{_when(facts.get('reply_due_at'))}。"
    return f"【12345热线】您的工单{case.case_no}承办单位已答复，请凭查询码在 {track} 查看结果并评价。"


def webhook_body(note: Notification, case: CaseRecord | None) -> dict[str, Any]:
    return {
        "type": note.kind,
        "case_no": note.case_no,
        "unit_id": note.unit_id,
        "category": case.category if case else None,
        "topic_name": case.topic_name if case else None,
        **note.facts,
    }


async def _deliver_one(
    session: AsyncSession, note: Notification, *, notifier: Notifier, settings: FeedbackSettings, now: datetime
) -> None:
    case = await cases_repo.get(session, note.case_no)
    if note.channel == "sms":
        if case is None or not case.known:
            if now - to_shanghai(note.created_at) > WAIT_FOR_CASE:
                note.status, note.last_error = "skipped", "the case never arrived from intake"
            else:
                note.next_attempt_at = now + timedelta(seconds=30)
            return
        if not case.caller_phone:
            note.status, note.last_error = "skipped", "the caller left no phone number"
            return
        text = sms_text(note.kind, case, note.facts, settings.public_site_url)
        note.recipient, note.message = masked_phone(case.caller_phone), text
        await notifier.send_sms(phone=case.caller_phone, text=text)
    else:
        body = webhook_body(note, case)
        note.recipient, note.message = note.unit_id, None
        await notifier.post_webhook(unit_id=note.unit_id or "", body=body)
    note.status, note.sent_at = "sent", now


async def deliver_pending(db: Database, *, notifier: Notifier, settings: FeedbackSettings, clock: Clock) -> int:
    """Deliver due notices, one transaction each, so one bad notice never holds up the others."""
    now = clock.now()
    async with db.transaction() as session:
        ids = (
            await session.scalars(
                select(Notification.id)
                .where(Notification.status == "pending", Notification.next_attempt_at <= now)
                .order_by(Notification.id)
                .limit(settings.notification_batch)
            )
        ).all()
    delivered = 0
    for note_id in ids:
        async with db.transaction() as session:
            note = await session.scalar(
                select(Notification)
                .where(Notification.id == note_id, Notification.status == "pending")
                .with_for_update(skip_locked=True)
            )
            if note is None:
                continue  # another worker has it
            try:
                await _deliver_one(session, note, notifier=notifier, settings=settings, now=now)
            except NotDeliverable as exc:
                note.status, note.last_error = "skipped", str(exc)
            except (httpx.HTTPError, OSError) as exc:
                note.attempts += 1
                note.last_error = f"{type(exc).__name__}: {str(exc)[:300]}"
                if note.attempts >= settings.notification_max_attempts:
                    note.status = "failed"
                    log.error("notification_failed", id=note.id, kind=note.kind, case_no=note.case_no)
                else:
                    note.next_attempt_at = now + timedelta(seconds=min(30 * 2**note.attempts, 3600))
            if note.status == "sent":
                delivered += 1
    return delivered
