from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from hotline_shared.app import ClockDep, SessionDep
from hotline_shared.events import Outbox
from hotline_shared.identity import Identity, IdentityDep, Role, require_roles

from ..outbox import get_outbox
from . import service
from .dependencies import CatalogDep
from .schemas import AreaList, AreaOut, ReloadOut, TopicList, TopicOut

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])

Admin = Annotated[Identity, require_roles(Role.admin)]
IncludeInactive = Annotated[bool, Query(description="Also list retired entries (for old cases' names)")]


@router.get("/topics", response_model=TopicList, summary="The topic catalogue (诉求事项目录)")
async def list_topics(
    session: SessionDep, identity: IdentityDep, catalog: CatalogDep, include_inactive: IncludeInactive = False
) -> TopicList:
    snapshot = await catalog.get(session)
    topics = [
        TopicOut(
            code=t.code,
            name=t.name,
            parent_code=t.parent_code,
            level=t.level,
            active=snapshot.topic_usable(t.code),
            selectable=snapshot.topic_usable(t.code) and not snapshot.active_children(t.code),
            full_name=snapshot.topic_full_name(t.code) or t.name,
        )
        for t in snapshot.topics.values()
        if include_inactive or snapshot.topic_usable(t.code)
    ]
    return TopicList(version=snapshot.version, topics=topics)


@router.get("/areas", response_model=AreaList, summary="The area tree: district → street → community")
async def list_areas(
    session: SessionDep, identity: IdentityDep, catalog: CatalogDep, include_inactive: IncludeInactive = False
) -> AreaList:
    snapshot = await catalog.get(session)
    areas = [
        AreaOut(code=a.code, name=a.name, level=a.level, parent_code=a.parent_code, active=a.active)
        for a in snapshot.areas.values()
        if include_inactive or a.active
    ]
    return AreaList(version=snapshot.version, areas=areas)


@router.post(
    "/reload",
    response_model=ReloadOut,
    summary="Reload topics.csv and areas.csv (admin); emits catalog.updated",
    responses={422: {"description": "The files have problems; nothing was loaded"}},
)
async def reload(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    identity: Admin,
    outbox: Annotated[Outbox, Depends(get_outbox)],
) -> ReloadOut:
    result = await service.reload_catalog(
        session, directory=request.app.state.settings.catalog_dir, outbox=outbox, clock=clock, actor=identity.subject
    )
    return ReloadOut(
        version=result.version,
        changed=result.changed,
        topics=result.topics,
        areas=result.areas,
        deactivated=result.deactivated,
    )
