"""Intake's topic catalogue and area tree, as announced by `catalog.updated`.

Dispatch needs them to validate routing rules, to match a rule written for a parent topic, and to
complete a case's area (a community's street and district) when intake sent only the finest code.
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from .. import state
from .models import CatalogArea, CatalogTopic

log = structlog.get_logger("catalog")

AREA_LEVELS = ("district", "street", "community", "grid")
_LEVEL_BY_NUMBER = {1: "district", 2: "street", 3: "community", 4: "grid"}
MAX_DEPTH = 8


def _area_level(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return _LEVEL_BY_NUMBER.get(value, str(value))
    text = str(value or "").strip().lower()
    return _LEVEL_BY_NUMBER.get(int(text), text) if text.isdigit() else text


def _version(payload: dict[str, Any]) -> int | None:
    raw = payload.get("version")
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.isdigit():
        return int(raw)
    return None


async def apply_update(session: AsyncSession, *, payload: dict[str, Any]) -> bool:
    """Replace the stored catalogue with the announced one; older versions are ignored."""
    version = _version(payload)
    current = await state.read(session, state.CATALOG_VERSION)
    if version is not None and version <= current:
        log.info("catalog_update_skipped", version=version, current=current)
        return False
    topics = [
        {
            "code": str(t["code"]),
            "name": str(t.get("name") or t["code"])[:100],
            "parent_code": t.get("parent_code"),
            "level": int(t.get("level") or 1),
            "active": bool(t.get("active", True)),
        }
        for t in payload.get("topics") or []
        if t.get("code")
    ]
    areas = [
        {
            "code": str(a["code"]),
            "name": str(a.get("name") or a["code"])[:100],
            "level": _area_level(a.get("level")),
            "parent_code": a.get("parent_code"),
        }
        for a in payload.get("areas") or []
        if a.get("code")
    ]
    await session.execute(delete(CatalogTopic))
    await session.execute(delete(CatalogArea))
    if topics:
        await session.execute(insert(CatalogTopic), topics)
    if areas:
        await session.execute(insert(CatalogArea), areas)
    if version is not None:
        await state.set_value(session, state.CATALOG_VERSION, version)
    log.info("catalog_updated", version=version, topics=len(topics), areas=len(areas))
    return True


async def is_known(session: AsyncSession) -> bool:
    """Whether intake has announced a catalogue yet (before that, codes cannot be checked)."""
    return bool(await session.scalar(select(func.count()).select_from(CatalogTopic)))


async def topic(session: AsyncSession, code: str) -> CatalogTopic | None:
    return await session.get(CatalogTopic, code)


async def area(session: AsyncSession, code: str) -> CatalogArea | None:
    return await session.get(CatalogArea, code)


async def topic_chain(session: AsyncSession, code: str) -> list[str]:
    """``code`` followed by its ancestors, nearest first (just ``[code]`` if the catalogue lacks it)."""
    chain = [code]
    current = await topic(session, code)
    while current is not None and current.parent_code and len(chain) < MAX_DEPTH:
        if current.parent_code in chain:
            break  # a cycle in announced data must not hang routing
        chain.append(current.parent_code)
        current = await topic(session, current.parent_code)
    return chain


async def area_ancestors(session: AsyncSession, code: str) -> dict[str, str]:
    """level → code for ``code`` and everything above it (e.g. community → its street and district)."""
    found: dict[str, str] = {}
    current = await area(session, code)
    seen: set[str] = set()
    while current is not None and current.code not in seen and len(seen) < MAX_DEPTH:
        seen.add(current.code)
        found.setdefault(current.level, current.code)
        current = await area(session, current.parent_code) if current.parent_code else None
    return found
