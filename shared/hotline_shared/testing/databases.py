"""Fresh, migrated databases per test: SQLite files by default, PostgreSQL when asked.

Migrations run once per service per session into a template (a file, or a template database);
each test then gets a copy, which is far faster than migrating every time and still exercises
the real Alembic migrations.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from ..blocking import run_blocking
from ..migrations import upgrade

POSTGRES_ENV = "HOTLINE_TEST_POSTGRES_URL"


class DatabaseFactory:
    def __init__(self, workdir: Path, postgres_url: str | None = None) -> None:
        self.workdir = workdir
        self.postgres_url = postgres_url if postgres_url is not None else os.environ.get(POSTGRES_ENV) or None
        self.run_id = uuid.uuid4().hex[:8]
        self._templates: dict[str, str] = {}
        self._created: list[str] = []
        self._lock = threading.Lock()

    @property
    def backend(self) -> str:
        return "postgresql" if self.postgres_url else "sqlite"

    def _admin(self, sql: str) -> None:
        assert self.postgres_url

        async def go() -> None:
            engine = create_async_engine(self.postgres_url or "", isolation_level="AUTOCOMMIT")
            async with engine.connect() as conn:
                await conn.execute(text(sql))
            await engine.dispose()

        run_blocking(go())

    def _pg_url(self, dbname: str) -> str:
        assert self.postgres_url
        return make_url(self.postgres_url).set(database=dbname).render_as_string(hide_password=False)

    def _template(self, service: str, migrations: Path) -> str:
        with self._lock:
            if service in self._templates:
                return self._templates[service]
            if self.postgres_url:
                name = f"tmpl_{service}_{self.run_id}"
                self._admin(f'CREATE DATABASE "{name}"')
                self._created.append(name)
                upgrade(migrations, self._pg_url(name))
                self._templates[service] = name
            else:
                path = self.workdir / f"template_{service}.sqlite3"
                upgrade(migrations, f"sqlite+aiosqlite:///{path}")
                self._templates[service] = str(path)
            return self._templates[service]

    def new(self, service: str, migrations: Path) -> str:
        """URL of a brand-new database for `service`, with its migrations applied."""
        template = self._template(service, migrations)
        suffix = uuid.uuid4().hex[:10]
        if self.postgres_url:
            name = f"t_{service}_{self.run_id}_{suffix}"
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            self._created.append(name)
            return self._pg_url(name)
        path = self.workdir / f"{service}_{suffix}.sqlite3"
        shutil.copyfile(template, path)
        return f"sqlite+aiosqlite:///{path}"

    def empty(self, service: str) -> str:
        """URL of an empty database (for migration tests)."""
        suffix = uuid.uuid4().hex[:10]
        if self.postgres_url:
            name = f"e_{service}_{self.run_id}_{suffix}"
            self._admin(f'CREATE DATABASE "{name}"')
            self._created.append(name)
            return self._pg_url(name)
        return f"sqlite+aiosqlite:///{self.workdir / f'empty_{service}_{suffix}.sqlite3'}"

    def cleanup(self) -> None:
        if not self.postgres_url:
            return
        for name in reversed(self._created):
            # Best effort: a CI machine is thrown away anyway.
            with contextlib.suppress(Exception):
                self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
