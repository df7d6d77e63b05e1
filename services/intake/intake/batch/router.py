from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from hotline_shared.app import ClockDep
from hotline_shared.errors import ValidationFailed, field_error
from hotline_shared.events import Outbox
from hotline_shared.identity import Identity, Role, require_roles

from ..cases.dependencies import DatabaseDep, SettingsDep, duplicate_window
from ..cases.schemas import BatchResult
from ..catalog.dependencies import CatalogDep
from ..outbox import get_outbox
from . import service
from .schemas import BatchRequest

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])

BatchPoster = Annotated[Identity, require_roles(Role.station, Role.operator, Role.admin)]


@router.post(
    "/batch",
    response_model=BatchResult,
    summary="Register up to 500 cases from a station; per-item results in order",
    responses={
        401: {"description": "No valid gateway identity"},
        403: {"description": "Your role may not post batches"},
        422: {"description": "The batch itself is malformed (not a list, empty, too long)"},
    },
)
async def create_batch(
    body: BatchRequest,
    db: DatabaseDep,
    clock: ClockDep,
    identity: BatchPoster,
    outbox: Annotated[Outbox, Depends(get_outbox)],
    catalog: CatalogDep,
    settings: SettingsDep,
) -> BatchResult:
    # No SessionDep here on purpose: each item commits on its own (see batch/service.py).
    if len(body.items) > settings.batch_max_items:
        raise ValidationFailed(
            f"A batch holds at most {settings.batch_max_items} items; split it and send the parts.",
            errors=[field_error(["body", "items"], f"at most {settings.batch_max_items} items", "too_long")],
        )
    return await service.register_batch(
        db=db,
        items=body.items,
        identity=identity,
        outbox=outbox,
        clock=clock,
        catalog=catalog,
        duplicate_window=duplicate_window(settings),
    )
