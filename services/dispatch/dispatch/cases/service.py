from __future__ import annotations

from datetime import datetime

from hotline_shared.clock import SHANGHAI
from sqlalchemy.ext.asyncio import AsyncSession

from ..catalog import service as catalog
from . import repository
from .models import DispatchCase
from .schemas import CaseView


class CaseStatus:
    awaiting_dispatch = "awaiting_dispatch"
    in_handling = "in_handling"
    awaiting_callback = "awaiting_callback"
    closed = "closed"


def _clip(value: str | None, size: int) -> str | None:
    return value[:size] if value is not None else None


async def store(session: AsyncSession, *, view: CaseView, now: datetime) -> DispatchCase:
    """Keep the case as intake announced it, completing its area from the area tree if needed."""
    loc = view.location
    district, street, community = loc.district_code, loc.street_code, loc.community_code
    finest = community or street
    if finest and not (district and (street or not community)):
        above = await catalog.area_ancestors(session, finest)
        street = street or above.get("street")
        district = district or above.get("district")
    case = DispatchCase(
        case_no=view.case_no,
        status=CaseStatus.awaiting_dispatch,
        category=view.category,
        topic_code=view.topic_code,
        topic_name=_clip(view.topic_name, 100),
        urgency=view.urgency,
        title=_clip(view.title, 200),
        description=view.description,
        district_code=district,
        street_code=street,
        community_code=community,
        grid_code=_clip(loc.grid_code, 40),
        district_name=_clip(loc.district_name, 100),
        street_name=_clip(loc.street_name, 100),
        community_name=_clip(loc.community_name, 100),
        address=_clip(loc.address, 200),
        caller_name=_clip(view.caller.name, 60),
        caller_phone=_clip(view.caller.phone, 30),
        confidential=view.confidential or view.caller.confidential,
        # CaseView times carry an offset; a bare one is read as Shanghai wall time, the hotline's zone.
        received_at=view.received_at if view.received_at.tzinfo else view.received_at.replace(tzinfo=SHANGHAI),
        created_at=now,
        updated_at=now,
    )
    await repository.add(session, case)
    return case
