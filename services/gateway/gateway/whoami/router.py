from __future__ import annotations

from fastapi import APIRouter

from ..access.context import AccessDep
from .schemas import Me

# Any staff credential may ask about itself; nothing here reveals another key.
router = APIRouter(prefix="/api/v1/me", tags=["me"])


@router.get("", response_model=Me, summary="The signed-in caller: role and scope")
async def me(access: AccessDep) -> Me:
    who = access.identity
    return Me(
        subject=who.subject, role=who.role, unit_id=who.unit_id, station_id=who.station_id, area_code=who.area_code
    )
