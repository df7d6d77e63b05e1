from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from hotline_shared.app import SessionDep
from hotline_shared.identity import IdentityDep
from hotline_shared.storage import ObjectStore

from ..deps import ThrottleDep
from ..public import service as public
from . import service

router = APIRouter(prefix="/api/v1/public/cases/{case_no}/photos", tags=["public"])


def get_store(request: Request) -> ObjectStore:
    store: ObjectStore = request.app.state.store
    return store


StoreDep = Annotated[ObjectStore, Depends(get_store)]
IMAGE: dict[str, Any] = {"content": {"image/jpeg": {}, "image/png": {}}}


@router.get(
    "/{photo_id}",
    response_class=Response,
    summary="A publishable photo of a case (metadata removed); with the lookup code like the progress lookup",
    responses={200: IMAGE, 404: {"description": "No such photo, not public, or a wrong code"}},
)
async def get_photo(
    session: SessionDep,
    identity: IdentityDep,
    throttle: ThrottleDep,
    store: StoreDep,
    case_no: Annotated[str, Path(max_length=40)],
    photo_id: Annotated[str, Path(max_length=32, pattern=r"^[0-9a-f]{32}$")],
    code: Annotated[str, Query(min_length=1, max_length=12)],
    size: Annotated[Literal["full", "thumb"], Query()] = "full",
) -> Response:
    record = await public.find_by_code(
        session, case_no=case_no, code=code, client_ip=identity.client_ip, throttle=throttle
    )
    data, content_type = await service.photo_bytes(
        session, record=record, photo_id=photo_id, thumbnail=size == "thumb", store=store
    )
    # The citizen's own case: not for shared caches.
    return Response(data, media_type=content_type, headers={"Cache-Control": "private, max-age=300"})
