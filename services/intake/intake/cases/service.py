"""Registering a case: validation, idempotency, numbering, duplicate linking, direct resolution.

Order matters for concurrency. The idempotency key is claimed first (so a concurrent retry waits
for, then replays, the first answer), then the day's case number is taken, which holds the
sequence row until commit; the duplicate check runs after that, so two calls about the same
problem registered at the same moment cannot both become originals.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from hotline_shared.clock import Clock
from hotline_shared.events import Outbox
from hotline_shared.identity import Identity, Role
from sqlalchemy.ext.asyncio import AsyncSession

from ..catalog.snapshot import CatalogCache, CatalogSnapshot
from ..idempotency import service as idempotency
from . import repository
from .models import Case, TimelineEntry
from .schemas import CaseAccepted, CaseCreate, CaseStatus
from .text import search_form
from .validation import ValidCase, check_permissions, validate_case
from .view import case_view

LOOKUP_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O/1/I: read out over the phone
LOOKUP_LENGTH = 6

CASE_RECEIVED = "case.received"
CASE_DUPLICATED = "case.duplicated"
CASE_CLOSED_AT_INTAKE = "case.closed_at_intake"


@dataclass(frozen=True)
class Registration:
    accepted: CaseAccepted
    replayed: bool


def new_lookup_code() -> str:
    return "".join(secrets.choice(LOOKUP_ALPHABET) for _ in range(LOOKUP_LENGTH))


def station_of(identity: Identity) -> str | None:
    """What "posted by this station" means: its station id, else (misconfigured key) its subject."""
    if identity.role != Role.station:
        return identity.station_id
    return identity.station_id or identity.subject


def request_digest(data: CaseCreate) -> str:
    # client_ref is the key itself, not part of what is asked; leaving it out lets a station
    # resend a batch item as a single post with Idempotency-Key = client_ref.
    return idempotency.request_hash(data.model_dump(mode="json", exclude={"client_ref"}))


async def register_case(
    session: AsyncSession,
    *,
    data: CaseCreate,
    identity: Identity,
    outbox: Outbox,
    clock: Clock,
    catalog: CatalogCache,
    duplicate_window: timedelta,
    idempotency_key: str | None = None,
    idempotency_scope: str | None = None,
    prefix: tuple[str | int, ...] = ("body",),
) -> Registration:
    """`idempotency_scope` replaces the caller's subject as the owner of the key: the public channels
    share one subject, so their keys are scoped to the verified phone instead."""
    scope = idempotency_scope or identity.subject
    digest = request_digest(data) if idempotency_key is not None else ""
    if idempotency_key is not None:
        # A retry is answered from the record even if the catalogue changed since.
        earlier = await idempotency.previous_answer(session, subject=scope, key=idempotency_key, digest=digest)
        if earlier is not None:
            return Registration(CaseAccepted.model_validate(earlier.body), replayed=True)

    check_permissions(data, identity)
    snapshot = await catalog.get(session)
    valid = validate_case(data, snapshot, prefix=prefix)
    now = clock.now()

    claim = None
    if idempotency_key is not None:
        claim, answer = await idempotency.claim(session, subject=scope, key=idempotency_key, digest=digest, now=now)
        if answer is not None:
            return Registration(CaseAccepted.model_validate(answer.body), replayed=True)

    seq = await repository.next_sequence(session, day=now.date())
    case = _new_case(valid, identity, case_no=f"{now:%Y%m%d}-{seq:06d}", now=now)
    accepted = await _file(
        session,
        case=case,
        valid=valid,
        identity=identity,
        snapshot=snapshot,
        outbox=outbox,
        duplicate_window=duplicate_window,
    )
    if claim is not None:
        await idempotency.complete(
            session, record=claim, status_code=201, body=accepted.model_dump(mode="json"), case_no=case.case_no
        )
    return Registration(accepted, replayed=False)


def _new_case(valid: ValidCase, identity: Identity, *, case_no: str, now: datetime) -> Case:
    return Case(
        case_no=case_no,
        lookup_code=new_lookup_code(),
        status=CaseStatus.received.value,
        channel=valid.channel,
        category=valid.category,
        topic_code=valid.topic_code,
        urgency=valid.urgency,
        title=valid.title,
        description=valid.description,
        search_text=search_form(valid.title, valid.description),
        district_code=valid.district_code,
        street_code=valid.street_code,
        community_code=valid.community_code,
        grid_code=valid.grid_code,
        address=valid.address,
        lat=valid.lat,
        lon=valid.lon,
        caller_name=valid.caller_name,
        caller_phone=valid.caller_phone,
        confidential=valid.confidential,
        received_at=now,
        registered_subject=identity.subject,
        registered_role=identity.role.value,
        registered_station_id=station_of(identity),
        demand_count=1,
    )


async def _file(
    session: AsyncSession,
    *,
    case: Case,
    valid: ValidCase,
    identity: Identity,
    snapshot: CatalogSnapshot,
    outbox: Outbox,
    duplicate_window: timedelta,
) -> CaseAccepted:
    now = case.received_at
    original = None
    # A consult answered on the call is closed at once and a praise is never "the same problem
    # again", so neither is checked for duplicates.
    if (
        valid.direct_answer is None
        and valid.category != "praise"
        and valid.caller_phone is not None
        and valid.community_code is not None
    ):
        original = await repository.find_open_original(
            session,
            phone=valid.caller_phone,
            topic_code=valid.topic_code,
            community_code=valid.community_code,
            since=now - duplicate_window,
        )

    def entry(case_no: str, kind: str, note: str | None = None, related: str | None = None) -> TimelineEntry:
        return TimelineEntry(
            case_no=case_no,
            at=now,
            kind=kind,
            actor_subject=identity.subject,
            actor_role=identity.role.value,
            note=note,
            related_case_no=related,
        )

    if valid.direct_answer is not None:
        case.status = CaseStatus.closed.value
        case.direct_answer = valid.direct_answer
        case.closed_at = now
        case.closed_by = identity.subject
    elif original is not None and valid.force_new_reason is None:
        case.status = CaseStatus.duplicate.value
        case.duplicate_of = original.case_no
    if valid.force_new_reason is not None:
        case.force_new_reason = valid.force_new_reason
        case.force_new_override_of = original.case_no if original is not None else None

    await repository.add(session, case)
    await repository.add_timeline(session, entry(case.case_no, "registered", f"channel={case.channel}"))

    if case.status == CaseStatus.closed.value:
        await repository.add_timeline(session, entry(case.case_no, "closed_at_intake", valid.direct_answer))
        payload = case_view(case, snapshot) | {
            "answer": case.direct_answer,
            "closed_at": now.isoformat(),
            "closed_by": identity.subject,
        }
        await outbox.emit(session, type=CASE_CLOSED_AT_INTAKE, case_no=case.case_no, payload=payload)
    elif case.status == CaseStatus.duplicate.value:
        assert original is not None
        demand = await repository.add_demand(session, case_no=original.case_no)
        await repository.add_timeline(session, entry(case.case_no, "duplicate_linked", None, original.case_no))
        await repository.add_timeline(
            session, entry(original.case_no, "demand_added", f"demand_count={demand}", case.case_no)
        )
        payload = case_view(case, snapshot) | {"duplicate_of": original.case_no, "original_demand_count": demand}
        await outbox.emit(session, type=CASE_DUPLICATED, case_no=case.case_no, payload=payload)
    else:
        if case.force_new_reason is not None:
            await repository.add_timeline(
                session, entry(case.case_no, "force_new", case.force_new_reason, case.force_new_override_of)
            )
        await outbox.emit(session, type=CASE_RECEIVED, case_no=case.case_no, payload=case_view(case, snapshot))

    return CaseAccepted(
        case_no=case.case_no,
        lookup_code=case.lookup_code,
        status=CaseStatus(case.status),
        duplicate_of=case.duplicate_of,
        received_at=now,
    )
