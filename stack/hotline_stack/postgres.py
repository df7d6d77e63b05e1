"""Databases on a PostgreSQL server for the stack: one per service, created when missing."""

from __future__ import annotations

import re
from typing import Any

from hotline_shared.blocking import run_blocking
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _check_name(name: str) -> str:
    if not _NAME_RE.match(name):
        raise ValueError(f"{name!r} is not a safe database name (lowercase letters, digits, _)")
    return name


def database_url(server_url: str, name: str) -> str:
    """`server_url` with its database replaced by `name` (user, password, host, port kept)."""
    url = make_url(server_url)
    if not url.drivername.startswith("postgresql"):
        raise ValueError(f"expected a postgresql+asyncpg:// URL, got {url.drivername}://")
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+asyncpg")
    return url.set(database=_check_name(name)).render_as_string(hide_password=False)


async def _admin(server_url: str, statements: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    engine = create_async_engine(database_url(server_url, "postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            results = []
            for sql, params in statements:
                result = await conn.execute(text(sql), params)
                # DDL (CREATE/DROP DATABASE) returns no rows; asking it for a scalar raises.
                results.append(result.scalar() if result.returns_rows else None)
            return results
    finally:
        await engine.dispose()


def ensure_database(server_url: str, name: str) -> bool:
    """Create database `name` unless it exists. Returns True when it was created."""
    _check_name(name)

    async def go() -> bool:
        (exists,) = await _admin(server_url, [("SELECT 1 FROM pg_database WHERE datname = :n", {"n": name})])
        if exists:
            return False
        await _admin(server_url, [(f'CREATE DATABASE "{name}"', {})])
        return True

    return bool(run_blocking(go()))


def drop_database(server_url: str, name: str) -> None:
    _check_name(name)
    run_blocking(_admin(server_url, [(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', {})]))
