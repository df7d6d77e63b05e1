"""Photos on public pages: recorded from intake's events, shown only once marked publishable.

Handlers are idempotent (a redelivered event rewrites the same values). A publication decision
that overtakes its photo (it cannot: both come from intake's outbox in order) would be dropped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hotline_shared.errors import NotFound
from hotline_shared.events import EventEnvelope
from hotline_shared.storage import ObjectStore
from sqlalchemy.ext.asyncio import AsyncSession

from ..cases.models import CaseRecord
from . import repository
from .models import PublicPhoto

NO_PHOTO = "没有这张照片，或它未公开。"


async def record_attached(session: AsyncSession, *, envelope: EventEnvelope) -> None:
    case_no = str(envelope.case_no or envelope.payload["case_no"])
    photos: list[dict[str, Any]] = envelope.payload.get("photos", [])
    for position, p in enumerate(photos):
        row = await repository.get(session, str(p["photo_id"])) or PublicPhoto(photo_id=str(p["photo_id"]))
        row.case_no, row.source, row.position = case_no, str(p.get("source", "citizen")), position
        row.object_key, row.thumb_key = str(p["object_key"]), str(p["thumb_key"])
        row.content_type, row.width, row.height = str(p["content_type"]), int(p["width"]), int(p["height"])
        if row.decided_at is None:
            row.publishable = bool(p.get("publishable", False))
        session.add(row)
    await session.flush()


async def record_publication(session: AsyncSession, *, envelope: EventEnvelope) -> None:
    row = await repository.get(session, str(envelope.payload["photo_id"]))
    if row is None:
        return
    row.publishable = bool(envelope.payload["publishable"])
    row.decided_at = datetime.fromisoformat(str(envelope.payload["decided_at"]))
    await session.flush()


async def public_photos(session: AsyncSession, *, case_no: str) -> list[PublicPhoto]:
    return await repository.publishable_for_case(session, case_no)


async def photo_bytes(
    session: AsyncSession, *, record: CaseRecord, photo_id: str, thumbnail: bool, store: ObjectStore
) -> tuple[bytes, str]:
    """The stored (metadata-free) file of a publishable photo of this case, or 404."""
    row = await repository.get(session, photo_id)
    if row is None or row.case_no != record.case_no or not row.publishable:
        raise NotFound(NO_PHOTO)
    data = await store.get(row.thumb_key if thumbnail else row.object_key)
    if data is None:
        raise NotFound(NO_PHOTO)
    return data, "image/jpeg" if thumbnail else row.content_type
