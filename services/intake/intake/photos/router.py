from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from hotline_shared.app import ClockDep, SessionDep
from hotline_shared.errors import NotFound
from hotline_shared.events import Outbox
from hotline_shared.identity import Identity, Role, require_roles

from ..cases import repository as cases_repo
from ..cases.record import visible_to
from ..outbox import get_outbox
from . import service
from .schemas import PhotoList, PhotoOut, Publication

router = APIRouter(prefix="/api/v1/cases/{case_no}/photos", tags=["photos"])

Staff = Annotated[Identity, require_roles(Role.operator, Role.station, Role.supervisor, Role.admin)]
Decider = Annotated[Identity, require_roles(Role.operator, Role.supervisor, Role.admin)]
CaseNo = Annotated[str, Path(max_length=20, pattern=r"^\d{8}-\d{6,7}$")]
PhotoId = Annotated[str, Path(max_length=32, pattern=r"^[0-9a-f]{32}$")]
OutboxDep = Annotated[Outbox, Depends(get_outbox)]


@router.get("", response_model=PhotoList, summary="The photos sent with a case, and whether each is public")
async def list_photos(case_no: CaseNo, session: SessionDep, identity: Staff) -> PhotoList:
    case = await cases_repo.get(session, case_no)
    if case is None or not visible_to(case, identity):
        raise NotFound(f"No case {case_no} that you may see.")
    return PhotoList(items=await service.list_photos(session, case_no=case_no))


@router.put(
    "/{photo_id}/publication",
    response_model=PhotoOut,
    summary="Mark a photo publishable (shown on public pages) or not (公开审核)",
)
async def set_publication(
    case_no: CaseNo,
    photo_id: PhotoId,
    body: Publication,
    session: SessionDep,
    clock: ClockDep,
    identity: Decider,
    outbox: OutboxDep,
) -> PhotoOut:
    return await service.set_publishable(
        session,
        case_no=case_no,
        photo_id=photo_id,
        publishable=body.publishable,
        identity=identity,
        outbox=outbox,
        clock=clock,
    )
