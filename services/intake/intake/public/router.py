"""The public channels' JSON API for apps (and the page's form posts go through the same service)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Response
from hotline_shared.app import ClockDep, SessionDep
from hotline_shared.events import Outbox
from hotline_shared.identity import IdentityDep
from hotline_shared.photos import decode_base64_photos

from ..cases.dependencies import SettingsDep
from ..cases.router import IdempotencyKey
from ..catalog.dependencies import CatalogDep
from ..outbox import get_outbox
from ..verification import service as verification
from ..verification.schemas import CodeRequest, CodeSent
from . import service
from .dependencies import SmsDep, StoreDep, ThrottleDep
from .schemas import PublicCaseAccepted, PublicCaseCreate

router = APIRouter(prefix="/api/v1/public", tags=["public"])
OutboxDep = Annotated[Outbox, Depends(get_outbox)]

PROBLEMS: dict[int | str, dict[str, Any]] = {
    409: {"description": "Idempotency-Key reused with a different body"},
    413: {"description": "Body larger than the photo limits allow"},
    422: {"description": "Invalid fields (wrong, expired or used code included), each named in errors[]"},
    429: {"description": "Too many codes or submissions from this phone or address; Retry-After says when"},
}


def track_url(case_no: str, code: str) -> str:
    return "/track?" + urlencode({"case_no": case_no, "code": code})


@router.post(
    "/verification-codes",
    status_code=202,
    response_model=CodeSent,
    summary="Send a one-time SMS code to the citizen's phone (外网申请 step 1)",
    responses={**{k: PROBLEMS[k] for k in (422, 429)}, 503: {"description": "The SMS could not be sent"}},
)
async def request_code(
    body: CodeRequest,
    session: SessionDep,
    clock: ClockDep,
    identity: IdentityDep,
    settings: SettingsDep,
    sender: SmsDep,
    throttle: ThrottleDep,
) -> CodeSent:
    phone = verification.mobile_or_refuse(body.phone, field=["body", "phone"])
    return await verification.send_code(
        session,
        phone=phone,
        client_ip=identity.client_ip,
        settings=settings,
        clock=clock,
        sender=sender,
        throttle=throttle,
    )


@router.post(
    "/cases",
    status_code=201,
    response_model=PublicCaseAccepted,
    summary="A citizen files a case from an app or the web (外网申请 step 2)",
    responses=PROBLEMS,
)
async def create_public_case(
    body: PublicCaseCreate,
    response: Response,
    session: SessionDep,
    clock: ClockDep,
    identity: IdentityDep,
    settings: SettingsDep,
    outbox: OutboxDep,
    catalog: CatalogDep,
    store: StoreDep,
    throttle: ThrottleDep,
    idempotency_key: IdempotencyKey = None,
) -> PublicCaseAccepted:
    result = await service.submit_citizen_case(
        session,
        body=body,
        photo_files=decode_base64_photos(body.photos, field=["body", "photos"]),
        identity=identity,
        settings=settings,
        outbox=outbox,
        clock=clock,
        catalog=catalog,
        store=store,
        throttle=throttle,
        idempotency_key=idempotency_key,
    )
    accepted = result.registration.accepted
    if result.registration.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return PublicCaseAccepted(
        **accepted.model_dump(),
        photo_ids=result.photo_ids,
        track_url=track_url(accepted.case_no, accepted.lookup_code),
    )
