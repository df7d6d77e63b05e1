"""Small portable SQL helpers for statements SQLite and PostgreSQL spell differently."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


async def insert_if_absent(session: AsyncSession, model: type[DeclarativeBase] | Table, values: dict[str, Any]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING; True when this call inserted the row.

    On PostgreSQL a conflicting insert waits for the other transaction and then does nothing,
    which is what makes "first row of the day" races harmless without aborting the transaction.
    """
    table: Any = model if isinstance(model, Table) else model.__table__
    dialect = session.get_bind().dialect.name
    stmt: Any
    if dialect == "postgresql":
        stmt = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - only the two shipped backends are supported
        raise RuntimeError(f"unsupported database dialect {dialect}")
    result = await session.execute(stmt)
    return bool(getattr(result, "rowcount", 0))
