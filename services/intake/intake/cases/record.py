"""The staff view of one case, and who may see the caller unmasked."""

from __future__ import annotations

from hotline_shared.errors import NotFound
from hotline_shared.identity import Identity, Role
from hotline_shared.privacy import mask_address, mask_name, mask_phone
from sqlalchemy.ext.asyncio import AsyncSession

from ..catalog.snapshot import CatalogSnapshot
from . import repository
from .models import Case
from .schemas import CaseRecord, ForceNewOut, LocationOut, Person, RegisteredBy, TimelineOut
from .service import station_of

UNMASKED_ROLES = frozenset({Role.operator, Role.supervisor, Role.admin})


def visible_to(case: Case, identity: Identity) -> bool:
    if identity.role == Role.station:
        return case.registered_station_id == station_of(identity)
    return True


async def get_record(
    session: AsyncSession, *, case_no: str, identity: Identity, catalog: CatalogSnapshot
) -> CaseRecord:
    case = await repository.get(session, case_no)
    # A station asking for another station's case gets the same answer as for a missing one.
    if case is None or not visible_to(case, identity):
        raise NotFound(f"No case {case_no} that you may see.")
    masked = identity.role not in UNMASKED_ROLES
    community_name = catalog.area_name(case.community_code)
    street_name = catalog.area_name(case.street_code)
    entries = await repository.timeline(session, case.case_no)
    return CaseRecord(
        case_no=case.case_no,
        lookup_code=case.lookup_code,
        status=case.status,
        channel=case.channel,
        category=case.category,
        topic_code=case.topic_code,
        topic_name=catalog.topic_full_name(case.topic_code),
        urgency=case.urgency,
        title=case.title,
        description=case.description,
        location=LocationOut(
            district_code=case.district_code,
            district_name=catalog.area_name(case.district_code),
            street_code=case.street_code,
            street_name=street_name,
            community_code=case.community_code,
            community_name=community_name,
            grid_code=case.grid_code,
            address=(
                mask_address(case.address, community_name=community_name, street_name=street_name)
                if masked
                else case.address
            ),
            lat=None if masked else case.lat,
            lon=None if masked else case.lon,
        ),
        caller=Person(
            name=mask_name(case.caller_name) if masked else case.caller_name,
            phone=mask_phone(case.caller_phone) if masked else case.caller_phone,
            confidential=case.confidential,
        ),
        personal_data_masked=masked,
        confidential=case.confidential,
        received_at=case.received_at,
        registered_by=RegisteredBy(
            subject=case.registered_subject, role=case.registered_role, station_id=case.registered_station_id
        ),
        demand_count=case.demand_count,
        duplicate_of=case.duplicate_of,
        duplicates=await repository.duplicates_of(session, case.case_no),
        force_new=(
            ForceNewOut(reason=case.force_new_reason, override_of=case.force_new_override_of)
            if case.force_new_reason is not None
            else None
        ),
        direct_answer=case.direct_answer,
        closed_at=case.closed_at,
        closed_by=case.closed_by,
        timeline=[
            TimelineOut(
                at=e.at,
                kind=e.kind,
                actor=e.actor_subject,
                actor_role=e.actor_role,
                note=e.note,
                related_case_no=e.related_case_no,
            )
            for e in entries
        ],
    )
