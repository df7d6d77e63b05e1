from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotline_shared.clock import Clock
from hotline_shared.events import Outbox
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..sql import insert_if_absent
from . import repository
from .files import read_catalog
from .models import Area, CatalogState, Topic

CATALOG_UPDATED = "catalog.updated"


@dataclass(frozen=True)
class ReloadResult:
    version: int
    changed: bool
    topics: int
    areas: int
    deactivated: list[str]


def _apply(existing: Any, values: dict[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(existing, key) != value:
            setattr(existing, key, value)
            changed = True
    return changed


async def reload_catalog(
    session: AsyncSession, *, directory: Path, outbox: Outbox, clock: Clock, actor: str
) -> ReloadResult:
    """Load the catalogue files into the database and announce the result.

    Nodes missing from the files are deactivated, never deleted: registered cases keep pointing
    at them. `catalog.updated` is emitted on every reload, changed or not, so a consumer whose
    own copy was lost catches up by asking an admin to reload.
    """
    files = read_catalog(directory)
    now = clock.now()
    await insert_if_absent(
        session,
        CatalogState,
        {"id": repository.STATE_ID, "version": 0, "checksum": "", "loaded_at": now, "loaded_by": actor},
    )
    # Serialises concurrent reloads across replicas (SQLite is serialised by its write lock).
    state = (
        await session.scalars(select(CatalogState).where(CatalogState.id == repository.STATE_ID).with_for_update())
    ).one()

    changed = False
    deactivated: list[str] = []
    topics = {t.code: t for t in await repository.all_topics(session)}
    in_file = set()
    for row in files.topics:
        in_file.add(row.code)
        values = {
            "name": row.name,
            "parent_code": row.parent_code,
            "level": row.level,
            "active": row.active,
            "position": row.position,
        }
        if row.code in topics:
            changed |= _apply(topics[row.code], values)
        else:
            session.add(Topic(code=row.code, **values))
            changed = True
    for code, topic in topics.items():
        if code not in in_file and topic.active:
            topic.active = False
            deactivated.append(code)
            changed = True

    areas = {a.code: a for a in await repository.all_areas(session)}
    in_file = set()
    for area_row in files.areas:
        in_file.add(area_row.code)
        area_values = {
            "name": area_row.name,
            "level": area_row.level,
            "parent_code": area_row.parent_code,
            "active": area_row.active,
            "position": area_row.position,
        }
        if area_row.code in areas:
            changed |= _apply(areas[area_row.code], area_values)
        else:
            session.add(Area(code=area_row.code, **area_values))
            changed = True
    for code, area in areas.items():
        if code not in in_file and area.active:
            area.active = False
            deactivated.append(code)
            changed = True

    if changed or state.version == 0:
        state.version += 1
        state.checksum = files.checksum
        state.loaded_at = now
        state.loaded_by = actor
    await session.flush()

    all_topics = await repository.all_topics(session)
    all_areas = await repository.all_areas(session)
    await outbox.emit(
        session,
        type=CATALOG_UPDATED,
        case_no=None,
        payload={
            "version": state.version,
            "topics": [
                {"code": t.code, "name": t.name, "parent_code": t.parent_code, "level": t.level, "active": t.active}
                for t in all_topics
            ],
            "areas": [
                {"code": a.code, "name": a.name, "level": a.level, "parent_code": a.parent_code, "active": a.active}
                for a in all_areas
            ],
        },
    )
    return ReloadResult(
        version=state.version,
        changed=changed,
        topics=sum(1 for t in all_topics if t.active),
        areas=sum(1 for a in all_areas if a.active),
        deactivated=deactivated,
    )
