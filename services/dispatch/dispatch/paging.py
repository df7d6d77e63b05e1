"""Keyset pagination on top of the shared opaque cursors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from hotline_shared.client_times import in_range
from hotline_shared.errors import ValidationFailed, field_error
from hotline_shared.pagination import decode_cursor, encode_cursor
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

LimitQuery = Annotated[int, Query(ge=1, le=200, description="page size")]
CursorQuery = Annotated[
    str | None, Query(max_length=500, pattern=r"^[A-Za-z0-9_-]*$", description="next_cursor of the previous page")
]

T = TypeVar("T")
M = TypeVar("M")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def _time(value: Any) -> datetime:
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError("cursor time without offset")
    if not in_range(parsed):
        raise ValueError("cursor time outside the records")  # converting it to UTC would overflow
    return parsed


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise ValueError("cursor id out of range")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 100 or "\x00" in value:
        raise ValueError("cursor key is not an id")
    return value


CONVERTERS: dict[type, Callable[[Any], Any]] = {int: _int, str: _str, datetime: _time}


def after(cursor: str | None, keys: dict[str, type]) -> dict[str, Any] | None:
    """The decoded cursor with typed values, or None for the first page; a forged cursor is a 422."""
    if not cursor:
        return None
    raw = decode_cursor(cursor, tuple(keys))
    try:
        return {k: CONVERTERS[t](raw[k]) for k, t in keys.items()}
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(
            "The cursor is not valid; use the next_cursor from the previous page or omit it.",
            errors=[field_error(["query", "cursor"], "not a cursor issued by this list")],
        ) from exc


def next_cursor(rows: list[Any], limit: int, values: Callable[[Any], dict[str, Any]]) -> str | None:
    """``rows`` were fetched with limit + 1; a cursor only when there is another page."""
    if len(rows) <= limit:
        return None
    return encode_cursor(values(rows[limit - 1]))


async def id_page(session: AsyncSession, model: type[M], *, after: int | None, limit: int, **equal: Any) -> list[M]:
    """The admin lists page on the integer id: rows after ``after``, limit + 1 of them (see next_cursor),
    where every filter given (not None) is equal."""
    column: Any = model.id  # type: ignore[attr-defined]
    query = select(model).order_by(column).limit(limit + 1)
    if after is not None:
        query = query.where(column > after)
    for name, value in equal.items():
        if value is not None:
            query = query.where(getattr(model, name) == value)
    return list(await session.scalars(query))
