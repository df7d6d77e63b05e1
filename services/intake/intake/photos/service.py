"""Photos on a case: cleaned (shared.photos), stored (shared.storage), announced to feedback.

The objects are written before the transaction commits; if it then rolls back they are orphans
nobody references (harmless, and cheaper than a second phase). Feedback learns of photos and of
each publication decision through events, and shows only the publishable ones.
"""

from __future__ import annotations

from collections.abc import Sequence

from hotline_shared.clock import Clock
from hotline_shared.errors import NotFound
from hotline_shared.events import Outbox
from hotline_shared.identity import Identity
from hotline_shared.photos import CleanPhoto, photo_event, store_photo
from hotline_shared.storage import ObjectStore
from sqlalchemy.ext.asyncio import AsyncSession

from . import repository
from .models import CasePhoto
from .schemas import PhotoOut

PHOTOS_ATTACHED = "case.photos_attached"
PHOTO_PUBLICATION = "case.photo_publication_changed"


def view(photo: CasePhoto) -> PhotoOut:
    return PhotoOut.model_validate(photo, from_attributes=True)


async def attach(
    session: AsyncSession,
    *,
    case_no: str,
    photos: Sequence[CleanPhoto],
    store: ObjectStore,
    outbox: Outbox,
    clock: Clock,
) -> list[CasePhoto]:
    if not photos:
        return []
    now = clock.now()
    rows, announced = [], []
    for position, photo in enumerate(photos):
        stored = await store_photo(store, prefix=f"cases/{case_no}", photo=photo)
        photo_id, key, thumb_key = stored.photo_id, stored.key, stored.thumb_key
        rows.append(
            CasePhoto(
                photo_id=photo_id,
                case_no=case_no,
                position=position,
                object_key=key,
                thumb_key=thumb_key,
                content_type=photo.content_type,
                received_type=photo.received_type,
                width=photo.width,
                height=photo.height,
                size_bytes=len(photo.data),
                sha256=photo.sha256,
                publishable=False,
                created_at=now,
            )
        )
        announced.append(photo_event(photo_id, key, thumb_key, photo, source="citizen", publishable=False))
    await repository.add_all(session, rows)
    await outbox.emit(
        session,
        type=PHOTOS_ATTACHED,
        case_no=case_no,
        payload={"case_no": case_no, "photos": announced},
    )
    return rows


async def list_photos(session: AsyncSession, *, case_no: str) -> list[PhotoOut]:
    return [view(p) for p in await repository.for_case(session, case_no)]


async def set_publishable(
    session: AsyncSession,
    *,
    case_no: str,
    photo_id: str,
    publishable: bool,
    identity: Identity,
    outbox: Outbox,
    clock: Clock,
) -> PhotoOut:
    photo = await repository.get(session, case_no=case_no, photo_id=photo_id)
    if photo is None:
        raise NotFound(f"No photo {photo_id} on case {case_no}.")
    if photo.publishable != publishable or photo.decided_at is None:
        now = clock.now()
        photo.publishable, photo.decided_by, photo.decided_at = publishable, identity.subject, now
        await session.flush()
        await outbox.emit(
            session,
            type=PHOTO_PUBLICATION,
            case_no=case_no,
            payload={
                "case_no": case_no,
                "photo_id": photo_id,
                "publishable": publishable,
                "decided_by": identity.subject,
                "decided_at": now.isoformat(),
            },
        )
    return view(photo)
