"""Alembic plumbing shared by every service's migrations/env.py, and a programmatic upgrade."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from .blocking import call_in_thread


def alembic_config(script_location: Path, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(script_location: Path, url: str, revision: str = "head") -> None:
    """Apply migrations. Safe to call from inside a running event loop (runs in a thread)."""
    cfg = alembic_config(script_location, url)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(cfg, revision)
        return
    call_in_thread(lambda: command.upgrade(cfg, revision))


def _do_run(connection: Connection, metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str, metadata: MetaData) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as conn:
        await conn.run_sync(_do_run, metadata)
    await engine.dispose()


def run_env(metadata: MetaData, **_: Any) -> None:
    """Body of every service's env.py."""
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("sqlalchemy.url is not set; run migrations via `python -m <service>.manage migrate`")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_async(url, metadata))


def autogenerate(script_location: Path, message: str, rev_id: str) -> None:
    """Write a new revision by diffing the models against a scratch SQLite at the current head.

    Developers run this through `python -m <service>.manage makemigration`; review the result.
    """
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/autogen.sqlite3"
        upgrade(script_location, url)
        command.revision(alembic_config(script_location, url), message=message, autogenerate=True, rev_id=rev_id)
