"""Registering a case from a public channel (web, app, open311): the same rules as every channel.

`register_public_case` is the one entry point for citizens' own submissions, whatever the door:
the caller proves who they are first (`prove_caller`: an SMS code for web and app; an Open311 API
key needs none), then the case goes through `cases.service.register_case` (validation, numbering,
duplicate linking, the outbox event that gets it dispatched) and its photos are attached.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from hotline_shared.clock import Clock
from hotline_shared.errors import TooManyRequests, ValidationFailed, field_error
from hotline_shared.events import Outbox
from hotline_shared.identity import Identity
from hotline_shared.photos import CleanPhoto, clean_photos
from hotline_shared.storage import ObjectStore
from hotline_shared.throttle import Limit, WindowThrottle
from sqlalchemy.ext.asyncio import AsyncSession

from ..cases import service as cases
from ..cases.schemas import Caller, CaseAccepted, CaseCreate, Channel
from ..cases.validation import validate_case
from ..catalog.snapshot import CatalogCache
from ..config import IntakeSettings
from ..idempotency import service as idempotency
from ..photos import service as photos_service
from ..verification import service as verification
from .schemas import PublicCaseCreate

PUBLIC_CHANNELS = frozenset({Channel.web, Channel.app, Channel.open311})


@dataclass(frozen=True)
class PublicRegistration:
    registration: cases.Registration
    photo_ids: list[str]


async def _replayed(session: AsyncSession, accepted: CaseAccepted) -> PublicRegistration:
    # The first answer stands; its code was used then and its photos are already attached.
    earlier = await photos_service.list_photos(session, case_no=accepted.case_no)
    return PublicRegistration(cases.Registration(accepted, replayed=True), photo_ids=[p.photo_id for p in earlier])


async def register_public_case(
    session: AsyncSession,
    *,
    data: CaseCreate,
    identity: Identity,
    outbox: Outbox,
    clock: Clock,
    catalog: CatalogCache,
    duplicate_window: timedelta,
    store: ObjectStore,
    photos: Sequence[CleanPhoto] = (),
    prove_caller: Callable[[], Awaitable[None]] | None = None,
    idempotency_key: str | None = None,
    idempotency_scope: str | None = None,
    prefix: tuple[str | int, ...] = ("body",),
) -> PublicRegistration:
    if data.channel not in PUBLIC_CHANNELS:
        message = "公众渠道只能是 web、app 或 open311 / a public channel is web, app or open311"
        raise ValidationFailed(message, errors=[field_error([*prefix, "channel"], message, "channel")])
    scope = idempotency_scope or identity.subject
    if idempotency_key is not None:
        earlier = await idempotency.previous_answer(
            session, subject=scope, key=idempotency_key, digest=cases.request_digest(data)
        )
        if earlier is not None:
            accepted = CaseAccepted.model_validate(earlier.body)
            return await _replayed(session, accepted)
    # Field problems first: a citizen who mistyped the description keeps their code.
    validate_case(data, await catalog.get(session), prefix=prefix)
    if prove_caller is not None:
        await prove_caller()
    registration = await cases.register_case(
        session,
        data=data,
        identity=identity,
        outbox=outbox,
        clock=clock,
        catalog=catalog,
        duplicate_window=duplicate_window,
        idempotency_key=idempotency_key,
        idempotency_scope=scope,
        prefix=prefix,
    )
    if registration.replayed:
        return await _replayed(session, registration.accepted)
    attached = await photos_service.attach(
        session,
        case_no=registration.accepted.case_no,
        photos=photos,
        store=store,
        outbox=outbox,
        clock=clock,
    )
    return PublicRegistration(registration, photo_ids=[p.photo_id for p in attached])


def citizen_scope(phone: str) -> str:
    """Idempotency keys of citizens are theirs alone, and the phone itself is not stored as a key."""
    return "citizen:" + hashlib.sha256(phone.encode()).hexdigest()[:40]


def _submission_limits(settings: IntakeSettings) -> tuple[Limit, Limit]:
    return Limit("submit-ip", settings.submit_per_ip_per_hour, 3600), Limit(
        "submit-phone", settings.submit_per_phone_per_day, 86400
    )


async def submit_citizen_case(
    session: AsyncSession,
    *,
    body: PublicCaseCreate,
    photo_files: Sequence[bytes],
    identity: Identity,
    settings: IntakeSettings,
    outbox: Outbox,
    clock: Clock,
    catalog: CatalogCache,
    store: ObjectStore,
    throttle: WindowThrottle,
    idempotency_key: str | None = None,
    prefix: tuple[str | int, ...] = ("body",),
) -> PublicRegistration:
    """A citizen's own submission on the web page or in an app: phone proven by SMS code, limited
    per phone and per address, photos cleaned before anything is stored."""
    phone = verification.mobile_or_refuse(body.caller.phone, field=[*prefix, "caller", "phone"])
    by_ip, by_phone = _submission_limits(settings)
    checks = [(by_ip, identity.client_ip or "unknown"), (by_phone, phone)]
    wait = await throttle.blocked_for(checks)
    if wait:
        raise TooManyRequests(
            f"提交过于频繁，请 {wait} 秒后再试；紧急情况请直接拨打12345。",
            headers={"Retry-After": str(wait)},
            extra={"retry_after": wait},
        )
    cleaned = clean_photos(
        photo_files, max_bytes=settings.photo_max_bytes, max_count=settings.photo_max_count, field=[*prefix, "photos"]
    )
    data = CaseCreate(
        channel=Channel(body.channel.value),
        category=body.category,
        topic_code=body.topic_code,
        description=body.description,
        title=body.title,
        caller=Caller(name=body.caller.name, phone=phone, confidential=body.caller.confidential),
        location=body.location,
    )

    async def prove() -> None:
        await verification.use_code(
            session,
            phone=phone,
            code=body.verification_code,
            settings=settings,
            clock=clock,
            throttle=throttle,
            field=[*prefix, "verification_code"],
        )

    result = await register_public_case(
        session,
        data=data,
        identity=identity,
        outbox=outbox,
        clock=clock,
        catalog=catalog,
        duplicate_window=timedelta(days=settings.duplicate_window_days),
        store=store,
        photos=cleaned,
        prove_caller=prove,
        idempotency_key=idempotency_key,
        idempotency_scope=citizen_scope(phone),
        prefix=prefix,
    )
    if not result.registration.replayed:
        await throttle.count(checks)
    return result
