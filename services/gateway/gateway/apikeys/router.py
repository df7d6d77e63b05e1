from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request
from hotline_shared.app import ClockDep, SessionDep

from ..access.context import AccessDep
from . import service
from .schemas import ApiKeyCreate, ApiKeyIssued, ApiKeyPage, ApiKeyRotate, ApiKeyView, KeyRole, KeyStatus

# Access (admin only) is enforced by the gateway's route table before these handlers run.
router = APIRouter(prefix="/api/v1/admin/api-keys", tags=["api keys"])

KeyId = Annotated[str, "the key's id"]


@router.post("", status_code=201, response_model=ApiKeyIssued, summary="Create an API key (the secret is shown once)")
async def create_key(body: ApiKeyCreate, session: SessionDep, clock: ClockDep, access: AccessDep) -> ApiKeyIssued:
    return await service.create_key(session, data=body, actor=access.identity.subject, clock=clock)


@router.get("", response_model=ApiKeyPage, summary="List API keys (never their secrets)")
async def list_keys(
    session: SessionDep,
    clock: ClockDep,
    access: AccessDep,
    role: KeyRole | None = None,
    status: KeyStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> ApiKeyPage:
    return await service.list_keys(session, clock=clock, role=role, status=status, limit=limit, cursor=cursor)


@router.get("/{key_id}", response_model=ApiKeyView, summary="One API key")
async def get_key(key_id: str, session: SessionDep, clock: ClockDep, access: AccessDep) -> ApiKeyView:
    return await service.get_key(session, key_id=key_id, clock=clock)


@router.post(
    "/{key_id}/revoke",
    response_model=ApiKeyView,
    summary="Revoke a key: it stops working at once",
    responses={409: {"description": "The last active admin key cannot be revoked"}},
)
async def revoke_key(key_id: str, session: SessionDep, clock: ClockDep, access: AccessDep) -> ApiKeyView:
    return await service.revoke_key(session, key_id=key_id, actor=access.identity.subject, clock=clock)


@router.post(
    "/{key_id}/rotate",
    response_model=ApiKeyIssued,
    summary="Rotate a key: new secret, same name, role and scope; the old one may work for a grace period",
)
async def rotate_key(
    key_id: str,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    access: AccessDep,
    body: Annotated[ApiKeyRotate | None, Body()] = None,
) -> ApiKeyIssued:
    return await service.rotate_key(
        session,
        key_id=key_id,
        grace_seconds=(body or ApiKeyRotate()).grace_seconds,
        max_grace_seconds=request.app.state.settings.key_rotation_max_grace_s,
        clock=clock,
    )
